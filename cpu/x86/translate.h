/*
 * The x86 translator's shared interface: guest instructions (X86Insn from
 * cpu/x86/decode.h) to TCG IR (tcg/tcg-op.h).
 *
 * cpu/x86/translate.c holds the per-TB driver and the operand machinery
 * declared here; cpu/x86/translate-<family>.c hold the emitters
 * (gen_<MNEMONIC>) of one instruction family each; the system
 * instructions live in cpu/x86/translate-sys.c behind x86_gen_sys().
 *
 * Conventions every emitter follows:
 *   - d->rip is the RIP of the instruction being translated, d->next_rip
 *     the RIP after it (both offsets from CS base, not linear).
 *   - Guest registers are the TCG globals d->g->regs[]; RIP, the lazy
 *     flags (cc_dst/cc_src/cc_src2/cc_op) and DF (+1/-1) are globals too.
 *     Segment bases and everything else are read from env with ld ops.
 *   - Flags are lazy: an emitter that sets flags stores its operands in
 *     cc_dst/cc_src/cc_src2 and calls set_cc_op(d, CC_OP_xxx); see
 *     cpu/x86/cc.h. d->cc_op is the statically known cc_op, or
 *     X86_CC_OP_DYNAMIC when only the cc_op global holds it.
 *   - Before calling a helper that may raise a guest exception or reads
 *     the flags, call gen_sync_state(d) (RIP of this instruction and
 *     cc_op into env); such helpers then raise with ra == 0.
 *   - An emitter that ends the block sets d->is_jmp (DISAS_*); one that
 *     leaves through a helper (exception) uses DISAS_NORETURN.
 */
#ifndef KITE_X86_TRANSLATE_H
#define KITE_X86_TRANSLATE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/cc.h"
#include "cpu/x86/decode.h"
#include "cpu/x86/tcg-cpu.h"
#include "cpu/x86/tcg-translate.h"
#include "cpu/x86/translate-simd.h"
#include "cpu/x86/translate-ssefp.h"
#include "tcg/tcg-op.h"

/* Helpers take the CPU state as their env argument. */
#ifndef TCG_HELPER_ENV_CTYPE
#define TCG_HELPER_ENV_CTYPE struct CPUX86TCG *
#endif
#define TCG_HELPER_FILE "cpu/x86/helper.def"
#include "tcg/helper-proto.h"
#include "tcg/helper-gen.h"
#undef TCG_HELPER_FILE

/* The TCG globals of one context (x86_tcg_init_globals). */
struct X86TCGGlobals {
    TCGv_i64 regs[16];
    TCGv_i64 rip;
    TCGv_i64 cc_dst, cc_src, cc_src2;
    TCGv_i32 cc_op;
    TCGv_i32 df;
};

/* How the current instruction ends (DisasContext.is_jmp). */
enum {
    DISAS_NEXT = 0,     /* fall through to the next instruction */
    DISAS_NORETURN,     /* the block already ended (jump, exception) */
    DISAS_EOB_NEXT,     /* end the block after this insn: RIP = next_rip,
                           exit to the loop (hflags/IF/TLB changed) */
    DISAS_EOB_ONLY,     /* end the block; RIP already stored */
    DISAS_JUMP,         /* near jump, RIP global holds the target: look
                           up the next TB (lookup_goto_ptr: the jump
                           cache inline, else lookup_tb_ptr) */
    DISAS_JUMP_FAR,     /* CS:RIP (and maybe RFLAGS) changed: look up the
                           next TB through lookup_tb_ptr only */
};

/*
 * Hooks of x86_gen_tb_hooks(), for drivers other than accel/tcg (unit
 * tests, the differential tester): where code bytes come from, and
 * whether indirect jumps look up the next TB (lookup_tb_ptr) or simply
 * exit to the caller.
 */
typedef size_t X86CodeFetchFn(CPUX86TCG *env, uint64_t pc, uint8_t *buf,
                              size_t len, bool first);
typedef struct X86GenHooks {
    X86CodeFetchFn *fetch;          /* NULL: x86_code_fetch */
    bool no_lookup;                 /* indirect jumps: exit_tb(NULL, 0) */
} X86GenHooks;

