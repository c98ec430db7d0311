/*
 * Differential tester: the generator of random instruction sequences.
 *
 * The forms come from the decoder's own tables (x86_decode_walk_tables):
 * every leaf whose mnemonic is in the general-purpose integer ISA below
 * and whose operands are general registers, memory, immediates or
 * relative targets. A leaf's path through the switch entries gives the
 * constraints of its encoding (ModRM.reg, mod, rm, mandatory prefix, REX
 * bits, mode). An instruction is built from a form with random prefixes
 * (66, 67, REX, LOCK where the table allows it, harmless segment
 * overrides, REP on string instructions), a random ModRM/SIB addressing
 * form whose base and index registers are given known values pointing into
 * the scratch area (by "setup" MOV instructions when needed) and edge-case
 * immediates. x86_decode checks every instruction, and the tracker
 * (dt-track.c) checks the whole sequence; what it rejects is dropped.
 *
 * The x87, MMX and SSE families (dt.h, DT_FAMILIES; difftest -f picks
 * them) take their forms from the same tables, with register operands
 * ST(i), MMX and XMM; each case starts from a random x87/SSE state
 * (gen_fpu_state: edge values in the registers, random control words,
 * tag words and MXCSR) and, with those families, a scratch area seeded
 * with floating-point edge values (dt_fill_scratch variant 1). Their
 * memory operands are mostly aligned to their size, so the alignment
 * checks of MOVAPS and friends do not end every sequence.
 *
 * Left out on purpose: privileged and I/O instructions, anything whose
 * result depends on the host (CPUID, RDTSC, RDRAND...), far transfers and
 * segment loads, returns and indirect branches (targets would be data),
 * INT n (vectors differ between Linux and the guest IDT), POPA (it would
 * reload the address registers from the stack), XSAVE and friends (the
 * host saves its AVX state too), AES, SHA and PCLMULQDQ.
 */
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/cpu.h"
#include "system/util.h"
#include "tests/difftest/dt.h"

/* The scratch area and the initial stack as register values: linear in
   32/64-bit code, offsets in the 16-bit data segment (dt-proto.h). */
#define SEG_BASE(g) ((g)->mode == 16 ? DT_SEG16_DATA_BASE : 0)
#define SCRATCH(g)  (DT_SCRATCH - SEG_BASE(g))
#define STACK0(g)   (DT_STACK_INIT - SEG_BASE(g))

static const uint16_t gp_mnems[] = {
    X86_M_AAA, X86_M_AAD, X86_M_AAM, X86_M_AAS, X86_M_ADC, X86_M_ADD,
    X86_M_AND, X86_M_BOUND, X86_M_BSF, X86_M_BSR, X86_M_BSWAP, X86_M_BT,
    X86_M_BTC, X86_M_BTR, X86_M_BTS, X86_M_CALL, X86_M_CBW, X86_M_CLC,
    X86_M_CLD, X86_M_CLI, X86_M_CMC, X86_M_CMOVCC, X86_M_CMP, X86_M_CMPS,
    X86_M_CMPXCHG, X86_M_CMPXCHG16B, X86_M_CMPXCHG8B, X86_M_CWD, X86_M_DAA,
    X86_M_DAS, X86_M_DEC, X86_M_DIV, X86_M_ENTER, X86_M_IDIV, X86_M_IMUL,
    X86_M_INC, X86_M_INT3, X86_M_INTO, X86_M_JCC, X86_M_JCXZ, X86_M_JMP,
    X86_M_LAHF, X86_M_LEA, X86_M_LEAVE, X86_M_LFENCE, X86_M_LODS,
    X86_M_LOOP, X86_M_LOOPE, X86_M_LOOPNE, X86_M_LZCNT, X86_M_MFENCE,
    X86_M_MOV, X86_M_MOVBE, X86_M_MOVS, X86_M_MOVSX, X86_M_MOVSXD,
    X86_M_MOVZX, X86_M_MUL, X86_M_NEG, X86_M_NOP, X86_M_NOT, X86_M_OR,
    X86_M_PAUSE, X86_M_POP, X86_M_POPCNT, X86_M_POPF, X86_M_PUSH,
    X86_M_PUSHA, X86_M_PUSHF, X86_M_RCL, X86_M_RCR, X86_M_ROL, X86_M_ROR,
    X86_M_SAHF, X86_M_SALC, X86_M_SAR, X86_M_SBB, X86_M_SCAS, X86_M_SETCC, X86_M_SFENCE,
    X86_M_SHL, X86_M_SHLD, X86_M_SHR, X86_M_SHRD, X86_M_STC, X86_M_STD,
    X86_M_STI, X86_M_STOS, X86_M_SUB, X86_M_TEST, X86_M_TZCNT, X86_M_UD2,
    X86_M_XADD, X86_M_XCHG, X86_M_XLAT, X86_M_XOR, X86_M_CLFLUSH,
    X86_M_PREFETCH, X86_M_PREFETCHNTA, X86_M_PREFETCHT0, X86_M_PREFETCHT1,
    X86_M_PREFETCHT2, X86_M_PREFETCHW,
};

/* ssefp: floating-point arithmetic, comparisons, conversions */
static const uint16_t ssefp_mnems[] = {
    X86_M_ADDPS, X86_M_ADDPD, X86_M_ADDSS, X86_M_ADDSD, X86_M_SUBPS,
    X86_M_SUBPD, X86_M_SUBSS, X86_M_SUBSD, X86_M_MULPS, X86_M_MULPD,
    X86_M_MULSS, X86_M_MULSD, X86_M_DIVPS, X86_M_DIVPD, X86_M_DIVSS,
    X86_M_DIVSD, X86_M_MINPS, X86_M_MINPD, X86_M_MINSS, X86_M_MINSD,
    X86_M_MAXPS, X86_M_MAXPD, X86_M_MAXSS, X86_M_MAXSD, X86_M_SQRTPS,
    X86_M_SQRTPD, X86_M_SQRTSS, X86_M_SQRTSD, X86_M_CMPPS, X86_M_CMPPD,
    X86_M_CMPSS, X86_M_CMPSD, X86_M_COMISS, X86_M_COMISD, X86_M_UCOMISS,
    X86_M_UCOMISD, X86_M_CVTDQ2PD, X86_M_CVTDQ2PS, X86_M_CVTPD2DQ,
    X86_M_CVTPD2PI, X86_M_CVTPD2PS, X86_M_CVTPI2PD, X86_M_CVTPI2PS,
    X86_M_CVTPS2DQ, X86_M_CVTPS2PD, X86_M_CVTPS2PI, X86_M_CVTSD2SI,
    X86_M_CVTSD2SS, X86_M_CVTSI2SD, X86_M_CVTSI2SS, X86_M_CVTSS2SD,
    X86_M_CVTSS2SI, X86_M_CVTTPD2DQ, X86_M_CVTTPD2PI, X86_M_CVTTPS2DQ,
    X86_M_CVTTPS2PI, X86_M_CVTTSD2SI, X86_M_CVTTSS2SI, X86_M_ADDSUBPS,
    X86_M_ADDSUBPD, X86_M_HADDPS, X86_M_HADDPD, X86_M_HSUBPS, X86_M_HSUBPD,
    X86_M_ROUNDPS, X86_M_ROUNDPD, X86_M_ROUNDSS, X86_M_ROUNDSD, X86_M_DPPS,
    X86_M_DPPD,
};

