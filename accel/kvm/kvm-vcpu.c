/*
 * KVM vCPUs: creation, the run loop that hands port I/O and MMIO exits to
 * the machine's address spaces, kicks from other threads, and the report
 * printed when KVM cannot go on (Linux KVM API, "KVM_RUN" and "struct
 * kvm_run" in Documentation/virt/kvm/api.rst).
 *
 * Kick protocol. The kicker sets cpu->exit_request, then run->immediate_exit,
 * then signals the vCPU thread (KVM_KICK_SIGNAL, an empty handler installed
 * without SA_RESTART). Before each KVM_RUN the vCPU thread clears
 * immediate_exit and only then tests-and-clears exit_request. So a kick
 * landing before that test is seen by it; one landing after it has set
 * immediate_exit (or will signal the thread inside KVM_RUN), so KVM_RUN
 * returns -EINTR at once. A stale immediate_exit is cleared at the next
 * entry and never makes more than one spurious VCPU_EXIT_NONE.
 *
 * I/O completion. After an IN or an MMIO read, KVM copies the data into the
 * guest only on the next KVM_RUN. Before returning to the caller with such
 * an operation outstanding, KVM_RUN is entered once with immediate_exit set,
 * which completes it without running guest code, so get_state always sees
 * finished instructions.
 */
#include "accel/kvm/kvm-int.h"
#include "cpu/x86/mce.h"
#include "hw/intc/intc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void kvm_kick_handler(int sig)
{
    (void)sig;  /* only there to interrupt KVM_RUN with EINTR */
}

int kvm_install_kick_handler(Error *err)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = kvm_kick_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;    /* no SA_RESTART: KVM_RUN must see EINTR */
    if (sigaction(KVM_KICK_SIGNAL, &sa, NULL) < 0) {
        return error_setg(err, "kvm: cannot install the kick signal handler: %s",
                          strerror(errno));
    }
    return 0;
}

#define EXIT_NAME(x) [KVM_EXIT_##x] = #x
static const char *const kvm_exit_names[] = {
    EXIT_NAME(UNKNOWN), EXIT_NAME(EXCEPTION), EXIT_NAME(IO),
    EXIT_NAME(HYPERCALL), EXIT_NAME(DEBUG), EXIT_NAME(HLT), EXIT_NAME(MMIO),
    EXIT_NAME(IRQ_WINDOW_OPEN), EXIT_NAME(SHUTDOWN), EXIT_NAME(FAIL_ENTRY),
    EXIT_NAME(INTR), EXIT_NAME(SET_TPR), EXIT_NAME(TPR_ACCESS),
    EXIT_NAME(NMI), EXIT_NAME(INTERNAL_ERROR), EXIT_NAME(WATCHDOG),
    EXIT_NAME(SYSTEM_EVENT), EXIT_NAME(IOAPIC_EOI), EXIT_NAME(HYPERV),
    EXIT_NAME(X86_RDMSR), EXIT_NAME(X86_WRMSR), EXIT_NAME(DIRTY_RING_FULL),
    EXIT_NAME(AP_RESET_HOLD), EXIT_NAME(X86_BUS_LOCK), EXIT_NAME(XEN),
    EXIT_NAME(NOTIFY),
};
#undef EXIT_NAME

const char *kvm_exit_reason_name(uint32_t reason)
{
    if (reason < ARRAY_SIZE(kvm_exit_names) && kvm_exit_names[reason]) {
        return kvm_exit_names[reason];
    }
    return "an unknown exit reason";
}

static const char *kvm_suberror_name(uint32_t sub)
{
    switch (sub) {
    case KVM_INTERNAL_ERROR_EMULATION:
        return "emulation failure: KVM cannot emulate an instruction";
    case KVM_INTERNAL_ERROR_SIMUL_EX:
        return "exception while delivering an exception";
    case KVM_INTERNAL_ERROR_DELIVERY_EV:
        return "event delivery failed";
    case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
        return "unexpected hardware exit reason";
    default:
        return "unknown suberror";
    }
}

/* ---- creation ---- */

/*
 * The machine-check banks TCG has (cpu/x86/mce.h), so both accelerators
 * show the same MCG_CAP; a KVM without them keeps its default.
 */
