/*
 * The x87 unit: register stack, exception bookkeeping, and the data
 * instructions (loads and stores of every format, arithmetic, compares,
 * constants, FXAM, FXCH, FCMOVcc...). Intel SDM vol. 1 ch. 8 and the
 * instruction pages of vol. 2; see x87.h for the helper contract.
 *
 * Exceptions follow SDM 8.5: a masked exception sets its flag and the
 * masked response is stored (the real/integer/BCD indefinite for invalid
 * operations and stack faults); an unmasked invalid, denormal or zero
 * divide sets the flag plus ES and B and leaves the destination and the
 * stack alone. An unmasked overflow or underflow on a register result
 * stores the result with its exponent wrapped by 24576 (softfloat's
 * oe_wrap/ue_wrap); to memory it stores nothing. The exception itself is
 * delivered at the next waiting x87 instruction: #MF with CR0.NE=1,
 * otherwise FERR# (IRQ 13 through hw/misc/ferr.c).
 */
#include <stddef.h>

#include "cpu/x86/cc.h"
#include "cpu/x86/decode.h"
#include "cpu/x86/x87.h"
#include "cpu/x86/x87-host.h"
#include "accel/tcg/tcg-accel.h"
#include "hw/misc/ferr.h"

#define TCG_HELPER_ENV_CTYPE struct CPUX86TCG *
#define TCG_HELPER_FILE "cpu/x86/helper-x87.def"
#include "tcg/helper-proto.h"
#undef TCG_HELPER_FILE

/* ---- the register stack ------------------------------------------------ */

int x87_top(const X86CPUState *s)
{
    return (s->fsw >> FSW_TOP_SHIFT) & 7;
}

void x87_set_top(X86CPUState *s, int top)
{
    s->fsw = (s->fsw & ~FSW_TOP) | (uint16_t)((top & 7) << FSW_TOP_SHIFT);
}

static int phys(const X86CPUState *s, int i)
{
    return (x87_top(s) + i) & 7;
}

bool x87_is_empty(const X86CPUState *s, int i)
{
    return ((s->ftw >> (2 * phys(s, i))) & 3) == X87_TAG_EMPTY;
}

Float80 x87_get(const X86CPUState *s, int i)
{
    const FloatX80 *r = &s->fpregs[phys(s, i)];
    return (Float80){ r->mant, r->exp };
}

unsigned x87_tag_of(Float80 v)
{
    unsigned e = v.se & 0x7fff;
    if (e == 0) {
        return v.mant ? X87_TAG_SPECIAL : X87_TAG_ZERO;
    }
    return e == 0x7fff || !(v.mant >> 63) ? X87_TAG_SPECIAL : X87_TAG_VALID;
}

static void set_tag(X86CPUState *s, int p, unsigned tag)
{
    s->ftw = (s->ftw & ~(3u << (2 * p))) | (uint16_t)(tag << (2 * p));
}

void x87_set(X86CPUState *s, int i, Float80 v)
{
    int p = phys(s, i);
    s->fpregs[p].mant = v.mant;
    s->fpregs[p].exp = v.se;
    set_tag(s, p, x87_tag_of(v));
}

void x87_set_empty(X86CPUState *s, int i)
{
    set_tag(s, phys(s, i), X87_TAG_EMPTY);
}

void x87_pop(X86CPUState *s)
{
    x87_set_empty(s, 0);
    x87_set_top(s, x87_top(s) + 1);
}

void x87_set_cc(X86CPUState *s, unsigned cc)
{
    s->fsw = (s->fsw & ~FSW_CC) | (cc & FSW_CC);
}

SfStatus x87_sf(const X86CPUState *s)
{
    SfStatus st;
    sf_status_init_x87(&st, s->fcw);
    return st;
}

/* ---- exceptions ----------------------------------------------------------- */

void x87_update_ferr(CPUX86TCG *env)
{
    if (env->machine && !(env->st.fsw & FSW_ES)) {
        ferr_set(env->machine, false);
    }
}

bool x87_raise(CPUX86TCG *env, unsigned flags)
{
    X86CPUState *s = &env->st;
    unsigned unmasked = flags & ~s->fcw & 0x3f;
    s->fsw |= flags & 0x7f;
    if (unmasked) {
        s->fsw |= FSW_ES | FSW_B;
    }
    return unmasked & (FSW_IE | FSW_DE | FSW_ZE);
}

bool x87_underflow(CPUX86TCG *env)
{
    env->st.fsw &= ~FSW_C1;
    return x87_raise(env, FSW_IE | FSW_SF);
}

static void set_c1(X86CPUState *s, bool c1)
{
    s->fsw = (s->fsw & ~FSW_C1) | (c1 ? FSW_C1 : 0);
}

/* Stack overflow on a push: IE + SF, C1 = 1. */
static bool x87_overflow(CPUX86TCG *env)
{
    set_c1(&env->st, true);
    return x87_raise(env, FSW_IE | FSW_SF);
}

bool x87_result(CPUX86TCG *env, int i, Float80 r, const SfStatus *st)
{
    unsigned pre = st->flags & (SF_IE | SF_DE | SF_ZE);
    if (pre & ~env->st.fcw) {
        /* the operation is not performed: no rounding, no result */
        set_c1(&env->st, false);
        x87_raise(env, pre);
        return false;
    }
    x87_raise(env, st->flags);
    set_c1(&env->st, (st->flags & SF_PE) && st->rounded_up);
    x87_set(&env->st, i, r);
    return true;
}

