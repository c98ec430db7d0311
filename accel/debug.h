/*
 * Debug points set by a debugger (the gdb stub), accelerator-neutral:
 * software and hardware breakpoints (an instruction's linear address) and
 * write / read / access watchpoints (a linear range). The stub owns one
 * DebugPoints per machine and changes it only while every vCPU is
 * stopped; it then sets VCPU.debug_dirty on each vCPU, and the
 * accelerator re-reads the set when that vCPU next enters vcpu_run (TCG:
 * flushes its translations and soft TLB; KVM: KVM_SET_GUEST_DEBUG).
 *
 * The guest's own DR0-DR7 breakpoints are not here: they are
 * architectural state (X86CPUState.dr) that each accelerator honours.
 */
#ifndef KITE_ACCEL_DEBUG_H
#define KITE_ACCEL_DEBUG_H

#include <stdbool.h>
#include <stdint.h>

#define DEBUG_POINTS_MAX 64

/* Numbered as the gdb remote protocol's Z packets. */
typedef enum DebugPointType {
    DEBUG_BP_SW = 0,
    DEBUG_BP_HW = 1,
    DEBUG_WP_WRITE = 2,
    DEBUG_WP_READ = 3,
    DEBUG_WP_ACCESS = 4,
} DebugPointType;

typedef struct DebugPoint {
    DebugPointType type;
    uint64_t addr;              /* linear address */
    uint64_t len;               /* bytes (1 for breakpoints) */
} DebugPoint;

typedef struct DebugPoints {
    DebugPoint p[DEBUG_POINTS_MAX];
    int n;
} DebugPoints;

/* Why a vCPU left vcpu_run with VCPU_EXIT_DEBUG (VCPU.debug_stop). */
typedef enum DebugStop {
    DEBUG_STOP_NONE,
    DEBUG_STOP_STEP,            /* VCPU.singlestep: one instruction done */
    DEBUG_STOP_BREAK,           /* at a breakpoint, before its instruction */
    DEBUG_STOP_WATCH,           /* after the instruction that touched one */
} DebugStop;

/*
 * Adds a point; 0, or -1 when the set is full or the point is invalid
 * (a watchpoint of length 0 or one that wraps around the address space).
 * Inserting a point that exists already succeeds and adds nothing.
 */
int debug_points_insert(DebugPoints *dp, DebugPointType type, uint64_t addr,
                        uint64_t len);
/* Removes a point; 0, or -1 when there is no such point. */
int debug_points_remove(DebugPoints *dp, DebugPointType type, uint64_t addr,
                        uint64_t len);
static inline bool debug_point_is_watch(DebugPointType t)
{
    return t >= DEBUG_WP_WRITE;
}
/* Whether [addr, addr + len) and the point's range overlap. */
bool debug_point_overlaps(const DebugPoint *p, uint64_t addr, uint64_t len);

#endif
