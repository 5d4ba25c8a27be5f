# CTest labels: large
# (multi-GiB bodies: the sanitized run in scripts/dev leaves out this label)
"""Multipart uploads at model scale: server memory stays flat while a 10 GiB
upload arrives as 10 parallel parts, and completing a 20 GiB upload copies
nothing.

The 10 GiB upload is made of 80 distinct parts (each its own pattern, made
while sending: nothing is held in memory or written to a source file), and
sampled ranges of the result are checked against the pattern, so parts stored
out of order would fail. The 20 GiB upload is zeros: identical parts are
stored once, so its data directory stays small. bench/multipart_upload.py
times Complete.
"""
import concurrent.futures
import hashlib
import os
import random
import shutil
import struct
import tempfile
import threading
import time
import unittest

from moss_harness import MossServer, blob_usage, boto3_client
from s3_wire import RawConnection, UNSIGNED, signed_head_bytes

GiB = 1 << 30
MiB = 1 << 20


def scratch_dir(prefix, room):
    """A directory under /dev/shm when it, and the memory it would use, have
    `room` bytes to spare (with 4 GiB left over), else under /tmp."""
    try:
        stats = os.statvfs("/dev/shm")
        with open("/proc/meminfo") as f:
            available = next(int(line.split()[1]) * 1024 for line in f
                             if line.startswith("MemAvailable:"))
        if stats.f_bavail * stats.f_frsize >= room and available >= room + 4 * GiB:
            return tempfile.mkdtemp(prefix=prefix, dir="/dev/shm")
    except OSError:
        pass
    return tempfile.mkdtemp(prefix=prefix)


PATTERN_CHUNK = 4 * MiB


