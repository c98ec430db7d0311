#!/usr/bin/env python3
"""shell-linux.py - end-to-end test: drive the busybox shell of Debian's
kernel under Kite through a pseudo-terminal, as a person at a terminal
would, and check the answers.

Kite runs with -nographic on the slave side of a pty. The test waits for
the initramfs marker and the shell prompt, then types `echo`, `cat
/proc/cpuinfo`, `ls /sys/bus/pci/devices` and `sleep 2` (timed from the
host: it must take 2 s, give or take), then `poweroff`, and expects Kite to
end with exit status 0.

Usage: shell-linux.py --kite PATH --kernel FILE --initrd FILE
                      [--accel tcg] [--timeout SEC] [--log FILE]
Prints PASS/FAIL lines and "N passed, N failed".
"""
import argparse
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

# The prompt; busybox's line editor then asks where the cursor is (ESC[6n).
# Left unanswered, it goes on without knowing.
PROMPT = re.compile(rb"[#$] (\x1b\[6n)?$")


class Guest:
    def __init__(self, argv, log):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave,
                                     stderr=subprocess.PIPE, close_fds=True,
                                     start_new_session=True)
        os.close(slave)
        self.buf = b""
        self.log = log

    def read_until(self, pattern, timeout):
        """Reads until pattern (a compiled regex) matches the unread text;
        returns the text up to and including the match, or None."""
        end = time.monotonic() + timeout
        while True:
            m = pattern.search(self.buf)
            if m:
                text, self.buf = self.buf[:m.end()], self.buf[m.end():]
                return text
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.master], [], [], min(left, 0.5))
            if not r:
                continue
            try:
                data = os.read(self.master, 4096)
            except OSError:
                data = b""
            if not data:
                m = pattern.search(self.buf)
                return None if not m else self.read_until(pattern, 0)
            self.log.write(data)
            self.log.flush()
            self.buf += data

    def type(self, line):
        os.write(self.master, line.encode() + b"\r")

    def command(self, line, timeout):
        """Types line, returns its output (without the echo and prompt)."""
        self.buf = b""
        self.type(line)
        text = self.read_until(PROMPT, timeout)
        if text is None:
            return None
        lines = text.replace(b"\r", b"").split(b"\n")
        return b"\n".join(lines[1:-1]).decode(errors="replace")

    def wait(self, timeout):
        """Waits for Kite to end, still logging what it prints."""
        end = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < end:
            self.read_until(re.compile(rb"(?!)"), 0.2)
        try:
            return self.proc.wait(0.1)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kite", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--accel", default="tcg")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--log", default="shell-linux.log")
    a = ap.parse_args()

    argv = [a.kite, "-accel", a.accel, "-m", "512", "-kernel", a.kernel,
            "-initrd", a.initrd, "-append", "console=ttyS0 panic=-1",
            "-nographic", "-no-reboot"]
    results = []

    def check(name, ok, detail=""):
        results.append(ok)
        print(("PASS " if ok else "FAIL ") + name +
              ("" if ok or not detail else ": " + detail))
        sys.stdout.flush()
        return ok

    with open(a.log, "wb") as log:
        g = Guest(argv, log)
        t0 = time.monotonic()
        got = g.read_until(re.compile(rb"KITE-E2E-OK.*\n"), a.timeout)
        if check("shell: marker", got is not None,
                 "no KITE-E2E-OK within %ds (log: %s)" % (a.timeout, a.log)):
            print("    marker after %.1fs" % (time.monotonic() - t0))
            got = g.read_until(PROMPT, 60)
            check("shell: prompt", got is not None, "no prompt")
        if all(results):
            out = g.command("echo hello-$((6*7))", 30)
            check("shell: echo", out is not None and "hello-42" in out,
                  repr(out))
            out = g.command("cat /proc/cpuinfo", 30)
            check("shell: /proc/cpuinfo", out is not None and
                  "GenuineIntel" in out and "Kite Virtual CPU" in out and
                  re.search(r"flags\s*:.*\bsse2\b", out) is not None,
                  repr(out)[:300])
            out = g.command("ls /sys/bus/pci/devices", 30)
            check("shell: PCI devices", out is not None and
                  "0000:00:00.0" in out and "0000:00:01.0" in out,
                  repr(out))
            t = time.monotonic()
            out = g.command("sleep 2", 30)
            dt = time.monotonic() - t
            check("shell: sleep 2 took %.2fs on the host" % dt,
                  out is not None and 1.9 <= dt <= 3.5, repr(out))
            g.type("poweroff")
        rc = g.wait(60 if all(results) else 1)
        if all(results):
            check("shell: poweroff ends Kite with status 0", rc == 0,
                  "status %s; stderr: %s" %
                  (rc, g.proc.stderr.read().decode(errors="replace")[-300:]))
        elif rc is None:
            print("    (Kite killed)")
    passed = sum(results)
    print("%d passed, %d failed" % (passed, len(results) - passed))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
