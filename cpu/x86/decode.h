/*
 * Table-driven x86 instruction decoder.
 *
 * Follows the Intel SDM, Volume 2, chapter 2 (instruction format: legacy
 * prefixes, REX, ModRM, SIB, displacement, immediate) and Appendix A (the
 * opcode maps: one-byte, 0F, 0F38, 0F3A, the ModRM group extensions and the
 * x87 escape maps). The tables in decode-tables.c use the SDM's own operand
 * codes (Eb, Gv, Iz, Jz, Vx, Wx ...), so an entry can be checked against the
 * manual by eye.
 *
 * x86_decode() fills one X86Insn, shared by the translator and the -d logs.
 * It never aborts on any byte string: undefined encodings, a LOCK prefix
 * where none is allowed and instructions invalid in the current mode give
 * X86_DECODE_UD; a buffer that ends too early gives X86_DECODE_MORE; an
 * instruction longer than 15 bytes gives X86_DECODE_GP. In every case
 * insn->len says how many bytes were consumed.
 *
 * VEX, EVEX and XOP encodings are recognized and reported as
 * X86_UD_VEX (unsupported, #UD) for now; 3DNow! (0F 0F) as X86_UD_3DNOW.
 */
#ifndef KITE_X86_DECODE_H
#define KITE_X86_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Mnemonic ids; also the emitter ids the translator dispatches on. */
typedef enum X86Mnem {
#define X86_MNEM(name) X86_M_##name,
#include "cpu/x86/decode-mnem.def"
#undef X86_MNEM
    X86_M_COUNT
} X86Mnem;

/* CPUID features an instruction requires. */
typedef enum X86Feature {
#define X86_FEATURE(name) X86_FEAT_##name,
#include "cpu/x86/decode-feature.def"
#undef X86_FEATURE
    X86_FEAT_COUNT
} X86Feature;

/* Return codes of x86_decode() besides a positive length. */
enum {
    X86_DECODE_UD = -1,     /* invalid opcode: raise #UD */
    X86_DECODE_MORE = -2,   /* the buffer ends inside the instruction */
    X86_DECODE_GP = -3,     /* longer than 15 bytes: raise #GP(0) */
    X86_DECODE_BADARG = -4, /* bad mode argument */
};

/* Why an instruction is #UD (insn->ud_reason). */
typedef enum X86UdReason {
    X86_UD_NONE,
    X86_UD_OPCODE,      /* no instruction at this opcode / group slot */
    X86_UD_PREFIX,      /* no form for this mandatory prefix (66/F3/F2) */
    X86_UD_MODE,        /* invalid in 64-bit mode (i64) or outside it (o64) */
    X86_UD_MOD,         /* register form where memory is required, or v.v. */
    X86_UD_LOCK,        /* LOCK on an instruction or form that forbids it */
    X86_UD_REG,         /* reserved segment, control or debug register */
    X86_UD_VEX,         /* VEX / EVEX / XOP: not supported yet */
    X86_UD_3DNOW,       /* AMD 3DNow! (0F 0F): not supported */
} X86UdReason;

/* Operand type codes of SDM Appendix A.2.1, plus our implicit forms. */
typedef enum X86OpType {
    X86_T_NONE,
    X86_T_A,    /* direct far address in the instruction */
    X86_T_C,    /* ModRM.reg selects a control register */
    X86_T_D,    /* ModRM.reg selects a debug register */
    X86_T_E,    /* ModRM r/m: general register or memory */
    X86_T_G,    /* ModRM.reg: general register */
    X86_T_I,    /* immediate */
    X86_T_J,    /* relative offset added to the next instruction pointer */
    X86_T_M,    /* ModRM r/m: memory only */
    X86_T_N,    /* ModRM r/m: MMX register only */
    X86_T_O,    /* memory offset in the instruction (moffs), no ModRM */
    X86_T_P,    /* ModRM.reg: MMX register */
    X86_T_Q,    /* ModRM r/m: MMX register or memory */
    X86_T_R,    /* ModRM r/m: general register only */
    X86_T_S,    /* ModRM.reg: segment register */
    X86_T_U,    /* ModRM r/m: XMM register only */
    X86_T_V,    /* ModRM.reg: XMM register */
    X86_T_W,    /* ModRM r/m: XMM register or memory */
    X86_T_X,    /* memory at DS:rSI (segment overridable) */
    X86_T_Y,    /* memory at ES:rDI */
    X86_T_REG,  /* fixed general register (AL, rAX, DX, CL ...) */
    X86_T_ZREG, /* general register in opcode bits 2:0 (+ REX.B) */
    X86_T_SEG,  /* fixed segment register (PUSH ES ...) */
    X86_T_ONE,  /* the constant 1 (shift by one) */
    X86_T_ST0,  /* x87 ST(0) */
    X86_T_STI,  /* x87 ST(i), i = ModRM.rm */
    X86_T_XMM0, /* implicit XMM0 (BLENDV*) */
} X86OpType;

