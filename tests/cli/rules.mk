# Command-line tests: every kind of bad input gets a clean "kite: ..."
# message and exit status 1; the help and version options exit 0.
# system.py runs Kite as a process: signals, the terminal (through a
# pty), stalled output, serial backends, host files, real-mode bzImages.

.PHONY: check-cli
check-cli: $(BUILD)/kite
	$(Q)tests/cli/run.sh --kite $(BUILD)/kite
	$(Q)python3 tests/cli/system.py --kite $(BUILD)/kite \
		--cache $(BUILD)/tests/cli-cache

CHECK_TARGETS += check-cli
