# Guest test programs: small multiboot kernels (32-bit entry, then long
# mode) built from tests/guest/*.c plus the runtime in tests/guest/lib/.
# Each is linked as x86-64 at 1 MiB and wrapped in an ELF32 container, the
# form multiboot loaders accept. `make check-guest` boots every guest under
# every available accelerator and compares its output and exit status.

GUEST_CC ?= $(CC)
GUEST_LD ?= ld
GUEST_OBJCOPY ?= objcopy
GUEST_DIR := $(BUILD)/tests/guest
GUEST_CFLAGS := -m64 -O2 -g -std=gnu11 -ffreestanding -fno-pic -fno-pie \
                -mno-red-zone -mcmodel=small -mgeneral-regs-only \
                -fno-stack-protector -fno-asynchronous-unwind-tables \
                -fno-tree-loop-distribute-patterns -fno-builtin -nostdlib \
                -Wall -Wextra -Wno-unused-parameter -Itests/guest
GUEST_LDFLAGS := -m elf_x86_64 -nostdlib -static -z max-page-size=0x1000 \
                 -z noexecstack --no-warn-rwx-segments \
                 -T tests/guest/lib/guest.ld

GUEST_SRCS := $(sort $(wildcard tests/guest/*.c))
GUEST_NAMES := $(GUEST_SRCS:tests/guest/%.c=%)
GUEST_ELFS := $(GUEST_NAMES:%=$(GUEST_DIR)/%.elf)
GUEST_LIB_OBJS := $(GUEST_DIR)/lib/crt0.o $(GUEST_DIR)/lib/runtime.o \
                  $(GUEST_DIR)/lib/common.o
GUEST_HDRS := tests/guest/lib/guest.h

$(GUEST_DIR)/lib/crt0.o: tests/guest/lib/crt0.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_DIR)/%.o: tests/guest/%.c $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_DIR)/%.elf64: $(GUEST_DIR)/%.o $(GUEST_LIB_OBJS) tests/guest/lib/guest.ld
	@echo "  LD      $@"
	$(Q)$(GUEST_LD) $(GUEST_LDFLAGS) -o $@ $(GUEST_LIB_OBJS) $<

$(GUEST_DIR)/%.elf: $(GUEST_DIR)/%.elf64
	@echo "  OBJCOPY $@"
	$(Q)$(GUEST_OBJCOPY) -O elf32-i386 $< $@

.PRECIOUS: $(GUEST_DIR)/%.o $(GUEST_DIR)/%.elf64 $(GUEST_DIR)/lib/%.o

.PHONY: guests check-guest
guests: $(GUEST_ELFS)

check-guest: $(BUILD)/kite $(GUEST_ELFS)
	$(Q)tests/guest/run.sh --kite $(BUILD)/kite --dir $(GUEST_DIR) $(GUEST_NAMES)

CHECK_TARGETS += check-guest

# A stop request takes effect within 100 ms whatever the guest does: the
# dma-loop-stop guest loops on the largest fw_cfg DMA, then gets SIGTERM.
# Sanitizer builds run everything (exit included) several times slower:
# they get 300 ms.
STOP_LATENCY_LIMIT := $(if $(filter yes,$(CONFIG_SANITIZERS)),300,100)

.PHONY: check-stop-latency
check-stop-latency: $(BUILD)/kite $(GUEST_DIR)/dma-loop-stop.elf
	$(Q)tests/guest/stop-latency.sh --kite $(BUILD)/kite --dir $(GUEST_DIR) \
		--limit $(STOP_LATENCY_LIMIT)

CHECK_TARGETS += check-stop-latency

# 32-bit guests: tests/guest/m32-*.c are built -m32 with crt32.S and
# runtime32.c and start in 32-bit protected mode (paging off); their more
# specific pattern rules win over the generic ones above.
GUEST32_CFLAGS := $(filter-out -m64 -mno-red-zone -mcmodel=small, \
                    $(GUEST_CFLAGS)) -m32
GUEST32_LDFLAGS := -m elf_i386 -nostdlib -static -z max-page-size=0x1000 \
                   -z noexecstack --no-warn-rwx-segments \
                   -T tests/guest/lib/guest32.ld
GUEST32_LIB_OBJS := $(GUEST_DIR)/lib/crt32.o $(GUEST_DIR)/lib/runtime32.o \
                    $(GUEST_DIR)/lib/common32.o
GUEST32_HDRS := $(GUEST_HDRS) tests/guest/lib/guest32.h

$(GUEST_DIR)/lib/crt32.o: tests/guest/lib/crt32.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(GUEST_CC) $(GUEST32_CFLAGS) -c -o $@ $<

$(GUEST_DIR)/lib/runtime32.o: tests/guest/lib/runtime32.c $(GUEST32_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(GUEST_CC) $(GUEST32_CFLAGS) -c -o $@ $<

# The shared runtime part, compiled a second time for 32-bit guests.
$(GUEST_DIR)/lib/common32.o: tests/guest/lib/common.c $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $< (32-bit)"
	$(Q)$(GUEST_CC) $(GUEST32_CFLAGS) -c -o $@ $<

$(GUEST_DIR)/m32-%.o: tests/guest/m32-%.c $(GUEST32_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(GUEST_CC) $(GUEST32_CFLAGS) -c -o $@ $<

$(GUEST_DIR)/m32-%.elf: $(GUEST_DIR)/m32-%.o $(GUEST32_LIB_OBJS) \
                        tests/guest/lib/guest32.ld
	@echo "  LD      $@"
	$(Q)$(GUEST_LD) $(GUEST32_LDFLAGS) -o $@ $(GUEST32_LIB_OBJS) $<

# Guests that include the 64-bit system helpers rebuild when they change.
$(GUEST_DIR)/exceptions64.o $(GUEST_DIR)/softint64.o: tests/guest/lib/sys64.h
$(GUEST_DIR)/irq-timers.o $(GUEST_DIR)/sti-shadow.o $(GUEST_DIR)/hlt-wake-sti.o \
$(GUEST_DIR)/kvm-pit-gsi2.o $(GUEST_DIR)/kvm-irqchip-off-cpuid.o: tests/guest/lib/sys64.h
$(GUEST_DIR)/m32-a20.o: tests/guest/m32-realmode.c

# SIMD guests whose instruction tables also run on the host CPU: the host
# oracle must print exactly their .expected files (the hardware check of
# what the guests print under every accelerator).
# Each entry is ORACLE:TEST (the oracle's argument and the guest test).
SIMD_ORACLE_TESTS := simd-oracle:simd-int simd-oracle:simd-state
SIMD_ORACLE_HDRS := tests/guest/simd-int-ops.h tests/guest/simd-int-table.h \
                    tests/guest/simd-state-ops.h
SIMD_ORACLES := $(GUEST_DIR)/host/simd-oracle
$(GUEST_DIR)/simd-int.o $(GUEST_DIR)/simd-state.o: $(SIMD_ORACLE_HDRS)
$(GUEST_DIR)/m32-simd-state.o: $(SIMD_ORACLE_HDRS)
$(GUEST_DIR)/host/simd-oracle: tests/guest/host/simd-oracle.c $(SIMD_ORACLE_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) -O1 -Wall -Wextra -o $@ $<
ifeq ($(CONFIG_M32),yes)
SIMD_ORACLE_TESTS += simd-oracle32:m32-simd-state
SIMD_ORACLES += $(GUEST_DIR)/host/simd-oracle32
$(GUEST_DIR)/host/simd-oracle32: tests/guest/host/simd-oracle.c $(SIMD_ORACLE_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $< (-m32)"
	$(Q)$(CC) -m32 -O1 -Wall -Wextra -o $@ $<
endif

.PHONY: check-simd-oracle
check-simd-oracle: $(SIMD_ORACLES)
	$(Q)pass=0; fail=0; for e in $(SIMD_ORACLE_TESTS); do \
	    o=$${e%%:*}; t=$${e#*:}; \
	    if $(GUEST_DIR)/host/$$o $${t#m32-} | cmp -s - tests/guest/$$t.expected; \
	    then echo "PASS $$t (host CPU)"; pass=$$((pass + 1)); \
	    else echo "FAIL $$t: host CPU output differs from tests/guest/$$t.expected"; \
	         fail=$$((fail + 1)); fi; \
	done; echo "$$pass passed, $$fail failed"; [ $$fail -eq 0 ]

CHECK_TARGETS += check-simd-oracle

# The ssefp guest's body (ssefp-ops.h) on the host CPU: its output must be
# the start of ssefp.expected (the CR4.OSXMMEXCPT = 0 lines after it run
# in the guest only).
$(GUEST_DIR)/ssefp.o: tests/guest/ssefp-ops.h
$(GUEST_DIR)/host/ssefp-oracle: tests/guest/host/ssefp-oracle.c \
                                tests/guest/ssefp-ops.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) -O1 -Wall -Wextra -o $@ $<

.PHONY: check-ssefp-oracle
check-ssefp-oracle: $(GUEST_DIR)/host/ssefp-oracle
	$(Q)$(GUEST_DIR)/host/ssefp-oracle >$(GUEST_DIR)/host/ssefp.out && \
	n=$$(wc -l <$(GUEST_DIR)/host/ssefp.out) && \
	if head -n $$n tests/guest/ssefp.expected | cmp -s - $(GUEST_DIR)/host/ssefp.out; \
	then echo "PASS ssefp ($$n lines, host CPU)"; \
	else echo "FAIL ssefp: host CPU output differs from tests/guest/ssefp.expected"; \
	     diff $(GUEST_DIR)/host/ssefp.out tests/guest/ssefp.expected; exit 1; fi

CHECK_TARGETS += check-ssefp-oracle
