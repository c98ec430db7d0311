"""Helpers of the migration tests and benchmark: a QMP client built on
Python's socket and json modules only, and an emulator process (Kite or
QEMU, same command line) with its serial output in a file."""
import json
import os
import socket
import subprocess
import time

TIMEOUT = 30.0


def connect(addr, timeout=TIMEOUT):
    end = time.time() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(addr)
            s.settimeout(timeout)
            return s
        except OSError:
            s.close()
            if time.time() > end:
                raise
            time.sleep(0.02)


class QMP:
    """One JSON object per line each way; events are kept."""

    def __init__(self, addr):
        self.sock = connect(addr)
        self.buf = b""
        self.events = []
        self.greeting = self.recv()
        self.cmd("qmp_capabilities")

    def recv(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, args=None):
        req = {"execute": name}
        if args is not None:
            req["arguments"] = args
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        while True:
            msg = self.recv()
            if "event" in msg:
                self.events.append(msg)
            else:
                return msg

    def hmp(self, line):
        return self.cmd("human-monitor-command", {"command-line": line})

    def migration_statuses(self):
        return [e["data"]["status"] for e in self.events
                if e["event"] == "MIGRATION"]

    def wait_migration(self, timeout=TIMEOUT, poll=0.05):
        """Polls query-migrate until the migration ends; returns its info."""
        end = time.time() + timeout
        while time.time() < end:
            r = self.cmd("query-migrate").get("return", {})
            if r.get("status") in ("completed", "failed", "cancelled"):
                return r
            time.sleep(poll)
        return {"status": "timeout"}

    def close(self):
        self.sock.close()


class VM:
    """An emulator process with a QMP socket and COM1 in a file."""

    def __init__(self, binary, tmp, name, args, qemu=False, serial=None):
        self.name = name
        self.qmp_path = os.path.join(tmp, name + ".qmp")
        self.serial = os.path.join(tmp, name + ".serial")
        serial = serial or "file:" + self.serial
        self.logpath = os.path.join(tmp, name + ".log")
        self.log = open(self.logpath, "wb")
        cmd = [binary, "-display", "none", "-nodefaults",
               "-serial", serial,
               "-qmp", "unix:%s,server,wait=off" % self.qmp_path]
        if qemu:
            cmd += ["-machine", "pc", "-accel", "tcg"]
        self.proc = subprocess.Popen(cmd + args, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log)
        self.qmp = None

    def connect(self):
        self.qmp = QMP(self.qmp_path)
        return self.qmp

    def serial_text(self):
        try:
            with open(self.serial, "rb") as f:
                return f.read().decode("latin-1")
        except OSError:
            return ""

    def log_text(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.logpath, "rb") as f:
            return f.read().decode("latin-1")

    def wait_serial(self, text, timeout=TIMEOUT):
        end = time.time() + timeout
        while time.time() < end:
            if text in self.serial_text():
                return True
            if self.proc.poll() is not None:
                return text in self.serial_text()
            time.sleep(0.02)
        return False

    def wait(self, timeout=TIMEOUT):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def quit(self):
        if self.proc.poll() is None and self.qmp:
            try:
                self.qmp.cmd("quit")
            except (OSError, EOFError):
                pass
        return self.wait(10)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.qmp:
            self.qmp.close()
            self.qmp = None
        self.log.close()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
