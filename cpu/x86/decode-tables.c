/*
 * x86 opcode tables, transcribed from the Intel SDM Volume 2, Appendix A:
 * Table A-2 (one-byte map), A-3 (two-byte 0F map), A-4 (0F38), A-5 (0F3A),
 * A-6 (opcode extensions by ModRM.reg: groups 1..17) and A.4 (x87 escape
 * opcode maps D8..DF).
 *
 * Each entry is written with the SDM's operand codes: N(ADD, LK, Eb, Gb) is
 * "ADD Eb,Gb, lockable", F(...) adds the CPUID feature. Entries that select
 * among forms (by ModRM.reg, ModRM.mod, mandatory prefix ...) are switch
 * entries whose children are listed inline. A zero entry ({0}, "U") is a
 * hole: the encoding is undefined and decodes to #UD.
 *
 * Invariants: every switch entry has exactly as many children as its kind
 * needs (8 for REG/RM, 2 for MOD/MODE/REXB/REXW, 4 for PFX, 64 for X87).
 */
#include "cpu/x86/decode.h"

/* ---- operand codes ---- */
#define OP(t, s) { X86_T_##t, X86_S_##s, 0 }
#define FIX(t, s, r) { X86_T_##t, X86_S_##s, r }

#define Ap OP(A, p)
#define Cy OP(C, y)
#define Dy OP(D, y)
#define Eb OP(E, b)
#define Ew OP(E, w)
#define Ed OP(E, d)
#define Eq OP(E, q)
#define Ev OP(E, v)
#define Ey OP(E, y)
#define Evw OP(E, vw)
#define Edb OP(E, db)
#define Edw OP(E, dw)
#define Ezw OP(E, zw)
#define Gb OP(G, b)
#define Gw OP(G, w)
#define Gd OP(G, d)
#define Gv OP(G, v)
#define Gy OP(G, y)
#define Gz OP(G, z)
#define Ib OP(I, b)
#define Ibs OP(I, bs)
#define Iw OP(I, w)
#define Iz OP(I, z)
#define Iv OP(I, v)
#define Jb OP(J, b)
#define Jz OP(J, z)
#define M0 OP(M, NONE)
#define Mb OP(M, b)
#define Mw OP(M, w)
#define Md OP(M, d)
#define Mq OP(M, q)
#define Mt OP(M, t)
#define Mv OP(M, v)
#define My OP(M, y)
#define Mdq OP(M, dq)
#define Mp OP(M, p)
#define Ma OP(M, a)
#define Ms OP(M, s)
#define Menv OP(M, env)
#define Mfsave OP(M, fsave)
#define M512 OP(M, 512)
#define Mxs OP(M, xs)
#define Nq OP(N, q)
#define Ob OP(O, b)
#define Ov OP(O, v)
#define Pq OP(P, q)
#define Pd OP(P, d)
#define Qq OP(Q, q)
#define Qd OP(Q, d)
#define Rv OP(R, v)
#define Ry OP(R, y)
#define Rd OP(R, d)
#define Rq OP(R, q)
#define Sw OP(S, w)
#define Ux OP(U, dq)
#define Uq OP(U, q)
#define Vx OP(V, dq)
#define Vq OP(V, q)
#define Vd OP(V, d)
#define Vy OP(V, y)
#define Wx OP(W, dq)
#define Wq OP(W, q)
#define Wd OP(W, d)
#define Ww OP(W, w)
#define Wss OP(W, d)
#define Wsd OP(W, q)
#define Xb OP(X, b)
#define Xv OP(X, v)
#define Xz OP(X, z)
#define Yb OP(Y, b)
#define Yv OP(Y, v)
#define Yz OP(Y, z)
#define Zb OP(ZREG, b)
#define Zv OP(ZREG, v)
#define Zy OP(ZREG, y)
#define AL FIX(REG, b, 0)
#define CL FIX(REG, b, 1)
#define DX FIX(REG, w, 2)
#define AX FIX(REG, w, 0)
#define eAX FIX(REG, z, 0)
#define rAX FIX(REG, v, 0)
#define sES FIX(SEG, w, 0)
#define sCS FIX(SEG, w, 1)
#define sSS FIX(SEG, w, 2)
#define sDS FIX(SEG, w, 3)
#define sFS FIX(SEG, w, 4)
#define sGS FIX(SEG, w, 5)
#define rAXa FIX(REG, as, 0)
#define ECX FIX(REG, d, 1)
#define EAX FIX(REG, d, 0)
#define ONE OP(ONE, b)
#define ST0 OP(ST0, t)
#define STi OP(STI, t)
#define XMM0 OP(XMM0, dq)

/* ---- flags ---- */
#define LK X86_F_LOCK
#define I64 X86_F_I64
#define O64 X86_F_O64
#define D64 X86_F_D64
#define F64 X86_F_F64
#define REP X86_F_REP
#define REPZ X86_F_REPZ
#define BR X86_F_BRANCH
#define MODREG X86_F_MODREG

/* ---- entries ---- */
#define F(m, feat, fl, ...) \
    { .mnem = X86_M_##m, .feature = X86_FEAT_##feat, .flags = (fl), \
      .ops = { __VA_ARGS__ } }
#define N(m, fl, ...) F(m, NONE, fl, __VA_ARGS__)
#define U { 0 }
#define SW(kind, n, ...) \
    { .mnem = X86_M_INVALID, .sw = X86_SW_##kind, \
      .sub = (const X86OpEntry[n]){ __VA_ARGS__ } }
