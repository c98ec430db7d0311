/*
 * Unit tests for the PIIX4-compatible ACPI PM block: the 24-bit PM timer
 * at 3.579545 MHz, TMR_STS on each toggle of bit 23 and its SCI, PM1
 * status write-one-to-clear and enables, the power button, GPE0, SCI_EN
 * through the APM command port (ACPI_ENABLE/ACPI_DISABLE), S5 through
 * SLP_TYP|SLP_EN ending the machine with status 0, other sleep types
 * refused, byte accesses, save/load and garbage on the ports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hw/acpi/piix4-pm.h"
#include "hw/core/devtypes.h"
#include "hw/pc/pc.h"
#include "hw/pci/i440fx.h"

#define PM1_STS  (ACPI_PM_BASE + 0)
#define PM1_EN   (ACPI_PM_BASE + 2)
#define PM1_CNT  (ACPI_PM_BASE + 4)
#define PM_TMR   (ACPI_PM_BASE + 8)
/* 2^23 ticks of 3.579545 MHz, rounded up to a nanosecond */
#define TOGGLE_NS 2343484437ll

typedef struct TestMachine {
    Machine m;
    PMState *pm;
    int level, raises;
} TestMachine;

static void record_irq(void *opaque, int n, int level)
{
    TestMachine *t = opaque;

    assert_int_equal(n, ACPI_SCI_IRQ);
    if (level && !t->level) {
        t->raises++;
    }
    t->level = level;
}

static int setup(void **state)
{
    TestMachine *t = xzalloc(sizeof(*t));
    Machine *m = &t->m;
    Error err = { { 0 } };

    pthread_mutex_init(&m->lock, NULL);
    log_init(&m->log);
    timerlist_init(&m->timers);
    clock_pause(&m->timers);
    m->cfg.smp = 1;
    assert_int_equal(machine_init_memory(m, 64 << 20, NULL), 0);
    m->gsi[ACPI_SCI_IRQ] = (IrqLine){ record_irq, t, ACPI_SCI_IRQ };
    m->root = device_new(m, &machine_root_type, NULL, "pc");
    m->root->realized = true;
    assert_non_null(device_create(m, "i440FX", m->root, "", &err));
    assert_non_null(device_create(m, "PIIX3", m->root, "addr=1", &err));
    t->pm = (PMState *)device_create(m, "piix4-pm", m->root, "addr=1.3",
                                     &err);
    assert_non_null(t->pm);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    TestMachine *t = *state;

    device_destroy(t->m.root);
    machine_destroy_memory(&t->m);
    free(t);
    return 0;
}

static void advance_ns(TestMachine *t, int64_t ns)
{
    t->m.timers.start_ns -= ns;
    timerlist_run(&t->m.timers);
}

static uint32_t in(TestMachine *t, uint16_t port, unsigned size)
{
    return (uint32_t)address_space_ld(&t->m.io, port, size);
}

static void out(TestMachine *t, uint16_t port, uint32_t v, unsigned size)
{
    address_space_st(&t->m.io, port, v, size);
}

static void test_pm_timer(void **state)
{
    TestMachine *t = *state;
    uint32_t a = in(t, PM_TMR, 4), b;

    assert_true(a < (1u << 24));
    advance_ns(t, 1000000000);                        /* one second */
    b = in(t, PM_TMR, 4);
    assert_int_equal((b - a) & 0xffffff, 3579545 & 0xffffff);
    advance_ns(t, 10 * 1000000000ll);
    assert_true(in(t, PM_TMR, 4) < (1u << 24));       /* 24 bits wide */
    /* byte and word reads see the same count, the timer is read-only */
    b = in(t, PM_TMR, 4);
    assert_int_equal(in(t, PM_TMR + 2, 1), (b >> 16) & 0xff);
    assert_int_equal(in(t, PM_TMR, 2), b & 0xffff);
    out(t, PM_TMR, 0, 4);
    assert_int_equal(in(t, PM_TMR, 4), b);
}

