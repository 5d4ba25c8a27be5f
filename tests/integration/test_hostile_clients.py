"""Clients that try to exhaust the server: endless chunk extensions, trailer
sections and heads (every buffer a client can fill is bounded and answered
with a 400), more connections than the server serves (503 SlowDown; by
default as many as the open-file limit, raised to its hard limit, pays for), a
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
import resource
import select
import socket
import threading
import time
import unittest
import urllib.error
import urllib.request

from moss_harness import MossServer, MossTestCase, boto3_client, wait_for
from s3_wire import (RawConnection, S3Assertions, signed_head_bytes, signed_request,
                     temp_files)

MIB = 1 << 20


def metric(server, name, labels=""):
    """The value of one line of /metrics (0 when absent)."""
    with urllib.request.urlopen(server.endpoint + "/metrics", timeout=10) as r:
        text = r.read().decode()
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def counted(server, name, labels):
    """True once the counter `name{labels}` is at least 1. Polled: the server
    may count an event just after the client saw its effect (a close)."""
    return wait_for(lambda: metric(server, name, labels) >= 1)


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


class BoundedBuffers(S3Assertions, MossTestCase):
    """A client that never finishes a line the parser is waiting for gets a
    400 once it passes the bound, and the server's memory does not follow it."""

    bucket = "bounded"
    # What each attack sends at most: several times more than any buffer may
    # hold, and far more than the RSS growth the tests accept.
    FLOOD_BYTES = 96 * MIB
    ACCEPTED_GROWTH_KIB = 24 * 1024

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        boto3_client(cls.server).create_bucket(Bucket=cls.bucket)

    def flood(self, head, first, filler):
        """Sends a request whose framing never ends; returns (the server's
        answer, RSS growth in KiB, bytes sent)."""
        before, _ = self.server.rss_kib()
        with RawConnection(self.server.port, timeout=30) as conn:
            sent = feed_until_answered(conn, head + first, filler, self.FLOOD_BYTES)
            after, _ = self.server.rss_kib()
            response = conn.read_response()
        return response, after - before, sent

    def test_endless_chunk_extension_is_refused_and_memory_stays_bounded(self):
        head = signed_head_bytes(self.server, "PUT", f"/{self.bucket}/extension",
                                 {"Transfer-Encoding": "chunked"})
        response, growth, sent = self.flood(head, b"10;ext=", b"a" * 65536)
        self.assertS3Error(response, 400, "InvalidRequest")
        self.assertIn(b"chunk-size line", response.body)
        self.assertLess(growth, self.ACCEPTED_GROWTH_KIB,
                        f"RSS grew by {growth} KiB while {sent} bytes of extension came in")
        self.assertNotStored(self.bucket, "extension")
        self.assertNoTempFiles()
        self.assertTrue(counted(self.server, "moss_connections_ended_total",
                                    '{reason="chunk_framing_too_large"}'))

    def test_quoted_chunk_extension_is_refused_at_its_line(self):
        # The HTTP parser would look for the closing quote through everything
        # that follows, once per read (quadratic in what the client sends,
        # found by fuzzing); moss refuses such a line as soon as it sees it,
        # not when the buffer overflows.
        head = signed_head_bytes(self.server, "PUT", f"/{self.bucket}/quoted",
                                 {"Transfer-Encoding": "chunked"})
        with RawConnection(self.server.port, timeout=30) as conn:
            feed_until_answered(conn, head + b'5;name="unterminated\r\nhello\r\n', b"x" * 64,
                                self.FLOOD_BYTES)
            response = conn.read_response()
        self.assertS3Error(response, 400, "InvalidRequest")
        self.assertIn(b"quoted chunk extensions are not accepted", response.body)
        self.assertNotStored(self.bucket, "quoted")
        self.assertNoTempFiles()
        self.assertTrue(counted(self.server, "moss_connections_ended_total",
                                '{reason="chunk_extension_refused"}'))

    def test_endless_trailer_section_is_refused_and_memory_stays_bounded(self):
        head = signed_head_bytes(self.server, "PUT", f"/{self.bucket}/trailer",
                                 {"Transfer-Encoding": "chunked"})
        line = b"x-filler: " + b"b" * 1000 + b"\r\n"
        response, growth, sent = self.flood(head, b"5\r\nhello\r\n0\r\n", line * 64)
        self.assertS3Error(response, 400, "InvalidRequest")
        self.assertLess(growth, self.ACCEPTED_GROWTH_KIB,
                        f"RSS grew by {growth} KiB while {sent} bytes of trailers came in")
        self.assertNotStored(self.bucket, "trailer")
        self.assertNoTempFiles()

    def test_endless_request_head_is_refused_and_memory_stays_bounded(self):
        before, _ = self.server.rss_kib()
        with RawConnection(self.server.port, timeout=30) as conn:
            sent = feed_until_answered(
                conn, f"GET /{self.bucket}/x HTTP/1.1\r\nHost: h\r\nX-Endless: ".encode(),
                b"c" * 65536, self.FLOOD_BYTES)
            growth = self.server.rss_kib()[0] - before
            response = conn.read_response()
        self.assertS3Error(response, 400, "RequestHeaderSectionTooLarge")
        self.assertLess(growth, self.ACCEPTED_GROWTH_KIB,
                        f"RSS grew by {growth} KiB while {sent} bytes of head came in")

    def test_endless_aws_chunked_trailer_section_is_refused(self):
        # Unsigned-trailer mode ignores x-amz-trailer-signature lines and blank
        # LF-separated runs: without a bound on the section, a client could
        # keep the request going for ever at full speed.
        head = signed_head_bytes(
            self.server, "PUT", f"/{self.bucket}/aws-trailer",
            {"Content-Length": str(1 << 30), "Content-Encoding": "aws-chunked",
             "x-amz-trailer": "x-amz-checksum-crc32"},
            payload_hash="STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        with RawConnection(self.server.port, timeout=30) as conn:
            feed_until_answered(conn, head + b"5\r\nhello\r\n0\r\n",
                                b"\n" * 4000 + b"\r\n", 64 * MIB)
            response = conn.read_response()
        self.assertS3Error(response, 400, "MalformedTrailerError")
        self.assertNotStored(self.bucket, "aws-trailer")
        self.assertNoTempFiles()


class ConnectionLimits(S3Assertions, MossTestCase):
    MAX_CONNECTIONS = 4
    server_args = ("--max-connections", str(MAX_CONNECTIONS), "--first-byte-timeout", "1")

    def open_only_connections(self, count):
        """`count` connections, each admitted and kept open, and none other
        counted by the server. It counts a connection until it has finished
        with it, a moment after the client saw it closed (longer under ASan):
        connections of the test before, /metrics scrapes included, could
        still take places. So the first asks /metrics over itself until it
        is the only one counted (a 503 while they are still there: again)."""
        deadline = time.time() + 30
        while True:
            first = RawConnection(self.server.port, timeout=30)
            first.send(b"GET /metrics HTTP/1.1\r\nHost: h\r\n\r\n")
            response = first.read_response()
            if response.status == 200:
                break
            first.close()
            self.assertLess(time.time(), deadline, f"never admitted: {response.status}")
            time.sleep(0.05)
        while not re.search(rb"^moss_connections_open 1$", response.body, re.M):
            self.assertLess(time.time(), deadline, "connections of an earlier test stay counted")
            time.sleep(0.05)
            first.send(b"GET /metrics HTTP/1.1\r\nHost: h\r\n\r\n")
            response = first.read_response()
            self.assertEqual(response.status, 200)
        return [first] + [RawConnection(self.server.port, timeout=30) for _ in range(count - 1)]

    def healthz(self, conn):
        conn.send(b"GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n")
        return conn.read_response()

    def test_connections_over_the_limit_get_503_slowdown_and_others_keep_working(self):
        held = self.open_only_connections(self.MAX_CONNECTIONS)
        try:
            for conn in held:  # each admitted and kept open (keep-alive)
                self.assertEqual(self.healthz(conn).status, 200)
            with RawConnection(self.server.port, timeout=30) as extra:
                response = self.healthz(extra)
                self.assertS3Error(response, 503, "SlowDown")
                self.assertEqual(response.headers.get("connection"), "close")
                self.assertTrue(extra.closed_by_server(timeout=30))
            # The held connections were not disturbed.
            for conn in held:
                self.assertEqual(self.healthz(conn).status, 200)
        finally:
            for conn in held:
                conn.close()

        # Their places free up as they close: others are served again.
        def served():
            try:
                with RawConnection(self.server.port, timeout=30) as conn:
                    return self.healthz(conn).status == 200
            except (ConnectionError, OSError):
                return False
        self.assertTrue(wait_for(served), "no connection was served after the others closed")
        s3 = boto3_client(self.server)
        s3.create_bucket(Bucket="after-limit")
        s3.put_object(Bucket="after-limit", Key="k", Body=b"served")
        self.assertEqual(s3.get_object(Bucket="after-limit", Key="k")["Body"].read(), b"served")
        self.assertTrue(counted(self.server, "moss_connections_rejected_total",
                                    '{reason="max_connections"}'))

    def test_connection_that_sends_nothing_is_closed_after_the_first_byte_deadline(self):
        # The idle timeout (75 s by default) is far longer than this test
        # waits: only the first-byte deadline can close the connection.
        with RawConnection(self.server.port, timeout=30) as conn:
            self.assertTrue(conn.closed_by_server(timeout=30))
        self.assertTrue(counted(self.server, "moss_connections_ended_total",
                                    '{reason="first_byte_timeout"}'))

    def test_the_first_byte_deadline_does_not_apply_between_requests(self):
        with RawConnection(self.server.port, timeout=30) as conn:
            self.assertEqual(self.healthz(conn).status, 200)
            # Longer than the first-byte deadline, far shorter than the idle timeout.
            self.assertFalse(conn.closed_by_server(timeout=3))
            self.assertEqual(self.healthz(conn).status, 200)


class DefaultConnectionLimit(unittest.TestCase):
    """Without --max-connections, moss raises its soft open-file limit to the
    hard one and serves what is left after 1280 reserved descriptors at two a
    connection, never fewer than 64 (src/cli/descriptor_limit.h). The server
    starts with the limits a shell's `ulimit -Sn`/`-Hn` would give it."""

    LIMIT_LINE = re.compile(r"serving at most (\d+) connections \(descriptor limit (\d+)\)")

    def start(self, soft, hard):
        _, ours = resource.getrlimit(resource.RLIMIT_NOFILE)
        self.assertGreaterEqual(ours, hard, "this test needs a higher hard open-file limit")
        server = MossServer(descriptor_limits=(soft, hard))
        self.addCleanup(server.cleanup)
        return server.start()

    def logged_limits(self, server):
        """(connections, descriptor limit) from the startup log line."""
        line = server.wait_for_log_line(self.LIMIT_LINE.search)
        self.assertIsNotNone(line, server.log_tail())
        match = self.LIMIT_LINE.search(line)
        return int(match.group(1)), int(match.group(2))

    def open_file_limits(self, server):
        """The running server's (soft, hard) limits, as the kernel has them."""
        with open(f"/proc/{server.pid()}/limits") as f:
            for line in f:
                if line.startswith("Max open files"):
                    soft, hard = line.split()[3:5]
                    return int(soft), int(hard)
        self.fail("no 'Max open files' in /proc/PID/limits")

    def admitted_of(self, server, attempts):
        """How many of `attempts` connections opened at once get a 200 to
        /healthz (the rest are answered 503 SlowDown and closed)."""
        held, admitted = [], 0
        try:
            for _ in range(attempts):
                conn = RawConnection(server.port, timeout=30)
                held.append(conn)
                conn.send(b"GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n")
                response = conn.read_response()
                if response.status == 200:
                    admitted += 1
                else:
                    self.assertEqual(response.status, 503, response)
        finally:
            for conn in held:
                conn.close()
        return admitted

    def test_the_soft_limit_is_raised_to_the_hard_one_and_sizes_the_default(self):
        server = self.start(1024, 4096)
        self.assertEqual(self.open_file_limits(server), (4096, 4096))
        self.assertEqual(self.logged_limits(server), ((4096 - 1280) // 2, 4096))

    def test_a_small_limit_gets_the_floor_of_64_connections_and_the_65th_is_refused(self):
        server = self.start(1300, 1300)
        self.assertEqual(self.logged_limits(server), (64, 1300))
        # The readiness check's connection may not be counted out yet: retry
        # until the 65 attempts meet no stray connection.
        counts = []

        def exactly_the_floor():
            counts.append(self.admitted_of(server, 65))
            return counts[-1] == 64
        self.assertTrue(wait_for(exactly_the_floor), f"admitted per attempt: {counts}")


class SlowBodies(S3Assertions, MossTestCase):
    # A floor of 1 KiB/s that a body may fall behind by 2 s of waiting.
    server_args = ("--min-body-rate", "1KiB", "--min-body-rate-window", "2")
    bucket = "slow"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        boto3_client(cls.server).create_bucket(Bucket=cls.bucket)

    def test_trickling_upload_is_ended_with_request_timeout_and_leaves_nothing(self):
        # The no-progress timeout (120 s) never fires: a byte comes every 0.2 s.
        with RawConnection(self.server.port, timeout=30) as conn:
            conn.send(signed_head_bytes(self.server, "PUT", f"/{self.bucket}/trickle",
                                        {"Content-Length": str(MIB)}) + b"t" * 100)
            self.assertTrue(wait_for(lambda: temp_files(self.server)), "the upload never started")
            deadline = time.time() + 30
            while time.time() < deadline:
                if select.select([conn.sock], [], [], 0.2)[0]:
                    break
                conn.send(b"t")
            response = conn.read_response()
            self.assertS3Error(response, 400, "RequestTimeout")
            self.assertEqual(response.headers.get("connection"), "close")
        self.assertNotStored(self.bucket, "trickle")
        self.assertTrue(wait_for(lambda: not temp_files(self.server)), "temp file left behind")
        self.assertTrue(counted(self.server, "moss_connections_ended_total",
                                    '{reason="body_below_min_rate"}'))

    def test_a_body_at_a_steady_pace_above_the_floor_is_stored(self):
        # 64 KiB at 16 KiB every 0.25 s: well above the floor, with pauses
        # between the pieces longer than nothing.
        body = os.urandom(64 * 1024)
        with RawConnection(self.server.port, timeout=30) as conn:
            conn.send(signed_head_bytes(self.server, "PUT", f"/{self.bucket}/steady",
                                        {"Content-Length": str(len(body))}))
            for offset in range(0, len(body), 16 * 1024):
                time.sleep(0.25)
                conn.send(body[offset:offset + 16 * 1024])
            self.assertEqual(conn.read_response().status, 200)
        self.assertEqual(signed_request(self.server, "GET", f"/{self.bucket}/steady").body, body)


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
