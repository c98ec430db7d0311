/*
 * simd-state-ops.h - the x87/MMX/SSE state as FXSAVE, XSAVE, XSAVEC and
 * XSAVEOPT write it (Intel SDM vol. 1 9.5, 10.5, 13): the MMX view of the
 * x87 registers (an MMX instruction sets TOP to 0 and every tag to valid,
 * a written MMX register gets exponent 0xffff, EMMS empties every tag),
 * FXRSTOR -> FXSAVE round trips in the 32-bit-pointer and REX.W layouts,
 * LDMXCSR/STMXCSR, and XRSTOR of initial components.
 *
 * Built four times: as the guests tests/guest/simd-state.c (64-bit) and
 * m32-simd-state.c (32-bit protected mode: XMM0-7 only, 32-bit FIP/FDP)
 * and as part of the host oracle (tests/guest/host/simd-oracle.c, 64- and
 * 32-bit), whose output on the host CPU must equal the .expected files. It prints every byte
 * of the save areas that the SDM defines except the reserved bytes,
 * FCS/FDS (newer processors no longer save them) and MXCSR_MASK (which
 * differs between processor models; simd-fault checks Kite's).
 */
static uint8_t fx_in[512] __attribute__((aligned(64)));
static uint8_t area[1024] __attribute__((aligned(64)));

static void st_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static uint64_t ld_le(const uint8_t *p, int n)
{
    uint64_t v = 0;

    for (int i = n - 1; i >= 0; i--) {
        v = v << 8 | p[i];
    }
    return v;
}

/* An image with TOP = 5, three registers in use, XMM patterns. */
static void state_image(void)
{
    memset(fx_in, 0, sizeof(fx_in));
    st_le(fx_in + 0, 0x037f, 2);            /* FCW */
    st_le(fx_in + 2, 5u << 11, 2);          /* FSW: TOP = 5 */
    fx_in[4] = 0xe0;                        /* physical 5, 6, 7 in use */
    st_le(fx_in + 24, 0x1f80, 4);           /* MXCSR */
    for (int i = 0; i < 8; i++) {           /* ST(i): 1.5 * 2^i, etc. */
        st_le(fx_in + 32 + 16 * i, 0xc000000000000000ull >> (i & 1), 8);
        st_le(fx_in + 40 + 16 * i, 0x3fff + i, 2);
    }
    for (int i = 0; i < 16; i++) {
        for (int j = 0; j < 16; j++) {
            fx_in[160 + 16 * i + j] = (uint8_t)(i * 16 + j + 1);
        }
    }
}

static void print_fx(const char *what, const uint8_t *fx, int nxmm)
{
    uint64_t h = 0xcbf29ce484222325ull;

    printf("%s: fcw %04lx fsw %04lx ftw %02x fop %03lx mxcsr %08lx\n",
           what, (unsigned long)ld_le(fx, 2), (unsigned long)ld_le(fx + 2, 2),
           fx[4], (unsigned long)ld_le(fx + 6, 2),
           (unsigned long)ld_le(fx + 24, 4));
    for (int i = 0; i < 8; i++) {
        printf("  st%d %016lx %04lx\n", i,
               (unsigned long)ld_le(fx + 32 + 16 * i, 8),
               (unsigned long)ld_le(fx + 40 + 16 * i, 2));
    }
    for (int i = 0; i < 16 * nxmm; i++) {
        h = (h ^ fx[160 + i]) * 0x100000001b3ull;
    }
    printf("  xmm0..%d hash %016lx\n", nxmm - 1, (unsigned long)h);
}

static void test_fx_roundtrip(void)
{
    state_image();
    memset(area, 0, 512);
    __asm__ volatile("fxrstor (%0)\n\tfxsave (%1)"
                     : : "r"(fx_in), "r"(area) : "memory");
    print_fx("fxsave", area, 16);
#ifdef __x86_64__
    memset(area, 0, 512);
    __asm__ volatile("fxrstor (%0)\n\trex64 fxsave (%1)"
                     : : "r"(fx_in), "r"(area) : "memory");
    print_fx("fxsave64", area, 16);
#endif
}

/* MMX writes: TOP 0, all tags valid, exponent 0xffff of MM2 and MM6. */
static void test_mmx_alias(void)
{
    static const uint64_t v[2] = { 0x1122334455667788ull, 0x0102030405060708ull };

    state_image();
    __asm__ volatile("fxrstor (%0)\n\t"
                     "movq (%1), %%mm2\n\t"
                     "paddb 8(%1), %%mm2\n\t"
                     "movq %%mm2, %%mm6\n\t"
                     "fxsave (%2)\n\t"
                     "emms\n\t"
                     "fxsave 512(%2)"
                     : : "r"(fx_in), "r"(v), "r"(area) : "memory");
    print_fx("after mmx", area, 16);
    print_fx("after emms", area + 512, 16);
    /* a store of an MMX register still makes the transition */
    state_image();
    __asm__ volatile("fxrstor (%0)\n\t"
                     "movq %%mm4, (%2)\n\t"
                     "fxsave (%1)"
                     : : "r"(fx_in), "r"(area), "r"(area + 768) : "memory");
    printf("mmx store: fsw %04lx ftw %02x mm4 %016lx\n",
           (unsigned long)ld_le(area + 2, 2), area[4],
           (unsigned long)ld_le(area + 768, 8));
    __asm__ volatile("emms");
}

