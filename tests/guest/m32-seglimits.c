/*
 * m32-seglimits.c - segment limit and access-rights checks on memory
 * operands in 32-bit protected mode (Intel SDM vol. 3A, 5.3 "Limit
 * Checking", 5.4 "Type Checking", 6.15 #GP and #SS): a data segment with a
 * non-zero base, byte- and page-granular limits, an access straddling the
 * limit, an expand-down segment, writes through read-only data and through
 * CS, a stack access past the SS limit (#SS(0)) and the use of a null
 * selector.
 *
 * GUEST-SKIP kvm: this host's KVM emulates 32-bit code one instruction at a time and cannot emulate IRET
 */
#include "lib/guest32.h"

#define SEL_BASED    0x40       /* data, base = window, 4 KiB limit */
#define SEL_LIMIT    0x48       /* data, per test */
#define SEL_RO       0x58       /* read-only data */

static uint8_t window[8192] __attribute__((aligned(4096)));

static void report(const char *what, uint32_t vector, uint32_t error)
{
    const TrapRecord *t = trap_last();

    printf("%-34s caught %u, vector %u, error 0x%x\n", what,
           (unsigned)t->count, (unsigned)t->vector, (unsigned)t->error);
    check(t->count == 1 && t->vector == vector && t->error == error, what);
    trap_clear();
}

static void no_fault(const char *what)
{
    printf("%-34s no fault\n", what);
    check(trap_last()->count == 0, what);
    trap_clear();
}

static uint32_t load_fs_read(uint16_t sel, uint32_t off)
{
    uint32_t v = 0xdeadbeef;

    EXPECT_FAULT("movw %w1, %%fs\n\tmovl %%fs:(%2), %0",
                 : "+r"(v) : "r"(sel), "r"(off) : "memory");
    __asm__ volatile("movw %w0, %%fs" : : "r"(SEL_DATA0));
    return v;
}

static void test_limits(void)
{
    uint32_t w = (uint32_t)(uintptr_t)window;
    uint32_t v;

    window[0x10] = 0x5a;
    window[0x11] = 0xa5;
    gdt32_set(SEL_BASED, w, 0xfff, 0x92, 0x4);
    v = load_fs_read(SEL_BASED, 0x10);
    printf("fs base window, fs:0x10 -> 0x%x\n", v & 0xffff);
    no_fault("read inside the based segment");
    load_fs_read(SEL_BASED, 0xffc);
    no_fault("dword at the limit - 3");
    load_fs_read(SEL_BASED, 0xffd);
    report("dword crossing the limit", 13, 0);
    load_fs_read(SEL_BASED, 0x1000);
    report("read past the limit", 13, 0);

    /* Page-granular: limit field 1 with G = 1 covers 0 .. 0x1fff. */
    gdt32_set(SEL_LIMIT, w, 0x1, 0x92, 0x4 | 0x8);
    load_fs_read(SEL_LIMIT, 0x1ffc);
    no_fault("page-granular limit 0x1fff");
    load_fs_read(SEL_LIMIT, 0x2000);
    report("past the page-granular limit", 13, 0);

    /* Expand-down, B = 1: valid offsets are limit+1 .. 0xffffffff. */
    gdt32_set(SEL_LIMIT, 0, 0xfff, 0x96, 0x4);
    load_fs_read(SEL_LIMIT, 0x800);
    report("expand-down below the limit", 13, 0);
    v = load_fs_read(SEL_LIMIT, w + 0x10);
    printf("expand-down above the limit -> 0x%x\n", v & 0xffff);
    no_fault("expand-down above the limit");
}

static void test_access_rights(void)
{
    uint32_t esp;

    gdt32_set(SEL_RO, 0, 0xfffff, 0x90, 0xc);
    EXPECT_FAULT("movw %w0, %%fs\n\tmovl $1, %%fs:(%1)",
                 : : "r"(SEL_RO), "r"(window) : "memory");
    __asm__ volatile("movw %w0, %%fs" : : "r"(SEL_DATA0));
    report("write to read-only data", 13, 0);
    EXPECT_FAULT("movl $1, %%cs:(%0)", : : "r"(window) : "memory");
    report("write through cs", 13, 0);

    /* Stack access past the SS limit: #SS(0), delivered on the same stack
     * (still valid below the limit). */
    __asm__ volatile("movl %%esp, %0" : "=r"(esp));
    gdt32_set(SEL_LIMIT, 0, esp + 0x1000, 0x92, 0x4);
    EXPECT_FAULT("movw %w1, %%ss\n\tmovl 0x100000(%%esp), %0\n\t"
                 "movw %w2, %%ss",
                 : "=&r"(esp) : "r"(SEL_LIMIT), "r"(SEL_DATA0) : "memory");
    __asm__ volatile("movw %w0, %%ss" : : "r"(SEL_DATA0));
    report("#SS stack access past the limit", 12, 0);

    /* A null selector loads fine into FS and faults when used. */
    EXPECT_FAULT("movw %w0, %%fs\n\tmovl %%fs:0, %%eax\n\tmovw %w1, %%fs",
                 : : "r"(0), "r"(SEL_DATA0) : "eax", "memory");
    __asm__ volatile("movw %w0, %%fs" : : "r"(SEL_DATA0));
    report("use of a null fs", 13, 0);
}

int main(const MultibootInfo *mbi)
{
    test_limits();
    test_access_rights();
    printf("m32-seglimits: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures() ? 1 : 0x12;
}
