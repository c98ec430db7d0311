/*
 * The cached mode flags of the TCG CPU (hflags, see cpu/x86/tcg-cpu.h):
 * recomputed from the architectural state after anything that changes
 * the mode. They select how guest code is translated and are part of the
 * translation-block key, so two states that translate differently must
 * never share hflags.
 *
 * CPL is taken from SS.DPL, which the SDM guarantees equals CPL in
 * protected mode (and which KVM reports the same way); real mode is CPL 0
 * and virtual-8086 mode CPL 3.
 */
#include "cpu/x86/tcg-cpu.h"

static uint32_t hflags_cpl(const X86CPUState *st)
{
    if (!(st->cr0 & CR0_PE)) {
        return 0;
    }
    if (st->rflags & RF_VM) {
        return 3;
    }
    return (st->segs[R_SS].flags & SEG_DPL_MASK) >> SEG_DPL_SHIFT;
}

static uint32_t hflags_segments(const X86CPUState *st, bool pe, bool vm)
{
    uint32_t hf = 0;
    bool lma = st->efer & EFER_LMA;

    if (!vm && (st->segs[R_CS].flags & SEG_DB)) {
        hf |= HF_CS32;
    }
    if (!vm && (st->segs[R_SS].flags & SEG_DB)) {
        hf |= HF_SS32;
    }
    if (lma) {
        hf |= HF_LMA;
        if (st->segs[R_CS].flags & SEG_L) {
            hf |= HF_CODE64;
        }
    }
    if (hf & HF_CODE64) {
        return hf;      /* segment bases of DS/ES/SS are ignored */
    }
    if (!pe || vm || !(hf & HF_CS32) ||
        (st->segs[R_DS].base | st->segs[R_ES].base | st->segs[R_SS].base)) {
        hf |= HF_ADDSEG;
    }
    return hf;
}

static uint32_t hflags_control(const X86CPUState *st)
{
    uint32_t hf = 0;

    hf |= (st->cr0 & CR0_TS) ? HF_TS : 0;
    hf |= (st->cr0 & CR0_EM) ? HF_EM : 0;
    hf |= (st->cr0 & CR0_MP) ? HF_MP : 0;
    hf |= (st->cr0 & CR0_PG) ? HF_PG : 0;
    hf |= (st->cr4 & CR4_OSFXSR) ? HF_OSFXSR : 0;
    hf |= (st->cr4 & CR4_OSXSAVE) ? HF_OSXSAVE : 0;
    hf |= (st->cr4 & CR4_SMAP) ? HF_SMAP : 0;
    hf |= (st->cr4 & CR4_UMIP) ? HF_UMIP : 0;
    hf |= (st->cr4 & CR4_TSD) ? HF_TSD : 0;
    return hf;
}

static uint32_t hflags_rflags(const X86CPUState *st)
{
    uint32_t hf = 0;

    hf |= (st->rflags & RF_TF) ? HF_TF : 0;
    hf |= (st->rflags & RF_AC) ? HF_AC : 0;
    /* alignment checking (SDM Vol. 3, 6.15 #AC) */
    if ((st->rflags & RF_AC) && (st->cr0 & CR0_AM) && hflags_cpl(st) == 3) {
        hf |= HF_ALIGN;
    }
    hf |= (st->rflags & RF_RF) ? HF_RF : 0;
    hf |= (uint32_t)((st->rflags & RF_IOPL) >> 12) << HF_IOPL_SHIFT;
    hf |= st->interrupt_shadow ? HF_INHIBIT_IRQ : 0;
    return hf;
}

void x86_update_hflags(CPUX86TCG *env)
{
    const X86CPUState *st = &env->st;
    bool pe = st->cr0 & CR0_PE;
    bool vm = pe && (st->rflags & RF_VM);
    uint32_t hf = hflags_cpl(st);

    hf |= pe ? HF_PE : 0;
    hf |= vm ? HF_VM : 0;
    hf |= hflags_segments(st, pe, vm);
    hf |= hflags_control(st);
    hf |= hflags_rflags(st);
    /* segment checks (seg_check.c): none in 64-bit mode */
    {
        uint32_t chk = x86_seg_update_checks(env);
        hf |= (hf & HF_CODE64) ? 0 : chk;
    }
    env->hflags = hf;
}
