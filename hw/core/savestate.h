/*
 * Byte streams for device and CPU save/load (snapshots, migration,
 * accelerator switching). A device's save writes its fields in a fixed
 * order; its load reads them back in the same order and validates every
 * value before using it, since a stream can be corrupt or hostile.
 * Reading past the end sets `error`, after which every read returns 0.
 */
#ifndef KITE_SAVESTATE_H
#define KITE_SAVESTATE_H

#include "system/util.h"

typedef struct SaveBuf {
    uint8_t *data;
    size_t len, cap;   /* writing */
    size_t pos;        /* reading */
    bool error;
} SaveBuf;

void savebuf_init(SaveBuf *s);
void savebuf_init_read(SaveBuf *s, const uint8_t *data, size_t len);
void savebuf_free(SaveBuf *s);

void save_u8(SaveBuf *s, uint8_t v);
void save_u16(SaveBuf *s, uint16_t v);
void save_u32(SaveBuf *s, uint32_t v);
void save_u64(SaveBuf *s, uint64_t v);
void save_bytes(SaveBuf *s, const void *p, size_t n);

uint8_t load_u8(SaveBuf *s);
uint16_t load_u16(SaveBuf *s);
uint32_t load_u32(SaveBuf *s);
uint64_t load_u64(SaveBuf *s);
void load_bytes(SaveBuf *s, void *p, size_t n);

#endif
