#!/bin/sh
# run.sh - command-line tests: bad input must end with exit status 1 and
# one "kite: ..." line on stderr naming the problem, never a crash; -version,
# -help and the help listings must exit 0.
#
# Usage: tests/cli/run.sh [--kite PATH]
# Prints one line per case and "N passed, N failed[, N skipped]".

set -u

kite=build/kite
while [ $# -gt 0 ]; do
    case "$1" in
    --kite) kite=$2; shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
case "$kite" in
/*) ;;
*) kite=$(pwd)/$kite ;;
esac
if [ ! -x "$kite" ]; then
    echo "run.sh: $kite not found (run make first)" >&2
    exit 2
fi

passed=0
failed=0
skipped=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ulimit -c 0 2>/dev/null || true

# ---- input files ---------------------------------------------------------

# le32 VALUE: four little-endian bytes.
le32() {
    printf "$(printf '\\%03o\\%03o\\%03o\\%03o' \
        $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"
}

# A multiboot v1 header (magic, flags, checksum) whose checksum is wrong,
# padded to 8 KiB.
make_bad_multiboot() {
    { le32 0x1BADB002; le32 0; le32 1; } >"$1"
    dd if=/dev/zero bs=1 count=8180 status=none >>"$1"
}

# A valid multiboot v1 image using the a.out kludge (flags bit 16): loaded
# at 1 MiB, entry just past the header. Its code is never reached here.
make_good_multiboot() {
    { le32 0x1BADB002; le32 0x00010000; le32 $((-(0x1BADB002 + 0x00010000)))
      le32 0x100000; le32 0x100000; le32 0; le32 0; le32 0x100020; } >"$1"
    dd if=/dev/zero bs=1 count=8160 status=none >>"$1"
}

# The first 1 KiB of a bzImage whose header claims 39 setup sectors
# (boot flag 0xAA55 at 0x1fe, "HdrS" at 0x202, protocol 2.15).
make_truncated_bzimage() {
    dd if=/dev/zero bs=1 count=1024 status=none >"$1"
    printf '\047' | dd of="$1" bs=1 seek=$((0x1f1)) conv=notrunc status=none
    printf '\125\252' | dd of="$1" bs=1 seek=$((0x1fe)) conv=notrunc status=none
    printf 'HdrS\017\002' | dd of="$1" bs=1 seek=$((0x202)) conv=notrunc \
        status=none
}

# le16 VALUE: two little-endian bytes.
le16() {
    printf "$(printf '\\%03o\\%03o' $(($1 & 255)) $(($1 >> 8 & 255)))"
}

# An ELF32 executable with one PT_LOAD at 1 MiB and no notes: neither a
# multiboot nor a PVH kernel.
make_plain_elf() {
    { printf '\177ELF\001\001\001'; dd if=/dev/zero bs=1 count=9 status=none
      le16 2; le16 3; le32 1; le32 0x100000; le32 52; le32 0; le32 0
      le16 52; le16 32; le16 1; le16 40; le16 0; le16 0
      le32 1; le32 0; le32 0x100000; le32 0x100000; le32 84; le32 84
      le32 5; le32 4096; } >"$1"
}

# 64 KiB of fixed pseudo-random bytes (the same every run).
make_noise() {
    LC_ALL=C awk 'BEGIN {
        x = 12345
        for (i = 0; i < 65536; i++) {
            x = (x * 1103515245 + 12345) % 2147483648
            printf "%c", int(x / 65536) % 256
        }
    }' >"$1"
}

make_bad_multiboot "$work/bad-checksum.mb"
make_good_multiboot "$work/good.mb"
make_truncated_bzimage "$work/truncated.bzImage"
make_noise "$work/noise.bin"
make_plain_elf "$work/plain.elf"
dd if=/dev/zero bs=1000 count=1 status=none >"$work/bad-size.rom"
dd if=/dev/zero bs=65536 count=1 status=none >"$work/zero.rom"
mkdir "$work/a-directory"
mkfifo "$work/a-fifo"

# ---- accelerator for the cases that get as far as building a machine ----

# TCG needs nothing from the host, so it is the first choice; KVM only if a
# build ever lacks the TCG.
accel=
if ! timeout -k 1 2 "$kite" -accel tcg -bios "$work/zero.rom" \
        -nographic </dev/null 2>&1 >/dev/null | grep -qi "not available"; then
    accel=tcg
elif [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
    accel=kvm
fi

# ---- checks --------------------------------------------------------------

run_kite() {
    (cd "$work" && exec timeout -k 2 10 "$kite" "$@") \
        </dev/null >"$work/out" 2>"$work/err"
    echo $?
}

pass() {
    echo "PASS $1"
    passed=$((passed + 1))
}

fail() {
    echo "FAIL $1: $2"
    sed -n '1,3s/^/    stderr: /p' "$work/err"
    failed=$((failed + 1))
}

# bad NAME REGEX ARGS...: exit status 1, exactly one stderr line, which
# starts with "kite: " and matches REGEX (case-insensitive), nothing else.
bad() {
    name=$1 regex=$2
    shift 2
    rc=$(run_kite "$@")
    lines=$(wc -l <"$work/err")
    if [ "$rc" -gt 128 ] || [ "$rc" = 124 ]; then
        fail "$name" "crashed or hung (exit status $rc)"
    elif [ "$rc" != 1 ]; then
        fail "$name" "exit status $rc, expected 1"
    elif [ "$lines" != 1 ]; then
        fail "$name" "expected one line on stderr, got $lines"
    elif ! grep -q '^kite: ' "$work/err"; then
        fail "$name" "stderr does not start with 'kite: '"
    elif ! grep -qiE -e "$regex" "$work/err"; then
        fail "$name" "message does not match /$regex/"
    else
        pass "$name"
    fi
}

# bad_machine: like bad, for cases Kite only notices while building the
# machine, which needs a working accelerator.
bad_machine() {
    if [ -z "$accel" ]; then
        echo "SKIP $1: no usable accelerator"
        skipped=$((skipped + 1))
        return
    fi
    name=$1 regex=$2
    shift 2
    bad "$name" "$regex" -accel "$accel" "$@"
}

# good NAME REGEX ARGS...: exit status 0 and stdout matching REGEX.
good() {
    name=$1 regex=$2
    shift 2
    rc=$(run_kite "$@")
    if [ "$rc" != 0 ]; then
        fail "$name" "exit status $rc, expected 0"
    elif ! grep -qiE -e "$regex" "$work/out"; then
        fail "$name" "output does not match /$regex/"
    else
        pass "$name"
    fi
}

# ---- cases ---------------------------------------------------------------

bad "unknown option" "unknown option.*-bogus" -bogus
bad "unknown option (double dash)" "unknown option.*--bogus" --bogus
bad "-debugcon backend with a comma" "debugcon" -debugcon file:a,b -bios zero.rom
bad "-debugcon twice" "twice" -debugcon null -debugcon null -bios zero.rom
bad "-m without argument" "-m.*(needs|requires|missing).*argument" -m
bad "-kernel without argument" "-kernel.*argument" -kernel
bad "stray argument" "unexpected argument|stray" -m 64 stray
bad "-m 0" "-m.*0" -m 0 -bios zero.rom
bad "-m abc" "-m.*abc" -m abc -bios zero.rom
bad "-m -5" "-m.*-5" -m -5 -bios zero.rom
bad "-m too large" "-m.*(100000G|too large|out of range)" -m 100000G \
    -bios zero.rom
bad "-m 12Q" "-m.*12Q" -m 12Q -bios zero.rom
bad "unknown -accel" "accel.*foo" -accel foo -bios zero.rom
bad "unknown -machine" "machine.*foo" -machine foo -bios zero.rom
# set-accel-use-after-free: a name of 64 characters or more was printed
# from freed memory; the message must quote it intact.
long_accel=$(printf 'k%.0s' $(seq 70))
bad "set-accel-use-after-free (-accel)" "'$long_accel' is too long" \
    -accel "$long_accel" -bios zero.rom
bad "set-accel-use-after-free (-machine accel=)" "'$long_accel' is too long" \
    -machine "pc,accel=$long_accel" -bios zero.rom
bad "unknown -device" "device.*nosuch" -device nosuch -bios zero.rom
bad "bad -serial" "serial.*tcp:1" -serial tcp:1 -bios zero.rom
bad "-gdb udp" "-gdb 'udp::1234': unsupported" -gdb udp::1234 -bios zero.rom
bad "-gdb tcp without host" "-gdb 'tcp:1234': needs HOST:PORT" -gdb tcp:1234 \
    -bios zero.rom
bad "-gdb without argument" "-gdb.*argument" -gdb
bad "-gdb bad port" "-gdb 'tcp::99999': the port must be" -gdb tcp::99999 \
    -bios zero.rom
bad "unknown -d item" "-d.*nosuchitem" -d nosuchitem -bios zero.rom
bad "nothing to boot" "kernel|bios|boot" -m 64
bad_machine "-kernel missing file" "no-such-file" -kernel no-such-file
bad_machine "-kernel directory" "a-directory.*(not a regular file|directory)|(not a regular file|directory).*a-directory" \
    -kernel a-directory
bad_machine "-kernel truncated bzImage" "truncated" -m 64 \
    -kernel truncated.bzImage
bad_machine "-kernel random bytes" "not a|unknown|unrecognized|magic" -m 64 \
    -kernel noise.bin
bad_machine "-kernel ELF neither multiboot nor PVH" \
    "neither a multiboot header nor a PVH entry note" -m 64 -kernel plain.elf
bad_machine "-kernel multiboot bad checksum" "checksum" -m 64 \
    -kernel bad-checksum.mb
bad_machine "-initrd missing file" "no-such-initrd" -m 64 \
    -kernel good.mb -initrd no-such-initrd
bad_machine "-bios missing file" "no-such-rom" -bios no-such-rom
bad_machine "-bios bad size" "bad-size.rom|size|bytes" -bios bad-size.rom
bad_machine "-device bad property" "bogus" \
    -device isa-debug-exit,bogus=1 -bios zero.rom
bad_machine "-device bad property value" "iobase.*zz|zz.*iobase" \
    -device isa-debug-exit,iobase=zz -bios zero.rom
bad_machine "isa-debugcon without a backend" "chardev" \
    -device isa-debugcon -bios zero.rom
bad_machine "isa-debugcon on stdio with a stdio COM1" "stdio" \
    -nographic -debugcon stdio -bios zero.rom
bad_machine "isa-debugcon bad backend" "nowhere" \
    -device isa-debugcon,chardev=nowhere -bios zero.rom
bad_machine "isa-debugcon iobase past the port space" "iobase" \
    -device isa-debugcon,chardev=null,iobase=0x10000 -bios zero.rom
bad_machine "-device PCI address in use" "00.0.*(used|i440FX)|i440FX" \
    -device pci-testdev,addr=0 -bios zero.rom
bad_machine "-device PCI address malformed" "PCI address.*1g|1g" \
    -device pci-testdev,addr=1g -bios zero.rom
bad_machine "-device PCI function past 7" "function|3.9" \
    -device pci-testdev,addr=3.9 -bios zero.rom
bad_machine "-device two at one PCI address" "03.0.*used" \
    -device pci-testdev,addr=3 -device pci-testdev,addr=3 -bios zero.rom
bad_machine "-device PCI ROM file missing" "no-such-rom" \
    -device pci-testdev,romfile=no-such-rom -bios zero.rom
bad_machine "-device pci-testdev bad membar" "membar" \
    -device pci-testdev,membar=100 -bios zero.rom

# command-line-says-yes: each of these was accepted and then ignored.
bad "-cpu max,+avx under TCG" "cannot provide.*avx" -accel tcg \
    -cpu max,+avx -bios zero.rom
bad "-cpu host under TCG" "host.*KVM" -accel tcg -cpu host -bios zero.rom
bad "-cpu unknown flag" "unknown CPU flag.*nosuch" -cpu max,+nosuch \
    -bios zero.rom
bad "-cpu empty flag" "empty" -cpu "max,,+cx8" -bios zero.rom
bad "-cpu bad flag value" "sse2.*maybe|maybe" -cpu max,sse2=maybe \
    -bios zero.rom
bad "-cpu unknown model" "unknown CPU model.*pentium9" -cpu pentium9 \
    -bios zero.rom
bad "-machine pc-q35-7.2" "pc-q35-7.2.*not supported" -machine pc-q35-7.2 \
    -bios zero.rom
bad "-machine pc-i440fx-7.2" "pc-i440fx-7.2.*not supported" \
    -machine pc-i440fx-7.2 -bios zero.rom
bad "-machine pc-foo" "unknown machine.*pc-foo" -machine pc-foo -bios zero.rom
bad "-machine type=q35" "q35" -machine type=q35 -bios zero.rom
bad "-smp 1,sockets=4,cores=2" "product of the hierarchy.*maxcpus" \
    -smp 1,sockets=4,cores=2 -bios zero.rom
bad "-smp sockets=2" "2 vCPUs.*only one" -smp sockets=2 -bios zero.rom
bad "-smp 4,sockets=3" "sockets \\(3\\).*maxcpus \\(4\\)" -smp 4,sockets=3 \
    -bios zero.rom
bad "-smp 2,maxcpus=1" "maxcpus|only one" -smp 2,maxcpus=1 -bios zero.rom
bad "-smp 0" "greater than zero" -smp 0 -bios zero.rom
bad "-smp 1,bogus=1" "unknown topology parameter.*bogus" -smp 1,bogus=1 \
    -bios zero.rom
bad "-d ," "empty item" -d , -bios zero.rom
bad "-d in_asm,,int" "empty item" -d in_asm,,int -bios zero.rom
bad "-d int," "empty item" -d int, -bios zero.rom
bad "-serial five times" "at most 4" -serial null -serial null -serial null \
    -serial null -serial null -bios zero.rom
bad "-serial stdio twice" "only one.*stdio" -serial stdio -serial stdio \
    -bios zero.rom
bad "-vga cirrus" "vga.*cirrus" -vga cirrus -bios zero.rom
bad "-net user" "net none" -net user -bios zero.rom
bad "-netdev unknown backend" "netdev.*socket.*not supported" \
    -netdev socket,id=a -bios zero.rom
bad "-netdev without id" "netdev.*id=" -netdev user -bios zero.rom
bad "-netdev duplicate id" "duplicate id 'a'" \
    -netdev user,id=a -netdev user,id=a -bios zero.rom
bad "-netdev user bad hostfwd" "hostfwd=tcp::x" \
    -netdev user,id=a,hostfwd=tcp::x-:22 -bios zero.rom
bad "-netdev user unknown key" "unknown option 'foo'" \
    -netdev user,id=a,foo=1 -bios zero.rom
bad "-netdev tap without ifname" "ifname" -netdev tap,id=t -bios zero.rom
bad "-netdev tap with a script" "runs no scripts" \
    -netdev tap,id=t,ifname=kt0,script=/etc/qemu-ifup -bios zero.rom
bad "-nic with an unknown model" "model=e1000" -nic user,model=e1000 \
    -bios zero.rom
bad "-nic with a bad mac" "mac=" -nic user,mac=52:54 -bios zero.rom
bad "-chardev without id" "chardev.*id=" -chardev null -bios zero.rom
bad "-chardev unknown backend" "spice" -chardev spice,id=a -bios zero.rom
bad_machine "virtio-net-pci on a missing netdev" "netdev=nope" \
    -device virtio-net-pci,netdev=nope -bios zero.rom
bad_machine "virtconsole without virtio-serial-pci" "virtio-serial-pci" \
    -chardev null,id=c -device virtconsole,chardev=c -bios zero.rom
bad_machine "virtconsole on a missing chardev" "chardev=x" \
    -device virtio-serial-pci -device virtconsole,chardev=x -bios zero.rom
bad_machine "-netdev tap that cannot be opened" "tap: " \
    -netdev tap,id=t,ifname=bad/name -device virtio-net-pci,netdev=t \
    -bios zero.rom
bad "-rtc base=localtime" "base=utc" -rtc base=localtime -bios zero.rom
bad "-daemonize with stdio" "daemonize.*stdio" -daemonize -nographic \
    -bios zero.rom
bad_machine "-serial file: on a FIFO without a reader" "serial.*fifo" \
    -serial file:a-fifo -bios zero.rom
# -drive and virtio-blk-pci (block/drive.c, hw/virtio/virtio-blk.c)
dd if=/dev/zero bs=65536 count=16 status=none >"$work/disk.img"
: >"$work/empty.img"
bad "-drive without file" "no file" -drive if=virtio -bios zero.rom
bad "-drive format=vmdk" "format=vmdk.*not supported" \
    -drive file=disk.img,format=vmdk -bios zero.rom
bad_machine "-drive format=qcow2 on a raw image" "qcow2 header: bad magic" \
    -drive file=disk.img,format=qcow2 -bios zero.rom
{ printf 'QFI\373\0\0\0\011'; head -c 1024 /dev/zero; } >"$work/v9.qcow2"
bad_machine "-drive qcow2 version 9" "qcow2 version 9 is not supported" \
    -drive file=v9.qcow2 -bios zero.rom
bad "-drive if=scsi" "if=scsi" -drive file=disk.img,if=scsi -bios zero.rom
bad "-drive index=4" "index=4" -drive file=disk.img,index=4 -bios zero.rom
bad "-drive media=cdrom on virtio" "cdrom needs if=ide" \
    -drive file=disk.img,if=virtio,media=cdrom -bios zero.rom
bad "-boot order=x" "not a, c, d or n" -boot order=x -bios zero.rom
bad "-boot cc" "given twice" -boot cc -bios zero.rom
bad "-boot unknown option" "unknown option 'foo'" -boot foo=1 -bios zero.rom
bad "-boot reboot-timeout=-5" "reboot-timeout" -boot reboot-timeout=-5 \
    -bios zero.rom
bad "-hda empty name" "empty file name" -hda "" -bios zero.rom
bad "-drive unknown option" "unsupported drive option.*werror" \
    -drive file=disk.img,werror=stop -bios zero.rom
bad "-drive two with one id" "two drives.*d0" -drive file=disk.img,id=d0 \
    -drive file=disk.img,id=d0 -bios zero.rom
bad_machine "-drive missing image" "cannot open.*nosuch.img" \
    -drive file=nosuch.img -bios zero.rom
bad_machine "-cdrom missing image" "nosuch.iso" -cdrom nosuch.iso \
    -bios zero.rom
bad_machine "IDE index given twice" "index 0 is taken" -hda disk.img \
    -drive file=disk.img,index=0,readonly=on -bios zero.rom
bad_machine "bootindex given twice" "bootindex 1 is given twice" \
    -drive file=disk.img,bootindex=1,readonly=on \
    -drive file=disk.img,if=virtio,bootindex=1,readonly=on -bios zero.rom
bad_machine "-drive empty image" "smaller than" -drive file=empty.img \
    -bios zero.rom
bad_machine "-drive a directory" "not a regular file" \
    -drive file=.,readonly=on -bios zero.rom
bad_machine "-device virtio-blk-pci without drive" "drive=ID" \
    -device virtio-blk-pci -bios zero.rom
bad_machine "-device virtio-blk-pci unknown drive" "no -drive.*nope" \
    -device virtio-blk-pci,drive=nope -bios zero.rom
if [ -n "$accel" ]; then
    (cd "$work" && exec timeout -k 1 10 "$kite" -accel "$accel" -display none \
        -drive file=disk.img -bios zero.rom) </dev/null >/dev/null 2>&1 &
    holder=$!
    ino=$(stat -c %i "$work/disk.img")
    for i in 1 2 3 4 5 6 7 8 9 10; do      # until it holds its OFD lock
        grep -q "OFDLCK.*:$ino " /proc/locks && break
        sleep 0.3
    done
    bad_machine "-drive image in use by another Kite" "in use by another" \
        -drive file=disk.img -bios zero.rom
    bad_machine "-drive readonly image in use" "in use by another" \
        -drive file=disk.img,readonly=on -bios zero.rom
    kill "$holder" 2>/dev/null
    wait "$holder" 2>/dev/null
fi
good "-device virtio-blk-pci,help" "num-queues" -device virtio-blk-pci,help

good "-smp with a full topology of one" "" -smp \
    cpus=1,maxcpus=1,sockets=1,dies=1,cores=1,threads=1 -version
good "-accel help" "^tcg" -accel help
good "-machine help" "^pc " -machine help
good "-cpu help" "qemu64" -cpu help
good "-cpu help lists flags" "sse2" -cpu help
good "-display help" "none" -display help
good "-vga help" "^std" -vga help
bad "-display none,bogus" "display.*bogus" -display none,bogus -bios zero.rom
good "-version" "version" -version
good "-help" "usage" -help
good "-device help" "isa-debug-exit" -device help
good "-device pci-testdev,help" "addr=.*slot" -device pci-testdev,help
good "-d help" "in_asm|guest_errors|int" -d help

if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
