/*
 * Differential tester of Kite's CPU against the host processor: the
 * command-line tool behind `make check-difftest` and `make difftest`.
 *
 *   difftest run [-m 64|32|16|all] [-n N] [-s SEED] [-l LEN] [-c]
 *                [-f FAMILIES] [--save DIR] [--max-fail K] [--kvm32]
 *       N random sequences per mode, each run on the host CPU (the
 *       reference, dt-host64/dt-host32 child processes) and on every Kite
 *       engine available (kvm for 64-bit code; tcg-native and tcg-interp
 *       for every mode once the TCG exists). A mismatch is shrunk, printed
 *       and saved as a regression case in DIR. -c prints the coverage.
 *       -f picks the instruction families (dt.h: gp, x87, x87t, x87env,
 *       mmx, sse, ssefp, rcp, or all; a list like "gp,sse"); default gp.
 * --xfail ENGINE[,ENGINE] counts that engine's mismatches as expected
 * failures (printed, listed in the closing line, not failing the run):
 * for engines with open bugs, so `make check` stays usable meanwhile.
 * --fault ENGINE (a test of the tester) flips a register bit in every
 * result of ENGINE, so each of its comparisons fails and is shrunk; the
 * other engines must still agree (their host reference stays intact).
 *
 *   difftest replay FILE...
 *       Runs regression cases on every available Kite engine against the
 *       host result stored in the file.
 *   difftest sample -n N -s SEED --save DIR [-m MODE]
 *       Saves N host-verified random cases (to seed the corpus).
 *   difftest record FILE...
 *       Reruns each case's inputs on the host and rewrites its expect
 *       lines (for a case written by hand from a shrunk mismatch).
 *
 * Every invocation ends with "N passed, N failed, N skipped" where a unit
 * is one comparison of one sequence on one engine; comparisons that could
 * not run because an engine is missing count as skipped, and the reason
 * is printed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "system/util.h"
#include "tests/difftest/dt.h"

typedef struct HostRunner {
    int mode;
    pid_t pid;
    int to, from;
    bool ok;
    char why[128];
} HostRunner;

typedef struct Engines {
    DtEngine *e[3];
    const char *names[3];
    char why[3][160];
} Engines;

typedef struct Stats {
    uint64_t passed, failed, skipped, xfail, trans;
} Stats;

typedef struct Options {
    int modes[3];
    int nmodes;
    uint64_t n, seed;
    int len;
    bool coverage, kvm32;
    const char *save_dir;
    const char *xfail;      /* engines whose mismatches are known bugs */
    const char *fault;      /* engine whose results are corrupted (test) */
    uint32_t families;      /* DT_FAM_* bits (-f) */
    int max_fail;
    char bindir[512];
} Options;

static bool is_xfail(const Options *o, const char *engine)
{
    const char *p = o->xfail;
    size_t n = strlen(engine);

    while (p && *p) {
        if (!strncmp(p, engine, n) && (p[n] == ',' || p[n] == 0)) {
            return true;
        }
        p = strchr(p, ',');
        p = p ? p + 1 : NULL;
    }
    return false;
}

static void count_fail(const Options *o, Stats *st, const char *engine)
{
    if (is_xfail(o, engine)) {
        st->xfail++;
    } else {
        st->failed++;
    }
}

/* ---- host runners ---- */

static bool io_full(int fd, void *buf, size_t n, bool wr)
{
    uint8_t *p = buf;

    while (n) {
        ssize_t r = wr ? write(fd, p, n) : read(fd, p, n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return false;
        }
        p += r;
        n -= (size_t)r;
    }
    return true;
}

