#!/usr/bin/env python3
"""virtio-linux.py - end-to-end test of the virtio network, console and
entropy devices with Debian's kernel and the busybox initramfs built with
--modules (virtio_pci, virtio_net, virtio_console, virtio_rng loaded by
/init through kite.modules=).

One guest, driven through its shell on hvc0:
  - user networking (-netdev user + virtio-net-pci): DHCP from slirp
    (udhcpc), then a static 10.0.2.15/24 via 10.0.2.2; wget of a file from
    an HTTP server this test runs on the host's loopback, reached at
    10.0.2.2:PORT, checked by sha256;
  - hostfwd: the host fetches a file from busybox httpd in the guest
    through a forwarded port, checked by sha256;
  - TAP (-nic tap): the interface is moved into a network namespace the
    test creates, given 192.168.77.1/24 there, and the guest pings it and
    fetches a file from a server in that namespace (SKIP where the host
    does not allow namespaces or TAP);
  - virtio-console: with console=ttyS0 console=hvc0, /init prints its
    marker on COM1 and starts its shell on hvc0 (the last console), which
    the test drives through the virtconsole's -chardev socket;
  - virtio-rng: /dev/hwrng gives bytes, and the kernel uses virtio_rng.

Usage: virtio-linux.py --kite PATH --kernel FILE --initrd FILE
                       [--accel tcg] [--timeout SEC] [--log FILE]
Prints PASS/FAIL/SKIP lines and "N passed, N failed, N skipped".
"""
import argparse
import functools
import hashlib
import http.server
import importlib.util
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "shell_linux", os.path.join(HERE, "shell-linux.py"))
shell_linux = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shell_linux)
Guest, PROMPT = shell_linux.Guest, shell_linux.PROMPT

FILE_SIZE = 1024 * 1024
MODULES = "virtio_pci,virtio_net,virtio_console,virtio_rng"


