#!/bin/sh
# run.sh - time the bench kernels under every engine in one run and print
# a table of seconds and ratios (also written to --out).
#
# Usage: tests/bench/run.sh [--kite PATH] [--dir ELF_DIR] [--host PATH]
#            [--runs N] [--out FILE] [--factor K] [--target SEC]
#            [--timeout SEC] [--qemu PATH] [--kvm] [--no-interp] [KERNEL...]
#
# Engines: Kite TCG with the native backend, Kite TCG with the
# interpreter, QEMU TCG (only when qemu-system-x86_64 is installed; Kite
# never needs it) and the kernels compiled for the host; with --kvm also
# Kite and QEMU under KVM when /dev/kvm is usable. Each kernel is its own
# guest run (repetition count passed as the multiboot command line
# "scale=N"); the best wall-clock time of N runs is kept and the best time
# of an empty guest (boot, print, exit) is subtracted. An engine that runs
# a kernel in less than --target seconds (default 2) is given the kernel
# k times over (k found by probe runs, starting at --factor) and its time
# is divided by k, so fast engines are not lost in startup jitter. Every
# engine must print the checksum the native program prints at the same
# scale; a mismatch, a wrong exit status or a timeout fails the run.

set -u

kite=build/kite
dir=build/tests/bench
host=build/tests/bench/bench-host
runs=3
out=build/bench/results.txt
factor=1
target=2
maxf=1000
limit=600
qemu=qemu-system-x86_64
want_kvm=0
want_interp=1
kernels=

while [ $# -gt 0 ]; do
    case "$1" in
    --kite) kite=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --host) host=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --factor) factor=$2; shift 2 ;;
    --timeout) limit=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    --qemu) qemu=$2; shift 2 ;;
    --kvm) want_kvm=1; shift ;;
    --no-interp) want_interp=0; shift ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) kernels="$kernels $1"; shift ;;
    esac
done

case "$runs$factor" in
*[!0-9]*) echo "run.sh: --runs and --factor take positive integers" >&2
          exit 2 ;;
esac
case "$target" in
''|*[!0-9.]*) echo "run.sh: --target takes seconds" >&2; exit 2 ;;
esac
if [ "$runs" -lt 1 ] || [ "$factor" -lt 1 ]; then
    echo "run.sh: --runs and --factor take positive integers" >&2
    exit 2
fi
for f in "$kite" "$host"; do
    if [ ! -x "$f" ]; then
        echo "run.sh: $f not found (run make bench-programs first)" >&2
        exit 2
    fi
done
if [ -z "$kernels" ]; then
    kernels=$("$host" --list | awk '$1 != "empty" { print $1 }')
fi

# A private scratch folder: two runs at once must not share files.
mkdir -p "$(dirname "$out")"
work=$(mktemp -d "$(dirname "$out")/work.XXXXXX") || exit 2
report=$work/report.txt
: >"$report"
failed=0

say() {
    echo "$*" | tee -a "$report"
}

# The default repetition count of a kernel.
scale_of() {
    "$host" --list | awk -v k="$1" '$1 == k { print $2 }'
}

now() {
    date +%s.%N
}

# The command line of one engine; the kernel's ELF and scale are $1 $2.
engine_cmd() {
    elf=$dir/bench-$2.elf
    guest_opts="-m 64 -kernel $elf -append scale=$3 -nographic
                -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4"
    case "$1" in
    kite-native) echo "$kite -accel tcg,backend=native $guest_opts" ;;
    kite-interp) echo "$kite -accel tcg,backend=interp $guest_opts" ;;
    kite-kvm) echo "$kite -accel kvm $guest_opts" ;;
    qemu-tcg) echo "$qemu -accel tcg $guest_opts" ;;
    qemu-kvm) echo "$qemu -accel kvm -cpu host $guest_opts" ;;
    native)
        if [ "$3" = 0 ]; then
            echo "$host $2"
        else
            echo "$host --scale $3 $2"
        fi ;;
    esac
}