static void host_start(HostRunner *h, const char *bindir, int mode)
{
    char path[600];
    int in[2], out[2];
    /* dt-host32 also runs 16-bit code, in 16-bit LDT segments */
    const char *exe = mode == 64 ? "dt-host64" : "dt-host32";

    memset(h, 0, sizeof(*h));
    h->mode = mode;
    snprintf(path, sizeof(path), "%s/%s", bindir, exe);
    if (access(path, X_OK) < 0) {
        snprintf(h->why, sizeof(h->why), "not available (%s not built)", exe);
        return;
    }
    if (pipe(in) < 0 || pipe(out) < 0) {
        snprintf(h->why, sizeof(h->why), "pipe: %s", strerror(errno));
        return;
    }
    h->pid = fork();
    if (h->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]); close(in[1]); close(out[0]); close(out[1]);
        execl(path, exe, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    h->to = in[1];
    h->from = out[0];
    h->ok = h->pid > 0;
    if (h->ok) {
        DtRequest rq = { .magic = DT_MAGIC, .op = DT_OP_PROBE,
                         .mode = (uint32_t)mode };
        static DtResult res;
        if (!io_full(h->to, &rq, sizeof(rq), true) ||
            !io_full(h->from, &res, sizeof(res), false) ||
            res.vector != DT_VEC_NONE) {
            if (mode == 16) {
                snprintf(h->why, sizeof(h->why), "not available (%s)",
                         res.msg);
            } else {
                snprintf(h->why, sizeof(h->why), "not available (%s did "
                         "not start: %s)", exe, res.msg);
            }
            h->ok = false;
        }
    }
}

static void host_stop(HostRunner *h)
{
    if (h->pid > 0) {
        DtRequest rq = { .magic = DT_MAGIC, .op = DT_OP_QUIT };
        io_full(h->to, &rq, sizeof(rq), true);
        close(h->to);
        close(h->from);
        waitpid(h->pid, NULL, 0);
        h->pid = 0;
    }
}

static void host_run(HostRunner *h, const DtCase *c, DtResult *r)
{
    static DtRequest rq;

    dt_case_request(c, &rq);
    if (!h->ok || !io_full(h->to, &rq, sizeof(rq), true) ||
        !io_full(h->from, r, sizeof(*r), false)) {
        memset(r, 0, sizeof(*r));
        r->vector = DT_VEC_ERROR;
        snprintf(r->msg, sizeof(r->msg), "host runner died");
        h->ok = false;
    }
}

/* ---- engines ---- */

static void engines_open(Engines *en, int mode, bool kvm32)
{
    static const char *const acc[3] = { "kvm", "tcg", "tcg" };
    static const char *const be[3] = { NULL, "native", "interp" };
    static const char *const nm[3] = { "kvm", "tcg-native", "tcg-interp" };

    memset(en, 0, sizeof(*en));
    for (int i = 0; i < 3; i++) {
        en->names[i] = nm[i];
        if (i == 0 && mode != 64 && !kvm32) {
            snprintf(en->why[i], sizeof(en->why[i]), "not used for %d-bit "
                     "code (this host's KVM emulates it; --kvm32 to try)", mode);
            continue;
        }
        en->e[i] = dt_engine_new(acc[i], be[i], en->why[i], sizeof(en->why[i]));
    }
}

static void engines_close(Engines *en)
{
    for (int i = 0; i < 3; i++) {
        dt_engine_free(en->e[i]);
    }
}

/* Runs c on engine e (named name); --fault corrupts that engine's result. */
static void engine_run(const Options *o, DtEngine *e, const char *name,
                       const DtCase *c, DtResult *r)
{
    dt_engine_run(e, c, r);
    if (o->fault && !strcmp(o->fault, name)) {
        r->regs[R_EAX] ^= 1;
    }
}

/*
 * KVM on this kind of host intercepts #GP and hands the faulting
 * instruction to its own instruction emulator, which does not know most
 * SSE instructions (it injects #UD) and skips some checks of those it
 * knows (it ran a misaligned FXSAVE). Seen on AMD hosts; not a Kite bug:
 * when the host raised #GP at an x87/MMX/SSE instruction, a different
 * KVM result is counted as skipped.
 */
