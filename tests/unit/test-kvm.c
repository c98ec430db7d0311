/*
 * Unit tests for the KVM accelerator (accel/kvm): a hand-built machine runs
 * small hand-assembled 64-bit guests entered directly in long mode, and
 * the tests check port I/O (single and string), MMIO, HLT, a triple fault,
 * kicks from another thread, ROM and aliased memory slots, and that
 * get_state/set_state round-trip the architectural state.
 *
 * Without a usable /dev/kvm every test reports itself as skipped. Each
 * test runs under a watchdog that kicks the vCPU after WATCHDOG_SEC.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accel/accel.h"
#include "hw/pc/pc.h"

#define WATCHDOG_SEC 20

/* Guest physical layout */
#define G_PML4    0x1000
#define G_PDPT    0x2000
#define G_PD_LOW  0x3000
#define G_PD_HIGH 0x4000
#define G_GDT     0x5000
#define G_TSS     0x6000
#define G_CODE    0x10000
#define G_RESULT  0x20000
#define G_SRC     0x30000
#define G_DST     0x31000
#define G_STACK   0x80000
#define G_ALIAS   0x10000000ull  /* second mapping of RAM offset 0x200000 */
#define G_MMIO    0xd0000000ull
#define G_ROM     0xe0000000ull
#define TEST_PORT 0x700

typedef struct Access {
    uint64_t addr, val;
    unsigned size;
    bool write;
} Access;

typedef struct FakeDev {
    Access log[64];
    int n;
    uint32_t reads;
    VCPU *stop_cpu;     /* a write at offset 7 sets its exit_request */
} FakeDev;

typedef struct KvmTest {
    Machine m;
    VCPU cpu;
    MemoryRegion port_mr, mmio_mr, rom_mr;
    FakeDev ports, mmio;
    pthread_t watchdog;
    pthread_mutex_t wd_lock;
    pthread_cond_t wd_cond;
    bool wd_done;
    atomic_bool timed_out;
} KvmTest;

/* ---- fake devices ---- */

static void fake_record(FakeDev *d, uint64_t addr, uint64_t val, unsigned size,
                        bool write)
{
    if (d->n < (int)ARRAY_SIZE(d->log)) {
        d->log[d->n++] = (Access){ addr, val, size, write };
    }
}

static uint64_t fake_read(void *opaque, uint64_t off, unsigned size)
{
    FakeDev *d = opaque;
    uint64_t v = (0x11223344u + d->reads++) & (~0ull >> (64 - 8 * size));

    fake_record(d, off, v, size, false);
    return v;
}

static void fake_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    FakeDev *d = opaque;

    fake_record(d, off, val, size, true);
    if (off == 7 && d->stop_cpu) {
        atomic_store(&d->stop_cpu->exit_request, true);
    }
}

static const MemoryRegionOps fake_ops = {
    .read = fake_read, .write = fake_write, .min_access = 1, .max_access = 4,
};

/* ---- watchdog ---- */

static void *watchdog_main(void *opaque)
{
    KvmTest *t = opaque;
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += WATCHDOG_SEC;
    pthread_mutex_lock(&t->wd_lock);
    while (!t->wd_done) {
        if (pthread_cond_timedwait(&t->wd_cond, &t->wd_lock, &ts) != 0) {
            /* Time is up: kick until the test notices and stops us. */
            atomic_store(&t->timed_out, true);
            accel_kvm_ops.vcpu_kick(&t->cpu);
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 100 * 1000 * 1000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
        }
    }
    pthread_mutex_unlock(&t->wd_lock);
    return NULL;
}

static void watchdog_stop(KvmTest *t)
{
    pthread_mutex_lock(&t->wd_lock);
    t->wd_done = true;
    pthread_cond_signal(&t->wd_cond);
    pthread_mutex_unlock(&t->wd_lock);
    pthread_join(t->watchdog, NULL);
}

/* ---- guest ---- */

