#!/bin/sh
# Linux in Kite's SDL window, under a private Xvfb: boots the cached
# Debian kernel (scripts/fetch-linux) with the module initramfs
# (scripts/make-initramfs --modules) and kite.modules=bochs, so the
# kernel's console moves from the VGA to the bochs-drm framebuffer
# (fbcon), waits for the shell, types a command into the window with
# xdotool (PS/2 keyboard, atkbd), checks that its output reaches COM1
# and the screen, and that the window's pixels equal Kite's screendump.
# The window's picture is written to --png (tests/display/linux-window.png is
# the one the README shows). Skips with a message when the kernel, the
# initramfs, Xvfb, xdotool or SDL is missing.
#
# Usage: tests/display/linux-window.sh [--kite PATH] [--png OUT.png]
#        [--accel tcg|kvm] [--timeout SECONDS]
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kite=$top/build/kite
png=
accel=tcg
timeout=400
cache=$top/tests/e2e/cache
while [ $# -gt 0 ]; do
    case "$1" in
    --kite) kite=$2; shift 2 ;;
    --png) png=$2; shift 2 ;;
    --accel) accel=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    *) echo "usage: $0 [--kite PATH] [--png OUT.png] [--accel A] [--timeout S]" >&2
       exit 2 ;;
    esac
done
kernel=$(ls "$cache"/linux/boot/vmlinuz-* 2>/dev/null | head -n1)
initrd=$cache/initramfs-modules.cpio.gz
if [ -z "$kernel" ] || [ ! -s "$initrd" ]; then
    echo "SKIP linux-window: no cached kernel or module initramfs (scripts/fetch-linux, scripts/make-initramfs --modules)"
    exit 0
fi
for tool in Xvfb xdotool xwd python3 socat; do
    command -v $tool >/dev/null 2>&1 ||
        { echo "SKIP linux-window: $tool not installed"; exit 0; }
done
"$kite" -display help | grep -qx sdl ||
    { echo "SKIP linux-window: Kite was built without SDL2"; exit 0; }

work=$(mktemp -d "${TMPDIR:-/tmp}/kite-linuxwin.XXXXXX")
xvfb_pid= kite_pid=
cleanup() {
    [ -n "$kite_pid" ] && kill "$kite_pid" 2>/dev/null
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
pass=0 fail=0
result() {
    if [ "$1" = ok ]; then echo "PASS $2"; pass=$((pass + 1))
    else echo "FAIL $2: $3"; fail=$((fail + 1)); fi
}
wait_for() {   # wait_for PATTERN FILE TENTHS
    i=0
    while ! grep -q "$1" "$2" 2>/dev/null && [ $i -lt "$3" ]; do
        sleep 0.1; i=$((i + 1))
    done
    grep -q "$1" "$2" 2>/dev/null
}

Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3>"$work/dpy" \
    >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
wait_for . "$work/dpy" 100 ||
    { echo "SKIP linux-window: Xvfb did not start"; exit 0; }
DISPLAY=:$(head -n1 "$work/dpy")
export DISPLAY

serial=$work/serial
"$kite" -accel "$accel" -m 256 -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 console=tty0 panic=-1 kite.modules=bochs" \
    -display sdl -name linux -serial file:"$serial" -no-reboot \
    -monitor unix:"$work/mon.sock",server,nowait \
    </dev/null >"$work/stdout" 2>"$work/stderr" &
kite_pid=$!
# The shell runs on tty0 (the last console=), so COM1 shows the kernel's
# messages only: wait for fbcon there, then for the shell to settle.
if ! wait_for "fb0: bochs-drmdrmfb frame buffer device" "$serial" \
        $((timeout * 10)); then
    result fail "linux boots to fbcon" "$(tail -n 5 "$serial" | tr '\n' ' ')"
    echo "linux-window: $pass passed, $fail failed"; exit 1
fi
result ok "linux boots to fbcon (bochs-drm)"
win=$(timeout 10 xdotool search --name '^Kite \(linux\)' | head -n1)
xdotool windowfocus --sync "$win" 2>/dev/null
sleep 10
# typed keys queue in tty0 until the shell reads them; the echo goes
# to COM1 so the test sees the shell ran them
xdotool type --delay 80 "uname -sr; echo typed-in-the-window >/dev/ttyS0"
xdotool key Return
if wait_for "^typed-in-the-window" "$serial" $((timeout * 10)); then
    result ok "keys typed into the window reach the Linux shell (PS/2)"
else
    result fail "typing" "$(tail -n 3 "$serial" | tr '\n' ' ')"
fi
sleep 2
ok=no
for try in 1 2 3 4 5 6 7 8; do
    rm -f "$work/sd.ppm"
    printf 'screendump %s\n' "$work/sd.ppm" |
        socat -t 1 - UNIX-CONNECT:"$work/mon.sock" >/dev/null 2>&1
    xwd -id "$win" -silent >"$work/w.xwd" &&
        python3 "$here/xwd.py" "$work/w.xwd" "$work/w.ppm" &&
        cmp -s "$work/w.ppm" "$work/sd.ppm" && { ok=yes; break; }
    sleep 0.3
done
size=$(sed -n 2p "$work/sd.ppm" 2>/dev/null)
[ "$ok" = yes ] && result ok "the window equals the screendump ($size)" ||
    result fail "the window equals the screendump" "no shot matched"
if [ -n "$png" ]; then
    python3 "$here/xwd.py" "$work/w.xwd" "$png" && echo "wrote $png"
fi
printf 'quit\n' | socat -t 1 - UNIX-CONNECT:"$work/mon.sock" >/dev/null 2>&1
wait "$kite_pid"
kite_pid=
echo "linux-window: $pass passed, $fail failed"
[ $fail -eq 0 ]
