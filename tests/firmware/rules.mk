# Firmware boot: Debian's SeaBIOS through its POST on the pc machine
# (PCI enumeration, PIRQ routing, PAM shadowing by a real firmware).

.PHONY: check-firmware
check-firmware: $(BUILD)/kite
	$(Q)tests/firmware/run.sh --kite $(BUILD)/kite

CHECK_TARGETS += check-firmware

# Boot media: a GRUB disk image and a grub-mkrescue CD with Debian's
# kernel, booted by SeaBIOS over IDE, virtio-blk and ATAPI (boot-media.py;
# the media are built by make-boot-media.sh into $(BOOT_MEDIA)). SKIP
# where SeaBIOS, GRUB, xorriso, mtools or the kernel are missing. The
# linuxboot case boots the kernel through SeaBIOS and roms/linuxboot.S.
# memdisk (syslinux-common) boots a floppy through the same path, chosen by
# Kite for its old boot protocol; memtest86+ runs its first test.
# make check runs all but virtio-disk and memtest (two at a time);
# check-slow all.
BOOT_MEDIA := $(BUILD)/tests/firmware/media
BOOT_MEDIA_CASES ?= ide-disk cdrom linuxboot memdisk

.PHONY: check-boot-media check-boot-media-all
check-boot-media-all:
	$(Q)$(MAKE) --no-print-directory check-boot-media BOOT_MEDIA_CASES=

check-boot-media: $(BUILD)/kite | linux-cache
	$(Q)if [ ! -r /usr/share/seabios/bios-256k.bin ]; then \
		echo "SKIP boot-media: no SeaBIOS (package seabios)"; exit 0; fi; \
	k=$$(scripts/fetch-linux 2>/dev/null) && \
	i=$$(scripts/make-initramfs 2>/dev/null) && \
	mi=$$(scripts/make-initramfs --modules 2>/dev/null) || \
		{ echo "SKIP boot-media: no kernel or initramfs"; exit 0; }; \
	mkdir -p $(BUILD)/tests/firmware && \
	tests/firmware/make-boot-media.sh $(BOOT_MEDIA) "$$k" "$$i" "$$mi" \
		>$(BUILD)/tests/firmware/make-media.log 2>&1; r=$$?; \
	if [ $$r -eq 77 ]; then \
		echo "SKIP boot-media: $$(tail -1 $(BUILD)/tests/firmware/make-media.log)"; \
		exit 0; fi; \
	[ $$r -eq 0 ] || { cat $(BUILD)/tests/firmware/make-media.log; exit 1; }; \
	tests/firmware/boot-media.py --kite $(BUILD)/kite --media $(BOOT_MEDIA) \
		--kernel "$$k" --initrd "$$i" --jobs 2 $(BOOT_MEDIA_CASES)

CHECK_TARGETS += check-boot-media
CHECK_SLOW_TARGETS += check-boot-media-all

# Network boot: SeaBIOS runs iPXE's virtio ROM (ipxe-qemu) from the
# virtio-net-pci expansion ROM, iPXE fetches an iPXE script, Debian's
# kernel and the initramfs through slirp's TFTP server (netboot.sh; SKIP
# where SeaBIOS, the ROM or the kernel are missing).
.PHONY: check-netboot
check-netboot: $(BUILD)/kite | linux-cache
	$(Q)k=$$(scripts/fetch-linux 2>/dev/null) && \
	i=$$(scripts/make-initramfs 2>/dev/null) || \
		{ echo "SKIP netboot: no kernel or initramfs"; exit 0; }; \
	tests/firmware/netboot.sh --kite $(BUILD)/kite --kernel "$$k" \
		--initrd "$$i"

CHECK_TARGETS += check-netboot

# make bench-boot: time to the marker through each boot path (direct,
# linuxboot ROM, IDE disk, CD), Kite vs QEMU TCG, one run each; the table
# goes to build/bench/boot.txt. Needs the media of check-boot-media.
.PHONY: bench-boot
bench-boot: $(BUILD)/kite
	$(Q)k=$$(scripts/fetch-linux) && i=$$(scripts/make-initramfs) && \
	mi=$$(scripts/make-initramfs --modules) && mkdir -p $(BUILD)/bench && \
	tests/firmware/make-boot-media.sh $(BOOT_MEDIA) "$$k" "$$i" "$$mi" \
		>/dev/null && \
	tests/firmware/bench-boot.py --kite $(BUILD)/kite --media $(BOOT_MEDIA) \
		--kernel "$$k" --initrd "$$i" --out $(BUILD)/bench/boot.txt

# Xen 4.17 from Debian (xen-hypervisor-4.17-amd64, fetched into the cache)
# as a multiboot kernel with Debian's Linux as dom0 (xen.sh): Xen's banner,
# dom0's marker and the power-off under TCG, and under KVM where it opens.
.PHONY: check-xen
check-xen: $(BUILD)/kite | linux-cache
	$(Q)k=$$(scripts/fetch-linux 2>/dev/null) && \
	i=$$(scripts/make-initramfs 2>/dev/null) || \
		{ echo "SKIP xen: no kernel or initramfs"; exit 0; }; \
	tests/firmware/xen.sh --kite $(BUILD)/kite --kernel "$$k" --initrd "$$i"

CHECK_TARGETS += check-xen
