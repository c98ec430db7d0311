/*
 * Unit tests for the x86 decoder (cpu/x86/decode.c), held against
 * capstone 4.0.2:
 *  - a sweep of every opcode of every map (one-byte, 0F, 0F38, 0F3A, x87
 *    escapes) with every ModRM byte and a set of prefix combinations, in
 *    16, 32 and 64-bit mode: length, #UD, and the register, memory and
 *    immediate operands capstone reports must agree;
 *  - KITE_DECODE_RANDOM (default 1,000,000) random byte strings per mode
 *    with a fixed seed: where capstone decodes something that is not
 *    VEX/EVEX/XOP/3DNow!, our length must match and we must not say #UD;
 *  - malformed input: truncation, long prefix runs, every byte value with
 *    every available length 0..15.
 *
 * Where capstone 4.0.2 disagrees with the Intel SDM the case is listed in
 * cs_quirk() / cs_operand_quirk() with the SDM's reason; nothing else is
 * excused. Each run prints how many strings were compared, skipped (per
 * category) and excused (per quirk).
 *
 * Environment: KITE_DECODE_RANDOM=N sets the random count per mode (the
 * default 1,000,000 takes about a second per mode); KITE_DECODE_VERBOSE=1
 * prints every mismatch and the table entries capstone never confirmed;
 * KITE_DECODE_OURS_ONLY=1 lists strings we decode and capstone rejects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/decode.h"
#include "cpu/x86/disas.h"

#define MAX_REPORTS 40

typedef struct Stats {
    uint64_t total;         /* strings tried */
    uint64_t compared;      /* capstone decoded, compared with us */
    uint64_t both_reject;   /* capstone rejects, we say #UD */
    uint64_t ours_only;     /* we decode, capstone rejects */
    uint64_t skip_vex;      /* VEX / EVEX / XOP */
    uint64_t skip_3dnow;
    uint64_t skip_more;     /* our decode needs more than the buffer */
    uint64_t quirk[32];     /* known capstone disagreements, by cs_quirk id */
    uint64_t operands;      /* operand comparisons done */
    uint64_t failures;
} Stats;

#define SEEN_SLOTS 8192     /* hash set of table leaves, > 4x the count */

typedef struct Ctx {
    const X86OpEntry *seen[SEEN_SLOTS]; /* leaves confirmed by capstone */
    csh cs[3];
    cs_insn *ci[3];
    Stats st;
    int reports;
} Ctx;

static int mode_index(int mode)
{
    return mode == 16 ? 0 : mode == 32 ? 1 : 2;
}

/* ---- known capstone 4.0.2 disagreements with the SDM ---- */

enum {
    Q_NONE,
    Q_MANDATORY_PREFIX,
    Q_UD1_NO_MODRM,
    Q_O64_LEGACY,
    Q_RESERVED_CR_DR,
    Q_UD0_NO_MODRM,
    Q_MOVSXD_R32,
    Q_MOV_CS,
    Q_BRANCH_66_64,
    Q_REL_TARGET_16,
    Q_LOCK,
    Q_66_WITH_REP,
    Q_X87_ALIAS,
    Q_SEG_64,
    Q_16BIT_MANDATORY,
    Q_VIA_PADLOCK,
    Q_RDPID,
    Q_F3_MOVQ_REXW,
    Q_XCHG_66_64,
    Q_66_REXW_IMM,
    Q_LSL_REXW,
    Q_67_REXW_64,
    Q_SVM_67,
    Q_COUNT
};

static const char *const quirk_names[Q_COUNT] = {
    [Q_NONE] = "none",
    [Q_MANDATORY_PREFIX] = "ignored-mandatory-prefix",
    [Q_UD1_NO_MODRM] = "ud1-without-modrm",
    [Q_O64_LEGACY] = "o64-outside-64bit",
    [Q_RESERVED_CR_DR] = "reserved-cr-dr",
    [Q_UD0_NO_MODRM] = "ud0-without-modrm",
    [Q_MOVSXD_R32] = "movsxd-without-rex.w",
    [Q_MOV_CS] = "mov-cs",
    [Q_BRANCH_66_64] = "66-near-branch-64bit",
    [Q_REL_TARGET_16] = "rel32-target-16bit",
    [Q_LOCK] = "lock-not-allowed",
    [Q_66_WITH_REP] = "66-with-f2/f3",
    [Q_X87_ALIAS] = "x87-reserved-alias",
    [Q_SEG_64] = "es/cs/ss/ds-override-64bit",
    [Q_16BIT_MANDATORY] = "16bit-mandatory-prefix",
    [Q_VIA_PADLOCK] = "via-padlock-0f-a6/a7",
    [Q_RDPID] = "rdpid-as-rdseed",
    [Q_F3_MOVQ_REXW] = "f3-rex.w-0f-7e",
    [Q_XCHG_66_64] = "66-xchg-rax-64bit",
    [Q_66_REXW_IMM] = "66+rex.w-imm32",
    [Q_LSL_REXW] = "lsl-rex.w-source",
    [Q_67_REXW_64] = "67+rex.w-64bit",
    [Q_SVM_67] = "svm-rax-with-67",
};

/*
 * Returns a Q_* id when a disagreement between us and capstone is a known
 * capstone 4.0.2 deviation from the SDM, else Q_NONE.
 * rc is our result; cs_len is capstone's length (0: rejected).
 */
