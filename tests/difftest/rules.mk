# Differential testing of Kite's CPU against the host processor (issue #4).
# build/tests/difftest/difftest is the tester (linked against libkite.a);
# dt-host64 and dt-host32 (-m32, when configure found multilib) run
# snippets on the host CPU; lockstep runs a guest on two engines.
#   make check-difftest              bounded budget + regression cases
#   make difftest N=100000 SEED=7    a long campaign (saves mismatches)
#   make difftest-fpu                x87/MMX/SSE families, 1,000,000
#                                    sequences of 64-bit code

DT_DIR := $(BUILD)/tests/difftest
DT_SRCS := tests/difftest/dt-gen.c tests/difftest/dt-track.c tests/difftest/dt-trans.c \
           tests/difftest/dt-case.c tests/difftest/dt-kite.c
DT_HDRS := tests/difftest/dt.h tests/difftest/dt-proto.h
DT_HOST_CFLAGS := -std=gnu11 -O2 -g $(WARN) -I. -D_GNU_SOURCE
DT_BINS := $(DT_DIR)/difftest $(DT_DIR)/dt-host64 $(DT_DIR)/lockstep
ifeq ($(CONFIG_M32),yes)
DT_BINS += $(DT_DIR)/dt-host32
endif
DT_CASES = $(sort $(wildcard tests/difftest/cases/*.case))
DT_CHECK_N ?= 10000
# Engines whose mismatches are known open bugs (reported as expected
# failures, not failing `make check`): none, every engine must agree.
DT_XFAIL ?=
DT_CHECK_SEED ?= 2024
# 16-bit code (the -m32 runner's 16-bit LDT segments): a smaller share
DT_CHECK_N16 ?= 3000
# SSE floating point and x87 with the host fast paths off
# (cpu/x86/ssefp-host.h, cpu/x86/x87-host.h)
DT_CHECK_N_SOFT ?= 5000
N ?= 100000
SEED ?= 1
LEN ?= 12

# Instruction families (difftest -f, tests/difftest/dt.h) the TCG
# implements: `make check-difftest` runs only these, so a family that is
# still #UD in the TCG does not fail `make check`. Add a family's line
# here when it lands (one line each, so merges do not collide).
DT_CHECK_FAMILIES := gp
#
DT_CHECK_FAMILIES += x87
#
DT_CHECK_FAMILIES += x87t
#
DT_CHECK_FAMILIES += x87env
#
DT_CHECK_FAMILIES += mmx
#
DT_CHECK_FAMILIES += sse
#
DT_CHECK_FAMILIES += ssefp
#
DT_CHECK_FAMILIES += rcp
#
# Every x87/MMX/SSE family, for the long campaign (make difftest-fpu)
DT_FPU_FAMILIES := x87,x87t,x87env,mmx,sse,ssefp,rcp
FPU_N ?= 1000000
FPU_FAMILIES ?= $(DT_FPU_FAMILIES)

$(DT_DIR)/difftest: tests/difftest/dt-main.c $(DT_SRCS) $(DT_HDRS) $(BUILD)/libkite.a
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(KITE_CFLAGS) -o $@ tests/difftest/dt-main.c $(DT_SRCS) \
		$(BUILD)/libkite.a $(KITE_LDFLAGS) $(KITE_LIBS)

$(DT_DIR)/lockstep: tests/difftest/lockstep.c tests/difftest/lockstep-guest.c \
                   tests/difftest/lockstep-guest.h tests/difftest/cpu-diff.h \
                   $(DT_SRCS) $(DT_HDRS) \
                   $(BUILD)/libkite.a
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(KITE_CFLAGS) -o $@ tests/difftest/lockstep.c \
		tests/difftest/lockstep-guest.c $(DT_SRCS) \
		$(BUILD)/libkite.a $(KITE_LDFLAGS) $(KITE_LIBS)

# The host runners are plain programs (no libkite, no sanitizers: they
# take signals from deliberately faulting code on an alternate stack).
$(DT_DIR)/dt-host64: tests/difftest/dt-host.c tests/difftest/dt-proto.h
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) -m64 $(DT_HOST_CFLAGS) -o $@ $<

# The 32-bit runner also runs 16-bit snippets (16-bit LDT segments).
$(DT_DIR)/dt-host32: tests/difftest/dt-host.c tests/difftest/dt-host16.c \
                     tests/difftest/dt-host16.h tests/difftest/dt-proto.h
	@mkdir -p $(dir $@)
	@echo "  CC      $@ (-m32)"
	$(Q)$(CC) -m32 $(DT_HOST_CFLAGS) -o $@ tests/difftest/dt-host.c \
		tests/difftest/dt-host16.c

.PHONY: check-difftest difftest difftest-fpu difftest-bins
difftest-bins: $(DT_BINS)

check-difftest: $(DT_BINS)
	@echo "  DIFFTEST random: $(DT_CHECK_N) sequences per mode (16-bit:" \
		"$(DT_CHECK_N16)), seed $(DT_CHECK_SEED), families" \
		"$(DT_CHECK_FAMILIES)"
	$(Q)rc=0; for m in 64 32 16; do \
		n=$(DT_CHECK_N); [ $$m = 16 ] && n=$(DT_CHECK_N16); \
		$(DT_DIR)/difftest run -n $$n -s $(DT_CHECK_SEED) -m $$m \
			-f "$(DT_CHECK_FAMILIES)" --xfail "$(DT_XFAIL)" \
			--max-fail 1 || rc=1; \
	done; exit $$rc
	@echo "  DIFFTEST ssefp, rcp on the software path (KITE_SSEFP_SOFT=1):" \
		"$(DT_CHECK_N_SOFT) 64-bit sequences"
	$(Q)KITE_SSEFP_SOFT=1 $(DT_DIR)/difftest run -n $(DT_CHECK_N_SOFT) \
		-s $(DT_CHECK_SEED) -m 64 -f ssefp,rcp --max-fail 1
	@echo "  DIFFTEST x87 on the software path (KITE_X87_SOFT=1):" \
		"$(DT_CHECK_N_SOFT) 64-bit sequences"
	$(Q)KITE_X87_SOFT=1 $(DT_DIR)/difftest run -n $(DT_CHECK_N_SOFT) \
		-s $(DT_CHECK_SEED) -m 64 -f x87,x87t --max-fail 1
	@echo "  DIFFTEST regression cases"
	$(Q)$(DT_DIR)/difftest replay --xfail "$(DT_XFAIL)" $(DT_CASES)
	@echo "  DIFFTEST lockstep"
	$(Q)$(DT_DIR)/lockstep --self-test
	@echo "  DIFFTEST shrink-keeps-host-result (tcg-native faults injected on purpose)"
	$(Q)$(DT_DIR)/difftest run -m 64 -n 200 -s $(DT_CHECK_SEED) --max-fail 5 \
		--fault tcg-native --xfail tcg-native \
		>$(DT_DIR)/shrink-keeps-host-result.out && \
		tail -n 1 $(DT_DIR)/shrink-keeps-host-result.out || \
		{ cat $(DT_DIR)/shrink-keeps-host-result.out; exit 1; }

# shrink-keeps-host-result: every tcg-native result is corrupted (--fault),
# so each of its comparisons fails and is shrunk; shrinking reruns the host
# on smaller cases, and the engines compared after it on the same sequence
# (tcg-interp) must still be checked against the original host result.
difftest: $(DT_BINS)
	$(DT_DIR)/difftest run -n $(N) -s $(SEED) -l $(LEN) -m all -c \
		--save tests/difftest/cases --max-fail 20

# The x87/MMX/SSE campaign: FPU_FAMILIES=ssefp (a subset), FPU_N, SEED
difftest-fpu: $(DT_BINS)
	$(DT_DIR)/difftest run -n $(FPU_N) -s $(SEED) -l $(LEN) -m 64 -c \
		-f "$(FPU_FAMILIES)" --save tests/difftest/cases --max-fail 20

CHECK_TARGETS += check-difftest

# Lockstep over whole guests (tests/guest), TCG native backend against the
# interpreter: `make check-lockstep` runs a few quick guests (timers,
# interrupts, exceptions, paging, real mode, resets), `make lockstep-guests`
# every guest (arith and memory take a minute between them).
LOCKSTEP_GUESTS ?= hello cmos exceptions64 irq-timers hlt-wake-sti sti-shadow \
                   smc serial-loopback softint64 m32-realmode m32-paging \
                   m32-traps triple-fault triple-reset
LOCKSTEP_ALL := $(patsubst tests/guest/%.c,%,$(wildcard tests/guest/*.c))

.PHONY: check-lockstep lockstep-guests
check-lockstep: $(DT_DIR)/lockstep \
                $(LOCKSTEP_GUESTS:%=$(BUILD)/tests/guest/%.elf)
	@echo "  LOCKSTEP guests: tcg-native vs tcg-interp"
	$(Q)tests/difftest/lockstep-guests.sh --lockstep $(DT_DIR)/lockstep \
		--dir $(BUILD)/tests/guest --out $(DT_DIR)/lockstep-out \
		$(LOCKSTEP_GUESTS)

lockstep-guests: $(DT_DIR)/lockstep $(LOCKSTEP_ALL:%=$(BUILD)/tests/guest/%.elf)
	$(Q)tests/difftest/lockstep-guests.sh --lockstep $(DT_DIR)/lockstep \
		--dir $(BUILD)/tests/guest --out $(DT_DIR)/lockstep-out \
		$(LOCKSTEP_ALL)

CHECK_TARGETS += check-lockstep
