/*
 * irq-timers.c - interrupt controllers and timers, printing only facts
 * that do not depend on timing:
 *  - the 8254 PIT channel 0 in mode 2 through the 8259 master (ICWs,
 *    IRQ0 unmasked, EOI; ISR seen in the handler and clear after EOI),
 *  - the same PIT through the I/O APIC (ISA IRQ0 is GSI 2) and the local
 *    APIC (enabled through the SVR, EOI register),
 *  - the local APIC timer one-shot (HLT wakes on it, it fires once and
 *    the current count stops at 0), periodic (stops when the initial
 *    count is cleared) and TSC-deadline (when CPUID.1:ECX[24] offers it;
 *    the MSR reads 0 once it fired),
 *  - the STI interrupt shadow: an interrupt pending at STI is not taken
 *    by "sti; cli" (sti-shadow.c checks the exact boundary),
 *  - the MC146818 periodic interrupt on IRQ 8 through the slave 8259,
 *  - the spurious-interrupt vector register and LVT masking while the
 *    APIC is software-disabled.
 * References: 8259A and 8254 data sheets, 82093AA I/O APIC data sheet,
 * Intel SDM vol. 3A chapter 11 "APIC" (11.5.4 timer, 11.9 spurious
 * interrupt, 11.8.5 EOI), vol. 2B STI, MC146818A data sheet.
 *
 * GUEST-EXTRA-ACCEL kvm,kernel-irqchip=off
 */
#include "lib/sys64.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define PIT_CH0 0x40
#define PIT_MODE 0x43
#define PIT_COUNT_100HZ 11932

#define LAPIC_BASE 0xfee00000ull
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ISR 0x100
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define LVT_TSC_DEADLINE (2u << 17)
#define MSR_TSC_DEADLINE 0x6e0

#define IOAPIC_BASE 0xfec00000ull

#define VEC_PIT_PIC 0x20
#define VEC_RTC 0x28
#define VEC_PIT_IOAPIC 0x40
#define VEC_LAPIC_TIMER 0x50
#define VEC_SELF_IPI 0x51
#define VEC_SPURIOUS 0xff

volatile uint32_t counts[256];
volatile uint32_t pic_isr_in_handler, rtc_c_in_handler;
volatile uint32_t shadow_marker, shadow_seen;

void irq_handle(uint64_t vec);

/* One stub per vector used: save the caller-saved registers, call
 * irq_handle(vector), IRETQ. */
#define IRQ_STUB(v)                                                        \
    __asm__(".globl irq_stub_" #v "\n"                                     \
            "irq_stub_" #v ":\n\t"                                         \
            "pushq %rax; pushq %rcx; pushq %rdx; pushq %rsi; pushq %rdi\n\t" \
            "pushq %r8; pushq %r9; pushq %r10; pushq %r11\n\t"             \
            "movl $" #v ", %edi\n\t"                                       \
            "cld\n\t"                                                      \
            "call irq_handle\n\t"                                          \
            "popq %r11; popq %r10; popq %r9; popq %r8\n\t"                 \
            "popq %rdi; popq %rsi; popq %rdx; popq %rcx; popq %rax\n\t"    \
            "iretq\n");                                                    \
    void irq_stub_##v(void)

IRQ_STUB(0x20);
IRQ_STUB(0x27);
IRQ_STUB(0x28);
IRQ_STUB(0x2f);
IRQ_STUB(0x40);
IRQ_STUB(0x50);
IRQ_STUB(0x51);
IRQ_STUB(0xff);

static uint32_t lapic_read(uint32_t reg)
{
    return *(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg);
}

static void lapic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg) = v;
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)IOAPIC_BASE = reg;
    *(volatile uint32_t *)(uintptr_t)(IOAPIC_BASE + 0x10) = v;
}

static uint8_t cmos_read(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static void cmos_write(uint8_t reg, uint8_t v)
{
    outb(0x70, reg);
    outb(0x71, v);
}

static uint8_t pic_read_isr(uint16_t cmd)
{
    outb(cmd, 0x0b);            /* OCW3: read ISR */
    uint8_t v = inb(cmd);
    outb(cmd, 0x0a);            /* back to IRR */
    return v;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
                     "d"((uint32_t)(v >> 32)));
}

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