static const uint16_t rcp_mnems[] = {
    X86_M_RCPPS, X86_M_RCPSS, X86_M_RSQRTPS, X86_M_RSQRTSS,
};

static const uint16_t x87t_mnems[] = {
    X86_M_F2XM1, X86_M_FYL2X, X86_M_FYL2XP1, X86_M_FPTAN, X86_M_FPATAN,
    X86_M_FSIN, X86_M_FCOS, X86_M_FSINCOS,
};

static const uint16_t x87env_mnems[] = {
    X86_M_FNSTENV, X86_M_FLDENV, X86_M_FNSAVE, X86_M_FRSTOR, X86_M_FXSAVE,
    X86_M_FXRSTOR,
};

static const char *const family_names[DT_FAM_COUNT] = {
#define DT_FAM_NAME(name) #name,
    DT_FAMILIES(DT_FAM_NAME)
#undef DT_FAM_NAME
};

/* Constraints of one form, from its path through the tables. */
typedef struct FormKey {
    int reg, mod, rm, pfx, mode64, rexb, rexw;
    bool modrm;
} FormKey;

/* The parent switch entry of a leaf (NULL at the top of a map). */
static const X86OpEntry *parent_entry(const X86OpEntry *table,
                                      const uint8_t *path, int depth)
{
    const X86OpEntry *e = &table[path[0]];

    if (depth < 2) {
        return NULL;
    }
    for (int d = 1; d < depth - 1; d++) {
        e = &e->sub[path[d]];
    }
    return e;
}

typedef struct Build {
    uint8_t b[32];
    int n;
    DtInsn setups[6];
    int nsetups;
    uint16_t busy;          /* registers this instruction's addressing uses */
} Build;

static uint64_t rnd(DtGen *g)
{
    return dt_rand_next(&g->rng);
}

static uint32_t rndn(DtGen *g, uint32_t n)
{
    return n ? (uint32_t)(rnd(g) % n) : 0;
}

static bool chance(DtGen *g, unsigned pct)
{
    return rndn(g, 100) < pct;
}

/* ---- forms ---- */

#define IN_LIST(list, m) in_list(list, ARRAY_SIZE(list), m)

static bool in_list(const uint16_t *list, size_t n, unsigned m)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i] == m) {
            return true;
        }
    }
    return false;
}

static bool feature_allowed(unsigned f)
{
    switch (f) {
    case X86_FEAT_NONE: case X86_FEAT_CMOV: case X86_FEAT_CX8:
    case X86_FEAT_CX16: case X86_FEAT_POPCNT: case X86_FEAT_LZCNT:
    case X86_FEAT_BMI1: case X86_FEAT_MOVBE: case X86_FEAT_CLFLUSH:
    case X86_FEAT_SSE: case X86_FEAT_SSE2: case X86_FEAT_LAHF_LM:
    case X86_FEAT_PREFETCHW: case X86_FEAT_X87: case X86_FEAT_MMX:
    case X86_FEAT_SSE3: case X86_FEAT_SSSE3: case X86_FEAT_SSE41:
    case X86_FEAT_SSE42: case X86_FEAT_FXSR:
        return true;
    default:
        return false;
    }
}

static bool optype_allowed(unsigned t)
{
    switch (t) {
    case X86_T_NONE: case X86_T_E: case X86_T_G: case X86_T_I: case X86_T_J:
    case X86_T_M: case X86_T_O: case X86_T_R: case X86_T_X: case X86_T_Y:
    case X86_T_REG: case X86_T_ZREG: case X86_T_ONE: case X86_T_N:
    case X86_T_P: case X86_T_Q: case X86_T_U: case X86_T_V: case X86_T_W:
    case X86_T_ST0: case X86_T_STI: case X86_T_XMM0:
        return true;
    default:
        return false;
    }
}

static bool has_mmx_operand(const X86OpEntry *e)
{
    for (int i = 0; i < 4; i++) {
        unsigned t = e->ops[i].type;
        if (t == X86_T_N || t == X86_T_P || t == X86_T_Q) {
            return true;
        }
    }
    return false;
}

/* The family of a table leaf, or -1 if the generator leaves it out. */
static int form_family(const X86OpEntry *e)
{
    unsigned m = e->mnem;

    if (IN_LIST(gp_mnems, m)) {
        return DT_FAM_gp;
    }
    if (IN_LIST(x87env_mnems, m)) {
        return DT_FAM_x87env;
    }
    if (IN_LIST(x87t_mnems, m)) {
        return DT_FAM_x87t;
    }
    if (e->feature == X86_FEAT_X87 || m == X86_M_FISTTP || m == X86_M_FWAIT) {
        return DT_FAM_x87;
    }
    if (IN_LIST(ssefp_mnems, m)) {
        return DT_FAM_ssefp;
    }
    if (IN_LIST(rcp_mnems, m)) {
        return DT_FAM_rcp;
    }
    if (e->feature == X86_FEAT_MMX || has_mmx_operand(e)) {
        return DT_FAM_mmx;
    }
    switch (e->feature) {
    case X86_FEAT_SSE: case X86_FEAT_SSE2: case X86_FEAT_SSE3:
    case X86_FEAT_SSSE3: case X86_FEAT_SSE41: case X86_FEAT_SSE42:
        return DT_FAM_sse;
    default:
        return -1;
    }
}

const char *dt_family_name(int fam)
{
    return fam >= 0 && fam < DT_FAM_COUNT ? family_names[fam] : "?";
}

