# The display: screendumps of the standard VGA from a running guest
# (screendump.sh), the SDL window under Xvfb (sdl.sh) and the VNC server
# with real clients (vnc.sh). Each skips with a message where its tools
# are missing.

.PHONY: check-display
check-display: $(BUILD)/kite $(BUILD)/tests/guest/vga-draw.elf \
               $(BUILD)/tests/display/xclose
	$(Q)tests/display/screendump.sh --kite $(BUILD)/kite --dir $(BUILD)/tests/guest
	$(Q)tests/display/sdl.sh --kite $(BUILD)/kite --dir $(BUILD)/tests/guest \
		--xclose $(BUILD)/tests/display/xclose
	$(Q)tests/display/vnc.sh --kite $(BUILD)/kite --dir $(BUILD)/tests/guest

# A tiny X client that closes a window as a window manager does; built
# only where the X11 headers are (the SDL test skips that case otherwise).
$(BUILD)/tests/display/xclose: tests/display/xclose.c
	@mkdir -p $(dir $@)
	$(Q)if pkg-config --exists x11 2>/dev/null; then \
		$(CC) -O2 -Wall -o $@ $< $$(pkg-config --cflags --libs x11); \
	else rm -f $@; fi

CHECK_TARGETS += check-display
