/*
 * Differential tester: cases. Layout of a sequence into code bytes (branch
 * displacements from instruction indexes), the request sent to a runner,
 * comparison of two results (GPRs, RIP, RFLAGS masked by the flags the
 * tracker says are undefined at the point the run stopped, the scratch
 * memory, the exception vector), printing with capstone, and the text
 * format of regression cases under tests/difftest/cases/:
 *
 *   mode 64
 *   seed 0x...                 initial scratch contents (dt_fill_scratch)
 *   rflags 0x...
 *   reg N 0x...                one per GPR of the mode
 *   insn HEX [target N] [setup]
 *   expect vector V error 0x...
 *   expect rip 0x...
 *   expect rflags 0x...
 *   expect reg N 0x...
 *   expect mem OFFSET HEX      scratch bytes that differ from the seed
 *
 * The x87/MMX/SSE state (absent: FNINIT state, MXCSR 0x1f80, zeros):
 *   fill 1                     dt_fill_scratch variant (after seed)
 *   fpu fcw 0x.. fsw 0x.. ftw 0x.. mxcsr 0x..
 *   st I MANT EXP              ST(i): significand, sign and exponent
 *   xmm I LO HI                two 64-bit halves
 *   expect fpu ... / expect st ... / expect xmm ...   what differs from
 *                              the initial state
 */
#include <cpuid.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/cpu.h"
#include "cpu/x86/disas.h"
#include "system/util.h"
#include "tests/difftest/dt.h"

static const char *const reg_names64[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};
static const char *const reg_names32[8] = {
    "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
};

int dt_regs_count(int mode)
{
    return mode == 64 ? 16 : 8;
}

static const char *reg_name(int mode, int r)
{
    return mode == 64 ? reg_names64[r] : reg_names32[r];
}

int dt_seq_assemble(const DtSeq *s, uint8_t *code, uint32_t *offsets)
{
    uint32_t off = 0;

    for (int i = 0; i < s->n; i++) {
        offsets[i] = off;
        off += s->insn[i].len;
    }
    offsets[s->n] = off;
    if (off > DT_CODE_MAX - 2) {
        return -1;
    }
    for (int i = 0; i < s->n; i++) {
        const DtInsn *d = &s->insn[i];
        memcpy(code + offsets[i], d->b, d->len);
        if (d->rel_size) {
            int t = d->target < 0 ? s->n : MIN(d->target, s->n);
            int64_t disp = (int64_t)offsets[t] - (int64_t)offsets[i + 1];
            uint8_t *p = code + offsets[i] + d->rel_off;
            if (d->rel_size == 1) {
                if (disp < -128 || disp > 127) {
                    return -1;
                }
                p[0] = (uint8_t)disp;
            } else {
                for (int b = 0; b < d->rel_size; b++) {
                    p[b] = (uint8_t)((uint64_t)disp >> (8 * b));
                }
            }
        }
    }
    return (int)off;
}

void dt_case_request(const DtCase *c, DtRequest *rq)
{
    uint32_t offs[DT_MAX_INSNS + 1];
    int len;

    memset(rq, 0, sizeof(*rq));
    rq->magic = DT_MAGIC;
    rq->op = DT_OP_RUN;
    rq->mode = (uint32_t)c->seq.mode;
    len = dt_seq_assemble(&c->seq, rq->code, offs);
    rq->code_len = len < 0 ? 0 : (uint32_t)len;
    memcpy(rq->regs, c->regs, sizeof(rq->regs));
    rq->rflags = c->rflags;
    rq->mem_seed = c->mem_seed;
    rq->fill = c->fill;
    rq->fpu = c->fpu;
}

/* ---- comparison ---- */

/* What the tracker says about a case, for the comparison. */
typedef struct CmpInfo {
    bool tracked;
    DtTrack t;
    uint32_t undef[DT_MAX_INSNS + 1], offs[DT_MAX_INSNS + 1];
} CmpInfo;

static void cmp_info(const DtCase *c, CmpInfo *ci)
{
    const char *why;

    ci->tracked = dt_case_track(c, &ci->t, ci->undef, ci->offs, &why) == 0;
    if (!ci->tracked) {
        ci->t.nfxsave = ci->t.nenvimg = 0;
    }
}

static uint32_t mask_at(const DtCase *c, const CmpInfo *ci, uint64_t rip)
{
    uint32_t all = 0;

    if (!ci->tracked) {
        return RF_ARITH;
    }
    for (int i = 0; i <= c->seq.n; i++) {
        if (DT_CODE + ci->offs[i] == rip) {
            return ci->undef[i];
        }
        all |= ci->undef[i];
    }
    return all;
}

