/*
 * Helpers of the x86 translator for what is awkward in IR: division with
 * #DE, the BCD adjustments, rotate through carry, CMPXCHG8B/16B and
 * raising exceptions from generated code.
 *
 * Follows the Intel SDM Vol. 2 pseudo-code of DIV, IDIV, DAA, DAS, AAA,
 * AAS, AAM, AAD, RCL/RCR, CMPXCHG8B/CMPXCHG16B and CLFLUSH (the probe of
 * its address). The translator syncs
 * RIP and cc_op into env before calling these (gen_sync_state), so they
 * raise exceptions with ra == 0 and read the flags with
 * x86_tcg_compute_rflags(). Flags they produce are left as CC_OP_EFLAGS.
 * Guest memory is written before any register, so a fault leaves the
 * instruction restartable.
 */
#include "cpu/x86/translate.h"

/* ---- exceptions ---- */

void helper_raise_exception(CPUX86TCG *env, uint32_t vector)
{
    x86_raise_exception(env, (int)vector, 0);
}

void helper_raise_exception_err(CPUX86TCG *env, uint32_t vector, uint32_t err)
{
    x86_raise_exception_err(env, (int)vector, err, 0);
}

/* ---- cache-line flushes ---- */

/* Faults like a byte load at addr, but reads nothing (MMIO untouched). */
void helper_probe_read(CPUX86TCG *env, uint64_t addr)
{
    X86Translation t;
    int64_t r = x86_mmu_translate(env, addr, X86_ACC_READ, x86_mmu_index(env),
                                  &t);

    if (r < 0) {
        x86_raise_exception_err(env, EXCP_GP, 0, 0);   /* non-canonical */
    }
    if (r) {
        env->st.cr2 = addr;
        x86_raise_exception_err(env, EXCP_PF, (uint32_t)(r & 0xffff), 0);
    }
}

/* #AC(0) for a misaligned access of size bytes under alignment checking
   (CPL 3, CR0.AM and RFLAGS.AC: HF_ALIGN), for accesses made by helpers. */
static void check_align(CPUX86TCG *env, uint64_t addr, uint32_t size)
{
    if ((env->hflags & HF_ALIGN) && (addr & (size - 1))) {
        x86_raise_exception_err(env, EXCP_AC, 0, 0);
    }
}

/* ENTER's check of the final stack pointer (as the reference CPU does):
   faults like a store of size bytes at addr (#AC when misaligned under
   alignment checking, else #PF of a write), but writes nothing. */
void helper_probe_write(CPUX86TCG *env, uint64_t addr, uint32_t size)
{
    X86Translation t;
    int64_t r;

    check_align(env, addr, size);
    r = x86_mmu_translate(env, addr, X86_ACC_WRITE, x86_mmu_index(env), &t);
    if (r < 0) {
        x86_raise_exception_err(env, EXCP_GP, 0, 0);   /* non-canonical */
    }
    if (r) {
        env->st.cr2 = addr;
        x86_raise_exception_err(env, EXCP_PF, (uint32_t)(r & 0xffff), 0);
    }
}

/* ---- register access ---- */

static void set_reg_sized(CPUX86TCG *env, int r, uint64_t v, int bytes)
{
    uint64_t *p = &env->st.regs[r];

    switch (bytes) {
    case 1: *p = (*p & ~0xffull) | (v & 0xff); break;
    case 2: *p = (*p & ~0xffffull) | (v & 0xffff); break;
    case 4: *p = (uint32_t)v; break;
    default: *p = v; break;
    }
}

static void set_arith_flags(CPUX86TCG *env, uint64_t arith)
{
    uint64_t f = x86_tcg_compute_rflags(env) & ~(uint64_t)RF_ARITH;

    env->cc_src = (f | (arith & RF_ARITH)) & RF_ARITH;
    env->cc_op = CC_OP_EFLAGS;
}

static uint64_t arith_flags(CPUX86TCG *env)
{
    return x86_tcg_compute_rflags(env) & RF_ARITH;
}

static uint64_t szp8(uint8_t v)
{
    return cc_compute_all(CC_OP_LOGICB, v, 0, 0);
}

/* ---- division ---- */

static void __attribute__((noreturn)) raise_de(CPUX86TCG *env)
{
    x86_raise_exception(env, EXCP_DE, 0);
}

void helper_divb(CPUX86TCG *env, uint64_t div)
{
    uint32_t n = env->st.regs[R_EAX] & 0xffff, dv = div & 0xff, q;

    if (dv == 0 || (q = n / dv) > 0xff) {
        raise_de(env);
    }
    set_reg_sized(env, R_EAX, q | ((n % dv) << 8), 2);
}

void helper_divw(CPUX86TCG *env, uint64_t div)
{
    uint32_t n = (env->st.regs[R_EAX] & 0xffff) |
                 ((env->st.regs[R_EDX] & 0xffff) << 16);
    uint32_t dv = div & 0xffff, q;

    if (dv == 0 || (q = n / dv) > 0xffff) {
        raise_de(env);
    }
    set_reg_sized(env, R_EAX, q, 2);
    set_reg_sized(env, R_EDX, n % dv, 2);
}

