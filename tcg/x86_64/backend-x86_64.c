/*
 * The native x86-64 TCG backend: the TCGBackend entry points of
 * tcg/backend.h, the code buffer and the prologue/epilogue.
 *
 * Code buffer: one memfd mapped twice, PROT_READ|PROT_WRITE (s->code_buf,
 * where code is emitted) and PROT_READ|PROT_EXEC (s->code_buf_rx, where it
 * runs), so no page is ever writable and executable at once. It starts
 * with the prologue/epilogue; TBs follow, each as
 *     [code][slow paths][pad to 8][TCGInsnData x nb_insns]
 *
 * Prologue (called as uintptr_t fn(void *env, const void *code), System V
 * ABI): pushes rbp, rbx, r12-r15, loads env into rbp, reserves the frame
 * (spill slots and slow-path save area, see x86_64-int.h) and jumps to
 * the TB. exit_tb jumps to the epilogue with the value in rax; goto_ptr
 * to NULL jumps to the entry that returns 0.
 *
 * Chaining: goto_tb emits "jmp rel32" with the rel32 4-byte aligned;
 * jmp_offset is the rel32's offset from the TB code. set_jump rewrites it
 * through the writable view with one aligned 32-bit store (x86 executes
 * either the old or the new jump). Displacement 0 falls through to the
 * code after goto_tb (the unchained exit).
 *
 * The slow-path return-address choice is described in codegen.c.
 */
#if defined(__x86_64__)   /* the host this backend emits code for */

#include <assert.h>
#include <cpuid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tcg/tlb.h"
#include "tcg/x86_64/backend-x86_64.h"
#include "tcg/x86_64/x86_64-emit.h"

_Static_assert((unsigned)X64_FEAT_LZCNT == (unsigned)TCG_X86_64_LZCNT &&
               (unsigned)X64_FEAT_TZCNT == (unsigned)TCG_X86_64_TZCNT &&
               (unsigned)X64_FEAT_POPCNT == (unsigned)TCG_X86_64_POPCNT,
               "feature bits");
_Static_assert(X64_FRAME_SIZE % 16 == 8, "rsp must be 16-aligned in TBs");
_Static_assert(sizeof(TCGTLBEntry) == 1u << TCG_TLB_ENTRY_BITS, "TLB entry");

/* room one op (or one slow path) may take, checked before emitting it */
#define X64_OP_MARGIN   2048
/* rel32 jumps to the epilogue must reach across the whole buffer */
#define X64_MAX_BUFFER  (1024 * MiB)

static const int8_t x64_saved_regs[] = {
    X64_RBP, X64_RBX, X64_R12, X64_R13, X64_R14, X64_R15,
};

static uint32_t x64_host_features(void)
{
    unsigned a, b, c, d;
    uint32_t f = 0;

    if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 23))) {
        f |= X64_FEAT_POPCNT;
    }
    if (__get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1u << 5))) {
        f |= X64_FEAT_LZCNT;
    }
    if (__get_cpuid_max(0, NULL) >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        if (b & (1u << 3)) {
            f |= X64_FEAT_TZCNT;
        }
    }
    return f;
}

/* ------------------------------------------------------------------ */
/* code buffer */

static int x64_map_buffer(X64Backend *be, size_t size, Error *err)
{
    be->memfd = memfd_create("kite-tcg-code", MFD_CLOEXEC);
    if (be->memfd < 0) {
        return error_setg(err, "memfd_create is unavailable (%s): the native "
                          "backend needs it for its code buffer; use "
                          "-accel tcg,backend=interp", strerror(errno));
    }
    if (ftruncate(be->memfd, (off_t)size) < 0) {
        return error_setg(err, "cannot size the code buffer to %zu bytes: %s",
                          size, strerror(errno));
    }
    be->buf_rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
                      be->memfd, 0);
    if (be->buf_rw == MAP_FAILED) {
        be->buf_rw = NULL;
        return error_setg(err, "cannot map the code buffer: %s",
                          strerror(errno));
    }
    be->buf_rx = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED,
                      be->memfd, 0);
    if (be->buf_rx == MAP_FAILED) {
        be->buf_rx = NULL;
        return error_setg(err, "cannot map the code buffer executable: %s",
                          strerror(errno));
    }
    be->map_size = size;
    return 0;
}

static void x64_unmap_buffer(X64Backend *be)
{
    if (be->buf_rw) {
        munmap(be->buf_rw, be->map_size);
    }
    if (be->buf_rx) {
        munmap(be->buf_rx, be->map_size);
    }
    if (be->memfd >= 0) {
        close(be->memfd);
    }
    be->buf_rw = be->buf_rx = NULL;
    be->memfd = -1;
}

