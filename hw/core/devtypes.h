/*
 * The table of every device type Kite knows (defined in devtypes.c, one
 * line per type). A new device adds its extern declaration and its entry.
 */
#ifndef KITE_DEVTYPES_H
#define KITE_DEVTYPES_H

#include "hw/core/qdev.h"

extern const DeviceType *const kite_device_types[];
extern const DeviceType machine_root_type;

#endif
