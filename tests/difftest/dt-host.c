/*
 * Differential tester: the host-CPU runner. Built twice, as a 64-bit
 * program (runs 64-bit snippets) and with -m32 (32-bit snippets). The
 * tester starts it and sends DtRequest records on stdin; it answers each
 * with one DtResult on stdout (dt-proto.h).
 *
 * A run: the scratch area is filled from the request's seed, the snippet
 * is copied to DT_CODE followed by UD2, and a loader built at DT_LOADER
 * loads the x87/MMX/SSE state with FXRSTOR (from an image at
 * DT_FX_IMAGE), sets RFLAGS and every GPR (RSP last) and jumps to
 * DT_CODE. The snippet
 * ends in a signal: SIGILL at the terminator for a normal end, or the
 * signal of the exception it raised (the kernel gives the vector in the
 * context's trap number: SIGFPE #DE, SIGILL #UD, SIGSEGV #GP/#PF/#BR/#OF,
 * SIGTRAP #BP/#DB, SIGBUS #AC, SIGFPE also #MF and #XM, told apart by the
 * trap number). The handler, on an alternate stack so the scratch stack is
 * never touched, copies the registers out of the signal context, and the
 * x87/MMX/SSE state out of the FXSAVE image the kernel saved there (the
 * state at the fault: the kernel gives the handler a fresh FPU state, so
 * the runner's own code never disturbs it), and siglongjmps back.
 *
 * The 32-bit build also runs 16-bit snippets, in 16-bit LDT segments
 * (dt-host16.c); the 64-bit build reports them as the wrong runner.
 *
 * The signal handler needs to find the run it belongs to: that is the one
 * file-scope pointer of the program (signal handlers take no argument).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "tests/difftest/dt-proto.h"
#ifndef __x86_64__
#include "tests/difftest/dt-host16.h"
#define HOST_HAS_16 1
#else
#define HOST_HAS_16 0
#endif

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define ALT_STACK_SIZE (256 * 1024)
#define DT_FX_IMAGE (DT_LOADER + 0x800)    /* 16-byte aligned */

typedef struct HostRun {
    sigjmp_buf jmp;
    DtResult res;
    volatile int active;
    uint32_t mode;          /* of the running request */
} HostRun;

static HostRun *volatile host_run_current;

/* ---- the loader (machine code written at run time) ---- */

typedef struct Emit {
    uint8_t *p;
} Emit;

static void emit8(Emit *e, uint8_t b)
{
    *e->p++ = b;
}

static void emit32(Emit *e, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        emit8(e, (uint8_t)(v >> (8 * i)));
    }
}

static void emit_mov_imm(Emit *e, int reg, uint64_t v)
{
#ifdef __x86_64__
    emit8(e, 0x48 | (reg >= 8 ? 1 : 0));
    emit8(e, 0xb8 + (reg & 7));
    emit32(e, (uint32_t)v);
    emit32(e, (uint32_t)(v >> 32));
#else
    emit8(e, 0xb8 + reg);
    emit32(e, (uint32_t)v);
#endif
}

/* mov rsp, tmp; push flags; popf; mov each GPR; mov rsp; jmp DT_CODE */
static void host_build_loader(const DtRequest *rq)
{
    Emit e = { (uint8_t *)(uintptr_t)DT_LOADER };
    int nregs = 8;

#ifdef __x86_64__
    nregs = 16;
#endif
    emit_mov_imm(&e, 4, DT_LOADER + 0xff0);
#ifdef __x86_64__
    emit8(&e, 0x48);                        /* fxrstor64 [DT_FX_IMAGE] */
    emit8(&e, 0x0f); emit8(&e, 0xae); emit8(&e, 0x0c); emit8(&e, 0x25);
#else
    emit8(&e, 0x0f); emit8(&e, 0xae); emit8(&e, 0x0d); /* fxrstor [abs] */
#endif
    emit32(&e, DT_FX_IMAGE);
    emit8(&e, 0x68);                        /* push imm32 */
    emit32(&e, (uint32_t)rq->rflags);
    emit8(&e, 0x9d);                        /* popf */
    for (int r = 0; r < nregs; r++) {
        if (r != 4) {
            emit_mov_imm(&e, r, rq->regs[r]);
        }
    }
    emit_mov_imm(&e, 4, rq->regs[4]);
    emit8(&e, 0xe9);                        /* jmp rel32 */
    emit32(&e, (uint32_t)(DT_CODE - ((uintptr_t)e.p + 4)));
}

/* ---- signals ---- */

