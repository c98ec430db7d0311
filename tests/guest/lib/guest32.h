/*
 * guest32.h - the runtime of Kite's 32-bit guest test programs (m32-*.c,
 * built -m32 and started by crt32.S in 32-bit protected mode, paging off,
 * flat segments). It offers what guest.h offers to 64-bit guests (COM1
 * printf, check(), guest_exit(), EXPECT_FAULT with trap_last()), plus
 * access to the GDT, the IDT, the TSS and per-vector handlers.
 *
 * IDT gates and frames follow Intel SDM vol. 3A, 6.11-6.13 (32-bit
 * interrupt gates; an error code for vectors 8, 10-14, 17, 21, 29, 30).
 */
#ifndef GUEST32_H
#define GUEST32_H

#include "guest.h"

#define SEL_CODE0   0x08
#define SEL_DATA0   0x10
#define SEL_CODE3   0x18
#define SEL_DATA3   0x20
#define SEL_TSS     0x28
#define SEL_CODE16  0x30
#define SEL_DATA16  0x38
#define SEL_FREE    0x40        /* 0x40..0x78 are free for tests */

/* 32-bit EXPECT_FAULT: extable entries are pairs of 32-bit addresses. */
#undef EXPECT_FAULT
#define EXPECT_FAULT(insns, ...)                                  \
    __asm__ volatile("1:\n\t" insns "\n2:\n\t"                    \
                     ".pushsection .extable, \"a\"\n\t"           \
                     ".long 1b, 2b\n\t"                           \
                     ".popsection"                                \
                     __VA_ARGS__)

/* Frame built by crt32.S's isr32_common, lowest address first; esp and
 * ss are there only when the interrupt came from an outer ring. */
typedef struct TrapFrame32 {
    uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;
    uint32_t gs, fs, es, ds;
    uint32_t vector, error;
    uint32_t eip, cs, eflags, esp, ss;
} TrapFrame32;

/* A per-vector handler; returns nonzero when it handled the trap (then
 * the frame, possibly modified, is resumed). */
typedef int (*TrapHandler32)(TrapFrame32 *f);

typedef struct Tss32 {
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap;
} __attribute__((packed)) Tss32;

extern uint64_t gdt32[16];
extern Tss32 tss32;

/* Writes GDT entry for `sel` (base, byte-granular limit up to 1 MiB or
 * 4 KiB-granular above, access byte, flags nibble: 0x4 = 32-bit). */
void gdt32_set(uint16_t sel, uint32_t base, uint32_t limit, uint8_t access,
               uint8_t flags);
/* Writes a gate descriptor (call/interrupt/trap/task gate) for `sel`. */
void gdt32_set_gate(uint16_t sel, uint16_t target_sel, uint32_t offset,
                    uint8_t access, uint8_t params);
/* Sets IDT entry `vec`: the runtime's stub (handler) with the given type
 * byte (0x8e interrupt gate DPL 0, 0xee DPL 3, 0x8f trap gate ...). */
void idt32_set_type(int vec, uint8_t type);
/* Points IDT entry `vec` at any code (raw gate). */
void idt32_set_raw(int vec, uint16_t sel, uint32_t offset, uint8_t type);
void idt32_restore(int vec);
void trap32_set_handler(int vec, TrapHandler32 h);

/* Runs fn at CPL 3 (flat DPL-3 segments, IOPL 0, stack below stack_top)
 * until it raises INT 0x81 (RING3_EXIT), then returns at CPL 0. fn must
 * not return and cannot do port I/O. */
#define RING3_EXIT "int $0x81"
void run_ring3(void (*fn)(void), uint32_t stack_top);

static inline uint32_t read_cr0_32(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}

static inline uint32_t read_cr2_32(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

static inline uint32_t read_cr4_32(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

#endif
