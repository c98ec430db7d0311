#!/bin/sh
# The VNC server with real clients: boots tests/guest/vga-draw.elf
# ("vbe echo") with -vnc 127.0.0.1:N, then
#  - vncsnapshot's frame equals Kite's own screendump (after djpeg; its
#    file is a JPEG at quality 100, so a small tolerance is allowed and
#    the exact maximum difference is printed);
#  - tests/display/rfb.py (raw pixels) gets exactly the screendump;
#  - keys and pointer events from rfb.py reach the guest (set 1 scan
#    codes and PS/2 packets on COM1);
#  - after a key, the incremental update covers only the lines the guest
#    redrew; after system_reset the client is told the new desktop sizes;
# and with -vnc unix:PATH the text screen comes through the Unix socket.
# Skips (exit 0, with a message) when Kite has no VNC server; the
# vncsnapshot case skips alone when vncsnapshot or djpeg is missing.
#
# Usage: tests/display/vnc.sh [--kite PATH] [--dir GUEST_DIR]
set -u
kite=build/kite
dir=build/tests/guest
here=$(cd "$(dirname "$0")" && pwd)
while [ $# -gt 0 ]; do
    case "$1" in
    --kite) kite=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) echo "usage: $0 [--kite PATH] [--dir GUEST_DIR]" >&2; exit 2 ;;
    esac
done
for tool in python3 socat; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "SKIP vnc: $tool not installed"; exit 0
    fi