/* Operand size codes of SDM Appendix A.2.2 (and a few mixed forms). */
typedef enum X86OpSize {
    X86_S_NONE,
    X86_S_b, X86_S_w, X86_S_d, X86_S_q, X86_S_dq, X86_S_t,
    X86_S_v,    /* word, dword or qword by operand size */
    X86_S_z,    /* word or dword by operand size (dword for 64) */
    X86_S_y,    /* dword, or qword with REX.W */
    X86_S_bs,   /* byte, sign-extended to the operand size (imm8) */
    X86_S_p,    /* far pointer 16:16, 16:32 or 16:64 */
    X86_S_a,    /* BOUND pair of words or dwords */
    X86_S_s,    /* pseudo-descriptor: 6 bytes, 10 in 64-bit mode */
    X86_S_vw,   /* register: v; memory: word (MOV Ev,Sw; SLDT ...) */
    X86_S_db,   /* register: dword; memory: byte (PEXTRB, PINSRB) */
    X86_S_dw,   /* register: dword; memory: word (PEXTRW, PINSRW) */
    X86_S_zw,   /* register: z; memory: word (LAR, LSL) */
    X86_S_as,   /* rAX of VMRUN etc.: 64-bit with 64-bit addressing, else 32 */
    X86_S_env,  /* x87 environment: 14 or 28 bytes */
    X86_S_fsave,/* x87 state: 94 or 108 bytes */
    X86_S_512,  /* FXSAVE area */
    X86_S_xs,   /* XSAVE area (variable) */
    X86_S_COUNT
} X86OpSize;

/* Register classes of a register operand. */
typedef enum X86RegClass {
    X86_RC_NONE,
    X86_RC_GPR8,    /* AL CL DL BL, SPL BPL SIL DIL (with REX), R8B..R15B */
    X86_RC_GPR8HI,  /* AH CH DH BH: index 4..7 as encoded */
    X86_RC_GPR16, X86_RC_GPR32, X86_RC_GPR64,
    X86_RC_SEG, X86_RC_CR, X86_RC_DR, X86_RC_MMX, X86_RC_XMM, X86_RC_ST,
} X86RegClass;

typedef enum X86OpKind {
    X86_OPK_NONE,
    X86_OPK_REG,
    X86_OPK_MEM,
    X86_OPK_IMM,
    X86_OPK_REL,    /* imm = signed displacement; target computed */
    X86_OPK_FAR,    /* far_seg:imm */
} X86OpKind;

/* Segment register numbers for memory operands (R_ES... order). */
enum { X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS,
       X86_SEG_GS, X86_SEG_NONE = 7 };

typedef struct X86Operand {
    uint8_t kind;       /* X86OpKind */
    uint8_t type;       /* X86OpType from the table */
    uint8_t size_code;  /* X86OpSize from the table */
    uint16_t size;      /* bytes accessed (0 if not fixed) */
    /* register */
    uint8_t reg_class;  /* X86RegClass */
    uint8_t reg;        /* index within the class */
    /* memory */
    uint8_t seg;        /* effective segment (X86_SEG_*) */
    int8_t base;        /* GPR index or -1 */
    int8_t index;       /* GPR index or -1 */
    uint8_t scale;      /* 1, 2, 4, 8 */
    uint8_t addr_size;  /* 2, 4, 8 */
    bool rip_rel;       /* base is the next instruction's RIP */
    int64_t disp;       /* sign-extended displacement */
    /* immediate, relative offset or far offset */
    uint64_t imm;       /* extended as the SDM says for this operand */
    uint16_t far_seg;
} X86Operand;

/* Entry flags (tables) and instruction flags (X86Insn.flags). */
enum {
    X86_F_I64   = 1u << 0,  /* invalid in 64-bit mode */
    X86_F_O64   = 1u << 1,  /* valid only in 64-bit mode */
    X86_F_D64   = 1u << 2,  /* default operand size 64 in 64-bit mode */
    X86_F_F64   = 1u << 3,  /* operand size forced to 64 in 64-bit mode */
    X86_F_LOCK  = 1u << 4,  /* LOCK allowed (with a memory destination) */
    X86_F_REP   = 1u << 5,  /* F3 means REP */
    X86_F_REPZ  = 1u << 6,  /* F3/F2 mean REPE/REPNE */
    X86_F_MODREG = 1u << 7, /* ModRM.mod ignored, always a register (MOV CR) */
    X86_F_SSE   = 1u << 8,  /* selected by a mandatory prefix (66/F3/F2) */
    X86_F_NOMODRM = 1u << 9,/* internal: entry reached without ModRM */
    X86_F_BRANCH = 1u << 10,/* changes control flow */
};

/* Switch kinds of an entry that selects among children. */
typedef enum X86Switch {
    X86_SW_NONE,
    X86_SW_REG,     /* 8 children by ModRM.reg */
    X86_SW_MOD,     /* 2 children: memory form, register form */
    X86_SW_RM,      /* 8 children by ModRM.rm */
    X86_SW_PFX,     /* 4 children: none, 66, F3, F2 (mandatory prefix) */
    X86_SW_X87,     /* 64 children by ModRM & 0x3f (register forms) */
    X86_SW_MODE,    /* 2 children: outside 64-bit mode, in 64-bit mode */
    X86_SW_REXB,    /* 2 children: without REX.B, with REX.B (NOP/XCHG) */
    X86_SW_REXW,    /* 2 children: without REX.W, with REX.W */
} X86Switch;

