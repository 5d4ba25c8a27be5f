# CTest labels: large
# (multi-GiB bodies: the sanitized run in scripts/dev leaves out this label)
"""A 5 GiB object (S3's single-PUT maximum) streams through moss in both
directions with the server's peak resident memory under 100 MiB, every byte
verified by SHA-256; a range read at a 4 GiB offset returns the right bytes.

The slowest test of the suite: the body is generated, never held in memory,
and sent and received in large blocks so the client is not the bottleneck.
Durations are printed, not asserted."""
import hashlib
import os
import sys
import threading
import time
import unittest

from moss_harness import MossServer, boto3_client
from s3_wire import UNSIGNED, RawConnection, signed_head_bytes, signed_request

SIZE = 5 << 30
BLOCK = 8 << 20
POOL = os.urandom(2 * BLOCK)  # blocks are windows into this pool
MAX_RSS_KIB = 100 << 10


def block_at(index):
    """Block `index` of the object: a window of POOL that moves per block, so
    no two neighbouring blocks are equal."""
    start = (index * 1_048_573) % BLOCK
    return memoryview(POOL)[start:start + BLOCK]


def bytes_at(offset, length):
    out = bytearray()
    while length:
        index, within = divmod(offset, BLOCK)
        piece = block_at(index)[within:within + length]
        out += piece
        offset += len(piece)
        length -= len(piece)
    return bytes(out)


def log(message):
    print(f"[large objects] {message}", file=sys.stderr, flush=True)


class PeakMemory:
    """The server's peak resident set while the block runs: VmHWM, and VmRSS
    sampled every 20 ms (the kernel updates VmHWM lazily, so it can miss a
    peak that was never followed by an unmap)."""

    def __init__(self, server):
        self.server = server
        self.peak_kib = 0
        self._stop = threading.Event()

    def _sample(self):
        while True:
            self.peak_kib = max(self.peak_kib, *self.server.rss_kib())
            if self._stop.wait(0.02):
                return

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak_kib = max(self.peak_kib, *self.server.rss_kib())


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class LargeObjects(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = MossServer().start()
        cls.addClassCleanup(cls.server.cleanup)  # also when the upload below fails
        boto3_client(cls.server).create_bucket(Bucket="large")
        cls.baseline_kib = cls.server.rss_kib()[1]

        started = time.monotonic()
        cpu = cpu_seconds(cls.server.pid())
        headers = {"Content-Length": str(SIZE)}
        sha = hashlib.sha256()
        with PeakMemory(cls.server) as memory, RawConnection(cls.server.port, timeout=300) as conn:
            conn.send(signed_head_bytes(cls.server, "PUT", "/large/five-gib", headers, UNSIGNED))
            for index in range(SIZE // BLOCK):
                block = block_at(index)
                sha.update(block)
                conn.send(block)
            cls.put_response = conn.read_response()
        cls.sha256 = sha.hexdigest()
        seconds = time.monotonic() - started
        cls.put_peak_kib = memory.peak_kib
        log(f"PUT 5 GiB: {seconds:.1f} s ({SIZE / seconds / 2**20:.0f} MiB/s), server CPU "
            f"{cpu_seconds(cls.server.pid()) - cpu:.1f} s, server peak RSS {memory.peak_kib} KiB "
            f"(at start {cls.baseline_kib} KiB)")

    def test_put_is_acknowledged_and_memory_stays_bounded(self):
        self.assertEqual(self.put_response.status, 200, self.put_response)
        self.assertLess(self.put_peak_kib, MAX_RSS_KIB)

    def test_get_streams_the_same_bytes_with_bounded_memory(self):
        started = time.monotonic()
        cpu = cpu_seconds(self.server.pid())
        sha = hashlib.sha256()
        buffer = bytearray(BLOCK)
        view = memoryview(buffer)
        with PeakMemory(self.server) as memory, RawConnection(self.server.port, timeout=300) as conn:
            conn.send(signed_head_bytes(self.server, "GET", "/large/five-gib", {}))
            response = conn.read_response(head_only=True)
            self.assertEqual(response.status, 200, response)
            self.assertEqual(int(response.headers["content-length"]), SIZE)
            received = len(conn.buffer)
            sha.update(conn.buffer)
            while received < SIZE:
                n = conn.sock.recv_into(view, min(BLOCK, SIZE - received))
                self.assertGreater(n, 0, "connection closed early")
                sha.update(view[:n])
                received += n
        seconds = time.monotonic() - started
        log(f"GET 5 GiB: {seconds:.1f} s ({SIZE / seconds / 2**20:.0f} MiB/s), server CPU "
            f"{cpu_seconds(self.server.pid()) - cpu:.1f} s, server peak RSS {memory.peak_kib} KiB")
        self.assertEqual(sha.hexdigest(), self.sha256)
        self.assertLess(memory.peak_kib, MAX_RSS_KIB)

    def test_head_reports_the_size(self):
        response = signed_request(self.server, "HEAD", "/large/five-gib")
        self.assertEqual(response.status, 200)
        self.assertEqual(int(response.headers["content-length"]), SIZE)

    def test_one_mib_range_at_a_four_gib_offset(self):
        first = (4 << 30) + 12345
        length = 1 << 20
        with RawConnection(self.server.port, timeout=60) as conn:
            conn.send(signed_head_bytes(self.server, "GET", "/large/five-gib",
                                        {"Range": f"bytes={first}-{first + length - 1}"}))
            response = conn.read_response()
        self.assertEqual(response.status, 206, response)
        self.assertEqual(response.headers["content-range"],
                         f"bytes {first}-{first + length - 1}/{SIZE}")
        self.assertEqual(len(response.body), length)
        self.assertEqual(response.body, bytes_at(first, length))

    def test_suffix_range_returns_the_last_bytes(self):
        with RawConnection(self.server.port, timeout=60) as conn:
            conn.send(signed_head_bytes(self.server, "GET", "/large/five-gib",
                                        {"Range": "bytes=-1000"}))
            response = conn.read_response()
        self.assertEqual(response.status, 206, response)
        self.assertEqual(response.body, bytes_at(SIZE - 1000, 1000))


if __name__ == "__main__":
    unittest.main()