/*
 * An unmasked exception is pending: #MF, or FERR# on CR0.NE=0 systems.
 * When FERR# newly raises IRQ 13 the instruction is left for the exec
 * loop, which takes the interrupt first and then runs the instruction
 * again (the processor waits for the interrupt there); the second time
 * FERR# is already asserted, so a handler that only asserts IGNNE# (port
 * 0xF0), or an interrupt that cannot be taken, never stalls the guest.
 */
static void x87_deliver_pending(CPUX86TCG *env)
{
    if (env->st.cr0 & CR0_NE) {
        x86_raise_exception(env, EXCP_MF, 0);
    }
    if (env->machine && ferr_set(env->machine, true)) {
        x86_cpu_loop_exit(env, 0);
    }
}

/* ---- instruction entry ----------------------------------------------------- */

static bool x87_no_wait(unsigned mnem)
{
    return mnem == X86_M_FNINIT || mnem == X86_M_FNCLEX ||
           mnem == X86_M_FNSTCW || mnem == X86_M_FNSTSW ||
           mnem == X86_M_FNSTENV || mnem == X86_M_FNSAVE;
}

static bool x87_is_control(unsigned mnem)
{
    switch (mnem) {
    case X86_M_FNINIT: case X86_M_FNCLEX: case X86_M_FNSTCW:
    case X86_M_FNSTSW: case X86_M_FNSTENV: case X86_M_FNSAVE:
    case X86_M_FLDCW: case X86_M_FLDENV: case X86_M_FRSTOR:
        return true;
    default:
        return false;
    }
}

/* The effective address (offset in its segment) of a memory operand. */
static inline uint64_t x87_ea(CPUX86TCG *env, uint64_t desc,
                              uint64_t laddr)
{
    unsigned seg = X87_D_SEG(desc), asize = X87_D_ASIZE(desc);
    bool long_mode = desc & X87_D_LONG;
    uint64_t base = env->st.segs[seg].base;
    if (long_mode && seg != R_FS && seg != R_GS) {
        base = 0;
    }
    uint64_t ea = laddr - base;
    return asize == 2 ? ea & 0xffff : asize == 4 ? ea & 0xffffffffu : ea;
}

static bool x87_writes_mem(unsigned mnem)
{
    switch (mnem) {
    case X86_M_FST: case X86_M_FSTP: case X86_M_FIST: case X86_M_FISTP:
    case X86_M_FISTTP: case X86_M_FBSTP: case X86_M_FNSTCW:
    case X86_M_FNSTSW: case X86_M_FNSTENV: case X86_M_FNSAVE:
        return true;
    default:
        return false;
    }
}

/* The segment limit and type check of the memory operand: after the
   pending-exception check (#MF has priority over #GP/#SS). */
static void x87_check_seg(CPUX86TCG *env, uint64_t desc, uint64_t laddr)
{
    unsigned seg = X87_D_SEG(desc);
    if ((desc & X87_D_LONG) || seg >= 6 || !(env->hflags & HF_SEGCHK(seg))) {
        return;
    }
    unsigned acc = x87_writes_mem(X87_D_MNEM(desc)) ? X86_SEGACC_WRITE
                                                     : X86_SEGACC_READ;
    int vec = x86_seg_check(env, (int)seg, x87_ea(env, desc, laddr),
                            X87_D_SIZE(desc), acc);
    if (vec) {
        x86_raise_exception_err(env, vec, 0, 0);
    }
}

static inline __attribute__((always_inline)) void
x87_begin(CPUX86TCG *env, uint64_t desc, uint64_t laddr, bool mem)
{
    X86CPUState *s = &env->st;
    unsigned mnem = X87_D_MNEM(desc);
    if ((s->fsw & FSW_ES) && !x87_no_wait(mnem)) {
        x87_deliver_pending(env);
    }
    if (mem && !(desc & (X87_D_LONG | X87_D_PRE))) {
        x87_check_seg(env, desc, laddr);
    }
    if (x87_is_control(mnem)) {
        return;
    }
    s->fop = X87_D_FOP(desc);
    s->fip = s->rip;
    s->fcs = s->segs[R_CS].selector;
    if (mem) {
        s->fdp = x87_ea(env, desc, laddr);
        s->fds = s->segs[X87_D_SEG(desc)].selector;
    }
}

void helper_x87_wait(CPUX86TCG *env)
{
    if (env->st.fsw & FSW_ES) {
        x87_deliver_pending(env);
    }
}

/* ---- memory access ------------------------------------------------------- */

static uint64_t maddr(uint64_t desc, uint64_t laddr, unsigned off)
{
    uint64_t a = laddr + off;
    return desc & X87_D_LONG ? a : a & 0xffffffffu;
}

static uint64_t mload(CPUX86TCG *env, uint64_t desc, uint64_t laddr,
                      unsigned off, unsigned bytes)
{
    if ((desc & X87_D_PRE) && off == 0) {
        return env->simd_tmp[0].q[0];
    }
    int idx = x86_mmu_index(env);
    uint64_t a = maddr(desc, laddr, off);
    switch (bytes) {
    case 1:
        return x86_ld8(env, a, idx, 0);
    case 2:
        return x86_ld16(env, a, idx, 0);
    case 4:
        return x86_ld32(env, a, idx, 0);
    default:
        return x86_ld64(env, a, idx, 0);
    }
}

