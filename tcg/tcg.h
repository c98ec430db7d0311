/*
 * TCG: Kite's intermediate representation for translated guest code.
 *
 * A translation block (TB) is built as a list of ops (tcg/ops.def) on
 * temporaries, then tcg_gen_code() runs the optimizer (tcg/optimize.c),
 * the liveness pass (tcg/liveness.c) and a backend (tcg/backend.h) that
 * leaves runnable code in the context's code buffer.
 *
 * Temporaries (TCGTemp), by kind:
 *   TEMP_FIXED   env: the pointer to the CPU state, always available.
 *   TEMP_GLOBAL  a guest register bound to env + offset. Backends keep it
 *                in a host register within a block and write it back where
 *                the liveness pass says (before ops that may fault, before
 *                helper calls that read globals, at block ends and exits).
 *                Created once per context, before the first TB. Memory
 *                behind a global must only be accessed through the global
 *                inside generated code (never with ld/st ops).
 *   TEMP_TB      lives across labels for the whole TB (tcg_temp_new_*).
 *   TEMP_EBB     lives within one extended basic block: from a label to the
 *                next label, across conditional branches' fall-through
 *                (tcg_temp_ebb_new_*). Cheaper for the native backend.
 *   TEMP_CONST   read-only constant, interned per TB (tcg_constant_*).
 *
 * Everything lives in a TCGContext (one per vCPU); nothing is global
 * except the const op and helper tables.
 *
 * Fault recovery: each guest instruction starts with an insn_start op
 * carrying TCG_INSN_START_WORDS words (guest pc, translator word such as
 * cc_op). The backend records, per instruction, the code offset where it
 * begins plus those words (TCGCodeInfo.insns). When a guest memory access
 * or a helper faults in the middle of a TB, the runtime has a return
 * address (ra) that points just after the start of the faulting host
 * instruction: for the native backend the host return address of the
 * call, for the interpreter the address after the bytecode instruction's
 * first word. Slow paths receive it as an argument; helpers get it with
 * TCG_GETPC(s), which works under both backends.
 * tcg_insn_data_find_ra(tb, ra, data) then gives the words of the faulting
 * guest instruction. Globals were already synced to env by the liveness
 * rules (ops that may fault and helpers that read globals sync them), so
 * env plus those words is the exact guest state at the start of the
 * faulting instruction. The runtime then leaves with siglongjmp from the
 * slow path or helper; neither backend holds resources across those calls.
 * (The runtime finds which TB holds ra by code address: TBs are laid out
 * one after the other in the code buffer.)
 */
#ifndef KITE_TCG_H
#define KITE_TCG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "system/log.h"
#include "system/util.h"
#include "tcg/jmp-cache.h"

#define TCG_MAX_TEMPS          1024
#define TCG_MAX_OP_ARGS        10
#define TCG_MAX_INSNS          512
#define TCG_INSN_START_WORDS   2
#define TCG_HELPER_MAX_ARGS    6
#define TCG_NO_JUMP            UINT32_MAX

typedef uint64_t TCGArg;

typedef enum TCGType {
    TCG_TYPE_I32,
    TCG_TYPE_I64,
} TCGType;

#if UINTPTR_MAX > 0xffffffffu
#define TCG_TYPE_PTR TCG_TYPE_I64
#else
#define TCG_TYPE_PTR TCG_TYPE_I32
#endif

typedef enum TCGTempKind {
    TEMP_EBB,
    TEMP_TB,
    TEMP_GLOBAL,
    TEMP_FIXED,
    TEMP_CONST,
} TCGTempKind;

typedef struct TCGTemp {
    uint16_t index;
    uint8_t type;           /* TCGType */
    uint8_t kind;           /* TCGTempKind */
    bool allocated;         /* EBB/TB temps: in use in this TB */
    int64_t mem_offset;     /* globals: env + mem_offset */
    uint64_t val;           /* constants: value (i32 zero-extended) */
    const char *name;       /* globals and env */
    uint32_t next_free;     /* free list link */
    int32_t be_reg;         /* backend scratch: register allocation */
    int32_t be_slot;        /* backend scratch: frame slot */
} TCGTemp;