static void guest_write(KvmTest *t, uint64_t addr, const void *p, size_t n)
{
    assert_int_equal(address_space_write_rom(&t->m.mem, addr, p, n), 0);
}

static void guest_build_tables(KvmTest *t)
{
    uint8_t *ram = t->m.ram.host;
    static const uint64_t gdt[] = {
        0,
        0x00af9b000000ffffull,   /* 0x08: 64-bit code, DPL 0 */
        0x00cf93000000ffffull,   /* 0x10: flat data */
        0, 0,                    /* 0x18: 64-bit TSS, filled below */
    };

    st64le(ram + G_PML4, G_PDPT | 3);
    st64le(ram + G_PDPT, G_PD_LOW | 3);
    st64le(ram + G_PDPT + 3 * 8, G_PD_HIGH | 3);
    for (uint64_t i = 0; i < 512; i++) {
        st64le(ram + G_PD_LOW + 8 * i, (i << 21) | 0x83);
        st64le(ram + G_PD_HIGH + 8 * i, ((3ull << 30) + (i << 21)) | 0x83);
    }
    guest_write(t, G_GDT, gdt, sizeof(gdt));
    st64le(ram + G_GDT + 0x18, 0x0000890000000067ull |
           ((uint64_t)(G_TSS & 0xffffff) << 16));
}

/* Long mode, CPL 0, flat segments, paging on (cpu/x86/cpu.h fields). */
static void guest_long_mode(X86CPUState *env)
{
    uint32_t data = SEG_P | SEG_S | SEG_W | SEG_A | SEG_DB | SEG_G;

    x86_cpu_state_reset(env);
    env->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
    env->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    env->cr3 = G_PML4;
    env->efer = EFER_LME | EFER_LMA;
    x86_seg_set(&env->segs[R_CS], 0x08, 0, 0xffffffff,
                SEG_P | SEG_S | SEG_CODE | SEG_R | SEG_A | SEG_L | SEG_G);
    for (int i = 0; i < 6; i++) {
        if (i != R_CS) {
            x86_seg_set(&env->segs[i], 0x10, 0, 0xffffffff, data);
        }
    }
    x86_seg_set(&env->tr, 0x18, G_TSS, 0x67, SEG_P | (11u << SEG_TYPE_SHIFT));
    x86_seg_set(&env->ldt, 0, 0, 0, 0);
    env->gdt.base = G_GDT;
    env->gdt.limit = 0x27;
    env->idt.base = 0;
    env->idt.limit = 0;
    env->rip = G_CODE;
    env->regs[R_ESP] = G_STACK;
    env->rflags = RF_FIXED;
    env->regs[R_EDX] = 0;
}

/* ---- setup ---- */

static KvmTest *kvm_test_new(int kernel_irqchip)
{
    KvmTest *t;
    Error err = { { 0 } };

    if (accel_kvm_ops.probe(&err) < 0) {
        printf("skipped: /dev/kvm not available (%s)\n", err.msg);
        return NULL;
    }
    t = calloc(1, sizeof(*t));
    assert_non_null(t);
    pthread_mutex_init(&t->m.lock, NULL);
    log_init(&t->m.log);
    if (getenv("KITE_TEST_KVM_LOG")) {
        t->m.log.mask = LOG_KVM;
    }
    timerlist_init(&t->m.timers);
    t->m.cfg.smp = 1;
    t->m.cfg.kernel_irqchip = kernel_irqchip;
    assert_int_equal(machine_init_memory(&t->m, 64 << 20, NULL), 0);

    memory_region_init_io(&t->port_mr, "test-port", 8, &fake_ops, &t->ports);
    assert_int_equal(machine_map_ports(&t->m, TEST_PORT, &t->port_mr), 0);
    memory_region_init_io(&t->mmio_mr, "test-mmio", 0x1000, &fake_ops, &t->mmio);
    assert_int_equal(address_space_map_region(&t->m.mem, G_MMIO, &t->mmio_mr, 0,
                                              0x1000, PRIO_IO), 0);

    if (accel_kvm_ops.init(&t->m, &err) < 0) {
        fail_msg("kvm init: %s", err.msg);
    }
    t->m.accel = &accel_kvm_ops;
    t->cpu.index = 0;
    t->cpu.machine = &t->m;
    t->cpu.thread = pthread_self();
    if (accel_kvm_ops.vcpu_init(&t->cpu, &err) < 0) {
        fail_msg("kvm vcpu_init: %s", err.msg);
    }
    t->m.cpus[0] = &t->cpu;
    t->m.ncpus = 1;
    t->ports.stop_cpu = &t->cpu;

    guest_build_tables(t);
    guest_long_mode(&t->cpu.env);

    pthread_mutex_init(&t->wd_lock, NULL);
    pthread_cond_init(&t->wd_cond, NULL);
    assert_int_equal(pthread_create(&t->watchdog, NULL, watchdog_main, t), 0);
    return t;
}