/* ------------------------------------------------------------------ */
/* prologue and epilogue */

static size_t x64_gen_prologue(X64Backend *be)
{
    X64Gen gp = { .be = be, .start = be->buf_rw, .ptr = be->buf_rw };
    X64Gen *g = &gp;

    for (unsigned i = 0; i < ARRAY_SIZE(x64_saved_regs); i++) {
        x64_push(g, x64_saved_regs[i]);
    }
    x64_mov_rr(g, true, X64_REG_ENV, X64_RDI);
    x64_modrm(g, OPC_ARITH_EvIz | P_REXW, ARITH_SUB, X64_RSP);
    x64_out32(g, X64_FRAME_SIZE);
    x64_modrm(g, OPC_GRP5, EXT5_JMPN_Ev, X64_RSI);

    be->epilogue_zero_off = (uint32_t)(g->ptr - g->start);
    x64_arith_rr(g, false, ARITH_XOR, X64_RAX, X64_RAX);
    be->epilogue_off = (uint32_t)(g->ptr - g->start);
    x64_modrm(g, OPC_ARITH_EvIz | P_REXW, ARITH_ADD, X64_RSP);
    x64_out32(g, X64_FRAME_SIZE);
    for (int i = (int)ARRAY_SIZE(x64_saved_regs) - 1; i >= 0; i--) {
        x64_pop(g, x64_saved_regs[i]);
    }
    x64_out8(g, OPC_RET);
    return ALIGN_UP((size_t)(g->ptr - g->start), 64);
}

/* ------------------------------------------------------------------ */
/* backend interface */

static void x64_destroy(TCGContext *s)
{
    X64Backend *be = s->be;

    if (be) {
        x64_unmap_buffer(be);
        if (be->gen) {
            free(be->gen->label_pos);
            free(be->gen->relocs);
            free(be->gen->slow);
            free(be->gen->insns);
            free(be->gen);
        }
        if (be->disas_ok) {
            x86_disas_destroy(&be->disas);
        }
        free(be);
    }
    s->be = NULL;
    s->code_buf = s->code_buf_rx = NULL;
}

static int x64_init(TCGContext *s, size_t code_size, Error *err)
{
    X64Backend *be = xzalloc(sizeof(*be));
    int64_t tlb_end = (int64_t)s->cfg.tlb_offset + (int64_t)sizeof(TCGTLB);

    be->memfd = -1;
    s->be = be;
    if (s->cfg.tlb_offset < 0 || tlb_end > INT32_MAX) {
        return error_setg(err, "soft TLB offset %td out of reach of a "
                          "32-bit displacement", s->cfg.tlb_offset);
    }
    code_size = ALIGN_UP(MIN(code_size, (size_t)X64_MAX_BUFFER),
                         (size_t)getpagesize());
    if (code_size < 64 * KiB) {
        code_size = 64 * KiB;
    }
    if (x64_map_buffer(be, code_size, err) < 0) {
        return -1;
    }
    be->features = x64_host_features();
    be->gen = xzalloc(sizeof(X64Gen));
    be->gen->insns = xmalloc(TCG_MAX_INSNS * sizeof(TCGInsnData));
    s->code_buf = be->buf_rw;
    s->code_buf_rx = be->buf_rx;
    s->code_size = code_size;
    be->prologue_size = x64_gen_prologue(be);
    s->code_used = be->prologue_size;
    return 0;
}

static void x64_flush(TCGContext *s)
{
    X64Backend *be = s->be;

    /* keep the prologue and epilogue at the start of the buffer */
    s->code_used = be->prologue_size;
}

static uintptr_t x64_exec(TCGContext *s, void *env, const void *code)
{
    X64Backend *be = s->be;
    uintptr_t (*entry)(void *, const void *);
    void *p = be->buf_rx;

    memcpy(&entry, &p, sizeof(entry));
    return entry(env, code);
}

static void x64_set_jump(TCGContext *s, const void *code, uint32_t jmp_off,
                         const void *target)
{
    X64Backend *be = s->be;
    const uint8_t *rel_rx = (const uint8_t *)code + jmp_off;
    uint32_t *rel_rw = (uint32_t *)(be->buf_rw + (rel_rx - be->buf_rx));
    int32_t disp = 0;

    if (target) {
        disp = (int32_t)((const uint8_t *)target - (rel_rx + 4));
    }
    __atomic_store_n(rel_rw, (uint32_t)disp, __ATOMIC_RELEASE);
}

