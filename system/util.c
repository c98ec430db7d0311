/*
 * Error messages, allocation wrappers, option-value parsing and whole-file
 * reads (see util.h).
 */
#include "system/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

int error_setg(Error *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return -1;
}

void error_prepend(Error *err, const char *fmt, ...)
{
    char prefix[256], old[sizeof(err->msg)];
    va_list ap;

    if (!err) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    size_t n = strlen(prefix);
    if (n + 2 >= sizeof(err->msg)) {
        n = sizeof(err->msg) - 3;
    }
    memcpy(err->msg, prefix, n);
    memcpy(err->msg + n, ": ", 2);
    size_t room = sizeof(err->msg) - n - 3;
    size_t m = strnlen(old, room);
    memcpy(err->msg + n + 2, old, m);
    err->msg[n + 2 + m] = '\0';
}

void error_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("kite: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void *check_alloc(void *p)
{
    if (!p) {
        fputs("kite: out of host memory\n", stderr);
        abort();
    }
    return p;
}

void *xmalloc(size_t n)
{
    return check_alloc(malloc(n ? n : 1));
}

void *xzalloc(size_t n)
{
    return check_alloc(calloc(1, n ? n : 1));
}

void *xrealloc(void *p, size_t n)
{
    return check_alloc(realloc(p, n ? n : 1));
}

char *xstrdup(const char *s)
{
    return check_alloc(strdup(s));
}

char *xasprintf(const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0) {
        s = NULL;
    }
    va_end(ap);
    return check_alloc(s);
}

int parse_uint(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ') {
        return -1;
    }
    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno || *end) {
        return -1;
    }
    *out = v;
    return 0;
}

int parse_size(const char *s, uint64_t default_unit, uint64_t *out)
{
    char *end;
    unsigned long long v;
    uint64_t unit = default_unit;

    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ') {
        return -1;
    }
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s) {
        return -1;
    }
    if (*end) {
        switch (*end) {
        case 'b': case 'B': unit = 1; break;
        case 'k': case 'K': unit = KiB; break;
        case 'm': case 'M': unit = MiB; break;
        case 'g': case 'G': unit = GiB; break;
        case 't': case 'T': unit = 1024 * GiB; break;
        default: return -1;
        }
        end++;
        if (*end == 'i' || *end == 'I') {
            end++;
        }
        if (*end == 'b' || *end == 'B') {
            end++;
        }
        if (*end) {
            return -1;
        }
    }
    if (v > UINT64_MAX / unit) {
        return -1;
    }
    *out = v * unit;
    return 0;
}

int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = { "on", "yes", "true", "1" };
    static const char *const no[] = { "off", "no", "false", "0" };

    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (!strcasecmp(s, yes[i])) {
            *out = true;
            return 0;
        }
        if (!strcasecmp(s, no[i])) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

static const char *file_type_name(mode_t mode)
{
    return S_ISDIR(mode) ? "a directory" : S_ISFIFO(mode) ? "a FIFO" :
           S_ISCHR(mode) ? "a character device" :
           S_ISBLK(mode) ? "a block device" :
           S_ISSOCK(mode) ? "a socket" : "not a regular file";
}

/*
 * Host inputs are checked before they are read: the open cannot block
 * (O_NONBLOCK: a FIFO without a writer opens at once), fstat says what
 * the file is and how big, and only a regular file within max_size is
 * read, in a loop bounded by that size.
 */
int file_read_all(const char *path, uint64_t max_size, uint8_t **data,
                  size_t *size, Error *err)
{
    struct stat st;
    uint8_t *buf;
    size_t done = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

    if (fd < 0) {
        return error_setg(err, "cannot open '%s': %s", path, strerror(errno));
    }
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return error_setg(err, "cannot stat '%s': %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return error_setg(err, "'%s' is %s, not a regular file", path,
                          file_type_name(st.st_mode));
    }
    if ((uint64_t)st.st_size > max_size) {
        close(fd);
        return error_setg(err, "'%s' is too large (%lld bytes, at most %llu)",
                          path, (long long)st.st_size,
                          (unsigned long long)max_size);
    }
    buf = xmalloc(st.st_size ? st.st_size : 1);
    while (done < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + done, st.st_size - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            free(buf);
            close(fd);
            return error_setg(err, "cannot read '%s': %s", path,
                              n < 0 ? strerror(errno) : "file shrank");
        }
        done += n;
    }
    close(fd);
    *data = buf;
    *size = done;
    return 0;
}
