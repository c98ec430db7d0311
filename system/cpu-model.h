/*
 * -cpu MODEL[,+flag|-flag|flag=on|off...]: the CPU model table, the
 * CPUID flag names (cpu/x86/cpuid-flags.def), and what a configuration
 * does to the CPUID leaves an accelerator reports.
 *
 * A model limits or selects what the accelerator offers; it never
 * promises a feature the accelerator lacks: a flag asked for with + or
 * =on that the accelerator cannot provide is refused when the machine is
 * built, and flags turned off are cleared from CPUID (TCG and KVM).
 */
#ifndef KITE_CPU_MODEL_H
#define KITE_CPU_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "system/util.h"

#define CPU_FLAG_WORDS 2         /* room for 128 rows of cpuid-flags.def */

typedef struct CpuConfig {
    int model;                   /* index in the model table (0: max) */
    uint64_t on[CPU_FLAG_WORDS]; /* rows of cpuid-flags.def forced on */
    uint64_t off[CPU_FLAG_WORDS];/* rows forced off (model limits too) */
} CpuConfig;

/* Reads a CPUID leaf of a feature source: the TCG model, the host's KVM. */
typedef void CpuidSource(void *opaque, uint32_t leaf, uint32_t subleaf,
                         uint32_t out[4]);

/* Parses -cpu's argument into c (zero-filled c: max). 0 or -1 + err. */
int cpu_config_parse(CpuConfig *c, const char *arg, Error *err);
/* -cpu help: the models and the flag names. */
void cpu_config_print_help(FILE *f);
/*
 * Refuses what accel ("tcg", "kvm") cannot run: a KVM-only model under
 * TCG, or a flag turned on that src does not report. 0 or -1 + err.
 */
int cpu_config_check(const CpuConfig *c, const char *accel, CpuidSource *src,
                     void *opaque, Error *err);
/* Applies the configuration to one CPUID leaf (out = EAX..EDX). */
void cpu_config_apply(const CpuConfig *c, uint32_t leaf, uint32_t subleaf,
                      uint32_t out[4]);

#endif