void helper_divl(CPUX86TCG *env, uint64_t div)
{
    uint64_t n = (uint32_t)env->st.regs[R_EAX] |
                 ((uint64_t)(uint32_t)env->st.regs[R_EDX] << 32);
    uint64_t dv = (uint32_t)div, q;

    if (dv == 0 || (q = n / dv) > 0xffffffffu) {
        raise_de(env);
    }
    set_reg_sized(env, R_EAX, q, 4);
    set_reg_sized(env, R_EDX, n % dv, 4);
}

void helper_divq(CPUX86TCG *env, uint64_t div)
{
    unsigned __int128 n = ((unsigned __int128)env->st.regs[R_EDX] << 64) |
                          env->st.regs[R_EAX];
    unsigned __int128 q;

    if (div == 0 || (q = n / div) >> 64) {
        raise_de(env);
    }
    env->st.regs[R_EAX] = (uint64_t)q;
    env->st.regs[R_EDX] = (uint64_t)(n % div);
}

void helper_idivb(CPUX86TCG *env, uint64_t div)
{
    int32_t n = (int16_t)env->st.regs[R_EAX], dv = (int8_t)div, q;

    if (dv == 0) {
        raise_de(env);
    }
    q = n / dv;
    if (q != (int8_t)q) {
        raise_de(env);
    }
    set_reg_sized(env, R_EAX, (q & 0xff) | ((uint32_t)(n % dv) & 0xff) << 8, 2);
}

void helper_idivw(CPUX86TCG *env, uint64_t div)
{
    int32_t n = (int32_t)((env->st.regs[R_EAX] & 0xffff) |
                          ((env->st.regs[R_EDX] & 0xffff) << 16));
    int32_t dv = (int16_t)div;
    int64_t q;

    if (dv == 0) {
        raise_de(env);
    }
    q = (int64_t)n / dv;
    if (q != (int16_t)q) {
        raise_de(env);
    }
    set_reg_sized(env, R_EAX, q, 2);
    set_reg_sized(env, R_EDX, (int64_t)n % dv, 2);
}

void helper_idivl(CPUX86TCG *env, uint64_t div)
{
    int64_t n = (int64_t)((uint32_t)env->st.regs[R_EAX] |
                          ((uint64_t)(uint32_t)env->st.regs[R_EDX] << 32));
    int64_t dv = (int32_t)div, q;

    if (dv == 0 || (dv == -1 && n == INT64_MIN)) {
        raise_de(env);
    }
    q = n / dv;
    if (q != (int32_t)q) {
        raise_de(env);
    }
    set_reg_sized(env, R_EAX, q, 4);
    set_reg_sized(env, R_EDX, n % dv, 4);
}

void helper_idivq(CPUX86TCG *env, uint64_t div)
{
    __int128 n = (__int128)(((unsigned __int128)env->st.regs[R_EDX] << 64) |
                            env->st.regs[R_EAX]);
    int64_t dv = (int64_t)div;
    __int128 q;

    if (dv == 0 || (dv == -1 && n == -n && n != 0)) {
        raise_de(env);
    }
    q = n / dv;
    if (q != (int64_t)q) {
        raise_de(env);
    }
    env->st.regs[R_EAX] = (uint64_t)q;
    env->st.regs[R_EDX] = (uint64_t)(n % dv);
}

/* ---- BCD ---- */

void helper_daa(CPUX86TCG *env)
{
    uint64_t f = arith_flags(env), nf = 0;
    uint8_t al = env->st.regs[R_EAX], old = al;
    bool cf = f & RF_CF;

    if ((al & 0xf) > 9 || (f & RF_AF)) {
        al += 6;
        nf |= RF_AF;
    }
    if (old > 0x99 || cf) {
        al += 0x60;
        nf |= RF_CF;
    }
    set_reg_sized(env, R_EAX, al, 1);
    set_arith_flags(env, nf | szp8(al));
}

void helper_das(CPUX86TCG *env)
{
    uint64_t f = arith_flags(env), nf = 0;
    uint8_t al = env->st.regs[R_EAX], old = al;
    bool cf = f & RF_CF;

    if ((al & 0xf) > 9 || (f & RF_AF)) {
        nf |= RF_AF | (cf || al < 6 ? RF_CF : 0);
        al -= 6;
    }
    if (old > 0x99 || cf) {
        al -= 0x60;
        nf |= RF_CF;
    }
    set_reg_sized(env, R_EAX, al, 1);
    set_arith_flags(env, nf | szp8(al));
}

