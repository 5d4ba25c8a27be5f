"""A cold mirror streams a file to its clients while the upstream transfer
arrives (docs/hub-mirror.md, "Streaming").

The upstream is a moss serving the Hub API behind a proxy that holds every
upstream answer after its first MiB until the test releases it: the clients
(curl and a raw fetch of Node, the fetch @huggingface/hub uses) must have a
first part of the file while the upstream is still sending. Eight of them
cause one upstream transfer (the upstream's access log) and get the same,
correct bytes. An upstream that sends bytes other than the SHA-256 it states
gets every streaming client a cut connection (curl exit 18) and stores nothing.
"""
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

from moss_harness import SOURCE_DIR, MossServer, node_with_package
from tcp_relay import TcpRelay
from test_hub_mirror import (MODEL, READER_TOKEN, REPO, MirrorFixture, credentials_document,
                             file_downloads, hub_get, partial_files, pattern, sha256,
                             write_json)

MiB = 1 << 20


class HoldingProxy(TcpRelay):
    """Forwards TCP connections to `port`. In the server-to-client direction a
    connection stops after `hold_after` bytes until release() (the listings,
    smaller, pass whole)."""

    def __init__(self, port, hold_after):
        self.hold_after = hold_after
        self.released = threading.Event()
        self.lock = threading.Lock()
        self.holding = 0
        super().__init__(port)

    def to_client(self, data, seen, sink):
        if not self.released.is_set() and seen + len(data) > self.hold_after:
            cut = self.hold_after - seen
            sink.sendall(data[:cut])
            data = data[cut:]
            with self.lock:
                self.holding += 1
            self.released.wait(120)
        sink.sendall(data)
        return True

    def release(self):
        self.released.set()

    def close(self):
        self.release()
        super().close()


def wait_until(condition, what, timeout=60):
    """Polls `condition` until it holds; fails naming `what` after `timeout` seconds."""
    limit = time.monotonic() + timeout
    while time.monotonic() < limit:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout}s: {what}")


def start_curl(url, out_path):
    return subprocess.Popen(["curl", "-sS", "-o", out_path, "-H", "Authorization: Bearer " +
                             READER_TOKEN, url], stderr=subprocess.PIPE)


def size_of(path):
    return os.path.getsize(path) if os.path.exists(path) else 0


