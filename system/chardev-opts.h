/*
 * -chardev BACKEND,id=ID[,...]: QEMU's named character backends, for
 * devices that take chardev=ID (virtconsole, virtserialport). Each is
 * translated to the -serial style spec system/chardev.h opens:
 *
 *   stdio,id=ID                       "stdio"
 *   null,id=ID                        "null"
 *   file,id=ID,path=P                 "file:P"
 *   pty,id=ID                         "pty"
 *   socket,id=ID,host=H,port=N[,server=on][,wait=off]   "tcp:H:N,..."
 *   socket,id=ID,path=P[,server=on][,wait=off]          "unix:P,..."
 *
 * Checked when the command line is read; opened by the device that
 * names it, when it is realized.
 */
#ifndef KITE_CHARDEV_OPTS_H
#define KITE_CHARDEV_OPTS_H

#include "system/util.h"

typedef struct MachineConfig MachineConfig;

/* Parses arg into the id and the spec (both allocated); -1 with err. */
int chardev_parse_option(const char *arg, char **id, char **spec,
                         Error *err);
/* main.c's -chardev: checks the argument and adds it to the config. */
int chardev_add_option(MachineConfig *cfg, const char *arg, Error *err);
/* The spec of the -chardev named id (allocated); NULL with err set. */
char *chardev_find_spec(const MachineConfig *cfg, const char *id,
                        Error *err);

#endif
