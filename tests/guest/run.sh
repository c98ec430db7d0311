#!/bin/sh
# run.sh - boot each guest test program under every available accelerator
# and compare what it prints on COM1 (stdout under -nographic) and its exit
# status with tests/guest/NAME.expected and tests/guest/NAME.status.
#
# Usage: tests/guest/run.sh [--kite PATH] [--dir GUEST_DIR] [--timeout SEC]
#                           [--accel "kvm tcg,backend=native ..."] [NAME...]
#
# Accelerators: kvm when /dev/kvm is usable, and TCG with both backends
# (native and interp) once `kite -accel tcg` works; anything unavailable is
# reported as a SKIP line. All accelerators must agree with each other as
# well as with the expected file. Prints one line per (guest, accelerator)
# and ends with "N passed, N failed, N skipped"; exits non-zero on failure.
# Source lines GUEST-SKIP, GUEST-EXTRA-ACCEL and GUEST-ALLOW-REBOOT adjust
# how one guest runs (see below).

set -u

here=$(cd "$(dirname "$0")" && pwd)
kite=build/kite
dir=build/tests/guest
limit=60
accels=
names=

while [ $# -gt 0 ]; do
    case "$1" in
    --kite) kite=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --timeout) limit=$2; shift 2 ;;
    --accel) accels=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) names="$names $1"; shift ;;
    esac
done

if [ -z "$names" ]; then
    for f in "$here"/*.expected; do
        names="$names $(basename "$f" .expected)"
    done
fi

passed=0
failed=0
skipped=0
out="$dir/out"
mkdir -p "$out"

# Runs one guest; leaves stdout in $out/NAME.TAG.out, stderr in .err and
# prints the exit status (124 on timeout). A "kernel-irqchip=X" part of
# the accelerator string becomes "-machine kernel-irqchip=X"; a guest
# whose source has a GUEST-ALLOW-REBOOT line runs without -no-reboot;
# the words after "GUEST-ARGS" in a source are added to the command line.
boot() {
    name=$1 accel=$2 tag=$3
    machine=pc
    reboot=-no-reboot
    extra=$(sed -n 's/.*GUEST-ARGS \(.*\)$/\1/p' "$here/$name.c" 2>/dev/null)
    case "$accel" in
    *,kernel-irqchip=*)
        machine="pc,kernel-irqchip=${accel##*,kernel-irqchip=}"
        accel=${accel%%,kernel-irqchip=*} ;;
    esac
    if grep -q "GUEST-ALLOW-REBOOT" "$here/$name.c" 2>/dev/null; then
        reboot=
    fi
    timeout -k 5 "$limit" "$kite" -accel "$accel" -machine "$machine" \
        -m 64 -kernel "$dir/$name.elf" -nographic $reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=4 $extra \
        </dev/null >"$out/$name.$tag.out" 2>"$out/$name.$tag.err"
    echo $?
}

# Extra configurations a guest asks for with "GUEST-EXTRA-ACCEL <accel>"
# lines (e.g. "kvm,kernel-irqchip=off"); each runs only when its base
# accelerator is available and is reported on its own line.
extra_accels() {
    src="$here/$1.c"
    [ -f "$src" ] || return 0
    sed -n 's/.*GUEST-EXTRA-ACCEL \([^ ]*\).*/\1/p' "$src" |
    while read -r a; do
        case " $accels " in
        *" ${a%%,*} "*|*" ${a%%,*},"*) echo "$a" ;;
        esac
    done
}

kvm_problem() {
    if [ ! -e /dev/kvm ]; then
        echo "/dev/kvm does not exist"
    elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
        echo "/dev/kvm is not readable and writable by $(id -un)"
    else
        # The device is there; ask Kite whether it can really use it.
        first=$(echo $names | cut -d' ' -f1)
        boot "$first" kvm kvmprobe >/dev/null
        if grep -q "KVM not available" "$out/$first.kvmprobe.err"; then
            sed -n 's/.*\(KVM not available.*\)/\1/p' \
                "$out/$first.kvmprobe.err" | head -n 1
        fi
    fi
}

