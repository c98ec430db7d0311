/*
 * common.c - the part of the guest runtime that 64-bit guests (runtime.c)
 * and 32-bit guests (runtime32.c) share, compiled once for each: COM1
 * output, printf, exit through isa-debug-exit, check(), and the string
 * functions the compiler may call. Guest code, not host code.
 */
#include "guest.h"

#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_THRE 0x20

static int failures;

/*
 * *v /= base, returns the remainder: a 64-bit division done with two
 * 32-bit DIVs (the first remainder is below base, so the second cannot
 * overflow), so 32-bit guests need no libgcc.
 */
static uint32_t divide_small(uint64_t *v, uint32_t base)
{
    uint32_t hi = (uint32_t)(*v >> 32), lo = (uint32_t)*v, rem;

    rem = hi % base;
    hi /= base;
    __asm__("divl %2" : "+a"(lo), "+d"(rem) : "rm"(base));
    *v = ((uint64_t)hi << 32) | lo;
    return rem;
}

/* ---- serial ---------------------------------------------------------- */

void serial_init(void)
{
    outb(COM1_BASE + UART_IER, 0x00);
    outb(COM1_BASE + UART_LCR, 0x80);   /* DLAB on: divisor 1 = 115200 */
    outb(COM1_BASE + 0, 0x01);
    outb(COM1_BASE + 1, 0x00);
    outb(COM1_BASE + UART_LCR, 0x03);   /* 8N1, DLAB off */
    outb(COM1_BASE + UART_FCR, 0x07);   /* FIFOs on and cleared */
    outb(COM1_BASE + UART_MCR, 0x03);   /* DTR, RTS */
}

void serial_putc(char c)
{
    uint32_t spins = 0;

    while (!(inb(COM1_BASE + UART_LSR) & UART_LSR_THRE)) {
        if (++spins > 10000000) {
            break;              /* a stuck UART must not hang the test */
        }
    }
    outb(COM1_BASE + UART_THR, (uint8_t)c);
}

void serial_puts(const char *s)
{
    while (*s) {
        serial_putc(*s++);
    }
}

/* ---- printf ---------------------------------------------------------- */

typedef struct FormatSpec {
    int zero_pad;
    int left;
    int width;
    int size;           /* 0 int, 1 long, 2 long long */
} FormatSpec;

static int emit_padded(const char *s, int len, const FormatSpec *f)
{
    int pad = f->width > len ? f->width - len : 0;
    int n = 0;

    if (!f->left) {
        for (; pad > 0; pad--, n++) {
            serial_putc(f->zero_pad ? '0' : ' ');
        }
    }
    for (int i = 0; i < len; i++, n++) {
        serial_putc(s[i]);
    }
    for (; pad > 0; pad--, n++) {
        serial_putc(' ');
    }
    return n;
}

static int emit_number(uint64_t v, int negative, unsigned base, int upper,
                       const FormatSpec *f)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24];
    int i = sizeof(buf);

    do {
        buf[--i] = digits[divide_small(&v, base)];
    } while (v && i > 1);
    if (negative) {
        if (f->zero_pad && f->width > 0) {
            FormatSpec g = *f;
            serial_putc('-');
            g.width = f->width > 0 ? f->width - 1 : 0;
            return 1 + emit_padded(buf + i, sizeof(buf) - i, &g);
        }
        buf[--i] = '-';
    }
    return emit_padded(buf + i, sizeof(buf) - i, f);
}

static uint64_t arg_unsigned(va_list *ap, int size)
{
    if (size == 2) {
        return va_arg(*ap, unsigned long long);
    }
    if (size == 1) {
        return va_arg(*ap, unsigned long);
    }
    return va_arg(*ap, unsigned int);
}

static int64_t arg_signed(va_list *ap, int size)
{
    if (size == 2) {
        return va_arg(*ap, long long);
    }
    if (size == 1) {
        return va_arg(*ap, long);
    }
    return va_arg(*ap, int);
}

static const char *parse_spec(const char *p, FormatSpec *f)
{
    *f = (FormatSpec){ 0 };
    for (;; p++) {
        if (*p == '0') {
            f->zero_pad = 1;
        } else if (*p == '-') {
            f->left = 1;
        } else {
            break;
        }
    }
    while (*p >= '0' && *p <= '9') {
        f->width = f->width * 10 + (*p++ - '0');
    }
    while (*p == 'l' || *p == 'z') {
        f->size++;
        p++;
    }
    if (f->size > 2) {
        f->size = 2;
    }
    return p;
}

static int emit_conversion(char conv, va_list *ap, const FormatSpec *f)
{
    switch (conv) {
    case 'd':
    case 'i': {
        int64_t v = arg_signed(ap, f->size);
        return emit_number(v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, 0,
                           f);
    }
    case 'u':
        return emit_number(arg_unsigned(ap, f->size), 0, 10, 0, f);
    case 'x':
    case 'X':
        return emit_number(arg_unsigned(ap, f->size), 0, 16, conv == 'X', f);
    case 'p': {
        FormatSpec g = { .zero_pad = 1, .width = 16 };
        serial_puts("0x");
        return 2 + emit_number((uintptr_t)va_arg(*ap, void *), 0, 16, 0, &g);
    }
    case 'c': {
        char c = (char)va_arg(*ap, int);
        return emit_padded(&c, 1, f);
    }
    case 's': {
        const char *s = va_arg(*ap, const char *);
        if (!s) {
            s = "(null)";
        }
        return emit_padded(s, (int)strlen(s), f);
    }
    case '%':
        serial_putc('%');
        return 1;
    default:
        serial_putc('%');
        serial_putc(conv);
        return 2;
    }
}

int vprintf(const char *fmt, va_list ap)
{
    va_list args;
    int n = 0;

    va_copy(args, ap);
    for (const char *p = fmt; *p; p++) {
        FormatSpec f;
        if (*p != '%') {
            serial_putc(*p);
            n++;
            continue;
        }
        p = parse_spec(p + 1, &f);
        if (!*p) {
            break;
        }
        n += emit_conversion(*p, &args, &f);
    }
    va_end(args);
    return n;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

/* ---- exit and checks ------------------------------------------------- */

void guest_exit(uint32_t value)
{
    outl(DEBUG_EXIT_PORT, value);
    /* No debug-exit device: stop here with interrupts off. */
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

void check(int cond, const char *what)
{
    if (!cond) {
        printf("FAIL: %s\n", what);
        failures++;
    }
}

int check_failures(void)
{
    return failures;
}

/* ---- memory and strings ---------------------------------------------- */

void *memset(void *d, int c, size_t n)
{
    uint8_t *p = d;
    while (n--) {
        *p++ = (uint8_t)c;
    }
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *dp = d;
    const uint8_t *sp = s;
    while (n--) {
        *dp++ = *sp++;
    }
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    uint8_t *dp = d;
    const uint8_t *sp = s;
    if (dp < sp) {
        while (n--) {
            *dp++ = *sp++;
        }
    } else {
        while (n--) {
            dp[n] = sp[n];
        }
    }
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return x[i] < y[i] ? -1 : 1;
        }
    }
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n]) {
        n++;
    }
    return n;
}
