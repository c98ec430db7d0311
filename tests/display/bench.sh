#!/bin/sh
# make bench-display: what the display costs the host, Kite against QEMU
# (where qemu-system-x86_64 is installed), with the SDL window (under a
# private Xvfb) and with VNC (a raw RFB client asking for updates
# continuously), for an idle guest (tests/guest/vga-draw.elf "vbe": a
# 320x200 picture, then HLT) and a guest that redraws a 1024x768x32
# framebuffer without pause ("anim"). Both run under TCG.
#
# For each case: the emulator's host CPU (user + system time of the
# process over the measured seconds, in % of one core) and, for VNC, the
# frame updates the client received per second and the host CPU time per
# received frame. The baseline row is the same guest with no display
# at all. Results go to stdout and build/bench/display.txt.
#
# Usage: tests/display/bench.sh [--kite PATH] [--dir GUEST_DIR] [--seconds N]
set -u
here=$(cd "$(dirname "$0")" && pwd)
kite=build/kite
dir=build/tests/guest
secs=5
while [ $# -gt 0 ]; do
    case "$1" in
    --kite) kite=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --seconds) secs=$2; shift 2 ;;
    *) echo "usage: $0 [--kite PATH] [--dir DIR] [--seconds N]" >&2; exit 2 ;;
    esac
done
qemu=$(command -v qemu-system-x86_64 || true)
work=$(mktemp -d "${TMPDIR:-/tmp}/kite-dbench.XXXXXX")
pid= xvfb_pid= watch_pid=
cleanup() {
    for p in $watch_pid $pid $xvfb_pid; do kill "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
out=build/bench/display.txt
mkdir -p build/bench

have_x=no
if command -v Xvfb >/dev/null 2>&1; then
    Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3>"$work/dpy" \
        >/dev/null 2>&1 &
    xvfb_pid=$!
    i=0
    while [ ! -s "$work/dpy" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    [ -s "$work/dpy" ] && have_x=yes
fi
xdisplay=:$(head -n1 "$work/dpy" 2>/dev/null)
port=$(( 5900 + $$ % 50 + 40 ))

cpu_ticks() {  # user + system clock ticks of a process
    awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# run ENGINE FRONTEND LOAD: prints "cpu% fps ms/frame"
run() {
    engine=$1 fe=$2 load=$3
    serial=$work/serial
    rm -f "$serial"
    set -- -m 64 -kernel "$dir/vga-draw.elf" -append "$load" -vga std \
        -serial file:"$serial"
    case "$fe" in
    none) set -- "$@" -display none ;;
    sdl) set -- "$@" -display sdl ;;
    vnc) set -- "$@" -display none -vnc "127.0.0.1:$((port - 5900))" ;;
    esac
    if [ "$engine" = kite ]; then
        DISPLAY=$xdisplay "$kite" -accel tcg "$@" </dev/null >/dev/null 2>&1 &
    else
        DISPLAY=$xdisplay "$qemu" -accel tcg "$@" </dev/null >/dev/null 2>&1 &
    fi
    pid=$!
    i=0
    while ! grep -q READY "$serial" 2>/dev/null && [ $i -lt 300 ]; do
        sleep 0.1; i=$((i + 1))
    done
    sleep 1
    frames=0
    if [ "$fe" = vnc ]; then
        python3 "$here/rfb.py" "127.0.0.1:$port" watch $((secs + 2)) \
            >"$work/watch" 2>/dev/null &
        watch_pid=$!
        sleep 1
    fi
    hz=$(getconf CLK_TCK)
    t0=$(cpu_ticks $pid); w0=$(date +%s.%N)
    r0=$(grep -c rect "$work/watch" 2>/dev/null); r0=${r0:-0}
    sleep "$secs"
    t1=$(cpu_ticks $pid); w1=$(date +%s.%N)
    r1=$(grep -c rect "$work/watch" 2>/dev/null); r1=${r1:-0}
    kill $pid 2>/dev/null; wait $pid 2>/dev/null
    [ -n "$watch_pid" ] && { kill $watch_pid 2>/dev/null; wait $watch_pid 2>/dev/null; }
    pid= watch_pid=
    rm -f "$work/watch"
    awk -v t0="$t0" -v t1="$t1" -v w0="$w0" -v w1="$w1" -v hz="$hz" \
        -v f=$((r1 - r0)) -v fe="$fe" 'BEGIN {
        cpu = (t1 - t0) / hz; wall = w1 - w0
        if (fe == "vnc" && f > 0)
            printf "%6.1f %7.1f %8.2f\n", 100 * cpu / wall, f / wall, 1000 * cpu / f
        else
            printf "%6.1f %7s %8s\n", 100 * cpu / wall, "-", "-"
    }'
}

{
    echo "Display cost, ${secs}s per case, TCG (host CPU % of one core;"
    echo "fps = VNC updates received per second; ms/frame = host CPU per update)"
    printf "%-6s %-5s %-5s %6s %7s %8s\n" engine front load cpu% fps ms/frame
} | tee "$out"
for engine in kite qemu; do
    if [ "$engine" = qemu ] && [ -z "$qemu" ]; then
        echo "SKIP qemu: qemu-system-x86_64 not installed" | tee -a "$out"
        continue
    fi
    for fe in none sdl vnc; do
        if [ "$fe" = sdl ] && [ "$have_x" = no ]; then
            echo "SKIP $engine sdl: no Xvfb" | tee -a "$out"; continue
        fi
        for load in vbe anim; do
            printf "%-6s %-5s %-5s %s\n" "$engine" "$fe" \
                "$([ $load = vbe ] && echo idle || echo redraw)" \
                "$(run $engine $fe $load)" | tee -a "$out"
        done
    done
done
