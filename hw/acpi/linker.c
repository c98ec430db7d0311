/*
 * The BIOS linker/loader script ("etc/table-loader"), in the format of
 * QEMU's hw/acpi/bios-linker-loader.c that SeaBIOS and OVMF run: 128-byte
 * little-endian commands.
 *
 *   ALLOCATE      file[56], align (4), zone (1: high memory, 2: F-segment)
 *   ADD_POINTER   dst file[56], src file[56], dst offset (4), size (1):
 *                 the size-byte value at dst offset += address of src
 *   ADD_CHECKSUM  file[56], offset (4), start (4), length (4):
 *                 the byte at offset -= sum of [start, start + length)
 *
 * acpi_link runs such a script over the two ACPI blobs for -kernel boots
 * and tests; it checks every offset and size against the blob it names,
 * so a wrong command is an error, never an access out of bounds.
 */
#include "hw/acpi/acpi.h"

#include <string.h>

#include "system/util.h"

static uint8_t *linker_cmd(ByteBuf *l, uint32_t type)
{
    size_t at = bytebuf_reserve(l, LINKER_CMD_SIZE);

    st32le(l->data + at, type);
    return l->data + at + 4;
}

static void linker_name(uint8_t *dst, const char *name)
{
    memcpy(dst, name, MIN(strlen(name), (size_t)LINKER_FILE_LEN - 1));
}

void linker_allocate(ByteBuf *l, const char *file, uint32_t align,
                     uint8_t zone)
{
    uint8_t *c = linker_cmd(l, LINKER_CMD_ALLOCATE);

    linker_name(c, file);
    st32le(c + LINKER_FILE_LEN, align);
    c[LINKER_FILE_LEN + 4] = zone;
}

void linker_add_pointer(ByteBuf *l, const char *dst, uint32_t offset,
                        uint8_t size, const char *src)
{
    uint8_t *c = linker_cmd(l, LINKER_CMD_ADD_POINTER);

    linker_name(c, dst);
    linker_name(c + LINKER_FILE_LEN, src);
    st32le(c + 2 * LINKER_FILE_LEN, offset);
    c[2 * LINKER_FILE_LEN + 4] = size;
}

void linker_add_checksum(ByteBuf *l, const char *file, uint32_t offset,
                         uint32_t start, uint32_t len)
{
    uint8_t *c = linker_cmd(l, LINKER_CMD_ADD_CHECKSUM);

    linker_name(c, file);
    st32le(c + LINKER_FILE_LEN, offset);
    st32le(c + LINKER_FILE_LEN + 4, start);
    st32le(c + LINKER_FILE_LEN + 8, len);
}

/* ---- running a script ---- */

typedef struct LinkFile {
    const char *name;
    uint8_t *data;
    size_t len;
    uint64_t addr;
} LinkFile;

static LinkFile *link_find(LinkFile *files, const uint8_t *name)
{
    char n[LINKER_FILE_LEN + 1] = { 0 };

    memcpy(n, name, LINKER_FILE_LEN);
    for (int i = 0; i < 2; i++) {
        if (!strcmp(files[i].name, n)) {
            return &files[i];
        }
    }
    return NULL;
}

static int link_pointer(LinkFile *files, const uint8_t *c)
{
    LinkFile *dst = link_find(files, c);
    LinkFile *src = link_find(files, c + LINKER_FILE_LEN);
    uint32_t off = ld32le(c + 2 * LINKER_FILE_LEN);
    uint8_t size = c[2 * LINKER_FILE_LEN + 4];
    uint64_t v = 0;

    if (!dst || !src || (size != 1 && size != 2 && size != 4 && size != 8) ||
        off > dst->len || dst->len - off < size) {
        return -1;
    }
    for (int i = 0; i < size; i++) {
        v |= (uint64_t)dst->data[off + i] << (8 * i);
    }
    v += src->addr;
    for (int i = 0; i < size; i++) {
        dst->data[off + i] = (uint8_t)(v >> (8 * i));
    }
    return 0;
}

static int link_checksum(LinkFile *files, const uint8_t *c)
{
    LinkFile *f = link_find(files, c);
    uint32_t off = ld32le(c + LINKER_FILE_LEN);
    uint32_t start = ld32le(c + LINKER_FILE_LEN + 4);
    uint32_t len = ld32le(c + LINKER_FILE_LEN + 8);

    if (!f || off >= f->len || start > f->len || f->len - start < len) {
        return -1;
    }
    f->data[off] -= acpi_checksum(f->data + start, len);
    return 0;
}

int acpi_link(const AcpiTables *t, uint64_t tables_addr, uint64_t rsdp_addr,
              uint8_t *tables_out, uint8_t *rsdp_out)
{
    LinkFile files[2] = {
        { ACPI_FILE_TABLES, tables_out, t->tables.len, tables_addr },
        { ACPI_FILE_RSDP, rsdp_out, t->rsdp.len, rsdp_addr },
    };

    memcpy(tables_out, t->tables.data, t->tables.len);
    memcpy(rsdp_out, t->rsdp.data, t->rsdp.len);
    if (t->loader.len % LINKER_CMD_SIZE) {
        return -1;
    }
    for (size_t at = 0; at < t->loader.len; at += LINKER_CMD_SIZE) {
        const uint8_t *c = t->loader.data + at + 4;
        int ret = 0;

        switch (ld32le(t->loader.data + at)) {
        case LINKER_CMD_ALLOCATE:
            ret = link_find(files, c) ? 0 : -1;
            break;
        case LINKER_CMD_ADD_POINTER:
            ret = link_pointer(files, c);
            break;
        case LINKER_CMD_ADD_CHECKSUM:
            ret = link_checksum(files, c);
            break;
        default:
            ret = -1;
        }
        if (ret < 0) {
            return -1;
        }
    }
    return 0;
}
