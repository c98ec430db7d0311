/*
 * Transcendental differences (tests/difftest/README). The results of
 * F2XM1, FYL2X, FYL2XP1, FPTAN, FPATAN, FSIN, FCOS and FSINCOS are
 * implementation-specific: the SDM bounds their error but does not define
 * their bits, and CPUs differ in the last bit. A sequence whose only
 * difference from the host is the result of such an instruction, within
 * DT_TRANS_MAX_ULPS units in the last place, together with C1 (which
 * reports the direction of that rounding), is counted here, in a
 * histogram of ulp distances and per instruction, not as a mismatch.
 * dt-main.c decides which sequences those are (trans_classify); this
 * file measures two results and keeps the counts.
 */
#include <string.h>

#include "tests/difftest/dt.h"

#define FSW_C1 0x0200u

typedef unsigned __int128 u128;

/* The position of an 80-bit value among the values of its sign, so that
   neighbours differ by 1 (across a power of two too, and from the
   largest denormal to the smallest normal); false for an infinity, a
   NaN or an unnormal, which have no ulp distance. */
static bool st_rank(const uint8_t *b, bool *sign, u128 *rank)
{
    uint64_t m;
    uint16_t se;
    unsigned e;

    memcpy(&m, b, 8);
    memcpy(&se, b + 8, 2);
    e = se & 0x7fff;
    if (e == 0x7fff || (e && !(m >> 63))) {
        return false;
    }
    *sign = se >> 15;
    *rank = (e ? (u128)(e - 1) << 63 : 0) + m;
    return true;
}

/* Distance of two registers in ulps, or UINT64_MAX when they have none. */
static uint64_t st_ulps(const uint8_t *a, const uint8_t *b)
{
    bool sa, sb;
    u128 ra, rb, d;

    if (!st_rank(a, &sa, &ra) || !st_rank(b, &sb, &rb) || sa != sb) {
        return UINT64_MAX;
    }
    d = ra > rb ? ra - rb : rb - ra;
    return d > UINT64_MAX - 1 ? UINT64_MAX : (uint64_t)d;
}

bool dt_trans_diff(const DtCase *c, const DtResult *host, const DtResult *eng,
                   uint64_t *ulps)
{
    static DtResult t;
    DtCompare cmp;
    bool differs = (host->fpu.fsw ^ eng->fpu.fsw) & FSW_C1;

    *ulps = 0;
    t = *eng;
    for (int i = 0; i < 8; i++) {
        uint64_t d;
        if (!memcmp(host->fpu.st[i], eng->fpu.st[i], 10)) {
            continue;
        }
        d = st_ulps(host->fpu.st[i], eng->fpu.st[i]);
        if (d > DT_TRANS_MAX_ULPS) {
            return false;
        }
        *ulps = d > *ulps ? d : *ulps;
        memcpy(t.fpu.st[i], host->fpu.st[i], 10);
        differs = true;
    }
    t.fpu.fsw = (uint16_t)((t.fpu.fsw & ~FSW_C1) | (host->fpu.fsw & FSW_C1));
    dt_compare(c, host, &t, &cmp);
    return differs && cmp.ok;
}

bool dt_insn_is_trans(const DtGen *g, const DtInsn *in)
{
    return in->form >= 0 && in->form < g->nforms &&
           g->forms[in->form].family == DT_FAM_x87t;
}

/* Histogram buckets: 0 (C1 alone), 1, 2, 3-4, 5-8, 9-16, 17-64. */
static int bucket(uint64_t ulps)
{
    static const uint64_t top[DT_TRANS_BUCKETS] = { 0, 1, 2, 4, 8, 16,
                                                    DT_TRANS_MAX_ULPS };
    int b = 0;

    while (b < DT_TRANS_BUCKETS - 1 && ulps > top[b]) {
        b++;
    }
    return b;
}

void dt_trans_count(DtTransStats *ts, const DtGen *g, const DtInsn *in,
                    uint64_t ulps)
{
    const char *name = x86_mnem_name(g->forms[in->form].e->mnem);
    int i;

    ts->total++;
    ts->hist[bucket(ulps)]++;
    for (i = 0; i < ts->nmnem; i++) {
        if (!strcmp(ts->mnem[i], name)) {
            break;
        }
    }
    if (i == ts->nmnem && i < DT_TRANS_MNEMS) {
        ts->mnem[ts->nmnem++] = name;
    }
    if (i < DT_TRANS_MNEMS) {
        ts->per_mnem[i]++;
    }
}

void dt_trans_report(const DtTransStats *ts, int mode, const char *engine,
                     uint64_t n, FILE *f)
{
    static const char *const label[DT_TRANS_BUCKETS] = {
        "0 (C1 only)", "1", "2", "3-4", "5-8", "9-16", "17-64",
    };

    if (!ts->total) {
        return;
    }
    fprintf(f, "%d-bit: host vs %-10s %llu transcendental results differ "
            "(%.0f per million sequences), within %d ulps; ulps:", mode,
            engine, (unsigned long long)ts->total,
            n ? 1e6 * (double)ts->total / (double)n : 0.0,
            DT_TRANS_MAX_ULPS);
    for (int b = 0; b < DT_TRANS_BUCKETS; b++) {
        if (ts->hist[b]) {
            fprintf(f, " %s: %llu,", label[b], (unsigned long long)ts->hist[b]);
        }
    }
    fprintf(f, " by instruction:");
    for (int i = 0; i < ts->nmnem; i++) {
        fprintf(f, " %s %llu", ts->mnem[i], (unsigned long long)ts->per_mnem[i]);
    }
    fprintf(f, "\n");
}
