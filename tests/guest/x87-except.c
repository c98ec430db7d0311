/*
 * x87-except.c - how x87 exceptions and availability faults reach a
 * 64-bit guest:
 *  - #NM (7) for any x87 instruction with CR0.TS or CR0.EM set; WAIT
 *    faults only with CR0.MP and CR0.TS both set (SDM vol. 3A table 2-2);
 *  - with CR0.NE=1 an unmasked exception (zero divide with ZM clear) is
 *    recorded (ES, B) and delivered as #MF (16) at the next waiting x87
 *    instruction, not at the one that caused it; FNSTSW/FNCLEX do not wait;
 *    FOP, FIP and FDP still name the instruction that raised it; FNSTENV
 *    masks everything (ES clears) and FLDCW unmasking ZM sets ES again;
 *  - with CR0.NE=0 the same exception asserts FERR#, which the chipset
 *    turns into IRQ 13 (vector 0x2d here, slave 8259 IR5); a write to
 *    port 0xF0 (IGNNE#) lowers it until FNCLEX clears the exception.
 * References: Intel SDM vol. 1 8.7 (software exception handling, MS-DOS
 * compatibility mode), vol. 3A 2.5 (CR0), 6.15 (#NM, #MF).
 *
 * GUEST-SKIP kvm: this host's KVM stops with an emulation failure on x87 instructions
 */
#include "lib/guest.h"
#include "lib/sys64.h"

#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_NE (1ull << 5)
#define VEC_IRQ13 0x2d

volatile uint32_t irq13_count;
volatile uint16_t irq13_sw;
volatile uint32_t irq13_ignne;      /* handler writes port 0xF0 */

static uint64_t read_cr0(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}

