/*
 * kite-img: the disk image tool beside kite, with qemu-img's commands,
 * options and exit statuses for what it does:
 *
 *   create  [-q] [-f fmt] [-b backing [-F fmt]] [-o opts] FILE [SIZE]
 *   info    [-f fmt] [--output=human|json] FILE
 *   check   [-q] [-f fmt] [-r leaks|all] [--output=human|json] FILE
 *   convert [-q] [-f fmt] [-O fmt] [-o opts] IN OUT
 *   resize  [-q] [-f fmt] [--shrink] FILE [+|-]SIZE
 *   snapshot [-q] [-l | -c NAME | -d NAME | -a NAME] FILE   (qcow2)
 *
 * Formats: raw and qcow2 (-o cluster_size=N, compat=0.10|1.1). check
 * exits 0 (clean), 1 (could not check), 2 (corruptions), 3 (leaks only),
 * 63 (format without checks: raw). Every error is one "kite-img:" line.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "block/block.h"
#include "block/qcow2.h"

typedef struct ImgArgs {
    const char *fmt, *out_fmt, *backing, *backing_fmt, *opts, *repair;
    char snap_op;                /* 'l', 'c', 'd', 'a' (snapshot) */
    const char *snap_name;
    bool quiet, json, shrink;
    int npos;
    const char *pos[3];
} ImgArgs;

static int img_fail(const char *fmt, ...) PRINTF_FMT(1, 2);

