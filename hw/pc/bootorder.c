/*
 * -boot and bootindex: what the firmware boots first, told to SeaBIOS the
 * way QEMU's pc machine tells it.
 *
 *   -boot [order=]DRIVES[,once=DRIVES][,menu=on|off][,reboot-timeout=MS]
 *         [,splash-time=MS][,strict=on|off]
 *
 * DRIVES are letters: a floppy, c the first hard disk, d the CD-ROM, n the
 * network (each at most once). The first three go to CMOS bytes 0x3D
 * (first | second << 4) and 0x38 (third << 4), where SeaBIOS reads its
 * default order (1 floppy, 2 disk, 3 CD, 4 network); once= applies to the
 * first boot only, a guest reset brings order= back. menu= is fw_cfg key
 * 0x0E, splash-time= "etc/boot-menu-wait", reboot-timeout= (-1: never)
 * "etc/boot-fail-wait". Devices with a bootindex (IDE drives, virtio-blk,
 * virtio-net) are listed in "bootorder" by rising index as Open Firmware
 * paths (/pci@i0cf8/ide@1,1/drive@0/disk@0, /pci@i0cf8/ethernet@3 for a
 * NIC, whose option ROM SeaBIOS matches by slot), which it puts before all
 * others; strict=on ends the list with HALT (nothing else is tried).
 * A -kernel booted through the firmware comes first of all: the Linux
 * boot ROM (/rom@genroms/linuxboot_dma.bin, linuxboot.c).
 */
#include "hw/pc/bootorder.h"

#include <stdlib.h>
#include <string.h>

#include "hw/core/devtypes.h"
#include "hw/ide/ide.h"
#include "hw/pc/fw_cfg.h"
#include "hw/pc/linuxboot.h"
#include "hw/timer/mc146818rtc.h"
#include "hw/virtio/virtio-blk.h"
#include "hw/virtio/virtio-net.h"

#define CMOS_BOOT_FLAG1 0x38
#define CMOS_BOOT_FLAG2 0x3d
#define BOOT_MAX_ENTRIES 16

static int boot_check_drives(const char *k, const char *v, char *out,
                             Error *err)
{
    if (!*v || strlen(v) > 4) {
        return error_setg(err, "-boot %s=%s: give 1 to 4 of a, c, d, n", k,
                          v);
    }
    for (const char *p = v; *p; p++) {
        if (!strchr("acdn", *p) || strchr(p + 1, *p)) {
            return error_setg(err, "-boot %s=%s: '%c' is %s", k, v, *p,
                              strchr("acdn", *p) ? "given twice"
                                                 : "not a, c, d or n");
        }
    }
    snprintf(out, 5, "%s", v);
    return 0;
}

static int boot_parse_ms(const char *k, const char *v, int min, int *out,
                         Error *err)
{
    char *end;
    long n = strtol(v, &end, 10);

    if (!*v || *end || n < min || n > 0xffff) {
        return error_setg(err, "-boot %s=%s: expected %d to 65535", k, v,
                          min);
    }
    *out = (int)n;
    return 0;
}

static int boot_parse_bool(const char *k, const char *v, bool *out,
                           Error *err)
{
    if (parse_bool(v, out) < 0) {
        return error_setg(err, "-boot %s=%s: expected on or off", k, v);
    }
    return 0;
}

static int boot_set(BootOptions *o, const char *k, const char *v, Error *err)
{
    if (!strcmp(k, "order")) {
        return boot_check_drives(k, v, o->order, err);
    } else if (!strcmp(k, "once")) {
        return boot_check_drives(k, v, o->once, err);
    } else if (!strcmp(k, "menu")) {
        return boot_parse_bool(k, v, &o->menu, err);
    } else if (!strcmp(k, "strict")) {
        return boot_parse_bool(k, v, &o->strict, err);
    } else if (!strcmp(k, "reboot-timeout")) {
        return boot_parse_ms(k, v, -1, &o->reboot_timeout, err);
    } else if (!strcmp(k, "splash-time")) {
        return boot_parse_ms(k, v, 0, &o->splash_time, err);
    }
    return error_setg(err, "-boot: unknown option '%s'", k);
}

int boot_options_parse(const char *arg, BootOptions *o, Error *err)
{
    char *copy, *save = NULL;
    int r = 0;

    memset(o, 0, sizeof(*o));
    snprintf(o->order, sizeof(o->order), "cad");   /* QEMU's pc default */
    o->reboot_timeout = -1;
    o->splash_time = -1;
    if (!arg) {
        return 0;
    }
    copy = xstrdup(arg);
    for (char *t = strtok_r(copy, ",", &save); t && !r;
         t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '=');
        if (!eq && t == copy) {
            r = boot_check_drives("order", t, o->order, err);  /* -boot d */
            continue;
        }
        if (!eq) {
            r = error_setg(err, "-boot: '%s' is not key=value", t);
            continue;
        }
        *eq = '\0';
        r = boot_set(o, t, eq + 1, err);
    }
    free(copy);
    return r;
}

/* ------------------------------------------------------------ the device */

typedef struct BootOrderState {
    Device dev;
    BootOptions o;
    bool once_done;
} BootOrderState;

static uint8_t boot_cmos_code(char c)
{
    switch (c) {
    case 'a': return 1;
    case 'c': return 2;
    case 'd': return 3;
    case 'n': return 4;
    }
    return 0;
}

