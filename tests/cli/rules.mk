# Command-line tests: every kind of bad input gets a clean "kite: ..."
# message and exit status 1; the help and version options exit 0.

.PHONY: check-cli
check-cli: $(BUILD)/kite
	$(Q)tests/cli/run.sh --kite $(BUILD)/kite

CHECK_TARGETS += check-cli
