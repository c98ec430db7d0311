#!/bin/sh
# bench.sh - the guest half of `make bench-linux`, run by the initramfs's
# /init when the kernel command line holds kite.bench. Each step prints
# "BENCH-BEGIN name" and, when done, "BENCH-END name result": the host
# (tests/bench/linux/bench-linux.py) times the step between the two lines
# as they arrive on the console, so the guest's clock is not trusted.
# Every result is a checksum, compared across emulators.

step() {
    name=$1
    shift
    echo "BENCH-BEGIN $name"
    out=$("$@" 2>&1 | tail -n 1)
    echo "BENCH-END $name $out"
}

if ! command -v kbench >/dev/null 2>&1; then
    echo "BENCH-SKIP kbench is not in this initramfs"
    echo BENCH-DONE
    exit 0
fi
kbench gen 64 >/tmp/d64
head -c 33554432 /tmp/d64 >/tmp/d32
head -c 8388608 /tmp/d64 >/tmp/d8
echo BENCH-READY

step sha256-64M sh -c 'sha256sum /tmp/d64 | cut -d" " -f1'
step gzip6-32M sh -c 'gzip -6 -c /tmp/d32 | md5sum | cut -d" " -f1'
step bzip2-9-8M sh -c 'bzip2 -9 -c /tmp/d8 | md5sum | cut -d" " -f1'
for k in sieve qsort interp crc32; do
    step "$k" kbench "$k"
done
step forkexec-1000 kbench forkexec 1000
echo BENCH-DONE
