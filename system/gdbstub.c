/*
 * The gdb remote serial protocol (see gdbstub.h; the packets are those of
 * the GDB manual, "Remote Protocol"). Packets are framed $data#cs and
 * acknowledged with +/- until gdb asks for QStartNoAckMode; a bare 0x03
 * is an interrupt. Everything here runs in the main loop with the machine
 * lock held, except gdbstub_vcpu_stopped() (a vCPU thread).
 *
 * Memory is read and written through the page tables of the selected
 * vCPU (a walk of its CR3, like the CPU's own) and the one guest-memory
 * write path (address_space_write), which also drops translated code.
 */
#include "system/gdbstub.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "accel/debug.h"
#include "hw/pc/pc.h"
#include "system/chardev.h"

typedef enum GdbRx { RX_IDLE, RX_DATA, RX_CS1, RX_CS2 } GdbRx;

typedef struct GdbStub {
    Machine *m;
    Chardev chr;
    DebugPoints points;
    int stop_fd;                /* eventfd: a vCPU stopped for us */
    VCPU *stop_cpu;             /* which one (lock held) */
    bool attached;              /* a client is connected */
    bool running;               /* resumed by gdb: a stop reply is owed */
    bool no_ack;
    int cpu;                    /* Hg: vCPU for registers and memory */
    GdbRx rx;
    char pkt[GDB_PACKET_MAX + 1];
    size_t len;
    uint8_t sum;
    int cs;
    char out[2 * GDB_PACKET_MAX + 8];
    char reply[GDB_PACKET_MAX + 1];
} GdbStub;

/* ---- framing and hex ---- */

