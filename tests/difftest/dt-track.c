/*
 * Differential tester: the tracker, a small abstract interpreter over a
 * sequence that decides whether the sequence is safe to run on the host
 * and which arithmetic flags are undefined at each point.
 *
 * Safe means: every memory access (explicit operands, string operands,
 * the stack, XLAT, BT with a register bit offset, ENTER's frame copies)
 * provably falls inside the scratch area, using only register values the
 * tracker knows exactly (set by MOV reg, imm or the initial state, moved
 * by stack instructions); no instruction reads a flag that is undefined
 * at that point; branches go forward to an instruction boundary.
 *
 * Register writes are over-approximated (an instruction's first operand
 * and its implicit outputs are forgotten); at a branch target the
 * knowledge is the intersection of the paths that reach it, and the
 * undefined flags their union.
 *
 * Flag behaviour follows each instruction's "Flags Affected" section in
 * the Intel SDM Vol. 2; where the SDM says "undefined" (and where Intel
 * and AMD are known to differ) the flag is masked in comparisons.
 */
#include <string.h>

#include "cpu/x86/cpu.h"
#include "tests/difftest/dt.h"

#define F_ALL RF_ARITH
/* 16-bit code: SS is based at the scratch area, so SP is an offset */
#define SS_BASE(t)  ((t)->mode == 16 ? DT_SEG16_DATA_BASE : 0)
#define STACK_LO(t) (DT_SCRATCH - SS_BASE(t) + 0x2200u)
#define STACK_HI(t) (DT_SCRATCH - SS_BASE(t) + 0x3e00u)

static bool know(const DtTrack *t, int r)
{
    return (t->k.known >> r) & 1;
}

static void forget(DtTrack *t, int r)
{
    t->k.known &= (uint16_t)~(1u << r);
}

static void learn(DtTrack *t, int r, uint64_t v)
{
    t->k.known |= (uint16_t)(1u << r);
    t->k.val[r] = t->mode == 64 ? v : (uint32_t)v;
}

static int reject(DtTrack *t, const char *why)
{
    t->why = why;
    return -1;
}

void dt_track_init(DtTrack *t, const DtCase *c)
{
    memset(t, 0, sizeof(*t));
    t->mode = c->seq.mode;
    for (int r = 0; r < 16; r++) {
        if (t->mode == 64 || r < 8) {
            learn(t, r, c->regs[r]);
        }
    }
}

void dt_track_at(DtTrack *t, int i)
{
    for (int m = 0; m < t->nmerge; m++) {
        DtKnow *o = &t->merge[m].k;
        if (t->merge[m].target != i) {
            continue;
        }
        for (int r = 0; r < 16; r++) {
            if (!((o->known >> r) & 1) || o->val[r] != t->k.val[r]) {
                forget(t, r);
            }
        }
        t->k.undef |= o->undef;
        t->merge[m--] = t->merge[--t->nmerge];
    }
}

/* ---- flags ---- */

static uint32_t cc_reads(unsigned cc)
{
    static const uint32_t r[8] = {
        RF_OF, RF_CF, RF_ZF, RF_CF | RF_ZF, RF_SF, RF_PF,
        RF_SF | RF_OF, RF_SF | RF_OF | RF_ZF,
    };
    return r[(cc >> 1) & 7];
}

/* Shift count if known: from the immediate, the constant 1 or a known CL. */
static bool shift_count(const DtTrack *t, const X86Insn *in, unsigned *cnt)
{
    const X86Operand *o = &in->ops[in->nops - 1];

    if (o->kind == X86_OPK_IMM) {
        *cnt = (unsigned)o->imm;
        return true;
    }
    if (o->kind == X86_OPK_REG && know(t, R_ECX)) {
        *cnt = (unsigned)(t->k.val[R_ECX] & 0xff);
        return true;
    }
    return false;
}

static unsigned op_bits(const X86Insn *in)
{
    return in->nops ? in->ops[0].size * 8u : in->op_size * 8u;
}

