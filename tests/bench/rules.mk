# `make bench`: CPU-bound kernels (tests/bench/kernels.c) built as one
# long-mode guest ELF per kernel (plus an empty one, to subtract startup
# cost) and as a native host program from the same source; run.sh times
# them under Kite TCG (native backend and interpreter), QEMU TCG when
# installed, and natively, and writes the table to build/bench/results.txt.
#
# Knobs: BENCH_RUNS (best of N, default 3), BENCH_KERNELS (subset),
# BENCH_KVM=1 (also time Kite and QEMU under KVM), BENCH_ARGS (more
# run.sh options).
#
# This file is read before tests/guest/rules.mk, so it names the guest
# runtime objects by path; their rules and GUEST_* flags come from there
# (variables in recipes are expanded when the recipe runs).

BENCH_DIR := $(BUILD)/tests/bench
BENCH_OUT := $(BUILD)/bench
BENCH_FP_KERNELS := matmul-sse2 matmul-x87 nbody-sse2 nbody-x87
BENCH_KERNEL_NAMES := empty sieve sort bytecode crc32 $(BENCH_FP_KERNELS)
BENCH_ELFS := $(BENCH_KERNEL_NAMES:%=$(BENCH_DIR)/bench-%.elf)
BENCH_HOST := $(BENCH_DIR)/bench-host
BENCH_GUEST_LIB := $(BUILD)/tests/guest/lib/crt0.o \
                   $(BUILD)/tests/guest/lib/runtime.o \
                   $(BUILD)/tests/guest/lib/common.o
BENCH_HDRS := tests/bench/kernels.h tests/guest/lib/guest.h
BENCH_RUNS ?= 3
BENCH_KERNELS ?= sieve sort bytecode crc32 $(BENCH_FP_KERNELS)
BENCH_KVM ?= 0

# The native reference compiles kernels.c with the guest's code-generation
# flags (general registers only, no red zone, no PIC) so both run the same
# instruction mix; elsewhere it is plain -O2.
ifeq ($(HOST_ARCH),x86_64)
BENCH_HOST_KCFLAGS = $(GUEST_CFLAGS)
BENCH_HOST_LDFLAGS := -no-pie
else
BENCH_HOST_KCFLAGS := -O2 -g -std=gnu11 -ffreestanding -fno-builtin
BENCH_HOST_LDFLAGS :=
endif

# fpkernels.c is built twice per side: SSE2 arithmetic and x87 arithmetic
# (-mno-sse: no SSE instruction at all), from the integer flags minus
# -mgeneral-regs-only. -fno-math-errno lets sqrt be one instruction.
BENCH_FP_SSE2 := -msse2 -mfpmath=sse -fno-math-errno
BENCH_FP_X87 := -mno-sse -mfpmath=387 -fno-math-errno -DBENCH_FP_X87
BENCH_FP_OBJS = $(1)/fp-sse2.o $(1)/fp-x87.o

