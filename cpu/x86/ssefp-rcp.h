/*
 * RCPPS/RCPSS and RSQRTPS/RSQRTSS: the processor's approximations of 1/x
 * and 1/sqrt(x) (cpu/x86/ssefp_rcp.c).
 *
 * The SDM promises only a relative error of at most 1.5 * 2^-12 and says
 * the results are implementation specific. These follow, bit for bit, the
 * processor scripts/gen-ssefp-rcp.c measured for ssefp-rcp-table.h (an AMD
 * Zen 4, family 19h): a 12-bit significand looked up from the top 12 bits
 * of the input significand (and the exponent's parity for RSQRT),
 * results whose exponent underflows flushed to zero, denormal inputs
 * taken as zero whatever MXCSR.DAZ says, SNaNs quietened, no exception
 * flags, MXCSR rounding ignored. Intel processors give different values
 * in the last bits (within the same bound).
 */
#ifndef KITE_X86_SSEFP_RCP_H
#define KITE_X86_SSEFP_RCP_H

#include "cpu/x86/softfloat.h"

Float32 ssefp_rcp(Float32 x);
Float32 ssefp_rsqrt(Float32 x);

#endif
