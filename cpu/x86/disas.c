/*
 * Disassembly for the logs (capstone), and the decoder's own text form of
 * an X86Insn (Intel syntax, used in -d in_asm with decoder details and in
 * the decoder's test failure messages).
 */
#include <capstone/capstone.h>
#include <inttypes.h>
#include <string.h>

#include "cpu/x86/decode.h"
#include "cpu/x86/disas.h"

enum { DIS_16, DIS_32, DIS_64, DIS_HOST };

int x86_disas_init(X86Disas *d)
{
    static const cs_mode modes[4] = { CS_MODE_16, CS_MODE_32, CS_MODE_64,
                                      CS_MODE_64 };
    int opened = 0;

    memset(d, 0, sizeof(*d));
    for (int i = 0; i < 4; i++) {
        csh h;
        if (cs_open(CS_ARCH_X86, modes[i], &h) == CS_ERR_OK) {
            d->handle[i] = h;
            d->open[i] = true;
            opened++;
        }
    }
    return opened ? 0 : -1;
}

void x86_disas_destroy(X86Disas *d)
{
    for (int i = 0; i < 4; i++) {
        if (d->open[i]) {
            csh h = d->handle[i];
            cs_close(&h);
            d->open[i] = false;
        }
    }
}

static void disas_print_bytes(FILE *f, const uint8_t *p, size_t n)
{
    char buf[3 * 16 + 1];
    size_t k = 0;
    for (size_t i = 0; i < n && i < 15; i++) {
        k += snprintf(buf + k, sizeof(buf) - k, "%02x ", p[i]);
    }
    buf[k] = 0;
    fprintf(f, "%-30s", buf);
}

static void disas_run(X86Disas *d, int which, FILE *f, const uint8_t *code,
                      size_t size, uint64_t pc)
{
    if (!d->open[which]) {
        fprintf(f, "0x%016" PRIx64 ":  (no disassembler, %zu bytes)\n", pc,
                size);
        return;
    }
    csh h = d->handle[which];
    cs_insn *insn = cs_malloc(h);
    const uint8_t *p = code;
    uint64_t addr = pc;

    while (size > 0) {
        uint64_t start = addr;
        const uint8_t *sp = p;
        if (insn && cs_disasm_iter(h, &p, &size, &addr, insn)) {
            fprintf(f, "0x%016" PRIx64 ":  ", start);
            disas_print_bytes(f, sp, insn->size);
            fprintf(f, "%s %s\n", insn->mnemonic, insn->op_str);
        } else {
            fprintf(f, "0x%016" PRIx64 ":  %02x%28s.byte 0x%02x\n", start,
                    *p, "", *p);
            p++;
            size--;
            addr++;
        }
    }
    if (insn) {
        cs_free(insn, 1);
    }
}

void x86_disas_guest(X86Disas *d, FILE *f, const uint8_t *code, size_t size,
                     uint64_t pc, int mode)
{
    int which = mode == 16 ? DIS_16 : mode == 32 ? DIS_32 : DIS_64;
    disas_run(d, which, f, code, size, pc);
}

void x86_disas_host(X86Disas *d, FILE *f, const void *code, size_t size)
{
    disas_run(d, DIS_HOST, f, code, size, (uint64_t)(uintptr_t)code);
}

/* ---- text form of an X86Insn ---- */

static const char *const gpr8[16] = {
    "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
    "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b",
};
static const char *const gpr8hi[8] = {
    "al", "cl", "dl", "bl", "ah", "ch", "dh", "bh",
};
static const char *const gpr16[16] = {
    "ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
    "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w",
};
static const char *const gpr32[16] = {
    "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
    "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d",
};
static const char *const gpr64[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};
static const char *const segs[8] = {
    "es", "cs", "ss", "ds", "fs", "gs", "?", "?",
};
static const char *const cc_names[16] = {
    "o", "no", "b", "ae", "e", "ne", "be", "a",
    "s", "ns", "p", "np", "l", "ge", "le", "g",
};

static const char *gpr_name(unsigned size, unsigned reg)
{
    reg &= 15;
    switch (size) {
    case 1: return gpr8[reg];
    case 2: return gpr16[reg];
    case 4: return gpr32[reg];
    default: return gpr64[reg];
    }
}