static void flags_shift(const DtTrack *t, const X86Insn *in, uint32_t *defs,
                        uint32_t *undefs)
{
    unsigned w = op_bits(in), cnt, m;
    bool rot = in->mnem == X86_M_ROL || in->mnem == X86_M_ROR;
    bool rc = in->mnem == X86_M_RCL || in->mnem == X86_M_RCR;

    if (!shift_count(t, in, &cnt)) {
        *undefs = RF_OF | RF_AF | RF_CF;
        if (rot) {
            *undefs = RF_OF;
        }
        return;
    }
    m = cnt & (w == 64 ? 63 : 31);
    if (m == 0) {
        return;
    }
    if (rot || rc) {
        unsigned tc = rc && w < 32 ? m % (w + 1) : m;
        *defs = tc ? RF_CF : 0;
        *undefs = tc ? 0 : RF_CF;
    } else {
        *defs = RF_SF | RF_ZF | RF_PF | RF_CF;
        *undefs = RF_AF;
        if ((in->mnem == X86_M_SHL || in->mnem == X86_M_SHR) && m >= w) {
            *undefs |= RF_CF;
            *defs &= ~RF_CF;
        }
    }
    if (m == 1) {
        *defs |= RF_OF;
    } else {
        *undefs |= RF_OF;
    }
}

void dt_flags_of(const DtTrack *t, const X86Insn *in, uint32_t *reads,
                 uint32_t *defs, uint32_t *undefs)
{
    unsigned cc = in->opcode & 0xf;

    *reads = *defs = *undefs = 0;
    switch (in->mnem) {
    case X86_M_ADC: case X86_M_SBB:
        *reads = RF_CF;
        /* fall through */
    case X86_M_ADD: case X86_M_SUB: case X86_M_CMP: case X86_M_NEG:
    case X86_M_XADD: case X86_M_CMPXCHG: case X86_M_POPCNT:
        *defs = F_ALL;
        break;
    case X86_M_CMPS: case X86_M_SCAS:
        /* REP with a zero count leaves the flags alone */
        if (!in->last_rep || (know(t, R_ECX) && t->k.val[R_ECX] != 0 &&
                              (in->addr_size == 8 || (uint32_t)t->k.val[R_ECX])
                              && (in->addr_size != 2 ||
                                  (uint16_t)t->k.val[R_ECX]))) {
            *defs = F_ALL;
        }
        break;
    case X86_M_AND: case X86_M_OR: case X86_M_XOR: case X86_M_TEST:
        *defs = F_ALL & ~RF_AF;
        *undefs = RF_AF;
        break;
    case X86_M_INC: case X86_M_DEC:
        *defs = F_ALL & ~RF_CF;
        break;
    case X86_M_MUL: case X86_M_IMUL:
        *defs = RF_CF | RF_OF;
        *undefs = RF_SF | RF_ZF | RF_AF | RF_PF;
        break;
    case X86_M_DIV: case X86_M_IDIV:
        *undefs = F_ALL;
        break;
    case X86_M_RCL: case X86_M_RCR:
        *reads = RF_CF;
        /* fall through */
    case X86_M_SHL: case X86_M_SHR: case X86_M_SAR: case X86_M_ROL:
    case X86_M_ROR: case X86_M_SHLD: case X86_M_SHRD:
        flags_shift(t, in, defs, undefs);
        break;
    case X86_M_BT: case X86_M_BTS: case X86_M_BTR: case X86_M_BTC:
        *defs = RF_CF;
        *undefs = RF_OF | RF_SF | RF_ZF | RF_AF | RF_PF;
        break;
    case X86_M_BSF: case X86_M_BSR:
        *defs = RF_ZF;
        *undefs = F_ALL & ~RF_ZF;
        break;
    case X86_M_LZCNT: case X86_M_TZCNT:
        *defs = RF_CF | RF_ZF;
        *undefs = RF_OF | RF_SF | RF_AF | RF_PF;
        break;
    case X86_M_AAA: case X86_M_AAS:
        *reads = RF_AF;
        *defs = RF_AF | RF_CF;
        *undefs = RF_OF | RF_SF | RF_ZF | RF_PF;
        break;
    case X86_M_DAA: case X86_M_DAS:
        *reads = RF_AF | RF_CF;
        *defs = F_ALL & ~RF_OF;
        *undefs = RF_OF;
        break;
    case X86_M_AAM: case X86_M_AAD:
        *defs = RF_SF | RF_ZF | RF_PF;
        *undefs = RF_OF | RF_AF | RF_CF;
        break;
    case X86_M_CLC: case X86_M_STC:
        *defs = RF_CF;
        break;
    case X86_M_CMC:
        *reads = *defs = RF_CF;
        break;
    case X86_M_SALC:
        *reads = RF_CF;
        break;
    case X86_M_SAHF:
        *defs = F_ALL & ~RF_OF;
        break;
    case X86_M_LAHF:
        *reads = F_ALL & ~RF_OF;
        break;
    case X86_M_POPF:
        *defs = F_ALL;
        break;
    case X86_M_PUSHF:
        *reads = F_ALL;
        break;
    case X86_M_CMPXCHG8B: case X86_M_CMPXCHG16B:
        *defs = RF_ZF;
        break;
    case X86_M_JCC: case X86_M_SETCC: case X86_M_CMOVCC:
        *reads = cc_reads(cc);
        break;
    case X86_M_LOOPE: case X86_M_LOOPNE:
        *reads = RF_ZF;
        break;
    case X86_M_INTO:
        *reads = RF_OF;
        break;
    /* ZF, PF, CF from the comparison; OF, SF, AF cleared */
    case X86_M_COMISS: case X86_M_COMISD: case X86_M_UCOMISS:
    case X86_M_UCOMISD: case X86_M_FCOMI: case X86_M_FCOMIP:
    case X86_M_FUCOMI: case X86_M_FUCOMIP: case X86_M_PTEST:
    case X86_M_PCMPESTRI: case X86_M_PCMPESTRM: case X86_M_PCMPISTRI:
    case X86_M_PCMPISTRM:
        *defs = F_ALL;
        break;
    case X86_M_FCMOVB: case X86_M_FCMOVNB:
        *reads = RF_CF;
        break;
    case X86_M_FCMOVE: case X86_M_FCMOVNE:
        *reads = RF_ZF;
        break;
    case X86_M_FCMOVBE: case X86_M_FCMOVNBE:
        *reads = RF_CF | RF_ZF;
        break;
    case X86_M_FCMOVU: case X86_M_FCMOVNU:
        *reads = RF_PF;
        break;
    default:
        break;
    }
}

