#!/usr/bin/env python3
"""Reads an X window dump (xwd, ZPixmap, 24/32 bits per pixel) and writes
it as a binary PPM (P6) or PNG, so tests compare a window's pixels with
Kite's own screendump without ImageMagick.

Usage: xwd.py IN.xwd OUT.ppm|OUT.png [--crop X,Y,W,H]
"""
import struct
import sys
import zlib


def read_xwd(data):
    """Returns (width, height, rgb bytes) of an xwd image."""
    hdr = struct.unpack(">25I", data[:100])
    header_size, version, fmt = hdr[0], hdr[1], hdr[2]
    width, height, byte_order = hdr[4], hdr[5], hdr[7]
    bpp, bpl = hdr[11], hdr[12]
    masks = hdr[14:17]
    ncolors = hdr[19]
    if version != 7 or fmt != 2 or bpp not in (24, 32):
        raise ValueError("unsupported xwd (version %d, format %d, %d bpp)"
                         % (version, fmt, bpp))
    off = header_size + ncolors * 12
    step = bpp // 8
    shifts = [(m & -m).bit_length() - 1 for m in masks]
    out = bytearray(width * height * 3)
    if bpp == 32 and byte_order == 0 and masks == (0xff0000, 0xff00, 0xff):
        for y in range(height):          # the usual layout: B, G, R, X
            row = data[off + y * bpl: off + y * bpl + width * 4]
            o = y * width * 3
            out[o:o + width * 3:3] = row[2::4]
            out[o + 1:o + width * 3:3] = row[1::4]
            out[o + 2:o + width * 3:3] = row[0::4]
        return width, height, bytes(out)
    for y in range(height):
        row = data[off + y * bpl: off + y * bpl + width * step]
        for x in range(width):
            px = row[x * step: x * step + step]
            v = int.from_bytes(px, "little" if byte_order == 0 else "big")
            o = (y * width + x) * 3
            out[o] = (v & masks[0]) >> shifts[0]
            out[o + 1] = (v & masks[1]) >> shifts[1]
            out[o + 2] = (v & masks[2]) >> shifts[2]
    return width, height, bytes(out)


def crop(img, x, y, w, h):
    width, height, rgb = img
    w = min(w, width - x)
    h = min(h, height - y)
    rows = [rgb[((y + r) * width + x) * 3:((y + r) * width + x + w) * 3]
            for r in range(h)]
    return w, h, b"".join(rows)


def ppm_bytes(img):
    w, h, rgb = img
    return b"P6\n%d %d\n255\n" % (w, h) + rgb


def read_ppm(data):
    """Returns (width, height, rgb) of a binary PPM as Kite writes it."""
    parts = data.split(b"\n", 3)
    if parts[0] != b"P6" or parts[2] != b"255":
        raise ValueError("not a P6 PPM with maxval 255")
    w, h = (int(v) for v in parts[1].split())
    return w, h, parts[3][:w * h * 3]


def png_bytes(img):
    w, h, rgb = img

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))
    raw = b"".join(b"\0" + rgb[y * w * 3:(y + 1) * w * 3] for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    img = read_xwd(open(argv[1], "rb").read())
    if len(argv) == 5 and argv[3] == "--crop":
        img = crop(img, *(int(v) for v in argv[4].split(",")))
    out = png_bytes(img) if argv[2].endswith(".png") else ppm_bytes(img)
    open(argv[2], "wb").write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
