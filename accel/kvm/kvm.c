/*
 * The KVM accelerator: opening /dev/kvm, the VM, the memory slots that
 * mirror the system address space, the in-kernel irqchip, and the ops
 * table (accel/accel.h). Follows the Linux KVM API, version 12
 * (Documentation/virt/kvm/api.rst).
 *
 * Memory slots: a listener on m->mem recomputes, after every change of the
 * memory map, one slot per page-aligned RAM or ROM flat range (a region
 * mapped in several places, such as RAM aliases, gets one slot per place).
 * ROM slots are KVM_MEM_READONLY, so guest writes to them exit as MMIO and
 * the address-space dispatch drops them. I/O regions and sub-page pieces
 * get no slot and reach the devices through MMIO exits. KVM forbids
 * overlapping slots and in-place moves, so stale slots are deleted before
 * new ones are created.
 */
#include "accel/kvm/kvm-int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define KVM_PAGE_SIZE     4096ull
#define KVM_SLOTS_MAX     512    /* more than any PC memory map needs */

int kvm_ioctl(int fd, unsigned long req, void *arg)
{
    int ret;

    do {
        ret = ioctl(fd, req, arg);
    } while (ret < 0 && errno == EINTR && req != KVM_RUN);
    return ret < 0 ? -errno : ret;
}

int kvm_check_extension(KvmState *s, int cap)
{
    int ret = kvm_ioctl(s->vm_fd >= 0 ? s->vm_fd : s->sys_fd,
                        KVM_CHECK_EXTENSION, (void *)(intptr_t)cap);
    return ret < 0 ? 0 : ret;
}

/* Opens /dev/kvm and checks the API version; returns the fd or -1. */
static int kvm_open(Error *err)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    int version;

    if (fd < 0) {
        int e = errno;
        if (e == ENOENT || e == ENODEV || e == ENXIO) {
            return error_setg(err, "KVM not available: /dev/kvm does not exist "
                              "(no hardware virtualization, or the kvm module "
                              "is not loaded)");
        }
        if (e == EACCES || e == EPERM) {
            return error_setg(err, "KVM not available: no permission to open "
                              "/dev/kvm (add yourself to the kvm group: "
                              "sudo usermod -aG kvm $USER, then log in again)");
        }
        return error_setg(err, "KVM not available: cannot open /dev/kvm: %s",
                          strerror(e));
    }
    version = kvm_ioctl(fd, KVM_GET_API_VERSION, NULL);
    if (version != KVM_API_VERSION_EXPECTED) {
        close(fd);
        if (version < 0) {
            return error_setg(err, "KVM not available: KVM_GET_API_VERSION "
                              "failed: %s", strerror(-version));
        }
        return error_setg(err, "KVM not available: the kernel's KVM API "
                          "version is %d, Kite needs %d", version,
                          KVM_API_VERSION_EXPECTED);
    }
    return fd;
}

static int kvm_probe(Error *err)
{
    int fd = kvm_open(err);

    if (fd < 0) {
        return -1;
    }
    close(fd);
    return 0;
}

/* ---- memory slots ---- */

static bool kvm_slot_equal(const KvmSlot *a, const KvmSlot *b)
{
    return a->gpa == b->gpa && a->size == b->size && a->host == b->host &&
           a->flags == b->flags;
}

static int kvm_slot_program(KvmState *s, int id, const KvmSlot *sl,
                            bool remove)
{
    struct kvm_userspace_memory_region r = {
        .slot = (uint32_t)id,
        .flags = sl->flags,
        .guest_phys_addr = sl->gpa,
        .memory_size = remove ? 0 : sl->size,
        .userspace_addr = (uint64_t)(uintptr_t)sl->host,
    };
    int ret = kvm_ioctl(s->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);

    log_mask(&s->machine->log, LOG_KVM,
             "kvm: slot %d %s gpa 0x%llx size 0x%llx%s%s\n", id,
             remove ? "del" : "add", (unsigned long long)sl->gpa,
             (unsigned long long)sl->size,
             sl->flags & KVM_MEM_READONLY ? " readonly" : "",
             ret < 0 ? " FAILED" : "");
    if (ret < 0) {
        error_report("kvm: cannot %s memory slot at 0x%llx (size 0x%llx): %s",
                     remove ? "remove" : "add", (unsigned long long)sl->gpa,
                     (unsigned long long)sl->size, strerror(-ret));
    }
    return ret;
}

