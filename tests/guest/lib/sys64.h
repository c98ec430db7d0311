/*
 * sys64.h - helpers for 64-bit guests that need their own IDT gates, GDT
 * entries and a 64-bit TSS with IST stacks (Intel SDM vol. 3A, 6.14.1
 * "64-Bit Mode IDT", 7.7 "Task Management in 64-bit Mode"). Static
 * functions: each guest gets its own copy of the state.
 *
 * GDT installed by sys64_init(): 0x08 64-bit code, 0x10 data, 0x18
 * 32-bit code (compatibility mode), 0x20 data not present, 0x28
 * execute-only code, 0x30 the TSS (IST1 and IST2 have their own stacks).
 */
#ifndef SYS64_H
#define SYS64_H

#include "guest.h"

#define SEL_CODE64   0x08
#define SEL_DATA     0x10
#define SEL_CODE32   0x18
#define SEL_ABSENT   0x20
#define SEL_XONLY    0x28
#define SEL_TSS      0x30

typedef struct IdtGate64 {
    uint16_t off0, sel;
    uint8_t ist, type;
    uint16_t off1;
    uint32_t off2, zero;
} IdtGate64;

typedef struct Tss64 {
    uint32_t res0;
    uint64_t rsp[3];
    uint64_t res1;
    uint64_t ist[7];
    uint64_t res2;
    uint16_t res3, iomap;
} __attribute__((packed)) Tss64;

static uint64_t gdt64[8] __attribute__((aligned(16), unused)) = {
    0,
    0x00AF9A000000FFFFull,      /* 0x08 64-bit code */
    0x00CF92000000FFFFull,      /* 0x10 data */
    0x00CF9A000000FFFFull,      /* 0x18 32-bit code */
    0x00CF12000000FFFFull,      /* 0x20 data, not present */
    0x00CF98000000FFFFull,      /* 0x28 execute-only code */
    0, 0,                       /* 0x30 TSS */
};
static Tss64 tss64 __attribute__((aligned(16)));
static uint8_t ist1_stack[4096] __attribute__((aligned(16)));
static uint8_t ist2_stack[4096] __attribute__((aligned(16), unused));

static inline IdtGate64 *idt_base(void)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } d;

    __asm__ volatile("sidt %0" : "=m"(d));
    return (IdtGate64 *)(uintptr_t)d.base;
}

static IdtGate64 saved_gate[256] __attribute__((unused));

static inline void gate_set(int vec, void (*fn)(void), int ist)
{
    IdtGate64 *g = &idt_base()[vec];
    uint64_t a = (uint64_t)(uintptr_t)fn;

    saved_gate[vec] = *g;
    g->off0 = (uint16_t)a;
    g->sel = SEL_CODE64;
    g->ist = (uint8_t)ist;
    g->type = 0x8e;
    g->off1 = (uint16_t)(a >> 16);
    g->off2 = (uint32_t)(a >> 32);
    g->zero = 0;
}

static inline void gate_restore(int vec)
{
    idt_base()[vec] = saved_gate[vec];
}

static inline void sys64_init(void)
{
    uint64_t base = (uint64_t)(uintptr_t)&tss64;
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } d = { sizeof(gdt64) - 1, (uint64_t)(uintptr_t)gdt64 };

    tss64.ist[0] = (uint64_t)(uintptr_t)(ist1_stack + sizeof(ist1_stack));
    tss64.ist[1] = (uint64_t)(uintptr_t)(ist2_stack + sizeof(ist2_stack));
    tss64.iomap = sizeof(Tss64);
    gdt64[6] = (sizeof(Tss64) - 1) | ((base & 0xffffff) << 16) |
               (0x89ull << 40) | (((base >> 24) & 0xff) << 56);
    gdt64[7] = base >> 32;
    __asm__ volatile("lgdt %0" : : "m"(d));
    __asm__ volatile("ltr %w0" : : "r"(SEL_TSS));
}

#endif
