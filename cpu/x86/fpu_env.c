/*
 * The x87 control instructions with a memory operand: FLDCW, FNSTCW,
 * FNSTSW m16, FLDENV, FNSTENV, FRSTOR and FNSAVE (SDM vol. 1 8.1.10 and
 * figures 8-9 to 8-12), plus FNINIT's state.
 *
 * The environment has four layouts: 14 bytes (16-bit operand size) or 28
 * bytes (32-bit), each in a protected-mode form (FIP/FDP offsets with the
 * FCS/FDS selectors) and a real-mode form (20- or 32-bit linear pointers,
 * segment*16 + offset, with FOP beside the high bits of FIP). 64-bit mode
 * uses the 32-bit protected form. As processors do, the 32-bit form fills
 * the unused upper halves of the FCW/FSW/FTW/FDS dwords with ones, the
 * stored tag word is the full one, FCW bit 6 always reads as one and
 * bits 7, 13..15 as zero. FNSTENV masks every exception after the store;
 * FNSAVE then reinitialises the unit. ES and B follow the flags and the
 * masks whenever either is loaded (FLDCW, FLDENV, FRSTOR) or FNSTENV
 * masks everything: a status word whose flags are unmasked sets ES (the
 * exception is delivered at the next waiting instruction); clearing it
 * drops FERR#.
 */
#include "cpu/x86/decode.h"
#include "cpu/x86/x87.h"

void x87_finit(X86CPUState *s)
{
    s->fcw = 0x037f;
    s->fsw = 0;
    s->ftw = 0xffff;
    s->fop = 0;
    s->fip = s->fdp = 0;
    s->fcs = s->fds = 0;
}

uint16_t x87_fcw_value(uint16_t v)
{
    return (v & 0x1f3f) | 0x0040;
}

void x87_recompute_es(CPUX86TCG *env)
{
    X86CPUState *s = &env->st;
    if (s->fsw & ~s->fcw & 0x3f) {
        s->fsw |= FSW_ES | FSW_B;
    } else {
        s->fsw &= ~(FSW_ES | FSW_B);
    }
    x87_update_ferr(env);
}

/* Tag word from a stored one: "empty" is kept, others follow contents. */
static uint16_t tags_from(const X86CPUState *s, uint16_t stored)
{
    uint16_t ftw = 0;
    for (int p = 0; p < 8; p++) {
        unsigned t = (stored >> (2 * p)) & 3;
        if (t != X87_TAG_EMPTY) {
            const FloatX80 *r = &s->fpregs[p];
            t = x87_tag_of((Float80){ r->mant, r->exp });
        }
        ftw |= (uint16_t)(t << (2 * p));
    }
    return ftw;
}

static unsigned env_bytes(uint64_t desc)
{
    return desc & X87_D_OP32 ? 28 : 14;
}

static void store_env(CPUX86TCG *env, uint64_t desc, uint64_t laddr)
{
    X86CPUState *s = &env->st;
    bool real = desc & X87_D_REAL;
    uint32_t fip = real ? (uint32_t)(s->fcs * 16 + s->fip) : (uint32_t)s->fip;
    uint32_t fdp = real ? (uint32_t)(s->fds * 16 + s->fdp) : (uint32_t)s->fdp;
    uint16_t ftw = tags_from(s, s->ftw);
    if (!(desc & X87_D_OP32)) {
        uint16_t w[7] = { s->fcw, s->fsw, ftw, (uint16_t)fip, s->fcs,
                          (uint16_t)fdp, s->fds };
        if (real) {
            w[4] = (uint16_t)(((fip >> 16) & 0xf) << 12 | s->fop);
            w[6] = (uint16_t)(((fdp >> 16) & 0xf) << 12);
        }
        for (int i = 6; i >= 0; i--) {
            x87_mstore(env, desc, laddr, 2 * i, 2, w[i]);
        }
        return;
    }
    uint32_t d[7] = { 0xffff0000u | s->fcw, 0xffff0000u | s->fsw,
                      0xffff0000u | ftw, fip, s->fcs | (uint32_t)s->fop << 16,
                      fdp, 0xffff0000u | s->fds };
    if (real) {
        d[3] = 0xffff0000u | (fip & 0xffff);
        d[4] = (fip >> 16) << 12 | s->fop;
        d[5] = 0xffff0000u | (fdp & 0xffff);
        d[6] = (fdp >> 16) << 12;
    }
    for (int i = 6; i >= 0; i--) {
        x87_mstore(env, desc, laddr, 4 * i, 4, d[i]);
    }
}

/* Loads the environment; returns the stored tag word (applied by the
   caller once the registers are in place). */
static uint16_t load_env(CPUX86TCG *env, uint64_t desc, uint64_t laddr)
{
    X86CPUState *s = &env->st;
    bool real = desc & X87_D_REAL, op32 = desc & X87_D_OP32;
    unsigned w = op32 ? 4 : 2;
    uint32_t v[7];
    for (int i = 0; i < 7; i++) {
        v[i] = (uint32_t)x87_mload(env, desc, laddr, w * i, w);
    }
    s->fcw = x87_fcw_value((uint16_t)v[0]);
    s->fsw = (uint16_t)v[1];
    if (real) {
        unsigned hi = op32 ? 16 : 4;
        s->fip = (v[3] & 0xffff) | ((v[4] >> 12) & ((1u << hi) - 1)) << 16;
        s->fop = v[4] & 0x7ff;
        s->fdp = (v[5] & 0xffff) | ((v[6] >> 12) & ((1u << hi) - 1)) << 16;
        s->fcs = s->fds = 0;
    } else {
        s->fip = op32 ? v[3] : v[3] & 0xffff;
        s->fcs = (uint16_t)v[4];
        s->fop = op32 ? (v[4] >> 16) & 0x7ff : s->fop;
        s->fdp = op32 ? v[5] : v[5] & 0xffff;
        s->fds = (uint16_t)v[6];
    }
    return (uint16_t)v[2];
}

static void op_fnsave(CPUX86TCG *env, uint64_t desc, uint64_t laddr)
{
    X86CPUState *s = &env->st;
    unsigned base = env_bytes(desc);
    for (int i = 7; i >= 0; i--) {
        x87_store_reg(env, desc, laddr, base + 10 * i, x87_get(s, i));
    }
    store_env(env, desc, laddr);
    x87_finit(s);
    x87_update_ferr(env);
}

static void op_frstor(CPUX86TCG *env, uint64_t desc, uint64_t laddr)
{
    X86CPUState *s = &env->st;
    unsigned base = env_bytes(desc);
    Float80 regs[8];
    for (int i = 0; i < 8; i++) {
        x87_load_reg(env, desc, laddr, base + 10 * i, &regs[i]);
    }
    uint16_t tags = load_env(env, desc, laddr);
    for (int i = 0; i < 8; i++) {
        FloatX80 *r = &s->fpregs[(x87_top(s) + i) & 7];
        r->mant = regs[i].mant;
        r->exp = regs[i].se;
    }
    s->ftw = tags_from(s, tags);
    x87_recompute_es(env);
}

void x87_env_mem(CPUX86TCG *env, uint64_t desc, uint64_t laddr)
{
    X86CPUState *s = &env->st;
    switch (X87_D_MNEM(desc)) {
    case X86_M_FLDCW:
        s->fcw = x87_fcw_value((uint16_t)x87_mload(env, desc, laddr, 0, 2));
        x87_recompute_es(env);
        break;
    case X86_M_FNSTCW:
        x87_mstore(env, desc, laddr, 0, 2, s->fcw);
        break;
    case X86_M_FNSTSW:
        x87_mstore(env, desc, laddr, 0, 2, s->fsw);
        break;
    case X86_M_FLDENV:
        s->ftw = tags_from(s, load_env(env, desc, laddr));
        x87_recompute_es(env);
        break;
    case X86_M_FNSTENV:
        store_env(env, desc, laddr);
        s->fcw |= 0x3f;
        x87_recompute_es(env);      /* everything masked: ES and B clear */
        break;
    case X86_M_FRSTOR:
        op_frstor(env, desc, laddr);
        break;
    case X86_M_FNSAVE:
        op_fnsave(env, desc, laddr);
        break;
    default:
        break;
    }
}
