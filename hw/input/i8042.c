/*
 * The i8042 keyboard controller with a minimal PS/2 keyboard and mouse
 * behind it (ports 0x60 data, 0x64 status/command; IRQ 1 keyboard, IRQ 12
 * auxiliary). Follows the IBM PC/AT and PS/2 technical references: the
 * status register, the command byte (controller RAM byte 0), the output
 * port (bit 0 system reset, bit 1 A20 gate) and the controller commands;
 * the keyboard and mouse answer their standard PS/2 commands.
 *
 * Data flows through one output buffer byte, fed in priority order from
 * the controller's replies, the keyboard's queue (unless the keyboard
 * interface is disabled) and the mouse's queue (unless the aux interface
 * is disabled). IRQ 1 / IRQ 12 are high while the buffer holds a byte of
 * that source and the command byte enables its interrupt. Every queue is
 * bounded; bytes that do not fit are dropped.
 */
#include "hw/input/i8042.h"

#include <string.h>

#include "hw/core/devtypes.h"
#include "hw/input/ps2-scancode.h"
#include "hw/pc/pc.h"

#define I8042_DATA_PORT      0x60
#define I8042_CMD_PORT       0x64
#define I8042_KBD_IRQ        1
#define I8042_AUX_IRQ        12
#define I8042_QUEUE_SIZE     64
#define I8042_RAM_SIZE       32
#define I8042_SAVE_VERSION   2

/* Status register. */
#define STAT_OBF             0x01
#define STAT_IBF             0x02
#define STAT_SYS             0x04
#define STAT_CMD             0x08
#define STAT_UNLOCKED        0x10
#define STAT_AUX_OBF         0x20

/* Command byte. */
#define CCB_KBD_INT          0x01
#define CCB_AUX_INT          0x02
#define CCB_SYS              0x04
#define CCB_KBD_DISABLE      0x10
#define CCB_AUX_DISABLE      0x20
#define CCB_XLATE            0x40     /* set 2 -> set 1 translation */

/* Output port. */
#define OUT_RESET            0x01     /* 0 holds the CPU in reset */
#define OUT_A20              0x02
#define OUT_KBD_OBF          0x10
#define OUT_AUX_OBF          0x20
#define OUT_DEFAULT          0xcf

#define QUEUE_AUX            0x100    /* ctrl queue entry from the aux side */

/* PS/2 device replies. */
#define PS2_ACK              0xfa
#define PS2_RESEND           0xfe
#define PS2_BAT_OK           0xaa
#define PS2_ECHO             0xee

typedef struct ByteQueue {
    uint16_t data[I8042_QUEUE_SIZE];
    uint8_t head, count;
} ByteQueue;

typedef struct I8042State {
    Device dev;
    MemoryRegion data_mr, cmd_mr;

    /* controller */
    uint8_t ram[I8042_RAM_SIZE];     /* ram[0] is the command byte */
    uint8_t status;                  /* SYS and CMD; the rest is computed */
    uint8_t outport;
    uint8_t pending;                 /* command waiting for a data byte */
    bool ob_full, ob_aux;
    uint8_t ob_data;
    ByteQueue ctrl_q, kbd_q, aux_q;

    /* keyboard */
    uint8_t kbd_cmd;                 /* command waiting for its argument */
    bool kbd_scan;
    uint8_t kbd_set, kbd_leds, kbd_typematic, kbd_last;

    /* mouse */
    uint8_t aux_cmd;
    bool aux_enabled;
    uint8_t aux_rate, aux_res, aux_scaling;
    bool aux_remote;                 /* remote mode: packets on 0xEB only */
    uint8_t aux_type;                /* 0 PS/2 mouse, 3 IntelliMouse */
    uint8_t aux_rates[3];            /* last sample rates (wheel knock) */
    uint8_t aux_buttons;             /* left 1, right 2, middle 4 */
    int32_t aux_dx, aux_dy, aux_dz;  /* movement not yet reported */
} I8042State;

static Log *i8042_log(I8042State *s)
{
    return &s->dev.machine->log;
}

/* ---- queues and the output buffer ---- */

static bool queue_push(ByteQueue *q, uint16_t v)
{
    if (q->count >= I8042_QUEUE_SIZE) {
        return false;
    }
    q->data[(q->head + q->count) % I8042_QUEUE_SIZE] = v;
    q->count++;
    return true;
}

