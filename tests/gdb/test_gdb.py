#!/usr/bin/env python3
"""The gdb stub against the real gdb.

guest: tests/gdb/target.c booted with -S -gdb tcp:127.0.0.1:PORT; gdb
(batch mode, a command file) connects, breaks at bp_func, changes the
argument register, steps one instruction, writes memory, reads control
registers, sets a hardware watchpoint that triggers, continues into a
spin loop that this script interrupts (SIGINT to gdb, which sends Ctrl-C),
sets the variable that ends the loop and detaches: the guest finishes on
its own and prints what gdb changed.

linux (when tests/e2e/cache holds Debian's kernel and initramfs, and the
ELF kernel and System.map can be extracted): the kernel booted with -s -S
(another port), gdb breaks at start_kernel, continues to a hardware
breakpoint at _printk, reads linux_banner, watches jiffies (hardware
watchpoint), single-steps, detaches, and the guest boots on to the
marker. The addresses come from the kernel's kallsyms table (Debian's
vmlinux has no symbol table and its package no real System.map), checked
against __ksymtab; the kernel runs with nokaslr so they hold.

Skipped with a message where gdb is not installed.
"""
import argparse
import os
import struct
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from array import array

failures = 0
passes = 0


def check(cond, what):
    global failures, passes
    if cond:
        passes += 1
        print("PASS " + what)
    else:
        failures += 1
        print("FAIL " + what)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(path, pattern, timeout):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with open(path, errors="replace") as f:
                if re.search(pattern, f.read()):
                    return True
        except FileNotFoundError:
            pass
        time.sleep(0.1)
    return False


def finish(proc, timeout):
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


WATCH_PART = """watch watched_var
continue
echo == after watch\\n
delete
"""

GUEST_SCRIPT = """set pagination off
set confirm off
target remote 127.0.0.1:{port}
echo == connected\\n
break bp_func
continue
echo == at bp_func\\n
if $pc == (long)bp_func
  echo == pc at bp_func\\n
end
print/x $rdi
set var $rdi = 7
stepi
if $pc != (long)bp_func
  echo == stepped one instruction\\n
end
set var magic = 0x1234
print/x magic
print/x $cr0
if ($cr0 & 0x80000001) == 0x80000001
  echo == cr0 has PG and PE\\n
end
if ($efer & 0x500) == 0x500
  echo == efer has LME and LMA\\n
end
if $cs == 8 && $fs_base == 0
  echo == cs and fs_base\\n
end
delete
{watch}continue
echo == interrupted\\n
set var go_on = 1
detach
echo == detached\\n
"""


def test_guest(kite, guest, tmp, accel="tcg", watch=True):
    """watch False: no watchpoint (a host whose KVM delivers no data
    breakpoints)."""
    if not guest.endswith(".elf"):
        raise SystemExit("--guest: the .elf (its .elf64 has the symbols)")
    tag = "guest (%s): " % accel
    port = free_port()
    serial = os.path.join(tmp, "serial.out")
    script = os.path.join(tmp, "guest.gdb")
    gdb_out = os.path.join(tmp, "gdb.out")
    with open(script, "w") as f:
        f.write(GUEST_SCRIPT.format(port=port,
                                    watch=WATCH_PART if watch else ""))
    kite_p = subprocess.Popen(
        [kite, "-accel", accel, "-S", "-gdb", "tcp:127.0.0.1:%d" % port,
         "-display", "none",
         "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
         "-serial", "file:" + serial, "-kernel", guest],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.3)
    with open(gdb_out, "w") as out:
        gdb_p = subprocess.Popen(
            ["gdb", "-nx", "-batch", "-x", script, guest + "64"],
            stdout=out, stderr=subprocess.STDOUT)
        spinning = wait_for(serial, "spinning", 60)
        check(spinning, tag + "gdb ran the guest to its spin loop")
        time.sleep(0.5)
        gdb_p.send_signal(signal.SIGINT)
        gdb_rc = finish(gdb_p, 60)
    kite_rc = finish(kite_p, 30)
    with open(gdb_out, errors="replace") as f:
        text = f.read()
    with open(serial, errors="replace") as f:
        guest_out = f.read()
    check("== connected" in text, tag + "gdb connected")
    check(re.search(r"Breakpoint 1, .*bp_func", text) is not None,
          tag + "breakpoint at bp_func hit")
    check("== pc at bp_func" in text, tag + "PC is the breakpoint address")
    check("== stepped one instruction" in text, tag + "stepi moved the PC")
    check(re.search(r"= 0x1234\b", text) is not None,
          tag + "memory write read back")
    check("== cr0 has PG and PE" in text, tag + "CR0 read")
    check("== efer has LME and LMA" in text, tag + "EFER read")
    check("== cs and fs_base" in text, tag + "CS and fs_base read")
    if watch:
        check(re.search(r"Hardware watchpoint 2: watched_var\s+Old value = 0"
                        r"\s+New value = 42", text) is not None,
              tag + "hardware watchpoint triggered (old 0, new 42)")
    check("SIGINT" in text and "== interrupted" in text,
          tag + "Ctrl-C stopped the guest")
    check("== detached" in text, tag + "detached")
    check(gdb_rc == 0, tag + "gdb exited 0 (got %s)" % gdb_rc)
    check("sum 10, watched 42, magic 1234" in guest_out,
          tag + "finished after detach with gdb's register and memory "
          "writes (%s)" % guest_out.strip().splitlines()[-1:])
    check(kite_rc == 1, tag + "kite exit status 1 (got %s)" % kite_rc)
    if failures:
        print("---- gdb output\n" + text)
        print("---- kite stderr\n" + kite_p.stderr.read().decode(errors="replace"))


