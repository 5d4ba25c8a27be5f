#!/usr/bin/env python3
"""Core S3 benchmark: moss against nginx (Debian) serving the same files, in one
run, on loopback. Prints each figure and the ratio moss/nginx.

  GET 1 GiB, 1 stream and 4 streams          (curl, MB/s)
  PUT 1 GiB, 1 stream                         (curl; compared with nginx's WebDAV
                                               PUT, `openssl speed -evp md5` and a
                                               durable `dd` write to the data disk)
  GET 4 KiB, 64 connections                   (wrk, ops/s; moss requests are
                                               SigV4-presigned, nginx's unsigned)
  random 1 MiB Range GETs, 16 connections     (wrk, MB/s)

Usage: bench/core_bench.py [--moss build/moss] [--size-mib 1024] [--seconds 10]
                           [--only put,get,small,range] [--repeat 1]
The small GETs also print each server's CPU time per request (user + system
of moss, of nginx's workers), steadier than ops/s on a shared machine.
Run from a checkout after `scripts/dev build`. Needs nginx-light, wrk, curl and
the default python3 with botocore (scripts/install-deps --test installs them).
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

ACCESS_KEY = "MOSSBENCHKEY0000001"
SECRET_KEY = "moss-bench-secret-key-00000000000000001"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {port}")


def write_random(path, size):
    with open(path, "wb") as f:
        block = os.urandom(1 << 20)
        written = 0
        while written < size:
            n = min(len(block), size - written)
            f.write(block[:n])
            written += n
            # Vary the block so the file does not deduplicate or compress.
            block = block[1:] + block[:1]


class Nginx:
    def __init__(self, workdir, www):
        self.port = free_port()
        self.dir = os.path.join(workdir, "nginx")
        os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            # As root, nginx's workers would drop to "nobody" and could not write
            # the upload directory this script created.
            user = "user root;" if os.geteuid() == 0 else ""
            f.write(f"""
{user}
worker_processes 2;
daemon off;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_max_body_size 0;
  client_body_temp_path {self.dir}/tmp;
  server {{
    listen 127.0.0.1:{self.port};
    root {www};
    location /upload/ {{ dav_methods PUT; create_full_put_path on; }}
  }}
}}
""")
        self.proc = subprocess.Popen(["nginx", "-c", conf, "-p", self.dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}/{path}"

    def stop(self):
        self.proc.send_signal(signal.SIGQUIT)
        self.proc.wait(timeout=20)


class Moss:
    def __init__(self, binary, workdir):
        self.data = os.path.join(workdir, "moss-data")
        port_file = os.path.join(workdir, "moss.port")
        env = dict(os.environ, MOSS_ACCESS_KEY_ID=ACCESS_KEY, MOSS_SECRET_ACCESS_KEY=SECRET_KEY)
        self.log = open(os.path.join(workdir, "moss.log"), "wb")
        if os.path.exists(port_file):
            os.remove(port_file)  # a previous run's, in a reused --workdir
        self.proc = subprocess.Popen(
            [binary, "serve", "--listen", "127.0.0.1:0", "--data", self.data, "--port-file",
             port_file, "--log-level", "warn"], env=env, stdout=self.log,
            stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while not os.path.exists(port_file) and time.time() < deadline:
            time.sleep(0.05)
        self.port = int(open(port_file).read())
        wait_port(self.port)
        import boto3
        from botocore.config import Config
        self.s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{self.port}",
                               region_name="us-east-1", aws_access_key_id=ACCESS_KEY,
                               aws_secret_access_key=SECRET_KEY,
                               config=Config(s3={"addressing_style": "path"},
                                             signature_version="s3v4"))

    def presign(self, method, bucket, key, expires=3600):
        op = {"GET": "get_object", "PUT": "put_object"}[method]
        return self.s3.generate_presigned_url(op, Params={"Bucket": bucket, "Key": key},
                                              ExpiresIn=expires)

    def rss_peak_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def cpu_seconds(pids):
    """user + system seconds of the given processes, all their threads."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def nginx_workers(master_pid):
    workers = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if ppid == master_pid:
            workers.append(int(entry))
    return workers


