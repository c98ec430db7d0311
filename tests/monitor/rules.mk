# Monitor tests: QMP, the human monitor (unix socket and -serial mon:stdio
# on a pseudo-terminal) with real clients (Python's socket and json
# modules, socat), against the spin guest. `make check-monitor`.

MONITOR_DIR := $(BUILD)/tests/monitor

$(MONITOR_DIR)/%.o: tests/monitor/%.c $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(MONITOR_DIR)/%.elf64: $(MONITOR_DIR)/%.o $(GUEST_LIB_OBJS) tests/guest/lib/guest.ld
	@echo "  LD      $@"
	$(Q)$(GUEST_LD) $(GUEST_LDFLAGS) -o $@ $(GUEST_LIB_OBJS) $<

$(MONITOR_DIR)/%.elf: $(MONITOR_DIR)/%.elf64
	@echo "  OBJCOPY $@"
	$(Q)$(GUEST_OBJCOPY) -O elf32-i386 $< $@

.PRECIOUS: $(MONITOR_DIR)/%.o $(MONITOR_DIR)/%.elf64

.PHONY: check-monitor
check-monitor: $(BUILD)/kite $(MONITOR_DIR)/spin.elf $(GUEST_DIR)/hello.elf
	$(Q)python3 tests/monitor/test_monitor.py --kite $(BUILD)/kite \
	    --guest $(MONITOR_DIR)/spin.elf --hello $(GUEST_DIR)/hello.elf

# QMP against Debian's kernel (tests/monitor/linux_qmp.py).
.PHONY: check-monitor-linux
check-monitor-linux: $(BUILD)/kite | linux-cache
	$(Q)python3 tests/monitor/linux_qmp.py --kite $(BUILD)/kite

CHECK_TARGETS += check-monitor check-monitor-linux
