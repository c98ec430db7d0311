/*
 * m32-x87-env.c - the x87 environment and state images in 32-bit
 * protected mode and in real-address mode (Intel SDM vol. 1, 8.1.10 and
 * figures 8-9 to 8-12):
 *  - FNSTENV with 32-bit operand size (28 bytes: FCW, FSW, FTW each in a
 *    dword, FIP, FCS with FOP in bits 16..26, FDP, FDS) and with a 66h
 *    prefix (14 bytes of words); FIP/FCS name the last non-control
 *    instruction, FDP/FDS its memory operand; FNSTENV then masks every
 *    exception; the tag word is the full one (valid, zero, special, empty);
 *  - FNSAVE (108 / 94 bytes: the environment then ST(0)..ST(7)), which
 *    reinitialises the unit, and FRSTOR, which brings everything back;
 *  - FLDENV with a tag word marking registers empty;
 *  - in real mode (a trampoline at 0x8000 entered the way m32-realmode.c
 *    does) the real-mode layouts: 20/32-bit linear instruction and operand
 *    pointers (segment * 16 + offset) with FOP beside the high bits.
 *
 * GUEST-SKIP kvm: this host's KVM emulates 32-bit code one instruction at a time and cannot emulate x87 instructions
 */
#include "lib/guest32.h"

#define LOW_BASE 0x8000u

typedef struct Env32 {
    uint32_t fcw, fsw, ftw, fip, fcs_fop, fdp, fds;
} Env32;

typedef struct Env16 {
    uint16_t fcw, fsw, ftw, fip, fcs, fdp, fds;
} Env16;

static uint64_t three = 0x4008000000000000ull;        /* 3.0 */
static uint16_t cw_some_unmasked = 0x0262;
static Env32 env32;
static Env16 env16;
static uint8_t save108[108], save94[94];
static uint32_t fadd_eip;

static void pm_env(void)
{
    uint16_t cw_after, sw;

    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfld1\n\tfldz\n\t"
                     "fldl %[x]\n\t"
                     "movl $3f, %[ip]\n"
                     "3:\tfadd %%st(2), %%st\n\t"
                     "fnstenv %[e32]\n\tfnstcw %[cwa]\n\t"
                     "data16 fnstenv %[e16]"
                     : [e32] "=m"(env32), [e16] "=m"(env16),
                       [cwa] "=m"(cw_after), [ip] "=m"(fadd_eip)
                     : [cw] "m"(cw_some_unmasked), [x] "m"(three)
                     : "memory");
    printf("fnstenv 32: fcw %08x fsw %08x ftw %08x fop %03x fcs %04x "
           "fds %08x\n", env32.fcw, env32.fsw, env32.ftw,
           env32.fcs_fop >> 16, env32.fcs_fop & 0xffff, env32.fds);
    printf("  fip at the fadd: %s, fdp at the operand: %s, fcw after: %04x\n",
           env32.fip == fadd_eip ? "yes" : "no",
           env32.fdp == (uint32_t)(uintptr_t)&three ? "yes" : "no",
           cw_after);
    check(env32.fip == fadd_eip, "fnstenv fip");
    check(env32.fdp == (uint32_t)(uintptr_t)&three, "fnstenv fdp");
    printf("fnstenv 16: fcw %04x fsw %04x ftw %04x fcs %04x fds %04x\n",
           env16.fcw, env16.fsw, env16.ftw, env16.fcs, env16.fds);
    check(env16.fip == (uint16_t)fadd_eip, "fnstenv16 fip");
    check(env16.fdp == (uint16_t)(uintptr_t)&three, "fnstenv16 fdp");

    __asm__ volatile("fnsave %0\n\tfnstsw %1" : "=m"(save108), "=m"(sw)
                     : : "memory");
    printf("fnsave: ST0 %04x:%08x%08x, ST2 %04x:%08x%08x, fsw after %04x\n",
           *(uint16_t *)&save108[28 + 8], *(uint32_t *)&save108[28 + 4],
           *(uint32_t *)&save108[28], *(uint16_t *)&save108[48 + 8],
           *(uint32_t *)&save108[48 + 4], *(uint32_t *)&save108[48], sw);
    __asm__ volatile("frstor %1\n\tfnstenv %0" : "=m"(env32)
                     : "m"(save108) : "memory");
    printf("frstor: fsw %04x ftw %04x fop %03x fip back: %s\n",
           env32.fsw & 0xffff, env32.ftw & 0xffff, env32.fcs_fop >> 16,
           env32.fip == fadd_eip ? "yes" : "no");
    __asm__ volatile("data16 fnsave %0\n\tfnstsw %1" : "=m"(save94),
                     "=m"(sw) : : "memory");
    printf("fnsave 16: fcw %04x ftw %04x ST0 %04x:%08x%08x, fsw after %04x\n",
           *(uint16_t *)&save94[0], *(uint16_t *)&save94[4],
           *(uint16_t *)&save94[14 + 8], *(uint32_t *)&save94[14 + 4],
           *(uint32_t *)&save94[14], sw);
    __asm__ volatile("data16 frstor %0" : : "m"(save94) : "memory");

    /* FLDENV: tags from memory mark ST(1) empty (ST(0) keeps its value) */
    uint16_t fxam_sw;
    env32.ftw |= 3u << 2 * ((((env32.fsw >> 11) & 7) + 1) & 7);
    __asm__ volatile("fldenv %1\n\tfxch\n\tfnstsw %0\n\tfninit"
                     : "=m"(fxam_sw) : "m"(env32) : "memory");
    printf("fldenv with ST(1) empty, fxch: fsw %04x\n", fxam_sw);
}

/* ---- real mode ---------------------------------------------------------- */

