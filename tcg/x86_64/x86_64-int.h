/*
 * Internal state of the native x86-64 TCG backend, shared by its files:
 *   backend-x86_64.c  code buffer (double mapping), prologue/epilogue,
 *                     the TCGBackend entry points, -d out_asm
 *   regalloc.c        register allocation over the op list
 *   codegen.c         instruction selection per op, slow paths
 *
 * Register conventions inside generated code (System V AMD64 ABI):
 *   rbp   env (callee-saved, set by the prologue)
 *   rsp   frame: temp spill slots at [rsp + 8 * n], then a save area for
 *         slow paths (one 8-byte slot per register number); rsp is
 *         16-byte aligned at every call
 *   r11   backend scratch, never allocated
 *   the other 13 registers are allocated to temps; rbx, r12-r15 survive
 *   helper calls and are tried first.
 */
#ifndef KITE_TCG_X86_64_INT_H
#define KITE_TCG_X86_64_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/disas.h"
#include "tcg/tcg.h"

enum {
    X64_RAX, X64_RCX, X64_RDX, X64_RBX, X64_RSP, X64_RBP, X64_RSI, X64_RDI,
    X64_R8, X64_R9, X64_R10, X64_R11, X64_R12, X64_R13, X64_R14, X64_R15,
    X64_NB_REGS,
};

#define X64_REG_ENV     X64_RBP
#define X64_REG_TMP     X64_R11
#define X64_BIT(r)      (1u << (r))
#define X64_CALLER_SAVED                                                    \
    (X64_BIT(X64_RAX) | X64_BIT(X64_RCX) | X64_BIT(X64_RDX) |               \
     X64_BIT(X64_RSI) | X64_BIT(X64_RDI) | X64_BIT(X64_R8) |                \
     X64_BIT(X64_R9) | X64_BIT(X64_R10) | X64_BIT(X64_R11))
#define X64_ALLOCATABLE                                                     \
    (0xffffu & ~(X64_BIT(X64_RSP) | X64_BIT(X64_RBP) | X64_BIT(X64_R11)))

/* frame layout (bytes from rsp inside generated code) */
#define X64_NB_SLOTS    TCG_MAX_TEMPS
#define X64_SAVE_OFF    (X64_NB_SLOTS * 8)
#define X64_FRAME_SIZE  (X64_SAVE_OFF + X64_NB_REGS * 8 + 8)  /* = 8 mod 16 */

/* host CPU features (CPUID), tested at init */
enum {
    X64_FEAT_LZCNT  = 1u << 0,
    X64_FEAT_TZCNT  = 1u << 1,   /* BMI1 */
    X64_FEAT_POPCNT = 1u << 2,
};

/* where a temp's value currently is */
enum { LOC_DEAD, LOC_REG, LOC_MEM, LOC_CONST };

typedef struct X64TempState {
    uint8_t loc;
    int8_t reg;             /* LOC_REG: the register */
    bool coherent;          /* LOC_REG: memory copy is up to date */
    int32_t slot;           /* frame slot of a non-global temp, or -1 */
} X64TempState;

/* A rel32 that must point at a label once it is placed. */
typedef struct X64Reloc {
    uint32_t pos;           /* offset of the rel32 from the TB start */
    uint32_t label;
} X64Reloc;

/* An out-of-line qemu_ld/qemu_st miss path, emitted after the TB body. */
typedef struct X64SlowPath {
    bool is_store;
    bool is64;              /* i64 data temp */
    MemOpIdx oi;
    int8_t addr_reg, data_reg;
    uint16_t save_mask;     /* live caller-saved registers to preserve */
    uint32_t jmp_pos[2];    /* rel32s jumping here (UINT32_MAX: unused) */
    uint32_t ret_pos;       /* where the fast path continues */
} X64SlowPath;

typedef struct X64Gen X64Gen;

typedef struct X64Backend {
    X64Gen *gen;                /* per-TB scratch, reused */
    int memfd;
    uint8_t *buf_rw, *buf_rx;
    size_t map_size;
    uint32_t features;
    size_t prologue_size;       /* bytes reserved at the buffer start */
    uint32_t epilogue_off;      /* rax already holds the value */
    uint32_t epilogue_zero_off; /* returns 0 */
    X86Disas disas;
    bool disas_tried, disas_ok;
} X64Backend;

/* Code generation state for one TB. */
struct X64Gen {
    TCGContext *s;
    X64Backend *be;
    uint8_t *start;             /* TB start, write view */
    uint8_t *ptr;               /* current position, write view */
    uint8_t *limit;             /* stop generating past this point */
    bool full;

    X64TempState ts[TCG_MAX_TEMPS];
    int16_t reg_temp[X64_NB_REGS];  /* temp index, or -1 */
    uint16_t locked;            /* registers in use by the current op */
    uint16_t dead_mask;         /* registers of inputs that die here */
    uint32_t next_slot;

    int32_t *label_pos;         /* offset from start, -1 until placed */
    X64Reloc *relocs;
    unsigned nb_relocs, relocs_cap;
    X64SlowPath *slow;
    unsigned nb_slow, slow_cap;
    TCGInsnData *insns;
    unsigned nb_insns;
    unsigned label_cap;
};

static inline X64TempState *x64_ts(X64Gen *g, const TCGTemp *t)
{
    return &g->ts[t->index];
}

static inline bool x64_is64(const TCGTemp *t)
{
    return t->type == TCG_TYPE_I64;
}

/* regalloc.c */
void x64_ra_start(X64Gen *g);
int x64_reg_alloc(X64Gen *g, uint16_t avoid);
void x64_reg_evict(X64Gen *g, int reg, uint16_t avoid);
void x64_temp_bind(X64Gen *g, TCGTemp *t, int reg);
void x64_temp_release(X64Gen *g, TCGTemp *t);
int x64_temp_load(X64Gen *g, TCGTemp *t, uint16_t avoid);
void x64_temp_copy_to(X64Gen *g, TCGTemp *t, int reg);
void x64_temp_sync(X64Gen *g, TCGTemp *t);
void x64_temp_spill(X64Gen *g, TCGTemp *t);
void x64_sync_globals(X64Gen *g);
void x64_drop_globals(X64Gen *g);
void x64_bb_sync(X64Gen *g);
void x64_bb_end(X64Gen *g);
void x64_evict_caller_saved(X64Gen *g);
uint16_t x64_live_caller_saved(X64Gen *g);
void x64_ld_mem(X64Gen *g, bool is64, int reg, int base, int64_t off);
void x64_st_mem(X64Gen *g, bool is64, int reg, int base, int64_t off);

/* codegen.c */
void x64_gen_op(X64Gen *g, TCGOp *op, TCGCodeInfo *out);
void x64_gen_slow_paths(X64Gen *g);
void x64_emit_call_abs(X64Gen *g, const void *func);

#endif
