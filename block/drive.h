/*
 * -drive: QEMU's option for a disk image, parsed and checked when the
 * command line is read, opened when the device that uses it is realized.
 *
 *   -drive file=F[,format=raw|qcow2][,if=virtio|none][,id=ID]
 *          [,readonly=on|off][,cache=writeback|none|writethrough]
 *          [,snapshot=on|off]
 *
 * Without format= the format is probed: qcow2 if the file starts with its
 * magic, raw otherwise (as QEMU does). The global -snapshot option
 * (MachineConfig.snapshot) turns snapshot=on for every drive.
 *
 * ",," in a value stands for a comma. if=virtio (the default: Kite has no
 * IDE) adds a virtio-blk-pci for the drive; if=none leaves it to
 * `-device virtio-blk-pci,drive=ID`. A drive without id= is "driveN",
 * N its position among the -drive options.
 */
#ifndef KITE_DRIVE_H
#define KITE_DRIVE_H

#include "block/block.h"
#include "hw/pc/pc.h"

typedef struct DriveSpec {
    char *id;
    char *file;
    bool if_virtio;
    BlockOptions opts;           /* opts.file points at file */
} DriveSpec;

/* Parses one -drive argument (index: its position, for the default id). */
int drive_parse(const char *arg, int index, DriveSpec *d, Error *err);
void drive_spec_free(DriveSpec *d);
/* main.c's -drive: checks the argument and adds it to the config. */
int drive_add_option(MachineConfig *cfg, const char *arg, Error *err);
/* The drive named id in the config; -1 with err set if there is none. */
int drive_find(const MachineConfig *cfg, const char *id, DriveSpec *d,
               Error *err);
/* Adds a virtio-blk-pci for every if=virtio drive (machine creation). */
int drive_create_devices(Machine *m, Error *err);

#endif
