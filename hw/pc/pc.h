/*
 * The `pc` machine: configuration, the Machine object that owns memory,
 * devices, vCPUs, timers and the main loop, and the PC memory layout.
 *
 * Guest physical memory layout (one host RAM block of ram_size bytes):
 *   [0, 0xA0000)             low RAM            (block offset 0)
 *   [0xA0000, 0xC0000)       legacy VGA window  (unmapped until VGA exists)
 *   [0xC0000, 0x100000)      option ROM / BIOS area; RAM underneath
 *                            (block offset 0xC0000), BIOS ROM on top
 *   [0x100000, below_4g)     RAM                (block offset 0x100000)
 *   [below_4g, 4 GiB)        PCI/MMIO hole: LAPIC, IOAPIC, BIOS ROM alias
 *   [4 GiB, 4 GiB+above_4g)  the rest of RAM    (block offset below_4g)
 * below_4g is min(ram_size, PC_LOWMEM_LIMIT).
 */
#ifndef KITE_PC_H
#define KITE_PC_H

#include <pthread.h>
#include <stdatomic.h>

#include "accel/accel.h"
#include "hw/core/irq.h"
#include "hw/core/memory.h"
#include "hw/core/qdev.h"
#include "hw/core/timer.h"
#include "system/chardev.h"
#include "system/cpu-model.h"
#include "system/log.h"
#include "system/main-loop.h"
#include "system/monitor.h"

#define PC_LOWMEM_LIMIT   0xc0000000ull  /* start of the PCI hole */
#define PC_MAX_RAM        (1024ull * GiB)
#define PC_MIN_RAM        (2 * MiB)
#define PC_MAX_CPUS       64
#define PC_NUM_GSI        24
#define PC_MAX_DEVICE_ARGS 32
#define PC_MAX_DRIVES     16
#define PC_MAX_NETDEVS    8      /* -netdev and -nic */
#define PC_MAX_CHARDEVS   8      /* -chardev */
#define PC_MAX_SERIAL     4      /* COM1-COM4 */

/* Priorities of overlapping mappings in the memory space. */
enum { PRIO_RAM = 0, PRIO_ROM = 1, PRIO_IO = 2 };

#define E820_RAM      1
#define E820_RESERVED 2
#define E820_ACPI     3
#define E820_NVS      4
#define E820_MAX      32

typedef struct E820Entry {
    uint64_t addr, size;
    uint32_t type;
} E820Entry;

typedef struct E820Table {
    E820Entry entries[E820_MAX];
    int n;
} E820Table;

typedef struct MachineConfig {
    uint64_t ram_size;
    int smp;
    CpuConfig cpu;               /* -cpu */
    const char *kernel, *initrd, *append, *bios;
    const char *serial;          /* COM1: "stdio", "file:PATH", "none"... */
    const char *serial_more[PC_MAX_SERIAL - 1];  /* COM2-COM4, or NULL */
    const char *accel;           /* "kvm", "tcg", "kvm:tcg" */
    const char *tcg_backend;     /* "native", "interp" */
    int kernel_irqchip;          /* -1 default, 0 off, 1 on */
    bool no_reboot;
    bool nodefaults;             /* -nodefaults: no default serial port */
    bool nographic;
    const char *vga;             /* -vga: "std", "none"; NULL: default */
    const char *screendump;      /* -display none,screendump=FILE */
    const char *display;         /* -display sdl|none; NULL: default */
    bool full_screen;            /* -full-screen, -display sdl,full-screen=on */
    const char *vnc;             /* -vnc :N, HOST:N, unix:PATH, none */
    /* the virtual clock starts manual at 0 (hw/core/timer.h), for
     * drivers that advance it themselves (the lockstep runner) */
    bool manual_clock;
    unsigned log_mask;           /* -d */
    const char *log_file;        /* -D */
    const char *device_args[PC_MAX_DEVICE_ARGS];
    int ndevice_args;
    const char *drive_args[PC_MAX_DRIVES];   /* -drive (block/drive.h) */
    char *drive_owned[PC_MAX_DRIVES];  /* those built for -hda/-cdrom */
    int ndrive_args;
    const char *netdev_args[PC_MAX_NETDEVS]; /* -netdev (net/net.h) */
    int nnetdev_args;
    const char *nic_args[PC_MAX_NETDEVS];    /* -nic */
    int nnic_args;
    const char *chardev_args[PC_MAX_CHARDEVS]; /* -chardev */
    int nchardev_args;
    bool snapshot;               /* -snapshot: snapshot=on for every drive */
    const char *boot;            /* -boot (hw/pc/bootorder.h), or NULL */
    int firmware_boot;           /* -machine firmware-boot: -1 auto, 0, 1 */
    const char *name;            /* -name */
    const char *mon_spec[MONITOR_MAX];   /* -qmp / -monitor backends */
    bool mon_qmp[MONITOR_MAX];
    int nmon;
    bool start_stopped;          /* -S */
    const char *gdb_spec;        /* -gdb / -s: tcp::PORT, unix:PATH... */
    bool incoming;               /* -incoming: disk locks wait (migration) */
} MachineConfig;

/* What a device or the user asked the machine to do. */
enum {
    MACHINE_REQ_NONE     = 0,
    MACHINE_REQ_RESET    = 1u << 0,
    MACHINE_REQ_EXIT     = 1u << 1,   /* exit with exit_status */
};

typedef struct FwCfgState FwCfgState;
typedef struct PICState PICState;
typedef struct IOAPICState IOAPICState;
typedef struct APICState APICState;
typedef struct PCIBus PCIBus;

