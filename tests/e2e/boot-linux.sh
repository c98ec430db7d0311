#!/bin/sh
# boot-linux.sh - end-to-end test: boot Debian's kernel with the busybox
# initramfs under Kite, through the bzImage and through PVH (the vmlinux
# inside it, extracted by scripts/extract-vmlinux), and check the kernel
# log.
#
# Usage: tests/e2e/boot-linux.sh [--kite PATH] [--boots "LIST"]
#            [--timeout SEC] [--kernel FILE] [--initrd FILE] [--logs DIR]
#   --boots: space-separated ACCEL/IMAGE pairs, IMAGE bz or pvh; default
#            "tcg/bz tcg/pvh tcg,backend=interp/pvh", plus kvm/bz where
#            /dev/kvm can be used (E2E_BOOTS overrides too).
#   --timeout (or E2E_TIMEOUT): seconds per boot; default 300 (kvm 1800).
#
# Without --kernel/--initrd it fetches the kernel (scripts/fetch-linux) and
# builds the initramfs (scripts/make-initramfs), both cached in
# tests/e2e/cache/; when the kernel cannot be fetched it prints a SKIP line
# and exits 0. The command line holds kite.poweroff: /init prints the
# marker KITE-E2E-OK and powers off.
#
# A boot passes when the marker appears, Kite exits with status 0 (S5
# power-off), and the kernel log holds none of: an ACPI error or warning,
# "TSC unstable", a failed TSC calibration, a call trace, "BUG", and
# Kite's own log of unhandled guest actions (-d unimp,guest_errors) holds
# nothing but the MSRs the kernel probes with rdmsr_safe. A boot that does
# not reach the marker fails and names the last kernel line it printed.
# KVM boots pass too when the host's KVM stops early with a clean report.
# Prints one line per boot and "N passed, N failed[, N skipped]".

set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
kite=$top/build/kite
boots=${E2E_BOOTS:-}
limit=${E2E_TIMEOUT:-}
kernel=
initrd=
logs=$top/build/tests/e2e
marker=KITE-E2E-OK
append="console=ttyS0 panic=-1 kite.poweroff"

while [ $# -gt 0 ]; do
    case "$1" in
    --kite) kite=$2; shift 2 ;;
    --boots) boots=$2; shift 2 ;;
    --timeout) limit=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --initrd) initrd=$2; shift 2 ;;
    --logs) logs=$2; shift 2 ;;
    -h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "boot-linux.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

passed=0
failed=0
skipped=0
mkdir -p "$logs"

# Kernel lines that fail a boot (extended regexp).
BAD_KERNEL='ACPI (BIOS )?(Error|Warning)|ACPI Exception|TSC unstable|Unable to calibrate|TSC calibration failed|Call Trace|(^|[^A-Za-z])BUG[: ]|Kernel panic|WARNING:'
# Kite's -d unimp lines the kernel causes on purpose: MSRs it probes with
# rdmsr_safe and copes with the #GP (MISC_FEATURES_ENABLES, PERFEVTSEL0,
# AMD DE_CFG).
KITE_EXPECTED='rdmsr of MSR (0x140|0x186|0xc0011029) '

now() {
    date +%s.%N
}

elapsed() {
    echo "$1 $(now)" | awk '{printf "%.1f", $2 - $1}'
}

finish() {
    if [ "$skipped" -gt 0 ]; then
        echo "$passed passed, $failed failed, $skipped skipped"
    else
        echo "$passed passed, $failed failed"
    fi
    [ "$failed" -eq 0 ]
    exit
}

if [ ! -x "$kite" ]; then
    echo "boot-linux.sh: $kite not found (run make first)" >&2
    exit 2
fi
if [ -z "$kernel" ]; then
    if ! kernel=$("$top/scripts/fetch-linux" 2>"$logs/fetch.err"); then
        echo "SKIP linux: cannot fetch Debian's kernel:" \
             "$(tail -n 1 "$logs/fetch.err")"
        skipped=1
        finish
    fi
fi
if [ -z "$initrd" ]; then
    if ! initrd=$("$top/scripts/make-initramfs" 2>"$logs/initramfs.err"); then
        echo "SKIP linux: cannot build the initramfs:" \
             "$(tail -n 1 "$logs/initramfs.err")"
        skipped=1
        finish
    fi
