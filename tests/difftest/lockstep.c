/*
 * Lockstep runner: runs one guest on two Kite engines at once, one
 * instruction at a time (VCPU.singlestep: KVM_GUESTDBG_SINGLESTEP under
 * KVM, one instruction per TB under the TCG), compares the architectural
 * state after every instruction and stops at the first divergence with
 * both states and the instructions executed just before.
 *
 * The guests are difftest cases (random sequences or regression case
 * files), loaded through the same engine code as the difftest, so any
 * pair of kvm, tcg-native and tcg-interp can be compared as soon as the
 * engine exists. A REP string instruction that one engine steps per
 * iteration is stepped until RIP moves, so both sides compare at
 * instruction boundaries. Arithmetic flags the SDM leaves undefined at a
 * point are masked, as in the difftest.
 *
 *   lockstep [-a ENGINE] [-b ENGINE] [-n N] [-s SEED] [--plant STEP]
 *            [--case FILE]... | --self-test
 *   lockstep --guest FILE.elf ...   whole guests (lockstep-guest.c)
 * ENGINE is kvm, tcg-native or tcg-interp. --plant flips a bit of RAX on
 * engine B after STEP instructions: a bug planted on purpose, to show the
 * divergence report.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/cpu.h"
#include "system/util.h"
#include "tests/difftest/dt.h"
#include "tests/difftest/lockstep-guest.h"

#define HISTORY 8
#define MAX_STEPS 4096

typedef struct Side {
    DtEngine *e;
    const char *name;
} Side;

typedef struct Lockstep {
    Side a, b;
    long plant;             /* step after which B is corrupted, -1: none */
    uint64_t steps;         /* instructions compared so far */
    uint64_t hist[HISTORY]; /* RIPs of the last instructions */
    int nhist;
} Lockstep;

static DtEngine *engine_open(const char *name, char *why, size_t n)
{
    if (!strcmp(name, "kvm")) {
        return dt_engine_new("kvm", NULL, why, n);
    }
    if (!strcmp(name, "tcg-native")) {
        return dt_engine_new("tcg", "native", why, n);
    }
    if (!strcmp(name, "tcg-interp")) {
        return dt_engine_new("tcg", "interp", why, n);
    }
    snprintf(why, n, "unknown engine \"%s\"", name);
    return NULL;
}

/* One instruction (REP iterations folded); returns the exit reason. */
static VcpuExit step(DtEngine *e)
{
    VCPU *cpu = dt_engine_vcpu(e);
    const AccelOps *ops = dt_engine_ops(e);
    uint64_t rip;
    VcpuExit why;

    ops->get_state(cpu);
    rip = cpu->env.rip;
    for (int i = 0; i < 1024; i++) {
        why = ops->vcpu_run(cpu);
        if (why == VCPU_EXIT_NONE) {
            continue;
        }
        ops->get_state(cpu);
        if (why != VCPU_EXIT_DEBUG || cpu->env.rip != rip) {
            return why;
        }
    }
    return VCPU_EXIT_ERROR;
}

static bool states_differ(const DtCase *c, const X86CPUState *x,
                          const X86CPUState *y, uint32_t undef)
{
    uint64_t fm = ~(uint64_t)(undef | RF_RF | RF_TF) & 0x3fffff;

    if (memcmp(x->regs, y->regs, sizeof(x->regs)) || x->rip != y->rip) {
        return true;
    }
    (void)c;
    return (x->rflags & fm) != (y->rflags & fm);
}

static void print_history(const Lockstep *ls, const DtCase *c)
{
    uint8_t code[DT_CODE_MAX];
    uint32_t offs[DT_MAX_INSNS + 1];
    int len = dt_seq_assemble(&c->seq, code, offs);
    int first = ls->nhist > HISTORY ? ls->nhist - HISTORY : 0;

    printf("  last instructions executed:\n");
    for (int k = first; k < ls->nhist; k++) {
        uint64_t rip = ls->hist[k % HISTORY];
        char text[128] = "(outside the snippet)";
        X86Insn in;
        for (int i = 0; i < c->seq.n && len >= 0; i++) {
            if (DT_CODE + offs[i] == rip &&
                x86_decode(&in, code + offs[i], c->seq.insn[i].len,
                           c->seq.mode) > 0) {
                x86_insn_format(&in, rip, text, sizeof(text));
            }
        }
        printf("    %#" PRIx64 ": %s\n", rip, text);
    }
}

static void print_diff(const X86CPUState *x, const X86CPUState *y)
{
    static const char *const names[16] = {
        "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
    };

    printf("  differs:");
    for (int r = 0; r < 16; r++) {
        if (x->regs[r] != y->regs[r]) {
            printf(" %s %#" PRIx64 "/%#" PRIx64, names[r], x->regs[r],
                   y->regs[r]);
        }
    }
    if (x->rip != y->rip) {
        printf(" rip %#" PRIx64 "/%#" PRIx64, x->rip, y->rip);
    }
    if (x->rflags != y->rflags) {
        printf(" rflags %#" PRIx64 "/%#" PRIx64, x->rflags, y->rflags);
    }
    printf("\n");
}

