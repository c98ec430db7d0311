/*
 * x86 instruction decoder: walks the opcode tables of decode-tables.c.
 *
 * Follows the Intel SDM Volume 2, chapter 2 (instruction format) and
 * Appendix A (opcode maps). Steps: legacy prefixes and REX (2.1, 2.2.1),
 * escape bytes and VEX/EVEX/XOP detection, table walk (ModRM.reg groups,
 * mandatory prefixes, mod/rm splits), operand and address size (2.2.1.2,
 * A.2.5: d64/f64), ModRM/SIB/displacement (2.1.5, RIP-relative 2.2.1.6),
 * immediates, then the #UD checks (i64/o64, LOCK, reserved registers).
 *
 * Invariants: never reads bytes[i] for i >= avail or i >= 15; the result
 * for any byte string is a length or a negative code, never an abort.
 */
#include <stdio.h>
#include <string.h>

#include "cpu/x86/decode.h"

#define X86_MAX_INSN_LEN 15

typedef struct Decoder {
    const uint8_t *bytes;
    size_t avail;
    int pos;
    int err;            /* 0 or X86_DECODE_MORE / X86_DECODE_GP */
    X86Insn *insn;
    int mand_pfx;       /* mandatory prefix key used: -1 none selected */
} Decoder;

static bool dec_fetch(Decoder *d, uint8_t *out)
{
    if (d->err) {
        return false;
    }
    if (d->pos >= X86_MAX_INSN_LEN) {
        d->err = X86_DECODE_GP;
        return false;
    }
    if ((size_t)d->pos >= d->avail) {
        d->err = X86_DECODE_MORE;
        return false;
    }
    *out = d->bytes[d->pos++];
    return true;
}

/* Looks at the next byte without consuming it. */
static bool dec_peek(Decoder *d, uint8_t *out)
{
    if (!dec_fetch(d, out)) {
        return false;
    }
    d->pos--;
    return true;
}

/* Reads an n-byte little-endian value, sign-extended to 64 bits. */
static bool dec_fetch_signed(Decoder *d, int n, int64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) {
        uint8_t b;
        if (!dec_fetch(d, &b)) {
            return false;
        }
        v |= (uint64_t)b << (8 * i);
    }
    if (n < 8) {
        int sh = 64 - 8 * n;
        v = (uint64_t)((int64_t)(v << sh) >> sh);
    }
    *out = (int64_t)v;
    return true;
}

static uint64_t zext(int64_t v, int n)
{
    return n >= 8 ? (uint64_t)v : (uint64_t)v & ((1ull << (8 * n)) - 1);
}

/* ---- prefixes ---- */

static int seg_of_prefix(uint8_t b)
{
    switch (b) {
    case 0x26: return X86_SEG_ES;
    case 0x2e: return X86_SEG_CS;
    case 0x36: return X86_SEG_SS;
    case 0x3e: return X86_SEG_DS;
    case 0x64: return X86_SEG_FS;
    case 0x65: return X86_SEG_GS;
    default: return -1;
    }
}

/* Consumes prefixes; leaves the first opcode byte in *op. */
static bool dec_prefixes(Decoder *d, uint8_t *op)
{
    X86Insn *in = d->insn;
    uint8_t b;

    for (;;) {
        if (!dec_fetch(d, &b)) {
            return false;
        }
        int seg = seg_of_prefix(b);
        if (seg >= 0) {
            in->seg_override = seg;
            in->prefixes |= X86_P_SEG;
        } else if (b == 0xf0) {
            in->prefixes |= X86_P_LOCK;
        } else if (b == 0xf2) {
            in->prefixes |= X86_P_REPNE;
            in->last_rep = b;
        } else if (b == 0xf3) {
            in->prefixes |= X86_P_REP;
            in->last_rep = b;
        } else if (b == 0x66) {
            in->prefixes |= X86_P_OPSIZE;
        } else if (b == 0x67) {
            in->prefixes |= X86_P_ADSIZE;
        } else if (in->mode == 64 && (b & 0xf0) == 0x40) {
            in->rex = b;
            continue;
        } else {
            *op = b;
            break;
        }
        in->rex = 0;    /* a REX followed by a legacy prefix is ignored */
    }
    if (in->rex) {
        in->prefixes |= X86_P_REX;
    }
    return true;
}