static void write_cr0(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

void irq13_handle(void);
void irq13_handle(void)
{
    uint16_t sw;
    __asm__ volatile("fnstsw %0" : "=m"(sw));
    irq13_sw = sw;
    irq13_count++;
    if (irq13_ignne) {
        outb(0xf0, 0);
    } else {
        __asm__ volatile("fnclex");
    }
    outb(0xa0, 0x20);           /* EOI slave, then master */
    outb(0x20, 0x20);
}

__asm__(".globl irq13_stub\n"
        "irq13_stub:\n\t"
        "pushq %rax; pushq %rcx; pushq %rdx; pushq %rsi; pushq %rdi\n\t"
        "pushq %r8; pushq %r9; pushq %r10; pushq %r11\n\t"
        "cld\n\t"
        "call irq13_handle\n\t"
        "popq %r11; popq %r10; popq %r9; popq %r8\n\t"
        "popq %rdi; popq %rsi; popq %rdx; popq %rcx; popq %rax\n\t"
        "iretq\n");
void irq13_stub(void);

static void report(const char *what, uint64_t expect_count,
                   uint64_t expect_vector)
{
    const TrapRecord *t = trap_last();
    printf("%-34s faults %lu", what, t->count);
    if (t->count) {
        printf(" vector %lu", t->vector);
    }
    printf("\n");
    check(t->count == expect_count &&
          (!expect_count || t->vector == expect_vector), what);
    trap_clear();
}

static void availability(void)
{
    uint64_t cr0 = read_cr0();

    write_cr0(cr0 | CR0_TS);
    EXPECT_FAULT("fld1", : : : "memory");
    report("fld1 with TS", 1, 7);
    EXPECT_FAULT("fnstsw %%ax", : : : "rax", "memory");
    report("fnstsw with TS", 1, 7);
    EXPECT_FAULT("fwait", : : : "memory");
    report("fwait with MP+TS", 1, 7);
    write_cr0((cr0 | CR0_TS) & ~CR0_MP);
    EXPECT_FAULT("fwait", : : : "memory");
    report("fwait with TS, MP clear", 0, 0);
    __asm__ volatile("clts");
    EXPECT_FAULT("fld1\n\tfstp %%st(0)", : : : "memory");
    report("fld1 after CLTS", 0, 0);

    write_cr0(cr0 | CR0_EM);
    EXPECT_FAULT("fninit", : : : "memory");
    report("fninit with EM", 1, 7);
    EXPECT_FAULT("fwait", : : : "memory");
    report("fwait with EM (MP set, TS clear)", 0, 0);
    write_cr0(cr0);
}

static const uint16_t CW_ZE_UNMASKED = 0x037b;

static void mf_exception(void)
{
    uint64_t cr0 = read_cr0();
    uint16_t sw = 0;
    struct __attribute__((packed)) {
        uint32_t fcw, fsw, ftw, fip;
        uint16_t fcs, fop;
        uint32_t fdp, fds;
    } env;
    uint64_t div_rip;

    write_cr0(cr0 | CR0_NE);
    __asm__ volatile("fninit\n\tfldcw %0" : : "m"(CW_ZE_UNMASKED));
    EXPECT_FAULT("fld1\n\tfldz\n\t"
                 "lea 3f(%%rip), %0\n"
                 "3:\tfdivrp\n\t", : "=r"(div_rip) : : "memory");
    report("1/0 with ZM clear", 0, 0);
    __asm__ volatile("fnstsw %0" : "=m"(sw));
    printf("status after 1/0                   %04x\n", sw);
    __asm__ volatile("fnstenv %0" : "=m"(env));
    printf("FOP %03x, FIP at the FDIVRP: %s\n", env.fop & 0x7ff,
           env.fip == (uint32_t)div_rip ? "yes" : "no");
    check(env.fip == (uint32_t)div_rip, "FIP");
    /* FNSTENV masked everything (ES clear); unmasking ZM again makes the
       still-set ZE pending once more */
    __asm__ volatile("fldcw %0" : : "m"(CW_ZE_UNMASKED));
    EXPECT_FAULT("fld1", : : : "memory");
    report("next waiting insn (fld1)", 1, 16);
    EXPECT_FAULT("fwait", : : : "memory");
    report("fwait, still pending", 1, 16);
    EXPECT_FAULT("fnstsw %%ax\n\tfnclex", : : : "rax", "memory");
    report("fnstsw, fnclex (no wait)", 0, 0);
    EXPECT_FAULT("fwait\n\tfld1\n\tfstp %%st(0)", : : : "memory");
    report("fwait after fnclex", 0, 0);
    __asm__ volatile("fninit");
    write_cr0(cr0);
}

/* A few port reads: the pending interrupt gets its instruction boundary. */
static void settle(void)
{
    for (int i = 0; i < 4; i++) {
        (void)inb(0x80);
    }
}

static void irq13(void)
{
    uint64_t cr0 = read_cr0();

    write_cr0(cr0 & ~CR0_NE);
    gate_set(VEC_IRQ13, irq13_stub, 0);
    outb(0x21, 0xfb);           /* master: cascade (IRQ2) only */
    outb(0xa1, 0xdf);           /* slave: IRQ13 (IR5) only */
    __asm__ volatile("sti");

    __asm__ volatile("fninit\n\tfldcw %0\n\tfld1\n\tfldz\n\tfdivrp"
                     : : "m"(CW_ZE_UNMASKED));
    printf("IRQ 13 before the next waiting insn: %u\n", irq13_count);
    __asm__ volatile("fwait\n\tnop\n\tnop" ::: "memory");
    settle();
    printf("IRQ 13 after fwait: %u, sw in handler %04x\n", irq13_count,
           irq13_sw);
    __asm__ volatile("fwait\n\tnop" ::: "memory");
    settle();
    printf("after FNCLEX in the handler, fwait: %u\n", irq13_count);

    irq13_ignne = 1;
    __asm__ volatile("fld1\n\tfldz\n\tfdivrp\n\tfwait\n\tnop" ::: "memory");
    settle();
    printf("handler wrote port 0xF0 only: %u\n", irq13_count);
    __asm__ volatile("fwait\n\tnop\n\tfwait\n\tnop" ::: "memory");
    settle();
    printf("IGNNE# holds it off: %u\n", irq13_count);
    __asm__ volatile("fnclex\n\tfwait\n\tnop" ::: "memory");
    irq13_ignne = 0;
    __asm__ volatile("fld1\n\tfldz\n\tfdivrp\n\tfwait\n\tnop" ::: "memory");
    settle();
    printf("after FNCLEX a new exception: %u\n", irq13_count);

    __asm__ volatile("cli\n\tfninit");
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    gate_restore(VEC_IRQ13);
    write_cr0(cr0);
    check(irq13_count == 3, "IRQ 13 count");
}

int main(const MultibootInfo *mbi)
{
    availability();
    mf_exception();
    irq13();
    printf("x87-except: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures();
}