static void test_timer_status_and_sci(void **state)
{
    TestMachine *t = *state;

    assert_int_equal(in(t, PM1_STS, 2) & PM1_TMR, 0);
    advance_ns(t, TOGGLE_NS);                         /* bit 23 toggles */
    assert_int_equal(in(t, PM1_STS, 2) & PM1_TMR, PM1_TMR);
    assert_int_equal(t->level, 0);                    /* not enabled */
    out(t, PM1_STS, PM1_TMR, 2);                      /* write 1 clears */
    assert_int_equal(in(t, PM1_STS, 2) & PM1_TMR, 0);
    /* TMR_EN but SCI_EN clear: no SCI */
    out(t, PM1_EN, PM1_TMR, 2);
    advance_ns(t, TOGGLE_NS);
    assert_int_equal(t->level, 0);
    out(t, ACPI_SMI_CMD_PORT, ACPI_ENABLE_CMD, 1);
    assert_int_equal(t->level, 1);                    /* pending status */
    out(t, PM1_STS, PM1_TMR, 2);
    assert_int_equal(t->level, 0);
    advance_ns(t, TOGGLE_NS);                         /* the Timer fires */
    assert_int_equal(t->raises, 2);
    assert_int_equal(in(t, PM1_STS, 2) & PM1_TMR, PM1_TMR);
    out(t, PM1_EN, 0, 2);
    assert_int_equal(t->level, 0);
    out(t, PM1_STS, 0xffff, 2);
    assert_int_equal(in(t, PM1_STS, 2), 0);
}

static void test_apm_and_power_button(void **state)
{
    TestMachine *t = *state;

    assert_int_equal(in(t, PM1_CNT, 2) & PM1_CNT_SCI_EN, 0);
    out(t, ACPI_SMI_CMD_PORT, ACPI_ENABLE_CMD, 1);
    assert_int_equal(in(t, PM1_CNT, 2) & PM1_CNT_SCI_EN, PM1_CNT_SCI_EN);
    assert_int_equal(in(t, ACPI_SMI_CMD_PORT, 1), ACPI_ENABLE_CMD);
    out(t, ACPI_SMI_CMD_PORT + 1, 0x5a, 1);           /* APM status: scratch */
    assert_int_equal(in(t, ACPI_SMI_CMD_PORT + 1, 1), 0x5a);
    pm_press_power_button(t->pm);
    assert_int_equal(in(t, PM1_STS, 2) & PM1_PWRBTN, PM1_PWRBTN);
    assert_int_equal(t->level, 0);
    out(t, PM1_EN + 1, PM1_PWRBTN >> 8, 1);           /* byte write of EN */
    assert_int_equal(in(t, PM1_EN, 2), PM1_PWRBTN);
    assert_int_equal(t->level, 1);
    out(t, PM1_STS + 1, PM1_PWRBTN >> 8, 1);          /* byte W1C */
    assert_int_equal(t->level, 0);
    out(t, ACPI_SMI_CMD_PORT, ACPI_DISABLE_CMD, 1);
    assert_int_equal(in(t, PM1_CNT, 2) & PM1_CNT_SCI_EN, 0);
    out(t, PM1_EN, 0xffff, 2);                        /* reserved bits stay 0 */
    assert_int_equal(in(t, PM1_EN, 2),
                     PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC);
}

static void test_gpe0(void **state)
{
    TestMachine *t = *state;

    out(t, ACPI_SMI_CMD_PORT, ACPI_ENABLE_CMD, 1);
    pm_set_gpe(t->pm, 3);
    pm_set_gpe(t->pm, 99);                            /* ignored */
    assert_int_equal(in(t, ACPI_GPE0_BASE, 2), 1u << 3);
    assert_int_equal(t->level, 0);
    out(t, ACPI_GPE0_BASE + 2, 1u << 3, 1);
    assert_int_equal(in(t, ACPI_GPE0_BASE + 2, 2), 1u << 3);
    assert_int_equal(t->level, 1);
    out(t, ACPI_GPE0_BASE, 1u << 3, 1);               /* write 1 clears */
    assert_int_equal(in(t, ACPI_GPE0_BASE, 4), (1u << 3) << 16);
    assert_int_equal(t->level, 0);
}

