/*
 * Unit tests of the TCG exec loop's chaining rule (accel/tcg/cpu-exec.c):
 * a TB's direct jump is patched only to the TB the loop went to straight
 * from it, never to the block an interrupt, NMI or exception moved the CPU
 * to. A real-mode guest runs on the "tcg" accelerator of a bare machine;
 * a fake MMIO device at 0x8000 raises an NMI on every store, so the NMI is
 * taken at the end of the very block that has to jump back to itself.
 *
 *   0x1000 A:  mov [0x8000], al     device: NMI request
 *              inc bx
 *              cmp bx, 3
 *              jne A                 the slot that must never lead to H
 *              hlt
 *   0x1100 H:  inc cx                NMI handler (IVT vector 2), same page
 *              iret
 *   0x1800     hlt                   where a spurious IRET lands: the
 *                                    stack holds a frame pointing here
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-machine.h"
#include <string.h>

#include "accel/accel.h"

#define NMI_DEV  0x8000
#define STACK    0x7000

static void nmi_dev_write(void *opaque, uint64_t off, uint64_t val,
                          unsigned size)
{
    VCPU *cpu = opaque;
    atomic_fetch_or(&cpu->interrupt_request, CPU_INTERRUPT_NMI);
}

static const MemoryRegionOps nmi_dev_ops = { .write = nmi_dev_write };

static const uint8_t code_a[] = {
    0xa2, 0x00, 0x80,           /* mov [0x8000], al */
    0x43,                       /* inc bx */
    0x83, 0xfb, 0x03,           /* cmp bx, 3 */
    0x75, 0xf7,                 /* jne 0x1000 */
    0xf4,                       /* hlt */
};
static const uint8_t code_h[] = { 0x41, 0xcf };        /* inc cx; iret */
static const uint8_t ivt_nmi[] = { 0x00, 0x11, 0x00, 0x00 }; /* 0000:1100 */
static const uint8_t frame[] = { 0x00, 0x18, 0x00, 0x00, 0x02, 0x00 };

static void run_nmi_loop(const char *backend)
{
    Machine *m = test_machine(16 * MiB);
    VCPU cpu = { .index = 0, .machine = m };
    MemoryRegion dev;
    Error err = { "" };
    VcpuExit r = VCPU_EXIT_NONE;

    memory_region_init_io(&dev, "nmi-dev", 0x1000, &nmi_dev_ops, &cpu);
    assert_int_equal(address_space_map_region(&m->mem, NMI_DEV, &dev, 0,
                                              0x1000, PRIO_IO), 0);
    assert_int_equal(address_space_write(&m->mem, 0x1000, code_a,
                                         sizeof(code_a)), 0);
    assert_int_equal(address_space_write(&m->mem, 0x1100, code_h,
                                         sizeof(code_h)), 0);
    assert_int_equal(address_space_write(&m->mem, 0x1800, "\xf4", 1), 0);
    assert_int_equal(address_space_write(&m->mem, 2 * 4, ivt_nmi, 4), 0);
    assert_int_equal(address_space_write(&m->mem, STACK, frame,
                                         sizeof(frame)), 0);

    m->cfg.tcg_backend = backend;
    m->accel = &accel_tcg_ops;
    assert_int_equal(accel_tcg_ops.init(m, &err), 0);
    x86_cpu_state_reset(&cpu.env);
    assert_int_equal(accel_tcg_ops.vcpu_init(&cpu, &err), 0);
    x86_seg_set(&cpu.env.segs[R_CS], 0, 0, 0xffff, cpu.env.segs[R_CS].flags);
    cpu.env.rip = 0x1000;
    cpu.env.regs[R_ESP] = STACK;
    accel_tcg_ops.set_state(&cpu);
    for (int i = 0; i < 100 && r != VCPU_EXIT_HALT; i++) {
        r = accel_tcg_ops.vcpu_run(&cpu);
    }
    accel_tcg_ops.get_state(&cpu);

    assert_int_equal(r, VCPU_EXIT_HALT);
    /* three passes through A, each followed by one real NMI */
    assert_int_equal(cpu.env.regs[R_EBX] & 0xffff, 3);
    assert_int_equal(cpu.env.regs[R_ECX] & 0xffff, 3);
    assert_int_equal(cpu.env.rip, 0x100a);

    accel_tcg_ops.vcpu_destroy(&cpu);
    accel_tcg_ops.destroy(m);
    test_machine_free(m);
}

/* Finding: an interrupt (here an NMI) can be chained into. */
static void test_nmi_not_chained_into_native(void **state)
{
    run_nmi_loop("native");
}

static void test_nmi_not_chained_into_interp(void **state)
{
    run_nmi_loop("interp");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nmi_not_chained_into_native),
        cmocka_unit_test(test_nmi_not_chained_into_interp),
    };
    return cmocka_run_group_tests_name("exec-chain", tests, NULL, NULL);
}
