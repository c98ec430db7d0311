/*
 * cpuid-basic.c - CPUID facts every x86-64 CPU model shares, whatever the
 * vendor or the host (Intel SDM vol. 2A, CPUID; AMD APM vol. 3, CPUID):
 * leaf 0 answers with a printable vendor, leaf 1 reports the x86-64
 * baseline features, the extended leaves report long mode, and EFER says
 * long mode is active. Nothing printed depends on the host CPU model.
 */
#include "lib/guest.h"

#define MSR_EFER 0xc0000080
#define EFER_LMA (1u << 10)

static int printable(const char *s, int n)
{
    for (int i = 0; i < n; i++) {
        if (s[i] < 0x20 || s[i] > 0x7e) {
            return 0;
        }
    }
    return 1;
}

static void yes_no(const char *what, int cond)
{
    printf("%-36s %s\n", what, cond ? "yes" : "no");
    check(cond, what);
}

int main(const MultibootInfo *mbi)
{
    uint32_t r[4], ext[4], max_basic, max_ext;
    char vendor[12];

    cpuid(0, 0, r);
    max_basic = r[0];
    memcpy(vendor, &r[1], 4);
    memcpy(vendor + 4, &r[3], 4);
    memcpy(vendor + 8, &r[2], 4);
    yes_no("leaf 0: max basic leaf >= 1", max_basic >= 1);
    yes_no("leaf 0: vendor is 12 printable chars", printable(vendor, 12));

    cpuid(1, 0, r);
    yes_no("leaf 1: fpu", r[3] & (1u << 0));
    yes_no("leaf 1: tsc", r[3] & (1u << 4));
    yes_no("leaf 1: msr", r[3] & (1u << 5));
    yes_no("leaf 1: pae", r[3] & (1u << 6));
    yes_no("leaf 1: cx8", r[3] & (1u << 8));
    yes_no("leaf 1: cmov", r[3] & (1u << 15));
    yes_no("leaf 1: mmx", r[3] & (1u << 23));
    yes_no("leaf 1: fxsr", r[3] & (1u << 24));
    yes_no("leaf 1: sse", r[3] & (1u << 25));
    yes_no("leaf 1: sse2", r[3] & (1u << 26));
    yes_no("leaf 1: sse3", r[2] & (1u << 0));

    cpuid(0x80000000, 0, ext);
    max_ext = ext[0];
    yes_no("leaf 80000000: max ext >= 80000001", max_ext >= 0x80000001);
    if (max_ext >= 0x80000001) {
        cpuid(0x80000001, 0, r);
        yes_no("leaf 80000001: long mode", r[3] & (1u << 29));
        yes_no("leaf 80000001: syscall", r[3] & (1u << 11));
        yes_no("leaf 80000001: nx", r[3] & (1u << 20));
    }
    if (max_ext >= 0x80000008) {
        cpuid(0x80000008, 0, r);
        uint32_t phys = r[0] & 0xff, virt = (r[0] >> 8) & 0xff;
        yes_no("leaf 80000008: phys bits in 36..52", phys >= 36 && phys <= 52);
        yes_no("leaf 80000008: virt bits >= 48", virt >= 48);
    } else {
        yes_no("leaf 80000008: present", 0);
    }
    yes_no("efer: long mode active", rdmsr(MSR_EFER) & EFER_LMA);
    printf("cpuid-basic: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures() ? 1 : 0x13;
}
