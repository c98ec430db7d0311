/*
 * The device tree.
 *
 * A DeviceType describes a kind of device: its name, instance size,
 * properties, and lifecycle hooks. A Device is an instance: a struct whose
 * first member is `Device`, created by device_new(), configured through
 * properties (from -device NAME,prop=value or by the machine), realized
 * (wires itself to memory, ports and IRQs), reset, saved and loaded.
 * Instances form a tree under the machine's root; `info qtree` prints it.
 *
 * Types are read-only tables; the list of all types is in devtypes.c.
 */
#ifndef KITE_QDEV_H
#define KITE_QDEV_H

#include <stdio.h>

#include "hw/core/savestate.h"
#include "system/util.h"

typedef struct Machine Machine;
typedef struct Device Device;

typedef enum PropType {
    PROP_U32,
    PROP_U64,
    PROP_BOOL,
    PROP_STR,   /* char * owned by the device */
} PropType;

typedef struct PropDef {
    const char *name;
    PropType type;
    size_t offset;
    uint64_t defval;
    const char *defstr;
    const char *desc;
} PropDef;

#define PROP_DEF_U32(n, T, f, d, h) \
    { .name = n, .type = PROP_U32, .offset = offsetof(T, f), .defval = d, .desc = h }
#define PROP_DEF_U64(n, T, f, d, h) \
    { .name = n, .type = PROP_U64, .offset = offsetof(T, f), .defval = d, .desc = h }
#define PROP_DEF_BOOL(n, T, f, d, h) \
    { .name = n, .type = PROP_BOOL, .offset = offsetof(T, f), .defval = d, .desc = h }
#define PROP_DEF_STR(n, T, f, d, h) \
    { .name = n, .type = PROP_STR, .offset = offsetof(T, f), .defstr = d, .desc = h }
#define PROP_DEF_END { .name = NULL }

typedef struct DeviceType {
    const char *name;
    const char *desc;
    size_t instance_size;
    const PropDef *props;        /* terminated by PROP_DEF_END; may be NULL */
    bool user_creatable;         /* may be added with -device */
    /* holds nothing to save: the command line rebuilds it (migration) */
    bool stateless;
    /* Wires the device to the machine. Returns 0 or -1 with err set. */
    int (*realize)(Device *dev, Error *err);
    void (*unrealize)(Device *dev);
    /* Puts the device in its power-on state. */
    void (*reset)(Device *dev);
    void (*save)(Device *dev, SaveBuf *s);
    /* Reads what save wrote; validates everything. Returns 0 or -1. */
    int (*load)(Device *dev, SaveBuf *s, Error *err);
    /*
     * Drives the device's outputs (IRQ lines, messages) from its loaded
     * state. device_tree_load calls it on every device once all of them
     * loaded, so no edge reaches a receiver that still holds its old
     * state; whoever loads a single device calls it after load. May be NULL.
     */
    void (*post_load)(Device *dev);
} DeviceType;

struct Device {
    const DeviceType *type;
    char *id;
    Machine *machine;
    Device *parent;
    Device *first_child, *last_child, *next_sibling;
    bool realized;
};

const DeviceType *device_type_find(const char *name);
/* Lists user-creatable types (for -device help). */
void device_type_print_all(FILE *f);
/* Lists one type's properties (for -device NAME,help). */
void device_type_print_props(const DeviceType *t, FILE *f);

/* Creates an unrealized instance with default property values. */
Device *device_new(Machine *m, const DeviceType *t, Device *parent,
                   const char *id);
/* Creates, sets "k=v,k=v" properties and realizes. Returns NULL on error. */
Device *device_create(Machine *m, const char *type_name, Device *parent,
                      const char *props, Error *err);
int device_set_prop(Device *dev, const char *name, const char *value,
                    Error *err);
int device_realize(Device *dev, Error *err);
/* Unrealizes and frees dev and its subtree. */
void device_destroy(Device *dev);
/* Resets dev and its subtree, children first. */
void device_reset_tree(Device *dev);
/* Calls fn on every device of the subtree, parents first. */
void device_foreach(Device *dev, void (*fn)(Device *d, void *opaque),
                    void *opaque);
Device *device_find_child(Device *dev, const char *type_name);
void device_tree_print(Device *root, FILE *f);

/* Saves every device of the tree as tagged sections; loads them back. */
void device_tree_save(Device *root, SaveBuf *s);
int device_tree_load(Device *root, SaveBuf *s, Error *err);

#endif