# ---- Linux ----

def elf_sections(data):
    """(name, vaddr, file offset, size) of each section of an ELF64 file."""
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
    raw = [struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)
           for i in range(shnum)]
    strtab = raw[shstrndx][4]
    out = []
    for name, _type, _flags, addr, off, size in raw:
        end = data.index(b"\0", strtab + name)
        out.append((data[strtab + name:end].decode(), addr, off, size))
    return out


def exported_symbols(data, sections):
    """name -> address from __ksymtab and __ksymtab_gpl (PREL32 entries:
    value offset, name offset, namespace offset, each from its field)."""
    def to_off(va):
        for _n, addr, off, size in sections:
            if addr and addr <= va < addr + size:
                return off + va - addr
        return None
    syms = {}
    for name, addr, off, size in sections:
        if name not in ("__ksymtab", "__ksymtab_gpl"):
            continue
        for e in range(0, size - 11, 12):
            vo, no = struct.unpack_from("<ii", data, off + e)
            value = addr + e + vo
            noff = to_off(addr + e + 4 + no)
            if noff is None:
                continue
            end = data.index(b"\0", noff)
            syms[data[noff:end].decode(errors="replace")] = value
    return syms


def token_table(ro):
    """(offset, token list) of kallsyms_token_table in .rodata: followed by
    kallsyms_token_index, 256 increasing u16 offsets from 0, each just past
    a NUL of the table."""
    a = array("H")
    a.frombytes(ro[:len(ro) // 2 * 2])
    for i in range(0, len(a) - 256, 4):
        if a[i] or not 0 < a[i + 1] <= 40:
            continue
        if any(not 0 < a[i + k] - a[i + k - 1] <= 60 for k in range(2, 256)):
            continue
        pos, last = 2 * i, a[i + 255]
        for back in range(last + 2, last + 80):
            t = pos - back
            end = ro.find(b"\0", t + last)
            if (0 <= pos - end - 1 < 8 and
                    all(ro[t + a[i + k] - 1] == 0 for k in range(1, 256))):
                return t, [ro[t + o:ro.index(b"\0", t + o)]
                           for o in a[i:i + 256]]
    return None, None


def names_end(ro, p, num, limit):
    for _ in range(num):
        n = ro[p]
        if n & 0x80:
            n, p = (n & 0x7f) | (ro[p + 1] << 7), p + 2
        else:
            p += 1
        p += n
        if p > limit:
            return None
    return p


def kallsyms(data, sections):
    """name -> address from the kernel's compressed symbol table. Debian's
    vmlinux has no symbol table and ships no System.map, but kallsyms is
    in .rodata, laid out by scripts/kallsyms.c: offsets, relative_base,
    num_syms, names, markers, seqs_of_names, token_table, token_index, each
    8-byte aligned. They are found by their shape."""
    ro = b""
    for n, _addr, off, size in sections:
        if n == ".rodata":
            ro = data[off:off + size]
    tt, tokens = token_table(ro)
    if tt is None:
        return {}
    for num in range(1000, 400000):
        seqs = (tt - 3 * num) & ~7
        ms = (seqs - 4 * ((num + 255) // 256)) & ~7
        if ms < 16:
            continue
        m0, m1 = struct.unpack_from("<II", ro, ms)    # markers[0], [1]
        if m0 or not 0 < m1 < 256 * 64:
            continue
        q = ro.rfind(struct.pack("<I", num), 0, ms)
        while q > 0 and q % 8:
            q = ro.rfind(struct.pack("<I", num), 0, q)
        end = names_end(ro, q + 8, num, ms) if q > 0 else None
        if end is None or (end + 7) & ~7 != ms:
            continue
        base, = struct.unpack_from("<Q", ro, q - 8)
        offs = struct.unpack_from("<%di" % num, ro, (q - 8 - 4 * num) & ~7)
        syms, p = {}, q + 8
        for k in range(num):
            n = ro[p]
            if n & 0x80:
                n, p = (n & 0x7f) | (ro[p + 1] << 7), p + 2
            else:
                p += 1
            name = b"".join(tokens[b] for b in ro[p:p + n])[1:]
            p += n
            syms[name.decode(errors="replace")] = \
                offs[k] if offs[k] >= 0 else base - 1 - offs[k]
        return syms
    return {}


LINUX_SCRIPT = """set pagination off
set confirm off
target remote 127.0.0.1:{port}
echo == connected\\n
break *{start:#x}
continue
if $pc == {start:#x}
  echo == stopped at start_kernel\\n
end
delete
hbreak *{printk:#x}
continue
if $pc == {printk:#x}
  echo == stopped at _printk\\n
end
delete
x/s {banner:#x}
watch *(long *){jiffies:#x}
continue
echo == after jiffies watch\\n
delete
set $before = $pc
stepi
if $pc != $before
  echo == stepped one instruction\\n
end
detach
echo == detached\\n
"""


def test_linux(kite, kernel, initrd, tmp, log):
    vmlinux = os.path.join(tmp, "vmlinux")
    r = subprocess.run(["scripts/extract-vmlinux", kernel, vmlinux],
                       stderr=subprocess.PIPE)
    if r.returncode:
        print("SKIP linux: cannot extract vmlinux: " + r.stderr.decode())
        return
    with open(vmlinux, "rb") as f:
        data = f.read()
    sections = elf_sections(data)
    syms = kallsyms(data, sections)
    exported = exported_symbols(data, sections)
    need = ("start_kernel", "jiffies", "linux_banner")
    if any(n not in syms for n in need):
        print("SKIP linux: no kallsyms table found in the vmlinux")
        return
    check(syms["jiffies"] == exported.get("jiffies") and
          syms["_printk"] == exported.get("_printk"),
          "linux: kallsyms agrees with __ksymtab (jiffies, _printk)")
    port = free_port()
    serial = os.path.join(tmp, "linux.out")
    script = os.path.join(tmp, "linux.gdb")
    gdb_out = os.path.join(tmp, "linux-gdb.out")
    with open(script, "w") as f:
        f.write(LINUX_SCRIPT.format(port=port, start=syms["start_kernel"],
                                    jiffies=syms["jiffies"],
                                    printk=syms["_printk"],
                                    banner=syms["linux_banner"]))
    kite_p = subprocess.Popen(
        [kite, "-S", "-gdb", "tcp:127.0.0.1:%d" % port, "-display", "none",
         "-m", "512", "-no-reboot", "-serial", "file:" + serial,
         "-kernel", kernel, "-initrd", initrd,
         "-append", "console=ttyS0 panic=-1 kite.poweroff nokaslr"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.3)
    with open(gdb_out, "w") as out:
        gdb_p = subprocess.Popen(["gdb", "-nx", "-batch", "-x", script],
                                 stdout=out, stderr=subprocess.STDOUT)
        gdb_rc = finish(gdb_p, 120)
    booted = wait_for(serial, "KITE-E2E-OK", 120)
    kite_rc = finish(kite_p, 60)
    with open(gdb_out, errors="replace") as f:
        text = f.read()
    if log:
        with open(log, "w") as f:
            f.write(text)
    check("== connected" in text, "linux: gdb connected to -S")
    check("== stopped at start_kernel" in text,
          "linux: breakpoint at start_kernel")
    check("== stopped at _printk" in text,
          "linux: hardware breakpoint at _printk")
    check(re.search(r'"Linux version 6\.', text) is not None,
          "linux: linux_banner read")
    check(re.search(r"Hardware watchpoint \d+: \*\(long \*\)", text) and
          "New value" in text, "linux: hardware watchpoint on jiffies hit")
    check("== stepped one instruction" in text, "linux: stepi")
    check("== detached" in text and gdb_rc == 0, "linux: detached")
    check(booted, "linux: the guest booted on to the marker")
    check(kite_rc == 0, "linux: kite exited 0 (got %s)" % kite_rc)
    if failures:
        print("---- gdb output\n" + text)


def kvm_usable():
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
        return True
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kite", required=True)
    ap.add_argument("--guest", required=True)
    ap.add_argument("--accel", default="tcg",
                    help="accelerator of the guest test (tcg, kvm)")
    ap.add_argument("--kernel", help="Debian's bzImage: the Linux test too")
    ap.add_argument("--initrd", help="its busybox initramfs")
    ap.add_argument("--log", help="where the Linux test's gdb output goes")
    args = ap.parse_args()
    if not shutil.which("gdb"):
        print("SKIP gdb tests: gdb is not installed (scripts/install-deps)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        kite, guest = os.path.abspath(args.kite), os.path.abspath(args.guest)
        test_guest(kite, guest, tmp, args.accel)
        if args.accel == "tcg" and kvm_usable():
            # this host's (nested) KVM delivers no data breakpoints
            test_guest(kite, guest, tmp, "kvm", watch=False)
        elif args.accel == "tcg":
            print("SKIP guest (kvm): /dev/kvm is not usable here")
        if args.kernel and args.initrd and os.path.exists(args.kernel):
            test_linux(os.path.abspath(args.kite), args.kernel, args.initrd,
                       tmp, args.log)
        else:
            print("SKIP linux: no kernel or initramfs (scripts/fetch-linux)")
    print("%d passed, %d failed" % (passes, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