static uint16_t queue_pop(ByteQueue *q)
{
    uint16_t v = q->data[q->head];

    q->head = (q->head + 1) % I8042_QUEUE_SIZE;
    q->count--;
    return v;
}

static void queue_clear(ByteQueue *q)
{
    q->head = 0;
    q->count = 0;
}

static void i8042_update_irq(I8042State *s)
{
    Machine *m = s->dev.machine;
    uint8_t ccb = s->ram[0];

    irq_set(&m->gsi[I8042_KBD_IRQ],
            s->ob_full && !s->ob_aux && (ccb & CCB_KBD_INT));
    irq_set(&m->gsi[I8042_AUX_IRQ],
            s->ob_full && s->ob_aux && (ccb & CCB_AUX_INT));
}

/* Moves the next deliverable byte into an empty output buffer. */
static void i8042_fill(I8042State *s)
{
    if (!s->ob_full) {
        if (s->ctrl_q.count) {
            uint16_t v = queue_pop(&s->ctrl_q);
            s->ob_data = (uint8_t)v;
            s->ob_aux = (v & QUEUE_AUX) != 0;
            s->ob_full = true;
        } else if (s->kbd_q.count && !(s->ram[0] & CCB_KBD_DISABLE)) {
            s->ob_data = (uint8_t)queue_pop(&s->kbd_q);
            s->ob_aux = false;
            s->ob_full = true;
        } else if (s->aux_q.count && !(s->ram[0] & CCB_AUX_DISABLE)) {
            s->ob_data = (uint8_t)queue_pop(&s->aux_q);
            s->ob_aux = true;
            s->ob_full = true;
        }
    }
    i8042_update_irq(s);
}

static void i8042_push(I8042State *s, ByteQueue *q, uint16_t v)
{
    if (!queue_push(q, v)) {
        log_mask(i8042_log(s), LOG_GUEST_ERROR,
                 "i8042: queue full, byte 0x%02x dropped\n", v & 0xff);
    }
    i8042_fill(s);
}

static void i8042_reply(I8042State *s, uint8_t v)
{
    i8042_push(s, &s->ctrl_q, v);
}

static void kbd_send(I8042State *s, uint8_t v)
{
    s->kbd_last = v;
    i8042_push(s, &s->kbd_q, v);
}

static void aux_send(I8042State *s, uint8_t v)
{
    i8042_push(s, &s->aux_q, v);
}

void i8042_put_kbd(Device *dev, uint8_t byte)
{
    I8042State *s = (I8042State *)dev;

    if (s->kbd_scan) {
        kbd_send(s, byte);
    }
}

void i8042_put_aux(Device *dev, uint8_t byte)
{
    I8042State *s = (I8042State *)dev;

    if (s->aux_enabled) {
        aux_send(s, byte);
    }
}

static unsigned queue_room(const ByteQueue *q)
{
    return I8042_QUEUE_SIZE - q->count;
}

void i8042_key_event(Device *dev, unsigned key, bool down)
{
    I8042State *s = (I8042State *)dev;
    uint8_t b[PS2_SCANCODE_MAX];
    int n = ps2_scancode(key, down, s->kbd_set, s->ram[0] & CCB_XLATE, b);

    if (!s->kbd_scan || n > (int)queue_room(&s->kbd_q)) {
        return;                      /* a sequence is sent whole or not */
    }
    for (int i = 0; i < n; i++) {
        kbd_send(s, b[i]);
    }
}