/* ---- table walk ---- */

static bool dec_modrm(Decoder *d)
{
    X86Insn *in = d->insn;
    if (in->has_modrm) {
        return true;
    }
    if (!dec_fetch(d, &in->modrm)) {
        return false;
    }
    in->has_modrm = true;
    in->mod = in->modrm >> 6;
    in->reg = ((in->modrm >> 3) & 7) | ((in->rex & 4) << 1);
    in->rm = (in->modrm & 7) | ((in->rex & 1) << 3);
    return true;
}

static int pfx_key(const X86Insn *in)
{
    if (in->last_rep == 0xf3) {
        return 2;
    }
    if (in->last_rep == 0xf2) {
        return 3;
    }
    return (in->prefixes & X86_P_OPSIZE) ? 1 : 0;
}

/* Follows switch entries down to a leaf; NULL with d->err on fetch failure. */
static const X86OpEntry *dec_walk(Decoder *d, const X86OpEntry *e)
{
    X86Insn *in = d->insn;

    while (e->sw != X86_SW_NONE) {
        switch (e->sw) {
        case X86_SW_REG:
        case X86_SW_MOD:
        case X86_SW_RM:
        case X86_SW_X87:
            if (!dec_modrm(d)) {
                return NULL;
            }
            break;
        default:
            break;
        }
        switch (e->sw) {
        case X86_SW_REG:
            e = &e->sub[(in->modrm >> 3) & 7];
            break;
        case X86_SW_MOD:
            e = &e->sub[in->mod == 3];
            break;
        case X86_SW_RM:
            e = &e->sub[in->modrm & 7];
            break;
        case X86_SW_X87:
            e = &e->sub[in->modrm & 0x3f];
            break;
        case X86_SW_PFX:
            d->mand_pfx = pfx_key(in);
            in->mand_pfx = d->mand_pfx;
            e = &e->sub[d->mand_pfx];
            break;
        case X86_SW_MODE:
            e = &e->sub[in->mode == 64];
            break;
        case X86_SW_REXB:
            e = &e->sub[in->rex & 1];
            break;
        case X86_SW_REXW:
            e = &e->sub[(in->rex >> 3) & 1];
            break;
        default:
            return e;
        }
    }
    return e;
}

/* ---- sizes ---- */

static void dec_sizes(X86Insn *in)
{
    bool p66 = in->prefixes & X86_P_OPSIZE;
    bool p67 = in->prefixes & X86_P_ADSIZE;

    if (in->mode == 64) {
        if ((in->rex & 8) || (in->flags & X86_F_F64)) {
            in->op_size = 8;
        } else if (in->flags & X86_F_D64) {
            in->op_size = p66 ? 2 : 8;
        } else {
            in->op_size = p66 ? 2 : 4;
        }
        in->addr_size = p67 ? 4 : 8;
    } else {
        bool big = (in->mode == 32) != p66;
        in->op_size = big ? 4 : 2;
        big = (in->mode == 32) != p67;
        in->addr_size = big ? 4 : 2;
    }
}

/* Bytes of an operand of size code sc; is_reg for the mixed forms. */
static unsigned dec_size_bytes(const X86Insn *in, unsigned sc, bool is_reg)
{
    unsigned os = in->op_size;
    unsigned y = os == 8 ? 8 : 4;

    switch (sc) {
    case X86_S_b: case X86_S_bs: return 1;
    case X86_S_w: return 2;
    case X86_S_d: return 4;
    case X86_S_q: return 8;
    case X86_S_dq: return 16;
    case X86_S_t: return 10;
    case X86_S_v: return os;
    case X86_S_z:
        /* REX.W does not widen a z-sized register or string operand */
        if (os == 8) {
            return (in->prefixes & X86_P_OPSIZE) ? 2 : 4;
        }
        return os;
    case X86_S_y: return y;
    case X86_S_p: return os + 2;
    case X86_S_a: return os * 2;
    case X86_S_s: return in->mode == 64 ? 10 : 6;
    case X86_S_vw: return is_reg ? os : 2;
    case X86_S_db: return is_reg ? 4 : 1;
    case X86_S_dw: return is_reg ? 4 : 2;
    case X86_S_zw: return is_reg ? (os == 2 ? 2 : 4) : 2;
    case X86_S_as: return in->addr_size == 8 ? 8 : 4;
    case X86_S_env: return os == 2 ? 14 : 28;
    case X86_S_fsave: return os == 2 ? 94 : 108;
    case X86_S_512: return 512;
    default: return 0;
    }
}

