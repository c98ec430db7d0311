/*
 * A generic device fuzzer for the pc machine, in the spirit of QEMU's
 * generic fuzzer: input bytes are a program of guest-visible operations
 * (port I/O, MMIO, guest RAM writes for DMA descriptors, fw_cfg DMA, the
 * CPU's side of the interrupt controllers), plus virtual time, resets and
 * save/load. Shared by the cmocka budget (tests/unit/test-device-fuzz.c)
 * and the libFuzzer target (tests/fuzz/fuzz-devices.c).
 *
 * The harness builds two identical machines, A and B, with every device of
 * the pc machine and no accelerator: memory from machine_init_memory,
 * devices from device_create, the GSI lines wired to the userspace 8259 and
 * I/O APIC as pc.c does, two fake vCPUs that only own local APICs, and a
 * manual virtual clock. Every operation runs on both machines; save/load
 * round trips run on A only. Anything a guest reads (ports, MMIO, RAM,
 * interrupt vectors, MSRs, pending interrupt bits) and the saved state
 * of every device must then be the same on A and B after every
 * operation, which checks that save/load keeps every guest-visible bit.
 *
 * A failed check stops the program with a message in DevFuzz.fail; the
 * sanitizers (ASan/UBSan builds) catch memory errors and undefined
 * behaviour; a timer that keeps re-arming in the past is reported as a
 * timer storm instead of hanging.
 *
 * Program format: a sequence of operations, each an opcode byte followed
 * by its arguments; reading past the end yields zeros and ends the run.
 */
#ifndef KITE_DEVICE_FUZZ_H
#define KITE_DEVICE_FUZZ_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/core/devtypes.h"
#include "hw/ide/ide.h"
#include "hw/input/i8042.h"
#include "hw/intc/intc.h"
#include "hw/pc/fw_cfg.h"
#include "hw/pc/pc.h"

#define DEVFUZZ_RAM         (32 * MiB)
#define DEVFUZZ_CPUS        2
#define DEVFUZZ_MAX_DEVS    32
#define DEVFUZZ_MAX_OPS     4096
#define DEVFUZZ_TIMER_STORM 100000   /* callbacks in one timer run */
#define DEVFUZZ_MAX_TIMERS  64       /* pending timers of one machine */
#define DEVFUZZ_BULK_MAX    300
#define DEVFUZZ_START_NS    1000000000ll
#define DEVFUZZ_RTC_START   "start-time=1700000000"

typedef struct DevFuzzSide {
    Machine *m;
    VCPU cpu[DEVFUZZ_CPUS];
    Device *devs[DEVFUZZ_MAX_DEVS];  /* every device with state, tree order */
    int ndevs;
    char ide_path[2][64], ide_arg[2][128];
} DevFuzzSide;

typedef struct DevFuzz {
    DevFuzzSide a, b;
    const uint8_t *in;
    size_t len, pos;
    bool eof;
    int cur_cpu;                     /* the vCPU whose thread is "us" */
    unsigned ops, round_trips, rejected_loads;
    bool trace;                      /* print each operation to stderr */
    char fail[512];
} DevFuzz;

#define DEVFUZZ_TRACE(f, ...)                   \
    do {                                        \
        if ((f)->trace) {                       \
            fprintf(stderr, __VA_ARGS__);       \
        }                                       \
    } while (0)

/* ------------------------------------------------------------ machine */

static const struct {
    const char *type, *props;
} devfuzz_devices[] = {
    /* as pc_create_devices with the userspace interrupt controllers */
    { "isa-serial", "iobase=0x3f8,irq=4" },
    { "mc146818rtc", DEVFUZZ_RTC_START },
    { "port92", "" },
    { "reset-control", "" },
    { "i8042", "" },
    { "i8259", "" },
    { "ioapic", "" },
    { "i8254", "" },
    { "apic", "cpu=0" },
    { "apic", "cpu=1" },
    /* what -device adds in the tests: a debug exit and a second UART */
    { "isa-debug-exit", "iobase=0xf4,iosize=4" },
    { "isa-serial", "iobase=0x2f8,irq=3,index=1" },
    /* PCI: host bridge (config ports, PAM), PIRQ router, a test function */
    { "i440FX", "" },
    { "PIIX3", "addr=1" },
    { "pci-testdev", "membar=0x100000" },
    { "port80", "" },
    /* IDE: a 64 KiB disk at index 0, a 64 KiB CD at index 2 */
    { "piix3-ide", "addr=1.1" },
};

#define DEVFUZZ_IDE_IMG   (64 * KiB)
#define DEVFUZZ_IDE_BM    0xc000

/*
 * The IDE drives' images: temporary files opened with snapshot=on (so
 * guest writes stay in memory-backed overlays) and unlinked once open.
 */
static int devfuzz_ide_images(DevFuzzSide *side)
{
    uint8_t *data = xmalloc(DEVFUZZ_IDE_IMG);

    for (int i = 0; i < 2; i++) {
        int fd;
        snprintf(side->ide_path[i], sizeof(side->ide_path[i]),
                 "/tmp/kite-devfuzz-XXXXXX");
        fd = mkstemp(side->ide_path[i]);
        for (unsigned o = 0; o < DEVFUZZ_IDE_IMG; o++) {
            data[o] = (uint8_t)(o / 512 + o);
        }
        if (fd < 0 || write(fd, data, DEVFUZZ_IDE_IMG) != DEVFUZZ_IDE_IMG) {
            free(data);
            if (fd >= 0) {
                close(fd);
            }
            return -1;
        }
        close(fd);
        snprintf(side->ide_arg[i], sizeof(side->ide_arg[i]),
                 "file=%s,if=ide,index=%d,media=%s,snapshot=on",
                 side->ide_path[i], i * 2, i ? "cdrom" : "disk");
        side->m->cfg.drive_args[side->m->cfg.ndrive_args++] =
            side->ide_arg[i];
    }
    free(data);
    return 0;
}