/* 0: the engines agree to the end; 1: divergence reported; -1: error. */
static int lockstep_case(Lockstep *ls, const DtCase *c, bool quiet)
{
    static DtResult ra, rb;
    VCPU *ca = dt_engine_vcpu(ls->a.e), *cb = dt_engine_vcpu(ls->b.e);
    uint32_t undef[DT_MAX_INSNS + 1], offs[DT_MAX_INSNS + 1];
    const char *why;

    if (dt_case_check(c, undef, offs, &why) < 0 ||
        dt_engine_load(ls->a.e, c, &ra) < 0 ||
        dt_engine_load(ls->b.e, c, &rb) < 0) {
        return -1;
    }
    ca->singlestep = cb->singlestep = true;
    ls->nhist = 0;
    for (long n = 0; n < MAX_STEPS; n++) {
        uint64_t rip = ca->env.rip;
        uint32_t mask = 0;
        VcpuExit wa, wb;

        ls->hist[ls->nhist++ % HISTORY] = rip;
        ls->steps++;
        wa = step(ls->a.e);
        wb = step(ls->b.e);
        if (n == ls->plant) {
            cb->env.regs[R_EAX] ^= 1ull << 7;
            dt_engine_ops(ls->b.e)->set_state(cb);
        }
        for (int i = 0; i <= c->seq.n; i++) {
            if (DT_CODE + offs[i] == ca->env.rip) {
                mask = undef[i];
            }
        }
        if (wa != wb || states_differ(c, &ca->env, &cb->env, mask)) {
            printf("DIVERGENCE after %ld instructions: %s (exit %d) vs %s "
                   "(exit %d)\n", n + 1, ls->a.name, (int)wa, ls->b.name,
                   (int)wb);
            print_history(ls, c);
            print_diff(&ca->env, &cb->env);
            printf("  --- %s\n", ls->a.name);
            x86_cpu_state_dump(&ca->env, stdout);
            printf("  --- %s\n", ls->b.name);
            x86_cpu_state_dump(&cb->env, stdout);
            ca->singlestep = cb->singlestep = false;
            return 1;
        }
        if (wa != VCPU_EXIT_DEBUG || dt_engine_in_stub(ls->a.e, ca->env.rip)) {
            break;
        }
    }
    ca->singlestep = cb->singlestep = false;
    dt_engine_collect(ls->a.e, c, VCPU_EXIT_HALT, &ra);
    (void)quiet;
    return 0;
}

static int run_random(Lockstep *ls, int mode, uint64_t n, uint64_t seed,
                      uint64_t *pass, uint64_t *fail)
{
    static DtCase c;
    DtGen g;

    if (dt_gen_init(&g, mode, seed, 1u << DT_FAM_gp) < 0) {
        return -1;
    }
    for (uint64_t k = 0; k < n; k++) {
        if (dt_gen_case(&g, &c, 12) < 0) {
            continue;
        }
        int r = lockstep_case(ls, &c, true);
        if (r == 0) {
            (*pass)++;
        } else {
            (*fail)++;
            if (r > 0) {
                dt_case_print(&c, stdout);
            }
            break;
        }
    }
    dt_gen_destroy(&g);
    return 0;
}

/* Does one step stop after one instruction (not inside the guest's #DB)? */
static bool engine_steps(DtEngine *e)
{
    static DtCase c;
    static DtResult r;
    VCPU *cpu = dt_engine_vcpu(e);
    bool ok;

    memset(&c, 0, sizeof(c));
    c.seq.mode = 64;
    c.seq.n = 2;
    for (int i = 0; i < 2; i++) {
        c.seq.insn[i].b[0] = 0x90;
        c.seq.insn[i].len = 1;
        c.seq.insn[i].target = -1;
    }
    c.regs[R_ESP] = DT_STACK_INIT;
    c.rflags = RF_FIXED | RF_IF;
    if (dt_engine_load(e, &c, &r) < 0) {
        return false;
    }
    cpu->singlestep = true;
    ok = step(e) == VCPU_EXIT_DEBUG && cpu->env.rip == DT_CODE + 1;
    cpu->singlestep = false;
    return ok;
}

bool lockstep_engine_can_step(const char *engine, char *why, size_t n)
{
    DtEngine *e = engine_open(engine, why, n);
    bool ok;

    if (!e) {
        return false;
    }
    ok = engine_steps(e);
    if (!ok) {
        snprintf(why, n, "%s does not single-step here (the single-step #DB "
                 "reaches the guest instead of stopping it)", engine);
    }
    dt_engine_free(e);
    return ok;
}