static int cs_quirk(int mode, const uint8_t *b, const X86Insn *in, int rc,
                    const cs_insn *ci, size_t cs_len)
{
    unsigned op = in->opcode;

    if (rc == X86_DECODE_UD && cs_len) {
        switch (in->ud_reason) {
        case X86_UD_MOD:
        case X86_UD_PREFIX:
            if (in->ud_reason == X86_UD_MOD && !in->mand_pfx) {
                break;      /* only a prefixed form that needs memory */
            }
            /*
             * SDM Vol. 2 2.1.1 and Table A-3: 66/F3/F2 select the SSE form;
             * a combination with no form in the map is reserved (QEMU
             * raises #UD too). Capstone drops the prefix and decodes the
             * no-prefix form.
             */
            return Q_MANDATORY_PREFIX;
        case X86_UD_OPCODE:
            /*
             * Table A-3: 0F A6 and 0F A7 are blank (VIA PadLock
             * extensions, not Intel).
             */
            if (in->map == X86_MAP_0F && (op == 0xa6 || op == 0xa7)) {
                return Q_VIA_PADLOCK;
            }
            /*
             * A.4.2: the x87 register forms left blank (D9 D8-DF,
             * DC D0-DF, DD C8-CF, DE D0-D7, DF C0-DF) are reserved;
             * capstone decodes the undocumented FSTP/FCOM/FXCH aliases.
             */
            if (in->map == X86_MAP_1B && op >= 0xd8 && op <= 0xdf &&
                in->mod == 3) {
                return Q_X87_ALIAS;
            }
            break;
        case X86_UD_MODE:
            /*
             * Tables: SYSCALL, SYSRET and SWAPGS are o64
             * (#UD outside 64-bit mode).
             */
            if (in->map == X86_MAP_0F && (op == 0x05 || op == 0x07 ||
                                          (op == 0x01 && in->modrm == 0xf8))) {
                return Q_O64_LEGACY;
            }
            break;
        case X86_UD_LOCK:
            /*
             * LOCK page: #UD unless the instruction is one of the listed
             * read-modify-write forms with a memory destination. Capstone
             * does not check.
             */
            return Q_LOCK;
        case X86_UD_REG:
            /* MOV Sreg: #UD if an attempt is made to load CS */
            if (in->map == X86_MAP_1B && op == 0x8e) {
                return Q_MOV_CS;
            }
            /* MOV CR/DR: #UD for CR1, CR5-7, CR9-15 and DR8-15 */
            if (in->map == X86_MAP_0F && op >= 0x20 && op <= 0x23) {
                return Q_RESERVED_CR_DR;
            }
            break;
        default:
            break;
        }
    }
    /*
     * The current SDM (UD1 page, Table A-3) gives UD1 (0F B9) a ModRM
     * byte: UD1 r32, r/m32. Capstone decodes a 2-byte "ud2b".
     */
    if (rc > 0 && in->map == X86_MAP_0F && op == 0xb9 &&
        !strcmp(ci->mnemonic, "ud2b")) {
        return Q_UD1_NO_MODRM;
    }
    /*
     * Same for UD0 (0F FF): the SDM gives it a ModRM byte (UD0 r32, r/m32)
     * and notes that some older processors decode it without one.
     */
    if (rc > 0 && in->map == X86_MAP_0F && op == 0xff &&
        !strcmp(ci->mnemonic, "ud0")) {
        return Q_UD0_NO_MODRM;
    }
    /*
     * A.2.5 / Jcc, JMP, CALL, LOOP pages: in 64-bit mode near branches are
     * f64, the operand size is 64 and a 66 prefix does not shorten the
     * displacement (Intel). Capstone follows AMD and reads rel16.
     */
    /*
     * 2.1.1: 66 selects a 16-bit operand size whatever F2/F3 (REP, or BND
     * on branches) also appear. Capstone drops the 66 (or only its effect
     * on the register name) when F2 or F3 is present as well.
     */
    if (rc > 0 && (in->prefixes & X86_P_OPSIZE) && !in->mand_pfx &&
        (in->prefixes & (X86_P_REP | X86_P_REPNE))) {
        return Q_66_WITH_REP;
    }
    /*
     * 2.2.1.2/2.2.1.3: 67 changes only the address size; with REX.W in
     * 64-bit mode capstone also shrinks the operand size of some forms
     * (near branches, RET imm16, IN/OUT, PUSH imm).
     */
    if (mode == 64 && (in->prefixes & X86_P_ADSIZE) && (in->rex & 8) &&
        in->map == X86_MAP_1B && rc > 0) {
        return Q_67_REXW_64;
    }
    if (rc > 0 && mode == 64 && (in->flags & X86_F_F64) &&
        (in->flags & X86_F_BRANCH) && (in->prefixes & X86_P_OPSIZE)) {
        return Q_BRANCH_66_64;
    }
    return Q_NONE;
}

/* ---- register mapping to capstone ---- */