bool dt_host_is_amd(void)
{
    static int amd = -1;
    unsigned a, b, c, d;

    if (amd < 0) {
        amd = __get_cpuid(0, &a, &b, &c, &d) && b == 0x68747541u &&
              d == 0x69746e65u && c == 0x444d4163u;     /* AuthenticAMD */
    }
    return amd;
}

/*
 * FXSAVE images where the host is an AMD processor and Kite presents an
 * Intel one (cpu/x86/cpuid.h), so that the architectural answer is
 * Intel's:
 *  - MXCSR_MASK (bytes 28-31): AMD also has bit 17 (MM, the misaligned
 *    SSE exception mask), 0x2ffff; Intel 0xffff.
 *  - FOP, FIP/FCS, FDP/FDS (bytes 6-23): AMD stores zeros when no x87
 *    exception is pending (FSW.ES clear in the image); Intel always
 *    stores the last instruction's values.
 *  - FOP (bytes 6-7): FLDENV and FRSTOR do not load it on AMD (the
 *    32-bit formats carry one, which Intel loads), so it stays 0 in these
 *    sequences of control instructions.
 *  - FIP and FDP of FXSAVE64 (bytes 14-15, 22-23): AMD keeps fewer bits
 *    and stores them sign-extended (0 or 0xff); Kite keeps the 64 bits
 *    FXRSTOR64 loaded.
 *  - FCS, FOP, FDS in FNSTENV/FNSAVE images (dt_env_vendor_byte): AMD
 *    stores 0 for the selectors in 64-bit code (Intel's "FCS and FDS
 *    deprecated" behaviour, which Kite's CPUID does not announce), and
 *    FOP as above.
 * A byte that differs there is forgiven when the host's is AMD's value.
 */
static bool vendor_byte(const DtResult *host, const DtResult *kite,
                        const DtTrack *t, uint32_t i)
{
    for (int k = 0; k < t->nenvimg; k++) {
        uint32_t img = t->envimg[k] & ~DT_ENV16;

        if (i >= img && i < img + 28 && !host->mem[i] &&
            dt_env_vendor_byte(t->envimg[k], i - img)) {
            return true;
        }
    }
    for (int k = 0; k < t->nfxsave; k++) {
        uint32_t img = t->fxsave[k];
        const uint8_t *h = host->mem + img;

        if (img + 32 > DT_SCRATCH_SIZE || i < img || i >= img + 32) {
            continue;
        }
        if (i == img + 30 && (h[30] ^ kite->mem[i]) == 0x02 && (h[30] & 2)) {
            return true;
        }
        /* byte by byte, and without looking at the image's FSW.ES: a
           later image may overlap this one */
        if (i >= img + 6 && i < img + 24 && !h[i - img]) {
            return true;
        }
        if ((i == img + 14 || i == img + 15 || i == img + 22 ||
             i == img + 23) && (h[i - img] == 0 || h[i - img] == 0xff)) {
            return true;
        }
    }
    return false;
}

static bool mem_differs(const DtResult *a, const DtResult *b,
                        const DtTrack *t, uint32_t *at)
{
    for (uint32_t i = 0; i < DT_SCRATCH_SIZE; i++) {
        if (a->mem[i] != b->mem[i] &&
            !(dt_host_is_amd() && vendor_byte(a, b, t, i))) {
            *at = i;
            return true;
        }
    }
    return false;
}

int dt_xmm_count(int mode)
{
    return mode == 64 ? 16 : 8;
}

/* x87 control, status and tag words, MXCSR, ST0-7 (MM0-7), XMM */
static int compare_fpu(const DtCase *c, const DtFpu *a, const DtFpu *b,
                       DtCompare *out, int n)
{
#define FDIFF(...)                                                          \
    do {                                                                    \
        out->ok = false;                                                    \
        if (n < (int)sizeof(out->what) - 1) {                               \
            n += snprintf(out->what + n, sizeof(out->what) - n, __VA_ARGS__); \
        }                                                                   \
    } while (0)
    if (a->fcw != b->fcw) {
        FDIFF("fcw ");
    }
    if (a->fsw != b->fsw) {
        FDIFF("fsw(%#x) ", a->fsw ^ b->fsw);
    }
    if (a->ftw != b->ftw) {
        FDIFF("ftw ");
    }
    if (a->mxcsr != b->mxcsr) {
        FDIFF("mxcsr(%#x) ", a->mxcsr ^ b->mxcsr);
    }
    for (int i = 0; i < 8; i++) {
        if (memcmp(a->st[i], b->st[i], 10)) {
            FDIFF("st%d ", i);
        }
    }
    for (int i = 0; i < dt_xmm_count(c->seq.mode); i++) {
        if (memcmp(a->xmm[i], b->xmm[i], 16)) {
            FDIFF("xmm%d ", i);
        }
    }
#undef FDIFF
    return n;
}

