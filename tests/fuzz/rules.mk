# The fuzzers as libFuzzer targets (clang, with ASan and UBSan), separate
# from `make check` (their cmocka budgets in tests/unit/test-*-fuzz.c run
# there). See tests/fuzz/README.
#   make fuzz                        each target for FUZZ_TIME seconds
#   make fuzz FUZZ_TARGETS=images FUZZ_TIME=3600 FUZZ_JOBS=2
#   make fuzz-replay                 replayers built with $(CC) and libkite.a
#   make fuzz-corpus                 rewrites the seed corpora in the tree
# The library is compiled again with clang into $(BUILD)/fuzz/; the normal
# build is not touched. Target NAME is tests/fuzz/fuzz-NAME.c; its seeds
# are tests/fuzz/corpus/NAME/ (when there are any).

FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_JOBS ?= 1
FUZZ_ARGS ?=
FUZZ_ALL := devices images guest virtio virtio-net virtio-console qcow2 vga
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
            -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(FUZZ_SAN) -I. -D_GNU_SOURCE \
               -fno-strict-aliasing -pthread -MMD -MP \
               $(CAPSTONE_CFLAGS) $(FFI_CFLAGS) $(PIXMAN_CFLAGS) $(SDL_CFLAGS) \
               $(SLIRP_CFLAGS)
FUZZ_OBJS := $(LIB_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_HDRS := $(wildcard tests/fuzz/*.h) tests/difftest/cpu-diff.h
# per target: the largest input libFuzzer makes
FUZZ_MAXLEN_devices := 4096
FUZZ_MAXLEN_images := 65536
FUZZ_MAXLEN_guest := 4096
FUZZ_MAXLEN_virtio := 2048
FUZZ_MAXLEN_qcow2 := 2097152

$(FUZZ_DIR)/obj/%.o: %.c config.mak config.h
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/libkite-fuzz.a: $(FUZZ_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_DIR)/fuzz-%: tests/fuzz/fuzz-%.c $(FUZZ_HDRS) $(FUZZ_DIR)/libkite-fuzz.a
	@echo "  LINK    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ \
		$< $(FUZZ_DIR)/libkite-fuzz.a $(KITE_LIBS)

$(BUILD)/tests/fuzz/fuzz-%-replay: tests/fuzz/fuzz-%.c $(FUZZ_HDRS) $(BUILD)/libkite.a
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(KITE_CFLAGS) -DFUZZ_STANDALONE -o $@ \
		$< $(BUILD)/libkite.a $(KITE_LDFLAGS) $(KITE_LIBS)

.PHONY: fuzz fuzz-build fuzz-replay fuzz-corpus
fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz-%)

# libFuzzer writes new inputs to the first corpus directory only, so the
# seeds in the tree are read, never changed.
fuzz: fuzz-build
	$(Q)for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/crashes/$$t; \
		seeds=; [ -d tests/fuzz/corpus/$$t ] && \
			seeds=$(CURDIR)/tests/fuzz/corpus/$$t; \
		echo "  FUZZ    $$t for $(FUZZ_TIME) s"; \
		(cd $(FUZZ_DIR) && ./fuzz-$$t -max_total_time=$(FUZZ_TIME) \
			-timeout=10 -rss_limit_mb=4096 \
			-max_len=$$(case $$t in devices) echo $(FUZZ_MAXLEN_devices);; \
				images) echo $(FUZZ_MAXLEN_images);; \
				virtio*) echo $(FUZZ_MAXLEN_virtio);; \
				qcow2) echo $(FUZZ_MAXLEN_qcow2);; \
				*) echo $(FUZZ_MAXLEN_guest);; esac) \
			-jobs=$(FUZZ_JOBS) -workers=$(FUZZ_JOBS) \
			-artifact_prefix=crashes/$$t/ $(FUZZ_ARGS) \
			corpus/$$t $$seeds) || exit 1; \
	done

fuzz-replay: $(FUZZ_ALL:%=$(BUILD)/tests/fuzz/fuzz-%-replay)

fuzz-corpus: $(BUILD)/tests/fuzz/fuzz-images-replay \
             $(BUILD)/tests/fuzz/fuzz-guest-replay
	$(Q)for t in images guest; do \
		rm -rf tests/fuzz/corpus/$$t && mkdir -p tests/fuzz/corpus/$$t && \
		$(BUILD)/tests/fuzz/fuzz-$$t-replay --write-seeds \
			tests/fuzz/corpus/$$t || exit 1; \
	done
