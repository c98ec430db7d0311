/*
 * The human monitor: command lines, help, info, and the x/xp memory
 * dumps. Commands it shares with QMP run the QMP handler.
 */
#include "system/monitor-int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "hw/pci/pci.h"
#include "migration/migration.h"

void hmp_help(Monitor *mon, const char *args);
void hmp_info(Monitor *mon, const char *args);
void hmp_x(Monitor *mon, const char *args);
void hmp_xp(Monitor *mon, const char *args);

void hmp_prompt(Monitor *mon)
{
    if (!mon->capture) {
        monitor_write(mon, "(kite) ", 7);
    }
}

static void hmp_run(Monitor *mon, const char *line)
{
    char name[32];
    const char *args;
    const MonitorCmd *cmd;
    size_t n;

    line += strspn(line, " \t");
    n = strcspn(line, " \t");
    if (n == 0) {
        return;
    }
    snprintf(name, sizeof(name), "%.*s", (int)MIN(n, sizeof(name) - 1), line);
    args = line + n + strspn(line + n, " \t");
    cmd = monitor_find_hmp(!strcmp(name, "?") ? "help" : name);
    if (!cmd || n >= sizeof(name)) {
        monitor_printf(mon, "unknown command: '%s'\n", name);
    } else if (cmd->hmp) {
        cmd->hmp(mon, args);
    } else if (*args) {
        monitor_printf(mon, "%s: takes no arguments\n", name);
    } else {
        QmpError e = { NULL, "" };
        json_t *args_obj = json_object();
        json_t *ret = cmd->qmp(mon, args_obj, &e);
        if (!ret) {
            monitor_printf(mon, "Error: %s\n", e.desc);
        }
        json_decref(ret);
        json_decref(args_obj);
    }
}

void hmp_handle_line(Monitor *mon, const char *line)
{
    hmp_run(mon, line);
    hmp_prompt(mon);
}

char *hmp_run_captured(Monitor *mon, const char *line)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *saved = mon->capture;

    mon->capture = open_memstream(&buf, &len);
    if (!mon->capture) {
        mon->capture = saved;
        return xstrdup("out of memory\n");
    }
    hmp_run(mon, line);
    fclose(mon->capture);
    mon->capture = saved;
    return buf;
}

void hmp_help(Monitor *mon, const char *args)
{
    for (size_t i = 0; i < monitor_ncmds; i++) {
        if (monitor_cmds[i].hmp_name) {
            monitor_printf(mon, "%-18s -- %s\n", monitor_cmds[i].hmp_name,
                           monitor_cmds[i].help);
        }
    }
}

/* Runs fn(f) into a memory stream and prints what it wrote. */
static void hmp_print_stream(Monitor *mon, void (*fn)(Monitor *, FILE *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f) {
        return;
    }
    fn(mon, f);
    fclose(f);
    monitor_write(mon, buf, len);
    free(buf);
}

static void info_status(Monitor *mon, FILE *f)
{
    const char *mig = migration_run_state(mon->m);

    fprintf(f, "VM status: %s\n", mig ? mig : mon->m->vm_stopped ? "paused"
                                                                 : "running");
}

static void info_registers(Monitor *mon, FILE *f)
{
    X86CPUState *st;

    if (!mon->m->vm_stopped) {
        fprintf(f, "(the vCPU is running: the registers are as of its last "
                "exit; 'stop' first for exact values)\n");
    }
    st = monitor_cpu_state(mon->m);
    if (st) {
        x86_cpu_state_dump(st, f);
    }
}

static void info_cpus(Monitor *mon, FILE *f)
{
    monitor_cpu_state(mon->m);           /* up to date when stopped */
    for (int i = 0; i < mon->m->ncpus; i++) {
        fprintf(f, "%c CPU #%d: pc=0x%016llx%s\n", i == 0 ? '*' : ' ', i,
                (unsigned long long)mon->m->cpus[i]->env.rip,
                mon->m->vm_stopped ? " (paused)" : "");
    }
}

static void mtree_as(FILE *f, const AddressSpace *as)
{
    fprintf(f, "address-space: %s\n", as->name);
    for (size_t i = 0; i < as->nmaps; i++) {
        const MemoryMapping *mm = &as->maps[i];
        fprintf(f, "  %016llx-%016llx (prio %d, %s): %s\n",
                (unsigned long long)mm->base,
                (unsigned long long)(mm->base + mm->size - 1), mm->priority,
                mm->mr->kind == MR_RAM ? "ram" :
                mm->mr->kind == MR_ROM ? "rom" : "i/o", mm->mr->name);
    }
}