/* BAR4 at DEVFUZZ_IDE_BM, I/O and bus mastering on (as firmware does). */
static void devfuzz_ide_enable(Machine *m)
{
    uint32_t addr = 0x80000000u | (PCI_DEVFN(1, 1) << 8);

    address_space_st(&m->io, 0xcf8, addr | 0x20, 4);
    address_space_st(&m->io, 0xcfc, DEVFUZZ_IDE_BM, 4);
    address_space_st(&m->io, 0xcf8, addr | PCI_COMMAND, 4);
    address_space_st(&m->io, 0xcfc, PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);
}

/* Waits for the IDE requests in flight (their completions need the lock). */
static void devfuzz_ide_drain(DevFuzzSide *side)
{
    for (int i = 0; i < side->ndevs; i++) {
        if (side->devs[i]->type == &piix3_ide_type &&
            ((PIIXIDEState *)side->devs[i])->io_started) {
            iothread_drain(&((PIIXIDEState *)side->devs[i])->io);
        }
    }
}

static void devfuzz_collect(Device *d, void *opaque)
{
    DevFuzzSide *side = opaque;

    if (d != side->m->root && side->ndevs < DEVFUZZ_MAX_DEVS) {
        side->devs[side->ndevs++] = d;
    }
}

static int devfuzz_side_init(DevFuzzSide *side, char *msg, size_t msglen)
{
    Machine *m = xzalloc(sizeof(*m));
    Error err = { "" };

    side->m = m;
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->cond, NULL);
    log_init(&m->log);
    m->signal_fd = -1;
    m->cfg.smp = DEVFUZZ_CPUS;
    m->cfg.ram_size = DEVFUZZ_RAM;
    timerlist_init(&m->timers);
    clock_set_manual(&m->timers, DEVFUZZ_START_NS);
    if (machine_init_memory(m, DEVFUZZ_RAM, &err) < 0 ||
        chardev_open(&m->serial_chr, "null", &err) < 0) {
        snprintf(msg, msglen, "machine: %s", err.msg);
        return -1;
    }
    /* Guest errors are formatted (to exercise the messages), then dropped. */
    if (log_set_file(&m->log, "/dev/null", &err) == 0) {
        m->log.mask = LOG_GUEST_ERROR | LOG_UNIMP;
    }
    for (int i = 0; i < DEVFUZZ_CPUS; i++) {
        VCPU *cpu = &side->cpu[i];
        cpu->index = i;
        cpu->machine = m;
        x86_cpu_state_reset(&cpu->env);
        cpu->thread = i == 0 ? pthread_self() : (pthread_t)0;
        m->cpus[m->ncpus++] = cpu;
    }
    for (int i = 0; i < PC_NUM_GSI; i++) {
        m->gsi[i] = (IrqLine){ pc_intc_set_gsi, m, i };
    }
    m->root = device_new(m, &machine_root_type, NULL, "pc");
    m->root->realized = true;
    if (devfuzz_ide_images(side) < 0) {
        snprintf(msg, msglen, "IDE images: %s", strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < ARRAY_SIZE(devfuzz_devices); i++) {
        if (!device_create(m, devfuzz_devices[i].type, m->root,
                           devfuzz_devices[i].props, &err)) {
            snprintf(msg, msglen, "device %s: %s", devfuzz_devices[i].type,
                     err.msg);
            return -1;
        }
    }
    if (!fw_cfg_init(m, &err)) {
        snprintf(msg, msglen, "fw_cfg: %s", err.msg);
        return -1;
    }
    fw_cfg_add_i16(m->fw_cfg, FW_CFG_NOGRAPHIC, 1);
    fw_cfg_add_string(m->fw_cfg, FW_CFG_KERNEL_CMDLINE, "console=ttyS0");
    fw_cfg_add_file(m->fw_cfg, "etc/fuzz", "0123456789abcdef", 16);
    device_foreach(m->root, devfuzz_collect, side);
    for (int i = 0; i < 2; i++) {
        unlink(side->ide_path[i]);   /* open (snapshot=on): not needed */
        side->ide_path[i][0] = '\0';
    }
    devfuzz_ide_enable(m);
    return 0;
}

static void devfuzz_side_free(DevFuzzSide *side)
{
    Machine *m = side->m;

    if (!m) {
        return;
    }
    if (m->root) {
        device_destroy(m->root);
    }
    for (int i = 0; i < 2; i++) {
        if (side->ide_path[i][0]) {
            unlink(side->ide_path[i]);
        }
    }
    chardev_close(&m->serial_chr);
    machine_destroy_memory(m);
    log_close(&m->log);
    pthread_cond_destroy(&m->cond);
    pthread_mutex_destroy(&m->lock);
    free(m);
    side->m = NULL;
}

/* ------------------------------------------------------------- checks */

static bool devfuzz_failf(DevFuzz *f, const char *fmt, ...) PRINTF_FMT(2, 3);