/* ---- memory ---- */

/* FXSAVE images are compared with the vendor differences masked
   (dt-case.c): remember where they are. */
static void note_fxsave(DtTrack *t, const X86Insn *in, uint64_t a)
{
    bool env = in->mnem == X86_M_FNSTENV || in->mnem == X86_M_FNSAVE;

    if (in->mnem == X86_M_FXSAVE && t->nfxsave < DT_MAX_INSNS) {
        t->fxsave[t->nfxsave++] = (uint32_t)(a - DT_SCRATCH);
    }
    if (env && t->nenvimg < DT_MAX_INSNS) {
        t->envimg[t->nenvimg++] = (uint32_t)(a - DT_SCRATCH) |
                                  (in->op_size == 2 ? DT_ENV16 : 0);
    }
}

/*
 * Whether [a, a + size) touches the bytes of an earlier FXSAVE image
 * whose contents differ between vendors (FOP, FIP, FDP: 6-23;
 * MXCSR_MASK: 28-31; FNSTENV/FNSAVE: dt_env_vendor_byte; dt-case.c). A later instruction reading them
 * would carry the difference on, where no mask can follow it: such
 * sequences are not generated (another FXSAVE may overwrite them). An
 * FXRSTOR of the whole image, or an FLDENV/FRSTOR of a whole image of
 * the same format, may: they load the fields as what they are, which
 * later images mask again.
 */
static bool on_fx_vendor_bytes(const DtTrack *t, const X86Insn *in,
                               uint64_t a, unsigned size)
{
    uint64_t lo = a - DT_SCRATCH, hi = lo + size;

    if (in->mnem == X86_M_FXSAVE || in->mnem == X86_M_FNSTENV ||
        in->mnem == X86_M_FNSAVE) {
        return false;
    }
    bool env = in->mnem == X86_M_FLDENV || in->mnem == X86_M_FRSTOR;
    uint32_t rec = (uint32_t)lo | (in->op_size == 2 ? DT_ENV16 : 0);

    for (int k = 0; k < t->nenvimg; k++) {
        uint64_t img = t->envimg[k] & ~DT_ENV16;
        if (env && t->envimg[k] == rec) {
            continue;
        }
        for (uint64_t b = lo; b < hi; b++) {
            if (b >= img && b < img + 28 &&
                dt_env_vendor_byte(t->envimg[k], (uint32_t)(b - img))) {
                return true;
            }
        }
    }
    for (int k = 0; k < t->nfxsave; k++) {
        uint64_t img = t->fxsave[k];
        if (in->mnem == X86_M_FXRSTOR && img == lo) {
            continue;
        }
        if ((lo < img + 24 && hi > img + 6) ||
            (lo < img + 32 && hi > img + 28)) {
            return true;
        }
    }
    return false;
}

