#!/usr/bin/env python3
"""Metadata backends benchmark: the embedded SQLite store against PostgreSQL
(docs/replicas.md), in one run, on loopback. Prints each figure and the ratio
PostgreSQL/SQLite.

  small-object PUT and GET, 8 client threads   (boto3, ops/s; 1 KiB objects)
  tag resolution latency                       (GET of a file by tag, p50/p99 ms)
  large GET, 4 streams through 2 replicas      (curl, MB/s; against 1 replica)

The PostgreSQL server is a throwaway cluster (tests/tools/pg-cluster) with
fsync on, on the same machine. Usage:
  bench/metadata_bench.py [--moss build/moss] [--ops 2000] [--size-mib 256]
Run from a checkout after `scripts/dev build`; needs postgresql-15, curl and
boto3 (scripts/install-deps --test installs them).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import moss_harness  # noqa: E402
import signed_http  # noqa: E402
from moss_harness import MossServer, PostgresCluster, boto3_client  # noqa: E402


def threaded_ops(clients, ops_per_client, op):
    """Runs op(client_index, i) ops_per_client times in each of `clients`
    threads; returns operations per second."""
    errors = []

    def run(c):
        try:
            for i in range(ops_per_client):
                op(c, i)
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(c,)) for c in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return clients * ops_per_client / elapsed


def small_objects(servers, ops):
    clients = 8
    s3 = [boto3_client(servers[c % len(servers)]) for c in range(clients)]
    s3[0].create_bucket(Bucket="small")
    body = os.urandom(1024)
    per = max(1, ops // clients)
    put = threaded_ops(clients, per, lambda c, i: s3[c].put_object(
        Bucket="small", Key=f"c{c}/k{i}", Body=body))
    get = threaded_ops(clients, per, lambda c, i: s3[c].get_object(
        Bucket="small", Key=f"c{c}/k{i}")["Body"].read())
    return put, get


def tag_resolution(server, rounds):
    s3 = boto3_client(server)
    s3.create_bucket(Bucket="models")
    s3.put_object(Bucket="models", Key="m/v1/config.json", Body=b"{}")
    res = signed_http.request(server, "PUT", signed_http.object_path("models", "m/tags/latest"),
                              body=b"v1/config.json")
    if res.status != 200:
        raise RuntimeError(f"tag PUT failed: {res}")
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        res = signed_http.request(server, "GET",
                                  signed_http.object_path("models", "m/tags/latest"))
        times.append((time.perf_counter() - start) * 1000)
        if res.status != 200:
            raise RuntimeError(f"GET by tag failed: {res}")
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def large_gets(servers, path, size, streams=4):
    bucket = f"large-{len(servers)}"
    s3 = boto3_client(servers[0])
    s3.create_bucket(Bucket=bucket)
    s3.upload_file(path, bucket, "big")
    urls = []
    for i in range(streams):
        c = boto3_client(servers[i % len(servers)])
        urls.append(c.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "big"}))
    best = 0
    for _ in range(2):
        start = time.perf_counter()
        procs = [subprocess.Popen(["curl", "-sf", "-o", "/dev/null", u]) for u in urls]
        if any(p.wait() != 0 for p in procs):
            raise RuntimeError("curl failed")
        best = max(best, streams * size / (time.perf_counter() - start) / 1e6)
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--moss", default=os.path.join(ROOT, "build", "moss"))
    parser.add_argument("--ops", type=int, default=2000)
    parser.add_argument("--size-mib", type=int, default=256)
    args = parser.parse_args()
    moss_harness.MOSS_BINARY = os.path.abspath(args.moss)
    os.environ["PG_CLUSTER_FSYNC"] = "on"

    work = tempfile.mkdtemp(prefix="moss-metabench-")
    big = os.path.join(work, "big.bin")
    with open(big, "wb") as f:
        for _ in range(args.size_mib):
            f.write(os.urandom(1 << 20))
    size = args.size_mib << 20
    quiet = []  # the harness logs at debug level, the same for both backends
    results = {}
    postgres = PostgresCluster()
    try:
        with MossServer(extra_args=quiet) as sqlite:
            results["sqlite"] = (small_objects([sqlite], args.ops), tag_resolution(sqlite, 500))
        shared = tempfile.mkdtemp(prefix="moss-shared-", dir=work)
        pg_args = ["--metadata", postgres.dsn] + quiet
        with MossServer(data_dir=shared, extra_args=pg_args) as one, \
                MossServer(data_dir=shared, extra_args=pg_args) as two:
            results["postgres"] = (small_objects([one], args.ops), tag_resolution(one, 500))
            results["large_one"] = large_gets([one], big, size)
            results["large_two"] = large_gets([one, two], big, size)
    finally:
        postgres.destroy()
        shutil.rmtree(work, ignore_errors=True)

    (s_put, s_get), (s_p50, s_p99) = results["sqlite"]
    (p_put, p_get), (p_p50, p_p99) = results["postgres"]
    print(f"{'measure':44} {'sqlite':>12} {'postgresql':>12} {'ratio':>6}")
    print(f"{'PUT 1 KiB, 8 threads (ops/s)':44} {s_put:12.0f} {p_put:12.0f} {p_put / s_put:6.2f}")
    print(f"{'GET 1 KiB, 8 threads (ops/s)':44} {s_get:12.0f} {p_get:12.0f} {p_get / s_get:6.2f}")
    print(f"{'GET by tag, p50 (ms)':44} {s_p50:12.2f} {p_p50:12.2f} {p_p50 / s_p50:6.2f}")
    print(f"{'GET by tag, p99 (ms)':44} {s_p99:12.2f} {p_p99:12.2f} {p_p99 / s_p99:6.2f}")
    one, two = results["large_one"], results["large_two"]
    print(f"{'GET large, 4 streams: 1 replica / 2 (MB/s)':44} {one:12.0f} {two:12.0f} "
          f"{two / one:6.2f}")


if __name__ == "__main__":
    main()