static void mstore(CPUX86TCG *env, uint64_t desc, uint64_t laddr,
                   unsigned off, unsigned bytes, uint64_t v)
{
    int idx = x86_mmu_index(env);
    uint64_t a = maddr(desc, laddr, off);
    switch (bytes) {
    case 1:
        x86_st8(env, a, (uint8_t)v, idx, 0);
        break;
    case 2:
        x86_st16(env, a, (uint16_t)v, idx, 0);
        break;
    case 4:
        x86_st32(env, a, (uint32_t)v, idx, 0);
        break;
    default:
        x86_st64(env, a, v, idx, 0);
        break;
    }
}

uint64_t x87_mload(CPUX86TCG *env, uint64_t desc, uint64_t laddr,
                   unsigned off, unsigned bytes)
{
    return mload(env, desc, laddr, off, bytes);
}

void x87_mstore(CPUX86TCG *env, uint64_t desc, uint64_t laddr, unsigned off,
                unsigned bytes, uint64_t v)
{
    mstore(env, desc, laddr, off, bytes, v);
}

static Float80 load_f80(CPUX86TCG *env, uint64_t desc, uint64_t laddr,
                        unsigned off)
{
    Float80 v;
    v.mant = mload(env, desc, laddr, off, 8);
    v.se = (uint16_t)mload(env, desc, laddr, off + 8, 2);
    return v;
}

static void store_f80(CPUX86TCG *env, uint64_t desc, uint64_t laddr,
                      unsigned off, Float80 v)
{
    /* the last byte first: a fault leaves memory untouched */
    mstore(env, desc, laddr, off + 8, 2, v.se);
    mstore(env, desc, laddr, off, 8, v.mant);
}

void x87_load_reg(CPUX86TCG *env, uint64_t desc, uint64_t laddr,
                  unsigned off, Float80 *v)
{
    *v = load_f80(env, desc, laddr, off);
}

void x87_store_reg(CPUX86TCG *env, uint64_t desc, uint64_t laddr,
                   unsigned off, Float80 v)
{
    store_f80(env, desc, laddr, off, v);
}

/* ---- memory operand formats ---------------------------------------------- */

enum { MF_F32, MF_F64, MF_I16, MF_I32, MF_I64, MF_F80, MF_BCD };

/* The format of the memory operand of an instruction. */
static int mem_format(unsigned mnem, unsigned size)
{
    bool integer = mnem == X86_M_FIADD || mnem == X86_M_FIMUL ||
                   mnem == X86_M_FISUB || mnem == X86_M_FISUBR ||
                   mnem == X86_M_FIDIV || mnem == X86_M_FIDIVR ||
                   mnem == X86_M_FICOM || mnem == X86_M_FICOMP ||
                   mnem == X86_M_FILD || mnem == X86_M_FIST ||
                   mnem == X86_M_FISTP || mnem == X86_M_FISTTP;
    if (mnem == X86_M_FBLD || mnem == X86_M_FBSTP) {
        return MF_BCD;
    }
    if (integer) {
        return size == 2 ? MF_I16 : size == 4 ? MF_I32 : MF_I64;
    }
    return size == 4 ? MF_F32 : size == 8 ? MF_F64 : MF_F80;
}

/* A real or integer memory operand as an extended value. NaNs keep their
   signalling bit (the arithmetic decides), others convert exactly. */
static Float80 mem_to_f80(uint64_t v, int fmt, SfStatus *st)
{
    switch (fmt) {
    case MF_F32:
        if (sf_f32_is_nan((Float32)v)) {
            return (Float80){ 1ull << 63 | (v & 0x7fffff) << 40,
                              (uint16_t)((v >> 16) & 0x8000) | 0x7fff };
        }
        return sf_f32_to_f80((Float32)v, st);
    case MF_F64:
        if (sf_f64_is_nan(v)) {
            return (Float80){ 1ull << 63 | (v & 0xfffffffffffffull) << 11,
                              (uint16_t)((v >> 48) & 0x8000) | 0x7fff };
        }
        return sf_f64_to_f80(v, st);
    case MF_I16:
        return sf_i64_to_f80((int16_t)v, st);
    case MF_I32:
        return sf_i64_to_f80((int32_t)v, st);
    default:
        return sf_i64_to_f80((int64_t)v, st);
    }
}

/*
 * The denormal-operand flag of a converted memory operand joins the
 * operation's flags unless the register operand is a NaN or the
 * operation was invalid (DE then stays unreported, as for two
 * register operands).
 */
static void mem_denormal(SfStatus *st, const SfStatus *conv, Float80 reg)
{
    if (!(st->flags & (SF_IE | SF_ZE)) && !sf_f80_is_nan(reg) &&
        !sf_f80_is_unsupported(reg)) {
        st->flags |= conv->flags & SF_DE;
    }
    st->flags |= conv->flags & ~SF_DE;
}

static unsigned fmt_bytes(int fmt)
{
    static const unsigned bytes[] = { 4, 8, 2, 4, 8, 10, 10 };
    return bytes[fmt];
}

/* ---- arithmetic ------------------------------------------------------------ */

enum { AR_ADD, AR_MUL, AR_SUB, AR_SUBR, AR_DIV, AR_DIVR };

