#!/usr/bin/env python3
"""Signed 4 KiB GETs: two moss binaries and nginx side by side, in one run.

On a shared VM a server's CPU per request moves by a third between runs, so
comparing a change with the binary before it needs both running at once:
the same 4 KiB object in each moss and in nginx's root, 5 s `wrk -c64` runs
alternating baseline, candidate and nginx (the moss pair's order flips every
round), each server's user and system CPU per request from /proc.

Usage: bench/small_get_ab.py --baseline OLD/moss --candidate build/moss
                             [--rounds 6] [--seconds 5]
Prints each round and the medians; the ratios are candidate/baseline and
each moss against nginx (unsigned requests, no access log).
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import core_bench as cb  # noqa: E402


def user_system_seconds(pids):
    """user and system seconds of the given processes, all their threads."""
    tick = os.sysconf("SC_CLK_TCK")
    user = system = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        user += int(fields[11])
        system += int(fields[12])
    return user / tick, system / tick


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True)
    parser.add_argument("--candidate", required=True)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="moss-ab-")
    body = os.urandom(4096)
    servers = {}
    nginx = None
    try:
        for name, binary in (("baseline", args.baseline), ("candidate", args.candidate)):
            directory = os.path.join(workdir, name)
            os.makedirs(directory)
            moss = cb.Moss(binary, directory)
            moss.s3.create_bucket(Bucket="bench")
            moss.s3.put_object(Bucket="bench", Key="small.bin", Body=body)
            servers[name] = (moss, moss.presign("GET", "bench", "small.bin"), [moss.proc.pid])
        www = os.path.join(workdir, "www")
        os.makedirs(www)
        with open(os.path.join(www, "small.bin"), "wb") as f:
            f.write(body)
        nginx = cb.Nginx(workdir, www)
        servers["nginx"] = (None, nginx.url("small.bin"), cb.nginx_workers(nginx.proc.pid))

        results = {name: [] for name in servers}
        for round_number in range(args.rounds):
            pair = ["baseline", "candidate"] if round_number % 2 == 0 else ["candidate", "baseline"]
            for name in pair + ["nginx"]:
                _, url, pids = servers[name]
                user_before, system_before = user_system_seconds(pids)
                ops, _, requests = cb.wrk_counted(url, args.seconds, 64)
                user_after, system_after = user_system_seconds(pids)
                row = (ops, (user_after - user_before) / requests * 1e6,
                       (system_after - system_before) / requests * 1e6)
                results[name].append(row)
                print(f"round {round_number + 1} {name:9s} {row[0]:8.0f} ops/s  "
                      f"user {row[1]:5.1f} us  system {row[2]:5.1f} us", flush=True)

        medians = {name: tuple(statistics.median(r[i] for r in rows) for i in range(3))
                   for name, rows in results.items()}
        print()
        for name, (ops, user, system) in medians.items():
            print(f"median   {name:9s} {ops:8.0f} ops/s  user {user:5.1f} us  system {system:5.1f} us")
        wins = sum(c[0] > b[0] for b, c in zip(results["baseline"], results["candidate"]))
        print(f"candidate/baseline {medians['candidate'][0] / medians['baseline'][0]:.3f} "
              f"(more ops/s in {wins} of {args.rounds} rounds)")
        for name in ("baseline", "candidate"):
            print(f"{name}/nginx {medians[name][0] / medians['nginx'][0]:.3f}")
    finally:
        for moss, _, _ in servers.values():
            if moss is not None:
                moss.stop()
        if nginx is not None:
            nginx.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