static int img_fail(const char *fmt, ...)
{
    va_list ap;

    fputs("kite-img: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

static void img_usage(FILE *f)
{
    fputs("Usage: kite-img COMMAND [options]\n"
          "  create  [-q] [-f raw|qcow2] [-b BACKING [-F FMT]] "
          "[-o cluster_size=N,compat=0.10|1.1] FILE [SIZE]\n"
          "  info    [-f FMT] [--output=human|json] FILE\n"
          "  check   [-q] [-f FMT] [-r leaks|all] [--output=human|json] "
          "FILE\n"
          "  convert [-q] [-f FMT] [-O FMT] [-o OPTIONS] IN OUT\n"
          "  resize  [-q] [-f FMT] [--shrink] FILE [+|-]SIZE\n"
          "  snapshot [-q] [-l | -c NAME | -d NAME | -a NAME] FILE\n"
          "SIZE: bytes, or with a suffix k, M, G, T (powers of 1024).\n", f);
}

static int img_parse(int argc, char **argv, ImgArgs *a)
{
    static const struct option longs[] = {
        { "output", required_argument, NULL, 'J' },
        { "shrink", no_argument, NULL, 'S' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "qf:O:b:F:o:r:hlc:d:a:", longs, NULL)) >=
           0) {
        switch (c) {
        case 'q': a->quiet = true; break;
        case 'f': a->fmt = optarg; break;
        case 'O': a->out_fmt = optarg; break;
        case 'b': a->backing = optarg; break;
        case 'F': a->backing_fmt = optarg; break;
        case 'o': a->opts = optarg; break;
        case 'r': a->repair = optarg; break;
        case 'S': a->shrink = true; break;
        case 'l': case 'c': case 'd': case 'a':
            if (a->snap_op) {
                return img_fail("snapshot: one of -l, -c, -d, -a");
            }
            a->snap_op = (char)c;
            a->snap_name = optarg;
            break;
        case 'J':
            if (strcmp(optarg, "json") && strcmp(optarg, "human")) {
                return img_fail("--output must be human or json");
            }
            a->json = !strcmp(optarg, "json");
            break;
        case 'h': img_usage(stdout); exit(0);
        default: return img_fail("bad option (kite-img --help)");
        }
    }
    for (; optind < argc; optind++) {
        if (a->npos == 3) {
            return img_fail("too many arguments");
        }
        a->pos[a->npos++] = argv[optind];
    }
    return 0;
}

static int img_format(const char *name, BlockFormat *f)
{
    *f = BLOCK_FORMAT_AUTO;
    if (name && (*f = blk_format_parse(name)) == BLOCK_FORMAT_AUTO) {
        return img_fail("unknown format '%s' (raw or qcow2)", name);
    }
    return 0;
}

static BlockBackend *img_open(const char *file, const char *fmt, bool write)
{
    BlockOptions o = { .file = file, .readonly = !write, .any_size = true };
    Error err = { "" };
    BlockBackend *bb;

    if (img_format(fmt, &o.format)) {
        return NULL;
    }
    if (!(bb = blk_open(&o, &err))) {
        img_fail("%s", err.msg);
    }
    return bb;
}

/* "+1G", "-512M" or "4G": the new size from the old. */
static int img_size(const char *s, uint64_t old, uint64_t *out)
{
    uint64_t v;
    char sign = *s == '+' || *s == '-' ? *s : 0;

    if (parse_size(s + !!sign, 1, &v) < 0) {
        return img_fail("invalid size '%s'", s);
    }
    if (sign == '-' && v > old) {
        return img_fail("size '%s' is below zero", s);
    }
    *out = sign == '+' ? old + v : sign == '-' ? old - v : v;
    if (sign == '+' && *out < old) {
        return img_fail("size '%s' overflows", s);
    }
    return 0;
}

/* ---- create ---- */

static int img_opt(Qcow2CreateOptions *co, const char *k, const char *v)
{
    uint64_t n;

    if (!strcmp(k, "cluster_size")) {
        if (parse_size(v, 1, &n) < 0 || n & (n - 1) || n < 512) {
            return img_fail("invalid cluster_size '%s'", v);
        }
        co->cluster_bits = (uint32_t)__builtin_ctzll(n);
    } else if (!strcmp(k, "compat")) {
        if (strcmp(v, "0.10") && strcmp(v, "1.1") && strcmp(v, "v2") &&
            strcmp(v, "v3")) {
            return img_fail("invalid compat '%s' (0.10 or 1.1)", v);
        }
        co->version = !strcmp(v, "0.10") || !strcmp(v, "v2") ? 2 : 3;
    } else if (!strcmp(k, "size")) {
        if (parse_size(v, 1, &co->size) < 0) {
            return img_fail("invalid size '%s'", v);
        }
    } else {
        return img_fail("unsupported option '%s'", k);
    }
    return 0;
}

static int img_opts(Qcow2CreateOptions *co, const char *opts)
{
    char *copy, *save = NULL;
    int r = 0;

    if (!opts) {
        return 0;
    }
    copy = xstrdup(opts);
    for (char *kv = strtok_r(copy, ",", &save); kv && !r;
         kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) {
            r = img_fail("option '%s' is not key=value", kv);
            break;
        }
        *eq = '\0';
        r = img_opt(co, kv, eq + 1);
    }
    free(copy);
    return r;
}

static int img_create_raw(const char *file, uint64_t size)
{
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

    if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
        }
        return img_fail("cannot create '%s': %s", file, strerror(e));
    }
    close(fd);
    return 0;
}

/* The backing file's size and format (for a create without SIZE, -F). */
static int img_backing_info(const char *file, const char *backing,
                            const char *fmt, uint64_t *size,
                            const char **detected)
{
    char *path = qcow2_backing_path(file, backing);
    BlockBackend *bb = img_open(path, fmt, false);

    free(path);
    if (!bb) {
        return 1;
    }
    *size = bb->size;
    *detected = blk_format_name(bb->format);
    blk_close(bb);
    return 0;
}

static int img_create_file(const char *file, BlockFormat f,
                           Qcow2CreateOptions *co, bool quiet)
{
    Error err = { "" };

    if (!quiet) {
        printf("Formatting '%s', fmt=%s size=%llu", file, blk_format_name(f),
               (unsigned long long)co->size);
        if (co->backing) {
            printf(" backing_file=%s backing_fmt=%s", co->backing,
                   co->backing_fmt);
        }
        if (f == BLOCK_FORMAT_QCOW2) {
            printf(" cluster_size=%llu", 1ull << co->cluster_bits);
        }
        printf("\n");
    }
    if (f == BLOCK_FORMAT_RAW) {
        return img_create_raw(file, co->size);
    }
    return qcow2_create(file, co, &err) < 0 ? img_fail("%s", err.msg) : 0;
}

