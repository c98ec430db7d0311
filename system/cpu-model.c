/*
 * -cpu models and flags (see cpu-model.h).
 *
 * Models, as in QEMU, by name:
 *   max     everything the accelerator provides (TCG: Kite's CPUID model;
 *           KVM: what the host's KVM supports)
 *   host    the host CPU as KVM passes it through: KVM only
 *   qemu64  the accelerator's features limited to QEMU's qemu64 set
 *           (what QEMU's qemu64 lists that the accelerator lacks stays
 *           absent: a model never invents a feature)
 *   kvm64   the same with QEMU's kvm64 set
 */
#include "system/cpu-model.h"

#include <stdlib.h>
#include <string.h>

typedef struct CpuFlag {
    const char *name;
    uint32_t leaf, subleaf;
    uint8_t reg, bit;
} CpuFlag;

static const CpuFlag cpu_flags[] = {
#define X(name, leaf, sub, reg, bit) { name, leaf, sub, reg, bit },
#include "cpu/x86/cpuid-flags.def"
#undef X
};

_Static_assert(ARRAY_SIZE(cpu_flags) <= 64 * CPU_FLAG_WORDS,
               "CpuConfig has room for 64 * CPU_FLAG_WORDS flags");

typedef struct CpuModel {
    const char *name;
    bool kvm_only;
    const char *const *limit;    /* flag names kept; NULL: no limit */
    const char *desc;
} CpuModel;

static const char *const qemu64_flags[] = {
    "fpu", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "sep",
    "mtrr", "pge", "mca", "cmov", "pat", "pse36", "clflush", "mmx", "fxsr",
    "sse", "sse2", "sse3", "cx16", "hypervisor", "lahf_lm", "syscall", "nx",
    "lm", NULL,
};

/* QEMU's kvm64: qemu64 without lahf_lm. */
static const char *const kvm64_flags[] = {
    "fpu", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "sep",
    "mtrr", "pge", "mca", "cmov", "pat", "pse36", "clflush", "mmx", "fxsr",
    "sse", "sse2", "sse3", "cx16", "hypervisor", "syscall", "nx", "lm", NULL,
};

static const CpuModel cpu_models[] = {
    { "max", false, NULL, "all the accelerator provides" },
    { "host", true, NULL, "the host CPU (KVM only)" },
    { "qemu64", false, qemu64_flags,
      "the accelerator's features limited to QEMU's qemu64 set" },
    { "kvm64", false, kvm64_flags,
      "the accelerator's features limited to QEMU's kvm64 set" },
};

static void flag_mark(uint64_t *set, size_t i, bool on)
{
    if (on) {
        set[i / 64] |= 1ull << (i % 64);
    } else {
        set[i / 64] &= ~(1ull << (i % 64));
    }
}

static bool flag_marked(const uint64_t *set, size_t i)
{
    return set[i / 64] >> (i % 64) & 1;
}

static bool flag_same_bit(const CpuFlag *a, const CpuFlag *b)
{
    return a->leaf == b->leaf && a->subleaf == b->subleaf &&
           a->reg == b->reg && a->bit == b->bit;
}

/* Rows naming the same bit as row i (aliases) are set alike. */
static void flag_set(CpuConfig *c, size_t i, bool on)
{
    for (size_t j = 0; j < ARRAY_SIZE(cpu_flags); j++) {
        if (flag_same_bit(&cpu_flags[i], &cpu_flags[j])) {
            flag_mark(c->on, j, on);
            flag_mark(c->off, j, !on);
        }
    }
}

static bool model_keeps(const CpuModel *m, const CpuFlag *f)
{
    if (!m->limit) {
        return true;
    }
    for (const char *const *n = m->limit; *n; n++) {
        for (size_t j = 0; j < ARRAY_SIZE(cpu_flags); j++) {
            if (!strcmp(cpu_flags[j].name, *n) && flag_same_bit(f, &cpu_flags[j])) {
                return true;
            }
        }
    }
    return false;
}

static int cpu_find_flag(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(cpu_flags); i++) {
        if (!strcmp(cpu_flags[i].name, name)) {
            return (int)i;
        }
    }
    return -1;
}

static int cpu_set_model(CpuConfig *c, const char *name, Error *err)
{
    for (size_t i = 0; i < ARRAY_SIZE(cpu_models); i++) {
        if (!strcmp(cpu_models[i].name, name)) {
            c->model = (int)i;
            for (size_t j = 0; j < ARRAY_SIZE(cpu_flags); j++) {
                if (!model_keeps(&cpu_models[i], &cpu_flags[j])) {
                    flag_mark(c->off, j, true);
                }
            }
            return 0;
        }
    }
    return error_setg(err, "unknown CPU model '%s' (try -cpu help)", name);
}

