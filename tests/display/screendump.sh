#!/bin/sh
# Pictures of the standard VGA taken from a running guest: boots
# tests/guest/vga-draw.elf with "-append text" (80x25 text mode with its
# own font) and "-append vbe" (a 320x200x32 DISPI mode drawn through the
# linear framebuffer), waits for READY on COM1, sends SIGUSR2 (with
# -display none,screendump=FILE Kite writes the screen to FILE) and
# compares the PPM with tests/display/vga-<phase>.sha256. Every
# accelerator must produce the same picture; a PNG dump is checked too.
#
# Usage: tests/display/screendump.sh [--kite PATH] [--dir GUEST_DIR] [--update]
set -u
kite=build/kite
dir=build/tests/guest
update=no
here=$(cd "$(dirname "$0")" && pwd)
while [ $# -gt 0 ]; do
    case "$1" in
    --kite) kite=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --update) update=yes; shift ;;
    *) echo "usage: $0 [--kite PATH] [--dir GUEST_DIR] [--update]" >&2; exit 2 ;;
    esac
done
work=$(mktemp -d "${TMPDIR:-/tmp}/kite-screendump.XXXXXX")
trap 'rm -rf "$work"' EXIT
pass=0 fail=0

accels="tcg,backend=native tcg,backend=interp"
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
    accels="kvm $accels"
fi

# shot ACCEL PHASE FILE: boots, waits for READY, dumps to FILE, stops.
shot() {
    serial="$work/serial.$$"
    rm -f "$serial" "$3"
    "$kite" -accel "$1" -m 64 -kernel "$dir/vga-draw.elf" -append "$2" \
        -vga std -display none,screendump="$3" -serial file:"$serial" \
        -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4 \
        </dev/null >"$work/stdout" 2>"$work/stderr" &
    pid=$!
    i=0
    while ! grep -q READY "$serial" 2>/dev/null && [ $i -lt 200 ]; do
        sleep 0.1; i=$((i + 1))
    done
    kill -USR2 "$pid" 2>/dev/null
    i=0
    while [ ! -s "$3" ] && [ $i -lt 100 ]; do
        sleep 0.1; i=$((i + 1))
    done
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    [ -s "$3" ]
}

result() {
    if [ "$1" = ok ]; then
        echo "PASS $2"; pass=$((pass + 1))
    else
        echo "FAIL $2: $3"; fail=$((fail + 1))
    fi
}

for phase in text vbe; do
    want=$(cat "$here/vga-$phase.sha256" 2>/dev/null)
    for accel in $accels; do
        f="$work/$phase.ppm"
        if ! shot "$accel" "$phase" "$f"; then
            result fail "$phase ($accel)" "no screendump ($(head -c 200 "$work/stderr"))"
            continue
        fi
        got=$(sha256sum "$f" | cut -d' ' -f1)
        if [ "$update" = yes ]; then
            echo "$got" >"$here/vga-$phase.sha256"; want=$got
        fi
        if [ "$got" = "$want" ]; then
            result ok "$phase ($accel, $(head -c 20 "$f" | sed -n 2p))"
        else
            result fail "$phase ($accel)" "picture $got, expected $want"
        fi
    done
done

f="$work/vbe.png"
if shot tcg vbe "$f" && [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = "211PNG" ]; then
    result ok "png screendump"
else
    result fail "png screendump" "no PNG written"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
