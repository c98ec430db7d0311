/*
 * serial-loopback.c - the 16550A UART on COM1: divisor latch, scratch
 * register, interrupt enable, FIFO identification in IIR, and loopback mode
 * (MCR bit 4), where transmitted bytes come back through the receiver and
 * the modem control outputs show up as modem status inputs (NS16550A data
 * sheet; register offsets from 0x3f8). Results are collected first and
 * printed after the UART is back in its normal state.
 */
#include "lib/guest.h"

#define RBR 0
#define THR 0
#define DLL 0
#define IER 1
#define DLM 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

typedef struct LoopResult {
    uint8_t dll, dlm, scr_a, scr_b, ier, iir_fifo, lsr_idle;
    uint8_t msr_all, msr_dtr_only, lsr_after_send, lsr_after_drain;
    uint8_t rx[8];
    int rx_count;
} LoopResult;

static uint8_t reg_read(int r)
{
    return inb(COM1_BASE + r);
}

static void reg_write(int r, uint8_t v)
{
    outb(COM1_BASE + r, v);
}

static void wait_idle(void)
{
    for (int i = 0; i < 1000000; i++) {
        if ((reg_read(LSR) & (LSR_THRE | LSR_TEMT)) == (LSR_THRE | LSR_TEMT)) {
            return;
        }
    }
}

static int receive(uint8_t *out, int max)
{
    int n = 0;
    for (int spins = 0; n < max && spins < 100000; spins++) {
        if (reg_read(LSR) & LSR_DR) {
            out[n++] = reg_read(RBR);
        }
    }
    return n;
}

static void probe_registers(LoopResult *r)
{
    reg_write(LCR, 0x83);               /* DLAB on */
    reg_write(DLL, 0x0c);               /* 9600 baud */
    reg_write(DLM, 0x00);
    r->dll = reg_read(DLL);
    r->dlm = reg_read(DLM);
    reg_write(DLL, 0x01);               /* back to 115200 */
    reg_write(LCR, 0x03);
    reg_write(SCR, 0x5a);
    r->scr_a = reg_read(SCR);
    reg_write(SCR, 0xa5);
    r->scr_b = reg_read(SCR);
    reg_write(IER, 0x0f);
    r->ier = reg_read(IER);
    reg_write(IER, 0x00);
    reg_write(FCR, 0x07);
    r->iir_fifo = reg_read(IIR) & 0xc0;
    r->lsr_idle = reg_read(LSR) & (LSR_THRE | LSR_TEMT);
}

static void probe_loopback(LoopResult *r)
{
    static const uint8_t msg[] = { 'K', 'i', 't', 'e', 0x00, 0xff, 0x55 };
    for (int i = 0; i < 64 && (reg_read(LSR) & LSR_DR); i++) {
        reg_read(RBR);                  /* anything left from before */
    }
    reg_write(MCR, 0x1f);               /* loop, OUT2, OUT1, RTS, DTR */
    reg_read(MSR);                      /* clear the delta bits */
    r->msr_all = reg_read(MSR) & 0xf0;
    reg_write(MCR, 0x11);               /* loop, DTR only */
    r->msr_dtr_only = reg_read(MSR) & 0xf0;
    for (size_t i = 0; i < sizeof(msg); i++) {
        reg_write(THR, msg[i]);
        wait_idle();
    }
    r->lsr_after_send = reg_read(LSR) & LSR_DR;
    r->rx_count = receive(r->rx, sizeof(msg));
    r->lsr_after_drain = reg_read(LSR) & LSR_DR;
    reg_write(MCR, 0x03);               /* normal operation */
}

int main(const MultibootInfo *mbi)
{
    LoopResult r = { 0 };

    wait_idle();
    probe_registers(&r);
    probe_loopback(&r);

    printf("divisor latch: dll %x dlm %x\n", r.dll, r.dlm);
    printf("scratch: %x %x\n", r.scr_a, r.scr_b);
    printf("ier: %x\n", r.ier);
    printf("iir fifo bits: %x\n", r.iir_fifo);
    printf("lsr when idle: %x\n", r.lsr_idle);
    printf("loopback msr (all outputs): %x\n", r.msr_all);
    printf("loopback msr (dtr only): %x\n", r.msr_dtr_only);
    printf("loopback data ready after send: %x\n", r.lsr_after_send);
    printf("loopback received %d bytes:", r.rx_count);
    for (int i = 0; i < r.rx_count; i++) {
        printf(" %02x", r.rx[i]);
    }
    printf("\nloopback data ready after drain: %x\n", r.lsr_after_drain);
    check(r.dll == 0x0c && r.dlm == 0 && r.scr_a == 0x5a && r.scr_b == 0xa5,
          "registers");
    check(r.rx_count == 7 && r.rx[0] == 'K' && r.rx[6] == 0x55, "loopback");
    printf("serial-loopback: %s\n", check_failures() ? "FAILED" : "ok");
    return check_failures() ? 1 : 0x15;
}