/* The page-aligned part of a RAM/ROM flat range as a slot; false if none. */
static bool kvm_slot_from_range(KvmState *s, const FlatRange *fr, KvmSlot *out)
{
    uint64_t start = ALIGN_UP(fr->base, KVM_PAGE_SIZE);
    uint64_t end = ALIGN_DOWN(fr->base + fr->size, KVM_PAGE_SIZE);
    uint64_t off;

    if (fr->mr->kind == MR_IO || !fr->mr->host || start >= end) {
        return false;
    }
    off = fr->offset + (start - fr->base);
    if (off & (KVM_PAGE_SIZE - 1)) {
        return false;   /* host and guest pages would not line up */
    }
    *out = (KvmSlot){
        .used = true, .gpa = start, .size = end - start,
        .host = fr->mr->host + off, .mr = fr->mr, .mr_off = off,
    };
    if (fr->mr->kind == MR_RAM && s->dirty_log) {
        out->flags = KVM_MEM_LOG_DIRTY_PAGES;
    }
    if (fr->mr->kind == MR_ROM) {
        if (s->cap_readonly_mem) {
            out->flags = KVM_MEM_READONLY;
        } else if (!s->warned_rom) {
            s->warned_rom = true;
            error_report("kvm: no read-only memory slots on this host; "
                         "guest writes to ROM will stick");
        }
    }
    return true;
}

static bool kvm_slot_wanted(const KvmSlot *sl, const KvmSlot *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (kvm_slot_equal(sl, &want[i])) {
            return true;
        }
    }
    return false;
}

static void kvm_slot_add(KvmState *s, const KvmSlot *want)
{
    for (int i = 0; i < s->nslots; i++) {
        if (s->slots[i].used && kvm_slot_equal(&s->slots[i], want)) {
            return;     /* already there */
        }
    }
    for (int i = 0; i < s->nslots; i++) {
        if (!s->slots[i].used) {
            if (kvm_slot_program(s, i, want, false) == 0) {
                s->slots[i] = *want;
            }
            return;
        }
    }
    error_report("kvm: out of memory slots (%d) mapping 0x%llx", s->nslots,
                 (unsigned long long)want->gpa);
}

static void kvm_memory_changed(void *opaque, AddressSpace *as)
{
    KvmState *s = opaque;
    KvmSlot *want = xmalloc(sizeof(*want) * (as->nflat + 1));
    size_t nwant = 0;

    for (size_t i = 0; i < as->nflat; i++) {
        if (kvm_slot_from_range(s, &as->flat[i], &want[nwant])) {
            nwant++;
        }
    }
    for (int i = 0; i < s->nslots; i++) {
        if (s->slots[i].used && !kvm_slot_wanted(&s->slots[i], want, nwant)) {
            kvm_slot_program(s, i, &s->slots[i], true);
            s->slots[i].used = false;
        }
    }
    for (size_t i = 0; i < nwant; i++) {
        kvm_slot_add(s, &want[i]);
    }
    free(want);
}

void kvm_slots_update(KvmState *s)
{
    kvm_memory_changed(s, &s->machine->mem);
}

/* The memory API has no removal call; drop our entry from the array. */
static void kvm_memory_listener_remove(KvmState *s, AddressSpace *as)
{
    size_t j = 0;

    for (size_t i = 0; i < as->nlisteners; i++) {
        if (as->listeners[i].opaque != s) {
            as->listeners[j++] = as->listeners[i];
        }
    }
    as->nlisteners = j;
}

/* ---- VM ---- */

static void kvm_read_caps(KvmState *s)
{
    int n;

    s->cap_immediate_exit = kvm_check_extension(s, KVM_CAP_IMMEDIATE_EXIT) > 0;
    s->cap_readonly_mem = kvm_check_extension(s, KVM_CAP_READONLY_MEM) > 0;
    s->cap_xsave = kvm_check_extension(s, KVM_CAP_XSAVE) > 0;
    s->cap_xcrs = kvm_check_extension(s, KVM_CAP_XCRS) > 0;
    s->cap_debugregs = kvm_check_extension(s, KVM_CAP_DEBUGREGS) > 0;
    s->cap_vcpu_events = kvm_check_extension(s, KVM_CAP_VCPU_EVENTS) > 0;
    s->xsave_size = sizeof(struct kvm_xsave);
#ifdef KVM_CAP_XSAVE2
    n = kvm_check_extension(s, KVM_CAP_XSAVE2);
    if (n > s->xsave_size) {
        s->xsave_size = n;
    }
#endif
    n = kvm_check_extension(s, KVM_CAP_NR_MEMSLOTS);
    s->nslots = n > 0 ? MIN(n, KVM_SLOTS_MAX) : 32;
}

