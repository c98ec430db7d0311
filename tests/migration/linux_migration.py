#!/usr/bin/env python3
"""Live migration of a Linux guest that writes to its disk.

Debian's kernel boots with a busybox initramfs that loads virtio_pci,
virtio_blk and ext4 (scripts/make-initramfs --modules) and mounts an ext4
image (made with mke2fs -d) from /dev/vda. A shell loop appends 1, 2, 3...
to /mnt/counter and prints "CNT i uptime" on the console. Mid-run the
guest is migrated live over loopback TCP into a second Kite, later saved
to a file and restored in a third, where it finishes, unmounts and powers
off. Checked: the console counter never skips or repeats across the three
processes, the file on the disk holds exactly 1..N, e2fsck -fn is clean,
and the guest's clock did not jump (across the live migration the guest's
uptime advanced like the host's time, less the downtime; across the file
the clock was stopped, as QEMU's is).
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from miglib import VM, free_port  # noqa: E402

N = 400
LOOP = ("mkdir -p /mnt && mount -t ext4 /dev/vda /mnt && i=0 && "
        "while [ $i -lt %d ]; do i=$((i+1)); echo $i >> /mnt/counter; "
        "echo \"CNT $i $(cut -d' ' -f1 /proc/uptime)\"; usleep 20000; done; "
        "sync; umount /mnt && echo FINISHED; poweroff -f\n" % N)
failures = []
passes = 0


def check(cond, what):
    global passes
    if cond:
        passes += 1
        print("PASS: " + what, flush=True)
    else:
        failures.append(what)
        print("FAIL: " + what, flush=True)


class Console:
    """COM1 as a unix socket server (Kite waits for this client)."""

    def __init__(self, path, timeout=60):
        end = time.time() + timeout
        while True:
            self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.time() > end:
                    raise
                time.sleep(0.05)
        self.s.settimeout(0.2)
        self.data = b""
        self.lines = []          # (host time, line) of complete CNT lines

    def pump(self):
        try:
            chunk = self.s.recv(65536)
        except socket.timeout:
            return True
        except OSError:
            return False
        if not chunk:
            return False
        now = time.time()
        self.data += chunk
        for l in chunk.decode("latin-1").splitlines():
            if l.startswith("CNT "):
                self.lines.append((now, l))
        return True

    def wait_for(self, text, timeout):
        end = time.time() + timeout
        while time.time() < end:
            if text.encode() in self.data:
                return True
            if not self.pump():
                return text.encode() in self.data
        return False

    def send(self, text):
        self.s.sendall(text.encode())


def cnt_lines(blob):
    out = []
    for l in blob.decode("latin-1").replace("\r", "").splitlines():
        m = re.match(r"^CNT (\d+) ([0-9.]+)$", l)
        if m:
            out.append((int(m.group(1)), float(m.group(2))))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kite", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="kite-linux-mig-")
    disk = os.path.join(tmp, "disk.img")
    empty = os.path.join(tmp, "empty")
    os.mkdir(empty)
    subprocess.check_call(["mke2fs", "-q", "-F", "-t", "ext4", "-d", empty,
                           disk, "64M"])
    common = ["-accel", "tcg", "-m", "256", "-kernel", args.kernel,
              "-initrd", args.initrd, "-append",
              "console=ttyS0 quiet kite.modules=virtio_pci,virtio_blk,ext4",
              "-drive", "file=%s,if=virtio,format=raw" % disk]
    kite = os.path.abspath(args.kite)

    def vm(name, extra):
        sock = os.path.join(tmp, name + ".con")
        v = VM(kite, tmp, name, common + extra,
               serial="unix:%s,server" % sock)
        return v, Console(sock)

    a, ca = vm("src", [])
    qa = a.connect()
    check(ca.wait_for("KITE-E2E-OK", 180), "Linux booted")
    time.sleep(1)
    ca.send(LOOP)
    check(ca.wait_for("CNT 60 ", 120), "the loop runs on the source")
    port = free_port()
    b, cb = vm("dst", ["-incoming", "tcp:127.0.0.1:%d" % port])
    qb = b.connect()
    r = qa.cmd("migrate", {"uri": "tcp:127.0.0.1:%d" % port})
    check("return" in r, "live migrate accepted (%s)" % r)
    while True:
        info = qa.cmd("query-migrate")["return"]
        ca.pump()
        if info.get("status") in ("completed", "failed", "cancelled"):
            break
    check(info.get("status") == "completed", "live migration completed: "
          "total %s ms, downtime %s ms, %s bytes" % (
              info.get("total-time"), info.get("downtime"),
              info.get("ram", {}).get("transferred")))
    live_downtime = info.get("downtime", 0) / 1000.0
    check(cb.wait_for("CNT %d " % 150, 120), "the loop goes on in the "
          "second Kite")
    qa.cmd("quit")
    a.wait(10)
    r = qb.cmd("migrate", {"uri": "exec:cat > " + os.path.join(tmp, "snap")})
    info = qb.wait_migration(60)
    check(info.get("status") == "completed", "saved to a file (%s)" %
          info.get("status"))
    while cb.pump():
        if not qb.cmd("query-status")["return"]["running"]:
            break
    qb.cmd("quit")
    b.wait(10)
    for _ in range(20):
        if not cb.pump():
            break
    c, cc = vm("third", ["-incoming", "exec:cat " +
                         os.path.join(tmp, "snap")])
    c.connect()
    check(cc.wait_for("FINISHED", 180), "the third Kite finished the loop")
    status = c.wait(60)
    check(status == 0, "the guest powered off (status %s)" % status)
    for x in (a, b, c):
        x.kill()

    whole = ca.data + cb.data + cc.data
    lines = cnt_lines(whole)
    nums = [n for n, _ in lines]
    check(nums == list(range(1, N + 1)), "console counter 1..%d without skip "
          "or repeat across three processes (%d lines, first bad at %s)" %
          (N, len(nums), next((i for i, n in enumerate(nums)
                                if n != i + 1), None)))
    ups = [u for _, u in lines]
    jumps = [(i, ups[i] - ups[i - 1]) for i in range(1, len(ups))
             if not 0 <= ups[i] - ups[i - 1] < 2.0]
    check(not jumps, "guest uptime never went back or jumped (%s)" %
          jumps[:3])
    # across the live migration: guest time vs host time
    if ca.lines and cb.lines:
        (ha, la), (hb, lb) = ca.lines[-1], cb.lines[0]
        ga, gb = float(la.split()[2]), float(lb.split()[2])
        drift = (hb - ha) - (gb - ga)
        check(abs(drift) < 1.0 + live_downtime,
              "across the live migration the guest clock followed the host "
              "(guest +%.2f s, host +%.2f s, downtime %.3f s)" %
              (gb - ga, hb - ha, live_downtime))
    r = subprocess.run(["e2fsck", "-fn", disk], capture_output=True,
                       text=True)
    check(r.returncode == 0, "e2fsck -fn is clean (%s)" %
          r.stdout.strip().splitlines()[-1:])
    r = subprocess.run(["debugfs", "-R", "cat /counter", disk],
                       capture_output=True, text=True)
    vals = [int(x) for x in r.stdout.split()]
    check(vals == list(range(1, N + 1)), "the disk's counter file holds "
          "1..%d (%d values)" % (N, len(vals)))
    print("linux migration: %d passed, %d failed" % (passes, len(failures)))
    if failures:
        print("kept " + tmp)
        sys.exit(1)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
