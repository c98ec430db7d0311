/*
 * Small utilities shared by every part of Kite: array sizes, min/max,
 * container_of, branch hints, and the Error type that fallible functions
 * fill in for their callers.
 *
 * Convention: a function that can fail returns 0 or a negative errno-style
 * value and, when given a non-NULL Error *, writes one human-readable line
 * that names the problem (no trailing newline). Callers decide whether the
 * message is fatal.
 */
#ifndef KITE_UTIL_H
#define KITE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define KiB (1024ULL)
#define MiB (1024ULL * 1024)
#define GiB (1024ULL * 1024 * 1024)
#define PRINTF_FMT(a, b) __attribute__((format(printf, a, b)))

typedef struct Error {
    char msg[512];
} Error;

/* Sets err (if non-NULL) to the formatted message; returns -1 for tail calls. */
int error_setg(Error *err, const char *fmt, ...) PRINTF_FMT(2, 3);
/* Prefixes an existing message: "prefix: old message". */
void error_prepend(Error *err, const char *fmt, ...) PRINTF_FMT(2, 3);

/* Prints "kite: message" to stderr. */
void error_report(const char *fmt, ...) PRINTF_FMT(1, 2);

/* Allocation that never returns NULL: out of host memory ends the process. */
void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) PRINTF_FMT(1, 2);

/*
 * Parses a size such as "512", "512M", "2G", "64k" (binary units). A bare
 * number is taken in default_unit bytes. Returns 0 or -1 on a malformed or
 * overflowing value.
 */
int parse_size(const char *s, uint64_t default_unit, uint64_t *out);
/* Parses an unsigned integer in C syntax (0x.., 0.., decimal). */
int parse_uint(const char *s, uint64_t *out);
/* Parses on/off/yes/no/true/false/1/0. */
int parse_bool(const char *s, bool *out);

/*
 * Reads a whole file into a new buffer. Refuses files larger than max_size.
 * Returns 0, or -1 with err set.
 */
int file_read_all(const char *path, uint64_t max_size, uint8_t **data,
                  size_t *size, Error *err);

/* Little-endian accessors for parsing images and device registers. */
static inline uint16_t ld16le(const void *p)
{
    const uint8_t *b = p;
    return (uint16_t)(b[0] | (b[1] << 8));
}
static inline uint32_t ld32le(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
           ((uint32_t)b[3] << 24);
}
static inline uint64_t ld64le(const void *p)
{
    return ld32le(p) | ((uint64_t)ld32le((const uint8_t *)p + 4) << 32);
}
static inline void st16le(void *p, uint16_t v)
{
    uint8_t *b = p;
    b[0] = v;
    b[1] = v >> 8;
}
static inline void st32le(void *p, uint32_t v)
{
    uint8_t *b = p;
    b[0] = v;
    b[1] = v >> 8;
    b[2] = v >> 16;
    b[3] = v >> 24;
}
static inline void st64le(void *p, uint64_t v)
{
    st32le(p, (uint32_t)v);
    st32le((uint8_t *)p + 4, (uint32_t)(v >> 32));
}
static inline uint16_t ld16be(const void *p)
{
    const uint8_t *b = p;
    return (uint16_t)((b[0] << 8) | b[1]);
}
static inline uint32_t ld32be(const void *p)
{
    const uint8_t *b = p;
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
           ((uint32_t)b[2] << 8) | b[3];
}
static inline void st16be(void *p, uint16_t v)
{
    uint8_t *b = p;
    b[0] = v >> 8;
    b[1] = v;
}
static inline void st32be(void *p, uint32_t v)
{
    uint8_t *b = p;
    b[0] = v >> 24;
    b[1] = v >> 16;
    b[2] = v >> 8;
    b[3] = v;
}
static inline void st64be(void *p, uint64_t v)
{
    st32be(p, (uint32_t)(v >> 32));
    st32be((uint8_t *)p + 4, (uint32_t)v);
}

#endif
