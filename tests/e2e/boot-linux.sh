#!/bin/sh
# boot-linux.sh - end-to-end test: boot Debian's kernel with a busybox
# initramfs under Kite and report how far it got and how long it took.
#
# Usage: tests/e2e/boot-linux.sh [--kite PATH] [--accel "kvm tcg"]
#            [--timeout SEC] [--kernel FILE] [--initrd FILE] [--logs DIR]
#   --timeout (or E2E_TIMEOUT): seconds per boot; default 1800 under kvm,
#   600 under tcg.
#
# Without --kernel/--initrd it fetches the kernel (scripts/fetch-linux) and
# builds the initramfs (scripts/make-initramfs), both cached in
# tests/e2e/cache/. Without --accel it runs under each accelerator Kite can
# use here (SKIP lines name the others).
#
# Outcomes, per accelerator:
#   tcg: passes when the initramfs prints its marker (KITE-E2E-OK).
#   kvm: passes on the marker, or when the kernel's first console lines
#        appeared and Kite then stopped on its own with a "kite: ..."
#        report (hosts whose KVM cannot run the whole kernel end there).
#   Never a pass: no kernel output, a crash (signal), or a hang past the
#   timeout.
# Prints one line per accelerator and "N passed, N failed[, N skipped]".

set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
kite=$top/build/kite
accels=
limit=${E2E_TIMEOUT:-}
kernel=
initrd=
logs=$top/build/tests/e2e
marker=KITE-E2E-OK

while [ $# -gt 0 ]; do
    case "$1" in
    --kite) kite=$2; shift 2 ;;
    --accel) accels=$2; shift 2 ;;
    --timeout) limit=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --initrd) initrd=$2; shift 2 ;;
    --logs) logs=$2; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "boot-linux.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

passed=0
failed=0
skipped=0
mkdir -p "$logs"

now() {
    date +%s.%N
}

elapsed() {
    echo "$1 $(now)" | awk '{printf "%.1f", $2 - $1}'
}

if [ ! -x "$kite" ]; then
    echo "boot-linux.sh: $kite not found (run make first)" >&2
    exit 2
fi
if [ -z "$kernel" ]; then
    kernel=$("$top/scripts/fetch-linux") || exit 1
fi
if [ -z "$initrd" ]; then
    initrd=$("$top/scripts/make-initramfs") || exit 1
fi

if [ -z "$accels" ]; then
    if [ ! -e /dev/kvm ]; then
        echo "SKIP kvm: /dev/kvm does not exist"
        skipped=$((skipped + 1))
    elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
        echo "SKIP kvm: /dev/kvm is not readable and writable by $(id -un)"
        skipped=$((skipped + 1))
    else
        accels=kvm
    fi
    probe=$(timeout -k 2 5 "$kite" -accel tcg -m 64 -kernel "$kernel" \
                -nographic -no-reboot </dev/null 2>&1 >/dev/null)
    if echo "$probe" | grep -qi "not available"; then
        echo "SKIP tcg: not available yet"
        skipped=$((skipped + 1))
    else
        accels="$accels tcg"
    fi
fi

# Boots once; sets rc, t_first, t_marker, secs. Polls the log so the time
# of the first kernel line and of the marker can be reported.
boot_once() {
    accel=$1 log=$2 err=$3
    t_first=
    t_marker=
    start=$(now)
    timeout -k 10 "$lim" "$kite" -accel "$accel" -m 512 \
        -kernel "$kernel" -initrd "$initrd" \
        -append "console=ttyS0 earlyprintk=serial panic=-1" \
        -nographic -no-reboot </dev/null >"$log" 2>"$err" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        if [ -z "$t_first" ] && grep -aq "Linux version" "$log" 2>/dev/null; then
            t_first=$(elapsed "$start")
        fi
        if [ -z "$t_marker" ] && grep -aq "$marker" "$log" 2>/dev/null; then
            t_marker=$(elapsed "$start")
        fi
        sleep 0.5
    done
    wait "$pid"
    rc=$?
    secs=$(elapsed "$start")
    if [ -z "$t_first" ] && grep -aq "Linux version" "$log" 2>/dev/null; then
        t_first=$secs
    fi
    if [ -z "$t_marker" ] && grep -aq "$marker" "$log" 2>/dev/null; then
        t_marker=$secs
    fi
}

# Prints the furthest boot stage the log shows.
furthest_stage() {
    log=$1
    for stage in "$marker" "Run /init as init process" \
                 "Freeing unused kernel" "Unpacking initramfs" \
                 "Calibrating delay loop" "Command line:" "Linux version" \
                 "Decompressing Linux" "early console"; do
        if grep -aq "$stage" "$log"; then
            echo "$stage"
            return
        fi
    done
    echo "nothing on the console"
}

for accel in $accels; do
    # Default limits: KVM hosts that emulate guest code need a long time
    # to get through the decompressor; TCG should reach the marker quickly.
    lim=$limit
    if [ -z "$lim" ]; then
        case "$accel" in
        kvm*) lim=1800 ;;
        *) lim=600 ;;
        esac
    fi
    log=$logs/boot-linux.$accel.log
    err=$logs/boot-linux.$accel.err
    echo "booting $(basename "$kernel") under -accel $accel (timeout ${lim}s)"
    boot_once "$accel" "$log" "$err"
    stage=$(furthest_stage "$log")
    report=$(grep -a "^kite:" "$err" | head -n 1)
    how="exit status $rc"
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        how="timed out after ${lim}s"
    elif [ "$rc" -gt 128 ]; then
        how="killed by signal $((rc - 128))"
    fi
    echo "    furthest stage: $stage"
    echo "    first kernel line: ${t_first:+after ${t_first}s}${t_first:-never}"
    echo "    marker: ${t_marker:+after ${t_marker}s}${t_marker:-never}"
    echo "    ended: $how (${secs}s)${report:+; $report}"
    echo "    logs: $log, $err"

    clean_exit=no
    if [ "$rc" != 124 ] && [ "$rc" != 137 ] && [ "$rc" -le 128 ]; then
        clean_exit=yes
    fi
    if [ -n "$t_marker" ] && [ "$clean_exit" = yes ]; then
        echo "PASS linux ($accel): reached the marker, then exited"
        passed=$((passed + 1))
    elif [ -n "$t_marker" ]; then
        echo "FAIL linux ($accel): reached the marker but did not exit ($how)"
        failed=$((failed + 1))
    elif [ "$accel" = kvm ] && [ -n "$t_first" ] &&
         [ "$clean_exit" = yes ] && [ -n "$report" ]; then
        echo "PASS linux (kvm): early boot, then stopped with a clean report" \
             "(the host's KVM cannot run the whole kernel)"
        passed=$((passed + 1))
    else
        echo "FAIL linux ($accel): $how at stage \"$stage\"" \
             "${report:+($report)}"
        failed=$((failed + 1))
    fi
done

if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