static int fmt_reg(const X86Operand *o, char *buf, size_t size)
{
    unsigned r = o->reg & 15;
    switch (o->reg_class) {
    case X86_RC_GPR8: return snprintf(buf, size, "%s", gpr8[r]);
    case X86_RC_GPR8HI: return snprintf(buf, size, "%s", gpr8hi[r & 7]);
    case X86_RC_GPR16: return snprintf(buf, size, "%s", gpr16[r]);
    case X86_RC_GPR32: return snprintf(buf, size, "%s", gpr32[r]);
    case X86_RC_GPR64: return snprintf(buf, size, "%s", gpr64[r]);
    case X86_RC_SEG: return snprintf(buf, size, "%s", segs[r & 7]);
    case X86_RC_CR: return snprintf(buf, size, "cr%u", r);
    case X86_RC_DR: return snprintf(buf, size, "dr%u", r);
    case X86_RC_MMX: return snprintf(buf, size, "mm%u", r & 7);
    case X86_RC_XMM: return snprintf(buf, size, "xmm%u", r);
    case X86_RC_ST: return snprintf(buf, size, "st(%u)", r & 7);
    default: return snprintf(buf, size, "?");
    }
}

static int fmt_mem(const X86Operand *o, char *buf, size_t size)
{
    int n = 0;
    const char *plus = "";

    if (o->seg != X86_SEG_NONE) {
        n += snprintf(buf + n, size - n, "%s:", segs[o->seg & 7]);
    }
    n += snprintf(buf + n, size - n, "[");
    if (o->rip_rel) {
        n += snprintf(buf + n, size - n, "%s", o->addr_size == 4 ? "eip"
                                                                  : "rip");
        plus = "+";
    } else if (o->base >= 0) {
        n += snprintf(buf + n, size - n, "%s", gpr_name(o->addr_size,
                                                        o->base));
        plus = "+";
    }
    if (o->index >= 0) {
        n += snprintf(buf + n, size - n, "%s%s*%u", plus,
                      gpr_name(o->addr_size, o->index), o->scale);
        plus = "+";
    }
    if (o->disp || !*plus) {
        int64_t v = o->disp;
        if (*plus && v < 0) {
            n += snprintf(buf + n, size - n, "-0x%" PRIx64, -(uint64_t)v);
        } else {
            n += snprintf(buf + n, size - n, "%s0x%" PRIx64, plus,
                          (uint64_t)v);
        }
    }
    n += snprintf(buf + n, size - n, "]");
    return n;
}

static uint64_t size_mask(unsigned bytes)
{
    return bytes >= 8 || bytes == 0 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

static int fmt_operand(const X86Insn *in, const X86Operand *o, uint64_t pc,
                       char *buf, size_t size)
{
    switch (o->kind) {
    case X86_OPK_REG:
        return fmt_reg(o, buf, size);
    case X86_OPK_MEM:
        return fmt_mem(o, buf, size);
    case X86_OPK_IMM:
        return snprintf(buf, size, "0x%" PRIx64, o->imm & size_mask(o->size));
    case X86_OPK_REL:
        return snprintf(buf, size, "0x%" PRIx64,
                        x86_insn_rel_target(in, pc, o));
    case X86_OPK_FAR:
        return snprintf(buf, size, "0x%x:0x%" PRIx64, o->far_seg, o->imm);
    default:
        return snprintf(buf, size, "?");
    }
}

void x86_insn_format(const X86Insn *in, uint64_t pc, char *buf, size_t size)
{
    char name[32];
    const char *m = x86_mnem_name(in->mnem);
    size_t n;

    if (in->mnem == X86_M_JCC || in->mnem == X86_M_SETCC ||
        in->mnem == X86_M_CMOVCC) {
        const char *stem = in->mnem == X86_M_JCC ? "j"
                           : in->mnem == X86_M_SETCC ? "set" : "cmov";
        snprintf(name, sizeof(name), "%s%s", stem, cc_names[in->opcode & 15]);
    } else {
        size_t i;
        for (i = 0; m[i] && i < sizeof(name) - 1; i++) {
            name[i] = (m[i] >= 'A' && m[i] <= 'Z') ? m[i] + 32 : m[i];
        }
        name[i] = 0;
    }
    if (size == 0) {
        return;
    }
    n = snprintf(buf, size, "%s", name);
    for (int i = 0; i < in->nops && n < size; i++) {
        n += snprintf(buf + n, size - n, i ? ", " : " ");
        if (n < size) {
            n += fmt_operand(in, &in->ops[i], pc, buf + n, size - n);
        }
    }
}
