/*
 * Lockstep over whole guests (issue #4, "Lockstep mode"): boots one
 * kernel (multiboot or bzImage, as -kernel) on two complete pc machines
 * built from the same MachineConfig but different engines, executes both
 * one instruction at a time (VCPU.singlestep) and compares the
 * architectural state after every instruction: GPRs, RIP, RFLAGS, the
 * segment, descriptor-table, control and debug registers, EFER, the
 * system MSRs, the x87/SSE registers and the event state. Every
 * --check-every instructions, and at the end, it also compares all of
 * guest RAM and the saved state of every device. At the first divergence
 * it prints both states (x86_cpu_state_dump), the differing fields and
 * the last --history instructions (capstone disassembly) and exits 1. At
 * the guest's end (isa-debug-exit, or a triple fault with -no-reboot)
 * both machines must end at the same instruction with the same status.
 *
 * Determinism. A machine's devices see time through its TimerList; in
 * lockstep both lists run on the manual clock of hw/core/timer.h from
 * the moment the machines are created (MachineConfig.manual_clock: at 0,
 * whenever each was built, so no host delay between the two creations
 * or before the first instruction shifts one clock against the other),
 * which advances by --ns-per-insn nanoseconds per instruction (default
 * 10, a 100 MHz guest) and, while both vCPUs are halted, jumps to the
 * next timer deadline. The TSC of the TCG derives from the same clock.
 * Both machines start from identical device state: machine A's device
 * tree is saved and loaded into both (the RTC date and phase come from
 * the host when A is created). Timers run
 * between instructions, from this thread (the main loop is not used, so
 * no host input reaches either guest). With KVM on one side (userspace
 * irqchip forced) the guest's TSC still reads host time, so a guest that
 * reads it can diverge: such pairs are for code that does not.
 *
 * The serial port of machine A writes to stdout (or --serial FILE); B's
 * is discarded. Only one vCPU (smp 1) is supported.
 *
 *   lockstep --guest FILE [-a ENGINE] [-b ENGINE] [-m MB] [--append STR]
 *            [--initrd FILES] [--device ARG]... [--reboot]
 *            [--max-insns N] [--history N] [--ns-per-insn NS]
 *            [--check-every K] [--serial FILE] [--expect-status N] [-q]
 * ENGINE is tcg-native, tcg-interp or kvm. Without --device the machines
 * get the test exit device, isa-debug-exit at port 0xf4. Exit status: 0
 * when both ran to the same end (with --expect-status: that status), 1 on
 * a divergence, 2 on an error, 3 on an unexpected guest status or a hang.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/x86/decode.h"
#include "cpu/x86/disas.h"
#include "hw/pc/loader.h"
#include "hw/pc/pc.h"
#include "tests/difftest/cpu-diff.h"
#include "tests/difftest/dt.h"
#include "tests/difftest/lockstep-guest.h"

#define LS_MAX_DEVICES 16
#define LS_MAX_IDLE 100000       /* halt or no-progress rounds in a row */

enum { LS_OK = 0, LS_DIVERGED = 1, LS_ERROR = 2, LS_BADEND = 3 };

typedef struct LsOptions {
    const char *guest, *engine_a, *engine_b, *append, *initrd, *serial;
    const char *devices[LS_MAX_DEVICES];
    int ndevices;
    uint64_t ram_mb, max_insns, check_every;
    int64_t ns_per_insn;
    unsigned history;
    bool reboot, quiet, have_expect;
    int expect;
} LsOptions;

typedef struct LsSide {
    const char *engine;
    Machine *m;
    VCPU *cpu;
    const AccelOps *ops;
    VcpuExit exit;               /* of the last step */
    bool ended;                  /* the machine asked to exit */
} LsSide;

/* One executed instruction, as machine A saw it before the step. */
typedef struct LsInsn {
    uint64_t step, rip;
    uint16_t cs;
    uint8_t mode;
    uint8_t nbytes;
    bool event;                  /* an interrupt could be taken first */
    uint8_t bytes[15];
} LsInsn;