static bool devfuzz_failf(DevFuzz *f, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (f->fail[0]) {
        return false;
    }
    n = snprintf(f->fail, sizeof(f->fail), "op %u: ", f->ops);
    va_start(ap, fmt);
    vsnprintf(f->fail + n, sizeof(f->fail) - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

/* The pending-timer list is sorted, finite and consistent. */
static bool devfuzz_check_timers(DevFuzz *f, const char *side, TimerList *tl)
{
    int n = 0;

    for (Timer *t = tl->head; t; t = t->next) {
        if (++n > DEVFUZZ_MAX_TIMERS) {
            return devfuzz_failf(f, "%s: timer list loops or grew past %d",
                                 side, DEVFUZZ_MAX_TIMERS);
        }
        if (!t->pending || t->tl != tl) {
            return devfuzz_failf(f, "%s: timer %p on the list but not "
                                 "pending on it", side, (void *)t);
        }
        if (t->next && t->next->expire_ns < t->expire_ns) {
            return devfuzz_failf(f, "%s: timer list out of order", side);
        }
    }
    return true;
}

/*
 * Runs due timers like timerlist_run, but counts callbacks so that a timer
 * re-arming itself in the past is reported instead of hanging.
 */
static bool devfuzz_run_timers(DevFuzz *f, const char *side, TimerList *tl)
{
    int64_t now = clock_ns(tl);

    for (int n = 0; tl->head && tl->head->expire_ns <= now; n++) {
        Timer *t = tl->head;
        if (n >= DEVFUZZ_TIMER_STORM) {
            return devfuzz_failf(f, "%s: timer storm (%d callbacks at %lld ns)",
                                 side, n, (long long)now);
        }
        tl->head = t->next;
        t->pending = false;
        t->next = NULL;
        t->cb(t->opaque);
    }
    return devfuzz_check_timers(f, side, tl);
}

/* What pc.c's main loop does with device requests (no accelerator here). */
static void devfuzz_handle_requests(Machine *m)
{
    unsigned req = atomic_exchange(&m->requests, 0);

    if (req & MACHINE_REQ_RESET) {
        device_reset_tree(m->root);
        m->a20_enabled = true;
    }
    for (int i = 0; i < m->ncpus; i++) {
        atomic_fetch_and(&m->cpus[i]->interrupt_request,
                         ~(unsigned)CPU_INTERRUPT_EXIT);
        atomic_store(&m->cpus[i]->exit_request, false);
    }
    /* as a vCPU would: finish deferred device work (fw_cfg DMA) first */
    machine_run_work(m);
}

static bool devfuzz_same(DevFuzz *f, const char *what, uint64_t va,
                         uint64_t vb)
{
    if (va != vb) {
        return devfuzz_failf(f, "%s: 0x%llx after save/load, 0x%llx without",
                             what, (unsigned long long)va,
                             (unsigned long long)vb);
    }
    return true;
}

static void devfuzz_describe_diff(const SaveBuf *x, const SaveBuf *y,
                                  char *out, size_t outlen);

/* Both machines' saved states are the same. */
static bool devfuzz_same_state(DevFuzz *f)
{
    SaveBuf x, y;
    char why[160];
    bool same;

    savebuf_init(&x);
    savebuf_init(&y);
    device_tree_save(f->a.m->root, &x);
    device_tree_save(f->b.m->root, &y);
    same = x.len == y.len && !memcmp(x.data, y.data, x.len);
    if (!same) {
        devfuzz_describe_diff(&x, &y, why, sizeof(why));
        devfuzz_failf(f, "state after save/load differs: %s", why);
    }
    savebuf_free(&x);
    savebuf_free(&y);
    return same;
}

/* State both machines must agree on after every operation. */
static bool devfuzz_compare(DevFuzz *f)
{
    Machine *ma = f->a.m, *mb = f->b.m;

    for (int i = 0; i < DEVFUZZ_CPUS; i++) {
        if (!devfuzz_same(f, "interrupt_request",
                          atomic_load(&f->a.cpu[i].interrupt_request),
                          atomic_load(&f->b.cpu[i].interrupt_request))) {
            return false;
        }
    }
    if (!devfuzz_same(f, "a20", ma->a20_enabled, mb->a20_enabled) ||
        !devfuzz_same(f, "exit status", (uint64_t)ma->exit_status,
                      (uint64_t)mb->exit_status)) {
        return false;
    }
    return devfuzz_check_timers(f, "A", &ma->timers) &&
           devfuzz_check_timers(f, "B", &mb->timers) &&
           devfuzz_same_state(f);
}

/* ------------------------------------------------------------ input */

static uint8_t devfuzz_u8(DevFuzz *f)
{
    if (f->pos >= f->len) {
        f->eof = true;
        return 0;
    }
    return f->in[f->pos++];
}

static uint64_t devfuzz_bytes(DevFuzz *f, unsigned n)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < n; i++) {
        v |= (uint64_t)devfuzz_u8(f) << (8 * i);
    }
    return v;
}

/* A value of n bytes, biased toward the ones devices treat specially. */
static uint64_t devfuzz_value(DevFuzz *f, unsigned n)
{
    uint64_t mask = n >= 8 ? ~0ull : (1ull << (8 * n)) - 1;
    uint8_t sel = devfuzz_u8(f);

    switch (sel & 7) {
    case 0: return 0;
    case 1: return mask;
    case 2: return (uint64_t)1 << (devfuzz_u8(f) % (8 * n));
    case 3: return devfuzz_u8(f);
    case 4: return mask >> 1;
    default: return devfuzz_bytes(f, n) & mask;
    }
}

