/*
 * The x86 CPU as the TCG runs it: the architectural state plus what only
 * the software CPU needs (lazy condition codes, cached mode flags, the
 * soft TLB, the unwind point for exceptions). Generated code and helpers
 * receive a pointer to this struct as `env`; guest registers are TCG
 * globals at fixed offsets into it.
 *
 * Who writes what:
 *   cpu/x86/translate*.c   guest instructions -> IR (uses X86Insn from
 *                          decode.h), the helper list cpu/x86/helper.def
 *   cpu/x86/cc_helper.c    lazy flags: x86_tcg_compute_rflags() etc.
 *   cpu/x86/seg_helper.c   descriptor loads, far transfers, IRET, interrupt
 *                          and exception delivery (x86_do_interrupt)
 *   cpu/x86/misc_helper.c  CPUID model, MSRs, CR/DR moves, SYSCALL/SYSENTER,
 *                          HLT, port I/O
 *   cpu/x86/mmu.c          page walk (x86_mmu_translate)
 *   accel/tcg/             exec loop, TB cache and chaining, soft TLB fill
 *                          and slow paths (x86_ld and x86_st), SMC, the
 *                          AccelOps "tcg"
 *
 * Invariants:
 *   - st.rflags holds every flag except the arithmetic ones (CF PF AF ZF
 *     SF OF), which live in cc_op/cc_dst/cc_src/cc_src2 while the TCG
 *     runs, and DF, which is kept in `df` as +1/-1. x86_tcg_sync_to_arch()
 *     folds them back into st.rflags (get_state); x86_tcg_sync_from_arch()
 *     splits them out (set_state).
 *   - hflags always describes the current mode (update it through
 *     x86_update_hflags() after any change to CR0/CR4/EFER/CS/SS/RFLAGS.VM
 *     or IOPL); it is part of the TB key.
 */
#ifndef KITE_X86_TCG_CPU_H
#define KITE_X86_TCG_CPU_H

#include <setjmp.h>

#include "cpu/x86/cpu.h"
#include "tcg/tcg.h"
#include "tcg/tlb.h"

typedef struct VCPU VCPU;
typedef struct Machine Machine;

/* hflags: the mode bits that select how code is translated (TB flags). */
enum {
    HF_CPL_MASK    = 3u << 0,     /* current privilege level */
    HF_CS32        = 1u << 2,     /* CS.D: 32-bit default operand/address size */
    HF_SS32        = 1u << 3,     /* SS.B: 32-bit stack pointer */
    HF_CODE64      = 1u << 4,     /* 64-bit mode (LMA and CS.L) */
    HF_LMA         = 1u << 5,     /* long mode active (64-bit or compat) */
    HF_PE          = 1u << 6,     /* protected mode */
    HF_VM          = 1u << 7,     /* virtual-8086 mode */
    HF_ADDSEG      = 1u << 8,     /* some of DS/ES/SS has a non-zero base */
    HF_TF          = 1u << 9,     /* single-step trap after each insn */
    HF_INHIBIT_IRQ = 1u << 10,    /* interrupt shadow (STI, MOV SS) */
    HF_IOPL_SHIFT  = 11,          /* RFLAGS.IOPL copy, 2 bits */
    HF_IOPL_MASK   = 3u << 11,
    HF_TS          = 1u << 13,    /* CR0.TS */
    HF_EM          = 1u << 14,    /* CR0.EM */
    HF_MP          = 1u << 15,    /* CR0.MP */
    HF_OSFXSR      = 1u << 16,    /* CR4.OSFXSR */
    HF_SMAP        = 1u << 17,    /* CR4.SMAP */
    HF_AC          = 1u << 18,    /* RFLAGS.AC */
    HF_RF          = 1u << 19,    /* RFLAGS.RF: suppress code breakpoints */
    HF_PG          = 1u << 20,    /* paging enabled */
    HF_UMIP        = 1u << 21,    /* CR4.UMIP */
    HF_TSD         = 1u << 22,    /* CR4.TSD */
    /* HF_SEGCHK(seg), bits 23..28 by R_ES..R_GS: accesses through this
       segment need a limit/type check (cpu/x86/seg_check.c). Clear for a
       flat read/write segment with limit 4 GiB and in 64-bit mode; CS
       keeps it in protected mode (code is never writable) */
    HF_SEGCHK_SHIFT = 23,
    HF_SEGCHK_MASK = 0x3fu << 23,
    HF_ALIGN       = 1u << 29,    /* alignment checking: CPL 3, CR0.AM, AC */
    HF_OSXSAVE     = 1u << 30,    /* CR4.OSXSAVE */
};
#define HF_SEGCHK(seg) (1u << (HF_SEGCHK_SHIFT + (seg)))

