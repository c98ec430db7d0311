/*
 * The x86 registers as the gdb remote protocol sees them: the target
 * description (XML served through qXfer:features:read) and the byte
 * layout of g/G/p/P, both from one table so they cannot disagree.
 *
 * Two descriptions: i386:x86-64 (the CPU has long mode) and i386 (it has
 * not). Features and register names are the ones gdb's i386/amd64 code
 * looks for (org.gnu.gdb.i386.core, .sse, .segments); control registers
 * and EFER are in a feature of Kite's own, which gdb shows as plain
 * registers ("info registers cr0"). Values are little-endian; x87
 * registers are ST(i) (relative to TOP), 10 bytes each.
 */
#include "system/gdbstub.h"

#include <stdio.h>
#include <string.h>

enum { F_CORE, F_SSE, F_SEG, F_SYS };

typedef enum RegKind {
    K_GPR, K_RIP, K_RFLAGS, K_SEG, K_ST, K_FPU, K_XMM, K_MXCSR,
    K_FS_BASE, K_GS_BASE, K_KGS_BASE, K_CR, K_EFER,
} RegKind;

typedef struct GdbReg {
    const char *name;
    RegKind kind;
    int index;
    int feature;
    const char *type;
} GdbReg;

/* bits: 0 = the mode's width (64 or 32) */
static int gdb_reg_bits(const GdbReg *r, bool is64)
{
    switch (r->kind) {
    case K_RFLAGS: case K_SEG: case K_FPU: case K_MXCSR:
        return 32;
    case K_ST:
        return 80;
    case K_XMM:
        return 128;
    default:
        return is64 ? 64 : 32;
    }
}

#define GPR(n, i) { n, K_GPR, i, F_CORE, "int" }
static const GdbReg gprs64[16] = {
    GPR("rax", R_EAX), GPR("rbx", R_EBX), GPR("rcx", R_ECX),
    GPR("rdx", R_EDX), GPR("rsi", R_ESI), GPR("rdi", R_EDI),
    { "rbp", K_GPR, R_EBP, F_CORE, "data_ptr" },
    { "rsp", K_GPR, R_ESP, F_CORE, "data_ptr" },
    GPR("r8", 8), GPR("r9", 9), GPR("r10", 10), GPR("r11", 11),
    GPR("r12", 12), GPR("r13", 13), GPR("r14", 14), GPR("r15", 15),
};
static const GdbReg gprs32[8] = {
    GPR("eax", R_EAX), GPR("ecx", R_ECX), GPR("edx", R_EDX),
    GPR("ebx", R_EBX),
    { "esp", K_GPR, R_ESP, F_CORE, "data_ptr" },
    { "ebp", K_GPR, R_EBP, F_CORE, "data_ptr" },
    GPR("esi", R_ESI), GPR("edi", R_EDI),
};
#undef GPR

static const GdbReg tail[] = {
    { "cs", K_SEG, R_CS, F_CORE, "int32" },
    { "ss", K_SEG, R_SS, F_CORE, "int32" },
    { "ds", K_SEG, R_DS, F_CORE, "int32" },
    { "es", K_SEG, R_ES, F_CORE, "int32" },
    { "fs", K_SEG, R_FS, F_CORE, "int32" },
    { "gs", K_SEG, R_GS, F_CORE, "int32" },
    { "st0", K_ST, 0, F_CORE, "i387_ext" },
    { "st1", K_ST, 1, F_CORE, "i387_ext" },
    { "st2", K_ST, 2, F_CORE, "i387_ext" },
    { "st3", K_ST, 3, F_CORE, "i387_ext" },
    { "st4", K_ST, 4, F_CORE, "i387_ext" },
    { "st5", K_ST, 5, F_CORE, "i387_ext" },
    { "st6", K_ST, 6, F_CORE, "i387_ext" },
    { "st7", K_ST, 7, F_CORE, "i387_ext" },
    { "fctrl", K_FPU, 0, F_CORE, "int" },
    { "fstat", K_FPU, 1, F_CORE, "int" },
    { "ftag", K_FPU, 2, F_CORE, "int" },
    { "fiseg", K_FPU, 3, F_CORE, "int" },
    { "fioff", K_FPU, 4, F_CORE, "int" },
    { "foseg", K_FPU, 5, F_CORE, "int" },
    { "fooff", K_FPU, 6, F_CORE, "int" },
    { "fop", K_FPU, 7, F_CORE, "int" },
};