static int img_create(ImgArgs *a)
{
    Qcow2CreateOptions co = { .version = 3, .cluster_bits = 16 };
    BlockFormat f;
    uint64_t bsize = 0;
    const char *detected = NULL;

    if (img_format(a->fmt ? a->fmt : "raw", &f) || img_opts(&co, a->opts)) {
        return 1;
    }
    if (a->npos < 1 || (a->npos < 2 && !a->backing && !co.size)) {
        return img_fail("create: FILE and SIZE expected");
    }
    if (a->backing && f != BLOCK_FORMAT_QCOW2) {
        return img_fail("create: a backing file needs -f qcow2");
    }
    if (a->backing && img_backing_info(a->pos[0], a->backing, a->backing_fmt,
                                       &bsize, &detected)) {
        return 1;
    }
    co.size = a->npos >= 2 ? 0 : co.size ? co.size : bsize;
    if (a->npos >= 2 && parse_size(a->pos[1], 1, &co.size) < 0) {
        return img_fail("invalid size '%s'", a->pos[1]);
    }
    co.backing = a->backing;
    co.backing_fmt = a->backing ? detected : NULL;
    return img_create_file(a->pos[0], f, &co, a->quiet);
}

/* ---- info ---- */

static void img_human_size(char *buf, size_t n, uint64_t v)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB",
                                         "PiB", "EiB" };
    double d = (double)v;
    unsigned u = 0;

    while (d >= 1024 && u + 1 < ARRAY_SIZE(units)) {
        d /= 1024;
        u++;
    }
    snprintf(buf, n, "%0.3g %s", d, units[u]);
}

static uint64_t img_disk_size(BlockBackend *bb)
{
    struct stat st;

    return fstat(bb->fd, &st) < 0 ? 0 : (uint64_t)st.st_blocks * 512;
}

static json_t *img_info_json(BlockBackend *bb)
{
    Qcow2 *q = bb->qcow2;
    json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:b}", "virtual-size",
                          (json_int_t)bb->size, "filename", bb->filename,
                          "format", blk_format_name(bb->format),
                          "actual-size", (json_int_t)img_disk_size(bb),
                          "dirty-flag", 0);

    if (!q) {
        return o;
    }
    json_object_set_new(o, "cluster-size", json_integer(q->cluster_size));
    if (q->backing_name) {
        char *full = qcow2_backing_path(bb->filename, q->backing_name);
        json_object_set_new(o, "backing-filename",
                            json_string(q->backing_name));
        json_object_set_new(o, "full-backing-filename", json_string(full));
        json_object_set_new(o, "backing-filename-format",
                            json_string(blk_format_name(
                                q->backing->format)));
        free(full);
    }
    json_object_set_new(o, "format-specific", json_pack(
        "{s:s, s:{s:s, s:b, s:i, s:b}}", "type", "qcow2", "data", "compat",
        q->version >= 3 ? "1.1" : "0.10", "lazy-refcounts",
        !!(q->compat & QCOW2_COMPAT_LAZY), "refcount-bits",
        1 << q->refcount_order, "corrupt", 0));
    return o;
}

static void img_info_human(BlockBackend *bb)
{
    Qcow2 *q = bb->qcow2;
    char vs[32], ds[32];

    img_human_size(vs, sizeof(vs), bb->size);
    img_human_size(ds, sizeof(ds), img_disk_size(bb));
    printf("image: %s\nfile format: %s\nvirtual size: %s (%llu bytes)\n"
           "disk size: %s\n", bb->filename, blk_format_name(bb->format), vs,
           (unsigned long long)bb->size, ds);
    if (!q) {
        return;
    }
    printf("cluster_size: %llu\n", (unsigned long long)q->cluster_size);
    if (q->backing_name) {
        char *full = qcow2_backing_path(bb->filename, q->backing_name);
        printf("backing file: %s (actual path: %s)\nbacking file format: "
               "%s\n", q->backing_name, full,
               blk_format_name(q->backing->format));
        free(full);
    }
    printf("Format specific information:\n    compat: %s\n"
           "    refcount bits: %u\n    corrupt: false\n",
           q->version >= 3 ? "1.1" : "0.10", 1u << q->refcount_order);
}