typedef struct LsRun {
    const LsOptions *o;
    LsSide a, b;
    uint64_t steps;
    LsInsn *hist;
    uint64_t nhist;              /* entries ever recorded */
    bool mask_undef;             /* an engine is KVM: mask undefined flags */
    uint32_t undef;              /* arithmetic flags undefined right now */
    X86Disas dis;
    bool dis_ok;
} LsRun;

/* ---- options ---- */

static void ls_usage(void)
{
    fprintf(stderr,
            "usage: lockstep --guest FILE [-a ENGINE] [-b ENGINE] [-m MB]\n"
            "         [--append STR] [--initrd FILES] [--device ARG]...\n"
            "         [--reboot] [--max-insns N] [--history N]\n"
            "         [--ns-per-insn NS] [--check-every K] [--serial FILE]\n"
            "         [--expect-status N] [-q]\n"
            "ENGINE: tcg-native (default A), tcg-interp (default B), kvm\n");
}

static int ls_parse(int argc, char **argv, LsOptions *o)
{
    static const struct option lo[] = {
        { "guest", required_argument, NULL, 'g' },
        { "append", required_argument, NULL, 'A' },
        { "initrd", required_argument, NULL, 'I' },
        { "device", required_argument, NULL, 'D' },
        { "reboot", no_argument, NULL, 'R' },
        { "max-insns", required_argument, NULL, 'n' },
        { "history", required_argument, NULL, 'H' },
        { "ns-per-insn", required_argument, NULL, 'N' },
        { "check-every", required_argument, NULL, 'K' },
        { "serial", required_argument, NULL, 'S' },
        { "expect-status", required_argument, NULL, 'E' },
        { "quiet", no_argument, NULL, 'q' },
        { 0, 0, 0, 0 },
    };
    int ch;

    *o = (LsOptions){ .engine_a = "tcg-native", .engine_b = "tcg-interp",
                      .ram_mb = 64, .check_every = 1000000,
                      .ns_per_insn = 10, .history = 32 };
    optind = 1;
    while ((ch = getopt_long(argc, argv, "a:b:m:q", lo, NULL)) != -1) {
        switch (ch) {
        case 'g': o->guest = optarg; break;
        case 'a': o->engine_a = optarg; break;
        case 'b': o->engine_b = optarg; break;
        case 'm': o->ram_mb = strtoull(optarg, NULL, 0); break;
        case 'A': o->append = optarg; break;
        case 'I': o->initrd = optarg; break;
        case 'R': o->reboot = true; break;
        case 'n': o->max_insns = strtoull(optarg, NULL, 0); break;
        case 'H': o->history = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'N': o->ns_per_insn = strtoll(optarg, NULL, 0); break;
        case 'K': o->check_every = strtoull(optarg, NULL, 0); break;
        case 'S': o->serial = optarg; break;
        case 'q': o->quiet = true; break;
        case 'E':
            o->have_expect = true;
            o->expect = atoi(optarg);
            break;
        case 'D':
            if (o->ndevices == LS_MAX_DEVICES) {
                fprintf(stderr, "lockstep: too many --device options\n");
                return -1;
            }
            o->devices[o->ndevices++] = optarg;
            break;
        default:
            ls_usage();
            return -1;
        }
    }
    if (!o->guest || optind != argc || o->ns_per_insn < 0 ||
        o->history < 1 || o->history > 100000 || o->ram_mb == 0 ||
        o->ram_mb > 65536) {
        ls_usage();
        return -1;
    }
    if (!o->ndevices) {
        o->devices[o->ndevices++] = "isa-debug-exit,iobase=0xf4,iosize=4";
    }
    return 0;
}

/* ---- the two machines ---- */

