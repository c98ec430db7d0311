# The display: screendumps of the standard VGA from a running guest
# (screendump.sh), the SDL window under Xvfb (sdl.sh), the VNC server
# with real clients (vnc.sh) and the same screens under QEMU
# (qemu-compare.sh). Each skips with a message where its tools are
# missing.

.PHONY: check-display
check-display: $(BUILD)/kite $(BUILD)/tests/guest/vga-draw.elf \
               $(BUILD)/tests/display/xclose
	$(Q)tests/display/screendump.sh --kite $(BUILD)/kite --dir $(BUILD)/tests/guest
	$(Q)tests/display/sdl.sh --kite $(BUILD)/kite --dir $(BUILD)/tests/guest \
		--xclose $(BUILD)/tests/display/xclose
	$(Q)tests/display/vnc.sh --kite $(BUILD)/kite --dir $(BUILD)/tests/guest
	$(Q)tests/display/qemu-compare.sh --kite $(BUILD)/kite --dir $(BUILD)/tests/guest

# A tiny X client that closes a window as a window manager does; built
# only where the X11 headers are (the SDL test skips that case otherwise).
$(BUILD)/tests/display/xclose: tests/display/xclose.c
	@mkdir -p $(dir $@)
	$(Q)if pkg-config --exists x11 2>/dev/null; then \
		$(CC) -O2 -Wall -o $@ $< $$(pkg-config --cflags --libs x11); \
	else rm -f $@; fi

# Linux's VGA text console (vgacon) through SeaBIOS and the VGA BIOS.
.PHONY: check-display-vgacon
check-display-vgacon: $(BUILD)/kite | linux-cache
	$(Q)tests/display/linux-vgacon.py --kite $(BUILD)/kite

CHECK_TARGETS += check-display check-display-vgacon

# Linux in the SDL window (slow: a kernel boot under the TCG); writes the
# window's picture to build/display/linux-window.png (the README's
# tests/display/linux-window.png was made this way).
.PHONY: check-display-linux
check-display-linux: $(BUILD)/kite
	@mkdir -p $(BUILD)/display
	$(Q)tests/display/linux-window.sh --kite $(BUILD)/kite \
		--png $(BUILD)/display/linux-window.png

CHECK_SLOW_TARGETS += check-display-linux

# Host CPU of the display, Kite against QEMU, SDL and VNC (bench.sh).
.PHONY: bench-display
bench-display: $(BUILD)/kite $(BUILD)/tests/guest/vga-draw.elf
	$(Q)tests/display/bench.sh --kite $(BUILD)/kite --dir $(BUILD)/tests/guest

BENCH_TARGETS += bench-display