/* Typed handles: pointers to the TCGTemp, with distinct C types. */
typedef struct TCGv_i32_d *TCGv_i32;
typedef struct TCGv_i64_d *TCGv_i64;
typedef struct TCGv_ptr_d *TCGv_ptr;

static inline TCGTemp *tcgv_i32_temp(TCGv_i32 v) { return (TCGTemp *)v; }
static inline TCGTemp *tcgv_i64_temp(TCGv_i64 v) { return (TCGTemp *)v; }
static inline TCGTemp *tcgv_ptr_temp(TCGv_ptr v) { return (TCGTemp *)v; }
static inline TCGv_i32 temp_tcgv_i32(TCGTemp *t) { return (TCGv_i32)t; }
static inline TCGv_i64 temp_tcgv_i64(TCGTemp *t) { return (TCGv_i64)t; }
static inline TCGv_ptr temp_tcgv_ptr(TCGTemp *t) { return (TCGv_ptr)t; }
static inline TCGArg temp_arg(const TCGTemp *t) { return t->index; }
static inline TCGArg tcgv_i32_arg(TCGv_i32 v) { return tcgv_i32_temp(v)->index; }
static inline TCGArg tcgv_i64_arg(TCGv_i64 v) { return tcgv_i64_temp(v)->index; }
static inline TCGArg tcgv_ptr_arg(TCGv_ptr v) { return tcgv_ptr_temp(v)->index; }

/* Op flags (ops.def) */
enum {
    TCG_OPF_BB_END       = 1u << 0,  /* ends a basic block */
    TCG_OPF_NO_FALLTHROUGH = 1u << 1,/* code after it is reached only by label */
    TCG_OPF_COND_BRANCH  = 1u << 2,
    TCG_OPF_SIDE_EFFECTS = 1u << 3,  /* never deleted */
    TCG_OPF_CALL         = 1u << 4,  /* variable argument counts */
    TCG_OPF_64BIT        = 1u << 5,  /* outputs are i64 */
    TCG_OPF_MAY_FAULT    = 1u << 6,  /* globals must be in env before it */
    TCG_OPF_NOT_PRESENT  = 1u << 7,  /* marker: produces no code itself */
    TCG_OPF_EXIT         = 1u << 8,  /* leaves the TB: only globals matter */
};

typedef enum TCGOpcode {
#define DEF(name, oargs, iargs, cargs, flags) INDEX_op_##name,
#include "tcg/ops.def"
#undef DEF
    NB_OPS,
} TCGOpcode;

typedef struct TCGOpDef {
    const char *name;
    uint8_t nb_oargs, nb_iargs, nb_cargs;
    uint32_t flags;
} TCGOpDef;

extern const TCGOpDef tcg_op_defs[NB_OPS];

/*
 * Per-op liveness results (tcg/liveness.c): bit n of DEAD is set when
 * argument n's temp is not used after this op (for an output: the value
 * written is never read); bit n of SYNC is set when output n must be
 * written back to its memory (globals; TB temps for the native backend)
 * right after the op.
 */
typedef uint32_t TCGLifeData;
#define TCG_LIFE_DEAD(n)  (1u << (n))
#define TCG_LIFE_SYNC(n)  (1u << ((n) + 16))

typedef struct TCGOp {
    struct TCGOp *prev, *next;
    uint16_t opc;           /* TCGOpcode */
    uint8_t nargs;          /* total arguments used */
    uint8_t callo, calli;   /* call: output and input temp counts */
    TCGLifeData life;
    TCGArg args[TCG_MAX_OP_ARGS];
} TCGOp;

typedef struct TCGLabel {
    uint32_t id;
    uint32_t refs;          /* branches that target it */
    bool present;           /* its set_label was emitted */
    uint32_t value;         /* backend: code offset once placed */
} TCGLabel;

