/*
 * Machine-check architecture MSRs (see mce.h for the rules).
 */
#include "cpu/x86/mce.h"

enum { MCI_CTL, MCI_STATUS, MCI_ADDR, MCI_MISC };

bool x86_mce_msr(uint32_t msr)
{
    return (msr >= MSR_IA32_MCG_CAP && msr <= MSR_IA32_MCG_CTL) ||
           (msr >= MSR_IA32_MC0_CTL && msr < MSR_IA32_MC0_CTL + 4 * MCE_BANKS);
}

int x86_mce_read(const X86CPUState *st, uint32_t msr, uint64_t *val)
{
    switch (msr) {
    case MSR_IA32_MCG_CAP:
        *val = MCG_CAP_VALUE;
        return 0;
    case MSR_IA32_MCG_STATUS:
        *val = st->mcg_status;
        return 0;
    case MSR_IA32_MCG_CTL:
        *val = st->mcg_ctl;
        return 0;
    default:
        if (!x86_mce_msr(msr)) {
            return -1;
        }
        *val = st->mce_banks[msr - MSR_IA32_MC0_CTL];
        return 0;
    }
}

static bool mce_ctl_value_ok(uint64_t val)
{
    return val == 0 || (val | (1ull << 10) | 1) == ~0ull;
}

int x86_mce_write(X86CPUState *st, uint32_t msr, uint64_t val)
{
    switch (msr) {
    case MSR_IA32_MCG_CAP:
        return -1;
    case MSR_IA32_MCG_STATUS:
        st->mcg_status = val;
        return 0;
    case MSR_IA32_MCG_CTL:
        if (val != 0 && val != ~0ull) {
            return -1;
        }
        st->mcg_ctl = val;
        return 0;
    default:
        break;
    }
    if (!x86_mce_msr(msr)) {
        return -1;
    }
    switch ((msr - MSR_IA32_MC0_CTL) & 3) {
    case MCI_CTL:
        if (!mce_ctl_value_ok(val)) {
            return -1;
        }
        break;
    case MCI_STATUS:
        if (val != 0) {
            return -1;
        }
        break;
    default:
        break;
    }
    st->mce_banks[msr - MSR_IA32_MC0_CTL] = val;
    return 0;
}

void x86_mce_reset(X86CPUState *st)
{
    st->mcg_status = 0;
    st->mcg_ctl = ~0ull;
    for (int i = 0; i < MCE_BANKS; i++) {
        st->mce_banks[4 * i + MCI_CTL] = ~0ull;
        st->mce_banks[4 * i + MCI_STATUS] = 0;
        st->mce_banks[4 * i + MCI_ADDR] = 0;
        st->mce_banks[4 * i + MCI_MISC] = 0;
    }
}
