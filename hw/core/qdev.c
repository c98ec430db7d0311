/*
 * Device instances, properties, the tree, and tree-wide reset/save/load
 * (see qdev.h).
 */
#include "hw/core/qdev.h"

#include <stdlib.h>
#include <string.h>

#include "hw/core/devtypes.h"

const DeviceType *device_type_find(const char *name)
{
    for (size_t i = 0; kite_device_types[i]; i++) {
        if (!strcmp(kite_device_types[i]->name, name)) {
            return kite_device_types[i];
        }
    }
    return NULL;
}

void device_type_print_all(FILE *f)
{
    fprintf(f, "Devices that -device accepts:\n");
    for (size_t i = 0; kite_device_types[i]; i++) {
        const DeviceType *t = kite_device_types[i];
        if (t->user_creatable) {
            fprintf(f, "name \"%s\", desc \"%s\"\n", t->name,
                    t->desc ? t->desc : "");
        }
    }
}

static const char *prop_type_name(PropType t)
{
    switch (t) {
    case PROP_U32: return "uint32";
    case PROP_U64: return "uint64";
    case PROP_BOOL: return "bool";
    case PROP_STR: return "str";
    }
    return "?";
}

void device_type_print_props(const DeviceType *t, FILE *f)
{
    fprintf(f, "%s options:\n", t->name);
    for (const PropDef *p = t->props; p && p->name; p++) {
        fprintf(f, "  %s=<%s>", p->name, prop_type_name(p->type));
        if (p->type == PROP_STR) {
            if (p->defstr) {
                fprintf(f, " (default \"%s\")", p->defstr);
            }
        } else {
            fprintf(f, " (default 0x%llx)", (unsigned long long)p->defval);
        }
        if (p->desc) {
            fprintf(f, " - %s", p->desc);
        }
        fputc('\n', f);
    }
}

static void prop_set_default(Device *dev, const PropDef *p)
{
    void *field = (char *)dev + p->offset;
    switch (p->type) {
    case PROP_U32: *(uint32_t *)field = (uint32_t)p->defval; break;
    case PROP_U64: *(uint64_t *)field = p->defval; break;
    case PROP_BOOL: *(bool *)field = p->defval != 0; break;
    case PROP_STR: *(char **)field = p->defstr ? xstrdup(p->defstr) : NULL; break;
    }
}

Device *device_new(Machine *m, const DeviceType *t, Device *parent,
                   const char *id)
{
    Device *dev;

    if (t->instance_size < sizeof(Device)) {
        abort();
    }
    dev = xzalloc(t->instance_size);
    dev->type = t;
    dev->machine = m;
    dev->id = id ? xstrdup(id) : NULL;
    for (const PropDef *p = t->props; p && p->name; p++) {
        prop_set_default(dev, p);
    }
    if (parent) {
        dev->parent = parent;
        if (parent->last_child) {
            parent->last_child->next_sibling = dev;
        } else {
            parent->first_child = dev;
        }
        parent->last_child = dev;
    }
    return dev;
}

int device_set_prop(Device *dev, const char *name, const char *value,
                    Error *err)
{
    const PropDef *p;
    uint64_t v;
    bool b;

    if (!strcmp(name, "id")) {
        free(dev->id);
        dev->id = xstrdup(value);
        return 0;
    }
    for (p = dev->type->props; p && p->name; p++) {
        if (!strcmp(p->name, name)) {
            break;
        }
    }
    if (!p || !p->name) {
        return error_setg(err, "device '%s' has no property '%s'",
                          dev->type->name, name);
    }
    void *field = (char *)dev + p->offset;
    switch (p->type) {
    case PROP_U32:
        if (parse_uint(value, &v) < 0 || v > UINT32_MAX) {
            return error_setg(err, "property '%s.%s' needs a 32-bit number, "
                              "not '%s'", dev->type->name, name, value);
        }
        *(uint32_t *)field = (uint32_t)v;
        break;
    case PROP_U64:
        if (parse_uint(value, &v) < 0) {
            return error_setg(err, "property '%s.%s' needs a number, not '%s'",
                              dev->type->name, name, value);
        }
        *(uint64_t *)field = v;
        break;
    case PROP_BOOL:
        if (parse_bool(value, &b) < 0) {
            return error_setg(err, "property '%s.%s' needs on or off, "
                              "not '%s'", dev->type->name, name, value);
        }
        *(bool *)field = b;
        break;
    case PROP_STR:
        free(*(char **)field);
        *(char **)field = xstrdup(value);
        break;
    }
    return 0;
}

