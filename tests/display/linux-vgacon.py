#!/usr/bin/env python3
"""linux-vgacon.py - Linux's VGA text console (vgacon) on the standard VGA.

Boots the cached Debian kernel with the busybox initramfs through SeaBIOS
and Kite's linuxboot option ROM (-machine firmware-boot=on: the VGA BIOS
sets text mode 3 and the kernel's setup code reads it, as under QEMU),
with console=tty0 beside console=ttyS0. Checks that:
  - the kernel took the VGA text console ("Console: colour VGA+ 80x25");
  - the kernel's messages are in the VGA text memory (read through QMP's
    human-monitor-command "xp" from 0xB8000: characters at even bytes),
    the last ones it printed before init included;
  - a screendump of the text screen is 720x400 and not blank.
A second boot asks for VESA mode 0x317 with vga= (the loader's vid_mode,
set by the setup code through the VGA BIOS's VBE): vesafb takes the
1024x768x16 framebuffer, fbcon moves to it, and the screendump is
1024x768.
Skips with a message where the kernel, the initramfs or SeaBIOS is
missing.

Usage: linux-vgacon.py --kite PATH [--timeout SEC]
Prints PASS/FAIL/SKIP lines and "N passed, N failed".
"""
import argparse
import glob
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CACHE = os.path.join(TOP, "tests", "e2e", "cache")
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("PASS " if ok else "FAIL ") + name +
          ("" if ok or not detail else ": " + detail))
    sys.stdout.flush()


class Qmp:
    def __init__(self, path, timeout):
        end = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)
        self.f = self.sock.makefile("rw")
        self.f.readline()                       # the greeting
        self.cmd("qmp_capabilities")

    def cmd(self, name, **args):
        self.f.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        self.f.flush()
        while True:
            r = json.loads(self.f.readline())
            if "return" in r or "error" in r:
                return r


def text_memory(q):
    """The characters of the 32 KiB text window at 0xB8000."""
    data = []
    for off in range(0, 32768, 4096):       # xp dumps 4096 units at most
        r = q.cmd("human-monitor-command",
                  **{"command-line": "xp /4096bx 0x%x" % (0xb8000 + off)})
        for line in r.get("return", "").splitlines():
            if ":" in line:
                data += [int(x, 16) for x in line.split(":", 1)[1].split()]
    return "".join(chr(b) if 32 <= b < 127 else " " for b in data[0::2])


def wait_serial(path, text, timeout, proc):
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        with open(path, errors="replace") as f:
            if text in f.read():
                return True
        time.sleep(0.2)
    return False


def ppm_size_and_colours(path):
    with open(path, "rb") as f:
        data = f.read()
    parts = data.split(b"\n", 3)
    w, h = (int(x) for x in parts[1].split())
    pixels = parts[3]
    return w, h, len(set(pixels[i:i + 3] for i in range(0, len(pixels), 3)))


def boot(a, work, kernel, initrd, append):
    serial = os.path.join(work, "serial.log")
    qmp_path = os.path.join(work, "qmp.sock")
    for path in (serial, qmp_path):
        if os.path.exists(path):
            os.unlink(path)
    p = subprocess.Popen([a.kite, "-m", "512", "-machine", "firmware-boot=on",
                          "-kernel", kernel, "-initrd", initrd,
                          "-append", append + " console=ttyS0 panic=-1",
                          "-display", "none", "-serial", "file:" + serial,
                          "-qmp", "unix:%s,server,wait=off" % qmp_path,
                          "-no-reboot"], stdin=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    return p, Qmp(qmp_path, 30), serial


def vesafb(a, work, kernel, initrd):
    p, q, serial = boot(a, work, kernel, initrd, "vga=0x317")
    try:
        up = wait_serial(serial, "KITE-E2E-OK", a.timeout, p)
        with open(serial, errors="replace") as f:
            log = f.read()
        check("vga=0x317: boot to the marker", up, log[-300:])
        check("vesafb takes VESA mode 0x317 (1024x768x16)",
              "vesafb: mode is 1024x768x16" in log and
              "fb0: VESA VGA frame buffer device" in log)
        dump = os.path.join(work, "vesa.ppm")
        r = q.cmd("screendump", filename=dump)
        w, h, colours = ppm_size_and_colours(dump) if "return" in r else (0, 0, 0)
        check("screendump of the framebuffer console (%dx%d, %d colours)" %
              (w, h, colours), (w, h) == (1024, 768) and colours >= 2)
        q.cmd("quit")
        p.wait(30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def run(a, work):
    kernel = sorted(glob.glob(os.path.join(CACHE, "linux", "boot", "vmlinuz-*")))
    initrd = os.path.join(CACHE, "initramfs.cpio.gz")
    if not kernel or not os.path.exists(initrd):
        print("SKIP linux-vgacon: no cached kernel or initramfs")
        return
    if not os.path.exists("/usr/share/seabios/bios-256k.bin"):
        print("SKIP linux-vgacon: no SeaBIOS (package seabios)")
        return
    dump = os.path.join(work, "screen.ppm")
    p, q, serial = boot(a, work, kernel[-1], initrd, "console=tty0")
    try:
        up = wait_serial(serial, "KITE-E2E-OK", a.timeout, p)
        with open(serial, errors="replace") as f:
            log = f.read()
        check("boot to the initramfs marker", up, log[-300:])
        check("the kernel took the VGA text console",
              "Console: colour VGA+ 80x25" in log)
        text = text_memory(q)
        check("kernel messages in the VGA text memory",
              "Linux version" in text or "Run /init as init process" in text,
              text[-400:].strip())
        check("its last message before init is on the screen",
              "Run /init as init process" in text)
        r = q.cmd("screendump", filename=dump)
        w, h, colours = ppm_size_and_colours(dump) if "return" in r else (0, 0, 0)
        check("screendump of the text screen (%dx%d, %d colours)" %
              (w, h, colours), (w, h) == (720, 400) and colours >= 2)
        q.cmd("quit")
        p.wait(30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    vesafb(a, work, kernel[-1], initrd)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kite", required=True)
    ap.add_argument("--timeout", type=float, default=240)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="kite-vgacon-")
    try:
        run(a, work)
    finally:
        subprocess.run(["rm", "-rf", work])
    passed = sum(results)
    print("linux-vgacon: %d passed, %d failed" % (passed, len(results) - passed))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
