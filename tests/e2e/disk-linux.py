#!/usr/bin/env python3
"""disk-linux.py - end-to-end test of virtio-blk disks with Debian's kernel.

On the host, a folder of files (sizes from 0 bytes to a few MiB, nested
folders, a SHA256SUMS list) becomes an ext4 image with `mke2fs -t ext4 -d`.
Two boots of the busybox initramfs (loading virtio_pci, virtio_blk, ext4):

1. /dev/vda: the raw image; /dev/vdb: a qcow2 image (kite-img create -b)
   over a copy of it. In the guest, for each disk: mount, `sha256sum -c`
   of every file, write new files, sync, unmount; then poweroff. On the
   host: each new file read back with `debugfs -R "cat ..."` matches what
   the guest wrote, `e2fsck -fn` is clean (the qcow2 image through
   kite-img convert), the qcow2 backing file is unchanged, kite-img check
   (and qemu-img check where installed) finds no error or leak.
2. The same qcow2-over-raw pair under -snapshot: the guest writes and
   reads its files back, and afterwards both images are unchanged (hash).

Usage: disk-linux.py --kite PATH --kite-img PATH --kernel F --initrd F
                     [--timeout SEC] [--log FILE]
Prints PASS/FAIL/SKIP lines and "N passed, N failed".
"""
import argparse
import hashlib
import importlib.util
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "shell_linux", os.path.join(HERE, "shell-linux.py"))
shell = importlib.util.module_from_spec(spec)
spec.loader.exec_module(shell)

MODULES = "virtio_pci,virtio_blk,ext4,crc32c_generic"
# what the guest writes: name -> the shell command that makes it
NEW_FILES = {
    "out/seq.txt": "seq 1 60000 > {m}/out/seq.txt",
    "out/yes.txt": "yes kite-disk | head -c 700000 > {m}/out/yes.txt",
}
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("PASS " if ok else "FAIL ") + name +
          ("" if ok or not detail else ": " + detail))
    sys.stdout.flush()
    return ok