class PartPattern:
    """The bytes of part N of the 10 GiB upload: chunks of PATTERN_CHUNK
    pseudo-random bytes seeded by N, each chunk's first 16 bytes replaced by (N, its
    index). Any range tells which part, and near a chunk start which chunk,
    it came from. Made on demand, a chunk at a time."""

    def __init__(self, part_size):
        self.part_size = part_size

    @staticmethod
    def base(number):
        return hashlib.shake_128(f"part {number}".encode()).digest(PATTERN_CHUNK)

    def chunk(self, number, index, base):
        size = min(PATTERN_CHUNK, self.part_size - index * PATTERN_CHUNK)
        out = bytearray(base if size == PATTERN_CHUNK else base[:size])
        out[:16] = struct.pack(">QQ", number, index)
        return out

    def chunks(self, number):
        """Part `number`, chunk by chunk."""
        base = self.base(number)
        for index in range(-(-self.part_size // PATTERN_CHUNK)):
            yield self.chunk(number, index, base)

    def object_range(self, offset, length):
        """Bytes [offset, offset + length) of the object made of parts 1, 2, ..."""
        out = bytearray()
        while length:
            number, in_part = divmod(offset, self.part_size)
            index, in_chunk = divmod(in_part, PATTERN_CHUNK)
            chunk = self.chunk(number + 1, index, self.base(number + 1))
            piece = chunk[in_chunk:in_chunk + length]
            out += piece
            offset += len(piece)
            length -= len(piece)
        return bytes(out)


def io_counters(path):
    """A /proc io file: bytes read and written through system calls (rchar,
    wchar; sendfile and copy_file_range count too)."""
    with open(path) as f:
        fields = dict(line.split(": ") for line in f.read().splitlines())
    return int(fields["rchar"]), int(fields["wchar"])


def process_io(pid):
    """What all of the process's threads, gone ones included, read and wrote."""
    return io_counters(f"/proc/{pid}/io")


HASHER_THREAD = "content-hasher"  # ContentHasher::kThreadName


def thread_named(pid, name):
    """The id of the process's thread called `name` (/proc/PID/task/TID/comm)."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                if f.read().strip() == name:
                    return tid
        except FileNotFoundError:  # the thread ended meanwhile
            pass
    raise AssertionError(f"the server has no thread called {name}")


class ReadsBesideTheHasher:
    """Bytes the server reads, apart from what its content hasher reads: the
    hasher starts on an object the moment Complete commits it, possibly before
    the answer reaches the client, and its reads say nothing about Complete.
    The process's count (every thread, ended ones too) less the hasher
    thread's own. The two are not read at one instant: at the start the
    hasher's is read last, at the end first, so whatever the hasher reads in
    between counts against Complete, never for it."""

    def __init__(self, pid):
        self.pid = pid
        self.hasher_io = f"/proc/{pid}/task/{thread_named(pid, HASHER_THREAD)}/io"
        self.start = process_io(pid)[0] - io_counters(self.hasher_io)[0]

    def since_start(self):
        hasher = io_counters(self.hasher_io)[0]
        return process_io(self.pid)[0] - hasher - self.start


def zero_part_etag(size):
    md5 = hashlib.md5()
    block = bytes(MiB)
    for _ in range(size // MiB):
        md5.update(block)
    md5.update(bytes(size % MiB))
    return md5.digest()


def log(message):
    print(f"\n[multipart-scale] {message}", flush=True)


class MultipartAtScale(unittest.TestCase):
    def setUp(self):
        self.server = None
        self.data_dir = None

    def start_server(self, room):
        """A server whose data directory has `room` bytes to spare."""
        self.data_dir = scratch_dir("moss-mp-scale-", room)
        self.server = MossServer(data_dir=self.data_dir).start()
        self.s3 = boto3_client(self.server)
        self.s3.create_bucket(Bucket="scale")

    def tearDown(self):
        try:
            if self.server:
                self.server.cleanup()
        finally:
            if self.data_dir:
                shutil.rmtree(self.data_dir, ignore_errors=True)

    def put_part(self, key, upload_id, number, size, chunks):
        """Streams part `number` (UNSIGNED-PAYLOAD), `size` bytes taken from
        the iterable `chunks`; returns its ETag."""
        query = [("partNumber", str(number)), ("uploadId", upload_id)]
        head = signed_head_bytes(self.server, "PUT", f"/scale/{key}",
                                 {"Content-Length": str(size)}, payload_hash=UNSIGNED,
                                 query=query)
        with RawConnection(self.server.port, timeout=300) as conn:
            conn.send(head)
            for chunk in chunks:
                conn.send(chunk)
            response = conn.read_response()
        self.assertEqual(response.status, 200, response)
        return response.headers["etag"]

    def put_zero_part(self, key, upload_id, number, size):
        """Streams `size` zero bytes as part `number`."""
        block = bytes(4 * MiB)
        chunks = (block[:min(len(block), size - offset)]
                  for offset in range(0, size, len(block)))
        return self.put_part(key, upload_id, number, size, chunks)

    def test_10gib_upload_in_10_parallel_parts_keeps_server_rss_under_100mib(self):
        part_size, count = 128 * MiB, 80
        self.start_server(count * part_size + GiB)
        pattern = PartPattern(part_size)
        upload_id = self.s3.create_multipart_upload(Bucket="scale", Key="ten-gib.bin")["UploadId"]

        def send(number):
            return self.put_part("ten-gib.bin", upload_id, number, part_size,
                                 pattern.chunks(number))

        samples = []
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                samples.append(self.server.rss_kib()[0])
                time.sleep(0.1)

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.monotonic()
        try:
            with concurrent.futures.ThreadPoolExecutor(10) as pool:
                etags = list(pool.map(send, range(1, count + 1)))
        finally:
            stop.set()
            sampler.join()
        seconds = time.monotonic() - started
        result = self.s3.complete_multipart_upload(
            Bucket="scale", Key="ten-gib.bin", UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etag}
                                       for n, etag in enumerate(etags, start=1)]})
        current, peak = self.server.rss_kib()
        log(f"10 GiB in {count} distinct parts, 10 in parallel: {seconds:.1f} s "
            f"({count * part_size / MiB / seconds:.0f} MiB/s); server RSS peak "
            f"{peak / 1024:.1f} MiB, highest sample {max(samples) / 1024:.1f} MiB, "
            f"now {current / 1024:.1f} MiB")
        self.assertLess(peak, 100 * 1024, "server RSS went past 100 MiB")

        # Every part was its own blob: nothing deduplicated away.
        self.assertEqual(len(set(etags)), count)
        self.assertGreaterEqual(blob_usage(self.server)[1], count * part_size)
        expected = hashlib.md5(b"".join(bytes.fromhex(e.strip('"')) for e in etags))
        self.assertEqual(result["ETag"], f'"{expected.hexdigest()}-{count}"')
        head = self.s3.head_object(Bucket="scale", Key="ten-gib.bin")
        self.assertEqual(head["ContentLength"], count * part_size)

        # Sampled ranges hold the bytes of the right part, in the right place:
        # across part boundaries, across chunk boundaries, anywhere, and the end.
        rng = random.Random(10)
        total = count * part_size
        boundaries = sorted(rng.sample(range(1, count), min(12, count - 1)))
        ranges = [(n * part_size - 16, 32) for n in boundaries]
        ranges += [(rng.randrange(count) * part_size + rng.randrange(1, part_size // PATTERN_CHUNK)
                    * PATTERN_CHUNK - 8, 24) for _ in range(6)]
        ranges += [(rng.randrange(total - 65536), rng.randrange(1, 65536)) for _ in range(12)]
        ranges += [(0, 4096), (total - 4096, 4096)]
        for offset, length in ranges:
            got = self.s3.get_object(Bucket="scale", Key="ten-gib.bin",
                                     Range=f"bytes={offset}-{offset + length - 1}")["Body"].read()
            self.assertEqual(got, pattern.object_range(offset, length),
                             f"bytes {offset}-{offset + length - 1} (part "
                             f"{offset // part_size + 1})")

    def test_complete_of_a_20gib_upload_copies_no_data(self):
        # Two parts stream 1 GiB each through the server; the other eighteen are
        # UploadPartCopy of a 1 GiB object, which reference its blob. Either
        # way Complete sees twenty 1 GiB parts, and only links them.
        self.start_server(6 * GiB)
        upload_id = self.s3.create_multipart_upload(Bucket="scale", Key="twenty")["UploadId"]
        parts = [{"PartNumber": n, "ETag": self.put_zero_part("twenty", upload_id, n, GiB)}
                 for n in (1, 2)]
        source_upload = self.s3.create_multipart_upload(Bucket="scale", Key="zeros")["UploadId"]
        etag = self.put_zero_part("zeros", source_upload, 1, GiB)
        self.s3.complete_multipart_upload(
            Bucket="scale", Key="zeros", UploadId=source_upload,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
        for n in range(3, 21):
            r = self.s3.upload_part_copy(Bucket="scale", Key="twenty", UploadId=upload_id,
                                         PartNumber=n, CopySource={"Bucket": "scale",
                                                                   "Key": "zeros"})
            parts.append({"PartNumber": n, "ETag": r["CopyPartResult"]["ETag"]})

        # What Complete costs in the server's system calls and on disk. A
        # Complete that read, copied or rewrote the parts would move 20 GiB.
        # Once committed, the whole object's SHA-256 is computed by a background
        # thread (docs/benchmarks.md), which may begin reading before the answer
        # reaches us: its reads are left out (ReadsBesideTheHasher).
        blobs_before = blob_usage(self.server)
        _, written_before = process_io(self.server.pid())
        reads = ReadsBesideTheHasher(self.server.pid())
        result = self.s3.complete_multipart_upload(
            Bucket="scale", Key="twenty", UploadId=upload_id, MultipartUpload={"Parts": parts})
        read = reads.since_start()
        written = process_io(self.server.pid())[1] - written_before
        log(f"Complete of 20 parts of 1 GiB: the server read {read / MiB:.1f} MiB (besides its "
            f"content hasher) and wrote {written / MiB:.1f} MiB")
        self.assertEqual(blob_usage(self.server), blobs_before, "Complete stored new blobs")
        self.assertLess(written, 64 * MiB, "Complete wrote part data")
        self.assertLess(read, 64 * MiB, "Complete read part data")

        expected = hashlib.md5(zero_part_etag(GiB) * 20).hexdigest() + "-20"
        self.assertEqual(result["ETag"], f'"{expected}"')
        head = self.s3.head_object(Bucket="scale", Key="twenty", PartNumber=20)
        self.assertEqual(head["ContentLength"], GiB)
        self.assertEqual(head["PartsCount"], 20)
        self.assertEqual(self.s3.head_object(Bucket="scale", Key="twenty")["ContentLength"],
                         20 * GiB)
        middle = self.s3.get_object(Bucket="scale", Key="twenty",
                                    Range=f"bytes={15 * GiB - 10}-{15 * GiB + 9}")["Body"].read()
        self.assertEqual(middle, bytes(20))


if __name__ == "__main__":
    unittest.main()
