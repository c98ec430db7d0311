/*
 * The monitor's block commands: query-block / info block over every drive
 * (IDE disks and CD-ROMs, virtio-blk), and the CD-ROM media commands
 * eject, blockdev-change-medium and the human monitor's change. A medium
 * change reaches the guest as UNIT ATTENTION (ide_cd_change).
 */
#include "system/monitor-int.h"

#include <string.h>

#include "block/qcow2.h"
#include "hw/ide/ide.h"
#include "hw/virtio/virtio-blk.h"

/* The image description, with its backing chain (QEMU's ImageInfo). */
static json_t *block_image(const BlockBackend *bb)
{
    json_t *img = json_pack("{s:s,s:s,s:I,s:b}", "filename", bb->filename,
                            "format", blk_format_name(bb->format),
                            "virtual-size", (json_int_t)bb->size,
                            "dirty-flag", false);
    const Qcow2 *q = bb->format == BLOCK_FORMAT_QCOW2 ? bb->qcow2 : NULL;

    if (q && q->backing) {
        json_object_set_new(img, "backing-filename",
                            json_string(q->backing_name));
        json_object_set_new(img, "full-backing-filename",
                            json_string(q->backing->filename));
        json_object_set_new(img, "backing-image", block_image(q->backing));
    }
    return img;
}

static int block_chain_depth(const BlockBackend *bb)
{
    int n = 0;

    while (bb->format == BLOCK_FORMAT_QCOW2 && bb->qcow2->backing) {
        bb = bb->qcow2->backing;
        n++;
    }
    return n;
}

static json_t *block_inserted(const BlockBackend *bb)
{
    json_t *ins = json_pack("{s:s,s:s,s:b,s:i,s:b,s:s,s:o}",
                            "file", bb->filename,
                            "drv", blk_format_name(bb->format),
                            "ro", bb->readonly,
                            "backing_file_depth", block_chain_depth(bb),
                            "encrypted", false, "node-name", "",
                            "image", block_image(bb));
    const Qcow2 *q = bb->format == BLOCK_FORMAT_QCOW2 ? bb->qcow2 : NULL;

    if (q && q->backing) {
        json_object_set_new(ins, "backing_file",
                            json_string(q->backing->filename));
    }
    return ins;
}

/* One entry of query-block (QEMU's BlockInfo). */
static json_t *block_info(const char *name, const char *qdev,
                          const BlockBackend *bb, const IDEDrive *cd)
{
    json_t *info = json_pack("{s:s,s:s,s:b,s:b,s:s,s:s}", "device", name,
                             "qdev", qdev, "removable", cd != NULL,
                             "locked", cd && cd->cd_locked,
                             "io-status", "ok", "type", "unknown");

    if (cd) {
        json_object_set_new(info, "tray_open", json_boolean(!bb));
    }
    if (bb) {
        json_object_set_new(info, "inserted", block_inserted(bb));
    }
    return info;
}

static void block_qdev_name(char *buf, size_t n, const IDEDrive *d)
{
    snprintf(buf, n, "/machine/piix3-ide/ide.%d/%s%d", d->bus->index,
             d->kind == IDE_CD ? "cd" : "hd", d->unit);
}

static void block_add(Device *dev, void *opaque)
{
    char qdev[96];

    if (!strcmp(dev->type->name, "piix3-ide")) {
        PIIXIDEState *s = (PIIXIDEState *)dev;
        for (int i = 0; i < 4; i++) {
            IDEDrive *d = &s->bus[i / 2].drive[i % 2];
            if (d->kind == IDE_NONE) {
                continue;
            }
            block_qdev_name(qdev, sizeof(qdev), d);
            json_array_append_new(opaque, block_info(
                d->drive_id, qdev, d->bb, d->kind == IDE_CD ? d : NULL));
        }
    } else if (!strcmp(dev->type->name, "virtio-blk-pci")) {
        VirtIOBlk *s = (VirtIOBlk *)dev;
        snprintf(qdev, sizeof(qdev), "/machine/peripheral%s/%s",
                 dev->id ? "" : "-anon", dev->id ? dev->id : "virtio-blk-pci");
        json_array_append_new(opaque, block_info(s->drive ? s->drive : "",
                                                 qdev, s->bb, NULL));
    }
}

json_t *qmp_query_block(Monitor *mon, json_t *args, QmpError *e)
{
    json_t *list = json_array();

    device_foreach(mon->m->root, block_add, list);
    return list;
}

/* ---- the human monitor's info block ---- */

static void info_block_one(FILE *f, json_t *b)
{
    json_t *ins = json_object_get(b, "inserted");

    fprintf(f, "%s: ", json_string_value(json_object_get(b, "device")));
    if (!ins) {
        fprintf(f, "[not inserted]\n");
    } else {
        fprintf(f, "%s (%s%s)\n", json_string_value(json_object_get(ins, "file")),
                json_string_value(json_object_get(ins, "drv")),
                json_is_true(json_object_get(ins, "ro")) ? ", read-only" : "");
        fprintf(f, "    Virtual size:     %lld bytes\n",
                (long long)json_integer_value(json_object_get(
                    json_object_get(ins, "image"), "virtual-size")));
    }
    fprintf(f, "    Attached to:      %s\n",
            json_string_value(json_object_get(b, "qdev")));
    if (json_is_true(json_object_get(b, "removable"))) {
        fprintf(f, "    Removable device: %slocked, tray %s\n",
                json_is_true(json_object_get(b, "locked")) ? "" : "not ",
                json_is_true(json_object_get(b, "tray_open")) ? "open"
                                                                : "closed");
    }
    if (ins && json_object_get(ins, "backing_file")) {
        fprintf(f, "    Backing file:     %s (chain depth: %lld)\n",
                json_string_value(json_object_get(ins, "backing_file")),
                (long long)json_integer_value(
                    json_object_get(ins, "backing_file_depth")));
    }
}