def curl_get(urls, expected_bytes):
    """Downloads every URL in parallel (one curl each); returns MB/s overall."""
    start = time.perf_counter()
    procs = [subprocess.Popen(["curl", "-sf", "-o", "/dev/null", "-w", "%{size_download}", u],
                              stdout=subprocess.PIPE) for u in urls]
    total = 0
    for p in procs:
        out, _ = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"curl failed with {p.returncode}")
        total += int(out)
    elapsed = time.perf_counter() - start
    if total != expected_bytes * len(urls):
        raise RuntimeError(f"downloaded {total} bytes, expected {expected_bytes * len(urls)}")
    return total / elapsed / 1e6


def curl_put(url, path):
    size = os.path.getsize(path)
    start = time.perf_counter()
    subprocess.run(["curl", "-sf", "-o", "/dev/null", "-T", path, url], check=True)
    return size / (time.perf_counter() - start) / 1e6


def wrk(url, seconds, connections, script=None):
    """Runs wrk; returns (requests/s, transfer MB/s)."""
    rps, mbs, _ = wrk_counted(url, seconds, connections, script)
    return rps, mbs


def wrk_server_cpu(url, seconds, connections, server_pids):
    """Runs wrk; returns (requests/s, server CPU microseconds per request)."""
    before = cpu_seconds(server_pids)
    rps, _, requests = wrk_counted(url, seconds, connections)
    return rps, (cpu_seconds(server_pids) - before) / requests * 1e6


def wrk_counted(url, seconds, connections, script=None):
    """Runs wrk; returns (requests/s, transfer MB/s, requests)."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        args += ["-s", script]
    out = subprocess.run(args + [url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", out)
    scale = {"B": 1e-6, "KB": 1.024e-3, "MB": 1.048576, "GB": 1073.741824}[m.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"wrk saw {non2xx.group(1)} error responses:\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return rps, float(m.group(1)) * scale, requests


def range_script(path, object_size, chunk):
    with open(path, "w") as f:
        f.write(f"""
math.randomseed(42)
request = function()
  local first = math.random(0, {object_size - chunk})
  wrk.headers["Range"] = "bytes=" .. first .. "-" .. (first + {chunk} - 1)
  return wrk.format("GET")