static int check_fx(DtTrack *t, const X86Insn *in, uint64_t a, unsigned size)
{
    if (on_fx_vendor_bytes(t, in, a, size)) {
        return reject(t, "operand on an FXSAVE image's vendor bytes");
    }
    note_fxsave(t, in, a);
    return 0;
}

static bool in_scratch(uint64_t lo, uint64_t hi)
{
    return lo >= DT_SCRATCH && hi <= DT_SCRATCH + DT_SCRATCH_SIZE && lo <= hi;
}

static uint64_t addr_mask(unsigned asz)
{
    return asz == 8 ? ~0ull : asz == 4 ? 0xffffffffull : 0xffffull;
}

/* Address of an explicit memory operand, or false if not provably known. */
static bool mem_addr(const DtTrack *t, const X86Insn *in, const X86Operand *o,
                     uint64_t next_ip, uint64_t *addr)
{
    uint64_t a = (uint64_t)o->disp;

    if (o->seg == X86_SEG_FS || o->seg == X86_SEG_GS) {
        return false;
    }
    if (o->rip_rel) {
        a += next_ip;
    }
    if (o->base >= 0) {
        if (!know(t, o->base)) {
            return false;
        }
        a += t->k.val[o->base];
    }
    if (o->index >= 0) {
        if (!know(t, o->index)) {
            return false;
        }
        a += t->k.val[o->index] * o->scale;
    }
    a &= addr_mask(o->addr_size ? o->addr_size : in->addr_size);
    if (t->mode == 16) {
        a += DT_SEG16_DATA_BASE;
    }
    *addr = a;
    return true;
}

static uint64_t sext(uint64_t v, unsigned bytes)
{
    unsigned sh = 64 - 8 * bytes;
    return bytes >= 8 ? v : (uint64_t)((int64_t)(v << sh) >> sh);
}

static int check_string(DtTrack *t, const X86Insn *in, const X86Operand *o,
                        uint64_t a)
{
    uint64_t cnt = 1, span;

    if (in->last_rep) {
        if (!know(t, R_ECX)) {
            return reject(t, "rep count unknown");
        }
        cnt = t->k.val[R_ECX] & addr_mask(in->addr_size);
        if (cnt > 64) {
            return reject(t, "rep count too large");
        }
    }
    span = cnt * o->size;
    if (!in_scratch(a - span, a + span + o->size)) {
        return reject(t, "string operand outside scratch");
    }
    return 0;
}

static int check_mem_operand(DtTrack *t, const X86Insn *in, int k,
                             uint64_t next_ip)
{
    const X86Operand *o = &in->ops[k];
    unsigned size = o->size ? o->size : 16;
    uint64_t a;

    if (in->mnem == X86_M_LEA || in->mnem == X86_M_NOP) {
        return 0;
    }
    if (!mem_addr(t, in, o, next_ip, &a)) {
        return reject(t, "memory address not known");
    }
    if (o->type == X86_T_X || o->type == X86_T_Y) {
        return check_string(t, in, o, a);
    }
    if (in->mnem == X86_M_BOUND) {
        size = 2u * in->op_size;
    }
    if ((in->mnem == X86_M_BT || in->mnem == X86_M_BTS ||
         in->mnem == X86_M_BTR || in->mnem == X86_M_BTC) &&
        in->ops[1].kind == X86_OPK_REG) {
        int r = in->ops[1].reg;
        if (!know(t, r)) {
            return reject(t, "bit offset unknown");
        }
        a += (uint64_t)((int64_t)sext(t->k.val[r], in->op_size) >> 3);
        a &= ~(uint64_t)(in->op_size - 1);
    }
    if (!in_scratch(a, a + size)) {
        return reject(t, "memory operand outside scratch");
    }
    return check_fx(t, in, a, size);
}

/* ---- stack ---- */

/* The stack pointer the stack uses: SP for the 16-bit stack (B = 0),
   which leaves ESP[31:16] alone. */
static uint64_t sp_mask(const DtTrack *t)
{
    return t->mode == 16 ? 0xffff : ~0ull;
}

static uint64_t sp_of(const DtTrack *t)
{
    return t->k.val[R_ESP] & sp_mask(t);
}