def expected_new(name):
    if name == "out/seq.txt":
        return "".join("%d\n" % i for i in range(1, 60001)).encode()
    return (b"kite-disk\n" * 70000)[:700000]


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def make_tree(root, label):
    rnd = random.Random(label)
    files = {"LABEL": label.encode(), "empty": b"", "one": b"x"}
    for i, size in enumerate([511, 4095, 4096, 65537, 300000, 1 << 20]):
        files["d%d/sub/f%d.bin" % (i % 3, i)] = rnd.randbytes(size)
    sums = []
    for name, data in files.items():
        p = os.path.join(root, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        sums.append("%s  %s\n" % (hashlib.sha256(data).hexdigest(), name))
    os.makedirs(os.path.join(root, "out"))
    with open(os.path.join(root, "SHA256SUMS"), "w") as f:
        f.writelines(sums)


def mkfs(work, label):
    tree = os.path.join(work, "tree-" + label)
    os.makedirs(tree)
    make_tree(tree, label)
    img = os.path.join(work, label + ".raw")
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", "-L", label, "-d",
                    tree, img, "48M"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return img


def boot(a, drives, extra, log):
    argv = [a.kite, "-accel", "tcg", "-m", "512", "-kernel", a.kernel,
            "-initrd", a.initrd, "-append",
            "console=ttyS0 panic=-1 kite.modules=" + MODULES,
            "-nographic", "-no-reboot"] + extra
    for d in drives:
        argv += ["-drive", d]
    return shell.Guest(argv, log)


def guest_disk(g, dev, label, timeout):
    """Mounts dev, checks the sums and the label, writes the new files."""
    m = "/mnt/" + label
    out = g.command("mkdir -p %s && mount -t ext4 %s %s && echo L=$(cat "
                    "%s/LABEL)" % (m, dev, m, m), timeout)
    if not check("%s: %s mounted" % (label, dev),
                 out is not None and ("L=" + label) in out, repr(out)):
        return False
    out = g.command("cd %s && sha256sum -c SHA256SUMS && echo SUMS-OK; cd /"
                    % m, timeout)
    check("%s: sha256 of every file in the guest" % label,
          out is not None and "SUMS-OK" in out, repr(out)[-300:])
    for name, cmd in NEW_FILES.items():
        g.command(cmd.format(m=m), timeout)
    out = g.command("sync && sha256sum %s/out/* && umount %s && echo UMOUNT-OK"
                    % (m, m), timeout)
    want = [hashlib.sha256(expected_new(n)).hexdigest() for n in NEW_FILES]
    return check("%s: new files written and read back" % label,
                 out is not None and "UMOUNT-OK" in out and
                 all(w in out for w in want), repr(out)[-300:])


def run_guest(a, drives, extra, disks, log):
    g = boot(a, drives, extra, log)
    ok = g.read_until(re.compile(rb"KITE-E2E-OK.*\n"), a.timeout) is not None
    ok = check("boot to the shell", ok and
               g.read_until(shell.PROMPT, 60) is not None, "no prompt")
    if ok:
        g.command("dmesg -n 1", 30)      # kernel messages off the console
    for dev, label in disks if ok else []:
        guest_disk(g, dev, label, a.timeout)
    if ok:
        g.type("poweroff")
    rc = g.wait(60 if ok else 1)
    check("poweroff ends Kite with status 0", rc == 0, "status %s: %s" %
          (rc, g.proc.stderr.read().decode(errors="replace")[-300:]))


def host_readback(raw, label):
    for name in NEW_FILES:
        p = subprocess.run(["debugfs", "-R", "cat /" + name, raw],
                           capture_output=True)
        check("%s: debugfs reads %s back" % (label, name),
              p.stdout == expected_new(name), "%d bytes" % len(p.stdout))
    p = subprocess.run(["e2fsck", "-fn", raw], capture_output=True)
    check("%s: e2fsck -fn clean" % label, p.returncode == 0,
          p.stdout.decode(errors="replace")[-300:])


def image_checks(a, qcow, label):
    p = subprocess.run([a.kite_img, "check", qcow], capture_output=True)
    check("%s: kite-img check clean" % label, p.returncode == 0,
          p.stdout.decode()[-300:])
    if shutil.which("qemu-img"):
        p = subprocess.run(["qemu-img", "check", qcow], capture_output=True)
        check("%s: qemu-img check clean" % label, p.returncode == 0,
              p.stdout.decode()[-300:])
    else:
        print("SKIP %s: qemu-img check: qemu-img is not installed" % label)


def overlay(a, work, base, name):
    q = os.path.join(work, name + ".qcow2")
    subprocess.run([a.kite_img, "create", "-q", "-f", "qcow2", "-b",
                    os.path.basename(base), "-F", "raw", q], check=True)
    return q


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kite", required=True)
    ap.add_argument("--kite-img", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--log", default="disk-linux.log")
    a = ap.parse_args()
    for tool in ("mke2fs", "debugfs", "e2fsck"):
        if not shutil.which(tool, path=os.environ["PATH"] + ":/sbin:/usr/sbin"):
            print("SKIP disks: %s not found (e2fsprogs)" % tool)
            print("0 passed, 0 failed, 1 skipped")
            return 0
    os.environ["PATH"] += ":/sbin:/usr/sbin"
    work = tempfile.mkdtemp(prefix="kite-disk-")
    try:
        with open(a.log, "wb") as log:
            run_all(a, work, log)
    finally:
        shutil.rmtree(work)
    passed = sum(results)
    print("%d passed, %d failed" % (passed, len(results) - passed))
    return 0 if all(results) else 1


def run_all(a, work, log):
    raw = mkfs(work, "rawdisk")
    base = mkfs(work, "qcowdisk")
    base_sum = sha(base)
    q = overlay(a, work, base, "qcowdisk")
    run_guest(a, ["file=%s,format=raw,if=virtio" % raw,
                  "file=%s,if=virtio" % q], [],
              [("/dev/vda", "rawdisk"), ("/dev/vdb", "qcowdisk")], log)
    host_readback(raw, "raw")
    qraw = os.path.join(work, "q-out.raw")
    subprocess.run([a.kite_img, "convert", "-f", "qcow2", q, qraw],
                   check=True)
    host_readback(qraw, "qcow2")
    check("qcow2: backing file unchanged", sha(base) == base_sum)
    image_checks(a, q, "qcow2")
    # -snapshot: the guest's writes go nowhere
    snap_base = mkfs(work, "snapdisk")
    sq = overlay(a, work, snap_base, "snapdisk")
    before = (sha(snap_base), sha(sq))
    run_guest(a, ["file=%s,format=qcow2,if=virtio" % sq], ["-snapshot"],
              [("/dev/vda", "snapdisk")], log)
    check("-snapshot: backing file and overlay unchanged",
          (sha(snap_base), sha(sq)) == before)


if __name__ == "__main__":
    sys.exit(main())