/* Port ranges the pc machine maps (the fuzzer aims at them). */
static const struct {
    uint16_t base, len;
} devfuzz_ports[] = {
    { 0x20, 2 }, { 0xa0, 2 }, { 0x4d0, 2 },        /* 8259, ELCR */
    { 0x40, 4 }, { 0x61, 1 },                      /* 8254, port B */
    { 0x60, 1 }, { 0x64, 1 },                      /* i8042 */
    { 0x70, 2 },                                   /* RTC */
    { 0x92, 1 }, { 0xcf9, 1 },                     /* resets */
    { 0x3f8, 8 }, { 0x2f8, 8 },                    /* UARTs */
    { 0x510, 2 }, { 0x514, 8 },                    /* fw_cfg */
    { 0xf4, 4 },                                   /* debug exit */
    { 0xcf8, 8 }, { 0xcf8, 8 }, { 0x80, 1 },       /* PCI config, POST */
};

/* The IDE function's ports: both channels and the bus master. */
static const struct {
    uint16_t base, len;
} devfuzz_ide_ports[] = {
    { 0x1f0, 8 }, { 0x1f0, 8 }, { 0x3f6, 1 }, { 0x170, 8 }, { 0x170, 8 },
    { 0x376, 1 }, { DEVFUZZ_IDE_BM, 16 },
};

static uint16_t devfuzz_port(DevFuzz *f)
{
    uint8_t sel = devfuzz_u8(f);

    if (sel >= 0xf0) {
        return (uint16_t)devfuzz_bytes(f, 2);
    }
    if (sel >= 0xd0) {
        unsigned r = sel % ARRAY_SIZE(devfuzz_ide_ports);
        return (uint16_t)(devfuzz_ide_ports[r].base +
                          devfuzz_u8(f) % devfuzz_ide_ports[r].len);
    }
    unsigned r = sel % ARRAY_SIZE(devfuzz_ports);
    /* one port either side of the range too */
    unsigned off = devfuzz_u8(f) % (devfuzz_ports[r].len + 2u);
    return (uint16_t)(devfuzz_ports[r].base + off - 1);
}

static unsigned devfuzz_size(DevFuzz *f, unsigned max_log2)
{
    return 1u << (devfuzz_u8(f) % (max_log2 + 1));
}

/* A guest-physical address: device pages, RAM and its edges, anything. */
static uint64_t devfuzz_addr(DevFuzz *f)
{
    uint8_t sel = devfuzz_u8(f);
    uint64_t off = devfuzz_bytes(f, 2);

    switch (sel % 10) {
    case 0:
    case 1:
        return IOAPIC_DEFAULT_BASE + (off & 0xfff);
    case 2:
    case 3:
        return APIC_DEFAULT_BASE + (off & 0xfff);
    case 4:
        return off & 0xffff;                       /* low RAM */
    case 5:
        return DEVFUZZ_RAM - 0x100 + (off & 0x1ff); /* end of RAM */
    case 6:
        return 0xa0000 - 0x100 + (off & 0x1ff);    /* the legacy hole */
    case 7:
        return IOAPIC_DEFAULT_BASE - 8 + (off & 0xf); /* page edges */
    case 8:
        return (devfuzz_bytes(f, 4) << 12) | (off & 0xfff);
    default:
        return devfuzz_bytes(f, 8);
    }
}

/* ------------------------------------------------------- operations */

enum {
    OP_PIO_WRITE, OP_PIO_READ, OP_MMIO_WRITE, OP_MMIO_READ, OP_RAM_WRITE,
    OP_BULK, OP_FWCFG_DMA, OP_CLOCK, OP_RESET, OP_SAVE_LOAD, OP_LOAD_DEVICE,
    OP_LOAD_TREE, OP_CPU, OP_GSI, OP_HOST_INPUT, OP_SWITCH_CPU, OP_COUNT,
};

/* Opcode byte -> operation; guest I/O gets most of the weight. */
static const uint8_t devfuzz_op_table[32] = {
    OP_PIO_WRITE, OP_PIO_WRITE, OP_PIO_WRITE, OP_PIO_WRITE, OP_PIO_WRITE,
    OP_PIO_WRITE, OP_PIO_READ, OP_PIO_READ, OP_PIO_READ, OP_PIO_READ,
    OP_MMIO_WRITE, OP_MMIO_WRITE, OP_MMIO_WRITE, OP_MMIO_READ, OP_MMIO_READ,
    OP_RAM_WRITE, OP_BULK, OP_FWCFG_DMA, OP_FWCFG_DMA, OP_CLOCK, OP_CLOCK,
    OP_CLOCK, OP_RESET, OP_SAVE_LOAD, OP_SAVE_LOAD, OP_LOAD_DEVICE,
    OP_LOAD_TREE, OP_CPU, OP_CPU, OP_GSI, OP_HOST_INPUT, OP_SWITCH_CPU,
};