static void kvm_test_free(KvmTest *t)
{
    watchdog_stop(t);
    accel_kvm_ops.vcpu_destroy(&t->cpu);
    accel_kvm_ops.destroy(&t->m);
    machine_destroy_memory(&t->m);
    memory_region_destroy(&t->rom_mr);
    pthread_cond_destroy(&t->wd_cond);
    pthread_mutex_destroy(&t->wd_lock);
    free(t);
}

#define KVM_TEST_BEGIN(t, irqchip)               \
    KvmTest *t = kvm_test_new(irqchip);          \
    if (!t) {                                    \
        skip();                                  \
    }

/* Loads code at G_CODE, sets the state and runs until a non-NONE exit. */
static VcpuExit run_code(KvmTest *t, const uint8_t *code, size_t n)
{
    VcpuExit r;

    guest_write(t, G_CODE, code, n);
    assert_int_equal(accel_kvm_ops.set_state(&t->cpu), 0);
    do {
        r = accel_kvm_ops.vcpu_run(&t->cpu);
    } while (r == VCPU_EXIT_NONE && !atomic_load(&t->timed_out));
    assert_false(atomic_load(&t->timed_out));
    return r;
}

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- tests ---- */

static void test_io_mmio_hlt(void **state)
{
    static const uint8_t code[] = {
        0xb8, 0x78, 0x56, 0x34, 0x12,             /* mov eax, 0x12345678 */
        0x66, 0xba, 0x00, 0x07,                   /* mov dx, 0x700 */
        0xee,                                     /* out dx, al */
        0x66, 0xef,                               /* out dx, ax */
        0xef,                                     /* out dx, eax */
        0xed,                                     /* in eax, dx */
        0x89, 0x04, 0x25, 0x00, 0x00, 0x02, 0x00, /* mov [0x20000], eax */
        0xbe, 0x00, 0x00, 0x03, 0x00,             /* mov esi, 0x30000 */
        0xb9, 0x04, 0x00, 0x00, 0x00,             /* mov ecx, 4 */
        0xf3, 0x6e,                               /* rep outsb */
        0xbf, 0x00, 0x10, 0x03, 0x00,             /* mov edi, 0x31000 */
        0xb9, 0x03, 0x00, 0x00, 0x00,             /* mov ecx, 3 */
        0xf3, 0x6c,                               /* rep insb */
        0x48, 0xbb, 0x00, 0x00, 0x00, 0xd0,       /* mov rbx, 0xd0000000 */
        0x00, 0x00, 0x00, 0x00,
        0xc7, 0x43, 0x08, 0xbe, 0xba, 0xfe, 0xca, /* mov dword [rbx+8], 0xcafebabe */
        0x8b, 0x43, 0x10,                         /* mov eax, [rbx+0x10] */
        0x89, 0x04, 0x25, 0x04, 0x00, 0x02, 0x00, /* mov [0x20004], eax */
        0xf4,                                     /* hlt */
    };
    KVM_TEST_BEGIN(t, 0);
    const Access *p = t->ports.log, *mm = t->mmio.log;
    uint8_t *ram = t->m.ram.host;

    (void)state;
    assert_false(accel_kvm_ops.has_irqchip(&t->m));
    memcpy(ram + G_SRC, "kite", 4);
    assert_int_equal(run_code(t, code, sizeof(code)), VCPU_EXIT_HALT);

    assert_int_equal(t->ports.n, 3 + 1 + 4 + 3);
    assert_true(p[0].write && p[0].size == 1 && p[0].val == 0x78 && p[0].addr == 0);
    assert_true(p[1].write && p[1].size == 2 && p[1].val == 0x5678);
    assert_true(p[2].write && p[2].size == 4 && p[2].val == 0x12345678);
    assert_true(!p[3].write && p[3].size == 4);
    for (int i = 0; i < 4; i++) {
        assert_true(p[4 + i].write && p[4 + i].size == 1);
        assert_int_equal(p[4 + i].val, (uint8_t)"kite"[i]);
    }
    for (int i = 0; i < 3; i++) {
        assert_true(!p[8 + i].write && p[8 + i].size == 1);
    }
    assert_int_equal(ld32le(ram + G_RESULT), 0x11223344);
    assert_memory_equal(ram + G_DST, "\x45\x46\x47", 3);

    assert_int_equal(t->mmio.n, 2);
    assert_true(mm[0].write && mm[0].addr == 8 && mm[0].size == 4 &&
                mm[0].val == 0xcafebabe);
    assert_true(!mm[1].write && mm[1].addr == 0x10 && mm[1].size == 4);
    assert_int_equal(ld32le(ram + G_RESULT + 4), 0x11223344);

    /* The state after HLT: RIP past it, string registers advanced. */
    assert_int_equal(accel_kvm_ops.get_state(&t->cpu), 0);
    assert_int_equal(t->cpu.env.rip, G_CODE + sizeof(code));
    assert_int_equal(t->cpu.env.regs[R_ESI], G_SRC + 4);
    assert_int_equal(t->cpu.env.regs[R_EDI], G_DST + 3);
    assert_int_equal(t->cpu.env.regs[R_ECX], 0);
    kvm_test_free(t);
}

