/*
 * Translation of the x87 instructions (escape opcodes D8..DF) and FWAIT.
 *
 * Each instruction becomes one helper call (see x87.h): helper_x87_mem
 * with the linear address of its memory operand (the helper checks it
 * against the segment after delivering a pending #MF, which comes
 * first), or helper_x87_reg; both take a
 * descriptor with the mnemonic, the memory size, FOP, the segment and the
 * ST(i) operands. A memory operand that is only read (2, 4 or 8 bytes)
 * is loaded here and handed over in env (X87_D_PRE). FCMOVcc evaluates its condition here and passes it;
 * FCOMI and friends leave the flags in env as CC_OP_EFLAGS.
 *
 * Availability (SDM vol. 3 2.5, table 2-2) is gen_check_fpu's
 * (translate-fpu.c): CR0.EM or CR0.TS make every x87 instruction raise
 * #NM; WAIT/FWAIT raises #NM only with CR0.MP and CR0.TS both set.
 * FISTTP also needs its CPUID feature (SSE3), else #UD.
 */
#include "cpu/x86/cpuid.h"
#include "cpu/x86/translate-fpu.h"
#include "cpu/x86/translate.h"
#include "cpu/x86/x87.h"

static unsigned mem_bytes(const X86Insn *in, const X86Operand *o)
{
    switch (o->size_code) {
    case X86_S_env:
        return in->op_size == 2 ? 14 : 28;
    case X86_S_fsave:
        return in->op_size == 2 ? 94 : 108;
    case X86_S_w:
        return 2;
    case X86_S_d:
        return 4;
    case X86_S_q:
        return 8;
    default:
        return 10;
    }
}

static unsigned sti_of(const X86Operand *o)
{
    return o->type == X86_T_STI ? o->reg & 7 : 0;
}

/* FCMOVcc: the Jcc condition code of its predicate. */
static int fcmov_cc(unsigned mnem)
{
    switch (mnem) {
    case X86_M_FCMOVB: return 2;
    case X86_M_FCMOVNB: return 3;
    case X86_M_FCMOVE: return 4;
    case X86_M_FCMOVNE: return 5;
    case X86_M_FCMOVBE: return 6;
    case X86_M_FCMOVNBE: return 7;
    case X86_M_FCMOVU: return 10;
    case X86_M_FCMOVNU: return 11;
    default: return -1;
    }
}

static bool x87_sets_eflags(unsigned mnem)
{
    return mnem == X86_M_FCOMI || mnem == X86_M_FCOMIP ||
           mnem == X86_M_FUCOMI || mnem == X86_M_FUCOMIP;
}

/* Instructions that only read a memory operand of 2, 4 or 8 bytes. */
static bool x87_reads_only(unsigned mnem, unsigned bytes)
{
    if (bytes > 8) {
        return false;
    }
    switch (mnem) {
    case X86_M_FLD: case X86_M_FILD:
    case X86_M_FADD: case X86_M_FMUL: case X86_M_FSUB: case X86_M_FSUBR:
    case X86_M_FDIV: case X86_M_FDIVR: case X86_M_FIADD: case X86_M_FIMUL:
    case X86_M_FISUB: case X86_M_FISUBR: case X86_M_FIDIV: case X86_M_FIDIVR:
    case X86_M_FCOM: case X86_M_FCOMP: case X86_M_FICOM: case X86_M_FICOMP:
        return true;
    default:
        return false;
    }
}

/*
 * The operand of such an instruction is loaded here, through the inline
 * soft-TLB path, in the order the helper would check: a pending
 * unmasked exception (#MF), the segment (#GP/#SS), then the access
 * (#PF). Like the helper's access, it has no alignment check.
 */
static void gen_x87_preload(DisasContext *d, TCGv_i64 laddr, unsigned bytes)
{
    TCGContext *s = d->s;
    TCGv_i64 v = tmp_new(d);
    MemOp mo = bytes == 2 ? MO_16 : bytes == 4 ? MO_32 : MO_64;

    gen_check_fpu_pending(d);
    gen_check_seg(d, laddr, (int)bytes, X86_SEGACC_READ);
    tcg_gen_qemu_ld_i64(s, v, laddr, d->mmu_idx, mo);
    tcg_gen_st_i64(s, v, tcg_env(s), offsetof(CPUX86TCG, simd_tmp[0]));
}

static void gen_x87_mem(DisasContext *d, const X86Insn *in, uint64_t desc)
{
    const X86Operand *o = &in->ops[0];
    unsigned bytes = mem_bytes(in, o);
    TCGv_i64 laddr = gen_lea(d, o);
    if (x87_reads_only(in->mnem, bytes)) {
        gen_x87_preload(d, laddr, bytes);
        desc |= X87_D_PRE;
    }
    desc |= x87_desc(in->mnem, bytes, 0, o->seg, o->addr_size, 0, 0);
    gen_helper_x87_mem(d->s, tcg_env(d->s), laddr, tconst(d, desc));
}

static void gen_x87_reg(DisasContext *d, const X86Insn *in, uint64_t desc)
{
    unsigned dst = in->nops > 0 ? sti_of(&in->ops[0]) : 0;
    unsigned src = in->nops > 1 ? sti_of(&in->ops[1]) : dst;
    int cc = fcmov_cc(in->mnem);
    TCGv_i64 arg = tconst(d, 0);
    if (in->nops == 1 && in->ops[0].type == X86_T_STI) {
        src = dst;
    }
    if (cc >= 0) {
        arg = tmp_new(d);
        gen_setcc(d, arg, cc);
    }
    desc |= x87_desc(in->mnem, 0, 0, 0, 0, dst, src);
    gen_helper_x87_reg(d->s, tcg_env(d->s), tconst(d, desc), arg);
}

bool x86_gen_x87(DisasContext *d, const X86Insn *in)
{
    bool mem = in->nops > 0 && in->ops[0].kind == X86_OPK_MEM;
    if (in->map != X86_MAP_1B || in->opcode < 0xd8 || in->opcode > 0xdf ||
        !x87_knows(in->mnem, mem)) {
        return false;
    }
    if (!x86_tcg_has_feature(in->feature)) {
        gen_illegal(d);
        return true;
    }
    if (!gen_check_fpu(d, X86_FPU_X87)) {
        return true;
    }
    uint64_t desc = (uint64_t)(((in->opcode & 7) << 8) | in->modrm) << 24;
    desc |= in->op_size != 2 ? X87_D_OP32 : 0;
    desc |= d->code64 ? X87_D_LONG : 0;
    desc |= (!d->pe || d->vm) ? X87_D_REAL : 0;
    gen_sync_state(d);
    if (mem) {
        gen_x87_mem(d, in, desc);
    } else {
        gen_x87_reg(d, in, desc);
    }
    if (x87_sets_eflags(in->mnem)) {
        d->cc_op = X86_CC_OP_DYNAMIC;
        d->cc_op_dirty = false;
    }
    return true;
}

/* WAIT/FWAIT: #NM with CR0.MP and CR0.TS, else delivers a pending
   unmasked x87 exception. */
void gen_x87_wait(DisasContext *d)
{
    if (!gen_check_fpu(d, X86_FPU_X87_WAIT)) {
        return;
    }
    gen_sync_state(d);
    gen_helper_x87_wait(d->s, tcg_env(d->s));
}
