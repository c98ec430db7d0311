/* Unit tests for the local APIC: registers, priorities, EOI, IPIs, the
 * timer in its three modes, LVT masking, x2APIC MSRs, IA32_APIC_BASE,
 * the 8259 through LINT0, save/load and random writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hw/core/devtypes.h"
#include "hw/intc/intc.h"

#define LAPIC 0xfee00000ull

typedef struct Fx {
    Machine m;
    VCPU cpu;
    APICState *apic;
} Fx;

static int setup(void **state)
{
    Fx *f = xzalloc(sizeof(*f));
    Error err = { "" };

    pthread_mutex_init(&f->m.lock, NULL);
    log_init(&f->m.log);
    timerlist_init(&f->m.timers);
    clock_pause(&f->m.timers);               /* tests drive virtual time */
    f->m.cfg.smp = 1;
    assert_int_equal(machine_init_memory(&f->m, 16 << 20, &err), 0);
    f->cpu = (VCPU){ .index = 0, .machine = &f->m, .thread = pthread_self() };
    x86_cpu_state_reset(&f->cpu.env);
    f->m.cpus[0] = &f->cpu;
    f->m.ncpus = 1;
    f->apic = (APICState *)device_create(&f->m, "apic", NULL, "cpu=0", &err);
    assert_non_null(f->apic);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fx *f = *state;
    if (f->m.pic) {
        device_destroy(&f->m.pic->dev);
    }
    device_destroy(&f->apic->dev);
    machine_destroy_memory(&f->m);
    free(f);
    return 0;
}

static uint32_t rd(Fx *f, unsigned off)
{
    return (uint32_t)address_space_ld(&f->m.mem, LAPIC + off, 4);
}

static void wr(Fx *f, unsigned off, uint32_t v)
{
    address_space_st(&f->m.mem, LAPIC + off, v, 4);
}

static bool irr_has(Fx *f, int v)
{
    return rd(f, 0x200 + (v >> 5) * 0x10) & (1u << (v & 31));
}

static bool isr_has(Fx *f, int v)
{
    return rd(f, 0x100 + (v >> 5) * 0x10) & (1u << (v & 31));
}

static unsigned irq_req(Fx *f)
{
    return atomic_load(&f->cpu.interrupt_request);
}

static void self_ipi(Fx *f, uint8_t vector)
{
    wr(f, 0x300, 0x40000 | vector);
}

/* Advances the paused virtual clock by ns, running timers every 5 us. */
static void advance(Fx *f, int64_t ns)
{
    while (ns > 0) {
        int64_t step = MIN(ns, 5000);
        f->m.timers.start_ns -= step;
        ns -= step;
        timerlist_run(&f->m.timers);
    }
}

static void run_for(Fx *f, int us)
{
    advance(f, us * 1000ll);
}

static void test_registers(void **state)
{
    Fx *f = *state;

    assert_int_equal(rd(f, 0x20), 0);
    assert_int_equal(rd(f, 0x30), 0x50014);
    assert_int_equal(rd(f, 0xf0), 0xff);     /* software-disabled */
    assert_int_equal(rd(f, 0xe0), 0xffffffff);
    assert_int_equal(rd(f, 0x350), 0x700);   /* BSP: LINT0 ExtINT */
    assert_int_equal(rd(f, 0x360), 0x400);   /* BSP: LINT1 NMI */
    assert_int_equal(rd(f, 0x320), 0x10000);
    wr(f, 0x20, 0x05000000);
    assert_int_equal(rd(f, 0x20), 0x05000000);
    wr(f, 0x30, 0);
    assert_int_equal(rd(f, 0x30), 0x50014);
    wr(f, 0xd0, 0x12345678);
    assert_int_equal(rd(f, 0xd0), 0x12000000);
    wr(f, 0xe0, 0x0);
    assert_int_equal(rd(f, 0xe0), 0x0fffffff);
    wr(f, 0xf0, 0xffffffff);
    assert_int_equal(rd(f, 0xf0), 0x3ff);
    wr(f, 0x3e0, 0xff);
    assert_int_equal(rd(f, 0x3e0), 0xb);
    wr(f, 0x320, 0xffffffff);                /* reserved mode 3 kept out */
    assert_int_equal(rd(f, 0x320) & ~0x60000u, 0x100ff);
    wr(f, 0x370, 0xffffffff);
    assert_int_equal(rd(f, 0x370), 0x100ff);
    /* byte access to TPR (widened by the memory core) */
    address_space_st(&f->m.mem, LAPIC + 0x80, 0x20, 1);
    assert_int_equal(rd(f, 0x80), 0x20);
    /* illegal register address sets ESR bit 7 */
    rd(f, 0x2a0);
    wr(f, 0x280, 0);
    assert_int_equal(rd(f, 0x280), APIC_ESR_ILLEGAL_REG);
    wr(f, 0x280, 0);
    assert_int_equal(rd(f, 0x280), 0);
}

