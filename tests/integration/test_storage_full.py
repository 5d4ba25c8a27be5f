"""A full disk: the data directory is a 64 MiB tmpfs of the server's own
(moss_harness mounts it in a mount namespace of the server's), and uploads
that do not fit answer 507 InsufficientStorage, which clients do not retry,
leave no object, no part and no temporary file behind, are logged, and the
server goes on serving what it stored.

Clients: boto3 (PutObject of a declared size the disk cannot hold), a raw
signed PUT (the disk filling in the middle of a body), aws-cli (a multipart
upload of a file larger than the disk)."""
import hashlib
import os
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

from botocore.exceptions import ClientError

from moss_harness import MossServer, boto3_client, client_env, random_file, wait_for
from s3_wire import UNSIGNED, RawConnection, signed_head_bytes

DISK = 64 << 20
MIB = 1 << 20


class StorageFullTest(unittest.TestCase):
    def setUp(self):
        self.server = MossServer(data_filesystem_bytes=DISK).start()
        self.addCleanup(self.server.cleanup)
        self.s3 = boto3_client(self.server)
        self.s3.create_bucket(Bucket="full")

    def temp_files(self):
        return os.listdir(self.server.data_view("tmp"))

    def available_bytes(self):
        """moss_data_available_bytes from /metrics."""
        with urllib.request.urlopen(self.server.endpoint + "/metrics", timeout=10) as r:
            for line in r.read().decode().splitlines():
                if line.startswith("moss_data_available_bytes "):
                    return float(line.split()[1])
        raise AssertionError("no moss_data_available_bytes on /metrics")

    def keys(self):
        listed = self.s3.list_objects_v2(Bucket="full")
        return [o["Key"] for o in listed.get("Contents", [])]

    def assert_logged_full(self):
        self.assertTrue(self.server.wait_for_log_line(lambda line: "storage full" in line),
                        self.server.log_tail())

    def test_a_declared_size_larger_than_the_disk_is_refused_before_the_body(self):
        body = os.urandom(80 * MIB)
        with self.assertRaises(ClientError) as raised:
            self.s3.put_object(Bucket="full", Key="too-big", Body=body)
        error = raised.exception.response
        self.assertEqual(error["Error"]["Code"], "InsufficientStorage")
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 507)
        self.assertEqual(error["ResponseMetadata"]["RetryAttempts"], 0)  # not retried
        self.assertEqual(self.keys(), [])
        self.assertEqual(self.temp_files(), [])
        self.assert_logged_full()
        # The disk is as empty as before: an object of most of it still fits.
        before = self.available_bytes()
        self.assertLessEqual(before, DISK)
        self.assertGreater(before, 40 * MIB)
        fits = os.urandom(40 * MIB)
        self.s3.put_object(Bucket="full", Key="fits", Body=fits)
        self.assertLessEqual(self.available_bytes(), before - 40 * MIB)
        got = self.s3.get_object(Bucket="full", Key="fits")["Body"].read()
        self.assertEqual(hashlib.sha256(got).digest(), hashlib.sha256(fits).digest())

    def test_a_disk_that_fills_during_a_body_answers_507_and_keeps_nothing_of_it(self):
        # Two uploads that each fit alone and not together: the first sends
        # 28 MiB of its 36 and waits while the second stores 30 MiB, then the
        # rest of the first finds the disk full in the middle of its body.
        first = os.urandom(36 * MIB)
        second = os.urandom(30 * MIB)
        conn = RawConnection(self.server.port, timeout=60)
        self.addCleanup(conn.close)
        conn.send(signed_head_bytes(self.server, "PUT", "/full/first",
                                    {"Content-Length": str(len(first))}, UNSIGNED))
        conn.send(first[:28 * MIB])
        self.assertTrue(wait_for(lambda: self.temp_size() >= 28 * MIB, timeout=30),
                        self.temp_files())
        self.s3.put_object(Bucket="full", Key="second", Body=second)
        try:
            conn.send(first[28 * MIB:])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the rest was sent
        response = conn.read_response()
        self.assertEqual(response.status, 507, response)
        self.assertIn(b"<Code>InsufficientStorage</Code>", response.body)
        self.assertEqual(self.keys(), ["second"])
        self.assertTrue(wait_for(lambda: self.temp_files() == [], timeout=10), self.temp_files())
        self.assertTrue(self.server.wait_for_log_line(
            lambda line: "storage full" in line and "No space left on device" in line),
            self.server.log_tail())
        got = self.s3.get_object(Bucket="full", Key="second")["Body"].read()
        self.assertEqual(hashlib.sha256(got).digest(), hashlib.sha256(second).digest())
        # The first upload's bytes are gone from the disk: it fits once the
        # second is deleted.
        self.s3.delete_object(Bucket="full", Key="second")
        self.s3.put_object(Bucket="full", Key="first", Body=first)
        self.assertEqual(self.keys(), ["first"])

    def temp_size(self):
        total = 0
        for name in self.temp_files():
            try:
                total += os.stat(self.server.data_view("tmp", name)).st_size
            except FileNotFoundError:
                pass
        return total

    def test_aws_cli_multipart_upload_larger_than_the_disk_fails_clearly_and_is_aborted(self):
        work = tempfile.mkdtemp(prefix="moss-full-")
        self.addCleanup(subprocess.run, ["rm", "-rf", work])
        path = random_file(work, 100 * MIB)
        result = subprocess.run(
            ["aws", "--endpoint-url", self.server.endpoint, "s3", "cp", path, "s3://full/big.bin"],
            env=client_env(self.server), capture_output=True, text=True, timeout=300)
        self.assertNotEqual(result.returncode, 0, result.stdout)
        self.assertIn("InsufficientStorage", result.stderr)
        self.assertEqual(self.keys(), [])
        # aws-cli aborted the upload: no upload left open, its parts' bytes freed.
        self.assertEqual(self.s3.list_multipart_uploads(Bucket="full").get("Uploads", []), [])
        self.assertTrue(wait_for(lambda: self.temp_files() == [], timeout=10), self.temp_files())
        self.assert_logged_full()
        fits = os.urandom(40 * MIB)
        deadline = time.time() + 30
        while True:  # aborted parts' blobs are removed by the collector
            try:
                self.s3.put_object(Bucket="full", Key="fits", Body=fits)
                break
            except ClientError as e:
                if e.response["Error"]["Code"] != "InsufficientStorage" or time.time() > deadline:
                    raise
                time.sleep(0.5)
        self.assertEqual(self.keys(), ["fits"])


if __name__ == "__main__":
    unittest.main()
