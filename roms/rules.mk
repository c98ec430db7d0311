# Firmware built from source (see roms/README.md): each ROM is assembled
# with the host toolchain as 16-bit code, linked flat at 0, finished by
# romsum (size, PnP and ROM checksums) and compiled into libkite.a as a
# byte array, so Kite needs no ROM file at run time. Included by the
# top-level Makefile before libkite.a's rule (ROM_OBJS join LIB_OBJS).

ROMS_BUILD := $(BUILD)/roms
ROM_OBJS := $(ROMS_BUILD)/linuxboot-rom.o

$(ROMS_BUILD)/romsum: roms/romsum.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(CC) -O2 -Wall -Wextra -o $@ $<

$(ROMS_BUILD)/%.o: roms/%.S
	@mkdir -p $(dir $@)
	@echo "  AS16    $<"
	$(Q)$(CC) -m32 -c -o $@ $<

$(ROMS_BUILD)/%.raw: $(ROMS_BUILD)/%.o
	$(Q)$(LD) -m elf_i386 -Ttext 0 -e _start --oformat binary -o $@ $<

$(ROMS_BUILD)/linuxboot_dma.bin: $(ROMS_BUILD)/linuxboot.raw $(ROMS_BUILD)/romsum
	@echo "  ROM     $@"
	$(Q)$(ROMS_BUILD)/romsum $< $@

$(ROMS_BUILD)/linuxboot-rom.c: $(ROMS_BUILD)/linuxboot_dma.bin $(ROMS_BUILD)/romsum
	$(Q)$(ROMS_BUILD)/romsum --c linuxboot_dma_rom $< $@

$(ROMS_BUILD)/linuxboot-rom.o: $(ROMS_BUILD)/linuxboot-rom.c
	@echo "  CC      $<"
	$(Q)$(CC) $(KITE_CFLAGS) -c -o $@ $<

LIB_OBJS += $(ROM_OBJS)

.PHONY: roms
roms: $(ROMS_BUILD)/linuxboot_dma.bin
