/*
 * runtime32.c - the runtime of Kite's 32-bit guest test programs (COM1
 * output, printf and exit come from common.c, shared with the 64-bit
 * runtime): the 32-bit IDT
 * and TSS (Intel SDM vol. 3A, 6.11 "IDT Descriptors", 8.2.1 "Task-State
 * Segment"), the trap dispatcher with EXPECT_FAULT recovery and
 * per-vector handlers. See guest32.h.
 *
 * Guest code, not host code: the statics are the guest's own state.
 */
#include "guest32.h"

#define UART_LSR 5
#define UART_LSR_THRE 0x20

typedef struct IdtGate32 {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t zero;
    uint8_t type;
    uint16_t offset_high;
} IdtGate32;

typedef struct ExtableEntry32 {
    uint32_t start;
    uint32_t resume;
} ExtableEntry32;

extern const char isr32_stubs[];
extern const ExtableEntry32 __extable_start[], __extable_end[];

static IdtGate32 idt32[256] __attribute__((aligned(16)));
static TrapHandler32 handlers[256];
static TrapRecord last_trap;
static uint8_t ring0_stack[8192] __attribute__((aligned(16)));
Tss32 tss32 __attribute__((aligned(16)));

/* ---- serial and printf ---------------------------------------------- */

/* ---- descriptors ---------------------------------------------------- */

void gdt32_set(uint16_t sel, uint32_t base, uint32_t limit, uint8_t access,
               uint8_t flags)
{
    uint64_t d;

    if (limit > 0xfffff) {
        limit >>= 12;
        flags |= 0x8;
    }
    d = (limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) |
        ((uint64_t)access << 40) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
        ((uint64_t)(flags & 0xf) << 52) | ((uint64_t)(base >> 24) << 56);
    gdt32[(sel >> 3) & 15] = d;
}

void gdt32_set_gate(uint16_t sel, uint16_t target_sel, uint32_t offset,
                    uint8_t access, uint8_t params)
{
    gdt32[(sel >> 3) & 15] = (offset & 0xffff) |
        ((uint64_t)target_sel << 16) | ((uint64_t)(params & 0x1f) << 32) |
        ((uint64_t)access << 40) | ((uint64_t)(offset >> 16) << 48);
}

void idt32_set_raw(int vec, uint16_t sel, uint32_t offset, uint8_t type)
{
    IdtGate32 *g = &idt32[vec & 0xff];

    g->offset_low = (uint16_t)offset;
    g->selector = sel;
    g->zero = 0;
    g->type = type;
    g->offset_high = (uint16_t)(offset >> 16);
}

void idt32_set_type(int vec, uint8_t type)
{
    idt32_set_raw(vec, SEL_CODE0,
                  (uint32_t)(uintptr_t)(isr32_stubs + 16 * (vec & 0xff)),
                  type);
}

void idt32_restore(int vec)
{
    idt32_set_type(vec, 0x8e);
}

void trap32_set_handler(int vec, TrapHandler32 h)
{
    handlers[vec & 0xff] = h;
}

uint32_t ring3_saved_esp;
void ring3_return(void);

__asm__(".globl run_ring3\n"
        "run_ring3:\n\t"
        "pushal\n\t"
        "movl %esp, ring3_saved_esp\n\t"
        "movl 36(%esp), %eax\n\t"
        "movl 40(%esp), %ecx\n\t"
        "pushl $0x23\n\t"
        "pushl %ecx\n\t"
        "pushfl\n\t"
        "pushl $0x1b\n\t"
        "pushl %eax\n\t"
        "movl $0x23, %edx\n\t"
        "movl %edx, %ds\n\t"
        "movl %edx, %es\n\t"
        "movl %edx, %fs\n\t"
        "movl %edx, %gs\n\t"
        "iretl\n"
        ".globl ring3_return\n"
        "ring3_return:\n\t"
        "movl $0x10, %eax\n\t"
        "movl %eax, %ds\n\t"
        "movl %eax, %es\n\t"
        "movl %eax, %fs\n\t"
        "movl %eax, %gs\n\t"
        "movl ring3_saved_esp, %esp\n\t"
        "popal\n\t"
        "ret\n");

static void idt32_init(void)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uint32_t base;
    } desc = { sizeof(idt32) - 1, (uint32_t)(uintptr_t)idt32 };

    for (int i = 0; i < 256; i++) {
        idt32_restore(i);
    }
    idt32_set_raw(0x81, SEL_CODE0, (uint32_t)(uintptr_t)ring3_return, 0xee);
    __asm__ volatile("lidt %0" : : "m"(desc));
}

static void tss32_init(void)
{
    tss32.esp0 = (uint32_t)(uintptr_t)(ring0_stack + sizeof(ring0_stack));
    tss32.ss0 = SEL_DATA0;
    tss32.iomap = sizeof(Tss32);
    gdt32_set(SEL_TSS, (uint32_t)(uintptr_t)&tss32, sizeof(Tss32) - 1, 0x89,
              0);
    __asm__ volatile("ltr %w0" : : "r"(SEL_TSS));
}

/* ---- traps ---------------------------------------------------------- */

const TrapRecord *trap_last(void)
{
    return &last_trap;
}

void trap_clear(void)
{
    last_trap = (TrapRecord){ 0 };
}

void trap_dispatch32(TrapFrame32 *f);

void trap_dispatch32(TrapFrame32 *f)
{
    uint32_t cr2 = read_cr2_32();

    if (handlers[f->vector & 0xff] && handlers[f->vector & 0xff](f)) {
        return;
    }
    if (f->vector >= 32) {
        return;
    }
    for (const ExtableEntry32 *e = __extable_start; e < __extable_end; e++) {
        if (f->eip >= e->start && f->eip < e->resume) {
            last_trap.count++;
            last_trap.vector = f->vector;
            last_trap.error = f->error;
            last_trap.rip = f->eip;
            last_trap.cr2 = f->vector == 14 ? cr2 : 0;
            f->eip = e->resume;
            return;
        }
    }
    printf("unexpected exception: vector %u error 0x%x eip 0x%x cr2 0x%x "
           "cs 0x%x\n", f->vector, f->error, f->eip, cr2, f->cs);
    guest_exit(EXIT_UNEXPECTED_TRAP + (f->vector & 0x1f));
}

/* Remap the 8259 pair to vectors 0x20/0x28 and mask every line. */
static void pic32_init(void)
{
    static const uint8_t icw[] = { 0x11, 0x20, 0x04, 0x01 };
    static const uint8_t icw_slave[] = { 0x11, 0x28, 0x02, 0x01 };

    for (int i = 0; i < 4; i++) {
        outb(i ? 0x21 : 0x20, icw[i]);
        outb(i ? 0xa1 : 0xa0, icw_slave[i]);
    }
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

void guest_start32(uint32_t magic, uint32_t info);

void guest_start32(uint32_t magic, uint32_t info)
{
    const MultibootInfo *mbi = NULL;

    serial_init();
    idt32_init();
    tss32_init();
    pic32_init();
    if (magic == MULTIBOOT_BOOT_MAGIC) {
        mbi = (const MultibootInfo *)(uintptr_t)info;
    }
    guest_exit((uint32_t)main(mbi));
}

/* ---- memory and strings --------------------------------------------- */