static void test_sleep(void **state)
{
    TestMachine *t = *state;
    Machine *m = &t->m;

    /* SLP_TYP without SLP_EN, then an unsupported type: nothing happens */
    out(t, PM1_CNT, 5u << PM1_CNT_SLP_TYP_SHIFT, 2);
    assert_int_equal(in(t, PM1_CNT, 2), 5u << PM1_CNT_SLP_TYP_SHIFT);
    out(t, PM1_CNT, 5u << PM1_CNT_SLP_TYP_SHIFT | PM1_CNT_SLP_EN, 2);
    assert_int_equal(atomic_load(&m->requests) & MACHINE_REQ_EXIT, 0);
    assert_int_equal(in(t, PM1_CNT, 2) & PM1_CNT_SLP_EN, 0);  /* write-only */
    /* S5 ends the machine with status 0 */
    m->exit_status = 42;
    out(t, PM1_CNT, ACPI_S5_SLP_TYP << PM1_CNT_SLP_TYP_SHIFT |
                    PM1_CNT_SLP_EN | PM1_CNT_SCI_EN, 2);
    assert_true(atomic_load(&m->requests) & MACHINE_REQ_EXIT);
    assert_int_equal(m->exit_status, 0);
}

static void test_save_load(void **state)
{
    TestMachine *t = *state;
    Device *d = &t->pm->pci.dev;
    SaveBuf sb, rb;
    Error err = { { 0 } };
    /* from the end of the PCI part: version, status, enable, control,
     * and the timer's next toggle */
    static const size_t bad_offsets[] = { 0, 2, 4, 6, 18 };
    size_t base;

    out(t, ACPI_SMI_CMD_PORT, ACPI_ENABLE_CMD, 1);
    out(t, PM1_EN, PM1_PWRBTN, 2);
    pm_press_power_button(t->pm);
    assert_int_equal(t->level, 1);
    savebuf_init(&sb);
    d->type->save(d, &sb);
    base = sb.len - 21;                        /* the PM block's state */
    d->type->reset(d);
    assert_int_equal(t->level, 0);
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(d->type->load(d, &rb, &err), 0);
    d->type->post_load(d);
    assert_int_equal(t->level, 1);
    assert_int_equal(in(t, PM1_EN, 2), PM1_PWRBTN);
    assert_int_equal(in(t, PM1_CNT, 2), PM1_CNT_SCI_EN);
    for (size_t i = 0; i < ARRAY_SIZE(bad_offsets); i++) {
        uint8_t *copy = malloc(sb.len);
        memcpy(copy, sb.data, sb.len);
        copy[base + bad_offsets[i]] ^= 0x40;
        savebuf_init_read(&rb, copy, sb.len);
        assert_int_equal(d->type->load(d, &rb, &err), -1);
        free(copy);
    }
    savebuf_init_read(&rb, sb.data, sb.len - 2);      /* truncated */
    assert_int_equal(d->type->load(d, &rb, &err), -1);
    savebuf_free(&sb);
}

static void test_pci_function(void **state)
{
    TestMachine *t = *state;
    PCIBus *bus = t->m.pci_bus;

    assert_int_equal(pci_bus_config_read(bus, PIIX_PM_DEVFN, 0, 4), 0x71138086);
    assert_int_equal(pci_bus_config_read(bus, PIIX_PM_DEVFN, 8, 4), 0x06800003);
    assert_int_equal(pci_bus_config_read(bus, PIIX_PM_DEVFN, PCI_INTERRUPT_PIN, 1), 1);
    assert_int_equal(pci_bus_config_read(bus, PIIX_PM_DEVFN, PIIX4_PM_PMBA, 4),
                     ACPI_PM_BASE | 1);
    assert_int_equal(pci_bus_config_read(bus, PIIX_PM_DEVFN, PIIX4_PM_PMREGMISC, 1), 1);
    /* firmware relocating the block: the registers stay where the FADT says */
    pci_bus_config_write(bus, PIIX_PM_DEVFN, PIIX4_PM_PMBA, 0xb001, 4);
    pci_bus_config_write(bus, PIIX_PM_DEVFN, PIIX4_PM_PMREGMISC, 0, 1);
    assert_int_equal(pci_bus_config_read(bus, PIIX_PM_DEVFN, PIIX4_PM_PMBA, 4),
                     ACPI_PM_BASE | 1);
    out(t, ACPI_SMI_CMD_PORT, ACPI_ENABLE_CMD, 1);
    assert_int_equal(in(t, PM1_CNT, 2), PM1_CNT_SCI_EN);
    /* a PCI reset is a PM reset */
    device_reset_tree(t->m.root);
    assert_int_equal(in(t, PM1_CNT, 2), 0);
}

