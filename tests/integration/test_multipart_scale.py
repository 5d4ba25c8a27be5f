"""Multipart uploads at model scale: server memory stays flat while a 10 GiB
file arrives as 10 parallel parts, and completing a 20 GiB upload takes well
under a second because nothing is copied.

The bytes are zeros (a sparse file, or zeros streamed by the test): identical
parts are stored once, so the data directory stays small enough for /dev/shm
while every byte sent still crosses the socket and is hashed by the server.
bench/multipart_upload.py times Complete for 20 GiB uploaded by aws-cli too.
"""
import hashlib
import os
import shutil
import tempfile
import threading
import time
import unittest

from boto3.s3.transfer import TransferConfig

from moss_harness import MossServer, boto3_client
from s3_wire import RawConnection, UNSIGNED, signed_head_bytes

GiB = 1 << 30
MiB = 1 << 20


def scratch_dir(prefix, room):
    """A directory under /dev/shm when it has `room` bytes free, else /tmp."""
    try:
        stats = os.statvfs("/dev/shm")
        if stats.f_bavail * stats.f_frsize >= room:
            return tempfile.mkdtemp(prefix=prefix, dir="/dev/shm")
    except OSError:
        pass
    return tempfile.mkdtemp(prefix=prefix)


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
        self.data_dir = scratch_dir("moss-mp-scale-", 6 * GiB)
        self.server = MossServer(data_dir=self.data_dir).start()
        self.s3 = boto3_client(self.server)
        self.s3.create_bucket(Bucket="scale")

    def tearDown(self):
        self.server.cleanup()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def put_zero_part(self, key, upload_id, number, size):
        """Streams `size` zero bytes as part `number` (UNSIGNED-PAYLOAD)."""
        query = [("partNumber", str(number)), ("uploadId", upload_id)]
        head = signed_head_bytes(self.server, "PUT", f"/scale/{key}",
                                 {"Content-Length": str(size)}, payload_hash=UNSIGNED,
                                 query=query)
        block = bytes(4 * MiB)
        with RawConnection(self.server.port, timeout=300) as conn:
            conn.send(head)
            remaining = size
            while remaining:
                n = min(len(block), remaining)
                conn.send(block[:n])
                remaining -= n
            response = conn.read_response()
        self.assertEqual(response.status, 200, response)
        return response.headers["etag"]

    def test_10gib_upload_in_10_parallel_parts_keeps_server_rss_under_100mib(self):
        source_dir = tempfile.mkdtemp(prefix="moss-mp-sparse-")
        try:
            path = os.path.join(source_dir, "sparse-10g.bin")
            with open(path, "wb") as f:
                f.truncate(10 * GiB)
            samples = []
            stop = threading.Event()

            def sample():
                while not stop.is_set():
                    samples.append(self.server.rss_kib()[0])
                    time.sleep(0.1)

            sampler = threading.Thread(target=sample)
            sampler.start()
            config = TransferConfig(multipart_threshold=8 * MiB, multipart_chunksize=128 * MiB,
                                    max_concurrency=10)
            started = time.monotonic()
            try:
                self.s3.upload_file(path, "scale", "ten-gib.bin", Config=config)
            finally:
                stop.set()
                sampler.join()
            seconds = time.monotonic() - started
            current, peak = self.server.rss_kib()
            log(f"10 GiB in 80 parts, 10 in parallel: {seconds:.1f} s "
                f"({10 * 1024 / seconds:.0f} MiB/s); server RSS peak {peak / 1024:.1f} MiB, "
                f"highest sample {max(samples) / 1024:.1f} MiB, now {current / 1024:.1f} MiB")
            self.assertLess(peak, 100 * 1024, "server RSS went past 100 MiB")

            head = self.s3.head_object(Bucket="scale", Key="ten-gib.bin")
            self.assertEqual(head["ContentLength"], 10 * GiB)
            part_md5 = zero_part_etag(128 * MiB)
            expected = hashlib.md5(part_md5 * 80).hexdigest() + "-80"
            self.assertEqual(head["ETag"], f'"{expected}"')
            tail = self.s3.get_object(Bucket="scale", Key="ten-gib.bin",
                                      Range=f"bytes={10 * GiB - MiB}-")["Body"].read()
            self.assertEqual(tail, bytes(MiB))
        finally:
            shutil.rmtree(source_dir, ignore_errors=True)

    def test_complete_of_a_20gib_upload_takes_well_under_a_second(self):
        # Two parts stream 1 GiB each through the server; the other eighteen are
        # UploadPartCopy of a 1 GiB object, which reference its blob. Either
        # way Complete sees twenty 1 GiB parts, and only links them.
        upload_id = self.s3.create_multipart_upload(Bucket="scale", Key="twenty")["UploadId"]
        started = time.monotonic()
        parts = [{"PartNumber": n, "ETag": self.put_zero_part("twenty", upload_id, n, GiB)}
                 for n in (1, 2)]
        upload_seconds = time.monotonic() - started
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

        started = time.monotonic()
        result = self.s3.complete_multipart_upload(
            Bucket="scale", Key="twenty", UploadId=upload_id, MultipartUpload={"Parts": parts})
        complete_seconds = time.monotonic() - started
        server_ms = None
        line = self.server.wait_for_log_line(
            lambda line: ('"operation":"CompleteMultipartUpload"' in line
                          and '"status":200' in line and '"key":"twenty"' in line))
        if line is not None:
            server_ms = float(line.split('"duration_ms":')[1].split("}")[0].split(",")[0])
        log(f"20 parts of 1 GiB (2 streamed in {upload_seconds:.1f} s, 18 copied); Complete took "
            f"{complete_seconds * 1000:.1f} ms at the client, {server_ms} ms in the server")
        self.assertLess(complete_seconds, 1.0)

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