static int img_info(ImgArgs *a)
{
    BlockBackend *bb;

    if (a->npos != 1) {
        return img_fail("info: one FILE expected");
    }
    if (!(bb = img_open(a->pos[0], a->fmt, false))) {
        return 1;
    }
    if (a->json) {
        json_t *o = img_info_json(bb);
        char *s = json_dumps(o, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
        printf("%s\n", s);
        free(s);
        json_decref(o);
    } else {
        img_info_human(bb);
    }
    blk_close(bb);
    return 0;
}

/* ---- check ---- */

static void img_check_summary(const Qcow2CheckResult *r)
{
    double t = r->total ? (double)r->total : 1;

    if (!r->corruptions && !r->leaks) {
        printf("No errors were found on the image.\n");
    }
    if (r->corruptions) {
        printf("\n%llu errors were found on the image.\nData may be "
               "corrupted, or further writes to the image may corrupt it.\n",
               (unsigned long long)r->corruptions);
    }
    if (r->leaks) {
        printf("\n%llu leaked clusters were found on the image.\nThis means "
               "waste of disk space, but no harm to data.\n",
               (unsigned long long)r->leaks);
    }
    printf("%llu/%llu = %.2f%% allocated, %.2f%% fragmented, %.2f%% "
           "compressed clusters\nImage end offset: %llu\n",
           (unsigned long long)r->allocated, (unsigned long long)r->total,
           100.0 * r->allocated / t, 100.0 * r->fragmented / t,
           100.0 * r->compressed / t, (unsigned long long)r->image_end);
}

static void img_check_json(BlockBackend *bb, const Qcow2CheckResult *r)
{
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:i}",
                          "filename", bb->filename, "format", "qcow2",
                          "image-end-offset", (json_int_t)r->image_end,
                          "total-clusters", (json_int_t)r->total,
                          "allocated-clusters", (json_int_t)r->allocated,
                          "fragmented-clusters", (json_int_t)r->fragmented,
                          "compressed-clusters", (json_int_t)r->compressed,
                          "leaks", (json_int_t)r->leaks, "check-errors", 0);
    char *s;

    json_object_set_new(o, "corruptions", json_integer(r->corruptions));
    s = json_dumps(o, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
    printf("%s\n", s);
    free(s);
    json_decref(o);
}

static int img_check_run(BlockBackend *bb, Qcow2Repair rep, ImgArgs *a,
                         Qcow2CheckResult *res)
{
    FILE *out = a->quiet || a->json ? NULL : stdout;
    int r = qcow2_check(bb->qcow2, rep, res, out);

    if (r < 0) {
        return img_fail("'%s': check failed: %s", bb->filename,
                        strerror(-r));
    }
    return 0;
}

static int img_check_repair(BlockBackend *bb, Qcow2Repair rep, ImgArgs *a,
                            Qcow2CheckResult *res)
{
    if (img_check_run(bb, rep, a, res)) {
        return 1;
    }
    if (!a->quiet && !a->json && (res->leaks_fixed ||
                                  res->corruptions_fixed)) {
        printf("The following inconsistencies were found and repaired:\n\n"
               "    %llu leaked clusters\n    %llu corruptions\n\n"
               "Double checking the fixed image now...\n",
               (unsigned long long)res->leaks_fixed,
               (unsigned long long)res->corruptions_fixed);
    }
    return img_check_run(bb, QCOW2_REPAIR_NONE, a, res);
}