/* With the in-kernel irqchip, HLT stays in the kernel; a port write stops. */
static void test_irqchip_and_exit_request(void **state)
{
    static const uint8_t code[] = {
        0x66, 0xba, 0x07, 0x07,                   /* mov dx, 0x707 */
        0xb0, 0x5a,                               /* mov al, 0x5a */
        0xee,                                     /* out dx, al */
        0x66, 0xba, 0x00, 0x07,                   /* mov dx, 0x700 */
        0xec,                                     /* in al, dx */
        0xeb, 0xfe,                               /* jmp $ */
    };
    KVM_TEST_BEGIN(t, -1);
    VcpuExit r;

    (void)state;
    assert_true(accel_kvm_ops.has_irqchip(&t->m));
    accel_kvm_ops.set_irq(&t->m, 4, 1);
    accel_kvm_ops.set_irq(&t->m, 4, 0);
    accel_kvm_ops.set_irq(&t->m, 1000, 1);   /* out of range: ignored */

    guest_write(t, G_CODE, code, sizeof(code));
    assert_int_equal(accel_kvm_ops.set_state(&t->cpu), 0);
    r = accel_kvm_ops.vcpu_run(&t->cpu);
    assert_int_equal(r, VCPU_EXIT_NONE);
    assert_false(atomic_load(&t->cpu.exit_request));
    assert_int_equal(t->ports.n, 1);
    assert_int_equal(t->ports.log[0].val, 0x5a);

    /* An IN followed by a request: its data must be in RAX at get_state. */
    t->ports.stop_cpu = NULL;
    atomic_store(&t->m.requests, MACHINE_REQ_RESET);
    r = accel_kvm_ops.vcpu_run(&t->cpu);
    atomic_store(&t->m.requests, 0);
    assert_int_equal(r, VCPU_EXIT_NONE);
    assert_int_equal(t->ports.n, 2);
    assert_int_equal(accel_kvm_ops.get_state(&t->cpu), 0);
    assert_int_equal(t->cpu.env.regs[R_EAX] & 0xff, 0x44);
    assert_int_equal(t->cpu.env.rip, G_CODE + sizeof(code) - 2);
    kvm_test_free(t);
}

