/*
 * m32-protected.c - 32-bit protected-mode segmentation (Intel SDM vol. 3A,
 * chapter 3 "Protected-Mode Memory Management" and chapter 5 "Protection"):
 * the selector error codes of #GP/#NP/#SS on segment loads (6.15), type
 * and privilege checks on loads (execute-only, read-only, system,
 * RPL/DPL), far jumps to data, a conforming
 * code segment, a call gate with a parameter into ring 0, a ring-3 task
 * entered through IRET whose interrupts switch back to the ring-0 stack in
 * the TSS (6.12.1), and a trip through a 16-bit protected-mode code
 * segment.
 *
 * GUEST-SKIP kvm: this host's KVM emulates 32-bit code one instruction at a time and cannot emulate IRET or INT n
 */
#include "lib/guest32.h"

#define SEL_ABSENT   0x50       /* data, not present */
#define SEL_RO       0x58       /* read-only data */
#define SEL_XO       0x60       /* execute-only code */
#define SEL_CONFORM  0x68       /* conforming code, DPL 0 */
#define SEL_GATE     0x70       /* call gate, DPL 3 -> SEL_CODE0 */
#define SEL_CODE16B  0x78       /* 16-bit code with base = code16_start */

static uint32_t user_stack[1024] __attribute__((aligned(16)));

/* What the ring-3 code and the gates recorded. */
static volatile uint32_t r3_cs, r3_conform_cs, r3_gate_cs, r3_gate_ss;
static volatile uint32_t r3_gate_param, r3_gate_esp_ok, r3_int_count;
static volatile uint32_t r3_int_cs, r3_int_ss, r3_int_esp_ok;
static volatile uint32_t r3_fault_vec[4], r3_fault_err[4], r3_faults;
static volatile uint32_t exit_esp_ok;

uint32_t saved_esp0, exit_esp;
uint32_t exit_frame[5];
void enter_ring3(void (*fn)(void), uint32_t stack_top);
void ring3_exit(void);
void conform_probe(void);
void gate_target(void);
void code16_start(void);

__asm__(
    /* void enter_ring3(fn, stack_top): IRET to fn at CPL 3; comes back
     * here when the ring-3 code raises INT 0x81. */
    ".globl enter_ring3\n"
    "enter_ring3:\n\t"
    "pushal\n\t"
    "movl %esp, saved_esp0\n\t"
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
    /* INT 0x81 from ring 3: record the frame the CPU pushed on the TSS
     * stack, then unwind to enter_ring3's caller. */
    ".globl ring3_exit\n"
    "ring3_exit:\n\t"
    "movl $0x10, %eax\n\t"
    "movl %eax, %ds\n\t"
    "movl %eax, %es\n\t"
    "movl %eax, %fs\n\t"
    "movl %eax, %gs\n\t"
    "movl %esp, %esi\n\t"
    "movl $exit_frame, %edi\n\t"
    "movl $5, %ecx\n\t"
    "cld\n\t"
    "rep movsl\n\t"
    "movl %esp, exit_esp\n\t"
    "movl saved_esp0, %esp\n\t"
    "popal\n\t"
    "ret\n"
    /* Far-called from ring 3 into a conforming DPL-0 segment: CPL stays 3. */
    ".globl conform_probe\n"
    "conform_probe:\n\t"
    "movl %cs, %eax\n\t"
    "lretl\n"
    /* Call gate target (ring 0): returns CS in EAX, SS in EDX, the one
     * parameter in ECX; pops the parameter on return to ring 3. */
    ".globl gate_target\n"
    "gate_target:\n\t"
    "movl %cs, %eax\n\t"
    "movl %ss, %edx\n\t"
    "movl 8(%esp), %ecx\n\t"
    "movl %esp, %ebx\n\t"
    "lretl $4\n"
    /* 16-bit protected-mode code, entered with a 32-bit far call at offset
     * 0 of SEL_CODE16B (its base is code16_start). */
    ".code16\n"
    ".globl code16_start\n"
    "code16_start:\n\t"
    "movw $0x7fff, %ax\n\t"
    "addw $2, %ax\n\t"               /* 16-bit arithmetic: 0x8001 */
    "movw $0xfffe, %bx\n\t"
    "movw $3, %si\n\t"
    "leaw (%bx,%si), %cx\n\t"        /* 16-bit address wraps: 0x0001 */
    "shll $16, %eax\n\t"
    "movw %cx, %ax\n\t"
    "lretl\n"
    ".code32\n");