static bool kvm_gp_quirk(const DtGen *g, const DtCase *c, const char *engine,
                         const DtResult *host)
{
    uint8_t code[DT_CODE_MAX];
    uint32_t offs[DT_MAX_INSNS + 1];

    if (strcmp(engine, "kvm") || host->vector != 13 ||
        dt_seq_assemble(&c->seq, code, offs) < 0) {
        return false;
    }
    for (int i = 0; i < c->seq.n; i++) {
        int f = c->seq.insn[i].form;
        if (DT_CODE + offs[i] == host->rip) {
            return f >= 0 && f < g->nforms && g->forms[f].family != DT_FAM_gp;
        }
    }
    return false;
}

/*
 * MXCSR bit 17 (MM, the misaligned-SSE exception mask) exists on AMD
 * processors only: MXCSR_MASK is 0x2ffff there, 0xffff on Intel. A
 * sequence whose LDMXCSR, FXRSTOR or XRSTOR loads it runs on an AMD host
 * and raises #GP under the Intel model Kite presents (cpu/x86/cpuid.h);
 * a host result that ends with the bit set is counted as skipped.
 */
static bool amd_mxcsr_mm(const DtResult *host)
{
    return dt_host_is_amd() && (host->fpu.mxcsr & 0x20000u);
}

/* ---- shrinking ---- */

/* The shrinker reruns the host and the engine on every candidate, so it
   keeps its own results: the caller's host result is the reference for
   the engines still to be compared on the same sequence. */
typedef struct Shrink {
    const Options *o;
    HostRunner *h;
    DtEngine *e;
    const char *name;
    DtResult ra, rb;
} Shrink;

static bool still_fails(Shrink *s, const DtCase *c)
{
    const char *why;
    DtCompare cmp;

    if (dt_case_check(c, NULL, NULL, &why) < 0) {
        return false;
    }
    host_run(s->h, c, &s->ra);
    engine_run(s->o, s->e, s->name, c, &s->rb);
    if (s->ra.vector == DT_VEC_ERROR) {
        return false;
    }
    dt_compare(c, &s->ra, &s->rb, &cmp);
    return !cmp.ok;
}

static void case_drop(const DtCase *in, DtCase *out, int from, int count)
{
    *out = *in;
    out->seq.n = 0;
    for (int i = 0; i < in->seq.n; i++) {
        DtInsn d = in->seq.insn[i];
        if (i >= from && i < from + count) {
            continue;
        }
        if (d.rel_size) {
            int t = d.target;
            if (t >= from + count) {
                t -= count;
            } else if (t > from) {
                t = from;
            }
            d.target = (int16_t)t;
        }
        out->seq.insn[out->seq.n++] = d;
    }
}

/* Delta debugging: drop chunks, then single instructions, then zero regs. */
static void shrink_case(Shrink *s, DtCase *c)
{
    static DtCase cand;

    for (int chunk = c->seq.n / 2; chunk >= 1; chunk /= 2) {
        for (int from = 0; from + chunk <= c->seq.n;) {
            case_drop(c, &cand, from, chunk);
            if (cand.seq.n > 0 && still_fails(s, &cand)) {
                *c = cand;
            } else {
                from += chunk;
            }
        }
    }
    for (int r = 0; r < dt_regs_count(c->seq.mode); r++) {
        static const uint64_t simple[] = { 0, 1 };
        for (int k = 0; k < 2; k++) {
            if (c->regs[r] == simple[k] || r == 4) {
                break;
            }
            cand = *c;
            cand.regs[r] = simple[k];
            if (still_fails(s, &cand)) {
                *c = cand;
                break;
            }
        }
    }
    still_fails(s, c);   /* leave ra/rb describing the final case */
}

/* Removes every x87t instruction of in (last first, so indexes hold). */
static void case_drop_trans(const DtGen *g, const DtCase *in, DtCase *out)
{
    static DtCase tmp;

    *out = *in;
    for (int i = in->seq.n - 1; i >= 0; i--) {
        if (dt_insn_is_trans(g, &out->seq.insn[i])) {
            tmp = *out;
            case_drop(&tmp, out, i, 1);
        }
    }
}

/* Runs c on the host and the engine; false if c is not a valid case or
   the host runner failed. */