/* ------------------------------------------------------------------ */
/* code generation */

static void x64_gen_reset(X64Gen *g, TCGContext *s, X64Backend *be,
                          size_t start)
{
    g->s = s;
    g->be = be;
    g->start = g->ptr = be->buf_rw + start;
    g->limit = be->buf_rw + s->code_size - X64_OP_MARGIN;
    g->full = false;
    g->nb_relocs = g->nb_slow = g->nb_insns = 0;
    if (s->nb_labels > g->label_cap) {
        g->label_cap = s->nb_labels;
        g->label_pos = xrealloc(g->label_pos, g->label_cap * sizeof(int32_t));
    }
    for (unsigned i = 0; i < s->nb_labels; i++) {
        g->label_pos[i] = -1;
    }
    x64_ra_start(g);
}

static void x64_gen_body(X64Gen *g, TCGCodeInfo *out)
{
    TCG_FOREACH_OP(g->s, op) {
        if (g->ptr > g->limit) {
            g->full = true;
        }
        if (g->full) {
            return;
        }
        g->locked = 0;
        g->dead_mask = 0;
        x64_gen_op(g, op, out);
    }
}

static void x64_resolve_relocs(X64Gen *g)
{
    for (unsigned i = 0; i < g->nb_relocs; i++) {
        const X64Reloc *r = &g->relocs[i];
        int32_t target = g->label_pos[r->label];

        /* a branch to a label never placed is a translator bug */
        assert(target >= 0);
        x64_patch32(g->start + r->pos,
                    (uint32_t)(target - (int32_t)(r->pos + 4)));
    }
}

static void x64_log_out_asm(TCGContext *s, X64Backend *be,
                            const TCGCodeInfo *out)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f;

    if (!log_enabled(s->cfg.log, LOG_OUT_ASM)) {
        return;
    }
    if (!be->disas_tried) {
        be->disas_tried = true;
        be->disas_ok = x86_disas_init(&be->disas) == 0;
    }
    f = open_memstream(&buf, &len);
    if (!f) {
        return;
    }
    fprintf(f, "OUT: [size=%zu]\n", out->code_size);
    if (be->disas_ok) {
        x86_disas_host(&be->disas, f, out->code, out->code_size);
    }
    fputc('\n', f);
    fclose(f);
    log_printf(s->cfg.log, "%s", buf);
    free(buf);
}

static int x64_gen_code(TCGContext *s, TCGCodeInfo *out)
{
    X64Backend *be = s->be;
    X64Gen *g = be->gen;
    size_t start = ALIGN_UP(s->code_used, 16);
    size_t code_len, insn_off, total;

    if (start + 2 * X64_OP_MARGIN >= s->code_size) {
        return -1;
    }
    x64_gen_reset(g, s, be, start);
    x64_gen_body(g, out);
    if (!g->full) {
        x64_gen_slow_paths(g);
    }
    code_len = (size_t)(g->ptr - g->start);
    insn_off = ALIGN_UP(start + code_len, 8);
    total = insn_off + g->nb_insns * sizeof(TCGInsnData) - start;
    if (g->full || start + total > s->code_size) {
        out->jmp_offset[0] = out->jmp_offset[1] = TCG_NO_JUMP;
        return -1;
    }
    x64_resolve_relocs(g);
    memcpy(be->buf_rw + insn_off, g->insns,
           g->nb_insns * sizeof(TCGInsnData));
    out->code = be->buf_rx + start;
    out->code_size = code_len;
    out->total_size = total;
    out->insns = (const TCGInsnData *)(be->buf_rx + insn_off);
    out->nb_insns = g->nb_insns;
    s->code_used = start + total;
    x64_log_out_asm(s, be, out);
    return 0;
}

unsigned tcg_x86_64_features(const TCGContext *s)
{
    const X64Backend *be = s->be;
    return s->backend == &tcg_backend_x86_64 ? be->features : 0;
}

void tcg_x86_64_limit_features(TCGContext *s, unsigned mask)
{
    if (s->backend == &tcg_backend_x86_64) {
        X64Backend *be = s->be;
        be->features &= mask;
    }
}

const TCGBackend tcg_backend_x86_64 = {
    .name = "x86_64",
    .init = x64_init,
    .destroy = x64_destroy,
    .gen_code = x64_gen_code,
    .exec = x64_exec,
    .set_jump = x64_set_jump,
    .flush = x64_flush,
};

#endif