/* x86_gen_tb() with hooks (x86_gen_tb is this with defaults). */
int x86_gen_tb_hooks(TCGContext *s, X86TCGGlobals *g, CPUX86TCG *env,
                     X86TBDesc *tb, const X86GenHooks *hooks);

typedef struct DisasContext {
    TCGContext *s;
    X86TCGGlobals *g;
    CPUX86TCG *env;         /* for code fetch only: never read guest state */
    X86CodeFetchFn *fetch;
    bool no_lookup;
    X86TBDesc *tb;

    uint32_t flags;         /* hflags of the TB */
    uint64_t cs_base;
    uint64_t pc_start;      /* linear address of the current instruction */
    uint64_t rip;           /* RIP of the current instruction */
    uint64_t next_rip;      /* RIP after it */
    int mode;               /* 16, 32 or 64: default code size */
    int cpl;
    int mmu_idx;            /* data accesses */
    bool code64, pe, vm, ss32;

    uint32_t cc_op;         /* static cc_op, or X86_CC_OP_DYNAMIC */
    bool cc_op_dirty;       /* cc_op differs from the cc_op global */
    int is_jmp;             /* DISAS_* */
    const X86Insn *insn;    /* the instruction being translated */
    TCGOp *insn_start_op;   /* its insn_start (see gen_cc_op_dynamic_start) */
    TCGv_i64 tmps[48];      /* temps freed at the end of the instruction */
    unsigned nb_tmps;
    /* this instruction's linear addresses through a segment that needs
       checks (HF_SEGCHK): the offset and segment each was made from */
    struct {
        TCGv_i64 lin, off;
        int seg;
    } segacc[8];
    unsigned nb_segacc;
    /* 64-bit mode: linear addresses formed through SS (a non-canonical
       one raises #SS(0) rather than #GP(0)); reset per instruction */
    TCGv_i64 stack_lin[4];
    unsigned nb_stack_lin;
} DisasContext;

typedef void X86GenFn(DisasContext *d, const X86Insn *in);

/*
 * System instructions (translate-sys.c): called for every mnemonic the
 * general-purpose table does not own. Returns false for a mnemonic it
 * does not know either (the translator then raises #UD).
 */
bool x86_gen_sys(DisasContext *d, const X86Insn *in);

/* x87 instructions (translate-x87.c): false for anything else. */
bool x86_gen_x87(DisasContext *d, const X86Insn *in);
/* WAIT/FWAIT: #NM by CR0.MP/TS, pending x87 exceptions. */
void gen_x87_wait(DisasContext *d);

/* ---- sizes ---- */

/* MemOp size code of a byte count (1 2 4 8 -> MO_8..MO_64). */
static inline MemOp mo_size(int bytes)
{
    return bytes == 1 ? MO_8 : bytes == 2 ? MO_16 : bytes == 4 ? MO_32 : MO_64;
}
/* Size in bytes of a general-register or memory operand. */
int x86_op_bytes(const X86Insn *in, const X86Operand *o);
/* Zero-/sign-extends v in place from bytes to 64 bits. */
void gen_ext(DisasContext *d, TCGv_i64 v, int bytes, bool sign);
void gen_ext_to(DisasContext *d, TCGv_i64 dst, TCGv_i64 v, int bytes,
                bool sign);
/* A 64-bit temp freed automatically at the end of the instruction. */
TCGv_i64 tmp_new(DisasContext *d);
/* A 64-bit constant. */
TCGv_i64 tconst(DisasContext *d, uint64_t v);

/* ---- registers ---- */

/* Reads a general register of the given size (1: low byte) into dst. */
void gen_ld_gpr(DisasContext *d, TCGv_i64 dst, int reg, int bytes);
/* Writes a general register with x86 rules: 8/16 bits merge, 32 bits
   zero the upper half, 64 bits replace. */
void gen_st_gpr(DisasContext *d, int reg, TCGv_i64 val, int bytes);

/* ---- memory operands and addresses ---- */

/* Effective address (offset within the segment) of a memory operand,
   wrapped to its address size. Returns a new TB temp. */