void irq_handle(uint64_t vec)
{
    counts[vec & 0xff]++;
    switch (vec) {
    case VEC_PIT_PIC:
        pic_isr_in_handler = pic_read_isr(PIC1_CMD);
        outb(PIC1_CMD, 0x20);
        break;
    case VEC_RTC:
        rtc_c_in_handler |= cmos_read(0x0c);
        outb(PIC2_CMD, 0x20);
        outb(PIC1_CMD, 0x20);
        break;
    case VEC_SELF_IPI:
        shadow_seen = shadow_marker;
        lapic_write(LAPIC_EOI, 0);
        break;
    case VEC_PIT_IOAPIC:
    case VEC_LAPIC_TIMER:
        lapic_write(LAPIC_EOI, 0);
        break;
    default:                    /* spurious vectors: no EOI */
        break;
    }
}

/* Sleeps with HLT until counts[vec] reaches n; STI;HLT cannot lose a
 * wake-up because of the STI shadow. */
static void wait_for(int vec, uint32_t n)
{
    __asm__ volatile("cli");
    while (counts[vec] < n) {
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    }
    __asm__ volatile("sti");
}

/* Busy-waits about `loops` rounds of a port read (a delay that does not
 * depend on any timer). */
static void settle(int loops)
{
    for (int i = 0; i < loops; i++) {
        (void)inb(0x80);
    }
}

static void pit_start(uint16_t count)
{
    outb(PIT_MODE, 0x34);       /* channel 0, lobyte/hibyte, mode 2 */
    outb(PIT_CH0, (uint8_t)count);
    outb(PIT_CH0, (uint8_t)(count >> 8));
}

static void pit_stop(void)
{
    outb(PIT_MODE, 0x30);       /* mode 0, counting restarts on the load */
    outb(PIT_CH0, 0xff);
    outb(PIT_CH0, 0xff);
}

static void test_pit_pic(void)
{
    outb(PIC1_DATA, 0xfe);      /* unmask IRQ0 */
    pit_start(PIT_COUNT_100HZ);
    wait_for(VEC_PIT_PIC, 5);
    outb(PIC1_DATA, 0xff);
    pit_stop();
    printf("PIT through the 8259: %u ticks, ISR in handler 0x%02x, "
           "after EOI 0x%02x\n", counts[VEC_PIT_PIC] >= 5 ? 5 : 0,
           pic_isr_in_handler, pic_read_isr(PIC1_CMD));
}

static void test_svr(void)
{
    lapic_write(LAPIC_SVR, 0x0ff);              /* software-disabled */
    lapic_write(LAPIC_LVT_TIMER, VEC_LAPIC_TIMER);
    printf("APIC disabled: SVR 0x%03x, LVT timer write reads 0x%05x\n",
           lapic_read(LAPIC_SVR) & 0x1ff, lapic_read(LAPIC_LVT_TIMER));
    lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
    lapic_write(LAPIC_TPR, 0);
    printf("APIC enabled: SVR 0x%03x\n", lapic_read(LAPIC_SVR) & 0x1ff);
}

static void test_pit_ioapic(void)
{
    outb(PIC1_DATA, 0xff);
    ioapic_write(0x10 + 2 * 2 + 1, 0);                  /* dest APIC 0 */
    ioapic_write(0x10 + 2 * 2, VEC_PIT_IOAPIC);         /* edge, fixed */
    pit_start(PIT_COUNT_100HZ);
    wait_for(VEC_PIT_IOAPIC, 5);
    ioapic_write(0x10 + 2 * 2, LVT_MASKED | VEC_PIT_IOAPIC);
    pit_stop();
    printf("PIT through the I/O APIC pin 2: %u ticks, 8259 vector "
           "stayed silent: %s\n", counts[VEC_PIT_IOAPIC] >= 5 ? 5 : 0,
           counts[VEC_PIT_PIC] == 5 ? "yes" : "no");
}

static void test_lapic_oneshot(void)
{
    lapic_write(LAPIC_TIMER_DIV, 0x0b);                 /* divide by 1 */
    lapic_write(LAPIC_LVT_TIMER, VEC_LAPIC_TIMER);      /* one-shot */
    __asm__ volatile("cli");
    lapic_write(LAPIC_TIMER_INIT, 200000);
    __asm__ volatile("sti; hlt" ::: "memory");
    printf("HLT woke on the one-shot timer: %s\n",
           counts[VEC_LAPIC_TIMER] == 1 ? "yes" : "no");
    settle(20000);
    printf("one-shot: %u interrupt(s), current count %u\n",
           counts[VEC_LAPIC_TIMER], lapic_read(LAPIC_TIMER_CUR));
}

