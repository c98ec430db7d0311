/* Unit tests for the I/O APIC: registers, redirection entries, masking,
 * edge and level delivery to the local APIC, remote IRR and EOI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hw/core/devtypes.h"
#include "hw/intc/intc.h"

#define IOAPIC 0xfec00000ull
#define LAPIC 0xfee00000ull

typedef struct Fx {
    Machine m;
    VCPU cpu;
    IOAPICState *io;
    APICState *apic;
} Fx;

static Fx *fx_new(const char *ioapic_props)
{
    Fx *f = xzalloc(sizeof(*f));
    Error err = { "" };

    pthread_mutex_init(&f->m.lock, NULL);
    log_init(&f->m.log);
    timerlist_init(&f->m.timers);
    f->m.cfg.smp = 1;
    assert_int_equal(machine_init_memory(&f->m, 16 << 20, &err), 0);
    f->cpu = (VCPU){ .index = 0, .machine = &f->m, .thread = pthread_self() };
    x86_cpu_state_reset(&f->cpu.env);
    f->m.cpus[0] = &f->cpu;
    f->m.ncpus = 1;
    f->apic = (APICState *)device_create(&f->m, "apic", NULL, "cpu=0", &err);
    assert_non_null(f->apic);
    f->io = (IOAPICState *)device_create(&f->m, "ioapic", NULL, ioapic_props,
                                        &err);
    assert_non_null(f->io);
    /* software-enable the local APIC, TPR 0 */
    address_space_st(&f->m.mem, LAPIC + 0xf0, 0x1ff, 4);
    return f;
}

static int setup(void **state)
{
    *state = fx_new("");
    return 0;
}

static int setup_v20(void **state)
{
    *state = fx_new("version=0x20");
    return 0;
}

static int teardown(void **state)
{
    Fx *f = *state;
    device_destroy(&f->io->dev);
    device_destroy(&f->apic->dev);
    machine_destroy_memory(&f->m);
    free(f);
    return 0;
}

static uint32_t io_read(Fx *f, uint8_t reg)
{
    address_space_st(&f->m.mem, IOAPIC, reg, 1);
    return (uint32_t)address_space_ld(&f->m.mem, IOAPIC + 0x10, 4);
}

static void io_write(Fx *f, uint8_t reg, uint32_t v)
{
    address_space_st(&f->m.mem, IOAPIC, reg, 4);
    address_space_st(&f->m.mem, IOAPIC + 0x10, v, 4);
}

static void set_rte(Fx *f, int pin, uint64_t v)
{
    io_write(f, 0x11 + 2 * pin, (uint32_t)(v >> 32));
    io_write(f, 0x10 + 2 * pin, (uint32_t)v);
}

static uint64_t get_rte(Fx *f, int pin)
{
    return io_read(f, 0x10 + 2 * pin) | (uint64_t)io_read(f, 0x11 + 2 * pin) << 32;
}

static bool irr_has(Fx *f, int v)
{
    return f->apic->irr[v >> 5] & (1u << (v & 31));
}

static void lapic_eoi(Fx *f)
{
    address_space_st(&f->m.mem, LAPIC + 0xb0, 0, 4);
}

static void test_registers(void **state)
{
    Fx *f = *state;

    assert_int_equal(io_read(f, 0x01), 0x00170011);
    assert_int_equal(io_read(f, 0x00), 0);
    io_write(f, 0x00, 0xffffffff);
    assert_int_equal(io_read(f, 0x00), 0x0f000000);
    assert_int_equal(io_read(f, 0x02), 0x0f000000);
    io_write(f, 0x01, 0);                    /* read-only */
    assert_int_equal(io_read(f, 0x01), 0x00170011);
    for (int pin = 0; pin < 24; pin++) {
        assert_int_equal(get_rte(f, pin), IOAPIC_RTE_MASKED);
    }
    assert_int_equal(io_read(f, 0x40), 0);   /* past the table */
    /* the index register reads back */
    address_space_st(&f->m.mem, IOAPIC, 0x13, 4);
    assert_int_equal(address_space_ld(&f->m.mem, IOAPIC, 4), 0x13);
}

