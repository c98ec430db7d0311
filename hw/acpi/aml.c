/*
 * ACPI Machine Language encoding (see aml.h). The grammar is ACPI 6.x
 * section 20; resource descriptors are section 6.4.
 *
 * Invariant: a node's body holds complete, already encoded terms; only
 * the framing (opcode and PkgLength) is added when the node is appended
 * to its parent, because a PkgLength counts bytes that come after it.
 */
#include "hw/acpi/aml.h"

#include <stdlib.h>
#include <string.h>

#include "system/util.h"

/* ---- byte buffers ---- */

void bytebuf_put(ByteBuf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = MAX(b->cap * 2, b->len + n + 64);
        b->data = xrealloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void bytebuf_put8(ByteBuf *b, uint8_t v)
{
    bytebuf_put(b, &v, 1);
}

void bytebuf_put16(ByteBuf *b, uint16_t v)
{
    uint8_t t[2];
    st16le(t, v);
    bytebuf_put(b, t, 2);
}

void bytebuf_put32(ByteBuf *b, uint32_t v)
{
    uint8_t t[4];
    st32le(t, v);
    bytebuf_put(b, t, 4);
}

void bytebuf_put64(ByteBuf *b, uint64_t v)
{
    uint8_t t[8];
    st64le(t, v);
    bytebuf_put(b, t, 8);
}

size_t bytebuf_reserve(ByteBuf *b, size_t n)
{
    static const uint8_t zero[64];
    size_t at = b->len;

    while (n) {
        size_t k = MIN(n, sizeof(zero));
        bytebuf_put(b, zero, k);
        n -= k;
    }
    return at;
}

void bytebuf_free(ByteBuf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

/* ---- framing ---- */

/* A PkgLength holding value (its own bytes included by the caller). */
static void aml_put_pkglen_value(ByteBuf *b, size_t value, int nbytes)
{
    if (nbytes == 1) {
        bytebuf_put8(b, (uint8_t)value);
        return;
    }
    bytebuf_put8(b, (uint8_t)(((nbytes - 1) << 6) | (value & 0xf)));
    for (int i = 1; i < nbytes; i++) {
        bytebuf_put8(b, (uint8_t)(value >> (4 + 8 * (i - 1))));
    }
}

void aml_encode_pkglen(ByteBuf *b, size_t body_len)
{
    if (body_len + 1 < 0x40) {
        aml_put_pkglen_value(b, body_len + 1, 1);
    } else if (body_len + 2 < (1u << 12)) {
        aml_put_pkglen_value(b, body_len + 2, 2);
    } else if (body_len + 3 < (1u << 20)) {
        aml_put_pkglen_value(b, body_len + 3, 3);
    } else {
        aml_put_pkglen_value(b, body_len + 4, 4);
    }
}

/* Field element lengths are PkgLength-encoded bit counts. */
static void aml_encode_field_len(ByteBuf *b, unsigned bits)
{
    if (bits < 0x40) {
        aml_put_pkglen_value(b, bits, 1);
    } else if (bits < (1u << 12)) {
        aml_put_pkglen_value(b, bits, 2);
    } else {
        aml_put_pkglen_value(b, bits, 3);
    }
}

static void aml_put_int(ByteBuf *b, uint64_t v)
{
    if (v == 0 || v == 1) {
        bytebuf_put8(b, (uint8_t)v);           /* ZeroOp, OneOp */
    } else if (v == ~0ull) {
        bytebuf_put8(b, 0xff);                 /* OnesOp */
    } else if (v <= 0xff) {
        bytebuf_put8(b, 0x0a);
        bytebuf_put8(b, (uint8_t)v);
    } else if (v <= 0xffff) {
        bytebuf_put8(b, 0x0b);
        bytebuf_put16(b, (uint16_t)v);
    } else if (v <= 0xffffffffull) {
        bytebuf_put8(b, 0x0c);
        bytebuf_put32(b, (uint32_t)v);
    } else {
        bytebuf_put8(b, 0x0e);
        bytebuf_put64(b, v);
    }
}

void aml_emit(ByteBuf *out, Aml *n)
{
    ByteBuf content = { 0 };

    switch (n->kind) {
    case AML_PLAIN:
        bytebuf_put(out, n->body.data, n->body.len);
        break;
    case AML_PKG:
    case AML_EXT_PKG:
        if (n->kind == AML_EXT_PKG) {
            bytebuf_put8(out, 0x5b);
        }
        bytebuf_put8(out, n->op);
        aml_encode_pkglen(out, n->body.len);
        bytebuf_put(out, n->body.data, n->body.len);
        break;
    case AML_BUFFER:
    case AML_RESOURCE:
        if (n->kind == AML_RESOURCE) {
            bytebuf_put8(&n->body, 0x79);      /* EndTag, checksum 0 */
            bytebuf_put8(&n->body, 0x00);
        }
        aml_put_int(&content, n->body.len);
        bytebuf_put(&content, n->body.data, n->body.len);
        bytebuf_put8(out, 0x11);               /* BufferOp */
        aml_encode_pkglen(out, content.len);
        bytebuf_put(out, content.data, content.len);
        bytebuf_free(&content);
        break;
    }
    aml_free(n);
}

void aml_append(Aml *parent, Aml *child)
{
    aml_emit(&parent->body, child);
}

void aml_free(Aml *n)
{
    if (n) {
        bytebuf_free(&n->body);
        free(n);
    }
}

static Aml *aml_new(AmlKind kind, uint8_t op)
{
    Aml *n = xzalloc(sizeof(*n));

    n->kind = kind;
    n->op = op;
    return n;
}

/* ---- names ---- */

static void aml_put_nameseg(ByteBuf *b, const char *seg, size_t len)
{
    char s[4] = { '_', '_', '_', '_' };

    memcpy(s, seg, MIN(len, 4));
    bytebuf_put(b, s, 4);
}

size_t aml_encode_namestring(ByteBuf *b, const char *path)
{
    size_t start = b->len, nseg = 1;
    const char *p = path;

    while (*p == '\\' || *p == '^') {
        bytebuf_put8(b, (uint8_t)*p++);
    }
    for (const char *q = p; *q; q++) {
        nseg += *q == '.';
    }
    if (!*p) {
        bytebuf_put8(b, 0x00);                 /* NullName */
        return b->len - start;
    }
    if (nseg == 2) {
        bytebuf_put8(b, 0x2e);                 /* DualNamePrefix */
    } else if (nseg > 2) {
        bytebuf_put8(b, 0x2f);                 /* MultiNamePrefix */
        bytebuf_put8(b, (uint8_t)nseg);
    }
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        aml_put_nameseg(b, p, len);
        p += len + (dot != NULL);
    }
    return b->len - start;
}

/* ---- data objects ---- */

Aml *aml_int(uint64_t v)
{
    Aml *n = aml_new(AML_PLAIN, 0);
    aml_put_int(&n->body, v);
    return n;
}

Aml *aml_string(const char *s)
{
    Aml *n = aml_new(AML_PLAIN, 0);

    bytebuf_put8(&n->body, 0x0d);
    bytebuf_put(&n->body, s, strlen(s) + 1);
    return n;
}

static uint8_t aml_hexval(char c)
{
    return (uint8_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
}

/* The compressed EISA ID: three 5-bit letters, then four hex digits. */
Aml *aml_eisaid(const char *id)
{
    Aml *n = aml_new(AML_PLAIN, 0);
    uint8_t c1 = (uint8_t)(id[0] - 0x40), c2 = (uint8_t)(id[1] - 0x40),
            c3 = (uint8_t)(id[2] - 0x40);
    uint8_t bytes[4] = {
        (uint8_t)((c1 << 2) | (c2 >> 3)),
        (uint8_t)(((c2 & 7) << 5) | c3),
        (uint8_t)((aml_hexval(id[3]) << 4) | aml_hexval(id[4])),
        (uint8_t)((aml_hexval(id[5]) << 4) | aml_hexval(id[6])),
    };

    bytebuf_put8(&n->body, 0x0c);
    bytebuf_put(&n->body, bytes, 4);
    return n;
}

Aml *aml_name(const char *path)
{
    Aml *n = aml_new(AML_PLAIN, 0);
    aml_encode_namestring(&n->body, path);
    return n;
}

Aml *aml_package(uint8_t nelems)
{
    Aml *n = aml_new(AML_PKG, 0x12);
    bytebuf_put8(&n->body, nelems);
    return n;
}

Aml *aml_local(int i)
{
    Aml *n = aml_new(AML_PLAIN, 0);
    bytebuf_put8(&n->body, (uint8_t)(0x60 + (i & 7)));
    return n;
}

Aml *aml_arg(int i)
{
    Aml *n = aml_new(AML_PLAIN, 0);
    bytebuf_put8(&n->body, (uint8_t)(0x68 + MIN(i, 6)));
    return n;
}

/* ---- named objects and blocks ---- */

Aml *aml_name_decl(const char *name, Aml *value)
{
    Aml *n = aml_new(AML_PLAIN, 0);

    bytebuf_put8(&n->body, 0x08);              /* NameOp */
    aml_encode_namestring(&n->body, name);
    aml_append(n, value);
    return n;
}

Aml *aml_scope(const char *path)
{
    Aml *n = aml_new(AML_PKG, 0x10);
    aml_encode_namestring(&n->body, path);
    return n;
}

Aml *aml_device(const char *path)
{
    Aml *n = aml_new(AML_EXT_PKG, 0x82);
    aml_encode_namestring(&n->body, path);
    return n;
}

Aml *aml_method(const char *name, int nargs, bool serialized)
{
    Aml *n = aml_new(AML_PKG, 0x14);

    aml_encode_namestring(&n->body, name);
    bytebuf_put8(&n->body, (uint8_t)((nargs & 7) | (serialized ? 8 : 0)));
    return n;
}

Aml *aml_if(Aml *predicate)
{
    Aml *n = aml_new(AML_PKG, 0xa0);
    aml_append(n, predicate);
    return n;
}

Aml *aml_else(void)
{
    return aml_new(AML_PKG, 0xa1);
}

Aml *aml_operation_region(const char *name, uint8_t space, uint64_t offset,
                          uint64_t len)
{
    Aml *n = aml_new(AML_PLAIN, 0);

    bytebuf_put8(&n->body, 0x5b);
    bytebuf_put8(&n->body, 0x80);
    aml_encode_namestring(&n->body, name);
    bytebuf_put8(&n->body, space);
    aml_put_int(&n->body, offset);
    aml_put_int(&n->body, len);
    return n;
}

Aml *aml_field(const char *region, uint8_t access)
{
    Aml *n = aml_new(AML_EXT_PKG, 0x81);

    aml_encode_namestring(&n->body, region);
    bytebuf_put8(&n->body, access);            /* NoLock, Preserve */
    return n;
}

void aml_field_entry(Aml *field, const char *name, unsigned bits)
{
    if (name) {
        aml_put_nameseg(&field->body, name, strlen(name));
    } else {
        bytebuf_put8(&field->body, 0x00);      /* ReservedField */
    }
    aml_encode_field_len(&field->body, bits);
}

/* ---- statements and expressions ---- */

static Aml *aml_op(uint8_t op, Aml *a, Aml *b, Aml *c, bool has_target)
{
    Aml *n = aml_new(AML_PLAIN, 0);

    bytebuf_put8(&n->body, op);
    if (a) {
        aml_append(n, a);
    }
    if (b) {
        aml_append(n, b);
    }
    if (c) {
        aml_append(n, c);
    } else if (has_target) {
        bytebuf_put8(&n->body, 0x00);          /* NullName: no target */
    }
    return n;
}

Aml *aml_return(Aml *v)
{
    return aml_op(0xa4, v, NULL, NULL, false);
}

Aml *aml_store(Aml *src, Aml *dst)
{
    return aml_op(0x70, src, dst, NULL, false);
}

Aml *aml_and(Aml *a, Aml *b, Aml *target)
{
    return aml_op(0x7b, a, b, target, true);
}

Aml *aml_or(Aml *a, Aml *b, Aml *target)
{
    return aml_op(0x7d, a, b, target, true);
}

Aml *aml_lless(Aml *a, Aml *b)
{
    return aml_op(0x95, a, b, NULL, false);
}

Aml *aml_lequal(Aml *a, Aml *b)
{
    return aml_op(0x93, a, b, NULL, false);
}

Aml *aml_create_dword_field(Aml *buf, Aml *index, const char *name)
{
    Aml *n = aml_op(0x8a, buf, index, NULL, false);
    aml_encode_namestring(&n->body, name);
    return n;
}

Aml *aml_call1(const char *method, Aml *arg)
{
    Aml *n = aml_new(AML_PLAIN, 0);

    aml_encode_namestring(&n->body, method);
    aml_append(n, arg);
    return n;
}

/* ---- resource descriptors ---- */

Aml *aml_resource_template(void)
{
    return aml_new(AML_RESOURCE, 0);
}

void aml_res_io(Aml *rt, uint16_t base, uint8_t len)
{
    ByteBuf *b = &rt->body;

    bytebuf_put8(b, 0x47);                     /* I/O port, 16-bit decode */
    bytebuf_put8(b, 0x01);
    bytebuf_put16(b, base);
    bytebuf_put16(b, base);
    bytebuf_put8(b, 0x01);
    bytebuf_put8(b, len);
}

void aml_res_irq_noflags(Aml *rt, uint16_t mask)
{
    bytebuf_put8(&rt->body, 0x22);
    bytebuf_put16(&rt->body, mask);
}

void aml_res_interrupt_level_shared(Aml *rt, const uint32_t *irqs, int n)
{
    ByteBuf *b = &rt->body;

    bytebuf_put8(b, 0x89);
    bytebuf_put16(b, (uint16_t)(2 + 4 * n));
    bytebuf_put8(b, 0x09);                     /* consumer, level, high, shared */
    bytebuf_put8(b, (uint8_t)n);
    for (int i = 0; i < n; i++) {
        bytebuf_put32(b, irqs[i]);
    }
}

void aml_res_memory32_fixed(Aml *rt, uint32_t base, uint32_t len, bool rw)
{
    ByteBuf *b = &rt->body;

    bytebuf_put8(b, 0x86);
    bytebuf_put16(b, 9);
    bytebuf_put8(b, rw ? 1 : 0);
    bytebuf_put32(b, base);
    bytebuf_put32(b, len);
}

/* Word Address Space descriptor: type 1 I/O, 2 bus number. */
static void aml_res_word(Aml *rt, uint8_t type, uint8_t tflags, uint16_t min,
                         uint16_t max)
{
    ByteBuf *b = &rt->body;

    bytebuf_put8(b, 0x88);
    bytebuf_put16(b, 13);
    bytebuf_put8(b, type);
    bytebuf_put8(b, 0x0c);                     /* min and max fixed, producer */
    bytebuf_put8(b, tflags);
    bytebuf_put16(b, 0);                       /* granularity */
    bytebuf_put16(b, min);
    bytebuf_put16(b, max);
    bytebuf_put16(b, 0);                       /* translation */
    bytebuf_put16(b, (uint16_t)(max - min + 1));
}

void aml_res_word_bus(Aml *rt, uint16_t min, uint16_t max)
{
    aml_res_word(rt, 2, 0, min, max);
}

void aml_res_word_io(Aml *rt, uint16_t min, uint16_t max)
{
    aml_res_word(rt, 1, 0x03, min, max);       /* ISA and non-ISA ranges */
}

void aml_res_dword_memory(Aml *rt, uint32_t min, uint32_t max)
{
    ByteBuf *b = &rt->body;

    bytebuf_put8(b, 0x87);
    bytebuf_put16(b, 23);
    bytebuf_put8(b, 0);                        /* memory range */
    bytebuf_put8(b, 0x0c);
    bytebuf_put8(b, 0x03);                     /* cacheable, read-write */
    bytebuf_put32(b, 0);
    bytebuf_put32(b, min);
    bytebuf_put32(b, max);
    bytebuf_put32(b, 0);
    bytebuf_put32(b, max - min + 1);
}
