# Migration tests: the machine state stream through real processes (save
# to a file and restore, live migration over loopback TCP, the source
# resuming when the destination fails, x-accel-switch), driven through
# QMP, with the counter guest. `make check-migration` (part of make
# check); the Linux guest and the benchmark are separate targets.

MIGRATION_DIR := $(BUILD)/tests/migration

$(MIGRATION_DIR)/%.o: tests/migration/%.c $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(MIGRATION_DIR)/%.elf64: $(MIGRATION_DIR)/%.o $(GUEST_LIB_OBJS) tests/guest/lib/guest.ld
	@echo "  LD      $@"
	$(Q)$(GUEST_LD) $(GUEST_LDFLAGS) -o $@ $(GUEST_LIB_OBJS) $<

$(MIGRATION_DIR)/%.elf: $(MIGRATION_DIR)/%.elf64
	@echo "  OBJCOPY $@"
	$(Q)$(GUEST_OBJCOPY) -O elf32-i386 $< $@

.PRECIOUS: $(MIGRATION_DIR)/%.o $(MIGRATION_DIR)/%.elf64

MIGRATION_GUESTS := $(MIGRATION_DIR)/counter.elf $(MIGRATION_DIR)/dirtier.elf

.PHONY: check-migration check-linux-migration bench-migrate
check-migration: $(BUILD)/kite $(BUILD)/kite-img $(MIGRATION_GUESTS)
	$(Q)python3 tests/migration/test_migration.py --kite $(BUILD)/kite \
	    --dir $(MIGRATION_DIR)
	$(Q)python3 tests/migration/test_savevm.py --kite $(BUILD)/kite \
	    --img $(BUILD)/kite-img --dir $(MIGRATION_DIR)

CHECK_TARGETS += check-migration

# Debian's kernel writing a counter to an ext4 virtio disk (raw, then
# qcow2), migrated live over TCP, then saved to a file and restored (about
# a minute each under TCG).
check-linux-migration: $(BUILD)/kite $(BUILD)/kite-img | linux-cache
	$(Q)k=$$(scripts/fetch-linux 2>/dev/null) && \
	i=$$(scripts/make-initramfs --modules 2>/dev/null) || \
		{ echo "SKIP linux migration: no kernel or initramfs"; exit 0; }; \
	python3 tests/migration/linux_migration.py --kite $(BUILD)/kite \
	    --kernel "$$k" --initrd "$$i" && \
	python3 tests/migration/linux_migration.py --kite $(BUILD)/kite \
	    --kernel "$$k" --initrd "$$i" --img $(BUILD)/kite-img

CHECK_SLOW_TARGETS += check-linux-migration

bench-migrate: $(BUILD)/kite $(MIGRATION_DIR)/dirtier.elf
	$(Q)python3 tests/migration/bench_migrate.py --kite $(BUILD)/kite \
	    --guest $(MIGRATION_DIR)/dirtier.elf

BENCH_TARGETS += bench-migrate
