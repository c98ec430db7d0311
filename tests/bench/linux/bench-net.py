#!/usr/bin/env python3
"""bench-net.py - TCP throughput between a Linux guest and the host over
user-mode networking (-netdev user -device virtio-net-pci), under Kite's
TCG and QEMU's TCG with the same kernel, initramfs (with the virtio
modules) and command line.

Each emulator boots once; through its shell on COM1 (a pseudo-terminal)
the guest sets 10.0.2.15/24 on eth0, then:
  - guest -> host: `head -c N /dev/zero | nc 10.0.2.2 PORT` into a sink on
    the host's loopback, timed on the host from the connection to the
    N-th byte;
  - host -> guest: `nc 10.0.2.2 PORT | wc -c` from a source on the host
    that sends N bytes and closes, timed on the host from the connection
    to the guest's answer (which must be N).
Prints MB/s under each and the ratio Kite / QEMU (above 1 Kite is faster).

Usage: bench-net.py --kite PATH --kernel FILE --initrd FILE [--qemu PATH]
                    [--mbytes N] [--timeout S]
"""
import argparse
import importlib.util
import os
import re
import shutil
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "shell_linux", os.path.join(HERE, "..", "..", "e2e", "shell-linux.py"))
shell_linux = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shell_linux)
Guest, PROMPT = shell_linux.Guest, shell_linux.PROMPT

APPEND = "console=ttyS0 panic=-1 kite.modules=virtio_pci,virtio_net"


class Endpoint:
    """A one-connection TCP server on 127.0.0.1: a sink counting bytes up
    to n, or a source sending n bytes. Records the connection and end."""

    def __init__(self, n, source):
        self.n, self.source = n, source
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(1)
        self.port = self.srv.getsockname()[1]
        self.t_conn = self.t_end = None
        self.count = 0
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        conn, _ = self.srv.accept()
        self.t_conn = time.monotonic()
        if self.source:
            chunk = bytes(65536)
            left = self.n
            while left > 0:
                conn.sendall(chunk[:min(left, len(chunk))])
                left -= min(left, len(chunk))
            self.count = self.n
        else:
            while self.count < self.n:
                data = conn.recv(1 << 20)
                if not data:
                    break
                self.count += len(data)
        self.t_end = time.monotonic()
        conn.close()
        self.srv.close()


def measure(g, nbytes, timeout):
    """Returns {direction: MB/s or None}."""
    out = {}
    sink = Endpoint(nbytes, source=False)
    g.command("head -c %d /dev/zero | nc 10.0.2.2 %d" % (nbytes, sink.port),
              timeout)
    ok = sink.t_end is not None and sink.count >= nbytes
    out["guest->host"] = nbytes / 1e6 / (sink.t_end - sink.t_conn) \
        if ok else None
    src = Endpoint(nbytes, source=True)
    res = g.command("nc 10.0.2.2 %d | wc -c" % src.port, timeout)
    t = time.monotonic()
    ok = res is not None and str(nbytes) in res and src.t_conn is not None
    out["host->guest"] = nbytes / 1e6 / (t - src.t_conn) if ok else None
    return out


def run(name, argv, nbytes, timeout):
    with open(os.devnull, "wb") as log:
        g = Guest(argv, log)
        try:
            if g.read_until(re.compile(rb"KITE-E2E-OK.*\n"), timeout) is None \
                    or g.read_until(PROMPT, 60) is None:
                print("  %s: no shell" % name)
                return {}
            g.command("ip link set eth0 up; ip addr add 10.0.2.15/24 dev "
                      "eth0", 30)
            res = measure(g, nbytes, timeout)
            print("  %s: %s" % (name, " ".join(
                "%s=%s" % (k, "%.2f MB/s" % v if v else "failed")
                for k, v in res.items())))
            g.type("poweroff")
            return res
        finally:
            g.wait(30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kite", required=True)
    ap.add_argument("--qemu")
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--mbytes", type=int, default=32)
    ap.add_argument("--timeout", type=float, default=600)
    a = ap.parse_args()
    nbytes = a.mbytes * 1024 * 1024
    common = ["-m", "512", "-kernel", a.kernel, "-initrd", a.initrd,
              "-append", APPEND, "-nographic", "-no-reboot",
              "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0"]
    emus = [("kite", [a.kite, "-accel", "tcg"] + common)]
    qemu = a.qemu or shutil.which("qemu-system-x86_64")
    if qemu:
        emus.append(("qemu", [qemu, "-accel", "tcg", "-display", "none",
                              "-vga", "none"] + common))
    else:
        print("SKIP qemu: qemu-system-x86_64 not found")
    res = {name: run(name, argv, nbytes, a.timeout) for name, argv in emus}
    print()
    print("%-28s %10s %10s %8s" % ("TCP over slirp, %d MiB" % a.mbytes,
                                   "kite MB/s", "qemu MB/s", "ratio"))
    for d in ("guest->host", "host->guest"):
        k = res.get("kite", {}).get(d)
        q = res.get("qemu", {}).get(d)
        print("%-28s %10s %10s %8s" % (
            d, "%.2f" % k if k else "-", "%.2f" % q if q else "-",
            "%.2f" % (k / q) if k and q else "-"))
    print("(ratio: Kite MB/s / QEMU MB/s, one run each; above 1 Kite is "
          "faster)")
    return 0 if all(res.get("kite", {}).values()) and res.get("kite") \
        else 1


if __name__ == "__main__":
    sys.exit(main())