static x86_reg cs_gpr(unsigned size, unsigned r)
{
    static const x86_reg r8[16] = {
        X86_REG_AL, X86_REG_CL, X86_REG_DL, X86_REG_BL, X86_REG_SPL,
        X86_REG_BPL, X86_REG_SIL, X86_REG_DIL, X86_REG_R8B, X86_REG_R9B,
        X86_REG_R10B, X86_REG_R11B, X86_REG_R12B, X86_REG_R13B, X86_REG_R14B,
        X86_REG_R15B };
    static const x86_reg r16[16] = {
        X86_REG_AX, X86_REG_CX, X86_REG_DX, X86_REG_BX, X86_REG_SP,
        X86_REG_BP, X86_REG_SI, X86_REG_DI, X86_REG_R8W, X86_REG_R9W,
        X86_REG_R10W, X86_REG_R11W, X86_REG_R12W, X86_REG_R13W, X86_REG_R14W,
        X86_REG_R15W };
    static const x86_reg r32[16] = {
        X86_REG_EAX, X86_REG_ECX, X86_REG_EDX, X86_REG_EBX, X86_REG_ESP,
        X86_REG_EBP, X86_REG_ESI, X86_REG_EDI, X86_REG_R8D, X86_REG_R9D,
        X86_REG_R10D, X86_REG_R11D, X86_REG_R12D, X86_REG_R13D, X86_REG_R14D,
        X86_REG_R15D };
    static const x86_reg r64[16] = {
        X86_REG_RAX, X86_REG_RCX, X86_REG_RDX, X86_REG_RBX, X86_REG_RSP,
        X86_REG_RBP, X86_REG_RSI, X86_REG_RDI, X86_REG_R8, X86_REG_R9,
        X86_REG_R10, X86_REG_R11, X86_REG_R12, X86_REG_R13, X86_REG_R14,
        X86_REG_R15 };
    r &= 15;
    switch (size) {
    case 1: return r8[r];
    case 2: return r16[r];
    case 4: return r32[r];
    default: return r64[r];
    }
}

static x86_reg cs_reg(const X86Operand *o)
{
    static const x86_reg hi[4] = { X86_REG_AH, X86_REG_CH, X86_REG_DH,
                                   X86_REG_BH };
    static const x86_reg seg[6] = { X86_REG_ES, X86_REG_CS, X86_REG_SS,
                                    X86_REG_DS, X86_REG_FS, X86_REG_GS };
    unsigned r = o->reg;
    switch (o->reg_class) {
    case X86_RC_GPR8: return cs_gpr(1, r);
    case X86_RC_GPR8HI: return hi[r & 3];
    case X86_RC_GPR16: return cs_gpr(2, r);
    case X86_RC_GPR32: return cs_gpr(4, r);
    case X86_RC_GPR64: return cs_gpr(8, r);
    case X86_RC_SEG: return r < 6 ? seg[r] : X86_REG_INVALID;
    case X86_RC_CR: return X86_REG_CR0 + (r & 15);
    case X86_RC_DR: return X86_REG_DR0 + (r & 15);
    case X86_RC_MMX: return X86_REG_MM0 + (r & 7);
    case X86_RC_XMM: return X86_REG_XMM0 + (r & 15);
    case X86_RC_ST: return X86_REG_ST0 + (r & 7);
    default: return X86_REG_INVALID;
    }
}

static x86_reg cs_seg(unsigned seg)
{
    static const x86_reg s[6] = { X86_REG_ES, X86_REG_CS, X86_REG_SS,
                                  X86_REG_DS, X86_REG_FS, X86_REG_GS };
    return seg < 6 ? s[seg] : X86_REG_INVALID;
}