static bool devfuzz_pio(DevFuzz *f, bool write)
{
    uint16_t port = devfuzz_port(f);
    unsigned size = devfuzz_size(f, 2);
    bool kvm_path = devfuzz_u8(f) & 1;    /* address_space_access vs ld/st */
    uint64_t val = write ? devfuzz_value(f, size) : 0;
    uint64_t got[2] = { 0, 0 };
    Machine *ms[2] = { f->a.m, f->b.m };

    DEVFUZZ_TRACE(f, "%u: %s%u port 0x%x val 0x%llx%s\n", f->ops,
                  write ? "out" : "in", size, port, (unsigned long long)val,
                  kvm_path ? " (kvm)" : "");
    for (int i = 0; i < 2; i++) {
        AddressSpace *io = &ms[i]->io;
        if (write && kvm_path) {
            address_space_access(io, port, &val, size, true);
        } else if (write) {
            address_space_st(io, port, val, size);
        } else if (kvm_path) {
            address_space_access(io, port, &got[i], size, false);
        } else {
            got[i] = address_space_ld(io, port, size);
        }
    }
    if (write) {
        return true;
    }
    char what[48];
    snprintf(what, sizeof(what), "in%c 0x%x", "bw?l"[size - 1], port);
    return devfuzz_same(f, what, got[0], got[1]);
}

static bool devfuzz_mmio(DevFuzz *f, bool write)
{
    uint64_t addr = devfuzz_addr(f);
    unsigned size = devfuzz_size(f, 3);
    uint64_t val = write ? devfuzz_value(f, size) : 0;
    uint64_t got[2];
    Machine *ms[2] = { f->a.m, f->b.m };

    DEVFUZZ_TRACE(f, "%u: mmio %s%u 0x%llx val 0x%llx\n", f->ops,
                  write ? "write" : "read", size, (unsigned long long)addr,
                  (unsigned long long)val);
    for (int i = 0; i < 2; i++) {
        if (write) {
            address_space_st(&ms[i]->mem, addr, val, size);
        } else {
            got[i] = address_space_ld(&ms[i]->mem, addr, size);
        }
    }
    if (write) {
        return true;
    }
    char what[48];
    snprintf(what, sizeof(what), "read%u 0x%llx", size,
             (unsigned long long)addr);
    return devfuzz_same(f, what, got[0], got[1]);
}

static bool devfuzz_ram_write(DevFuzz *f)
{
    uint64_t addr = devfuzz_addr(f);
    uint8_t buf[32];
    unsigned n = devfuzz_u8(f) % sizeof(buf) + 1;

    for (unsigned i = 0; i < n; i++) {
        buf[i] = devfuzz_u8(f);
    }
    address_space_write(&f->a.m->mem, addr, buf, n);
    address_space_write(&f->b.m->mem, addr, buf, n);
    return true;
}

/* A multi-byte access, split by the memory core (DMA-like). */
static bool devfuzz_bulk(DevFuzz *f)
{
    uint64_t addr = devfuzz_addr(f);
    unsigned n = devfuzz_bytes(f, 2) % DEVFUZZ_BULK_MAX + 1;
    bool write = devfuzz_u8(f) & 1;
    uint8_t buf[2][DEVFUZZ_BULK_MAX];
    int ret[2];
    Machine *ms[2] = { f->a.m, f->b.m };

    for (unsigned i = 0; i < n; i++) {
        buf[0][i] = buf[1][i] = devfuzz_u8(f);
    }
    for (int i = 0; i < 2; i++) {
        ret[i] = address_space_rw(&ms[i]->mem, addr, buf[i], n, write);
    }
    if (!devfuzz_same(f, "bulk access result", (uint64_t)ret[0],
                      (uint64_t)ret[1])) {
        return false;
    }
    if (memcmp(buf[0], buf[1], n)) {
        return devfuzz_failf(f, "bulk read at 0x%llx differs",
                             (unsigned long long)addr);
    }
    return true;
}

/* Writes a FWCfgDmaAccess into guest memory and starts it. */
static bool devfuzz_fwcfg_dma(DevFuzz *f)
{
    static const uint32_t lengths[] = { 0, 1, 4, 16, 4095, 4096, 4097,
                                        0x10000, 0x7fffffff, 0xffffffff };
    uint64_t desc = devfuzz_addr(f), dest = devfuzz_addr(f);
    uint32_t control = (uint32_t)devfuzz_bytes(f, 2) << 16 |
                       (devfuzz_u8(f) & 0x1f);
    uint8_t lsel = devfuzz_u8(f);
    uint32_t length = lsel < 0xc0 ? lengths[lsel % ARRAY_SIZE(lengths)]
                                  : (uint32_t)devfuzz_bytes(f, 4);
    uint8_t how = devfuzz_u8(f) % 4;
    uint8_t d[16];
    Machine *ms[2] = { f->a.m, f->b.m };

    if (control & FW_CFG_DMA_CTL_SELECT && !(devfuzz_u8(f) & 3)) {
        control = (control & 0xffff) | (uint32_t)FW_CFG_FILE_DIR << 16;
    }
    st32be(d, control);
    st32be(d + 4, length);
    st64be(d + 8, dest);
    for (int i = 0; i < 2; i++) {
        AddressSpace *io = &ms[i]->io;
        if (how != 3) {
            address_space_write(&ms[i]->mem, desc, d, sizeof(d));
        }
        switch (how) {
        case 0:
        case 3:
            address_space_st(io, FW_CFG_DMA_IO_BASE,
                             __builtin_bswap32((uint32_t)(desc >> 32)), 4);
            address_space_st(io, FW_CFG_DMA_IO_BASE + 4,
                             __builtin_bswap32((uint32_t)desc), 4);
            break;
        case 1:
            address_space_st(io, FW_CFG_DMA_IO_BASE,
                             __builtin_bswap64(desc), 8);
            break;
        default:                 /* only the low half: high half stale */
            address_space_st(io, FW_CFG_DMA_IO_BASE + 4,
                             __builtin_bswap32((uint32_t)desc), 4);
            break;
        }
    }
    uint8_t res[2][16];
    for (int i = 0; i < 2; i++) {
        address_space_read(&ms[i]->mem, desc, res[i], sizeof(res[i]));
    }
    if (memcmp(res[0], res[1], sizeof(res[0]))) {
        return devfuzz_failf(f, "fw_cfg DMA status differs");
    }
    return true;
}

