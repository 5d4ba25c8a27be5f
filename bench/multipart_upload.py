#!/usr/bin/env python3
"""Multipart upload benchmark.

1. A file of --size-gib random bytes (default 4) uploaded with aws-cli's
   defaults (8 MiB parts, 10 at a time) to moss, reported in MB/s and as a
   ratio to one single-stream PUT of the same file to nginx (WebDAV PUT) in
   the same run, on the same filesystem: the disk speed of this machine is
   what both are measured against.
2. The time CompleteMultipartUpload takes for a --complete-gib upload
   (default 20) of a sparse file: the server's own duration from its access
   log, and the client's round trip.

Usage: bench/multipart_upload.py [--size-gib N] [--complete-gib N] [--dir DIR]
Needs aws-cli, nginx (Debian's, with the dav module) and curl; MOSS_BINARY
names the server (default: build/moss).
"""
import argparse
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from moss_harness import MossServer, boto3_client, client_env  # noqa: E402

GiB = 1 << 30
MiB = 1 << 20


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pick_dir(requested, room):
    if requested:
        os.makedirs(requested, exist_ok=True)
        return tempfile.mkdtemp(prefix="moss-bench-", dir=requested)
    stats = os.statvfs("/dev/shm")
    if stats.f_bavail * stats.f_frsize >= room:
        return tempfile.mkdtemp(prefix="moss-bench-", dir="/dev/shm")
    return tempfile.mkdtemp(prefix="moss-bench-")


def random_file(path, size):
    with open(path, "wb") as f:
        remaining = size
        while remaining:
            n = min(remaining, 16 * MiB)
            f.write(os.urandom(n))
            remaining -= n


def run(args, env=None):
    started = time.monotonic()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu_seconds(pid):
    """User + system CPU time of a running process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Nginx:
    """nginx accepting WebDAV PUTs into <dir>/www on a free loopback port."""

    def __init__(self, directory):
        self.dir = directory
        self.port = free_port()
        os.makedirs(os.path.join(directory, "www"))
        os.makedirs(os.path.join(directory, "body"))
        self.conf = os.path.join(directory, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(f"""
user root;
daemon off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_max_body_size 0;
  client_body_temp_path {directory}/body;
  server {{
    listen 127.0.0.1:{self.port};
    root {directory}/www;
    location / {{ dav_methods PUT; create_full_put_path on; }}
  }}
}}
""")
        self.process = subprocess.Popen(["nginx", "-c", self.conf, "-p", directory],
                                        stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start")

    def put(self, path, name):
        url = f"http://127.0.0.1:{self.port}/{name}"
        seconds = run(["curl", "-sS", "--fail", "-H", "Expect:", "-T", path, url, "-o",
                       "/dev/null"])
        os.unlink(os.path.join(self.dir, "www", name))
        return seconds

    def stop(self):
        self.process.send_signal(signal.SIGQUIT)
        self.process.wait(timeout=30)


def complete_duration_ms(server, key):
    """The server's duration of the successful Complete of `key` (waiting for
    the log line: the server flushes its log once a second)."""
    line = server.wait_for_log_line(
        lambda line: ('"operation":"CompleteMultipartUpload"' in line and '"status":200' in line
                      and f'"key":"{key}"' in line))
    if line is None:
        return None
    return float(line.split('"duration_ms":')[1].split("}")[0].split(",")[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-gib", type=float, default=4)
    parser.add_argument("--complete-gib", type=int, default=20)
    parser.add_argument("--dir", help="scratch directory (default: /dev/shm if it has room)")
    args = parser.parse_args()
    size = int(args.size_gib * GiB)
    work = pick_dir(args.dir, 2 * size + 2 * GiB)
    results = {"size_bytes": size, "scratch": work}
    print(f"scratch directory: {work}", flush=True)
    try:
        source = os.path.join(work, "source.bin")
        random_file(source, size)

        nginx = Nginx(os.path.join(work, "nginx"))
        try:
            seconds = nginx.put(source, "single.bin")
        finally:
            nginx.stop()
        results["nginx_single_put_mb_s"] = size / 1e6 / seconds
        print(f"nginx single-stream PUT: {seconds:.1f} s, "
              f"{results['nginx_single_put_mb_s']:.0f} MB/s", flush=True)

        server = MossServer(data_dir=os.path.join(work, "moss-data"))
        server.start()
        try:
            s3 = boto3_client(server)
            s3.create_bucket(Bucket="bench")
            env = client_env(server)
            server_cpu, client_cpu = process_cpu_seconds(server.pid()), children_cpu_seconds()
            seconds = run(["aws", "s3", "cp", "--no-progress", source, "s3://bench/model.bin"],
                          env)
            # Where the time went: on 2 cores, client and server share the CPUs.
            results["moss_cpu_s"] = process_cpu_seconds(server.pid()) - server_cpu
            results["aws_cli_cpu_s"] = children_cpu_seconds() - client_cpu
            results["moss_aws_cli_mb_s"] = size / 1e6 / seconds
            results["ratio_to_nginx"] = (results["moss_aws_cli_mb_s"]
                                         / results["nginx_single_put_mb_s"])
            results["moss_rss_peak_mib"] = server.rss_kib()[1] / 1024
            results["complete_ms_4gib"] = complete_duration_ms(server, "model.bin")
            print(f"moss, aws s3 cp (default multipart settings): {seconds:.1f} s, "
                  f"{results['moss_aws_cli_mb_s']:.0f} MB/s, "
                  f"{results['ratio_to_nginx']:.2f}x nginx; server RSS peak "
                  f"{results['moss_rss_peak_mib']:.0f} MiB; CPU seconds: moss "
                  f"{results['moss_cpu_s']:.1f}, aws-cli {results['aws_cli_cpu_s']:.1f}",
                  flush=True)
            s3.delete_object(Bucket="bench", Key="model.bin")
            os.unlink(source)

            if args.complete_gib:
                sparse = os.path.join(work, "sparse.bin")
                with open(sparse, "wb") as f:
                    f.truncate(args.complete_gib * GiB)
                seconds = run(["aws", "s3", "cp", "--no-progress", sparse,
                               "s3://bench/sparse.bin"], env)
                ms = complete_duration_ms(server, "sparse.bin")
                parts = -(-args.complete_gib * GiB // (8 * MiB))
                results["complete_gib"] = args.complete_gib
                results["complete_parts"] = parts
                results["complete_ms"] = ms
                results["sparse_upload_mb_s"] = args.complete_gib * GiB / 1e6 / seconds
                print(f"{args.complete_gib} GiB sparse file, {parts} parts: upload "
                      f"{seconds:.1f} s; CompleteMultipartUpload took {ms} ms in the server",
                      flush=True)
        finally:
            server.cleanup()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
