# cmocka unit tests: each tests/unit/test-NAME.c is one program linked
# against libkite.a. `make check-unit` builds and runs them all.

UNIT_SRCS := $(sort $(wildcard tests/unit/test-*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libkite.a config.mak
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KITE_CFLAGS) $(CMOCKA_CFLAGS) -o $@ $< $(BUILD)/libkite.a \
		$(KITE_LDFLAGS) $(KITE_LIBS) $(CMOCKA_LIBS)

.PHONY: check-unit
check-unit: $(UNIT_BINS) $(BUILD)/kite-img
	@fail=0; for t in $(UNIT_BINS); do \
		echo "  TEST    $$t"; \
		$$t || fail=1; \
	done; exit $$fail

CHECK_TARGETS += check-unit
