#!/usr/bin/env python3
"""linux_qmp.py - QMP against a Linux guest, with a client made of
Python's socket and json modules only (as any script would be).

Boots the cached Debian kernel with the busybox initramfs through SeaBIOS
(firmware-boot=on, so the VGA shows a picture; its shell stays
up), a virtio-blk disk and -name, then runs the queries (every one that
query-commands lists is checked for a well-formed answer), stop/cont with
their STOP/RESUME events, human-monitor-command, screendump,
system_powerdown (POWERDOWN event), system_reset (RESET event, the kernel
boots again to its marker), an unknown command and a bad argument (QMP
errors, the connection stays), and quit (SHUTDOWN event, exit status 0).
Skips with a message where the kernel or initramfs is missing.

Usage: linux_qmp.py --kite PATH [--timeout SEC]
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
QUERIES = ["query-version", "query-commands", "query-status", "query-name",
           "query-cpus-fast", "query-kvm", "query-machines", "query-pci",
           "query-block", "query-migrate"]
results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(("PASS " if ok else "FAIL ") + name +
          ("" if ok or not detail else ": " + str(detail)[-300:]))
    sys.stdout.flush()


class Qmp:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        end = time.monotonic() + 30
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)
        self.f = self.sock.makefile("rw")
        self.greeting = json.loads(self.f.readline())
        self.events = []

    def cmd(self, name, **args):
        msg = {"execute": name, "id": name}
        if args:
            msg["arguments"] = args
        self.f.write(json.dumps(msg) + "\n")
        self.f.flush()
        while True:
            r = json.loads(self.f.readline())
            if "event" in r:
                self.events.append(r)
            elif r.get("id") == name:
                return r

    def wait_event(self, name, timeout):
        self.sock.settimeout(timeout)
        try:
            while not any(e["event"] == name for e in self.events):
                line = self.f.readline()
                if not line:
                    break
                self.events.append(json.loads(line))
        except (socket.timeout, OSError):
            pass
        self.sock.settimeout(None)
        for e in self.events:
            if e["event"] == name:
                self.events.remove(e)
                return e
        return None


def wait_log(path, text, count, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with open(path, errors="replace") as f:
            if f.read().count(text) >= count:
                return True
        time.sleep(0.2)
    return False


def queries(q):
    listed = {c["name"] for c in q.cmd("query-commands").get("return", [])}
    for name in QUERIES:
        if name not in listed:
            check("%s listed by query-commands" % name, False)
            continue
        r = q.cmd(name)
        check("%s answers" % name, "return" in r, r)
    r = q.cmd("query-status")["return"]
    check("running", r.get("status") == "running" and r.get("running"), r)
    check("query-name", q.cmd("query-name")["return"].get("name") == "linux-qmp")
    pci = json.dumps(q.cmd("query-pci")["return"])
    check("query-pci lists the virtio disk (1af4)", '"vendor": 6900' in pci)
    blk = json.dumps(q.cmd("query-block").get("return"))
    check("query-block lists the disk image", "disk.img" in blk, blk)


def control(q, serial, timeout):
    q.cmd("stop")
    check("STOP event", q.wait_event("STOP", 10))
    check("paused", q.cmd("query-status")["return"].get("status") == "paused")
    q.cmd("cont")
    check("RESUME event", q.wait_event("RESUME", 10))
    r = q.cmd("human-monitor-command", **{"command-line": "info registers"})
    check("human-monitor-command info registers",
          "RIP=" in r.get("return", "").upper(), r)
    dump = serial + ".ppm"
    r = q.cmd("screendump", filename=dump)
    check("screendump", "return" in r and os.path.getsize(dump) > 1000, r)
    r = q.cmd("no-such-command")
    check("unknown command is a CommandNotFound error",
          r.get("error", {}).get("class") == "CommandNotFound", r)
    r = q.cmd("screendump", filename=42)
    check("bad argument is a GenericError", "error" in r, r)
    q.cmd("system_powerdown")
    check("POWERDOWN event", q.wait_event("POWERDOWN", 10))
    q.cmd("system_reset")
    check("RESET event", q.wait_event("RESET", 10))
    check("the kernel boots again after system_reset",
          wait_log(serial, "KITE-E2E-OK", 2, timeout))


def run(a, work):
    kernel = sorted(glob.glob(os.path.join(CACHE, "linux", "boot", "vmlinuz-*")))
    initrd = os.path.join(CACHE, "initramfs.cpio.gz")
    if not kernel or not os.path.exists(initrd):
        print("SKIP linux-qmp: no cached kernel or initramfs")
        return
    serial = os.path.join(work, "serial.log")
    disk = os.path.join(work, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(8 << 20)
    sock = os.path.join(work, "qmp.sock")
    p = subprocess.Popen([a.kite, "-m", "512", "-name", "linux-qmp",
                          "-machine", "firmware-boot=on",
                          "-kernel", kernel[-1], "-initrd", initrd,
                          "-append", "console=ttyS0 panic=-1",
                          "-drive", "file=%s,format=raw,if=virtio" % disk,
                          "-display", "none", "-serial", "file:" + serial,
                          "-qmp", "unix:%s,server,wait=off" % sock],
                         stdin=subprocess.DEVNULL)
    try:
        q = Qmp(sock)
        check("greeting", "QMP" in q.greeting, q.greeting)
        r = q.cmd("query-status")
        check("commands refused before qmp_capabilities", "error" in r, r)
        q.cmd("qmp_capabilities")
        check("boot to the initramfs marker",
              wait_log(serial, "KITE-E2E-OK", 1, a.timeout))
        queries(q)
        control(q, serial, a.timeout)
        q.cmd("quit")
        ev = q.wait_event("SHUTDOWN", 10)
        check("SHUTDOWN event on quit", ev, q.events)
        check("exit status 0", p.wait(30) == 0)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kite", required=True)
    ap.add_argument("--timeout", type=float, default=240)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="kite-lqmp-")
    try:
        run(a, work)
    finally:
        subprocess.run(["rm", "-rf", work])
    passed = sum(results)
    print("linux-qmp: %d passed, %d failed" % (passed, len(results) - passed))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