class Results:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(("PASS " if ok else "FAIL ") + name +
              ("" if ok or not detail else ": " + detail))
        sys.stdout.flush()
        return ok

    def skip(self, name, why):
        self.skipped += 1
        print("SKIP %s: %s" % (name, why))
        sys.stdout.flush()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_http(directory, addr="127.0.0.1"):
    handler = functools.partial(QuietHandler, directory=directory)
    srv = http.server.ThreadingHTTPServer((addr, 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Netns:
    """A network namespace holding Kite's TAP interface and a server."""

    def __init__(self, tap, tmp):
        self.name = "kite-e2e-%d" % os.getpid()
        self.tap, self.tmp, self.srv = tap, tmp, None

    def run(self, *cmd):
        return subprocess.run(list(cmd), capture_output=True, text=True)

    def setup(self):
        steps = [["ip", "netns", "add", self.name],
                 ["ip", "link", "set", self.tap, "netns", self.name],
                 ["ip", "netns", "exec", self.name, "ip", "addr", "add",
                  "192.168.77.1/24", "dev", self.tap],
                 ["ip", "netns", "exec", self.name, "ip", "link", "set",
                  self.tap, "up"],
                 ["ip", "netns", "exec", self.name, "ip", "link", "set",
                  "lo", "up"]]
        for cmd in steps:
            r = self.run(*cmd)
            if r.returncode != 0:
                return "%s: %s" % (" ".join(cmd), r.stderr.strip())
        self.srv = subprocess.Popen(
            ["ip", "netns", "exec", self.name, sys.executable, "-m",
             "http.server", "--bind", "192.168.77.1", "8000",
             "--directory", self.tmp],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        return None

    def cleanup(self):
        if self.srv:
            self.srv.kill()
            self.srv.wait()
        self.run("ip", "netns", "del", self.name)


def tap_allowed():
    """Why TAP cannot be tested here, or None."""
    if os.geteuid() != 0:
        return "not root (TAP and network namespaces need CAP_NET_ADMIN)"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun"
    probe = "kite-probe-%d" % os.getpid()
    r = subprocess.run(["ip", "netns", "add", probe], capture_output=True,
                       text=True)
    if r.returncode != 0:
        return "ip netns add: " + r.stderr.strip()
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def guest_sha(g, cmd, timeout=120):
    out = g.command(cmd + " | sha256sum", timeout)
    m = re.search(r"\b([0-9a-f]{64})\b", out or "")
    return m.group(1) if m else out


def hvc_shell(path, log):
    """The shell /init starts on hvc0 (the last console= wins), reached
    through the virtconsole's -chardev socket: a Guest whose terminal is
    the socket."""
    sock = socket.socket(socket.AF_UNIX)
    for _ in range(100):
        try:
            sock.connect(path)
            break
        except OSError:
            time.sleep(0.1)
    sh = Guest.__new__(Guest)
    sh.sock, sh.master, sh.buf, sh.log = sock, sock.fileno(), b"", log
    return sh


def test_net_user(g, r, http_port, blob_sha):
    out = g.command("ip link set eth0 up && udhcpc -i eth0 -n -q -f "
                    "-s /bin/true 2>&1", 60)
    r.check("net: DHCP lease from slirp", out is not None and
            "10.0.2.15" in out, repr(out))
    g.command("ip addr add 10.0.2.15/24 dev eth0; "
              "ip route add default via 10.0.2.2", 30)
    sha = guest_sha(g, "wget -q -O - http://10.0.2.2:%d/blob" % http_port)
    r.check("net: guest wget from the host through 10.0.2.2, sha256",
            sha == blob_sha, "guest %r, host %s" % (sha, blob_sha))


def test_hostfwd(g, r, fwd_port):
    sha = guest_sha(g, "mkdir -p /www && head -c %d /dev/urandom > /www/f "
                    "&& httpd -p 8080 -h /www && cat /www/f" % FILE_SIZE)
    data = b""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/f" % fwd_port,
                                    timeout=120) as resp:
            data = resp.read()
    except OSError as e:
        data = str(e).encode()
    r.check("net: host fetches from guest httpd through hostfwd, sha256",
            hashlib.sha256(data).hexdigest() == sha and
            len(data) == FILE_SIZE, "%d bytes" % len(data))


def test_tap(g, r, tap, tmp, blob_sha):
    why = tap_allowed()
    if why:
        r.skip("net: TAP in a network namespace", why)
        return
    ns = Netns(tap, tmp)
    try:
        err = ns.setup()
        if err:
            r.skip("net: TAP in a network namespace", err)
            return
        out = g.command("ip link set eth1 up; ip addr add 192.168.77.2/24 "
                        "dev eth1; cat /sys/class/net/eth1/address", 30)
        r.check("net: TAP: -nic gave eth1 its mac=", out is not None and
                "52:54:00:12:34:99" in out, repr(out))
        out = g.command("ping -c 2 -W 5 192.168.77.1 2>&1", 60)
        r.check("net: TAP: guest pings the namespace", out is not None and
                " 0% packet loss" in out, repr(out))
        sha = guest_sha(g, "wget -q -O - http://192.168.77.1:8000/blob")
        r.check("net: TAP: guest wget from the namespace, sha256",
                sha == blob_sha, repr(sha))
    finally:
        ns.cleanup()


def test_console(g, r):
    out = g.command("cat /sys/class/tty/console/active; tty", 30)
    r.check("console: the shell runs on hvc0 (console=hvc0)",
            out is not None and "hvc0" in out and "/dev/hvc0" in out,
            repr(out))


def test_rng(g, r):
    out = g.command("cat /sys/class/misc/hw_random/rng_current; "
                    "head -c 64 /dev/hwrng | od -An -tx1 | wc -w", 60)
    r.check("rng: /dev/hwrng gives bytes from virtio_rng",
            out is not None and "virtio_rng" in out and
            re.search(r"^\s*64\s*$", out, re.M) is not None, repr(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kite", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--accel", default="tcg")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--log", default="virtio-linux.log")
    a = ap.parse_args()
    r = Results()

    tmp = "/tmp/kite-virtio-e2e-%d" % os.getpid()
    os.makedirs(tmp, exist_ok=True)
    blob = os.urandom(FILE_SIZE)
    with open(os.path.join(tmp, "blob"), "wb") as f:
        f.write(blob)
    blob_sha = hashlib.sha256(blob).hexdigest()
    srv = start_http(tmp)
    fwd_port = free_port()
    sock = os.path.join(tmp, "hvc.sock")
    tap = "ktap%d" % (os.getpid() % 100000)
    use_tap = tap_allowed() is None

    argv = [a.kite, "-accel", a.accel, "-m", "512", "-kernel", a.kernel,
            "-initrd", a.initrd, "-append",
            "console=ttyS0 console=hvc0 panic=-1 kite.modules=" + MODULES,
            "-nographic", "-no-reboot",
            "-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:8080" % fwd_port,
            "-device", "virtio-net-pci,netdev=n0",
            "-device", "virtio-rng-pci",
            "-device", "virtio-serial-pci",
            "-chardev", "socket,id=c0,path=%s,server=on,wait=off" % sock,
            "-device", "virtconsole,chardev=c0"]
    if use_tap:
        argv += ["-nic", "tap,ifname=%s,script=no,downscript=no,"
                 "model=virtio-net-pci,mac=52:54:00:12:34:99" % tap]

    with open(a.log, "wb") as log:
        kite = Guest(argv, log)
        got = kite.read_until(re.compile(rb"KITE-E2E-OK.*\n"), a.timeout)
        ok = r.check("boot: marker on COM1", got is not None,
                     "no KITE-E2E-OK (log: %s)%s" % (a.log, "" if
                     kite.proc.poll() is None else "; Kite: " +
                     kite.proc.stderr.read().decode(errors="replace")))
        if ok:
            g = hvc_shell(sock, log)
            # prompts printed before the test connected: read past them
            g.type("echo KITE-SYNC-$((40+2))")
            ok = r.check("console: shell on hvc0 answers through the chardev",
                         g.read_until(re.compile(rb"KITE-SYNC-42\r?\n"), 60)
                         is not None and g.read_until(PROMPT, 30)
                         is not None)
        if ok:
            test_net_user(g, r, srv.server_address[1], blob_sha)
            test_hostfwd(g, r, fwd_port)
            if use_tap:
                test_tap(g, r, tap, tmp, blob_sha)
            else:
                r.skip("net: TAP in a network namespace", tap_allowed())
            test_console(g, r)
            test_rng(g, r)
            g.type("poweroff")
        rc = kite.wait(60 if ok else 1)
        if ok:
            r.check("poweroff ends Kite with status 0", rc == 0,
                    "status %s; stderr: %s" % (rc, kite.proc.stderr.read()
                                               .decode(errors="replace")
                                               [-300:]))
    srv.shutdown()
    subprocess.run(["rm", "-rf", tmp])
    print("%d passed, %d failed, %d skipped" % (r.passed, r.failed,
                                                 r.skipped))
    return 0 if r.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
