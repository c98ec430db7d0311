/*
 * TCG interpreter backend, execution side: runs the bytecode of
 * tcg/tci/tci.h over a frame of 64-bit slots kept on the host stack.
 *
 * Guest memory ops do the soft TLB hit test of tcg/tlb.h inline and call
 * the runtime's slow path on a miss. Before every helper call and slow
 * path, the address just past the current instruction's first word (like
 * a native return address: inside the instruction, after its start) goes
 * to s->exec_ra and is passed as the slow path's return address, so that
 * the runtime can find the faulting guest instruction
 * (tcg_insn_data_find_ra) and leave with siglongjmp: nothing here needs
 * cleaning up.
 *
 * Semantics of each op are those documented in tcg/ops.def.
 */
#include <stdlib.h>
#include <string.h>

#include "tcg/eval.h"
#include "tcg/tci/tci.h"
#include "tcg/tlb.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define TCI_HOST_BE 1
#else
#define TCI_HOST_BE 0
#endif

static bool tci_need_bswap(MemOp mo)
{
    return ((mo & MO_BE) != 0) != TCI_HOST_BE;
}

static uint64_t tci_load_host(const void *p, MemOp mo)
{
    uint64_t v;

    switch (mo & MO_SIZE) {
    case MO_8: {
        uint8_t x;
        memcpy(&x, p, 1);
        return (mo & MO_SIGN) ? (uint64_t)(int8_t)x : x;
    }
    case MO_16: {
        uint16_t x;
        memcpy(&x, p, 2);
        if (tci_need_bswap(mo)) {
            x = __builtin_bswap16(x);
        }
        return (mo & MO_SIGN) ? (uint64_t)(int16_t)x : x;
    }
    case MO_32: {
        uint32_t x;
        memcpy(&x, p, 4);
        if (tci_need_bswap(mo)) {
            x = __builtin_bswap32(x);
        }
        return (mo & MO_SIGN) ? (uint64_t)(int32_t)x : x;
    }
    default:
        memcpy(&v, p, 8);
        return tci_need_bswap(mo) ? __builtin_bswap64(v) : v;
    }
}

static void tci_store_host(void *p, uint64_t v, MemOp mo)
{
    switch (mo & MO_SIZE) {
    case MO_8: {
        uint8_t x = (uint8_t)v;
        memcpy(p, &x, 1);
        break;
    }
    case MO_16: {
        uint16_t x = (uint16_t)v;
        x = tci_need_bswap(mo) ? __builtin_bswap16(x) : x;
        memcpy(p, &x, 2);
        break;
    }
    case MO_32: {
        uint32_t x = (uint32_t)v;
        x = tci_need_bswap(mo) ? __builtin_bswap32(x) : x;
        memcpy(p, &x, 4);
        break;
    }
    default:
        v = tci_need_bswap(mo) ? __builtin_bswap64(v) : v;
        memcpy(p, &v, 8);
        break;
    }
}

/* The soft TLB hit test; tag is the entry's addr_read or addr_write. */
static bool tci_tlb_hit(uint64_t tag, uint64_t addr, MemOp mo)
{
    unsigned size = 1u << (mo & MO_SIZE);

    if (tag != (addr & TCG_PAGE_MASK)) {
        return false;
    }
    if ((addr & ~TCG_PAGE_MASK) > TCG_PAGE_SIZE - size) {
        return false;           /* crosses into the next page */
    }
    return !((mo & MO_ALIGN) && (addr & (size - 1)));
}

static TCGTLBEntry *tci_tlb_entry(TCGContext *s, void *env, unsigned mmu_idx,
                                  uint64_t addr)
{
    TCGTLB *tlb = (TCGTLB *)((char *)env + s->cfg.tlb_offset);
    /* the encoder checks the index; the mask keeps a bad one in bounds */
    return tcg_tlb_entry(tlb, mmu_idx & (TCG_MAX_MMU_MODES - 1), addr);
}

static uint64_t tci_qemu_ld(TCGContext *s, void *env, uint64_t addr,
                            MemOp mo, unsigned mmu_idx, const uint64_t *pc)
{
    TCGTLBEntry *e = tci_tlb_entry(s, env, mmu_idx, addr);

    if (likely(tci_tlb_hit(e->addr_read, addr, mo))) {
        return tci_load_host((void *)(uintptr_t)(addr + e->addend), mo);
    }
    s->exec_ra = (uintptr_t)(pc + 1);
    return s->cfg.runtime.load_slow(env, addr, mo, mmu_idx, s->exec_ra);
}