static uint64_t mask_of(unsigned bytes)
{
    return bytes >= 8 || bytes == 0 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

/* ---- operand comparison ---- */

/* 0: match; 1: no match; 2: matches except an ignored 64-bit override */
static int match_mem(const X86Insn *in, const X86Operand *o,
                     const x86_op_mem *m)
{
    x86_reg base = X86_REG_INVALID, index = X86_REG_INVALID;

    if (o->rip_rel) {
        base = o->addr_size == 4 ? X86_REG_EIP : X86_REG_RIP;
    } else if (o->base >= 0) {
        base = cs_gpr(o->addr_size, o->base);
    }
    if (o->index >= 0) {
        index = cs_gpr(o->addr_size, o->index);
    }
    if (m->base != base || m->index != index) {
        return 1;
    }
    if (index != X86_REG_INVALID && m->scale != o->scale) {
        return 1;
    }
    if (((uint64_t)m->disp ^ (uint64_t)o->disp) & mask_of(o->addr_size)) {
        return 1;
    }
    if (m->segment != X86_REG_INVALID && m->segment != cs_seg(o->seg)) {
        /*
         * 3.3.7.1 / 2.2.1: in 64-bit mode ES, CS, SS and DS overrides are
         * ignored; capstone still reports them.
         */
        if (in->mode == 64 && m->segment != X86_REG_FS &&
            m->segment != X86_REG_GS) {
            return 2;
        }
        return 1;
    }
    return 0;
}

static bool match_imm(const X86Insn *in, const X86Operand *o, int64_t v)
{
    uint64_t target;

    switch (o->kind) {
    case X86_OPK_IMM:
        return (((uint64_t)v ^ o->imm) & mask_of(o->size)) == 0;
    case X86_OPK_REL:
        target = in->len + o->imm;
        return (((uint64_t)v ^ target) & mask_of(in->op_size)) == 0;
    case X86_OPK_FAR:
        return (uint64_t)v == o->imm || (uint64_t)v == o->far_seg;
    default:
        return false;
    }
}

/*
 * Every operand capstone reports must have a counterpart in ours. Returns
 * NULL, or what did not match; *seg_quirk is set when a memory operand
 * matched only up to an ignored 64-bit segment override.
 */
static const char *compare_operands(const X86Insn *in, const cs_insn *ci,
                                    bool *seg_quirk)
{
    const cs_x86 *x = &ci->detail->x86;

    /* NOP and PAUSE have no operands to check ("xchg rax, rax" = 48 90) */
    if (in->mnem == X86_M_NOP && in->map == X86_MAP_1B) {
        return NULL;
    }
    if (in->mnem == X86_M_PAUSE) {
        return NULL;
    }
    for (int i = 0; i < x->op_count; i++) {
        const cs_x86_op *co = &x->operands[i];
        bool found = false;
        for (int j = 0; j < in->nops && !found; j++) {
            const X86Operand *o = &in->ops[j];
            switch (co->type) {
            case X86_OP_REG:
                found = o->kind == X86_OPK_REG && cs_reg(o) == co->reg;
                break;
            case X86_OP_IMM:
                found = match_imm(in, o, co->imm);
                break;
            case X86_OP_MEM:
                if (o->kind == X86_OPK_MEM) {
                    int r = match_mem(in, o, &co->mem);
                    found = r != 1;
                    *seg_quirk |= r == 2;
                }
                break;
            default:
                found = true;
                break;
            }
        }
        if (!found) {
            return co->type == X86_OP_REG ? "register operand"
                   : co->type == X86_OP_IMM ? "immediate operand"
                   : "memory operand";
        }
    }
    return NULL;
}

/*
 * Operand disagreements that are capstone 4.0.2 deviations (lengths agree).
 * what is the kind of operand that did not match.
 */
static int cs_operand_quirk(int mode, const X86Insn *in, const cs_insn *ci,
                            const char *what)
{
    bool reg = !strcmp(what, "register operand");
    bool has_rel = false;

    for (int i = 0; i < in->nops; i++) {
        has_rel |= in->ops[i].kind == X86_OPK_REL;
    }
    /*
     * MOVSXD page: without REX.W the destination is r32 ("MOVSXD r32,
     * r/m32"); capstone always prints a 64-bit destination.
     */
    if (reg && in->map == X86_MAP_1B && in->opcode == 0x63 && mode == 64 &&
        !(in->rex & 8)) {
        return Q_MOVSXD_R32;
    }
    /*
     * Jcc/JMP/CALL/LOOP: with a 32-bit operand size the target is not
     * truncated to 16 bits (only "IF OperandSize = 16"); capstone truncates
     * in 16-bit mode even with a 66 prefix.
     */
    if (!reg && has_rel && in->op_size == 4 &&
        (mode == 16 || in->addr_size == 2)) {
        return Q_REL_TARGET_16;
    }
    /*
     * RDPID page: F3 0F C7 /7 (mod 11) is RDPID r32 / r64; capstone 4.0.2
     * predates it and decodes RDSEED (ignoring F3).
     */
    if (reg && in->mnem == X86_M_RDPID) {
        return Q_RDPID;
    }
    /*
     * MOVQ page: F3 0F 7E is MOVQ xmm1, xmm2/m64 (REX.W ignored); with
     * REX.W capstone drops the F3 and decodes MMX MOVD/MOVQ.
     */
    if (reg && in->mnem == X86_M_MOVQ && in->opcode == 0x7e &&
        in->mand_pfx == 2 && (in->rex & 8)) {
        return Q_F3_MOVQ_REXW;
    }
    /*
     * XCHG page: 66 90+r is XCHG r16, AX; in 64-bit mode capstone names
     * EAX for the accumulator when 66 is combined with another prefix.
     */
    if (reg && mode == 64 && in->map == X86_MAP_1B && in->opcode >= 0x91 &&
        in->opcode <= 0x97 && (in->prefixes & X86_P_OPSIZE)) {
        return Q_XCHG_66_64;
    }
    /*
     * 2.2.1.2: REX.W takes precedence over 66; PUSH imm32 is then
     * sign-extended to 64 bits. Capstone zero-extends when both appear.
     */
    if (!reg && mode == 64 && (in->rex & 8) &&
        (in->prefixes & X86_P_OPSIZE)) {
        return Q_66_REXW_IMM;
    }
    /* see Q_67_REXW_64 in cs_quirk() */
    if (mode == 64 && (in->prefixes & X86_P_ADSIZE) && (in->rex & 8) &&
        in->map == X86_MAP_1B) {
        return Q_67_REXW_64;
    }
    /*
     * AMD APM VMRUN/VMLOAD/VMSAVE/INVLPGA: rAX is sized by the address
     * size; capstone names RAX in 64-bit mode even with 67 (EAX).
     */
    if (reg && in->feature == X86_FEAT_SVM && mode == 64 &&
        in->addr_size == 4) {
        return Q_SVM_67;
    }
    /* LSL page: REX.W + 0F 03 is LSL r64, r32/m16; capstone names r64 */
    if (reg && in->mnem == X86_M_LSL && (in->rex & 8)) {
        return Q_LSL_REXW;
    }
    /* see Q_66_WITH_REP in cs_quirk(): here only the register differs */
    if (reg && (in->prefixes & X86_P_OPSIZE) &&
        (in->prefixes & (X86_P_REP | X86_P_REPNE)) && !in->mand_pfx) {
        return Q_66_WITH_REP;
    }
    /*
     * 2.1.1 / Table A-3: 66, F3 and F2 select the SSE form in every mode.
     * In 16-bit mode capstone takes them as size/REP prefixes for many
     * forms and decodes the MMX / no-prefix instruction (same length).
     */
    if (reg && mode == 16 && in->mand_pfx) {
        return Q_16BIT_MANDATORY;
    }
    return Q_NONE;
}

/* ---- one comparison ---- */

static void report(Ctx *c, int mode, const uint8_t *b, size_t n,
                   const X86Insn *in, int rc, const cs_insn *ci,
                   size_t cs_len, const char *what)
{
    char text[160];

    c->st.failures++;
    if (c->reports++ >= MAX_REPORTS && !getenv("KITE_DECODE_VERBOSE")) {
        return;
    }
    fprintf(stderr, "MISMATCH mode %d (%s): bytes", mode, what);
    for (size_t i = 0; i < n && i < 16; i++) {
        fprintf(stderr, " %02x", b[i]);
    }
    if (rc > 0) {
        x86_insn_format(in, 0, text, sizeof(text));
    } else {
        snprintf(text, sizeof(text), "rc %d ud %s (len %u)", rc,
                 x86_ud_reason_name(in->ud_reason), in->len);
    }
    fprintf(stderr, "\n  ours:     len %d  %s  [map %d op %02x mnem %s]\n",
            rc > 0 ? rc : 0, text, in->map, in->opcode,
            x86_mnem_name(in->mnem));
    if (cs_len) {
        fprintf(stderr, "  capstone: len %zu  %s %s\n", cs_len,
                ci->mnemonic, ci->op_str);
    } else {
        fprintf(stderr, "  capstone: rejected\n");
    }
}

static size_t cs_decode(Ctx *c, int mode, const uint8_t *b, size_t n,
                        cs_insn **out)
{
    int mi = mode_index(mode);
    const uint8_t *p = b;
    size_t size = n;
    uint64_t addr = 0;

    *out = c->ci[mi];
    if (!cs_disasm_iter(c->cs[mi], &p, &size, &addr, c->ci[mi])) {
        return 0;
    }
    return c->ci[mi]->size;
}

static bool seen_slot(Ctx *c, const X86OpEntry *e, bool insert)
{
    size_t h = ((uintptr_t)e >> 3) * 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < SEEN_SLOTS; i++) {
        size_t k = (h + i) % SEEN_SLOTS;
        if (c->seen[k] == e) {
            return true;
        }
        if (!c->seen[k]) {
            if (insert) {
                c->seen[k] = e;
            }
            return false;
        }
    }
    return false;
}