#define REG8(...) SW(REG, 8, __VA_ARGS__)
#define RM8(...) SW(RM, 8, __VA_ARGS__)
#define MOD(...) SW(MOD, 2, __VA_ARGS__)          /* memory, register */
#define PFX(...) SW(PFX, 4, __VA_ARGS__)          /* none, 66, F3, F2 */
#define MODE(...) SW(MODE, 2, __VA_ARGS__)        /* legacy, 64-bit */
#define REXW(...) SW(REXW, 2, __VA_ARGS__)        /* W=0, W=1 */
#define SWT(kind, tbl) \
    { .mnem = X86_M_INVALID, .sw = X86_SW_##kind, .sub = tbl }

/* MMX form without prefix, SSE2 form with 66 */
#define MX(m) PFX(F(m, MMX, 0, Pq, Qq), F(m, SSE2, 0, Vx, Wx), U, U)
#define MX3(m) PFX(F(m, SSSE3, 0, Pq, Qq), F(m, SSSE3, 0, Vx, Wx), U, U)
/* packed single / packed double / scalar single / scalar double */
#define PSD4(m) PFX(F(m##PS, SSE, 0, Vx, Wx), F(m##PD, SSE2, 0, Vx, Wx), \
                    F(m##SS, SSE, 0, Vx, Wss), F(m##SD, SSE2, 0, Vx, Wsd))
#define PSD2(m) PFX(F(m##PS, SSE, 0, Vx, Wx), F(m##PD, SSE2, 0, Vx, Wx), U, U)
/* 66-only SSE4.1 / SSE4.2 / other */
#define P66(m, feat, ...) PFX(U, F(m, feat, 0, __VA_ARGS__), U, U)

#define ALU6(b, m, lk) \
    [(b) + 0] = N(m, lk, Eb, Gb), [(b) + 1] = N(m, lk, Ev, Gv), \
    [(b) + 2] = N(m, 0, Gb, Eb), [(b) + 3] = N(m, 0, Gv, Ev), \
    [(b) + 4] = N(m, 0, AL, Ib), [(b) + 5] = N(m, 0, rAX, Iz)

#define GRP1(e, i) REG8(N(ADD, LK, e, i), N(OR, LK, e, i), N(ADC, LK, e, i), \
                        N(SBB, LK, e, i), N(AND, LK, e, i), N(SUB, LK, e, i), \
                        N(XOR, LK, e, i), N(CMP, 0, e, i))
/* Group 2 /6 and group 3 /1 are blank in Table A-6, but processors run
   them as SHL (SAL) and TEST, and so do we (the host CPU is the oracle) */
#define GRP2(e, c) REG8(N(ROL, 0, e, c), N(ROR, 0, e, c), N(RCL, 0, e, c), \
                        N(RCR, 0, e, c), N(SHL, 0, e, c), N(SHR, 0, e, c), \
                        N(SHL, 0, e, c), N(SAR, 0, e, c))
#define GRP3(e, i) REG8(N(TEST, 0, e, i), N(TEST, 0, e, i), N(NOT, LK, e), \
                        N(NEG, LK, e), \
                        N(MUL, 0, e), N(IMUL, 0, e), N(DIV, 0, e), \
                        N(IDIV, 0, e))

/* x87 register forms of one row: op st(0),st(i) for i = 0..7 */
#define X8(m, fl, ...) X87F(m, fl, __VA_ARGS__), X87F(m, fl, __VA_ARGS__), \
    X87F(m, fl, __VA_ARGS__), X87F(m, fl, __VA_ARGS__), \
    X87F(m, fl, __VA_ARGS__), X87F(m, fl, __VA_ARGS__), \
    X87F(m, fl, __VA_ARGS__), X87F(m, fl, __VA_ARGS__)
#define U8 U, U, U, U, U, U, U, U

/* ---- x87 (SDM A.4) ---- */

#define X87F(m, fl, ...) F(m, X87, fl, __VA_ARGS__)

static const X86OpEntry x87_d8_reg[64] = {
    X8(FADD, 0, ST0, STi), X8(FMUL, 0, ST0, STi), X8(FCOM, 0, ST0, STi),
    X8(FCOMP, 0, ST0, STi), X8(FSUB, 0, ST0, STi), X8(FSUBR, 0, ST0, STi),
    X8(FDIV, 0, ST0, STi), X8(FDIVR, 0, ST0, STi),
};
static const X86OpEntry x87_d9_reg[64] = {
    X8(FLD, 0, ST0, STi), X8(FXCH, 0, ST0, STi),
    X87F(FNOP, 0), U, U, U, U, U, U, U,
    U8,
    X87F(FCHS, 0), X87F(FABS, 0), U, U, X87F(FTST, 0), X87F(FXAM, 0), U, U,
    X87F(FLD1, 0), X87F(FLDL2T, 0), X87F(FLDL2E, 0), X87F(FLDPI, 0),
    X87F(FLDLG2, 0), X87F(FLDLN2, 0), X87F(FLDZ, 0), U,
    X87F(F2XM1, 0), X87F(FYL2X, 0), X87F(FPTAN, 0), X87F(FPATAN, 0),
    X87F(FXTRACT, 0), X87F(FPREM1, 0), X87F(FDECSTP, 0), X87F(FINCSTP, 0),
    X87F(FPREM, 0), X87F(FYL2XP1, 0), X87F(FSQRT, 0), X87F(FSINCOS, 0),
    X87F(FRNDINT, 0), X87F(FSCALE, 0), X87F(FSIN, 0), X87F(FCOS, 0),
};
static const X86OpEntry x87_da_reg[64] = {
    X8(FCMOVB, 0, ST0, STi), X8(FCMOVE, 0, ST0, STi),
    X8(FCMOVBE, 0, ST0, STi), X8(FCMOVU, 0, ST0, STi),
    U8,
    U, X87F(FUCOMPP, 0), U, U, U, U, U, U,
    U8, U8,
};
static const X86OpEntry x87_db_reg[64] = {
    X8(FCMOVNB, 0, ST0, STi), X8(FCMOVNE, 0, ST0, STi),
    X8(FCMOVNBE, 0, ST0, STi), X8(FCMOVNU, 0, ST0, STi),
    U, U, X87F(FNCLEX, 0), X87F(FNINIT, 0), U, U, U, U,
    X8(FUCOMI, 0, ST0, STi), X8(FCOMI, 0, ST0, STi), U8,
};
static const X86OpEntry x87_dc_reg[64] = {
    X8(FADD, 0, STi, ST0), X8(FMUL, 0, STi, ST0), U8, U8,
    X8(FSUBR, 0, STi, ST0), X8(FSUB, 0, STi, ST0),
    X8(FDIVR, 0, STi, ST0), X8(FDIV, 0, STi, ST0),
};
static const X86OpEntry x87_dd_reg[64] = {
    X8(FFREE, 0, STi), U8, X8(FST, 0, STi), X8(FSTP, 0, STi),
    X8(FUCOM, 0, STi), X8(FUCOMP, 0, STi), U8, U8,
};
static const X86OpEntry x87_de_reg[64] = {
    X8(FADDP, 0, STi, ST0), X8(FMULP, 0, STi, ST0), U8,
    U, X87F(FCOMPP, 0), U, U, U, U, U, U,
    X8(FSUBRP, 0, STi, ST0), X8(FSUBP, 0, STi, ST0),
    X8(FDIVRP, 0, STi, ST0), X8(FDIVP, 0, STi, ST0),
};
static const X86OpEntry x87_df_reg[64] = {
    U8, U8, U8, U8,
    X87F(FNSTSW, 0, AX), U, U, U, U, U, U, U,
    X8(FUCOMIP, 0, ST0, STi), X8(FCOMIP, 0, ST0, STi), U8,
};

#define X87(regtbl, ...) MOD(__VA_ARGS__, SWT(X87, regtbl))