static bool open_pair(Lockstep *ls, const char *a, const char *b)
{
    char wa[160] = "", wb[160] = "";

    memset(ls, 0, sizeof(*ls));
    ls->plant = -1;
    ls->a.name = a;
    ls->b.name = b;
    ls->a.e = engine_open(a, wa, sizeof(wa));
    ls->b.e = engine_open(b, wb, sizeof(wb));
    if (!ls->a.e || !ls->b.e) {
        printf("lockstep %s vs %s: skipped: %s%s%s\n", a, b,
               ls->a.e ? "" : a, ls->a.e ? "" : ": ",
               ls->a.e ? wb : wa);
        dt_engine_free(ls->a.e);
        dt_engine_free(ls->b.e);
        return false;
    }
    if (!engine_steps(ls->a.e) || !engine_steps(ls->b.e)) {
        printf("lockstep %s vs %s: skipped: %s does not single-step here "
               "(the single-step #DB reaches the guest instead of stopping "
               "it)\n", a, b, engine_steps(ls->a.e) ? b : a);
        dt_engine_free(ls->a.e);
        dt_engine_free(ls->b.e);
        return false;
    }
    return true;
}

static void close_pair(Lockstep *ls)
{
    dt_engine_free(ls->a.e);
    dt_engine_free(ls->b.e);
}

/* The budget of `make check`: each pair on random code, plus a plant. */
static int self_test(void)
{
    static const char *const pairs[][2] = {
        { "kvm", "kvm" }, { "tcg-native", "tcg-interp" },
        { "tcg-native", "kvm" }, { "tcg-interp", "kvm" },
    };
    uint64_t pass = 0, fail = 0, skip = 0;
    bool planted = false;

    for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
        Lockstep ls;
        uint64_t p = 0, f = 0;
        if (!open_pair(&ls, pairs[i][0], pairs[i][1])) {
            skip++;
            continue;
        }
        run_random(&ls, 64, 200, 99 + i, &p, &f);
        printf("lockstep %s vs %s: %llu sequences (%llu instructions) in "
               "step, %llu diverged\n", pairs[i][0], pairs[i][1],
               (unsigned long long)p, (unsigned long long)ls.steps,
               (unsigned long long)f);
        pass += p;
        fail += f;
        if (!planted) {
            /* a planted bug must be caught at the instruction it hits */
            static DtCase c;
            DtGen g;
            dt_gen_init(&g, 64, 7, 1u << DT_FAM_gp);
            while (dt_gen_case(&g, &c, 12) < 0) {
            }
            dt_gen_destroy(&g);
            planted = true;
            ls.plant = 0;
            printf("lockstep: planted bug (RAX bit 7 flipped on %s after "
                   "the first instruction):\n", pairs[i][1]);
            if (lockstep_case(&ls, &c, false) == 1) {
                printf("lockstep: planted bug found\n");
                pass++;
            } else {
                printf("lockstep: planted bug NOT found\n");
                fail++;
            }
        }
        close_pair(&ls);
    }
    printf("%llu passed, %llu failed, %llu skipped\n", (unsigned long long)pass,
           (unsigned long long)fail, (unsigned long long)skip);
    return fail ? 1 : 0;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        { "self-test", no_argument, NULL, 'T' },
        { "plant", required_argument, NULL, 'P' },
        { "case", required_argument, NULL, 'C' },
        { 0, 0, 0, 0 },
    };
    const char *a = "kvm", *b = "kvm", *cases[64];
    int ncases = 0, ch, mode = 64;
    uint64_t n = 100, seed = 1, pass = 0, fail = 0;
    long plant = -1;
    Lockstep ls;

    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--guest") || !strncmp(argv[i], "--guest=", 8)) {
            return lockstep_guest_main(argc, argv);
        }
    }
    while ((ch = getopt_long(argc, argv, "a:b:n:s:m:", lo, NULL)) != -1) {
        switch (ch) {
        case 'T': return self_test();
        case 'a': a = optarg; break;
        case 'b': b = optarg; break;
        case 'n': n = strtoull(optarg, NULL, 0); break;
        case 's': seed = strtoull(optarg, NULL, 0); break;
        case 'm': mode = atoi(optarg); break;
        case 'P': plant = atol(optarg); break;
        case 'C':
            if (ncases < 64) {
                cases[ncases++] = optarg;
            }
            break;
        default:
            fprintf(stderr, "usage: lockstep [-a ENGINE] [-b ENGINE] [-n N] "
                    "[-s SEED] [-m MODE] [--plant STEP] [--case FILE]... | "
                    "--self-test\n");
            return 2;
        }
    }
    if (!open_pair(&ls, a, b)) {
        printf("0 passed, 0 failed, 1 skipped\n");
        return 0;
    }
    ls.plant = plant;
    if (ncases) {
        for (int i = 0; i < ncases; i++) {
            static DtCase c;
            static DtResult e;
            char err[256];
            if (dt_case_load(&c, &e, cases[i], err, sizeof(err)) < 0) {
                printf("%s\n", err);
                fail++;
                continue;
            }
            lockstep_case(&ls, &c, false) == 0 ? pass++ : fail++;
        }
    } else {
        run_random(&ls, mode, n, seed, &pass, &fail);
    }
    close_pair(&ls);
    printf("%llu passed, %llu failed, 0 skipped\n", (unsigned long long)pass,
           (unsigned long long)fail);
    return fail ? 1 : 0;
}
