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
Prints a table: wall-clock and CPU seconds under each, the ratios Kite /
QEMU, and each emulator's peak resident memory (RSS) per case.

Usage: bench-linux.py --kite PATH --kernel BZIMAGE --vmlinux FILE
                      --initrd FILE [--qemu PATH] [--runs N] [--timeout S]
                      [--cases bz,pvh,work]
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

APPEND = "console=ttyS0 panic=-1"


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU seconds of a live process (all its threads)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return None


def run(argv, timeout):
    """Runs one emulator; returns ({event: (wall s, cpu s)},
    {step: result}, rc, peak RSS in KiB). CPU time is the emulator
    process's user + system time, read from /proc at each guest line."""
    t0 = time.monotonic()
    times, results, begins = {}, {}, {}
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    deadline = t0 + timeout
    for raw in p.stdout:
        now = (time.monotonic() - t0, cpu_seconds(p.pid))
        line = raw.decode(errors="replace").strip()
        if "KITE-E2E-OK" in line and "marker" not in times:
            times["marker"] = now
        elif line.startswith("BENCH-BEGIN "):
            begins[line.split()[1]] = now
        elif line.startswith("BENCH-END "):
            parts = line.split(None, 2)
            name = parts[1]
            if name in begins:
                b = begins[name]
                times[name] = (now[0] - b[0], None if now[1] is None or
                               b[1] is None else now[1] - b[1])
                results[name] = parts[2] if len(parts) > 2 else ""
        elif line.startswith("BENCH-SKIP"):
            print("    " + line)
        if time.monotonic() > deadline:
            p.kill()
            break
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    times["poweroff"] = (time.monotonic() - t0,
                         usage.ru_utime + usage.ru_stime)
    return times, results, p.returncode, usage.ru_maxrss


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
    ap.add_argument("--cases", default="bz,pvh,work",
                    help="which of bz, pvh, work to run (comma-separated)")
    a = ap.parse_args()

    cases = [("bz", a.kernel, APPEND + " kite.poweroff"),
             ("pvh", a.vmlinux, APPEND + " kite.poweroff"),
             ("work", a.vmlinux, APPEND + " kite.bench")]
    cases = [c for c in cases if c[0] in a.cases.split(",")]
    emus = emulators(a)
    best = {}          # (row, emu) -> least wall seconds over the runs
    best_cpu = {}      # (row, emu) -> least CPU seconds over the runs
    sums = {}          # (row, emu) -> checksum
    rss = {}           # (case, emu) -> largest peak RSS in KiB
    for case, image, append in cases:
        for r in range(a.runs):
            for emu, base in emus:
                argv = base + ["-m", "512", "-kernel", image, "-initrd",
                               a.initrd, "-append", append, "-nographic",
                               "-no-reboot"]
                times, results, rc, maxrss = run(argv, a.timeout)
                print("  %s run %d under %s: %s, peak RSS %d MiB" % (
                      case, r + 1, emu, " ".join(
                          "%s=%.2f" % (ev, w) for ev, (w, _) in
                          times.items()), maxrss // 1024))
                sys.stdout.flush()
                rss[(case, emu)] = max(rss.get((case, emu), 0), maxrss)
                for ev, (secs, cpu) in times.items():
                    if case == "work" and ev in ("marker", "poweroff"):
                        continue
                    row = ev if case == "work" else "boot %s to %s" % (
                        case, ev)
                    key = (row, emu)
                    best[key] = min(best.get(key, secs), secs)
                    if cpu is not None:
                        best_cpu[key] = min(best_cpu.get(key, cpu), cpu)
                for step, res in results.items():
                    sums[(step, emu)] = res
    return print_table(a, emus, best, best_cpu, sums, rss)


def fmt(v):
    return "%.2f" % v if v else "-"


def ratio(k, q):
    return "%.2f" % (k / q) if k and q else "-"


def print_table(a, emus, best, best_cpu, sums, rss):
    rows = []
    for (row, emu) in best:
        if row not in rows:
            rows.append(row)
    names = [e for e, _ in emus]
    print()
    print("%-26s %8s %8s %6s %8s %8s %6s  %s" % (
        "", "kite s", "qemu s", "ratio", "kite cpu", "qemu cpu", "ratio",
        "checksum"))
    mismatches = 0
    for row in rows:
        k, q = best.get((row, "kite")), best.get((row, "qemu"))
        kc, qc = best_cpu.get((row, "kite")), best_cpu.get((row, "qemu"))
        ck, cq = sums.get((row, "kite")), sums.get((row, "qemu"))
        if ck is None:
            note = ""
        elif "qemu" in names and ck != cq:
            note = "DIFFERS: kite %s, qemu %s" % (ck, cq)
            mismatches += 1
        else:
            note = ck
        print("%-26s %8s %8s %6s %8s %8s %6s  %s" % (
            row, fmt(k), fmt(q), ratio(k, q), fmt(kc), fmt(qc),
            ratio(kc, qc), note))
    for case in ("bz", "pvh", "work"):
        k, q = rss.get((case, "kite")), rss.get((case, "qemu"))
        print("%-26s %8s %8s %6s" % (
            "peak RSS MiB, %s" % case, k // 1024 if k else "-",
            q // 1024 if q else "-", ratio(k, q)))
    print("(ratio: Kite / QEMU, least of %d run(s); below 1 Kite is faster "
          "or smaller. s: wall clock between the guest's lines; cpu: the "
          "emulator's user + system seconds over the same span, the "
          "steadier one on a busy host)" % a.runs)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
