#!/usr/bin/env python3
"""Model pull benchmark: `moss pull` of one model by tag (SHA-256 verified)
against curl and aws-cli fetching the same bytes from the same moss server,
and a rollout's fan-out against nginx serving the same file, in one run, on
loopback, output to the same disk. Prints wall time, throughput, CPU and
peak RSS of each client, and the ratios the targets are stated in.

  curl -o, presigned tag URL          (the reference: 1.0x)
  curl -o, nginx                      (the same file from nginx's disk)
  curl -o + sync FILE                 (curl, then the file made durable: moss pull
                                       fsyncs before it renames, curl does not)
  aws s3 cp                           (aws-cli: ranged GETs, 10 at once)
  moss pull, 1 connection             (--connections 1)
  moss pull, N connections            (--connections N, --chunk-size 64MiB)
  moss pull, snapshot of S files      (the same bytes as S shards under one directory
                                       tag, --parallel files at once; its throughput
                                       is compared with the single file's)
  sha256sum of the file               (what verifying costs on its own)
  fan-out: F concurrent moss pull vs F concurrent curl -o from nginx,
           with and without sync FILE (aggregate MB/s)

Usage: bench/pull_bench.py [--moss build/moss] [--size-mib 1024] [--repeat 3]
                           [--connections 4] [--shards 8] [--fanout 16] [--fanout-only]
                           [--workdir DIR]
The fan-out rows also show the serving side's CPU per GB served (moss, or
nginx's workers), and add 16 x curl from moss, which tells the server's share
from the clients'.
Needs nginx-light, curl, aws-cli and python3 with boto3 (as bench/core_bench.py).
Every run of a row deletes its output first; the best of --repeat runs is shown.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from core_bench import (ACCESS_KEY, ROOT, SECRET_KEY, Moss, Nginx, cpu_seconds,  # noqa: E402
                        nginx_workers, write_random)

BUCKET = "models"
MODEL = "bench"
SNAPSHOT_MODEL = "bench-snapshot"


class Run:
    """One timed run of one or more processes started together."""

    def __init__(self, wall, user, sys_, rss_kib, server_cpu=None):
        self.wall, self.user, self.sys, self.rss_kib = wall, user, sys_, rss_kib
        self.server_cpu = server_cpu  # CPU seconds of the serving processes, when asked


def peak_rss_kib(pids, peaks):
    """Samples VmHWM of each live pid (ru_maxrss would include the forking Python's)."""
    while True:
        alive = False
        for i, pid in enumerate(pids):
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            peaks[i] = max(peaks[i], int(line.split()[1]))
                            alive = True
            except OSError:
                pass
        if not alive:
            return
        time.sleep(0.02)


def timed(commands, env, server_pids=None):
    server_before = cpu_seconds(server_pids) if server_pids else None
    start = time.perf_counter()
    procs = [subprocess.Popen(c, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for c in commands]
    peaks = [0] * len(procs)
    sampler = threading.Thread(target=peak_rss_kib, args=([p.pid for p in procs], peaks))
    sampler.start()
    user = sys_ = 0.0
    for p in procs:
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        err = p.stderr.read().decode(errors="replace")
        p.stderr.close()
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(p.args)} exited {p.returncode}: {err}")
        user += usage.ru_utime
        sys_ += usage.ru_stime
    wall = time.perf_counter() - start
    sampler.join()
    server_cpu = cpu_seconds(server_pids) - server_before if server_pids else None
    return Run(wall, user, sys_, max(peaks), server_cpu)


def split_into_shards(source, directory, count):
    """The bytes of `source` as `count` files of a model directory, named as
    safetensors shards are."""
    os.makedirs(directory, exist_ok=True)
    size = os.path.getsize(source)
    step = -(-size // count)
    with open(source, "rb") as f:
        for i in range(count):
            name = f"model-{i + 1:05d}-of-{count:05d}.safetensors"
            with open(os.path.join(directory, name), "wb") as shard:
                left = min(step, size - i * step)
                while left > 0:
                    block = f.read(min(left, 8 << 20))
                    shard.write(block)
                    left -= len(block)


def synced_curl(url, path):
    """curl -o, then the file fsync'd (coreutils sync FILE), as moss pull leaves it."""
    return ["sh", "-c", f"curl -sf -o '{path}' '{url}' && sync '{path}'"]


def best_of(repeat, prepare, commands, env, server_pids=None):
    runs = []
    for _ in range(repeat):
        prepare()
        runs.append(timed(commands, env, server_pids))
    return min(runs, key=lambda r: r.wall)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--moss", default=os.path.join(ROOT, "build", "moss"))
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--shards", type=int, default=8,
                        help="files of the snapshot row (the model split evenly); 0 skips it")
    parser.add_argument("--fanout", type=int, default=16, help="0 skips the fan-out rows")
    parser.add_argument("--fanout-only", action="store_true", help="only the fan-out rows")
    parser.add_argument("--workdir", default=None, help="where files go (default: a temp dir)")
    args = parser.parse_args()

    workdir = args.workdir or tempfile.mkdtemp(prefix="moss-pull-bench-")
    www = os.path.join(workdir, "www")
    out = os.path.join(workdir, "out")
    os.makedirs(www, exist_ok=True)
    size = args.size_mib << 20
    model = os.path.join(www, "model.gguf")
    print(f"preparing a {args.size_mib} MiB model in {workdir}", flush=True)
    write_random(model, size)
    snapshot = os.path.join(workdir, "snapshot")
    if args.shards and not args.fanout_only:
        split_into_shards(model, snapshot, args.shards)

    nginx = Nginx(workdir, www)
    moss = Moss(args.moss, workdir)
    endpoint = f"http://127.0.0.1:{moss.port}"
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
               AWS_DEFAULT_REGION="us-east-1", MOSS_ENDPOINT=endpoint,
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
               AWS_EC2_METADATA_DISABLED="true")
    rows = []

    def fresh_out():
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)

    def row(name, run, streams=1):
        mbs = streams * size / run.wall / 1e6
        cpu_per_gb = (run.user + run.sys) / (streams * size / 1e9)
        rows.append((name, run, mbs, cpu_per_gb))
        # A shell-wrapped command's sampled RSS is the shell's, not the client's.
        rss = "    n/a" if "sync" in name else f"{run.rss_kib / 1024:6.1f} MiB"
        server = ("" if run.server_cpu is None else
                  f"  server CPU {run.server_cpu / (streams * size / 1e9):5.2f} s/GB")
        print(f"{name:34s} {run.wall:7.2f} s {mbs:8.0f} MB/s  user {run.user:6.2f} s  "
              f"sys {run.sys:6.2f} s  CPU {cpu_per_gb:5.2f} s/GB  peak RSS {rss}{server}",
              flush=True)
        return run

    try:
        subprocess.run([args.moss, "push", MODEL, model, "--tag", "v1", "--no-progress"],
                       env=env, check=True, capture_output=True)
        tag_url = moss.presign("GET", BUCKET, f"{MODEL}/tags/v1")
        pull = [args.moss, "pull", f"{MODEL}:v1", out, "--no-progress"]
        fresh_out()
        timed([["curl", "-sf", "-o", os.path.join(out, "warm"), tag_url]], env)  # page cache

        if not args.fanout_only:
            curl = row("curl -o (moss, presigned tag)", best_of(
                args.repeat, fresh_out, [["curl", "-sf", "-o", os.path.join(out, "m"), tag_url]],
                env))
            row("curl -o (nginx)", best_of(
                args.repeat, fresh_out,
                [["curl", "-sf", "-o", os.path.join(out, "m"), nginx.url("model.gguf")]], env))
            row("curl -o + sync FILE (moss)", best_of(
                args.repeat, fresh_out, [synced_curl(tag_url, os.path.join(out, "m"))], env))
            aws = row("aws s3 cp", best_of(
                args.repeat, fresh_out,
                [["aws", "--endpoint-url", endpoint, "s3", "cp", "--only-show-errors",
                  f"s3://{BUCKET}/{MODEL}/tags/v1", os.path.join(out, "m")]], env))
            one = row("moss pull, 1 connection", best_of(
                args.repeat, fresh_out, [pull + ["--connections", "1"]], env))
            many = row(f"moss pull, {args.connections} connections", best_of(
                args.repeat, fresh_out, [pull + ["--connections", str(args.connections)]], env))
            if args.shards:
                subprocess.run([args.moss, "push", SNAPSHOT_MODEL, snapshot, "--tag", "v1",
                                "--no-progress"], env=env, check=True, capture_output=True)
                shards = row(f"moss pull, snapshot of {args.shards} files", best_of(
                    args.repeat, fresh_out,
                    [[args.moss, "pull", f"{SNAPSHOT_MODEL}:v1", out, "--no-progress"]], env))
            row("sha256sum (reference)", best_of(args.repeat, lambda: None,
                                                 [["sha256sum", model]], env))
            print()
            print(f"moss pull 1 connection:  {curl.wall / one.wall:4.2f}x curl's speed, "
                  f"{aws.wall / one.wall:4.2f}x aws s3 cp's")
            print(f"moss pull {args.connections} connections: {curl.wall / many.wall:4.2f}x curl's "
                  f"speed, {aws.wall / many.wall:4.2f}x aws s3 cp's")
            if args.shards:
                print(f"moss pull snapshot of {args.shards} files: {one.wall / shards.wall:4.2f}x "
                      f"the single file's throughput (1 connection), "
                      f"{curl.wall / shards.wall:4.2f}x curl's")

        if args.fanout:
            def fanout_out():
                fresh_out()
                for i in range(args.fanout):
                    os.makedirs(os.path.join(out, str(i)))

            moss_pids = [moss.proc.pid]
            workers = nginx_workers(nginx.proc.pid)
            pulls = [[args.moss, "pull", f"{MODEL}:v1", os.path.join(out, str(i)), "--no-progress"]
                     for i in range(args.fanout)]
            curls_nginx = [["curl", "-sf", "-o", os.path.join(out, str(i), "m"),
                            nginx.url("model.gguf")] for i in range(args.fanout)]
            curls_moss = [["curl", "-sf", "-o", os.path.join(out, str(i), "m"), tag_url]
                          for i in range(args.fanout)]
            # moss and nginx alternate, so a burst of load from elsewhere falls on both.
            moss_runs, nginx_runs, moss_curl_runs = [], [], []
            for _ in range(max(1, args.repeat)):
                fanout_out()
                moss_runs.append(timed(pulls, env, moss_pids))
                fanout_out()
                nginx_runs.append(timed(curls_nginx, env, workers))
                fanout_out()
                moss_curl_runs.append(timed(curls_moss, env, moss_pids))
                print(f"  round: moss pull {moss_runs[-1].wall:.2f} s, curl from nginx "
                      f"{nginx_runs[-1].wall:.2f} s, curl from moss {moss_curl_runs[-1].wall:.2f} s"
                      f" -> {nginx_runs[-1].wall / moss_runs[-1].wall:.2f}x", flush=True)
            fastest = lambda runs: min(runs, key=lambda r: r.wall)  # noqa: E731
            moss_fan = row(f"fan-out {args.fanout} x moss pull", fastest(moss_runs),
                           streams=args.fanout)
            nginx_fan = row(f"fan-out {args.fanout} x curl (nginx)", fastest(nginx_runs),
                            streams=args.fanout)
            row(f"fan-out {args.fanout} x curl (moss)", fastest(moss_curl_runs),
                streams=args.fanout)
            nginx_sync_fan = row(f"fan-out {args.fanout} x curl + sync (nginx)", best_of(
                max(1, args.repeat - 1), fanout_out,
                [synced_curl(nginx.url("model.gguf"), os.path.join(out, str(i), "m"))
                 for i in range(args.fanout)], env), streams=args.fanout)
            ratios = sorted(n.wall / m.wall for m, n in zip(moss_runs, nginx_runs))
            print(f"fan-out: moss pull {nginx_fan.wall / moss_fan.wall:4.2f}x the aggregate "
                  f"throughput of curl from nginx, best against best (target 0.9x; per round "
                  f"{ratios[0]:.2f}-{ratios[-1]:.2f}x), "
                  f"{nginx_sync_fan.wall / moss_fan.wall:4.2f}x that of curl + sync")
    finally:
        fresh_out()
        moss.stop()
        nginx.stop()
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