extern const uint8_t rmx_start[], rmx_end[], rmx_env16[], rmx_env32[],
    rmx_fadd[], rmx_data[];
void rmx_run(void);

#define RM_(l) #l "-rmx_start"
#define RM(l) RM_(l)

__asm__(
    "        .code32\n"
    "        .text\n"
    "        .globl rmx_run\n"
    "rmx_run:\n"
    "        pushal\n"
    "        cli\n"
    "        movl %esp, 0x8000+" RM(rmx_saved_esp) "\n"
    "        sidt 0x8000+" RM(rmx_saved_idt) "\n"
    "        ljmp $0x30, $0x8000+" RM(rmx_pm16) "\n"
    "rmx_pm32_back:\n"
    "        movl $0x10, %eax\n"
    "        movl %eax, %ds\n"
    "        movl %eax, %es\n"
    "        movl %eax, %ss\n"
    "        movl %eax, %fs\n"
    "        movl %eax, %gs\n"
    "        movl 0x8000+" RM(rmx_saved_esp) ", %esp\n"
    "        lidt 0x8000+" RM(rmx_saved_idt) "\n"
    "        popal\n"
    "        ret\n"

    "        .section .rodata.rmx16, \"a\"\n"
    "        .globl rmx_start, rmx_end, rmx_env16, rmx_env32, rmx_fadd\n"
    "        .globl rmx_data\n"
    "rmx_start:\n"
    "        .code16\n"
    "rmx_pm16:\n"
    "        movw $0x38, %ax\n"
    "        movw %ax, %ds\n"
    "        movw %ax, %es\n"
    "        movw %ax, %ss\n"
    "        lidt 0x8000+" RM(rmx_ivt_desc) "\n"
    "        movl %cr0, %eax\n"
    "        andl $~1, %eax\n"
    "        movl %eax, %cr0\n"
    "        ljmp $0x0800, $" RM(rmx_entry) "\n"
    "rmx_entry:\n"
    "        movw $0x0800, %ax\n"
    "        movw %ax, %ds\n"
    "        movw %ax, %ss\n"
    "        movw $" RM(rmx_stack_top) ", %sp\n"
    "        fninit\n"
    "        fld1\n"
    "        fldl " RM(rmx_data) "\n"
    "rmx_fadd:\n"
    "        fadd %st(0), %st\n"
    "        fnstenv " RM(rmx_env16) "\n"
    "        data32 fnstenv " RM(rmx_env32) "\n"
    "        fninit\n"
    "        movl %cr0, %eax\n"
    "        orl $1, %eax\n"
    "        movl %eax, %cr0\n"
    "        ljmpl $0x08, $rmx_pm32_back\n"
    "        .balign 4\n"
    "rmx_saved_esp:\n"
    "        .long 0\n"
    "rmx_saved_idt:\n"
    "        .word 0\n"
    "        .long 0\n"
    "rmx_ivt_desc:\n"
    "        .word 0x3ff\n"
    "        .long 0\n"
    "        .balign 8\n"
    "rmx_data:\n"
    "        .quad 0x4008000000000000\n"
    "rmx_env16:\n"
    "        .fill 14, 1, 0\n"
    "        .balign 4\n"
    "rmx_env32:\n"
    "        .fill 28, 1, 0\n"
    "        .balign 16\n"
    "        .fill 128, 1, 0\n"
    "rmx_stack_top:\n"
    "rmx_end:\n"
    "        .code32\n"
    "        .text\n");

static const void *low(const uint8_t *sym)
{
    return (const void *)(uintptr_t)(LOW_BASE + (sym - rmx_start));
}

static void real_env(void)
{
    memcpy((void *)(uintptr_t)LOW_BASE, rmx_start,
           (size_t)(rmx_end - rmx_start));
    rmx_run();
    const Env16 *e16 = low(rmx_env16);
    const Env32 *e32 = low(rmx_env32);
    uint32_t fip = LOW_BASE + (uint32_t)(rmx_fadd - rmx_start);
    uint32_t fdp = LOW_BASE + (uint32_t)(rmx_data - rmx_start);
    printf("real 16: fcw %04x fsw %04x ftw %04x word4 %04x word6 %04x\n",
           e16->fcw, e16->fsw, e16->ftw, e16->fcs, e16->fds);
    printf("  linear fip: %s, linear fdp: %s\n",
           e16->fip == (uint16_t)fip && (e16->fcs >> 12) == fip >> 16
               ? "yes" : "no",
           e16->fdp == (uint16_t)fdp && (e16->fds >> 12) == fdp >> 16
               ? "yes" : "no");
    check(e16->fip == (uint16_t)fip, "real 16 fip");
    check((e16->fcs & 0x7ff) == 0x0c0, "real 16 fop");
    printf("real 32: fcw %08x fsw %08x ftw %08x fop %03x ipdw %08x "
           "opdw %08x\n", e32->fcw, e32->fsw, e32->ftw,
           e32->fcs_fop & 0x7ff, e32->fip & 0xffff0000u,
           e32->fdp & 0xffff0000u);
    printf("  linear fip: %s, linear fdp: %s\n",
           (e32->fip & 0xffff) == (fip & 0xffff) &&
           (e32->fcs_fop >> 12) == fip >> 16 ? "yes" : "no",
           (e32->fdp & 0xffff) == (fdp & 0xffff) &&
           (e32->fds >> 12) == fdp >> 16 ? "yes" : "no");
    check((e32->fip & 0xffff) == (fip & 0xffff), "real 32 fip");
}

int main(const MultibootInfo *mbi)
{
    uint32_t ivt_save[256];

    pm_env();
    memcpy(ivt_save, (const void *)0, sizeof(ivt_save));
    real_env();
    memcpy((void *)0, ivt_save, sizeof(ivt_save));
    printf("m32-x87-env: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures();
}
