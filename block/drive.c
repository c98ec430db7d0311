/*
 * -drive parsing and the drives of a machine's config. See drive.h.
 */
#include "block/drive.h"

#include <stdlib.h>
#include <string.h>

/* The next "key=value" of s (",," is a comma); NULL at the end. */
static char *drive_next_pair(const char **s)
{
    const char *p = *s;
    char *out, *o;

    if (!*p) {
        return NULL;
    }
    out = o = xmalloc(strlen(p) + 1);
    while (*p) {
        if (*p == ',' && p[1] == ',') {
            *o++ = ',';
            p += 2;
        } else if (*p == ',') {
            p++;
            break;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    *s = p;
    return out;
}

static int drive_set_cache(DriveSpec *d, const char *v, Error *err)
{
    if (!strcmp(v, "writeback")) {
        d->opts.cache = BLOCK_CACHE_WRITEBACK;
    } else if (!strcmp(v, "none")) {
        d->opts.cache = BLOCK_CACHE_NONE;
    } else if (!strcmp(v, "writethrough")) {
        d->opts.cache = BLOCK_CACHE_WRITETHROUGH;
    } else {
        return error_setg(err, "cache=%s: expected writeback, none or "
                          "writethrough", v);
    }
    return 0;
}

static int drive_set_if(DriveSpec *d, const char *v, Error *err)
{
    if (!strcmp(v, "ide")) {
        d->iface = DRIVE_IF_IDE;
    } else if (!strcmp(v, "virtio")) {
        d->iface = DRIVE_IF_VIRTIO;
    } else if (!strcmp(v, "none")) {
        d->iface = DRIVE_IF_NONE;
    } else {
        return error_setg(err, "if=%s is not supported (ide, virtio or "
                          "none)", v);
    }
    return 0;
}

static int drive_set_int(const char *k, const char *v, int max, int *out,
                         Error *err)
{
    char *end;
    long n = strtol(v, &end, 0);

    if (!*v || *end || n < 0 || n > max) {
        return error_setg(err, "%s=%s: expected a number from 0 to %d", k,
                          v, max);
    }
    *out = (int)n;
    return 0;
}

/* index=, media=, bootindex= */
static int drive_set_place(DriveSpec *d, const char *k, const char *v,
                           Error *err)
{
    if (!strcmp(k, "index")) {
        return drive_set_int(k, v, 3, &d->index, err);
    }
    if (!strcmp(k, "bootindex")) {
        return drive_set_int(k, v, 0xffff, &d->bootindex, err);
    }
    if (strcmp(v, "disk") && strcmp(v, "cdrom")) {
        return error_setg(err, "media=%s: expected disk or cdrom", v);
    }
    d->cdrom = !strcmp(v, "cdrom");
    return 0;
}

static int drive_set_bool(const char *k, const char *v, bool *out,
                          Error *err)
{
    if (parse_bool(v, out) < 0) {
        return error_setg(err, "%s=%s: expected on or off", k, v);
    }
    return 0;
}

static int drive_set(DriveSpec *d, const char *k, const char *v, Error *err)
{
    if (!strcmp(k, "file")) {
        free(d->file);
        d->file = xstrdup(v);
    } else if (!strcmp(k, "id")) {
        free(d->id);
        d->id = xstrdup(v);
    } else if (!strcmp(k, "format")) {
        d->opts.format = blk_format_parse(v);
        if (d->opts.format == BLOCK_FORMAT_AUTO) {
            return error_setg(err, "format=%s is not supported (raw or "
                              "qcow2)", v);
        }
    } else if (!strcmp(k, "if")) {
        return drive_set_if(d, v, err);
    } else if (!strcmp(k, "cache")) {
        return drive_set_cache(d, v, err);
    } else if (!strcmp(k, "readonly")) {
        return drive_set_bool(k, v, &d->opts.readonly, err);
    } else if (!strcmp(k, "snapshot")) {
        return drive_set_bool(k, v, &d->opts.snapshot, err);
    } else if (!strcmp(k, "media") || !strcmp(k, "index") ||
               !strcmp(k, "bootindex")) {
        return drive_set_place(d, k, v, err);
    } else {
        return error_setg(err, "unsupported drive option '%s=%s'", k, v);
    }
    return 0;
}

int drive_parse(const char *arg, int index, DriveSpec *d, Error *err)
{
    const char *s = arg;
    char *pair;
    int r = 0;

    memset(d, 0, sizeof(*d));
    d->iface = DRIVE_IF_IDE;
    d->index = -1;
    d->bootindex = -1;
    while (!r && (pair = drive_next_pair(&s))) {
        char *eq = strchr(pair, '=');
        if (!eq) {
            r = error_setg(err, "'%s' is not key=value", pair);
        } else {
            *eq = '\0';
            r = drive_set(d, pair, eq + 1, err);
        }
        free(pair);
    }
    if (!r && (!d->file || !*d->file)) {
        r = error_setg(err, "no file= given");
    }
    if (!r && d->id && !*d->id) {
        r = error_setg(err, "empty id=");
    }
    if (!r && d->cdrom && d->iface != DRIVE_IF_IDE) {
        r = error_setg(err, "media=cdrom needs if=ide");
    }
    if (r) {
        drive_spec_free(d);
        return -1;
    }
    d->id = d->id ? d->id : xasprintf("drive%d", index);
    d->opts.file = d->file;
    return 0;
}

void drive_spec_free(DriveSpec *d)
{
    free(d->id);
    free(d->file);
    memset(d, 0, sizeof(*d));
}

int drive_add_option(MachineConfig *cfg, const char *arg, Error *err)
{
    DriveSpec d, other;

    if (cfg->ndrive_args == PC_MAX_DRIVES) {
        return error_setg(err, "more than %d drives", PC_MAX_DRIVES);
    }
    if (drive_parse(arg, cfg->ndrive_args, &d, err) < 0) {
        return -1;
    }
    for (int i = 0; i < cfg->ndrive_args; i++) {
        drive_parse(cfg->drive_args[i], i, &other, err);
        bool dup = !strcmp(other.id, d.id);
        drive_spec_free(&other);
        if (dup) {
            error_setg(err, "two drives with id '%s'", d.id);
            drive_spec_free(&d);
            return -1;
        }
    }
    drive_spec_free(&d);
    cfg->drive_args[cfg->ndrive_args++] = arg;
    return 0;
}

int drive_add_ide(MachineConfig *cfg, const char *file, int index,
                  bool cdrom, Error *err)
{
    /* the spec lives as long as the config (drive_args_free) */
    char *arg, *q = xmalloc(2 * strlen(file) + 1), *o = q;

    for (const char *p = file; *p; p++) {
        *o++ = *p;
        if (*p == ',') {
            *o++ = ',';
        }
    }
    *o = '\0';
    arg = xasprintf("file=%s,if=ide,index=%d,media=%s", q, index,
                    cdrom ? "cdrom" : "disk");
    free(q);
    if (drive_add_option(cfg, arg, err) < 0) {
        free(arg);
        return -1;
    }
    cfg->drive_owned[cfg->ndrive_args - 1] = arg;
    return 0;
}

void drive_args_free(MachineConfig *cfg)
{
    for (int i = 0; i < cfg->ndrive_args; i++) {
        free(cfg->drive_owned[i]);
        cfg->drive_owned[i] = NULL;
    }
}

int drive_find(const MachineConfig *cfg, const char *id, DriveSpec *d,
               Error *err)
{
    for (int i = 0; id && i < cfg->ndrive_args; i++) {
        if (drive_parse(cfg->drive_args[i], i, d, err) < 0) {
            return -1;
        }
        if (!strcmp(d->id, id)) {
            d->opts.snapshot |= cfg->snapshot;
            return 0;
        }
        drive_spec_free(d);
    }
    return error_setg(err, "no -drive with id '%s'", id ? id : "");
}

int drive_create_devices(Machine *m, Error *err)
{
    for (int i = 0; i < m->cfg.ndrive_args; i++) {
        DriveSpec d;
        char *props;
        Device *dev;

        if (drive_parse(m->cfg.drive_args[i], i, &d, err) < 0) {
            return -1;
        }
        props = d.bootindex >= 0 ? xasprintf("drive=%s,bootindex=%d", d.id,
                                             d.bootindex)
                                 : xasprintf("drive=%s", d.id);
        dev = d.iface == DRIVE_IF_VIRTIO ? device_create(m, "virtio-blk-pci", m->root, props,
                                          err)
                          : m->root;
        free(props);
        drive_spec_free(&d);
        if (!dev) {
            return -1;
        }
    }
    return 0;
}