int dt_families_parse(const char *list, uint32_t *mask)
{
    const char *p = list;

    *mask = 0;
    while (*p) {
        size_t n = strcspn(p, ", ");
        int f = -1;
        if (n == 3 && !strncmp(p, "all", 3)) {
            *mask |= (1u << DT_FAM_COUNT) - 1;
            f = 0;
        }
        for (int i = 0; i < DT_FAM_COUNT && f < 0; i++) {
            if (strlen(family_names[i]) == n && !strncmp(p, family_names[i], n)) {
                *mask |= 1u << i;
                f = i;
            }
        }
        if (f < 0 && n) {
            return -1;
        }
        p += n;
        p += strspn(p, ", ");
    }
    return *mask ? 0 : -1;
}

static const X86OpEntry *map_table(unsigned map)
{
    switch (map) {
    case X86_MAP_1B: return x86_map_1b;
    case X86_MAP_0F: return x86_map_0f;
    case X86_MAP_0F38: return x86_map_0f38;
    case X86_MAP_0F3A: return x86_map_0f3a;
    default: return NULL;
    }
}

static void form_key(const DtForm *f, FormKey *k)
{
    const X86OpEntry *e = &map_table(f->map)[f->path[0]];

    memset(k, -1, sizeof(*k));
    k->modrm = false;
    for (int d = 1; d < f->depth && e->sw != X86_SW_NONE; d++) {
        int i = f->path[d];
        switch (e->sw) {
        case X86_SW_REG: k->reg = i; k->modrm = true; break;
        case X86_SW_MOD: k->mod = i; k->modrm = true; break;
        case X86_SW_RM: k->rm = i; k->mod = 1; k->modrm = true; break;
        case X86_SW_PFX: k->pfx = i; break;
        case X86_SW_MODE: k->mode64 = i; break;
        case X86_SW_REXB: k->rexb = i; break;
        case X86_SW_REXW: k->rexw = i; break;
        case X86_SW_X87:
            k->reg = i >> 3; k->rm = i & 7; k->mod = 1; k->modrm = true;
            break;
        default: break;
        }
        e = &e->sub[i];
    }
    for (int i = 0; i < 4; i++) {
        unsigned t = f->e->ops[i].type;
        switch (t) {
        case X86_T_E: case X86_T_G: case X86_T_M: case X86_T_R: case X86_T_N:
        case X86_T_P: case X86_T_Q: case X86_T_U: case X86_T_V: case X86_T_W:
            k->modrm = true;
            break;
        default:
            break;
        }
    }
}

static bool form_has_sti(const X86OpEntry *e)
{
    for (int i = 0; i < 4; i++) {
        if (e->ops[i].type == X86_T_STI) {
            return true;
        }
    }
    return false;
}

static bool same_entry(const X86OpEntry *a, const X86OpEntry *b)
{
    return a->mnem == b->mnem && a->flags == b->flags &&
           !memcmp(a->ops, b->ops, sizeof(a->ops));
}

static void collect(void *opaque, X86Map map, const uint8_t *path, int depth,
                    const X86OpEntry *e)
{
    DtGen *g = opaque;
    DtForm f = { .e = e, .map = (uint8_t)map, .depth = depth };
    const X86OpEntry *up;
    int fam = form_family(e);
    FormKey k;

    if (fam < 0 || !(g->families & (1u << fam)) ||
        !feature_allowed(e->feature) || depth > 10) {
        return;
    }
    f.family = (uint8_t)fam;
    /* x87 rows of op st(0), st(i): one form, ST(i) picked at random */
    up = parent_entry(map_table(map), path, depth);
    if (up && up->sw == X86_SW_X87 && form_has_sti(e)) {
        const X86OpEntry *first = &up->sub[path[depth - 1] & ~7];
        if ((path[depth - 1] & 7) != 0 && same_entry(first, e)) {
            return;
        }
        f.any_sti = true;
    }
    for (int i = 0; i < 4; i++) {
        if (!optype_allowed(e->ops[i].type)) {
            return;
        }
    }
    memcpy(f.path, path, (size_t)depth);
    form_key(&f, &k);
    f.modes = 7;
    if ((e->flags & X86_F_I64) || k.mode64 == 0) {
        f.modes &= 3;
    }
    if ((e->flags & X86_F_O64) || k.mode64 == 1) {
        f.modes &= 4;
    }
    /* far/indirect forms of CALL/JMP: only the relative ones */
    if ((e->mnem == X86_M_CALL || e->mnem == X86_M_JMP) &&
        e->ops[0].type != X86_T_J) {
        return;
    }
    g->forms = xrealloc(g->forms, sizeof(*g->forms) * (g->nforms + 1));
    g->forms[g->nforms++] = f;
}

int dt_gen_init(DtGen *g, int mode, uint64_t seed, uint32_t families)
{
    DtGen all = { .families = families };

    memset(g, 0, sizeof(*g));
    g->mode = mode;
    g->rng = seed;
    g->families = families;
    x86_decode_walk_tables(collect, &all);
    for (int i = 0; i < all.nforms; i++) {
        unsigned bit = mode == 64 ? 4 : mode == 32 ? 2 : 1;
        if (all.forms[i].modes & bit) {
            g->forms = xrealloc(g->forms, sizeof(*g->forms) * (g->nforms + 1));
            g->forms[g->nforms++] = all.forms[i];
        }
    }
    free(all.forms);
    g->cover = xzalloc(sizeof(*g->cover) * (size_t)MAX(g->nforms, 1));
    return g->nforms ? 0 : -1;
}

void dt_gen_destroy(DtGen *g)
{
    free(g->forms);
    free(g->cover);
}

const char *dt_form_name(const DtForm *f, char *buf, size_t size)
{
    static const char *const maps[] = { "", "", "0f ", "0f38 ", "0f3a " };
    int n = snprintf(buf, size, "%-10s %s%02x", x86_mnem_name(f->e->mnem),
                     maps[f->map], f->path[0]);

    for (int d = 1; d < f->depth && n < (int)size; d++) {
        n += snprintf(buf + n, size - n, "/%d", f->path[d]);
    }
    return buf;
}

/* ---- building blocks ---- */

static void setup_mov(DtGen *g, Build *bd, int r, uint32_t v)
{
    DtInsn *d = &bd->setups[bd->nsetups++];
    int n = 0;

    memset(d, 0, sizeof(*d));
    if (r >= 8) {
        d->b[n++] = 0x41;
    }
    if (g->mode == 16) {
        d->b[n++] = 0x66;       /* the whole 32-bit register */
    }
    d->b[n++] = (uint8_t)(0xb8 + (r & 7));
    for (int i = 0; i < 4; i++) {
        d->b[n++] = (uint8_t)(v >> (8 * i));
    }
    d->len = (uint8_t)n;
    d->target = -1;
    d->setup = true;
    d->form = -1;
}