/* memory forms by ModRM.reg: M(op0) ... M(op7) with one memory size */
#define X87M(sz, m0, m1, m2, m3, m4, m5, m6, m7) \
    REG8(X87F(m0, 0, M##sz), X87F(m1, 0, M##sz), X87F(m2, 0, M##sz), \
         X87F(m3, 0, M##sz), X87F(m4, 0, M##sz), X87F(m5, 0, M##sz), \
         X87F(m6, 0, M##sz), X87F(m7, 0, M##sz))

#define X87_D8 X87(x87_d8_reg, \
    X87M(d, FADD, FMUL, FCOM, FCOMP, FSUB, FSUBR, FDIV, FDIVR))
#define X87_D9 X87(x87_d9_reg, \
    REG8(X87F(FLD, 0, Md), U, X87F(FST, 0, Md), X87F(FSTP, 0, Md), \
         X87F(FLDENV, 0, Menv), X87F(FLDCW, 0, Mw), \
         X87F(FNSTENV, 0, Menv), X87F(FNSTCW, 0, Mw)))
#define X87_DA X87(x87_da_reg, \
    X87M(d, FIADD, FIMUL, FICOM, FICOMP, FISUB, FISUBR, FIDIV, FIDIVR))
#define X87_DB X87(x87_db_reg, \
    REG8(X87F(FILD, 0, Md), F(FISTTP, SSE3, 0, Md), X87F(FIST, 0, Md), \
         X87F(FISTP, 0, Md), U, X87F(FLD, 0, Mt), U, X87F(FSTP, 0, Mt)))
#define X87_DC X87(x87_dc_reg, \
    X87M(q, FADD, FMUL, FCOM, FCOMP, FSUB, FSUBR, FDIV, FDIVR))
#define X87_DD X87(x87_dd_reg, \
    REG8(X87F(FLD, 0, Mq), F(FISTTP, SSE3, 0, Mq), X87F(FST, 0, Mq), \
         X87F(FSTP, 0, Mq), X87F(FRSTOR, 0, Mfsave), U, \
         X87F(FNSAVE, 0, Mfsave), X87F(FNSTSW, 0, Mw)))
#define X87_DE X87(x87_de_reg, \
    X87M(w, FIADD, FIMUL, FICOM, FICOMP, FISUB, FISUBR, FIDIV, FIDIVR))
#define X87_DF X87(x87_df_reg, \
    REG8(X87F(FILD, 0, Mw), F(FISTTP, SSE3, 0, Mw), X87F(FIST, 0, Mw), \
         X87F(FISTP, 0, Mw), X87F(FBLD, 0, Mt), X87F(FILD, 0, Mq), \
         X87F(FBSTP, 0, Mt), X87F(FISTP, 0, Mq)))

/* ---- one-byte map (SDM Table A-2) ---- */

const X86OpEntry x86_map_1b[256] = {
    ALU6(0x00, ADD, LK),
    [0x06] = N(PUSH, I64, sES), [0x07] = N(POP, I64, sES),
    ALU6(0x08, OR, LK),
    [0x0e] = N(PUSH, I64, sCS),
    ALU6(0x10, ADC, LK),
    [0x16] = N(PUSH, I64, sSS), [0x17] = N(POP, I64, sSS),
    ALU6(0x18, SBB, LK),
    [0x1e] = N(PUSH, I64, sDS), [0x1f] = N(POP, I64, sDS),
    ALU6(0x20, AND, LK),
    [0x27] = N(DAA, I64),
    ALU6(0x28, SUB, LK),
    [0x2f] = N(DAS, I64),
    ALU6(0x30, XOR, LK),
    [0x37] = N(AAA, I64),
    ALU6(0x38, CMP, 0),
    [0x3f] = N(AAS, I64),
    [0x40 ... 0x47] = N(INC, I64, Zv),
    [0x48 ... 0x4f] = N(DEC, I64, Zv),
    [0x50 ... 0x57] = N(PUSH, D64, Zv),
    [0x58 ... 0x5f] = N(POP, D64, Zv),
    [0x60] = N(PUSHA, I64), [0x61] = N(POPA, I64),
    [0x62] = N(BOUND, I64, Gv, Ma),
    [0x63] = MODE(N(ARPL, 0, Ew, Gw), N(MOVSXD, 0, Gv, Ed)),
    [0x68] = N(PUSH, D64, Iz), [0x69] = N(IMUL, 0, Gv, Ev, Iz),
    [0x6a] = N(PUSH, D64, Ibs), [0x6b] = N(IMUL, 0, Gv, Ev, Ibs),
    [0x6c] = N(INS, REP, Yb, DX), [0x6d] = N(INS, REP, Yz, DX),
    [0x6e] = N(OUTS, REP, DX, Xb), [0x6f] = N(OUTS, REP, DX, Xz),
    [0x70 ... 0x7f] = N(JCC, F64 | BR, Jb),
    [0x80] = GRP1(Eb, Ib), [0x81] = GRP1(Ev, Iz),
    [0x82] = REG8(N(ADD, LK | I64, Eb, Ib), N(OR, LK | I64, Eb, Ib),
                  N(ADC, LK | I64, Eb, Ib), N(SBB, LK | I64, Eb, Ib),
                  N(AND, LK | I64, Eb, Ib), N(SUB, LK | I64, Eb, Ib),
                  N(XOR, LK | I64, Eb, Ib), N(CMP, I64, Eb, Ib)),
    [0x83] = GRP1(Ev, Ibs),
    [0x84] = N(TEST, 0, Eb, Gb), [0x85] = N(TEST, 0, Ev, Gv),
    [0x86] = N(XCHG, LK, Eb, Gb), [0x87] = N(XCHG, LK, Ev, Gv),
    [0x88] = N(MOV, 0, Eb, Gb), [0x89] = N(MOV, 0, Ev, Gv),
    [0x8a] = N(MOV, 0, Gb, Eb), [0x8b] = N(MOV, 0, Gv, Ev),
    [0x8c] = N(MOV, 0, Evw, Sw), [0x8d] = N(LEA, 0, Gv, M0),
    [0x8e] = N(MOV, 0, Sw, Evw),
    [0x8f] = REG8(N(POP, D64, Ev), U, U, U, U, U, U, U),
    [0x90] = SW(REXB, 2, PFX(N(NOP, 0), N(NOP, 0), N(PAUSE, 0), N(NOP, 0)),
                N(XCHG, 0, Zv, rAX)),
    [0x91 ... 0x97] = N(XCHG, 0, Zv, rAX),
    [0x98] = N(CBW, 0), [0x99] = N(CWD, 0),
    [0x9a] = N(CALLF, I64 | BR, Ap), [0x9b] = N(FWAIT, 0),
    [0x9c] = N(PUSHF, D64), [0x9d] = N(POPF, D64),
    [0x9e] = N(SAHF, 0), [0x9f] = N(LAHF, 0),
    [0xa0] = N(MOV, 0, AL, Ob), [0xa1] = N(MOV, 0, rAX, Ov),
    [0xa2] = N(MOV, 0, Ob, AL), [0xa3] = N(MOV, 0, Ov, rAX),
    [0xa4] = N(MOVS, REP, Yb, Xb), [0xa5] = N(MOVS, REP, Yv, Xv),
    [0xa6] = N(CMPS, REPZ, Xb, Yb), [0xa7] = N(CMPS, REPZ, Xv, Yv),
    [0xa8] = N(TEST, 0, AL, Ib), [0xa9] = N(TEST, 0, rAX, Iz),
    [0xaa] = N(STOS, REP, Yb, AL), [0xab] = N(STOS, REP, Yv, rAX),
    [0xac] = N(LODS, REP, AL, Xb), [0xad] = N(LODS, REP, rAX, Xv),
    [0xae] = N(SCAS, REPZ, AL, Yb), [0xaf] = N(SCAS, REPZ, rAX, Yv),
    [0xb0 ... 0xb7] = N(MOV, 0, Zb, Ib),
    [0xb8 ... 0xbf] = N(MOV, 0, Zv, Iv),
    [0xc0] = GRP2(Eb, Ib), [0xc1] = GRP2(Ev, Ib),
    [0xc2] = N(RET, F64 | BR, Iw), [0xc3] = N(RET, F64 | BR),
    [0xc4] = N(LES, I64, Gz, Mp), [0xc5] = N(LDS, I64, Gz, Mp),
    [0xc6] = REG8(N(MOV, 0, Eb, Ib), U, U, U, U, U, U,
                  MOD(U, RM8(F(XABORT, RTM, 0, Ib), U, U, U, U, U, U, U))),
    [0xc7] = REG8(N(MOV, 0, Ev, Iz), U, U, U, U, U, U,
                  MOD(U, RM8(F(XBEGIN, RTM, BR, Jz), U, U, U, U, U, U, U))),
    [0xc8] = N(ENTER, D64, Iw, Ib), [0xc9] = N(LEAVE, D64),
    [0xca] = N(RETF, BR, Iw), [0xcb] = N(RETF, BR),
    [0xcc] = N(INT3, BR), [0xcd] = N(INT, BR, Ib),
    [0xce] = N(INTO, I64 | BR), [0xcf] = N(IRET, BR),
    [0xd0] = GRP2(Eb, ONE), [0xd1] = GRP2(Ev, ONE),
    [0xd2] = GRP2(Eb, CL), [0xd3] = GRP2(Ev, CL),
    [0xd4] = N(AAM, I64, Ib), [0xd5] = N(AAD, I64, Ib),
    [0xd6] = N(SALC, I64),    /* blank in Table A-2; processors run it */
    [0xd7] = N(XLAT, 0),
    [0xd8] = X87_D8, [0xd9] = X87_D9, [0xda] = X87_DA, [0xdb] = X87_DB,
    [0xdc] = X87_DC, [0xdd] = X87_DD, [0xde] = X87_DE, [0xdf] = X87_DF,
    [0xe0] = N(LOOPNE, F64 | BR, Jb), [0xe1] = N(LOOPE, F64 | BR, Jb),
    [0xe2] = N(LOOP, F64 | BR, Jb), [0xe3] = N(JCXZ, F64 | BR, Jb),
    [0xe4] = N(IN, 0, AL, Ib), [0xe5] = N(IN, 0, eAX, Ib),
    [0xe6] = N(OUT, 0, Ib, AL), [0xe7] = N(OUT, 0, Ib, eAX),
    [0xe8] = N(CALL, F64 | BR, Jz), [0xe9] = N(JMP, F64 | BR, Jz),
    [0xea] = N(JMPF, I64 | BR, Ap), [0xeb] = N(JMP, F64 | BR, Jb),
    [0xec] = N(IN, 0, AL, DX), [0xed] = N(IN, 0, eAX, DX),
    [0xee] = N(OUT, 0, DX, AL), [0xef] = N(OUT, 0, DX, eAX),
    [0xf1] = N(INT1, BR),
    [0xf4] = N(HLT, 0), [0xf5] = N(CMC, 0),
    [0xf6] = GRP3(Eb, Ib), [0xf7] = GRP3(Ev, Iz),
    [0xf8] = N(CLC, 0), [0xf9] = N(STC, 0), [0xfa] = N(CLI, 0),
    [0xfb] = N(STI, 0), [0xfc] = N(CLD, 0), [0xfd] = N(STD, 0),
    [0xfe] = REG8(N(INC, LK, Eb), N(DEC, LK, Eb), U, U, U, U, U, U),
    [0xff] = REG8(N(INC, LK, Ev), N(DEC, LK, Ev), N(CALL, F64 | BR, Ev),
                  N(CALLF, BR, Mp), N(JMP, F64 | BR, Ev), N(JMPF, BR, Mp),
                  N(PUSH, D64, Ev), U),
};

