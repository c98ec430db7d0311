/*
 * Unit tests for the BIOS data area of -kernel boots (hw/pc/bda.c): the
 * COM port table, the EBDA segment and its size byte, the equipment word
 * (x87, serial port count) and the base memory size; the device fills
 * them from the UARTs present, with an IVT whose every vector is an IRET
 * in the EBDA, restores them on reset, and leaves RAM
 * alone when firmware boots (the firmware owns the BDA then).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hw/core/devtypes.h"
#include "hw/pc/bda.h"

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static void test_build(void **state)
{
    BdaConfig c = { { 0x3f8, 0x2f8, 0, 0 } };
    uint8_t bda[BDA_SIZE];

    memset(bda, 0xaa, sizeof(bda));
    bda_build(&c, bda);
    assert_int_equal(rd16(bda + 0x00), 0x3f8);
    assert_int_equal(rd16(bda + 0x02), 0x2f8);
    assert_int_equal(rd16(bda + 0x04), 0);
    assert_int_equal(rd16(bda + 0x06), 0);
    assert_int_equal(rd16(bda + 0x08), 0);          /* no LPT1 */
    assert_int_equal(rd16(bda + 0x0e), 0x9fc0);     /* EBDA segment */
    assert_int_equal(rd16(bda + 0x10), 0x0402);     /* 2 COM ports, x87 */
    assert_int_equal(rd16(bda + 0x13), 639);        /* KiB below the EBDA */
    for (int i = 0x15; i < BDA_SIZE; i++) {
        assert_int_equal(bda[i], 0);
    }
}

static void test_build_no_serial(void **state)
{
    BdaConfig c = { { 0 } };
    uint8_t bda[BDA_SIZE];

    bda_build(&c, bda);
    assert_int_equal(rd16(bda + 0x10), 0x0002);
    assert_int_equal(rd16(bda + 0x00), 0);
}

static void test_build_ivt(void **state)
{
    uint8_t ivt[BDA_IVT_SIZE];

    memset(ivt, 0xaa, sizeof(ivt));
    bda_build_ivt(ivt);
    for (int i = 0; i < 256; i++) {
        uint32_t lin = rd16(ivt + 4 * i + 2) * 16u + rd16(ivt + 4 * i);
        assert_int_equal(lin, 0x9fc10);
    }
}

static Machine *machine_new(const char *kernel, const char *bios)
{
    Machine *m = xzalloc(sizeof(*m));
    Error err = { { 0 } };

    pthread_mutex_init(&m->lock, NULL);
    log_init(&m->log);
    timerlist_init(&m->timers);
    clock_pause(&m->timers);
    m->cfg.smp = 1;
    m->cfg.kernel = kernel;
    m->cfg.bios = bios;
    assert_int_equal(machine_init_memory(m, 64 * MiB, NULL), 0);
    m->root = device_new(m, &machine_root_type, NULL, "pc");
    m->root->realized = true;
    assert_non_null(device_create(m, "isa-serial", m->root,
                                  "iobase=0x3f8,irq=4", &err));
    assert_non_null(device_create(m, "isa-serial", m->root,
                                  "iobase=0x3e8,irq=4,index=2", &err));
    if (!device_create(m, "bios-data-area", m->root, "", &err)) {
        fail_msg("bios-data-area: %s", err.msg);
    }
    return m;
}

static void machine_free(Machine *m)
{
    device_destroy(m->root);
    machine_destroy_memory(m);
    free(m);
}

static const uint8_t *ram_at(Machine *m, uint64_t addr, uint64_t len)
{
    const uint8_t *p = address_space_get_ptr(&m->mem, addr, len);

    assert_non_null(p);
    return p;
}

static void test_kernel_boot(void **state)
{
    Machine *m = machine_new("vmlinuz", NULL);
    const uint8_t *bda = ram_at(m, 0x400, BDA_SIZE);

    assert_int_equal(rd16(bda + 0x00), 0x3f8);
    assert_int_equal(rd16(bda + 0x02), 0);          /* no COM2 */
    assert_int_equal(rd16(bda + 0x04), 0x3e8);      /* COM3 */
    assert_int_equal(rd16(bda + 0x0e), 0x9fc0);
    assert_int_equal((rd16(bda + 0x10) >> 9) & 7, 2);
    assert_int_equal(rd16(bda + 0x13), 639);
    assert_int_equal(ram_at(m, 0x9fc00, 1)[0], 1);  /* EBDA: 1 KiB */
    assert_int_equal(rd16(ram_at(m, 0x13 * 4 + 2, 2)), 0x9fc1);  /* int 13h */
    assert_int_equal(ram_at(m, 0x9fc10, 1)[0], 0xcf);             /* IRET */
    /* the guest overwrote them: a reset writes them again */
    address_space_fill(&m->mem, 0, 0xff, 0x400 + BDA_SIZE);
    address_space_fill(&m->mem, 0x9fc10, 0, 1);
    device_reset_tree(m->root);
    assert_int_equal(rd16(ram_at(m, 0x413, 2)), 639);
    assert_int_equal(rd16(ram_at(m, 0x400, 2)), 0x3f8);
    assert_int_equal(rd16(ram_at(m, 0x10 * 4, 2)), 0x0000);       /* int 10h */
    assert_int_equal(ram_at(m, 0x9fc10, 1)[0], 0xcf);
    machine_free(m);
}

static void test_firmware_boot(void **state)
{
    Machine *m = machine_new(NULL, "bios.bin");

    assert_int_equal(rd16(ram_at(m, 0x400, 2)), 0);
    assert_int_equal(rd16(ram_at(m, 0x413, 2)), 0);
    assert_int_equal(rd16(ram_at(m, 0x13 * 4 + 2, 2)), 0);
    machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build),
        cmocka_unit_test(test_build_no_serial),
        cmocka_unit_test(test_build_ivt),
        cmocka_unit_test(test_kernel_boot),
        cmocka_unit_test(test_firmware_boot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