/* cmp r32, imm8: defines every arithmetic flag */
static void setup_cmp(DtGen *g, Build *bd)
{
    DtInsn *d = &bd->setups[bd->nsetups++];

    memset(d, 0, sizeof(*d));
    d->b[0] = 0x83;
    d->b[1] = (uint8_t)(0xf8 | rndn(g, 8));
    d->b[2] = (uint8_t)rnd(g);
    d->len = 3;
    d->target = -1;
    d->setup = true;
    d->form = -1;
}

static bool known_in(const DtTrack *t, int r, uint64_t lo, uint64_t hi)
{
    return ((t->k.known >> r) & 1) && t->k.val[r] >= lo && t->k.val[r] < hi;
}

/* ESP known and in the stack window (SP only, for the 16-bit stack) */
static bool stack_known(const DtGen *g, const DtTrack *t)
{
    uint64_t sp = t->k.val[R_ESP] & (g->mode == 16 ? 0xffff : ~0ull);

    return ((t->k.known >> R_ESP) & 1) && sp >= STACK0(g) - 0x600 &&
           sp < STACK0(g) + 0x600;
}

static uint64_t imm_edge(DtGen *g, unsigned bytes)
{
    uint64_t sign = 1ull << (8 * bytes - 1);

    switch (rndn(g, 10)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return ~0ull;
    case 3: return sign - 1;
    case 4: return sign;
    case 5: return sign + 1;
    case 6: return rndn(g, 16);
    default: return rnd(g);
    }
}

static uint8_t shift_count_edge(DtGen *g)
{
    static const uint8_t c[] = { 0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33,
                                 63, 64, 65, 255 };
    return chance(g, 70) ? c[rndn(g, ARRAY_SIZE(c))] : (uint8_t)rnd(g);
}

/* ---- addressing ---- */

typedef struct Addr {
    uint8_t mod, rm, sib, dsize;
    bool has_sib, rip_rel;
    int64_t disp;
    int base, index;
} Addr;

/* Picks a base/index form reaching target; may add setups. */
static bool build_addr(DtGen *g, const DtTrack *t, Build *bd, int asz,
                       uint64_t target, Addr *a)
{
    int nregs = g->mode == 64 ? 16 : 8;
    uint64_t amask = asz == 8 ? ~0ull : 0xffffffffull;
    uint64_t bval = 0, ival = 0;
    int kind = rndn(g, 10);

    memset(a, 0, sizeof(*a));
    a->base = a->index = -1;
    if (kind == 0) {
        /* absolute disp32 */
        a->disp = (int64_t)target;
        a->mod = 0;
        a->dsize = 4;
        if (g->mode == 64) {
            a->rm = 4;
            a->has_sib = true;
            a->sib = 0x25;
        } else {
            a->rm = 5;
        }
        return true;
    }
    if (kind == 1 && g->mode == 64) {
        a->rip_rel = true;
        a->mod = 0;
        a->rm = 5;
        a->dsize = 4;
        a->disp = (int64_t)target;  /* fixed up once the length is known */
        return true;
    }
    a->base = (int)rndn(g, nregs);
    if (kind >= 6) {
        do {
            a->index = (int)rndn(g, nregs);
        } while (a->index == 4 || a->index == a->base);
    }
    if (!known_in(t, a->base, SCRATCH(g), SCRATCH(g) + DT_SCRATCH_SIZE) ||
        chance(g, 20)) {
        if (a->base == 4) {
            return false;
        }
        bval = SCRATCH(g) + rndn(g, DT_SCRATCH_SIZE);
        setup_mov(g, bd, a->base, (uint32_t)bval);
    } else {
        bval = t->k.val[a->base];
    }
    if (a->index >= 0) {
        if (!known_in(t, a->index, 0, 64) || chance(g, 30)) {
            ival = rndn(g, 16);
            setup_mov(g, bd, a->index, (uint32_t)ival);
        } else {
            ival = t->k.val[a->index];
        }
        a->sib = (uint8_t)(rndn(g, 4) << 6);
    }
    bd->busy |= (uint16_t)(1u << a->base);
    if (a->index >= 0) {
        bd->busy |= (uint16_t)(1u << a->index);
    }
    a->disp = (int64_t)(target - ((bval + (ival << (a->sib >> 6))) & amask));
    if (a->disp == 0 && (a->base & 7) != 5 && chance(g, 50)) {
        a->mod = 0;
        a->dsize = 0;
    } else if (a->disp >= -128 && a->disp <= 127) {
        a->mod = 1;
        a->dsize = 1;
    } else {
        a->mod = 2;
        a->dsize = 4;
    }
    if (a->index >= 0 || (a->base & 7) == 4) {
        a->has_sib = true;
        a->rm = 4;
        a->sib |= (uint8_t)(((a->index < 0 ? 4 : a->index) & 7) << 3) |
                  (uint8_t)(a->base & 7);
    } else {
        a->rm = (uint8_t)(a->base & 7);
    }
    return true;
}

/*
 * 16-bit addressing (SDM Vol. 2, Table 2-1): [BX|BP + SI|DI + disp] or
 * [disp16], wrapping at 64 KiB; any known register value will do, the
 * displacement makes up the difference.
 */
static bool build_addr16(DtGen *g, const DtTrack *t, Build *bd,
                         uint64_t target, Addr *a)
{
    static const int8_t base[8] = { R_EBX, R_EBX, R_EBP, R_EBP, -1, -1,
                                    R_EBP, R_EBX };
    static const int8_t index[8] = { R_ESI, R_EDI, R_ESI, R_EDI, R_ESI,
                                     R_EDI, -1, -1 };
    uint64_t sum = 0;
    int16_t disp;

    memset(a, 0, sizeof(*a));
    a->base = a->index = -1;
    if (chance(g, 10)) {
        a->rm = 6;
        a->dsize = 2;
        a->disp = (int64_t)(target & 0xffff);
        return true;
    }
    a->rm = (uint8_t)rndn(g, 8);
    a->base = base[a->rm];
    a->index = index[a->rm];
    for (int k = 0; k < 2; k++) {
        int r = k ? a->index : a->base;
        if (r < 0) {
            continue;
        }
        if (!((t->k.known >> r) & 1) || chance(g, 20)) {
            uint64_t v = k ? rndn(g, 64) : SCRATCH(g) + rndn(g, DT_DATA_SIZE);
            setup_mov(g, bd, r, (uint32_t)v);
            sum += v;
        } else {
            sum += t->k.val[r];
        }
        bd->busy |= (uint16_t)(1u << r);
    }
    disp = (int16_t)(uint16_t)(target - sum);
    a->disp = disp;
    if (disp == 0 && a->rm != 6 && chance(g, 50)) {
        a->mod = 0;
        a->dsize = 0;
    } else if (disp >= -128 && disp <= 127) {
        a->mod = 1;
        a->dsize = 1;
    } else {
        a->mod = 2;
        a->dsize = 2;
    }
    return true;
}

