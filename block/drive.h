/*
 * -drive: QEMU's option for a disk image, parsed and checked when the
 * command line is read, opened when the device that uses it is realized.
 *
 *   -drive file=F[,format=raw|qcow2][,if=ide|virtio|none][,id=ID][,index=N]
 *          [,media=disk|cdrom][,bootindex=N][,readonly=on|off]
 *          [,cache=writeback|none|writethrough][,snapshot=on|off]
 *
 * Without format= the format is probed: qcow2 if the file starts with its
 * magic, raw otherwise (as QEMU does). The global -snapshot option
 * (MachineConfig.snapshot) turns snapshot=on for every drive.
 *
 * ",," in a value stands for a comma. if=ide (the default, as QEMU's pc)
 * puts the drive on the PIIX3 IDE controller at index N (channel N / 2,
 * unit N % 2; by default the first free place), a CD-ROM with
 * media=cdrom (read-only); if=virtio adds a virtio-blk-pci for the drive;
 * if=none leaves it to `-device virtio-blk-pci,drive=ID`. bootindex
 * orders the drive in the firmware's boot list (fw_cfg "bootorder"). A
 * drive without id= is "driveN", N its position among the -drive options.
 */
#ifndef KITE_DRIVE_H
#define KITE_DRIVE_H

#include "block/block.h"
#include "hw/pc/pc.h"

typedef enum DriveIf { DRIVE_IF_IDE, DRIVE_IF_VIRTIO, DRIVE_IF_NONE } DriveIf;

typedef struct DriveSpec {
    char *id;
    char *file;
    DriveIf iface;
    int index;                   /* IDE place 0-3, -1: first free */
    bool cdrom;                  /* media=cdrom */
    int bootindex;               /* -1: none */
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
/* -hda..-hdd (index 0-3) and -cdrom (index 2): a -drive if=ide. */
int drive_add_ide(MachineConfig *cfg, const char *file, int index,
                  bool cdrom, Error *err);
/* Frees the specs drive_add_ide built (at the end of the run). */
void drive_args_free(MachineConfig *cfg);
/* Adds a virtio-blk-pci for every if=virtio drive (machine creation). */
int drive_create_devices(Machine *m, Error *err);

#endif
