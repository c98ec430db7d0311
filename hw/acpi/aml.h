/*
 * A small builder for ACPI Machine Language (ACPI 6.x, section 20: AML
 * grammar), enough for the pc machine's DSDT.
 *
 * An Aml is a node under construction: an opcode prefix, a kind that
 * says how it is framed (plain bytes, a PkgLength-framed block, a Buffer,
 * a ResourceTemplate) and its body. aml_append(parent, child) serializes
 * child into parent's body and frees child, so a tree is written
 * bottom-up and each node is encoded exactly once:
 *
 *     Aml *dev = aml_device("COM1");
 *     aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0501")));
 *     aml_append(scope, dev);
 *
 * Names are AML NameStrings: "\\_SB.PCI0.ISA" (root prefix, dotted
 * segments, each padded to four characters with '_'), "^LNKA" (parent
 * prefix) or a single segment.
 */
#ifndef KITE_AML_H
#define KITE_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ByteBuf {
    uint8_t *data;
    size_t len, cap;
} ByteBuf;

void bytebuf_put(ByteBuf *b, const void *p, size_t n);
void bytebuf_put8(ByteBuf *b, uint8_t v);
void bytebuf_put16(ByteBuf *b, uint16_t v);
void bytebuf_put32(ByteBuf *b, uint32_t v);
void bytebuf_put64(ByteBuf *b, uint64_t v);
/* Appends n zero bytes and returns the offset of the first one. */
size_t bytebuf_reserve(ByteBuf *b, size_t n);
void bytebuf_free(ByteBuf *b);

typedef enum AmlKind {
    AML_PLAIN,       /* body only */
    AML_PKG,         /* op, PkgLength, body */
    AML_EXT_PKG,     /* ExtOpPrefix, op, PkgLength, body */
    AML_BUFFER,      /* BufferOp, PkgLength, BufferSize, body */
    AML_RESOURCE,    /* a Buffer whose body ends with an EndTag */
} AmlKind;

typedef struct Aml {
    AmlKind kind;
    uint8_t op;
    ByteBuf body;
} Aml;

/* Serializes child at the end of parent's body and frees child. */
void aml_append(Aml *parent, Aml *child);
/* Serializes a node into out (the DSDT body) and frees it. */
void aml_emit(ByteBuf *out, Aml *node);
void aml_free(Aml *node);

/* Data objects. */
Aml *aml_int(uint64_t v);
Aml *aml_string(const char *s);
Aml *aml_eisaid(const char *id);        /* "PNP0A03" as a DWordConst */
Aml *aml_name(const char *path);        /* a reference by name */
Aml *aml_package(uint8_t nelems);       /* append the elements */
Aml *aml_local(int n);                  /* Local0-7 */
Aml *aml_arg(int n);                    /* Arg0-6 */

/* Named objects and blocks. */
Aml *aml_name_decl(const char *name, Aml *value);
Aml *aml_scope(const char *path);
Aml *aml_device(const char *path);
Aml *aml_method(const char *name, int nargs, bool serialized);
Aml *aml_if(Aml *predicate);
Aml *aml_else(void);

enum { AML_SYSTEM_MEMORY = 0, AML_SYSTEM_IO = 1, AML_PCI_CONFIG = 2 };
Aml *aml_operation_region(const char *name, uint8_t space, uint64_t offset,
                          uint64_t len);
/* Field(region, ByteAcc or AnyAcc, NoLock, Preserve) { ... } */
enum { AML_ANY_ACC = 0, AML_BYTE_ACC = 1, AML_DWORD_ACC = 3 };
Aml *aml_field(const char *region, uint8_t access);
/* A named field of bits bits; or an unnamed gap with name NULL. */
void aml_field_entry(Aml *field, const char *name, unsigned bits);

/* Statements and expressions; NULL target means "no target". */
Aml *aml_return(Aml *v);
Aml *aml_store(Aml *src, Aml *dst);
Aml *aml_and(Aml *a, Aml *b, Aml *target);
Aml *aml_or(Aml *a, Aml *b, Aml *target);
Aml *aml_lless(Aml *a, Aml *b);
Aml *aml_lequal(Aml *a, Aml *b);
Aml *aml_create_dword_field(Aml *buf, Aml *index, const char *name);
/* MethodName(arg): a call of a one-argument method. */
Aml *aml_call1(const char *method, Aml *arg);

/* ResourceTemplate and its descriptors (ACPI 6.x section 6.4). */
Aml *aml_resource_template(void);
void aml_res_io(Aml *rt, uint16_t base, uint8_t len);
void aml_res_irq_noflags(Aml *rt, uint16_t mask);
/* Extended Interrupt: consumer, level, active-high, shared. */
void aml_res_interrupt_level_shared(Aml *rt, const uint32_t *irqs, int n);
void aml_res_memory32_fixed(Aml *rt, uint32_t base, uint32_t len, bool rw);
void aml_res_word_bus(Aml *rt, uint16_t min, uint16_t max);
void aml_res_word_io(Aml *rt, uint16_t min, uint16_t max);
void aml_res_dword_memory(Aml *rt, uint32_t min, uint32_t max);

/* Encodes a NameString (exported for tests). Returns its length. */
size_t aml_encode_namestring(ByteBuf *b, const char *path);
/* Encodes a PkgLength for a body of body_len bytes. */
void aml_encode_pkglen(ByteBuf *b, size_t body_len);

#endif