static void kvm_vcpu_setup_mce(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    uint64_t cap = MCG_CAP_VALUE, supported = 0;
    int banks = kvm_check_extension(v->s, KVM_CAP_MCE);
    int ret = -1;

    if (banks >= MCE_BANKS &&
        kvm_ioctl(v->s->sys_fd, KVM_X86_GET_MCE_CAP_SUPPORTED, &supported) == 0 &&
        (cap & ~0xffull & ~supported) == 0) {
        ret = kvm_ioctl(v->fd, KVM_X86_SETUP_MCE, &cap);
    }
    if (ret < 0) {
        log_mask(&cpu->machine->log, LOG_KVM,
                 "kvm: machine-check banks left as KVM has them\n");
    }
}

int kvm_vcpu_init(VCPU *cpu, Error *err)
{
    KvmState *s = kvm_state(cpu->machine);
    KvmVcpu *v;
    void *run;

    if (!s) {
        return error_setg(err, "kvm: vCPU %d created before the VM", cpu->index);
    }
    v = xzalloc(sizeof(*v));
    v->s = s;
    v->fd = kvm_ioctl(s->vm_fd, KVM_CREATE_VCPU, (void *)(intptr_t)cpu->index);
    if (v->fd < 0) {
        error_setg(err, "kvm: cannot create vCPU %d: %s", cpu->index,
                   strerror(-v->fd));
        free(v);
        return -1;
    }
    run = mmap(NULL, s->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
               v->fd, 0);
    if (run == MAP_FAILED) {
        error_setg(err, "kvm: cannot map the run area of vCPU %d: %s",
                   cpu->index, strerror(errno));
        close(v->fd);
        free(v);
        return -1;
    }
    v->run = run;
    v->xsave = xzalloc(s->xsave_size);
    cpu->accel = v;
    if (kvm_cpuid_setup(cpu, err) < 0) {
        kvm_vcpu_destroy(cpu);
        return -1;
    }
    kvm_vcpu_setup_mce(cpu);
    kvm_state_probe_msrs(cpu);
    return 0;
}

void kvm_vcpu_destroy(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;

    if (!v) {
        return;
    }
    munmap(v->run, v->s->vcpu_mmap_size);
    close(v->fd);
    free(v->xsave);
    free(v);
    cpu->accel = NULL;
}

/* ---- kicks ---- */

static void kvm_set_immediate_exit(KvmVcpu *v, uint8_t val)
{
    __atomic_store_n(&v->run->immediate_exit, val, __ATOMIC_SEQ_CST);
}

void kvm_vcpu_kick(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;

    atomic_store(&cpu->exit_request, true);
    if (!v) {
        return;
    }
    if (v->s->cap_immediate_exit) {
        kvm_set_immediate_exit(v, 1);
    }
    if (cpu->thread) {
        pthread_kill(cpu->thread, KVM_KICK_SIGNAL);
    }
}

void kvm_vcpu_complete_io(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    int ret;

    if (!v->io_pending || !v->s->cap_immediate_exit) {
        return;
    }
    kvm_set_immediate_exit(v, 1);
    ret = kvm_ioctl(v->fd, KVM_RUN, NULL);
    if (ret != -EINTR) {
        log_mask(&cpu->machine->log, LOG_KVM,
                 "kvm: vCPU %d: completing I/O returned %d\n", cpu->index, ret);
    }
    v->io_pending = false;
}

/* ---- exits ---- */

static void kvm_handle_io(VCPU *cpu, struct kvm_run *run)
{
    KvmVcpu *v = cpu->accel;
    Machine *m = cpu->machine;
    uint64_t size = run->io.size, count = run->io.count;
    uint64_t off = run->io.data_offset;
    bool out = run->io.direction == KVM_EXIT_IO_OUT;
    uint8_t *data = (uint8_t *)run + off;

    if ((size != 1 && size != 2 && size != 4) ||
        off > (uint64_t)v->s->vcpu_mmap_size ||
        count * size > v->s->vcpu_mmap_size - off) {
        log_mask(&m->log, LOG_KVM, "kvm: malformed I/O exit ignored\n");
        return;
    }
    pthread_mutex_lock(&m->lock);
    for (uint64_t i = 0; i < count; i++) {
        address_space_access(&m->io, run->io.port, data + i * size,
                             (unsigned)size, out);
    }
    pthread_mutex_unlock(&m->lock);
    if (log_enabled(&m->log, LOG_KVM)) {
        uint32_t val = 0;
        memcpy(&val, data, size);
        log_printf(&m->log, "kvm: vCPU %d: %s port 0x%04x size %u count %u "
                   "first 0x%x\n", cpu->index, out ? "out" : "in",
                   run->io.port, (unsigned)size, (unsigned)count, val);
    }
    v->io_pending = !out;
}