static const GdbReg sys[] = {
    { "fs_base", K_FS_BASE, 0, F_SEG, "int" },
    { "gs_base", K_GS_BASE, 0, F_SEG, "int" },
    { "k_gs_base", K_KGS_BASE, 0, F_SYS, "int" },
    { "cr0", K_CR, 0, F_SYS, "int" },
    { "cr2", K_CR, 2, F_SYS, "int" },
    { "cr3", K_CR, 3, F_SYS, "int" },
    { "cr4", K_CR, 4, F_SYS, "int" },
    { "cr8", K_CR, 8, F_SYS, "int" },
    { "efer", K_EFER, 0, F_SYS, "int" },
};

static const char *const xmm_names[16] = {
    "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
    "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
};

/* The n-th register of the layout; false past the end. */
static bool gdb_reg(int n, bool is64, GdbReg *out)
{
    int ngpr = is64 ? 16 : 8, nxmm = is64 ? 16 : 8;

    if (n < 0) {
        return false;
    }
    if (n < ngpr) {
        *out = is64 ? gprs64[n] : gprs32[n];
        return true;
    }
    n -= ngpr;
    if (n < 2) {
        *out = n == 0 ? (GdbReg){ is64 ? "rip" : "eip", K_RIP, 0, F_CORE,
                                  "code_ptr" }
                      : (GdbReg){ "eflags", K_RFLAGS, 0, F_CORE,
                                  "i386_eflags" };
        return true;
    }
    n -= 2;
    if (n < (int)ARRAY_SIZE(tail)) {
        *out = tail[n];
        return true;
    }
    n -= (int)ARRAY_SIZE(tail);
    if (n < nxmm) {
        *out = (GdbReg){ xmm_names[n], K_XMM, n, F_SSE, "vec128" };
        return true;
    }
    n -= nxmm;
    if (n == 0) {
        *out = (GdbReg){ "mxcsr", K_MXCSR, 0, F_SSE, "i386_mxcsr" };
        return true;
    }
    n--;
    if (n < (int)ARRAY_SIZE(sys)) {
        *out = sys[n];
        return true;
    }
    return false;
}

int gdb_reg_count(bool is64)
{
    GdbReg r;
    int n = 0;

    while (gdb_reg(n, is64, &r)) {
        n++;
    }
    return n;
}

/* ---- values ---- */

static int fpu_top(const X86CPUState *st)
{
    return (st->fsw >> 11) & 7;
}

static uint64_t *cr_ptr(X86CPUState *st, int i)
{
    switch (i) {
    case 0: return &st->cr0;
    case 2: return &st->cr2;
    case 3: return &st->cr3;
    case 4: return &st->cr4;
    default: return &st->cr8;
    }
}

static uint64_t fpu_get(const X86CPUState *st, int i)
{
    switch (i) {
    case 0: return st->fcw;
    case 1: return st->fsw;
    case 2: return st->ftw;
    case 3: return st->fcs;
    case 4: return (uint32_t)st->fip;
    case 5: return st->fds;
    case 6: return (uint32_t)st->fdp;
    default: return st->fop;
    }
}

static void fpu_set(X86CPUState *st, int i, uint64_t v)
{
    switch (i) {
    case 0: st->fcw = (uint16_t)v; break;
    case 1: st->fsw = (uint16_t)v; break;
    case 2: st->ftw = (uint16_t)v; break;
    case 3: st->fcs = (uint16_t)v; break;
    case 4: st->fip = (uint32_t)v; break;
    case 5: st->fds = (uint16_t)v; break;
    case 6: st->fdp = (uint32_t)v; break;
    default: st->fop = (uint16_t)v & 0x7ff; break;
    }
}

/* Integer registers (up to 64 bits). */
static uint64_t reg_get_int(const X86CPUState *st, const GdbReg *r)
{
    switch (r->kind) {
    case K_GPR: return st->regs[r->index];
    case K_RIP: return st->rip;
    case K_RFLAGS: return st->rflags;
    case K_SEG: return st->segs[r->index].selector;
    case K_FPU: return fpu_get(st, r->index);
    case K_MXCSR: return st->mxcsr;
    case K_FS_BASE: return st->segs[R_FS].base;
    case K_GS_BASE: return st->segs[R_GS].base;
    case K_KGS_BASE: return st->kernel_gs_base;
    case K_CR: return *cr_ptr((X86CPUState *)st, r->index);
    default: return st->efer;
    }
}

