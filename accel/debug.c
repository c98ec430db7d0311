/*
 * The debugger's breakpoint and watchpoint set (see debug.h).
 */
#include "accel/debug.h"

#include <string.h>

static int debug_points_find(const DebugPoints *dp, DebugPointType type,
                             uint64_t addr, uint64_t len)
{
    for (int i = 0; i < dp->n; i++) {
        const DebugPoint *p = &dp->p[i];
        if (p->type == type && p->addr == addr && p->len == len) {
            return i;
        }
    }
    return -1;
}

int debug_points_insert(DebugPoints *dp, DebugPointType type, uint64_t addr,
                        uint64_t len)
{
    if (type > DEBUG_WP_ACCESS) {
        return -1;
    }
    if (!debug_point_is_watch(type)) {
        len = 1;
    }
    if (len == 0 || addr + len - 1 < addr) {
        return -1;
    }
    if (debug_points_find(dp, type, addr, len) >= 0) {
        return 0;
    }
    if (dp->n == DEBUG_POINTS_MAX) {
        return -1;
    }
    dp->p[dp->n++] = (DebugPoint){ type, addr, len };
    return 0;
}

int debug_points_remove(DebugPoints *dp, DebugPointType type, uint64_t addr,
                        uint64_t len)
{
    int i;

    if (!debug_point_is_watch(type)) {
        len = 1;
    }
    i = debug_points_find(dp, type, addr, len);
    if (i < 0) {
        return -1;
    }
    dp->p[i] = dp->p[--dp->n];
    return 0;
}

bool debug_point_overlaps(const DebugPoint *p, uint64_t addr, uint64_t len)
{
    return addr <= p->addr + p->len - 1 && p->addr <= addr + len - 1;
}