TCGv_i64 gen_ea(DisasContext *d, const X86Operand *o);
/* Adds the base of segment seg (X86_SEG_*; FS/GS only in 64-bit mode)
   to ea in place and applies the A20-independent address-size rules. */
void gen_add_seg(DisasContext *d, TCGv_i64 addr, int seg, int addr_size);
/* Linear address of a memory operand. Returns a new TB temp. */
TCGv_i64 gen_lea(DisasContext *d, const X86Operand *o);
/* Linear address of seg:(register r truncated to asz bytes). */
TCGv_i64 gen_lea_reg(DisasContext *d, int seg, int r, int asz);
/*
 * Guest loads/stores at a linear address (zero-extended to 64 bits). When
 * laddr came from gen_add_seg (gen_lea, gen_lea_reg, gen_stack_addr) of a
 * segment that needs checks, the access is first checked against the
 * segment's limit and type (#GP(0), or #SS(0) through SS).
 */
void gen_ld_mem(DisasContext *d, TCGv_i64 dst, TCGv_i64 laddr, int bytes);
void gen_st_mem(DisasContext *d, TCGv_i64 val, TCGv_i64 laddr, int bytes);
/* The segment check alone, for accesses made by a helper or none at all
   (acc: X86_SEGACC_*). Emits nothing for flat segments and 64-bit mode. */
void gen_check_seg(DisasContext *d, TCGv_i64 laddr, int bytes, unsigned acc);

/*
 * Operand access for any kind (register, memory, immediate, relative,
 * segment register read). The value is zero-extended to 64 bits; sized
 * by the operand (or the instruction's operand size for immediates).
 * *laddr (may be NULL) receives the linear address of a memory operand so
 * that a read-modify-write stores to it without recomputing.
 */
void gen_ld_op(DisasContext *d, TCGv_i64 dst, const X86Operand *o,
               TCGv_i64 *laddr);
void gen_st_op(DisasContext *d, const X86Operand *o, TCGv_i64 val,
               TCGv_i64 laddr);
/* gen_ld_op of a read-modify-write destination (translate-alu.c): the
   segment is checked for the write before the load, as processors do. */
void gen_ld_op_rmw(DisasContext *d, TCGv_i64 dst, const X86Operand *o,
                   TCGv_i64 *laddr);

/* ---- the stack ---- */

/* Stack pointer width in bytes: 8 in 64-bit mode, else SS.B ? 4 : 2. */
int x86_stack_bytes(const DisasContext *d);
/* Linear address SS:sp with the stack width. */
TCGv_i64 gen_stack_addr(DisasContext *d, TCGv_i64 sp);
/* Pushes val (bytes wide). RSP is written after the store succeeds. */
void gen_push(DisasContext *d, TCGv_i64 val, int bytes);
/* Loads the value at the top of the stack into dst; gen_pop_update then
   adds bytes to RSP (two steps so a fault leaves RSP intact). */
void gen_pop_load(DisasContext *d, TCGv_i64 dst, int bytes);
void gen_pop_update(DisasContext *d, int bytes);
/* Adds delta to RSP with the stack width. */
void gen_add_rsp(DisasContext *d, int64_t delta);

/* ---- lazy flags ---- */

void set_cc_op(DisasContext *d, uint32_t op);
/* Writes d->cc_op into the cc_op global if it is not there yet. */
void gen_update_cc_op(DisasContext *d);
/* Arithmetic flags (RF_ARITH bits) into dst, from the current cc_op. */
void gen_compute_eflags(DisasContext *d, TCGv_i64 dst);
/* Materializes the flags: cc_src = arith flags, cc_op = CC_OP_EFLAGS. */
void gen_flush_flags(DisasContext *d);
/* dst = 1 if condition cc (0..15, the Jcc encoding) holds, else 0. */
void gen_setcc(DisasContext *d, TCGv_i64 dst, int cc);
/* Branches to l when condition cc holds. */
void gen_jcc_label(DisasContext *d, int cc, TCGLabel *l);
/* Makes this instruction's insn_start say "cc_op is in env" and writes
   the cc_op global: for instructions that update the flags several times
   before they may fault (REPE CMPS / SCAS). */