static void test_priority(void **state)
{
    Fx *f = *state;

    wr(f, 0xf0, 0x1ff);
    wr(f, 0x80, 0x40);
    self_ipi(f, 0x55);
    self_ipi(f, 0x35);
    assert_true(irr_has(f, 0x55) && irr_has(f, 0x35));
    assert_true(apic_has_interrupt(f->apic));
    assert_true(irq_req(f) & CPU_INTERRUPT_HARD);
    assert_int_equal(apic_get_interrupt(f->apic), 0x55);
    assert_true(isr_has(f, 0x55));
    assert_int_equal(rd(f, 0xa0), 0x50);     /* PPR from the ISR */
    assert_false(apic_has_interrupt(f->apic));
    assert_false(irq_req(f) & CPU_INTERRUPT_HARD);
    self_ipi(f, 0x56);                       /* same class: blocked */
    assert_false(apic_has_interrupt(f->apic));
    self_ipi(f, 0x61);                       /* higher class: nests */
    assert_int_equal(apic_get_interrupt(f->apic), 0x61);
    wr(f, 0xb0, 0);
    assert_false(isr_has(f, 0x61));
    assert_true(isr_has(f, 0x55));
    wr(f, 0xb0, 0);
    assert_int_equal(rd(f, 0xa0), 0x40);     /* PPR = TPR */
    assert_int_equal(apic_get_interrupt(f->apic), 0x56);
    wr(f, 0xb0, 0);
    assert_int_equal(apic_get_interrupt(f->apic), -1);  /* 0x35 <= TPR */
    apic_set_tpr(f->apic, 2);
    assert_int_equal(rd(f, 0x80), 0x20);
    assert_int_equal(apic_get_tpr(f->apic), 2);
    assert_int_equal(apic_get_interrupt(f->apic), 0x35);
    wr(f, 0xb0, 0);
    assert_int_equal(rd(f, 0x90), 0x20);     /* APR */
    /* software-disabled: nothing is delivered */
    self_ipi(f, 0x70);
    wr(f, 0xf0, 0xff);
    assert_int_equal(apic_get_interrupt(f->apic), -1);
    assert_true(irr_has(f, 0x70));
}

static void test_ipi(void **state)
{
    Fx *f = *state;

    wr(f, 0xf0, 0x1ff);
    wr(f, 0x310, 0x00000000);
    wr(f, 0x300, 0x00000042);                /* fixed, physical, dest 0 */
    assert_true(irr_has(f, 0x42));
    wr(f, 0x310, 0x03000000);
    wr(f, 0x300, 0x00000043);                /* nobody has ID 3 */
    assert_false(irr_has(f, 0x43));
    wr(f, 0x300, 0x000c0044);                /* all but self */
    assert_false(irr_has(f, 0x44));
    wr(f, 0x300, 0x00080045);                /* all including self */
    assert_true(irr_has(f, 0x45));
    wr(f, 0xd0, 0x01000000);
    wr(f, 0x310, 0x01000000);
    wr(f, 0x300, 0x00000846);                /* logical, flat */
    assert_true(irr_has(f, 0x46));
    wr(f, 0xe0, 0x0fffffff);                 /* cluster model */
    wr(f, 0xd0, 0x21000000);
    wr(f, 0x310, 0x21000000);
    wr(f, 0x300, 0x00000847);
    assert_true(irr_has(f, 0x47));
    wr(f, 0x310, 0x11000000);
    wr(f, 0x300, 0x00000848);
    assert_false(irr_has(f, 0x48));
    /* NMI, INIT, SIPI */
    wr(f, 0x300, 0x00040400);
    assert_true(irq_req(f) & CPU_INTERRUPT_NMI);
    wr(f, 0x300, 0x0004c500);
    assert_true(irq_req(f) & CPU_INTERRUPT_INIT);
    wr(f, 0x300, 0x00040699);
    assert_true(irq_req(f) & CPU_INTERRUPT_SIPI);
    assert_int_equal(apic_sipi_vector(f->apic), 0x99);
    /* illegal vectors */
    wr(f, 0x370, 0xfe);                      /* error LVT unmasked */
    self_ipi(f, 0x05);
    wr(f, 0x280, 0);
    assert_int_equal(rd(f, 0x280), APIC_ESR_SEND_ILLEGAL);
    assert_true(irr_has(f, 0xfe));
    apic_deliver(&f->m, 0, 0, APIC_DM_FIXED, 0x07, 0);
    wr(f, 0x280, 0);
    assert_int_equal(rd(f, 0x280), APIC_ESR_RECV_ILLEGAL);
    /* INIT resets the APIC but keeps ID and base */
    wr(f, 0x20, 0x07000000);
    apic_init_reset(f->apic);
    assert_int_equal(rd(f, 0x20), 0x07000000);
    assert_int_equal(rd(f, 0xf0), 0xff);
    assert_false(irr_has(f, 0x42));
}