/*
 * The PC's interrupt routing for the in-kernel irqchip (KVM_SET_GSI_ROUTING):
 * ISA IRQ i reaches 8259 pin i (IRQ 2 is the cascade and has no GSI of
 * its own) and I/O APIC pin i, except IRQ 0, the PIT, which is wired to
 * I/O APIC pin 2 (the interrupt source override of the MP/ACPI tables).
 * KVM's default table would send the in-kernel PIT to pin 0 instead.
 */
static int kvm_setup_gsi_routing(KvmState *s)
{
    enum { NR_IOAPIC_PINS = 24, NR_ROUTES = 15 + NR_IOAPIC_PINS - 1 };
    struct kvm_irq_routing *r;
    uint32_t n = 0;
    int ret;

    r = xzalloc(sizeof(*r) + NR_ROUTES * sizeof(r->entries[0]));
    for (uint32_t i = 0; i < 16; i++) {
        if (i == 2) {
            continue;
        }
        r->entries[n++] = (struct kvm_irq_routing_entry){
            .gsi = i, .type = KVM_IRQ_ROUTING_IRQCHIP,
            .u.irqchip = { i < 8 ? KVM_IRQCHIP_PIC_MASTER
                                 : KVM_IRQCHIP_PIC_SLAVE, i & 7 },
        };
    }
    for (uint32_t i = 0; i < NR_IOAPIC_PINS; i++) {
        if (i == 2) {
            continue;
        }
        r->entries[n++] = (struct kvm_irq_routing_entry){
            .gsi = i, .type = KVM_IRQ_ROUTING_IRQCHIP,
            .u.irqchip = { KVM_IRQCHIP_IOAPIC, i == 0 ? 2 : i },
        };
    }
    r->nr = n;
    ret = kvm_ioctl(s->vm_fd, KVM_SET_GSI_ROUTING, r);
    free(r);
    return ret;
}

static int kvm_setup_irqchip(KvmState *s, Error *err)
{
    /* Port 0x61 (gate and OUT of counter 2) in-kernel too, next to the PIT. */
    struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
    int want = s->machine->cfg.kernel_irqchip;
    int ret;

    if (want == 0) {
        return 0;   /* Kite's own PIC/IOAPIC/LAPIC/PIT; see kvm-vcpu.c */
    }
    ret = kvm_ioctl(s->vm_fd, KVM_CREATE_IRQCHIP, NULL);
    if (ret == 0 && kvm_check_extension(s, KVM_CAP_IRQ_ROUTING) > 0) {
        ret = kvm_setup_gsi_routing(s);
    }
    if (ret == 0) {
        ret = kvm_ioctl(s->vm_fd, KVM_CREATE_PIT2, &pit);
    }
    if (ret < 0) {
        if (want == 1) {
            return error_setg(err, "kvm: cannot create the in-kernel irqchip: "
                              "%s", strerror(-ret));
        }
        error_report("kvm: no in-kernel irqchip (%s); using Kite's "
                     "interrupt controllers", strerror(-ret));
        return 0;
    }
    s->irqchip = true;
    return 0;
}