static void test_rte_programming(void **state)
{
    Fx *f = *state;

    set_rte(f, 5, 0xff000000000000ffull | IOAPIC_RTE_DELIVS |
                  IOAPIC_RTE_REMOTE_IRR | (7ull << 8) | IOAPIC_RTE_DESTMODE |
                  IOAPIC_RTE_POLARITY | IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED |
                  (0x3full << 17));
    /* delivery status, remote IRR and reserved bits are not writable */
    assert_int_equal(get_rte(f, 5), 0xff000000000000ffull | (7ull << 8) |
                     IOAPIC_RTE_DESTMODE | IOAPIC_RTE_POLARITY |
                     IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED);
    set_rte(f, 23, 0x0100000000000042ull);
    assert_int_equal(get_rte(f, 23), 0x0100000000000042ull);
    /* byte access to the data window */
    address_space_st(&f->m.mem, IOAPIC, 0x10 + 2 * 23, 1);
    address_space_st(&f->m.mem, IOAPIC + 0x10, 0x55, 1);
    assert_int_equal(get_rte(f, 23), 0x0100000000000055ull);
}

static void test_masked_pin(void **state)
{
    Fx *f = *state;

    set_rte(f, 4, 0x41 | IOAPIC_RTE_MASKED);
    ioapic_set_irq(f->io, 4, 1);
    ioapic_set_irq(f->io, 4, 0);
    assert_false(irr_has(f, 0x41));
    set_rte(f, 4, 0x41);
    assert_false(irr_has(f, 0x41));          /* masked edges are dropped */
    assert_int_equal(atomic_load(&f->cpu.interrupt_request) &
                     CPU_INTERRUPT_HARD, 0);
    /* a masked level pin is delivered when unmasked */
    set_rte(f, 9, 0x49 | IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED);
    ioapic_set_irq(f->io, 9, 1);
    assert_false(irr_has(f, 0x49));
    set_rte(f, 9, 0x49 | IOAPIC_RTE_LEVEL);
    assert_true(irr_has(f, 0x49));
}

static void test_edge_delivery(void **state)
{
    Fx *f = *state;

    set_rte(f, 4, 0x41);                     /* fixed, physical, dest 0 */
    ioapic_set_irq(f->io, 4, 1);
    assert_true(irr_has(f, 0x41));
    assert_true(atomic_load(&f->cpu.interrupt_request) & CPU_INTERRUPT_HARD);
    ioapic_set_irq(f->io, 4, 1);             /* no new edge */
    assert_int_equal(pc_cpu_get_interrupt(&f->cpu), 0x41);
    assert_false(irr_has(f, 0x41));
    assert_int_equal(pc_cpu_get_interrupt(&f->cpu), -1);
    lapic_eoi(f);
    ioapic_set_irq(f->io, 4, 0);
    ioapic_set_irq(f->io, 4, 1);
    assert_int_equal(pc_cpu_get_interrupt(&f->cpu), 0x41);
    lapic_eoi(f);
    /* wrong destination: nobody gets it */
    set_rte(f, 6, 0x0500000000000046ull);
    ioapic_set_irq(f->io, 6, 1);
    assert_false(irr_has(f, 0x46));
    /* logical destination (flat model) */
    address_space_st(&f->m.mem, LAPIC + 0xd0, 0x02000000, 4);
    set_rte(f, 7, 0x0300000000000047ull | IOAPIC_RTE_DESTMODE);
    ioapic_set_irq(f->io, 7, 1);
    assert_true(irr_has(f, 0x47));
    /* lowest priority, broadcast destination */
    set_rte(f, 8, 0xff00000000000148ull);
    ioapic_set_irq(f->io, 8, 1);
    assert_true(irr_has(f, 0x48));
}

static void test_level_remote_irr(void **state)
{
    Fx *f = *state;

    set_rte(f, 10, 0x51 | IOAPIC_RTE_LEVEL);
    ioapic_set_irq(f->io, 10, 1);
    assert_true(get_rte(f, 10) & IOAPIC_RTE_REMOTE_IRR);
    assert_true(f->apic->tmr[0x51 >> 5] & (1u << (0x51 & 31)));
    assert_int_equal(pc_cpu_get_interrupt(&f->cpu), 0x51);
    ioapic_set_irq(f->io, 10, 1);
    assert_false(irr_has(f, 0x51));          /* remote IRR holds it */
    lapic_eoi(f);                            /* broadcast: line still high */
    assert_true(irr_has(f, 0x51));
    assert_true(get_rte(f, 10) & IOAPIC_RTE_REMOTE_IRR);
    assert_int_equal(pc_cpu_get_interrupt(&f->cpu), 0x51);
    ioapic_set_irq(f->io, 10, 0);
    lapic_eoi(f);
    assert_false(get_rte(f, 10) & IOAPIC_RTE_REMOTE_IRR);
    assert_false(irr_has(f, 0x51));
    /* switching to edge clears remote IRR */
    ioapic_set_irq(f->io, 10, 1);
    assert_true(get_rte(f, 10) & IOAPIC_RTE_REMOTE_IRR);
    set_rte(f, 10, 0x51 | IOAPIC_RTE_MASKED);
    assert_false(get_rte(f, 10) & IOAPIC_RTE_REMOTE_IRR);
}