/* "+flag", "-flag", "flag=on|off", "flag" (on), or "enforce". */
static int cpu_parse_item(CpuConfig *c, char *item, Error *err)
{
    bool on = true;
    char *eq = strchr(item, '=');
    int i;

    if (!*item) {
        return error_setg(err, "empty item in the CPU flag list");
    }
    if (!strcmp(item, "enforce")) {
        return 0;                /* Kite always refuses what it lacks */
    }
    if (item[0] == '+' || item[0] == '-') {
        on = item[0] == '+';
        item++;
    } else if (eq) {
        *eq = '\0';
        if (parse_bool(eq + 1, &on) < 0) {
            return error_setg(err, "CPU flag '%s' takes on or off, not '%s'",
                              item, eq + 1);
        }
    }
    i = cpu_find_flag(item);
    if (i < 0) {
        return error_setg(err, "unknown CPU flag '%s' (-cpu help lists them)",
                          item);
    }
    flag_set(c, (size_t)i, on);
    return 0;
}

int cpu_config_parse(CpuConfig *c, const char *arg, Error *err)
{
    char *copy = xstrdup(arg), *p = copy, *comma;
    int ret;

    memset(c, 0, sizeof(*c));
    comma = strchr(p, ',');
    if (comma) {
        *comma = '\0';
    }
    ret = cpu_set_model(c, p, err);
    while (ret == 0 && comma) {
        p = comma + 1;
        comma = strchr(p, ',');
        if (comma) {
            *comma = '\0';
        }
        ret = cpu_parse_item(c, p, err);
    }
    free(copy);
    return ret;
}

void cpu_config_print_help(FILE *f)
{
    fprintf(f, "Available CPUs:\n");
    for (size_t i = 0; i < ARRAY_SIZE(cpu_models); i++) {
        fprintf(f, "  %-8s %s\n", cpu_models[i].name, cpu_models[i].desc);
    }
    fprintf(f, "\nFlags (+flag, -flag, flag=on|off; a flag the accelerator "
            "cannot provide is refused):\n ");
    for (size_t i = 0, col = 1; i < ARRAY_SIZE(cpu_flags); i++) {
        size_t n = strlen(cpu_flags[i].name) + 1;
        if (col + n > 76) {
            fprintf(f, "\n ");
            col = 1;
        }
        fprintf(f, " %s", cpu_flags[i].name);
        col += n;
    }
    fprintf(f, "\n");
}

int cpu_config_check(const CpuConfig *c, const char *accel, CpuidSource *src,
                     void *opaque, Error *err)
{
    const CpuModel *m = &cpu_models[c->model];

    if (m->kvm_only && strcmp(accel, "kvm")) {
        return error_setg(err, "-cpu %s needs KVM (the %s accelerator cannot "
                          "pass the host CPU through; use -cpu max)",
                          m->name, accel);
    }
    for (size_t i = 0; i < ARRAY_SIZE(cpu_flags); i++) {
        const CpuFlag *f = &cpu_flags[i];
        uint32_t regs[4];

        if (!flag_marked(c->on, i)) {
            continue;
        }
        src(opaque, f->leaf, f->subleaf, regs);
        if (!(regs[f->reg] >> f->bit & 1)) {
            return error_setg(err, "-cpu: the %s accelerator cannot provide "
                              "CPU flag '%s'", accel, f->name);
        }
    }
    return 0;
}

/* Leaves whose ECX input selects a subleaf (others ignore ECX). */
static bool cpu_leaf_has_subleaves(uint32_t leaf)
{
    return leaf == 4 || leaf == 7 || leaf == 0xb || leaf == 0xd ||
           leaf == 0x1f;
}

void cpu_config_apply(const CpuConfig *c, uint32_t leaf, uint32_t subleaf,
                      uint32_t out[4])
{
    for (size_t i = 0; i < ARRAY_SIZE(cpu_flags); i++) {
        const CpuFlag *f = &cpu_flags[i];

        if (f->leaf != leaf ||
            (cpu_leaf_has_subleaves(leaf) && f->subleaf != subleaf)) {
            continue;
        }
        if (flag_marked(c->off, i)) {
            out[f->reg] &= ~(1u << f->bit);
        } else if (flag_marked(c->on, i)) {
            out[f->reg] |= 1u << f->bit;
        }
    }
}