static int ls_engine_config(const char *engine, MachineConfig *cfg)
{
    if (!strcmp(engine, "tcg-native") || !strcmp(engine, "tcg-interp")) {
        cfg->accel = "tcg";
        cfg->tcg_backend = engine + 4;
        return 0;
    }
    if (!strcmp(engine, "kvm")) {
        cfg->accel = "kvm";
        cfg->kernel_irqchip = 0;    /* devices and their timers in Kite */
        return 0;
    }
    return -1;
}

/* Creates one machine; A's serial output goes to stdout or a file. */
static int ls_side_open(LsSide *s, const char *engine, const LsOptions *o,
                        bool is_a)
{
    MachineConfig cfg = {
        .ram_size = o->ram_mb * MiB, .smp = 1, .kernel = o->guest,
        .initrd = o->initrd, .append = o->append, .kernel_irqchip = -1,
        .no_reboot = !o->reboot, .nographic = true, .serial = "null",
        .manual_clock = true,
    };
    char spec[4096];
    Error err = { "" };

    s->engine = engine;
    if (ls_engine_config(engine, &cfg) < 0) {
        fprintf(stderr, "lockstep: unknown engine \"%s\" (tcg-native, "
                "tcg-interp or kvm)\n", engine);
        return -1;
    }
    if (is_a && o->serial) {
        snprintf(spec, sizeof(spec), "file:%s", o->serial);
        cfg.serial = spec;
    }
    for (int i = 0; i < o->ndevices; i++) {
        cfg.device_args[cfg.ndevice_args++] = o->devices[i];
    }
    s->m = machine_create(&cfg, &err);
    if (!s->m) {
        fprintf(stderr, "lockstep: %s: %s\n", engine, err.msg);
        return -1;
    }
    if (is_a && !o->serial) {
        /* output only: the guest never sees host input in lockstep */
        int fd = dup(STDOUT_FILENO);
        if (fd >= 0) {
            s->m->serial_chr.kind = CHARDEV_FILE;
            s->m->serial_chr.out_fd = fd;
        }
    }
    s->cpu = s->m->cpus[0];
    s->ops = s->m->accel;
    s->cpu->singlestep = true;
    return 0;
}

static void ls_side_close(LsSide *s)
{
    if (s->m) {
        s->cpu->singlestep = false;
        machine_destroy(s->m);
        s->m = NULL;
    }
}

/*
 * Gives both machines machine A's device state. Their clocks are manual
 * from creation and have not moved, so both read the same time here.
 */
static int ls_sync_machines(LsRun *r)
{
    Machine *ma = r->a.m, *mb = r->b.m;
    Error err = { "" };
    SaveBuf save, in;
    int ret;

    if (clock_ns(&ma->timers) != clock_ns(&mb->timers)) {
        fprintf(stderr, "lockstep: the machines' clocks differ\n");
        return -1;
    }
    savebuf_init(&save);
    pthread_mutex_lock(&ma->lock);
    device_tree_save(ma->root, &save);
    savebuf_init_read(&in, save.data, save.len);
    ret = device_tree_load(ma->root, &in, &err);
    pthread_mutex_unlock(&ma->lock);
    if (ret == 0) {
        pthread_mutex_lock(&mb->lock);
        savebuf_init_read(&in, save.data, save.len);
        ret = device_tree_load(mb->root, &in, &err);
        pthread_mutex_unlock(&mb->lock);
    }
    savebuf_free(&save);
    if (ret < 0) {
        fprintf(stderr, "lockstep: cannot copy the device state: %s\n",
                err.msg);
    }
    return ret;
}

/* What pc_reset does, from this thread (no vCPU thread to pause). */
static int ls_side_reset(LsSide *s)
{
    Machine *m = s->m;
    Error err = { "" };
    int ret;

    atomic_fetch_and(&m->requests, ~(unsigned)MACHINE_REQ_RESET);
    pthread_mutex_lock(&m->lock);
    device_reset_tree(m->root);
    m->a20_enabled = true;
    ret = pc_load_boot(m, &err);
    if (ret == 0) {
        if (m->have_boot_state) {
            s->cpu->env = m->boot_state;
        } else {
            x86_cpu_state_reset(&s->cpu->env);
        }
        ret = s->ops->set_state(s->cpu);
    }
    pthread_mutex_unlock(&m->lock);
    if (ret < 0) {
        fprintf(stderr, "lockstep: %s: reset failed: %s\n", s->engine,
                err.msg);
    }
    return ret;
}

