/*
 * LDMXCSR, STMXCSR, FXSAVE, FXRSTOR, XSAVE, XSAVEOPT, XSAVEC, XRSTOR,
 * XGETBV and XSETBV (Intel SDM Vol. 2; Vol. 1 ch. 13). The translator
 * makes the availability and segment checks (the whole area at once),
 * syncs the state and calls the helpers of xsave_helper.c, which check
 * alignment, reserved bits and XCR0 rules.
 */
#include "cpu/x86/translate-fpu.h"

#include "cpu/x86/xsave.h"

void gen_LDMXCSR(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 v = tmp_new(d);
    TCGv_i32 v32 = tcg_temp_new_i32(d->s);

    if (!gen_check_fpu(d, X86_FPU_SSE)) {
        return;
    }
    gen_ld_op(d, v, &in->ops[0], NULL);
    gen_sync_state(d);
    tcg_gen_extrl_i64_i32(d->s, v32, v);
    gen_helper_ldmxcsr(d->s, tcg_env(d->s), v32);
    tcg_temp_free_i32(d->s, v32);
}

void gen_STMXCSR(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 v = tmp_new(d);

    if (!gen_check_fpu(d, X86_FPU_SSE)) {
        return;
    }
    tcg_gen_ld32u_i64(d->s, v, tcg_env(d->s), offsetof(CPUX86TCG, st.mxcsr));
    gen_st_op(d, &in->ops[0], v, NULL);
}

static uint32_t xs_mode(const DisasContext *d, const X86Insn *in)
{
    uint32_t m = d->code64 ? X86_XS_CODE64 : 0;

    return m | ((in->rex & 8) ? X86_XS_REXW : 0);
}

/* The linear address of the area, its segment checked for size bytes. */
static TCGv_i64 gen_area(DisasContext *d, const X86Insn *in, unsigned size,
                         unsigned acc)
{
    TCGv_i64 a = gen_lea(d, &in->ops[0]);

    gen_check_seg(d, a, (int)size, acc);
    gen_sync_state(d);
    return a;
}

void gen_FXSAVE(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 a;

    if (!gen_check_fpu(d, X86_FPU_FXSR)) {
        return;
    }
    a = gen_area(d, in, 512, X86_SEGACC_WRITE);
    gen_helper_fxsave(d->s, tcg_env(d->s), a,
                      tcg_constant_i32(d->s, xs_mode(d, in)));
}

void gen_FXRSTOR(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 a;

    if (!gen_check_fpu(d, X86_FPU_FXSR)) {
        return;
    }
    a = gen_area(d, in, 512, X86_SEGACC_READ);
    gen_helper_fxrstor(d->s, tcg_env(d->s), a,
                       tcg_constant_i32(d->s, xs_mode(d, in)));
}

/* EDX:EAX, the requested-feature bitmap */
static TCGv_i64 gen_edx_eax(DisasContext *d)
{
    TCGv_i64 r = tmp_new(d), lo = tmp_new(d);

    tcg_gen_shli_i64(d->s, r, d->g->regs[R_EDX], 32);
    tcg_gen_ext32u_i64(d->s, lo, d->g->regs[R_EAX]);
    tcg_gen_or_i64(d->s, r, r, lo);
    return r;
}

static void gen_xsave_kind(DisasContext *d, const X86Insn *in, uint32_t kind)
{
    TCGv_i64 a, req;

    if (!gen_check_fpu(d, X86_FPU_XSAVE)) {
        return;
    }
    req = gen_edx_eax(d);
    a = gen_area(d, in, X86_XSAVE_SIZE, X86_SEGACC_WRITE);
    gen_helper_xsave(d->s, tcg_env(d->s), a, req,
                     tcg_constant_i32(d->s, xs_mode(d, in) | kind));
}

void gen_XSAVE(DisasContext *d, const X86Insn *in) { gen_xsave_kind(d, in, 0); }
void gen_XSAVEOPT(DisasContext *d, const X86Insn *in) { gen_xsave_kind(d, in, X86_XS_OPT); }
void gen_XSAVEC(DisasContext *d, const X86Insn *in) { gen_xsave_kind(d, in, X86_XS_COMPACT); }

void gen_XRSTOR(DisasContext *d, const X86Insn *in)
{
    TCGv_i64 a, req;

    if (!gen_check_fpu(d, X86_FPU_XSAVE)) {
        return;
    }
    req = gen_edx_eax(d);
    a = gen_area(d, in, X86_XSAVE_SIZE, X86_SEGACC_READ);
    gen_helper_xrstor(d->s, tcg_env(d->s), a, req,
                      tcg_constant_i32(d->s, xs_mode(d, in)));
}

void gen_XGETBV(DisasContext *d, const X86Insn *in)
{
    TCGv_i32 ecx = tcg_temp_new_i32(d->s);
    TCGv_i64 v = tmp_new(d), hi = tmp_new(d);

    if (!gen_check_fpu(d, X86_FPU_XCR)) {
        return;
    }
    gen_sync_state(d);
    tcg_gen_extrl_i64_i32(d->s, ecx, d->g->regs[R_ECX]);
    gen_helper_xgetbv(d->s, v, tcg_env(d->s), ecx);
    tcg_temp_free_i32(d->s, ecx);
    tcg_gen_shri_i64(d->s, hi, v, 32);
    gen_st_gpr(d, R_EAX, v, 4);
    gen_st_gpr(d, R_EDX, hi, 4);
}

void gen_XSETBV(DisasContext *d, const X86Insn *in)
{
    TCGv_i32 ecx = tcg_temp_new_i32(d->s);

    if (!gen_check_fpu(d, X86_FPU_XCR)) {
        return;
    }
    gen_sync_state(d);
    tcg_gen_extrl_i64_i32(d->s, ecx, d->g->regs[R_ECX]);
    gen_helper_xsetbv(d->s, tcg_env(d->s), ecx, gen_edx_eax(d));
    tcg_temp_free_i32(d->s, ecx);
}
