/*
 * Private state of the KVM accelerator, shared by its files:
 *   kvm.c        /dev/kvm, the VM, memory slots, the in-kernel irqchip, ops
 *   kvm-vcpu.c   vCPU creation, the run loop, kicks, exit reports
 *   kvm-cpuid.c  the CPUID table given to each vCPU
 *   kvm-state.c  transfer of X86CPUState to and from KVM
 * The ABI is the Linux KVM API (Documentation/virt/kvm/api.rst, API 12).
 *
 * Every ioctl goes through kvm_ioctl(), which returns the ioctl's result or
 * -errno and never ends the process.
 */
#ifndef KITE_KVM_INT_H
#define KITE_KVM_INT_H

#include <linux/kvm.h>
#include <signal.h>

#include "accel/accel.h"
#include "hw/pc/pc.h"

#define KVM_API_VERSION_EXPECTED 12
/* Hole below the BIOS for VMX's real-mode TSS (3 pages) and identity map. */
#define KVM_TSS_ADDR        0xfeffd000ull
#define KVM_IDENTITY_MAP    0xfeffc000ull
#define KVM_KICK_SIGNAL     SIGUSR1
#define KVM_MAX_MSRS        128

typedef struct KvmSlot {
    bool used;
    uint32_t flags;              /* KVM_MEM_READONLY, KVM_MEM_LOG_DIRTY_PAGES */
    uint64_t gpa, size;
    uint8_t *host;
    MemoryRegion *mr;            /* the RAM/ROM behind it, from mr_off */
    uint64_t mr_off;
} KvmSlot;

typedef struct KvmState {
    Machine *machine;
    int sys_fd, vm_fd;
    int vcpu_mmap_size;
    bool irqchip;                /* in-kernel PIC/IOAPIC/LAPIC/PIT */
    bool cap_immediate_exit, cap_readonly_mem, cap_xsave, cap_xcrs;
    bool cap_debugregs, cap_vcpu_events;
    int xsave_size;              /* bytes of KVM_GET_XSAVE(2) data */
    KvmSlot *slots;
    int nslots;                  /* KVM_CAP_NR_MEMSLOTS */
    bool warned_rom;
    bool dirty_log;              /* RAM slots log dirty pages (migration) */
} KvmState;

typedef struct KvmVcpu {
    KvmState *s;
    int fd;
    struct kvm_run *run;
    bool io_pending;             /* an IN/MMIO read awaits KVM_RUN completion */
    uint32_t msrs[KVM_MAX_MSRS]; /* MSRs transferred by get/set_state */
    int nmsrs;
    void *xsave;                 /* scratch buffer of xsave_size bytes */
    bool singlestep;             /* KVM_GUESTDBG_SINGLESTEP is set in KVM */
    /*
     * Kite's own irqchip: the vCPU left KVM_RUN on a HLT and waits for an
     * interrupt outside KVM (what env.halted means then); halt_pending:
     * the state set says halted, so the next run waits first.
     */
    bool hlt_exit, halt_pending;
} KvmVcpu;

/* kvm.c */
int kvm_ioctl(int fd, unsigned long req, void *arg);
/* Recomputes the memory slots from the memory map (after dirty_log). */
void kvm_slots_update(KvmState *s);
int kvm_check_extension(KvmState *s, int cap);
static inline KvmState *kvm_state(Machine *m)
{
    return m->accel_state;
}

/* kvm-debug.c */
#include "accel/debug.h"
/*
 * The KVM_SET_GUEST_DEBUG argument for the debugger's points and single
 * step; -1 when they need more than the four debug registers (the first
 * four pieces are set).
 */
int kvm_debug_build(const DebugPoints *dp, bool step, bool noirq,
                    struct kvm_guest_debug *dbg);
/* Applies the debugger's state before KVM_RUN when it changed. */
void kvm_debug_sync(VCPU *cpu);
/* Sets cpu->debug_stop (and the watchpoint) from a KVM_EXIT_DEBUG. */
void kvm_debug_exit_reason(VCPU *cpu, const DebugPoints *dp, uint64_t dr6);

/* kvm-vcpu.c */
int kvm_vcpu_init(VCPU *cpu, Error *err);
void kvm_vcpu_destroy(VCPU *cpu);
VcpuExit kvm_vcpu_run(VCPU *cpu);
void kvm_vcpu_kick(VCPU *cpu);
void kvm_vcpu_complete_io(VCPU *cpu);
int kvm_install_kick_handler(Error *err);
const char *kvm_exit_reason_name(uint32_t reason);

/* kvm-dirty.c: migration's dirty log (accel.h dirty_log/dirty_sync) */
void kvm_dirty_log(Machine *m, bool on);
void kvm_dirty_sync(Machine *m);

/* kvm-cpuid.c */
int kvm_cpuid_setup(VCPU *cpu, Error *err);

/* kvm-state.c */
int kvm_state_probe_msrs(VCPU *cpu);
int kvm_get_state(VCPU *cpu);
int kvm_set_state(VCPU *cpu);

#endif