static int arith_kind(unsigned mnem)
{
    switch (mnem) {
    case X86_M_FADD: case X86_M_FADDP: case X86_M_FIADD:
        return AR_ADD;
    case X86_M_FMUL: case X86_M_FMULP: case X86_M_FIMUL:
        return AR_MUL;
    case X86_M_FSUB: case X86_M_FSUBP: case X86_M_FISUB:
        return AR_SUB;
    case X86_M_FSUBR: case X86_M_FSUBRP: case X86_M_FISUBR:
        return AR_SUBR;
    case X86_M_FDIV: case X86_M_FDIVP: case X86_M_FIDIV:
        return AR_DIV;
    case X86_M_FDIVR: case X86_M_FDIVRP: case X86_M_FIDIVR:
        return AR_DIVR;
    default:
        return -1;
    }
}

static Float80 arith(int kind, Float80 a, Float80 b, SfStatus *st)
{
    switch (kind) {
    case AR_ADD:
        return sf_f80_add(a, b, st);
    case AR_MUL:
        return sf_f80_mul(a, b, st);
    case AR_SUB:
        return sf_f80_sub(a, b, st);
    case AR_SUBR:
        return sf_f80_sub(b, a, st);
    case AR_DIV:
        return sf_f80_div(a, b, st);
    default:
        return sf_f80_div(b, a, st);
    }
}

/* dst = dst op src on the stack (src_val is the second operand). */
static bool arith_to(CPUX86TCG *env, int kind, int dst, Float80 src_val,
                     SfStatus *st)
{
    if (x87_is_empty(&env->st, dst)) {
        if (x87_underflow(env)) {
            return false;
        }
        x87_set(&env->st, dst, sf_f80_default_nan());
        return true;
    }
    Float80 a = x87_get(&env->st, dst);
    SfStatus conv = *st;
    st->flags = 0;
    Float80 r = arith(kind, a, src_val, st);
    mem_denormal(st, &conv, a);
    return x87_result(env, dst, r, st);
}

static void op_arith_reg(CPUX86TCG *env, uint64_t desc, uint64_t arg)
{
    unsigned mnem = X87_D_MNEM(desc);
    int dst = X87_D_DST(desc), src = X87_D_SRC(desc);
    SfStatus st = x87_sf(&env->st);
    bool pop = mnem == X86_M_FADDP || mnem == X86_M_FMULP ||
               mnem == X86_M_FSUBP || mnem == X86_M_FSUBRP ||
               mnem == X86_M_FDIVP || mnem == X86_M_FDIVRP;
    bool done;
    if (x87_is_empty(&env->st, src)) {
        done = !x87_underflow(env);
        if (done) {
            x87_set(&env->st, dst, sf_f80_default_nan());
        }
    } else {
        done = arith_to(env, arith_kind(mnem), dst, x87_get(&env->st, src),
                        &st);
    }
    if (done && pop) {
        x87_pop(&env->st);
    }
}

static void op_arith_mem(CPUX86TCG *env, uint64_t desc, uint64_t laddr)
{
    unsigned mnem = X87_D_MNEM(desc);
    int fmt = mem_format(mnem, X87_D_SIZE(desc));
    uint64_t v = mload(env, desc, laddr, 0, fmt_bytes(fmt));
    SfStatus st = x87_sf(&env->st);
    Float80 m = mem_to_f80(v, fmt, &st);
    arith_to(env, arith_kind(mnem), 0, m, &st);
}

/* ---- compares -------------------------------------------------------------- */

static unsigned cmp_cc(SfCmp r)
{
    static const unsigned cc[4] = {
        [SF_CMP_LESS] = FSW_C0, [SF_CMP_EQUAL] = FSW_C3,
        [SF_CMP_GREATER] = 0, [SF_CMP_UNORDERED] = FSW_C0 | FSW_C2 | FSW_C3,
    };
    return cc[r];
}

static uint64_t cmp_eflags(SfCmp r)
{
    static const uint64_t fl[4] = {
        [SF_CMP_LESS] = RF_CF, [SF_CMP_EQUAL] = RF_ZF, [SF_CMP_GREATER] = 0,
        [SF_CMP_UNORDERED] = RF_ZF | RF_PF | RF_CF,
    };
    return fl[r];
}

/* Compares ST(0) with b into C3/C2/C0 or (to_eflags) ZF/PF/CF; returns
   false when an unmasked exception stopped the instruction. */
static bool compare(CPUX86TCG *env, bool b_empty, Float80 b, bool quiet,
                    bool to_eflags, const SfStatus *conv)
{
    SfCmp r = SF_CMP_UNORDERED;
    bool stopped;
    if (x87_is_empty(&env->st, 0) || b_empty) {
        stopped = x87_underflow(env);
    } else {
        SfStatus st = x87_sf(&env->st);
        Float80 a = x87_get(&env->st, 0);
        r = sf_f80_compare(a, b, !quiet, &st);
        if (conv) {
            mem_denormal(&st, conv, a);
        }
        stopped = x87_raise(env, st.flags);
    }
    /* the condition codes are written even when an unmasked exception
       stops the instruction (as the hardware does); pops are not made */
    if (to_eflags) {
        env->cc_src = cmp_eflags(r);
        env->cc_op = CC_OP_EFLAGS;
    } else {
        x87_set_cc(&env->st, cmp_cc(r));     /* C1 = 0 */
    }
    return !stopped;
}

