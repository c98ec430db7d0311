/*
 * Differential tester: 16-bit snippets on the host CPU, for the 32-bit
 * host runner (dt-host.c built with -m32).
 *
 * Linux lets a 32-bit process describe its own segments in its LDT with
 * modify_ldt(2): a descriptor with seg_32bit = 0 is a 16-bit segment
 * (D/B clear, SDM Vol. 3, 3.4.5), and user code far-jumps into a 16-bit
 * code segment like any other. The runner installs two DPL-3 descriptors,
 * both with a byte-granular limit of 0xffff (dt-proto.h):
 *   entry 0 (selector DT_SEG16_CODE_SEL): 16-bit code, base DT_CODE
 *   entry 1 (selector DT_SEG16_DATA_SEL): 16-bit writable data, base
 *           DT_SCRATCH, loaded into DS, ES and SS; B = 0, so the stack
 *           uses SP and 16-bit offsets land in the scratch area
 * FS and GS keep the process's values (the generator never uses them).
 *
 * The loader is 32-bit code at DT_LOADER: POPF from a private stack,
 * FXRSTOR of the x87/SSE image dt-host.c wrote, DS/ES/SS := the data selector, every GPR from the request (ESP last),
 * then JMP FAR to offset 0 of the 16-bit code segment. The snippet ends
 * in a signal exactly as in 32-bit mode; the kernel switches the handler
 * to the flat selectors and the alternate stack (the 64-bit kernel's
 * espfix keeps ESP[31:16] right on returns to a 16-bit stack). The
 * handler reloads DS/ES anyway before jumping back into C code, and turns
 * the context's CS:IP into the linear RIP the tester compares.
 */
#include <asm/ldt.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/difftest/dt-host16.h"

#define LDT_WRITE 0x11      /* modify_ldt func: write an entry (new ABI) */

typedef struct Emit16 {
    uint8_t *p;
} Emit16;

static void put8(Emit16 *e, uint8_t b)
{
    *e->p++ = b;
}

static void put16(Emit16 *e, uint16_t v)
{
    put8(e, (uint8_t)v);
    put8(e, (uint8_t)(v >> 8));
}

static void put32(Emit16 *e, uint32_t v)
{
    put16(e, (uint16_t)v);
    put16(e, (uint16_t)(v >> 16));
}

static int ldt_write(unsigned entry, uint32_t base, int code, char *why,
                     size_t whylen)
{
    struct user_desc d;

    memset(&d, 0, sizeof(d));
    d.entry_number = entry;
    d.base_addr = base;
    d.limit = DT_SEG16_LIMIT;
    d.seg_32bit = 0;
    d.contents = code ? 2 : 0;      /* 2: code (non-conforming), 0: data */
    d.read_exec_only = 0;           /* code readable, data writable */
    d.limit_in_pages = 0;
    d.seg_not_present = 0;
    d.useable = 0;
    if (syscall(SYS_modify_ldt, LDT_WRITE, &d, sizeof(d)) != 0) {
        snprintf(why, whylen, "modify_ldt of a 16-bit %s segment: %s",
                 code ? "code" : "data", strerror(errno));
        return -1;
    }
    return 0;
}

int host16_setup(char *why, size_t whylen)
{
    if (ldt_write(DT_SEG16_CODE_SEL >> 3, DT_SEG16_CODE_BASE, 1, why,
                  whylen) < 0 ||
        ldt_write(DT_SEG16_DATA_SEL >> 3, DT_SEG16_DATA_BASE, 0, why,
                  whylen) < 0) {
        return -1;
    }
    return 0;
}

void host16_build_loader(const DtRequest *rq)
{
    Emit16 e = { (uint8_t *)(uintptr_t)DT_LOADER };

    put8(&e, 0xbc);                         /* mov esp, private stack */
    put32(&e, DT_LOADER + 0xff0);
    put8(&e, 0x68);                         /* push imm32 */
    put32(&e, (uint32_t)rq->rflags);
    put8(&e, 0x9d);                         /* popf */
    put8(&e, 0x0f); put8(&e, 0xae); put8(&e, 0x0d); /* fxrstor [image] */
    put32(&e, DT_LOADER + 0x800);
    put8(&e, 0xb8);                         /* mov eax, data selector */
    put32(&e, DT_SEG16_DATA_SEL);
    put8(&e, 0x8e); put8(&e, 0xd8);         /* mov ds, ax */
    put8(&e, 0x8e); put8(&e, 0xc0);         /* mov es, ax */
    put8(&e, 0x8e); put8(&e, 0xd0);         /* mov ss, ax */
    for (int r = 0; r < 8; r++) {
        if (r != 4) {
            put8(&e, (uint8_t)(0xb8 + r));  /* mov r32, imm32 */
            put32(&e, (uint32_t)rq->regs[r]);
        }
    }
    put8(&e, 0xbc);                         /* mov esp, imm32 */
    put32(&e, (uint32_t)rq->regs[4]);
    put8(&e, 0xea);                         /* jmp far sel:offset32 */
    put32(&e, 0);
    put16(&e, DT_SEG16_CODE_SEL);
}

void host16_restore_segs(void)
{
    /* the kernel entered the handler with the flat data selector in SS */
    __asm__ volatile("movl %%ss, %%eax\n\t"
                     "movl %%eax, %%ds\n\t"
                     "movl %%eax, %%es" ::: "eax", "memory");
}

int host16_fix_rip(DtResult *r, const ucontext_t *uc)
{
    const greg_t *g = uc->uc_mcontext.gregs;

    if ((g[REG_CS] & 0xffff) != DT_SEG16_CODE_SEL) {
        return -1;
    }
    r->rip = DT_SEG16_CODE_BASE + (uint32_t)g[REG_EIP];
    return 0;
}
