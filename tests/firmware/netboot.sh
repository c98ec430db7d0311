#!/bin/sh
# netboot.sh - network boot through SeaBIOS and iPXE (package ipxe-qemu):
# virtio-net-pci offers iPXE's virtio ROM in its expansion-ROM BAR, SeaBIOS
# runs it, and iPXE gets an address from slirp's DHCP server, loads the
# bootfile (an iPXE script) through slirp's TFTP server at 10.0.2.2, then
# the kernel and initramfs it names, and boots them.
#
#   -boot n        the whole way: iPXE's banner, the kernel, the marker
#                  KITE-E2E-OK, exit status 0 (kite.poweroff);
#   bootindex=0    the NIC first in the fw_cfg "bootorder" file
#                  (/pci@i0cf8/ethernet@S) with no -boot: iPXE must fetch
#                  the script, then Kite is stopped.
#
# Skipped with a message when SeaBIOS, the iPXE ROM or the kernel are
# missing. Usage: tests/firmware/netboot.sh --kite PATH --kernel FILE
#                 --initrd FILE

set -u

kite=build/kite kernel= initrd=
bios=/usr/share/seabios/bios-256k.bin
rom=/usr/lib/ipxe/qemu/efi-virtio.rom
while [ $# -gt 0 ]; do
    case "$1" in
    --kite) kite=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --initrd) initrd=$2; shift 2 ;;
    *) echo "netboot.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
for f in "$bios:seabios" "$rom:ipxe-qemu"; do
    if [ ! -r "${f%%:*}" ]; then
        echo "SKIP netboot: ${f%%:*} not found (package ${f##*:})"
        exit 0
    fi
done
if [ ! -r "$kernel" ] || [ ! -r "$initrd" ]; then
    echo "SKIP netboot: no kernel or initramfs (scripts/fetch-linux," \
         "scripts/make-initramfs)"
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/tftp"
cp "$kernel" "$tmp/tftp/vmlinuz"
cp "$initrd" "$tmp/tftp/initrd"
cat >"$tmp/tftp/boot.ipxe" <<'IPXE'
#!ipxe
kernel tftp://10.0.2.2/vmlinuz console=ttyS0 kite.poweroff
initrd tftp://10.0.2.2/initrd
boot
IPXE
pass=0 fail=0

# Runs Kite with "$@" until it exits or $1 seconds pass; COM1 in $tmp/out.
run_kite() {
    limit=$1
    shift
    "$kite" -nographic -m 512 \
        -netdev "user,id=n,tftp=$tmp/tftp,bootfile=boot.ipxe" \
        "$@" </dev/null >"$tmp/out" 2>&1 &
    pid=$!
    for _ in $(seq $((limit * 10))); do
        kill -0 "$pid" 2>/dev/null || break
        [ -n "${stop_at:-}" ] && grep -aq "$stop_at" "$tmp/out" && break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        status=timeout
    else
        wait "$pid"
        status=$?
    fi
}

report() {
    if [ -z "$2" ]; then
        echo "PASS netboot $1"
        pass=$((pass + 1))
    else
        echo "FAIL netboot $1: $2; COM1 ends with:"
        tr -cd '[:print:]\n' <"$tmp/out" | tail -8 | sed 's/^/    /'
        fail=$((fail + 1))
    fi
}

start=$(date +%s)
stop_at= run_kite 90 -device virtio-net-pci,netdev=n -boot n
why=
grep -aq "iPXE (http://ipxe.org)" "$tmp/out" || why="no iPXE banner"
[ -z "$why" ] && ! grep -aq "boot.ipxe : .* \[script\]" "$tmp/out" &&
    why="the script was not fetched"
[ -z "$why" ] && ! grep -aq "Linux version" "$tmp/out" && why="no kernel"
[ -z "$why" ] && ! grep -aq "^KITE-E2E-OK" "$tmp/out" && why="no marker"
[ -z "$why" ] && [ "$status" != 0 ] && why="exit status $status"
report "-boot n (TFTP script, kernel, initrd: $(( $(date +%s) - start )) s)" "$why"

stop_at="boot.ipxe : .* \[script\]"
run_kite 30 -bios "$bios" -device virtio-net-pci,netdev=n,bootindex=0
why=
grep -aq "$stop_at" "$tmp/out" || why="iPXE did not fetch the script"
grep -aq "Booting from Hard Disk\|Booting from Floppy" "$tmp/out" &&
    why="SeaBIOS tried a disk first"
report "bootindex=0 (iPXE first in bootorder)" "$why"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