static int img_check(ImgArgs *a)
{
    Qcow2Repair rep = QCOW2_REPAIR_NONE;
    Qcow2CheckResult res;
    BlockBackend *bb;
    int r;

    if (a->npos != 1) {
        return img_fail("check: one FILE expected");
    }
    if (a->repair) {
        if (strcmp(a->repair, "leaks") && strcmp(a->repair, "all")) {
            return img_fail("-r must be leaks or all");
        }
        rep = !strcmp(a->repair, "all") ? QCOW2_REPAIR_ALL
                                        : QCOW2_REPAIR_LEAKS;
    }
    if (!(bb = img_open(a->pos[0], a->fmt, rep != QCOW2_REPAIR_NONE))) {
        return 1;
    }
    if (!bb->qcow2) {
        blk_close(bb);
        img_fail("this image format does not support checks");
        return 63;
    }
    r = rep ? img_check_repair(bb, rep, a, &res)
            : img_check_run(bb, rep, a, &res);
    if (!r && a->json) {
        img_check_json(bb, &res);
    } else if (!r && !a->quiet) {
        img_check_summary(&res);
    }
    blk_close(bb);
    return r ? 1 : res.corruptions ? 2 : res.leaks ? 3 : 0;
}

/* ---- convert ---- */

static bool img_is_zero(const uint8_t *p, uint64_t n)
{
    return !n || (!p[0] && !memcmp(p, p + 1, n - 1));
}

static int img_copy(BlockBackend *in, BlockBackend *out)
{
    const uint64_t chunk = 64 * KiB;
    uint8_t *buf = blk_buf_alloc(chunk, false);
    int r = 0;

    for (uint64_t off = 0; off < in->size && !r; off += chunk) {
        uint64_t n = MIN(chunk, in->size - off);
        r = blk_pread(in, off, buf, n);
        if (!r && !img_is_zero(buf, n)) {
            r = blk_pwrite(out, off, buf, n);
        }
    }
    free(buf);
    return r ? r : blk_flush(out);
}

static int img_convert(ImgArgs *a)
{
    Qcow2CreateOptions co = { .version = 3, .cluster_bits = 16 };
    BlockBackend *in, *out;
    BlockFormat of;
    int r;

    if (a->npos != 2) {
        return img_fail("convert: IN and OUT expected");
    }
    if (img_format(a->out_fmt ? a->out_fmt : "raw", &of) ||
        img_opts(&co, a->opts) || !(in = img_open(a->pos[0], a->fmt, false))) {
        return 1;
    }
    co.size = in->size;
    if (img_create_file(a->pos[1], of, &co, true) ||
        !(out = img_open(a->pos[1], blk_format_name(of), true))) {
        blk_close(in);
        return 1;
    }
    r = img_copy(in, out);
    blk_close(in);
    blk_close(out);
    return r ? img_fail("convert: %s", strerror(-r)) : 0;
}

/* ---- resize ---- */

static int img_resize_raw(BlockBackend *bb, uint64_t size)
{
    if (ftruncate(bb->fd, (off_t)size) < 0) {
        return img_fail("cannot resize '%s': %s", bb->filename,
                        strerror(errno));
    }
    return 0;
}

static int img_resize(ImgArgs *a)
{
    BlockBackend *bb;
    uint64_t size = 0;
    Error err = { "" };
    int r;

    if (a->npos != 2) {
        return img_fail("resize: FILE and SIZE expected");
    }
    if (!(bb = img_open(a->pos[0], a->fmt, true))) {
        return 1;
    }
    r = img_size(a->pos[1], bb->size, &size);
    if (!r && size < bb->size && !a->shrink) {
        r = img_fail("shrinking an image can lose data: use --shrink");
    } else if (!r && bb->qcow2) {
        r = qcow2_resize(bb->qcow2, size, &err) < 0 ? img_fail("%s", err.msg)
                                                    : 0;
    } else if (!r) {
        r = img_resize_raw(bb, size);
    }
    blk_close(bb);
    if (!r && !a->quiet) {
        printf("Image resized.\n");
    }
    return r;
}