static void set_gpr(const X86Insn *in, X86Operand *o, unsigned reg,
                    unsigned size)
{
    o->kind = X86_OPK_REG;
    o->size = size;
    o->reg = reg;
    switch (size) {
    case 1:
        if (!(in->prefixes & X86_P_REX) && reg >= 4 && reg < 8) {
            o->reg_class = X86_RC_GPR8HI;
        } else {
            o->reg_class = X86_RC_GPR8;
        }
        break;
    case 2: o->reg_class = X86_RC_GPR16; break;
    case 8: o->reg_class = X86_RC_GPR64; break;
    default: o->reg_class = X86_RC_GPR32; break;
    }
}

static void set_reg(X86Operand *o, unsigned cls, unsigned reg, unsigned size)
{
    o->kind = X86_OPK_REG;
    o->reg_class = cls;
    o->reg = reg;
    o->size = size;
}

/* ---- memory operands ---- */

static int dec_seg(const X86Insn *in, int def)
{
    if (!(in->prefixes & X86_P_SEG)) {
        return def;
    }
    if (in->mode == 64 && in->seg_override < X86_SEG_FS) {
        return def;     /* ES/CS/SS/DS overrides are ignored in 64-bit mode */
    }
    return in->seg_override;
}

static bool dec_mem16(Decoder *d, X86Operand *o)
{
    static const int8_t base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
    static const int8_t index16[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };
    X86Insn *in = d->insn;
    unsigned rm = in->modrm & 7;
    int64_t disp = 0;

    o->base = base16[rm];
    o->index = index16[rm];
    if (in->mod == 0 && rm == 6) {
        o->base = -1;
        in->disp_off = d->pos;
        if (!dec_fetch_signed(d, 2, &disp)) {
            return false;
        }
    } else if (in->mod == 1 || in->mod == 2) {
        in->disp_off = d->pos;
        if (!dec_fetch_signed(d, in->mod == 1 ? 1 : 2, &disp)) {
            return false;
        }
    }
    o->disp = disp;
    bool bp = o->base == 5;
    o->seg = dec_seg(in, bp ? X86_SEG_SS : X86_SEG_DS);
    return true;
}

static bool dec_mem32(Decoder *d, X86Operand *o)
{
    X86Insn *in = d->insn;
    unsigned rm = in->modrm & 7;
    int64_t disp = 0;
    int disp_size = in->mod == 1 ? 1 : in->mod == 2 ? 4 : 0;

    o->base = in->rm;
    o->index = -1;
    if (rm == 4) {
        if (!dec_fetch(d, &in->sib)) {
            return false;
        }
        in->has_sib = true;
        unsigned idx = ((in->sib >> 3) & 7) | ((in->rex & 2) << 2);
        o->index = idx == 4 ? -1 : (int8_t)idx;
        o->scale = 1u << (in->sib >> 6);
        o->base = (in->sib & 7) | ((in->rex & 1) << 3);
        if ((in->sib & 7) == 5 && in->mod == 0) {
            o->base = -1;
            disp_size = 4;
        }
    } else if (rm == 5 && in->mod == 0) {
        o->base = -1;
        disp_size = 4;
        o->rip_rel = in->mode == 64;
    }
    if (disp_size) {
        in->disp_off = d->pos;
        if (!dec_fetch_signed(d, disp_size, &disp)) {
            return false;
        }
    }
    o->disp = disp;
    bool stack = o->base == 4 || o->base == 5;
    o->seg = dec_seg(in, stack ? X86_SEG_SS : X86_SEG_DS);
    return true;
}

