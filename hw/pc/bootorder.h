/*
 * -boot options and the firmware's boot list (see bootorder.c).
 */
#ifndef KITE_BOOTORDER_H
#define KITE_BOOTORDER_H

#include "hw/pc/pc.h"

typedef struct BootOptions {
    char order[5], once[5];      /* letters a, c, d, n; once: "" if none */
    bool menu, strict;
    int reboot_timeout;          /* ms, -1: never */
    int splash_time;             /* ms, -1: not given */
} BootOptions;

/* Parses a -boot argument (NULL: the defaults); -1 with err set. */
int boot_options_parse(const char *arg, BootOptions *o, Error *err);

#endif