/* ---- snapshot ---- */

static void img_snapshot_list(Qcow2 *q)
{
    printf("Snapshot list:\n%-10s%-17s%8s%20s%13s\n", "ID", "TAG",
           "VM SIZE", "DATE", "VM CLOCK");
    for (uint32_t i = 0; i < q->nb_snapshots; i++) {
        const Qcow2Snapshot *s = &q->snapshots[i];
        time_t t = (time_t)s->date_sec;
        uint64_t ms = s->vm_clock_nsec / 1000000, sec = ms / 1000;
        char date[32], size[32];
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
        img_human_size(size, sizeof(size), s->vm_state_size);
        printf("%-9s %-16s %8s %19s %02llu:%02llu:%02llu.%03llu\n", s->id,
               s->name, size, date, (unsigned long long)(sec / 3600),
               (unsigned long long)(sec / 60 % 60),
               (unsigned long long)(sec % 60),
               (unsigned long long)(ms % 1000));
    }
}

static int img_snapshot_op(Qcow2 *q, ImgArgs *a)
{
    struct timespec now;
    Qcow2SnapshotInfo info = { .name = a->snap_name };

    switch (a->snap_op) {
    case 'c':
        clock_gettime(CLOCK_REALTIME, &now);
        info.date_sec = (uint32_t)now.tv_sec;
        info.date_nsec = (uint32_t)now.tv_nsec;
        return qcow2_snapshot_create(q, &info);
    case 'd':
        return qcow2_snapshot_delete(q, a->snap_name);
    case 'a':
        return qcow2_snapshot_revert(q, a->snap_name);
    }
    return -EINVAL;
}

static const char *img_snapshot_err(int r)
{
    switch (r) {
    case -ENOENT: return "no snapshot of that ID or name";
    case -EEXIST: return "a snapshot of that name exists";
    case -ENOTSUP: return "the snapshot has another disk size";
    }
    return strerror(-r);
}

static int img_snapshot(ImgArgs *a)
{
    BlockBackend *bb;
    int r = 0;

    if (a->npos != 1) {
        return img_fail("snapshot: one FILE expected");
    }
    if (!a->snap_op) {
        a->snap_op = 'l';
    }
    if (!(bb = img_open(a->pos[0], a->fmt, a->snap_op != 'l'))) {
        return 1;
    }
    if (!bb->qcow2) {
        blk_close(bb);
        return img_fail("snapshot: '%s' is not a qcow2 image", a->pos[0]);
    }
    if (a->snap_op == 'l') {
        img_snapshot_list(bb->qcow2);
    } else if ((r = img_snapshot_op(bb->qcow2, a)) < 0) {
        img_fail("snapshot '%s' on '%s': %s", a->snap_name, a->pos[0],
                 img_snapshot_err(r));
    }
    blk_close(bb);
    return r ? 1 : 0;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(ImgArgs *a);
    } cmds[] = {
        { "create", img_create }, { "info", img_info },
        { "check", img_check }, { "convert", img_convert },
        { "resize", img_resize }, { "snapshot", img_snapshot },
    };
    ImgArgs a = { 0 };
    const char *neg = NULL;

    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        img_usage(argc < 2 ? stderr : stdout);
        return argc < 2;
    }
    /* resize FILE -SIZE: the size is no option (as qemu-img takes it) */
    if (!strcmp(argv[1], "resize") && argc > 3 && argv[argc - 1][0] == '-' &&
        argv[argc - 1][1] >= '0' && argv[argc - 1][1] <= '9') {
        neg = argv[--argc];
    }
    for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
        if (!strcmp(argv[1], cmds[i].name)) {
            if (img_parse(argc - 1, argv + 1, &a)) {
                return 1;
            }
            if (neg && a.npos < 3) {
                a.pos[a.npos++] = neg;
            }
            return cmds[i].run(&a);
        }
    }
    return img_fail("unknown command '%s' (kite-img --help)", argv[1]);
}