static void tci_qemu_st(TCGContext *s, void *env, uint64_t addr, uint64_t v,
                        MemOp mo, unsigned mmu_idx, const uint64_t *pc)
{
    TCGTLBEntry *e = tci_tlb_entry(s, env, mmu_idx, addr);

    if (likely(tci_tlb_hit(e->addr_write, addr, mo))) {
        tci_store_host((void *)(uintptr_t)(addr + e->addend), v, mo);
        return;
    }
    s->exec_ra = (uintptr_t)(pc + 1);
    s->cfg.runtime.store_slow(env, addr, v, mo, mmu_idx, s->exec_ra);
}

typedef union TCIValue {
    uint32_t u32;
    int32_t s32;
    uint64_t u64;
    void *ptr;
    ffi_arg arg;
} TCIValue;

/* Runs a call instruction; returns the number of words it occupies. */
static unsigned tci_call(TCGContext *s, uint64_t *regs, const uint64_t *pc)
{
    const TCIHelper *h = (const TCIHelper *)(uintptr_t)pc[1];
    const TCGHelperInfo *info = h->info;
    unsigned n = info->nargs, ret = (unsigned)(pc[0] >> 16) & 0xffff;
    TCIValue args[TCG_HELPER_MAX_ARGS], rv;
    void *av[TCG_HELPER_MAX_ARGS];

    for (unsigned i = 0; i < n; i++) {
        uint64_t v = regs[(pc[2 + i / 4] >> (16 * (i % 4))) & 0xffff];
        switch (info->args[i]) {
        case TCG_HT_I32:
        case TCG_HT_S32:
            args[i].u32 = (uint32_t)v;
            break;
        case TCG_HT_PTR:
            args[i].ptr = (void *)(uintptr_t)v;
            break;
        default:
            args[i].u64 = v;
            break;
        }
        av[i] = &args[i];
    }
    rv.u64 = 0;
    s->exec_ra = (uintptr_t)(pc + 1);
    ffi_call((ffi_cif *)&h->cif, info->func, &rv, av);
    if (ret != TCI_NO_SLOT) {
        switch (info->ret) {
        case TCG_HT_I32:
        case TCG_HT_S32:
            regs[ret] = (uint32_t)rv.arg;
            break;
        case TCG_HT_PTR:
            regs[ret] = (uintptr_t)rv.ptr;
            break;
        default:
            regs[ret] = rv.u64;
            break;
        }
    }
    return 2 + (n + 3) / 4;
}

#define R32(x) ((uint32_t)regs[x])
#define S32(x) ((int32_t)regs[x])
#define S64(x) ((int64_t)regs[x])
#define PTR(x) ((char *)(uintptr_t)regs[x])