static void mark_seen(Ctx *c, const X86OpEntry *e)
{
    if (e) {
        seen_slot(c, e, true);
    }
}

/* Compares one byte string; operands too when check_ops. */
static void compare_one(Ctx *c, int mode, const uint8_t *b, size_t n,
                        bool check_ops)
{
    X86Insn in;
    cs_insn *ci;
    int rc = x86_decode(&in, b, n, mode);
    size_t cs_len = cs_decode(c, mode, b, n, &ci);
    int q;

    c->st.total++;
    if (rc == X86_DECODE_UD && in.ud_reason == X86_UD_VEX) {
        c->st.skip_vex++;
        return;
    }
    if (rc == X86_DECODE_UD && in.ud_reason == X86_UD_3DNOW) {
        c->st.skip_3dnow++;
        return;
    }
    if (rc == X86_DECODE_MORE) {
        c->st.skip_more++;
        return;
    }
    if (!cs_len) {
        if (rc > 0) {
            c->st.ours_only++;
            if (getenv("KITE_DECODE_OURS_ONLY")) {
                char text[160];
                x86_insn_format(&in, 0, text, sizeof(text));
                fprintf(stderr, "OURS-ONLY mode %d map %d op %02x: %s\n",
                        mode, in.map, in.opcode, text);
            }
        } else {
            c->st.both_reject++;
        }
        return;
    }
    if (rc > 0 && (size_t)rc == cs_len) {
        c->st.compared++;
        if (check_ops) {
            bool seg_quirk = false;
            const char *bad = compare_operands(&in, ci, &seg_quirk);
            c->st.operands++;
            if (bad && (q = cs_operand_quirk(mode, &in, ci, bad))) {
                c->st.quirk[q]++;
            } else if (bad) {
                report(c, mode, b, n, &in, rc, ci, cs_len, bad);
            } else if (seg_quirk) {
                c->st.quirk[Q_SEG_64]++;
            }
            if (!bad) {
                mark_seen(c, in.entry);
            }
        }
        return;
    }
    q = cs_quirk(mode, b, &in, rc, ci, cs_len);
    if (q) {
        c->st.quirk[q]++;
        return;
    }
    c->st.compared++;
    report(c, mode, b, n, &in, rc, ci, cs_len,
           rc > 0 ? "length" : "we say #UD, capstone decodes");
}

static void print_stats(const char *name, const Stats *s)
{
    printf("%s: %" PRIu64 " strings, %" PRIu64 " compared with capstone "
           "(%" PRIu64 " operand checks), %" PRIu64 " both reject, %" PRIu64
           " only we decode; skipped: %" PRIu64 " VEX/EVEX/XOP, %" PRIu64
           " 3DNow!, %" PRIu64 " need more bytes; %" PRIu64 " failures\n",
           name, s->total, s->compared, s->operands, s->both_reject,
           s->ours_only, s->skip_vex, s->skip_3dnow, s->skip_more,
           s->failures);
    for (int q = 1; q < Q_COUNT; q++) {
        if (s->quirk[q]) {
            printf("  known capstone quirk %-28s %" PRIu64 "\n",
                   quirk_names[q], s->quirk[q]);
        }
    }
}

/* ---- setup ---- */