static bool run_pair(Shrink *s, const DtCase *c)
{
    const char *why;

    if (dt_case_check(c, NULL, NULL, &why) < 0) {
        return false;
    }
    host_run(s->h, c, &s->ra);
    engine_run(s->o, s->e, s->name, c, &s->rb);
    return s->ra.vector != DT_VEC_ERROR;
}

/*
 * Whether the mismatch of c is a transcendental difference
 * (dt-trans.c), counted in ts if so. c is shrunk to a smallest failing
 * case; in that case the prefix that ends with its last x87t instruction
 * must differ from the host only in that instruction's result (within
 * DT_TRANS_MAX_ULPS) and C1, whatever follows being the same work done
 * on a different input; and c with every x87t instruction removed must
 * agree with the host, so the other instructions of c are checked too.
 */
static bool trans_classify(Shrink *s, const DtGen *g, const DtCase *c,
                           DtTransStats *ts)
{
    static DtCase k, p;
    DtCompare cmp;
    uint64_t ulps;
    int t = -1;

    for (int i = 0; i < c->seq.n && t < 0; i++) {
        t = dt_insn_is_trans(g, &c->seq.insn[i]) ? i : -1;
    }
    if (t < 0) {
        return false;
    }
    k = *c;
    shrink_case(s, &k);
    t = -1;
    for (int i = 0; i < k.seq.n; i++) {
        t = dt_insn_is_trans(g, &k.seq.insn[i]) ? i : t;
    }
    if (t < 0) {
        return false;
    }
    case_drop(&k, &p, t + 1, k.seq.n - t - 1);
    if (!run_pair(s, &p) || !dt_trans_diff(&p, &s->ra, &s->rb, &ulps)) {
        return false;
    }
    case_drop_trans(g, c, &k);
    if (k.seq.n > 0) {
        if (!run_pair(s, &k)) {
            return false;
        }
        dt_compare(&k, &s->ra, &s->rb, &cmp);
        if (!cmp.ok) {
            return false;
        }
    }
    dt_trans_count(ts, g, &p.seq.insn[t], ulps);
    return true;
}

static void report_mismatch(const Options *o, Shrink *s, DtCase *c,
                            const char *engine, const DtCompare *cmp)
{
    DtCompare fin;
    char path[700];

    printf("MISMATCH %d-bit host vs %s: %s\n", c->seq.mode, engine, cmp->what);
    shrink_case(s, c);
    dt_compare(c, &s->ra, &s->rb, &fin);
    if (fin.ok) {
        printf("  did not reproduce on a rerun (nondeterministic); last "
               "candidate:\n");
    } else {
        printf("  shrunk to %d instructions (%s):\n", c->seq.n, fin.what);
    }
    dt_case_print(c, stdout);
    dt_result_print(c, "host", &s->ra, &s->rb, stdout);
    dt_result_print(c, engine, &s->rb, &s->ra, stdout);
    if (o->save_dir) {
        uint64_t h = c->mem_seed;
        for (int i = 0; i < c->seq.n; i++) {
            for (int b = 0; b < c->seq.insn[i].len; b++) {
                h = h * 131 + c->seq.insn[i].b[b];
            }
        }
        snprintf(path, sizeof(path), "%s/%d-%s-%08llx.case", o->save_dir,
                 c->seq.mode, engine, (unsigned long long)(h & 0xffffffff));
        if (dt_case_save(c, &s->ra, path) == 0) {
            printf("  saved %s\n", path);
        } else {
            printf("  cannot save %s: %s\n", path, strerror(errno));
        }
    }
    fflush(stdout);
}

/* ---- run ---- */