static void test_mxcsr(void)
{
    uint32_t in = 0x7f80 | 0x40, out = 0, saved = 0;

    __asm__ volatile("stmxcsr %0" : "=m"(saved));
    __asm__ volatile("ldmxcsr %1\n\t"
                     "stmxcsr %0\n\t"
                     "fxsave (%2)" : "=m"(out) : "m"(in), "r"(area) : "memory");
    __asm__ volatile("ldmxcsr %0" : : "m"(saved));
    printf("mxcsr: stmxcsr %08x fxsave %08lx\n", out,
           (unsigned long)ld_le(area + 24, 4));
}

static void print_xs(const char *what, const uint8_t *xs)
{
    printf("%s: xstate_bv %lx xcomp_bv %lx\n", what,
           (unsigned long)ld_le(xs + 512, 8), (unsigned long)ld_le(xs + 520, 8));
    print_fx(what, xs, 16);
}

/* FXRSTOR of fx_in, then one of the XSAVE forms into p. */
static void xsave_kind(int kind, uint8_t *p, uint32_t eax)
{
    switch (kind) {
    case 0:
        __asm__ volatile("fxrstor (%1)\n\txsave (%0)"
                         : : "r"(p), "r"(fx_in), "a"(eax), "d"(0) : "memory");
        break;
    case 1:
        __asm__ volatile("fxrstor (%1)\n\txsavec (%0)"
                         : : "r"(p), "r"(fx_in), "a"(eax), "d"(0) : "memory");
        break;
    default:
        __asm__ volatile("fxrstor (%1)\n\txsaveopt (%0)"
                         : : "r"(p), "r"(fx_in), "a"(eax), "d"(0) : "memory");
        break;
    }
}

static void test_xsave(void)
{
    static const char *const names[3] = { "xsave", "xsavec", "xsaveopt" };
    static const uint32_t masks[3] = { 3, 1, 2 };

    for (int k = 0; k < 3; k++) {
        for (int m = 0; m < 3; m++) {
            char what[32];
            state_image();
            memset(area, 0, sizeof(area));
            area[512] = 0x80;           /* a stale XSTATE_BV bit 7 */
            xsave_kind(k, area, masks[m]);
            printf("%s rfbm %u\n", names[k], masks[m]);
            memcpy(what, names[k], strlen(names[k]) + 1);
            print_xs(what, area);
        }
    }
}

/* XRSTOR with XSTATE_BV = 0 puts both components in their initial
   state; the XSAVE right after it writes XSTATE_BV = 0 and the initial
   values (FCW 037F, FTW empty, MXCSR from memory in the standard form). */
static void test_xrstor_init(void)
{
    static uint8_t img[1024] __attribute__((aligned(64)));

    state_image();
    memcpy(img, fx_in, 512);
    memset(img + 512, 0, 64);
    st_le(img + 24, 0x1f00, 4);                 /* MXCSR, loaded anyway */
    __asm__ volatile("fxrstor (%0)" : : "r"(fx_in) : "memory");
    memset(area, 0xee, sizeof(area));
    __asm__ volatile("xrstor (%0)\n\t"
                     "xsave (%1)"
                     : : "r"(img), "r"(area), "a"(3), "d"(0) : "memory");
    /* XINUSE may stay 1 for a component in its initial state (SDM 13.6),
       and a host kernel that switches tasks between the two instructions
       can set it: only the contents are exact, so bits 1:0 are not shown. */
    st_le(area + 512, ld_le(area + 512, 8) & ~3ull, 8);
    print_xs("xrstor init", area);
    /* XRSTOR of x87 only from a full image: SSE keeps its values */
    st_le(img + 512, 3, 8);
    st_le(img + 32, 0x8000000000000001ull, 8);
    st_le(img + 160, 0xdeadbeefull, 8);
    memset(area, 0, sizeof(area));
    __asm__ volatile("fxrstor (%2)\n\t"
                     "mov $1, %%eax\n\t"
                     "xrstor (%0)\n\t"
                     "mov $3, %%eax\n\t"
                     "xsave (%1)"
                     : : "r"(img), "r"(area), "r"(fx_in), "d"(0)
                     : "memory", "eax");
    print_xs("xrstor x87 only", area);
    /* a compacted image restores the same way */
    memset(area, 0, sizeof(area));
    __asm__ volatile("fxrstor (%2)\n\t"
                     "xsavec (%0)\n\t"
                     "emms\n\t"
                     "xrstor (%0)\n\t"
                     "fxsave (%1)"
                     : : "r"(area), "r"(img + 512), "r"(fx_in), "a"(3), "d"(0)
                     : "memory");
    print_fx("xrstor compacted", img + 512, 16);
}

/* Prints the results of every part, then "simd-state done". */
static void simd_state_run(void)
{
    test_fx_roundtrip();
    test_mmx_alias();
    test_mxcsr();
    test_xsave();
    test_xrstor_init();
    printf("simd-state done\n");
}
