#!/bin/sh
# make-boot-media.sh - builds the boot media of tests/firmware/boot-media.sh
# from Debian's kernel and the busybox initramfs, without loop devices or
# root-only tools:
#
#   disk.img  a raw disk with an MBR: GRUB's boot.img in the boot code,
#             core.img (grub-mkimage -O i386-pc: biosdisk, part_msdos,
#             ext2, linux, normal, configfile) in the gap after it, whose
#             first sector (diskboot) loads the rest from sector 2 on; one
#             ext2 partition from sector 2048 (mke2fs -d) with /boot/vmlinuz,
#             /boot/initrd.img and /boot/grub/grub.cfg.
#   cd.iso    grub-mkrescue's El Torito ISO with the kernel, the initramfs
#             with modules and a file kite/hello.txt to read back.
#   disk-cd.img, disk-virtio.img  copies of disk.img for those cases.
#   floppy.img  a floppy whose boot sector prints KITE-FLOPPY-OK (memdisk).
#
# Usage: make-boot-media.sh OUTDIR KERNEL INITRD MODULES_INITRD
# Exits 77 (with a message) when a tool is missing.

set -eu

out=$1 kernel=$2 initrd=$3 modinitrd=$4
grubdir=/usr/lib/grub/i386-pc

need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    [ -x "/usr/sbin/$1" ] && return 0
    echo "missing $1 (Debian package $2)"
    exit 77
}
need grub-mkimage grub-pc-bin
need grub-mkrescue grub-pc-bin
need xorriso xorriso
need mformat mtools
need mke2fs e2fsprogs
need python3 python3
[ -r "$grubdir/boot.img" ] || { echo "missing $grubdir (grub-pc-bin)"; exit 77; }
PATH=$PATH:/usr/sbin

mkdir -p "$out"
stage=$out/stage
rm -rf "$stage"
mkdir -p "$stage/boot/grub"
cp "$kernel" "$stage/boot/vmlinuz"
cp "$initrd" "$stage/boot/initrd.img"
cat >"$stage/boot/grub/grub.cfg" <<'EOF'
set timeout=0
menuentry "kite disk" {
    linux /boot/vmlinuz console=ttyS0 panic=-1 kite.poweroff
    initrd /boot/initrd.img
}
EOF

# The partition: the files plus 4 MiB, in 1 KiB blocks.
kb=$(du -sk "$stage" | cut -f1)
part_kb=$((kb + 4096))
rm -f "$out/part.img"
mke2fs -q -t ext2 -L kiteboot -d "$stage" "$out/part.img" "${part_kb}k"

grub-mkimage -O i386-pc -o "$out/core.img" -p '(hd0,msdos1)/boot/grub' \
    biosdisk part_msdos ext2 linux normal configfile

# MBR + gap + partition, and the partition entry, in one pass.
python3 - "$grubdir/boot.img" "$out/core.img" "$out/part.img" \
    "$out/disk.img" <<'EOF'
import struct, sys
boot, core, part, disk = sys.argv[1:]
start = 2048
mbr = bytearray(open(boot, 'rb').read())
core_img = open(core, 'rb').read()
part_img = open(part, 'rb').read()
if len(core_img) > (start - 1) * 512:
    sys.exit("core.img does not fit before the partition")
sectors = (len(part_img) + 511) // 512
mbr[446:510] = bytes(64)
# bootable, CHS fields unused (LBA), type 0x83, LBA start and length
mbr[446:462] = struct.pack('<B3sB3sII', 0x80, b'\xfe\xff\xff', 0x83,
                           b'\xfe\xff\xff', start, sectors)
mbr[510:512] = b'\x55\xaa'
with open(disk, 'wb') as f:
    f.write(mbr)
    f.write(core_img)
    f.seek(start * 512)
    f.write(part_img)
    f.truncate((start + sectors) * 512)
EOF

# The CD: kernel, initramfs with modules, a file to read from Linux.
cd_stage=$out/cd-stage
rm -rf "$cd_stage"
mkdir -p "$cd_stage/boot/grub" "$cd_stage/kite"
cp "$kernel" "$cd_stage/boot/vmlinuz"
cp "$modinitrd" "$cd_stage/boot/initrd.img"
echo "KITE-CD-FILE-OK" >"$cd_stage/kite/hello.txt"
cat >"$cd_stage/boot/grub/grub.cfg" <<'EOF'
set timeout=0
menuentry "kite cd" {
    linux /boot/vmlinuz console=ttyS0 panic=-1 kite.modules=ata_piix,sd_mod,sr_mod,isofs,ext4
    initrd /boot/initrd.img
}
EOF
grub-mkrescue -o "$out/cd.iso" "$cd_stage" >"$out/mkrescue.log" 2>&1 ||
    { cat "$out/mkrescue.log"; exit 1; }
# A 1.44 MB floppy whose boot sector prints KITE-FLOPPY-OK through the
# BIOS (int 10h, which SeaBIOS copies to COM1) and halts: for memdisk.
python3 - "$out/floppy.img" <<'EOF'
import sys
msg = b"KITE-FLOPPY-OK\r\n\0"
code = bytearray([
    0xfa, 0x31, 0xc0, 0x8e, 0xd8, 0x8e, 0xd0,   # cli; ax = 0; ds = ss = 0
    0xbc, 0x00, 0x7c, 0xfb,                     # sp = 0x7c00; sti
    0xbe, 0x00, 0x00,                           # si = msg (below)
    0xac, 0x84, 0xc0, 0x74, 0x09,               # lodsb; test al; jz done
    0xb4, 0x0e, 0xbb, 0x07, 0x00, 0xcd, 0x10,   # ah = 0e; bx = 7; int 10h
    0xeb, 0xf2,                                 # jmp lodsb
    0xf4, 0xeb, 0xfd,                           # done: hlt; jmp done
])
code[12:14] = (0x7c00 + len(code)).to_bytes(2, "little")
img = bytearray(1474560)
img[0:len(code)] = code
img[len(code):len(code) + len(msg)] = msg
img[510:512] = b"\x55\xaa"
open(sys.argv[1], "wb").write(img)
EOF

# the CD case's own copy of the disk (cases run side by side, and an
# image is locked by the Kite that writes it)
cp "$out/disk.img" "$out/disk-cd.img"
cp "$out/disk.img" "$out/disk-virtio.img"
rm -rf "$stage" "$cd_stage" "$out/part.img" "$out/core.img"
