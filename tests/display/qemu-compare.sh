#!/bin/sh
# The same screens under Kite and QEMU: boots tests/guest/vga-draw.elf
# ("text": 80x25 with the guest's own font, colours, a cursor; "vbe": a
# 320x200x32 DISPI mode) in both, takes a QMP `screendump` of each and
# requires the two PPM files to be equal byte for byte (same palette
# widening, 9-dot cells, cursor). QEMU's text cursor blinks in its
# screendumps, Kite's shows it: a few QEMU shots are taken and one must
# match. Skips with a message where QEMU is not installed.
#
# Usage: tests/display/qemu-compare.sh [--kite PATH] [--dir GUEST_DIR]
set -u
kite=build/kite
dir=build/tests/guest
while [ $# -gt 0 ]; do
    case "$1" in
    --kite) kite=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) echo "usage: $0 [--kite PATH] [--dir GUEST_DIR]" >&2; exit 2 ;;
    esac
done
qemu=$(command -v qemu-system-x86_64)
if [ -z "$qemu" ] || ! command -v socat >/dev/null 2>&1; then
    echo "SKIP qemu-compare: qemu-system-x86_64 or socat not installed"
    exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/kite-qcmp.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
pass=0 fail=0

# boot EMULATOR PHASE: starts it with a QMP socket, waits for READY
boot() {
    rm -f "$work/serial" "$work/qmp.sock"
    "$1" -accel tcg -m 64 -kernel "$dir/vga-draw.elf" -append "$2" -vga std \
        -display none -serial file:"$work/serial" \
        -qmp unix:"$work/qmp.sock",server,wait=off \
        -device isa-debug-exit,iobase=0xf4,iosize=4 \
        </dev/null >"$work/out" 2>&1 &
    pid=$!
    i=0
    while ! grep -q READY "$work/serial" 2>/dev/null && [ $i -lt 200 ]; do
        sleep 0.1; i=$((i + 1))
    done
}

# dump FILE: a QMP screendump
dump() {
    rm -f "$1"
    { echo '{"execute":"qmp_capabilities"}'; sleep 0.2
      printf '{"execute":"screendump","arguments":{"filename":"%s"}}\n' "$1"
      sleep 0.5; } | socat -t 2 - UNIX-CONNECT:"$work/qmp.sock" >/dev/null 2>&1
    [ -s "$1" ]
}

stop() { kill $pid 2>/dev/null; wait $pid 2>/dev/null; pid=; }

for phase in text vbe; do
    boot "$kite" "$phase"
    dump "$work/kite.ppm"
    stop
    boot "$qemu" "$phase"
    same=no
    for try in 1 2 3 4 5 6 7 8; do
        if dump "$work/qemu.ppm" && cmp -s "$work/kite.ppm" "$work/qemu.ppm"; then
            same=yes; break
        fi
        sleep 0.15
    done
    stop
    if [ "$same" = yes ]; then
        echo "PASS $phase: Kite's screendump equals QEMU's ($(sed -n 2p "$work/kite.ppm"))"
        pass=$((pass + 1))
    else
        echo "FAIL $phase: Kite's and QEMU's screendumps differ ($(cmp "$work/kite.ppm" "$work/qemu.ppm" 2>&1 | head -c 120))"
        fail=$((fail + 1))
    fi
done
echo "qemu-compare: $pass passed, $fail failed"
[ $fail -eq 0 ]