/* ---- two-byte map (SDM Table A-3) and its groups ---- */

/* group 6 */
#define GRP6 REG8(N(SLDT, 0, Evw), N(STR, 0, Evw), N(LLDT, 0, Ew), \
                  N(LTR, 0, Ew), N(VERR, 0, Ew), N(VERW, 0, Ew), U, U)

/* group 7: memory forms by reg, register forms by reg and rm */
#define GRP7 REG8( \
    MOD(N(SGDT, 0, Ms), \
        RM8(U, F(VMCALL, VMX, 0), F(VMLAUNCH, VMX, 0), F(VMRESUME, VMX, 0), \
            F(VMXOFF, VMX, 0), U, U, U)), \
    MOD(N(SIDT, 0, Ms), \
        RM8(F(MONITOR, MONITOR, 0), F(MWAIT, MONITOR, 0), F(CLAC, SMAP, 0), \
            F(STAC, SMAP, 0), U, U, U, F(ENCLS, SGX, 0))), \
    MOD(N(LGDT, 0, Ms), \
        RM8(F(XGETBV, XSAVE, 0), F(XSETBV, XSAVE, 0), U, U, \
            F(VMFUNC, VMX, 0), F(XEND, RTM, 0), F(XTEST, RTM, 0), \
            F(ENCLU, SGX, 0))), \
    MOD(N(LIDT, 0, Ms), \
        RM8(F(VMRUN, SVM, 0, rAXa), F(VMMCALL, SVM, 0), \
            F(VMLOAD, SVM, 0, rAXa), F(VMSAVE, SVM, 0, rAXa), \
            F(STGI, SVM, 0), F(CLGI, SVM, 0), F(SKINIT, SVM, 0, EAX), \
            F(INVLPGA, SVM, 0, rAXa, ECX))), \
    N(SMSW, 0, Evw), \
    MOD(U, RM8(U, U, U, U, U, U, F(RDPKRU, PKU, 0), F(WRPKRU, PKU, 0))), \
    N(LMSW, 0, Ew), \
    MOD(N(INVLPG, 0, Mb), \
        RM8(N(SWAPGS, O64), F(RDTSCP, RDTSCP, 0), U, U, U, U, U, U)))