static int setup(void **state)
{
    static const cs_mode modes[3] = { CS_MODE_16, CS_MODE_32, CS_MODE_64 };
    Ctx *c = calloc(1, sizeof(*c));

    if (!c) {
        return -1;
    }
    for (int i = 0; i < 3; i++) {
        if (cs_open(CS_ARCH_X86, modes[i], &c->cs[i]) != CS_ERR_OK) {
            return -1;
        }
        cs_option(c->cs[i], CS_OPT_DETAIL, CS_OPT_ON);
        c->ci[i] = cs_malloc(c->cs[i]);
    }
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    Ctx *c = *state;
    for (int i = 0; i < 3; i++) {
        cs_free(c->ci[i], 1);
        cs_close(&c->cs[i]);
    }
    free(c);
    return 0;
}

static void reset_stats(Ctx *c)
{
    memset(&c->st, 0, sizeof(c->st));
    c->reports = 0;
}

/* ---- the opcode sweep ---- */

static size_t sweep_fill(uint8_t *buf, const uint8_t *pfx, size_t npfx,
                         const uint8_t *esc, size_t nesc, unsigned op,
                         unsigned modrm)
{
    size_t n = 0;
    memcpy(buf + n, pfx, npfx);
    n += npfx;
    memcpy(buf + n, esc, nesc);
    n += nesc;
    buf[n++] = op;
    buf[n++] = modrm;
    /* SIB varies with ModRM; then a recognizable displacement/immediate */
    buf[n++] = (uint8_t)(modrm * 37 + 11);
    for (int i = 0; i < 12; i++) {
        buf[n++] = (uint8_t)(0x81 + 0x11 * i);
    }
    return n;
}

typedef struct SeenCount {
    Ctx *c;
    unsigned seen, total;
} SeenCount;

static void count_seen(void *opaque, X86Map map, const uint8_t *path,
                       int depth, const X86OpEntry *e)
{
    SeenCount *sc = opaque;
    sc->total++;
    if (seen_slot(sc->c, e, false)) {
        sc->seen++;
    } else if (getenv("KITE_DECODE_VERBOSE")) {
        printf("  not confirmed by capstone: map %d opcode %02x %s\n", map,
               path[0], x86_mnem_name(e->mnem));
    }
}

static void test_sweep(void **state)
{
    static const struct { uint8_t b[4]; uint8_t n; } pfx_sets[] = {
        { {0}, 0 }, { {0x66}, 1 }, { {0xf3}, 1 }, { {0xf2}, 1 },
        { {0x67}, 1 }, { {0xf0}, 1 }, { {0x64}, 1 }, { {0x66, 0xf2}, 2 },
        { {0x48}, 1 }, { {0x4f}, 1 }, { {0x66, 0x41}, 2 }, { {0xf3, 0x48}, 2 },
    };
    static const struct { uint8_t b[2]; uint8_t n; } escs[] = {
        { {0}, 0 }, { {0x0f}, 1 }, { {0x0f, 0x38}, 2 }, { {0x0f, 0x3a}, 2 },
    };
    static const int modes[3] = { 16, 32, 64 };
    Ctx *c = *state;
    uint8_t buf[32];

    reset_stats(c);
    for (int m = 0; m < 3; m++) {
        for (size_t e = 0; e < 4; e++) {
            for (size_t p = 0; p < sizeof(pfx_sets) / sizeof(pfx_sets[0]);
                 p++) {
                size_t np = pfx_sets[p].n;
                bool rex = np && (pfx_sets[p].b[np - 1] & 0xf0) == 0x40;
                if (rex && modes[m] != 64) {
                    continue;
                }
                for (unsigned op = 0; op < 256; op++) {
                    for (unsigned modrm = 0; modrm < 256; modrm++) {
                        size_t n = sweep_fill(buf, pfx_sets[p].b,
                                              pfx_sets[p].n, escs[e].b,
                                              escs[e].n, op, modrm);
                        compare_one(c, modes[m], buf, n, true);
                    }
                }
            }
        }
    }
    print_stats("sweep", &c->st);
    SeenCount sc = { .c = c };
    x86_decode_walk_tables(count_seen, &sc);
    printf("sweep: %u of %u table entries decoded with the same length "
           "and operands as capstone\n", sc.seen, sc.total);
    assert_int_equal(c->st.failures, 0);
}

/* ---- random strings ---- */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dull;
}

static void random_mode(Ctx *c, int mode, uint64_t count)
{
    /* a quarter of the strings start with an escape to reach 0F/0F38/0F3A */
    static const struct { uint8_t b[3]; uint8_t n; } heads[] = {
        { {0x0f}, 1 }, { {0x0f, 0x38}, 2 }, { {0x0f, 0x3a}, 2 },
        { {0x66, 0x0f}, 2 }, { {0xf3, 0x0f}, 2 }, { {0xf2, 0x0f}, 2 },
        { {0x66, 0x0f, 0x38}, 3 }, { {0x66, 0x0f, 0x3a}, 3 },
    };
    uint64_t seed = 0x4b495445ull * (uint64_t)mode + 12345;
    uint8_t buf[16];
    char name[32];

    reset_stats(c);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t r0 = rng_next(&seed), r1 = rng_next(&seed);
        memcpy(buf, &r0, 8);
        memcpy(buf + 8, &r1, 8);
        uint64_t pick = rng_next(&seed);
        if ((pick & 3) == 0) {
            unsigned h = (pick >> 8) % (sizeof(heads) / sizeof(heads[0]));
            memcpy(buf, heads[h].b, heads[h].n);
        }
        compare_one(c, mode, buf, 15, true);
    }
    snprintf(name, sizeof(name), "random %d-bit", mode);
    print_stats(name, &c->st);
}

static uint64_t random_count(void)
{
    const char *s = getenv("KITE_DECODE_RANDOM");
    return s ? strtoull(s, NULL, 0) : 1000000;
}

static void test_random16(void **state)
{
    Ctx *c = *state;
    random_mode(c, 16, random_count());
    assert_int_equal(c->st.failures, 0);
}

static void test_random32(void **state)
{
    Ctx *c = *state;
    random_mode(c, 32, random_count());
    assert_int_equal(c->st.failures, 0);
}

static void test_random64(void **state)
{
    Ctx *c = *state;
    random_mode(c, 64, random_count());
    assert_int_equal(c->st.failures, 0);
}

/* ---- malformed input ---- */

static void check_sane(const X86Insn *in, int rc, size_t avail)
{
    assert_true(rc == X86_DECODE_UD || rc == X86_DECODE_MORE ||
                rc == X86_DECODE_GP || (rc > 0 && rc <= 15));
    assert_true(in->len <= avail && in->len <= 15);
    if (rc > 0) {
        assert_int_equal(in->len, rc);
    }
}

static void test_truncated(void **state)
{
    static const uint8_t insns[][16] = {
        { 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8 },           /* mov rax, imm64 */
        { 0x66, 0x0f, 0x3a, 0x0f, 0x44, 0x24, 0x08, 0x05 },/* palignr */
        { 0xf3, 0x48, 0x0f, 0xb8, 0x84, 0x88, 1, 2, 3, 4 },/* popcnt */
        { 0x81, 0x84, 0x88, 1, 2, 3, 4, 5, 6, 7, 8 },      /* add [..], imm */
        { 0xea, 1, 2, 3, 4, 5, 6 },                        /* jmp far */
        { 0xc8, 1, 2, 3 },                                 /* enter */
    };
    static const int modes[3] = { 16, 32, 64 };

    (void)state;
    for (int m = 0; m < 3; m++) {
        for (size_t i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
            X86Insn in;
            int full = x86_decode(&in, insns[i], 16, modes[m]);
            if (full <= 0) {
                continue;
            }
            for (int avail = 0; avail < full; avail++) {
                uint8_t *copy = malloc(avail ? avail : 1);
                memcpy(copy, insns[i], avail);
                int rc = x86_decode(&in, copy, avail, modes[m]);
                assert_int_equal(rc, X86_DECODE_MORE);
                check_sane(&in, rc, avail);
                free(copy);
            }
        }
    }
}

static void test_prefix_runs(void **state)
{
    uint8_t buf[32];
    X86Insn in;

    (void)state;
    /* 14 prefixes + NOP is 15 bytes: fine; 15 prefixes + NOP is #GP */
    memset(buf, 0x66, sizeof(buf));
    buf[14] = 0x90;
    assert_int_equal(x86_decode(&in, buf, sizeof(buf), 32), 15);
    buf[14] = 0x66;
    buf[15] = 0x90;
    assert_int_equal(x86_decode(&in, buf, sizeof(buf), 32), X86_DECODE_GP);
    assert_int_equal(in.len, 15);
    /* 11 prefixes + add [eax+disp32], imm32 = 11 + 1 + 1 + 4 + 4 = 21 */
    memset(buf, 0x2e, 11);
    memcpy(buf + 11, "\x81\x80\x01\x02\x03\x04\x05\x06\x07\x08", 10);
    assert_int_equal(x86_decode(&in, buf, sizeof(buf), 32), X86_DECODE_GP);
    /* a run of REX prefixes in 64-bit mode */
    memset(buf, 0x48, sizeof(buf));
    assert_int_equal(x86_decode(&in, buf, sizeof(buf), 64), X86_DECODE_GP);
    /* all prefix bytes only, buffer ends early */
    assert_int_equal(x86_decode(&in, buf, 10, 64), X86_DECODE_MORE);
}

static void test_every_byte(void **state)
{
    static const int modes[3] = { 16, 32, 64 };
    static const uint8_t fills[3] = { 0x00, 0xff, 0x90 };
    uint8_t buf[16];

    (void)state;
    for (int m = 0; m < 3; m++) {
        for (int f = 0; f < 3; f++) {
            for (int b = 0; b < 256; b++) {
                memset(buf, fills[f], sizeof(buf));
                buf[0] = b;
                X86Insn in;
                int full = x86_decode(&in, buf, 16, modes[m]);
                for (size_t avail = 0; avail <= 15; avail++) {
                    int rc = x86_decode(&in, buf, avail, modes[m]);
                    check_sane(&in, rc, avail);
                    if (full > 0 && (size_t)full <= avail) {
                        assert_int_equal(rc, full);
                    }
                }
                /* the same byte repeated: prefix runs, nested escapes */
                memset(buf, b, sizeof(buf));
                for (size_t avail = 0; avail <= 15; avail++) {
                    int rc = x86_decode(&in, buf, avail, modes[m]);
                    check_sane(&in, rc, avail);
                }
            }
        }
    }
    X86Insn in;
    assert_int_equal(x86_decode(&in, buf, 16, 8), X86_DECODE_BADARG);
}

/* Random strings cut at a random length into exact-size heap buffers. */
static void test_random_truncation(void **state)
{
    static const int modes[3] = { 16, 32, 64 };
    uint64_t seed = 99;
    uint8_t buf[16];

    (void)state;
    for (int i = 0; i < 100000; i++) {
        uint64_t r0 = rng_next(&seed), r1 = rng_next(&seed);
        memcpy(buf, &r0, 8);
        memcpy(buf + 8, &r1, 8);
        int mode = modes[i % 3];
        size_t avail = rng_next(&seed) % 16;
        X86Insn in;
        int full = x86_decode(&in, buf, 16, mode);
        uint8_t *copy = malloc(avail ? avail : 1);
        memcpy(copy, buf, avail);
        int rc = x86_decode(&in, copy, avail, mode);
        free(copy);
        check_sane(&in, rc, avail);
        if (full > 0 && (size_t)full <= avail) {
            assert_int_equal(rc, full);
        } else if (full > 0) {
            assert_int_equal(rc, X86_DECODE_MORE);
        }
    }
}