void dt_compare(const DtCase *c, const DtResult *a, const DtResult *b,
                DtCompare *out)
{
    uint64_t wmask = c->seq.mode == 64 ? ~0ull : 0xffffffffull;
    uint64_t fmask;
    CmpInfo ci;
    uint32_t at;
    int n = 0;

    out->ok = true;
    out->what[0] = 0;
#define DIFF(...)                                                           \
    do {                                                                    \
        out->ok = false;                                                    \
        if (n < (int)sizeof(out->what) - 1) {                               \
            n += snprintf(out->what + n, sizeof(out->what) - n, __VA_ARGS__); \
        }                                                                   \
    } while (0)

    if (a->vector == DT_VEC_ERROR || b->vector == DT_VEC_ERROR) {
        DIFF("runner error (%s%s%s) ", a->msg, *a->msg && *b->msg ? "; " : "",
             b->msg);
        return;
    }
    if (a->vector != b->vector) {
        DIFF("vector %d/%d ", a->vector, b->vector);
    }
    if ((a->rip & wmask) != (b->rip & wmask)) {
        DIFF("rip ");
    }
    for (int r = 0; r < dt_regs_count(c->seq.mode); r++) {
        if ((a->regs[r] & wmask) != (b->regs[r] & wmask)) {
            DIFF("%s ", reg_name(c->seq.mode, r));
        }
    }
    /* RF: set in fault frames; NT: the host kernel does not keep it
     * reliably for user code (seen flipping between reruns) */
    cmp_info(c, &ci);
    fmask = ~(uint64_t)(mask_at(c, &ci, a->rip) | RF_RF | RF_NT) & 0x3fffff;
    if ((a->rflags & fmask) != (b->rflags & fmask)) {
        DIFF("rflags(%#llx) ", (unsigned long long)
             ((a->rflags ^ b->rflags) & fmask));
    }
    if (mem_differs(a, b, &ci.t, &at)) {
        DIFF("mem+%#x ", at);
    }
    n = compare_fpu(c, &a->fpu, &b->fpu, out, n);
#undef DIFF
}

/* ---- printing ---- */

/* The x87/SSE state; with other, only what differs from it. */
static void print_fpu(const DtCase *c, const DtFpu *p, const DtFpu *other,
                      FILE *f)
{
    fprintf(f, "  %cfcw %04x %cfsw %04x (top %d) %cftw %02x %cmxcsr %08x\n",
            other && other->fcw != p->fcw ? '*' : ' ', p->fcw,
            other && other->fsw != p->fsw ? '*' : ' ', p->fsw,
            (p->fsw >> 11) & 7, other && other->ftw != p->ftw ? '*' : ' ',
            p->ftw, other && other->mxcsr != p->mxcsr ? '*' : ' ', p->mxcsr);
    for (int i = 0; i < 8; i++) {
        if (other && !memcmp(other->st[i], p->st[i], 10)) {
            continue;
        }
        fprintf(f, "  %cst%d=%04x:%016" PRIx64 "%s", other ? '*' : ' ', i,
                ld16le(p->st[i] + 8), ld64le(p->st[i]),
                other || i % 3 == 2 || i == 7 ? "\n" : "");
    }
    for (int i = 0; i < dt_xmm_count(c->seq.mode); i++) {
        if (other && !memcmp(other->xmm[i], p->xmm[i], 16)) {
            continue;
        }
        fprintf(f, "  %cxmm%-2d=%016" PRIx64 ":%016" PRIx64 "%s",
                other ? '*' : ' ', i, ld64le(p->xmm[i] + 8), ld64le(p->xmm[i]),
                other || i % 2 == 1 ? "\n" : "");
    }
}