static void boot_set_cmos(Machine *m, const char *order)
{
    Device *rtc = device_find_child(m->root, "mc146818rtc");
    uint8_t v[3] = { 0 };

    for (int i = 0; i < 3 && order[i]; i++) {
        v[i] = boot_cmos_code(order[i]);
    }
    if (rtc) {
        rtc_set_cmos(rtc, CMOS_BOOT_FLAG2, (uint8_t)(v[1] << 4 | v[0]));
        rtc_set_cmos(rtc, CMOS_BOOT_FLAG1, (uint8_t)(v[2] << 4));
    }
}

typedef struct BootList {
    PiixIdeBootEntry e[BOOT_MAX_ENTRIES];
    int n;
} BootList;

/*
 * Adds /pci@i0cf8/NAME@SLOT[,FUNC]SUFFIX for the PCI function d; all-ones
 * (VIRTIO_BLK_NO_BOOTINDEX, VIRTIO_NET_NO_BOOTINDEX) is no bootindex.
 */
static void boot_add_pci(BootList *l, PCIDevice *d, uint32_t bootindex,
                         const char *name, const char *suffix)
{
    char fn[8] = "";

    if (bootindex == UINT32_MAX || l->n >= BOOT_MAX_ENTRIES) {
        return;
    }
    if (PCI_FUNC(d->devfn)) {
        snprintf(fn, sizeof(fn), ",%x", PCI_FUNC(d->devfn));
    }
    l->e[l->n].bootindex = (int)bootindex;
    snprintf(l->e[l->n].path, sizeof(l->e[0].path), "/pci@i0cf8/%s@%x%s%s",
             name, PCI_SLOT(d->devfn), fn, suffix);
    l->n++;
}

static void boot_collect(Device *dev, void *opaque)
{
    BootList *l = opaque;

    if (dev->type == &piix3_ide_type) {
        l->n += piix_ide_boot_entries(dev, l->e + l->n,
                                      BOOT_MAX_ENTRIES - l->n);
    } else if (dev->type == &virtio_blk_pci_type) {
        boot_add_pci(l, (PCIDevice *)dev, ((VirtIOBlk *)dev)->bootindex,
                     "scsi", "/disk@0,0");
    } else if (dev->type == &virtio_net_pci_type) {
        boot_add_pci(l, (PCIDevice *)dev, ((VirtIONet *)dev)->bootindex,
                     "ethernet", "");
    }
}

static int boot_cmp(const void *a, const void *b)
{
    const PiixIdeBootEntry *x = a, *y = b;

    return x->bootindex - y->bootindex;
}

/* "bootorder": the paths by rising bootindex, one a line, NUL ended. */
static int boot_add_order_file(Machine *m, bool strict, Error *err)
{
    BootList l = { .n = 0 };
    size_t len = 0;
    char *text;

    if (m->cfg.kernel && m->cfg.bios) {          /* linuxboot.c's ROM */
        l.e[l.n].bootindex = -1;
        snprintf(l.e[l.n++].path, sizeof(l.e[0].path), "%s",
                 LINUXBOOT_BOOT_PATH);
    }
    device_foreach(m->root, boot_collect, &l);
    qsort(l.e, (size_t)l.n, sizeof(l.e[0]), boot_cmp);
    for (int i = 1; i < l.n; i++) {
        if (l.e[i].bootindex == l.e[i - 1].bootindex) {
            return error_setg(err, "bootindex %d is given twice",
                              l.e[i].bootindex);
        }
    }
    if (!l.n && !strict) {
        return 0;
    }
    text = xzalloc(BOOT_MAX_ENTRIES * sizeof(l.e[0].path) + 8);
    for (int i = 0; i < l.n; i++) {
        len += (size_t)sprintf(text + len, "%s\n", l.e[i].path);
    }
    if (strict) {
        len += (size_t)sprintf(text + len, "HALT\n");
    }
    text[len - 1] = '\0';
    fw_cfg_add_file(m->fw_cfg, "bootorder", text, len);
    free(text);
    return 0;
}

static int boot_order_realize(Device *dev, Error *err)
{
    BootOrderState *s = (BootOrderState *)dev;
    Machine *m = dev->machine;
    uint8_t wait[4];

    if (boot_options_parse(m->cfg.boot, &s->o, err) < 0) {
        return -1;
    }
    if (!m->fw_cfg) {
        return error_setg(err, "no fw_cfg device");
    }
    boot_set_cmos(m, s->o.once[0] ? s->o.once : s->o.order);
    fw_cfg_add_i16(m->fw_cfg, FW_CFG_BOOT_DEVICE,
                   (uint16_t)(s->o.once[0] ? s->o.once[0] : s->o.order[0]));
    fw_cfg_add_i16(m->fw_cfg, FW_CFG_BOOT_MENU, s->o.menu);
    st32le(wait, (uint32_t)s->o.reboot_timeout);
    fw_cfg_add_file(m->fw_cfg, "etc/boot-fail-wait", wait, 4);
    if (s->o.splash_time >= 0) {
        uint8_t ms[2];
        st16le(ms, (uint16_t)s->o.splash_time);
        fw_cfg_add_file(m->fw_cfg, "etc/boot-menu-wait", ms, 2);
    }
    return boot_add_order_file(m, s->o.strict, err);
}

/* A guest reset ends once=: the order applies from now on. */
static void boot_order_reset(Device *dev)
{
    BootOrderState *s = (BootOrderState *)dev;

    if (s->o.once[0] && !s->once_done) {
        s->once_done = true;
        boot_set_cmos(dev->machine, s->o.order);
    }
}

const DeviceType boot_order_type = {
    .name = "boot-order",
    .stateless = true,
    .desc = "-boot and bootindex for the firmware (CMOS, fw_cfg)",
    .instance_size = sizeof(BootOrderState),
    .realize = boot_order_realize,
    .reset = boot_order_reset,
};