static bool dec_mem(Decoder *d, X86Operand *o, unsigned size)
{
    X86Insn *in = d->insn;
    bool ok;

    o->kind = X86_OPK_MEM;
    o->size = size;
    o->scale = 1;
    o->addr_size = in->addr_size;
    if (in->addr_size == 2) {
        ok = dec_mem16(d, o);
    } else {
        ok = dec_mem32(d, o);
    }
    return ok;
}

/* ---- operands ---- */

static bool dec_imm(Decoder *d, X86Operand *o, unsigned sc)
{
    X86Insn *in = d->insn;
    int64_t v;
    int n;

    switch (sc) {
    case X86_S_b: case X86_S_bs: n = 1; break;
    case X86_S_w: n = 2; break;
    case X86_S_z: n = in->op_size == 2 ? 2 : 4; break;
    case X86_S_v: n = in->op_size; break;
    default: n = 4; break;
    }
    if (!in->imm_off) {
        in->imm_off = d->pos;
    }
    if (!dec_fetch_signed(d, n, &v)) {
        return false;
    }
    o->kind = X86_OPK_IMM;
    if (sc == X86_S_bs) {
        o->size = in->op_size;
        o->imm = (uint64_t)v;
    } else if (sc == X86_S_z) {
        o->size = in->op_size;
        o->imm = in->op_size == 8 ? (uint64_t)v : zext(v, n);
    } else {
        o->size = n;
        o->imm = zext(v, n);
    }
    return true;
}

static bool dec_rel(Decoder *d, X86Operand *o, unsigned sc)
{
    X86Insn *in = d->insn;
    int n = sc == X86_S_b ? 1 : in->op_size == 2 ? 2 : 4;
    int64_t v;

    if (!in->imm_off) {
        in->imm_off = d->pos;
    }
    if (!dec_fetch_signed(d, n, &v)) {
        return false;
    }
    o->kind = X86_OPK_REL;
    o->size = in->op_size;
    o->imm = (uint64_t)v;
    return true;
}

static bool dec_far(Decoder *d, X86Operand *o)
{
    X86Insn *in = d->insn;
    int n = in->op_size == 2 ? 2 : 4;
    int64_t off, seg;

    in->imm_off = d->pos;
    if (!dec_fetch_signed(d, n, &off) || !dec_fetch_signed(d, 2, &seg)) {
        return false;
    }
    o->kind = X86_OPK_FAR;
    o->size = n + 2;
    o->imm = zext(off, n);
    o->far_seg = (uint16_t)seg;
    return true;
}

static bool dec_moffs(Decoder *d, X86Operand *o, unsigned sc)
{
    X86Insn *in = d->insn;
    int64_t v;

    in->disp_off = d->pos;
    if (!dec_fetch_signed(d, in->addr_size, &v)) {
        return false;
    }
    o->kind = X86_OPK_MEM;
    o->size = dec_size_bytes(in, sc, false);
    o->base = o->index = -1;
    o->scale = 1;
    o->addr_size = in->addr_size;
    o->disp = (int64_t)zext(v, in->addr_size);
    o->seg = dec_seg(in, X86_SEG_DS);
    return true;
}

static void dec_string(X86Insn *in, X86Operand *o, unsigned type,
                       unsigned sc)
{
    o->kind = X86_OPK_MEM;
    o->size = dec_size_bytes(in, sc, false);
    o->base = type == X86_T_X ? 6 : 7;
    o->index = -1;
    o->scale = 1;
    o->addr_size = in->addr_size;
    o->seg = type == X86_T_X ? dec_seg(in, X86_SEG_DS) : X86_SEG_ES;
}

static bool type_is_rm(unsigned t)
{
    return t == X86_T_E || t == X86_T_M || t == X86_T_N || t == X86_T_Q ||
           t == X86_T_R || t == X86_T_U || t == X86_T_W;
}

static bool type_needs_modrm(unsigned t)
{
    return type_is_rm(t) || t == X86_T_C || t == X86_T_D || t == X86_T_G ||
           t == X86_T_P || t == X86_T_S || t == X86_T_V || t == X86_T_STI;
}

