/*
 * The userspace interrupt controllers of the pc machine: the cascaded
 * 8259A pair ("i8259"), the 82093AA I/O APIC ("ioapic") and one local
 * APIC per vCPU ("apic"), plus the glue the machine and the CPU side use.
 *
 * Wiring (the machine does it; defaults shown):
 *   device IRQ lines:  m->gsi[i] = { pc_intc_set_gsi, m, i } sends GSI i to
 *                      8259 input i (i < 16) and to IOAPIC pin i, except
 *                      ISA IRQ 0 which goes to IOAPIC pin 2 (the usual
 *                      interrupt source override, to be listed in MADT/MP).
 *   8259 INTR pin:     PICState.intr, by default { pc_pic_intr, m, 0 }:
 *                      LINT0 of vCPU 0's local APIC (ExtINT in virtual
 *                      wire mode), or straight to vCPU 0 with no APIC.
 *   IOAPIC/IPIs/MSIs:  apic_deliver(m, ...) to every matching local APIC.
 *   level EOI:         the local APIC calls ioapic_eoi(m->ioapic, vector).
 *
 * CPU side (all with m->lock held):
 *   VCPU.interrupt_request gets CPU_INTERRUPT_HARD while a maskable
 *   interrupt is deliverable (APIC or 8259), CPU_INTERRUPT_NMI / _INIT /
 *   _SIPI when those arrive; the vCPU is kicked when it is not the caller.
 *   At an interrupt window with RFLAGS.IF=1 the CPU calls
 *   pc_cpu_get_interrupt(cpu) for the vector (-1: nothing after all). It
 *   clears NMI/INIT/SIPI itself when it takes them; for INIT it resets its
 *   state and calls apic_init_reset(); for SIPI it reads apic_sipi_vector().
 *   MOV CR8 goes through apic_set_tpr()/apic_get_tpr(); RDMSR/WRMSR of
 *   IA32_APIC_BASE, IA32_TSC_DEADLINE and 0x800-0x8ff through
 *   apic_msr_read()/apic_msr_write() (-1 means #GP).
 *   The guest TSC is pc_cpu_get_tsc(): virtual clock at PC_TSC_HZ plus
 *   IA32_TSC_ADJUST; RDTSC and the TSC-deadline timer both use it.
 */
#ifndef KITE_INTC_H
#define KITE_INTC_H

#include "hw/core/irq.h"
#include "hw/core/memory.h"
#include "hw/core/qdev.h"
#include "hw/core/timer.h"
#include "hw/pc/pc.h"

/* The guest TSC frequency, in one place. */
#define PC_TSC_HZ 2000000000ull
/* The local APIC timer's input clock (the "bus clock" before the divider). */
#define APIC_BUS_HZ 1000000000ull

/* a * b / c without overflow for the values used here (c <= 2^32). */
static inline uint64_t muldiv64(uint64_t a, uint64_t b, uint64_t c)
{
    return (a / c) * b + (a % c) * b / c;
}

/* ------------------------------------------------------------------ 8259 */

#define PIC_MASTER_BASE 0x20
#define PIC_SLAVE_BASE  0xa0
#define PIC_ELCR_BASE   0x4d0

/* One 8259A chip. */
typedef struct PIC8259 {
    uint8_t irr;            /* interrupt request register */
    uint8_t isr;            /* in-service register */
    uint8_t imr;            /* interrupt mask register (OCW1) */
    uint8_t pins;           /* input levels, for edge detection */
    uint8_t elcr;           /* edge/level control: 1 = level */
    uint8_t elcr_mask;      /* lines whose trigger mode may be changed */
    uint8_t vector_base;    /* ICW2, low three bits zero */
    uint8_t lowest;         /* the line with the lowest priority */
    uint8_t init_state;     /* 0 ready, 1-3 expecting ICW2-ICW4 */
    bool icw4_needed, single, ltim;
    bool auto_eoi, rotate_aeoi, sfnm, special_mask, poll, read_isr;
} PIC8259;

struct PICState {
    Device dev;
    PIC8259 chip[2];        /* 0 master, 1 slave (on master IR2) */
    IrqLine intr;           /* the master's INTR output */
    int intr_level;
    MemoryRegion io[2], io_elcr;
};

extern const DeviceType pic_type;

/* Sets input irq (0-15) to level. */
void pic_set_irq(PICState *s, int irq, int level);
/* The INTA cycle: returns the vector, spurious IRQ 7/15 if nothing. */
int pic_read_irq(PICState *s);
/* Level of the INTR pin. */
bool pic_get_intr(const PICState *s);
/* Default handler for PICState.intr (opaque: Machine). */
void pc_pic_intr(void *opaque, int n, int level);
/* IrqHandler for the machine's GSI lines (opaque: Machine, n: GSI). */
void pc_intc_set_gsi(void *opaque, int gsi, int level);

/* ---------------------------------------------------------------- IOAPIC */

#define IOAPIC_DEFAULT_BASE 0xfec00000ull
#define IOAPIC_NUM_PINS 24

/* Redirection table entry bits */
#define IOAPIC_RTE_VECTOR     0xffull
#define IOAPIC_RTE_DELMODE_SHIFT 8
#define IOAPIC_RTE_DESTMODE   (1ull << 11)
#define IOAPIC_RTE_DELIVS     (1ull << 12)
#define IOAPIC_RTE_POLARITY   (1ull << 13)
#define IOAPIC_RTE_REMOTE_IRR (1ull << 14)
#define IOAPIC_RTE_LEVEL      (1ull << 15)
#define IOAPIC_RTE_MASKED     (1ull << 16)
#define IOAPIC_RTE_DEST_SHIFT 56