static void host_save_context(DtResult *r, const ucontext_t *uc)
{
    const greg_t *g = uc->uc_mcontext.gregs;

#ifdef __x86_64__
    static const int map[16] = {
        REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI,
        REG_RDI, REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13,
        REG_R14, REG_R15,
    };
    for (int i = 0; i < 16; i++) {
        r->regs[i] = (uint64_t)g[map[i]];
    }
    r->rip = (uint64_t)g[REG_RIP];
    r->rflags = (uint64_t)g[REG_EFL];
#else
    static const int map[8] = {
        REG_EAX, REG_ECX, REG_EDX, REG_EBX, REG_ESP, REG_EBP, REG_ESI,
        REG_EDI,
    };
    for (int i = 0; i < 8; i++) {
        r->regs[i] = (uint32_t)g[map[i]];
    }
    r->rip = (uint32_t)g[REG_EIP];
    r->rflags = (uint32_t)g[REG_EFL];
#endif
    r->vector = (int32_t)g[REG_TRAPNO];
    r->error_code = (uint32_t)g[REG_ERR];
}

/*
 * The FXSAVE image in the signal context: 64-bit, fpregs points at it;
 * 32-bit, it follows the 112-byte FSAVE-format header whose magic word
 * (offset 110) is 0 when the FXSAVE part is present.
 */
static int host_save_fpu(DtResult *r, const ucontext_t *uc)
{
    const uint8_t *fp = (const uint8_t *)uc->uc_mcontext.fpregs;

    if (!fp) {
        return -1;
    }
#ifndef __x86_64__
    if (fp[110] != 0 || fp[111] != 0) {
        return -1;
    }
    fp += 112;
#endif
    dt_fpu_from_fxsave(&r->fpu, fp);
    return 0;
}

static void host_signal(int sig, siginfo_t *si, void *ctx)
{
    HostRun *run;

    /* The snippet may have left AC set; our own code must not trip on it. */
#ifdef __x86_64__
    __asm__ volatile("pushfq; andl $~0x40000, (%%rsp); popfq" ::: "cc", "memory");
#else
    __asm__ volatile("pushfl; andl $~0x40000, (%%esp); popfl" ::: "cc", "memory");
#endif
#if HOST_HAS_16
    host16_restore_segs();
#endif
    (void)si;
    run = host_run_current;
    if (!run || !run->active) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    run->active = 0;
    if (sig == SIGALRM) {
        run->res.vector = DT_VEC_ERROR;
        snprintf(run->res.msg, sizeof(run->res.msg), "timeout");
    } else {
        host_save_context(&run->res, ctx);
        if (host_save_fpu(&run->res, ctx) < 0) {
            run->res.vector = DT_VEC_ERROR;
            snprintf(run->res.msg, sizeof(run->res.msg),
                     "no FXSAVE image in the signal context");
        }
#if HOST_HAS_16
        if (run->mode == 16 && host16_fix_rip(&run->res, ctx) < 0) {
            run->res.vector = DT_VEC_ERROR;
            snprintf(run->res.msg, sizeof(run->res.msg),
                     "signal %d outside the 16-bit snippet", sig);
        }
#endif
    }
    siglongjmp(run->jmp, 1);
}

static int host_install_signals(void)
{
    static const int sigs[] = { SIGILL, SIGSEGV, SIGBUS, SIGFPE, SIGTRAP,
                                SIGALRM };
    struct sigaction sa;
    stack_t ss;

    ss.ss_sp = malloc(ALT_STACK_SIZE);
    ss.ss_size = ALT_STACK_SIZE;
    ss.ss_flags = 0;
    if (!ss.ss_sp || sigaltstack(&ss, NULL) < 0) {
        return -1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = host_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        if (sigaction(sigs[i], &sa, NULL) < 0) {
            return -1;
        }
    }
    return 0;
}