static void test_triple_fault(void **state)
{
    static const uint8_t code[] = { 0x0f, 0x0b };   /* ud2 with an empty IDT */
    KVM_TEST_BEGIN(t, 0);

    (void)state;
    assert_int_equal(run_code(t, code, sizeof(code)), VCPU_EXIT_SHUTDOWN);
    kvm_test_free(t);
}

typedef struct Kicker {
    KvmTest *t;
    int delay_ms;
} Kicker;

static void *kicker_main(void *opaque)
{
    Kicker *k = opaque;
    struct timespec ts = { 0, k->delay_ms * 1000000L };

    nanosleep(&ts, NULL);
    accel_kvm_ops.vcpu_kick(&k->t->cpu);
    return NULL;
}

static void test_kick(void **state)
{
    static const uint8_t code[] = { 0xeb, 0xfe };    /* jmp $ */
    KVM_TEST_BEGIN(t, -1);
    Kicker k = { t, 200 };
    pthread_t th;
    double t0;

    (void)state;
    guest_write(t, G_CODE, code, sizeof(code));
    assert_int_equal(accel_kvm_ops.set_state(&t->cpu), 0);

    /* A kick before the run is not lost. */
    accel_kvm_ops.vcpu_kick(&t->cpu);
    t0 = now_sec();
    assert_int_equal(accel_kvm_ops.vcpu_run(&t->cpu), VCPU_EXIT_NONE);
    assert_true(now_sec() - t0 < 1.0);

    /* A kick while the guest spins, twice: neither is lost nor sticks. */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_create(&th, NULL, kicker_main, &k), 0);
        t0 = now_sec();
        assert_int_equal(accel_kvm_ops.vcpu_run(&t->cpu), VCPU_EXIT_NONE);
        assert_true(now_sec() - t0 >= 0.1);
        pthread_join(th, NULL);
        assert_false(atomic_load(&t->timed_out));
    }
    assert_int_equal(accel_kvm_ops.get_state(&t->cpu), 0);
    assert_int_equal(t->cpu.env.rip, G_CODE);
    kvm_test_free(t);
}

/* ROM slots ignore writes, aliases share RAM, removed slots disappear. */
static void test_memory_slots(void **state)
{
    static const uint8_t code[] = {
        0x48, 0xbb, 0x00, 0x00, 0x00, 0xe0,       /* mov rbx, 0xe0000000 */
        0x00, 0x00, 0x00, 0x00,
        0xc7, 0x03, 0xaa, 0x55, 0xaa, 0x55,       /* mov dword [rbx], 0x55aa55aa */
        0x8b, 0x03,                               /* mov eax, [rbx] */
        0x89, 0x04, 0x25, 0x00, 0x00, 0x02, 0x00, /* mov [0x20000], eax */
        0xc7, 0x04, 0x25, 0x00, 0x00, 0x00, 0x10, /* mov dword [0x10000000], */
        0x78, 0x56, 0x34, 0x12,                   /*     0x12345678 */
        0xf4,                                     /* hlt */
    };
    KVM_TEST_BEGIN(t, 0);
    uint8_t *ram = t->m.ram.host;

    (void)state;
    memory_region_init_rom(&t->rom_mr, "test-rom", 0x2000);
    st32le(t->rom_mr.host, 0xfeedf00d);
    assert_int_equal(address_space_map_region(&t->m.mem, G_ROM, &t->rom_mr, 0,
                                              0x2000, PRIO_ROM), 0);
    assert_int_equal(address_space_map_region(&t->m.mem, G_ALIAS, &t->m.ram,
                                              0x200000, 0x1000, PRIO_RAM), 0);
    assert_int_equal(run_code(t, code, sizeof(code)), VCPU_EXIT_HALT);
    assert_int_equal(ld32le(t->rom_mr.host), 0xfeedf00d);
    assert_int_equal(ld32le(ram + G_RESULT), 0xfeedf00d);
    assert_int_equal(ld32le(ram + 0x200000), 0x12345678);

    /* Unmapped now: reads through MMIO exits see all-ones. */
    address_space_unmap_region(&t->m.mem, &t->rom_mr);
    guest_long_mode(&t->cpu.env);
    assert_int_equal(run_code(t, code, sizeof(code)), VCPU_EXIT_HALT);
    assert_int_equal(ld32le(ram + G_RESULT), 0xffffffff);
    kvm_test_free(t);
}