done
work=$(mktemp -d "${TMPDIR:-/tmp}/kite-vnc.XXXXXX")
kite_pid=
watch_pid=
cleanup() {
    [ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null
    [ -n "$kite_pid" ] && kill "$kite_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
pass=0 fail=0
result() {
    if [ "$1" = ok ]; then
        echo "PASS $2"; pass=$((pass + 1))
    else
        echo "FAIL $2: $3"; fail=$((fail + 1))
    fi
}
wait_for() {   # wait_for PATTERN FILE [TENTHS]
    i=0
    while ! grep -q "$1" "$2" 2>/dev/null && [ $i -lt "${3:-100}" ]; do
        sleep 0.1; i=$((i + 1))
    done
    grep -q "$1" "$2" 2>/dev/null
}
hmp() {
    printf '%s\n' "$1" | socat -t 1 - UNIX-CONNECT:"$work/mon.sock" \
        >>"$work/mon.log" 2>&1
}
rfb() { python3 "$here/rfb.py" "$@"; }
screendump() {
    rm -f "$work/sd.ppm"
    hmp "screendump $work/sd.ppm"
    [ -s "$work/sd.ppm" ]
}
start() {      # start PHASE VNC-SPEC
    serial="$work/serial.$1"
    rm -f "$serial"
    "$kite" -accel tcg -m 64 -kernel "$dir/vga-draw.elf" -append "$1 echo" \
        -vga std -vnc "$2" -name vnctest -serial file:"$serial" \
        -monitor unix:"$work/mon.sock",server,nowait \
        -device isa-debug-exit,iobase=0xf4,iosize=4 \
        </dev/null >"$work/stdout" 2>"$work/stderr" &
    kite_pid=$!
    wait_for ECHO "$serial"
}
finish() {
    i=0
    while kill -0 "$kite_pid" 2>/dev/null && [ $i -lt 50 ]; do
        sleep 0.1; i=$((i + 1))
    done
    kill "$kite_pid" 2>/dev/null
    wait "$kite_pid"
    status=$?
    kite_pid=
}

if "$kite" -vnc :0 -version 2>&1 | grep -q "no VNC server"; then
    echo "SKIP vnc: Kite was built without libvncserver"
    exit 0
fi

# A TCP port: 5900 + N for the first N that is free.
port=
for n in $(seq $(( $$ % 40 + 40 )) 99); do
    if start vbe "127.0.0.1:$n"; then
        port=$((5900 + n)); break
    fi
    finish
    grep -q "cannot listen" "$work/stderr" || break
done
if [ -z "$port" ]; then
    result fail "vnc: server" "$(head -c 300 "$work/stderr")"
    echo "vnc: $pass passed, $fail failed"; exit 1
fi

screendump || result fail "screendump" "none written"
if command -v vncsnapshot >/dev/null && command -v djpeg >/dev/null; then
    timeout 20 vncsnapshot -quiet -nocursor -quality 100 "127.0.0.1:$n" \
        "$work/snap.jpg" >/dev/null 2>&1
    djpeg -pnm "$work/snap.jpg" >"$work/snap.ppm" 2>/dev/null
    diff=$(python3 -c "
import sys; sys.path.insert(0, '$here'); import xwd
a = xwd.read_ppm(open('$work/snap.ppm', 'rb').read())
b = xwd.read_ppm(open('$work/sd.ppm', 'rb').read())
d = [abs(x - y) for x, y in zip(a[2], b[2])] if a[:2] == b[:2] else [999]
print(max(d), '%.3f' % (sum(d) / len(d)))" 2>/dev/null)
    set -- $diff
    if [ -n "$diff" ] && [ "$1" -le 8 ]; then
        result ok "vncsnapshot frame equals the screendump (max diff $1, mean $2)"
    else
        result fail "vncsnapshot frame" "differs: ${diff:-no frame}"
    fi
else
    echo "SKIP vncsnapshot: vncsnapshot or djpeg not installed"
fi
rfb "127.0.0.1:$port" snapshot "$work/rfb.ppm" &&
    cmp -s "$work/rfb.ppm" "$work/sd.ppm" &&
    result ok "raw RFB frame equals the screendump (320x200)" ||
    result fail "raw RFB frame" "differs from the screendump"

rfb "127.0.0.1:$port" watch 30 >"$work/watch" 2>&1 &
watch_pid=$!
wait_for "^size" "$work/watch" 50
sleep 0.5
rfb "127.0.0.1:$port" keys "h,i,A"
if wait_for "K 9e" "$serial" 30 &&
   tr '\n' ' ' <"$serial" | grep -q "K 23 K a3 K 17 K 97 K 1e K 9e"; then
    result ok "keysyms h i A reach the guest as set 1 scan codes"
else
    result fail "keys" "COM1: $(tail -n 8 "$serial" | tr '\n' ' ')"
fi
# the guest drew 8-line blocks on line 100: updates cover lines near it
near_100() {
    awk '$1 == "rect" && $3 >= 96 && $3 + $5 <= 112 && $5 < 20 { ok = 1 }
         END { exit !ok }' "$work/watch"
}
i=0
while ! near_100 && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if near_100; then
    result ok "incremental updates cover only the redrawn lines ($(grep rect "$work/watch" | tail -n1))"
else
    result fail "incremental updates" "$(tr '\n' ' ' <"$work/watch")"
fi
before=$(grep -c '^M' "$serial")
rfb "127.0.0.1:$port" pointer "50,50,0;60,45,0;60,45,1;60,45,0"
i=0
while [ "$(grep -c '^M' "$serial")" -lt $((before + 9)) ] && [ $i -lt 50 ]; do
    sleep 0.1; i=$((i + 1))
done
if tail -n +"$((before + 1))" "$serial" | tr '\n' ' ' |
   grep -q "M 8 M a M 5 M 9 M 0 M 0 M 8 M 0 M 0"; then
    result ok "pointer events reach the PS/2 mouse (motion, left button)"
else
    result fail "pointer" "COM1: $(tail -n 12 "$serial" | tr '\n' ' ')"
fi
hmp stop                         # reset, held before the guest runs again
hmp system_reset
wait_for "^size 640 480" "$work/watch" 50
hmp cont
# after the reset: no picture (640x480 blank) or text, then 320x200 again
# (polled for up to 10 s: a loaded machine is slow to get there)
for _ in $(seq 100); do
    sizes=$(grep '^size' "$work/watch" | tail -n +2 | tr '\n' ' ')
    echo "$sizes" | grep -Eq "size 320 200 $" && break
    sleep 0.1
done
if echo "$sizes" | grep -Eq "^size (640 480|720 400) .*size 320 200 $"; then
    result ok "desktop size follows the guest's modes after a reset ($sizes)"
else
    result fail "desktop size" "$(grep size "$work/watch" | tr '\n' ' ')"
fi
kill "$watch_pid" 2>/dev/null
wait "$watch_pid" 2>/dev/null
watch_pid=
rfb "127.0.0.1:$port" keys "ff1b"
finish
[ "$status" -eq 67 ] && result ok "guest exit after Escape" ||
    result fail "guest exit" "status $status"

# the text screen through -vnc unix:PATH (the cursor blinks: a few tries)
if start text "unix:$work/vnc.sock"; then
    ok=no
    for try in 1 2 3 4 5 6; do
        screendump && rfb "unix:$work/vnc.sock" snapshot "$work/rfb.ppm" &&
            cmp -s "$work/rfb.ppm" "$work/sd.ppm" && { ok=yes; break; }
        sleep 0.1
    done
    [ "$ok" = yes ] && result ok "unix socket: text frame equals the screendump (720x400)" ||
        result fail "unix socket: text frame" "no frame matched"
    rfb "unix:$work/vnc.sock" keys "ff1b"
    finish
else
    result fail "unix socket" "$(head -c 300 "$work/stderr")"
    finish
fi
echo "vnc: $pass passed, $fail failed"
[ $fail -eq 0 ]