static int host_map(uintptr_t addr, size_t size, int prot)
{
    void *p = mmap((void *)addr, size, prot,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

    if (p == MAP_FAILED) {
        return -1;
    }
    if (p != (void *)addr) {
        munmap(p, size);
        return -1;
    }
    return 0;
}

/* ---- runs ---- */

static void host_run(HostRun *run, const DtRequest *rq)
{
    uint8_t *code = (uint8_t *)(uintptr_t)DT_CODE;
    uint8_t *scratch = (uint8_t *)(uintptr_t)DT_SCRATCH;
    void (*enter)(void) = (void (*)(void))(uintptr_t)DT_LOADER;
    int bits = (int)(sizeof(void *) * 8);

    memset(&run->res, 0, sizeof(run->res));
    run->res.magic = DT_MAGIC;
    run->mode = rq->mode;
    if ((rq->mode != (uint32_t)bits && !(HOST_HAS_16 && rq->mode == 16)) ||
        rq->code_len > DT_CODE_MAX - 2) {
        run->res.vector = DT_VEC_ERROR;
        snprintf(run->res.msg, sizeof(run->res.msg),
                 "%u-bit request to the %d-bit runner", rq->mode, bits);
        return;
    }
    memset(code, 0xcc, 0x1000);
    memcpy(code, rq->code, rq->code_len);
    code[rq->code_len] = 0x0f;              /* ud2: the terminator */
    code[rq->code_len + 1] = 0x0b;
    dt_fill_scratch(scratch, rq->mem_seed, rq->fill);
    dt_fpu_to_fxsave(&rq->fpu, (uint8_t *)(uintptr_t)DT_FX_IMAGE);
#if HOST_HAS_16
    if (rq->mode == 16) {
        host16_build_loader(rq);
    } else {
        host_build_loader(rq);
    }
#else
    host_build_loader(rq);
#endif
    __builtin___clear_cache((char *)DT_LOADER, (char *)DT_CODE + 0x1000);

    host_run_current = run;
    if (sigsetjmp(run->jmp, 1) == 0) {
        alarm(5);
        run->active = 1;
        enter();
        /* not reached: the snippet always ends in a signal */
    }
    alarm(0);
    host_run_current = NULL;
    memcpy(run->res.mem, scratch, DT_SCRATCH_SIZE);
    if (run->res.vector == 6 && run->res.rip == DT_CODE + rq->code_len) {
        run->res.vector = DT_VEC_NONE;
    }
}

static bool read_full(int fd, void *buf, size_t n)
{
    uint8_t *p = buf;

    while (n) {
        ssize_t r = read(fd, p, n);
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

static bool write_full(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;

    while (n) {
        ssize_t r = write(fd, p, n);
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

#if HOST_HAS_16
/* 16-bit: install the LDT segments, then run MOV AX, 0x1234 there. */
static void host_probe16(HostRun *run)
{
    static DtRequest t;
    char why[64];

    memset(&t, 0, sizeof(t));
    t.mode = 16;
    t.code_len = 3;
    t.code[0] = 0xb8;
    t.code[1] = 0x34;
    t.code[2] = 0x12;
    t.regs[4] = DT_STACK_INIT - DT_SEG16_DATA_BASE;
    t.rflags = 0x202;
    if (host16_setup(why, sizeof(why)) < 0) {
        memset(&run->res, 0, sizeof(run->res));
        run->res.magic = DT_MAGIC;
        run->res.vector = DT_VEC_ERROR;
        snprintf(run->res.msg, sizeof(run->res.msg), "%s", why);
        return;
    }
    host_run(run, &t);
    if (run->res.vector != DT_VEC_NONE ||
        (run->res.regs[0] & 0xffff) != 0x1234) {
        int v = run->res.vector;
        run->res.vector = DT_VEC_ERROR;
        if (v != DT_VEC_ERROR) {
            snprintf(run->res.msg, sizeof(run->res.msg), "16-bit test "
                     "snippet failed (vector %d)", v);
        }
        return;
    }
    snprintf(run->res.msg, sizeof(run->res.msg), "ok");
}
#endif

static void host_probe(HostRun *run, const DtRequest *rq)
{
    int bits = (int)(sizeof(void *) * 8);

#if HOST_HAS_16
    if (rq->mode == 16) {
        host_probe16(run);
        return;
    }
#endif
    memset(&run->res, 0, sizeof(run->res));
    run->res.magic = DT_MAGIC;
    if (rq->mode == (uint32_t)bits) {
        run->res.vector = DT_VEC_NONE;
        snprintf(run->res.msg, sizeof(run->res.msg), "ok");
    } else {
        run->res.vector = DT_VEC_ERROR;
        snprintf(run->res.msg, sizeof(run->res.msg), "%s",
                 rq->mode == 16 ? "no 16-bit LDT code segment support in "
                                  "this runner"
                                : "wrong runner for this mode");
    }
}

int main(void)
{
    static HostRun run;
    static DtRequest rq;

    if (host_map(DT_LOADER, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC) < 0 ||
        host_map(DT_CODE, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC) < 0 ||
        host_map(DT_SCRATCH, DT_SCRATCH_SIZE, PROT_READ | PROT_WRITE) < 0) {
        fprintf(stderr, "dt-host: cannot map the fixed test area: %s\n",
                strerror(errno));
        return 1;
    }
    if (host_install_signals() < 0) {
        fprintf(stderr, "dt-host: cannot install signal handlers\n");
        return 1;
    }
    while (read_full(0, &rq, sizeof(rq))) {
        if (rq.magic != DT_MAGIC || rq.op == DT_OP_QUIT) {
            break;
        }
        if (rq.op == DT_OP_PROBE) {
            host_probe(&run, &rq);
        } else {
            host_run(&run, &rq);
        }
        if (!write_full(1, &run.res, sizeof(run.res))) {
            break;
        }
    }
    return 0;
}
