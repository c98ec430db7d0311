/*
 * Every device type Kite knows, in one table. A device file defines its
 * `const DeviceType foo_type` and adds it here.
 */
#include "hw/core/devtypes.h"

/* The machine's root node: holds every other device. */
const DeviceType machine_root_type = {
    .name = "machine",
    .desc = "root of the device tree",
    .instance_size = sizeof(Device),
};

const DeviceType *const kite_device_types[] = {
    &machine_root_type,
    NULL,
};
