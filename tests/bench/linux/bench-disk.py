#!/usr/bin/env python3
"""bench-disk.py - virtio-blk throughput under Kite's TCG and QEMU's TCG,
with the same kernel, initramfs (with modules) and a 256 MiB disk, raw and
qcow2 (made by kite-img; -drive file=...,if=virtio,format=...).

In the guest, driven through its shell on a pseudo-terminal, each step is
timed on the host from the command to the prompt:
  seq-write  dd of 64 MiB of zeros to /dev/vda, bs=1M, conv=fsync
  seq-read   dd of 64 MiB from /dev/vda, bs=1M, after drop_caches
  rand-write kbench randio: 2000 x 4 KiB O_DIRECT writes, then fsync
  rand-read  kbench randio: 2000 x 4 KiB O_DIRECT reads
Prints MB/s or IOPS under each emulator and the ratio Kite / QEMU (above
1: Kite is faster), from one run.

Usage: bench-disk.py --kite PATH --kite-img PATH --kernel F --initrd F
                     [--qemu PATH] [--timeout SEC]
"""
import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
spec = importlib.util.spec_from_file_location(
    "shell_linux", os.path.join(TOP, "tests", "e2e", "shell-linux.py"))
shell = importlib.util.module_from_spec(spec)
spec.loader.exec_module(shell)

MIB = 64
N = 2000
STEPS = [
    ("seq-write", "dd if=/dev/zero of=/dev/vda bs=1M count=%d conv=fsync "
     "2>/dev/null && echo DONE" % MIB, MIB, "MB/s"),
    ("seq-read", "echo 3 > /proc/sys/vm/drop_caches; dd if=/dev/vda "
     "of=/dev/null bs=1M count=%d 2>/dev/null && echo DONE" % MIB, MIB,
     "MB/s"),
    ("rand-write", "kbench randio /dev/vda w %d && echo DONE" % N, N, "IOPS"),
    ("rand-read", "kbench randio /dev/vda r %d && echo DONE" % N, N, "IOPS"),
]


def one_run(argv, timeout, log):
    g = shell.Guest(argv, log)
    rates = {}
    if g.read_until(re.compile(rb"KITE-E2E-OK.*\n"), timeout) is None or \
       g.read_until(shell.PROMPT, 60) is None:
        g.wait(1)
        return rates
    g.command("dmesg -n 1", 30)
    for name, cmd, amount, _ in STEPS:
        t = time.monotonic()
        out = g.command(cmd, timeout)
        dt = time.monotonic() - t
        if out is not None and "DONE" in out:
            rates[name] = amount / dt
    g.type("poweroff")
    g.wait(60)
    return rates


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kite", required=True)
    ap.add_argument("--kite-img", required=True)
    ap.add_argument("--qemu")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--timeout", type=float, default=600)
    a = ap.parse_args()
    qemu = a.qemu or shutil.which("qemu-system-x86_64")
    emus = [("kite", [a.kite, "-accel", "tcg"])]
    if qemu:
        emus.append(("qemu", [qemu, "-accel", "tcg", "-display", "none",
                              "-vga", "none", "-nic", "none"]))
    else:
        print("SKIP qemu: qemu-system-x86_64 not found")
    work = tempfile.mkdtemp(prefix="kite-bench-disk-")
    res = {}
    try:
        with open(os.path.join(work, "log"), "wb") as log:
            for fmt in ("raw", "qcow2"):
                for emu, base in emus:
                    img = os.path.join(work, "disk." + fmt)
                    if os.path.exists(img):
                        os.unlink(img)
                    subprocess.run([a.kite_img, "create", "-q", "-f", fmt,
                                    img, "256M"], check=True)
                    argv = base + [
                        "-m", "512", "-kernel", a.kernel, "-initrd",
                        a.initrd, "-append", "console=ttyS0 panic=-1 "
                        "kite.modules=virtio_pci,virtio_blk", "-nographic",
                        "-no-reboot", "-drive",
                        "file=%s,if=virtio,format=%s" % (img, fmt)]
                    r = one_run(argv, a.timeout, log)
                    print("  %s under %s: %s" % (fmt, emu, " ".join(
                        "%s=%.1f" % kv for kv in r.items())))
                    sys.stdout.flush()
                    for step, rate in r.items():
                        res[(fmt, step, emu)] = rate
    finally:
        shutil.rmtree(work)
    print()
    print("%-20s %12s %12s %8s" % ("", "kite", "qemu", "ratio"))
    for fmt in ("raw", "qcow2"):
        for name, _, _, unit in STEPS:
            k, q = res.get((fmt, name, "kite")), res.get((fmt, name, "qemu"))
            print("%-20s %12s %12s %8s" % (
                "%s %s %s" % (fmt, name, unit), "%.1f" % k if k else "-",
                "%.1f" % q if q else "-",
                "%.2f" % (k / q) if k and q else "-"))
    print("(ratio: Kite / QEMU throughput, one run; above 1 Kite is faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
