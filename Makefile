# Kite top-level Makefile.
#
# Sources are found by wildcard: every .c file under the subsystem folders
# goes into build/libkite.a; system/main.c becomes build/kite. Test suites
# add their own rules in tests/<suite>/rules.mk and append to CHECK_TARGETS.

ifeq ($(wildcard config.mak),)
$(info config.mak not found: running ./configure with default options)
$(shell ./configure >&2)
endif
include config.mak

BUILD := build
V ?= 0
ifeq ($(V),0)
Q := @
else
Q :=
endif

WARN := -Wall -Wextra -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
        -Wundef -Wwrite-strings -Wno-unused-parameter -Wno-sign-compare \
        -Wno-missing-field-initializers
ifeq ($(CONFIG_WERROR),yes)
WARN += -Werror
endif

KITE_CFLAGS := -std=gnu11 $(CFLAGS_OPT) $(SAN_FLAGS) $(WARN) -I. -D_GNU_SOURCE \
               -fno-strict-aliasing -pthread -MMD -MP \
               $(CAPSTONE_CFLAGS) $(FFI_CFLAGS) $(PIXMAN_CFLAGS) $(PNG_CFLAGS) \
               $(SDL_CFLAGS) $(VNC_CFLAGS) $(JANSSON_CFLAGS) $(SLIRP_CFLAGS) \
               $(ZLIB_CFLAGS)
KITE_LDFLAGS := $(SAN_FLAGS) -pthread
KITE_LIBS := $(CAPSTONE_LIBS) $(FFI_LIBS) $(PIXMAN_LIBS) $(PNG_LIBS) $(SDL_LIBS) \
             $(VNC_LIBS) \
             $(JANSSON_LIBS) $(SLIRP_LIBS) $(ZLIB_LIBS) -lm

ifneq ($(CONFIG_DEBUG),yes)
KITE_CFLAGS += -DNDEBUG
endif

SUBDIRS := system accel cpu tcg hw ui block net migration
LIB_SRCS := $(filter-out system/main.c system/kite-img.c system/sanitizer.c, \
            $(sort $(shell find $(wildcard $(SUBDIRS)) -name '*.c' \
                                -not -path '*/host/*')))
ifneq ($(CONFIG_SDL),yes)
LIB_SRCS := $(filter-out ui/sdl%.c, $(LIB_SRCS))
endif
ifneq ($(CONFIG_VNC),yes)
LIB_SRCS := $(filter-out ui/vnc%.c, $(LIB_SRCS))
endif
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)

all: $(BUILD)/kite $(BUILD)/kite-img

include roms/rules.mk                 # firmware built from source (ROM_OBJS)

$(BUILD)/%.o: %.c config.mak config.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KITE_CFLAGS) -c -o $@ $<

$(BUILD)/libkite.a: $(LIB_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

# Sanitizer builds link system/sanitizer.c into kite: the library leaks
# LeakSanitizer must not count (see there).
KITE_SAN_OBJS := $(if $(filter yes,$(CONFIG_SANITIZERS)),$(BUILD)/system/sanitizer.o)

$(BUILD)/kite: $(BUILD)/system/main.o $(KITE_SAN_OBJS) $(BUILD)/libkite.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(KITE_LDFLAGS) -o $@ $^ $(KITE_LIBS)

# The image tool: system/kite-img.c over the same library.
$(BUILD)/kite-img: $(BUILD)/system/kite-img.o $(BUILD)/libkite.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(KITE_LDFLAGS) -o $@ $^ $(KITE_LIBS)

# Kite opens a window by default when $DISPLAY is set; the tests must not
# open windows on a desktop (the SDL test starts its own Xvfb).
unexport DISPLAY WAYLAND_DISPLAY

CHECK_TARGETS :=
CHECK_SLOW_TARGETS :=
BENCH_TARGETS :=

-include $(sort $(wildcard tests/*/rules.mk))

# The quick-start job: boots Debian's stock kernel (fetched with apt-get
# download and cached) with a busybox initramfs to a shell prompt under
# the TCG. `poweroff` or Ctrl-D leaves; Ctrl-A x quits at once.
DEMO_ACCEL ?= tcg
demo: $(BUILD)/kite
	scripts/run-linux --kite $(BUILD)/kite --accel $(DEMO_ACCEL)

.PHONY: all check check-slow bench install clean distclean demo
check: $(CHECK_TARGETS)
	@echo "make check: all suites passed"

check-slow: $(CHECK_SLOW_TARGETS)

bench: $(BENCH_TARGETS)

install: $(BUILD)/kite $(BUILD)/kite-img
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/kite $(DESTDIR)$(PREFIX)/bin/kite
	install -m 755 $(BUILD)/kite-img $(DESTDIR)$(PREFIX)/bin/kite-img

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -f config.mak config.h config.log

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