void dt_case_print(const DtCase *c, FILE *f)
{
    uint8_t code[DT_CODE_MAX];
    uint32_t offs[DT_MAX_INSNS + 1];
    X86Disas d;
    int len = dt_seq_assemble(&c->seq, code, offs);

    fprintf(f, "  mode %d, %d instructions, scratch seed %#" PRIx64
            ", rflags %#" PRIx64 "\n", c->seq.mode, c->seq.n, c->mem_seed,
            c->rflags);
    for (int r = 0; r < dt_regs_count(c->seq.mode); r++) {
        fprintf(f, "  %s=%016" PRIx64 "%s", reg_name(c->seq.mode, r),
                c->regs[r], r % 4 == 3 ? "\n" : "");
    }
    print_fpu(c, &c->fpu, NULL, f);
    if (len < 0) {
        fprintf(f, "  (does not assemble)\n");
        return;
    }
    if (x86_disas_init(&d) == 0) {
        x86_disas_guest(&d, f, code, (size_t)len, DT_CODE, c->seq.mode);
        x86_disas_destroy(&d);
    } else {
        for (int i = 0; i < len; i++) {
            fprintf(f, "%02x%s", code[i], i + 1 == len ? "\n" : " ");
        }
    }
}

void dt_result_print(const DtCase *c, const char *name, const DtResult *r,
                     const DtResult *other, FILE *f)
{
    uint8_t init[DT_SCRATCH_SIZE];
    int shown = 0;

    fprintf(f, "  %-8s vector %d", name, r->vector);
    if (r->vector >= 0) {
        fprintf(f, " (error %#x)", r->error_code);
    }
    if (*r->msg) {
        fprintf(f, " [%s]", r->msg);
    }
    fprintf(f, " rip %#" PRIx64 " rflags %#" PRIx64 "\n", r->rip, r->rflags);
    for (int i = 0; i < dt_regs_count(c->seq.mode); i++) {
        bool diff = other && other->regs[i] != r->regs[i];
        fprintf(f, "  %c%-3s=%016" PRIx64 "%s", diff ? '*' : ' ',
                reg_name(c->seq.mode, i), r->regs[i], i % 4 == 3 ? "\n" : "");
    }
    print_fpu(c, &r->fpu, other ? &other->fpu : &c->fpu, f);
    dt_fill_scratch(init, c->mem_seed, c->fill);
    for (uint32_t i = 0; i < DT_SCRATCH_SIZE && shown < 8; i++) {
        if (other ? other->mem[i] != r->mem[i] : init[i] != r->mem[i]) {
            fprintf(f, "  mem[%#x] = %02x (initially %02x)\n", i, r->mem[i],
                    init[i]);
            shown++;
        }
    }
}

/* ---- case files ---- */

/* The fields of p that differ from base, as case lines. */
static void save_fpu(FILE *f, const DtCase *c, const char *pfx,
                     const DtFpu *p, const DtFpu *base)
{
    if (p->fcw != base->fcw || p->fsw != base->fsw || p->ftw != base->ftw ||
        p->mxcsr != base->mxcsr) {
        fprintf(f, "%sfpu fcw %#x fsw %#x ftw %#x mxcsr %#x\n", pfx, p->fcw,
                p->fsw, p->ftw, p->mxcsr);
    }
    for (int i = 0; i < 8; i++) {
        if (memcmp(p->st[i], base->st[i], 10)) {
            fprintf(f, "%sst %d %#" PRIx64 " %#x\n", pfx, i, ld64le(p->st[i]),
                    ld16le(p->st[i] + 8));
        }
    }
    for (int i = 0; i < dt_xmm_count(c->seq.mode); i++) {
        if (memcmp(p->xmm[i], base->xmm[i], 16)) {
            fprintf(f, "%sxmm %d %#" PRIx64 " %#" PRIx64 "\n", pfx, i,
                    ld64le(p->xmm[i]), ld64le(p->xmm[i] + 8));
        }
    }
}

