#!/bin/sh
# The SDL window under Xvfb: boots tests/guest/vga-draw.elf ("text echo"
# and "vbe echo") with -display sdl on a private Xvfb, then
#  - takes the window's picture with xwd and compares it, pixel for pixel,
#    with Kite's own screendump (QMP/HMP `screendump`) of the same screen
#    (text: the cursor blinks, so some shots differ; one must match and
#    the window must show both phases);
#  - checks the title ("Kite (NAME)", " [Paused]" after `stop`);
#  - types with xdotool and checks the scan codes on COM1 (the guest
#    turns on set 1 translation and echoes what it reads), then that the
#    window shows what the guest drew for them;
#  - clicks to grab the mouse, moves it and checks PS/2 packets, releases
#    the grab with Ctrl-Alt-G (whose keys never reach the guest);
#  - closes the window as a window manager does: Kite quits (status 0).
# Skips (exit 0, with a message) without Xvfb, xdotool, xwd or SDL.
#
# Usage: tests/display/sdl.sh [--kite PATH] [--dir GUEST_DIR] [--xclose PATH]
set -u
kite=build/kite
dir=build/tests/guest
xclose=build/tests/display/xclose
here=$(cd "$(dirname "$0")" && pwd)
while [ $# -gt 0 ]; do
    case "$1" in
    --kite) kite=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --xclose) xclose=$2; shift 2 ;;
    *) echo "usage: $0 [--kite PATH] [--dir GUEST_DIR] [--xclose PATH]" >&2; exit 2 ;;
    esac
done
for tool in Xvfb xdotool xwd python3 socat; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "SKIP sdl: $tool not installed (scripts/install-deps)"
        exit 0
    fi
done
if ! "$kite" -display help | grep -qx sdl; then
    echo "SKIP sdl: Kite was built without SDL2"
    exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/kite-sdl.XXXXXX")