static void test_timer_oneshot(void **state)
{
    Fx *f = *state;
    uint32_t c1, c2;

    wr(f, 0xf0, 0x1ff);
    wr(f, 0x3e0, 0xb);                       /* divide by 1 */
    wr(f, 0x320, 0xec);                      /* one-shot */
    wr(f, 0x380, 2000000);                   /* 2 ms */
    assert_int_equal(rd(f, 0x380), 2000000);
    c1 = rd(f, 0x390);
    advance(f, 2000);
    c2 = rd(f, 0x390);
    assert_true(c1 <= 2000000 && c2 < c1 && c2 > 0);
    assert_false(irr_has(f, 0xec));
    run_for(f, 3000);
    assert_true(irr_has(f, 0xec));
    assert_int_equal(rd(f, 0x390), 0);
    assert_int_equal(apic_get_interrupt(f->apic), 0xec);
    wr(f, 0xb0, 0);
    run_for(f, 400);
    assert_false(irr_has(f, 0xec));          /* fired once */
    /* divide by 128: the count runs 128 times slower */
    wr(f, 0x3e0, 0xa);
    wr(f, 0x380, 100000);                    /* 12.8 ms */
    advance(f, 128000);                      /* 1000 counts */
    assert_int_equal(rd(f, 0x390), 99000);
    /* writing 0 stops it */
    wr(f, 0x380, 0);
    assert_int_equal(rd(f, 0x390), 0);
    run_for(f, 200);
    assert_false(irr_has(f, 0xec));
}

static void test_timer_periodic(void **state)
{
    Fx *f = *state;
    int fired = 0;

    wr(f, 0xf0, 0x1ff);
    wr(f, 0x3e0, 0xb);
    wr(f, 0x320, 0x200ed);                   /* periodic */
    wr(f, 0x380, 100000);                    /* 100 us */
    int64_t end = clock_ns(&f->m.timers) + 1500 * 1000;
    while (clock_ns(&f->m.timers) < end) {
        advance(f, 50000);
        if (apic_get_interrupt(f->apic) == 0xed) {
            fired++;
            wr(f, 0xb0, 0);
        }
    }
    assert_int_equal(fired, 15);               /* 1.5 ms / 100 us */
    assert_true(rd(f, 0x390) <= 100000 && rd(f, 0x390) > 0);
    /* masked: the timer runs but delivers nothing */
    wr(f, 0x320, 0x300ed);
    run_for(f, 300);
    assert_false(irr_has(f, 0xed));
    assert_true(rd(f, 0x390) > 0);
    /* software disable masks every LVT, and they stay masked */
    wr(f, 0xf0, 0xff);
    assert_true(rd(f, 0x350) & APIC_LVT_MASKED);
    wr(f, 0x320, 0x200ed);
    assert_true(rd(f, 0x320) & APIC_LVT_MASKED);
}

