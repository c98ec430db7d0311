# Firmware boot: Debian's SeaBIOS through its POST on the pc machine
# (PCI enumeration, PIRQ routing, PAM shadowing by a real firmware).

.PHONY: check-firmware
check-firmware: $(BUILD)/kite
	$(Q)tests/firmware/run.sh --kite $(BUILD)/kite

CHECK_TARGETS += check-firmware
