# The generic device fuzzer as a libFuzzer target (clang, with ASan and
# UBSan), separate from `make check` (the cmocka budget in
# tests/unit/test-device-fuzz.c runs there). See tests/fuzz/README.
#   make fuzz                        run for FUZZ_TIME seconds (default 60)
#   make fuzz FUZZ_TIME=3600 FUZZ_JOBS=2
#   make fuzz-replay                 a replayer built with $(CC) and libkite.a
# The library is compiled again with clang into $(BUILD)/fuzz/; the normal
# build is not touched.

FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_JOBS ?= 1
FUZZ_ARGS ?=
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
            -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(FUZZ_SAN) -I. -D_GNU_SOURCE \
               -fno-strict-aliasing -pthread -MMD -MP \
               $(CAPSTONE_CFLAGS) $(FFI_CFLAGS) $(PIXMAN_CFLAGS) $(SDL_CFLAGS)
FUZZ_OBJS := $(LIB_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_SRCS := tests/fuzz/fuzz-devices.c tests/fuzz/device-fuzz.h

$(FUZZ_DIR)/obj/%.o: %.c config.mak config.h
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/libkite-fuzz.a: $(FUZZ_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_DIR)/fuzz-devices: $(FUZZ_SRCS) $(FUZZ_DIR)/libkite-fuzz.a
	@echo "  LINK    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ \
		tests/fuzz/fuzz-devices.c $(FUZZ_DIR)/libkite-fuzz.a $(KITE_LIBS)

$(BUILD)/tests/fuzz/fuzz-devices-replay: $(FUZZ_SRCS) $(BUILD)/libkite.a
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(KITE_CFLAGS) -DDEVFUZZ_STANDALONE -o $@ \
		tests/fuzz/fuzz-devices.c $(BUILD)/libkite.a $(KITE_LDFLAGS) $(KITE_LIBS)

.PHONY: fuzz fuzz-build fuzz-replay
fuzz-build: $(FUZZ_DIR)/fuzz-devices

fuzz: $(FUZZ_DIR)/fuzz-devices
	@mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/crashes
	cd $(FUZZ_DIR) && ./fuzz-devices -max_total_time=$(FUZZ_TIME) \
		-timeout=10 -rss_limit_mb=4096 -max_len=4096 \
		-jobs=$(FUZZ_JOBS) -workers=$(FUZZ_JOBS) \
		-artifact_prefix=crashes/ $(FUZZ_ARGS) corpus

fuzz-replay: $(BUILD)/tests/fuzz/fuzz-devices-replay