/* Conditions: bit patterns chosen so invert/swap are cheap. */
typedef enum TCGCond {
    TCG_COND_NEVER = 0,
    TCG_COND_ALWAYS = 1,
    TCG_COND_EQ = 8,
    TCG_COND_NE = 9,
    TCG_COND_LT = 2,
    TCG_COND_GE = 3,
    TCG_COND_LE = 4,
    TCG_COND_GT = 5,
    TCG_COND_LTU = 10,
    TCG_COND_GEU = 11,
    TCG_COND_LEU = 12,
    TCG_COND_GTU = 13,
    TCG_COND_TSTEQ = 6,     /* (a & b) == 0 */
    TCG_COND_TSTNE = 7,     /* (a & b) != 0 */
} TCGCond;

static inline TCGCond tcg_invert_cond(TCGCond c) { return (TCGCond)(c ^ 1); }
TCGCond tcg_swap_cond(TCGCond c);
const char *tcg_cond_name(TCGCond c);

/* Guest memory access descriptor. */
typedef enum MemOp {
    MO_8 = 0, MO_16 = 1, MO_32 = 2, MO_64 = 3,
    MO_SIZE = 3,
    MO_SIGN = 4,
    MO_LE = 0,
    MO_BE = 8,
    MO_ALIGN = 16,          /* misaligned accesses go to the slow path */
    MO_FRONTEND = 32,       /* the front end's own flag: backends pass it
                               through to the slow paths untouched */

    MO_UB = MO_8, MO_SB = MO_8 | MO_SIGN,
    MO_LEUW = MO_16, MO_LESW = MO_16 | MO_SIGN,
    MO_LEUL = MO_32, MO_LESL = MO_32 | MO_SIGN,
    MO_LEUQ = MO_64,
    MO_BEUW = MO_BE | MO_16, MO_BESW = MO_BE | MO_16 | MO_SIGN,
    MO_BEUL = MO_BE | MO_32, MO_BESL = MO_BE | MO_32 | MO_SIGN,
    MO_BEUQ = MO_BE | MO_64,
} MemOp;

typedef uint32_t MemOpIdx;
static inline MemOpIdx tcg_memop_idx(MemOp mo, unsigned mmu_idx)
{
    return (uint32_t)mo | (mmu_idx << 8);
}
static inline MemOp tcg_memop(MemOpIdx oi) { return (MemOp)(oi & 0xff); }
static inline unsigned tcg_mmu_idx(MemOpIdx oi) { return oi >> 8; }

/* Helpers */
typedef enum TCGHelperType {
    TCG_HT_VOID,
    TCG_HT_I32,     /* uint32_t */
    TCG_HT_S32,     /* int32_t */
    TCG_HT_I64,     /* uint64_t */
    TCG_HT_S64,     /* int64_t */
    TCG_HT_PTR,     /* void * (env and host pointers) */
} TCGHelperType;

enum {
    /* The helper does not read globals: they need not be synced first. */
    TCG_CALL_NO_READ_GLOBALS  = 1u << 0,
    /* The helper does not change globals: host copies stay valid. */
    TCG_CALL_NO_WRITE_GLOBALS = 1u << 1,
    /* No side effects and no faults: deleted when its result is dead. */
    TCG_CALL_NO_SIDE_EFFECTS  = 1u << 2,
    TCG_CALL_NO_RWG = TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS,
    TCG_CALL_NO_WG = TCG_CALL_NO_WRITE_GLOBALS,
    TCG_CALL_NO_RWG_SE = TCG_CALL_NO_RWG | TCG_CALL_NO_SIDE_EFFECTS,
    TCG_CALL_NO_WG_SE = TCG_CALL_NO_WG | TCG_CALL_NO_SIDE_EFFECTS,
};
/*
 * A helper that may raise a guest exception (siglongjmp out) must not be
 * NO_READ_GLOBALS, so that the guest registers are in env when it runs.
 */

