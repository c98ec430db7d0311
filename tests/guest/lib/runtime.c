/*
 * runtime.c - the runtime of Kite's 64-bit guest test programs: the IDT
 * (SDM vol. 3A, 6.14 "Exception and Interrupt Handling in 64-bit Mode"),
 * the trap dispatcher and the entry into main. COM1 output, printf and
 * exit live in common.c, shared with the 32-bit runtime.
 *
 * Guest code, not host code: the few statics here are the guest's own
 * state (there is no one else to pass it to).
 */
#include "guest.h"


#define IDT_ENTRIES 256
#define GATE_INTERRUPT 0x8e     /* present, DPL 0, 64-bit interrupt gate */
#define SEL_CODE64 0x08

typedef struct IdtGate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} IdtGate;

typedef struct ExtableEntry {
    uint64_t start;
    uint64_t resume;
} ExtableEntry;

extern const char isr_stubs[];
extern const ExtableEntry __extable_start[], __extable_end[];

static IdtGate idt[IDT_ENTRIES] __attribute__((aligned(16)));
static TrapRecord last_trap;

/* ---- exceptions ------------------------------------------------------ */

const TrapRecord *trap_last(void)
{
    return &last_trap;
}

void trap_clear(void)
{
    last_trap = (TrapRecord){ 0 };
}

static const ExtableEntry *extable_find(uint64_t rip)
{
    for (const ExtableEntry *e = __extable_start; e < __extable_end; e++) {
        if (rip >= e->start && rip < e->resume) {
            return e;
        }
    }
    return NULL;
}

void trap_dispatch(TrapFrame *f);

void trap_dispatch(TrapFrame *f)
{
    const ExtableEntry *e = extable_find(f->rip);
    uint64_t cr2 = read_cr2();

    if (f->vector >= 32) {
        return;                 /* a stray interrupt: every line is masked */
    }
    if (e) {
        last_trap.count++;
        last_trap.vector = f->vector;
        last_trap.error = f->error;
        last_trap.rip = f->rip;
        last_trap.cr2 = f->vector == 14 ? cr2 : 0;
        f->rip = e->resume;
        return;
    }
    printf("unexpected exception: vector %lu error 0x%lx rip 0x%lx "
           "cr2 0x%lx rsp 0x%lx\n",
           f->vector, f->error, f->rip, cr2, f->rsp);
    guest_exit(EXIT_UNEXPECTED_TRAP + (uint32_t)(f->vector & 0x1f));
}

static void idt_set_gate(IdtGate *g, uint64_t handler)
{
    g->offset_low = (uint16_t)handler;
    g->selector = SEL_CODE64;
    g->ist = 0;
    g->type = GATE_INTERRUPT;
    g->offset_mid = (uint16_t)(handler >> 16);
    g->offset_high = (uint32_t)(handler >> 32);
    g->reserved = 0;
}

static void idt_init(void)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } desc;

    for (int i = 0; i < IDT_ENTRIES; i++) {
        idt_set_gate(&idt[i], (uint64_t)(uintptr_t)(isr_stubs + 16 * i));
    }
    desc.limit = sizeof(idt) - 1;
    desc.base = (uint64_t)(uintptr_t)idt;
    __asm__ volatile("lidt %0" : : "m"(desc));
}

/* ---- interrupt controllers ------------------------------------------- */

/*
 * Move the 8259 pair off the exception vectors (to 0x20 and 0x28) and mask
 * every line (8259A data sheet: ICW1..ICW4, then OCW1). Guests then run
 * with interrupts enabled: some hardware-assisted hosts run guest code
 * natively only while RFLAGS.IF is set.
 */
static void pic_init(void)
{
    outb(0x20, 0x11);           /* ICW1: edge, cascade, ICW4 follows */
    outb(0xa0, 0x11);
    outb(0x21, 0x20);           /* ICW2: vector base */
    outb(0xa1, 0x28);
    outb(0x21, 0x04);           /* ICW3: slave on IR2 */
    outb(0xa1, 0x02);
    outb(0x21, 0x01);           /* ICW4: 8086 mode */
    outb(0xa1, 0x01);
    outb(0x21, 0xff);           /* OCW1: mask everything */
    outb(0xa1, 0xff);
}

/* ---- entry ----------------------------------------------------------- */

void guest_start(uint32_t magic, uint32_t info);

void guest_start(uint32_t magic, uint32_t info)
{
    const MultibootInfo *mbi = NULL;
    int rc;

    serial_init();
    idt_init();
    pic_init();
    __asm__ volatile("sti");
    if (magic == MULTIBOOT_BOOT_MAGIC) {
        mbi = (const MultibootInfo *)(uintptr_t)info;
    }
    rc = main(mbi);
    guest_exit((uint32_t)rc);
}