static void test_lapic_periodic(void)
{
    uint32_t before = counts[VEC_LAPIC_TIMER], after;

    lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_LAPIC_TIMER);
    lapic_write(LAPIC_TIMER_INIT, 200000);
    wait_for(VEC_LAPIC_TIMER, before + 5);
    lapic_write(LAPIC_TIMER_INIT, 0);                   /* stops the timer */
    after = counts[VEC_LAPIC_TIMER];
    settle(20000);
    printf("periodic: at least 5 ticks: %s, stopped by a zero count: %s, "
           "current count %u\n",
           after - before >= 5 ? "yes" : "no",
           counts[VEC_LAPIC_TIMER] == after ? "yes" : "no",
           lapic_read(LAPIC_TIMER_CUR));
}

static void test_tsc_deadline(void)
{
    uint32_t r[4];
    uint32_t before = counts[VEC_LAPIC_TIMER];
    int ok = 1;

    cpuid(1, 0, r);
    if (r[2] & (1u << 24)) {
        lapic_write(LAPIC_LVT_TIMER, LVT_TSC_DEADLINE | VEC_LAPIC_TIMER);
        wrmsr(MSR_TSC_DEADLINE, rdtsc() + 1000000);
        wait_for(VEC_LAPIC_TIMER, before + 1);
        settle(20000);
        ok = counts[VEC_LAPIC_TIMER] == before + 1 &&
             rdmsr(MSR_TSC_DEADLINE) == 0;
        lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
    }
    printf("TSC-deadline timer (if CPUID offers it) fired once and the "
           "MSR reads 0: %s\n", ok ? "yes" : "no");
}

static void self_ipi(void)
{
    lapic_write(LAPIC_ICR_HI, 0);
    lapic_write(LAPIC_ICR_LO, (1u << 18) | VEC_SELF_IPI);  /* to self */
}

static void test_sti_shadow(void)
{
    uint32_t n;

    __asm__ volatile("cli");
    self_ipi();
    n = counts[VEC_SELF_IPI];
    __asm__ volatile("sti; cli" ::: "memory");
    printf("pending interrupt across \"sti; cli\": %s\n",
           counts[VEC_SELF_IPI] == n ? "not taken" : "taken");
    __asm__ volatile("sti");
}

static void test_rtc(void)
{
    cmos_write(0x0a, (cmos_read(0x0a) & 0xf0) | 0x06);     /* 1024 Hz */
    (void)cmos_read(0x0c);
    outb(PIC1_DATA, 0xfb);      /* cascade line IR2 */
    outb(PIC2_DATA, 0xfe);      /* IRQ 8 */
    cmos_write(0x0b, cmos_read(0x0b) | 0x40);               /* PIE */
    wait_for(VEC_RTC, 4);
    cmos_write(0x0b, cmos_read(0x0b) & ~0x40);
    outb(PIC2_DATA, 0xff);
    outb(PIC1_DATA, 0xff);
    (void)cmos_read(0x0c);
    printf("RTC periodic interrupt on IRQ 8: %u interrupts, register C "
           "had IRQF|PF: %s, slave ISR after EOI 0x%02x\n",
           counts[VEC_RTC] >= 4 ? 4 : 0,
           (rtc_c_in_handler & 0xc0) == 0xc0 ? "yes" : "no",
           pic_read_isr(PIC2_CMD));
}

int main(const MultibootInfo *mbi)
{
    gate_set(0x20, irq_stub_0x20, 0);
    gate_set(0x27, irq_stub_0x27, 0);
    gate_set(0x28, irq_stub_0x28, 0);
    gate_set(0x2f, irq_stub_0x2f, 0);
    gate_set(0x40, irq_stub_0x40, 0);
    gate_set(0x50, irq_stub_0x50, 0);
    gate_set(0x51, irq_stub_0x51, 0);
    gate_set(0xff, irq_stub_0xff, 0);

    test_pit_pic();
    test_rtc();
    test_svr();
    test_pit_ioapic();
    test_lapic_oneshot();
    test_lapic_periodic();
    test_tsc_deadline();
    test_sti_shadow();
    printf("spurious vectors seen: %u\n",
           counts[0x27] + counts[0x2f] + counts[VEC_SPURIOUS]);
    return check_failures();
}