int device_realize(Device *dev, Error *err)
{
    if (dev->realized) {
        return 0;
    }
    if (dev->type->realize && dev->type->realize(dev, err) < 0) {
        error_prepend(err, "%s", dev->type->name);
        return -1;
    }
    dev->realized = true;
    if (dev->type->reset) {
        dev->type->reset(dev);
    }
    return 0;
}

static void device_unlink(Device *dev)
{
    Device *p = dev->parent, **pp;
    Device *prev = NULL;

    if (!p) {
        return;
    }
    for (pp = &p->first_child; *pp; prev = *pp, pp = &(*pp)->next_sibling) {
        if (*pp == dev) {
            *pp = dev->next_sibling;
            if (p->last_child == dev) {
                p->last_child = prev;
            }
            break;
        }
    }
    dev->parent = NULL;
}

void device_destroy(Device *dev)
{
    while (dev->first_child) {
        device_destroy(dev->first_child);
    }
    if (dev->realized && dev->type->unrealize) {
        dev->type->unrealize(dev);
    }
    device_unlink(dev);
    for (const PropDef *p = dev->type->props; p && p->name; p++) {
        if (p->type == PROP_STR) {
            free(*(char **)((char *)dev + p->offset));
        }
    }
    free(dev->id);
    free(dev);
}

Device *device_create(Machine *m, const char *type_name, Device *parent,
                      const char *props, Error *err)
{
    const DeviceType *t = device_type_find(type_name);
    Device *dev;
    char *copy, *save = NULL;

    if (!t) {
        error_setg(err, "unknown device '%s' (try -device help)", type_name);
        return NULL;
    }
    dev = device_new(m, t, parent, NULL);
    copy = xstrdup(props ? props : "");
    for (char *kv = strtok_r(copy, ",", &save); kv;
         kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) {
            error_setg(err, "device '%s': expected key=value, got '%s'",
                       type_name, kv);
            goto fail;
        }
        *eq = '\0';
        if (device_set_prop(dev, kv, eq + 1, err) < 0) {
            goto fail;
        }
    }
    free(copy);
    if (device_realize(dev, err) < 0) {
        device_destroy(dev);
        return NULL;
    }
    return dev;

fail:
    free(copy);
    device_destroy(dev);
    return NULL;
}

void device_foreach(Device *dev, void (*fn)(Device *d, void *opaque),
                    void *opaque)
{
    fn(dev, opaque);
    for (Device *c = dev->first_child; c; c = c->next_sibling) {
        device_foreach(c, fn, opaque);
    }
}

void device_reset_tree(Device *dev)
{
    for (Device *c = dev->first_child; c; c = c->next_sibling) {
        device_reset_tree(c);
    }
    if (dev->realized && dev->type->reset) {
        dev->type->reset(dev);
    }
}

Device *device_find_child(Device *dev, const char *type_name)
{
    for (Device *c = dev->first_child; c; c = c->next_sibling) {
        Device *r;
        if (!strcmp(c->type->name, type_name)) {
            return c;
        }
        if ((r = device_find_child(c, type_name))) {
            return r;
        }
    }
    return NULL;
}