static void test_eoi_register(void **state)
{
    Fx *f = *state;

    assert_int_equal(io_read(f, 0x01), 0x00170020);
    set_rte(f, 11, 0x61 | IOAPIC_RTE_LEVEL);
    ioapic_set_irq(f->io, 11, 1);
    assert_int_equal(pc_cpu_get_interrupt(&f->cpu), 0x61);
    address_space_st(&f->m.mem, IOAPIC + 0x40, 0x62, 4);
    assert_true(get_rte(f, 11) & IOAPIC_RTE_REMOTE_IRR);
    address_space_st(&f->m.mem, IOAPIC + 0x40, 0x61, 4);
    assert_true(irr_has(f, 0x61));           /* still asserted: resent */
}

static void test_gsi_routing(void **state)
{
    Fx *f = *state;

    set_rte(f, 2, 0x30);
    set_rte(f, 0, 0x31);
    pc_intc_set_gsi(&f->m, 0, 1);            /* ISA IRQ 0 is pin 2 */
    assert_true(irr_has(f, 0x30));
    assert_false(irr_has(f, 0x31));
    set_rte(f, 20, 0x70);
    pc_intc_set_gsi(&f->m, 20, 1);
    assert_true(irr_has(f, 0x70));
    pc_intc_set_gsi(&f->m, 99, 1);           /* out of range: ignored */
}

static void test_save_load(void **state)
{
    Fx *f = *state;
    SaveBuf sb, rb;
    Error err = { "" };

    io_write(f, 0x00, 0x05000000);
    set_rte(f, 3, 0x0100000000008043ull);
    set_rte(f, 12, 0x53 | IOAPIC_RTE_LEVEL);
    ioapic_set_irq(f->io, 12, 1);
    savebuf_init(&sb);
    ioapic_type.save(&f->io->dev, &sb);
    ioapic_type.reset(&f->io->dev);
    assert_int_equal(get_rte(f, 3), IOAPIC_RTE_MASKED);
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(ioapic_type.load(&f->io->dev, &rb, &err), 0);
    assert_int_equal(io_read(f, 0x00), 0x05000000);
    assert_int_equal(get_rte(f, 3), 0x0100000000008043ull);
    assert_true(get_rte(f, 12) & IOAPIC_RTE_REMOTE_IRR);

    sb.data[0] = 0x10;                       /* ID out of range */
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(ioapic_type.load(&f->io->dev, &rb, &err), -1);
    sb.data[0] = 5;
    sb.data[10 + 8 * 3 + 1] |= 0x10;         /* delivery status bit */
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(ioapic_type.load(&f->io->dev, &rb, &err), -1);
    sb.data[10 + 8 * 3 + 1] &= ~0x10;
    sb.data[5] = 0xff;                       /* irr bit of pin 31 */
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(ioapic_type.load(&f->io->dev, &rb, &err), -1);
    savebuf_init_read(&rb, sb.data, sb.len - 3);
    assert_int_equal(ioapic_type.load(&f->io->dev, &rb, &err), -1);
    assert_int_equal(get_rte(f, 3), 0x0100000000008043ull);
    savebuf_free(&sb);
}

static void test_random_writes(void **state)
{
    Fx *f = *state;
    unsigned seed = 777;

    for (int i = 0; i < 100000; i++) {
        int r = rand_r(&seed);
        uint64_t off = (uint64_t)(r & 0x7f);
        switch ((r >> 8) % 5) {
        case 0:
            address_space_st(&f->m.mem, IOAPIC + off, (uint32_t)rand_r(&seed),
                             1u << ((r >> 12) & 3));
            break;
        case 1:
            address_space_ld(&f->m.mem, IOAPIC + off, 1u << ((r >> 12) & 3));
            break;
        case 2:
            ioapic_set_irq(f->io, (r >> 12) % 30 - 2, (r >> 20) & 1);
            break;
        case 3:
            pc_cpu_get_interrupt(&f->cpu);
            break;
        default:
            lapic_eoi(f);
            break;
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rte_programming, setup, teardown),
        cmocka_unit_test_setup_teardown(test_masked_pin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edge_delivery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_remote_irr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eoi_register, setup_v20, teardown),
        cmocka_unit_test_setup_teardown(test_gsi_routing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_writes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
