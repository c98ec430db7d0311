#!/usr/bin/env python3
"""bench-boot.py - time from start to the initramfs marker through each
boot path, under Kite's TCG and QEMU's TCG with the same images.

Paths: direct (-kernel, Kite's own loader; QEMU runs SeaBIOS and its
linuxboot_dma.bin), linuxboot (-kernel through SeaBIOS and the option ROM:
Kite's roms/linuxboot.S with -machine firmware-boot=on), ide-disk (SeaBIOS
-> GRUB -> Linux from tests/firmware's disk image) and cdrom (the
grub-mkrescue ISO; the marker, no mount). One run each, as the ratios are
what matters; QEMU is skipped when qemu-system-x86_64 is absent.

Usage: bench-boot.py --kite KITE --media DIR --kernel K --initrd I [--out F]
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

MARKER = b"KITE-E2E-OK"
APPEND = "console=ttyS0 panic=-1 kite.poweroff"


def paths(a):
    k = ["-kernel", a.kernel, "-initrd", a.initrd, "-append", APPEND]
    disk = os.path.join(a.media, "disk-bench.img")
    iso = os.path.join(a.media, "cd.iso")
    return [
        ("direct", k, k),
        ("linuxboot", ["-machine", "firmware-boot=on"] + k, k),
        ("ide-disk", ["-drive", "file=%s,format=raw,snapshot=on" % disk],
         ["-drive", "file=%s,format=raw,snapshot=on" % disk]),
        ("cdrom", ["-cdrom", iso, "-boot", "d"], ["-cdrom", iso, "-boot",
                                                  "d"]),
    ]


def time_to_marker(argv, limit=600):
    t0 = time.time()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = b""
    while time.time() - t0 < limit:
        data = os.read(p.stdout.fileno(), 65536)
        if not data:
            break
        out += data
        if MARKER in out:
            took = time.time() - t0
            p.kill()
            p.wait()
            return took
    p.kill()
    p.wait()
    return None


def main():
    ap = argparse.ArgumentParser()
    for o in ("--kite", "--media", "--kernel", "--initrd"):
        ap.add_argument(o, required=True)
    ap.add_argument("--out")
    a = ap.parse_args()
    qemu = shutil.which("qemu-system-x86_64")
    disk = os.path.join(a.media, "disk.img")
    shutil.copyfile(disk, os.path.join(a.media, "disk-bench.img"))
    lines = ["%-10s %10s %10s %8s" % ("path", "kite s", "qemu s", "ratio")]
    for name, kargs, qargs in paths(a):
        base = ["-accel", "tcg", "-m", "256", "-nographic"]
        tk = time_to_marker([a.kite] + base + kargs)
        tq = time_to_marker([qemu] + base + qargs) if qemu else None
        ratio = "%.2f" % (tk / tq) if tk and tq else "-"
        lines.append("%-10s %10s %10s %8s" % (
            name, "%.1f" % tk if tk else "fail", "%.1f" % tq if tq else "-",
            ratio))
        print(lines[-1])
        sys.stdout.flush()
    if a.out:
        with open(a.out, "w") as f:
            f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