int dt_case_save(const DtCase *c, const DtResult *expect, const char *path)
{
    uint8_t init[DT_SCRATCH_SIZE];
    DtFpu dflt;
    FILE *f = fopen(path, "w");
    int nregs = dt_regs_count(c->seq.mode);

    if (!f) {
        return -1;
    }
    fprintf(f, "# Kite difftest regression case (tests/difftest/README)\n");
    fprintf(f, "mode %d\nseed %#" PRIx64 "\nrflags %#" PRIx64 "\n",
            c->seq.mode, c->mem_seed, c->rflags);
    if (c->fill) {
        fprintf(f, "fill %u\n", c->fill);
    }
    for (int r = 0; r < nregs; r++) {
        fprintf(f, "reg %d %#" PRIx64 "\n", r, c->regs[r]);
    }
    dt_fpu_default(&dflt);
    save_fpu(f, c, "", &c->fpu, &dflt);
    for (int i = 0; i < c->seq.n; i++) {
        const DtInsn *d = &c->seq.insn[i];
        fprintf(f, "insn ");
        for (int b = 0; b < d->len; b++) {
            fprintf(f, "%02x", d->b[b]);
        }
        if (d->rel_size) {
            fprintf(f, " target %d", d->target);
        }
        fprintf(f, "%s\n", d->setup ? " setup" : "");
    }
    fprintf(f, "expect vector %d error %#x\n", expect->vector,
            expect->error_code);
    fprintf(f, "expect rip %#" PRIx64 "\nexpect rflags %#" PRIx64 "\n",
            expect->rip, expect->rflags);
    for (int r = 0; r < nregs; r++) {
        fprintf(f, "expect reg %d %#" PRIx64 "\n", r, expect->regs[r]);
    }
    save_fpu(f, c, "expect ", &expect->fpu, &c->fpu);
    dt_fill_scratch(init, c->mem_seed, c->fill);
    for (uint32_t i = 0; i < DT_SCRATCH_SIZE; i++) {
        uint32_t j = i;
        if (init[i] == expect->mem[i]) {
            continue;
        }
        while (j < DT_SCRATCH_SIZE && j - i < 32 && init[j] != expect->mem[j]) {
            j++;
        }
        fprintf(f, "expect mem %#x ", i);
        for (uint32_t k = i; k < j; k++) {
            fprintf(f, "%02x", expect->mem[k]);
        }
        fprintf(f, "\n");
        i = j - 1;
    }
    return fclose(f);
}

static int hex_bytes(const char *s, uint8_t *out, int max)
{
    int n = 0;

    while (s[0] && s[1] && s[0] != ' ' && s[0] != '\n' && n < max) {
        char b[3] = { s[0], s[1], 0 };
        char *end;
        out[n++] = (uint8_t)strtoul(b, &end, 16);
        if (*end) {
            return -1;
        }
        s += 2;
    }
    return n;
}

/* fpu / st / xmm lines (after "expect" for the expected state) */
static int fpu_line(const char *kw, const char *rest, DtFpu *p)
{
    unsigned long long a = 0, b = 0, i = 0;
    unsigned fcw, fsw, ftw, mxcsr;

    if (!strcmp(kw, "fpu")) {
        if (sscanf(rest, "fcw %x fsw %x ftw %x mxcsr %x", &fcw, &fsw, &ftw,
                   &mxcsr) != 4) {
            return -1;
        }
        p->fcw = (uint16_t)fcw;
        p->fsw = (uint16_t)fsw;
        p->ftw = (uint8_t)ftw;
        p->mxcsr = mxcsr;
        return 0;
    }
    if (sscanf(rest, "%llu %llx %llx", &i, &a, &b) != 3) {
        return -1;
    }
    if (!strcmp(kw, "st") && i < 8) {
        st64le(p->st[i], a);
        st16le(p->st[i] + 8, (uint16_t)b);
        return 0;
    }
    if (!strcmp(kw, "xmm") && i < 16) {
        st64le(p->xmm[i], a);
        st64le(p->xmm[i] + 8, b);
        return 0;
    }
    return -1;
}

