#!/usr/bin/env python3
"""Monitor tests with real clients.

A QMP client built on Python's socket and json modules only drives a
running spin guest through every QMP command and checks replies, events
and errors; the human monitor is driven through a unix socket and through
-serial mon:stdio on a pseudo-terminal (Ctrl-A c); socat sends a raw line
when it is installed. Each case prints PASS or FAIL; the exit status is 1
if any failed.
"""
import argparse
import json
import os
import pty
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TIMEOUT = 10.0
failures = []
passes = 0


def check(cond, what):
    global passes
    if cond:
        passes += 1
    else:
        failures.append(what)
        print("FAIL: " + what, flush=True)


class Kite:
    """A kite process with the spin guest and its serial output in a file."""

    def __init__(self, kite, guest, tmp, extra, name="spin"):
        self.serial = os.path.join(tmp, name + ".serial")
        self.log = open(os.path.join(tmp, name + ".log"), "wb")
        args = [kite, "-display", "none", "-kernel", guest,
                "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-serial", "file:" + self.serial]
        self.proc = subprocess.Popen(args + extra, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log)

    def serial_text(self):
        try:
            with open(self.serial, "rb") as f:
                return f.read().decode("latin-1")
        except OSError:
            return ""

    def wait_serial(self, text, count=1, timeout=TIMEOUT):
        end = time.time() + timeout
        while time.time() < end:
            if self.serial_text().count(text) >= count:
                return True
            time.sleep(0.02)
        return False

    def wait(self, timeout=TIMEOUT):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def connect(addr, family=socket.AF_UNIX):
    end = time.time() + TIMEOUT
    while True:
        s = socket.socket(family, socket.SOCK_STREAM)
        try:
            s.connect(addr)
            s.settimeout(TIMEOUT)
            return s
        except OSError:
            s.close()
            if time.time() > end:
                raise
            time.sleep(0.02)