/* One bounded step of deferred device work, under the lock; true when done. */
typedef bool (*MachineWorkStep)(void *opaque);

struct Machine {
    MachineConfig cfg;
    Log log;
    pthread_mutex_t lock;        /* held while any device code runs */

    /* memory */
    AddressSpace mem, io;
    MemoryRegion ram, bios;
    uint64_t ram_size, below_4g, above_4g;
    bool a20_enabled;
    E820Table e820;

    /* devices */
    Device *root;
    struct NetClient *netdevs[PC_MAX_NETDEVS * 2]; /* backends (net/) */
    int nnetdevs;
    IrqLine gsi[PC_NUM_GSI];
    Chardev serial_chr;          /* COM1 */
    Chardev serial_more[PC_MAX_SERIAL - 1];  /* COM2-COM4 */
    FwCfgState *fw_cfg;
    /* userspace interrupt controllers (hw/intc), set when realized */
    PICState *pic;
    IOAPICState *ioapic;
    APICState *apic[PC_MAX_CPUS];   /* by vCPU index */
    PCIBus *pci_bus;             /* bus 0, created by the i440FX host bridge */
    struct Console *consoles[4]; /* display devices' surfaces (ui/console.h) */
    struct Display *display;     /* window / VNC front ends (ui/display.h) */

    /* CPUs and accelerator */
    const AccelOps *accel;
    void *accel_state;
    VCPU *cpus[PC_MAX_CPUS];
    int ncpus;
    X86CPUState boot_state;      /* what the loader set up for vCPU 0 */
    /* ACPI tables placed by Kite for -kernel boots (hw/acpi/acpi-pc.c) */
    uint64_t acpi_tables_addr;   /* E820_ACPI region, 0 if none */
    uint64_t acpi_rsdp_addr;     /* RSDP, for PVH's start info; 0 if none */
    bool have_boot_state;

    /* timers and main loop */
    TimerList timers;
    MainLoop loop;

    /* deferred device work (machine_defer_work), with lock */
    MachineWorkStep work_step;
    void *work_opaque;
    atomic_uint lock_waiters;    /* main-loop threads waiting for lock */

    /* run state */
    atomic_uint requests;
    int exit_status;
    pthread_cond_t cond;         /* vCPU pause/halt/stop, with lock */
    bool pause_requested;
    int paused_cpus;
    bool stopping;
    int signal_fd;
    bool user_quit;              /* a signal or Ctrl-A x ended the run */

    /* monitors (system/monitor.c) */
    Monitor *monitors[MONITOR_MAX + 1];
    int nmonitors;
    bool vm_stopped;             /* stop / -S: vCPUs stay parked */
    bool reset_by_monitor;       /* the next RESET event is the host's */
    const char *quit_reason;     /* SHUTDOWN's reason if a command quit */

    /* the gdb stub (system/gdbstub.c) and its breakpoints; NULL without */
    struct GdbStub *gdb;
    struct DebugPoints *debug_points;
    struct MigrationState *migration;   /* migration/migration.h */
};

/* The backend of serial port index (0 = COM1), or NULL. */
static inline Chardev *pc_serial_chardev(Machine *m, unsigned index)
{
    if (index == 0) {
        return &m->serial_chr;
    }
    return index < PC_MAX_SERIAL ? &m->serial_more[index - 1] : NULL;
}

/* Sets up RAM and the address spaces (no devices); usable from tests. */
int machine_init_memory(Machine *m, uint64_t ram_size, Error *err);
void machine_destroy_memory(Machine *m);

/* Full creation from a config: memory, devices, loaders, accelerator. */
Machine *machine_create(const MachineConfig *cfg, Error *err);
/* Runs until the guest or the user ends it; returns the exit status. */
int machine_run(Machine *m);
void machine_destroy(Machine *m);

/* Requests, callable from any thread (devices hold the lock). */
void machine_request_reset(Machine *m);
void machine_request_exit(Machine *m, int status);
/* Interrupts every vCPU so it returns to its loop. */
void machine_kick_cpus(Machine *m);

/*
 * Deferred device work. No long work under the machine lock: a device
 * with a long job (a fw_cfg DMA of up to 4 GiB) does a bounded first part
 * in its register handler and registers the rest as a step function
 * (lock held; one job at a time). vCPU threads run the steps before they
 * enter the guest again, taking the lock for each step and giving it up
 * between steps (to the main loop first, see machine_lock), so the guest
 * sees the access complete while signals, timers and stop requests get
 * through within one step.
 */
void machine_defer_work(Machine *m, MachineWorkStep step, void *opaque);
/* Drops the job of opaque, if it is the pending one (lock held). */
void machine_cancel_work(Machine *m, void *opaque);
/*
 * Runs pending steps (lock not held) until none is left, or a request,
 * pause or stop arrives; returns true when no work remains.
 */
bool machine_run_work(Machine *m);
/* Takes the lock as the main loop does: deferred work yields to it. */
void machine_lock(Machine *m);

/* Port I/O helpers for devices: map a region into the port space. */
int machine_map_ports(Machine *m, uint16_t base, MemoryRegion *mr);

/* e820 */
void e820_init(E820Table *t);
int e820_add(E820Table *t, uint64_t addr, uint64_t size, uint32_t type);
/* The default map for a machine's memory layout. */
void pc_build_e820(Machine *m);
/* Highest usable RAM address below limit with size bytes free, or 0. */
uint64_t e820_find_ram_top(const E820Table *t, uint64_t limit, uint64_t size);

#endif