/* ---- one instruction ---- */

typedef struct Insn {
    Build bd;
    DtInsn d;
    bool mem;
    int rip_disp_at;        /* offset of a RIP-relative disp32, or -1 */
    uint64_t rip_target;
} Insn;

static void put(Build *bd, uint8_t v)
{
    if (bd->n < (int)sizeof(bd->b)) {
        bd->b[bd->n++] = v;
    }
}

static void put_n(Build *bd, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        put(bd, (uint8_t)(v >> (8 * i)));
    }
}

static bool form_has(const DtForm *f, unsigned type)
{
    for (int i = 0; i < 4; i++) {
        if (f->e->ops[i].type == type) {
            return true;
        }
    }
    return false;
}

static int build_insn(DtGen *g, const DtTrack *t, int fi, uint32_t code_off,
                      Insn *out)
{
    const DtForm *f = &g->forms[fi];
    FormKey k;
    Build *bd = &out->bd;
    Addr a;
    int asz = g->mode == 64 ? 8 : g->mode == 16 ? 2 : 4, rex = 0, reg, rm;
    bool mem = false, branch = (f->e->flags & X86_F_BRANCH) != 0;
    bool string = form_has(f, X86_T_X) || form_has(f, X86_T_Y);
    bool moffs = form_has(f, X86_T_O);
    int opsz66 = 0, modrm_at = -1, disp_at = -1;
    uint64_t target = SCRATCH(g) + rndn(g, DT_DATA_SIZE - 48);

    memset(out, 0, sizeof(*out));
    out->rip_disp_at = -1;
    if (f->family != DT_FAM_gp && chance(g, 97)) {
        target &= ~(uint64_t)15;    /* MOVAPS & co. need aligned operands */
    }
    form_key(f, &k);
    if (k.modrm) {
        if (k.mod == 1 || form_has(f, X86_T_R) || form_has(f, X86_T_N) ||
            form_has(f, X86_T_U)) {
            mem = false;
        } else if (k.mod == 0 || form_has(f, X86_T_M)) {
            mem = true;
        } else {
            mem = (form_has(f, X86_T_E) || form_has(f, X86_T_Q) ||
                   form_has(f, X86_T_W)) && chance(g, 50);
        }
    }
    /* legacy prefixes */
    if (chance(g, 8) && (mem || string || moffs)) {
        static const uint8_t seg64[] = { 0x26, 0x2e, 0x36, 0x3e };
        static const uint8_t seg32[] = { 0x26, 0x36, 0x3e, 0x3e, 0x2e };
        /* 16-bit: not CS, whose base is not the scratch area's */
        put(bd, g->mode == 64 ? seg64[rndn(g, 4)] :
                seg32[rndn(g, g->mode == 16 ? 4 : 5)]);
    }
    /* 16-bit: branches too (CALL pushes EIP, LOOP counts with ECX) */
    if (k.pfx < 0 && (!branch || g->mode == 16) && chance(g, 20)) {
        put(bd, 0x66);
        opsz66 = 1;
    }
    if (g->mode != 32 && (mem || string || moffs || branch) &&
        (!branch || g->mode == 16) && chance(g, 15)) {
        put(bd, 0x67);
        asz = 4;
    }
    if (mem && (f->e->flags & X86_F_LOCK) && chance(g, 30)) {
        put(bd, 0xf0);
    }
    if (string && (f->e->flags & (X86_F_REP | X86_F_REPZ)) && chance(g, 60)) {
        put(bd, (f->e->flags & X86_F_REPZ) && chance(g, 50) ? 0xf2 : 0xf3);
    }
    if (k.pfx > 0) {
        static const uint8_t mp[4] = { 0, 0x66, 0xf3, 0xf2 };
        put(bd, mp[k.pfx]);
    }
    (void)opsz66;

    /* registers */
    reg = k.reg >= 0 ? k.reg : (int)rndn(g, g->mode == 64 ? 16 : 8);
    if (k.reg >= 0 && g->mode == 64 && chance(g, 30)) {
        reg |= 8;       /* REX.R on an opcode extension is ignored */
    }
    rm = k.rm >= 0 ? k.rm : (int)rndn(g, g->mode == 64 ? 16 : 8);
    if (f->any_sti) {
        rm = (int)rndn(g, 8);
    }
    if (g->mode == 64) {
        bool w = k.rexw >= 0 ? k.rexw : chance(g, 35);
        rex = 0x40 | (w ? 8 : 0) | (reg & 8 ? 4 : 0);
        if (k.rexb == 1) {
            rex |= 1;
        }
    }
    if (mem) {
        if (asz == 2 ? !build_addr16(g, t, bd, target, &a)
                     : !build_addr(g, t, bd, asz, target, &a)) {
            return -1;
        }
        if (g->mode == 64) {
            rex |= (a.index >= 8 ? 2 : 0) | (a.base >= 8 ? 1 : 0);
        }
    } else if (g->mode == 64) {
        if (k.rexb < 0 && (rm & 8)) {
            rex |= 1;
        }
    }
    if (g->mode == 64 && k.rexb < 0 && !k.modrm && chance(g, 30)) {
        rex |= 1;       /* ZREG forms: r8..r15 */
    }
    if (g->mode == 64 && k.rexb == 0) {
        rex &= ~1;
    }
    if (g->mode == 64 && (rex != 0x40 || chance(g, 20))) {
        put(bd, (uint8_t)rex);
    }
    /* opcode */
    if (f->map == X86_MAP_0F) {
        put(bd, 0x0f);
    } else if (f->map == X86_MAP_0F38) {
        put(bd, 0x0f);
        put(bd, 0x38);
    } else if (f->map == X86_MAP_0F3A) {
        put(bd, 0x0f);
        put(bd, 0x3a);
    }
    put(bd, f->path[0]);
    if (k.modrm) {
        modrm_at = bd->n;
        if (mem) {
            put(bd, (uint8_t)((a.mod << 6) | ((reg & 7) << 3) | a.rm));
            if (a.has_sib) {
                put(bd, a.sib);
            }
            disp_at = bd->n;
            put_n(bd, (uint64_t)a.disp, a.dsize);
            if (a.rip_rel) {
                out->rip_disp_at = disp_at;
                out->rip_target = target;
            }
        } else {
            put(bd, (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7)));
        }
    }
    (void)modrm_at;
    out->mem = mem;
    return 0;
}

