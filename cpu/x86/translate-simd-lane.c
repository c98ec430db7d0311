/*
 * Integer SSE2 operations done in the IR on 64-bit halves, with no
 * helper call (Intel SDM Vol. 2 instruction pages): PADDQ/PSUBQ,
 * PADDB/W/D and PSUBB/W/D (SWAR: lanes added in one 64-bit operation
 * with their top bits kept apart), the logical and arithmetic shifts by
 * an immediate count, PSLLDQ/PSRLDQ, the dword and qword shuffles
 * (PSHUFD, SHUFPS, SHUFPD) and the unpacks (PUNPCKL/Hxx, UNPCKxPS/PD). The MMX forms of the lane-wise ones share
 * the code (one half); the shuffles whose MMX forms read less than a
 * register, and the shifts by a register or memory count, stay with
 * helper simd_op (translate-simd.c).
 *
 * Every operand is read into temps before anything is written, so a
 * memory source that faults (or is misaligned: #GP(0) for 16 bytes)
 * leaves the destination as it was.
 */
#include "cpu/x86/translate-fpu.h"

#include "cpu/x86/simd-desc.h"

/* A register's or memory operand's value as halves v[0] (low), v[1]. */
typedef struct Halves {
    TCGv_i64 v[2];
    int n;              /* halves: 2 for XMM, 1 for MMX */
} Halves;

static int lane_halves(const X86Insn *in)
{
    return in->ops[0].reg_class == X86_RC_MMX ? 1 : 2;
}

static void ld_halves(DisasContext *d, Halves *h, const X86Operand *o, int n)
{
    TCGContext *s = d->s;

    h->n = n;
    for (int i = 0; i < n; i++) {
        h->v[i] = tmp_new(d);
    }
    if (o->kind == X86_OPK_REG) {
        for (int i = 0; i < n; i++) {
            tcg_gen_ld_i64(s, h->v[i], tcg_env(s), simd_reg_off(o) + 8 * i);
        }
    } else if (n == 2) {
        gen_ld_mem128(d, h->v[0], h->v[1], gen_lea(d, o), true);
    } else {
        gen_ld_mem(d, h->v[0], gen_lea(d, o), 8);
    }
}

static void st_halves(DisasContext *d, const X86Operand *o, const Halves *h)
{
    for (int i = 0; i < h->n; i++) {
        tcg_gen_st_i64(d->s, h->v[i], tcg_env(d->s), simd_reg_off(o) + 8 * i);
    }
}

/* The destination and the source, read after the availability checks;
   false if the instruction always faults here. */
static bool ld_operands(DisasContext *d, const X86Insn *in, Halves *a,
                        Halves *b)
{
    int n = lane_halves(in);

    if (!gen_simd_check(d, in)) {
        return false;
    }
    ld_halves(d, a, &in->ops[0], n);
    if (b) {
        ld_halves(d, b, &in->ops[1], n);
    }
    return true;
}

static void finish(DisasContext *d, const X86Insn *in, const Halves *r)
{
    st_halves(d, &in->ops[0], r);
    gen_simd_commit(d, in);
}

/* ---- adds and subtracts ---- */

/* Each lane's top bit, for lanes of `lane` bytes. */
static uint64_t lane_tops(int lane)
{
    return lane == 1 ? 0x8080808080808080ull :
           lane == 2 ? 0x8000800080008000ull : 0x8000000080000000ull;
}

/*
 * a + b (or a - b) lane by lane in one 64-bit value: the lanes without
 * their top bits cannot carry (borrow) into the next lane; the top bits
 * are then the sum (difference) bit a ^ b ^ carry-in, i.e. an xor.
 *   add: ((a & ~H) + (b & ~H)) ^ ((a ^ b) & H)
 *   sub: ((a | H) - (b & ~H)) ^ ((a ^ ~b) & H)
 */
static void gen_swar(DisasContext *d, TCGv_i64 r, TCGv_i64 a, TCGv_i64 b,
                     int lane, bool sub)
{
    TCGContext *s = d->s;
    uint64_t h = lane_tops(lane);
    TCGv_i64 x = tmp_new(d), y = tmp_new(d), t = tmp_new(d);

    if (lane == 8) {
        (sub ? tcg_gen_sub_i64 : tcg_gen_add_i64)(s, r, a, b);
        return;
    }
    tcg_gen_andi_i64(s, y, b, ~h);
    tcg_gen_xor_i64(s, t, a, b);
    if (sub) {
        tcg_gen_ori_i64(s, x, a, h);
        tcg_gen_sub_i64(s, x, x, y);
        tcg_gen_andi_i64(s, t, t, h);
        tcg_gen_xori_i64(s, t, t, h);                   /* (a ^ ~b) & H */
    } else {
        tcg_gen_andi_i64(s, x, a, ~h);
        tcg_gen_add_i64(s, x, x, y);
        tcg_gen_andi_i64(s, t, t, h);
    }
    tcg_gen_xor_i64(s, r, x, t);
}