static void run_mode(const Options *o, int mode, Stats *st)
{
    static DtCase c, keep;
    static DtResult ra, rb;
    static Shrink s;
    HostRunner h;
    Engines en;
    DtGen g;
    uint64_t mpass[3] = { 0 }, mfail[3] = { 0 }, herr = 0, vec[33] = { 0 };
    uint64_t quirk = 0;
    static DtTransStats trans[3];

    host_start(&h, o->bindir, mode);
    if (!h.ok) {
        printf("%d-bit host runner: %s\n", mode, h.why);
        printf("%d-bit: %llu sequences skipped\n", mode,
               (unsigned long long)o->n);
        st->skipped += o->n;
        host_stop(&h);
        return;
    }
    engines_open(&en, mode, o->kvm32);
    for (int i = 0; i < 3; i++) {
        if (!en.e[i]) {
            printf("%d-bit: %s: %s — comparisons skipped\n", mode,
                   en.names[i], en.why[i]);
        }
    }
    if (dt_gen_init(&g, mode, o->seed ^ (uint64_t)mode, o->families) < 0) {
        printf("%d-bit: no instruction forms\n", mode);
        st->failed++;
        goto out;
    }
    for (uint64_t k = 0; k < o->n; k++) {
        if (dt_gen_case(&g, &c, o->len) < 0) {
            continue;
        }
        dt_gen_cover(&g, &c);
        host_run(&h, &c, &ra);
        if (ra.vector == DT_VEC_ERROR) {
            herr++;
            st->failed++;
            if (herr < 5) {
                printf("%d-bit host runner error: %s\n", mode, ra.msg);
                dt_case_print(&c, stdout);
            }
            if (!h.ok) {
                break;
            }
            continue;
        }
        vec[ra.vector >= 0 && ra.vector < 32 ? ra.vector : 32]++;
        for (int i = 0; i < 3; i++) {
            DtCompare cmp;
            if (!en.e[i]) {
                st->skipped++;
                continue;
            }
            engine_run(o, en.e[i], en.names[i], &c, &rb);
            dt_compare(&c, &ra, &rb, &cmp);
            if (!cmp.ok && (kvm_gp_quirk(&g, &c, en.names[i], &ra) ||
                            amd_mxcsr_mm(&ra))) {
                st->skipped++;
                quirk++;
                continue;
            }
            if (cmp.ok) {
                mpass[i]++;
                st->passed++;
                continue;
            }
            s.o = o;
            s.h = &h;
            s.e = en.e[i];
            s.name = en.names[i];
            if (trans_classify(&s, &g, &c, &trans[i])) {
                st->trans++;
                continue;
            }
            mfail[i]++;
            count_fail(o, st, en.names[i]);
            if (mfail[i] <= (uint64_t)o->max_fail) {
                s.o = o;
                s.h = &h;
                s.e = en.e[i];
                s.name = en.names[i];
                keep = c;
                report_mismatch(o, &s, &keep, en.names[i], &cmp);
            }
        }
    }
    for (int i = 0; i < 3; i++) {
        if (en.e[i]) {
            printf("%d-bit: host vs %-10s %llu agree, %llu differ\n", mode,
                   en.names[i], (unsigned long long)mpass[i],
                   (unsigned long long)mfail[i]);
            dt_trans_report(&trans[i], mode, en.names[i], o->n, stdout);
        }
        memset(&trans[i], 0, sizeof(trans[i]));
    }
    if (quirk) {
        printf("%d-bit: %llu kvm comparisons skipped: the host raised #GP at "
               "an x87/SSE instruction, KVM's instruction emulator did "
               "otherwise\n", mode, (unsigned long long)quirk);
    }
    if (!en.e[0] && !en.e[1] && !en.e[2]) {
        printf("%d-bit: %llu sequences ran on the host only (no Kite engine "
               "for this mode)\n", mode, (unsigned long long)o->n);
    }
    printf("%d-bit: host outcomes: %llu ran to the end", mode,
           (unsigned long long)vec[32]);
    for (int v = 0; v < 32; v++) {
        if (vec[v]) {
            printf(", %llu #%d", (unsigned long long)vec[v], v);
        }
    }
    printf("\n");
    printf("%d-bit: generator rejected %llu candidate instructions\n", mode,
           (unsigned long long)g.rejects);
    if (o->coverage) {
        dt_gen_report(&g, stdout, true);
    } else {
        dt_gen_report(&g, stdout, false);
    }
    dt_gen_destroy(&g);
out:
    engines_close(&en);
    host_stop(&h);
}