# Runs one engine on one kernel once with repetition count $3: prints
# "WALL:CPU" seconds (CPU = user + system of the whole process, "-" when
# GNU time is not there) and leaves the output in $work/ENGINE.KERNEL.out,
# the exit status in .rc.
run_once() {
    engine=$1 kernel=$2 scale=$3
    o=$work/$engine.$kernel
    cmd=$(engine_cmd "$engine" "$kernel" "$scale")
    rm -f "$o.time"
    t0=$(now)
    if [ -n "$gnu_time" ]; then
        "$gnu_time" -f '%U %S' -o "$o.time" timeout -k 5 "$limit" $cmd
    else
        timeout -k 5 "$limit" $cmd
    fi </dev/null >"$o.out" 2>"$o.err"
    echo $? >"$o.rc"
    t1=$(now)
    cpu=-
    if [ -s "$o.time" ]; then
        cpu=$(tail -n 1 "$o.time" | awk 'NF == 2 { printf "%.3f", $1 + $2 }')
    fi
    echo "$t0 $t1 ${cpu:--}" | awk '{ printf "%.3f:%s\n", $2 - $1, $3 }'
}

# The "bench NAME scale=N checksum=X" line of an output (QEMU's firmware
# writes escape sequences and banners before it).
checksum_line() {
    tr -d '\r' <"$1" |
        grep -a -o 'bench [a-z0-9-]* scale=[0-9]* checksum=[0-9a-f]*' |
        tail -n 1
}

# One checked run: prints the seconds, or FAIL (with a line on stderr and
# in the report). Keeps the checksum line in $work/ENGINE.KERNEL.sum.
checked_run() {
    engine=$1 kernel=$2 scale=$3
    want_rc=1
    [ "$engine" = native ] && want_rc=0
    t=$(run_once "$engine" "$kernel" "$scale")
    rc=$(cat "$work/$engine.$kernel.rc")
    line=$(checksum_line "$work/$engine.$kernel.out")
    if [ "$rc" != "$want_rc" ] || [ -z "$line" ]; then
        echo "FAIL $engine $kernel (scale $scale): exit status $rc, output:" \
             "$(head -c 200 "$work/$engine.$kernel.out" | tr -d '\033')" \
             "$(head -n 3 "$work/$engine.$kernel.err")" |
            tee -a "$report" >&2
        echo FAIL
        return
    fi
    echo "$line" >"$work/$engine.$kernel.sum"
    echo "$t"
}

# The repetition factor that makes a kernel run about $target seconds
# beyond startup: fast engines (QEMU, native) run the default scale many
# times over so that startup jitter does not swamp them; results are then
# divided by the factor. Kite's engines normally stay at factor 1. Prints
# "FACTOR SECONDS", SECONDS being the probe run at FACTOR when that probe
# is usable as a timed run ("-" otherwise), or FAIL.
calibrate() {
    engine=$1 kernel=$2 empty=$3
    base=$(scale_of "$kernel")
    f=$factor
    tries=0
    while :; do
        t=$(checked_run "$engine" "$kernel" $((base * f)))
        if [ "$t" = FAIL ]; then
            echo FAIL
            return
        fi
        next=$(echo "${t%:*} $empty $f $target $maxf" | awk '{
            net = $1 - $2; if (net < 0.02) net = 0.02
            if (net >= $4 / 2 || $3 >= $5) { print $3; exit }
            n = int($3 * $4 / net + 0.999); if (n > $3 * 50) n = $3 * 50
            if (n > $5) n = $5
            print n }')
        if [ "$next" = "$f" ]; then
            echo "$f $t"
            return
        fi
        f=$next
        tries=$((tries + 1))
        if [ "$tries" -ge 4 ]; then
            echo "$f -"
            return
        fi
    done
}

# Times one engine on one kernel: best of $runs at the calibrated factor;
# prints "WALL CPU FACTOR" (each the best of its kind), or "FAIL - 0".
time_kernel() {
    engine=$1 kernel=$2 empty=$3
    f=$factor
    times=
    if [ "$kernel" != empty ]; then
        c=$(calibrate "$engine" "$kernel" "$empty")
        if [ "$c" = FAIL ]; then
            echo "FAIL - 0"
            return
        fi
        f=${c% *}
        [ "${c#* }" = - ] || times=" ${c#* }"
    fi
    scale=$(( $(scale_of "$kernel") * f ))
    while [ "$(echo $times | wc -w)" -lt "$runs" ]; do
        t=$(checked_run "$engine" "$kernel" "$scale")
        if [ "$t" = FAIL ]; then
            echo "FAIL - 0"
            return
        fi
        times="$times $t"
    done
    best=$(echo $times | tr ':' ' ' | awk '{
        w = $1; c = $2
        for (i = 3; i < NF; i += 2) {
            if ($i < w) w = $i
            if ($(i + 1) < c) c = $(i + 1)
        }
        print w, c }')
    echo "  $engine $kernel (scale $scale):$times" >>"$work/raw.txt"
    echo "$scale" >"$work/$engine.$kernel.scale"
    echo "$best $f"
}