/*
 * Decodes the bytes built so far plus room for immediates, fills the
 * immediates and moffs, and fixes RIP-relative displacements.
 */
static int finish_insn(DtGen *g, const DtTrack *t, Insn *ins, uint32_t code_off,
                       X86Insn *in)
{
    Build *bd = &ins->bd;
    uint8_t buf[32];
    int len;

    memset(buf, 0, sizeof(buf));
    memcpy(buf, bd->b, (size_t)bd->n);
    len = x86_decode(in, buf, 15, g->mode);
    if (len <= 0 || len < bd->n) {
        return -1;
    }
    if (in->mnem == X86_M_INVALID) {
        return -1;
    }
    /* moffs: the address is the displacement field */
    for (int i = 0; i < in->nops; i++) {
        if (in->ops[i].type == X86_T_O && in->disp_off) {
            uint64_t a = SCRATCH(g) + rndn(g, DT_DATA_SIZE - 16);
            for (int b = in->disp_off; b < (in->imm_off ? in->imm_off : len); b++) {
                buf[b] = (uint8_t)(a >> (8 * (b - in->disp_off)));
            }
        }
    }
    if (in->imm_off) {
        int w = len - in->imm_off;
        uint64_t v;
        bool rel = false;
        for (int i = 0; i < in->nops; i++) {
            rel |= in->ops[i].kind == X86_OPK_REL;
        }
        if (rel) {
            v = 0;
            ins->d.rel_off = in->imm_off;
            ins->d.rel_size = (uint8_t)w;
        } else if (in->mnem == X86_M_ENTER) {
            v = rndn(g, 0x40) | ((uint64_t)rndn(g, 4) << 16);
        } else if (in->mnem == X86_M_AAM || in->mnem == X86_M_AAD) {
            v = chance(g, 50) ? 10 : chance(g, 20) ? 0 : rnd(g);
        } else if (w == 1 && in->nops == 2 && in->ops[1].kind == X86_OPK_IMM &&
                   (in->mnem == X86_M_SHL || in->mnem == X86_M_SHR ||
                    in->mnem == X86_M_SAR || in->mnem == X86_M_ROL ||
                    in->mnem == X86_M_ROR || in->mnem == X86_M_RCL ||
                    in->mnem == X86_M_RCR)) {
            v = shift_count_edge(g);
        } else if ((in->mnem == X86_M_SHLD || in->mnem == X86_M_SHRD) && w == 1) {
            v = in->op_size == 2 ? rndn(g, 17) : shift_count_edge(g);
        } else if (in->mnem == X86_M_BT || in->mnem == X86_M_BTS ||
                   in->mnem == X86_M_BTR || in->mnem == X86_M_BTC) {
            v = chance(g, 50) ? rndn(g, 8 * in->op_size) : rnd(g);
        } else {
            v = imm_edge(g, (unsigned)w);
        }
        for (int b = 0; b < w; b++) {
            buf[in->imm_off + b] = (uint8_t)(v >> (8 * b));
        }
    }
    if (ins->rip_disp_at >= 0) {
        uint64_t next = DT_CODE + code_off + (uint32_t)len;
        int64_t disp = (int64_t)(ins->rip_target - next);
        for (int b = 0; b < 4; b++) {
            buf[ins->rip_disp_at + b] = (uint8_t)((uint64_t)disp >> (8 * b));
        }
    }
    if (x86_decode(in, buf, (size_t)len, g->mode) != len) {
        return -1;
    }
    memcpy(ins->d.b, buf, (size_t)len);
    ins->d.len = (uint8_t)len;
    (void)t;
    return 0;
}

/* Setups for implicit operands: string registers, stack, XLAT, flags... */
static int implicit_setups(DtGen *g, const DtTrack *t, Insn *ins,
                           const X86Insn *in)
{
    Build *bd = &ins->bd;
    uint32_t reads, defs, undefs;
    uint16_t want = 0;

#define NEED(r, cond, val)                                                  \
    do {                                                                    \
        if (!(cond)) {                                                      \
            if ((bd->busy | want) & (1u << (r))) {                          \
                return -1;                                                  \
            }                                                               \
            setup_mov(g, bd, r, (uint32_t)(val));                           \
        }                                                                   \
        want |= 1u << (r);                                                  \
    } while (0)

    for (int i = 0; i < in->nops; i++) {
        unsigned ty = in->ops[i].type;
        if (ty == X86_T_X) {
            NEED(R_ESI, known_in(t, R_ESI, SCRATCH(g) + 0x100,
                                 SCRATCH(g) + DT_DATA_SIZE - 0x100),
                 SCRATCH(g) + 0x100 + rndn(g, DT_DATA_SIZE - 0x200));
        }
        if (ty == X86_T_Y) {
            NEED(R_EDI, known_in(t, R_EDI, SCRATCH(g) + 0x100,
                                 SCRATCH(g) + DT_DATA_SIZE - 0x100),
                 SCRATCH(g) + 0x100 + rndn(g, DT_DATA_SIZE - 0x200));
        }
    }
    if (in->mnem == X86_M_MASKMOVQ || in->mnem == X86_M_MASKMOVDQU) {
        NEED(R_EDI, known_in(t, R_EDI, SCRATCH(g), SCRATCH(g) + DT_DATA_SIZE),
             SCRATCH(g) + (rndn(g, DT_DATA_SIZE - 16) & ~(chance(g, 80) ? 15u : 0u)));
    }
    if (in->last_rep && (in->ops[0].type == X86_T_X || in->ops[0].type == X86_T_Y)) {
        NEED(R_ECX, known_in(t, R_ECX, 0, 9), rndn(g, 9));
    }
    switch (in->mnem) {
    case X86_M_PUSH: case X86_M_POP: case X86_M_PUSHF: case X86_M_POPF:
    case X86_M_CALL: case X86_M_PUSHA: case X86_M_ENTER: case X86_M_LEAVE:
        NEED(R_ESP, stack_known(g, t), STACK0(g));
        break;
    case X86_M_XLAT:
        NEED(R_EBX, known_in(t, R_EBX, SCRATCH(g), SCRATCH(g) + DT_DATA_SIZE - 256),
             SCRATCH(g) + rndn(g, DT_DATA_SIZE - 256));
        break;
    default:
        break;
    }
    if (in->mnem == X86_M_LEAVE) {
        uint64_t sp = ((t->k.known >> R_ESP) & 1) && !(want & (1u << R_ESP)) ?
                      t->k.val[R_ESP] : STACK0(g);
        NEED(R_EBP, known_in(t, R_EBP, STACK0(g) - 0x600,
                             STACK0(g) + 0x600), sp - 8 * rndn(g, 8));
    }
    if (in->mnem == X86_M_ENTER && (in->ops[1].imm & 31) > 1) {
        NEED(R_EBP, known_in(t, R_EBP, STACK0(g) - 0x600,
                             STACK0(g) + 0x600), STACK0(g) - 8 * rndn(g, 16));
    }
    if ((in->mnem == X86_M_BT || in->mnem == X86_M_BTS ||
         in->mnem == X86_M_BTR || in->mnem == X86_M_BTC) &&
        in->ops[0].kind == X86_OPK_MEM && in->ops[1].kind == X86_OPK_REG) {
        int r = in->ops[1].reg;
        NEED(r, known_in(t, r, 0, 256), rndn(g, 256));
    }
    if ((in->mnem == X86_M_SHLD || in->mnem == X86_M_SHRD) && in->op_size == 2 &&
        in->ops[2].kind == X86_OPK_REG) {
        NEED(R_ECX, known_in(t, R_ECX, 0, 17), rndn(g, 17));
    }
    dt_flags_of(t, in, &reads, &defs, &undefs);
    if (reads & t->k.undef) {
        setup_cmp(g, bd);
    }
#undef NEED
    return 0;
}