/* ---- replay and sample ---- */

static void replay_file(const Options *o, const char *path, Stats *st,
                        bool kvm32)
{
    static DtCase c;
    static DtResult expect, got;
    char err[256];
    Engines en;

    if (dt_case_load(&c, &expect, path, err, sizeof(err)) < 0) {
        printf("FAIL %s: %s\n", path, err);
        st->failed++;
        return;
    }
    engines_open(&en, c.seq.mode, kvm32);
    for (int i = 0; i < 3; i++) {
        DtCompare cmp;
        if (!en.e[i]) {
            st->skipped++;
            continue;
        }
        dt_engine_run(en.e[i], &c, &got);
        dt_compare(&c, &expect, &got, &cmp);
        if (!cmp.ok && amd_mxcsr_mm(&expect)) {
            st->skipped++;
            continue;
        }
        if (cmp.ok) {
            st->passed++;
        } else {
            count_fail(o, st, en.names[i]);
            printf("%s %s on %s: %s\n", is_xfail(o, en.names[i]) ?
                   "XFAIL" : "FAIL", path, en.names[i], cmp.what);
            dt_case_print(&c, stdout);
            dt_result_print(&c, "host", &expect, &got, stdout);
            dt_result_print(&c, en.names[i], &got, &expect, stdout);
        }
    }
    engines_close(&en);
}

static int sample(const Options *o, Stats *st)
{
    static DtCase c;
    static DtResult r;

    for (int m = 0; m < o->nmodes; m++) {
        HostRunner h;
        DtGen g;
        host_start(&h, o->bindir, o->modes[m]);
        if (!h.ok || dt_gen_init(&g, o->modes[m], o->seed, o->families) < 0) {
            printf("%d-bit host runner: %s\n", o->modes[m], h.why);
            host_stop(&h);
            continue;
        }
        for (uint64_t k = 0; k < o->n; k++) {
            char path[700];
            if (dt_gen_case(&g, &c, o->len) < 0) {
                continue;
            }
            host_run(&h, &c, &r);
            if (r.vector == DT_VEC_ERROR) {
                st->failed++;
                continue;
            }
            snprintf(path, sizeof(path), "%s/%d-sample-%llx-%llu.case",
                     o->save_dir, o->modes[m], (unsigned long long)o->seed,
                     (unsigned long long)k);
            if (dt_case_save(&c, &r, path) == 0) {
                st->passed++;
            } else {
                st->failed++;
            }
        }
        dt_gen_destroy(&g);
        host_stop(&h);
    }
    return 0;
}

/* Reruns each case's inputs on the host and rewrites its expectations in
   place: a case can be written by hand (mode, seed, rflags, regs, insns)
   and then recorded. */
static void record_file(const Options *o, const char *path, Stats *st)
{
    static DtCase c;
    static DtResult expect, got;
    char err[256];
    HostRunner h;

    if (dt_case_load(&c, &expect, path, err, sizeof(err)) < 0) {
        printf("FAIL %s: %s\n", path, err);
        st->failed++;
        return;
    }
    host_start(&h, o->bindir, c.seq.mode);
    if (!h.ok) {
        printf("SKIP %s: %d-bit host runner: %s\n", path, c.seq.mode, h.why);
        st->skipped++;
        host_stop(&h);
        return;
    }
    host_run(&h, &c, &got);
    host_stop(&h);
    if (got.vector == DT_VEC_ERROR || dt_case_save(&c, &got, path) < 0) {
        printf("FAIL %s: %s\n", path, got.vector == DT_VEC_ERROR ? got.msg
                                                                   : strerror(errno));
        st->failed++;
        return;
    }
    printf("recorded %s\n", path);
    st->passed++;
}

/* ---- main ---- */