static void op_compare_reg(CPUX86TCG *env, uint64_t desc, uint64_t arg)
{
    unsigned mnem = X87_D_MNEM(desc);
    int i = X87_D_SRC(desc);
    bool quiet = mnem == X86_M_FUCOM || mnem == X86_M_FUCOMP ||
                 mnem == X86_M_FUCOMPP || mnem == X86_M_FUCOMI ||
                 mnem == X86_M_FUCOMIP;
    bool eflags = mnem == X86_M_FCOMI || mnem == X86_M_FCOMIP ||
                  mnem == X86_M_FUCOMI || mnem == X86_M_FUCOMIP;
    if (mnem == X86_M_FCOMPP || mnem == X86_M_FUCOMPP) {
        i = 1;
    }
    if (!compare(env, x87_is_empty(&env->st, i), x87_get(&env->st, i), quiet,
                 eflags, NULL)) {
        return;
    }
    for (int n = x87_compare_pops(mnem); n > 0; n--) {
        x87_pop(&env->st);
    }
}

static void op_compare_mem(CPUX86TCG *env, uint64_t desc, uint64_t laddr)
{
    unsigned mnem = X87_D_MNEM(desc);
    int fmt = mem_format(mnem, X87_D_SIZE(desc));
    uint64_t v = mload(env, desc, laddr, 0, fmt_bytes(fmt));
    SfStatus conv = x87_sf(&env->st);
    Float80 m = mem_to_f80(v, fmt, &conv);
    if (compare(env, false, m, false, false, &conv) && x87_compare_pops(mnem)) {
        x87_pop(&env->st);
    }
}

static void op_ftst(CPUX86TCG *env, uint64_t desc, uint64_t arg)
{
    compare(env, false, (Float80){ 0, 0 }, false, false, NULL);
}

/* FXAM: C3 C2 C0 class, C1 sign (SDM FXAM table). */
static void op_fxam(CPUX86TCG *env, uint64_t desc, uint64_t arg)
{
    X86CPUState *s = &env->st;
    Float80 v = x87_get(s, 0);
    unsigned e = v.se & 0x7fff, cc;
    if (x87_is_empty(s, 0)) {
        cc = FSW_C3 | FSW_C0;
    } else if (sf_f80_is_unsupported(v)) {
        cc = 0;
    } else if (e == 0x7fff) {
        cc = (v.mant << 1) ? FSW_C0 : FSW_C2 | FSW_C0;
    } else if (e == 0) {
        cc = v.mant ? FSW_C3 | FSW_C2 : FSW_C3;
    } else {
        cc = FSW_C2;
    }
    x87_set_cc(s, cc | ((v.se & 0x8000) ? FSW_C1 : 0));
}

/* ---- loads ----------------------------------------------------------------- */

/* Makes room for a push. Returns false when an unmasked stack overflow
   stops the instruction; *full then means "push the indefinite". */
static bool push_room(CPUX86TCG *env, bool *full)
{
    X86CPUState *s = &env->st;
    *full = ((s->ftw >> (2 * ((x87_top(s) - 1) & 7))) & 3) != X87_TAG_EMPTY;
    return !*full || !x87_overflow(env);
}

static void push(CPUX86TCG *env, Float80 v)
{
    x87_set_top(&env->st, x87_top(&env->st) - 1);
    x87_set(&env->st, 0, v);
}

/* Pushes a value produced by fn under st; nothing on unmasked faults. */
static void push_checked(CPUX86TCG *env, Float80 v, const SfStatus *st)
{
    /* only an unmasked invalid operand stops a load (a denormal loads) */
    if (x87_raise(env, st->flags) && (st->flags & ~env->st.fcw & SF_IE)) {
        set_c1(&env->st, false);
        return;
    }
    set_c1(&env->st, false);
    push(env, v);
}

static Float80 bcd_to_f80(CPUX86TCG *env, uint64_t desc, uint64_t laddr)
{
    uint64_t lo = mload(env, desc, laddr, 0, 8);
    uint16_t hi = (uint16_t)mload(env, desc, laddr, 8, 2);
    int64_t n = 0;
    for (int i = 8; i >= 0; i--) {
        unsigned byte = i == 8 ? hi & 0xff : (lo >> (8 * i)) & 0xff;
        n = n * 100 + (byte >> 4) * 10 + (byte & 15);
    }
    SfStatus st = x87_sf(&env->st);
    Float80 v = sf_i64_to_f80(n, &st);
    if (hi & 0x8000) {
        v.se |= 0x8000;
    }
    return v;
}

static void op_load_mem(CPUX86TCG *env, uint64_t desc, uint64_t laddr)
{
    int fmt = mem_format(X87_D_MNEM(desc), X87_D_SIZE(desc));
    bool full;
    Float80 v;
    SfStatus st = x87_sf(&env->st);
    if (fmt == MF_F80) {
        v = load_f80(env, desc, laddr, 0);
    } else if (fmt == MF_BCD) {
        v = bcd_to_f80(env, desc, laddr);
    } else {
        uint64_t m = mload(env, desc, laddr, 0, fmt_bytes(fmt));
        v = fmt == MF_F32 ? sf_f32_to_f80((Float32)m, &st)
          : fmt == MF_F64 ? sf_f64_to_f80(m, &st) : mem_to_f80(m, fmt, &st);
    }
    if (!push_room(env, &full)) {
        return;
    }
    if (full) {
        push(env, sf_f80_default_nan());
        return;
    }
    push_checked(env, v, &st);
}

static void op_load_reg(CPUX86TCG *env, uint64_t desc, uint64_t arg)
{
    int i = X87_D_SRC(desc);
    bool full;
    Float80 v = x87_get(&env->st, i);
    if (x87_is_empty(&env->st, i)) {    /* underflow before overflow */
        if (!x87_underflow(env)) {
            push(env, sf_f80_default_nan());
        }
        return;
    }
    if (!push_room(env, &full)) {
        return;
    }
    if (!full) {
        set_c1(&env->st, false);
    }
    push(env, full ? sf_f80_default_nan() : v);
}