static void gen_addsub(DisasContext *d, const X86Insn *in, int lane, bool sub)
{
    Halves a, b;

    if (!ld_operands(d, in, &a, &b)) {
        return;
    }
    for (int i = 0; i < a.n; i++) {
        gen_swar(d, a.v[i], a.v[i], b.v[i], lane, sub);
    }
    finish(d, in, &a);
}

#define ADDSUB(M, lane, sub) \
    void gen_##M(DisasContext *d, const X86Insn *in) \
    { gen_addsub(d, in, lane, sub); }

ADDSUB(PADDB, 1, false) ADDSUB(PADDW, 2, false) ADDSUB(PADDD, 4, false)
ADDSUB(PADDQ, 8, false) ADDSUB(PSUBB, 1, true) ADDSUB(PSUBW, 2, true)
ADDSUB(PSUBD, 4, true) ADDSUB(PSUBQ, 8, true)

/* ---- shifts by an immediate count ---- */

/* v << n or v >> n (logical) in lanes of `lane` bytes, n < lane * 8. */
static void gen_shift_lanes(DisasContext *d, TCGv_i64 v, int lane, unsigned n,
                            bool left)
{
    TCGContext *s = d->s;
    uint64_t ones = lane == 8 ? ~0ull : (1ull << (8 * lane)) - 1;
    uint64_t rep = lane == 2 ? 0x0001000100010001ull :
                   lane == 4 ? 0x0000000100000001ull : 1;
    uint64_t mask = (left ? (ones << n) & ones : ones >> n) * rep;

    if (left) {
        tcg_gen_shli_i64(s, v, v, n);
    } else {
        tcg_gen_shri_i64(s, v, v, n);
    }
    if (lane != 8) {
        tcg_gen_andi_i64(s, v, v, mask);
    }
}

/* PSRAD by n < 32: the high dword from a 64-bit arithmetic shift, the
   low one shifted up, arithmetic-shifted and brought down. */
static void gen_sar32(DisasContext *d, TCGv_i64 v, unsigned n)
{
    TCGContext *s = d->s;
    TCGv_i64 lo = tmp_new(d);

    tcg_gen_shli_i64(s, lo, v, 32);
    tcg_gen_sari_i64(s, lo, lo, n);
    tcg_gen_shri_i64(s, lo, lo, 32);
    tcg_gen_sari_i64(s, v, v, n);
    tcg_gen_andi_i64(s, v, v, 0xffffffff00000000ull);
    tcg_gen_or_i64(s, v, v, lo);
}

/* The shift-by-imm8 forms: ops[0] shifted in place; sar: arithmetic. */
static void gen_shift_imm(DisasContext *d, const X86Insn *in, int lane,
                          bool left, bool sar)
{
    unsigned n = (unsigned)in->ops[1].imm & 0xff, bits = 8 * (unsigned)lane;
    Halves a;

    if (!ld_operands(d, in, &a, NULL)) {
        return;
    }
    for (int i = 0; i < a.n; i++) {
        if (sar) {
            gen_sar32(d, a.v[i], n < bits ? n : bits - 1);
        } else if (n >= bits) {
            tcg_gen_movi_i64(d->s, a.v[i], 0);
        } else {
            gen_shift_lanes(d, a.v[i], lane, n, left);
        }
    }
    finish(d, in, &a);
}