gnu_time=
if [ -x /usr/bin/time ] &&
   /usr/bin/time -f '%U' -o /dev/null true >/dev/null 2>&1; then
    gnu_time=/usr/bin/time
fi

kvm_usable() {
    [ -e /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]
}

# ---- choose the engines --------------------------------------------------

engines="kite-native"
[ "$want_interp" = 1 ] && engines="$engines kite-interp"
skips=
if command -v "$qemu" >/dev/null 2>&1; then
    engines="$engines qemu-tcg"
    have_qemu=1
else
    skips="${skips}qemu-tcg: skipped: $qemu not installed
"
    have_qemu=0
fi
engines="$engines native"
if [ "$want_kvm" = 1 ]; then
    if kvm_usable; then
        engines="$engines kite-kvm"
        if [ "$have_qemu" = 1 ]; then
            engines="$engines qemu-kvm"
        fi
    else
        skips="${skips}kvm: skipped: /dev/kvm is missing or not usable
"
    fi
fi

: >"$work/raw.txt"
say "Kite bench: best of $runs wall-clock runs per engine and kernel, each kernel"
say "a separate guest run, minus the best run of an empty guest (startup)."
say "Engines faster than ${target}s per kernel run the kernel k times over"
say "(scale shown below) and are divided by k."
say "host: $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null |
    sed 's/.*: //'), $(nproc 2>/dev/null || echo '?') cpus; $(date -u '+%Y-%m-%d %H:%M UTC')"
if [ "$have_qemu" = 1 ]; then
    say "reference: $("$qemu" --version | head -n 1)"
fi
printf '%s' "$skips" | tee -a "$report"
case " $engines " in
*kvm*) say "note: KVM on this host may be nested or emulated; KVM timings" \
           "say nothing about real hardware." ;;
esac
say ""

# ---- measure -------------------------------------------------------------

# "engine kernel wall cpu factor" lines; kernel "empty" is the startup run.
res=$work/results.raw
: >"$res"
for engine in $engines; do
    empty=0
    for kernel in empty $kernels; do
        printf '  %-12s %-9s ' "$engine" "$kernel" >&2
        r=$(time_kernel "$engine" "$kernel" "$empty")
        echo "$r" >&2
        echo "$engine $kernel $r" >>"$res"
        case "$r" in
        FAIL*) failed=1 ;;
        esac
        if [ "$kernel" = empty ]; then
            empty=${r%% *}
            [ "$empty" = FAIL ] && empty=0
        fi
    done
done

# ---- verify checksums against the native program at the same scale ------

for kernel in $kernels; do
    for engine in $engines; do
        [ -f "$work/$engine.$kernel.scale" ] || continue
        scale=$(cat "$work/$engine.$kernel.scale")
        ref=$work/ref.$kernel.$scale
        if [ ! -f "$ref" ]; then
            "$host" --scale "$scale" "$kernel" 2>/dev/null >"$ref"
        fi
        got=$(cat "$work/$engine.$kernel.sum")
        if [ ! -s "$ref" ]; then
            say "MISMATCH $kernel: no native reference at scale $scale"
            failed=1
        elif [ "$got" != "$(cat "$ref")" ]; then
            say "MISMATCH $kernel: $engine printed '$got'," \
                "native '$(cat "$ref")'"
            failed=1
        fi
    done
done

# ---- table ---------------------------------------------------------------

