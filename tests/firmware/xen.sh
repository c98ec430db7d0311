#!/bin/sh
# xen.sh - boots Debian's Xen hypervisor (package xen-hypervisor-4.17-amd64,
# fetched with `apt-get download` and unpacked with `dpkg -x` into the cache,
# never installed) as a multiboot kernel with Debian's Linux as dom0, as
# QEMU boots it:
#   kite -m 1024 -kernel xen -append "console=com1 ..." \
#        -initrd "vmlinuz console=hvc0 ...,initramfs.cpio.gz"
# Module 0 is the dom0 kernel with its command line, module 1 the
# initramfs. Debian ships Xen gzip'd; Kite's multiboot loader, like QEMU's,
# takes the plain image, so the test gunzips it first.
#
# The TCG case checks Xen's banner on COM1, dom0's marker KITE-E2E-OK
# (dom0's hvc0 goes out through Xen's console on COM1) and the power-off
# through Xen's ACPI S5 entry, within 90 s. The KVM case runs where
# /dev/kvm opens: a host whose KVM cannot emulate an instruction Xen runs
# early in its 64-bit code (nested KVM on AMD stops at RDSSPQ before Xen's
# banner, QEMU stopping at the same address) is reported as SKIP with
# KVM's words; a stop anywhere else, e.g. in the real-mode trampoline, fails.
# Skipped where the package, the kernel or the initramfs cannot be had.
#
# Usage: tests/firmware/xen.sh --kite PATH --kernel VMLINUZ --initrd CPIO
#        [--cache DIR] [--accel tcg|kvm]...

set -u

kite=build/kite
kernel=
initrd=
cache=tests/e2e/cache
accels=
while [ $# -gt 0 ]; do
    case "$1" in
    --kite) kite=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --initrd) initrd=$2; shift 2 ;;
    --cache) cache=$2; shift 2 ;;
    --accel) accels="$accels $2"; shift 2 ;;
    *) echo "xen.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
accels=${accels:-tcg kvm}
pkg=xen-hypervisor-4.17-amd64
image=$cache/xen/xen-4.17-amd64

# Puts the uncompressed hypervisor at $image; 1 when it cannot.
fetch_xen() {
    [ -s "$image" ] && return 0
    mkdir -p "$cache/xen" || return 1
    (cd "$cache/xen" && ls ${pkg}_*.deb >/dev/null 2>&1 ||
        apt-get download "$pkg" >/dev/null 2>&1) || return 1
    dpkg -x "$(ls "$cache"/xen/${pkg}_*.deb | tail -n 1)" "$cache/xen/root" &&
        gzip -dc "$cache/xen/root/boot/xen-4.17-amd64.gz" >"$image.tmp" &&
        mv "$image.tmp" "$image"
}

if [ -z "$kernel" ] || [ ! -r "$kernel" ] || [ ! -r "$initrd" ]; then
    echo "SKIP xen: no Debian kernel or initramfs"
    exit 0
fi
if ! fetch_xen; then
    echo "SKIP xen: cannot fetch $pkg (apt-get download)"
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

# Runs Xen with dom0 under accelerator $1 until Kite exits (dom0 powers off)
# or 90 s pass; COM1 and Kite's messages go to $tmp/out.
boot_xen() {
    "$kite" -accel "$1" -m 1024 -nographic -no-reboot \
        -kernel "$image" \
        -append "console=com1 com1=115200,8n1 dom0_mem=512M" \
        -initrd "$kernel console=hvc0 earlyprintk=xen kite.poweroff,$initrd" \
        </dev/null >"$tmp/out" 2>&1 &
    pid=$!
    for _ in $(seq 900); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

has() {
    grep -aq "$1" "$tmp/out"
}

tail_out() {
    tr -cd '[:print:]\n' <"$tmp/out" | tail -n 12 | sed 's/^/    /'
}

check_case() {
    name="xen+dom0 $1"
    boot_xen "$1"
    # Only in Xen's own 64-bit code (CS e008), past the real-mode
    # trampoline and its BIOS calls, which are Kite's to get right.
    if [ "$1" = kvm ] && ! has "(XEN) Xen version" &&
       has "KVM_EXIT_INTERNAL_ERROR" && has "emulation failure" &&
       has "^CS =e008"; then
        echo "SKIP $name: this host's KVM cannot emulate an instruction" \
             "Xen runs before its banner ($(grep -a 'instruction bytes' \
             "$tmp/out" | sed 's/^ *//'))"
        return
    fi
    if ! has "(XEN) Xen version 4.17"; then
        echo "FAIL $name: no Xen banner on COM1:"
        tail_out
        fail=$((fail + 1))
    elif ! has "^KITE-E2E-OK"; then
        echo "FAIL $name: Xen started but dom0 printed no KITE-E2E-OK:"
        tail_out
        fail=$((fail + 1))
    elif ! has "(XEN) Entering ACPI S5 state"; then
        echo "FAIL $name: dom0 ran but Xen did not power off through S5:"
        tail_out
        fail=$((fail + 1))
    else
        echo "PASS $name (Xen banner, dom0 KITE-E2E-OK, ACPI S5 power-off)"
        pass=$((pass + 1))
    fi
}

for accel in $accels; do
    if [ "$accel" = kvm ] && ! [ -r /dev/kvm -a -w /dev/kvm ]; then
        echo "SKIP xen+dom0 kvm: /dev/kvm is not usable here"
        continue
    fi
    check_case "$accel"
done
echo "xen: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
