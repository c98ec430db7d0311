#!/bin/sh
# kite-img's command line: create, info (human and JSON), check (exit
# statuses 0/2/3/63, repair), convert both ways, resize, and bad input
# (one "kite-img:" line and status 1). Where qemu-img is installed, it
# checks and compares what kite-img wrote, and kite-img reads its images.
#
# Usage: tests/img/run.sh --kite-img PATH

set -u
img=
while [ $# -gt 0 ]; do
    case "$1" in
    --kite-img) img=$2; shift 2 ;;
    *) echo "usage: $0 --kite-img PATH" >&2; exit 2 ;;
    esac
done
[ -x "$img" ] || { echo "run.sh: no kite-img at '$img'" >&2; exit 2; }
img=$(cd "$(dirname "$img")" && pwd)/$(basename "$img")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
passed=0 failed=0 skipped=0

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "SKIP $1: $2"; skipped=$((skipped + 1)); }

# expect NAME STATUS REGEX CMD...: exit status and output (stdout+stderr)
expect() {
    name=$1 want=$2 regex=$3
    shift 3
    "$@" >out 2>err
    rc=$?
    if [ "$rc" != "$want" ]; then
        fail "$name" "exit status $rc, expected $want ($(head -c 200 err))"
    elif [ -n "$regex" ] && ! cat out err | grep -qE -e "$regex"; then
        fail "$name" "output does not match /$regex/"
    else
        pass "$name"
    fi
}

# bad NAME REGEX CMD...: status 1, one line on stderr
bad() {
    name=$1 regex=$2
    shift 2
    "$@" >out 2>err
    rc=$?
    if [ "$rc" != 1 ] || [ "$(wc -l <err)" != 1 ] ||
       ! grep -qE -e "^kite-img: .*$regex" err; then
        fail "$name" "status $rc, stderr: $(head -c 300 err)"
    else
        pass "$name"
    fi
}

have_qemu=no
command -v qemu-img >/dev/null 2>&1 && have_qemu=yes

head -c 3145728 /dev/urandom >data.raw
dd if=/dev/zero of=data.raw bs=65536 seek=10 count=8 conv=notrunc status=none

expect "create qcow2" 0 "Formatting 'a.qcow2', fmt=qcow2 size=67108864" \
    "$img" create -f qcow2 a.qcow2 64M
expect "create raw" 0 "fmt=raw size=1048576" "$img" create r.raw 1M
expect "raw size" 0 "" test "$(stat -c %s r.raw)" = 1048576
expect "info" 0 "virtual size: 64 MiB \\(67108864 bytes\\)" "$img" info a.qcow2
expect "info json" 0 '"virtual-size": 67108864' "$img" info --output=json \
    a.qcow2
expect "info json cluster" 0 '"cluster-size": 65536' "$img" info \
    --output json a.qcow2
expect "create -o" 0 "cluster_size=4096" "$img" create -f qcow2 \
    -o cluster_size=4096,compat=0.10 b.qcow2 8M
expect "info compat 0.10" 0 "compat: 0.10" "$img" info b.qcow2
expect "create -b" 0 "backing_file=data.raw backing_fmt=raw" "$img" create \
    -f qcow2 -b data.raw -F raw ov.qcow2
expect "info backing" 0 "backing file: data.raw" "$img" info ov.qcow2
expect "info backing json" 0 '"backing-filename-format": "raw"' "$img" info \
    --output=json ov.qcow2
expect "check clean" 0 "No errors were found" "$img" check a.qcow2
expect "check json" 0 '"corruptions": 0' "$img" check --output=json a.qcow2
expect "check raw" 63 "does not support checks" "$img" check r.raw
expect "convert to qcow2" 0 "" "$img" convert -O qcow2 data.raw c.qcow2
expect "convert back" 0 "" "$img" convert -f qcow2 c.qcow2 back.raw
expect "convert round trip" 0 "" cmp data.raw back.raw
expect "convert overlay" 0 "" "$img" convert ov.qcow2 ov.raw
expect "overlay reads its backing" 0 "" cmp data.raw ov.raw
expect "resize qcow2" 0 "Image resized" "$img" resize c.qcow2 +5M
expect "resized size" 0 "8388608 bytes" "$img" info c.qcow2
expect "resize raw" 0 "Image resized" "$img" resize r.raw 2M
expect "resize raw shrink" 0 "Image resized" "$img" resize --shrink r.raw -1M
expect "resize raw shrunk" 0 "" test "$(stat -c %s r.raw)" = 1048576

