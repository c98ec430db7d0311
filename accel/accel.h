/*
 * The accelerator interface: how the machine runs its vCPUs.
 *
 * An accelerator (tcg, kvm, later hvf/whpx) is a const table of ops. The
 * machine picks one with -accel, calls init once, vcpu_init per vCPU, then
 * each vCPU thread loops on vcpu_run and acts on the reason it returned.
 * Devices never see the accelerator: port I/O and MMIO from every
 * accelerator end in the same AddressSpace dispatch, and interrupt lines
 * end in set_irq (in-kernel irqchip) or the userspace interrupt
 * controllers.
 *
 * Architectural state lives in VCPU.env. After vcpu_run returns, env is
 * stale until get_state is called; set_state must be called after env is
 * changed from outside (loader, reset, snapshot load, debugger).
 */
#ifndef KITE_ACCEL_H
#define KITE_ACCEL_H

#include <pthread.h>
#include <stdatomic.h>

#include "cpu/x86/cpu.h"
#include "hw/core/memory.h"
#include "system/util.h"

typedef struct Machine Machine;

typedef enum VcpuExit {
    VCPU_EXIT_NONE,      /* kicked, or a machine request is pending */
    VCPU_EXIT_HALT,      /* HLT; wait for an interrupt (userspace irqchip) */
    VCPU_EXIT_SHUTDOWN,  /* triple fault: reset, or exit with -no-reboot */
    VCPU_EXIT_DEBUG,     /* single step or breakpoint */
    VCPU_EXIT_ERROR,     /* unrecoverable; already reported */
} VcpuExit;

/* Bits of VCPU.interrupt_request */
enum {
    CPU_INTERRUPT_HARD = 1u << 0,   /* maskable interrupt pending at the PIC/APIC */
    CPU_INTERRUPT_NMI  = 1u << 1,
    CPU_INTERRUPT_INIT = 1u << 2,
    CPU_INTERRUPT_SIPI = 1u << 3,
    CPU_INTERRUPT_EXIT = 1u << 4,   /* leave the run loop (kick) */
};

typedef struct VCPU {
    int index;
    Machine *machine;
    X86CPUState env;
    void *accel;                      /* accelerator's per-vCPU data */
    pthread_t thread;
    atomic_int host_tid;              /* the thread's gettid(); 0 before */
    atomic_uint interrupt_request;
    atomic_bool exit_request;
    bool singlestep;
    /* singlestep for the debugger: no interrupt is taken, and an exception
       ends the step at its handler (QEMU's default for gdb) */
    bool step_noirq;
    /* the debugger (accel/debug.h): its points changed, and why the last
       VCPU_EXIT_DEBUG happened (watch_*: the watchpoint that was hit) */
    atomic_bool debug_dirty;
    int debug_stop;             /* DebugStop */
    int watch_type;             /* DebugPointType */
    uint64_t watch_addr;
} VCPU;

typedef struct AccelOps {
    const char *name;
    /* 0 if usable on this host, else -1 with the reason in err. */
    int (*probe)(Error *err);
    int (*init)(Machine *m, Error *err);
    void (*destroy)(Machine *m);
    int (*vcpu_init)(VCPU *cpu, Error *err);
    void (*vcpu_destroy)(VCPU *cpu);
    VcpuExit (*vcpu_run)(VCPU *cpu);
    /* Makes a running vcpu_run return soon; callable from any thread. */
    void (*vcpu_kick)(VCPU *cpu);
    int (*get_state)(VCPU *cpu);
    int (*set_state)(VCPU *cpu);
    /*
     * Sets a GSI level when the accelerator provides the interrupt
     * controllers; NULL when the userspace models are used.
     */
    void (*set_irq)(Machine *m, int gsi, int level);
    /* Whether the accelerator emulates the PIC/IOAPIC/LAPIC/PIT itself. */
    bool (*has_irqchip)(Machine *m);
    /* Sends an MSI (address, data) to its local APICs; NULL as set_irq. */
    void (*send_msi)(Machine *m, uint64_t addr, uint32_t data);
    /*
     * Migration's dirty tracking of guest RAM (called with every vCPU
     * paused; NULL: nothing to do). dirty_log turns the accelerator's own
     * record of guest writes on or off; dirty_sync, called right before
     * migration takes the RAM regions' dirty bitmaps, adds to those
     * bitmaps what the guest wrote that they do not show yet and re-arms
     * the tracking, so that every guest write after the vCPUs resume
     * sets a bit again.
     */
    void (*dirty_log)(Machine *m, bool on);
    void (*dirty_sync)(Machine *m);
} AccelOps;

extern const AccelOps accel_kvm_ops;
extern const AccelOps accel_tcg_ops;

/* Finds an accelerator by name ("kvm", "tcg"); NULL if unknown or not built. */
const AccelOps *accel_find(const char *name);

#endif
