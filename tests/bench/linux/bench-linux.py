#!/usr/bin/env python3
"""bench-linux.py - time Debian's kernel and workloads in it under Kite's
TCG and QEMU's TCG, with the same kernel, initramfs and command line.

Runs, alternating Kite and QEMU for each case:
  - boot to the initramfs marker and to power-off, bzImage and PVH
    (command line "console=ttyS0 panic=-1 kite.poweroff");
  - the guest workloads of tests/bench/linux/bench.sh (kite.bench): sha256
    of 64 MiB, gzip -6 of 32 MiB, bzip2 -9 of 8 MiB, the kbench kernels
    (sieve, qsort, bytecode interpreter, CRC-32) and 1000 fork+exec.
Every step is timed on the host between the lines the guest prints before
and after it; every workload result is a checksum, and a checksum that
differs between the emulators is reported.
Prints a table: seconds under each, and the ratio Kite / QEMU.

Usage: bench-linux.py --kite PATH --kernel BZIMAGE --vmlinux FILE
                      --initrd FILE [--qemu PATH] [--runs N] [--timeout S]
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

APPEND = "console=ttyS0 panic=-1"


def run(argv, timeout):
    """Runs one emulator; returns ({event: seconds}, {step: result}, rc)."""
    t0 = time.monotonic()
    times, results, begins = {}, {}, {}
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    deadline = t0 + timeout
    for raw in p.stdout:
        now = time.monotonic() - t0
        line = raw.decode(errors="replace").strip()
        if "KITE-E2E-OK" in line and "marker" not in times:
            times["marker"] = now
        elif line.startswith("BENCH-BEGIN "):
            begins[line.split()[1]] = now
        elif line.startswith("BENCH-END "):
            parts = line.split(None, 2)
            name = parts[1]
            if name in begins:
                times[name] = now - begins[name]
                results[name] = parts[2] if len(parts) > 2 else ""
        elif line.startswith("BENCH-SKIP"):
            print("    " + line)
        if time.monotonic() > deadline:
            p.kill()
            break
    rc = p.wait()
    times["poweroff"] = time.monotonic() - t0
    return times, results, rc


def emulators(a):
    emus = [("kite", [a.kite, "-accel", "tcg"])]
    qemu = a.qemu or shutil.which("qemu-system-x86_64")
    if qemu:
        emus.append(("qemu", [qemu, "-accel", "tcg", "-display", "none",
                              "-vga", "none", "-nic", "none"]))
    else:
        print("SKIP qemu: qemu-system-x86_64 not found (Debian package "
              "qemu-system-x86; scripts/install-deps --with-qemu)")
    return emus


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kite", required=True)
    ap.add_argument("--qemu")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--vmlinux", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=1200)
    a = ap.parse_args()

    cases = [("bz", a.kernel, APPEND + " kite.poweroff"),
             ("pvh", a.vmlinux, APPEND + " kite.poweroff"),
             ("work", a.vmlinux, APPEND + " kite.bench")]
    emus = emulators(a)
    best = {}          # (row, emu) -> least seconds over the runs
    sums = {}          # (row, emu) -> checksum
    for case, image, append in cases:
        for r in range(a.runs):
            for emu, base in emus:
                argv = base + ["-m", "512", "-kernel", image, "-initrd",
                               a.initrd, "-append", append, "-nographic",
                               "-no-reboot"]
                times, results, rc = run(argv, a.timeout)
                print("  %s run %d under %s: %s" % (case, r + 1, emu,
                      " ".join("%s=%.2f" % kv for kv in times.items())))
                sys.stdout.flush()
                for ev, secs in times.items():
                    if case == "work" and ev in ("marker", "poweroff"):
                        continue
                    row = ev if case == "work" else "boot %s to %s" % (
                        case, ev)
                    key = (row, emu)
                    best[key] = min(best.get(key, secs), secs)
                for step, res in results.items():
                    sums[(step, emu)] = res
    rows = []
    for (row, emu) in best:
        if row not in rows:
            rows.append(row)
    names = [e for e, _ in emus]
    print()
    print("%-28s %10s %10s %8s  %s" % ("", "kite s", "qemu s", "ratio",
                                      "checksum"))
    mismatches = 0
    for row in rows:
        k = best.get((row, "kite"))
        q = best.get((row, "qemu"))
        ratio = "%.2f" % (k / q) if k and q else "-"
        ck, cq = sums.get((row, "kite")), sums.get((row, "qemu"))
        if ck is None:
            note = ""
        elif "qemu" in names and ck != cq:
            note = "DIFFERS: kite %s, qemu %s" % (ck, cq)
            mismatches += 1
        else:
            note = ck
        print("%-28s %10s %10s %8s  %s" % (
            row, "%.2f" % k if k else "-", "%.2f" % q if q else "-", ratio,
            note))
    print("(ratio: Kite time / QEMU time, least of %d run(s); "
          "below 1 Kite is faster)" % a.runs)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
