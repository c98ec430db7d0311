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
    ret = kvm_ioctl(v->fd, KVM_SET_CPUID2, c);
    free(c);
    if (ret < 0) {
        return error_setg(err, "kvm: KVM_SET_CPUID2 failed for vCPU %d: %s",
                          cpu->index, strerror(-ret));
    }
    return 0;
}
