# gdb tests: the real gdb (Debian's) against the gdb stub: a small guest
# (break, step, registers, memory, a hardware watchpoint, Ctrl-C, detach)
# and, when the cached Debian kernel is there, Linux booted with -s -S.
# `make check-gdb`; skipped with a message where gdb is absent.

GDBTEST_DIR := $(BUILD)/tests/gdb

$(GDBTEST_DIR)/%.o: tests/gdb/%.c $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GDBTEST_DIR)/%.elf64: $(GDBTEST_DIR)/%.o $(GUEST_LIB_OBJS) tests/guest/lib/guest.ld
	@echo "  LD      $@"
	$(Q)$(GUEST_LD) $(GUEST_LDFLAGS) -o $@ $(GUEST_LIB_OBJS) $<

$(GDBTEST_DIR)/%.elf: $(GDBTEST_DIR)/%.elf64
	@echo "  OBJCOPY $@"
	$(Q)$(GUEST_OBJCOPY) -O elf32-i386 $< $@

.PRECIOUS: $(GDBTEST_DIR)/%.o $(GDBTEST_DIR)/%.elf64

.PHONY: check-gdb
# After the Linux boots (which fetch the kernel and build the initramfs).
check-gdb: $(BUILD)/kite $(GDBTEST_DIR)/target.elf | check-linux-boot linux-cache
	$(Q)k=$$(scripts/fetch-linux 2>/dev/null) && \
	i=$$(scripts/make-initramfs 2>/dev/null) || k= i=; \
	python3 tests/gdb/test_gdb.py --kite $(BUILD)/kite \
	    --guest $(GDBTEST_DIR)/target.elf --kernel "$$k" --initrd "$$i" \
	    --log $(BUILD)/tests/gdb/linux-gdb.log

CHECK_TARGETS += check-gdb