static int case_line(DtCase *c, DtResult *e, char *line)
{
    char kw[16], kw2[16];
    unsigned long long a = 0, b = 0;
    int off = 0;

    if (line[0] == '#' || line[0] == '\n' || line[0] == 0) {
        return 0;
    }
    if (sscanf(line, "%15s %n", kw, &off) != 1) {
        return -1;
    }
    if (!strcmp(kw, "mode")) {
        return sscanf(line + off, "%d", &c->seq.mode) == 1 ? 0 : -1;
    } else if (!strcmp(kw, "seed")) {
        return sscanf(line + off, "%llx", &a) == 1 ? (c->mem_seed = a, 0) : -1;
    } else if (!strcmp(kw, "rflags")) {
        return sscanf(line + off, "%llx", &a) == 1 ? (c->rflags = a, 0) : -1;
    } else if (!strcmp(kw, "fill")) {
        return sscanf(line + off, "%llu", &a) == 1 ? (c->fill = (uint32_t)a, 0)
                                                   : -1;
    } else if (!strcmp(kw, "fpu") || !strcmp(kw, "st") || !strcmp(kw, "xmm")) {
        return fpu_line(kw, line + off, &c->fpu);
    } else if (!strcmp(kw, "reg")) {
        if (sscanf(line + off, "%llu %llx", &b, &a) != 2 || b > 15) {
            return -1;
        }
        c->regs[b] = a;
        return 0;
    } else if (!strcmp(kw, "insn")) {
        DtInsn *d;
        char *p;
        if (c->seq.n >= DT_MAX_INSNS) {
            return -1;
        }
        d = &c->seq.insn[c->seq.n++];
        memset(d, 0, sizeof(*d));
        d->target = -1;
        d->form = -1;
        int n = hex_bytes(line + off, d->b, 15);
        if (n <= 0) {
            return -1;
        }
        d->len = (uint8_t)n;
        d->setup = strstr(line, " setup") != NULL;
        p = strstr(line, " target ");
        if (p) {
            X86Insn in;
            d->target = (int16_t)atoi(p + 8);
            if (x86_decode(&in, d->b, d->len, c->seq.mode) != d->len ||
                !in.imm_off) {
                return -1;
            }
            d->rel_off = in.imm_off;
            d->rel_size = (uint8_t)(d->len - in.imm_off);
        }
        return 0;
    } else if (!strcmp(kw, "expect")) {
        int off2 = 0;
        if (sscanf(line + off, "%15s %n", kw2, &off2) != 1) {
            return -1;
        }
        char *rest = line + off + off2;
        if (!strcmp(kw2, "fpu") || !strcmp(kw2, "st") || !strcmp(kw2, "xmm")) {
            return fpu_line(kw2, rest, &e->fpu);
        }
        if (!strcmp(kw2, "vector")) {
            int v;
            if (sscanf(rest, "%d error %llx", &v, &a) != 2) {
                return -1;
            }
            e->vector = v;
            e->error_code = (uint32_t)a;
            return 0;
        } else if (!strcmp(kw2, "rip")) {
            return sscanf(rest, "%llx", &a) == 1 ? (e->rip = a, 0) : -1;
        } else if (!strcmp(kw2, "rflags")) {
            return sscanf(rest, "%llx", &a) == 1 ? (e->rflags = a, 0) : -1;
        } else if (!strcmp(kw2, "reg")) {
            if (sscanf(rest, "%llu %llx", &b, &a) != 2 || b > 15) {
                return -1;
            }
            e->regs[b] = a;
            return 0;
        } else if (!strcmp(kw2, "mem")) {
            int o2 = 0;
            if (sscanf(rest, "%llx %n", &a, &o2) != 1 || a >= DT_SCRATCH_SIZE) {
                return -1;
            }
            int n = hex_bytes(rest + o2, e->mem + a, (int)(DT_SCRATCH_SIZE - a));
            return n > 0 ? 0 : -1;
        }
    }
    return -1;
}

int dt_case_load(DtCase *c, DtResult *expect, const char *path, char *err,
                 size_t errlen)
{
    char line[512];
    int lineno = 0, seed_seen = 0;
    bool expect_init = false;
    FILE *f = fopen(path, "r");

    memset(c, 0, sizeof(*c));
    memset(expect, 0, sizeof(*expect));
    expect->magic = DT_MAGIC;
    dt_fpu_default(&c->fpu);
    if (!f) {
        snprintf(err, errlen, "cannot open %s", path);
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        if (!strncmp(line, "seed ", 5)) {
            seed_seen = 1;
        }
        if (!strncmp(line, "expect", 6) && !expect_init) {
            expect->fpu = c->fpu;   /* the expected state starts there */
            expect_init = true;
        }
        if (!strncmp(line, "expect mem", 10) && seed_seen == 1) {
            dt_fill_scratch(expect->mem, c->mem_seed, c->fill);
            seed_seen = 2;
        }
        if (case_line(c, expect, line) < 0) {
            snprintf(err, errlen, "%s:%d: cannot parse: %.60s", path, lineno,
                     line);
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    if (seed_seen == 1) {
        dt_fill_scratch(expect->mem, c->mem_seed, c->fill);
    }
    if (!expect_init) {
        expect->fpu = c->fpu;
    }
    if (c->seq.mode != 16 && c->seq.mode != 32 && c->seq.mode != 64) {
        snprintf(err, errlen, "%s: bad or missing mode", path);
        return -1;
    }
    return 0;
}
