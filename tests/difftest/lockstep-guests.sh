#!/bin/sh
# lockstep-guests.sh - runs guest test programs (tests/guest) in lockstep on
# two engines (default: TCG native backend against the interpreter) and
# checks that they never diverge, that the guest ends with the status in
# tests/guest/NAME.status and that machine A's serial output matches
# tests/guest/NAME.expected.
#
# Usage: tests/difftest/lockstep-guests.sh [--lockstep PATH] [--dir GUEST_DIR]
#            [--out DIR] [-a ENGINE] [-b ENGINE] NAME...
# Prints one line per guest and "N passed, N failed"; exits non-zero on a
# failure. A divergence report is left in OUT/NAME.log.

set -u

here=$(cd "$(dirname "$0")/../guest" && pwd)
lockstep=build/tests/difftest/lockstep
dir=build/tests/guest
out=build/tests/difftest/lockstep-out
a=tcg-native
b=tcg-interp
names=

while [ $# -gt 0 ]; do
    case "$1" in
    --lockstep) lockstep=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -a) a=$2; shift 2 ;;
    -b) b=$2; shift 2 ;;
    -*) echo "lockstep-guests.sh: unknown option $1" >&2; exit 2 ;;
    *) names="$names $1"; shift ;;
    esac
done

mkdir -p "$out"
passed=0
failed=0
for name in $names; do
    want=$(cat "$here/$name.status" 2>/dev/null || echo "")
    reboot=
    if grep -q "GUEST-ALLOW-REBOOT" "$here/$name.c" 2>/dev/null; then
        reboot=--reboot
    fi
    start=$(date +%s.%N)
    "$lockstep" --guest "$dir/$name.elf" -a "$a" -b "$b" $reboot -q \
        ${want:+--expect-status "$want"} --serial "$out/$name.out" \
        </dev/null >"$out/$name.log" 2>&1
    rc=$?
    secs=$(echo "$start $(date +%s.%N)" | awk '{printf "%.1f", $2 - $1}')
    problems=
    case $rc in
    0) ;;
    1) problems="diverged (see $out/$name.log)" ;;
    *) problems="lockstep status $rc: $(tail -n 1 "$out/$name.log")" ;;
    esac
    if [ -f "$here/$name.expected" ] &&
       ! cmp -s "$here/$name.expected" "$out/$name.out"; then
        problems="${problems:+$problems; }serial output differs from"
        problems="$problems $name.expected"
    fi
    if grep -q "skipped" "$out/$name.log"; then
        echo "SKIP $name ($a vs $b): $(grep skipped "$out/$name.log")"
    elif [ -z "$problems" ]; then
        what=$(sed -n 's/.*agree: //p' "$out/$name.log")
        echo "PASS $name ($a vs $b, ${secs}s): $what"
        passed=$((passed + 1))
    else
        echo "FAIL $name ($a vs $b, ${secs}s): $problems"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