static void test_timer_tsc_deadline(void **state)
{
    Fx *f = *state;
    uint64_t v;

    wr(f, 0xf0, 0x1ff);
    /* ignored outside TSC-deadline mode */
    assert_int_equal(apic_msr_write(f->apic, MSR_IA32_TSC_DEADLINE, 12345), 0);
    assert_int_equal(apic_msr_read(f->apic, MSR_IA32_TSC_DEADLINE, &v), 0);
    assert_int_equal(v, 0);
    wr(f, 0x320, 0x400ee);
    wr(f, 0x380, 1000);                      /* ignored in this mode */
    assert_int_equal(rd(f, 0x380), 0);
    uint64_t tsc = pc_cpu_get_tsc(&f->cpu);
    uint64_t dl = tsc + PC_TSC_HZ / 5000;    /* 200 us */
    apic_msr_write(f->apic, MSR_IA32_TSC_DEADLINE, dl);
    apic_msr_read(f->apic, MSR_IA32_TSC_DEADLINE, &v);
    assert_int_equal(v, dl);
    timerlist_run(&f->m.timers);
    assert_false(irr_has(f, 0xee));
    run_for(f, 1000);
    assert_true(irr_has(f, 0xee));
    assert_true(pc_cpu_get_tsc(&f->cpu) >= dl);
    apic_msr_read(f->apic, MSR_IA32_TSC_DEADLINE, &v);
    assert_int_equal(v, 0);                  /* disarmed after firing */
    assert_int_equal(apic_get_interrupt(f->apic), 0xee);
    wr(f, 0xb0, 0);
    /* a deadline in the past fires at once; 0 disarms */
    apic_msr_write(f->apic, MSR_IA32_TSC_DEADLINE, 1);
    timerlist_run(&f->m.timers);
    assert_true(irr_has(f, 0xee));
    assert_int_equal(apic_get_interrupt(f->apic), 0xee);
    wr(f, 0xb0, 0);
    apic_msr_write(f->apic, MSR_IA32_TSC_DEADLINE,
                   pc_cpu_get_tsc(&f->cpu) + PC_TSC_HZ / 10000);
    apic_msr_write(f->apic, MSR_IA32_TSC_DEADLINE, 0);
    run_for(f, 300);
    assert_false(irr_has(f, 0xee));
    /* leaving the mode clears the deadline */
    apic_msr_write(f->apic, MSR_IA32_TSC_DEADLINE, ~0ull);
    wr(f, 0x320, 0xee);
    wr(f, 0x320, 0x400ee);
    apic_msr_read(f->apic, MSR_IA32_TSC_DEADLINE, &v);
    assert_int_equal(v, 0);
}

