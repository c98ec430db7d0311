/*
 * simd-avail.c - when MMX and SSE instructions may run (Intel SDM vol. 3A
 * 2.5, 13.1; vol. 2 "Exceptions" of MOVQ/MOVDQA): #UD with CR0.EM for
 * both, #UD for SSE with CR4.OSFXSR clear (MMX still runs), #NM with
 * CR0.TS, #GP(0) on a misaligned MOVDQA load or store (MOVDQU is fine),
 * and the MOVD/MOVQ/MOVDQA/MOVDQU data paths including the zeroing of an
 * XMM register's upper part by MOVD and MOVQ.
 * GUEST-SKIP kvm: this host's KVM stops with an emulation failure when EMMS raises #UD or #NM and on FWAIT with CR0.TS set (the other results were checked under it)
 */
#include "lib/guest.h"

#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR4_OSFXSR (1ull << 9)

static uint8_t buf[64] __attribute__((aligned(16)));
static uint8_t out[64] __attribute__((aligned(16)));

/* The vector a block raised, or -1. */
static int64_t fault_of_count(uint64_t before)
{
    return trap_last()->count == before ? -1 : (int64_t)trap_last()->vector;
}

static int64_t try_movdqa_load(const void *p)
{
    uint64_t n = trap_last()->count;
    EXPECT_FAULT("movdqa (%0), %%xmm1", : : "r"(p) : "memory");
    return fault_of_count(n);
}

static int64_t try_movdqa_store(void *p)
{
    uint64_t n = trap_last()->count;
    EXPECT_FAULT("movdqa %%xmm1, (%0)", : : "r"(p) : "memory");
    return fault_of_count(n);
}

static int64_t try_movdqu(void *p)
{
    uint64_t n = trap_last()->count;
    EXPECT_FAULT("movdqu (%0), %%xmm2\n\tmovdqu %%xmm2, 16(%0)",
                 : : "r"(p) : "memory");
    return fault_of_count(n);
}

static int64_t try_mmx(void)
{
    uint64_t n = trap_last()->count;
    EXPECT_FAULT("movq %0, %%mm0", : : "m"(buf[0]) : "memory");
    return fault_of_count(n);
}

static int64_t try_emms(void)
{
    uint64_t n = trap_last()->count;
    EXPECT_FAULT("emms", : : : "memory");
    return fault_of_count(n);
}

static void test_control_bits(void)
{
    uint64_t cr0 = get_cr0(), cr4 = get_cr4();

    set_cr4(cr4 & ~CR4_OSFXSR);
    printf("OSFXSR=0: movdqa %ld movq-mmx %ld emms %ld\n",
           try_movdqa_load(buf), try_mmx(), try_emms());
    set_cr4(cr4 | CR4_OSFXSR);
    printf("OSFXSR=1: movdqa %ld movq-mmx %ld\n", try_movdqa_load(buf),
           try_mmx());
    set_cr0(cr0 | CR0_EM);
    printf("EM=1: movdqa %ld movq-mmx %ld emms %ld\n", try_movdqa_load(buf),
           try_mmx(), try_emms());
    set_cr0(cr0 | CR0_TS);
    printf("TS=1: movdqa %ld movq-mmx %ld emms %ld\n", try_movdqa_load(buf),
           try_mmx(), try_emms());
    __asm__ volatile("clts");
    printf("after CLTS: movdqa %ld emms %ld\n", try_movdqa_load(buf),
           try_emms());
    set_cr0((cr0 | CR0_TS) & ~CR0_MP);
    printf("TS=1 MP=0: fwait %s\n", ({
        uint64_t n = trap_last()->count;
        EXPECT_FAULT("fwait", : : : "memory");
        fault_of_count(n) < 0 ? "runs" : "faults";
    }));
    set_cr0(cr0);
}

static void test_alignment(void)
{
    for (int i = 0; i < 64; i++) {
        buf[i] = (uint8_t)(i * 7 + 1);
    }
    printf("movdqa load +0 %ld +8 %ld +1 %ld\n", try_movdqa_load(buf),
           try_movdqa_load(buf + 8), try_movdqa_load(buf + 1));
    printf("#GP error code %lu\n", trap_last()->error);
    printf("movdqa store +0 %ld +36 %ld\n", try_movdqa_store(out),
           try_movdqa_store(out + 36));
    check(out[0] == buf[0] && out[15] == buf[15], "aligned store");
    check(out[36] == 0 && out[51] == 0, "misaligned store wrote nothing");
    printf("movdqu +3 %ld\n", try_movdqu(buf + 3));
    check(memcmp(buf + 3, buf + 19, 16) == 0, "movdqu copy");
}

static void test_moves(void)
{
    uint64_t q[2] = { 0x1122334455667788ull, 0x99aabbccddeeff00ull };
    uint64_t r[2], m;
    uint32_t d32;

    __asm__ volatile("movdqu %2, %%xmm3\n\t"
                     "movl $0xcafef00d, %%eax\n\t"
                     "movd %%eax, %%xmm3\n\t"
                     "movdqu %%xmm3, %0\n\t"
                     "movq %%xmm3, %%rax\n\t"
                     "movq %%rax, %1"
                     : "=m"(r), "=m"(m) : "m"(q) : "rax", "memory");
    printf("movd r32->xmm: %lx %lx (rax %lx)\n", r[0], r[1], m);
    __asm__ volatile("movdqu %1, %%xmm4\n\t"
                     "movdqu %1, %%xmm9\n\t"
                     "movq %%xmm4, %%xmm9\n\t"
                     "movdqu %%xmm9, %0"
                     : "=m"(r) : "m"(q) : "memory");
    printf("movq xmm->xmm9: %lx %lx\n", r[0], r[1]);
    __asm__ volatile("movq %2, %%mm5\n\t"
                     "movq %%mm5, %%mm6\n\t"
                     "movd %%mm6, %1\n\t"
                     "movq %%mm6, %0\n\t"
                     "emms"
                     : "=m"(m), "=m"(d32) : "m"(q[1]) : "memory");
    printf("mmx movq/movd: %lx %x\n", m, d32);
    __asm__ volatile("movdqu %1, %%xmm15\n\t"
                     "movq %%xmm15, %0"
                     : "=m"(m) : "m"(q[1]) : "memory");
    printf("xmm15 low: %lx\n", m);
}

int main(const MultibootInfo *mbi)
{
    set_cr4(get_cr4() | CR4_OSFXSR);
    test_control_bits();
    test_alignment();
    test_moves();
    printf("simd-avail done\n");
    return check_failures() ? 1 : 0x10;
}