/* ---- sequences ---- */

static void gen_f80(DtGen *g, uint8_t *p)
{
    uint64_t mant, se;

    if (chance(g, 60)) {
        const uint64_t *e = dt_f80_edge[rndn(g, ARRAY_SIZE(dt_f80_edge))];
        mant = e[0];
        se = e[1];
        if (chance(g, 20)) {
            mant += chance(g, 50) ? 1 : (uint64_t)-1;
        }
        if (chance(g, 20)) {
            se ^= 0x8000;
        }
    } else {
        mant = rnd(g) | (chance(g, 90) ? 1ull << 63 : 0);
        se = 0x3fff + (rnd(g) % 160) - 80 + (chance(g, 50) ? 0x8000 : 0);
    }
    st64le(p, mant);
    st16le(p + 8, (uint16_t)se);
}

/*
 * A random x87/MMX/SSE state: edge values in ST(i) and XMM, random
 * precision, rounding and masks in FCW and MXCSR (DAZ and FTZ too),
 * random TOP and tags, sometimes pending exception flags. ES and B follow
 * the flags and masks, as the processor keeps them.
 */
static void gen_fpu_state(DtGen *g, DtFpu *f)
{
    static const uint16_t pc[3] = { 0, 2, 3 };
    uint16_t flags = 0;

    dt_fpu_default(f);
    f->fcw = (uint16_t)(0x40 | (chance(g, 60) ? 0x3f : rnd(g) & 0x3f) |
                        pc[rndn(g, 3)] << 8 | rndn(g, 4) << 10);
    if (chance(g, 25)) {
        flags = (uint16_t)(rnd(g) & 0x7f);
    }
    f->fsw = (uint16_t)(flags | (rnd(g) & 0x4700) | rndn(g, 8) << 11);
    if (flags & ~f->fcw & 0x3f) {
        f->fsw |= 0x8080;
    }
    f->ftw = (uint8_t)(chance(g, 30) ? 0 : chance(g, 30) ? 0xff : rnd(g));
    f->mxcsr = (uint32_t)((chance(g, 60) ? 0x1f80 : rnd(g) & 0x1f80) |
                          rndn(g, 4) << 13 | (chance(g, 30) ? 0x8000 : 0) |
                          (chance(g, 30) ? 0x40 : 0) |
                          (chance(g, 25) ? rnd(g) & 0x3f : 0));
    for (int i = 0; i < 8; i++) {
        gen_f80(g, f->st[i]);
    }
    for (int i = 0; i < 16; i++) {
        st64le(f->xmm[i], dt_fp_edge(&g->rng));
        st64le(f->xmm[i] + 8, dt_fp_edge(&g->rng));
    }
}

static void gen_initial_state(DtGen *g, DtCase *c)
{
    static const uint64_t edge[] = {
        0, 1, ~0ull, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
        0x80000000u, 0xffffffffu, 0x100000000ull, 0x7fffffffffffffffull,
        0x8000000000000000ull,
    };

    for (int r = 0; r < 16; r++) {
        uint64_t v;
        switch (rndn(g, 4)) {
        case 0: v = edge[rndn(g, ARRAY_SIZE(edge))]; break;
        case 1: v = rndn(g, 64); break;
        case 2: v = SCRATCH(g) + rndn(g, DT_DATA_SIZE); break;
        default: v = rnd(g); break;
        }
        c->regs[r] = g->mode == 64 ? v : (uint32_t)v;
    }
    c->regs[R_ESP] = STACK0(g);
    if (g->mode == 16 && chance(g, 50)) {
        /* a 16-bit stack uses SP only: ESP[31:16] must survive */
        c->regs[R_ESP] |= rnd(g) & 0xffff0000u;
    }
    c->rflags = RF_FIXED | RF_IF | (rnd(g) & RF_ARITH) |
                (chance(g, 20) ? RF_DF : 0);
    c->mem_seed = rnd(g);
    c->fill = g->families & ~(1u << DT_FAM_gp) ? 1 : 0;
    gen_fpu_state(g, &c->fpu);
}

static void cover_insn(DtGen *g, int form, const X86Insn *in)
{
    int sz = in->op_size == 2 ? 0 : in->op_size == 4 ? 1 : 2;
    bool mem = false;

    for (int i = 0; i < in->nops; i++) {
        mem |= in->ops[i].kind == X86_OPK_MEM;
        if (in->ops[i].kind == X86_OPK_REG &&
            (in->ops[i].reg_class == X86_RC_GPR8 ||
             in->ops[i].reg_class == X86_RC_GPR8HI) && i == 0) {
            sz = 3;
        }
        if (in->ops[i].kind == X86_OPK_MEM && in->ops[i].size == 1 && i == 0) {
            sz = 3;
        }
    }
    if (form >= 0 && form < g->nforms) {
        g->cover[form][sz][mem]++;
    }
}