typedef struct TCGHelperInfo {
    const char *name;
    void (*func)(void);
    uint32_t flags;                         /* TCG_CALL_* */
    uint8_t ret;                            /* TCGHelperType */
    uint8_t nargs;
    uint8_t args[TCG_HELPER_MAX_ARGS];      /* TCGHelperType, no VOID */
} TCGHelperInfo;

/*
 * Slow paths supplied by the runtime: guest memory accesses that miss the
 * soft TLB (or hit a flagged entry). load_slow returns the value in host
 * order, extended to 64 bits as memop says (MO_SIGN). They may leave with
 * siglongjmp on a guest fault (see the fault recovery note above).
 */
typedef struct TCGRuntime {
    uint64_t (*load_slow)(void *env, uint64_t vaddr, MemOp memop,
                          unsigned mmu_idx, uintptr_t ra);
    void (*store_slow)(void *env, uint64_t vaddr, uint64_t val, MemOp memop,
                       unsigned mmu_idx, uintptr_t ra);
} TCGRuntime;

typedef struct TCGBackend TCGBackend;

typedef struct TCGContextConfig {
    const TCGBackend *backend;  /* NULL: the interpreter (tcg_backend_tci) */
    size_t code_size;           /* code buffer bytes; 0: 16 MiB */
    ptrdiff_t tlb_offset;       /* env + tlb_offset is the TCGTLB */
    TCGRuntime runtime;         /* NULL slow paths: misses read 0 */
    TCGJumpCacheConfig jc;      /* inline jump-cache test (tcg/jmp-cache.h) */
    Log *log;                   /* LOG_OP / LOG_OP_OPT output; may be NULL */
} TCGContextConfig;

/* Per guest instruction of a generated TB (see the fault recovery note). */
typedef struct TCGInsnData {
    uint32_t code_offset;       /* from TCGCodeInfo.code */
    uint32_t reserved;
    uint64_t data[TCG_INSN_START_WORDS];
} TCGInsnData;

typedef struct TCGCodeInfo {
    const void *code;           /* executable view: give to tcg_exec_tb */
    size_t code_size;           /* bytes of code */
    size_t total_size;          /* code + insn data, as used in the buffer */
    uint32_t jmp_offset[2];     /* goto_tb slots for tcg_set_jump */
    const TCGInsnData *insns;
    unsigned nb_insns;
} TCGCodeInfo;

/* exit_tb values: (uintptr_t)tb | index, like QEMU. TBs are 4-aligned. */
enum {
    TB_EXIT_IDX0 = 0,           /* left through goto_tb slot 0 */
    TB_EXIT_IDX1 = 1,           /* left through goto_tb slot 1 */
    TB_EXIT_REQUESTED = 3,      /* asked to stop; no chaining */
    TB_EXIT_MASK = 3,
};

typedef struct TCGOptInfo TCGOptInfo;

typedef struct TCGContext {
    TCGContextConfig cfg;
    const TCGBackend *backend;
    void *be;                   /* backend private state */

    /* code buffer */
    uint8_t *code_buf;          /* writable view */
    uint8_t *code_buf_rx;       /* executable view */
    size_t code_size;
    size_t code_used;

    /* temporaries */
    unsigned nb_globals;        /* env and globals: temps [0, nb_globals) */
    unsigned nb_temps;
    bool overflow;              /* ran out of temps/labels/ops this TB */
    uint32_t free_temps[2][2];  /* [type][kind == TEMP_TB] list heads */
    uint32_t const_hash[512];   /* interned constants: temp index + 1 */
    unsigned nb_consts_hashed;
    TCGTemp temps[TCG_MAX_TEMPS];

    /* ops: a circular list through ops_head */
    TCGOp ops_head;
    TCGOp *free_ops;
    unsigned nb_ops;
    void **op_chunks;
    unsigned nb_op_chunks;

    /* labels */
    TCGLabel **labels;
    unsigned nb_labels, labels_cap;

    unsigned nb_insns;          /* insn_start ops this TB */

    /* pass scratch */
    TCGOptInfo *opt_info;
    uint32_t opt_gen;           /* last generation tcg_optimize used */
    uint8_t *live_state;

    /* set by a backend whose helpers cannot use their own return address
       (the interpreter): it stores the return address for fault recovery
       here before every helper call and slow path */
    bool uses_exec_ra;
    uintptr_t exec_ra;
} TCGContext;

