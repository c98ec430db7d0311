/*
 * Saving and restoring the x87/MMX/SSE state (Intel SDM Vol. 1 ch. 10.5
 * and 13; Vol. 2 FXSAVE, FXRSTOR, XSAVE, XSAVEOPT, XSAVEC, XRSTOR,
 * XGETBV, XSETBV, LDMXCSR).
 *
 * The FXSAVE image (also the legacy region of the XSAVE area):
 *   0 FCW, 2 FSW, 4 abridged FTW (bit i: physical register i not empty),
 *   6 FOP, 8 FIP (32 bits + FCS at 12, or 64 bits with REX.W), 16 FDP
 *   (likewise, FDS at 20), 24 MXCSR, 28 MXCSR_MASK, 32 ST0..ST7 (16 bytes
 *   each, in stack order), 160 XMM0..XMM7 (..XMM15 in 64-bit mode).
 *   Bytes 464..511 are left alone.
 * The XSAVE header follows at 512: XSTATE_BV, XCOMP_BV, 48 reserved
 * bytes. XCR0 supports x87 (bit 0) and SSE (bit 1), both kept in the
 * legacy region, so the standard and compacted forms have the same
 * layout and size (576 bytes).
 *
 * Every helper here may raise a guest exception: the translator syncs
 * RIP and cc_op first and they raise with ra == 0. Stores are probed
 * first (a fault writes nothing); loads go to a local image first (a
 * fault or a reserved MXCSR bit changes nothing).
 */
#include <string.h>

#include "cpu/x86/translate.h"
#include "cpu/x86/x87.h"
#include "cpu/x86/xsave.h"

enum {
    FX_FCW = 0, FX_FSW = 2, FX_FTW = 4, FX_FOP = 6, FX_FIP = 8, FX_FCS = 12,
    FX_FDP = 16, FX_FDS = 20, FX_MXCSR = 24, FX_MXCSR_MASK = 28, FX_ST = 32,
    FX_XMM = 160, FX_END = 464,
    XS_BV = 512, XS_COMP = 520, XS_END = 576,
};

/* ---- little-endian fields of an image ---- */

static uint64_t img_ld(const uint8_t *p, int bytes)
{
    uint64_t v = 0;

    for (int i = bytes - 1; i >= 0; i--) {
        v = v << 8 | p[i];
    }
    return v;
}