static bool devfuzz_clock(DevFuzz *f)
{
    unsigned shift = devfuzz_u8(f) % 41;
    int64_t ns = (int64_t)(devfuzz_bytes(f, 2) + 1) << shift;

    ns = MIN(ns, (int64_t)1 << 42);              /* at most ~73 minutes */
    DEVFUZZ_TRACE(f, "%u: clock +%lld ns\n", f->ops, (long long)ns);
    clock_advance(&f->a.m->timers, ns);
    clock_advance(&f->b.m->timers, ns);
    return devfuzz_run_timers(f, "A", &f->a.m->timers) &&
           devfuzz_run_timers(f, "B", &f->b.m->timers);
}

static bool devfuzz_reset(DevFuzz *f)
{
    uint8_t sel = devfuzz_u8(f);
    DevFuzzSide *sides[2] = { &f->a, &f->b };

    for (int i = 0; i < 2; i++) {
        DevFuzzSide *s = sides[i];
        if (sel < 0x40) {
            device_reset_tree(s->m->root);
            s->m->a20_enabled = true;
        } else {
            Device *d = s->devs[sel % s->ndevs];
            if (d->type->reset) {
                d->type->reset(d);
            }
        }
    }
    return true;
}

/* Loads A's own save into machine m (A or B); false if that fails. */
static bool devfuzz_copy_a(DevFuzz *f, Machine *m)
{
    SaveBuf s, r;
    Error err = { "" };
    int ret;

    savebuf_init(&s);
    device_tree_save(f->a.m->root, &s);
    savebuf_init_read(&r, s.data, s.len);
    ret = device_tree_load(m->root, &r, &err);
    savebuf_free(&s);
    if (ret < 0) {
        return devfuzz_failf(f, "a state that A accepted and saved does not "
                             "load: %s", err.msg);
    }
    return true;
}

/*
 * After A accepted a corrupted stream: one round trip lets the devices
 * that drive interrupt lines re-drive them over levels the stream made up
 * (the receivers saved them), then B takes A's state.
 */
static bool devfuzz_sync_b(DevFuzz *f)
{
    return devfuzz_copy_a(f, f->a.m) && devfuzz_copy_a(f, f->b.m);
}

/* Names the device section where two tree streams first differ. */
static void devfuzz_describe_diff(const SaveBuf *x, const SaveBuf *y,
                                  char *out, size_t outlen)
{
    size_t pos = 0, n = MIN(x->len, y->len), at = 0;

    while (at < n && x->data[at] == y->data[at]) {
        at++;
    }
    snprintf(out, outlen, "streams of %zu and %zu bytes differ at %zu",
             x->len, y->len, at);
    while (pos + 3 <= x->len && x->data[pos] == 1) {
        size_t nl = ld16le(x->data + pos + 1), start, plen;
        if (pos + 3 + nl + 4 > x->len) {
            break;
        }
        plen = ld32le(x->data + pos + 3 + nl);
        start = pos + 3 + nl + 4;
        if (at < start + plen) {
            snprintf(out, outlen, "%.*s: payload byte %zd: 0x%02x then 0x%02x",
                     (int)nl, (const char *)x->data + pos + 3,
                     (ssize_t)at - (ssize_t)start, at < x->len ? x->data[at] : 0,
                     at < y->len ? y->data[at] : 0);
            return;
        }
        pos = start + plen;
    }
}

/* save -> load -> save on A: the load succeeds and the streams match. */
static bool devfuzz_save_load(DevFuzz *f)
{
    SaveBuf s1, s2, r;
    Error err = { "" };
    bool ok = true;

    savebuf_init(&s1);
    savebuf_init(&s2);
    device_tree_save(f->a.m->root, &s1);
    savebuf_init_read(&r, s1.data, s1.len);
    if (device_tree_load(f->a.m->root, &r, &err) < 0) {
        ok = devfuzz_failf(f, "round trip: load of a fresh save failed: %s",
                           err.msg);
    } else if (r.pos != r.len) {
        ok = devfuzz_failf(f, "round trip: load left %zu bytes unread",
                           r.len - r.pos);
    } else {
        device_tree_save(f->a.m->root, &s2);
        if (s1.len != s2.len || memcmp(s1.data, s2.data, s1.len)) {
            char why[160];
            devfuzz_describe_diff(&s1, &s2, why, sizeof(why));
            ok = devfuzz_failf(f, "round trip: state changed by save/load: %s",
                               why);
        }
    }
    f->round_trips++;
    savebuf_free(&s1);
    savebuf_free(&s2);
    return ok;
}