/* ---- guest memory, for the instruction history ---- */

static bool ls_read_phys(Machine *m, uint64_t pa, void *buf, size_t n)
{
    const void *p;

    if (!m->a20_enabled) {
        pa &= ~(1ull << 20);
    }
    p = address_space_get_ptr(&m->mem, pa, n);
    if (!p) {
        return false;
    }
    memcpy(buf, p, n);
    return true;
}

static bool ls_read_pte(Machine *m, uint64_t pa, bool wide, uint64_t *pte)
{
    uint32_t v32;

    if (wide) {
        return ls_read_phys(m, pa, pte, 8) && (*pte & 1);
    }
    if (!ls_read_phys(m, pa, &v32, 4)) {
        return false;
    }
    *pte = v32;
    return *pte & 1;
}

/* Linear to physical through the guest's page tables (no access checks). */
static bool ls_translate(Machine *m, const X86CPUState *st, uint64_t la,
                         uint64_t *pa)
{
    const uint64_t addr = 0x000ffffffffff000ull;
    uint64_t e;

    if (!(st->cr0 & CR0_PG)) {
        *pa = (uint32_t)la;
        return true;
    }
    if (!(st->cr4 & CR4_PAE)) {
        if (!ls_read_pte(m, (st->cr3 & 0xfffff000u) + ((la >> 22) & 0x3ff) * 4,
                         false, &e)) {
            return false;
        }
        if ((e & 0x80) && (st->cr4 & CR4_PSE)) {
            *pa = (e & 0xffc00000u) | ((e & 0x1fe000) << 19) | (la & 0x3fffff);
            return true;
        }
        if (!ls_read_pte(m, (e & 0xfffff000u) + ((la >> 12) & 0x3ff) * 4,
                         false, &e)) {
            return false;
        }
        *pa = (e & 0xfffff000u) | (la & 0xfff);
        return true;
    }
    if (st->efer & EFER_LMA) {
        e = st->cr3;
        if (!ls_read_pte(m, (e & addr) + ((la >> 39) & 511) * 8, true, &e)) {
            return false;
        }
    } else if (!ls_read_pte(m, (st->cr3 & 0xffffffe0u) + ((la >> 30) & 3) * 8,
                            true, &e)) {
        return false;
    }
    for (int shift = 30; shift >= 12; shift -= 9) {
        if (shift == 30 && !(st->efer & EFER_LMA)) {
            continue;    /* PAE: the PDPTE was the top level */
        }
        if (!ls_read_pte(m, (e & addr) + ((la >> shift) & 511) * 8, true, &e)) {
            return false;
        }
        if (shift > 12 && (e & 0x80)) {
            uint64_t size = 1ull << shift;
            *pa = (e & addr & ~(size - 1)) | (la & (size - 1));
            return true;
        }
    }
    *pa = (e & addr) | (la & 0xfff);
    return true;
}

static int ls_cpu_mode(const X86CPUState *st)
{
    if ((st->efer & EFER_LMA) && (st->segs[R_CS].flags & SEG_L)) {
        return 64;
    }
    if (!(st->cr0 & CR0_PE) || (st->rflags & RF_VM)) {
        return 16;
    }
    return (st->segs[R_CS].flags & SEG_DB) ? 32 : 16;
}