/*
 * The fault-recovery return address inside a helper called from generated
 * code (a macro: __builtin_return_address must be the helper's own).
 */
#define TCG_GETPC(s) ((s)->uses_exec_ra ? (s)->exec_ra \
                      : (uintptr_t)__builtin_return_address(0))

/* --- context --- */
TCGContext *tcg_context_new(const TCGContextConfig *cfg, Error *err);
void tcg_context_free(TCGContext *s);
/* Starts building a new TB: drops ops, labels and non-global temps. */
void tcg_func_start(TCGContext *s);

/* --- temporaries --- */
TCGv_ptr tcg_env(TCGContext *s);
/* Globals: only before the first tcg_func_start's ops are used. */
TCGv_i32 tcg_global_mem_new_i32(TCGContext *s, int64_t offset, const char *name);
TCGv_i64 tcg_global_mem_new_i64(TCGContext *s, int64_t offset, const char *name);
TCGTemp *tcg_temp_new_internal(TCGContext *s, TCGType type, TCGTempKind kind);
void tcg_temp_free_internal(TCGContext *s, TCGTemp *t);
TCGTemp *tcg_constant_internal(TCGContext *s, TCGType type, uint64_t val);

static inline TCGv_i32 tcg_temp_new_i32(TCGContext *s)
{
    return temp_tcgv_i32(tcg_temp_new_internal(s, TCG_TYPE_I32, TEMP_TB));
}
static inline TCGv_i64 tcg_temp_new_i64(TCGContext *s)
{
    return temp_tcgv_i64(tcg_temp_new_internal(s, TCG_TYPE_I64, TEMP_TB));
}
static inline TCGv_ptr tcg_temp_new_ptr(TCGContext *s)
{
    return temp_tcgv_ptr(tcg_temp_new_internal(s, TCG_TYPE_PTR, TEMP_TB));
}
static inline TCGv_i32 tcg_temp_ebb_new_i32(TCGContext *s)
{
    return temp_tcgv_i32(tcg_temp_new_internal(s, TCG_TYPE_I32, TEMP_EBB));
}
static inline TCGv_i64 tcg_temp_ebb_new_i64(TCGContext *s)
{
    return temp_tcgv_i64(tcg_temp_new_internal(s, TCG_TYPE_I64, TEMP_EBB));
}
static inline void tcg_temp_free_i32(TCGContext *s, TCGv_i32 v)
{
    tcg_temp_free_internal(s, tcgv_i32_temp(v));
}
static inline void tcg_temp_free_i64(TCGContext *s, TCGv_i64 v)
{
    tcg_temp_free_internal(s, tcgv_i64_temp(v));
}
static inline void tcg_temp_free_ptr(TCGContext *s, TCGv_ptr v)
{
    tcg_temp_free_internal(s, tcgv_ptr_temp(v));
}
static inline TCGv_i32 tcg_constant_i32(TCGContext *s, uint32_t val)
{
    return temp_tcgv_i32(tcg_constant_internal(s, TCG_TYPE_I32, val));
}
static inline TCGv_i64 tcg_constant_i64(TCGContext *s, uint64_t val)
{
    return temp_tcgv_i64(tcg_constant_internal(s, TCG_TYPE_I64, val));
}
static inline TCGv_ptr tcg_constant_ptr(TCGContext *s, const void *p)
{
    return temp_tcgv_ptr(tcg_constant_internal(s, TCG_TYPE_PTR, (uintptr_t)p));
}
static inline TCGTemp *arg_temp(TCGContext *s, TCGArg a) { return &s->temps[a]; }

/* --- labels --- */
TCGLabel *tcg_label_new(TCGContext *s);
static inline TCGArg label_arg(const TCGLabel *l) { return l->id; }
static inline TCGLabel *arg_label(TCGContext *s, TCGArg a) { return s->labels[a]; }

