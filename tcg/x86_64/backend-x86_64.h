/*
 * The native x86-64 TCG backend (tcg/backend.h): compiles the optimized op
 * list to host machine code in a code buffer mapped twice (writable view
 * and executable view, never both on one page).
 */
#ifndef KITE_TCG_X86_64_BACKEND_H
#define KITE_TCG_X86_64_BACKEND_H

#include "tcg/backend.h"

/* Defined only when building for an x86-64 host. */
#if defined(__x86_64__)
#define TCG_HAVE_BACKEND_X86_64 1
#endif

extern const TCGBackend tcg_backend_x86_64;

/* Optional host instructions the backend uses when CPUID reports them. */
enum {
    TCG_X86_64_LZCNT  = 1u << 0,
    TCG_X86_64_TZCNT  = 1u << 1,
    TCG_X86_64_POPCNT = 1u << 2,
};

/* The optional instructions in use by the context's x86-64 backend. */
unsigned tcg_x86_64_features(const TCGContext *s);
/*
 * Restricts them to mask (it can only remove what the host has): lets
 * tests cover the fallback sequences on any host.
 */
void tcg_x86_64_limit_features(TCGContext *s, unsigned mask);

#endif