static void ascii_adjust(CPUX86TCG *env, bool add)
{
    uint64_t f = arith_flags(env), nf = 0;
    uint16_t ax = env->st.regs[R_EAX];

    if ((ax & 0xf) > 9 || (f & RF_AF)) {
        if (add) {
            ax += 0x106;
        } else {
            /* AX - 6 borrows from AH, then AH - 1 (SDM: AX <- AX - 6) */
            ax = (uint16_t)(ax - 0x106);
        }
        nf = RF_AF | RF_CF;
    }
    ax &= 0xff0f;
    set_reg_sized(env, R_EAX, ax, 2);
    set_arith_flags(env, nf | szp8(ax & 0xff));
}

void helper_aaa(CPUX86TCG *env) { ascii_adjust(env, true); }
void helper_aas(CPUX86TCG *env) { ascii_adjust(env, false); }

void helper_aam(CPUX86TCG *env, uint32_t base)
{
    uint8_t al = env->st.regs[R_EAX];

    if (base == 0) {
        raise_de(env);
    }
    set_reg_sized(env, R_EAX, (al % base) | ((uint32_t)(al / base) << 8), 2);
    set_arith_flags(env, szp8(al % base));
}

void helper_aad(CPUX86TCG *env, uint32_t base)
{
    uint16_t ax = env->st.regs[R_EAX];
    uint8_t al = (uint8_t)((ax & 0xff) + (ax >> 8) * base);

    set_reg_sized(env, R_EAX, al, 2);
    set_arith_flags(env, szp8(al));
}

/* ---- rotate through carry ---- */

static uint64_t rc_rotate(CPUX86TCG *env, uint64_t val, uint64_t count,
                          uint32_t ot, bool left)
{
    unsigned w = 8u << (ot & 3), n;
    unsigned __int128 v, m = ((unsigned __int128)1 << (w + 1)) - 1, r;
    uint64_t f = arith_flags(env), res, cf, of, vm;

    vm = w == 64 ? ~0ull : (1ull << w) - 1;
    n = count & (w == 64 ? 63 : 31);
    if (w < 32) {
        n %= w + 1;
    }
    if (n == 0) {
        return val & vm;
    }
    v = (unsigned __int128)(val & vm) | ((unsigned __int128)(f & RF_CF) << w);
    if (!left) {
        n = w + 1 - n;
    }
    r = ((v << n) | (v >> (w + 1 - n))) & m;
    res = (uint64_t)r & vm;
    cf = (uint64_t)(r >> w) & 1;
    if (left) {
        of = ((res >> (w - 1)) & 1) ^ cf;
    } else {
        of = ((res >> (w - 1)) ^ (res >> (w - 2))) & 1;
    }
    set_arith_flags(env, (f & ~(uint64_t)(RF_CF | RF_OF)) | cf | (of << 11));
    return res;
}

uint64_t helper_rcl(CPUX86TCG *env, uint64_t val, uint64_t count, uint32_t ot)
{
    return rc_rotate(env, val, count, ot, true);
}

uint64_t helper_rcr(CPUX86TCG *env, uint64_t val, uint64_t count, uint32_t ot)
{
    return rc_rotate(env, val, count, ot, false);
}

/* ---- compare and exchange ---- */

void helper_cmpxchg8b(CPUX86TCG *env, uint64_t addr)
{
    int idx = x86_mmu_index(env);
    uint64_t v, cmp, f;

    check_align(env, addr, 8);
    v = x86_ld64(env, addr, idx, 0);
    cmp = (uint32_t)env->st.regs[R_EAX] |
          ((uint64_t)(uint32_t)env->st.regs[R_EDX] << 32);
    f = arith_flags(env) & ~(uint64_t)RF_ZF;

    if (v == cmp) {
        x86_st64(env, addr, (uint32_t)env->st.regs[R_EBX] |
                 ((uint64_t)(uint32_t)env->st.regs[R_ECX] << 32), idx, 0);
        f |= RF_ZF;
    } else {
        x86_st64(env, addr, v, idx, 0);
        set_reg_sized(env, R_EAX, v, 4);
        set_reg_sized(env, R_EDX, v >> 32, 4);
    }
    set_arith_flags(env, f);
}

void helper_cmpxchg16b(CPUX86TCG *env, uint64_t addr)
{
    int idx = x86_mmu_index(env);
    uint64_t lo, hi, f;

    if (addr & 15) {
        x86_raise_exception_err(env, EXCP_GP, 0, 0);
    }
    lo = x86_ld64(env, addr, idx, 0);
    hi = x86_ld64(env, addr + 8, idx, 0);
    f = arith_flags(env) & ~(uint64_t)RF_ZF;
    if (lo == env->st.regs[R_EAX] && hi == env->st.regs[R_EDX]) {
        x86_st64(env, addr, env->st.regs[R_EBX], idx, 0);
        x86_st64(env, addr + 8, env->st.regs[R_ECX], idx, 0);
        f |= RF_ZF;
    } else {
        x86_st64(env, addr, lo, idx, 0);
        x86_st64(env, addr + 8, hi, idx, 0);
        env->st.regs[R_EAX] = lo;
        env->st.regs[R_EDX] = hi;
    }
    set_arith_flags(env, f);
}
