/*
 * The debugger under KVM: KVM_SET_GUEST_DEBUG (Documentation/virt/kvm/
 * api.rst, 4.59) with single step (interrupts blocked during the step
 * where KVM offers KVM_GUESTDBG_BLOCKIRQ) and the four hardware debug
 * registers for the debugger's breakpoints and watchpoints. Software
 * breakpoints become hardware ones too (no guest memory is patched), so
 * breakpoints and watchpoints share four slots; a watchpoint that is not
 * one aligned 1/2/4/8-byte range takes one slot per aligned piece. x86
 * has no read-only data breakpoint: a read watchpoint is a read/write one
 * whose write hits are reported as reads. While the debugger uses the
 * registers, the guest's own DR0-DR7 are not in effect (as under QEMU).
 */
#include <string.h>

#include "accel/kvm/kvm-int.h"

/* One aligned piece: the LEN encoding of DR7 (1, 2, 8, 4 bytes). */
static int kvm_debug_len_code(uint64_t len)
{
    return len == 1 ? 0 : len == 2 ? 1 : len == 8 ? 2 : 3;
}

/* Largest aligned piece of at most 8 bytes starting at addr. */
static uint64_t kvm_debug_piece(uint64_t addr, uint64_t len)
{
    uint64_t n = 8;

    while (n > 1 && ((addr & (n - 1)) || n > len)) {
        n >>= 1;
    }
    return n;
}

static bool kvm_debug_add(struct kvm_guest_debug *dbg, int *slot,
                          uint64_t addr, unsigned rw, uint64_t len)
{
    int n = *slot;

    if (n == 4) {
        return false;
    }
    dbg->arch.debugreg[n] = addr;
    dbg->arch.debugreg[7] |= (2ull << (2 * n)) |
                             ((uint64_t)rw << (16 + 4 * n)) |
                             ((uint64_t)kvm_debug_len_code(len) << (18 + 4 * n));
    *slot = n + 1;
    return true;
}

int kvm_debug_build(const DebugPoints *dp, bool step, bool noirq,
                    struct kvm_guest_debug *dbg)
{
    int slot = 0;
    bool full = false;

    memset(dbg, 0, sizeof(*dbg));
    for (int i = 0; dp && i < dp->n && !full; i++) {
        const DebugPoint *p = &dp->p[i];
        uint64_t addr = p->addr, left = p->len;

        if (!debug_point_is_watch(p->type)) {
            full = !kvm_debug_add(dbg, &slot, addr, 0, 1);
            continue;
        }
        while (left && !full) {
            uint64_t n = kvm_debug_piece(addr, left);
            full = !kvm_debug_add(dbg, &slot, addr,
                                  p->type == DEBUG_WP_WRITE ? 1 : 3, n);
            addr += n;
            left -= n;
        }
    }
    if (slot) {
        dbg->control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP;
        dbg->arch.debugreg[7] |= 0x400;
    }
    if (step) {
        dbg->control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP |
                        (noirq ? KVM_GUESTDBG_BLOCKIRQ : 0);
    }
    return full ? -1 : 0;
}

/* Which debugger point a hit in DR6 B0-B3 stands for (slot order). */
static const DebugPoint *kvm_debug_slot_point(const DebugPoints *dp, int hit)
{
    int slot = 0;

    for (int i = 0; dp && i < dp->n; i++) {
        const DebugPoint *p = &dp->p[i];
        uint64_t addr = p->addr, left = debug_point_is_watch(p->type) ?
                                        p->len : 1;
        while (left) {
            uint64_t n = kvm_debug_piece(addr, left);
            if (slot++ == hit) {
                return p;
            }
            addr += n;
            left -= n;
        }
    }
    return NULL;
}

void kvm_debug_exit_reason(VCPU *cpu, const DebugPoints *dp, uint64_t dr6)
{
    const DebugPoint *p = NULL;

    for (int i = 0; i < 4 && !p; i++) {
        if (dr6 & (1u << i)) {
            p = kvm_debug_slot_point(dp, i);
        }
    }
    if (!p) {
        cpu->debug_stop = cpu->singlestep ? DEBUG_STOP_STEP : DEBUG_STOP_NONE;
    } else if (debug_point_is_watch(p->type)) {
        cpu->debug_stop = DEBUG_STOP_WATCH;
        cpu->watch_type = p->type;
        cpu->watch_addr = p->addr;
    } else {
        cpu->debug_stop = DEBUG_STOP_BREAK;
    }
}

void kvm_debug_sync(VCPU *cpu)
{
    KvmVcpu *v = cpu->accel;
    struct kvm_guest_debug dbg;
    int ret;

    if (!atomic_exchange(&cpu->debug_dirty, false) &&
        v->singlestep == cpu->singlestep) {
        return;
    }
    if (kvm_debug_build(cpu->machine->debug_points, cpu->singlestep,
                        cpu->step_noirq, &dbg) < 0) {
        log_mask(&cpu->machine->log, LOG_KVM, "kvm: vCPU %d: more than four "
                 "hardware breakpoints and watchpoints; the first four are "
                 "set\n", cpu->index);
    }
    ret = kvm_ioctl(v->fd, KVM_SET_GUEST_DEBUG, &dbg);
    if (ret < 0 && (dbg.control & KVM_GUESTDBG_BLOCKIRQ)) {
        dbg.control &= ~(uint32_t)KVM_GUESTDBG_BLOCKIRQ;    /* older KVM */
        ret = kvm_ioctl(v->fd, KVM_SET_GUEST_DEBUG, &dbg);
    }
    if (ret < 0) {
        log_mask(&cpu->machine->log, LOG_KVM, "kvm: vCPU %d: "
                 "KVM_SET_GUEST_DEBUG: %s\n", cpu->index, strerror(-ret));
        return;
    }
    v->singlestep = cpu->singlestep;
}