/* Records the instruction machine A is about to execute. */
static void ls_record(LsRun *r)
{
    const X86CPUState *st = &r->a.cpu->env;
    LsInsn *h;
    uint64_t la;
    unsigned req = atomic_load(&r->a.cpu->interrupt_request);

    h = &r->hist[r->nhist++ % r->o->history];
    h->step = r->steps + 1;     /* instructions are counted from 1 */
    h->rip = st->rip;
    h->cs = st->segs[R_CS].selector;
    h->mode = (uint8_t)ls_cpu_mode(st);
    h->event = (req & (CPU_INTERRUPT_NMI | CPU_INTERRUPT_INIT)) ||
               ((req & CPU_INTERRUPT_HARD) && (st->rflags & RF_IF));
    la = h->mode == 64 ? st->rip : (uint32_t)(st->segs[R_CS].base + st->rip);
    h->nbytes = 0;
    for (int i = 0; i < 15; i++) {
        uint64_t pa;
        if (!ls_translate(r->a.m, st, la + i, &pa) ||
            !ls_read_phys(r->a.m, pa, &h->bytes[i], 1)) {
            break;
        }
        h->nbytes++;
    }
}

static void ls_print_history(LsRun *r)
{
    uint64_t n = MIN(r->nhist, (uint64_t)r->o->history);

    printf("  last %" PRIu64 " instructions (machine A, RIP before each "
           "step; * = an interrupt\n  could be taken first; -> = the "
           "divergent step):\n", n);
    for (uint64_t k = r->nhist - n; k < r->nhist; k++) {
        const LsInsn *h = &r->hist[k % r->o->history];
        X86Insn in;
        int len = x86_decode(&in, h->bytes, h->nbytes, h->mode);

        printf("  %s%c#%-9" PRIu64 " %04x:", k + 1 == r->nhist ? "->" : "  ",
               h->event ? '*' : ' ', h->step, h->cs);
        fflush(stdout);
        if (!h->nbytes) {
            printf("%016" PRIx64 ": (code not readable)\n", h->rip);
        } else if (r->dis_ok) {
            x86_disas_guest(&r->dis, stdout, h->bytes,
                            len > 0 ? (size_t)len : h->nbytes, h->rip,
                            h->mode);
        } else {
            printf("%016" PRIx64 ": (%d bytes)\n", h->rip, h->nbytes);
        }
    }
}

/* ---- comparison (CPU state: tests/difftest/cpu-diff.h) ---- */

/* First differing RAM byte of the two machines, or false. */
static bool ls_diff_ram(LsRun *r, CpuDiff *d)
{
    const uint8_t *x = r->a.m->ram.host, *y = r->b.m->ram.host;
    uint64_t size = r->a.m->ram_size;

    for (uint64_t off = 0; off < size; off += 4096) {
        if (memcmp(x + off, y + off, 4096)) {
            uint64_t i = off;
            while (x[i] == y[i]) {
                i++;
            }
            d->len += snprintf(d->text + d->len, sizeof(d->text) - d->len,
                               " RAM block offset %#" PRIx64 ": %#x/%#x",
                               i, x[i], y[i]);
            d->n++;
            return true;
        }
    }
    return false;
}

/* Walks two device-state streams (qdev.c layout); names the first change. */
static bool ls_diff_devices(LsRun *r, CpuDiff *d)
{
    SaveBuf sa, sb;
    bool differ = false;

    savebuf_init(&sa);
    savebuf_init(&sb);
    pthread_mutex_lock(&r->a.m->lock);
    device_tree_save(r->a.m->root, &sa);
    pthread_mutex_unlock(&r->a.m->lock);
    pthread_mutex_lock(&r->b.m->lock);
    device_tree_save(r->b.m->root, &sb);
    pthread_mutex_unlock(&r->b.m->lock);
    if (sa.len != sb.len || memcmp(sa.data, sb.data, sa.len)) {
        SaveBuf ra, rb;
        char name[128] = "?";
        savebuf_init_read(&ra, sa.data, sa.len);
        savebuf_init_read(&rb, sb.data, sb.len);
        while (load_u8(&ra) == 1 && load_u8(&rb) == 1) {
            uint16_t n = load_u16(&ra);
            uint32_t la, lb;
            load_u16(&rb);
            load_bytes(&ra, name, MIN(n, sizeof(name) - 1));
            name[MIN(n, sizeof(name) - 1)] = 0;
            load_bytes(&rb, name, MIN(n, sizeof(name) - 1));
            la = load_u32(&ra);
            lb = load_u32(&rb);
            if (ra.error || rb.error || la != lb || la > sa.len - ra.pos ||
                memcmp(sa.data + ra.pos, sb.data + rb.pos, la)) {
                break;
            }
            ra.pos += la;
            rb.pos += lb;
        }
        d->len += snprintf(d->text + d->len, sizeof(d->text) - d->len,
                           " device state of '%s'", name);
        d->n++;
        differ = true;
    }
    savebuf_free(&sa);
    savebuf_free(&sb);
    return differ;
}