# a leak and a corruption, made with python's help on the refcounts
python3 - <<'EOF'
import struct
f = open("a.qcow2", "r+b")
h = f.read(104)
rt = struct.unpack(">Q", h[48:56])[0]
f.seek(rt); rb = struct.unpack(">Q", f.read(8))[0]
f.seek(rb + 2 * 30); f.write(struct.pack(">H", 1))      # cluster 30: leak
f.close()
EOF
expect "check leak" 3 "Leaked cluster 30 refcount=1 reference=0" "$img" \
    check a.qcow2
expect "check -r leaks" 0 "1 leaked clusters" "$img" check -r leaks a.qcow2
expect "check after repair" 0 "No errors" "$img" check a.qcow2
python3 - <<'EOF'
import struct
f = open("a.qcow2", "r+b")
h = f.read(104)
rt = struct.unpack(">Q", h[48:56])[0]
f.seek(rt); rb = struct.unpack(">Q", f.read(8))[0]
f.seek(rb + 2 * 1); f.write(struct.pack(">H", 0))   # the refcount table
f.close()
EOF
expect "check corruption" 2 "ERROR cluster 1 refcount=0 reference=1" "$img" \
    check a.qcow2
expect "check -r all" 0 "1 corruptions" "$img" check -r all a.qcow2
expect "check after repair all" 0 "No errors" "$img" check a.qcow2

bad "no command" "unknown command" "$img" frobnicate
bad "create without size" "FILE and SIZE" "$img" create -f qcow2 x.qcow2
bad "create bad size" "invalid size" "$img" create x.raw 12Q
bad "create bad format" "unknown format 'vmdk'" "$img" create -f vmdk x 1M
bad "create bad cluster" "invalid cluster_size" "$img" create -f qcow2 \
    -o cluster_size=1000 x.qcow2 1M
bad "create big cluster" "cluster size" "$img" create -f qcow2 \
    -o cluster_size=4M x.qcow2 1M
bad "create bad option" "unsupported option 'preallocation'" "$img" create \
    -f qcow2 -o preallocation=full x.qcow2 1M
bad "create raw with backing" "needs -f qcow2" "$img" create -b data.raw x 1M
bad "create missing backing" "nosuch" "$img" create -f qcow2 -b nosuch x 1M
bad "info missing" "cannot open.*nosuch" "$img" info nosuch
bad "info bad output" "human or json" "$img" info --output=xml a.qcow2
bad "check bad repair" "leaks or all" "$img" check -r some a.qcow2
printf 'QFI\373\0\0\0\002' >trunc.qcow2
bad "info truncated qcow2" "file too short" "$img" info trunc.qcow2
bad "resize shrink without --shrink" "--shrink" "$img" resize c.qcow2 1M
bad "resize qcow2 shrink" "not supported" "$img" resize --shrink c.qcow2 1M
bad "resize bad size" "invalid size" "$img" resize c.qcow2 +x

if [ $have_qemu = yes ]; then
    for f in c.qcow2 ov.qcow2 b.qcow2 a.qcow2; do
        expect "qemu-img check $f" 0 "No errors" qemu-img check "$f"
    done
    expect "qemu-img compare" 0 "identical" qemu-img compare data.raw c.qcow2
    qemu-img create -q -f qcow2 -b c.qcow2 -F qcow2 q.qcow2
    expect "kite-img info on qemu's image" 0 "backing file: c.qcow2" \
        "$img" info q.qcow2
    expect "kite-img check on qemu's image" 0 "No errors" "$img" check q.qcow2
    expect "kite-img converts qemu's image" 0 "" "$img" convert q.qcow2 q.raw
    expect "qemu chain reads through" 0 "" cmp -n 3145728 data.raw q.raw
else
    skip "qemu-img" "not installed (qemu-utils)"
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