static void info_mtree(Monitor *mon, FILE *f)
{
    mtree_as(f, &mon->m->mem);
    mtree_as(f, &mon->m->io);
}

static void info_qtree(Monitor *mon, FILE *f)
{
    device_tree_print(mon->m->root, f);
}

static void pci_print(PCIDevice *d, void *opaque)
{
    FILE *f = opaque;
    const uint8_t *c = d->config;

    fprintf(f, "  Bus  0, device %3d, function %d:\n    class %04x: PCI "
            "device %04x:%04x\n", d->devfn >> 3, d->devfn & 7,
            pci_get_word(c + PCI_CLASS_PROG + 1),
            pci_get_word(c + PCI_VENDOR_ID), pci_get_word(c + PCI_DEVICE_ID));
    if (c[PCI_INTERRUPT_LINE] && c[0x3d]) {
        fprintf(f, "      IRQ %d, pin %c\n", c[PCI_INTERRUPT_LINE],
                'A' + c[0x3d] - 1);
    }
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        const PCIBar *b = &d->bars[n];
        uint64_t a = pci_bar_addr(d, n);
        if (b->size) {
            fprintf(f, "      BAR%d: %s at 0x%llx [size 0x%llx]\n", n,
                    (b->type & PCI_BAR_IO) ? "I/O" : "memory",
                    a == PCI_BAR_UNMAPPED ? 0xffffffffull : (unsigned long long)a,
                    (unsigned long long)b->size);
        }
    }
}

static void info_pci(Monitor *mon, FILE *f)
{
    if (mon->m->pci_bus) {
        pci_bus_foreach(mon->m->pci_bus, pci_print, f);
    }
}

static void info_jit(Monitor *mon, FILE *f)
{
    fprintf(f, "accelerator: %s\n", mon->m->accel->name);
    fprintf(f, "translation statistics are not exported by the TCG "
            "accelerator yet\n");
}

static void info_version(Monitor *mon, FILE *f)
{
    fprintf(f, "%s\n", KITE_VERSION);
}

static void info_name(Monitor *mon, FILE *f)
{
    if (mon->m->cfg.name) {
        fprintf(f, "%s\n", mon->m->cfg.name);
    }
}

static void info_kvm(Monitor *mon, FILE *f)
{
    fprintf(f, "kvm support: %s\n", strcmp(mon->m->accel->name, "kvm") ?
            "disabled" : "enabled");
}

static const struct {
    const char *name;
    void (*fn)(Monitor *, FILE *);
} info_cmds[] = {
    { "status", info_status }, { "registers", info_registers },
    { "cpus", info_cpus }, { "mtree", info_mtree }, { "qtree", info_qtree },
    { "pci", info_pci }, { "jit", info_jit }, { "version", info_version },
    { "name", info_name }, { "kvm", info_kvm },
    { "block", hmp_info_block }, { "network", hmp_info_network },
    { "migrate", hmp_info_migrate }, { "snapshots", hmp_info_snapshots },
};

void hmp_info(Monitor *mon, const char *args)
{
    for (size_t i = 0; i < ARRAY_SIZE(info_cmds); i++) {
        if (!strcmp(args, info_cmds[i].name)) {
            hmp_print_stream(mon, info_cmds[i].fn);
            return;
        }
    }
    monitor_printf(mon, "info: unknown item '%s'; one of:", args);
    for (size_t i = 0; i < ARRAY_SIZE(info_cmds); i++) {
        monitor_printf(mon, " %s", info_cmds[i].name);
    }
    monitor_printf(mon, "\n");
}

/* ---- x and xp ---- */

typedef struct DumpFmt {
    unsigned count, size;        /* size: 1, 2, 4, 8 */
    char format;                 /* x d u c */
} DumpFmt;

/* Parses "/NFU ADDR"; -1 on a bad format or address. */
static int dump_parse(const char *args, DumpFmt *f, uint64_t *addr)
{
    char *end;

    *f = (DumpFmt){ 1, 4, 'x' };
    if (*args == '/') {
        args++;
        if (isdigit((unsigned char)*args)) {
            f->count = strtoul(args, &end, 10);
            args = end;
        }
        for (; *args && !isspace((unsigned char)*args); args++) {
            const char *p = strchr("bhwg", *args);
            if (p) {
                f->size = 1u << (p - "bhwg");
            } else if (strchr("xduc", *args)) {
                f->format = *args;
            } else {
                return -1;
            }
        }
        args += strspn(args, " \t");
    }
    if (f->format == 'c') {
        f->size = 1;
    }
    if (!*args || f->count == 0 || f->count > 4096) {
        return -1;
    }
    *addr = strtoull(args, &end, 0);
    return *end ? -1 : 0;
}