end
""")
    return path


def md5_speed():
    out = subprocess.run(["openssl", "speed", "-evp", "md5", "-bytes", "16384", "-seconds", "3"],
                         capture_output=True, text=True).stdout
    line = [l for l in out.splitlines() if l.startswith("md5")][-1]
    return float(line.split()[-1].rstrip("k")) * 1000 / 1e6


def durable_write_speed(directory, source, size):
    """MB/s of writing `source` to a new file in `directory` with direct I/O and
    one fdatasync at the end (dd): what the disk gives a write that must be on
    stable storage before it is acknowledged, as moss's PUT must."""
    target = os.path.join(directory, "dd-durable.bin")
    start = time.perf_counter()
    subprocess.run(["dd", f"if={source}", f"of={target}", "bs=1M", "oflag=direct",
                    "conv=fdatasync", "status=none"], check=True)
    elapsed = time.perf_counter() - start
    os.remove(target)
    return size / elapsed / 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--moss", default=os.path.join(ROOT, "build", "moss"))
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workdir", default=None, help="where files go (default: a temp dir)")
    parser.add_argument("--only", default="put,get,small,range",
                        help="comma-separated subset of put,get,small,range")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of the small GETs, moss and nginx alternating")
    args = parser.parse_args()
    only = set(args.only.split(","))

    workdir = args.workdir or tempfile.mkdtemp(prefix="moss-bench-")
    www = os.path.join(workdir, "www")
    os.makedirs(os.path.join(www, "upload"), exist_ok=True)
    size = args.size_mib << 20
    big = os.path.join(www, "big.bin")
    small = os.path.join(www, "small.bin")
    print(f"preparing {args.size_mib} MiB and 4 KiB files in {workdir}", flush=True)
    write_random(big, size)
    with open(small, "wb") as f:
        f.write(os.urandom(4096))

    nginx = Nginx(workdir, www)
    moss = Moss(args.moss, workdir)
    results = []

    def report(name, moss_value, nginx_value, unit, target=None):
        ratio = moss_value / nginx_value if nginx_value else float("nan")
        results.append((name, moss_value, nginx_value, unit, ratio, target))
        flag = "" if target is None else ("  ok" if ratio >= target else f"  below {target}x")
        print(f"{name:34s} moss {moss_value:10.1f} {unit:6s} nginx {nginx_value:10.1f} {unit:6s} "
              f"ratio {ratio:5.2f}{flag}", flush=True)

    try:
        moss.s3.create_bucket(Bucket="bench")
        if "put" in only:
            md5 = md5_speed()
            put_url = moss.presign("PUT", "bench", "big.bin")
            moss_put = max(curl_put(put_url, big) for _ in range(2))
            nginx_put = max(curl_put(nginx.url("upload/big.bin"), big) for _ in range(2))
            disk = max(durable_write_speed(moss.data, big, size) for _ in range(2))
            report("PUT 1 GiB (vs nginx WebDAV)", moss_put, nginx_put, "MB/s")
            report("PUT 1 GiB (vs openssl md5)", moss_put, md5, "MB/s")
            report("PUT 1 GiB (vs dd, durable)", moss_put, disk, "MB/s")
            # A PUT is acknowledged once hashed (MD5 for the ETag) and on stable
            # storage: the slower of the two is its ceiling.
            report("PUT 1 GiB (vs the slower)", moss_put, min(md5, disk), "MB/s", 0.85)
        elif only & {"get", "range"}:
            with open(big, "rb") as f:
                moss.s3.upload_fileobj(f, "bench", "big.bin")
        with open(small, "rb") as f:
            moss.s3.put_object(Bucket="bench", Key="small.bin", Body=f.read())

        get_url = moss.presign("GET", "bench", "big.bin")
        if "get" in only:
            curl_get([get_url], size)  # warm the page cache for both
            curl_get([nginx.url("big.bin")], size)
            report("GET 1 GiB, 1 stream", max(curl_get([get_url], size) for _ in range(3)),
                   max(curl_get([nginx.url("big.bin")], size) for _ in range(3)), "MB/s", 0.9)
            report("GET 1 GiB, 4 streams", max(curl_get([get_url] * 4, size) for _ in range(2)),
                   max(curl_get([nginx.url("big.bin")] * 4, size) for _ in range(2)), "MB/s",
                   0.9)

        if "small" in only:
            small_url = moss.presign("GET", "bench", "small.bin")
            workers = nginx_workers(nginx.proc.pid)
            runs = []
            for _ in range(args.repeat):
                moss_ops, moss_us = wrk_server_cpu(small_url, args.seconds, 64, [moss.proc.pid])
                nginx_ops, nginx_us = wrk_server_cpu(nginx.url("small.bin"), args.seconds, 64,
                                                     workers)
                print(f"  4 KiB GETs: moss {moss_ops:.0f} ops/s, {moss_us:.1f} us CPU/request; "
                      f"nginx {nginx_ops:.0f} ops/s, {nginx_us:.1f} us CPU/request; "
                      f"ratio {moss_ops / nginx_ops:.2f}", flush=True)
                runs.append((moss_ops, nginx_ops, moss_us, nginx_us))
            best = max(runs, key=lambda r: r[0] / r[1])
            report("GET 4 KiB, 64 conns (signed)", best[0], best[1], "ops/s", 0.9)
            report("  server CPU per 4 KiB GET", best[2], best[3], "us")

        if "range" in only:
            script = range_script(os.path.join(workdir, "range.lua"), size, 1 << 20)
            _, moss_mbs = wrk(get_url, args.seconds, 16, script)
            _, nginx_mbs = wrk(nginx.url("big.bin"), args.seconds, 16, script)
            report("random 1 MiB Range GET, 16 conns", moss_mbs, nginx_mbs, "MB/s", 0.8)
        print(f"moss peak RSS during the run: {moss.rss_peak_kib() / 1024:.1f} MiB")
    finally:
        moss.stop()
        nginx.stop()
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
