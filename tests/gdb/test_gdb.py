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
(port changed), gdb breaks at start_kernel by address, continues,
watches jiffies (hardware watchpoint), reads linux_banner, single-steps,
detaches, and the guest boots on to the shell marker.

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
watch watched_var
continue
echo == after watch\\n
delete
continue
echo == interrupted\\n
set var go_on = 1
detach
echo == detached\\n
"""


def test_guest(kite, guest, tmp, accel="tcg"):
    if not guest.endswith(".elf"):
        raise SystemExit("--guest: the .elf (its .elf64 has the symbols)")
    port = free_port()
    serial = os.path.join(tmp, "serial.out")
    script = os.path.join(tmp, "guest.gdb")
    gdb_out = os.path.join(tmp, "gdb.out")
    with open(script, "w") as f:
        f.write(GUEST_SCRIPT.format(port=port))
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
        check(spinning, "guest: gdb ran the guest to its spin loop")
        time.sleep(0.5)
        gdb_p.send_signal(signal.SIGINT)
        gdb_rc = finish(gdb_p, 60)
    kite_rc = finish(kite_p, 30)
    with open(gdb_out, errors="replace") as f:
        text = f.read()
    with open(serial, errors="replace") as f:
        guest_out = f.read()
    check("== connected" in text, "guest: gdb connected")
    check(re.search(r"Breakpoint 1, .*bp_func", text) is not None,
          "guest: breakpoint at bp_func hit")
    check("== pc at bp_func" in text, "guest: PC is the breakpoint address")
    check("== stepped one instruction" in text, "guest: stepi moved the PC")
    check(re.search(r"= 0x1234\b", text) is not None,
          "guest: memory write read back")
    check("== cr0 has PG and PE" in text, "guest: CR0 read")
    check("== efer has LME and LMA" in text, "guest: EFER read")
    check("== cs and fs_base" in text, "guest: CS and fs_base read")
    check(re.search(r"Hardware watchpoint 2: watched_var\s+Old value = 0\s+"
                    r"New value = 42", text) is not None,
          "guest: hardware watchpoint triggered (old 0, new 42)")
    check("SIGINT" in text and "== interrupted" in text,
          "guest: Ctrl-C stopped the guest")
    check("== detached" in text, "guest: detached")
    check(gdb_rc == 0, "guest: gdb exited 0 (got %s)" % gdb_rc)
    check("sum 10, watched 42, magic 1234" in guest_out,
          "guest: finished after detach with gdb's register and memory "
          "writes (%s)" % guest_out.strip().splitlines()[-1:])
    check(kite_rc == 1, "guest: kite exit status 1 (got %s)" % kite_rc)
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


def string_address(data, sections, needle):
    """Virtual address of the first occurrence of needle in a section."""
    pos = data.find(needle)
    for _n, addr, off, size in sections:
        if addr and off <= pos < off + size:
            return addr + pos - off
    return None


LINUX_SCRIPT = """set pagination off
set confirm off
target remote 127.0.0.1:{port}
echo == connected\\n
hbreak *{printk:#x}
continue
if $pc == {printk:#x}
  echo == stopped in start_kernel's first printk\\n
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
    syms = exported_symbols(data, sections)
    banner = string_address(data, sections, b"Linux version ")
    if "_printk" not in syms or "jiffies" not in syms or banner is None:
        print("SKIP linux: _printk, jiffies or linux_banner not found")
        return
    port = free_port()
    serial = os.path.join(tmp, "linux.out")
    script = os.path.join(tmp, "linux.gdb")
    gdb_out = os.path.join(tmp, "linux-gdb.out")
    with open(script, "w") as f:
        f.write(LINUX_SCRIPT.format(port=port, printk=syms["_printk"],
                                    jiffies=syms["jiffies"], banner=banner))
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
    check("== stopped in start_kernel's first printk" in text,
          "linux: hardware breakpoint at _printk (called by start_kernel)")
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
        test_guest(os.path.abspath(args.kite), os.path.abspath(args.guest),
                   tmp, args.accel)
        if args.kernel and args.initrd and os.path.exists(args.kernel):
            test_linux(os.path.abspath(args.kite), args.kernel, args.initrd,
                       tmp, args.log)
        else:
            print("SKIP linux: no kernel or initramfs (scripts/fetch-linux)")
    print("%d passed, %d failed" % (passes, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