static void kvm_handle_mmio(VCPU *cpu, struct kvm_run *run)
{
    KvmVcpu *v = cpu->accel;
    Machine *m = cpu->machine;
    uint32_t len = MIN(run->mmio.len, (uint32_t)sizeof(run->mmio.data));

    pthread_mutex_lock(&m->lock);
    address_space_access(&m->mem, run->mmio.phys_addr, run->mmio.data, len,
                         run->mmio.is_write);
    pthread_mutex_unlock(&m->lock);
    if (log_enabled(&m->log, LOG_KVM)) {
        uint64_t val = 0;
        memcpy(&val, run->mmio.data, len);
        log_printf(&m->log, "kvm: vCPU %d: mmio %s 0x%llx size %u value "
                   "0x%llx\n", cpu->index, run->mmio.is_write ? "write" : "read",
                   (unsigned long long)run->mmio.phys_addr, len,
                   (unsigned long long)val);
    }
    v->io_pending = !run->mmio.is_write;
}

/* The bytes of the instruction KVM failed to emulate, when it gives them. */
static void kvm_report_insn(struct kvm_run *run, FILE *f)
{
#ifdef KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES
    unsigned n;

    if (run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION ||
        run->internal.ndata < 3 ||
        !(run->emulation_failure.flags &
          KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
        return;
    }
    n = MIN(run->emulation_failure.insn_size,
            (unsigned)sizeof(run->emulation_failure.insn_bytes));
    fprintf(f, "  instruction bytes:");
    for (unsigned i = 0; i < n; i++) {
        fprintf(f, " %02x", run->emulation_failure.insn_bytes[i]);
    }
    fprintf(f, "\n");
#else
    (void)run;
    (void)f;
#endif
}

static void kvm_report_details(VCPU *cpu, struct kvm_run *run, FILE *f)
{
    switch (run->exit_reason) {
    case KVM_EXIT_INTERNAL_ERROR: {
        uint32_t n = MIN(run->internal.ndata,
                         (uint32_t)ARRAY_SIZE(run->internal.data));
        fprintf(f, "  suberror %u (%s)\n", run->internal.suberror,
                kvm_suberror_name(run->internal.suberror));
        for (uint32_t i = 0; i < n; i++) {
            fprintf(f, "  data[%u] = 0x%016llx\n", i,
                    (unsigned long long)run->internal.data[i]);
        }
        kvm_report_insn(run, f);
        break;
    }
    case KVM_EXIT_FAIL_ENTRY:
        fprintf(f, "  hardware_entry_failure_reason 0x%llx on host CPU %u\n",
                (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
                run->fail_entry.cpu);
        break;
    case KVM_EXIT_EXCEPTION:
        fprintf(f, "  exception %u, error code 0x%x\n", run->ex.exception,
                run->ex.error_code);
        break;
    default:
        break;
    }
}

/* Prints what stopped the vCPU and its registers; returns VCPU_EXIT_ERROR. */
static VcpuExit kvm_report_exit(VCPU *cpu, int run_ret)
{
    KvmVcpu *v = cpu->accel;
    struct kvm_run *run = v->run;
    int sret = kvm_get_state(cpu);

    flockfile(stderr);
    if (run_ret < 0) {
        fprintf(stderr, "kite: kvm: vCPU %d: KVM_RUN failed: %s\n", cpu->index,
                strerror(-run_ret));
    } else {
        fprintf(stderr, "kite: kvm: vCPU %d stopped: KVM_EXIT_%s (exit "
                "reason %u)\n", cpu->index,
                kvm_exit_reason_name(run->exit_reason), run->exit_reason);
        kvm_report_details(cpu, run, stderr);
    }
    if (sret < 0) {
        fprintf(stderr, "  (registers unavailable: %s)\n", strerror(-sret));
    } else {
        x86_cpu_state_dump(&cpu->env, stderr);
    }
    funlockfile(stderr);
    return VCPU_EXIT_ERROR;
}

static bool kvm_should_leave(VCPU *cpu)
{
    return atomic_load(&cpu->machine->requests) ||
           atomic_load(&cpu->exit_request);
}

static VcpuExit kvm_vcpu_leave(VCPU *cpu, VcpuExit why)
{
    atomic_store(&cpu->exit_request, false);
    kvm_vcpu_complete_io(cpu);
    return why;
}

/* One exit: returns true to keep running, or false with *why set. */
static bool kvm_dispatch_exit(VCPU *cpu, VcpuExit *why)
{
    KvmVcpu *v = cpu->accel;
    struct kvm_run *run = v->run;
    Log *log = &cpu->machine->log;

    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        kvm_handle_io(cpu, run);
        break;
    case KVM_EXIT_MMIO:
        kvm_handle_mmio(cpu, run);
        break;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
        break;
    case KVM_EXIT_HLT:
        log_mask(log, LOG_KVM, "kvm: vCPU %d: hlt\n", cpu->index);
        /*
         * The vCPU thread waits for an interrupt it can take; env is stale
         * after a run, so hand it the one bit it looks at.
         */
        cpu->env.rflags = (cpu->env.rflags & ~(uint64_t)RF_IF) |
                          (run->if_flag ? RF_IF : 0);
        *why = VCPU_EXIT_HALT;
        v->hlt_exit = true;
        return false;
    case KVM_EXIT_SHUTDOWN:
        log_mask(log, LOG_KVM, "kvm: vCPU %d: shutdown\n", cpu->index);
        *why = VCPU_EXIT_SHUTDOWN;
        return false;
    case KVM_EXIT_INTR:
        *why = VCPU_EXIT_NONE;
        return false;
    case KVM_EXIT_DEBUG:
        kvm_debug_exit_reason(cpu, cpu->machine->debug_points,
                              run->debug.arch.dr6);
        *why = VCPU_EXIT_DEBUG;
        return false;
    default:
        *why = kvm_report_exit(cpu, 0);
        return false;
    }
    if (kvm_should_leave(cpu)) {
        *why = VCPU_EXIT_NONE;
        return false;
    }
    return true;
}

/*
 * With Kite's own interrupt controllers (no in-kernel irqchip), pending
 * interrupts are injected here: NMIs at once, a maskable interrupt when
 * KVM says the guest can take one, otherwise KVM is asked to exit as soon
 * as an interrupt window opens.
 */
static void kvm_inject_interrupts(VCPU *cpu, KvmVcpu *v)
{
    Machine *m = cpu->machine;
    struct kvm_run *run = v->run;

    if (v->s->irqchip) {
        return;
    }
    if (atomic_load(&cpu->interrupt_request) & CPU_INTERRUPT_NMI) {
        atomic_fetch_and(&cpu->interrupt_request, ~(unsigned)CPU_INTERRUPT_NMI);
        kvm_ioctl(v->fd, KVM_NMI, NULL);
    }
    if ((atomic_load(&cpu->interrupt_request) & CPU_INTERRUPT_HARD) &&
        run->ready_for_interrupt_injection && run->if_flag) {
        int vector;

        pthread_mutex_lock(&m->lock);
        vector = pc_cpu_get_interrupt(cpu);
        pthread_mutex_unlock(&m->lock);
        if (vector >= 0) {
            struct kvm_interrupt irq = { .irq = (uint32_t)vector };
            kvm_ioctl(v->fd, KVM_INTERRUPT, &irq);
        }
    }
    run->request_interrupt_window =
        (atomic_load(&cpu->interrupt_request) & CPU_INTERRUPT_HARD) != 0;
}

VcpuExit kvm_vcpu_run(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    VcpuExit why = VCPU_EXIT_NONE;

    kvm_debug_sync(cpu);
    if (v->halt_pending) {
        v->halt_pending = false;     /* the vCPU thread waits for work */
        v->hlt_exit = true;
        return VCPU_EXIT_HALT;
    }
    v->hlt_exit = false;
    for (;;) {
        int ret;

        kvm_set_immediate_exit(v, 0);
        if (atomic_exchange(&cpu->exit_request, false)) {
            return kvm_vcpu_leave(cpu, VCPU_EXIT_NONE);
        }
        kvm_inject_interrupts(cpu, v);
        ret = kvm_ioctl(v->fd, KVM_RUN, NULL);
        v->io_pending = false;  /* any outstanding I/O completed on entry */
        if (ret == -EINTR || ret == -EAGAIN) {
            log_mask(&cpu->machine->log, LOG_KVM, "kvm: vCPU %d: kicked\n",
                     cpu->index);
            return kvm_vcpu_leave(cpu, VCPU_EXIT_NONE);
        }
        if (ret < 0) {
            return kvm_report_exit(cpu, ret);
        }
        if (!kvm_dispatch_exit(cpu, &why)) {
            return why == VCPU_EXIT_NONE ? kvm_vcpu_leave(cpu, why) : why;
        }
    }
}