static void usage(void)
{
    fprintf(stderr, "usage: difftest run [-m 64|32|16|all] [-n N] [-s SEED] "
            "[-l LEN] [-c] [-f FAMILIES]\n"
            "                    [--save DIR] [--max-fail K] [--kvm32] [--xfail ENGINES]\n"
            "                    [--fault ENGINE]   (test of the tester)\n"
            "       difftest replay [--kvm32] [--xfail ENGINES] FILE...\n"
            "       difftest sample -n N [-s SEED] [-m MODE] --save DIR\n"
            "       difftest record FILE...   (rewrite expectations from the host)\n");
}

static int parse_opts(Options *o, int argc, char **argv)
{
    static const struct option lo[] = {
        { "save", required_argument, NULL, 'S' },
        { "max-fail", required_argument, NULL, 'F' },
        { "kvm32", no_argument, NULL, 'K' },
        { "xfail", required_argument, NULL, 'X' },
        { "fault", required_argument, NULL, 'E' },
        { 0, 0, 0, 0 },
    };
    int ch;

    o->n = 1000;
    o->seed = 1;
    o->len = 12;
    o->max_fail = 3;
    o->modes[0] = 64;
    o->modes[1] = 32;
    o->modes[2] = 16;
    o->nmodes = 3;
    o->families = 1u << DT_FAM_gp;
    while ((ch = getopt_long(argc, argv, "m:n:s:l:cf:", lo, NULL)) != -1) {
        switch (ch) {
        case 'm':
            if (strcmp(optarg, "all")) {
                o->modes[0] = atoi(optarg);
                o->nmodes = 1;
            }
            break;
        case 'n': o->n = strtoull(optarg, NULL, 0); break;
        case 's': o->seed = strtoull(optarg, NULL, 0); break;
        case 'l': o->len = MAX(1, MIN(atoi(optarg), 40)); break;
        case 'c': o->coverage = true; break;
        case 'f':
            if (dt_families_parse(optarg, &o->families) < 0) {
                fprintf(stderr, "difftest: unknown family in \"%s\"\n", optarg);
                return -1;
            }
            break;
        case 'S': o->save_dir = optarg; break;
        case 'F': o->max_fail = atoi(optarg); break;
        case 'K': o->kvm32 = true; break;
        case 'X': o->xfail = optarg; break;
        case 'E': o->fault = optarg; break;
        default: return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    Options o;
    Stats st = { 0 };
    char exe[512];
    ssize_t n;

    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    memset(&o, 0, sizeof(o));
    if (argc < 2) {
        usage();
        return 2;
    }
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = 0;
    snprintf(o.bindir, sizeof(o.bindir), "%s", n > 0 ? dirname(exe) : ".");
    optind = 2;
    if (parse_opts(&o, argc, argv) < 0) {
        usage();
        return 2;
    }
    if (!strcmp(argv[1], "run")) {
        for (int m = 0; m < o.nmodes; m++) {
            run_mode(&o, o.modes[m], &st);
        }
    } else if (!strcmp(argv[1], "replay")) {
        int files = 0;
        for (int i = optind; i < argc; i++) {
            replay_file(&o, argv[i], &st, o.kvm32);
            files++;
        }
        printf("replayed %d regression case%s\n", files, files == 1 ? "" : "s");
    } else if (!strcmp(argv[1], "record")) {
        for (int i = optind; i < argc; i++) {
            record_file(&o, argv[i], &st);
        }
    } else if (!strcmp(argv[1], "sample") && o.save_dir) {
        sample(&o, &st);
    } else {
        usage();
        return 2;
    }
    printf("%llu passed, %llu failed, %llu skipped",
           (unsigned long long)st.passed, (unsigned long long)st.failed,
           (unsigned long long)st.skipped);
    if (st.trans) {
        printf(", %llu transcendental differences", (unsigned long long)st.trans);
    }
    if (st.xfail) {
        printf(", %llu expected failures (known bugs on %s)",
               (unsigned long long)st.xfail, o.xfail);
    }
    printf("\n");
    return st.failed ? 1 : 0;
}