/* A rich long-mode state with every field KVM holds set to something. */
static void state_fill(X86CPUState *env)
{
    guest_long_mode(env);
    for (int i = 0; i < 16; i++) {
        env->regs[i] = 0x0101010101010101ull * (i + 1);
    }
    env->rip = G_CODE + 0x123;
    env->rflags = RF_FIXED | RF_CF | RF_ZF | RF_IF | RF_AC;
    env->segs[R_FS].base = 0x00007fff12340000ull;
    env->segs[R_GS].base = 0xffff888000000000ull;
    env->segs[R_GS].selector = 0;
    env->gdt.limit = 0x27;
    env->idt.base = 0xffffffff81000000ull;
    env->idt.limit = 0xfff;
    env->cr2 = 0xdead0000beefull;
    env->cr3 = G_PML4;
    env->cr4 |= CR4_OSXSAVE;
    env->cr8 = 5;
    env->efer |= EFER_SCE | EFER_NXE;
    env->xcr0 = 7;
    env->dr[0] = 0x1000;
    env->dr[1] = 0x2000;
    env->dr[2] = 0x3000;
    env->dr[3] = 0x4000;
    env->dr[6] = 0xffff0ff0;
    env->dr[7] = 0x401;
    env->star = 0x0023001000000000ull;
    env->lstar = 0xffffffff81a00000ull;
    env->cstar = 0xffffffff81a00100ull;
    env->fmask = 0x47700;
    env->kernel_gs_base = 0xffff888012345000ull;
    env->sysenter_cs = 0x10;
    env->sysenter_esp = 0xffffffff80001000ull;
    env->sysenter_eip = 0xffffffff80002000ull;
    env->tsc_aux = 3;
    env->pat = 0x0007010600070106ull;
    env->mtrr_deftype = 0xc06;
    env->mtrr_fixed[0] = 0x0606060606060606ull;
    env->mtrr_fixed[10] = 0x0505050505050505ull;
    env->mtrr_var_base[0] = 0x6;
    env->mtrr_var_mask[0] = 0xfffffc000800ull;
    /* x87: TOP = 5, ST0 = 1.0 (valid), ST1 = +0 (zero), the rest empty */
    env->fcw = 0x27f;
    env->fsw = 5u << 11;
    env->fpregs[5] = (FloatX80){ 0x8000000000000000ull, 0x3fff };
    env->fpregs[6] = (FloatX80){ 0, 0 };
    env->ftw = 0xffff & ~(3u << 10) & ~(3u << 12);
    env->ftw |= 1u << 12;
    env->fop = 0x5d9;
    env->fip = 0x401000;
    env->fdp = 0x402000;
    env->mxcsr = 0x1fa0;
    for (int i = 0; i < 16; i++) {
        env->xmm[i].q[0] = 0x1111111111111111ull * (i + 1);
        env->xmm[i].q[1] = ~env->xmm[i].q[0];
    }
    env->interrupt_shadow = 1;
    env->nmi_masked = true;
    env->halted = true;
}