static void dump_value(Monitor *mon, const DumpFmt *f, uint64_t v)
{
    switch (f->format) {
    case 'd':
        monitor_printf(mon, " %lld", (long long)(f->size == 8 ? (int64_t)v :
                       f->size == 4 ? (int32_t)v : f->size == 2 ? (int16_t)v :
                       (int8_t)v));
        break;
    case 'u':
        monitor_printf(mon, " %llu", (unsigned long long)v);
        break;
    case 'c':
        monitor_printf(mon, " '%c'", isprint((int)v) ? (int)v : '.');
        break;
    default:
        monitor_printf(mon, " 0x%0*llx", (int)f->size * 2,
                       (unsigned long long)v);
    }
}

/*
 * The guest-physical address of va through vCPU 0's page tables: flat
 * without paging, the 4-level walk in long mode, 32-bit and PAE walks
 * otherwise. -1 if not mapped.
 */
static int64_t hmp_translate(Machine *m, uint64_t va)
{
    X86CPUState *st = monitor_cpu_state(m);
    uint64_t table, e = 0;
    int levels, shift;

    if (!st || !(st->cr0 & CR0_PG)) {
        return st ? (int64_t)va : -1;
    }
    if (!(st->cr4 & CR4_PAE)) {
        uint32_t e32 = 0;
        table = st->cr3 & ~0xfffull;
        for (shift = 22; shift >= 12; shift -= 10) {
            address_space_read(&m->mem, table + ((va >> shift) & 0x3ff) * 4,
                               &e32, 4);
            if (!(e32 & 1)) {
                return -1;
            }
            if (shift == 22 && (e32 & 0x80) && (st->cr4 & CR4_PSE)) {
                return (e32 & 0xffc00000u) | (va & 0x3fffff);
            }
            table = e32 & ~0xfffu;
        }
        return table | (va & 0xfff);
    }
    levels = (st->efer & EFER_LMA) ? 4 : 3;
    table = (st->cr3 & (levels == 4 ? ~0xfffull : ~0x1full));
    for (int l = levels; l >= 1; l--) {
        unsigned idx_bits = (l == 3 && levels == 3) ? 2 : 9;
        shift = 12 + 9 * (l - 1);
        address_space_read(&m->mem, table +
                           ((va >> shift) & ((1u << idx_bits) - 1)) * 8, &e, 8);
        if (!(e & 1)) {
            return -1;
        }
        table = e & 0x000ffffffffff000ull;
        if (l > 1 && l < 4 && (e & 0x80) && !(l == 3 && levels == 3)) {
            return (table & ~((1ull << shift) - 1)) | (va & ((1ull << shift) - 1));
        }
    }
    return table | (va & 0xfff);
}

static void hmp_dump(Monitor *mon, const char *args, bool virt)
{
    DumpFmt f;
    uint64_t addr;

    if (dump_parse(args, &f, &addr) < 0) {
        monitor_printf(mon, "usage: %s /NFU ADDR (N at most 4096, F x|d|u|c, "
                       "U b|h|w|g)\n", virt ? "x" : "xp");
        return;
    }
    for (unsigned i = 0; i < f.count; i++) {
        uint64_t a = addr + (uint64_t)i * f.size, v = 0;
        int64_t pa = virt ? hmp_translate(mon->m, a) : (int64_t)a;
        if (i % (f.format == 'c' ? 16 : 16 / f.size) == 0) {
            monitor_printf(mon, "%s%016llx:", i ? "\n" : "",
                           (unsigned long long)a);
        }
        if (pa < 0) {
            monitor_printf(mon, " (not mapped)\n");
            return;
        }
        address_space_read(&mon->m->mem, (uint64_t)pa, &v, f.size);
        dump_value(mon, &f, v);
    }
    monitor_printf(mon, "\n");
}

void hmp_x(Monitor *mon, const char *args)
{
    hmp_dump(mon, args, true);
}

void hmp_xp(Monitor *mon, const char *args)
{
    hmp_dump(mon, args, false);
}