/* Flips, overwrites, or truncates a stream as the input says. */
static size_t devfuzz_corrupt(DevFuzz *f, uint8_t *data, size_t len)
{
    unsigned n = devfuzz_u8(f) % 4 + 1;

    if (!len) {
        return 0;
    }
    for (unsigned i = 0; i < n; i++) {
        uint8_t how = devfuzz_u8(f);
        size_t at = (size_t)devfuzz_bytes(f, 2) % len;
        switch (how % 4) {
        case 0: data[at] ^= (uint8_t)(1u << (how >> 5)); break;
        case 1: data[at] = devfuzz_u8(f); break;
        case 2: data[at] = how & 0x80 ? 0xff : 0x00; break;
        default: len = at; return len;              /* truncate */
        }
    }
    return len;
}

/*
 * A corrupted stream for one device of A: either rejected with a message
 * and the device unchanged, or accepted (then B takes A's state).
 */
static bool devfuzz_load_device(DevFuzz *f)
{
    Device *d = f->a.devs[devfuzz_u8(f) % f->a.ndevs];
    SaveBuf orig, again, r;
    Error err = { "" };
    uint8_t *copy;
    size_t len;
    bool ok = true;

    if (!d->type->save || !d->type->load) {
        return true;
    }
    savebuf_init(&orig);
    savebuf_init(&again);
    d->type->save(d, &orig);
    copy = xmalloc(orig.len + 1);
    memcpy(copy, orig.data, orig.len);
    len = devfuzz_corrupt(f, copy, orig.len);
    savebuf_init_read(&r, copy, len);
    int ret = d->type->load(d, &r, &err);
    DEVFUZZ_TRACE(f, "%u: load %s: %s\n", f->ops, d->type->name,
                  ret < 0 || r.error ? err.msg : "accepted");
    if (ret < 0 || r.error) {
        f->rejected_loads++;
        d->type->save(d, &again);
        if (!err.msg[0] && !r.error) {
            ok = devfuzz_failf(f, "%s: load failed without a message",
                               d->type->name);
        } else if (again.len != orig.len ||
                   memcmp(again.data, orig.data, orig.len)) {
            ok = devfuzz_failf(f, "%s: a rejected load changed the device "
                               "(%s)", d->type->name, err.msg);
        }
    } else {
        if (d->type->post_load) {
            d->type->post_load(d);
        }
        ok = devfuzz_sync_b(f);
    }
    free(copy);
    savebuf_free(&orig);
    savebuf_free(&again);
    return ok;
}

/* A corrupted or truncated stream for the whole tree of A. */
static bool devfuzz_load_tree(DevFuzz *f)
{
    SaveBuf s, r;
    Error err = { "" };
    size_t len;
    int ret;
    bool ok = true;

    savebuf_init(&s);
    device_tree_save(f->a.m->root, &s);
    len = devfuzz_corrupt(f, s.data, s.len);
    savebuf_init_read(&r, s.data, len);
    ret = device_tree_load(f->a.m->root, &r, &err);
    if (ret < 0) {
        f->rejected_loads++;
        if (!err.msg[0]) {
            ok = devfuzz_failf(f, "tree load failed without a message");
        }
    }
    savebuf_free(&s);
    /* Devices before the bad one took their (valid) part of the stream. */
    return ok && devfuzz_sync_b(f);
}

/* The CPU's side: INTA, CR8, the APIC MSRs, INIT, NMI/SIPI taken. */
static bool devfuzz_cpu(DevFuzz *f)
{
    static const uint32_t msrs[] = { MSR_IA32_APICBASE, MSR_IA32_TSC_DEADLINE };
    uint8_t sub = devfuzz_u8(f) % 8;
    uint8_t msel = devfuzz_u8(f);
    uint32_t msr = msel < 0x20 ? msrs[msel & 1] : 0x800 + msel;
    uint64_t val = devfuzz_value(f, 8), got[2] = { 0, 0 }, rd;
    DevFuzzSide *sides[2] = { &f->a, &f->b };

    if (sub == 2 && msr == MSR_IA32_APICBASE && (msel & 2)) {
        /* plausible bases: enable/x2APIC bits on a real page */
        val = (APIC_DEFAULT_BASE + ((val & 0xf) << 12)) | (val & 0xd00);
    }
    for (int i = 0; i < 2; i++) {
        VCPU *cpu = &sides[i]->cpu[f->cur_cpu];
        APICState *s = apic_of_cpu(cpu);
        switch (sub) {
        case 0: got[i] = (uint64_t)pc_cpu_get_interrupt(cpu); break;
        case 1: apic_set_tpr(s, (uint8_t)val); got[i] = apic_get_tpr(s); break;
        case 2: got[i] = (uint64_t)apic_msr_write(s, msr, val); break;
        case 3:
            got[i] = (uint64_t)apic_msr_read(s, msr, &rd);
            got[i] ^= rd << 1;
            break;
        case 4:
            x86_cpu_state_reset(&cpu->env);
            apic_init_reset(s);
            break;
        case 5:
            atomic_fetch_and(&cpu->interrupt_request,
                             ~(unsigned)(CPU_INTERRUPT_NMI | CPU_INTERRUPT_INIT |
                                         CPU_INTERRUPT_SIPI));
            got[i] = apic_sipi_vector(s);
            break;
        case 6: got[i] = (uint64_t)apic_set_base(s, val); break;
        default:
            got[i] = apic_has_interrupt(s) | apic_accepts_pic(s) << 1 |
                     (uint64_t)apic_get_base(s) << 2;
            break;
        }
    }
    char what[48];
    snprintf(what, sizeof(what), "cpu op %u msr 0x%x", sub, msr);
    return devfuzz_same(f, what, got[0], got[1]);
}