/* ---- a few exact decodes ---- */

static void test_examples(void **state)
{
    X86Insn in;
    (void)state;

    /* mov rax, [rip+0x10] */
    assert_int_equal(x86_decode(&in, (const uint8_t *)
                                "\x48\x8b\x05\x10\x00\x00\x00", 7, 64), 7);
    assert_int_equal(in.mnem, X86_M_MOV);
    assert_true(in.ops[1].rip_rel);
    assert_int_equal(in.ops[1].disp, 0x10);
    assert_int_equal(in.op_size, 8);
    /* mov ah, bl vs. mov spl, bl with REX */
    assert_int_equal(x86_decode(&in, (const uint8_t *)"\x88\xdc", 2, 64), 2);
    assert_int_equal(in.ops[0].reg_class, X86_RC_GPR8HI);
    assert_int_equal(x86_decode(&in, (const uint8_t *)"\x40\x88\xdc", 3, 64),
                     3);
    assert_int_equal(in.ops[0].reg_class, X86_RC_GPR8);
    /* push es is invalid in 64-bit mode */
    assert_int_equal(x86_decode(&in, (const uint8_t *)"\x06", 1, 64),
                     X86_DECODE_UD);
    assert_int_equal(in.ud_reason, X86_UD_MODE);
    /* lock add eax, ebx: register destination */
    assert_int_equal(x86_decode(&in, (const uint8_t *)"\xf0\x01\xd8", 3, 32),
                     X86_DECODE_UD);
    assert_int_equal(in.ud_reason, X86_UD_LOCK);
    assert_int_equal(in.len, 3);
    /* 16-bit: add [bp+si+0x12], ax uses SS */
    assert_int_equal(x86_decode(&in, (const uint8_t *)"\x01\x42\x12", 3, 16),
                     3);
    assert_int_equal(in.ops[0].seg, X86_SEG_SS);
    assert_int_equal(in.ops[0].base, 5);
    assert_int_equal(in.ops[0].index, 6);
    /* movd xmm1, eax / movq xmm1, rax */
    assert_int_equal(x86_decode(&in, (const uint8_t *)"\x66\x48\x0f\x6e\xc8",
                                5, 64), 5);
    assert_int_equal(in.mnem, X86_M_MOVD);
    assert_int_equal(in.ops[1].reg_class, X86_RC_GPR64);
}

/* ---- log disassembly and text form ---- */

static void test_disas(void **state)
{
    X86Disas d;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    X86Insn in;
    char text[128];

    (void)state;
    assert_non_null(f);
    assert_int_equal(x86_disas_init(&d), 0);
    x86_disas_guest(&d, f, (const uint8_t *)"\x90\xc3\x0f", 3, 0x1000, 64);
    x86_disas_host(&d, f, "\x48\x89\xd8", 3);
    x86_disas_destroy(&d);
    fclose(f);
    assert_non_null(strstr(out, "0x0000000000001000:"));
    assert_non_null(strstr(out, "nop"));
    assert_non_null(strstr(out, "ret"));
    assert_non_null(strstr(out, ".byte 0x0f"));
    assert_non_null(strstr(out, "mov rax, rbx"));
    free(out);

    assert_int_equal(x86_decode(&in, (const uint8_t *)"\x75\xfe", 2, 32), 2);
    x86_insn_format(&in, 0x100, text, sizeof(text));
    assert_string_equal(text, "jne 0x100");
    assert_int_equal(x86_decode(&in, (const uint8_t *)
                                "\x64\x8b\x44\x8b\xf8", 5, 32), 5);
    x86_insn_format(&in, 0, text, sizeof(text));
    assert_string_equal(text, "mov eax, fs:[ebx+ecx*4-0x8]");
}

/* ---- coverage ---- */

typedef struct Coverage {
    unsigned entries[5];
} Coverage;

static void count_entry(void *opaque, X86Map map, const uint8_t *path,
                        int depth, const X86OpEntry *e)
{
    Coverage *cov = opaque;
    cov->entries[map]++;
}

static void test_coverage(void **state)
{
    Coverage cov = { { 0 } };
    (void)state;
    x86_decode_walk_tables(count_entry, &cov);
    printf("table entries: one-byte %u, 0F %u, 0F38 %u, 0F3A %u, total %u"
           " (%d mnemonics)\n",
           cov.entries[X86_MAP_1B], cov.entries[X86_MAP_0F],
           cov.entries[X86_MAP_0F38], cov.entries[X86_MAP_0F3A],
           cov.entries[1] + cov.entries[2] + cov.entries[3] + cov.entries[4],
           X86_M_COUNT - 1);
    assert_true(cov.entries[X86_MAP_1B] > 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_coverage),
        cmocka_unit_test(test_disas),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_prefix_runs),
        cmocka_unit_test(test_every_byte),
        cmocka_unit_test(test_random_truncation),
        cmocka_unit_test(test_sweep),
        cmocka_unit_test(test_random16),
        cmocka_unit_test(test_random32),
        cmocka_unit_test(test_random64),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