static void img_st(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* ---- guest memory, 8 bytes at a time (areas are 16-byte aligned) ---- */

static uint64_t area_addr(uint32_t mode, uint64_t base, unsigned off)
{
    uint64_t a = base + off;

    return (mode & X86_XS_CODE64) ? a : (uint32_t)a;
}

static void area_read(CPUX86TCG *env, uint32_t mode, uint64_t base,
                      unsigned off, uint8_t *buf, unsigned len)
{
    int idx = x86_mmu_index(env);

    for (unsigned i = 0; i < len; i += 8) {
        img_st(buf + off + i,
               x86_ld64(env, area_addr(mode, base, off + i), idx, 0), 8);
    }
}

/* The faults of a write of [off, off + len): each page once, in order. */
static void area_probe(CPUX86TCG *env, uint32_t mode, uint64_t base,
                       unsigned off, unsigned len)
{
    uint64_t first = area_addr(mode, base, off);
    uint64_t last = area_addr(mode, base, off + len - 1);

    helper_probe_write(env, first, 1);
    if ((first ^ last) & ~(uint64_t)(TCG_PAGE_SIZE - 1)) {
        helper_probe_write(env, last & ~(uint64_t)(TCG_PAGE_SIZE - 1), 1);
    }
}

static void area_write(CPUX86TCG *env, uint32_t mode, uint64_t base,
                       unsigned off, const uint8_t *buf, unsigned len)
{
    int idx = x86_mmu_index(env);

    for (unsigned i = 0; i < len; i += 8) {
        x86_st64(env, area_addr(mode, base, off + i),
                 img_ld(buf + off + i, 8), idx, 0);
    }
}

static void check_align(CPUX86TCG *env, uint64_t addr, unsigned align)
{
    if (addr & (align - 1)) {
        x86_raise_exception_err(env, EXCP_GP, 0, 0);
    }
}

/* ---- the x87 part ---- */

/* Two-bit tag of a physical register from its contents (SDM 8.1.7). */
static unsigned fp_tag(const FloatX80 *r)
{
    unsigned exp = r->exp & 0x7fff;

    if (exp == 0x7fff) {
        return 2;
    }
    if (exp == 0) {
        return r->mant ? 2 : 1;
    }
    return (r->mant >> 63) ? 0 : 2;
}

static void x87_to_image(const X86CPUState *st, uint32_t mode, uint8_t *fx)
{
    unsigned top = (st->fsw >> 11) & 7, abridged = 0;

    for (unsigned i = 0; i < 8; i++) {
        abridged |= ((st->ftw >> (2 * i)) & 3) != 3 ? 1u << i : 0;
    }
    img_st(fx + FX_FCW, st->fcw, 2);
    img_st(fx + FX_FSW, st->fsw, 2);
    img_st(fx + FX_FTW, abridged, 2);
    img_st(fx + FX_FOP, st->fop & 0x7ff, 2);
    if (mode & X86_XS_REXW) {
        img_st(fx + FX_FIP, st->fip, 8);
        img_st(fx + FX_FDP, st->fdp, 8);
    } else {
        img_st(fx + FX_FIP, (uint32_t)st->fip, 4);
        img_st(fx + FX_FCS, st->fcs, 4);
        img_st(fx + FX_FDP, (uint32_t)st->fdp, 4);
        img_st(fx + FX_FDS, st->fds, 4);
    }
    for (unsigned i = 0; i < 8; i++) {
        const FloatX80 *r = &st->fpregs[(top + i) & 7];
        memset(fx + FX_ST + 16 * i, 0, 16);
        img_st(fx + FX_ST + 16 * i, r->mant, 8);
        img_st(fx + FX_ST + 16 * i + 8, r->exp, 2);
    }
}

static void x87_from_image(X86CPUState *st, uint32_t mode, const uint8_t *fx)
{
    unsigned top, abridged = fx[FX_FTW];

    st->fcw = x87_fcw_value((uint16_t)img_ld(fx + FX_FCW, 2));
    st->fsw = (uint16_t)img_ld(fx + FX_FSW, 2);
    st->fop = (uint16_t)img_ld(fx + FX_FOP, 2) & 0x7ff;
    if (mode & X86_XS_REXW) {
        st->fip = img_ld(fx + FX_FIP, 8);
        st->fdp = img_ld(fx + FX_FDP, 8);
        st->fcs = st->fds = 0;
    } else {
        st->fip = img_ld(fx + FX_FIP, 4);
        st->fcs = (uint16_t)img_ld(fx + FX_FCS, 2);
        st->fdp = img_ld(fx + FX_FDP, 4);
        st->fds = (uint16_t)img_ld(fx + FX_FDS, 2);
    }
    top = (st->fsw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++) {
        FloatX80 *r = &st->fpregs[(top + i) & 7];
        r->mant = img_ld(fx + FX_ST + 16 * i, 8);
        r->exp = (uint16_t)img_ld(fx + FX_ST + 16 * i + 8, 2);
    }
    st->ftw = 0;
    for (unsigned i = 0; i < 8; i++) {
        unsigned tag = (abridged >> i) & 1 ? fp_tag(&st->fpregs[i]) : 3;
        st->ftw |= (uint16_t)(tag << (2 * i));
    }
}

/* The x87 state after FNINIT-like initialization by XRSTOR (SDM 13.6). */
static void x87_init(X86CPUState *st)
{
    st->fcw = 0x37f;
    st->fsw = 0;
    st->ftw = 0xffff;
    st->fop = 0;
    st->fip = st->fdp = 0;
    st->fcs = st->fds = 0;
    memset(st->fpregs, 0, sizeof(st->fpregs));
}

static bool x87_in_use(const X86CPUState *st)
{
    static const FloatX80 zero;

    if (st->fcw != 0x37f || st->fsw || st->ftw != 0xffff || st->fop ||
        st->fip || st->fdp || st->fcs || st->fds) {
        return true;
    }
    for (int i = 0; i < 8; i++) {
        if (memcmp(&st->fpregs[i], &zero, sizeof(zero)) != 0) {
            return true;
        }
    }
    return false;
}

/* ---- the SSE part ---- */

static int xmm_count(uint32_t mode)
{
    return (mode & X86_XS_CODE64) ? 16 : 8;
}

static void sse_to_image(const X86CPUState *st, uint32_t mode, uint8_t *fx)
{
    for (int i = 0; i < xmm_count(mode); i++) {
        memcpy(fx + FX_XMM + 16 * i, st->xmm[i].b, 16);
    }
}

static void sse_from_image(X86CPUState *st, uint32_t mode, const uint8_t *fx)
{
    for (int i = 0; i < xmm_count(mode); i++) {
        memcpy(st->xmm[i].b, fx + FX_XMM + 16 * i, 16);
    }
}

/* MXCSR does not count: processors report SSE as initial after an
   XRSTOR of initial SSE state whatever MXCSR it loaded */
static bool sse_in_use(const X86CPUState *st)
{
    static const XMMReg zero;

    for (int i = 0; i < 16; i++) {
        if (memcmp(&st->xmm[i], &zero, sizeof(zero)) != 0) {
            return true;
        }
    }
    return false;
}

static void mxcsr_to_image(const X86CPUState *st, uint8_t *fx)
{
    img_st(fx + FX_MXCSR, st->mxcsr, 4);
    img_st(fx + FX_MXCSR_MASK, X86_MXCSR_MASK, 4);
}

/* ---- LDMXCSR, FXSAVE, FXRSTOR ---- */

void helper_ldmxcsr(CPUX86TCG *env, uint32_t val)
{
    if (val & ~X86_MXCSR_MASK) {
        x86_raise_exception_err(env, EXCP_GP, 0, 0);
    }
    env->st.mxcsr = val;
}

void helper_fxsave(CPUX86TCG *env, uint64_t addr, uint32_t mode)
{
    uint8_t fx[XS_END];

    check_align(env, addr, 16);
    area_probe(env, mode, addr, 0, FX_END);
    memset(fx, 0, sizeof(fx));
    x87_to_image(&env->st, mode, fx);
    mxcsr_to_image(&env->st, fx);
    sse_to_image(&env->st, mode, fx);
    area_write(env, mode, addr, 0, fx, FX_XMM + 16 * xmm_count(mode));
}

void helper_fxrstor(CPUX86TCG *env, uint64_t addr, uint32_t mode)
{
    uint8_t fx[XS_END];
    uint32_t mxcsr;

    check_align(env, addr, 16);
    area_read(env, mode, addr, 0, fx, FX_END);
    mxcsr = (uint32_t)img_ld(fx + FX_MXCSR, 4);
    if (mxcsr & ~X86_MXCSR_MASK) {
        x86_raise_exception_err(env, EXCP_GP, 0, 0);
    }
    x87_from_image(&env->st, mode, fx);
    x87_recompute_es(env);
    env->st.mxcsr = mxcsr;
    sse_from_image(&env->st, mode, fx);
}

/* ---- XSAVE family ---- */

static uint64_t xinuse(const X86CPUState *st)
{
    return (x87_in_use(st) ? X86_XCR0_X87 : 0) |
           (sse_in_use(st) ? X86_XCR0_SSE : 0);
}

/*
 * XSAVE / XSAVEOPT (standard form) and XSAVEC (compacted): RFBM is
 * XCR0 AND EDX:EAX. XSAVE writes every requested component; XSAVEOPT and
 * XSAVEC leave out those in their initial configuration (init
 * optimization); MXCSR is written whenever SSE is requested.
 */
void helper_xsave(CPUX86TCG *env, uint64_t addr, uint64_t req, uint32_t mode)
{
    X86CPUState *st = &env->st;
    uint64_t rfbm = req & st->xcr0, inuse = xinuse(st), bv, save = rfbm;
    uint8_t img[XS_END];

    check_align(env, addr, 64);
    area_probe(env, mode, addr, 0, XS_END);
    area_read(env, mode, addr, XS_BV, img, 8);
    if (mode & (X86_XS_OPT | X86_XS_COMPACT)) {
        save &= inuse;
    }
    memset(img, 0, FX_END);
    if (save & X86_XCR0_X87) {
        x87_to_image(st, mode, img);
        area_write(env, mode, addr, 0, img, FX_MXCSR);
        area_write(env, mode, addr, FX_ST, img, FX_XMM - FX_ST);
    }
    if (rfbm & X86_XCR0_SSE) {
        mxcsr_to_image(st, img);
        area_write(env, mode, addr, FX_MXCSR, img, 8);
    }
    if (save & X86_XCR0_SSE) {
        sse_to_image(st, mode, img);
        area_write(env, mode, addr, FX_XMM, img, 16 * xmm_count(mode));
    }
    if (mode & X86_XS_COMPACT) {
        img_st(img + XS_BV, inuse & rfbm, 8);
        img_st(img + XS_COMP, rfbm | X86_XCOMP_COMPACT, 8);
        area_write(env, mode, addr, XS_BV, img, 16);
        return;
    }
    bv = img_ld(img + XS_BV, 8);
    bv = (bv & ~rfbm) | (inuse & rfbm);
    img_st(img + XS_BV, bv, 8);
    area_write(env, mode, addr, XS_BV, img, 8);
}

/* #GP conditions of XRSTOR on the header (SDM XRSTOR "Protected Mode
   Exceptions"); returns true when the header is acceptable. */
static bool xrstor_header_ok(const X86CPUState *st, const uint8_t *img)
{
    uint64_t bv = img_ld(img + XS_BV, 8), comp = img_ld(img + XS_COMP, 8);

    if (comp & X86_XCOMP_COMPACT) {
        if ((comp & ~X86_XCOMP_COMPACT & ~st->xcr0) || (bv & ~comp)) {
            return false;
        }
        for (int i = XS_BV + 16; i < XS_END; i++) {
            if (img[i]) {
                return false;
            }
        }
        return true;
    }
    if (bv & ~st->xcr0) {
        return false;
    }
    for (int i = XS_COMP; i < XS_COMP + 16; i++) {
        if (img[i]) {
            return false;
        }
    }
    return true;
}

void helper_xrstor(CPUX86TCG *env, uint64_t addr, uint64_t req, uint32_t mode)
{
    X86CPUState *st = &env->st;
    uint64_t rfbm = req & st->xcr0, bv;
    uint8_t img[XS_END];
    uint32_t mxcsr;
    bool compact;

    check_align(env, addr, 64);
    area_read(env, mode, addr, 0, img, XS_END);
    if (!xrstor_header_ok(st, img)) {
        x86_raise_exception_err(env, EXCP_GP, 0, 0);
    }
    bv = img_ld(img + XS_BV, 8);
    compact = img_ld(img + XS_COMP, 8) & X86_XCOMP_COMPACT;
    mxcsr = (uint32_t)img_ld(img + FX_MXCSR, 4);
    if (compact && !(bv & X86_XCR0_SSE)) {
        mxcsr = 0x1f80;
    }
    if ((rfbm & X86_XCR0_SSE) && (mxcsr & ~X86_MXCSR_MASK)) {
        x86_raise_exception_err(env, EXCP_GP, 0, 0);
    }
    if (rfbm & X86_XCR0_X87) {
        if (bv & X86_XCR0_X87) {
            x87_from_image(st, mode, img);
        } else {
            x87_init(st);
        }
        x87_recompute_es(env);
    }
    if (rfbm & X86_XCR0_SSE) {
        st->mxcsr = mxcsr;
        if (bv & X86_XCR0_SSE) {
            sse_from_image(st, mode, img);
        } else {
            memset(st->xmm, 0, sizeof(XMMReg) * xmm_count(mode));
        }
    }
}

/* ---- XCR0 ---- */

uint64_t helper_xgetbv(CPUX86TCG *env, uint32_t ecx)
{
    if (ecx != 0) {
        x86_raise_exception_err(env, EXCP_GP, 0, 0);
    }
    return env->st.xcr0;
}

/* XSETBV: CPL 0, XCR0 only, x87 always set, nothing unsupported */
void helper_xsetbv(CPUX86TCG *env, uint32_t ecx, uint64_t val)
{
    if (x86_cpl(env) != 0 || ecx != 0 || !(val & X86_XCR0_X87) ||
        (val & ~X86_XCR0_SUPPORTED)) {
        x86_raise_exception_err(env, EXCP_GP, 0, 0);
    }
    env->st.xcr0 = val;
}