/* The r/m operand: register of the class the type names, or memory. */
static int dec_rm_operand(Decoder *d, X86Operand *o, const X86OpSpec *s)
{
    X86Insn *in = d->insn;
    bool is_reg = in->mod == 3 || (in->flags & X86_F_MODREG);
    unsigned size = dec_size_bytes(in, s->size, is_reg);

    if (!is_reg) {
        if (s->type == X86_T_N || s->type == X86_T_R || s->type == X86_T_U) {
            return X86_UD_MOD;
        }
        return dec_mem(d, o, size) ? 0 : -1;
    }
    switch (s->type) {
    case X86_T_M:
        return X86_UD_MOD;
    case X86_T_N: case X86_T_Q:
        set_reg(o, X86_RC_MMX, in->modrm & 7, 8);
        break;
    case X86_T_U: case X86_T_W:
        set_reg(o, X86_RC_XMM, in->rm, 16);
        break;
    default:
        set_gpr(in, o, in->rm, size);
        break;
    }
    return 0;
}

/* ModRM.reg operands. Returns 0 or an X86UdReason. */
static int dec_reg_operand(Decoder *d, X86Operand *o, const X86OpSpec *s)
{
    X86Insn *in = d->insn;
    unsigned reg = in->reg;

    switch (s->type) {
    case X86_T_G:
        set_gpr(in, o, reg, dec_size_bytes(in, s->size, true));
        return 0;
    case X86_T_P:
        set_reg(o, X86_RC_MMX, reg & 7, 8);
        return 0;
    case X86_T_V:
        set_reg(o, X86_RC_XMM, reg, 16);
        return 0;
    case X86_T_S:
        set_reg(o, X86_RC_SEG, reg & 7, 2);
        return (reg & 7) > X86_SEG_GS ? X86_UD_REG : 0;
    case X86_T_C:
        set_reg(o, X86_RC_CR, reg, in->mode == 64 ? 8 : 4);
        return (reg == 0 || reg == 2 || reg == 3 || reg == 4 || reg == 8)
               ? 0 : X86_UD_REG;
    case X86_T_D:
        set_reg(o, X86_RC_DR, reg, in->mode == 64 ? 8 : 4);
        return reg > 7 ? X86_UD_REG : 0;
    default:
        return 0;
    }
}

/* Decodes one operand. Returns 0, -1 (fetch error) or an X86UdReason. */
static int dec_operand(Decoder *d, X86Operand *o, const X86OpSpec *s)
{
    X86Insn *in = d->insn;

    o->type = s->type;
    o->size_code = s->size;
    o->base = o->index = -1;
    o->seg = X86_SEG_NONE;
    switch (s->type) {
    case X86_T_E: case X86_T_M: case X86_T_N: case X86_T_Q:
    case X86_T_R: case X86_T_U: case X86_T_W:
        return dec_rm_operand(d, o, s);
    case X86_T_G: case X86_T_P: case X86_T_V: case X86_T_S:
    case X86_T_C: case X86_T_D:
        return dec_reg_operand(d, o, s);
    case X86_T_I:
        return dec_imm(d, o, s->size) ? 0 : -1;
    case X86_T_J:
        return dec_rel(d, o, s->size) ? 0 : -1;
    case X86_T_A:
        return dec_far(d, o) ? 0 : -1;
    case X86_T_O:
        return dec_moffs(d, o, s->size) ? 0 : -1;
    case X86_T_X: case X86_T_Y:
        dec_string(in, o, s->type, s->size);
        return 0;
    case X86_T_REG:
        set_gpr(in, o, s->reg, dec_size_bytes(in, s->size, true));
        if (o->size == 1) {
            o->reg_class = X86_RC_GPR8;
        }
        return 0;
    case X86_T_ZREG:
        set_gpr(in, o, (in->opcode & 7) | ((in->rex & 1) << 3),
                dec_size_bytes(in, s->size, true));
        return 0;
    case X86_T_SEG:
        set_reg(o, X86_RC_SEG, s->reg, 2);
        return 0;
    case X86_T_ONE:
        o->kind = X86_OPK_IMM;
        o->size = 1;
        o->imm = 1;
        return 0;
    case X86_T_ST0:
        set_reg(o, X86_RC_ST, 0, 10);
        return 0;
    case X86_T_STI:
        set_reg(o, X86_RC_ST, in->modrm & 7, 10);
        return 0;
    case X86_T_XMM0:
        set_reg(o, X86_RC_XMM, 0, 16);
        return 0;
    default:
        return 0;
    }
}