/* ---- constants ------------------------------------------------------------- */

/* The constants to 128 bits: rounded to 64 by RC, as processors since the
   486 do (FLDPI under round-down gives ...c234, under nearest ...c235). */
static void op_const(CPUX86TCG *env, uint64_t desc, uint64_t arg)
{
    static const struct {
        uint16_t mnem, se;
        uint64_t mant, tail;
    } k[] = {
        { X86_M_FLD1, 0x3fff, 0x8000000000000000ull, 0 },
        { X86_M_FLDZ, 0x0000, 0, 0 },
        { X86_M_FLDL2T, 0x4000, 0xd49a784bcd1b8afeull, 0x492bf6ff4dafdb4cull },
        { X86_M_FLDL2E, 0x3fff, 0xb8aa3b295c17f0bbull, 0xbe87fed0691d3e88ull },
        { X86_M_FLDPI, 0x4000, 0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull },
        { X86_M_FLDLG2, 0x3ffd, 0x9a209a84fbcff798ull, 0x8f8959ac0b7c9178ull },
        { X86_M_FLDLN2, 0x3ffe, 0xb17217f7d1cf79abull, 0xc9e3b39803f2f6afull },
    };
    unsigned mnem = X87_D_MNEM(desc);
    int rc = (env->st.fcw >> 10) & 3;
    for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
        if (k[i].mnem != mnem) {
            continue;
        }
        uint64_t m = k[i].mant;
        if ((rc == SF_ROUND_NEAREST && (k[i].tail >> 63)) ||
            (rc == SF_ROUND_UP && k[i].tail)) {
            m++;
        }
        bool full;
        if (!push_room(env, &full)) {
            return;
        }
        if (!full) {
            set_c1(&env->st, false);
        }
        push(env, full ? sf_f80_default_nan() : (Float80){ m, k[i].se });
        return;
    }
}

/* ---- stores ---------------------------------------------------------------- */

static bool store_pops(unsigned mnem)
{
    return mnem == X86_M_FSTP || mnem == X86_M_FISTP ||
           mnem == X86_M_FISTTP || mnem == X86_M_FBSTP;
}

static uint64_t indefinite(int fmt)
{
    switch (fmt) {
    case MF_F32:
        return SF_F32_DEFAULT_NAN;
    case MF_F64:
        return SF_F64_DEFAULT_NAN;
    case MF_I16:
        return 0x8000;
    case MF_I32:
        return 0x80000000u;
    default:
        return 1ull << 63;
    }
}

/* 18 BCD digits of |n| (< 10^18) and the sign byte. */
static void store_bcd(CPUX86TCG *env, uint64_t desc, uint64_t laddr,
                      uint64_t n, bool neg)
{
    uint64_t lo = 0;
    for (int i = 0; i < 8; i++) {
        lo |= (uint64_t)((n % 10) | ((n / 10) % 10) << 4) << (8 * i);
        n /= 100;
    }
    uint16_t hi = (uint16_t)((n % 10) | ((n / 10) % 10) << 4);
    hi |= neg ? 0x8000 : 0;
    mstore(env, desc, laddr, 8, 2, hi);
    mstore(env, desc, laddr, 0, 8, lo);
}

static void op_fbstp(CPUX86TCG *env, uint64_t desc, uint64_t laddr,
                     Float80 v)
{
    SfStatus st = x87_sf(&env->st);
    int64_t n = sf_f80_to_i64(v, false, &st);
    uint64_t mag = n < 0 ? -(uint64_t)n : (uint64_t)n;
    if (!(st.flags & SF_IE) && mag >= 1000000000000000000ull) {
        st.flags = SF_IE;
    }
    set_c1(&env->st, (st.flags & SF_PE) && !(st.flags & SF_IE) &&
                     st.rounded_up);
    if (x87_raise(env, st.flags)) {
        return;
    }
    if (st.flags & SF_IE) {
        mstore(env, desc, laddr, 8, 2, 0xffff);
        mstore(env, desc, laddr, 0, 8, 0xc000000000000000ull);
    } else {
        store_bcd(env, desc, laddr, mag, v.se & 0x8000);
    }
    x87_pop(&env->st);
}

static uint64_t convert_store(Float80 v, int fmt, bool truncate,
                              SfStatus *st)
{
    switch (fmt) {
    case MF_F32:
        return sf_f80_to_f32(v, st);
    case MF_F64:
        return sf_f80_to_f64(v, st);
    case MF_I16:
        return (uint16_t)sf_f80_to_i16(v, truncate, st);
    case MF_I32:
        return (uint32_t)sf_f80_to_i32(v, truncate, st);
    default:
        return (uint64_t)sf_f80_to_i64(v, truncate, st);
    }
}