static void test_garbage(void **state)
{
    TestMachine *t = *state;
    uint64_t x = 0x2545f4914f6cdd1dull;

    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        unsigned size = 1u << ((x >> 20) % 3);
        uint16_t port = (x >> 8) & 1 ? ACPI_PM_BASE + (unsigned)(x % 0x40)
                                     : ACPI_GPE0_BASE + (unsigned)(x % 4);
        uint32_t v = (uint32_t)(x >> 32);
        if ((x >> 40) & 1) {
            out(t, port, v, size);
        } else {
            (void)in(t, port, size);
        }
        /* a random SLP_EN may power off: only ever with status 0 */
        if (atomic_load(&t->m.requests) & MACHINE_REQ_EXIT) {
            assert_int_equal(t->m.exit_status, 0);
            atomic_store(&t->m.requests, 0);
        }
        assert_int_equal(in(t, PM1_CNT, 2) & ~(PM1_CNT_SCI_EN | 2u |
                                              PM1_CNT_SLP_TYP), 0);
    }
    assert_true(in(t, PM_TMR, 4) < (1u << 24));
}

static uint64_t fuzz_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Save, reset (a load lands on a fresh device), load, post_load. */
static void fuzz_roundtrip(TestMachine *t)
{
    Device *d = &t->pm->pci.dev;
    SaveBuf sb, rb;
    Error err = { { 0 } };
    int raises = t->raises;

    savebuf_init(&sb);
    d->type->save(d, &sb);
    d->type->reset(d);
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(d->type->load(d, &rb, &err), 0);
    d->type->post_load(d);
    savebuf_free(&sb);
    t->raises = raises;
}

static uint16_t fuzz_port(uint64_t r)
{
    switch (r % 4) {
    case 0: case 1: return (uint16_t)(ACPI_PM_BASE + (r >> 2) % 12);
    case 2: return (uint16_t)(ACPI_GPE0_BASE + (r >> 2) % 4);
    default: return (uint16_t)(ACPI_SMI_CMD_PORT + (r >> 2) % 2);
    }
}

/*
 * Two PM blocks get the same accesses, events and time; the second is
 * saved, reset and loaded between operations. Reads and the SCI must
 * stay the same on both.
 */
static void test_saveload_fuzz(void **state)
{
    TestMachine *t[2];
    uint64_t x = 0x6a09e667f3bcc908ull;

    for (int i = 0; i < 2; i++) {
        void *st;
        setup(&st);
        t[i] = st;
        clock_set_manual(&t[i]->m.timers, 1000000000);
    }
    for (int op = 0; op < 30000; op++) {
        uint64_t r = fuzz_next(&x);
        uint16_t port = fuzz_port(r >> 3);
        unsigned size = 1u << ((r >> 12) % 3);
        uint32_t v = (uint32_t)(r >> 32);

        if (port == ACPI_SMI_CMD_PORT && (r >> 20) & 1) {
            v = (r >> 21) & 1 ? ACPI_ENABLE_CMD : ACPI_DISABLE_CMD;
        }
        for (int i = 0; i < 2; i++) {
            switch (r & 7) {
            case 0: case 1: out(t[i], port, v, size); break;
            case 2: pm_press_power_button(t[i]->pm); break;
            case 3: pm_set_gpe(t[i]->pm, (r >> 40) % 16); break;
            case 4: case 5:
                clock_advance(&t[i]->m.timers, (int64_t)((r >> 24) % 3000000000ull));
                timerlist_run(&t[i]->m.timers);
                break;
            case 6: if (i == 1) { fuzz_roundtrip(t[i]); } break;
            default: break;
            }
            atomic_store(&t[i]->m.requests, 0);      /* S5: both sides */
        }
        if ((r & 7) == 7) {
            assert_int_equal(in(t[0], port, size), in(t[1], port, size));
        }
        assert_int_equal(t[0]->level, t[1]->level);
        assert_int_equal(t[0]->raises, t[1]->raises);
    }
    for (int i = 0; i < 2; i++) {
        void *st = t[i];
        teardown(&st);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pm_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_status_and_sci, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apm_and_power_button, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gpe0, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sleep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pci_function, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
        cmocka_unit_test(test_saveload_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