class QMP:
    """A QMP client: one JSON object per line each way."""

    def __init__(self, addr, family=socket.AF_UNIX):
        self.sock = connect(addr, family)
        self.buf = b""
        self.events = []
        self.greeting = self.recv()

    def send_raw(self, data):
        self.sock.sendall(data)

    def recv(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def reply(self):
        """The next reply; events seen on the way are kept."""
        while True:
            msg = self.recv()
            if "event" in msg:
                self.events.append(msg)
            else:
                return msg

    def cmd(self, name, args=None, **extra):
        req = {"execute": name}
        if args is not None:
            req["arguments"] = args
        req.update(extra)
        self.send_raw(json.dumps(req).encode() + b"\n")
        return self.reply()

    def event(self, name):
        end = time.time() + TIMEOUT
        while time.time() < end:
            for i, ev in enumerate(self.events):
                if ev["event"] == name:
                    return self.events.pop(i)
            self.events.append(self.recv())
        return None

    def close(self):
        self.sock.close()


def ok(r):
    return "return" in r


def err_class(r):
    return r.get("error", {}).get("class")


def test_qmp_protocol(q):
    g = q.greeting["QMP"]
    check("qemu" in g["version"] and "major" in g["version"]["qemu"],
          "greeting has a version")
    check(g["capabilities"] == [], "greeting lists capabilities")
    r = q.cmd("query-status")
    check(err_class(r) == "CommandNotFound", "command before negotiation: %s" % r)
    check(err_class(q.cmd("qmp_capabilities", {"enable": ["oob"]})) ==
          "GenericError", "an unknown capability is refused")
    check(ok(q.cmd("qmp_capabilities")), "qmp_capabilities")
    check(err_class(q.cmd("qmp_capabilities")) == "CommandNotFound",
          "second qmp_capabilities")
    r = q.cmd("query-version", id="abc")
    check(r.get("id") == "abc", "id echoed")
    check(r["return"]["package"].startswith("Kite"), "query-version package")
    r = q.cmd("query-commands", id={"n": [1, 2]})
    check(r.get("id") == {"n": [1, 2]}, "structured id echoed")
    names = {c["name"] for c in r["return"]}
    for n in ("query-pci", "stop", "cont", "quit", "human-monitor-command",
              "system_powerdown", "query-cpus-fast"):
        check(n in names, "query-commands lists " + n)


def test_qmp_errors(q):
    cases = [
        (b"not json\n", "GenericError"),
        (b"[1, 2]\n", "GenericError"),
        (b'{"execute": 5}\n', "GenericError"),
        (b'{"arguments": {}}\n', "GenericError"),
        (b'{"execute": "query-status", "bogus": 1}\n', "GenericError"),
        (b'{"execute": "query-status", "arguments": [1]}\n', "GenericError"),
        (b'{"execute": "no-such-command"}\n', "CommandNotFound"),
        (b'{"execute": "query-status", "arguments": {"x": 1}}\n',
         "GenericError"),
        (b'{"execute": "human-monitor-command"}\n', "GenericError"),
        (b'{"execute": "human-monitor-command", "arguments": '
         b'{"command-line": 5}}\n', "GenericError"),
        (b'{"execute": "human-monitor-command", "arguments": '
         b'{"command-line": "info status", "cpu-index": 9}}\n',
         "GenericError"),
    ]
    for data, cls in cases:
        q.send_raw(data)
        r = q.reply()
        check(err_class(r) == cls and r["error"]["desc"],
              "bad input %r -> %s, got %s" % (data[:40], cls, r))
    q.send_raw(b'{"execute": "query-name", "id": 1}' + b" " * 200000 + b"\n")
    r = q.reply()
    check(err_class(r) == "GenericError" and "too long" in r["error"]["desc"],
          "a huge line is refused: %s" % r)
    check(ok(q.cmd("query-status")), "still answering after bad input")


def test_qmp_queries(q, k):
    r = q.cmd("query-status")["return"]
    check(r["running"] and r["status"] == "running", "query-status running")
    check(q.cmd("query-name")["return"] == {"name": "spin-test"}, "query-name")
    cpus = q.cmd("query-cpus-fast")["return"]
    check(len(cpus) == 1 and cpus[0]["cpu-index"] == 0 and
          cpus[0]["target"] == "x86_64" and
          cpus[0]["qom-path"].startswith("/machine/"),
          "query-cpus-fast: %s" % cpus)
    tid = cpus[0].get("thread-id", 0) if cpus else 0
    check(tid != k.proc.pid and
          os.path.isdir("/proc/%d/task/%d" % (k.proc.pid, tid)),
          "query-cpus-fast thread-id %r is a thread of kite" % tid)
    kvm = q.cmd("query-kvm")["return"]
    check(kvm["enabled"] is False and isinstance(kvm["present"], bool),
          "query-kvm under TCG: %s" % kvm)
    m = q.cmd("query-machines")["return"]
    check(any(x["name"] == "pc" and x["is-default"] for x in m),
          "query-machines has the default pc")
    pci = q.cmd("query-pci")["return"]
    devs = pci[0]["devices"]
    ids = {(d["id"]["vendor"], d["id"]["device"]) for d in devs}
    check((0x8086, 0x1237) in ids, "query-pci has the i440FX host bridge")
    check((0x8086, 0x7000) in ids, "query-pci has the PIIX3")
    check(all(d["bus"] == 0 and 0 <= d["slot"] < 32 for d in devs),
          "query-pci slots")


def hmp(q, line):
    r = q.cmd("human-monitor-command", {"command-line": line})
    return r.get("return", "")


def test_qmp_run_control(q, k):
    check(ok(q.cmd("stop")), "stop")
    check(q.event("STOP") is not None, "STOP event")
    check(q.cmd("query-status")["return"]["status"] == "paused",
          "paused after stop")
    regs = hmp(q, "info registers")
    check("RIP=" in regs and "CR3=" in regs, "info registers through QMP")
    check("paused" in hmp(q, "info status"), "info status paused")
    t1 = hmp(q, "x /1g 0x100000")
    t2 = hmp(q, "xp /1g 0x100000")
    check(t1 and t1 == t2, "x and xp agree on identity-mapped memory: %r %r"
          % (t1, t2))
    check("unknown command" in hmp(q, "frobnicate"), "unknown human command")
    r = q.cmd("human-monitor-command", {"command-line": "xp /4096xg 0"})
    check(err_class(r) == "GenericError" and "does not fit" in
          r["error"]["desc"], "a reply too big for the buffer is an error")
    check(hmp(q, "xp /1024xg 0").count("0x") == 1024, "a big reply fits")
    check(ok(q.cmd("cont")), "cont")
    ev = q.event("RESUME")
    check(ev is not None and "seconds" in ev["timestamp"], "RESUME event")
    check(ok(q.cmd("system_reset")), "system_reset")
    ev = q.event("RESET")
    check(ev is not None and ev["data"]["guest"] is False, "RESET event")
    check(k.wait_serial("spin: ready", 2), "the guest ran again after reset")
    check(ok(q.cmd("system_powerdown")), "system_powerdown")
    check(q.event("POWERDOWN") is not None, "POWERDOWN event")


def test_stalled_client(path, q):
    """A client that sends but never reads must not stall anyone."""
    s = connect(path)
    req = b'{"execute":"qmp_capabilities"}\n' + \
        b'{"execute":"query-commands"}\n' * 60000
    s.setblocking(False)
    sent = 0
    end = time.time() + 1
    while sent < len(req) and time.time() < end:
        try:
            sent += s.send(req[sent:])
        except BlockingIOError:
            time.sleep(0.01)
    check(sent < len(req), "the stalled client's requests back up (%d of %d "
          "bytes taken)" % (sent, len(req)))
    start = time.time()
    r = q.cmd("query-status")
    check(ok(r) and time.time() - start < 2.0,
          "another monitor answers while a client does not read")
    s.close()


def test_socat(path):
    if not shutil.which("socat"):
        print("SKIP: socat not installed")
        return
    out = subprocess.run(
        ["socat", "-t", "1", "-", "UNIX-CONNECT:" + path],
        input=b'{"execute":"qmp_capabilities"}\n'
              b'{"execute":"query-version","id":1}\n',
        capture_output=True, timeout=TIMEOUT).stdout.decode()
    lines = [json.loads(x) for x in out.splitlines() if x.strip()]
    check(len(lines) >= 3 and lines[2].get("id") == 1 and
          "qemu" in lines[2].get("return", {}),
          "socat: a raw line gets a reply: %r" % out)


def test_qmp(args, tmp):
    qsock = os.path.join(tmp, "qmp.sock")
    stall = os.path.join(tmp, "stall.sock")
    raw = os.path.join(tmp, "raw.sock")
    port = free_port()
    k = Kite(args.kite, args.guest, tmp,
             ["-name", "spin-test",
              "-qmp", "unix:%s,server,wait=off" % qsock,
              "-qmp", "tcp:127.0.0.1:%d,server,nowait" % port,
              "-qmp", "unix:%s,server,wait=off" % stall,
              "-qmp", "unix:%s,server,nowait" % raw])
    try:
        q = QMP(qsock)
        q2 = QMP(("127.0.0.1", port), socket.AF_INET)
        check(ok(q2.cmd("qmp_capabilities")), "second monitor (tcp)")
        check(k.wait_serial("spin: ready"), "guest started")
        test_qmp_protocol(q)
        test_qmp_errors(q)
        test_qmp_queries(q, k)
        test_qmp_run_control(q, k)
        check(q2.event("STOP") is not None and q2.event("RESUME") is not None,
              "events reach the second monitor")
        test_stalled_client(stall, q)
        test_socat(raw)
        check(ok(q.cmd("quit")), "quit")
        ev = q.event("SHUTDOWN")
        check(ev is not None and ev["data"] == {"guest": False,
                                               "reason": "host-qmp-quit"},
              "SHUTDOWN event after quit: %s" % ev)
        check(k.wait() == 0, "exit status 0 after quit")
    finally:
        k.kill()


def block_by_name(q):
    return {b["device"]: b for b in q.cmd("query-block")["return"]}


def make_images(kite, tmp):
    img = os.path.join(os.path.dirname(kite), "kite-img")
    paths = {}
    for name, size in (("disk.raw", 8 << 20), ("cd1.iso", 1 << 20),
                       ("cd2.iso", 2 << 20), ("vd.raw", 3 << 20)):
        paths[name] = os.path.join(tmp, name)
        with open(paths[name], "wb") as f:
            f.truncate(size)
    paths["base"] = os.path.join(tmp, "base.qcow2")
    paths["top"] = os.path.join(tmp, "top.qcow2")
    subprocess.run([img, "create", "-q", "-f", "qcow2", paths["base"], "4M"],
                   check=True)
    subprocess.run([img, "create", "-q", "-f", "qcow2", "-b", paths["base"],
                    "-F", "qcow2", paths["top"]], check=True)
    return paths


def test_query_block(q, p):
    b = block_by_name(q)
    check(set(b) == {"hd0", "cd0", "vd0", "drive3"},
          "query-block lists every drive: %s" % sorted(b))
    hd, cd, vd = b["hd0"], b["cd0"], b["vd0"]
    check(hd["removable"] is False and "tray_open" not in hd and
          hd["inserted"]["drv"] == "raw" and hd["inserted"]["ro"] is False and
          hd["inserted"]["image"]["virtual-size"] == 8 << 20,
          "query-block IDE disk: %s" % hd)
    check(cd["removable"] is True and cd["tray_open"] is False and
          cd["locked"] is False and cd["inserted"]["ro"] is True and
          cd["inserted"]["file"] == p["cd1.iso"], "query-block CD-ROM: %s" % cd)
    ins = vd["inserted"]
    check(vd["qdev"].endswith("/vblk") and ins["drv"] == "qcow2" and
          ins["backing_file_depth"] == 1 and
          ins["backing_file"] == p["base"] and
          ins["image"]["backing-image"]["format"] == "qcow2" and
          ins["image"]["backing-image"]["virtual-size"] == 4 << 20,
          "query-block virtio-blk qcow2 with its backing chain: %s" % vd)
    check(b["drive3"]["inserted"]["file"] == p["vd.raw"],
          "query-block if=virtio drive")
    out = hmp(q, "info block")
    check("cd0: " + p["cd1.iso"] + " (raw, read-only)" in out and
          "tray closed" in out and "Backing file:     " + p["base"] in out,
          "info block: %r" % out)


def test_media_change(q, p):
    r = q.cmd("eject", {"device": "hd0"})
    check(err_class(r) == "GenericError" and "not removable" in
          r["error"]["desc"], "ejecting a disk is refused: %s" % r)
    check(err_class(q.cmd("eject", {"id": "vd0"})) == "GenericError",
          "ejecting a virtio disk is refused")
    check(err_class(q.cmd("eject", {"id": "nosuch"})) == "DeviceNotFound",
          "eject of an unknown device")
    check(err_class(q.cmd("eject", {})) == "GenericError",
          "eject without a device")
    check(ok(q.cmd("eject", {"id": "cd0"})), "eject the CD-ROM")
    cd = block_by_name(q)["cd0"]
    check(cd["tray_open"] is True and "inserted" not in cd,
          "after eject: %s" % cd)
    check("cd0: [not inserted]" in hmp(q, "info block"), "info block empty")
    r = q.cmd("blockdev-change-medium", {"id": "cd0", "filename": p["cd2.iso"],
                                         "format": "raw"})
    check(ok(r), "blockdev-change-medium: %s" % r)
    ins = block_by_name(q)["cd0"].get("inserted", {})
    check(ins.get("file") == p["cd2.iso"] and
          ins["image"]["virtual-size"] == 2 << 20, "new medium: %s" % ins)
    for a in ({"id": "cd0", "filename": os.path.join(p["dir"], "none.iso")},
              {"id": "cd0", "filename": p["cd1.iso"], "format": "vmdk"},
              {"id": "hd0", "filename": p["cd1.iso"]},
              {"id": "cd0"}):
        check(err_class(q.cmd("blockdev-change-medium", a)) == "GenericError",
              "blockdev-change-medium refuses %s" % a)
    check(block_by_name(q)["cd0"]["inserted"]["file"] == p["cd2.iso"],
          "a refused change keeps the medium")
    check(hmp(q, "eject -f cd0") == "", "HMP eject -f")
    check("inserted" not in block_by_name(q)["cd0"], "HMP eject took effect")
    check("not removable" in hmp(q, "eject hd0"), "HMP eject of a disk")
    check(hmp(q, "change cd0 " + p["cd1.iso"]) == "", "HMP change")
    check(block_by_name(q)["cd0"]["inserted"]["file"] == p["cd1.iso"],
          "HMP change took effect")
    check("Error" in hmp(q, "change cd0 " + p["dir"] + "/none.iso"),
          "HMP change to a missing file")
    check("usage" in hmp(q, "change cd0"), "HMP change usage")


def test_info_network(q):
    out = hmp(q, "info network")
    lines = out.splitlines()
    check(len(lines) == 3 and lines[0].startswith(
        "nic0: index=0,type=nic,model=virtio-net-pci,"
        "macaddr=52:54:00:12:34:56") and
        lines[1].startswith(" \\ n0: index=0,type=user") and
        lines[2].startswith("n1: index=0,type=user"),
        "info network: %r" % out)


def test_block(args, tmp):
    d = os.path.join(tmp, "block")
    os.mkdir(d)
    p = make_images(args.kite, d)
    p["dir"] = d
    qsock = os.path.join(d, "qmp.sock")
    k = Kite(args.kite, args.guest, d,
             ["-qmp", "unix:%s,server,wait=off" % qsock,
              "-drive", "file=%s,id=hd0,if=ide" % p["disk.raw"],
              "-drive", "file=%s,media=cdrom,id=cd0" % p["cd1.iso"],
              "-drive", "file=%s,if=none,id=vd0" % p["top"],
              "-device", "virtio-blk-pci,drive=vd0,id=vblk",
              "-drive", "file=%s,if=virtio,format=raw" % p["vd.raw"],
              "-netdev", "user,id=n0", "-netdev", "user,id=n1",
              "-device", "virtio-net-pci,netdev=n0,id=nic0,"
              "mac=52:54:00:12:34:56"])
    try:
        q = QMP(qsock)
        check(ok(q.cmd("qmp_capabilities")), "block: negotiated")
        test_query_block(q, p)
        test_media_change(q, p)
        test_info_network(q)
        q.cmd("quit")
        check(k.wait() == 0, "block: exit status 0")
    finally:
        k.kill()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_start_stopped(args, tmp):
    qsock = os.path.join(tmp, "qmp-S.sock")
    k = Kite(args.kite, args.guest, tmp,
             ["-S", "-qmp", "unix:%s,server,wait=off" % qsock], "spin-S")
    try:
        q = QMP(qsock)
        q.cmd("qmp_capabilities")
        check(q.cmd("query-status")["return"]["status"] == "paused",
              "-S starts paused")
        time.sleep(0.3)
        check("spin" not in k.serial_text(), "-S: the guest has not run")
        q.cmd("cont")
        check(k.wait_serial("spin: ready"), "-S: cont starts the guest")
        os.kill(k.proc.pid, signal.SIGTERM)
        ev = q.event("SHUTDOWN")
        check(ev is not None and ev["data"]["reason"] == "host-signal",
              "SHUTDOWN on SIGTERM: %s" % ev)
        k.wait()
    finally:
        k.kill()


def test_guest_shutdown(args, tmp):
    if not os.path.exists(args.hello):
        print("SKIP: hello guest not built")
        return
    qsock = os.path.join(tmp, "qmp-hello.sock")
    k = Kite(args.kite, args.hello, tmp,
             ["-S", "-qmp", "unix:%s,server,wait=off" % qsock], "hello")
    try:
        q = QMP(qsock)
        q.cmd("qmp_capabilities")
        q.cmd("cont")
        ev = q.event("SHUTDOWN")
        check(ev is not None and ev["data"]["guest"] is True,
              "SHUTDOWN from the guest: %s" % ev)
        check(k.wait() == 67, "hello's exit status through a monitor")
    finally:
        k.kill()


def read_until(sock_or_fd, text, timeout=TIMEOUT):
    data = b""
    end = time.time() + timeout
    while time.time() < end and text.encode() not in data:
        if isinstance(sock_or_fd, int):
            r, _, _ = select.select([sock_or_fd], [], [], 0.1)
            if r:
                try:
                    chunk = os.read(sock_or_fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                data += chunk
        else:
            try:
                chunk = sock_or_fd.recv(4096)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
    return data.decode("latin-1")


def test_hmp_socket(args, tmp):
    msock = os.path.join(tmp, "mon.sock")
    k = Kite(args.kite, args.guest, tmp,
             ["-monitor", "unix:%s,server,nowait" % msock], "hmp")
    try:
        s = connect(msock)
        check("(kite)" in read_until(s, "(kite) "), "human monitor prompt")
        def run(line):
            s.sendall(line.encode() + b"\n")
            return read_until(s, "(kite) ")
        out = run("help")
        check("info" in out and "system_powerdown" in out, "help lists commands")
        run("stop")
        out = run("info status")
        check("VM status: paused" in out, "stop then info status: %r" % out)
        check("1237" in run("info pci"), "info pci")
        check("dev: i8259" in run("info qtree"), "info qtree")
        check("address-space" in run("info mtree"), "info mtree")
        check("RIP=" in run("info registers"), "info registers")
        check("CPU #0" in run("info cpus"), "info cpus")
        check("tcg" in run("info jit"), "info jit")
        out = run("xp /4xb 0x100000")
        check("0000000000100000:" in out and out.count(" 0x") == 4,
              "xp /4xb: %r" % out)
        out = run("x /2dw 0xffff800000000000")
        check("not mapped" in out, "x on an unmapped address: %r" % out)
        check("usage" in run("x /2xg"), "x without an address")
        check("usage" in run("xp /2q 0"), "xp with a bad format")
        check("unknown item" in run("info bogus"), "info bogus")
        check("unknown command" in run("bogus"), "unknown command")
        check("line too long" in run("x" * 70000), "an overlong line")
        run("cont")
        check("VM status: running" in run("info status"), "cont")
        s.sendall(b"quit\n")
        check(k.wait() == 0, "human monitor quit")
        s.close()
    finally:
        k.kill()


def test_hmp_mux(args, tmp):
    """-serial mon:stdio on a pseudo-terminal; Ctrl-A c switches."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(args.kite, [args.kite, "-display", "none", "-kernel",
                             args.guest, "-serial", "mon:stdio"])
    try:
        check("spin: ready" in read_until(fd, "spin: ready"),
              "mon:stdio shows the guest's serial output")
        os.write(fd, b"\x01c")
        check("(kite)" in read_until(fd, "(kite) "), "Ctrl-A c: monitor prompt")
        os.write(fd, b"info status\r")
        check("VM status: running" in read_until(fd, "running"),
              "info status on the multiplexed terminal")
        os.write(fd, b"\x01c")
        time.sleep(0.1)
        os.write(fd, b"\x01x")
        _, status = os.waitpid(pid, 0)
        pid = 0
        check(os.WIFEXITED(status), "Ctrl-A x ends kite")
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)


def test_hmp_stdio(args, tmp):
    """-monitor stdio: from a pipe, then on a pseudo-terminal."""
    serial = os.path.join(tmp, "stdio.serial")
    cmd = [args.kite, "-display", "none", "-kernel", args.guest,
           "-serial", "file:" + serial, "-monitor", "stdio"]
    r = subprocess.run(cmd, input=b"info version\nstop\ninfo status\nquit\n",
                       capture_output=True, timeout=TIMEOUT)
    out = r.stdout.decode()
    check(r.returncode == 0 and "VM status: paused" in out and
          "(kite) " in out, "-monitor stdio from a pipe: %r %r" % (out, r.stderr))
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(args.kite, cmd)
    try:
        check("(kite) " in read_until(fd, "(kite) "), "-monitor stdio prompt")
        os.write(fd, b"info status\r")
        out = read_until(fd, "running")
        check("info status\r\n" in out and "VM status: running\r\n" in out,
              "the terminal echoes and ends lines with CR LF: %r" % out)
        os.write(fd, b"quit\r")
        _, status = os.waitpid(pid, 0)
        pid = 0
        check(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0,
              "-monitor stdio quit")
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)


def test_cli_errors(args, tmp):
    bad = [["-qmp", "bogus"], ["-monitor", "file:/tmp/x"],
           ["-qmp", "unix:%s/no/such/dir/q.sock,server,nowait" % tmp],
           ["-qmp", "tcp:127.0.0.1:notaport,server,nowait"],
           ["-qmp"], ["-nographic", "-monitor", "stdio"],
           ["-qmp", "stdio,server"]]
    for extra in bad:
        r = subprocess.run([args.kite, "-display", "none", "-kernel",
                            args.guest] + extra, capture_output=True,
                           timeout=TIMEOUT)
        err = r.stderr.decode()
        check(r.returncode == 1 and err.startswith("kite:") and
              err.count("\n") == 1, "%s refused with one line: %r"
              % (" ".join(extra), err))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kite", required=True)
    ap.add_argument("--guest", required=True)
    ap.add_argument("--hello", default="")
    args = ap.parse_args()
    tests = [test_cli_errors, test_qmp, test_block, test_start_stopped,
             test_guest_shutdown,
             test_hmp_socket, test_hmp_mux, test_hmp_stdio]
    with tempfile.TemporaryDirectory(prefix="kite-mon-") as tmp:
        for t in tests:
            try:
                t(args, tmp)
            except Exception as e:   # a crash of one case is a failure
                check(False, "%s raised %r" % (t.__name__, e))
    print("monitor: %d checks passed, %d failed" % (passes, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