# TCG counts as available when a trivial guest boots under it; until then
# Kite answers "-accel tcg" with a "not available" message.
tcg_problem() {
    first=$(echo $names | cut -d' ' -f1)
    rc=$(boot "$first" tcg probe)
    if grep -qi "not available\|not supported\|unknown accel" \
            "$out/$first.probe.err"; then
        echo "not available yet"
    elif [ "$rc" = 124 ]; then
        echo "probe run timed out"
    fi
}

# A guest declares an accelerator it cannot run on with a line
# "GUEST-SKIP <accel>: <reason>" in its source (accel "kvm", "tcg" or a
# full "tcg,backend=interp"); the runner then prints a SKIP line instead.
skip_reason() {
    src="$here/$1.c"
    [ -f "$src" ] || return 0
    for a in "$2" "${2%%,*}"; do
        r=$(sed -n "s/.*GUEST-SKIP $a: *//p" "$src" | sed 's/ *\*\/ *$//' |
            head -n 1)
        if [ -n "$r" ]; then
            echo "$r"
            return 0
        fi
    done
}

say_skip() {
    echo "SKIP $1: $2"
    skipped=$((skipped + 1))
}

if [ ! -x "$kite" ]; then
    echo "run.sh: $kite not found (run make first)" >&2
    exit 2
fi

if [ -z "$accels" ]; then
    why=$(kvm_problem)
    if [ -n "$why" ]; then
        say_skip kvm "$why"
    else
        accels="kvm"
    fi
    why=$(tcg_problem)
    if [ -n "$why" ]; then
        say_skip tcg "$why"
    else
        accels="$accels tcg,backend=native tcg,backend=interp"
    fi
fi

if [ -z "$accels" ]; then
    echo "run.sh: no accelerator available here, no guest was run" >&2
    echo "0 passed, 0 failed, $skipped skipped"
    exit 0
fi

for name in $names; do
    expected="$here/$name.expected"
    want=$(cat "$here/$name.status" 2>/dev/null || echo "?")
    first_tag=
    for accel in $accels $(extra_accels "$name"); do
        tag=$(echo "$accel" | sed 's/,backend=/-/; s/[^A-Za-z0-9_-]/_/g')
        why=$(skip_reason "$name" "$accel")
        if [ -n "$why" ]; then
            say_skip "$name ($accel)" "$why"
            continue
        fi
        start=$(date +%s.%N)
        rc=$(boot "$name" "$accel" "$tag")
        secs=$(echo "$start $(date +%s.%N)" | awk '{printf "%.1f", $2 - $1}')
        problems=
        if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
            problems="timed out after ${limit}s"
        elif [ "$rc" != "$want" ]; then
            problems="exit status $rc, expected $want"
        fi
        if ! cmp -s "$expected" "$out/$name.$tag.out"; then
            diff -u "$expected" "$out/$name.$tag.out" \
                >"$out/$name.$tag.diff" 2>&1
            problems="${problems:+$problems; }output differs (see $out/$name.$tag.diff)"
        fi
        if [ -z "$problems" ]; then
            echo "PASS $name ($accel, ${secs}s)"
            passed=$((passed + 1))
        else
            echo "FAIL $name ($accel, ${secs}s): $problems"
            sed -n '1,5s/^/    stderr: /p' "$out/$name.$tag.err"
            failed=$((failed + 1))
        fi
        echo "$rc" >"$out/$name.$tag.rc"
        # Accelerators must agree with each other, not only with the file.
        if [ -z "$first_tag" ]; then
            first_tag=$tag
        elif ! cmp -s "$out/$name.$first_tag.out" "$out/$name.$tag.out" ||
             ! cmp -s "$out/$name.$first_tag.rc" "$out/$name.$tag.rc"; then
            echo "FAIL $name: $first_tag and $tag disagree"
            failed=$((failed + 1))
        fi
    done
done

if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
