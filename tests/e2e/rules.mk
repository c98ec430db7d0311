# End-to-end tests: Debian's kernel and a busybox initramfs (fetched and
# built by scripts/, cached in tests/e2e/cache/).
#
# make check runs check-linux: the kernel boots to the initramfs marker
# through the bzImage and through PVH under the native TCG backend, and
# through PVH under the interpreter, with a clean log (boot-linux.sh); then
# the busybox shell is driven through a pseudo-terminal (shell-linux.py),
# and virtio-linux.py tests the network, console and entropy devices.
# Where the kernel cannot be fetched both print SKIP and pass.
# make check-e2e (check-slow) boots under KVM too, where it can.

E2E_LOGS := $(BUILD)/tests/e2e

# Fetches the kernel and builds both initramfs images once, before any
# test that boots Linux starts (they run in parallel under make -j, and
# two downloads into one cache would race). Never fails: without a kernel
# each test prints its own SKIP.
.PHONY: linux-cache
linux-cache:
	$(Q){ scripts/fetch-linux && scripts/make-initramfs && \
	      scripts/make-initramfs --modules; } >/dev/null 2>&1 || \
		echo "linux-cache: no Debian kernel or initramfs (the Linux tests skip)"

.PHONY: check-linux check-linux-boot check-linux-shell check-linux-virtio \
	check-e2e
check-linux: check-linux-boot check-linux-shell check-linux-virtio

check-linux-boot: $(BUILD)/kite | linux-cache
	$(Q)E2E_BOOTS="tcg/bz tcg/pvh tcg,backend=interp/pvh" \
		tests/e2e/boot-linux.sh --kite $(BUILD)/kite --logs $(E2E_LOGS)

# After the boots (which fetch the kernel and build the initramfs).
check-linux-shell: $(BUILD)/kite | check-linux-boot
	$(Q)k=$$(scripts/fetch-linux 2>/dev/null) && \
	i=$$(scripts/make-initramfs 2>/dev/null) || \
		{ echo "SKIP shell: no kernel or initramfs"; \
		  echo "0 passed, 0 failed, 1 skipped"; exit 0; }; \
	tests/e2e/shell-linux.py --kite $(BUILD)/kite --kernel "$$k" \
		--initrd "$$i" --log $(E2E_LOGS)/shell-linux.log

# virtio-net (user and TAP), virtio-console and virtio-rng in one guest
# whose initramfs loads the virtio modules (virtio-linux.py).
check-linux-virtio: $(BUILD)/kite | check-linux-shell
	$(Q)k=$$(scripts/fetch-linux 2>/dev/null) && \
	i=$$(scripts/make-initramfs --modules 2>/dev/null) || \
		{ echo "SKIP virtio: no kernel or initramfs with modules"; \
		  echo "0 passed, 0 failed, 1 skipped"; exit 0; }; \
	tests/e2e/virtio-linux.py --kite $(BUILD)/kite --kernel "$$k" \
		--initrd "$$i" --log $(E2E_LOGS)/virtio-linux.log

check-e2e: $(BUILD)/kite
	$(Q)tests/e2e/boot-linux.sh --kite $(BUILD)/kite --logs $(E2E_LOGS)

CHECK_TARGETS += check-linux
CHECK_SLOW_TARGETS += check-e2e

# Disks (tests/e2e/disk-linux.py): ext4 images made with mke2fs -d on
# virtio-blk, raw, qcow2 over a raw backing file, and under -snapshot.
.PHONY: check-linux-disk
check-linux-disk: $(BUILD)/kite $(BUILD)/kite-img | check-linux-boot linux-cache
	$(Q)k=$$(scripts/fetch-linux 2>/dev/null) && \
	i=$$(scripts/make-initramfs --modules 2>/dev/null) || \
		{ echo "SKIP disks: no kernel or initramfs with modules"; \
		  echo "0 passed, 0 failed, 1 skipped"; exit 0; }; \
	tests/e2e/disk-linux.py --kite $(BUILD)/kite \
		--kite-img $(BUILD)/kite-img --kernel "$$k" --initrd "$$i" \
		--log $(E2E_LOGS)/disk-linux.log

CHECK_TARGETS += check-linux-disk