void gen_cc_op_dynamic_start(DisasContext *d);
/* dst = CF (0/1). */
void gen_get_cf(DisasContext *d, TCGv_i64 dst);

/* ---- control flow and exceptions ---- */

/* RIP global = d->rip (this instruction) / d->next_rip. */
void gen_update_rip_cur(DisasContext *d);
void gen_update_rip_next(DisasContext *d);
/* RIP + cc_op into env before a helper that may fault or read flags. */
void gen_sync_state(DisasContext *d);
/* Ends the block at a known RIP, chaining through goto_tb slot n. */
void gen_jmp_tb(DisasContext *d, uint64_t rip, int n);
/* Ends the block, RIP global already set: lookup = look up the next TB
   (indirect jump), else exit to the loop (hflags/IF may have changed). */
void gen_eob(DisasContext *d, bool lookup);
/* Raises exception vector (with error code) at this instruction. */
void gen_exception(DisasContext *d, int vector);
void gen_exception_err(DisasContext *d, int vector, uint32_t err);
/* #UD for this instruction. */
void gen_illegal(DisasContext *d);

/* helper_rep_bulk's desc: element bytes | this | mmu_idx << 8 */
#define X86_REP_BULK_MOVS 0x10

/* Emitters are registered here (translate.c): one entry per mnemonic. */
extern X86GenFn *const x86_gen_table[X86_M_COUNT];

/* Family emitters (translate-<family>.c), one per mnemonic owned here. */
#define X86_GEN_LIST(X)                                                     \
    /* alu */ X(ADD) X(ADC) X(SUB) X(SBB) X(AND) X(OR) X(XOR) X(CMP)        \
    X(TEST) X(INC) X(DEC) X(NEG) X(NOT)                                     \
    /* shift */ X(SHL) X(SHR) X(SAR) X(ROL) X(ROR) X(RCL) X(RCR)           \
    X(SHLD) X(SHRD)                                                         \
    /* muldiv */ X(MUL) X(IMUL) X(DIV) X(IDIV)                              \
    /* bcd */ X(DAA) X(DAS) X(AAA) X(AAS) X(AAM) X(AAD)                     \
    X(SALC)                                                                 \
    /* bitops */ X(BT) X(BTS) X(BTR) X(BTC) X(BSF) X(BSR) X(TZCNT)          \
    X(LZCNT) X(POPCNT) X(BSWAP)                                             \
    /* string */ X(MOVS) X(CMPS) X(SCAS) X(LODS) X(STOS)                    \
    /* stack */ X(PUSH) X(POP) X(PUSHA) X(POPA) X(ENTER) X(LEAVE)           \
    /* branch */ X(JCC) X(JMP) X(CALL) X(RET) X(LOOP) X(LOOPE) X(LOOPNE)    \
    X(JCXZ) X(SETCC) X(CMOVCC)                                              \
    /* misc */ X(MOV) X(MOVZX) X(MOVSX) X(MOVSXD) X(LEA) X(CBW) X(CWD)     \
    X(XCHG) X(XADD) X(CMPXCHG) X(CMPXCHG8B) X(CMPXCHG16B) X(LAHF)          \
    X(SAHF) X(CLC) X(STC) X(CMC) X(CLD) X(STD) X(XLAT) X(NOP) X(PAUSE)      \
    X(LFENCE) X(SFENCE) X(MFENCE) X(PREFETCH) X(PREFETCHNTA)                \
    X(PREFETCHT0) X(PREFETCHT1) X(PREFETCHT2) X(PREFETCHW)                  \
    X(PREFETCHWT1) X(CLFLUSH) X(CLFLUSHOPT) X(CLWB) X(MOVBE) X(MOVNTI)     \
    X(FWAIT) X(UD0) X(UD1) X(UD2)                                           \
    X86_GEN_SIMD_LIST(X)                                                    \
    X86_GEN_SSEFP_LIST(X)

#define X86_GEN_DECL(name) void gen_##name(DisasContext *d, const X86Insn *in);
X86_GEN_LIST(X86_GEN_DECL)
#undef X86_GEN_DECL

#endif
