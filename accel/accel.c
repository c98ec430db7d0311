/* The table of accelerators built into Kite. */
#include "accel/accel.h"

#include <string.h>

static const AccelOps *const accels[] = {
    &accel_kvm_ops,
    &accel_tcg_ops,
};

const AccelOps *accel_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(accels); i++) {
        if (!strcmp(accels[i]->name, name)) {
            return accels[i];
        }
    }
    return NULL;
}
