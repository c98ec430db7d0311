/*
 * The gdb remote serial protocol stub (-s, -gdb). One client at a time on
 * a tcp or unix server socket (a Chardev), served by the main loop with
 * the machine lock held; a vCPU never waits for the socket. vCPUs are gdb
 * threads (thread id = vCPU index + 1).
 *
 * While gdb has the machine it is stopped (vm_stop_locked); `c`, `s` and
 * vCont resume it. A vCPU that stops for the debugger (breakpoint,
 * watchpoint, single step: VCPU_EXIT_DEBUG) parks itself and wakes the
 * main loop through an eventfd; the main loop stops the other vCPUs and
 * sends the stop reply. Ctrl-C from gdb stops the machine likewise.
 * Breakpoints and watchpoints are the accelerator's (accel/debug.h): under
 * TCG they are checked at translation time, never by patching memory.
 */
#ifndef KITE_GDBSTUB_H
#define KITE_GDBSTUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/x86/cpu.h"
#include "system/util.h"

typedef struct Machine Machine;
typedef struct VCPU VCPU;

#define GDB_PACKET_MAX 4096     /* PacketSize we announce */

/*
 * Turns a -gdb argument (tcp::PORT, tcp:HOST:PORT, unix:PATH, with or
 * without ",server") into the socket spec of the server; NULL with err
 * set when it is not one of those. The result is malloc'ed.
 */
char *gdbstub_socket_spec(const char *arg, Error *err);
/* Opens the server (before the machine runs); 0 or -1 with err set. */
int gdbstub_open(Machine *m, const char *arg, Error *err);
/* Watches the socket and the vCPU stop notifications in the main loop. */
void gdbstub_attach(Machine *m);
void gdbstub_close(Machine *m);
/* A vCPU thread got VCPU_EXIT_DEBUG (machine lock NOT held). */
void gdbstub_vcpu_stopped(VCPU *cpu);

/* ---- the protocol's pieces (gdbstub.c), for tests ---- */

/* Appends "$data#cs" for len bytes of data (escaping #$}*); the length. */
size_t gdb_frame(char *out, size_t size, const char *data, size_t len);
/* Hex helpers: returns bytes decoded, or -1 on a bad digit. */
int gdb_hex_decode(uint8_t *out, size_t max, const char *hex, size_t len);
void gdb_hex_encode(char *out, const uint8_t *in, size_t len);

/* ---- registers (gdbstub-regs.c) ---- */

/* Number of registers and bytes of a `g` reply in 64-bit or 32-bit form. */
int gdb_reg_count(bool is64);
int gdb_regs_size(bool is64);
/* One register in target order; its size in bytes, or -1 if no such. */
int gdb_reg_read(const X86CPUState *st, bool is64, int n, uint8_t *buf);
int gdb_reg_write(X86CPUState *st, bool is64, int n, const uint8_t *buf);
/* The target description; returns its length (may exceed size). */
size_t gdb_target_xml(char *buf, size_t size, bool is64);

#endif