#define SHIFT(M, op, lane, left, sar)                                       \
    void gen_##M(DisasContext *d, const X86Insn *in)                        \
    {                                                                       \
        if (in->ops[1].kind == X86_OPK_IMM) {                               \
            gen_shift_imm(d, in, lane, left, sar);                          \
        } else {                                                            \
            gen_simd_op_call(d, in, SIMD_OP_##op);                          \
        }                                                                   \
    }

SHIFT(PSLLW, psllw, 2, true, false) SHIFT(PSLLD, pslld, 4, true, false)
SHIFT(PSLLQ, psllq, 8, true, false) SHIFT(PSRLW, psrlw, 2, false, false)
SHIFT(PSRLD, psrld, 4, false, false) SHIFT(PSRLQ, psrlq, 8, false, false)
SHIFT(PSRAD, psrad, 4, false, true)

/* PSLLDQ / PSRLDQ: the whole register by imm8 bytes (more than 15: 0). */
static void gen_shift_bytes(DisasContext *d, const X86Insn *in, bool left)
{
    TCGContext *s = d->s;
    unsigned n = 8 * ((unsigned)in->ops[1].imm & 0xff);
    /* left: bits move from lo into hi; right: from hi into lo */
    int from = left ? 0 : 1, to = 1 - from;
    Halves a;

    if (!ld_operands(d, in, &a, NULL)) {
        return;
    }
    if (n >= 128) {
        tcg_gen_movi_i64(s, a.v[0], 0);
        tcg_gen_movi_i64(s, a.v[1], 0);
    } else if (n >= 64) {
        if (left) {
            tcg_gen_shli_i64(s, a.v[to], a.v[from], n - 64);
        } else {
            tcg_gen_shri_i64(s, a.v[to], a.v[from], n - 64);
        }
        tcg_gen_movi_i64(s, a.v[from], 0);
    } else if (n) {
        TCGv_i64 c = tmp_new(d);
        if (left) {
            tcg_gen_shri_i64(s, c, a.v[from], 64 - n);
            tcg_gen_shli_i64(s, a.v[to], a.v[to], n);
            tcg_gen_shli_i64(s, a.v[from], a.v[from], n);
        } else {
            tcg_gen_shli_i64(s, c, a.v[from], 64 - n);
            tcg_gen_shri_i64(s, a.v[to], a.v[to], n);
            tcg_gen_shri_i64(s, a.v[from], a.v[from], n);
        }
        tcg_gen_or_i64(s, a.v[to], a.v[to], c);
    }
    finish(d, in, &a);
}

void gen_PSLLDQ(DisasContext *d, const X86Insn *in) { gen_shift_bytes(d, in, true); }
void gen_PSRLDQ(DisasContext *d, const X86Insn *in) { gen_shift_bytes(d, in, false); }

/* ---- dword and qword shuffles (XMM forms) ---- */

/*
 * r = dword k0 of x (low) and dword k1 of y (high); x and y are the
 * halves of a register (dwords 0..3).
 */
static void gen_dword_pair(DisasContext *d, TCGv_i64 r, const Halves *x,
                           unsigned k0, const Halves *y, unsigned k1)
{
    TCGContext *s = d->s;
    TCGv_i64 lo = tmp_new(d), hi = tmp_new(d);

    if (x == y && k0 % 2 == 0 && k1 == k0 + 1) {
        tcg_gen_mov_i64(s, r, x->v[k0 / 2]);
        return;
    }
    if (k0 & 1) {
        tcg_gen_shri_i64(s, lo, x->v[k0 / 2], 32);
    } else {
        tcg_gen_ext32u_i64(s, lo, x->v[k0 / 2]);
    }
    if (k1 & 1) {
        tcg_gen_andi_i64(s, hi, y->v[k1 / 2], 0xffffffff00000000ull);
    } else {
        tcg_gen_shli_i64(s, hi, y->v[k1 / 2], 32);
    }
    tcg_gen_or_i64(s, r, lo, hi);
}

/* ops[0] = dwords (k[0], k[1]) of ops[0] or ops[1] as src01 says, then
   (k[2], k[3]) likewise (src23); the MMX forms go to helper simd_op. */
static void gen_dword_shuffle(DisasContext *d, const X86Insn *in, int op,
                              const unsigned k[4], bool src01, bool src23)
{
    Halves a, b, r;

    if (lane_halves(in) != 2) {
        gen_simd_op_call(d, in, op);
        return;
    }
    if (!ld_operands(d, in, &a, &b)) {
        return;
    }
    r.n = 2;
    r.v[0] = tmp_new(d);
    r.v[1] = tmp_new(d);
    gen_dword_pair(d, r.v[0], src01 ? &b : &a, k[0], src01 ? &b : &a, k[1]);
    gen_dword_pair(d, r.v[1], src23 ? &b : &a, k[2], src23 ? &b : &a, k[3]);
    finish(d, in, &r);
}

static unsigned insn_imm8(const X86Insn *in)
{
    for (int i = 1; i < in->nops; i++) {
        if (in->ops[i].kind == X86_OPK_IMM) {
            return (unsigned)in->ops[i].imm & 0xff;
        }
    }
    return 0;
}

void gen_PSHUFD(DisasContext *d, const X86Insn *in)
{
    unsigned m = insn_imm8(in);
    const unsigned k[4] = { m & 3, (m >> 2) & 3, (m >> 4) & 3, m >> 6 };

    gen_dword_shuffle(d, in, SIMD_OP_pshufd, k, true, true);
}

void gen_SHUFPS(DisasContext *d, const X86Insn *in)
{
    unsigned m = insn_imm8(in);
    const unsigned k[4] = { m & 3, (m >> 2) & 3, (m >> 4) & 3, m >> 6 };

    gen_dword_shuffle(d, in, SIMD_OP_shufps, k, false, true);
}

void gen_SHUFPD(DisasContext *d, const X86Insn *in)
{
    unsigned m = insn_imm8(in);
    const unsigned k[4] = { 2 * (m & 1), 2 * (m & 1) + 1,
                            2 * ((m >> 1) & 1), 2 * ((m >> 1) & 1) + 1 };

    gen_dword_shuffle(d, in, SIMD_OP_shufpd, k, false, true);
}

/*
 * r = the dword of v at bit `pos` (0 or 32) spread out to lanes of
 * `lane` bytes (1 or 2) with a gap of the same size after each:
 * 0x00dd00cc00bb00aa from 0xddccbbaa for bytes.
 */
static void gen_spread(DisasContext *d, TCGv_i64 r, TCGv_i64 v, int pos,
                       int lane)
{
    TCGContext *s = d->s;
    TCGv_i64 t = tmp_new(d);

    if (pos) {
        tcg_gen_shri_i64(s, r, v, 32);
    } else {
        tcg_gen_ext32u_i64(s, r, v);
    }
    tcg_gen_shli_i64(s, t, r, 16);
    tcg_gen_or_i64(s, r, r, t);
    tcg_gen_andi_i64(s, r, r, 0x0000ffff0000ffffull);
    if (lane == 1) {
        tcg_gen_shli_i64(s, t, r, 8);
        tcg_gen_or_i64(s, r, r, t);
        tcg_gen_andi_i64(s, r, r, 0x00ff00ff00ff00ffull);
    }
}

/* r = lanes of the dword at `pos` of a and b taken in turn, a first. */
static void gen_interleave(DisasContext *d, TCGv_i64 r, TCGv_i64 a,
                           TCGv_i64 b, int pos, int lane)
{
    TCGv_i64 t = tmp_new(d);

    gen_spread(d, r, a, pos, lane);
    gen_spread(d, t, b, pos, lane);
    tcg_gen_shli_i64(d->s, t, t, 8 * lane);
    tcg_gen_or_i64(d->s, r, r, t);
}

/*
 * PUNPCKLxx / PUNPCKHxx: the lanes of the low (high) halves of ops[0]
 * and ops[1] taken in turn. Each result half comes from one dword of
 * each source: dword k of a and b make result half k % 2. The MMX forms
 * (which read only 4 bytes of memory for the low ones) go to helper
 * simd_op.
 */
static void gen_unpack(DisasContext *d, const X86Insn *in, int op, bool high,
                       int lane)
{
    unsigned base = high ? 2 : 0;
    Halves a, b, r;

    if (lane_halves(in) != 2) {
        gen_simd_op_call(d, in, op);
        return;
    }
    if (!ld_operands(d, in, &a, &b)) {
        return;
    }
    r.n = 2;
    r.v[0] = tmp_new(d);
    r.v[1] = tmp_new(d);
    if (lane == 8) {
        tcg_gen_mov_i64(d->s, r.v[0], a.v[base / 2]);
        tcg_gen_mov_i64(d->s, r.v[1], b.v[base / 2]);
    } else if (lane == 4) {
        gen_dword_pair(d, r.v[0], &a, base, &b, base);
        gen_dword_pair(d, r.v[1], &a, base + 1, &b, base + 1);
    } else {
        for (int i = 0; i < 2; i++) {
            gen_interleave(d, r.v[i], a.v[base / 2], b.v[base / 2], 32 * i,
                           lane);
        }
    }
    finish(d, in, &r);
}

#define UNPACK(M, op, high, lane)                                           \
    void gen_##M(DisasContext *d, const X86Insn *in)                        \
    {                                                                       \
        gen_unpack(d, in, SIMD_OP_##op, high, lane);                        \
    }

UNPACK(PUNPCKLBW, punpcklbw, false, 1) UNPACK(PUNPCKHBW, punpckhbw, true, 1)
UNPACK(PUNPCKLWD, punpcklwd, false, 2) UNPACK(PUNPCKHWD, punpckhwd, true, 2)
UNPACK(PUNPCKLDQ, punpckldq, false, 4) UNPACK(PUNPCKHDQ, punpckhdq, true, 4)
UNPACK(PUNPCKLQDQ, punpcklqdq, false, 8)
UNPACK(PUNPCKHQDQ, punpckhqdq, true, 8)
UNPACK(UNPCKLPS, punpckldq, false, 4) UNPACK(UNPCKHPS, punpckhdq, true, 4)
UNPACK(UNPCKLPD, punpcklqdq, false, 8) UNPACK(UNPCKHPD, punpckhqdq, true, 8)