struct IOAPICState {
    Device dev;
    uint64_t base;          /* property */
    uint32_t version;       /* property: 0x11 or 0x20 (EOI register) */
    uint8_t id;
    uint8_t regsel;
    uint32_t irr;           /* pending requests by pin */
    uint32_t levels;        /* input levels by pin */
    uint64_t rte[IOAPIC_NUM_PINS];
    MemoryRegion mmio;
};

extern const DeviceType ioapic_type;

void ioapic_set_irq(IOAPICState *s, int pin, int level);
/* End of interrupt for vector: clears remote IRR of level entries. */
void ioapic_eoi(IOAPICState *s, uint8_t vector);

/* ------------------------------------------------------------ local APIC */

/* Delivery modes (ICR, LVT, IOAPIC redirection entries) */
enum {
    APIC_DM_FIXED = 0, APIC_DM_LOWEST = 1, APIC_DM_SMI = 2,
    APIC_DM_NMI = 4, APIC_DM_INIT = 5, APIC_DM_SIPI = 6, APIC_DM_EXTINT = 7,
};

/* LVT indices */
enum {
    APIC_LVT_TIMER, APIC_LVT_THERMAL, APIC_LVT_PERF,
    APIC_LVT_LINT0, APIC_LVT_LINT1, APIC_LVT_ERROR, APIC_LVT_NB,
};

#define APIC_LVT_MASKED     (1u << 16)
#define APIC_LVT_LEVEL      (1u << 15)
#define APIC_LVT_REMOTE_IRR (1u << 14)
#define APIC_LVT_TIMER_MODE_SHIFT 17
enum { APIC_TIMER_ONESHOT, APIC_TIMER_PERIODIC, APIC_TIMER_TSC_DEADLINE };

#define APIC_SVR_ENABLE     (1u << 8)
#define APIC_VERSION        0x00050014u  /* version 0x14, max LVT 5 */

/* ESR bits */
#define APIC_ESR_SEND_ILLEGAL  (1u << 5)
#define APIC_ESR_RECV_ILLEGAL  (1u << 6)
#define APIC_ESR_ILLEGAL_REG   (1u << 7)

struct APICState {
    Device dev;
    uint32_t cpu_index;     /* property "cpu": the vCPU, also the APIC ID */
    uint64_t apicbase;      /* IA32_APIC_BASE */
    uint32_t id;            /* APIC ID (xAPIC uses the low 8 bits) */
    uint8_t tpr;
    uint32_t svr;
    uint32_t isr[8], tmr[8], irr[8];
    uint32_t esr, esr_pending;
    uint64_t icr;
    uint32_t ldr, dfr;
    uint32_t lvt[APIC_LVT_NB];
    uint32_t dcr;           /* divide configuration */
    uint32_t initial_count;
    int64_t timer_start_ns; /* when the current count was initial_count */
    int64_t timer_next_ns;  /* next expiry while armed */
    uint64_t tsc_deadline;
    Timer timer;
    uint8_t lint_level[2];
    bool extint_pending;    /* an ExtINT message arrived (IOAPIC/IPI) */
    uint8_t sipi_vector;
    uint64_t mapped_base;   /* where mmio is mapped, or 1 if unmapped */
    MemoryRegion mmio;
};

extern const DeviceType apic_type;

/*
 * Delivers an interrupt message (IOAPIC redirection, MSI, IPI) to every
 * local APIC of m that matches dest in dest_mode (0 physical, 1 logical).
 */
void apic_deliver(Machine *m, uint32_t dest, int dest_mode, int delivery_mode,
                  uint8_t vector, int trigger_mode);
/* The vCPU whose thread is calling (vCPU 0 for any other thread). */
VCPU *apic_current_cpu(Machine *m);
/* The local APIC of cpu, or NULL. */
APICState *apic_of_cpu(VCPU *cpu);

/* Highest deliverable vector, moved from IRR to ISR; -1 if none. */
int apic_get_interrupt(APICState *s);
bool apic_has_interrupt(APICState *s);
/* CR8 view of the TPR (0-15). */
void apic_set_tpr(APICState *s, uint8_t cr8);
uint8_t apic_get_tpr(const APICState *s);
/* RDMSR/WRMSR of IA32_APIC_BASE, IA32_TSC_DEADLINE and 0x800-0x8ff. */
int apic_msr_read(APICState *s, uint32_t msr, uint64_t *val);
int apic_msr_write(APICState *s, uint32_t msr, uint64_t val);
bool apic_msr_is_apic(uint32_t msr);
uint64_t apic_get_base(const APICState *s);
int apic_set_base(APICState *s, uint64_t val);
/* Sets the level of LINT0/LINT1 (lint 0 or 1). */
void apic_set_lint(APICState *s, int lint, int level);
/* The effect of INIT on the APIC (all but ID and base reset). */
void apic_init_reset(APICState *s);
uint8_t apic_sipi_vector(const APICState *s);
/* Whether the 8259's INTR reaches this APIC's CPU (virtual wire / disabled). */
bool apic_accepts_pic(const APICState *s);

/* The interrupt window: APIC first, then the 8259 (through LINT0/ExtINT). */
int pc_cpu_get_interrupt(VCPU *cpu);
/* Recomputes CPU_INTERRUPT_HARD of cpu (and kicks it if it became set). */
void pc_cpu_update_interrupt(VCPU *cpu);
/* The guest TSC of cpu. */
uint64_t pc_cpu_get_tsc(VCPU *cpu);

#endif