/* MMU indexes into the soft TLB. */
enum {
    MMU_KSMAP_IDX   = 0,   /* CPL < 3, SMAP enforced */
    MMU_USER_IDX    = 1,   /* CPL 3 */
    MMU_KNOSMAP_IDX = 2,   /* CPL < 3 with AC=1 or SMAP off; implicit
                              supervisor accesses (descriptors, TSS, IDT) */
    MMU_PHYS_IDX    = 3,   /* physical addresses (paging off for helpers) */
    MMU_NB_MODES    = 4,
};

typedef struct CPUX86TCG {
    X86CPUState st;             /* architectural state: first member */

    /* lazy condition codes (cpu/x86/cc_helper.c defines cc_op values) */
    uint64_t cc_dst, cc_src, cc_src2;
    uint32_t cc_op;
    int32_t df;                 /* +1 or -1 */
    XMMReg simd_tmp[2];         /* SIMD memory operands (translate-fpu.c) */

    uint32_t hflags;
    /* with hflags, the key an inline jump-cache hit must match
       (tcg/jmp-cache.h); kept by accel/tcg (tb_jc_update_gen) */
    uint32_t jc_gen;
    /* non-zero: every TB leaves at its entry (TB_EXIT_REQUESTED); set by
       a kick, cleared by the exec loop before it looks at requests */
    _Atomic int32_t tb_exit_req;
    uint64_t a20_mask;          /* ~0, or ~(1 << 20) with A20 disabled */
    /*
     * Segment check fast path (with hflags, by x86_update_hflags): an
     * access of n bytes at offset off through segment s passes when
     * off + n <= seg_end[w][s] (w = 1 for writes); 0 sends every access
     * to the exact check (expand-down, null, wrong type).
     */
    uint64_t seg_end[2][6];

    /* exception in flight, for the exec loop to deliver */
    int32_t exception_index;    /* vector, or -1 */
    uint32_t error_code;
    bool exception_is_int;      /* software INT n / INT3 / INTO */
    uint64_t exception_next_rip;/* for software interrupts */
    int32_t delivering;         /* seg_helper.c: 1 + vector of the exception
                                   being delivered (for #DF), 0 if none */
    sigjmp_buf jmp_env;         /* set by the exec loop; helpers longjmp */

    VCPU *cpu;
    Machine *machine;
    void *tcg;                  /* the accelerator's per-vCPU state */
    void *jmp_cache;            /* its TCGJumpCacheEntry table */

    TCGTLB tlb;
} CPUX86TCG;

_Static_assert(offsetof(CPUX86TCG, hflags) % 8 == 0 &&
               offsetof(CPUX86TCG, jc_gen) == offsetof(CPUX86TCG, hflags) + 4,
               "{hflags, jc_gen} is read as one 64-bit jump-cache key");

static inline int x86_cpl(const CPUX86TCG *env)
{
    return env->hflags & HF_CPL_MASK;
}

/* Recomputes env->hflags from the architectural state. */
void x86_update_hflags(CPUX86TCG *env);

/*
 * Segment checks of data accesses outside 64-bit mode (seg_check.c).
 * x86_seg_update_checks() fills env->seg_end and returns the HF_SEGCHK
 * bits (x86_update_hflags calls it); x86_seg_check() returns 0 when an
 * access of size bytes at offset off through segment seg (R_*) is allowed,
 * else the vector to raise with error code 0 (EXCP_GP or EXCP_SS).
 */
enum { X86_SEGACC_READ = 0, X86_SEGACC_WRITE = 1,
       X86_SEGACC_PROBE = 2 };      /* CLFLUSH: a read, execute-only ok */