fi
vmlinux=$logs/vmlinux
if [ ! -s "$vmlinux" ] || [ "$kernel" -nt "$vmlinux" ]; then
    "$top/scripts/extract-vmlinux" "$kernel" >"$vmlinux.tmp" 2>/dev/null &&
        mv "$vmlinux.tmp" "$vmlinux" || rm -f "$vmlinux.tmp" "$vmlinux"
fi

if [ -z "$boots" ]; then
    boots="tcg/bz tcg/pvh tcg,backend=interp/pvh"
    if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
        boots="kvm/bz $boots"
    else
        echo "SKIP kvm: /dev/kvm cannot be used here"
        skipped=$((skipped + 1))
    fi
fi

# Boots once; sets rc, t_marker, secs.
boot_once() {
    accel=$1 image=$2 log=$3 err=$4 dlog=$5
    t_marker=
    start=$(now)
    timeout -k 10 "$lim" "$kite" -accel "$accel" -m 512 \
        -kernel "$image" -initrd "$initrd" -append "$append" \
        -nographic -no-reboot -d unimp,guest_errors -D "$dlog" \
        </dev/null >"$log" 2>"$err" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        if [ -z "$t_marker" ] && grep -aq "$marker" "$log" 2>/dev/null; then
            t_marker=$(elapsed "$start")
        fi
        sleep 0.5
    done
    wait "$pid"
    rc=$?
    secs=$(elapsed "$start")
    if [ -z "$t_marker" ] && grep -aq "$marker" "$log" 2>/dev/null; then
        t_marker=$secs
    fi
}

# The last kernel line (what the boot was doing when it stopped).
last_line() {
    grep -a '^\[' "$1" | tail -n 1 | cut -c1-160
}

for boot in $boots; do
    accel=${boot%/*}
    kind=${boot##*/}
    case "$kind" in
    bz) image=$kernel ;;
    pvh) image=$vmlinux ;;
    *) echo "boot-linux.sh: bad boot $boot (IMAGE is bz or pvh)" >&2
       exit 2 ;;
    esac
    name="linux $kind ($accel)"
    if [ ! -s "$image" ]; then
        echo "SKIP $name: no vmlinux could be extracted from $kernel"
        skipped=$((skipped + 1))
        continue
    fi
    lim=$limit
    if [ -z "$lim" ]; then
        case "$accel" in
        kvm*) lim=1800 ;;
        *) lim=300 ;;
        esac
    fi
    tag=$(echo "$kind.$accel" | tr ',=' '..')
    log=$logs/boot-linux.$tag.log
    err=$logs/boot-linux.$tag.err
    dlog=$logs/boot-linux.$tag.d
    rm -f "$dlog"
    boot_once "$accel" "$image" "$log" "$err" "$dlog"
    report=$(grep -a "^kite:" "$err" | head -n 1)
    how="exit status $rc"
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        how="timed out after ${lim}s"
    elif [ "$rc" -gt 128 ]; then
        how="killed by signal $((rc - 128))"
    fi
    bad=$(grep -aE "$BAD_KERNEL" "$log" | head -n 3 | cut -c1-160)
    unhandled=$(grep -avE "$KITE_EXPECTED" "$dlog" 2>/dev/null |
                head -n 3 | cut -c1-160)
    when=never
    [ -n "$t_marker" ] && when="after ${t_marker}s"
    echo "    $name: marker $when," \
         "ended: $how after ${secs}s${report:+; $report}; log: $log"
    if [ -z "$t_marker" ]; then
        if [ "${accel%%,*}" = kvm ] && [ -n "$report" ] &&
           grep -aq "Linux version" "$log"; then
            echo "PASS $name: early boot, then a clean report" \
                 "(this host's KVM cannot run the whole kernel)"
            passed=$((passed + 1))
            continue
        fi
        echo "FAIL $name: $how before the marker; last kernel line:" \
             "$(last_line "$log")${bad:+; also: $bad}"
        failed=$((failed + 1))
    elif [ "$rc" != 0 ]; then
        echo "FAIL $name: reached the marker, but then $how" \
             "(poweroff should end Kite with status 0)"
        failed=$((failed + 1))
    elif [ -n "$bad" ]; then
        echo "FAIL $name: the kernel log holds: $bad"
        failed=$((failed + 1))
    elif [ -n "$unhandled" ]; then
        echo "FAIL $name: Kite logged unhandled guest actions" \
             "($dlog): $unhandled"
        failed=$((failed + 1))
    else
        echo "PASS $name: marker after ${t_marker}s, clean log, powered off"
        passed=$((passed + 1))
    fi
done
finish
