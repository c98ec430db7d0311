/*
 * guest.h - the small runtime shared by Kite's guest test programs.
 *
 * Guests run in 64-bit long mode on an identity map of the first 4 GiB
 * (see crt0.S). Output goes to COM1 (a 16550 UART at 0x3f8), and a guest
 * ends through QEMU's isa-debug-exit device at port 0xf4, which makes the
 * emulator exit with status (value << 1) | 1.
 *
 * Each test program defines `int main(const MultibootInfo *mbi)`; its
 * return value becomes the debug-exit value.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define COM1_BASE           0x3f8
#define DEBUG_EXIT_PORT     0xf4
#define MULTIBOOT_BOOT_MAGIC 0x2BADB002u

/* Debug-exit value used when an exception nobody expected arrives:
 * EXIT_UNEXPECTED_TRAP + (vector & 0x1f). */
#define EXIT_UNEXPECTED_TRAP 0x60
/* Debug-exit value used by check() failures. */
#define EXIT_CHECK_FAILED    0x01

/* Multiboot v1 information block (Multiboot Specification 3.3). */
typedef struct MultibootInfo {
    uint32_t flags;
    uint32_t mem_lower;
    uint32_t mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count;
    uint32_t mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length;
    uint32_t mmap_addr;
} MultibootInfo;

/* Register frame built by crt0.S's isr_common, lowest address first. */
typedef struct TrapFrame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
} TrapFrame;

/* What the last expected exception looked like. */
typedef struct TrapRecord {
    uint64_t count;
    uint64_t vector;
    uint64_t error;
    uint64_t rip;
    uint64_t cr2;
} TrapRecord;

int main(const MultibootInfo *mbi);

/* Port I/O. */
static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint64_t read_cr2(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

static inline uint64_t get_cr0(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}

static inline void set_cr0(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline uint64_t get_cr4(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

static inline void set_cr4(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid"
                     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}

/*
 * EXPECT_FAULT(insns, ...): run `insns`; if one of them faults, the trap
 * handler records the exception and resumes right after the block. The
 * extable entry pairs the block's start and end; any instruction in the
 * block may fault, and execution continues at its end.
 */
#define EXPECT_FAULT(insns, ...)                                  \
    __asm__ volatile("1:\n\t" insns "\n2:\n\t"                    \
                     ".pushsection .extable, \"a\"\n\t"           \
                     ".quad 1b, 2b\n\t"                           \
                     ".popsection"                                \
                     __VA_ARGS__)

/* Serial console. */
void serial_init(void);
void serial_putc(char c);
void serial_puts(const char *s);

/* Formatted output to COM1: %d %i %u %x %X %s %c %p %%, with the l/ll/z
 * length modifiers, a '0' or '-' flag and a field width. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);

/* isa-debug-exit; never returns. */
__attribute__((noreturn)) void guest_exit(uint32_t value);

/* Prints "FAIL: what" and counts a failure when cond is false. */
void check(int cond, const char *what);
int check_failures(void);

/* Exceptions: the last one caught through EXPECT_FAULT. */
const TrapRecord *trap_last(void);
void trap_clear(void);

/* Memory helpers (the compiler may emit calls to these). */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif
