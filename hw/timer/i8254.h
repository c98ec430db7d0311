/*
 * The 8254 programmable interval timer ("i8254"), after the Intel 82C54
 * data sheet, with the PC's system control port B (0x61) that gates
 * counter 2 and reads back its output.
 *
 * Ports 0x40-0x42 are counters 0-2, 0x43 the control word. The input
 * clock is PIT_HZ; counter 0's output drives the IrqLine m->gsi[irq]
 * (ISA IRQ 0), counter 1 is free (DRAM refresh on old PCs), counter 2's
 * gate is port 0x61 bit 0 and its output port 0x61 bit 5.
 *
 * Counters are not stepped: their value and output are computed from the
 * virtual clock (ticks since the count started), and counter 0 arms a
 * Timer for its next output transition.
 */
#ifndef KITE_I8254_H
#define KITE_I8254_H

#include "hw/core/irq.h"
#include "hw/core/memory.h"
#include "hw/core/qdev.h"
#include "hw/core/timer.h"

#define PIT_HZ 1193182ull
#define PIT_IOBASE 0x40
#define PIT_PORT61 0x61

typedef struct PITState PITState;

typedef struct PITChannel {
    PITState *pit;
    int index;
    uint32_t count;          /* reload value: 1-65536 (1-10000 in BCD) */
    uint8_t rw_mode;         /* 1 LSB, 2 MSB, 3 LSB then MSB */
    uint8_t mode;            /* 0-5 */
    bool bcd;
    bool gate;
    bool loaded;             /* a count was written after the control word */
    bool running;            /* the count advances (gate / trigger) */
    uint64_t base_ticks;     /* ticks counted before resume_ns */
    int64_t resume_ns;       /* when the count last (re)started advancing */
    uint16_t latch;
    bool latched, latch_msb_next;
    uint8_t status;
    bool status_latched;
    bool read_msb_next, write_msb_next;
    uint8_t write_lsb;
    bool null_count;
    int irq_level;           /* counter 0: level driven on the IRQ line */
    bool next_is_rise;       /* counter 0: what the armed Timer is for */
    Timer timer;
} PITChannel;

struct PITState {
    Device dev;
    uint32_t irq;            /* property: GSI of counter 0 */
    const IrqLine *irq_line;
    PITChannel ch[3];
    uint8_t port61;          /* bits 0-3 of port 0x61 */
    uint8_t refresh;         /* bit 4 of port 0x61, toggled by each read */
    MemoryRegion io, io61;
};

extern const DeviceType pit_type;

/* Output level of counter n now (for tests and the speaker). */
int pit_get_out(PITState *s, int n);
/* Sets the gate input of counter n (counter 2: port 0x61 bit 0). */
void pit_set_gate(PITState *s, int n, bool gate);

#endif