static void set_sp(DtTrack *t, uint64_t sp)
{
    learn(t, R_ESP, (t->k.val[R_ESP] & ~sp_mask(t)) | (sp & sp_mask(t)));
}

static int stack_need(DtTrack *t)
{
    if (!know(t, R_ESP)) {
        return reject(t, "stack pointer unknown");
    }
    if (sp_of(t) < STACK_LO(t) || sp_of(t) > STACK_HI(t)) {
        return reject(t, "stack pointer out of window");
    }
    return 0;
}

static int stack_move(DtTrack *t, int64_t delta)
{
    if (stack_need(t) < 0) {
        return -1;
    }
    set_sp(t, sp_of(t) + (uint64_t)delta);
    return 0;
}

static unsigned stack_width(const DtTrack *t, const X86Insn *in)
{
    return in->op_size;
}

static int track_enter(DtTrack *t, const X86Insn *in)
{
    unsigned w = stack_width(t, in);
    unsigned level = (unsigned)in->ops[1].imm & 31;
    uint64_t size = in->ops[0].imm & 0xffff;
    int64_t delta = -(int64_t)w;

    if (level > 1) {
        if (!know(t, R_EBP) ||
            !in_scratch(t->k.val[R_EBP] + SS_BASE(t) - level * 8ull,
                        t->k.val[R_EBP] + SS_BASE(t))) {
            return reject(t, "enter frame pointer unknown");
        }
    }
    if (level > 0) {
        delta -= (int64_t)(level * w);
    }
    delta -= (int64_t)size;
    if (stack_move(t, 0) < 0) {
        return -1;
    }
    if (sp_of(t) + (uint64_t)delta < STACK_LO(t) - 0x200) {
        return reject(t, "enter frame too large");
    }
    set_sp(t, sp_of(t) + (uint64_t)delta);
    forget(t, R_EBP);
    return 0;
}

static int track_leave(DtTrack *t, const X86Insn *in)
{
    uint64_t bp;

    if (!know(t, R_EBP)) {
        return reject(t, "leave frame pointer unknown");
    }
    bp = t->k.val[R_EBP] & sp_mask(t);
    if (t->mode != 64) {
        bp &= 0xffffffffu;
    }
    if (bp < STACK_LO(t) || bp > STACK_HI(t)) {
        return reject(t, "leave frame pointer out of window");
    }
    if (know(t, R_ESP) || t->mode != 16) {
        set_sp(t, bp + in->op_size);
    } else {
        forget(t, R_ESP);   /* SP := BP, but ESP[31:16] is not known */
    }
    forget(t, R_EBP);
    return 0;
}

/* Stack effects; returns -1 if unsafe, 0 otherwise. */
static int track_stack(DtTrack *t, const X86Insn *in)
{
    unsigned w = stack_width(t, in);

    switch (in->mnem) {
    case X86_M_PUSH: case X86_M_PUSHF:
        return stack_move(t, -(int64_t)w);
    case X86_M_CALL:
        return stack_move(t, -(int64_t)(t->mode == 64 ? 8 : w));
    case X86_M_POP: case X86_M_POPF:
        return stack_move(t, w);
    case X86_M_PUSHA:
        return stack_move(t, -8 * (int64_t)w);
    case X86_M_POPA:
        if (stack_move(t, 8 * (int64_t)w) < 0) {
            return -1;
        }
        t->k.known &= 1u << R_ESP;
        return 0;
    case X86_M_ENTER:
        return track_enter(t, in);
    case X86_M_LEAVE:
        return track_leave(t, in);
    default:
        return 0;
    }
}

/* ---- register effects ---- */

static int gpr_of(const X86Operand *o)
{
    switch (o->reg_class) {
    case X86_RC_GPR8HI:
        return o->reg - 4;
    case X86_RC_GPR8: case X86_RC_GPR16: case X86_RC_GPR32: case X86_RC_GPR64:
        return o->reg;
    default:
        return -1;
    }
}

static bool first_op_read_only(unsigned mnem)
{
    switch (mnem) {
    case X86_M_CMP: case X86_M_TEST: case X86_M_BT: case X86_M_PUSH:
    case X86_M_BOUND: case X86_M_JCC: case X86_M_JMP: case X86_M_CALL:
    case X86_M_LOOP: case X86_M_LOOPE: case X86_M_LOOPNE: case X86_M_JCXZ:
        return true;
    default:
        return false;
    }
}