typedef struct X86OpSpec {
    uint8_t type;   /* X86OpType */
    uint8_t size;   /* X86OpSize */
    uint8_t reg;    /* register for X86_T_REG / X86_T_SEG */
} X86OpSpec;

typedef struct X86OpEntry {
    uint16_t mnem;      /* X86Mnem; X86_M_INVALID for a hole */
    uint8_t feature;    /* X86Feature */
    uint8_t sw;         /* X86Switch */
    uint16_t flags;
    X86OpSpec ops[4];
    const struct X86OpEntry *sub;   /* children when sw != X86_SW_NONE */
} X86OpEntry;

/* The opcode maps (decode-tables.c), indexed by opcode byte. */
extern const X86OpEntry x86_map_1b[256];
extern const X86OpEntry x86_map_0f[256];
extern const X86OpEntry x86_map_0f38[256];
extern const X86OpEntry x86_map_0f3a[256];

typedef enum X86Map {
    X86_MAP_NONE, X86_MAP_1B, X86_MAP_0F, X86_MAP_0F38, X86_MAP_0F3A,
} X86Map;

/* Legacy prefix bits (X86Insn.prefixes). */
enum {
    X86_P_LOCK = 1u << 0,
    X86_P_REP  = 1u << 1,   /* F3 */
    X86_P_REPNE = 1u << 2,  /* F2 */
    X86_P_OPSIZE = 1u << 3, /* 66 */
    X86_P_ADSIZE = 1u << 4, /* 67 */
    X86_P_REX  = 1u << 5,   /* a REX prefix is in effect */
    X86_P_SEG  = 1u << 6,   /* a segment override is present */
};

typedef struct X86Insn {
    uint8_t mode;           /* 16, 32 or 64 */
    uint8_t len;            /* bytes consumed */
    uint8_t prefixes;       /* X86_P_* */
    uint8_t last_rep;       /* 0, 0xF3 or 0xF2: the last of F2/F3 */
    uint8_t seg_override;   /* X86_SEG_* as encoded, or X86_SEG_NONE */
    uint8_t rex;            /* the REX byte in effect, or 0 */
    uint8_t map;            /* X86Map */
    uint8_t opcode;         /* opcode byte within the map */
    bool has_modrm, has_sib;
    uint8_t modrm, sib;
    uint8_t mod, reg, rm;   /* reg and rm include REX.R / REX.B */
    uint8_t op_size;        /* effective operand size: 2, 4, 8 */
    uint8_t addr_size;      /* effective address size: 2, 4, 8 */
    uint8_t nops;
    uint16_t mnem;          /* X86Mnem */
    uint8_t feature;        /* X86Feature */
    uint8_t ud_reason;      /* X86UdReason when X86_DECODE_UD */
    uint8_t mand_pfx;       /* mandatory prefix: 0 none, 1 66, 2 F3, 3 F2 */
    uint16_t flags;         /* X86_F_* of the entry */
    uint8_t disp_off, imm_off;  /* byte offsets (0: none) */
    X86Operand ops[4];
    const struct X86OpEntry *entry; /* the table leaf (NULL for #UD) */
} X86Insn;

/*
 * Decodes one instruction at bytes[0..avail) in mode 16, 32 or 64.
 * Returns its length (1..15) or a negative X86_DECODE_* code.
 */
int x86_decode(X86Insn *insn, const uint8_t *bytes, size_t avail, int mode);

/*
 * Target of a relative operand (X86_OPK_REL) of an instruction at pc:
 * next instruction pointer plus the displacement, truncated to 16 or 32
 * bits when the operand size is (Jcc/JMP/CALL pages: "IF OperandSize").
 */
static inline uint64_t x86_insn_rel_target(const X86Insn *in, uint64_t pc,
                                           const X86Operand *o)
{
    uint64_t t = pc + in->len + o->imm;
    if (in->op_size == 2) {
        return t & 0xffff;
    }
    return in->op_size == 4 ? (t & 0xffffffffu) : t;
}

/* Lower-case mnemonic name ("add"), or "(bad)". */
const char *x86_mnem_name(unsigned mnem);
const char *x86_feature_name(unsigned feature);
const char *x86_ud_reason_name(unsigned reason);

/* Writes a short text form of a decoded instruction ("add eax, [rbx+8]"). */
void x86_insn_format(const X86Insn *insn, uint64_t pc, char *buf, size_t size);

/* Table introspection for tests: walks every leaf entry of every map. */
typedef void X86EntryVisitor(void *opaque, X86Map map, const uint8_t *path,
                             int depth, const X86OpEntry *e);
void x86_decode_walk_tables(X86EntryVisitor *fn, void *opaque);

#endif