$(BENCH_DIR)/guest/fp-%.o: tests/bench/fpkernels.c $(BENCH_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $< (guest, $*)"
	$(Q)$(GUEST_CC) $(filter-out -mgeneral-regs-only,$(GUEST_CFLAGS)) \
		$(if $(filter x87,$*),$(BENCH_FP_X87),$(BENCH_FP_SSE2)) -c -o $@ $<

$(BENCH_DIR)/host/fp-%.o: tests/bench/fpkernels.c tests/bench/kernels.h
	@mkdir -p $(dir $@)
	@echo "  CC      $< (host, $*)"
	$(Q)$(CC) $(filter-out -mgeneral-regs-only,$(BENCH_HOST_KCFLAGS)) \
		$(if $(filter x86_64,$(HOST_ARCH)),$(if $(filter x87,$*),$(BENCH_FP_X87),$(BENCH_FP_SSE2)),-fno-math-errno) \
		-c -o $@ $<

$(BENCH_DIR)/guest/kernels.o: tests/bench/kernels.c $(BENCH_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(BENCH_DIR)/guest/main-%.o: tests/bench/guest-main.c $(BENCH_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $< ($*)"
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -DBENCH_KERNEL='"$*"' -c -o $@ $<

$(BENCH_DIR)/bench-%.elf64: $(BENCH_DIR)/guest/main-%.o \
                            $(BENCH_DIR)/guest/kernels.o $(BENCH_GUEST_LIB) \
                            $(call BENCH_FP_OBJS,$(BENCH_DIR)/guest) \
                            tests/guest/lib/guest.ld
	@echo "  LD      $@"
	$(Q)$(GUEST_LD) $(GUEST_LDFLAGS) -o $@ $(BENCH_GUEST_LIB) \
		$(BENCH_DIR)/guest/main-$*.o $(BENCH_DIR)/guest/kernels.o \
		$(call BENCH_FP_OBJS,$(BENCH_DIR)/guest)

$(BENCH_DIR)/bench-%.elf: $(BENCH_DIR)/bench-%.elf64
	@echo "  OBJCOPY $@"
	$(Q)$(GUEST_OBJCOPY) -O elf32-i386 $< $@

$(BENCH_DIR)/host/kernels.o: tests/bench/kernels.c tests/bench/kernels.h
	@mkdir -p $(dir $@)
	@echo "  CC      $< (host)"
	$(Q)$(CC) $(BENCH_HOST_KCFLAGS) -c -o $@ $<

$(BENCH_HOST): tests/bench/host-main.c tests/bench/kernels.h \
               $(BENCH_DIR)/host/kernels.o \
               $(call BENCH_FP_OBJS,$(BENCH_DIR)/host)
	@echo "  CC      $@"
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra $(BENCH_HOST_LDFLAGS) -o $@ \
		tests/bench/host-main.c $(BENCH_DIR)/host/kernels.o \
		$(call BENCH_FP_OBJS,$(BENCH_DIR)/host)

.PRECIOUS: $(BENCH_DIR)/bench-%.elf64 $(BENCH_DIR)/guest/main-%.o

.PHONY: bench-programs bench-cpu
bench-programs: $(BENCH_ELFS) $(BENCH_HOST)

bench-cpu: $(BUILD)/kite bench-programs
	$(Q)tests/bench/run.sh --kite $(BUILD)/kite --dir $(BENCH_DIR) \
		--host $(BENCH_HOST) --runs $(BENCH_RUNS) \
		--out $(BENCH_OUT)/results.txt \
		$(if $(filter 1 yes,$(BENCH_KVM)),--kvm) $(BENCH_ARGS) \
		$(BENCH_KERNELS)

BENCH_TARGETS += bench-cpu

# `make bench-linux` (not part of make check or make bench): Debian's
# kernel and the busybox initramfs under Kite TCG and QEMU TCG, alternating
# runs: boot to the marker and to power-off (bzImage and PVH), then the
# guest workloads of tests/bench/linux/bench.sh. BENCH_LINUX_RUNS (least
# of N, default 1). Then TCP throughput over -netdev user + virtio-net
# (bench-net.py, the initramfs with the virtio modules).
BENCH_LINUX_RUNS ?= 1
.PHONY: bench-linux
bench-linux: $(BUILD)/kite
	$(Q)k=$$(scripts/fetch-linux) && i=$$(scripts/make-initramfs) && \
	mkdir -p $(BENCH_OUT) && \
	scripts/extract-vmlinux "$$k" >$(BENCH_OUT)/vmlinux && \
	tests/bench/linux/bench-linux.py --kite $(BUILD)/kite --kernel "$$k" \
		--vmlinux $(BENCH_OUT)/vmlinux --initrd "$$i" \
		--runs $(BENCH_LINUX_RUNS) | tee $(BENCH_OUT)/linux.txt && \
	im=$$(scripts/make-initramfs --modules) && \
	tests/bench/linux/bench-net.py --kite $(BUILD)/kite --kernel "$$k" \
		--initrd "$$im" | tee $(BENCH_OUT)/linux-net.txt

# Disk throughput (tests/bench/linux/bench-disk.py), part of bench-linux:
# sequential and random 4 KiB I/O on virtio-blk, raw and qcow2, under Kite
# TCG and QEMU TCG.
.PHONY: bench-linux-disk
bench-linux-disk: $(BUILD)/kite $(BUILD)/kite-img
	$(Q)k=$$(scripts/fetch-linux) && \
	i=$$(scripts/make-initramfs --modules) && mkdir -p $(BENCH_OUT) && \
	tests/bench/linux/bench-disk.py --kite $(BUILD)/kite \
		--kite-img $(BUILD)/kite-img --kernel "$$k" --initrd "$$i" | \
		tee $(BENCH_OUT)/linux-disk.txt
bench-linux: bench-linux-disk