static void report(const char *what, uint32_t vector, uint32_t error)
{
    const TrapRecord *t = trap_last();

    printf("%-34s caught %u, vector %u, error 0x%x\n", what,
           (unsigned)t->count, (unsigned)t->vector, (unsigned)t->error);
    check(t->count == 1 && t->vector == vector && t->error == error, what);
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

static void test_selector_errors(void)
{
    uint16_t sel;

    gdt32_set(SEL_XO, 0, 0xfffff, 0x98, 0xc);          /* execute-only */
    gdt32_set(SEL_ABSENT, 0, 0xfffff, 0x12, 0xc);       /* P = 0 */
    load_fs_read(SEL_ABSENT, 0);
    report("#NP loading fs, not present", 11, SEL_ABSENT);
    load_fs_read(0x400, 0);
    report("#GP selector past the GDT limit", 13, 0x400);
    load_fs_read(0x13, 0);
    report("#GP rpl 3 > dpl 0 data", 13, 0x10);
    load_fs_read(0x0c, 0);                               /* TI = 1, LDT 0 */
    report("#GP selector in an empty LDT", 13, 0x0c);
    load_fs_read(SEL_TSS, 0);
    report("#GP system segment into fs", 13, SEL_TSS);
    gdt32_set(SEL_XO, 0, 0xfffff, 0x98, 0xc);          /* execute-only */
    load_fs_read(SEL_XO, 0);
    report("#GP execute-only code into fs", 13, SEL_XO);

    /* SS loads: not present is #SS(sel), read-only is #GP(sel). */
    EXPECT_FAULT("movw %%ss, %0\n\tmovw %1, %%ss\n\tmovw %0, %%ss",
                 : "=&r"(sel) : "r"((uint16_t)SEL_ABSENT) : "memory");
    report("#SS loading ss, not present", 12, SEL_ABSENT);
    gdt32_set(SEL_RO, 0, 0xfffff, 0x90, 0xc);          /* read-only */
    EXPECT_FAULT("movw %1, %%ss",
                 : "=&r"(sel) : "r"((uint16_t)SEL_RO) : "memory");
    report("#GP read-only data into ss", 13, SEL_RO);
    EXPECT_FAULT("movw %1, %%ss",
                 : "=&r"(sel) : "r"((uint16_t)0x23) : "memory");
    report("#GP ss with rpl/dpl 3 at cpl 0", 13, 0x20);
    EXPECT_FAULT("movw %1, %%ss", : "=&r"(sel) : "r"((uint16_t)0) : "memory");
    report("#GP null selector into ss", 13, 0);

    /* Far jump to a data segment. */
    EXPECT_FAULT("ljmp $0x10, $0", : : : "memory");
    report("#GP far jmp to a data segment", 13, 0x10);
}

static void ring3_body(void)
{
    uint32_t cs, eax, ecx, edx, ebx;

    __asm__ volatile("movl %%cs, %0" : "=r"(cs));
    r3_cs = cs;
    /* Conforming DPL-0 code: a far call works and keeps CPL 3. */
    __asm__ volatile("lcall %1, $conform_probe"
                     : "=a"(eax) : "i"(SEL_CONFORM) : "memory");
    r3_conform_cs = eax;
    /* Call gate into ring 0 with one dword parameter. */
    __asm__ volatile("pushl $0x600d\n\tlcall %4, $0"
                     : "=a"(eax), "=c"(ecx), "=d"(edx), "=b"(ebx)
                     : "i"(SEL_GATE) : "memory");
    r3_gate_cs = eax;
    r3_gate_ss = edx;
    r3_gate_param = ecx;
    r3_gate_esp_ok = ebx >= tss32.esp0 - 64 && ebx < tss32.esp0;
    /* Privilege faults taken to ring 0 and resumed in ring 3. */
    EXPECT_FAULT("cli", : : : "memory");
    EXPECT_FAULT("movw %w0, %%ds", : : "r"(SEL_DATA0) : "memory");
    EXPECT_FAULT("lcall $0x08, $conform_probe", : : : "memory");
    EXPECT_FAULT("int $0x82", : : : "memory");          /* DPL 0 gate */
    /* A DPL-3 software interrupt gate. */
    __asm__ volatile("int $0x80" : : : "memory");
    __asm__ volatile("int $0x81" : : : "memory");
}

static int on_int80(TrapFrame32 *f)
{
    uint32_t esp;

    __asm__ volatile("movl %%esp, %0" : "=r"(esp));
    r3_int_count++;
    r3_int_cs = f->cs;
    r3_int_ss = f->ss;
    r3_int_esp_ok = esp < tss32.esp0 && esp > tss32.esp0 - 4096;
    return 1;
}

static int on_fault_ring3(TrapFrame32 *f)
{
    if ((f->cs & 3) != 3 || r3_faults >= 4) {
        return 0;
    }
    r3_fault_vec[r3_faults] = f->vector;
    r3_fault_err[r3_faults] = f->error;
    r3_faults++;
    return 0;           /* the extable resumes it */
}

static void test_ring3(void)
{
    static const char *what[4] = { "cli", "mov ds, dpl0", "lcall dpl0",
                                   "int 0x82 dpl0 gate" };

    gdt32_set(SEL_CONFORM, 0, 0xfffff, 0x9e, 0xc);
    gdt32_set_gate(SEL_GATE, SEL_CODE0, (uint32_t)(uintptr_t)gate_target,
                   0xec, 1);
    idt32_set_type(0x80, 0xee);
    idt32_set_raw(0x81, SEL_CODE0, (uint32_t)(uintptr_t)ring3_exit, 0xee);
    trap32_set_handler(0x80, on_int80);
    trap32_set_handler(13, on_fault_ring3);
    trap_clear();
    enter_ring3(ring3_body, (uint32_t)(uintptr_t)(user_stack + 1024));
    trap32_set_handler(13, NULL);

    printf("ring 3 cs 0x%x\n", r3_cs);
    printf("conforming call: cs 0x%x\n", r3_conform_cs);
    printf("call gate: cs 0x%x ss 0x%x param 0x%x on tss stack %u\n",
           r3_gate_cs, r3_gate_ss, r3_gate_param, r3_gate_esp_ok);
    for (uint32_t i = 0; i < r3_faults; i++) {
        printf("ring 3 %-18s vector %u error 0x%x\n", what[i],
               r3_fault_vec[i], r3_fault_err[i]);
    }
    printf("ring 3 faults resumed: %u\n", (unsigned)trap_last()->count);
    trap_clear();
    printf("int 0x80 from ring 3: count %u, cs 0x%x ss 0x%x, tss stack %u\n",
           r3_int_count, r3_int_cs, r3_int_ss, r3_int_esp_ok);
    exit_esp_ok = exit_esp == tss32.esp0 - 20;
    printf("int 0x81 frame: eip ok %u cs 0x%x esp ok %u ss 0x%x, "
           "at esp0 - 20: %u\n",
           exit_frame[0] > (uint32_t)(uintptr_t)ring3_body,
           exit_frame[1], exit_frame[3] > (uint32_t)(uintptr_t)user_stack,
           exit_frame[4], exit_esp_ok);
    check(r3_cs == 0x1b && r3_conform_cs == 0x6b && r3_gate_cs == 0x08 &&
          r3_gate_ss == 0x10 && r3_gate_param == 0x600d && r3_faults == 4 &&
          r3_int_count == 1 && exit_esp_ok, "ring 3");
}

static void test_code16(void)
{
    uint32_t r;

    gdt32_set(SEL_CODE16B, (uint32_t)(uintptr_t)code16_start, 0xffff, 0x9a,
              0);
    __asm__ volatile("lcall %1, $0" : "=a"(r) : "i"(SEL_CODE16B)
                     : "ebx", "ecx", "esi", "memory");
    printf("16-bit protected mode: ax 0x%x, (bx+si) 0x%x\n", r >> 16,
           r & 0xffff);
    check(r == 0x80010001, "16-bit code");
}

int main(const MultibootInfo *mbi)
{
    test_selector_errors();
    test_ring3();
    test_code16();
    printf("m32-protected: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures() ? 1 : 0x12;
}