/* group 9 (0F C7) */
#define GRP9_MEM \
    REG8(U, REXW(F(CMPXCHG8B, CX8, LK, Mq), F(CMPXCHG16B, CX16, LK, Mdq)), \
         U, PFX(F(XRSTORS, XSAVES, 0, Mxs), U, U, U), \
         PFX(F(XSAVEC, XSAVEC, 0, Mxs), U, U, U), \
         PFX(F(XSAVES, XSAVES, 0, Mxs), U, U, U), \
         PFX(F(VMPTRLD, VMX, 0, Mq), F(VMCLEAR, VMX, 0, Mq), \
             F(VMXON, VMX, 0, Mq), U), \
         PFX(F(VMPTRST, VMX, 0, Mq), U, U, U))
#define GRP9_REG \
    REG8(U, U, U, U, U, U, \
         PFX(F(RDRAND, RDRAND, 0, Rv), F(RDRAND, RDRAND, 0, Rv), U, U), \
         PFX(F(RDSEED, RDSEED, 0, Rv), F(RDSEED, RDSEED, 0, Rv), \
             F(RDPID, RDPID, D64, Ry), U))

/* group 15 (0F AE) */
#define GRP15_MEM \
    REG8(PFX(F(FXSAVE, FXSR, 0, M512), U, U, U), \
         PFX(F(FXRSTOR, FXSR, 0, M512), U, U, U), \
         PFX(F(LDMXCSR, SSE, 0, Md), U, U, U), \
         PFX(F(STMXCSR, SSE, 0, Md), U, U, U), \
         PFX(F(XSAVE, XSAVE, 0, Mxs), U, U, U), \
         PFX(F(XRSTOR, XSAVE, 0, Mxs), U, U, U), \
         PFX(F(XSAVEOPT, XSAVEOPT, 0, Mxs), F(CLWB, CLWB, 0, Mb), U, U), \
         PFX(F(CLFLUSH, CLFLUSH, 0, Mb), F(CLFLUSHOPT, CLFLUSHOPT, 0, Mb), \
             U, U))
#define GRP15_REG \
    REG8(PFX(U, U, F(RDFSBASE, FSGSBASE, O64, Ry), U), \
         PFX(U, U, F(RDGSBASE, FSGSBASE, O64, Ry), U), \
         PFX(U, U, F(WRFSBASE, FSGSBASE, O64, Ry), U), \
         PFX(U, U, F(WRGSBASE, FSGSBASE, O64, Ry), U), \
         U, PFX(F(LFENCE, SSE2, 0), U, U, U), \
         PFX(F(MFENCE, SSE2, 0), U, U, U), PFX(F(SFENCE, SSE, 0), U, U, U))

/* groups 12..14: MMX / SSE2 shifts by immediate */
#define SHIFTI(m) PFX(F(m, MMX, 0, Nq, Ib), F(m, SSE2, 0, Ux, Ib), U, U)
#define GRP12 MOD(U, REG8(U, U, SHIFTI(PSRLW), U, SHIFTI(PSRAW), U, \
                          SHIFTI(PSLLW), U))
#define GRP13 MOD(U, REG8(U, U, SHIFTI(PSRLD), U, SHIFTI(PSRAD), U, \
                          SHIFTI(PSLLD), U))
#define GRP14 MOD(U, REG8(U, U, SHIFTI(PSRLQ), P66(PSRLDQ, SSE2, Ux, Ib), \
                          U, U, SHIFTI(PSLLQ), P66(PSLLDQ, SSE2, Ux, Ib)))

/* group 16 (0F 18): prefetch hints; the other encodings are hint NOPs */
#define GRP16 MOD(REG8(F(PREFETCHNTA, SSE, 0, Mb), F(PREFETCHT0, SSE, 0, Mb), \
                       F(PREFETCHT1, SSE, 0, Mb), F(PREFETCHT2, SSE, 0, Mb), \
                       N(NOP, 0, Ev, Gv), N(NOP, 0, Ev, Gv), \
                       N(NOP, 0, Ev, Gv), N(NOP, 0, Ev, Gv)), \
                  N(NOP, 0, Ev, Gv))