static int kvm_setup_vm(KvmState *s, Error *err)
{
    uint64_t idmap = KVM_IDENTITY_MAP;
    int ret;

    s->vm_fd = kvm_ioctl(s->sys_fd, KVM_CREATE_VM, (void *)0);
    if (s->vm_fd < 0) {
        return error_setg(err, "kvm: KVM_CREATE_VM failed: %s",
                          strerror(-s->vm_fd));
    }
    kvm_read_caps(s);
    s->vcpu_mmap_size = kvm_ioctl(s->sys_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
    if (s->vcpu_mmap_size < (int)sizeof(struct kvm_run)) {
        return error_setg(err, "kvm: bad KVM_GET_VCPU_MMAP_SIZE (%d)",
                          s->vcpu_mmap_size);
    }
    /* Needed by VMX for real mode; harmless elsewhere. */
    ret = kvm_ioctl(s->vm_fd, KVM_SET_TSS_ADDR, (void *)(uintptr_t)KVM_TSS_ADDR);
    if (ret < 0) {
        return error_setg(err, "kvm: KVM_SET_TSS_ADDR failed: %s",
                          strerror(-ret));
    }
    if (kvm_check_extension(s, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) {
        ret = kvm_ioctl(s->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap);
        if (ret < 0) {
            return error_setg(err, "kvm: KVM_SET_IDENTITY_MAP_ADDR failed: %s",
                              strerror(-ret));
        }
    }
    return kvm_setup_irqchip(s, err);
}

static void kvm_state_free(KvmState *s)
{
    if (s->vm_fd >= 0) {
        close(s->vm_fd);
    }
    if (s->sys_fd >= 0) {
        close(s->sys_fd);
    }
    free(s->slots);
    free(s);
}

static int kvm_init(Machine *m, Error *err)
{
    KvmState *s = xzalloc(sizeof(*s));

    s->machine = m;
    s->vm_fd = -1;
    s->sys_fd = kvm_open(err);
    if (s->sys_fd < 0 || kvm_setup_vm(s, err) < 0 ||
        kvm_install_kick_handler(err) < 0) {
        kvm_state_free(s);
        return -1;
    }
    if (!s->cap_immediate_exit) {
        log_mask(&m->log, LOG_KVM, "kvm: no KVM_CAP_IMMEDIATE_EXIT; kicks "
                 "rely on the signal alone\n");
    }
    s->slots = xzalloc(sizeof(*s->slots) * s->nslots);
    m->accel_state = s;
    address_space_add_listener(&m->mem, (MemoryListener){
        .changed = kvm_memory_changed, .opaque = s,
    });
    return 0;
}

static void kvm_destroy(Machine *m)
{
    KvmState *s = kvm_state(m);

    if (!s) {
        return;
    }
    kvm_memory_listener_remove(s, &m->mem);
    for (int i = 0; i < s->nslots; i++) {
        if (s->slots[i].used) {
            kvm_slot_program(s, i, &s->slots[i], true);
        }
    }
    kvm_state_free(s);
    m->accel_state = NULL;
}

/* ---- interrupts ---- */

static void kvm_set_irq(Machine *m, int gsi, int level)
{
    KvmState *s = kvm_state(m);
    struct kvm_irq_level irq = { .irq = (uint32_t)gsi, .level = level ? 1 : 0 };
    int ret;

    if (!s || !s->irqchip || gsi < 0 || gsi >= PC_NUM_GSI) {
        return;
    }
    ret = kvm_ioctl(s->vm_fd, KVM_IRQ_LINE, &irq);
    if (ret < 0) {
        log_mask(&m->log, LOG_KVM, "kvm: KVM_IRQ_LINE gsi %d level %d: %s\n",
                 gsi, level, strerror(-ret));
    }
}

static void kvm_send_msi(Machine *m, uint64_t addr, uint32_t data)
{
    KvmState *s = kvm_state(m);
    struct kvm_msi msi = {
        .address_lo = (uint32_t)addr, .address_hi = (uint32_t)(addr >> 32),
        .data = data,
    };
    int ret;

    if (!s || !s->irqchip) {
        return;
    }
    ret = kvm_ioctl(s->vm_fd, KVM_SIGNAL_MSI, &msi);
    if (ret < 0) {
        log_mask(&m->log, LOG_KVM, "kvm: KVM_SIGNAL_MSI 0x%llx/0x%x: %s\n",
                 (unsigned long long)addr, data, strerror(-ret));
    }
}

static bool kvm_has_irqchip(Machine *m)
{
    KvmState *s = kvm_state(m);
    return s && s->irqchip;
}

const AccelOps accel_kvm_ops = {
    .name = "kvm",
    .probe = kvm_probe,
    .init = kvm_init,
    .destroy = kvm_destroy,
    .vcpu_init = kvm_vcpu_init,
    .vcpu_destroy = kvm_vcpu_destroy,
    .vcpu_run = kvm_vcpu_run,
    .vcpu_kick = kvm_vcpu_kick,
    .get_state = kvm_get_state,
    .set_state = kvm_set_state,
    .set_irq = kvm_set_irq,
    .has_irqchip = kvm_has_irqchip,
    .send_msi = kvm_send_msi,
    .dirty_log = kvm_dirty_log,
    .dirty_sync = kvm_dirty_sync,
};
