/*
 * Differential tester of Kite's CPU against the host processor: the
 * shared types of the tester program (not part of libkite).
 *
 *   dt-gen.c     random instruction sequences from the decoder's tables
 *   dt-track.c   the safety and flag tracker: which registers hold known
 *                values, which flags are undefined (SDM Vol. 2, each
 *                instruction's "Flags Affected"), and whether every memory
 *                access stays inside the scratch area
 *   dt-kite.c    runs a case on a Kite accelerator through AccelOps
 *   dt-case.c    assembling, comparing, printing, case files
 *   dt-main.c    campaigns, shrinking, replay, coverage
 */
#ifndef KITE_DIFFTEST_DT_H
#define KITE_DIFFTEST_DT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/x86/decode.h"
#include "tests/difftest/dt-proto.h"

#define DT_MAX_INSNS   64
#define DT_MAX_MERGES  8

typedef struct DtInsn {
    uint8_t b[15];
    uint8_t len;
    uint8_t rel_off, rel_size;  /* relative operand bytes (0: none) */
    int16_t target;             /* branch target: instruction index */
    bool setup;                 /* inserted by the generator (mov/cmp) */
    int32_t form;               /* generator form id, -1 for setups */
} DtInsn;

typedef struct DtSeq {
    int mode;
    int n;
    DtInsn insn[DT_MAX_INSNS];
} DtSeq;

typedef struct DtCase {
    DtSeq seq;
    uint64_t regs[16];
    uint64_t rflags;
    uint64_t mem_seed;
    uint32_t fill;              /* dt_fill_scratch variant */
    DtFpu fpu;                  /* x87/MMX/SSE state before the sequence */
} DtCase;

/* What the tracker knows at one point of a sequence. */
typedef struct DtKnow {
    uint16_t known;             /* bit r: regs[r] holds val[r] */
    uint32_t undef;             /* arithmetic flags currently undefined */
    uint64_t val[16];
} DtKnow;

typedef struct DtMerge {
    int target;
    DtKnow k;
} DtMerge;

typedef struct DtTrack {
    int mode;
    DtKnow k;
    DtMerge merge[DT_MAX_MERGES];
    int nmerge;
    const char *why;            /* reason of the last rejection */
    /* scratch offsets of FXSAVE and FNSTENV/FNSAVE images (DT_ENV16 set
       for the 16-bit formats), compared with vendor masks (dt-case.c) */
    uint32_t fxsave[DT_MAX_INSNS], envimg[DT_MAX_INSNS];
    int nfxsave, nenvimg;
} DtTrack;

/* ---- dt-track.c ---- */
#define DT_ENV16 0x80000000u
/*
 * The bytes of an FNSTENV/FNSAVE image (rec: t->envimg) that differ
 * between vendors: FCS, FOP and FDS (AMD stores 0 for the selectors in
 * 64-bit code, and an FOP that FLDENV/FRSTOR did not load; dt-case.c).
 */
static inline bool dt_env_vendor_byte(uint32_t rec, uint32_t off)
{
    if (rec & DT_ENV16) {
        return off == 8 || off == 9 || off == 12 || off == 13;
    }
    return (off >= 16 && off < 20) || off == 24 || off == 25;
}

void dt_track_init(DtTrack *t, const DtCase *c);
/* Applies the merges that target instruction index i. */
void dt_track_at(DtTrack *t, int i);
/* Checks and applies one decoded instruction; -1 (t->why) if unsafe. */
int dt_track_step(DtTrack *t, const X86Insn *in, const DtInsn *di, int i);
/* Flags an instruction reads, defines and leaves undefined. */
void dt_flags_of(const DtTrack *t, const X86Insn *in, uint32_t *reads,
                 uint32_t *defs, uint32_t *undefs);
/*
 * Checks a whole case; fills undef_before[0..n] (flags undefined before
 * each instruction and at the end) and offsets[0..n]. 0 if safe.
 */
int dt_case_check(const DtCase *c, uint32_t *undef_before, uint32_t *offsets,
                  const char **why);
/* Like dt_case_check, and also where the sequence may write FXSAVE and
   environment images (t->fxsave, t->envimg); 0 if safe. */
int dt_case_track(const DtCase *c, DtTrack *t, uint32_t *undef_before,
                  uint32_t *offsets, const char **why);

/* ---- dt-case.c ---- */
/* Lays out the sequence, patches branch displacements; returns length or -1. */
int dt_seq_assemble(const DtSeq *s, uint8_t *code, uint32_t *offsets);
void dt_case_request(const DtCase *c, DtRequest *rq);

typedef struct DtCompare {
    bool ok;
    char what[256];
} DtCompare;

void dt_compare(const DtCase *c, const DtResult *a, const DtResult *b,
                DtCompare *out);
void dt_case_print(const DtCase *c, FILE *f);
void dt_result_print(const DtCase *c, const char *name, const DtResult *r,
                     const DtResult *other, FILE *f);
int dt_case_save(const DtCase *c, const DtResult *expect, const char *path);
int dt_case_load(DtCase *c, DtResult *expect, const char *path, char *err,
                 size_t errlen);