/* ---- stepping ---- */

static const char *ls_exit_name(VcpuExit e)
{
    static const char *const names[] = { "none", "halt", "shutdown",
                                         "debug", "error" };
    return (unsigned)e < ARRAY_SIZE(names) ? names[e] : "?";
}

/*
 * One instruction: vcpu_run until it returns after one instruction (TCG:
 * a one-instruction TB; KVM: the single-step exit), then get_state. Under
 * KVM a REP string instruction steps per iteration: it is run until RIP
 * moves, so both sides compare at instruction boundaries.
 */
static VcpuExit ls_side_step(LsSide *s)
{
    VCPU *cpu = s->cpu;
    uint64_t rip = cpu->env.rip;
    bool fold = !strcmp(s->engine, "kvm");
    VcpuExit why = VCPU_EXIT_NONE;

    for (int i = 0; i < 65536; i++) {
        atomic_store(&cpu->exit_request, false);
        atomic_fetch_and(&cpu->interrupt_request,
                         ~(unsigned)CPU_INTERRUPT_EXIT);
        why = s->ops->vcpu_run(cpu);
        s->ops->get_state(cpu);
        if (!fold || why != VCPU_EXIT_DEBUG || cpu->env.rip != rip) {
            break;
        }
    }
    s->exit = why;
    return why;
}

static void ls_run_timers(LsSide *s)
{
    TimerList *tl = &s->m->timers;

    if (tl->head && tl->head->expire_ns <= clock_ns(tl)) {
        pthread_mutex_lock(&s->m->lock);
        timerlist_run(tl);
        pthread_mutex_unlock(&s->m->lock);
    }
}

static void ls_advance(LsRun *r, int64_t ns)
{
    clock_advance(&r->a.m->timers, ns);
    clock_advance(&r->b.m->timers, ns);
    ls_run_timers(&r->a);
    ls_run_timers(&r->b);
}

/* Both halted: jump to the next timer; false if none is armed. */
static bool ls_skip_to_timer(LsRun *r)
{
    int64_t da = timerlist_deadline(&r->a.m->timers);
    int64_t db = timerlist_deadline(&r->b.m->timers);
    int64_t d = da < 0 ? db : db < 0 ? da : MIN(da, db);

    if (d < 0) {
        return false;
    }
    ls_advance(r, MAX(d, 1));
    return true;
}

/* Undefined arithmetic flags after the instruction (KVM pairs only). */
static void ls_track_flags(LsRun *r, const X86CPUState *before)
{
    const LsInsn *h;
    DtTrack t;
    X86Insn in;
    uint32_t reads, defs, undefs;

    if (!r->mask_undef || !r->nhist) {
        return;
    }
    h = &r->hist[(r->nhist - 1) % r->o->history];
    memset(&t, 0, sizeof(t));
    t.mode = h->mode;
    t.k.known = 0xffff;
    memcpy(t.k.val, before->regs, sizeof(t.k.val));
    if (x86_decode(&in, h->bytes, h->nbytes, h->mode) <= 0) {
        return;
    }
    dt_flags_of(&t, &in, &reads, &defs, &undefs);
    r->undef = (r->undef & ~defs) | undefs;
}

