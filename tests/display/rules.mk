# Screendumps of the standard VGA from a running guest (screendump.sh).

.PHONY: check-display
check-display: $(BUILD)/kite $(BUILD)/tests/guest/vga-draw.elf
	$(Q)tests/display/screendump.sh --kite $(BUILD)/kite --dir $(BUILD)/tests/guest

CHECK_TARGETS += check-display