size_t gdb_frame(char *out, size_t size, const char *data, size_t len)
{
    size_t o = 0;
    uint8_t sum = 0;

    if (size < 4) {
        return 0;
    }
    out[o++] = '$';
    for (size_t i = 0; i < len && o + 5 < size; i++) {
        char c = data[i];
        if (c == '#' || c == '$' || c == '}' || c == '*') {
            out[o++] = '}';
            sum += '}';
            c ^= 0x20;
        }
        out[o++] = c;
        sum += (uint8_t)c;
    }
    o += (size_t)snprintf(out + o, size - o, "#%02x", sum);
    return o;
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int gdb_hex_decode(uint8_t *out, size_t max, const char *hex, size_t len)
{
    size_t n = 0;

    if (len % 2) {
        return -1;
    }
    for (size_t i = 0; i < len; i += 2) {
        int hi = hex_val(hex[i]), lo = hex_val(hex[i + 1]);
        if (hi < 0 || lo < 0 || n == max) {
            return -1;
        }
        out[n++] = (uint8_t)(hi << 4 | lo);
    }
    return (int)n;
}

void gdb_hex_encode(char *out, const uint8_t *in, size_t len)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

/* A hex number ending at a delimiter; p moves past it. */
static bool parse_hex(const char **p, uint64_t *v)
{
    const char *s = *p;
    uint64_t x = 0;
    int d, n = 0;

    while ((d = hex_val(*s)) >= 0 && n < 16) {
        x = x << 4 | (uint64_t)d;
        s++;
        n++;
    }
    if (!n || hex_val(*s) >= 0) {
        return false;
    }
    *v = x;
    *p = s;
    return true;
}

static void gdb_send(GdbStub *g, const char *data)
{
    size_t n = gdb_frame(g->out, sizeof(g->out), data, strlen(data));

    chardev_write(&g->chr, (const uint8_t *)g->out, n);
}

/* ---- vCPUs ---- */

static VCPU *gdb_cpu(GdbStub *g)
{
    Machine *m = g->m;

    return m->cpus[g->cpu >= 0 && g->cpu < m->ncpus ? g->cpu : 0];
}

static X86CPUState *gdb_state(GdbStub *g)
{
    VCPU *cpu = gdb_cpu(g);

    if (g->m->accel->get_state) {
        g->m->accel->get_state(cpu);
    }
    return &cpu->env;
}

static void gdb_state_changed(GdbStub *g)
{
    VCPU *cpu = gdb_cpu(g);

    if (g->m->accel->set_state) {
        g->m->accel->set_state(cpu);
    }
}

/*
 * The register layout of the whole session: x86-64, as
 * qemu-system-x86_64 gives it, whatever mode the guest is in when gdb
 * connects (a kernel started in 32-bit code moves to long mode later, and
 * gdb cannot change layouts mid-session). The i386 layout of
 * gdbstub-regs.c is kept for a 32-bit-only machine.
 */
static bool gdb_is64(GdbStub *g)
{
    (void)g;
    return true;
}

/* Thread id (vCPU index + 1) of a packet; -1 means all, 0 any. */
static bool parse_thread(const char *s, int *cpu)
{
    uint64_t v;

    if (!strcmp(s, "-1")) {
        *cpu = -1;
        return true;
    }
    if (!parse_hex(&s, &v) || *s) {
        return false;
    }
    *cpu = (int)v - 1;
    return true;
}

static bool thread_valid(GdbStub *g, int cpu)
{
    return cpu >= -1 && cpu < g->m->ncpus;
}

/* ---- memory through the page tables ---- */

static uint64_t pte_load(Machine *m, uint64_t pa, bool is64)
{
    uint64_t v = 0;

    address_space_read(&m->mem, pa, &v, is64 ? 8 : 4);
    return v;
}

/* The physical address of linear va, or -1 if it is not mapped. */
static int64_t gdb_translate(Machine *m, const X86CPUState *st, uint64_t va)
{
    bool lma = st->efer & EFER_LMA, pae = st->cr4 & CR4_PAE;
    int levels = lma ? 4 : pae ? 3 : 2;
    uint64_t table = st->cr3 & (pae && !lma ? ~0x1full : ~0xfffull), e;
    uint64_t addr_mask = pae ? 0x000ffffffffff000ull : 0xfffff000ull;

    if (!(st->cr0 & CR0_PG)) {
        return (int64_t)va;
    }
    for (int l = levels; l >= 1; l--) {
        int bits = pae ? 9 : 10, shift = 12 + bits * (l - 1);
        uint64_t idx = (va >> shift) & ((1ull << bits) - 1);
        if (l == 3 && !lma && pae) {
            idx = (va >> 30) & 3;
        }
        e = pte_load(m, table + idx * (pae ? 8 : 4), pae);
        if (!(e & 1)) {
            return -1;
        }
        if (l > 1 && (e & 0x80) && (pae || (st->cr4 & CR4_PSE)) &&
            !(l == 3 && !lma)) {
            uint64_t size = 1ull << shift;
            uint64_t base = pae ? e & addr_mask & ~(size - 1)
                                : (e & 0xffc00000u) | ((e & 0x1fe000u) << 19);
            return (int64_t)(base | (va & (size - 1)));
        }
        table = e & addr_mask;
    }
    return (int64_t)(table | (va & 0xfff));
}

/* Reads or writes len bytes at linear va; -1 at the first unmapped page. */
static int gdb_memory_rw(GdbStub *g, uint64_t va, uint8_t *buf, size_t len,
                         bool write)
{
    X86CPUState *st = gdb_state(g);

    while (len) {
        int64_t pa = gdb_translate(g->m, st, va);
        size_t n = MIN(len, 0x1000 - (va & 0xfff));
        if (pa < 0) {
            return -1;
        }
        address_space_rw(&g->m->mem, (uint64_t)pa, buf, n, write);
        va += n;
        buf += n;
        len -= n;
    }
    return 0;
}

/* ---- stop and resume ---- */

static void gdb_points_changed(GdbStub *g)
{
    for (int i = 0; i < g->m->ncpus; i++) {
        atomic_store(&g->m->cpus[i]->debug_dirty, true);
    }
}

/* swbreak or hwbreak: the kind of the breakpoint at the vCPU's PC. */
static const char *gdb_break_kind(GdbStub *g, VCPU *cpu)
{
    const X86CPUState *st;
    uint64_t pc;

    if (g->m->accel->get_state) {
        g->m->accel->get_state(cpu);
    }
    st = &cpu->env;
    pc = (st->efer & EFER_LMA) && (st->segs[R_CS].flags & SEG_L)
         ? st->rip : (uint32_t)(st->segs[R_CS].base + st->rip);
    for (int i = 0; i < g->points.n; i++) {
        if (g->points.p[i].type == DEBUG_BP_SW && g->points.p[i].addr == pc) {
            return "swbreak";
        }
    }
    return "hwbreak";
}

static int gdb_stop_signal_reply(GdbStub *g, VCPU *cpu, char *out, size_t size)
{
    char extra[64] = "";

    if (cpu->debug_stop == DEBUG_STOP_WATCH) {
        snprintf(extra, sizeof(extra), "%s:%" PRIx64 ";",
                 cpu->watch_type == DEBUG_WP_READ ? "rwatch" :
                 cpu->watch_type == DEBUG_WP_ACCESS ? "awatch" : "watch",
                 cpu->watch_addr);
    } else if (cpu->debug_stop == DEBUG_STOP_BREAK) {
        snprintf(extra, sizeof(extra), "%s:;", gdb_break_kind(g, cpu));
    }
    return snprintf(out, size, "T%02x%sthread:%02x;",
                    cpu->debug_stop == DEBUG_STOP_NONE ? 2 : 5, extra,
                    cpu->index + 1);
}

static void gdb_send_stop(GdbStub *g, VCPU *cpu)
{
    gdb_stop_signal_reply(g, cpu, g->reply, sizeof(g->reply));
    gdb_send(g, g->reply);
}

/* Stops every vCPU (the caller reports why). */
static void gdb_stop_machine(GdbStub *g)
{
    Machine *m = g->m;

    vm_stop_locked(m);
    for (int i = 0; i < m->ncpus; i++) {
        m->cpus[i]->singlestep = m->cpus[i]->step_noirq = false;
    }
    g->running = false;
}

static void gdb_resume(GdbStub *g, int step_cpu)
{
    Machine *m = g->m;

    for (int i = 0; i < m->ncpus; i++) {
        VCPU *cpu = m->cpus[i];
        cpu->singlestep = cpu->step_noirq = i == step_cpu;
        cpu->debug_stop = DEBUG_STOP_NONE;
        atomic_store(&cpu->debug_dirty, true);
    }
    g->running = true;
    g->stop_cpu = NULL;
    if (m->vm_stopped) {
        vm_start_locked(m);
    } else {
        /* stopped by the vCPU itself (pause_requested), not yet by us */
        m->pause_requested = false;
        pthread_cond_broadcast(&m->cond);
    }
}

/* The client went away or detached: the guest runs on without us. */
static void gdb_detach(GdbStub *g)
{
    g->points.n = 0;
    gdb_points_changed(g);
    g->no_ack = false;
    g->attached = false;
    gdb_resume(g, -1);
    g->running = false;
}

void gdbstub_vcpu_stopped(VCPU *cpu)
{
    Machine *m = cpu->machine;
    GdbStub *g = m->gdb;
    uint64_t one = 1;

    pthread_mutex_lock(&m->lock);
    if (!g) {
        pthread_mutex_unlock(&m->lock);
        return;
    }
    if (!g->stop_cpu) {
        g->stop_cpu = cpu;
    }
    m->pause_requested = true;          /* park here until gdb resumes */
    pthread_mutex_unlock(&m->lock);
    if (write(g->stop_fd, &one, sizeof(one)) < 0) {
        error_report("gdbstub: cannot wake the main loop: %s",
                     strerror(errno));
    }
}

/* Main loop: a vCPU stopped for the debugger. */
static void gdb_stop_ready(void *opaque)
{
    GdbStub *g = opaque;
    uint64_t v;
    VCPU *cpu = g->stop_cpu;
    bool was_running;

    if (read(g->stop_fd, &v, sizeof(v)) < 0 || !cpu) {
        return;
    }
    g->stop_cpu = NULL;
    if (!g->attached) {
        gdb_resume(g, -1);              /* a late stop after a detach */
        g->running = false;
        return;
    }
    /* also when the monitor's cont ran the guest: gdb has it again */
    was_running = g->running;
    gdb_stop_machine(g);
    g->cpu = cpu->index;
    if (was_running) {
        gdb_send_stop(g, cpu);
    }
}

/* ---- packets ---- */

static void gdb_reply_error(GdbStub *g, int code)
{
    snprintf(g->reply, sizeof(g->reply), "E%02x", code);
    gdb_send(g, g->reply);
}

static void cmd_read_regs(GdbStub *g)
{
    X86CPUState *st = gdb_state(g);
    bool is64 = gdb_is64(g);
    uint8_t buf[16];
    size_t o = 0;

    for (int n = 0; n < gdb_reg_count(is64); n++) {
        int b = gdb_reg_read(st, is64, n, buf);
        gdb_hex_encode(g->reply + o, buf, (size_t)b);
        o += 2 * (size_t)b;
    }
    gdb_send(g, g->reply);
}

static void cmd_write_regs(GdbStub *g, const char *hex)
{
    X86CPUState *st = gdb_state(g);
    bool is64 = gdb_is64(g);
    size_t total = (size_t)gdb_regs_size(is64);
    uint8_t buf[GDB_PACKET_MAX / 2];
    size_t off = 0;

    if (strlen(hex) != 2 * total ||
        gdb_hex_decode(buf, sizeof(buf), hex, 2 * total) < 0) {
        gdb_reply_error(g, 22);
        return;
    }
    for (int n = 0; n < gdb_reg_count(is64); n++) {
        off += (size_t)gdb_reg_write(st, is64, n, buf + off);
    }
    gdb_state_changed(g);
    gdb_send(g, "OK");
}

static void cmd_read_reg(GdbStub *g, const char *args)
{
    uint64_t n;
    uint8_t buf[16];
    int b;

    if (!parse_hex(&args, &n) || *args || n > 1000) {
        gdb_reply_error(g, 22);
        return;
    }
    b = gdb_reg_read(gdb_state(g), gdb_is64(g), (int)n, buf);
    if (b < 0) {
        gdb_reply_error(g, 14);
        return;
    }
    gdb_hex_encode(g->reply, buf, (size_t)b);
    gdb_send(g, g->reply);
}

static void cmd_write_reg(GdbStub *g, const char *args)
{
    uint64_t n;
    uint8_t buf[16];
    X86CPUState *st;
    int b;

    if (!parse_hex(&args, &n) || *args++ != '=' || n > 1000) {
        gdb_reply_error(g, 22);
        return;
    }
    st = gdb_state(g);
    b = gdb_reg_read(st, gdb_is64(g), (int)n, buf);
    if (b < 0 || strlen(args) != 2 * (size_t)b ||
        gdb_hex_decode(buf, sizeof(buf), args, 2 * (size_t)b) != b) {
        gdb_reply_error(g, b < 0 ? 14 : 22);
        return;
    }
    gdb_reg_write(st, gdb_is64(g), (int)n, buf);
    gdb_state_changed(g);
    gdb_send(g, "OK");
}

static bool parse_addr_len(const char **p, uint64_t *addr, uint64_t *len)
{
    return parse_hex(p, addr) && *(*p)++ == ',' && parse_hex(p, len);
}

static void cmd_read_mem(GdbStub *g, const char *args)
{
    uint64_t addr, len;
    uint8_t buf[GDB_PACKET_MAX / 2];

    if (!parse_addr_len(&args, &addr, &len) || *args) {
        gdb_reply_error(g, 22);
        return;
    }
    len = MIN(len, sizeof(buf) - 8);
    if (gdb_memory_rw(g, addr, buf, len, false) < 0) {
        gdb_reply_error(g, 14);
        return;
    }
    gdb_hex_encode(g->reply, buf, len);
    gdb_send(g, g->reply);
}

static void cmd_write_mem(GdbStub *g, const char *args)
{
    uint64_t addr, len;
    uint8_t buf[GDB_PACKET_MAX / 2];

    if (!parse_addr_len(&args, &addr, &len) || *args++ != ':' ||
        len > sizeof(buf) || strlen(args) != 2 * len ||
        gdb_hex_decode(buf, sizeof(buf), args, 2 * len) != (int)len) {
        gdb_reply_error(g, 22);
        return;
    }
    if (gdb_memory_rw(g, addr, buf, len, true) < 0) {
        gdb_reply_error(g, 14);
        return;
    }
    gdb_send(g, "OK");
}

/* Z/z TYPE,ADDR,KIND */
static void cmd_point(GdbStub *g, const char *args, bool insert)
{
    uint64_t type, addr, kind;
    int r;

    if (!parse_hex(&args, &type) || *args++ != ',' ||
        !parse_addr_len(&args, &addr, &kind) || *args) {
        gdb_reply_error(g, 22);
        return;
    }
    if (type > DEBUG_WP_ACCESS) {
        gdb_send(g, "");
        return;
    }
    r = insert ? debug_points_insert(&g->points, (DebugPointType)type, addr,
                                     kind)
               : debug_points_remove(&g->points, (DebugPointType)type, addr,
                                     kind);
    if (r < 0) {
        gdb_reply_error(g, insert ? 28 : 2);
        return;
    }
    gdb_points_changed(g);
    gdb_send(g, "OK");
}

/* c/s with an optional address to resume at */
static void cmd_resume(GdbStub *g, const char *args, bool step)
{
    uint64_t addr;

    if (*args) {
        if (!parse_hex(&args, &addr) || *args) {
            gdb_reply_error(g, 22);
            return;
        }
        gdb_state(g)->rip = addr;
        gdb_state_changed(g);
    }
    gdb_resume(g, step ? gdb_cpu(g)->index : -1);
}

/* vCont;ACTION[:THREAD]... : one step at most; the rest continue. */
static void cmd_vcont(GdbStub *g, const char *args)
{
    int step = -1;

    while (*args == ';') {
        char action = args[1];
        const char *end = strchr(args + 1, ';');
        char tid[32] = "";
        int cpu = g->cpu;

        args += 2;
        if (action == 'C' || action == 'S') {
            args += strspn(args, "0123456789abcdefABCDEF");
        } else if (action != 'c' && action != 's') {
            gdb_reply_error(g, 22);
            return;
        }
        if (*args == ':') {
            size_t n = (size_t)((end ? end : args + strlen(args)) - args - 1);
            snprintf(tid, sizeof(tid), "%.*s", (int)MIN(n, sizeof(tid) - 1),
                     args + 1);
            if (!parse_thread(tid, &cpu) || !thread_valid(g, cpu)) {
                gdb_reply_error(g, 22);
                return;
            }
        }
        if ((action == 's' || action == 'S') && step < 0) {
            step = cpu < 0 ? 0 : cpu;
        }
        args = end ? end : args + strlen(args);
    }
    gdb_resume(g, step);
}

static void cmd_thread_list(GdbStub *g)
{
    size_t o = 1;

    g->reply[0] = 'm';
    for (int i = 0; i < g->m->ncpus; i++) {
        o += (size_t)snprintf(g->reply + o, sizeof(g->reply) - o, "%s%02x",
                              i ? "," : "", i + 1);
    }
    gdb_send(g, g->reply);
}

/* qXfer:features:read:target.xml:OFFSET,LENGTH */
static void cmd_xfer_features(GdbStub *g, const char *args)
{
    static char xml[16384];
    size_t xlen = gdb_target_xml(xml, sizeof(xml), gdb_is64(g));
    uint64_t off, len;

    if (strncmp(args, "target.xml:", 11)) {
        gdb_reply_error(g, 0);
        return;
    }
    args += 11;
    if (!parse_addr_len(&args, &off, &len) || *args) {
        gdb_reply_error(g, 22);
        return;
    }
    if (off >= xlen) {
        gdb_send(g, "l");
        return;
    }
    len = MIN(len, MIN(xlen - off, sizeof(g->reply) - 2));
    snprintf(g->reply, sizeof(g->reply), "%c%.*s",
             off + len < xlen ? 'm' : 'l', (int)len, xml + off);
    gdb_send(g, g->reply);
}

static void cmd_query(GdbStub *g, const char *p)
{
    if (!strncmp(p, "qSupported", 10)) {
        snprintf(g->reply, sizeof(g->reply),
                 "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+;"
                 "vContSupported+;QStartNoAckMode+", GDB_PACKET_MAX);
        gdb_send(g, g->reply);
    } else if (!strncmp(p, "qXfer:features:read:", 20)) {
        cmd_xfer_features(g, p + 20);
    } else if (!strcmp(p, "qC")) {
        snprintf(g->reply, sizeof(g->reply), "QC%02x", gdb_cpu(g)->index + 1);
        gdb_send(g, g->reply);
    } else if (!strcmp(p, "qfThreadInfo")) {
        cmd_thread_list(g);
    } else if (!strcmp(p, "qsThreadInfo")) {
        gdb_send(g, "l");
    } else if (!strncmp(p, "qAttached", 9)) {
        gdb_send(g, "1");
    } else if (!strcmp(p, "QStartNoAckMode")) {
        gdb_send(g, "OK");
        g->no_ack = true;
    } else {
        gdb_send(g, "");
    }
}

/* H{g,c}THREAD and T THREAD */
static void cmd_thread(GdbStub *g, const char *p, bool select)
{
    int cpu;

    if (!parse_thread(p, &cpu) || !thread_valid(g, cpu)) {
        gdb_reply_error(g, 22);
        return;
    }
    if (select && cpu >= 0) {
        g->cpu = cpu;
    }
    gdb_send(g, "OK");
}

static void gdb_handle_packet(GdbStub *g, const char *p)
{
    switch (p[0]) {
    case '?':
        gdb_send_stop(g, gdb_cpu(g));
        break;
    case 'g': cmd_read_regs(g); break;
    case 'G': cmd_write_regs(g, p + 1); break;
    case 'p': cmd_read_reg(g, p + 1); break;
    case 'P': cmd_write_reg(g, p + 1); break;
    case 'm': cmd_read_mem(g, p + 1); break;
    case 'M': cmd_write_mem(g, p + 1); break;
    case 'Z': cmd_point(g, p + 1, true); break;
    case 'z': cmd_point(g, p + 1, false); break;
    case 'c': cmd_resume(g, p + 1, false); break;
    case 's': cmd_resume(g, p + 1, true); break;
    case 'H': cmd_thread(g, p[1] ? p + 2 : p + 1, p[1] == 'g'); break;
    case 'T': cmd_thread(g, p + 1, false); break;
    case 'q': case 'Q': cmd_query(g, p); break;
    case 'D':
        gdb_send(g, "OK");
        gdb_detach(g);
        break;
    case 'k':
        gdb_detach(g);
        machine_request_exit(g->m, 0);
        break;
    case 'v':
        if (!strcmp(p, "vCont?")) {
            gdb_send(g, "vCont;c;C;s;S");
        } else if (!strncmp(p, "vCont;", 6)) {
            cmd_vcont(g, p + 5);
        } else {
            gdb_send(g, "");
        }
        break;
    default:
        gdb_send(g, "");
        break;
    }
}

/* ---- input ---- */

static void gdb_interrupt(GdbStub *g)
{
    if (!g->running) {
        return;
    }
    gdb_stop_machine(g);
    gdb_cpu(g)->debug_stop = DEBUG_STOP_NONE;
    gdb_send_stop(g, gdb_cpu(g));   /* T02: SIGINT */
}

static void gdb_end_packet(GdbStub *g)
{
    bool ok = g->no_ack || g->cs == g->sum;

    if (!g->no_ack) {
        chardev_write(&g->chr, (const uint8_t *)(ok ? "+" : "-"), 1);
    }
    if (!ok) {
        return;
    }
    g->pkt[g->len] = '\0';
    /* while the guest runs only an interrupt is taken */
    if (!g->running) {
        gdb_handle_packet(g, g->pkt);
    }
}

static void gdb_rx_byte(GdbStub *g, uint8_t c)
{
    int d;

    switch (g->rx) {
    case RX_IDLE:
        if (c == '$') {
            g->rx = RX_DATA;
            g->len = 0;
            g->sum = 0;
        } else if (c == 0x03) {
            gdb_interrupt(g);
        }
        break;
    case RX_DATA:
        if (c == '#') {
            g->rx = RX_CS1;
        } else if (g->len < GDB_PACKET_MAX) {
            g->pkt[g->len++] = (char)c;
            g->sum += c;
        }
        break;
    case RX_CS1:
        d = hex_val((char)c);
        g->cs = d < 0 ? -1000 : d << 4;
        g->rx = RX_CS2;
        break;
    case RX_CS2:
        d = hex_val((char)c);
        g->cs = d < 0 ? -1 : g->cs + d;
        g->rx = RX_IDLE;
        gdb_end_packet(g);
        break;
    }
}

static size_t gdb_can_receive(void *opaque)
{
    GdbStub *g = opaque;

    return g->chr.out_len > CHARDEV_OUT_BUF / 2 ? 0 : 4096;
}

static void gdb_receive(void *opaque, const uint8_t *buf, size_t len)
{
    GdbStub *g = opaque;

    for (size_t i = 0; i < len; i++) {
        gdb_rx_byte(g, buf[i]);
    }
}

/* A client connected: the machine stops for it, as under QEMU. */
static void gdb_connected(void *opaque)
{
    GdbStub *g = opaque;

    g->attached = true;
    g->rx = RX_IDLE;
    g->no_ack = false;
    g->cpu = 0;
    if (!g->m->vm_stopped) {
        gdb_stop_machine(g);
    }
    g->running = false;
}

static void gdb_input_changed(void *opaque)
{
    GdbStub *g = opaque;

    if (g->attached && g->chr.in_fd < 0) {
        gdb_detach(g);                  /* the client went away */
    }
}

/* ---- setup ---- */

/* PORT[,options]: a decimal port number from 1 to 65535. */
static bool gdb_port_ok(const char *p)
{
    unsigned long v = 0;
    size_t n = strcspn(p, ",");

    if (n == 0 || n > 5 || strspn(p, "0123456789") != n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        v = v * 10 + (unsigned long)(p[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

char *gdbstub_socket_spec(const char *arg, Error *err)
{
    bool server = strstr(arg, ",server") != NULL;

    if (strncmp(arg, "tcp:", 4) && strncmp(arg, "unix:", 5)) {
        error_setg(err, "-gdb '%s': unsupported (tcp::PORT, tcp:HOST:PORT or "
                   "unix:PATH)", arg);
        return NULL;
    }
    if (!strncmp(arg, "tcp:", 4) && !strchr(arg + 4, ':')) {
        error_setg(err, "-gdb '%s': needs HOST:PORT (tcp::PORT for any "
                   "host)", arg);
        return NULL;
    }
    if (!strncmp(arg, "tcp:", 4) && !gdb_port_ok(strchr(arg + 4, ':') + 1)) {
        error_setg(err, "-gdb '%s': the port must be a number from 1 to "
                   "65535", arg);
        return NULL;
    }
    return xasprintf("%s%s,nowait", arg, server ? "" : ",server");
}

int gdbstub_open(Machine *m, const char *arg, Error *err)
{
    GdbStub *g;
    char *spec = gdbstub_socket_spec(arg, err);

    if (!spec) {
        return -1;
    }
    g = xzalloc(sizeof(*g));
    g->m = m;
    if (chardev_open_named(&g->chr, spec, "gdb", err) < 0) {
        error_prepend(err, "-gdb '%s'", arg);
        free(spec);
        free(g);
        return -1;
    }
    free(spec);
    g->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (g->stop_fd < 0) {
        chardev_close(&g->chr);
        free(g);
        return error_setg(err, "-gdb: eventfd: %s", strerror(errno));
    }
    chardev_set_receiver(&g->chr, gdb_can_receive, gdb_receive, g);
    g->chr.connected = gdb_connected;
    g->chr.input_changed = gdb_input_changed;
    g->chr.input_changed_opaque = g;
    m->gdb = g;
    m->debug_points = &g->points;
    return 0;
}

void gdbstub_attach(Machine *m)
{
    GdbStub *g = m->gdb;

    if (!g) {
        return;
    }
    chardev_attach(&g->chr, &m->loop);
    main_loop_add_fd(&m->loop, g->stop_fd, gdb_stop_ready, g);
}

void gdbstub_close(Machine *m)
{
    GdbStub *g = m->gdb;

    if (!g) {
        return;
    }
    main_loop_remove_fd(&m->loop, g->stop_fd);
    chardev_drain(&g->chr, 100);
    chardev_close(&g->chr);
    close(g->stop_fd);
    m->debug_points = NULL;
    m->gdb = NULL;
    free(g);
}