static void op_store_mem(CPUX86TCG *env, uint64_t desc, uint64_t laddr)
{
    unsigned mnem = X87_D_MNEM(desc);
    int fmt = mem_format(mnem, X87_D_SIZE(desc));
    X86CPUState *s = &env->st;
    Float80 v = x87_get(s, 0);
    if (x87_is_empty(s, 0)) {
        if (x87_underflow(env)) {
            return;
        }
        v = sf_f80_default_nan();
    }
    if (fmt == MF_BCD) {
        op_fbstp(env, desc, laddr, v);
        return;
    }
    if (fmt == MF_F80) {
        store_f80(env, desc, laddr, 0, v);
        set_c1(s, false);
    } else {
        SfStatus st = x87_sf(s);
        uint64_t m = convert_store(v, fmt, mnem == X86_M_FISTTP, &st);
        unsigned unmasked = st.flags & ~s->fcw & (SF_OE | SF_UE);
        set_c1(s, (st.flags & SF_PE) && !(st.flags & SF_IE) && !unmasked &&
                  st.rounded_up);
        if (unmasked) {         /* nothing stored, so nothing inexact */
            st.flags &= ~SF_PE;
        }
        if (x87_raise(env, st.flags) || unmasked) {
            return;
        }
        if (x87_is_empty(s, 0)) {
            m = indefinite(fmt);
        }
        mstore(env, desc, laddr, 0, fmt_bytes(fmt), m);
    }
    if (store_pops(mnem)) {
        x87_pop(s);
    }
}

static void op_store_reg(CPUX86TCG *env, uint64_t desc, uint64_t arg)
{
    X86CPUState *s = &env->st;
    Float80 v = x87_get(s, 0);
    if (x87_is_empty(s, 0)) {
        if (x87_underflow(env)) {
            return;
        }
        v = sf_f80_default_nan();
    } else {
        set_c1(s, false);
    }
    x87_set(s, X87_D_DST(desc), v);
    if (X87_D_MNEM(desc) == X86_M_FSTP) {
        x87_pop(s);
    }
}

/* ---- register moves and stack control -------------------------------------- */

static void op_fxch(CPUX86TCG *env, uint64_t desc, uint64_t arg)
{
    X86CPUState *s = &env->st;
    int i = X87_D_SRC(desc);
    if (x87_is_empty(s, 0) || x87_is_empty(s, i)) {
        if (x87_underflow(env)) {
            return;
        }
        if (x87_is_empty(s, 0)) {
            x87_set(s, 0, sf_f80_default_nan());
        }
        if (x87_is_empty(s, i)) {
            x87_set(s, i, sf_f80_default_nan());
        }
    } else {
        set_c1(s, false);
    }
    Float80 a = x87_get(s, 0), b = x87_get(s, i);
    x87_set(s, 0, b);
    x87_set(s, i, a);
}

static void op_fcmov(CPUX86TCG *env, uint64_t desc, uint64_t cond)
{
    X86CPUState *s = &env->st;
    int i = X87_D_SRC(desc);
    if (x87_is_empty(s, 0) || x87_is_empty(s, i)) {
        if (!x87_underflow(env)) {   /* even when the move is not taken */
            x87_set(s, 0, sf_f80_default_nan());
        }
        return;
    }
    if (cond) {
        x87_set(s, 0, x87_get(s, i));
    }
}

static void op_sign(CPUX86TCG *env, uint64_t desc, uint64_t arg)
{
    X86CPUState *s = &env->st;
    if (x87_is_empty(s, 0)) {
        if (!x87_underflow(env)) {
            x87_set(s, 0, sf_f80_default_nan());
        }
        return;
    }
    Float80 v = x87_get(s, 0);
    v.se = X87_D_MNEM(desc) == X86_M_FCHS ? v.se ^ 0x8000 : v.se & 0x7fff;
    set_c1(s, false);
    x87_set(s, 0, v);
}

static void op_ffree(CPUX86TCG *env, uint64_t desc, uint64_t arg)
{
    x87_set_empty(&env->st, X87_D_SRC(desc));
    set_c1(&env->st, false);
}

static void op_incdec(CPUX86TCG *env, uint64_t desc, uint64_t arg)
{
    X86CPUState *s = &env->st;
    x87_set_top(s, x87_top(s) + (X87_D_MNEM(desc) == X86_M_FINCSTP ? 1 : -1));
    set_c1(s, false);
}

static void op_nop(CPUX86TCG *env, uint64_t desc, uint64_t arg)
{
}

static void op_fnstsw_ax(CPUX86TCG *env, uint64_t desc, uint64_t arg)
{
    uint64_t *ax = &env->st.regs[R_EAX];
    *ax = (*ax & ~0xffffull) | env->st.fsw;
}

static void op_fnclex(CPUX86TCG *env, uint64_t desc, uint64_t arg)
{
    env->st.fsw &= ~(FSW_B | FSW_ES | FSW_SF | 0x3f);
    x87_update_ferr(env);
}

static void op_fninit(CPUX86TCG *env, uint64_t desc, uint64_t arg)
{
    x87_finit(&env->st);
    x87_update_ferr(env);
}

static void op_trans(CPUX86TCG *env, uint64_t desc, uint64_t arg)
{
    x87_trans(env, X87_D_MNEM(desc));
}

/* ---- dispatch ------------------------------------------------------------------ */

typedef void X87Fn(CPUX86TCG *env, uint64_t desc, uint64_t arg);

