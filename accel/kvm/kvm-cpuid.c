/*
 * The CPUID table of a KVM vCPU: what the host's KVM supports
 * (KVM_GET_SUPPORTED_CPUID), with the vCPU's APIC ID filled in (Intel SDM
 * Vol. 2A, CPUID leaves 01H EBX[31:24], 0BH/1FH EDX; AMD APM Vol. 3,
 * leaf 8000_001EH EAX) and without KVM's paravirtual leaves
 * (0x40000000-0x4fffffff), which Kite does not implement. The hypervisor
 * bit (leaf 1 ECX[31]) is kept so guests know they are virtualized.
 */
#include "accel/kvm/kvm-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CPUID_MAX_ENTRIES 4096
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_1_ECX_X2APIC (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)

static struct kvm_cpuid2 *kvm_cpuid_get_supported(KvmState *s, Error *err)
{
    struct kvm_cpuid2 *c = NULL;
    int n = 128, ret;

    for (;;) {
        c = xrealloc(c, sizeof(*c) + n * sizeof(c->entries[0]));
        memset(c, 0, sizeof(*c));
        c->nent = n;
        ret = kvm_ioctl(s->sys_fd, KVM_GET_SUPPORTED_CPUID, c);
        if (ret != -E2BIG || n >= CPUID_MAX_ENTRIES) {
            break;
        }
        n *= 2;
    }
    if (ret < 0) {
        error_setg(err, "kvm: KVM_GET_SUPPORTED_CPUID failed: %s",
                   strerror(-ret));
        free(c);
        return NULL;
    }
    return c;
}

/*
 * Without the in-kernel irqchip the local APIC is Kite's, but KVM handles
 * the x2APIC and TSC-deadline MSRs itself (and ignores them with no
 * in-kernel APIC), so those two features are not offered then.
 */
static void kvm_cpuid_patch(struct kvm_cpuid_entry2 *e, uint32_t apic_id,
                            bool irqchip)
{
    switch (e->function) {
    case 1:
        e->ebx = (e->ebx & 0x00ffffffu) | (apic_id << 24);
        e->ecx |= CPUID_1_ECX_HYPERVISOR;
        if (!irqchip) {
            e->ecx &= ~(CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE);
        }
        break;
    case 0xb:
    case 0x1f:
        e->edx = apic_id;
        break;
    case 0x8000001e:
        e->eax = apic_id;
        break;
    default:
        break;
    }
}

/* A CpuidSource over the host's supported table, for the -cpu check. */
static void kvm_cpuid_lookup(void *opaque, uint32_t leaf, uint32_t sub,
                             uint32_t out[4])
{
    const struct kvm_cpuid2 *c = opaque;

    out[0] = out[1] = out[2] = out[3] = 0;
    for (uint32_t i = 0; i < c->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &c->entries[i];
        if (e->function == leaf &&
            (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == sub)) {
            out[0] = e->eax;
            out[1] = e->ebx;
            out[2] = e->ecx;
            out[3] = e->edx;
            return;
        }
    }
}

/* -cpu flags: refused if the host cannot provide them, else applied. */
static int kvm_cpuid_configure(VCPU *cpu, struct kvm_cpuid2 *c, Error *err)
{
    const CpuConfig *cfg;

    if (!cpu->machine) {
        return 0;
    }
    cfg = &cpu->machine->cfg.cpu;
    if (cpu_config_check(cfg, "kvm", kvm_cpuid_lookup, c, err) < 0) {
        return -1;
    }
    for (uint32_t i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];
        uint32_t r[4] = { e->eax, e->ebx, e->ecx, e->edx };
        cpu_config_apply(cfg, e->function, e->index, r);
        e->eax = r[0];
        e->ebx = r[1];
        e->ecx = r[2];
        e->edx = r[3];
    }
    return 0;
}

int kvm_cpuid_setup(VCPU *cpu, Error *err)
{
    KvmVcpu *v = cpu->accel;
    struct kvm_cpuid2 *c = kvm_cpuid_get_supported(v->s, err);
    uint32_t n = 0;
    int ret;

    if (!c) {
        return -1;
    }
    for (uint32_t i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];
        if (e->function >= 0x40000000u && e->function <= 0x4fffffffu) {
            continue;   /* KVM paravirtual interface: left out */
        }
        kvm_cpuid_patch(e, (uint32_t)cpu->index, v->s->irqchip);
        c->entries[n++] = *e;
    }
    c->nent = n;
    if (kvm_cpuid_configure(cpu, c, err) < 0) {
        free(c);
        return -1;
    }
    ret = kvm_ioctl(v->fd, KVM_SET_CPUID2, c);
    free(c);
    if (ret < 0) {
        return error_setg(err, "kvm: KVM_SET_CPUID2 failed for vCPU %d: %s",
                          cpu->index, strerror(-ret));
    }
    return 0;
}