/*
 * Another device (not modelled here) drives a GSI. Only lines no device of
 * the machine drives: 0 (PIT), 1 and 12 (i8042), 2 (the 8259 cascade and
 * the PIT's IOAPIC pin), 3 and 4 (UARTs) and 8 (RTC) are left alone.
 */
static bool devfuzz_gsi(DevFuzz *f)
{
    /* 14 and 15 belong to the IDE channels */
    static const uint8_t free_gsis[] = { 5, 6, 7, 9, 10, 11, 13, 16, 17, 18,
                                         19, 20, 21, 22, 23 };
    uint8_t b = devfuzz_u8(f);
    int gsi = free_gsis[b % ARRAY_SIZE(free_gsis)], level = (b >> 7) & 1;

    irq_set(&f->a.m->gsi[gsi], level);
    irq_set(&f->b.m->gsi[gsi], level);
    return true;
}

/* The host side: serial input, keys, mouse bytes. */
static bool devfuzz_host_input(DevFuzz *f)
{
    uint8_t sel = devfuzz_u8(f), buf[8];
    unsigned n = sel % sizeof(buf) + 1;
    DevFuzzSide *sides[2] = { &f->a, &f->b };

    for (unsigned i = 0; i < n; i++) {
        buf[i] = devfuzz_u8(f);
    }
    for (int i = 0; i < 2; i++) {
        Machine *m = sides[i]->m;
        Device *kbd = device_find_child(m->root, "i8042");
        switch ((sel >> 3) % 3) {
        case 0:
            chardev_feed(&m->serial_chr, buf, n);
            break;
        case 1:
            for (unsigned j = 0; j < n; j++) {
                i8042_put_kbd(kbd, buf[j]);
            }
            break;
        default:
            for (unsigned j = 0; j < n; j++) {
                i8042_put_aux(kbd, buf[j]);
            }
            break;
        }
    }
    return true;
}

static bool devfuzz_switch_cpu(DevFuzz *f)
{
    DevFuzzSide *sides[2] = { &f->a, &f->b };

    f->cur_cpu = devfuzz_u8(f) % DEVFUZZ_CPUS;
    for (int i = 0; i < 2; i++) {
        for (int c = 0; c < DEVFUZZ_CPUS; c++) {
            sides[i]->cpu[c].thread = c == f->cur_cpu ? pthread_self()
                                                      : (pthread_t)0;
        }
    }
    return true;
}

static bool devfuzz_step(DevFuzz *f)
{
    static const char *const names[OP_COUNT] = {
        "pio write", "pio read", "mmio write", "mmio read", "ram write",
        "bulk", "fw_cfg dma", "clock", "reset", "save/load", "load device",
        "load tree", "cpu", "gsi", "host input", "switch cpu",
    };
    uint8_t op = devfuzz_op_table[devfuzz_u8(f) % 32];

    DEVFUZZ_TRACE(f, "%u: [%s] at input byte %zu\n", f->ops, names[op],
                  f->pos - 1);
    switch (op) {
    case OP_PIO_WRITE: return devfuzz_pio(f, true);
    case OP_PIO_READ: return devfuzz_pio(f, false);
    case OP_MMIO_WRITE: return devfuzz_mmio(f, true);
    case OP_MMIO_READ: return devfuzz_mmio(f, false);
    case OP_RAM_WRITE: return devfuzz_ram_write(f);
    case OP_BULK: return devfuzz_bulk(f);
    case OP_FWCFG_DMA: return devfuzz_fwcfg_dma(f);
    case OP_CLOCK: return devfuzz_clock(f);
    case OP_RESET: return devfuzz_reset(f);
    case OP_SAVE_LOAD: return devfuzz_save_load(f);
    case OP_LOAD_DEVICE: return devfuzz_load_device(f);
    case OP_LOAD_TREE: return devfuzz_load_tree(f);
    case OP_CPU: return devfuzz_cpu(f);
    case OP_GSI: return devfuzz_gsi(f);
    case OP_HOST_INPUT: return devfuzz_host_input(f);
    default: return devfuzz_switch_cpu(f);
    }
}

/* ------------------------------------------------------------ entry */

/*
 * Runs one program. Returns 0, or -1 with the reason in f->fail (set up
 * failures included). f is cleaned up either way.
 */
static inline int devfuzz_run(DevFuzz *f, const uint8_t *data, size_t len)
{
    int ret = 0;

    bool trace = f->trace;

    memset(f, 0, sizeof(*f));
    f->trace = trace;
    f->in = data;
    f->len = len;
    if (devfuzz_side_init(&f->a, f->fail, sizeof(f->fail)) < 0 ||
        devfuzz_side_init(&f->b, f->fail, sizeof(f->fail)) < 0) {
        ret = -1;
        goto out;
    }
    while (!f->eof && f->ops < DEVFUZZ_MAX_OPS) {
        bool ok = devfuzz_step(f);
        devfuzz_ide_drain(&f->a);
        devfuzz_ide_drain(&f->b);
        devfuzz_handle_requests(f->a.m);
        devfuzz_handle_requests(f->b.m);
        if (!ok || !devfuzz_compare(f)) {
            ret = -1;
            break;
        }
        f->ops++;
    }
    /* a last round trip: whatever the program left must save and load */
    if (ret == 0 && !devfuzz_save_load(f)) {
        ret = -1;
    }
out:
    devfuzz_side_free(&f->a);
    devfuzz_side_free(&f->b);
    return ret;
}

#endif