uint32_t x86_seg_update_checks(CPUX86TCG *env);
int x86_seg_check(const CPUX86TCG *env, int seg, uint64_t off,
                  unsigned size, unsigned acc);

/*
 * MemOp flag the translator sets on 64-bit SS-relative accesses: the soft
 * MMU then answers a non-canonical address with #SS(0) instead of #GP(0).
 */
#define MO_X86_STACK MO_FRONTEND

/* Lazy flags (cc_helper.c). */
uint64_t x86_tcg_compute_rflags(CPUX86TCG *env);   /* full RFLAGS */
void x86_tcg_set_rflags(CPUX86TCG *env, uint64_t rflags, uint64_t mask);
void x86_tcg_sync_to_arch(CPUX86TCG *env);
void x86_tcg_sync_from_arch(CPUX86TCG *env);

/*
 * Raises a guest exception from a helper or slow path: rebuilds the guest
 * state of the faulting instruction from ra (0 when the state is already
 * exact) and leaves to the exec loop, which delivers it. Never returns.
 */
void x86_raise_exception(CPUX86TCG *env, int vector, uintptr_t ra)
    __attribute__((noreturn));
void x86_raise_exception_err(CPUX86TCG *env, int vector, uint32_t error_code,
                             uintptr_t ra) __attribute__((noreturn));
/* Software interrupt (INT n, INT3, INTO): next_rip is pushed. */
void x86_raise_interrupt(CPUX86TCG *env, int vector, uint64_t next_rip,
                         uintptr_t ra) __attribute__((noreturn));

/*
 * Delivers an interrupt or exception through the IVT/IDT (seg_helper.c):
 * is_int for software interrupts, is_hw for external interrupts,
 * next_rip for software interrupts, error_code where the vector has one.
 * Handles #DF escalation and triple fault (sets a shutdown request).
 */
void x86_do_interrupt(CPUX86TCG *env, int vector, bool is_int, bool is_hw,
                      uint32_t error_code, uint64_t next_rip);

/*
 * Guest virtual memory access for helpers (accel/tcg/softmmu.c), with the
 * same TLB, faults (#PF via x86_raise_exception with ra) and MMIO dispatch
 * as generated code.
 */
uint8_t x86_ld8(CPUX86TCG *env, uint64_t addr, int mmu_idx, uintptr_t ra);
uint16_t x86_ld16(CPUX86TCG *env, uint64_t addr, int mmu_idx, uintptr_t ra);
uint32_t x86_ld32(CPUX86TCG *env, uint64_t addr, int mmu_idx, uintptr_t ra);
uint64_t x86_ld64(CPUX86TCG *env, uint64_t addr, int mmu_idx, uintptr_t ra);
void x86_st8(CPUX86TCG *env, uint64_t addr, uint8_t v, int mmu_idx, uintptr_t ra);
void x86_st16(CPUX86TCG *env, uint64_t addr, uint16_t v, int mmu_idx, uintptr_t ra);
void x86_st32(CPUX86TCG *env, uint64_t addr, uint32_t v, int mmu_idx, uintptr_t ra);
void x86_st64(CPUX86TCG *env, uint64_t addr, uint64_t v, int mmu_idx, uintptr_t ra);
/* The MMU index for data accesses at the current CPL/AC/SMAP. */
int x86_mmu_index(const CPUX86TCG *env);

/* Page walk (mmu.c). */
enum { X86_ACC_READ = 0, X86_ACC_WRITE = 1, X86_ACC_FETCH = 2 };
typedef struct X86Translation {
    uint64_t paddr;             /* physical address of vaddr */
    uint64_t page_size;         /* 4K, 2M, 1G (TLB fills 4K pieces) */
    bool writable, user, executable;
    bool global;                /* G in the leaf with CR4.PGE: MOV CR3 keeps it */
} X86Translation;
/*
 * Translates vaddr for an access of kind acc at mmu_idx. Returns 0, or the
 * #PF error code | (1u << 31) on a fault (CR2 not written), or -1 for a
 * non-canonical address (#GP/#SS is the caller's choice). Sets A/D bits.
 */
int64_t x86_mmu_translate(CPUX86TCG *env, uint64_t vaddr, int acc, int mmu_idx,
                          X86Translation *out);

#endif