void dt_gen_cover(DtGen *g, const DtCase *c)
{
    for (int i = 0; i < c->seq.n; i++) {
        const DtInsn *d = &c->seq.insn[i];
        X86Insn in;
        if (d->form >= 0 && x86_decode(&in, d->b, d->len, c->seq.mode) == d->len) {
            cover_insn(g, d->form, &in);
        }
    }
}

static uint32_t seq_bytes(const DtSeq *s)
{
    uint32_t n = 0;
    for (int i = 0; i < s->n; i++) {
        n += s->insn[i].len;
    }
    return n;
}

/* Appends one checked instruction (plus its setups) or leaves c as it was. */
static int gen_one(DtGen *g, DtCase *c, DtTrack *t)
{
    DtSeq *s = &c->seq;
    DtTrack saved = *t;
    int n0 = s->n;
    int fi = (int)rndn(g, (uint32_t)g->nforms);
    Insn ins;
    X86Insn in;
    uint32_t off;

    if (build_insn(g, t, fi, 0, &ins) < 0) {
        return -1;
    }
    /* first pass: decode at a provisional offset to learn implicit needs */
    off = seq_bytes(s);
    for (int i = 0; i < ins.bd.nsetups; i++) {
        off += ins.bd.setups[i].len;
    }
    if (finish_insn(g, t, &ins, off, &in) < 0 ||
        implicit_setups(g, t, &ins, &in) < 0) {
        return -1;
    }
    if (s->n + ins.bd.nsetups + 1 > DT_MAX_INSNS) {
        return -1;
    }
    off = seq_bytes(s);
    for (int i = 0; i < ins.bd.nsetups; i++) {
        off += ins.bd.setups[i].len;
    }
    if (ins.rip_disp_at >= 0) {
        uint64_t next = DT_CODE + off + ins.d.len;
        int64_t disp = (int64_t)(ins.rip_target - next);
        for (int b = 0; b < 4; b++) {
            ins.d.b[ins.rip_disp_at + b] = (uint8_t)((uint64_t)disp >> (8 * b));
        }
    }
    ins.d.form = fi;
    ins.d.target = -1;
    for (int i = 0; i < ins.bd.nsetups; i++) {
        s->insn[s->n++] = ins.bd.setups[i];
    }
    if (ins.d.rel_size) {
        ins.d.target = (int16_t)(s->n + 1 + rndn(g, 4));
    }
    s->insn[s->n++] = ins.d;
    /* check what was appended */
    off = seq_bytes(s) - 0;
    {
        uint32_t o = 0;
        for (int i = 0; i < n0; i++) {
            o += s->insn[i].len;
        }
        for (int i = n0; i < s->n; i++) {
            X86Insn x;
            const DtInsn *d = &s->insn[i];
            dt_track_at(t, i);
            if (x86_decode(&x, d->b, d->len, s->mode) != d->len ||
                dt_track_step(t, &x, d, i) < 0) {
                goto undo;
            }
            for (int k = 0; k < x.nops; k++) {
                const X86Operand *op = &x.ops[k];
                if (op->kind == X86_OPK_MEM && op->rip_rel &&
                    x.mnem != X86_M_LEA && x.mnem != X86_M_NOP) {
                    uint64_t a = DT_CODE + o + d->len + (uint64_t)op->disp;
                    if (x.addr_size == 4) {
                        a &= 0xffffffffu;
                    }
                    if (a < DT_SCRATCH || a + 16 > DT_SCRATCH + DT_SCRATCH_SIZE) {
                        goto undo;
                    }
                }
            }
            o += d->len;
        }
    }
    (void)off;
    return 0;
undo:
    *t = saved;
    s->n = n0;
    return -1;
}

int dt_gen_case(DtGen *g, DtCase *c, int n)
{
    for (int attempt = 0; attempt < 20; attempt++) {
        DtTrack t;
        uint8_t code[DT_CODE_MAX];
        uint32_t offs[DT_MAX_INSNS + 1];
        const char *why;
        int real = 0, tries = 0;

        memset(c, 0, sizeof(*c));
        c->seq.mode = g->mode;
        gen_initial_state(g, c);
        dt_track_init(&t, c);
        while (real < n && tries < 20 * n && c->seq.n < DT_MAX_INSNS - 8) {
            tries++;
            if (gen_one(g, c, &t) == 0) {
                real++;
            } else {
                g->rejects++;
            }
        }
        for (int i = 0; i < c->seq.n; i++) {
            if (c->seq.insn[i].target > c->seq.n) {
                c->seq.insn[i].target = (int16_t)c->seq.n;
            }
        }
        if (dt_seq_assemble(&c->seq, code, offs) >= 0 &&
            dt_case_check(c, NULL, NULL, &why) == 0) {
            return 0;
        }
        g->rejects++;
    }
    return -1;
}

/* ---- coverage report ---- */

void dt_gen_report(const DtGen *g, FILE *f, bool list_all)
{
    static const char *const sz[4] = { "16", "32", "64", "8" };
    int never = 0, forms_hit = 0;
    uint64_t total = 0;
    char name[96];

    for (int i = 0; i < g->nforms; i++) {
        uint64_t n = 0;
        for (int s = 0; s < 4; s++) {
            n += g->cover[i][s][0] + g->cover[i][s][1];
        }
        total += n;
        forms_hit += n > 0;
        never += n == 0;
    }
    fprintf(f, "coverage (%d-bit): %d of %d forms exercised, %llu "
            "instructions\n", g->mode, forms_hit, g->nforms,
            (unsigned long long)total);
    for (int i = 0; i < g->nforms; i++) {
        uint64_t n = 0;
        for (int s = 0; s < 4; s++) {
            n += g->cover[i][s][0] + g->cover[i][s][1];
        }
        if (n == 0) {
            fprintf(f, "  never: %-6s %s\n", dt_family_name(g->forms[i].family),
                    dt_form_name(&g->forms[i], name, sizeof(name)));
            continue;
        }
        if (!list_all) {
            continue;
        }
        fprintf(f, "  %-6s %-28s", dt_family_name(g->forms[i].family),
                dt_form_name(&g->forms[i], name, sizeof(name)));
        for (int s = 0; s < 4; s++) {
            for (int m = 0; m < 2; m++) {
                if (g->cover[i][s][m]) {
                    fprintf(f, " %s%s:%u", sz[s], m ? "m" : "r",
                            g->cover[i][s][m]);
                }
            }
        }
        fprintf(f, "\n");
    }
    (void)never;
}