class StreamingFromTheUpstreamTest(MirrorFixture):
    def test_clients_get_the_first_bytes_while_the_upstream_still_sends(self):
        node = node_with_package("@huggingface/hub")
        proxy = HoldingProxy(self.upstream.port, hold_after=MiB)
        self.addCleanup(proxy.close)
        mirror = MossServer(extra_args=[
            "--credentials", self.mirror_creds, "--hf-upstream", proxy.endpoint,
            "--hf-token-file", self.token_file]).start()
        self.addCleanup(mirror.cleanup)
        name = "model-00001-of-00002.safetensors"
        data = MODEL[name]
        before = file_downloads(self.upstream, len(data))
        out = tempfile.mkdtemp(dir=self.tmp)
        url = f"{mirror.endpoint}/{REPO}/resolve/main/{name}"
        curls = [start_curl(url, os.path.join(out, f"curl-{i}")) for i in range(7)]
        env = dict(os.environ, HF_ENDPOINT=mirror.endpoint, HF_TOKEN=READER_TOKEN)
        script = os.path.join(SOURCE_DIR, "tests", "js", "hub_client.mjs")
        fetcher = subprocess.Popen([node, script, "stream", json.dumps(
            {"repo": REPO, "path": name, "revision": "main"})], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = {}

        def read_progress():
            for line in fetcher.stderr:
                if line.startswith("FIRST "):
                    first["bytes"] = int(line.split()[1])

        reader = threading.Thread(target=read_progress, daemon=True)
        reader.start()
        try:
            # The upstream is held after its first MiB: every client has bytes,
            # none has the whole file, and the upstream is still sending.
            wait_until(lambda: proxy.holding >= 1, "the upstream transfer reaches the proxy's hold")
            wait_until(lambda: all(size_of(os.path.join(out, f"curl-{i}")) > 0
                                   for i in range(7)) and "bytes" in first,
                       "every client receives its first bytes while the upstream holds")
            self.assertFalse(proxy.released.is_set())
            for i in range(7):
                self.assertLess(size_of(os.path.join(out, f"curl-{i}")), len(data))
            self.assertEqual(proxy.holding, 1, "one upstream transfer for eight clients")
        finally:
            proxy.release()
        for i, curl in enumerate(curls):
            self.assertEqual(curl.wait(120), 0, curl.stderr.read())
            with open(os.path.join(out, f"curl-{i}"), "rb") as f:
                self.assertEqual(sha256(f.read()), sha256(data), i)
        stdout, _ = fetcher.communicate(timeout=120)
        reader.join(10)
        result = json.loads(stdout)
        self.assertNotIn("error", result, result)
        self.assertEqual((result["result"]["size"], result["result"]["sha256"]),
                         (len(data), sha256(data)))
        self.assertEqual(len(result["result"]["commit"]), 40)
        self.assertEqual(file_downloads(self.upstream, len(data)) - before, 1)
        # Stored: later requests are served from the store, not the upstream.
        status, _, body = hub_get(mirror, f"/{REPO}/resolve/main/{name}")
        self.assertEqual((status, sha256(body)), (200, sha256(data)))
        self.assertEqual(file_downloads(self.upstream, len(data)) - before, 1)
        self.assertEqual(partial_files(mirror), [])
        # A range of a file being fetched: answered once its bytes are in.
        status, headers, body = hub_range(mirror, f"/{REPO}/resolve/main/{name}", 10, 20)
        self.assertEqual((status, body), (206, data[10:21]))


def hub_range(server, path, first, last):
    conn = __import__("http.client").client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    try:
        conn.request("GET", path, headers={"Authorization": "Bearer " + READER_TOKEN,
                                           "Range": f"bytes={first}-{last}"})
        res = conn.getresponse()
        return res.status, res.headers, res.read()
    finally:
        conn.close()


class SlowWrongBytesUpstream(http.server.BaseHTTPRequestHandler):
    """States one SHA-256 for weights.bin and sends other bytes: the first
    half at once, the rest when the test sets `release`."""
    COMMIT = "d0d0" * 10
    GOOD = pattern("good", 256 * 1024)
    BAD = pattern("bad", 256 * 1024)
    release = threading.Event()

    def do_GET(self):
        if self.path.startswith("/api/models/acme/broken/revision/"):
            body = json.dumps({"id": "acme/broken", "sha": self.COMMIT, "siblings": [
                {"rfilename": "weights.bin", "size": len(self.GOOD),
                 "lfs": {"sha256": sha256(self.GOOD), "size": len(self.GOOD)}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == f"/acme/broken/resolve/{self.COMMIT}/weights.bin":
            self.send_response(200)
            self.send_header("Content-Length", str(len(self.BAD)))
            self.end_headers()
            half = len(self.BAD) // 2
            self.wfile.write(self.BAD[:half])
            self.release.wait(120)
            self.wfile.write(self.BAD[half:])
        else:
            self.send_response(404)
            self.send_header("X-Error-Code", "EntryNotFound")
            self.send_header("Content-Length", "0")
            self.end_headers()

    def log_message(self, *args):
        pass


class StreamingWrongBytesTest(unittest.TestCase):
    def test_every_streaming_client_is_cut_when_the_bytes_do_not_verify(self):
        upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowWrongBytesUpstream)
        threading.Thread(target=upstream.serve_forever, daemon=True).start()
        self.addCleanup(upstream.server_close)
        self.addCleanup(upstream.shutdown)
        self.addCleanup(SlowWrongBytesUpstream.release.set)
        tmp = tempfile.mkdtemp(prefix="moss-hub-stream-")
        self.addCleanup(shutil.rmtree, tmp, True)
        creds = write_json(tmp, "credentials.json", credentials_document())
        url = f"http://127.0.0.1:{upstream.server_address[1]}"
        with MossServer(extra_args=["--credentials", creds, "--hf-upstream", url]) as mirror:
            file_url = f"{mirror.endpoint}/acme/broken/resolve/main/weights.bin"
            outs = [os.path.join(tmp, f"curl-{i}") for i in range(4)]
            curls = [start_curl(file_url, out) for out in outs]
            try:
                wait_until(lambda: all(size_of(out) > 0 for out in outs),
                           "every client receives the first half")
            finally:
                SlowWrongBytesUpstream.release.set()
            for curl, out in zip(curls, outs):
                self.assertEqual(curl.wait(120), 18, "curl: transfer closed with outstanding "
                                 "read data remaining")
                self.assertLess(size_of(out), len(SlowWrongBytesUpstream.GOOD))
            blobs = [f for _, _, files in os.walk(os.path.join(mirror.data_dir, "blobs"))
                     for f in files]
            self.assertEqual(blobs, [])
            self.assertEqual(partial_files(mirror), [])
            with urllib.request.urlopen(mirror.endpoint + "/metrics", timeout=30) as r:
                metrics = r.read().decode()
            self.assertIn('moss_hub_upstream_fetches_total{result="mismatch"} 1', metrics)
            self.assertIn("do not verify", mirror.log_text())


if __name__ == "__main__":
    unittest.main()
