#!/usr/bin/env python3
"""A small RFB (VNC) client on plain sockets, for the display tests.

Speaks RFB 3.8 with no authentication, asks for raw 32-bit pixels and the
DesktopSize pseudo-encoding, and can: take a full frame (PPM), send keys
(keysyms) and pointer events, and report what an incremental update
covers.

Usage: rfb.py ADDR COMMAND...
  ADDR      unix:PATH or HOST:PORT
  snapshot OUT.ppm            the whole screen
  keys SYM[,SYM...]           press and release each keysym (hex or a char)
  pointer X,Y,MASK[;...]      pointer events
  watch SECONDS               after a full frame, print each incremental
                              rectangle ("rect x y w h") for SECONDS
"""
import socket
import struct
import sys
import time


class RFB:
    def __init__(self, addr):
        if addr.startswith("unix:"):
            self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.s.connect(addr[5:])
        else:
            host, port = addr.rsplit(":", 1)
            self.s = socket.create_connection((host, int(port)))
        self.s.settimeout(10)
        self._handshake()

    def recv(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise EOFError("server closed the connection")
            buf += chunk
        return buf

    def _handshake(self):
        version = self.recv(12)
        if not version.startswith(b"RFB 003."):
            raise ValueError("not an RFB server: %r" % version)
        self.s.sendall(b"RFB 003.008\n")
        n = self.recv(1)[0]
        if n == 0:
            raise ValueError("server refused: %r" % self.recv(
                struct.unpack(">I", self.recv(4))[0]))
        types = self.recv(n)
        if 1 not in types:
            raise ValueError("no 'None' security type: %r" % types)
        self.s.sendall(b"\x01")
        if struct.unpack(">I", self.recv(4))[0] != 0:
            raise ValueError("security handshake failed")
        self.s.sendall(b"\x01")                  # shared
        self.w, self.h = struct.unpack(">HH", self.recv(4))
        self.recv(16)                            # server pixel format
        self.name = self.recv(struct.unpack(">I", self.recv(4))[0])
        # 32 bpp, depth 24, little endian, true colour, 0x00RRGGBB
        self.s.sendall(struct.pack(">BxxxBBBBHHHBBBxxx", 0, 32, 24, 0, 1,
                                   255, 255, 255, 16, 8, 0))
        encs = [0, -223]                         # raw, DesktopSize
        self.s.sendall(struct.pack(">BxH", 2, len(encs)) +
                       b"".join(struct.pack(">i", e) for e in encs))
        self.fb = bytearray(self.w * self.h * 4)

    def request(self, incremental):
        self.s.sendall(struct.pack(">BBHHHH", 3, incremental, 0, 0,
                                   self.w, self.h))

    def read_update(self):
        """Reads one FramebufferUpdate; returns its rectangles."""
        while True:
            kind = self.recv(1)[0]
            if kind == 0:
                break
            if kind == 2:                        # bell
                continue
            if kind == 3:                        # cut text
                self.recv(3)
                self.recv(struct.unpack(">I", self.recv(4))[0])
                continue
            raise ValueError("unexpected message %d" % kind)
        self.recv(1)
        rects = []
        for _ in range(struct.unpack(">H", self.recv(2))[0]):
            x, y, w, h, enc = struct.unpack(">HHHHi", self.recv(12))
            if enc == -223:
                self.w, self.h = w, h
                self.fb = bytearray(w * h * 4)
            elif enc == 0:
                data = self.recv(w * h * 4)
                for r in range(h):
                    o = ((y + r) * self.w + x) * 4
                    self.fb[o:o + w * 4] = data[r * w * 4:(r + 1) * w * 4]
            else:
                raise ValueError("unexpected encoding %d" % enc)
            rects.append((x, y, w, h, enc))
        return rects

    def full_frame(self):
        self.request(0)
        while True:
            rects = self.read_update()
            if any(r[4] == -223 for r in rects):
                self.request(0)              # a new size: ask again
                continue
            return rects

    def ppm(self):
        rgb = bytearray(self.w * self.h * 3)
        for i in range(self.w * self.h):
            b, g, r = self.fb[i * 4], self.fb[i * 4 + 1], self.fb[i * 4 + 2]
            rgb[i * 3:i * 3 + 3] = bytes((r, g, b))
        return b"P6\n%d %d\n255\n" % (self.w, self.h) + bytes(rgb)

    def key(self, sym, down):
        self.s.sendall(struct.pack(">BBxxI", 4, down, sym))

    def pointer(self, x, y, mask):
        self.s.sendall(struct.pack(">BBHH", 5, mask, x, y))


def parse_sym(tok):
    return ord(tok) if len(tok) == 1 else int(tok, 16)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    c = RFB(argv[1])
    cmd = argv[2]
    if cmd == "snapshot":
        c.full_frame()
        open(argv[3], "wb").write(c.ppm())
    elif cmd == "keys":
        for tok in argv[3].split(","):
            c.key(parse_sym(tok), 1)
            c.key(parse_sym(tok), 0)
            time.sleep(0.05)
    elif cmd == "pointer":
        for ev in argv[3].split(";"):
            x, y, mask = (int(v) for v in ev.split(","))
            c.pointer(x, y, mask)
            time.sleep(0.05)
    elif cmd == "watch":
        c.full_frame()
        print("size %d %d" % (c.w, c.h), flush=True)
        end = time.time() + float(argv[3])
        c.s.settimeout(max(0.1, end - time.time()))
        while time.time() < end:
            c.request(1)                 # one request outstanding at a time
            c.s.settimeout(max(0.1, end - time.time()))
            try:
                for r in c.read_update():
                    if r[4] == -223:
                        print("size %d %d" % r[2:4], flush=True)
                    else:
                        print("rect %d %d %d %d" % r[:4], flush=True)
            except socket.timeout:
                pass
    else:
        sys.stderr.write(__doc__)
        return 2
    time.sleep(0.1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