static void ls_report(LsRun *r, const char *what, const CpuDiff *d)
{
    fflush(stdout);
    printf("\nDIVERGENCE at instruction %" PRIu64 ": %s\n", r->steps, what);
    printf("  A = %s (exit %s), B = %s (exit %s)\n", r->a.engine,
           ls_exit_name(r->a.exit), r->b.engine, ls_exit_name(r->b.exit));
    if (d && d->n) {
        printf("  differs (A/B):%s\n", d->text);
    }
    ls_print_history(r);
    printf("  --- A: %s\n", r->a.engine);
    x86_cpu_state_dump(&r->a.cpu->env, stdout);
    printf("  --- B: %s\n", r->b.engine);
    x86_cpu_state_dump(&r->b.cpu->env, stdout);
    fflush(stdout);
}

/* Full comparison (RAM and devices); LS_OK or LS_DIVERGED. */
static int ls_check_all(LsRun *r)
{
    CpuDiff d = { .n = 0 };

    ls_diff_ram(r, &d);
    ls_diff_devices(r, &d);
    if (d.n) {
        ls_report(r, "memory or device state differs", &d);
        return LS_DIVERGED;
    }
    return LS_OK;
}

/* The machines' requests after a step: -1 go on, else a final status. */
static int ls_requests(LsRun *r)
{
    unsigned qa = atomic_load(&r->a.m->requests);
    unsigned qb = atomic_load(&r->b.m->requests);
    CpuDiff d = { .n = 0 };

    if (qa != qb) {
        cpu_diff_add(&d, "requests", qa, qb);
        ls_report(r, "the machines asked for different things", &d);
        return LS_DIVERGED;
    }
    if (qa & MACHINE_REQ_EXIT) {
        cpu_diff_add(&d, "exit_status", (uint64_t)r->a.m->exit_status,
                    (uint64_t)r->b.m->exit_status);
        if (d.n) {
            ls_report(r, "the guests exited with different statuses", &d);
            return LS_DIVERGED;
        }
        r->a.ended = r->b.ended = true;
        return ls_check_all(r);
    }
    if (qa & MACHINE_REQ_RESET) {
        if (ls_side_reset(&r->a) < 0 || ls_side_reset(&r->b) < 0) {
            return LS_ERROR;
        }
        if (!r->o->quiet) {
            printf("lockstep: both machines reset at instruction %" PRIu64
                   "\n", r->steps);
        }
    }
    return -1;
}

/* One round: both step, then compare; -1 go on, else a final status. */
static int ls_round(LsRun *r, unsigned *idle)
{
    X86CPUState before = r->a.cpu->env;
    VcpuExit wa, wb;
    CpuDiff d = { .n = 0 };
    uint64_t mask = ~(uint64_t)0;
    int q;

    ls_record(r);
    wa = ls_side_step(&r->a);
    wb = ls_side_step(&r->b);
    if (wa == VCPU_EXIT_DEBUG) {
        r->steps++;
        *idle = 0;
        ls_track_flags(r, &before);
    } else {
        r->nhist--;                  /* nothing executed: drop the entry */
        ++*idle;
    }
    if (r->mask_undef) {
        mask = ~(uint64_t)(r->undef | RF_RF | RF_TF);
    }
    cpu_diff_state(&d, &r->a.cpu->env, &r->b.cpu->env, mask);
    if (wa != wb || d.n) {
        ls_report(r, wa != wb ? "different exits" : "states differ", &d);
        return LS_DIVERGED;
    }
    if (wa == VCPU_EXIT_ERROR) {
        fprintf(stderr, "lockstep: both engines failed at instruction %"
                PRIu64 "\n", r->steps);
        return LS_ERROR;
    }
    if (wa == VCPU_EXIT_SHUTDOWN) {
        machine_request_reset(r->a.m);   /* -no-reboot makes it an exit */
        machine_request_reset(r->b.m);
    }
    q = ls_requests(r);
    if (q >= 0) {
        return q;
    }
    if (wa == VCPU_EXIT_HALT && !ls_skip_to_timer(r)) {
        printf("lockstep: both vCPUs halted with no timer armed at "
               "instruction %" PRIu64 "\n", r->steps);
        return LS_BADEND;
    }
    if (wa == VCPU_EXIT_DEBUG) {
        ls_advance(r, r->o->ns_per_insn);
        if (r->o->check_every && r->steps % r->o->check_every == 0 &&
            ls_check_all(r) != LS_OK) {
            return LS_DIVERGED;
        }
    }
    if (*idle > LS_MAX_IDLE) {
        printf("lockstep: no instruction executed in %u rounds (halted or "
               "stopped) at instruction %" PRIu64 "\n", *idle, r->steps);
        return LS_BADEND;
    }
    return -1;
}

