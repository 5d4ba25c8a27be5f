#!/usr/bin/env python3
"""GET over HTTPS: moss (--tls-cert/--tls-key) against nginx (Debian) serving the
same file with the same certificate and the same TLS 1.3 cipher, in one run, on
loopback, the two servers' repetitions alternating. Prints the best MB/s of each
and the ratio moss/nginx.

  GET 1 GiB, 1 stream and 4 streams over TLS 1.3, TLS_AES_256_GCM_SHA384 (curl)
  GET 1 GiB, 1 stream over TLS 1.2, ECDHE-ECDSA-AES128-GCM-SHA256 (curl)

It also says whether the kernel offers TLS offload (kTLS) here; see docs/tls.md
for why moss does not use it through Asio either way.

Usage: bench/tls_bench.py [--moss build/moss] [--size-mib 1024]
Needs nginx-light, curl and the openssl CLI, as bench/core_bench.py does.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from core_bench import (ACCESS_KEY, ROOT, SECRET_KEY, free_port, wait_port,  # noqa: E402
                        write_random)

TLS13 = ["--tlsv1.3", "--tls13-ciphers", "TLS_AES_256_GCM_SHA384"]
TLS12 = ["--tlsv1.2", "--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256"]


def kernel_tls_available():
    """True when the kernel accepts the "tls" upper-layer protocol on a TCP socket."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = socket.create_connection(listener.getsockname())
    try:
        client.setsockopt(socket.IPPROTO_TCP, 31, b"tls")  # TCP_ULP
        return True
    except OSError:
        return False
    finally:
        client.close()
        listener.close()


def make_certificate(directory):
    """A CA and a P-256 server certificate for 127.0.0.1/localhost."""
    ca_key, ca = os.path.join(directory, "ca.key"), os.path.join(directory, "ca.crt")
    key, csr = os.path.join(directory, "tls.key"), os.path.join(directory, "tls.csr")
    cert, ext = os.path.join(directory, "tls.crt"), os.path.join(directory, "tls.ext")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run = lambda *a: subprocess.run(["openssl", *a], check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", *ec, "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=bench-ca")
    run("req", "-new", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
    with open(ext, "w") as f:
        f.write("subjectAltName = DNS:localhost, IP:127.0.0.1\n")
    run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-set_serial", "1", "-days", "2",
        "-extfile", ext, "-out", cert)
    return ca, cert, key


class TlsNginx:
    def __init__(self, workdir, www, cert, key):
        self.port = free_port()
        self.dir = os.path.join(workdir, "nginx-tls")
        os.makedirs(self.dir, exist_ok=True)
        conf = os.path.join(self.dir, "nginx.conf")
        user = "user root;" if os.geteuid() == 0 else ""
        with open(conf, "w") as f:
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
  server {{
    listen 127.0.0.1:{self.port} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
    root {www};
  }}
}}
""")
        self.proc = subprocess.Popen(["nginx", "-c", conf, "-p", self.dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)

    def url(self, path):
        return f"https://localhost:{self.port}/{path}"

    def stop(self):
        self.proc.send_signal(signal.SIGQUIT)
        self.proc.wait(timeout=20)


class TlsMoss:
    def __init__(self, binary, workdir, cert, key):
        data = os.path.join(workdir, "moss-data")
        port_file = os.path.join(workdir, "moss.port")
        env = dict(os.environ, MOSS_ACCESS_KEY_ID=ACCESS_KEY, MOSS_SECRET_ACCESS_KEY=SECRET_KEY)
        self.log = open(os.path.join(workdir, "moss.log"), "wb")
        self.proc = subprocess.Popen(
            [binary, "serve", "--listen", "127.0.0.1:0", "--data", data, "--port-file",
             port_file, "--log-level", "warn", "--tls-cert", cert, "--tls-key", key], env=env,
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while not os.path.exists(port_file) and time.time() < deadline:
            time.sleep(0.05)
        self.port = int(open(port_file).read())
        wait_port(self.port)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def curl_get(urls, expected_bytes, ca, tls_args):
    """Downloads every URL in parallel (one curl each); returns MB/s overall."""
    start = time.perf_counter()
    procs = [subprocess.Popen(["curl", "-sf", "--cacert", ca, *tls_args, "-o", "/dev/null",
                               "-w", "%{size_download}", u], stdout=subprocess.PIPE)
             for u in urls]
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


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--moss", default=os.path.join(ROOT, "build", "moss"))
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--workdir", default=None, help="where files go (default: a temp dir)")
    args = parser.parse_args()

    workdir = args.workdir or tempfile.mkdtemp(prefix="moss-tls-bench-")
    www = os.path.join(workdir, "www")
    os.makedirs(www, exist_ok=True)
    size = args.size_mib << 20
    big = os.path.join(www, "big.bin")
    print(f"kernel TLS offload (TCP_ULP \"tls\"): "
          f"{'available' if kernel_tls_available() else 'not available'} on this kernel",
          flush=True)
    print(f"preparing a {args.size_mib} MiB file in {workdir}", flush=True)
    write_random(big, size)
    ca, cert, key = make_certificate(workdir)

    nginx = TlsNginx(workdir, www, cert, key)
    moss = TlsMoss(args.moss, workdir, cert, key)
    try:
        import boto3
        from botocore.config import Config
        s3 = boto3.client("s3", endpoint_url=f"https://localhost:{moss.port}", verify=ca,
                          region_name="us-east-1", aws_access_key_id=ACCESS_KEY,
                          aws_secret_access_key=SECRET_KEY,
                          config=Config(s3={"addressing_style": "path"},
                                        signature_version="s3v4"))
        s3.create_bucket(Bucket="bench")
        with open(big, "rb") as f:
            s3.put_object(Bucket="bench", Key="big.bin", Body=f)
        moss_url = s3.generate_presigned_url("get_object",
                                             Params={"Bucket": "bench", "Key": "big.bin"},
                                             ExpiresIn=3600)

        def compare(name, urls_per_run, tls_args, runs=3):
            curl_get([moss_url], size, ca, tls_args)  # warm the page cache and the path
            curl_get([nginx.url("big.bin")], size, ca, tls_args)
            # moss, nginx, moss, nginx...: a burst of load on a shared machine then
            # lands on both servers' runs, not on all of one server's.
            moss_runs, nginx_runs = [], []
            for _ in range(runs):
                moss_runs.append(curl_get([moss_url] * urls_per_run, size, ca, tls_args))
                nginx_runs.append(curl_get([nginx.url("big.bin")] * urls_per_run, size, ca,
                                           tls_args))
            m, n = max(moss_runs), max(nginx_runs)
            print(f"{name:48s} moss {m:8.1f} MB/s  nginx {n:8.1f} MB/s  ratio {m / n:5.2f}",
                  flush=True)

        compare("GET 1 GiB, 1 stream, TLS 1.3 AES-256-GCM", 1, TLS13)
        compare("GET 1 GiB, 4 streams, TLS 1.3 AES-256-GCM", 4, TLS13, runs=2)
        compare("GET 1 GiB, 1 stream, TLS 1.2 ECDHE-ECDSA-AES128-GCM", 1, TLS12)
    finally:
        moss.stop()
        nginx.stop()


if __name__ == "__main__":
    main()
