/*
 * Console surfaces and screendumps (PPM, and PNG through libpng).
 */
#include "ui/console.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/pc/pc.h"

struct Console {
    const char *name;
    Machine *m;
    ConsoleUpdateFn update;
    ConsoleRefreshFn refresh;
    void *opaque;
    pixman_image_t *image;       /* NULL while 0x0 */
};

Console *console_register(Machine *m, const char *name, ConsoleUpdateFn fn,
                          void *opaque)
{
    Console *con = xzalloc(sizeof(*con));

    con->name = name;
    con->m = m;
    con->update = fn;
    con->opaque = opaque;
    for (int i = 0; m && i < CONSOLE_MAX; i++) {
        if (!m->consoles[i]) {
            m->consoles[i] = con;
            break;
        }
    }
    return con;
}

void console_unregister(Machine *m, Console *con)
{
    if (!con) {
        return;
    }
    for (int i = 0; m && i < CONSOLE_MAX; i++) {
        if (m->consoles[i] == con) {
            m->consoles[i] = NULL;
        }
    }
    if (con->image) {
        pixman_image_unref(con->image);
    }
    free(con);
}

Console *console_get(Machine *m, int index)
{
    for (int i = 0; m && i < CONSOLE_MAX; i++) {
        if (m->consoles[i] && index-- == 0) {
            return m->consoles[i];
        }
    }
    return NULL;
}

const char *console_name(const Console *con)
{
    return con->name;
}

void console_resize(Console *con, int width, int height)
{
    width = MAX(0, MIN(width, CONSOLE_MAX_WIDTH));
    height = MAX(0, MIN(height, CONSOLE_MAX_HEIGHT));
    if (width == console_width(con) && height == console_height(con)) {
        return;
    }
    if (con->image) {
        pixman_image_unref(con->image);
        con->image = NULL;
    }
    if (width && height) {
        con->image = pixman_image_create_bits(PIXMAN_x8r8g8b8, width, height,
                                              NULL, width * 4);
    }
}

int console_width(const Console *con)
{
    return con->image ? pixman_image_get_width(con->image) : 0;
}

int console_height(const Console *con)
{
    return con->image ? pixman_image_get_height(con->image) : 0;
}

int console_stride(const Console *con)
{
    return con->image ? pixman_image_get_stride(con->image) / 4 : 0;
}

uint32_t *console_data(Console *con)
{
    return con->image ? pixman_image_get_data(con->image) : NULL;
}

pixman_image_t *console_image(Console *con)
{
    return con->image;
}

void console_update(Console *con)
{
    if (con->update) {
        con->update(con->opaque, con);
    }
}

void console_set_refresh(Console *con, ConsoleRefreshFn fn)
{
    con->refresh = fn;
}

bool console_refresh(Console *con, int blink, bool *resized, int *y0,
                     int *y1)
{
    int w = console_width(con), h = console_height(con);

    *y0 = *y1 = 0;
    if (con->refresh) {
        con->refresh(con->opaque, con, blink, y0, y1);
    } else if (con->m) {
        machine_lock(con->m);
        console_update(con);
        pthread_mutex_unlock(&con->m->lock);
        *y1 = console_height(con);
    }
    *resized = w != console_width(con) || h != console_height(con);
    if (*resized) {
        *y0 = 0;
        *y1 = console_height(con);
    }
    return *y1 > *y0 || *resized;
}

uint64_t console_checksum(Console *con)
{
    uint64_t h = 0xcbf29ce484222325ull;
    int w = console_width(con), hgt = console_height(con);
    const uint32_t *d = console_data(con);

    for (int y = 0; y < hgt; y++) {
        for (int x = 0; x < w; x++) {
            uint32_t p = d[y * console_stride(con) + x] & 0xffffff;
            for (int b = 0; b < 3; b++) {
                h = (h ^ ((p >> (16 - 8 * b)) & 0xff)) * 0x100000001b3ull;
            }
        }
    }
    return h;
}

/* ---- screendump ---- */

typedef struct DumpPicture {
    int w, h;
    uint8_t *rgb;                /* w * h * 3 bytes */
} DumpPicture;

static int dump_write_ppm(FILE *f, const DumpPicture *p)
{
    fprintf(f, "P6\n%d %d\n255\n", p->w, p->h);
    return fwrite(p->rgb, 3, (size_t)p->w * p->h, f) ==
           (size_t)p->w * p->h ? 0 : -1;
}

static int dump_write_png(FILE *f, const DumpPicture *p)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
                                              NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;

    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, p->w, p->h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < p->h; y++) {
        png_write_row(png, p->rgb + (size_t)y * p->w * 3);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return 0;
}

static void dump_capture(Console *con, DumpPicture *p)
{
    const uint32_t *d = console_data(con);
    int stride = console_stride(con);

    p->w = console_width(con);
    p->h = console_height(con);
    p->rgb = xmalloc((size_t)p->w * p->h * 3);
    for (int y = 0; y < p->h; y++) {
        for (int x = 0; x < p->w; x++) {
            uint32_t px = d[y * stride + x];
            uint8_t *o = p->rgb + ((size_t)y * p->w + x) * 3;
            o[0] = px >> 16;
            o[1] = px >> 8;
            o[2] = px;
        }
    }
}

/* Writes p to path through a temporary file renamed into place. */
static int dump_write_file(const char *path, const DumpPicture *p, bool png,
                           Error *err)
{
    char *tmp = xasprintf("%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp), r = -1;
    FILE *f;

    if (fd >= 0) {
        fchmod(fd, 0644);                /* mkstemp makes it 0600 */
    }
    f = fd >= 0 ? fdopen(fd, "wb") : NULL;

    if (!f) {
        error_setg(err, "cannot create '%s': %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        free(tmp);
        return -1;
    }
    r = png ? dump_write_png(f, p) : dump_write_ppm(f, p);
    if (fclose(f) != 0 || r < 0 || rename(tmp, path) < 0) {
        r = error_setg(err, "cannot write '%s': %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return r;
}

int console_screendump(Console *con, const char *path, const char *format,
                       Error *err)
{
    bool png;
    DumpPicture pic;
    int r;

    if (!format || !strcmp(format, "ppm")) {
        png = false;
    } else if (!strcmp(format, "png")) {
        png = true;
    } else {
        return error_setg(err, "unknown screendump format '%s' (png, ppm)",
                          format);
    }
    console_update(con);
    if (!console_width(con)) {
        return error_setg(err, "console '%s' shows no picture", con->name);
    }
    dump_capture(con, &pic);
    if (con->m) {
        pthread_mutex_unlock(&con->m->lock);
    }
    r = dump_write_file(path, &pic, png, err);
    if (con->m) {
        machine_lock(con->m);
    }
    free(pic.rgb);
    return r;
}

void console_dump_on_signal(Machine *m, const char *path)
{
    Console *con = console_get(m, 0);
    size_t n = path ? strlen(path) : 0;
    bool png = n >= 4 && !strcmp(path + n - 4, ".png");
    Error err = { "" };

    if (!path) {
        return;
    }
    if (!con) {
        error_report("screendump: the machine has no display device");
        return;
    }
    if (console_screendump(con, path, png ? "png" : "ppm", &err) < 0) {
        error_report("screendump: %s", err.msg);
    }
}