/* Host memory accessors for ld/st (unaligned-safe). */
static inline uint16_t tci_ld16(const char *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}
static inline uint32_t tci_ld32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline uint64_t tci_ld64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
static inline void tci_st16(char *p, uint16_t v)
{
    memcpy(p, &v, 2);
}
static inline void tci_st32(char *p, uint32_t v)
{
    memcpy(p, &v, 4);
}
static inline void tci_st64(char *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

uintptr_t tci_exec(TCGContext *s, void *env, const void *code)
{
    uint64_t regs[TCG_MAX_TEMPS];
    const uint64_t *pc = code;

    regs[0] = (uintptr_t)env;
    for (;;) {
        uint64_t insn = pc[0];
        TCGOpcode opc = (TCGOpcode)(insn & 0xff);
        unsigned aux = (insn >> 8) & 0xff;
        unsigned a = (insn >> 16) & 0xffff;
        unsigned b = (insn >> 32) & 0xffff;
        unsigned c = (insn >> 48) & 0xffff;
        unsigned len = 1;

        switch (opc) {
        /* moves and control */
        case INDEX_op_mov_i32: regs[a] = R32(b); break;
        case INDEX_op_mov_i64: regs[a] = regs[b]; break;
        case INDEX_op_movi_i32: regs[a] = (uint32_t)pc[1]; len = 2; break;
        case INDEX_op_movi_i64: regs[a] = pc[1]; len = 2; break;
        case INDEX_op_br:
            pc += (int32_t)(insn >> 32);
            continue;
        case INDEX_op_brcond_i32:
            if (tcg_eval_cond32((TCGCond)aux, R32(a), R32(b))) {
                pc += (int64_t)pc[1];
                continue;
            }
            len = 2;
            break;
        case INDEX_op_brcond_i64:
            if (tcg_eval_cond64((TCGCond)aux, regs[a], regs[b])) {
                pc += (int64_t)pc[1];
                continue;
            }
            len = 2;
            break;
        case INDEX_op_setcond_i32:
            regs[a] = tcg_eval_cond32((TCGCond)aux, R32(b), R32(c));
            break;
        case INDEX_op_setcond_i64:
            regs[a] = tcg_eval_cond64((TCGCond)aux, regs[b], regs[c]);
            break;
        case INDEX_op_movcond_i32:
            regs[a] = tcg_eval_cond32((TCGCond)aux, R32(b), R32(c))
                      ? R32(pc[1] & 0xffff) : R32((pc[1] >> 16) & 0xffff);
            len = 2;
            break;
        case INDEX_op_movcond_i64:
            regs[a] = tcg_eval_cond64((TCGCond)aux, regs[b], regs[c])
                      ? regs[pc[1] & 0xffff] : regs[(pc[1] >> 16) & 0xffff];
            len = 2;
            break;
        case INDEX_op_call:
            len = tci_call(s, regs, pc);
            break;
        case INDEX_op_goto_tb: {
            uint64_t t = __atomic_load_n(&pc[1], __ATOMIC_ACQUIRE);
            if (t) {
                pc = (const uint64_t *)(uintptr_t)t;
                continue;
            }
            len = 2;
            break;
        }
        case INDEX_op_exit_tb:
            return (uintptr_t)pc[1];
        case INDEX_op_goto_ptr:
            if (!regs[a]) {
                return 0;
            }
            pc = (const uint64_t *)(uintptr_t)regs[a];
            continue;
        case INDEX_op_lookup_goto_ptr: {
            void *(*lookup)(void *) = (void *(*)(void *))(uintptr_t)pc[1];
            void *code = lookup(env);
            if (!code) {
                return 0;
            }
            pc = (const uint64_t *)code;
            continue;
        }
        case INDEX_op_mb:
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
            break;

        /* host memory (env): base slot b plus the offset word */
#define HOST(x) (PTR(x) + (int64_t)pc[1])
        case INDEX_op_ld8u_i32: case INDEX_op_ld8u_i64:
            regs[a] = *(const uint8_t *)HOST(b); len = 2; break;
        case INDEX_op_ld8s_i32:
            regs[a] = (uint32_t)*(const int8_t *)HOST(b); len = 2; break;
        case INDEX_op_ld8s_i64:
            regs[a] = (uint64_t)*(const int8_t *)HOST(b); len = 2; break;
        case INDEX_op_ld16u_i32: case INDEX_op_ld16u_i64:
            regs[a] = tci_ld16(HOST(b)); len = 2; break;
        case INDEX_op_ld16s_i32:
            regs[a] = (uint32_t)(int16_t)tci_ld16(HOST(b)); len = 2; break;
        case INDEX_op_ld16s_i64:
            regs[a] = (uint64_t)(int16_t)tci_ld16(HOST(b)); len = 2; break;
        case INDEX_op_ld_i32: case INDEX_op_ld32u_i64:
            regs[a] = tci_ld32(HOST(b)); len = 2; break;
        case INDEX_op_ld32s_i64:
            regs[a] = (uint64_t)(int32_t)tci_ld32(HOST(b)); len = 2; break;
        case INDEX_op_ld_i64:
            regs[a] = tci_ld64(HOST(b)); len = 2; break;
        case INDEX_op_st8_i32: case INDEX_op_st8_i64:
            *(uint8_t *)HOST(b) = (uint8_t)regs[a]; len = 2; break;
        case INDEX_op_st16_i32: case INDEX_op_st16_i64:
            tci_st16(HOST(b), (uint16_t)regs[a]); len = 2; break;
        case INDEX_op_st_i32: case INDEX_op_st32_i64:
            tci_st32(HOST(b), (uint32_t)regs[a]); len = 2; break;
        case INDEX_op_st_i64:
            tci_st64(HOST(b), regs[a]); len = 2; break;
#undef HOST

        /* guest memory */
        case INDEX_op_qemu_ld_i32:
            regs[a] = (uint32_t)tci_qemu_ld(s, env, regs[b], (MemOp)aux, c, pc);
            break;
        case INDEX_op_qemu_ld_i64:
            regs[a] = tci_qemu_ld(s, env, regs[b], (MemOp)aux, c, pc);
            break;
        case INDEX_op_qemu_st_i32:
            tci_qemu_st(s, env, regs[b], R32(a), (MemOp)aux, c, pc);
            break;
        case INDEX_op_qemu_st_i64:
            tci_qemu_st(s, env, regs[b], regs[a], (MemOp)aux, c, pc);
            break;

        /* 32-bit arithmetic */
        case INDEX_op_add_i32: regs[a] = (uint32_t)(R32(b) + R32(c)); break;
        case INDEX_op_sub_i32: regs[a] = (uint32_t)(R32(b) - R32(c)); break;
        case INDEX_op_mul_i32: regs[a] = (uint32_t)(R32(b) * R32(c)); break;
        case INDEX_op_and_i32: regs[a] = R32(b) & R32(c); break;
        case INDEX_op_or_i32: regs[a] = R32(b) | R32(c); break;
        case INDEX_op_xor_i32: regs[a] = R32(b) ^ R32(c); break;
        case INDEX_op_andc_i32: regs[a] = R32(b) & ~R32(c); break;
        case INDEX_op_not_i32: regs[a] = (uint32_t)~R32(b); break;
        case INDEX_op_neg_i32: regs[a] = (uint32_t)-R32(b); break;
        case INDEX_op_shl_i32: regs[a] = (uint32_t)(R32(b) << (R32(c) & 31)); break;
        case INDEX_op_shr_i32: regs[a] = R32(b) >> (R32(c) & 31); break;
        case INDEX_op_sar_i32: regs[a] = (uint32_t)(S32(b) >> (R32(c) & 31)); break;
        case INDEX_op_rotl_i32: regs[a] = tcg_rotl32(R32(b), R32(c)); break;
        case INDEX_op_rotr_i32: regs[a] = tcg_rotr32(R32(b), R32(c)); break;
        case INDEX_op_ext8s_i32: regs[a] = (uint32_t)(int8_t)regs[b]; break;
        case INDEX_op_ext8u_i32: regs[a] = (uint8_t)regs[b]; break;
        case INDEX_op_ext16s_i32: regs[a] = (uint32_t)(int16_t)regs[b]; break;
        case INDEX_op_ext16u_i32: regs[a] = (uint16_t)regs[b]; break;
        case INDEX_op_bswap16_i32:
            regs[a] = __builtin_bswap16((uint16_t)regs[b]);
            break;
        case INDEX_op_bswap32_i32: regs[a] = __builtin_bswap32(R32(b)); break;
        case INDEX_op_clz_i32: regs[a] = tcg_clz32(R32(b), R32(c)); break;
        case INDEX_op_ctz_i32: regs[a] = tcg_ctz32(R32(b), R32(c)); break;
        case INDEX_op_ctpop_i32: regs[a] = (uint32_t)__builtin_popcount(R32(b)); break;
        case INDEX_op_deposit_i32:
            regs[a] = (uint32_t)tcg_deposit64(R32(b), R32(c), aux, (unsigned)pc[1]);
            len = 2;
            break;
        case INDEX_op_extract_i32:
            regs[a] = (uint32_t)tcg_extract64(R32(b), aux, c);
            break;
        case INDEX_op_sextract_i32:
            regs[a] = (uint32_t)tcg_sextract64(R32(b), aux, c);
            break;
        case INDEX_op_muls2_i32: {
            int64_t p = (int64_t)S32(c) * S32(pc[1] & 0xffff);
            regs[a] = (uint32_t)p;
            regs[b] = (uint32_t)((uint64_t)p >> 32);
            len = 2;
            break;
        }
        case INDEX_op_mulu2_i32: {
            uint64_t p = (uint64_t)R32(c) * R32(pc[1] & 0xffff);
            regs[a] = (uint32_t)p;
            regs[b] = p >> 32;
            len = 2;
            break;
        }

        /* 64-bit arithmetic */
        case INDEX_op_add_i64: regs[a] = regs[b] + regs[c]; break;
        case INDEX_op_sub_i64: regs[a] = regs[b] - regs[c]; break;
        case INDEX_op_mul_i64: regs[a] = regs[b] * regs[c]; break;
        case INDEX_op_and_i64: regs[a] = regs[b] & regs[c]; break;
        case INDEX_op_or_i64: regs[a] = regs[b] | regs[c]; break;
        case INDEX_op_xor_i64: regs[a] = regs[b] ^ regs[c]; break;
        case INDEX_op_andc_i64: regs[a] = regs[b] & ~regs[c]; break;
        case INDEX_op_not_i64: regs[a] = ~regs[b]; break;
        case INDEX_op_neg_i64: regs[a] = -regs[b]; break;
        case INDEX_op_shl_i64: regs[a] = regs[b] << (regs[c] & 63); break;
        case INDEX_op_shr_i64: regs[a] = regs[b] >> (regs[c] & 63); break;
        case INDEX_op_sar_i64: regs[a] = (uint64_t)(S64(b) >> (regs[c] & 63)); break;
        case INDEX_op_rotl_i64: regs[a] = tcg_rotl64(regs[b], (unsigned)regs[c]); break;
        case INDEX_op_rotr_i64: regs[a] = tcg_rotr64(regs[b], (unsigned)regs[c]); break;
        case INDEX_op_ext8s_i64: regs[a] = (uint64_t)(int8_t)regs[b]; break;
        case INDEX_op_ext8u_i64: regs[a] = (uint8_t)regs[b]; break;
        case INDEX_op_ext16s_i64: regs[a] = (uint64_t)(int16_t)regs[b]; break;
        case INDEX_op_ext16u_i64: regs[a] = (uint16_t)regs[b]; break;
        case INDEX_op_ext32s_i64: regs[a] = (uint64_t)(int32_t)regs[b]; break;
        case INDEX_op_ext32u_i64: regs[a] = (uint32_t)regs[b]; break;
        case INDEX_op_bswap16_i64:
            regs[a] = __builtin_bswap16((uint16_t)regs[b]);
            break;
        case INDEX_op_bswap32_i64: regs[a] = __builtin_bswap32(R32(b)); break;
        case INDEX_op_bswap64_i64: regs[a] = __builtin_bswap64(regs[b]); break;
        case INDEX_op_clz_i64: regs[a] = tcg_clz64(regs[b], regs[c]); break;
        case INDEX_op_ctz_i64: regs[a] = tcg_ctz64(regs[b], regs[c]); break;
        case INDEX_op_ctpop_i64: regs[a] = (uint64_t)__builtin_popcountll(regs[b]); break;
        case INDEX_op_deposit_i64:
            regs[a] = tcg_deposit64(regs[b], regs[c], aux, (unsigned)pc[1]);
            len = 2;
            break;
        case INDEX_op_extract_i64:
            regs[a] = tcg_extract64(regs[b], aux, c);
            break;
        case INDEX_op_sextract_i64:
            regs[a] = (uint64_t)tcg_sextract64(regs[b], aux, c);
            break;
        case INDEX_op_muls2_i64:
            tcg_muls2_64(&regs[a], &regs[b], regs[c], regs[pc[1] & 0xffff]);
            len = 2;
            break;
        case INDEX_op_mulu2_i64:
            tcg_mulu2_64(&regs[a], &regs[b], regs[c], regs[pc[1] & 0xffff]);
            len = 2;
            break;

        /* width changes */
        case INDEX_op_extu_i32_i64: regs[a] = R32(b); break;
        case INDEX_op_exts_i32_i64: regs[a] = (uint64_t)(int64_t)S32(b); break;
        case INDEX_op_extrl_i64_i32: regs[a] = R32(b); break;
        case INDEX_op_extrh_i64_i32: regs[a] = regs[b] >> 32; break;

        default:
            /* markers never reach the bytecode: an encoder bug */
            error_report("tci: bad opcode %u", (unsigned)opc);
            abort();
        }
        pc += len;
    }
}