const X86OpEntry x86_map_0f[256] = {
    [0x00] = GRP6,
    [0x01] = GRP7,
    [0x02] = N(LAR, 0, Gv, Ezw), [0x03] = N(LSL, 0, Gv, Ezw),
    [0x05] = F(SYSCALL, SYSCALL, O64 | BR), [0x06] = N(CLTS, 0),
    [0x07] = F(SYSRET, SYSCALL, O64 | BR), [0x08] = N(INVD, 0),
    [0x09] = N(WBINVD, 0), [0x0b] = N(UD2, 0),
    [0x0d] = MOD(REG8(F(PREFETCH, PREFETCHW, 0, Mb),
                      F(PREFETCHW, PREFETCHW, 0, Mb),
                      F(PREFETCHWT1, PREFETCHW, 0, Mb), U, U, U, U, U), U),
    [0x10] = PFX(F(MOVUPS, SSE, 0, Vx, Wx), F(MOVUPD, SSE2, 0, Vx, Wx),
                 F(MOVSS, SSE, 0, Vx, Wss), F(MOVSD, SSE2, 0, Vx, Wsd)),
    [0x11] = PFX(F(MOVUPS, SSE, 0, Wx, Vx), F(MOVUPD, SSE2, 0, Wx, Vx),
                 F(MOVSS, SSE, 0, Wss, Vx), F(MOVSD, SSE2, 0, Wsd, Vx)),
    [0x12] = PFX(MOD(F(MOVLPS, SSE, 0, Vx, Mq), F(MOVHLPS, SSE, 0, Vx, Ux)),
                 F(MOVLPD, SSE2, 0, Vx, Mq), F(MOVSLDUP, SSE3, 0, Vx, Wx),
                 F(MOVDDUP, SSE3, 0, Vx, Wsd)),
    [0x13] = PFX(F(MOVLPS, SSE, 0, Mq, Vx), F(MOVLPD, SSE2, 0, Mq, Vx), U, U),
    [0x14] = PSD2(UNPCKL), [0x15] = PSD2(UNPCKH),
    [0x16] = PFX(MOD(F(MOVHPS, SSE, 0, Vx, Mq), F(MOVLHPS, SSE, 0, Vx, Ux)),
                 F(MOVHPD, SSE2, 0, Vx, Mq), F(MOVSHDUP, SSE3, 0, Vx, Wx), U),
    [0x17] = PFX(F(MOVHPS, SSE, 0, Mq, Vx), F(MOVHPD, SSE2, 0, Mq, Vx), U, U),
    [0x18] = GRP16,
    [0x19 ... 0x1f] = N(NOP, 0, Ev, Gv),
    /* MOV to/from CR and DR: mod is ignored, 64-bit operands in 64-bit */
    [0x20] = N(MOV, MODREG | F64, Ry, Cy),
    [0x21] = N(MOV, MODREG | F64, Ry, Dy),
    [0x22] = N(MOV, MODREG | F64, Cy, Ry),
    [0x23] = N(MOV, MODREG | F64, Dy, Ry),
    [0x28] = PFX(F(MOVAPS, SSE, 0, Vx, Wx), F(MOVAPD, SSE2, 0, Vx, Wx), U, U),
    [0x29] = PFX(F(MOVAPS, SSE, 0, Wx, Vx), F(MOVAPD, SSE2, 0, Wx, Vx), U, U),
    [0x2a] = PFX(F(CVTPI2PS, SSE, 0, Vx, Qq), F(CVTPI2PD, SSE2, 0, Vx, Qq),
                 F(CVTSI2SS, SSE, 0, Vx, Ey), F(CVTSI2SD, SSE2, 0, Vx, Ey)),
    [0x2b] = PFX(F(MOVNTPS, SSE, 0, Mdq, Vx), F(MOVNTPD, SSE2, 0, Mdq, Vx),
                 U, U),
    [0x2c] = PFX(F(CVTTPS2PI, SSE, 0, Pq, Wq), F(CVTTPD2PI, SSE2, 0, Pq, Wx),
                 F(CVTTSS2SI, SSE, 0, Gy, Wss), F(CVTTSD2SI, SSE2, 0, Gy, Wsd)),
    [0x2d] = PFX(F(CVTPS2PI, SSE, 0, Pq, Wq), F(CVTPD2PI, SSE2, 0, Pq, Wx),
                 F(CVTSS2SI, SSE, 0, Gy, Wss), F(CVTSD2SI, SSE2, 0, Gy, Wsd)),
    [0x2e] = PFX(F(UCOMISS, SSE, 0, Vx, Wss), F(UCOMISD, SSE2, 0, Vx, Wsd),
                 U, U),
    [0x2f] = PFX(F(COMISS, SSE, 0, Vx, Wss), F(COMISD, SSE2, 0, Vx, Wsd), U, U),
    [0x30] = F(WRMSR, MSR, 0), [0x31] = F(RDTSC, TSC, 0),
    [0x32] = F(RDMSR, MSR, 0), [0x33] = N(RDPMC, 0),
    [0x34] = F(SYSENTER, SEP, BR), [0x35] = F(SYSEXIT, SEP, BR),
    [0x37] = F(GETSEC, SMX, 0),
    [0x40 ... 0x4f] = F(CMOVCC, CMOV, 0, Gv, Ev),
    [0x50] = PFX(F(MOVMSKPS, SSE, 0, Gd, Ux), F(MOVMSKPD, SSE2, 0, Gd, Ux),
                 U, U),
    [0x51] = PSD4(SQRT),
    [0x52] = PFX(F(RSQRTPS, SSE, 0, Vx, Wx), U, F(RSQRTSS, SSE, 0, Vx, Wss), U),
    [0x53] = PFX(F(RCPPS, SSE, 0, Vx, Wx), U, F(RCPSS, SSE, 0, Vx, Wss), U),
    [0x54] = PSD2(AND), [0x55] = PSD2(ANDN), [0x56] = PSD2(OR),
    [0x57] = PSD2(XOR),
    [0x58] = PSD4(ADD), [0x59] = PSD4(MUL),
    [0x5a] = PFX(F(CVTPS2PD, SSE2, 0, Vx, Wq), F(CVTPD2PS, SSE2, 0, Vx, Wx),
                 F(CVTSS2SD, SSE2, 0, Vx, Wss), F(CVTSD2SS, SSE2, 0, Vx, Wsd)),
    [0x5b] = PFX(F(CVTDQ2PS, SSE2, 0, Vx, Wx), F(CVTPS2DQ, SSE2, 0, Vx, Wx),
                 F(CVTTPS2DQ, SSE2, 0, Vx, Wx), U),
    [0x5c] = PSD4(SUB), [0x5d] = PSD4(MIN), [0x5e] = PSD4(DIV),
    [0x5f] = PSD4(MAX),
    [0x60] = MX(PUNPCKLBW), [0x61] = MX(PUNPCKLWD), [0x62] = MX(PUNPCKLDQ),
    [0x63] = MX(PACKSSWB), [0x64] = MX(PCMPGTB), [0x65] = MX(PCMPGTW),
    [0x66] = MX(PCMPGTD), [0x67] = MX(PACKUSWB), [0x68] = MX(PUNPCKHBW),
    [0x69] = MX(PUNPCKHWD), [0x6a] = MX(PUNPCKHDQ), [0x6b] = MX(PACKSSDW),
    [0x6c] = P66(PUNPCKLQDQ, SSE2, Vx, Wx),
    [0x6d] = P66(PUNPCKHQDQ, SSE2, Vx, Wx),
    [0x6e] = PFX(F(MOVD, MMX, 0, Pq, Ey), F(MOVD, SSE2, 0, Vx, Ey), U, U),
    [0x6f] = PFX(F(MOVQ, MMX, 0, Pq, Qq), F(MOVDQA, SSE2, 0, Vx, Wx),
                 F(MOVDQU, SSE2, 0, Vx, Wx), U),
    [0x70] = PFX(F(PSHUFW, SSE, 0, Pq, Qq, Ib), F(PSHUFD, SSE2, 0, Vx, Wx, Ib),
                 F(PSHUFHW, SSE2, 0, Vx, Wx, Ib),
                 F(PSHUFLW, SSE2, 0, Vx, Wx, Ib)),
    [0x71] = GRP12, [0x72] = GRP13, [0x73] = GRP14,
    [0x74] = MX(PCMPEQB), [0x75] = MX(PCMPEQW), [0x76] = MX(PCMPEQD),
    [0x77] = PFX(F(EMMS, MMX, 0), U, U, U),
    [0x78] = PFX(F(VMREAD, VMX, F64, Ey, Gy), U, U, U),
    [0x79] = PFX(F(VMWRITE, VMX, F64, Gy, Ey), U, U, U),
    [0x7c] = PFX(U, F(HADDPD, SSE3, 0, Vx, Wx), U, F(HADDPS, SSE3, 0, Vx, Wx)),
    [0x7d] = PFX(U, F(HSUBPD, SSE3, 0, Vx, Wx), U, F(HSUBPS, SSE3, 0, Vx, Wx)),
    [0x7e] = PFX(F(MOVD, MMX, 0, Ey, Pq), F(MOVD, SSE2, 0, Ey, Vx),
                 F(MOVQ, SSE2, 0, Vx, Wq), U),
    [0x7f] = PFX(F(MOVQ, MMX, 0, Qq, Pq), F(MOVDQA, SSE2, 0, Wx, Vx),
                 F(MOVDQU, SSE2, 0, Wx, Vx), U),
    [0x80 ... 0x8f] = N(JCC, F64 | BR, Jz),
    [0x90 ... 0x9f] = N(SETCC, 0, Eb),
    [0xa0] = N(PUSH, D64, sFS), [0xa1] = N(POP, D64, sFS),
    [0xa2] = N(CPUID, 0), [0xa3] = N(BT, 0, Ev, Gv),
    [0xa4] = N(SHLD, 0, Ev, Gv, Ib), [0xa5] = N(SHLD, 0, Ev, Gv, CL),
    [0xa8] = N(PUSH, D64, sGS), [0xa9] = N(POP, D64, sGS),
    [0xaa] = N(RSM, 0), [0xab] = N(BTS, LK, Ev, Gv),
    [0xac] = N(SHRD, 0, Ev, Gv, Ib), [0xad] = N(SHRD, 0, Ev, Gv, CL),
    [0xae] = MOD(GRP15_MEM, GRP15_REG),
    [0xaf] = N(IMUL, 0, Gv, Ev),
    [0xb0] = N(CMPXCHG, LK, Eb, Gb), [0xb1] = N(CMPXCHG, LK, Ev, Gv),
    [0xb2] = N(LSS, 0, Gv, Mp), [0xb3] = N(BTR, LK, Ev, Gv),
    [0xb4] = N(LFS, 0, Gv, Mp), [0xb5] = N(LGS, 0, Gv, Mp),
    [0xb6] = N(MOVZX, 0, Gv, Eb), [0xb7] = N(MOVZX, 0, Gv, Ew),
    [0xb8] = PFX(U, U, F(POPCNT, POPCNT, 0, Gv, Ev), U),
    [0xb9] = N(UD1, 0, Gv, Ev),
    [0xba] = REG8(U, U, U, U, N(BT, 0, Ev, Ib), N(BTS, LK, Ev, Ib),
                  N(BTR, LK, Ev, Ib), N(BTC, LK, Ev, Ib)),
    [0xbb] = N(BTC, LK, Ev, Gv),
    [0xbc] = PFX(N(BSF, 0, Gv, Ev), N(BSF, 0, Gv, Ev),
                 F(TZCNT, BMI1, 0, Gv, Ev), N(BSF, 0, Gv, Ev)),
    [0xbd] = PFX(N(BSR, 0, Gv, Ev), N(BSR, 0, Gv, Ev),
                 F(LZCNT, LZCNT, 0, Gv, Ev), N(BSR, 0, Gv, Ev)),
    [0xbe] = N(MOVSX, 0, Gv, Eb), [0xbf] = N(MOVSX, 0, Gv, Ew),
    [0xc0] = N(XADD, LK, Eb, Gb), [0xc1] = N(XADD, LK, Ev, Gv),
    [0xc2] = PFX(F(CMPPS, SSE, 0, Vx, Wx, Ib), F(CMPPD, SSE2, 0, Vx, Wx, Ib),
                 F(CMPSS, SSE, 0, Vx, Wss, Ib), F(CMPSD, SSE2, 0, Vx, Wsd, Ib)),
    [0xc3] = PFX(F(MOVNTI, SSE2, 0, My, Gy), U, U, U),
    [0xc4] = PFX(F(PINSRW, SSE, 0, Pq, Edw, Ib),
                 F(PINSRW, SSE2, 0, Vx, Edw, Ib), U, U),
    [0xc5] = PFX(F(PEXTRW, SSE, 0, Gd, Nq, Ib),
                 F(PEXTRW, SSE2, 0, Gd, Ux, Ib), U, U),
    [0xc6] = PFX(F(SHUFPS, SSE, 0, Vx, Wx, Ib), F(SHUFPD, SSE2, 0, Vx, Wx, Ib),
                 U, U),
    [0xc7] = MOD(GRP9_MEM, GRP9_REG),
    [0xc8 ... 0xcf] = N(BSWAP, 0, Zv),
    [0xd0] = PFX(U, F(ADDSUBPD, SSE3, 0, Vx, Wx), U,
                 F(ADDSUBPS, SSE3, 0, Vx, Wx)),
    [0xd1] = MX(PSRLW), [0xd2] = MX(PSRLD), [0xd3] = MX(PSRLQ),
    [0xd4] = MX(PADDQ), [0xd5] = MX(PMULLW),
    [0xd6] = PFX(U, F(MOVQ, SSE2, 0, Wq, Vx), F(MOVQ2DQ, SSE2, 0, Vx, Nq),
                 F(MOVDQ2Q, SSE2, 0, Pq, Ux)),
    [0xd7] = PFX(F(PMOVMSKB, SSE, 0, Gd, Nq), F(PMOVMSKB, SSE2, 0, Gd, Ux),
                 U, U),
    [0xd8] = MX(PSUBUSB), [0xd9] = MX(PSUBUSW), [0xda] = MX(PMINUB),
    [0xdb] = MX(PAND), [0xdc] = MX(PADDUSB), [0xdd] = MX(PADDUSW),
    [0xde] = MX(PMAXUB), [0xdf] = MX(PANDN),
    [0xe0] = MX(PAVGB), [0xe1] = MX(PSRAW), [0xe2] = MX(PSRAD),
    [0xe3] = MX(PAVGW), [0xe4] = MX(PMULHUW), [0xe5] = MX(PMULHW),
    [0xe6] = PFX(U, F(CVTTPD2DQ, SSE2, 0, Vx, Wx),
                 F(CVTDQ2PD, SSE2, 0, Vx, Wq), F(CVTPD2DQ, SSE2, 0, Vx, Wx)),
    [0xe7] = PFX(F(MOVNTQ, SSE, 0, Mq, Pq), F(MOVNTDQ, SSE2, 0, Mdq, Vx),
                 U, U),
    [0xe8] = MX(PSUBSB), [0xe9] = MX(PSUBSW), [0xea] = MX(PMINSW),
    [0xeb] = MX(POR), [0xec] = MX(PADDSB), [0xed] = MX(PADDSW),
    [0xee] = MX(PMAXSW), [0xef] = MX(PXOR),
    [0xf0] = PFX(U, U, U, F(LDDQU, SSE3, 0, Vx, Mdq)),
    [0xf1] = MX(PSLLW), [0xf2] = MX(PSLLD), [0xf3] = MX(PSLLQ),
    [0xf4] = MX(PMULUDQ), [0xf5] = MX(PMADDWD), [0xf6] = MX(PSADBW),
    [0xf7] = PFX(F(MASKMOVQ, SSE, 0, Pq, Nq),
                 F(MASKMOVDQU, SSE2, 0, Vx, Ux), U, U),
    [0xf8] = MX(PSUBB), [0xf9] = MX(PSUBW), [0xfa] = MX(PSUBD),
    [0xfb] = MX(PSUBQ), [0xfc] = MX(PADDB), [0xfd] = MX(PADDW),
    [0xfe] = MX(PADDD), [0xff] = N(UD0, 0, Gv, Ev),
};

