/*
 * runtime.c - the runtime of Kite's guest test programs: COM1 output
 * (16550 UART, polled: wait for THRE, then write THR), printf, exit through
 * isa-debug-exit, the IDT (SDM vol. 3A, 6.14 "Exception and Interrupt
 * Handling in 64-bit Mode") and the trap dispatcher.
 *
 * Guest code, not host code: the few statics here are the guest's own
 * state (there is no one else to pass it to).
 */
#include "guest.h"

#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_THRE 0x20

#define IDT_ENTRIES 256
#define GATE_INTERRUPT 0x8e     /* present, DPL 0, 64-bit interrupt gate */
#define SEL_CODE64 0x08

typedef struct IdtGate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} IdtGate;

typedef struct ExtableEntry {
    uint64_t start;
    uint64_t resume;
} ExtableEntry;

extern const char isr_stubs[];
extern const ExtableEntry __extable_start[], __extable_end[];

static IdtGate idt[IDT_ENTRIES] __attribute__((aligned(16)));
static TrapRecord last_trap;
static int failures;

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
        buf[--i] = digits[v % base];
        v /= base;
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

/* ---- exceptions ------------------------------------------------------ */

const TrapRecord *trap_last(void)
{
    return &last_trap;
}

void trap_clear(void)
{
    last_trap = (TrapRecord){ 0 };
}

static const ExtableEntry *extable_find(uint64_t rip)
{
    for (const ExtableEntry *e = __extable_start; e < __extable_end; e++) {
        if (rip >= e->start && rip < e->resume) {
            return e;
        }
    }
    return NULL;
}

void trap_dispatch(TrapFrame *f);

void trap_dispatch(TrapFrame *f)
{
    const ExtableEntry *e = extable_find(f->rip);
    uint64_t cr2 = read_cr2();

    if (f->vector >= 32) {
        return;                 /* a stray interrupt: every line is masked */
    }
    if (e) {
        last_trap.count++;
        last_trap.vector = f->vector;
        last_trap.error = f->error;
        last_trap.rip = f->rip;
        last_trap.cr2 = f->vector == 14 ? cr2 : 0;
        f->rip = e->resume;
        return;
    }
    printf("unexpected exception: vector %lu error 0x%lx rip 0x%lx "
           "cr2 0x%lx rsp 0x%lx\n",
           f->vector, f->error, f->rip, cr2, f->rsp);
    guest_exit(EXIT_UNEXPECTED_TRAP + (uint32_t)(f->vector & 0x1f));
}

static void idt_set_gate(IdtGate *g, uint64_t handler)
{
    g->offset_low = (uint16_t)handler;
    g->selector = SEL_CODE64;
    g->ist = 0;
    g->type = GATE_INTERRUPT;
    g->offset_mid = (uint16_t)(handler >> 16);
    g->offset_high = (uint32_t)(handler >> 32);
    g->reserved = 0;
}

static void idt_init(void)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } desc;

    for (int i = 0; i < IDT_ENTRIES; i++) {
        idt_set_gate(&idt[i], (uint64_t)(uintptr_t)(isr_stubs + 16 * i));
    }
    desc.limit = sizeof(idt) - 1;
    desc.base = (uint64_t)(uintptr_t)idt;
    __asm__ volatile("lidt %0" : : "m"(desc));
}

/* ---- interrupt controllers ------------------------------------------- */

/*
 * Move the 8259 pair off the exception vectors (to 0x20 and 0x28) and mask
 * every line (8259A data sheet: ICW1..ICW4, then OCW1). Guests then run
 * with interrupts enabled: some hardware-assisted hosts run guest code
 * natively only while RFLAGS.IF is set.
 */
static void pic_init(void)
{
    outb(0x20, 0x11);           /* ICW1: edge, cascade, ICW4 follows */
    outb(0xa0, 0x11);
    outb(0x21, 0x20);           /* ICW2: vector base */
    outb(0xa1, 0x28);
    outb(0x21, 0x04);           /* ICW3: slave on IR2 */
    outb(0xa1, 0x02);
    outb(0x21, 0x01);           /* ICW4: 8086 mode */
    outb(0xa1, 0x01);
    outb(0x21, 0xff);           /* OCW1: mask everything */
    outb(0xa1, 0xff);
}

/* ---- entry ----------------------------------------------------------- */

void guest_start(uint32_t magic, uint32_t info);

void guest_start(uint32_t magic, uint32_t info)
{
    const MultibootInfo *mbi = NULL;
    int rc;

    serial_init();
    idt_init();
    pic_init();
    __asm__ volatile("sti");
    if (magic == MULTIBOOT_BOOT_MAGIC) {
        mbi = (const MultibootInfo *)(uintptr_t)info;
    }
    rc = main(mbi);
    guest_exit((uint32_t)rc);
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