/* --- ops --- */
/* Appends an op; the caller fills args (nargs is set from the def). */
TCGOp *tcg_emit_op(TCGContext *s, TCGOpcode opc);
TCGOp *tcg_op_insert_before(TCGContext *s, TCGOp *old, TCGOpcode opc);
TCGOp *tcg_op_insert_after(TCGContext *s, TCGOp *old, TCGOpcode opc);
void tcg_op_remove(TCGContext *s, TCGOp *op);
static inline TCGOp *tcg_first_op(TCGContext *s)
{
    return s->ops_head.next == &s->ops_head ? NULL : s->ops_head.next;
}
static inline TCGOp *tcg_next_op(TCGContext *s, TCGOp *op)
{
    return op->next == &s->ops_head ? NULL : op->next;
}
#define TCG_FOREACH_OP(s, op) \
    for (TCGOp *op = tcg_first_op(s); op; op = tcg_next_op(s, op))
#define TCG_FOREACH_OP_SAFE(s, op, nxt)                              \
    for (TCGOp *op = tcg_first_op(s), *nxt = op ? tcg_next_op(s, op) : NULL; \
         op; op = nxt, nxt = op ? tcg_next_op(s, op) : NULL)

static inline unsigned tcg_op_nb_oargs(const TCGOp *op)
{
    return op->opc == INDEX_op_call ? op->callo : tcg_op_defs[op->opc].nb_oargs;
}
static inline unsigned tcg_op_nb_iargs(const TCGOp *op)
{
    return op->opc == INDEX_op_call ? op->calli : tcg_op_defs[op->opc].nb_iargs;
}
static inline const TCGHelperInfo *tcg_call_info(const TCGOp *op)
{
    return (const TCGHelperInfo *)(uintptr_t)op->args[op->callo + op->calli];
}
/* TCG_OPF_* flags of an op, with a call's helper flags folded in. */
uint32_t tcg_op_flags(const TCGOp *op);

/*
 * Emits a call. ret is NULL for a void helper; args has info->nargs temps
 * whose types match info->args (I32/S32: i32 temps; I64/S64: i64; PTR:
 * pointer-sized temps such as tcg_env()).
 */
void tcg_gen_callN(TCGContext *s, const TCGHelperInfo *info, TCGTemp *ret,
                   TCGTemp **args);

/* --- passes --- */
void tcg_optimize(TCGContext *s);
void tcg_liveness(TCGContext *s);
/* Prints the op list; with_life adds liveness annotations. */
void tcg_dump_ops(TCGContext *s, FILE *f, bool with_life);

/*
 * Optimizes the current op list, runs liveness and the backend. Returns 0
 * with *out filled; -1 when the code buffer is full (call tcg_code_flush
 * and translate again); -2 when the TB ran out of temps, labels or insns
 * (translate again with fewer guest instructions).
 */
int tcg_gen_code(TCGContext *s, TCGCodeInfo *out);

/* Runs a TB; returns its exit_tb value (0 after goto_ptr to NULL). */
uintptr_t tcg_exec_tb(TCGContext *s, void *env, const void *code);
/* Patches goto_tb slot jmp_off of TB code to jump to target (NULL: unchain). */
void tcg_set_jump(TCGContext *s, const void *code, uint32_t jmp_off,
                  const void *target);
/* Discards all generated code. */
void tcg_code_flush(TCGContext *s);
/*
 * Finds the guest instruction containing code offset off of a TB; copies
 * its insn_start words to data. Returns the insn index or -1.
 */
int tcg_insn_data_find(const TCGCodeInfo *tb, uintptr_t off,
                       uint64_t data[TCG_INSN_START_WORDS]);
/* Same, from a return address (see the fault recovery note); -1 when ra
   is not inside the TB's code. */
int tcg_insn_data_find_ra(const TCGCodeInfo *tb, uintptr_t ra,
                          uint64_t data[TCG_INSN_START_WORDS]);

#endif