void hmp_info_block(Monitor *mon, FILE *f)
{
    json_t *list = qmp_query_block(mon, NULL, NULL);
    size_t i;
    json_t *b;

    json_array_foreach(list, i, b) {
        info_block_one(f, b);
    }
    json_decref(list);
}

/* ---- media change ---- */

typedef struct CdFind {
    const char *name;
    IDEDrive *drive;
    bool found;                  /* a drive of that name, maybe not a CD */
} CdFind;

static void cd_find(Device *dev, void *opaque)
{
    CdFind *c = opaque;
    char qdev[96];

    if (strcmp(dev->type->name, "piix3-ide")) {
        if (!strcmp(dev->type->name, "virtio-blk-pci") &&
            ((VirtIOBlk *)dev)->drive &&
            !strcmp(((VirtIOBlk *)dev)->drive, c->name)) {
            c->found = true;
        }
        return;
    }
    for (int i = 0; i < 4; i++) {
        IDEDrive *d = &((PIIXIDEState *)dev)->bus[i / 2].drive[i % 2];
        block_qdev_name(qdev, sizeof(qdev), d);
        if (d->kind != IDE_NONE && (!strcmp(d->drive_id, c->name) ||
                                    !strcmp(qdev, c->name))) {
            c->found = true;
            c->drive = d->kind == IDE_CD ? d : NULL;
        }
    }
}

/* The CD-ROM named by "device" or "id"; NULL with e set. */
static IDEDrive *cd_lookup(Monitor *mon, json_t *args, QmpError *e)
{
    json_t *dev = json_object_get(args, "device");
    json_t *id = json_object_get(args, "id");
    CdFind c = { NULL, NULL, false };

    c.name = json_string_value(dev ? dev : id);
    if (!c.name) {
        qmp_error(e, "GenericError", "Parameter 'device' or 'id' is missing");
        return NULL;
    }
    device_foreach(mon->m->root, cd_find, &c);
    if (!c.found) {
        qmp_error(e, "DeviceNotFound", "Device '%s' not found", c.name);
    } else if (!c.drive) {
        qmp_error(e, "GenericError", "Device '%s' is not removable", c.name);
    } else if (c.drive->io != IO_NONE) {
        qmp_error(e, "GenericError", "Device '%s' is busy; try again",
                  c.name);
        return NULL;
    }
    return c.drive;
}

json_t *qmp_eject(Monitor *mon, json_t *args, QmpError *e)
{
    IDEDrive *d = cd_lookup(mon, args, e);

    if (!d) {
        return NULL;
    }
    if (d->cd_locked && !json_is_true(json_object_get(args, "force"))) {
        return qmp_error(e, "GenericError", "Device '%s' is locked and force "
                         "was not specified", d->drive_id);
    }
    d->cd_locked = false;
    if (d->bb) {
        ide_cd_change(d, NULL);
    }
    return json_object();
}

json_t *qmp_blockdev_change_medium(Monitor *mon, json_t *args, QmpError *e)
{
    const char *fmt = json_string_value(json_object_get(args, "format"));
    BlockOptions o = { .readonly = true, .format = BLOCK_FORMAT_AUTO };
    IDEDrive *d = cd_lookup(mon, args, e);
    Error err = { 0 };
    BlockBackend *bb;

    if (!d) {
        return NULL;
    }
    if (fmt && (o.format = blk_format_parse(fmt)) == BLOCK_FORMAT_AUTO) {
        return qmp_error(e, "GenericError", "Unknown driver '%s'", fmt);
    }
    if (d->cd_locked && !json_is_true(json_object_get(args, "force"))) {
        return qmp_error(e, "GenericError", "Device '%s' is locked",
                         d->drive_id);
    }
    o.file = json_string_value(json_object_get(args, "filename"));
    bb = blk_open(&o, &err);
    if (!bb) {
        return qmp_error(e, "GenericError", "%s", err.msg);
    }
    ide_cd_change(d, bb);
    return json_object();
}

/* ---- human forms ---- */

static void hmp_report(Monitor *mon, json_t *r, QmpError *e)
{
    if (r) {
        json_decref(r);
    } else {
        monitor_printf(mon, "Error: %s\n", e->desc);
    }
}

void hmp_eject(Monitor *mon, const char *args)
{
    char dev[256];
    bool force = false;
    int n = 0;
    QmpError e = { NULL, "" };

    if (sscanf(args, "-f %n", &n) == 0 && n) {
        force = true;
        args += n;
    }
    if (sscanf(args, "%255s", dev) != 1) {
        monitor_printf(mon, "usage: eject [-f] DEVICE\n");
        return;
    }
    json_t *a = json_pack("{s:s,s:b}", "id", dev, "force", force);
    hmp_report(mon, qmp_eject(mon, a, &e), &e);
    json_decref(a);
}

void hmp_change(Monitor *mon, const char *args)
{
    char dev[256], file[4096], fmt[16] = "";
    QmpError e = { NULL, "" };

    if (sscanf(args, "%255s %4095s %15s", dev, file, fmt) < 2) {
        monitor_printf(mon, "usage: change DEVICE FILE [FORMAT]\n");
        return;
    }
    json_t *a = json_pack("{s:s,s:s}", "id", dev, "filename", file);
    if (*fmt) {
        json_object_set_new(a, "format", json_string(fmt));
    }
    hmp_report(mon, qmp_blockdev_change_medium(mon, a, &e), &e);
    json_decref(a);
}