int gdb_reg_read(const X86CPUState *st, bool is64, int n, uint8_t *buf)
{
    GdbReg r;
    int bytes;

    if (!gdb_reg(n, is64, &r)) {
        return -1;
    }
    bytes = gdb_reg_bits(&r, is64) / 8;
    if (r.kind == K_ST) {
        const FloatX80 *f = &st->fpregs[(fpu_top(st) + r.index) & 7];
        st64le(buf, f->mant);
        st16le(buf + 8, f->exp);
    } else if (r.kind == K_XMM) {
        memcpy(buf, st->xmm[r.index].b, 16);
    } else {
        uint64_t v = reg_get_int(st, &r);
        for (int i = 0; i < bytes; i++) {
            buf[i] = (uint8_t)(v >> (8 * i));
        }
    }
    return bytes;
}

/*
 * Writes a register. Segment selectors only change the selector (as a
 * debugger sets them; the cached base stays): use fs_base/gs_base for
 * the bases. RFLAGS keeps its fixed bit 1.
 */
static void reg_set_int(X86CPUState *st, const GdbReg *r, uint64_t v,
                        bool is64)
{
    switch (r->kind) {
    case K_GPR:
        st->regs[r->index] = is64 ? v : (st->regs[r->index] & ~0xffffffffull) |
                                        (uint32_t)v;
        break;
    case K_RIP: st->rip = v; break;
    case K_RFLAGS: st->rflags = (v & 0x3f7fd7u) | 2; break;
    case K_SEG: st->segs[r->index].selector = (uint16_t)v; break;
    case K_FPU: fpu_set(st, r->index, v); break;
    case K_MXCSR: st->mxcsr = (uint32_t)v & 0xffff; break;
    case K_FS_BASE: st->segs[R_FS].base = v; break;
    case K_GS_BASE: st->segs[R_GS].base = v; break;
    case K_KGS_BASE: st->kernel_gs_base = v; break;
    case K_CR: *cr_ptr(st, r->index) = v; break;
    default: st->efer = v; break;
    }
}

int gdb_reg_write(X86CPUState *st, bool is64, int n, const uint8_t *buf)
{
    GdbReg r;
    int bytes;
    uint64_t v = 0;

    if (!gdb_reg(n, is64, &r)) {
        return -1;
    }
    bytes = gdb_reg_bits(&r, is64) / 8;
    if (r.kind == K_ST) {
        FloatX80 *f = &st->fpregs[(fpu_top(st) + r.index) & 7];
        f->mant = ld64le(buf);
        f->exp = ld16le(buf + 8);
    } else if (r.kind == K_XMM) {
        memcpy(st->xmm[r.index].b, buf, 16);
    } else {
        for (int i = 0; i < bytes; i++) {
            v |= (uint64_t)buf[i] << (8 * i);
        }
        reg_set_int(st, &r, v, is64);
    }
    return bytes;
}

int gdb_regs_size(bool is64)
{
    int total = 0;
    GdbReg r;

    for (int n = 0; gdb_reg(n, is64, &r); n++) {
        total += gdb_reg_bits(&r, is64) / 8;
    }
    return total;
}

/* ---- the target description ---- */

static const char *const feature_names[] = {
    [F_CORE] = "org.gnu.gdb.i386.core",
    [F_SSE] = "org.gnu.gdb.i386.sse",
    [F_SEG] = "org.gnu.gdb.i386.segments",
    [F_SYS] = "org.kite.gdb.x86.sys",
};

