"""Clients that try to exhaust the server: endless chunk extensions, trailer
sections and heads (every buffer a client can fill is bounded and answered
with a 400), more connections than the server serves (503 SlowDown), a
connection that never speaks (closed after the first-byte deadline), a body
trickling in (ended by the body rate floor), a flood of long blocking work
(other clients' PUTs keep completing), and header values that would split a
response (400 InvalidArgument).

The limits are set small so each test takes seconds; nothing here asserts how
fast the server is, only what it answered, what it kept, and how much memory
it grew by."""
import concurrent.futures
import os
import re
import select
import socket
import threading
import time
import urllib.error
import urllib.request

from moss_harness import MossServer, MossTestCase, boto3_client
from s3_wire import (RawConnection, S3Assertions, signed_head_bytes, signed_request,
                     temp_files)

MIB = 1 << 20


def wait_for(predicate, timeout=15, interval=0.05):
    """Polls until predicate() is true; returns its last value."""
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value or time.time() > deadline:
            return value
        time.sleep(interval)


def metric(server, name, labels=""):
    """The value of one line of /metrics (0 when absent)."""
    with urllib.request.urlopen(server.endpoint + "/metrics", timeout=10) as r:
        text = r.read().decode()
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def feed_until_answered(conn, first, filler, limit_bytes):
    """Sends `first`, then `filler` over and over, until the server answers
    (its first response bytes are readable), the server stops reading, or
    `limit_bytes` have gone. Returns the bytes sent."""
    sock = conn.sock
    sock.sendall(first)
    sent = len(first)
    while sent < limit_bytes:
        readable, _, _ = select.select([sock], [], [], 0)
        if readable:
            break
        try:
            sock.sendall(filler)
        except (BrokenPipeError, ConnectionResetError):
            break
        sent += len(filler)
    return sent


class LongWorkFlood(S3Assertions, MossTestCase):
    # Few threads, so a flood of copies would take every blocking thread if
    # it could.
    server_args = ("--blocking-threads", "2", "--long-work-threads", "1")
    bucket = "flood"
    SOURCE_SIZE = 24 * MIB
    COPIES = 12
    SMALL_PUTS = 10

    def test_a_flood_of_part_copies_does_not_stall_small_puts(self):
        s3 = boto3_client(self.server)
        s3.create_bucket(Bucket=self.bucket)
        s3.put_object(Bucket=self.bucket, Key="source", Body=os.urandom(self.SOURCE_SIZE))
        upload = s3.create_multipart_upload(Bucket=self.bucket, Key="target")["UploadId"]
        # Not the whole source: a whole blob would be linked, not copied.
        copy_range = f"bytes=0-{self.SOURCE_SIZE - 2}"
        done = []
        lock = threading.Lock()

        def copy_part(number):
            client = boto3_client(self.server)
            client.upload_part_copy(Bucket=self.bucket, Key="target", UploadId=upload,
                                    PartNumber=number, CopySourceRange=copy_range,
                                    CopySource={"Bucket": self.bucket, "Key": "source"})
            with lock:
                done.append(number)

        with concurrent.futures.ThreadPoolExecutor(self.COPIES) as pool:
            copies = [pool.submit(copy_part, n + 1) for n in range(self.COPIES)]
            # Wait until the copies are being worked on (their temp files).
            self.assertTrue(wait_for(lambda: len(temp_files(self.server)) > 0),
                            "the copies never started")
            small = boto3_client(self.server)
            for i in range(self.SMALL_PUTS):
                small.put_object(Bucket=self.bucket, Key=f"small-{i}", Body=b"x" * 1024)
            with lock:
                finished_before_last_put = len(done)
            for future in copies:
                future.result()
        self.assertLess(finished_before_last_put, self.COPIES,
                        "every copy had finished before the small PUTs did: they waited for "
                        "the flood")
        for i in range(self.SMALL_PUTS):
            self.assertEqual(small.get_object(Bucket=self.bucket, Key=f"small-{i}")["Body"].read(),
                             b"x" * 1024)


class HeaderInjection(S3Assertions, MossTestCase):
    bucket = "inject"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s3 = boto3_client(cls.server)
        s3.create_bucket(Bucket=cls.bucket)
        s3.put_object(Bucket=cls.bucket, Key="object", Body=b"content")

    def test_response_overrides_with_cr_lf_are_refused(self):
        for param in ("response-content-type", "response-content-disposition",
                      "response-cache-control", "response-content-language",
                      "response-expires", "response-content-encoding"):
            with self.subTest(param=param):
                response = signed_request(
                    self.server, "GET", f"/{self.bucket}/object",
                    query=[(param, "text/plain\r\nX-Injected: yes")])
                self.assertS3Error(response, 400, "InvalidArgument")
                self.assertNotIn("x-injected", response.headers)

    def test_response_overrides_with_other_control_characters_are_refused(self):
        for value in ("a\nb", "a\rb", "a\x00b", "a\x1bb", "a\x7fb"):
            with self.subTest(value=value):
                response = signed_request(self.server, "GET", f"/{self.bucket}/object",
                                          query=[("response-cache-control", value)])
                self.assertS3Error(response, 400, "InvalidArgument")

    def test_presigned_url_with_a_split_header_is_refused(self):
        url = boto3_client(self.server).generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": "object",
                                  "ResponseContentDisposition": "attachment\r\nSet-Cookie: a=b"})
        with self.assertRaises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(url, timeout=10)
        self.assertEqual(caught.exception.code, 400)
        self.assertIsNone(caught.exception.headers.get("Set-Cookie"))
        self.assertIn(b"<Code>InvalidArgument</Code>", caught.exception.read())

    def test_ordinary_overrides_still_apply(self):
        url = boto3_client(self.server).generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": "object",
                                  "ResponseContentDisposition": 'attachment; filename="m.gguf"',
                                  "ResponseContentType": "application/x-gguf"})
        with urllib.request.urlopen(url, timeout=10) as r:
            self.assertEqual(r.headers["Content-Disposition"], 'attachment; filename="m.gguf"')
            self.assertEqual(r.headers["Content-Type"], "application/x-gguf")
            self.assertEqual(r.read(), b"content")

    def test_metadata_and_content_type_with_control_characters_are_refused(self):
        for name, value in (("x-amz-meta-note", "a\x01b"), ("Content-Type", "text/plain\x0b")):
            with self.subTest(header=name):
                head = signed_head_bytes(self.server, "PUT", f"/{self.bucket}/meta",
                                         {"Content-Length": "0", name: value})
                with RawConnection(self.server.port, timeout=30) as conn:
                    conn.send(head)
                    response = conn.read_response()
                self.assertEqual(response.status, 400, response)
                self.assertNotStored(self.bucket, "meta")

    def test_a_tab_in_metadata_is_kept(self):
        response = signed_request(self.server, "PUT", f"/{self.bucket}/tabbed", body=b"t",
                                  headers={"x-amz-meta-note": "a\tb"})
        self.assertEqual(response.status, 200, response)
        head = signed_request(self.server, "HEAD", f"/{self.bucket}/tabbed")
        self.assertEqual(head.headers.get("x-amz-meta-note"), "a\tb")

if __name__ == "__main__":
    import unittest
    unittest.main()
