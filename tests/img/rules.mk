# kite-img's command line (tests/img/run.sh): every command, its exit
# statuses, bad input, and qemu-img's view of what it wrote.

.PHONY: check-img
check-img: $(BUILD)/kite-img
	$(Q)tests/img/run.sh --kite-img $(BUILD)/kite-img

CHECK_TARGETS += check-img