static void print_node(Device *dev, FILE *f, int depth)
{
    fprintf(f, "%*sdev: %s, id \"%s\"\n", depth * 2, "", dev->type->name,
            dev->id ? dev->id : "");
    for (const PropDef *p = dev->type->props; p && p->name; p++) {
        void *field = (char *)dev + p->offset;
        fprintf(f, "%*s%s = ", depth * 2 + 2, "", p->name);
        switch (p->type) {
        case PROP_U32: fprintf(f, "0x%x\n", *(uint32_t *)field); break;
        case PROP_U64:
            fprintf(f, "0x%llx\n", (unsigned long long)*(uint64_t *)field);
            break;
        case PROP_BOOL: fprintf(f, "%s\n", *(bool *)field ? "on" : "off"); break;
        case PROP_STR:
            fprintf(f, "\"%s\"\n", *(char **)field ? *(char **)field : "");
            break;
        }
    }
    for (Device *c = dev->first_child; c; c = c->next_sibling) {
        print_node(c, f, depth + 1);
    }
}

void device_tree_print(Device *root, FILE *f)
{
    print_node(root, f, 0);
}

/*
 * Stream layout: for each realized device with a save hook, in tree
 * order: u8 1, type name (u16 length + bytes), u32 payload length,
 * payload. Terminated by u8 0.
 */
static void save_one(Device *dev, void *opaque)
{
    SaveBuf *s = opaque;
    SaveBuf payload;
    size_t n = strlen(dev->type->name);

    if (!dev->realized || !dev->type->save) {
        return;
    }
    savebuf_init(&payload);
    dev->type->save(dev, &payload);
    save_u8(s, 1);
    save_u16(s, (uint16_t)n);
    save_bytes(s, dev->type->name, n);
    save_u32(s, (uint32_t)payload.len);
    save_bytes(s, payload.data, payload.len);
    savebuf_free(&payload);
}

void device_tree_save(Device *root, SaveBuf *s)
{
    device_foreach(root, save_one, s);
    save_u8(s, 0);
}

typedef struct LoadCtx {
    SaveBuf *s;
    Error *err;
    int ret;
} LoadCtx;

static void load_one(Device *dev, void *opaque)
{
    LoadCtx *c = opaque;
    char name[128];
    uint16_t n;
    uint32_t len;
    SaveBuf payload;

    if (c->ret < 0 || !dev->realized || !dev->type->save) {
        return;
    }
    if (load_u8(c->s) != 1) {
        c->ret = error_setg(c->err, "state stream ends before device '%s'",
                            dev->type->name);
        return;
    }
    n = load_u16(c->s);
    if (n >= sizeof(name)) {
        c->ret = error_setg(c->err, "corrupt state stream (name length %u)", n);
        return;
    }
    load_bytes(c->s, name, n);
    name[n] = '\0';
    len = load_u32(c->s);
    if (c->s->error || strcmp(name, dev->type->name) ||
        len > c->s->len - c->s->pos) {
        c->ret = error_setg(c->err, "state stream does not match device '%s'",
                            dev->type->name);
        return;
    }
    savebuf_init_read(&payload, c->s->data + c->s->pos, len);
    c->s->pos += len;
    if (!dev->type->load || dev->type->load(dev, &payload, c->err) < 0 ||
        payload.error) {
        if (payload.error) {
            error_setg(c->err, "state of device '%s' is truncated",
                       dev->type->name);
        }
        c->ret = -1;
    }
}

static void post_load_one(Device *dev, void *opaque)
{
    if (dev->realized && dev->type->post_load) {
        dev->type->post_load(dev);
    }
}

int device_tree_load(Device *root, SaveBuf *s, Error *err)
{
    LoadCtx c = { .s = s, .err = err, .ret = 0 };

    device_foreach(root, load_one, &c);
    /* Even after a failure: what did load is driven from its new state. */
    device_foreach(root, post_load_one, NULL);
    if (c.ret == 0 && load_u8(s) != 0) {
        return error_setg(err, "state stream has devices this machine lacks");
    }
    return c.ret;
}
