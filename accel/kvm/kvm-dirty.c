/*
 * Migration's dirty tracking under KVM (accel.h dirty_log, dirty_sync).
 *
 * Guest writes made by the CPU never pass through Kite under KVM, so the
 * RAM regions' dirty bitmaps (hw/core/memory.h) only see writes from
 * outside the CPU. While migration runs, every RAM slot carries
 * KVM_MEM_LOG_DIRTY_PAGES; KVM_GET_DIRTY_LOG returns and clears the pages
 * the guest wrote since the previous call, which are ORed into the
 * region's bitmap here (one bit per 4 KiB page on both sides). Called
 * with every vCPU paused (slots are re-programmed).
 */
#include "accel/kvm/kvm-int.h"

#include <stdlib.h>
#include <string.h>

#define KVM_DIRTY_PAGE 4096ull

void kvm_dirty_log(Machine *m, bool on)
{
    KvmState *s = kvm_state(m);

    if (!s || s->dirty_log == on) {
        return;
    }
    s->dirty_log = on;
    kvm_slots_update(s);
}

/* ORs one slot's log into its region's bitmap. */
static void kvm_dirty_sync_slot(KvmState *s, int id, const KvmSlot *sl)
{
    uint64_t pages = sl->size / KVM_DIRTY_PAGE;
    size_t words = (pages + 63) / 64;
    uint64_t *bm = xzalloc(words * sizeof(uint64_t));
    struct kvm_dirty_log log = { .slot = (uint32_t)id };
    int ret;

    log.dirty_bitmap = bm;
    ret = kvm_ioctl(s->vm_fd, KVM_GET_DIRTY_LOG, &log);
    if (ret < 0) {
        /* no log: count the whole slot as written, never lose a page */
        error_report("kvm: KVM_GET_DIRTY_LOG of slot %d: %s", id,
                     strerror(-ret));
        memset(bm, 0xff, words * sizeof(uint64_t));
    }
    for (uint64_t p = 0; p < pages; p++) {
        if (bm[p / 64] & (1ull << (p % 64))) {
            memory_region_set_dirty(sl->mr, sl->mr_off + p * KVM_DIRTY_PAGE,
                                    KVM_DIRTY_PAGE);
        }
    }
    free(bm);
}

void kvm_dirty_sync(Machine *m)
{
    KvmState *s = kvm_state(m);

    if (!s || !s->dirty_log) {
        return;
    }
    for (int i = 0; i < s->nslots; i++) {
        const KvmSlot *sl = &s->slots[i];
        if (sl->used && (sl->flags & KVM_MEM_LOG_DIRTY_PAGES) && sl->mr) {
            kvm_dirty_sync_slot(s, i, sl);
        }
    }
}
