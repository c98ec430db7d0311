#!/bin/sh
# run.sh - boots Debian's SeaBIOS (package seabios) on the pc machine under
# the TCG and waits for the end of its POST ("No bootable device" on COM1,
# where SeaBIOS's serial console puts its screen under -nographic): the
# firmware finds the i440FX and PIIX3 through 0xCF8/0xCFC, sizes and
# places the BARs of a pci-testdev, programs the PIRQ routes, shadows
# itself through the PAM registers, reads fw_cfg (e820, ACPI tables
# through the table loader) before it prints that line.
#
# Each case runs one firmware image (bios.bin, the 128 KiB build, and
# bios-256k.bin, whose SMM setup must be skipped) under one TCG backend
# (native, interp), with an isa-debugcon at 0x402: SeaBIOS writes its
# debug log there only if a read of the port returns 0xe9, so the log's
# banner also checks the readback. Skipped when SeaBIOS is not installed.
#
# Usage: tests/firmware/run.sh [--kite PATH] [--bios FILE]

set -u

kite=build/kite
bioses="/usr/share/seabios/bios.bin /usr/share/seabios/bios-256k.bin"
while [ $# -gt 0 ]; do
    case "$1" in
    --kite) kite=$2; shift 2 ;;
    --bios) bioses=$2; shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0 skip=0

# Waits up to 20 s for "No bootable device" on COM1, then stops Kite.
boot_to_no_device() {
    "$kite" -accel "tcg,backend=$2" -m 128 -bios "$1" -nographic \
        -device pci-testdev \
        -device "isa-debugcon,iobase=0x402,chardev=file:$tmp/debugcon" \
        </dev/null >"$tmp/com1" 2>&1 &
    pid=$!
    seen=no
    for _ in $(seq 200); do
        if grep -aq "No bootable device" "$tmp/com1"; then
            seen=yes
            break
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    [ "$seen" = yes ]
}

check_case() {
    name="seabios $(basename "$1") $2"
    rm -f "$tmp/com1" "$tmp/debugcon"
    if ! boot_to_no_device "$1" "$2"; then
        echo "FAIL $name: no 'No bootable device' on COM1 within 20 s:"
        tr -cd '[:print:]\n' <"$tmp/com1" | sed -n '1,10s/^/    /p'
        fail=$((fail + 1))
        return
    fi
    if ! grep -aq "SeaBIOS (version" "$tmp/com1"; then
        echo "FAIL $name: no SeaBIOS banner on COM1"
        fail=$((fail + 1))
    elif ! grep -aq "^SeaBIOS (version" "$tmp/debugcon" ||
         ! grep -aq "Found QEMU fw_cfg" "$tmp/debugcon"; then
        echo "FAIL $name: debugcon log lacks the banner or fw_cfg:"
        sed -n '1,5s/^/    /p' "$tmp/debugcon" 2>/dev/null
        fail=$((fail + 1))
    else
        echo "PASS $name (POST to 'No bootable device', debugcon log)"
        pass=$((pass + 1))
    fi
}

for bios in $bioses; do
    if [ ! -r "$bios" ]; then
        echo "SKIP seabios: $bios not found (install the seabios package)"
        skip=$((skip + 1))
        continue
    fi
    for backend in native interp; do
        check_case "$bios" "$backend"
    done
done

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
