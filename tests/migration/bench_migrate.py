#!/usr/bin/env python3
"""Migration benchmark: a 1 GiB guest, idle and dirtying memory at a fixed
rate, migrated live over loopback TCP; total time and downtime as
query-migrate reports them, under Kite's TCG and under QEMU's TCG (same
guest, same QMP commands, same parameters), as ratios from one run. QEMU
is skipped with a message where it is not installed."""
import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from miglib import VM, free_port  # noqa: E402

PARAMS = {"max-bandwidth": 1 << 30, "downtime-limit": 300}
SCENARIOS = [("idle", 0), ("dirty 40 MB/s", 100), ("dirty 160 MB/s", 400)]


def run_one(binary, qemu, guest, rate, tmp, tag):
    port = free_port()
    args = ["-m", "1024", "-kernel", guest, "-append", "rate=%d" % rate]
    if not qemu:
        args = ["-accel", "tcg"] + args
    dst = VM(binary, tmp, tag + "-dst", args + ["-incoming",
             "tcp:127.0.0.1:%d" % port], qemu=qemu)
    src = VM(binary, tmp, tag + "-src", args, qemu=qemu)
    try:
        q = src.connect()
        if not src.wait_serial("dirtier: rate", 60):
            return {"status": "guest did not start"}
        time.sleep(2)
        qd = dst.connect()
        q.cmd("migrate-set-parameters", PARAMS)
        if rate and not qemu:
            q.cmd("migrate-set-parameters", {"x-max-rounds": 30})
        qd.cmd("query-status")
        t0 = time.time()
        r = q.cmd("migrate", {"uri": "tcp:127.0.0.1:%d" % port})
        if "error" in r:
            return {"status": r["error"]["desc"]}
        info = q.wait_migration(180, poll=0.02)
        info["wall"] = time.time() - t0
        return info
    finally:
        src.kill()
        dst.kill()


def fmt(info):
    if info.get("status") != "completed":
        return "%-28s" % info.get("status")
    return "total %6d ms  down %4d ms" % (info["total-time"],
                                         info.get("downtime", -1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kite", required=True)
    ap.add_argument("--guest", required=True)
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="kite-bench-mig-")
    qemu = shutil.which(args.qemu)
    if not qemu:
        print("note: %s not installed: QEMU columns skipped" % args.qemu)
    print("migration of a 1 GiB guest over loopback TCP (max-bandwidth "
          "1 GiB/s, downtime-limit 300 ms)")
    print("%-16s %-30s %-30s %s" % ("guest", "Kite TCG", "QEMU TCG",
                                    "Kite/QEMU total, downtime"))
    for name, rate in SCENARIOS:
        k = run_one(os.path.abspath(args.kite), False, args.guest, rate, tmp,
                    "kite%d" % rate)
        qi = run_one(qemu, True, args.guest, rate, tmp, "qemu%d" % rate) \
            if qemu else {"status": "skipped"}
        ratio = ""
        if k.get("status") == qi.get("status") == "completed":
            ratio = "%.2fx, %.2fx" % (
                k["total-time"] / max(qi["total-time"], 1),
                k.get("downtime", 0) / max(qi.get("downtime", 1), 1))
        print("%-16s %-30s %-30s %s" % (name, fmt(k), fmt(qi), ratio),
              flush=True)
        for who, i in (("kite", k), ("qemu", qi)):
            if i.get("status") == "completed":
                ram = i.get("ram", {})
                print("    %s: %d MB sent, %d rounds, %s pages/s dirtied" % (
                    who, ram.get("transferred", 0) >> 20,
                    ram.get("dirty-sync-count", 0),
                    ram.get("dirty-pages-rate", 0)))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