awk -v engines="$engines" -v kernels="$kernels" '
# m = 3: wall clock, m = 4: CPU time (user + system), per default scale.
function net(e, k, m,    v) {
    if (!((e, k) in f) || x[e, k, m] == "FAIL" || x[e, k, m] == "-" ||
        x[e, "empty", m] == "FAIL" || x[e, "empty", m] == "-")
        return -1
    v = (x[e, k, m] - x[e, "empty", m]) / f[e, k]
    return v < 0.0001 ? 0.0001 : v
}
function ratio(a, b, k, m,    p, q) {
    p = net(a, k, m); q = net(b, k, m)
    return (p < 0 || q < 0) ? -1 : p / q
}
function cell(v) {
    return v < 0 ? "-" : sprintf("%.2fx", v)
}
function geo(s, n) {
    return n ? sprintf("%.2fx", exp(s / n)) : "-"
}
function seconds(m, title,    i, j, v) {
    printf "%s\n%-10s", title, "kernel"
    for (i = 1; i <= ne; i++) printf " %12s", E[i]
    printf "\n%-10s", "(startup)"
    for (i = 1; i <= ne; i++) {
        v = x[E[i], "empty", m]
        printf " %12s", (v == "FAIL" || v == "-") ? v : sprintf("%.3f", v)
    }
    printf "\n"
    for (j = 1; j <= nk; j++) {
        printf "%-10s", K[j]
        for (i = 1; i <= ne; i++) {
            v = net(E[i], K[j], m)
            printf " %12s", v < 0 ? "-" : sprintf("%.3f", v)
        }
        printf "\n"
    }
    printf "\n"
}
function ratios(m, title,    j, r1, r2, r3, s1, s2, s3, n1, n2, n3) {
    printf "%s\n%-10s %18s %18s %18s\n", title, "kernel",
           "kite-native/qemu", "kite-interp/qemu", "kite-native/native"
    n1 = n2 = n3 = 0; s1 = s2 = s3 = 0
    for (j = 1; j <= nk; j++) {
        r1 = ratio("kite-native", "qemu-tcg", K[j], m)
        r2 = ratio("kite-interp", "qemu-tcg", K[j], m)
        r3 = ratio("kite-native", "native", K[j], m)
        if (r1 > 0) { s1 += log(r1); n1++ }
        if (r2 > 0) { s2 += log(r2); n2++ }
        if (r3 > 0) { s3 += log(r3); n3++ }
        printf "%-10s %18s %18s %18s\n", K[j], cell(r1), cell(r2), cell(r3)
    }
    printf "%-10s %18s %18s %18s\n", "geomean", geo(s1, n1), geo(s2, n2),
           geo(s3, n3)
    for (i = 1; i <= ne; i++) {
        if (E[i] != "kite-kvm" && E[i] != "qemu-kvm") continue
        n = 0; s = 0
        for (j = 1; j <= nk; j++) {
            r = ratio(E[i], "native", K[j], m)
            if (r > 0) { s += log(r); n++ }
        }
        printf "%s/native geomean: %s\n", E[i], geo(s, n)
    }
    printf "\n"
}
{ x[$1, $2, 3] = $3; x[$1, $2, 4] = $4; f[$1, $2] = $5 }
END {
    ne = split(engines, E, " ")
    nk = split(kernels, K, " ")
    seconds(3, "wall-clock seconds per kernel at its default scale, " \
               "startup subtracted")
    ratios(3, "ratios of wall-clock time (below 1.00x means Kite is faster)")
    if (!(("qemu-tcg", "empty") in f))
        printf "(no QEMU TCG reference, so no QEMU ratios)\n\n"
    seconds(4, "CPU seconds (user + system, all threads), same layout")
    ratios(4, "ratios of CPU time (steadier than wall clock on a busy host)")
}' "$res" | tee -a "$report"

say ""
say "checksums (native, default scale):"
for kernel in $kernels; do
    ref=$work/ref.$kernel.$(scale_of "$kernel")
    [ -f "$ref" ] || "$host" "$kernel" 2>/dev/null >"$ref"
    say "  $(cat "$ref")"
done
say "raw times of the timed runs (wall:cpu seconds each):"
tee -a "$report" <"$work/raw.txt"

cp "$report" "$out.tmp.$$" && mv "$out.tmp.$$" "$out"
echo "results written to $out"
if [ "$failed" != 0 ]; then
    echo "bench: FAILED (see $out; outputs kept in $work)" >&2
    exit 1
fi
rm -rf "$work"
exit 0