static void forget_implicit(DtTrack *t, const X86Insn *in)
{
    static const struct { uint16_t mnem; uint16_t regs; } imp[] = {
        { X86_M_MUL, 5 }, { X86_M_IMUL, 5 }, { X86_M_DIV, 5 },
        { X86_M_IDIV, 5 }, { X86_M_CBW, 1 }, { X86_M_CWD, 5 },
        { X86_M_CMPXCHG, 1 }, { X86_M_CMPXCHG8B, 5 },
        { X86_M_CMPXCHG16B, 5 }, { X86_M_LAHF, 1 }, { X86_M_XLAT, 1 },
        { X86_M_AAA, 1 }, { X86_M_AAS, 1 }, { X86_M_AAM, 1 },
        { X86_M_AAD, 1 }, { X86_M_DAA, 1 }, { X86_M_DAS, 1 },
        { X86_M_SALC, 1 },
        { X86_M_LODS, 0x43 }, { X86_M_STOS, 0x82 }, { X86_M_MOVS, 0xc2 },
        { X86_M_CMPS, 0xc2 }, { X86_M_SCAS, 0x82 }, { X86_M_LOOP, 2 },
        { X86_M_LOOPE, 2 }, { X86_M_LOOPNE, 2 }, { X86_M_PCMPESTRI, 2 },
        { X86_M_PCMPISTRI, 2 },
    };

    for (size_t i = 0; i < sizeof(imp) / sizeof(imp[0]); i++) {
        if (imp[i].mnem == in->mnem) {
            t->k.known &= (uint16_t)~imp[i].regs;
        }
    }
}

/* MOV r32/r64, imm: the one instruction whose result the tracker knows. */
static bool track_mov_imm(DtTrack *t, const X86Insn *in)
{
    const X86Operand *d = &in->ops[0], *s = &in->ops[1];
    int r;

    if (in->mnem != X86_M_MOV || in->nops != 2 || d->kind != X86_OPK_REG ||
        s->kind != X86_OPK_IMM) {
        return false;
    }
    r = gpr_of(d);
    if (r < 0 || (d->reg_class != X86_RC_GPR32 && d->reg_class != X86_RC_GPR64)) {
        return false;
    }
    learn(t, r, d->reg_class == X86_RC_GPR32 ? (uint32_t)s->imm : s->imm);
    return true;
}

static void track_writes(DtTrack *t, const X86Insn *in)
{
    if (track_mov_imm(t, in)) {
        return;
    }
    if (in->nops > 0 && in->ops[0].kind == X86_OPK_REG &&
        !first_op_read_only(in->mnem)) {
        int r = gpr_of(&in->ops[0]);
        if (r >= 0) {
            forget(t, r);
        }
    }
    if ((in->mnem == X86_M_XCHG || in->mnem == X86_M_XADD) && in->nops > 1 &&
        in->ops[1].kind == X86_OPK_REG) {
        int r = gpr_of(&in->ops[1]);
        if (r >= 0) {
            forget(t, r);
        }
    }
    forget_implicit(t, in);
}

/* ---- one instruction ---- */

static int track_branch(DtTrack *t, const X86Insn *in, const DtInsn *di, int i)
{
    if (di->target <= i) {
        return reject(t, "branch not forward");
    }
    if (t->nmerge >= DT_MAX_MERGES) {
        return reject(t, "too many pending branches");
    }
    t->merge[t->nmerge].target = di->target;
    t->merge[t->nmerge].k = t->k;
    t->nmerge++;
    return 0;
}