static int ls_loop(LsRun *r)
{
    unsigned idle = 0;
    int64_t t0 = host_clock_ns();
    int ret = -1;

    r->a.ops->get_state(r->a.cpu);
    r->b.ops->get_state(r->b.cpu);
    while (ret < 0) {
        if (r->o->max_insns && r->steps >= r->o->max_insns) {
            ret = ls_check_all(r);
            if (ret == LS_OK) {
                printf("lockstep: no divergence in %" PRIu64
                       " instructions (--max-insns)\n", r->steps);
            }
            break;
        }
        ret = ls_round(r, &idle);
    }
    if (r->a.ended && ret == LS_OK) {
        double s = (double)(host_clock_ns() - t0) / 1e9;
        printf("lockstep: %s and %s agree: %" PRIu64 " instructions, both "
               "exited with status %d (%.1f s, %.0f instructions/s)\n",
               r->a.engine, r->b.engine, r->steps, r->a.m->exit_status, s,
               s > 0 ? (double)r->steps / s : 0.0);
        if (r->o->have_expect && r->a.m->exit_status != r->o->expect) {
            printf("lockstep: exit status %d, expected %d\n",
                   r->a.m->exit_status, r->o->expect);
            ret = LS_BADEND;
        }
    }
    return ret;
}

/* SIGINT and friends were blocked for the machines' signalfd (unused here). */
static void ls_unblock_signals(void)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

static bool ls_check_engine(const char *engine)
{
    char why[256] = "";

    if (strcmp(engine, "kvm") || lockstep_engine_can_step(engine, why,
                                                          sizeof(why))) {
        return true;
    }
    printf("lockstep: skipped: %s\n", why);
    return false;
}

int lockstep_guest_main(int argc, char **argv)
{
    LsOptions o;
    LsRun r;
    int ret = LS_ERROR;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (ls_parse(argc, argv, &o) < 0) {
        return LS_ERROR;
    }
    if (!ls_check_engine(o.engine_a) || !ls_check_engine(o.engine_b)) {
        return 0;
    }
    memset(&r, 0, sizeof(r));
    r.o = &o;
    r.mask_undef = !strcmp(o.engine_a, "kvm") || !strcmp(o.engine_b, "kvm");
    r.hist = xzalloc(sizeof(LsInsn) * o.history);
    r.dis_ok = x86_disas_init(&r.dis) == 0;
    if (ls_side_open(&r.a, o.engine_a, &o, true) == 0 &&
        ls_side_open(&r.b, o.engine_b, &o, false) == 0) {
        ls_unblock_signals();
        if (ls_sync_machines(&r) == 0) {
            if (!o.quiet) {
                printf("lockstep: %s: A = %s, B = %s, %" PRId64
                       " ns per instruction\n", o.guest, o.engine_a,
                       o.engine_b, o.ns_per_insn);
            }
            ret = ls_loop(&r);
        }
    }
    ls_side_close(&r.a);
    ls_side_close(&r.b);
    if (r.dis_ok) {
        x86_disas_destroy(&r.dis);
    }
    free(r.hist);
    return ret;
}