/* ---- escapes ---- */

/* Is C4/C5/62/8F at this point a VEX/EVEX/XOP prefix? */
static bool dec_is_vex(Decoder *d, uint8_t op, bool *is_vex)
{
    uint8_t next;

    *is_vex = false;
    if (op != 0xc4 && op != 0xc5 && op != 0x62 && op != 0x8f) {
        return true;
    }
    if (!dec_peek(d, &next)) {
        return false;
    }
    if (op == 0x8f) {
        *is_vex = (next & 0x1f) >= 8;
    } else {
        *is_vex = d->insn->mode == 64 || (next & 0xc0) == 0xc0;
    }
    return true;
}

/* Reads escape bytes; sets map/opcode; returns the map's entry or NULL. */
static const X86OpEntry *dec_opcode(Decoder *d, uint8_t op, int *ud)
{
    X86Insn *in = d->insn;
    bool vex;

    in->map = X86_MAP_1B;
    in->opcode = op;
    if (op != 0x0f) {
        if (!dec_is_vex(d, op, &vex)) {
            return NULL;
        }
        if (vex) {
            *ud = X86_UD_VEX;
            return NULL;
        }
        return &x86_map_1b[op];
    }
    if (!dec_fetch(d, &op)) {
        return NULL;
    }
    if (op == 0x38 || op == 0x3a) {
        in->map = op == 0x38 ? X86_MAP_0F38 : X86_MAP_0F3A;
        if (!dec_fetch(d, &in->opcode)) {
            return NULL;
        }
        return in->map == X86_MAP_0F38 ? &x86_map_0f38[in->opcode]
                                       : &x86_map_0f3a[in->opcode];
    }
    in->map = X86_MAP_0F;
    in->opcode = op;
    if (op == 0x0f || op == 0x0e) {     /* 3DNow! and FEMMS (AMD only) */
        *ud = X86_UD_3DNOW;
        return NULL;
    }
    return &x86_map_0f[op];
}

/* ---- #UD checks after the operands are known ---- */

static int dec_check(const X86Insn *in)
{
    if ((in->flags & X86_F_I64) && in->mode == 64) {
        return X86_UD_MODE;
    }
    if ((in->flags & X86_F_O64) && in->mode != 64) {
        return X86_UD_MODE;
    }
    if (in->prefixes & X86_P_LOCK) {
        if (!(in->flags & X86_F_LOCK) || in->ops[0].kind != X86_OPK_MEM) {
            return X86_UD_LOCK;
        }
    }
    /* MOV Sreg, r/m cannot load CS */
    if (in->mnem == X86_M_MOV && in->ops[0].type == X86_T_S &&
        in->ops[0].reg == X86_SEG_CS) {
        return X86_UD_REG;
    }
    return 0;
}

static int dec_fail(Decoder *d, int reason)
{
    d->insn->len = d->pos;
    d->insn->ud_reason = reason;
    d->insn->mnem = X86_M_INVALID;
    d->insn->entry = NULL;
    return X86_DECODE_UD;
}

static int dec_operands(Decoder *d, const X86OpEntry *e)
{
    X86Insn *in = d->insn;
    int ud = 0;

    for (int i = 0; i < 4 && e->ops[i].type != X86_T_NONE; i++) {
        if (type_needs_modrm(e->ops[i].type) && !dec_modrm(d)) {
            return -1;
        }
    }
    for (int i = 0; i < 4 && e->ops[i].type != X86_T_NONE; i++) {
        int r = dec_operand(d, &in->ops[i], &e->ops[i]);
        if (r < 0) {
            return -1;
        }
        if (r > 0 && !ud) {
            ud = r;
        }
        in->nops = i + 1;
    }
    return ud;
}

