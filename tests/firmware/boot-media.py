#!/usr/bin/env python3
"""boot-media.py - SeaBIOS boots Debian's kernel from a disk and a CD.

Cases (each one Kite run under the TCG, SeaBIOS's bios-256k.bin):
  ide-disk     -hda disk.img: SeaBIOS -> GRUB (int 13h over ATA PIO) ->
               Linux -> the initramfs marker KITE-E2E-OK, power-off.
  virtio-disk  -drive if=virtio: the same through SeaBIOS's virtio-blk.
  linuxboot    -machine firmware-boot=on -kernel -initrd -append: SeaBIOS
               runs roms/linuxboot.S from fw_cfg, which loads the kernel
               through fw_cfg DMA and enters its real-mode setup code ->
               the marker.
  memdisk      -kernel memdisk -initrd floppy.img (syslinux-common): a
               boot protocol 2.03 kernel, so Kite goes through SeaBIOS and
               roms/linuxboot.S by itself; memdisk hooks int 13h and boots
               the floppy, whose boot sector prints KITE-FLOPPY-OK.
  memtest      -kernel memtest86+x64.bin (memtest86+, direct boot): its
               first test runs with no errors (check-slow only).
  cdrom        the CD first by bootindex (-drive media=cdrom,bootindex=1)
               beside -hda disk.img: SeaBIOS -> El Torito -> GRUB -> Linux,
               which loads ata_piix, sd_mod, sr_mod, isofs and ext4, then
               mounts /dev/sr0 and reads kite/hello.txt, and mounts the
               disk's ext2 partition and lists /boot (ATA and ATAPI under
               Linux's driver, bus-master DMA).
A case passes when its text appears and Kite exits with status 0 (memdisk
and memtest never end: they are stopped once their text appeared), and
Kite's -d unimp,guest_errors log holds only the MSRs Linux probes.

Usage: boot-media.py --kite KITE --media DIR --kernel K --initrd I
                     [--timeout SEC] [--jobs N] [CASE...]
                     (default: every case; N at a time)
"""
import argparse
import os
import re
import select
import subprocess
import sys
import threading
import time

BIOS = "/usr/share/seabios/bios-256k.bin"
MEMDISK = "/usr/lib/syslinux/memdisk"
MEMTEST = "/boot/memtest86+x64.bin"
EXPECTED_LOG = re.compile(r"rdmsr of MSR (0x140|0x186|0xc0011029) ")
CD_CMDS = (b"for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/sr0 ] && "
           b"[ -b /dev/sda1 ] && break; sleep 1; done; mkdir -p /c /d; "
           b"mount -t iso9660 -o ro /dev/sr0 /c && cat /c/kite/hello.txt; "
           b"mount -t ext4 -o ro /dev/sda1 /d && ls /d/boot; poweroff -f\n")


def cases(media, kernel, initrd):
    disk = os.path.join(media, "disk.img")
    iso = os.path.join(media, "cd.iso")
    return {
        "memdisk": (["-kernel", MEMDISK, "-initrd",
                     os.path.join(media, "floppy.img")], None,
                    [b"KITE-FLOPPY-OK"]),
        "memtest": (["-kernel", MEMTEST, "-append", "console=ttyS0,115200"],
                    None, [b"[Address test", b"Errors: 0"]),
        "linuxboot": (["-machine", "firmware-boot=on", "-kernel", kernel,
                       "-initrd", initrd, "-append",
                       "console=ttyS0 panic=-1 kite.poweroff"], None,
                      [b"Booting from ROM", b"KITE-E2E-OK"]),
        "ide-disk": (["-hda", disk, "-boot", "order=c"], None,
                     [b"KITE-E2E-OK"]),
        "virtio-disk": (["-drive", "file=%s,if=virtio,format=raw" %
                         os.path.join(media, "disk-virtio.img")],
                        None, [b"KITE-E2E-OK"]),
        "cdrom": (["-drive", "file=%s,media=cdrom,bootindex=1" % iso,
                   "-hda", os.path.join(media, "disk-cd.img")], CD_CMDS,
                  [b"KITE-CD-FILE-OK", b"vmlinuz"]),
    }


class Run:
    def __init__(self, argv):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.out = b""

    def wait_for(self, text, deadline):
        while time.time() < deadline:
            if text in self.out:
                return True
            r, _, _ = select.select([self.p.stdout], [], [], 0.2)
            if r:
                data = os.read(self.p.stdout.fileno(), 65536)
                if not data:
                    return text in self.out
                self.out += data
        return text in self.out

    def finish(self, deadline):
        while self.p.poll() is None and time.time() < deadline:
            self.wait_for(b"\0never\0", min(deadline, time.time() + 0.5))
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
            return None
        return self.p.returncode


def last_line(out):
    lines = [l for l in out.decode("latin-1").splitlines() if l.strip()]
    return lines[-1][:100] if lines else "(no output)"


NEVER_END = ("memdisk", "memtest")


def run_case(kite, name, spec, logdir, timeout):
    extra, cmds, want = spec
    klog = os.path.join(logdir, name + ".kite.log")
    firmware = [] if name in NEVER_END else ["-bios", BIOS]
    argv = [kite, "-accel", "tcg", "-m", "256", "-nographic"] + firmware + \
        ["-d", "unimp,guest_errors", "-D", klog] + extra
    deadline = time.time() + timeout
    run = Run(argv)
    ok = run.wait_for(want[0] if name in NEVER_END else b"KITE-E2E-OK",
                      deadline)
    if ok and cmds:
        time.sleep(0.5)
        run.p.stdin.write(cmds)
        run.p.stdin.flush()
    for text in want:
        ok = ok and run.wait_for(text, deadline)
    if name in NEVER_END and run.p.poll() is None:
        run.p.terminate()
    status = run.finish(deadline + 10)
    if name in NEVER_END and status is not None and status != 0:
        status = 0                          # stopped by us, as intended
    with open(os.path.join(logdir, name + ".log"), "wb") as f:
        f.write(run.out)
    if not ok:
        return "no %s within %d s; last line: %s" % (
            b", ".join(want).decode(), timeout, last_line(run.out))
    if status != 0:
        return "exit status %s" % status
    with open(klog, errors="replace") as f:
        bad = [l for l in f if l.strip() and not EXPECTED_LOG.search(l)]
    if bad:
        return "Kite logged: %s" % bad[0].strip()
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kite", required=True)
    ap.add_argument("--media", required=True)
    ap.add_argument("--timeout", type=int, default=180)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("case", nargs="*")
    a = ap.parse_args()
    all_cases = cases(a.media, a.kernel, a.initrd)
    names = a.case or list(all_cases)
    for name, path in (("memdisk", MEMDISK), ("memtest", MEMTEST)):
        if name in names and not os.path.exists(path):
            print("SKIP boot-media %s: %s not installed" % (name, path))
            names.remove(name)
    results = {}
    slots = threading.Semaphore(max(1, a.jobs))

    def one(name):
        with slots:
            t0 = time.time()
            why = run_case(a.kite, name, all_cases[name], a.media,
                           a.timeout)
            results[name] = (why, time.time() - t0)

    threads = [threading.Thread(target=one, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failed = 0
    for name in names:
        why, took = results[name]
        if why:
            print("FAIL boot-media %s: %s" % (name, why))
            failed += 1
        else:
            print("PASS boot-media %s (%.1f s)" % (name, took))
    print("%d passed, %d failed" % (len(names) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