static X87Fn *const reg_ops[X86_M_COUNT] = {
    [X86_M_FADD] = op_arith_reg, [X86_M_FADDP] = op_arith_reg,
    [X86_M_FMUL] = op_arith_reg, [X86_M_FMULP] = op_arith_reg,
    [X86_M_FSUB] = op_arith_reg, [X86_M_FSUBP] = op_arith_reg,
    [X86_M_FSUBR] = op_arith_reg, [X86_M_FSUBRP] = op_arith_reg,
    [X86_M_FDIV] = op_arith_reg, [X86_M_FDIVP] = op_arith_reg,
    [X86_M_FDIVR] = op_arith_reg, [X86_M_FDIVRP] = op_arith_reg,
    [X86_M_FCOM] = op_compare_reg, [X86_M_FCOMP] = op_compare_reg,
    [X86_M_FCOMPP] = op_compare_reg, [X86_M_FUCOM] = op_compare_reg,
    [X86_M_FUCOMP] = op_compare_reg, [X86_M_FUCOMPP] = op_compare_reg,
    [X86_M_FCOMI] = op_compare_reg, [X86_M_FCOMIP] = op_compare_reg,
    [X86_M_FUCOMI] = op_compare_reg, [X86_M_FUCOMIP] = op_compare_reg,
    [X86_M_FTST] = op_ftst, [X86_M_FXAM] = op_fxam,
    [X86_M_FLD] = op_load_reg, [X86_M_FST] = op_store_reg,
    [X86_M_FSTP] = op_store_reg, [X86_M_FXCH] = op_fxch,
    [X86_M_FLD1] = op_const, [X86_M_FLDZ] = op_const,
    [X86_M_FLDL2T] = op_const, [X86_M_FLDL2E] = op_const,
    [X86_M_FLDPI] = op_const, [X86_M_FLDLG2] = op_const,
    [X86_M_FLDLN2] = op_const,
    [X86_M_FCMOVB] = op_fcmov, [X86_M_FCMOVE] = op_fcmov,
    [X86_M_FCMOVBE] = op_fcmov, [X86_M_FCMOVU] = op_fcmov,
    [X86_M_FCMOVNB] = op_fcmov, [X86_M_FCMOVNE] = op_fcmov,
    [X86_M_FCMOVNBE] = op_fcmov, [X86_M_FCMOVNU] = op_fcmov,
    [X86_M_FCHS] = op_sign, [X86_M_FABS] = op_sign,
    [X86_M_FFREE] = op_ffree, [X86_M_FINCSTP] = op_incdec,
    [X86_M_FDECSTP] = op_incdec, [X86_M_FNOP] = op_nop,
    [X86_M_FNSTSW] = op_fnstsw_ax, [X86_M_FNCLEX] = op_fnclex,
    [X86_M_FNINIT] = op_fninit,
    [X86_M_FSQRT] = op_trans, [X86_M_FRNDINT] = op_trans,
    [X86_M_FSCALE] = op_trans, [X86_M_FXTRACT] = op_trans,
    [X86_M_FPREM] = op_trans, [X86_M_FPREM1] = op_trans,
    [X86_M_F2XM1] = op_trans, [X86_M_FYL2X] = op_trans,
    [X86_M_FYL2XP1] = op_trans, [X86_M_FPTAN] = op_trans,
    [X86_M_FPATAN] = op_trans, [X86_M_FSIN] = op_trans,
    [X86_M_FCOS] = op_trans, [X86_M_FSINCOS] = op_trans,
};

static X87Fn *const mem_ops[X86_M_COUNT] = {
    [X86_M_FADD] = op_arith_mem, [X86_M_FMUL] = op_arith_mem,
    [X86_M_FSUB] = op_arith_mem, [X86_M_FSUBR] = op_arith_mem,
    [X86_M_FDIV] = op_arith_mem, [X86_M_FDIVR] = op_arith_mem,
    [X86_M_FIADD] = op_arith_mem, [X86_M_FIMUL] = op_arith_mem,
    [X86_M_FISUB] = op_arith_mem, [X86_M_FISUBR] = op_arith_mem,
    [X86_M_FIDIV] = op_arith_mem, [X86_M_FIDIVR] = op_arith_mem,
    [X86_M_FCOM] = op_compare_mem, [X86_M_FCOMP] = op_compare_mem,
    [X86_M_FICOM] = op_compare_mem, [X86_M_FICOMP] = op_compare_mem,
    [X86_M_FLD] = op_load_mem, [X86_M_FILD] = op_load_mem,
    [X86_M_FBLD] = op_load_mem,
    [X86_M_FST] = op_store_mem, [X86_M_FSTP] = op_store_mem,
    [X86_M_FIST] = op_store_mem, [X86_M_FISTP] = op_store_mem,
    [X86_M_FISTTP] = op_store_mem, [X86_M_FBSTP] = op_store_mem,
    [X86_M_FLDCW] = x87_env_mem, [X86_M_FNSTCW] = x87_env_mem,
    [X86_M_FNSTSW] = x87_env_mem, [X86_M_FLDENV] = x87_env_mem,
    [X86_M_FNSTENV] = x87_env_mem, [X86_M_FRSTOR] = x87_env_mem,
    [X86_M_FNSAVE] = x87_env_mem,
};

bool x87_knows(unsigned mnem, bool mem)
{
    return mnem < X86_M_COUNT && (mem ? mem_ops[mnem] : reg_ops[mnem]);
}

void helper_x87_reg(CPUX86TCG *env, uint64_t desc, uint64_t arg)
{
    x87_begin(env, desc, 0, false);
    if (!x87_host_reg(env, desc)) {
        reg_ops[X87_D_MNEM(desc)](env, desc, arg);
    }
}

void helper_x87_mem(CPUX86TCG *env, uint64_t laddr, uint64_t desc)
{
    x87_begin(env, desc, laddr, true);
    if (!x87_host_mem(env, desc, laddr)) {
        mem_ops[X87_D_MNEM(desc)](env, desc, laddr);
    }
}