int dt_regs_count(int mode);
int dt_xmm_count(int mode);

/* ---- dt-gen.c ---- */
/*
 * Instruction families (difftest -f): gp the general-purpose integer ISA;
 * x87 (x87t: the transcendentals, whose last bits are the processor's
 * own; x87env: FNSTENV/FLDENV/FNSAVE/FRSTOR/FXSAVE/FXRSTOR); mmx (every
 * form with an MMX operand, except the conversions of ssefp); sse (SSE to
 * SSE4.2 integer, moves, shuffles, logic, MXCSR loads and stores);
 * ssefp (SSE to SSE4.1 floating-point arithmetic, comparisons and
 * conversions); rcp (RCPPS/RCPSS/RSQRTPS/RSQRTSS approximations).
 */
#define DT_FAMILIES(X) X(gp) X(x87) X(x87t) X(x87env) X(mmx) X(sse) \
    X(ssefp) X(rcp)
enum {
#define DT_FAM_ENUM(name) DT_FAM_##name,
    DT_FAMILIES(DT_FAM_ENUM)
#undef DT_FAM_ENUM
    DT_FAM_COUNT
};
/* Family bit mask of a list like "gp,x87 sse" ("all": every family);
   -1 for an unknown name. */
int dt_families_parse(const char *list, uint32_t *mask);
const char *dt_family_name(int fam);

typedef struct DtForm {
    const X86OpEntry *e;
    uint8_t map;                /* X86Map */
    uint8_t path[10];
    int depth;
    uint8_t modes;              /* bit 0: 16, bit 1: 32, bit 2: 64 */
    uint8_t family;             /* DT_FAM_* */
    bool any_sti;               /* x87 row: ST(i) picked at random */
} DtForm;

typedef struct DtGen {
    DtForm *forms;
    int nforms;
    int mode;
    uint32_t families;          /* bit mask of DT_FAM_* */
    uint64_t rng;
    /* coverage: [form][opsize 2/4/8 -> 0..2, 3 for byte/none][mem] */
    uint32_t (*cover)[4][2];
    uint64_t rejects;
} DtGen;

int dt_gen_init(DtGen *g, int mode, uint64_t seed, uint32_t families);
void dt_gen_destroy(DtGen *g);
/* A random safe case of about n instructions; 0 on success. */
int dt_gen_case(DtGen *g, DtCase *c, int n);
/* Records the forms a case exercises in g->cover. */
void dt_gen_cover(DtGen *g, const DtCase *c);
void dt_gen_report(const DtGen *g, FILE *f, bool list_all);
const char *dt_form_name(const DtForm *f, char *buf, size_t size);

/* ---- dt-kite.c ---- */
typedef struct DtEngine DtEngine;
/* accel "kvm" or "tcg"; backend "native"/"interp" for tcg. NULL + why. */
DtEngine *dt_engine_new(const char *accel, const char *backend, char *why,
                        size_t whylen);
void dt_engine_free(DtEngine *e);
const char *dt_engine_name(const DtEngine *e);
void dt_engine_run(DtEngine *e, const DtCase *c, DtResult *r);
/* The steps of dt_engine_run, for lockstep: load the case (set_state),
 * then the caller runs the vCPU, calls get_state and collects. */
#include "accel/accel.h"
int dt_engine_load(DtEngine *e, const DtCase *c, DtResult *r);
VCPU *dt_engine_vcpu(DtEngine *e);
const AccelOps *dt_engine_ops(DtEngine *e);
bool dt_engine_in_stub(DtEngine *e, uint64_t rip);
/* The host processor is AMD's (Kite presents an Intel one). */
bool dt_host_is_amd(void);
void dt_engine_collect(DtEngine *e, const DtCase *c, VcpuExit why, DtResult *r);

/* Transcendental differences (dt-trans.c): a difference from the host
   confined to the result of an x87t instruction, within
   DT_TRANS_MAX_ULPS, and C1, is counted apart, not as a mismatch. */
#define DT_TRANS_MAX_ULPS 64
#define DT_TRANS_BUCKETS 7
#define DT_TRANS_MNEMS 16
typedef struct DtTransStats {
    uint64_t total;
    uint64_t hist[DT_TRANS_BUCKETS];
    const char *mnem[DT_TRANS_MNEMS];
    uint64_t per_mnem[DT_TRANS_MNEMS];
    int nmnem;
} DtTransStats;

/* Whether eng differs from host (both results of c) in ST registers
   within DT_TRANS_MAX_ULPS and FSW.C1 only; *ulps the largest distance
   (0 when only C1 differs). False when they agree. */
bool dt_trans_diff(const DtCase *c, const DtResult *host, const DtResult *eng,
                   uint64_t *ulps);
bool dt_insn_is_trans(const DtGen *g, const DtInsn *in);
void dt_trans_count(DtTransStats *ts, const DtGen *g, const DtInsn *in,
                    uint64_t ulps);
void dt_trans_report(const DtTransStats *ts, int mode, const char *engine,
                     uint64_t n, FILE *f);

#endif