xvfb_pid=
kite_pid=
cleanup() {
    [ -n "$kite_pid" ] && kill "$kite_pid" 2>/dev/null
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null
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

# A private X server; -displayfd picks a free display number.
Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp 3>"$work/dpy" \
    >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
i=0
while [ ! -s "$work/dpy" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
if [ ! -s "$work/dpy" ]; then
    echo "SKIP sdl: Xvfb did not start ($(head -c 200 "$work/xvfb.log"))"
    exit 0
fi
DISPLAY=:$(head -n1 "$work/dpy")
export DISPLAY

wait_for() {   # wait_for PATTERN FILE [TENTHS]
    i=0
    while ! grep -q "$1" "$2" 2>/dev/null && [ $i -lt "${3:-100}" ]; do
        sleep 0.1; i=$((i + 1))
    done
    grep -q "$1" "$2" 2>/dev/null
}

hmp() {        # hmp COMMAND: one human monitor command
    printf '%s\n' "$1" | socat -t 1 - UNIX-CONNECT:"$work/mon.sock" \
        >>"$work/mon.log" 2>&1
}

window_ppm() { # window_ppm OUT.ppm: the window's picture
    xwd -id "$win" -silent >"$work/w.xwd" 2>/dev/null &&
        python3 "$here/xwd.py" "$work/w.xwd" "$1"
}

# Compares window shots with a fresh screendump; sets $matched, $differed.
compare_shots() {
    matched=no differed=no
    rm -f "$work/sd.ppm"
    hmp "screendump $work/sd.ppm"
    [ -s "$work/sd.ppm" ] || return
    n=0
    while [ $n -lt "$1" ]; do
        if window_ppm "$work/w.ppm" && cmp -s "$work/w.ppm" "$work/sd.ppm"; then
            matched=yes
        else
            differed=yes
        fi
        [ "$matched" = yes ] && [ "$2" = first ] && return
        sleep 0.12
        n=$((n + 1))
    done
}

start() {      # start PHASE
    serial="$work/serial.$1"
    "$kite" -accel tcg -m 64 -kernel "$dir/vga-draw.elf" -append "$1 echo" \
        -vga std -display sdl -name sdltest -serial file:"$serial" \
        -monitor unix:"$work/mon.sock",server,nowait -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=4 \
        </dev/null >"$work/stdout" 2>"$work/stderr" &
    kite_pid=$!
    win=
    if wait_for ECHO "$serial"; then
        win=$(timeout 10 xdotool search --sync --name '^Kite \(sdltest\)' | head -n1)
    fi
    [ -n "$win" ]
}

finish() {     # finish: waits for Kite to end; sets $status
    i=0
    while kill -0 "$kite_pid" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1; i=$((i + 1))
    done
    kill "$kite_pid" 2>/dev/null
    wait "$kite_pid"
    status=$?
    kite_pid=
}

# ---- text mode: picture, cursor blink, title, keys ----
if start text; then
    compare_shots 12 all
    if [ "$matched" = yes ]; then
        result ok "text: window equals the screendump (720x400)"
    else
        result fail "text: window equals the screendump" "no shot matched"
    fi
    [ "$differed" = yes ] && result ok "text: the cursor blinks" ||
        result fail "text: the cursor blinks" "every shot the same"
    name=$(xdotool getwindowname "$win")
    [ "$name" = "Kite (sdltest)" ] && result ok "title '$name'" ||
        result fail "title" "'$name'"
    hmp stop
    sleep 0.3
    name=$(xdotool getwindowname "$win")
    [ "$name" = "Kite (sdltest) [Paused]" ] && result ok "title '$name'" ||
        result fail "paused title" "'$name'"
    hmp cont
    xdotool windowfocus --sync "$win" 2>/dev/null
    xdotool key --delay 40 h i shift+a
    if wait_for "K aa" "$serial" 30 &&
       tr '\n' ' ' <"$serial" | grep -q "K 23 K a3 K 17 K 97 K 2a K 1e"; then
        result ok "typing h i A reaches the guest as set 1 scan codes"
    else
        result fail "typing" "COM1: $(tail -n 8 "$serial" | tr '\n' ' ')"
    fi
    sleep 0.2
    compare_shots 12 first
    [ "$matched" = yes ] && result ok "text: the window shows the typed bytes" ||
        result fail "text: the window shows the typed bytes" "no shot matched"
    xdotool key Escape
    finish
    [ "$status" -eq 67 ] && result ok "text: guest exit after Escape" ||
        result fail "text: guest exit" "status $status"
else
    result fail "text: window" "no window ($(head -c 300 "$work/stderr"))"
    finish
fi

# ---- DISPI mode: picture, mouse grab, Ctrl-Alt-G, close ----
if start vbe; then
    compare_shots 5 first
    [ "$matched" = yes ] && result ok "vbe: window equals the screendump (320x200)" ||
        result fail "vbe: window equals the screendump" "no shot matched"
    xdotool windowfocus --sync "$win" 2>/dev/null
    xdotool mousemove --window "$win" 100 100 click 1
    sleep 0.3
    case "$(xdotool getwindowname "$win")" in
    *grab*) result ok "a click grabs the mouse" ;;
    *) result fail "a click grabs the mouse" "title $(xdotool getwindowname "$win")" ;;
    esac
    before=$(grep -c '^M' "$serial")
    xdotool mousemove_relative -- 7 0
    sleep 0.4
    if [ "$(grep -c '^M' "$serial")" -gt "$before" ] &&
       tail -n 12 "$serial" | tr '\n' ' ' | grep -q "M 8 M 7 M 0"; then
        result ok "relative motion reaches the PS/2 mouse"
    else
        result fail "relative motion" "COM1: $(tail -n 6 "$serial" | tr '\n' ' ')"
    fi
    nk=$(grep -c '^K' "$serial")
    xdotool key ctrl+alt+g
    sleep 0.3
    case "$(xdotool getwindowname "$win")" in
    *grab*) result fail "Ctrl-Alt-G releases the grab" "still grabbed" ;;
    *) result ok "Ctrl-Alt-G releases the grab" ;;
    esac
    # Ctrl and Alt reach the guest (as on QEMU), G never does
    if ! tail -n +"$((nk + 1))" "$serial" | grep -q '^K a2$\|^K 22$'; then
        result ok "Ctrl-Alt-G's G stays out of the guest"
    else
        result fail "Ctrl-Alt-G's G stays out of the guest" "G seen"
    fi
    if [ -x "$xclose" ]; then
        "$xclose" "$win"
        finish
        [ "$status" -eq 0 ] && result ok "closing the window quits Kite (status 0)" ||
            result fail "closing the window quits Kite" "status $status"
    else
        echo "SKIP close: $xclose not built (no libX11 headers)"
        xdotool key Escape
        finish
    fi
else
    result fail "vbe: window" "no window ($(head -c 300 "$work/stderr"))"
    finish
fi
echo "sdl: $pass passed, $fail failed"
[ $fail -eq 0 ]
