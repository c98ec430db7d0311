/*
 * The 16550A UART ("isa-serial"), after the National/TI PC16550D data
 * sheet: eight registers at iobase, 16-byte receive and transmit FIFOs,
 * four interrupt sources on one level-triggered line (gated by MCR OUT2,
 * as PC serial cards wire it), loopback, scratch register.
 *
 * Transmission is immediate: a byte written to THR reaches the chardev
 * at once, and THR/TSR read as empty again right after, but every
 * register and interrupt behaves as the data sheet describes.
 */
#ifndef KITE_SERIAL_H
#define KITE_SERIAL_H

#include "hw/core/irq.h"
#include "hw/core/memory.h"
#include "hw/core/qdev.h"
#include "hw/core/timer.h"
#include "system/chardev.h"

#define SERIAL_FIFO_SIZE 16

/* Register offsets (DLAB selects DLL/DLM at 0 and 1). */
enum {
    UART_RBR = 0, UART_THR = 0, UART_DLL = 0,
    UART_IER = 1, UART_DLM = 1,
    UART_IIR = 2, UART_FCR = 2,
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
    UART_MSR = 6,
    UART_SCR = 7,
};

/* IER */
#define UART_IER_RDI    0x01     /* received data available */
#define UART_IER_THRI   0x02     /* transmitter holding register empty */
#define UART_IER_RLSI   0x04     /* receiver line status */
#define UART_IER_MSI    0x08     /* modem status */
#define UART_IER_MASK   0x0f

/* IIR */
#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI    0x00
#define UART_IIR_THRI   0x02
#define UART_IIR_RDI    0x04
#define UART_IIR_RLSI   0x06
#define UART_IIR_CTI    0x0c     /* character timeout */
#define UART_IIR_FIFO   0xc0     /* FIFOs enabled */

/* FCR */
#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLR_RX 0x02
#define UART_FCR_CLR_TX 0x04
#define UART_FCR_DMA    0x08
#define UART_FCR_TRIG   0xc0

/* LCR */
#define UART_LCR_WLEN   0x03
#define UART_LCR_STOP   0x04
#define UART_LCR_PARITY 0x08
#define UART_LCR_BREAK  0x40
#define UART_LCR_DLAB   0x80

/* MCR */
#define UART_MCR_DTR    0x01
#define UART_MCR_RTS    0x02
#define UART_MCR_OUT1   0x04
#define UART_MCR_OUT2   0x08
#define UART_MCR_LOOP   0x10
#define UART_MCR_MASK   0x1f

/* LSR */
#define UART_LSR_DR     0x01
#define UART_LSR_OE     0x02
#define UART_LSR_PE     0x04
#define UART_LSR_FE     0x08
#define UART_LSR_BI     0x10
#define UART_LSR_THRE   0x20
#define UART_LSR_TEMT   0x40
#define UART_LSR_FIFOE  0x80
#define UART_LSR_ERRORS (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

/* MSR */
#define UART_MSR_DCTS   0x01
#define UART_MSR_DDSR   0x02
#define UART_MSR_TERI   0x04
#define UART_MSR_DDCD   0x08
#define UART_MSR_DELTAS 0x0f
#define UART_MSR_CTS    0x10
#define UART_MSR_DSR    0x20
#define UART_MSR_RI     0x40
#define UART_MSR_DCD    0x80

/* A FIFO; the non-FIFO (16450) mode uses the first slot only. */
typedef struct SerialFifo {
    uint8_t data[SERIAL_FIFO_SIZE];
    uint8_t brk[SERIAL_FIFO_SIZE];   /* 1: received as a break */
    uint8_t count;
} SerialFifo;

typedef struct SerialState {
    Device dev;
    /* properties */
    uint32_t iobase, irq, index;

    MemoryRegion io;
    const IrqLine *irq_line;
    Chardev *chr;                /* NULL: output discarded, no input */
    Timer timeout_timer;
    int64_t char_ns;             /* one character time, 0: no timeout */
    int irq_level;

    /* registers */
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    uint8_t rbr;                 /* last character read */
    uint8_t thr;                 /* last character written */
    uint16_t divisor;
    SerialFifo rx, tx;
    bool thr_ipending;           /* THRE interrupt condition */
    bool timeout_ipending;       /* character timeout condition */
    bool fifo_error;             /* LSR bit 7 */
} SerialState;

#endif
