# End-to-end tests: Debian's kernel and a busybox initramfs (fetched and
# built by scripts/, cached in tests/e2e/cache/) booted under every
# available accelerator. Slow, so part of `make check-slow`.

.PHONY: check-e2e
check-e2e: $(BUILD)/kite
	$(Q)tests/e2e/boot-linux.sh --kite $(BUILD)/kite --logs $(BUILD)/tests/e2e

CHECK_SLOW_TARGETS += check-e2e