/* ---- three-byte map 0F 38 (SDM Table A-4) ---- */

#define S41(m, ...) P66(m, SSE41, __VA_ARGS__)

const X86OpEntry x86_map_0f38[256] = {
    [0x00] = MX3(PSHUFB), [0x01] = MX3(PHADDW), [0x02] = MX3(PHADDD),
    [0x03] = MX3(PHADDSW), [0x04] = MX3(PMADDUBSW), [0x05] = MX3(PHSUBW),
    [0x06] = MX3(PHSUBD), [0x07] = MX3(PHSUBSW), [0x08] = MX3(PSIGNB),
    [0x09] = MX3(PSIGNW), [0x0a] = MX3(PSIGND), [0x0b] = MX3(PMULHRSW),
    [0x10] = S41(PBLENDVB, Vx, Wx, XMM0),
    [0x14] = S41(BLENDVPS, Vx, Wx, XMM0), [0x15] = S41(BLENDVPD, Vx, Wx, XMM0),
    [0x17] = S41(PTEST, Vx, Wx),
    [0x1c] = MX3(PABSB), [0x1d] = MX3(PABSW), [0x1e] = MX3(PABSD),
    [0x20] = S41(PMOVSXBW, Vx, Wq), [0x21] = S41(PMOVSXBD, Vx, Wd),
    [0x22] = S41(PMOVSXBQ, Vx, Ww), [0x23] = S41(PMOVSXWD, Vx, Wq),
    [0x24] = S41(PMOVSXWQ, Vx, Wd), [0x25] = S41(PMOVSXDQ, Vx, Wq),
    [0x28] = S41(PMULDQ, Vx, Wx), [0x29] = S41(PCMPEQQ, Vx, Wx),
    [0x2a] = S41(MOVNTDQA, Vx, Mdq), [0x2b] = S41(PACKUSDW, Vx, Wx),
    [0x30] = S41(PMOVZXBW, Vx, Wq), [0x31] = S41(PMOVZXBD, Vx, Wd),
    [0x32] = S41(PMOVZXBQ, Vx, Ww), [0x33] = S41(PMOVZXWD, Vx, Wq),
    [0x34] = S41(PMOVZXWQ, Vx, Wd), [0x35] = S41(PMOVZXDQ, Vx, Wq),
    [0x37] = P66(PCMPGTQ, SSE42, Vx, Wx),
    [0x38] = S41(PMINSB, Vx, Wx), [0x39] = S41(PMINSD, Vx, Wx),
    [0x3a] = S41(PMINUW, Vx, Wx), [0x3b] = S41(PMINUD, Vx, Wx),
    [0x3c] = S41(PMAXSB, Vx, Wx), [0x3d] = S41(PMAXSD, Vx, Wx),
    [0x3e] = S41(PMAXUW, Vx, Wx), [0x3f] = S41(PMAXUD, Vx, Wx),
    [0x40] = S41(PMULLD, Vx, Wx), [0x41] = S41(PHMINPOSUW, Vx, Wx),
    [0x80] = PFX(U, F(INVEPT, VMX, F64, Gy, Mdq), U, U),
    [0x81] = PFX(U, F(INVVPID, VMX, F64, Gy, Mdq), U, U),
    [0x82] = PFX(U, F(INVPCID, INVPCID, F64, Gy, Mdq), U, U),
    [0xc8] = PFX(F(SHA1NEXTE, SHA, 0, Vx, Wx), U, U, U),
    [0xc9] = PFX(F(SHA1MSG1, SHA, 0, Vx, Wx), U, U, U),
    [0xca] = PFX(F(SHA1MSG2, SHA, 0, Vx, Wx), U, U, U),
    [0xcb] = PFX(F(SHA256RNDS2, SHA, 0, Vx, Wx, XMM0), U, U, U),
    [0xcc] = PFX(F(SHA256MSG1, SHA, 0, Vx, Wx), U, U, U),
    [0xcd] = PFX(F(SHA256MSG2, SHA, 0, Vx, Wx), U, U, U),
    [0xdb] = P66(AESIMC, AES, Vx, Wx), [0xdc] = P66(AESENC, AES, Vx, Wx),
    [0xdd] = P66(AESENCLAST, AES, Vx, Wx), [0xde] = P66(AESDEC, AES, Vx, Wx),
    [0xdf] = P66(AESDECLAST, AES, Vx, Wx),
    [0xf0] = PFX(F(MOVBE, MOVBE, 0, Gv, Mv), F(MOVBE, MOVBE, 0, Gv, Mv), U,
                 F(CRC32, SSE42, 0, Gy, Eb)),
    [0xf1] = PFX(F(MOVBE, MOVBE, 0, Mv, Gv), F(MOVBE, MOVBE, 0, Mv, Gv), U,
                 F(CRC32, SSE42, 0, Gy, Ev)),
    [0xf6] = PFX(U, F(ADCX, ADX, 0, Gy, Ey), F(ADOX, ADX, 0, Gy, Ey), U),
};

