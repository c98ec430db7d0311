/* Save/load byte streams (see savestate.h). Values are little-endian. */
#include "hw/core/savestate.h"

#include <stdlib.h>
#include <string.h>

void savebuf_init(SaveBuf *s)
{
    memset(s, 0, sizeof(*s));
}

void savebuf_init_read(SaveBuf *s, const uint8_t *data, size_t len)
{
    memset(s, 0, sizeof(*s));
    s->data = (uint8_t *)data;
    s->len = len;
    s->cap = 0;   /* not owned */
}

void savebuf_free(SaveBuf *s)
{
    if (s->cap) {
        free(s->data);
    }
    memset(s, 0, sizeof(*s));
}

void save_bytes(SaveBuf *s, const void *p, size_t n)
{
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        while (cap < s->len + n) {
            cap *= 2;
        }
        s->data = xrealloc(s->data, cap);
        s->cap = cap;
    }
    memcpy(s->data + s->len, p, n);
    s->len += n;
}

void save_u8(SaveBuf *s, uint8_t v) { save_bytes(s, &v, 1); }

void save_u16(SaveBuf *s, uint16_t v)
{
    uint8_t b[2];
    st16le(b, v);
    save_bytes(s, b, 2);
}

void save_u32(SaveBuf *s, uint32_t v)
{
    uint8_t b[4];
    st32le(b, v);
    save_bytes(s, b, 4);
}

void save_u64(SaveBuf *s, uint64_t v)
{
    uint8_t b[8];
    st64le(b, v);
    save_bytes(s, b, 8);
}

void load_bytes(SaveBuf *s, void *p, size_t n)
{
    if (s->error || n > s->len - s->pos) {
        s->error = true;
        memset(p, 0, n);
        return;
    }
    memcpy(p, s->data + s->pos, n);
    s->pos += n;
}

uint8_t load_u8(SaveBuf *s)
{
    uint8_t v;
    load_bytes(s, &v, 1);
    return v;
}

uint16_t load_u16(SaveBuf *s)
{
    uint8_t b[2];
    load_bytes(s, b, 2);
    return ld16le(b);
}

uint32_t load_u32(SaveBuf *s)
{
    uint8_t b[4];
    load_bytes(s, b, 4);
    return ld32le(b);
}

uint64_t load_u64(SaveBuf *s)
{
    uint8_t b[8];
    load_bytes(s, b, 8);
    return ld64le(b);
}