#define CHECK_FIELD(f)                                                      \
    do {                                                                    \
        if (memcmp(&a->f, &b->f, sizeof(a->f))) {                           \
            printf("  mismatch: %s\n", #f);                                 \
            bad++;                                                          \
        }                                                                   \
    } while (0)

static int state_compare(const X86CPUState *a, const X86CPUState *b)
{
    int bad = 0;

    for (int i = 0; i < 16; i++) {
        CHECK_FIELD(regs[i]);
    }
    CHECK_FIELD(rip);
    CHECK_FIELD(rflags);
    for (int i = 0; i < 6; i++) {
        CHECK_FIELD(segs[i].selector);
        CHECK_FIELD(segs[i].base);
        CHECK_FIELD(segs[i].limit);
        CHECK_FIELD(segs[i].flags);
    }
    CHECK_FIELD(ldt.selector);
    CHECK_FIELD(ldt.base);
    CHECK_FIELD(ldt.flags);
    CHECK_FIELD(tr.selector);
    CHECK_FIELD(tr.base);
    CHECK_FIELD(tr.limit);
    CHECK_FIELD(tr.flags);
    CHECK_FIELD(gdt.base);
    CHECK_FIELD(gdt.limit);
    CHECK_FIELD(idt.base);
    CHECK_FIELD(idt.limit);
    CHECK_FIELD(cr0);
    CHECK_FIELD(cr2);
    CHECK_FIELD(cr3);
    CHECK_FIELD(cr4);
    CHECK_FIELD(cr8);
    for (int i = 0; i < 8; i++) {
        if (i != 4 && i != 5) {
            CHECK_FIELD(dr[i]);
        }
    }
    CHECK_FIELD(efer);
    CHECK_FIELD(xcr0);
    CHECK_FIELD(star);
    CHECK_FIELD(lstar);
    CHECK_FIELD(cstar);
    CHECK_FIELD(fmask);
    CHECK_FIELD(kernel_gs_base);
    CHECK_FIELD(sysenter_cs);
    CHECK_FIELD(sysenter_esp);
    CHECK_FIELD(sysenter_eip);
    CHECK_FIELD(tsc_aux);
    CHECK_FIELD(tsc_adjust);
    CHECK_FIELD(tsc_deadline);
    CHECK_FIELD(apic_base);
    CHECK_FIELD(pat);
    CHECK_FIELD(misc_enable);
    CHECK_FIELD(spec_ctrl);
    CHECK_FIELD(mtrr_deftype);
    CHECK_FIELD(mtrr_fixed);
    CHECK_FIELD(mtrr_var_base);
    CHECK_FIELD(mtrr_var_mask);
    for (int i = 0; i < 8; i++) {
        CHECK_FIELD(fpregs[i].mant);
        CHECK_FIELD(fpregs[i].exp);
    }
    CHECK_FIELD(fcw);
    CHECK_FIELD(fsw);
    CHECK_FIELD(ftw);
    CHECK_FIELD(fop);
    CHECK_FIELD(fip);
    CHECK_FIELD(fdp);
    CHECK_FIELD(mxcsr);
    CHECK_FIELD(xmm);
    CHECK_FIELD(halted);
    CHECK_FIELD(interrupt_shadow);
    CHECK_FIELD(nmi_pending);
    CHECK_FIELD(nmi_masked);
    CHECK_FIELD(exception_vector);
    CHECK_FIELD(exception_has_error_code);
    if (a->exception_has_error_code) {
        CHECK_FIELD(exception_error_code);
    }
    CHECK_FIELD(interrupt_vector);
    return bad;
}

/* set_state then get_state gives back env (the TSC only moves forward). */
static void round_trip(KvmTest *t, const X86CPUState *want)
{
    X86CPUState got;

    t->cpu.env = *want;
    assert_int_equal(accel_kvm_ops.set_state(&t->cpu), 0);
    memset(&t->cpu.env, 0x5a, sizeof(t->cpu.env));
    assert_int_equal(accel_kvm_ops.get_state(&t->cpu), 0);
    got = t->cpu.env;
    if (got.tsc < want->tsc) {
        printf("  note: this host's KVM ignores TSC writes (wrote %llu, "
               "read %llu)\n", (unsigned long long)want->tsc,
               (unsigned long long)got.tsc);
    } else {
        assert_true(got.tsc - want->tsc < (1ull << 40));
    }
    assert_int_equal(state_compare(want, &got), 0);
}

static void test_state_round_trip(void **state)
{
    KVM_TEST_BEGIN(t, -1);
    X86CPUState want;

    (void)state;
    assert_int_equal(accel_kvm_ops.get_state(&t->cpu), 0);
    state_fill(&want);
    want.tsc = t->cpu.env.tsc + (1ull << 36);
    round_trip(t, &want);

    /* an injected #PF with its error code, then an external interrupt */
    want.halted = false;
    want.interrupt_shadow = 0;
    want.exception_vector = EXCP_PF;
    want.exception_has_error_code = true;
    want.exception_error_code = 2;
    round_trip(t, &want);
    want.exception_vector = -1;
    want.exception_has_error_code = false;
    want.exception_error_code = 0;
    want.interrupt_vector = 0x30;
    want.nmi_masked = false;
    want.nmi_pending = true;
    round_trip(t, &want);

    /* and the power-on state */
    x86_cpu_state_reset(&want);
    want.tsc = t->cpu.env.tsc + (1ull << 36);
    round_trip(t, &want);
    kvm_test_free(t);
}

/*
 * State written with set_state is what the guest sees. (No x87/SSE here:
 * software-assisted nested KVM hosts fail to emulate them.)
 */
static void test_state_visible_to_guest(void **state)
{
    static const uint8_t code[] = {
        0x48, 0x89, 0x04, 0x25, 0x00, 0x00, 0x02, 0x00, /* mov [0x20000], rax */
        0x0f, 0x20, 0xd0,                               /* mov rax, cr2 */
        0x48, 0x89, 0x04, 0x25, 0x10, 0x00, 0x02, 0x00, /* mov [0x20010], rax */
        0xb9, 0x02, 0x01, 0x00, 0xc0,                   /* mov ecx, 0xc0000102 */
        0x0f, 0x32,                                     /* rdmsr */
        0x89, 0x04, 0x25, 0x18, 0x00, 0x02, 0x00,       /* mov [0x20018], eax */
        0x89, 0x14, 0x25, 0x1c, 0x00, 0x02, 0x00,       /* mov [0x2001c], edx */
        0xf4,                                           /* hlt */
    };
    KVM_TEST_BEGIN(t, 0);
    X86CPUState *env = &t->cpu.env;
    uint8_t *ram = t->m.ram.host;

    (void)state;
    env->regs[R_EAX] = 0x1122334455667788ull;
    env->cr2 = 0xabcdef000ull;
    env->kernel_gs_base = 0xffff888076543210ull;
    assert_int_equal(run_code(t, code, sizeof(code)), VCPU_EXIT_HALT);
    assert_int_equal(ld64le(ram + G_RESULT), 0x1122334455667788ull);
    assert_int_equal(ld64le(ram + G_RESULT + 0x10), 0xabcdef000ull);
    assert_int_equal(ld64le(ram + G_RESULT + 0x18), 0xffff888076543210ull);
    kvm_test_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_io_mmio_hlt),
        cmocka_unit_test(test_irqchip_and_exit_request),
        cmocka_unit_test(test_triple_fault),
        cmocka_unit_test(test_kick),
        cmocka_unit_test(test_memory_slots),
        cmocka_unit_test(test_state_round_trip),
        cmocka_unit_test(test_state_visible_to_guest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