/* ---- three-byte map 0F 3A (SDM Table A-5) ---- */

const X86OpEntry x86_map_0f3a[256] = {
    [0x08] = S41(ROUNDPS, Vx, Wx, Ib), [0x09] = S41(ROUNDPD, Vx, Wx, Ib),
    [0x0a] = S41(ROUNDSS, Vx, Wss, Ib), [0x0b] = S41(ROUNDSD, Vx, Wsd, Ib),
    [0x0c] = S41(BLENDPS, Vx, Wx, Ib), [0x0d] = S41(BLENDPD, Vx, Wx, Ib),
    [0x0e] = S41(PBLENDW, Vx, Wx, Ib),
    [0x0f] = PFX(F(PALIGNR, SSSE3, 0, Pq, Qq, Ib),
                 F(PALIGNR, SSSE3, 0, Vx, Wx, Ib), U, U),
    [0x14] = S41(PEXTRB, Edb, Vx, Ib), [0x15] = S41(PEXTRW, Edw, Vx, Ib),
    [0x16] = S41(PEXTRD, Ey, Vx, Ib), [0x17] = S41(EXTRACTPS, Ed, Vx, Ib),
    [0x20] = S41(PINSRB, Vx, Edb, Ib), [0x21] = S41(INSERTPS, Vx, Wd, Ib),
    [0x22] = S41(PINSRD, Vx, Ey, Ib),
    [0x40] = S41(DPPS, Vx, Wx, Ib), [0x41] = S41(DPPD, Vx, Wx, Ib),
    [0x42] = S41(MPSADBW, Vx, Wx, Ib),
    [0x44] = P66(PCLMULQDQ, PCLMULQDQ, Vx, Wx, Ib),
    [0x60] = P66(PCMPESTRM, SSE42, Vx, Wx, Ib),
    [0x61] = P66(PCMPESTRI, SSE42, Vx, Wx, Ib),
    [0x62] = P66(PCMPISTRM, SSE42, Vx, Wx, Ib),
    [0x63] = P66(PCMPISTRI, SSE42, Vx, Wx, Ib),
    [0xcc] = PFX(F(SHA1RNDS4, SHA, 0, Vx, Wx, Ib), U, U, U),
    [0xdf] = P66(AESKEYGENASSIST, AES, Vx, Wx, Ib),
};