static const char xml_core_types[] =
    "<flags id=\"i386_eflags\" size=\"4\">"
    "<field name=\"CF\" start=\"0\" end=\"0\"/>"
    "<field name=\"\" start=\"1\" end=\"1\"/>"
    "<field name=\"PF\" start=\"2\" end=\"2\"/>"
    "<field name=\"AF\" start=\"4\" end=\"4\"/>"
    "<field name=\"ZF\" start=\"6\" end=\"6\"/>"
    "<field name=\"SF\" start=\"7\" end=\"7\"/>"
    "<field name=\"TF\" start=\"8\" end=\"8\"/>"
    "<field name=\"IF\" start=\"9\" end=\"9\"/>"
    "<field name=\"DF\" start=\"10\" end=\"10\"/>"
    "<field name=\"OF\" start=\"11\" end=\"11\"/>"
    "<field name=\"NT\" start=\"14\" end=\"14\"/>"
    "<field name=\"RF\" start=\"16\" end=\"16\"/>"
    "<field name=\"VM\" start=\"17\" end=\"17\"/>"
    "<field name=\"AC\" start=\"18\" end=\"18\"/>"
    "<field name=\"VIF\" start=\"19\" end=\"19\"/>"
    "<field name=\"VIP\" start=\"20\" end=\"20\"/>"
    "<field name=\"ID\" start=\"21\" end=\"21\"/>"
    "</flags>";

static const char xml_sse_types[] =
    "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
    "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
    "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
    "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
    "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
    "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
    "<union id=\"vec128\">"
    "<field name=\"v4_float\" type=\"v4f\"/>"
    "<field name=\"v2_double\" type=\"v2d\"/>"
    "<field name=\"v16_int8\" type=\"v16i8\"/>"
    "<field name=\"v8_int16\" type=\"v8i16\"/>"
    "<field name=\"v4_int32\" type=\"v4i32\"/>"
    "<field name=\"v2_int64\" type=\"v2i64\"/>"
    "<field name=\"uint128\" type=\"uint128\"/>"
    "</union>"
    "<flags id=\"i386_mxcsr\" size=\"4\">"
    "<field name=\"IE\" start=\"0\" end=\"0\"/>"
    "<field name=\"DE\" start=\"1\" end=\"1\"/>"
    "<field name=\"ZE\" start=\"2\" end=\"2\"/>"
    "<field name=\"OE\" start=\"3\" end=\"3\"/>"
    "<field name=\"UE\" start=\"4\" end=\"4\"/>"
    "<field name=\"PE\" start=\"5\" end=\"5\"/>"
    "<field name=\"DAZ\" start=\"6\" end=\"6\"/>"
    "<field name=\"IM\" start=\"7\" end=\"7\"/>"
    "<field name=\"DM\" start=\"8\" end=\"8\"/>"
    "<field name=\"ZM\" start=\"9\" end=\"9\"/>"
    "<field name=\"OM\" start=\"10\" end=\"10\"/>"
    "<field name=\"UM\" start=\"11\" end=\"11\"/>"
    "<field name=\"PM\" start=\"12\" end=\"12\"/>"
    "<field name=\"FZ\" start=\"15\" end=\"15\"/>"
    "</flags>";

static size_t xml_feature(char *buf, size_t size, size_t off, bool is64,
                          int feature)
{
    GdbReg r;

    off += (size_t)snprintf(buf + off, off < size ? size - off : 0,
                            "<feature name=\"%s\">%s",
                            feature_names[feature],
                            feature == F_CORE ? xml_core_types :
                            feature == F_SSE ? xml_sse_types : "");
    for (int n = 0; gdb_reg(n, is64, &r); n++) {
        const char *type = r.type;
        if (r.feature != feature) {
            continue;
        }
        if (!strcmp(type, "int")) {
            type = gdb_reg_bits(&r, is64) == 64 ? "int64" : "int32";
        }
        off += (size_t)snprintf(buf + off, off < size ? size - off : 0,
                                "<reg name=\"%s\" bitsize=\"%d\" "
                                "type=\"%s\" regnum=\"%d\"/>",
                                r.name, gdb_reg_bits(&r, is64), type, n);
    }
    off += (size_t)snprintf(buf + off, off < size ? size - off : 0,
                            "</feature>");
    return off;
}

size_t gdb_target_xml(char *buf, size_t size, bool is64)
{
    size_t off = (size_t)snprintf(buf, size,
        "<?xml version=\"1.0\"?>"
        "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
        "<target><architecture>%s</architecture>",
        is64 ? "i386:x86-64" : "i386");

    for (int f = F_CORE; f <= F_SYS; f++) {
        off = xml_feature(buf, size, off, is64, f);
    }
    off += (size_t)snprintf(buf + off, off < size ? size - off : 0,
                            "</target>");
    return off;
}