static void test_x2apic(void **state)
{
    Fx *f = *state;
    uint64_t v, base = LAPIC | MSR_APICBASE_ENABLE | MSR_APICBASE_BSP;

    assert_int_equal(apic_msr_read(f->apic, 0x802, &v), -1);  /* xAPIC */
    assert_int_equal(apic_msr_write(f->apic, MSR_IA32_APICBASE,
                                    base | MSR_APICBASE_EXTD), 0);
    assert_int_not_equal(rd(f, 0x30), 0x50014);  /* MMIO gone */
    assert_int_equal(apic_msr_read(f->apic, 0x802, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(apic_msr_read(f->apic, 0x803, &v), 0);
    assert_int_equal(v, 0x50014);
    assert_int_equal(apic_msr_read(f->apic, 0x80d, &v), 0);
    assert_int_equal(v, 1);                  /* LDR from the ID */
    assert_int_equal(apic_msr_write(f->apic, 0x802, 5), -1);
    assert_int_equal(apic_msr_write(f->apic, 0x803, 0), -1);
    assert_int_equal(apic_msr_write(f->apic, 0x80d, 0), -1);
    assert_int_equal(apic_msr_read(f->apic, 0x80e, &v), -1);  /* no DFR */
    assert_int_equal(apic_msr_read(f->apic, 0x809, &v), -1);  /* no APR */
    assert_int_equal(apic_msr_read(f->apic, 0x80b, &v), -1);  /* EOI: WO */
    assert_int_equal(apic_msr_read(f->apic, 0x83f, &v), -1);  /* SELF: WO */
    assert_int_equal(apic_msr_read(f->apic, 0x831, &v), -1);
    assert_int_equal(apic_msr_read(f->apic, 0x804, &v), -1);  /* reserved */
    assert_int_equal(apic_msr_write(f->apic, 0x80f, 0x1ff), 0);
    assert_int_equal(apic_msr_write(f->apic, 0x80f, 0x100001ff), -1);
    assert_int_equal(apic_msr_write(f->apic, 0x808, 0x30), 0);
    assert_int_equal(apic_msr_read(f->apic, 0x808, &v), 0);
    assert_int_equal(v, 0x30);
    assert_int_equal(apic_msr_write(f->apic, 0x808, 0x130), -1);
    assert_int_equal(apic_msr_write(f->apic, 0x808, 1ull << 32), -1);
    /* ICR is one 64-bit register */
    assert_int_equal(apic_msr_write(f->apic, 0x830, 0x0000000000000066ull), 0);
    assert_true(f->apic->irr[0x66 >> 5] & (1u << (0x66 & 31)));
    assert_int_equal(apic_msr_read(f->apic, 0x830, &v), 0);
    assert_int_equal(v, 0x66);
    assert_int_equal(apic_msr_write(f->apic, 0x830, 0x0000000100000067ull), 0);
    assert_false(f->apic->irr[0x67 >> 5] & (1u << (0x67 & 31)));
    assert_int_equal(apic_msr_write(f->apic, 0x831, 0), -1);
    /* SELF IPI */
    assert_int_equal(apic_msr_write(f->apic, 0x83f, 0x68), 0);
    assert_true(f->apic->irr[0x68 >> 5] & (1u << (0x68 & 31)));
    assert_int_equal(apic_msr_write(f->apic, 0x83f, 0x168), -1);
    /* EOI must be written with 0 */
    assert_int_equal(apic_get_interrupt(f->apic), 0x68);
    assert_int_equal(apic_msr_write(f->apic, 0x80b, 1), -1);
    assert_int_equal(apic_msr_write(f->apic, 0x80b, 0), 0);
    assert_int_equal(apic_msr_read(f->apic, 0x810 + 3, &v), 0);
    assert_int_equal(v, 0);
    /* ESR: write 0 only */
    assert_int_equal(apic_msr_write(f->apic, 0x828, 1), -1);
    assert_int_equal(apic_msr_write(f->apic, 0x828, 0), 0);
    /* timer registers */
    assert_int_equal(apic_msr_write(f->apic, 0x83e, 0x3), 0);
    assert_int_equal(apic_msr_write(f->apic, 0x83e, 0x4), -1);
    assert_int_equal(apic_msr_write(f->apic, 0x832, 0x20040), 0);
    assert_int_equal(apic_msr_write(f->apic, 0x839, 1), -1);  /* CCR: RO */
    /* out of the range */
    assert_int_equal(apic_msr_read(f->apic, 0x900, &v), -1);
    assert_true(apic_msr_is_apic(0x8ff) && !apic_msr_is_apic(0x900));
    /* x2APIC cannot go back to xAPIC */
    assert_int_equal(apic_msr_write(f->apic, MSR_IA32_APICBASE, base), -1);
}

static void test_apic_base(void **state)
{
    Fx *f = *state;
    uint64_t base = LAPIC | MSR_APICBASE_ENABLE | MSR_APICBASE_BSP;

    assert_int_equal(apic_get_base(f->apic), base);
    assert_int_equal(f->cpu.env.apic_base, base);
    wr(f, 0xf0, 0x1ff);
    wr(f, 0x320, 0x200ec);
    wr(f, 0x380, 1000000);
    self_ipi(f, 0x50);
    /* reserved bits, EXTD without EN, disabled -> x2APIC */
    assert_int_equal(apic_set_base(f->apic, base | (1ull << 9)), -1);
    assert_int_equal(apic_set_base(f->apic, LAPIC | MSR_APICBASE_EXTD), -1);
    assert_int_equal(apic_set_base(f->apic, base | (1ull << 60)), -1);
    /* disable: the APIC is reset and its page disappears */
    assert_int_equal(apic_set_base(f->apic, LAPIC), 0);
    assert_int_equal(rd(f, 0x30), 0xffffffff);
    assert_false(timer_pending(&f->apic->timer));
    assert_false(apic_has_interrupt(f->apic));
    assert_true(apic_accepts_pic(f->apic));  /* LINT0 is plain INTR */
    assert_int_equal(apic_set_base(f->apic, LAPIC | MSR_APICBASE_ENABLE |
                                   MSR_APICBASE_EXTD), -1);
    /* re-enable: back software-disabled, with every LVT masked */
    assert_int_equal(apic_set_base(f->apic, LAPIC | MSR_APICBASE_ENABLE), 0);
    assert_int_equal(apic_get_base(f->apic), base);  /* BSP is read-only */
    assert_int_equal(rd(f, 0x30), 0x50014);
    assert_int_equal(rd(f, 0xf0), 0xff);
    assert_int_equal(rd(f, 0x350), 0x10000);
    assert_int_equal(rd(f, 0x320), 0x10000);
    assert_false(irr_has(f, 0x50));
    assert_false(apic_accepts_pic(f->apic));
    /* relocation */
    assert_int_equal(apic_set_base(f->apic, 0xfed00000ull | MSR_APICBASE_ENABLE), 0);
    assert_int_equal(address_space_ld(&f->m.mem, 0xfed00030, 4), 0x50014);
    assert_int_equal(rd(f, 0x30), 0xffffffff);
    assert_int_equal(apic_set_base(f->apic, base), 0);
    assert_int_equal(rd(f, 0x30), 0x50014);
    /* x2APIC -> disabled -> xAPIC is the way back */
    assert_int_equal(apic_set_base(f->apic, base | MSR_APICBASE_EXTD), 0);
    assert_int_equal(apic_set_base(f->apic, LAPIC), 0);
    assert_int_equal(apic_set_base(f->apic, base), 0);
    assert_int_equal(rd(f, 0x20), 0);
}

static void test_pic_through_lint0(void **state)
{
    Fx *f = *state;
    Error err = { "" };
    static const uint8_t init[][2] = {
        { 0x20, 0x11 }, { 0x21, 0x30 }, { 0x21, 0x04 }, { 0x21, 0x01 },
        { 0xa0, 0x11 }, { 0xa1, 0x38 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
        { 0x21, 0x00 }, { 0xa1, 0x00 },
    };

    assert_non_null(device_create(&f->m, "i8259", NULL, "", &err));
    for (size_t i = 0; i < ARRAY_SIZE(init); i++) {
        address_space_st(&f->m.io, init[i][0], init[i][1], 1);
    }
    /* virtual wire: the 8259 reaches the CPU with the APIC software-off */
    pc_intc_set_gsi(&f->m, 1, 1);
    pc_intc_set_gsi(&f->m, 1, 0);
    assert_true(irq_req(f) & CPU_INTERRUPT_HARD);
    assert_int_equal(pc_cpu_get_interrupt(&f->cpu), 0x31);
    assert_false(irq_req(f) & CPU_INTERRUPT_HARD);
    address_space_st(&f->m.io, 0x20, 0x20, 1);
    /* LINT0 masked: the 8259 is cut off */
    wr(f, 0xf0, 0x1ff);
    wr(f, 0x350, 0x10700);
    pc_intc_set_gsi(&f->m, 1, 1);
    pc_intc_set_gsi(&f->m, 1, 0);
    assert_false(irq_req(f) & CPU_INTERRUPT_HARD);
    /* APIC interrupts go first */
    self_ipi(f, 0x80);
    wr(f, 0x350, 0x700);
    assert_true(irq_req(f) & CPU_INTERRUPT_HARD);
    assert_int_equal(pc_cpu_get_interrupt(&f->cpu), 0x80);
    assert_int_equal(pc_cpu_get_interrupt(&f->cpu), 0x31);
    /* LINT1 NMI */
    apic_set_lint(f->apic, 1, 1);
    wr(f, 0x360, 0x400);
    apic_set_lint(f->apic, 1, 0);
    apic_set_lint(f->apic, 1, 1);
    assert_true(irq_req(f) & CPU_INTERRUPT_NMI);
    /* APIC hardware-disabled: INTR goes straight through */
    address_space_st(&f->m.io, 0x20, 0x20, 1);
    address_space_st(&f->m.io, 0x20, 0x20, 1);
    apic_set_base(f->apic, LAPIC);
    pc_intc_set_gsi(&f->m, 3, 1);
    assert_true(irq_req(f) & CPU_INTERRUPT_HARD);
    assert_int_equal(pc_cpu_get_interrupt(&f->cpu), 0x33);
}

static void test_save_load(void **state)
{
    Fx *f = *state;
    SaveBuf sb, rb;
    Error err = { "" };

    wr(f, 0xf0, 0x1ff);
    wr(f, 0x80, 0x20);
    wr(f, 0xd0, 0x04000000);
    wr(f, 0x3e0, 0x3);
    wr(f, 0x320, 0x200ec);
    wr(f, 0x380, 50000000);
    self_ipi(f, 0x91);
    self_ipi(f, 0x41);
    assert_int_equal(apic_get_interrupt(f->apic), 0x91);
    savebuf_init(&sb);
    apic_type.save(&f->apic->dev, &sb);
    apic_type.reset(&f->apic->dev);
    assert_int_equal(rd(f, 0xf0), 0xff);
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(apic_type.load(&f->apic->dev, &rb, &err), 0);
    assert_int_equal(rd(f, 0xf0), 0x1ff);
    assert_int_equal(rd(f, 0x80), 0x20);
    assert_int_equal(rd(f, 0xd0), 0x04000000);
    assert_true(isr_has(f, 0x91) && irr_has(f, 0x41));
    assert_int_equal(rd(f, 0x380), 50000000);
    assert_true(rd(f, 0x390) > 0 && rd(f, 0x390) <= 50000000);
    assert_true(timer_pending(&f->apic->timer));

    /* corrupt: reserved APIC base bit, EXTD without EN, bad LVT, DCR */
    uint8_t saved[8];
    memcpy(saved, sb.data, 8);
    sb.data[1] |= 0x02;                      /* bit 9 */
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(apic_type.load(&f->apic->dev, &rb, &err), -1);
    memcpy(sb.data, saved, 8);
    sb.data[1] = (sb.data[1] & ~0x08) | 0x04;
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(apic_type.load(&f->apic->dev, &rb, &err), -1);
    memcpy(sb.data, saved, 8);
    size_t lvt_off = 8 + 4 + 1 + 4 + 96 + 4 + 4 + 8 + 4 + 4;
    sb.data[lvt_off + 3] = 0x80;             /* LVT timer bit 31 */
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(apic_type.load(&f->apic->dev, &rb, &err), -1);
    sb.data[lvt_off + 3] = 0;
    sb.data[lvt_off + 24] = 0x04;            /* DCR bit 2 */
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(apic_type.load(&f->apic->dev, &rb, &err), -1);
    sb.data[lvt_off + 24] = 0x03;
    savebuf_init_read(&rb, sb.data, sb.len - 1);
    assert_int_equal(apic_type.load(&f->apic->dev, &rb, &err), -1);
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(apic_type.load(&f->apic->dev, &rb, &err), 0);
    savebuf_free(&sb);
}

static void test_random_writes(void **state)
{
    Fx *f = *state;
    unsigned seed = 4242;
    uint64_t v;

    for (int i = 0; i < 100000; i++) {
        int r = rand_r(&seed);
        uint32_t val = (uint32_t)rand_r(&seed) ^ ((uint32_t)rand_r(&seed) << 16);
        switch (r % 6) {
        case 0:
            address_space_st(&f->m.mem, LAPIC + ((r >> 4) & 0xfff), val,
                             1u << ((r >> 16) & 3));
            break;
        case 1:
            address_space_ld(&f->m.mem, LAPIC + ((r >> 4) & 0xfff),
                             1u << ((r >> 16) & 3));
            break;
        case 2:
            apic_msr_write(f->apic, 0x800 + ((r >> 4) & 0xff),
                           val | (uint64_t)(r & 0x10000) << 20);
            break;
        case 3:
            apic_msr_read(f->apic, 0x800 + ((r >> 4) & 0xff), &v);
            break;
        case 4:
            if (((r >> 4) & 63) == 0) {
                apic_set_base(f->apic, (uint64_t)val << 8);
            } else {
                pc_cpu_get_interrupt(&f->cpu);
            }
            break;
        default:
            timerlist_run(&f->m.timers);
            break;
        }
    }
    /* the state still saves and loads */
    SaveBuf sb, rb;
    Error err = { "" };
    savebuf_init(&sb);
    apic_type.save(&f->apic->dev, &sb);
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(apic_type.load(&f->apic->dev, &rb, &err), 0);
    savebuf_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_priority, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_oneshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_periodic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_tsc_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_x2apic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apic_base, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pic_through_lint0, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_writes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