int x86_decode(X86Insn *insn, const uint8_t *bytes, size_t avail, int mode)
{
    Decoder d = { .bytes = bytes, .avail = avail, .insn = insn,
                  .mand_pfx = -1 };
    const X86OpEntry *e;
    uint8_t op;
    int ud = 0;

    memset(insn, 0, sizeof(*insn));
    insn->seg_override = X86_SEG_NONE;
    if (mode != 16 && mode != 32 && mode != 64) {
        return X86_DECODE_BADARG;
    }
    insn->mode = mode;
    if (!dec_prefixes(&d, &op)) {
        goto fetch_error;
    }
    e = dec_opcode(&d, op, &ud);
    if (e) {
        e = dec_walk(&d, e);
    }
    if (!e) {
        if (d.err) {
            goto fetch_error;
        }
        return dec_fail(&d, ud);
    }
    if (e->mnem == X86_M_INVALID) {
        return dec_fail(&d, d.mand_pfx > 0 ? X86_UD_PREFIX : X86_UD_OPCODE);
    }
    insn->mnem = e->mnem;
    insn->entry = e;
    insn->feature = e->feature;
    insn->flags = e->flags | (d.mand_pfx >= 0 ? X86_F_SSE : 0);
    dec_sizes(insn);
    ud = dec_operands(&d, e);
    if (ud < 0) {
        goto fetch_error;
    }
    insn->len = d.pos;
    if (!ud) {
        ud = dec_check(insn);
    }
    if (ud) {
        int len = d.pos;
        dec_fail(&d, ud);
        insn->len = len;
        return X86_DECODE_UD;
    }
    return insn->len;

fetch_error:
    insn->len = d.pos;
    insn->mnem = X86_M_INVALID;
    return d.err;
}

/* ---- names ---- */

static const char *const mnem_names[X86_M_COUNT] = {
#define X86_MNEM(name) #name,
#include "cpu/x86/decode-mnem.def"
#undef X86_MNEM
};

static const char *const feature_names[X86_FEAT_COUNT] = {
#define X86_FEATURE(name) #name,
#include "cpu/x86/decode-feature.def"
#undef X86_FEATURE
};

const char *x86_mnem_name(unsigned mnem)
{
    return mnem > 0 && mnem < X86_M_COUNT ? mnem_names[mnem] : "(bad)";
}

const char *x86_feature_name(unsigned feature)
{
    return feature < X86_FEAT_COUNT ? feature_names[feature] : "?";
}

const char *x86_ud_reason_name(unsigned reason)
{
    static const char *const names[] = {
        "none", "opcode", "prefix", "mode", "mod", "lock", "reg", "vex",
        "3dnow",
    };
    return reason < sizeof(names) / sizeof(names[0]) ? names[reason] : "?";
}

/* ---- table walk for tests and statistics ---- */

static int sw_children(unsigned sw)
{
    switch (sw) {
    case X86_SW_REG: case X86_SW_RM: return 8;
    case X86_SW_MOD: case X86_SW_MODE: case X86_SW_REXB: case X86_SW_REXW:
        return 2;
    case X86_SW_PFX: return 4;
    case X86_SW_X87: return 64;
    default: return 0;
    }
}

static void walk_entry(X86EntryVisitor *fn, void *opaque, X86Map map,
                       uint8_t *path, int depth, const X86OpEntry *e)
{
    if (e->sw == X86_SW_NONE) {
        if (e->mnem != X86_M_INVALID) {
            fn(opaque, map, path, depth, e);
        }
        return;
    }
    if (depth >= 8) {
        return;
    }
    for (int i = 0; i < sw_children(e->sw); i++) {
        path[depth] = i;
        walk_entry(fn, opaque, map, path, depth + 1, &e->sub[i]);
    }
}

void x86_decode_walk_tables(X86EntryVisitor *fn, void *opaque)
{
    static const struct { X86Map map; const X86OpEntry *tbl; } maps[] = {
        { X86_MAP_1B, x86_map_1b }, { X86_MAP_0F, x86_map_0f },
        { X86_MAP_0F38, x86_map_0f38 }, { X86_MAP_0F3A, x86_map_0f3a },
    };
    uint8_t path[10];

    for (size_t m = 0; m < sizeof(maps) / sizeof(maps[0]); m++) {
        for (int op = 0; op < 256; op++) {
            path[0] = op;
            walk_entry(fn, opaque, maps[m].map, path, 1, &maps[m].tbl[op]);
        }
    }
}