int dt_track_step(DtTrack *t, const X86Insn *in, const DtInsn *di, int i)
{
    uint32_t reads, defs, undefs;
    bool rel = false;

    dt_flags_of(t, in, &reads, &defs, &undefs);
    if (reads & t->k.undef) {
        return reject(t, "reads an undefined flag");
    }
    if (in->mnem == X86_M_XLAT) {
        if (!know(t, R_EBX)) {
            return reject(t, "xlat base unknown");
        }
        uint64_t b = (t->k.val[R_EBX] & addr_mask(in->addr_size)) +
                     (t->mode == 16 ? DT_SEG16_DATA_BASE : 0);
        if (!in_scratch(b, b + 256)) {
            return reject(t, "xlat table outside scratch");
        }
        if (in->seg_override == X86_SEG_FS || in->seg_override == X86_SEG_GS) {
            return reject(t, "xlat segment");
        }
    }
    for (int k = 0; k < in->nops; k++) {
        const X86Operand *o = &in->ops[k];
        if (o->kind == X86_OPK_MEM) {
            /* RIP-relative operands are resolved by the caller's offsets */
            if (o->rip_rel) {
                continue;
            }
            if (check_mem_operand(t, in, k, 0) < 0) {
                return -1;
            }
        }
        if (o->kind == X86_OPK_REL) {
            rel = true;
        }
    }
    if (in->mnem == X86_M_MASKMOVQ || in->mnem == X86_M_MASKMOVDQU) {
        /* stores the selected bytes at DS:rDI */
        uint64_t a = know(t, R_EDI) ? (t->k.val[R_EDI] &
                                       addr_mask(in->addr_size)) +
                                      (t->mode == 16 ? DT_SEG16_DATA_BASE : 0)
                                    : 0;
        if (!know(t, R_EDI) || !in_scratch(a, a + 16) ||
            in->seg_override == X86_SEG_FS || in->seg_override == X86_SEG_GS) {
            return reject(t, "maskmov destination unknown");
        }
    }
    if (in->mnem == X86_M_BSWAP && in->op_size == 2) {
        return reject(t, "bswap of a 16-bit register is undefined");
    }
    if ((in->mnem == X86_M_SHLD || in->mnem == X86_M_SHRD) &&
        in->op_size == 2) {
        unsigned cnt;
        if (!shift_count(t, in, &cnt) || (cnt & 31) > 16) {
            return reject(t, "16-bit double shift by more than 16");
        }
    }
    if (track_stack(t, in) < 0) {
        return -1;
    }
    /* register writes first: LOOP's count changes on the taken path too */
    track_writes(t, in);
    if (rel && track_branch(t, in, di, i) < 0) {
        return -1;
    }
    t->k.undef = (t->k.undef & ~defs) | undefs;
    return 0;
}

/* RIP-relative operands need the instruction's address: checked here. */
static int check_rip_rel(DtTrack *t, const X86Insn *in, uint64_t next_ip)
{
    for (int k = 0; k < in->nops; k++) {
        const X86Operand *o = &in->ops[k];
        unsigned size = o->size ? o->size : 16;
        if (o->kind == X86_OPK_MEM && o->rip_rel) {
            uint64_t a = (next_ip + (uint64_t)o->disp) & addr_mask(in->addr_size);
            if (in->mnem != X86_M_LEA && in->mnem != X86_M_NOP &&
                !in_scratch(a, a + size)) {
                return reject(t, "rip-relative operand outside scratch");
            }
            if (in->mnem != X86_M_LEA && in->mnem != X86_M_NOP &&
                check_fx(t, in, a, size) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

int dt_case_check(const DtCase *c, uint32_t *undef_before, uint32_t *offsets,
                  const char **why)
{
    DtTrack t;

    return dt_case_track(c, &t, undef_before, offsets, why);
}

int dt_case_track(const DtCase *c, DtTrack *tp, uint32_t *undef_before,
                  uint32_t *offsets, const char **why)
{
    uint8_t code[DT_CODE_MAX];
    uint32_t offs[DT_MAX_INSNS + 1];
    DtTrack t;
    int len;

    *why = NULL;
    if (!offsets) {
        offsets = offs;
    }
    len = dt_seq_assemble(&c->seq, code, offsets);
    if (len < 0) {
        *why = "does not assemble";
        return -1;
    }
    dt_track_init(&t, c);
    for (int i = 0; i < c->seq.n; i++) {
        X86Insn in;
        const DtInsn *di = &c->seq.insn[i];
        int r;

        dt_track_at(&t, i);
        if (undef_before) {
            undef_before[i] = t.k.undef;
        }
        r = x86_decode(&in, code + offsets[i], di->len, c->seq.mode);
        if (r != di->len) {
            *why = "does not decode";
            return -1;
        }
        if (check_rip_rel(&t, &in, DT_CODE + offsets[i + 1]) < 0 ||
            dt_track_step(&t, &in, di, i) < 0) {
            *why = t.why;
            return -1;
        }
    }
    dt_track_at(&t, c->seq.n);
    if (undef_before) {
        undef_before[c->seq.n] = t.k.undef;
    }
    *tp = t;
    return 0;
}