static int32_t clamp_motion(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* One movement packet (3 bytes, 4 with a wheel) from what accumulated. */
static void aux_packet(I8042State *s)
{
    int32_t dx = clamp_motion(s->aux_dx, -256, 255);
    int32_t dy = clamp_motion(s->aux_dy, -256, 255);
    int32_t dz = clamp_motion(s->aux_dz, -8, 7);

    aux_send(s, (uint8_t)(0x08 | (s->aux_buttons & 7) |
                          (dx < 0 ? 0x10 : 0) | (dy < 0 ? 0x20 : 0)));
    aux_send(s, (uint8_t)dx);
    aux_send(s, (uint8_t)dy);
    if (s->aux_type == 3) {
        aux_send(s, (uint8_t)(dz & 0x0f));
    }
    s->aux_dx -= dx;
    s->aux_dy -= dy;
    s->aux_dz -= dz;
}

/* Stream mode: send what accumulated, as far as the queue has room. */
static void aux_flush(I8042State *s, bool force)
{
    unsigned size = s->aux_type == 3 ? 4 : 3;

    if (!s->aux_enabled || s->aux_remote) {
        return;
    }
    while ((force || s->aux_dx || s->aux_dy || s->aux_dz) &&
           queue_room(&s->aux_q) >= size) {
        aux_packet(s);
        force = false;
    }
}

void i8042_mouse_event(Device *dev, int dx, int dy, int dz, unsigned buttons)
{
    I8042State *s = (I8042State *)dev;
    bool changed = (buttons & 7) != s->aux_buttons;

    if (!s->aux_enabled && !s->aux_remote) {
        return;                      /* a disabled mouse reports nothing */
    }
    /* PS/2 counts y upwards; the host's pointer moves down. */
    s->aux_dx = clamp_motion(s->aux_dx + dx, -4096, 4096);
    s->aux_dy = clamp_motion(s->aux_dy - dy, -4096, 4096);
    s->aux_dz = s->aux_type == 3 ? clamp_motion(s->aux_dz + dz, -64, 64) : 0;
    s->aux_buttons = buttons & 7;
    aux_flush(s, changed);
}

/* ---- the keyboard ---- */

static void kbd_defaults(I8042State *s)
{
    s->kbd_cmd = 0;
    s->kbd_set = 2;
    s->kbd_leds = 0;
    s->kbd_typematic = 0x2b;
}

static void kbd_write_arg(I8042State *s, uint8_t b)
{
    switch (s->kbd_cmd) {
    case 0xed:                       /* set LEDs */
        s->kbd_leds = b & 7;
        kbd_send(s, PS2_ACK);
        break;
    case 0xf3:                       /* set typematic rate and delay */
        s->kbd_typematic = b & 0x7f;
        kbd_send(s, PS2_ACK);
        break;
    case 0xf0:                       /* get or set the scan code set */
        if (b == 0) {
            kbd_send(s, PS2_ACK);
            kbd_send(s, s->kbd_set);
        } else if (b <= 3) {
            s->kbd_set = b;
            kbd_send(s, PS2_ACK);
        } else {
            kbd_send(s, PS2_RESEND);
        }
        break;
    }
    s->kbd_cmd = 0;
}

static void kbd_write(I8042State *s, uint8_t b)
{
    /* Arguments are below 0x80; anything else starts a new command. */
    if (s->kbd_cmd && b < 0x80) {
        kbd_write_arg(s, b);
        return;
    }
    s->kbd_cmd = 0;
    switch (b) {
    case 0xed:
    case 0xf0:
    case 0xf3:
        kbd_send(s, PS2_ACK);
        s->kbd_cmd = b;
        break;
    case 0xee:
        kbd_send(s, PS2_ECHO);
        break;
    case 0xf2:                       /* identify: MF2 keyboard */
        kbd_send(s, PS2_ACK);
        kbd_send(s, 0xab);
        kbd_send(s, 0x83);
        break;
    case 0xf4:
        s->kbd_scan = true;
        kbd_send(s, PS2_ACK);
        break;
    case 0xf5:
        kbd_defaults(s);
        s->kbd_scan = false;
        kbd_send(s, PS2_ACK);
        break;
    case 0xf6:
        kbd_defaults(s);
        kbd_send(s, PS2_ACK);
        break;
    case 0xf7: case 0xf8: case 0xf9: case 0xfa: case 0xfb: case 0xfc:
    case 0xfd:                       /* key types: accepted, no effect */
        kbd_send(s, PS2_ACK);
        break;
    case 0xfe:
        kbd_send(s, s->kbd_last);
        break;
    case 0xff:
        queue_clear(&s->kbd_q);
        kbd_defaults(s);
        s->kbd_scan = true;
        kbd_send(s, PS2_ACK);
        kbd_send(s, PS2_BAT_OK);
        break;
    default:
        kbd_send(s, PS2_RESEND);
        break;
    }
}

/* ---- the mouse ---- */

static void aux_defaults(I8042State *s)
{
    s->aux_cmd = 0;
    s->aux_enabled = false;
    s->aux_rate = 100;
    s->aux_res = 2;
    s->aux_scaling = 0;
    s->aux_remote = false;
    s->aux_dx = s->aux_dy = s->aux_dz = 0;
}

static void aux_set_rate(I8042State *s, uint8_t rate)
{
    s->aux_rate = rate ? rate : 100;
    s->aux_rates[0] = s->aux_rates[1];
    s->aux_rates[1] = s->aux_rates[2];
    s->aux_rates[2] = rate;
    if (s->aux_rates[0] == 200 && s->aux_rates[1] == 100 &&
        s->aux_rates[2] == 80) {
        s->aux_type = 3;             /* IntelliMouse: 4-byte packets */
    }
}

static void aux_write_cmd(I8042State *s, uint8_t b)
{
    switch (b) {
    case 0xe6:
    case 0xe7:
        s->aux_scaling = b == 0xe7;
        aux_send(s, PS2_ACK);
        break;
    case 0xe8:
    case 0xf3:
        aux_send(s, PS2_ACK);
        s->aux_cmd = b;
        break;
    case 0xe9:                       /* status request */
        aux_send(s, PS2_ACK);
        aux_send(s, (uint8_t)((s->aux_remote << 6) | (s->aux_enabled << 5) |
                              (s->aux_scaling << 4) | (s->aux_buttons & 1) << 2 |
                              (s->aux_buttons & 2 ? 1 : 0) |
                              (s->aux_buttons & 4 ? 2 : 0)));
        aux_send(s, s->aux_res);
        aux_send(s, s->aux_rate);
        break;
    case 0xeb:                       /* read data: one packet */
        aux_send(s, PS2_ACK);
        aux_packet(s);
        break;
    case 0xea:                       /* stream mode */
    case 0xf0:                       /* remote mode */
        s->aux_remote = b == 0xf0;
        aux_send(s, PS2_ACK);
        break;
    case 0xec:                       /* leave wrap mode (never entered) */
        aux_send(s, PS2_ACK);
        break;
    case 0xf2:                       /* identify: 0 PS/2, 3 IntelliMouse */
        aux_send(s, PS2_ACK);
        aux_send(s, s->aux_type);
        break;
    case 0xf4:
    case 0xf5:
        s->aux_enabled = b == 0xf4;
        aux_send(s, PS2_ACK);
        break;
    case 0xf6:
        aux_defaults(s);
        aux_send(s, PS2_ACK);
        break;
    case 0xff:
        queue_clear(&s->aux_q);
        aux_defaults(s);
        s->aux_type = 0;
        aux_send(s, PS2_ACK);
        aux_send(s, PS2_BAT_OK);
        aux_send(s, 0x00);
        break;
    default:
        aux_send(s, PS2_RESEND);
        break;
    }
}

static void aux_write(I8042State *s, uint8_t b)
{
    if (s->aux_cmd == 0xe8 && b <= 3) {
        s->aux_res = b;
        s->aux_cmd = 0;
        aux_send(s, PS2_ACK);
    } else if (s->aux_cmd == 0xf3 && b <= 200) {
        aux_set_rate(s, b);
        s->aux_cmd = 0;
        aux_send(s, PS2_ACK);
    } else {
        s->aux_cmd = 0;
        aux_write_cmd(s, b);
    }
}

/* ---- the controller ---- */

static uint8_t i8042_outport(I8042State *s)
{
    uint8_t v = s->outport & ~(OUT_A20 | OUT_KBD_OBF | OUT_AUX_OBF);

    if (s->dev.machine->a20_enabled) {
        v |= OUT_A20;
    }
    if (s->ob_full) {
        v |= s->ob_aux ? OUT_AUX_OBF : OUT_KBD_OBF;
    }
    return v;
}

static void i8042_write_outport(I8042State *s, uint8_t v)
{
    Machine *m = s->dev.machine;

    s->outport = v;
    m->a20_enabled = (v & OUT_A20) != 0;
    if (!(v & OUT_RESET)) {
        machine_request_reset(m);
    }
}

static void i8042_set_a20(I8042State *s, bool on)
{
    i8042_write_outport(s, (uint8_t)((s->outport & ~OUT_A20) |
                                     (on ? OUT_A20 : 0)) | OUT_RESET);
}

static void i8042_write_ram(I8042State *s, unsigned idx, uint8_t v)
{
    s->ram[idx % I8042_RAM_SIZE] = v;
    if (idx == 0) {
        s->status = (uint8_t)((s->status & ~STAT_SYS) | (v & CCB_SYS));
    }
    i8042_fill(s);
}

/* A data byte for the command that asked for one. */
static void i8042_write_cmd_data(I8042State *s, uint8_t cmd, uint8_t v)
{
    if (cmd >= 0x60 && cmd <= 0x7f) {
        i8042_write_ram(s, cmd & 0x1f, v);
        return;
    }
    switch (cmd) {
    case 0xd1:
        i8042_write_outport(s, v);
        break;
    case 0xd2:
        i8042_push(s, &s->ctrl_q, v);
        break;
    case 0xd3:
        i8042_push(s, &s->ctrl_q, v | QUEUE_AUX);
        break;
    case 0xd4:
        aux_write(s, v);
        break;
    }
}

static bool i8042_cmd_takes_data(uint8_t cmd)
{
    return (cmd >= 0x60 && cmd <= 0x7f) || (cmd >= 0xd1 && cmd <= 0xd4);
}

static void i8042_set_ccb_bits(I8042State *s, uint8_t set, uint8_t clear)
{
    i8042_write_ram(s, 0, (uint8_t)((s->ram[0] | set) & ~clear));
}

static void i8042_command(I8042State *s, uint8_t cmd)
{
    if (i8042_cmd_takes_data(cmd)) {
        s->pending = cmd;
        return;
    }
    if (cmd >= 0x20 && cmd <= 0x3f) {
        i8042_reply(s, s->ram[cmd & 0x1f]);
        return;
    }
    if (cmd >= 0xf0) {
        /* Pulse output port bits 0-3 low for each clear bit of the
         * command; bit 0 is the reset line. */
        if (!(cmd & OUT_RESET)) {
            machine_request_reset(s->dev.machine);
        }
        return;
    }
    switch (cmd) {
    case 0xa7: i8042_set_ccb_bits(s, CCB_AUX_DISABLE, 0); break;
    case 0xa8: i8042_set_ccb_bits(s, 0, CCB_AUX_DISABLE); break;
    case 0xa9: i8042_reply(s, 0x00); break;
    case 0xaa:
        s->status |= STAT_SYS;
        s->ram[0] |= CCB_SYS;
        i8042_reply(s, 0x55);
        break;
    case 0xab: i8042_reply(s, 0x00); break;
    case 0xad: i8042_set_ccb_bits(s, CCB_KBD_DISABLE, 0); break;
    case 0xae: i8042_set_ccb_bits(s, 0, CCB_KBD_DISABLE); break;
    case 0xc0: i8042_reply(s, 0x80); break;   /* input port: not inhibited */
    case 0xd0: i8042_reply(s, i8042_outport(s)); break;
    case 0xdd: i8042_set_a20(s, false); break;
    case 0xdf: i8042_set_a20(s, true); break;
    case 0xe0: i8042_reply(s, 0x00); break;   /* test inputs */
    default:
        log_mask(i8042_log(s), LOG_UNIMP,
                 "i8042: unknown controller command 0x%02x\n", cmd);
        break;
    }
}

/* ---- port handlers ---- */

static uint64_t i8042_data_read(void *opaque, uint64_t offset, unsigned size)
{
    I8042State *s = opaque;
    uint8_t v = s->ob_data;          /* an empty buffer repeats the last */

    if (s->ob_full) {
        s->ob_full = false;
        /* The line drops with the read and rises again for the next byte:
         * an edge per byte, which the (edge-triggered) PIC needs. */
        i8042_update_irq(s);
        aux_flush(s, false);
        i8042_fill(s);
    }
    return v;
}

static void i8042_data_write(void *opaque, uint64_t offset, uint64_t value,
                             unsigned size)
{
    I8042State *s = opaque;
    uint8_t v = (uint8_t)value;
    uint8_t cmd = s->pending;

    s->status &= ~STAT_CMD;
    if (cmd) {
        s->pending = 0;
        i8042_write_cmd_data(s, cmd, v);
        return;
    }
    /* Writing to the keyboard re-enables its interface. */
    s->ram[0] &= ~CCB_KBD_DISABLE;
    kbd_write(s, v);
    i8042_fill(s);
}

static uint64_t i8042_status_read(void *opaque, uint64_t offset,
                                  unsigned size)
{
    I8042State *s = opaque;
    uint8_t v = (s->status & (STAT_SYS | STAT_CMD)) | STAT_UNLOCKED;

    if (s->ob_full) {
        v |= STAT_OBF | (s->ob_aux ? STAT_AUX_OBF : 0);
    }
    return v;
}

static void i8042_cmd_write(void *opaque, uint64_t offset, uint64_t value,
                            unsigned size)
{
    I8042State *s = opaque;

    s->status |= STAT_CMD;
    s->pending = 0;
    i8042_command(s, (uint8_t)value);
}

static const MemoryRegionOps i8042_data_ops = {
    .read = i8042_data_read,
    .write = i8042_data_write,
    .min_access = 1,
    .max_access = 1,
};

static const MemoryRegionOps i8042_cmd_ops = {
    .read = i8042_status_read,
    .write = i8042_cmd_write,
    .min_access = 1,
    .max_access = 1,
};

/* ---- lifecycle ---- */

static int i8042_realize(Device *dev, Error *err)
{
    I8042State *s = (I8042State *)dev;
    Machine *m = dev->machine;

    memory_region_init_io(&s->data_mr, "i8042 data", 1, &i8042_data_ops, s);
    memory_region_init_io(&s->cmd_mr, "i8042 cmd", 1, &i8042_cmd_ops, s);
    if (machine_map_ports(m, I8042_DATA_PORT, &s->data_mr) < 0 ||
        machine_map_ports(m, I8042_CMD_PORT, &s->cmd_mr) < 0) {
        address_space_unmap_region(&m->io, &s->data_mr);
        return error_setg(err, "cannot map ports 0x60/0x64");
    }
    return 0;
}

static void i8042_unrealize(Device *dev)
{
    I8042State *s = (I8042State *)dev;

    address_space_unmap_region(&dev->machine->io, &s->data_mr);
    address_space_unmap_region(&dev->machine->io, &s->cmd_mr);
}

static void i8042_reset(Device *dev)
{
    I8042State *s = (I8042State *)dev;

    memset(s->ram, 0, sizeof(s->ram));
    s->ram[0] = CCB_KBD_INT | CCB_AUX_INT;
    s->status = 0;
    s->outport = OUT_DEFAULT;
    s->pending = 0;
    s->ob_full = s->ob_aux = false;
    s->ob_data = 0;
    queue_clear(&s->ctrl_q);
    queue_clear(&s->kbd_q);
    queue_clear(&s->aux_q);
    kbd_defaults(s);
    s->kbd_scan = true;
    s->kbd_last = 0;
    aux_defaults(s);
    s->aux_type = 0;
    s->aux_buttons = 0;
    memset(s->aux_rates, 0, sizeof(s->aux_rates));
    i8042_update_irq(s);
}

static void queue_save(SaveBuf *b, const ByteQueue *q)
{
    save_u8(b, q->head);
    save_u8(b, q->count);
    for (int i = 0; i < I8042_QUEUE_SIZE; i++) {
        save_u16(b, q->data[i]);
    }
}

static bool queue_load(SaveBuf *b, ByteQueue *q, uint16_t max_value)
{
    bool ok;

    q->head = load_u8(b);
    q->count = load_u8(b);
    ok = q->head < I8042_QUEUE_SIZE && q->count <= I8042_QUEUE_SIZE;
    for (int i = 0; i < I8042_QUEUE_SIZE; i++) {
        q->data[i] = load_u16(b);
        ok = ok && q->data[i] <= max_value;
    }
    return ok;
}

static void i8042_save(Device *dev, SaveBuf *b)
{
    I8042State *s = (I8042State *)dev;

    save_u8(b, I8042_SAVE_VERSION);
    save_bytes(b, s->ram, sizeof(s->ram));
    save_u8(b, s->status);
    save_u8(b, s->outport);
    save_u8(b, s->pending);
    save_u8(b, (uint8_t)(s->ob_full | (s->ob_aux << 1)));
    save_u8(b, s->ob_data);
    queue_save(b, &s->ctrl_q);
    queue_save(b, &s->kbd_q);
    queue_save(b, &s->aux_q);
    save_u8(b, s->kbd_cmd);
    save_u8(b, s->kbd_scan);
    save_u8(b, s->kbd_set);
    save_u8(b, s->kbd_leds);
    save_u8(b, s->kbd_typematic);
    save_u8(b, s->kbd_last);
    save_u8(b, s->aux_cmd);
    save_u8(b, s->aux_enabled);
    save_u8(b, s->aux_rate);
    save_u8(b, s->aux_res);
    save_u8(b, s->aux_scaling);
    save_u8(b, s->aux_remote);
    save_u8(b, s->aux_type);
    save_bytes(b, s->aux_rates, sizeof(s->aux_rates));
    save_u8(b, s->aux_buttons);
    save_u32(b, (uint32_t)s->aux_dx);
    save_u32(b, (uint32_t)s->aux_dy);
    save_u32(b, (uint32_t)s->aux_dz);
}

static bool i8042_state_valid(const I8042State *t)
{
    return (t->status & ~(STAT_SYS | STAT_CMD)) == 0 &&
           (t->pending == 0 || i8042_cmd_takes_data(t->pending)) &&
           (t->kbd_cmd == 0 || t->kbd_cmd == 0xed || t->kbd_cmd == 0xf0 ||
            t->kbd_cmd == 0xf3) &&
           t->kbd_set >= 1 && t->kbd_set <= 3 && t->kbd_leds <= 7 &&
           t->kbd_typematic < 0x80 &&
           (t->aux_cmd == 0 || t->aux_cmd == 0xe8 || t->aux_cmd == 0xf3) &&
           t->aux_res <= 3 && t->aux_rate <= 200 && t->aux_scaling <= 1 &&
           (t->aux_type == 0 || t->aux_type == 3) && t->aux_buttons <= 7 &&
           t->aux_dx >= -4096 && t->aux_dx <= 4096 &&
           t->aux_dy >= -4096 && t->aux_dy <= 4096 &&
           t->aux_dz >= -64 && t->aux_dz <= 64;
}

static int i8042_load(Device *dev, SaveBuf *b, Error *err)
{
    I8042State *s = (I8042State *)dev;
    I8042State t = *s;
    uint8_t version = load_u8(b);
    uint8_t obflags;
    bool ok;

    load_bytes(b, t.ram, sizeof(t.ram));
    t.status = load_u8(b);
    t.outport = load_u8(b);
    t.pending = load_u8(b);
    obflags = load_u8(b);
    t.ob_full = obflags & 1;
    t.ob_aux = (obflags >> 1) & 1;
    t.ob_data = load_u8(b);
    ok = queue_load(b, &t.ctrl_q, 0x1ff);
    ok = queue_load(b, &t.kbd_q, 0xff) && ok;
    ok = queue_load(b, &t.aux_q, 0xff) && ok;
    t.kbd_cmd = load_u8(b);
    t.kbd_scan = load_u8(b) != 0;
    t.kbd_set = load_u8(b);
    t.kbd_leds = load_u8(b);
    t.kbd_typematic = load_u8(b);
    t.kbd_last = load_u8(b);
    t.aux_cmd = load_u8(b);
    t.aux_enabled = load_u8(b) != 0;
    t.aux_rate = load_u8(b);
    t.aux_res = load_u8(b);
    t.aux_scaling = load_u8(b);
    t.aux_remote = load_u8(b) != 0;
    t.aux_type = load_u8(b);
    load_bytes(b, t.aux_rates, sizeof(t.aux_rates));
    t.aux_buttons = load_u8(b);
    t.aux_dx = (int32_t)load_u32(b);
    t.aux_dy = (int32_t)load_u32(b);
    t.aux_dz = (int32_t)load_u32(b);
    if (b->error || version != I8042_SAVE_VERSION || !ok || obflags > 3 ||
        !i8042_state_valid(&t)) {
        return error_setg(err, "i8042: bad state");
    }
    *s = t;
    return 0;
}

static void i8042_post_load(Device *dev)
{
    i8042_update_irq((I8042State *)dev);
}

const DeviceType i8042_type = {
    .name = "i8042",
    .desc = "PS/2 keyboard and mouse controller",
    .instance_size = sizeof(I8042State),
    .realize = i8042_realize,
    .unrealize = i8042_unrealize,
    .reset = i8042_reset,
    .save = i8042_save,
    .load = i8042_load,
    .post_load = i8042_post_load,
};
