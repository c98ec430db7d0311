#!/usr/bin/env python3
"""savevm / loadvm / delvm / info snapshots / -loadvm through QMP's
human-monitor-command, with the counter guest on a qcow2 disk (virtio).

The counter prints "count N" for N = 0..399 and checks its memory,
FPU/SSE registers and TSC at every step. savevm A is taken mid-run; after
loadvm A the count goes back to where A was and runs to the end without
a "BAD" line; -loadvm starts a second Kite from a snapshot; delvm removes
it; a writable raw disk makes savevm refuse. kite-img check and (where
installed) qemu-img check and `qemu-img snapshot -l` read the image.
An IDE qcow2 disk takes snapshots too; a raw IDE disk refuses.
Each check prints PASS/FAIL.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from miglib import VM  # noqa: E402

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


def counts(text):
    return [int(m) for m in re.findall(r"^count (\d+)", text, re.M)]


def last_count(vm):
    c = counts(vm.serial_text())
    return c[-1] if c else -1


def guest(args, disk, fmt="qcow2"):
    return (["-accel", "tcg", "-m", "64", "-kernel",
             os.path.join(args.dir, "counter.elf"),
             "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
             "-drive", "file=%s,format=%s,if=virtio" % (disk, fmt)])


def tool(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return p.returncode, p.stdout.decode("latin-1")


def test_save_load(args, tmp, disk):
    a = VM(args.kite, tmp, "sv", guest(args, disk))
    q = a.connect()
    check(a.wait_serial("count 50"), "guest reached count 50")
    r = q.hmp("savevm A")["return"]
    at = last_count(a)
    check(r.strip() == "", "savevm A: no error (%r)" % r)
    r = q.hmp("info snapshots")["return"]
    check(re.search(r"^1 +A +\d+ K ", r, re.M) is not None,
          "info snapshots lists A with its VM state: %r" % r)
    check(a.wait_serial("count %d" % (at + 100)), "guest runs on after savevm")
    r = q.hmp("loadvm A")["return"]
    check(r.strip() == "", "loadvm A: no error (%r)" % r)
    check(a.wait_serial("count 250"), "guest runs on after loadvm")
    r = q.hmp("savevm B")["return"]
    check(r.strip() == "", "savevm B after the end (%r)" % r)
    r = q.hmp("loadvm nosuch")["return"]
    check("does not exist" in r, "loadvm of an unknown name: %r" % r.strip())
    r = q.hmp("delvm A")["return"]
    check(r.strip() == "", "delvm A (%r)" % r)
    r = q.hmp("info snapshots")["return"]
    check(" A " not in r and " B " in r, "info snapshots after delvm: %r" % r)
    r = q.hmp("delvm A")["return"]
    check("not found" in r, "delvm A again: %r" % r.strip())
    check(a.wait_serial("counter: done"), "guest finishes after loadvm")
    c = counts(a.serial_text())
    drops = [i for i in range(1, len(c)) if c[i] <= c[i - 1]]
    check(len(drops) == 1, "the count went back once (%d)" % len(drops))
    if drops:
        back = c[drops[0]]
        check(back <= at + 1 and back >= 40,
              "the count went back to savevm's point (%d, saved at %d)" %
              (back, at))
        check(c[drops[0]:] == list(range(back, 400)),
              "then counted on without skip to the end")
    check("BAD" not in a.serial_text(), "the guest saw no loss: %s" %
          [l for l in a.serial_text().splitlines() if "BAD" in l][:2])
    a.kill()


def test_loadvm_option(args, tmp, disk):
    a = VM(args.kite, tmp, "mid", guest(args, disk))
    q = a.connect()
    check(a.wait_serial("count 120"), "second guest reached count 120")
    q.hmp("savevm C")
    at = last_count(a)
    a.kill()
    b = VM(args.kite, tmp, "lv", guest(args, disk) + ["-loadvm", "C"])
    b.connect()
    check(b.wait_serial("counter: done"), "-loadvm C: the guest finishes")
    c = counts(b.serial_text())
    check("counter: start" not in b.serial_text() and c and
          c[0] >= 110 and c[0] <= at + 1 and c == list(range(c[0], 400)),
          "-loadvm C: starts at the snapshot (%s, saved at %d)" %
          (c[:1], at))
    check("BAD" not in b.serial_text(), "-loadvm C: no loss")
    b.kill()
    bad = VM(args.kite, tmp, "lvbad", guest(args, disk) + ["-loadvm", "zz"])
    st = bad.wait(20)
    check(st == 1 and "-loadvm" in bad.log_text(),
          "-loadvm of an unknown snapshot: %s" % bad.log_text().strip())


def test_image(args, disk):
    rc, out = tool([args.img, "check", disk])
    check(rc == 0, "kite-img check after savevm/loadvm/delvm: %s" % out)
    rc, out = tool([args.img, "snapshot", "-l", disk])
    check(rc == 0 and " B " in out and " C " in out,
          "kite-img snapshot -l: %s" % out)
    if not shutil.which("qemu-img"):
        print("SKIP: qemu-img is not installed")
        return
    rc, out = tool(["qemu-img", "check", disk])
    check(rc == 0, "qemu-img check: %s" % out.strip())
    rc, out = tool(["qemu-img", "snapshot", "-l", disk])
    check(rc == 0 and re.search(r" C +[0-9.]+ [KMG]?i?B ", out) is not None,
          "qemu-img snapshot -l shows C with its VM state: %s" % out)


def test_raw_refused(args, tmp):
    raw = os.path.join(tmp, "raw.img")
    with open(raw, "wb") as f:
        f.truncate(1 << 20)
    a = VM(args.kite, tmp, "raw", guest(args, raw, "raw"))
    q = a.connect()
    r = q.hmp("savevm X")["return"]
    check("does not support snapshots" in r, "raw disk: savevm refused: %r" %
          r.strip())
    a.kill()


def test_ide(args, tmp):
    disk = os.path.join(tmp, "ide.qcow2")
    tool([args.img, "create", "-q", "-f", "qcow2", disk, "8M"])
    a = VM(args.kite, tmp, "ide", guest(args, disk)[:-2] +
           ["-drive", "file=%s,format=qcow2,if=ide" % disk])
    q = a.connect()
    check(a.wait_serial("count 30"), "IDE: guest reached count 30")
    r = q.hmp("savevm I")["return"]
    check(r.strip() == "", "IDE qcow2 disk: savevm I (%r)" % r)
    r = q.hmp("loadvm I")["return"]
    check(r.strip() == "", "IDE qcow2 disk: loadvm I (%r)" % r)
    a.kill()
    rc, out = tool([args.img, "snapshot", "-l", disk])
    check(rc == 0 and " I " in out, "IDE: the snapshot is in the disk: %s" %
          out)
    raw = os.path.join(tmp, "ide.raw")
    with open(raw, "wb") as f:
        f.truncate(1 << 20)
    a = VM(args.kite, tmp, "ideraw", guest(args, disk) + ["-hda", raw])
    q = a.connect()
    r = q.hmp("savevm J")["return"]
    check("does not support snapshots" in r,
          "IDE raw disk beside the qcow2 one: savevm refused: %r" % r.strip())
    a.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kite", required=True)
    ap.add_argument("--img", required=True)
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="kite-savevm-")
    disk = os.path.join(tmp, "disk.qcow2")
    rc, out = tool([args.img, "create", "-q", "-f", "qcow2", disk, "16M"])
    check(rc == 0, "kite-img create: %s" % out)
    test_save_load(args, tmp, disk)
    test_loadvm_option(args, tmp, disk)
    test_image(args, disk)
    test_raw_refused(args, tmp)
    test_ide(args, tmp)
    print("savevm tests: %d passed, %d failed" % (passes, len(failures)))
    if failures:
        print("kept " + tmp)
        sys.exit(1)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
