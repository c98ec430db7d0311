/* Unit tests for pc-testdev (data ports 0xe0/0xe8, IRQ ports 0x2000,
 * scratch memory at 0xff000000, the flush port, save/load) and the
 * silent port 0x80. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hw/core/devtypes.h"
#include "hw/pc/pc.h"

typedef struct Fx {
    Machine m;
    Device *dev;
    int level[PC_NUM_GSI];
} Fx;

static void fx_irq(void *opaque, int n, int level)
{
    ((Fx *)opaque)->level[n] = level;
}

static int setup(void **state)
{
    Fx *f = xzalloc(sizeof(*f));
    Error err = { "" };

    pthread_mutex_init(&f->m.lock, NULL);
    log_init(&f->m.log);
    timerlist_init(&f->m.timers);
    assert_int_equal(machine_init_memory(&f->m, 16 << 20, &err), 0);
    for (int i = 0; i < PC_NUM_GSI; i++) {
        f->m.gsi[i] = (IrqLine){ fx_irq, f, i };
    }
    f->dev = device_create(&f->m, "pc-testdev", NULL, "", &err);
    assert_non_null(f->dev);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fx *f = *state;

    device_destroy(f->dev);
    machine_destroy_memory(&f->m);
    free(f);
    return 0;
}

static uint64_t in(Fx *f, uint16_t port, unsigned size)
{
    return address_space_ld(&f->m.io, port, size);
}

static void out(Fx *f, uint16_t port, uint64_t v, unsigned size)
{
    address_space_st(&f->m.io, port, v, size);
}

static void test_data_ports(void **state)
{
    Fx *f = *state;

    assert_int_equal(in(f, 0xe0, 4), 0);
    out(f, 0xe0, 0x12345678, 4);
    assert_int_equal(in(f, 0xe0, 4), 0x12345678);
    assert_int_equal(in(f, 0xe1, 1), 0x56);
    assert_int_equal(in(f, 0xe2, 2), 0x1234);
    out(f, 0xe3, 0xab, 1);
    assert_int_equal(in(f, 0xe0, 4), 0xab345678);
    out(f, 0xe1, 0xcdef, 2);
    assert_int_equal(in(f, 0xe0, 4), 0xabcdef78);
    /* the byte-wise window sees the same register */
    assert_int_equal(in(f, 0xe8, 4), 0xabcdef78);
    assert_int_equal(in(f, 0xea, 1), 0xcd);
    out(f, 0xe8, 0x01020304, 4);
    assert_int_equal(in(f, 0xe0, 4), 0x01020304);
}

static void test_irq_ports(void **state)
{
    Fx *f = *state;

    out(f, 0x2000 + 10, 1, 1);
    assert_int_equal(f->level[10], 1);
    out(f, 0x2000 + 23, 5, 1);
    assert_int_equal(f->level[23], 1);
    out(f, 0x2000 + 10, 0, 1);
    assert_int_equal(f->level[10], 0);
    assert_int_equal(in(f, 0x2000 + 23, 1), 0);
    /* past the 24 lines: not the test device's */
    out(f, 0x2000 + 24, 1, 1);
    assert_int_equal(in(f, 0x2000 + 24, 1), 0xff);
}

static void test_iomem_and_flush(void **state)
{
    Fx *f = *state;
    SaveBuf sb, rb;
    Error err = { "" };

    address_space_st(&f->m.mem, 0xff000000, 0x1122334455667788ull, 8);
    assert_int_equal(address_space_ld(&f->m.mem, 0xff000004, 4), 0x11223344);
    address_space_st(&f->m.mem, 0xff00fffe, 0xbeef, 2);
    assert_int_equal(address_space_ld(&f->m.mem, 0xff00fffe, 2), 0xbeef);
    assert_int_equal(address_space_ld(&f->m.mem, 0xff010000, 4), 0xffffffff);
    /* flush of any address (no TCG state here): accepted, reads 0 */
    out(f, 0xe4, 0x1000, 4);
    out(f, 0xe4, 0xfffff000, 4);
    assert_int_equal(in(f, 0xe4, 4), 0);
    /* save/load keeps the register and the memory */
    out(f, 0xe0, 0xcafe, 4);
    savebuf_init(&sb);
    f->dev->type->save(f->dev, &sb);
    out(f, 0xe0, 0, 4);
    address_space_st(&f->m.mem, 0xff000000, 0, 8);
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(f->dev->type->load(f->dev, &rb, &err), 0);
    assert_int_equal(in(f, 0xe0, 4), 0xcafe);
    assert_int_equal(address_space_ld(&f->m.mem, 0xff000000, 8),
                     0x1122334455667788ull);
    sb.data[0] = 7;
    savebuf_init_read(&rb, sb.data, sb.len);
    assert_int_equal(f->dev->type->load(f->dev, &rb, &err), -1);
    savebuf_free(&sb);
}

static void test_port80(void **state)
{
    Fx *f = *state;
    Error err = { "" };
    Device *p = device_create(&f->m, "port80", NULL, "", &err);

    assert_non_null(p);
    out(f, 0x80, 0x12, 1);
    out(f, 0x80, 0x1234, 2);
    assert_int_equal(in(f, 0x80, 1), 0xff);
    assert_non_null(address_space_lookup(&f->m.io, 0x80));
    device_destroy(p);
    assert_null(address_space_lookup(&f->m.io, 0x80));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_data_ports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_irq_ports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_iomem_and_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_port80, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
