#!/bin/sh
# run.sh - boots Debian's SeaBIOS (package seabios) on the pc machine under
# the TCG and waits for the end of its POST ("No bootable device"): the
# firmware finds the i440FX and PIIX3 through 0xCF8/0xCFC, sizes and
# places the BARs of a pci-testdev, programs the PIRQ routes and shadows
# itself through the PAM registers before it prints that line. Skipped
# when SeaBIOS is not installed.
#
# Usage: tests/firmware/run.sh [--kite PATH] [--bios FILE]

set -u

kite=build/kite
bios=/usr/share/seabios/bios.bin
while [ $# -gt 0 ]; do
    case "$1" in
    --kite) kite=$2; shift 2 ;;
    --bios) bios=$2; shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ ! -r "$bios" ]; then
    echo "SKIP seabios: $bios not found (install the seabios package)"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$kite" -accel tcg -m 128 -bios "$bios" -nographic -device pci-testdev \
    </dev/null >"$out" 2>&1 &
pid=$!
seen=no
for _ in $(seq 200); do
    if grep -aq "No bootable device" "$out"; then
        seen=yes
        break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

if [ "$seen" = yes ] && grep -aq "SeaBIOS (version" "$out"; then
    echo "PASS seabios (POST to 'No bootable device')"
    echo "1 passed, 0 failed"
    exit 0
fi
echo "FAIL seabios: no 'No bootable device' within 20 s; output:"
tr -cd '[:print:]\n' <"$out" | sed -n '1,10s/^/    /p'
echo "0 passed, 1 failed"
exit 1
