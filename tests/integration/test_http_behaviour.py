"""HTTP/1.1 as moss speaks it: keep-alive and pipelining, Expect:
100-continue (including early rejection), chunked request bodies, limits and
timeouts on heads and bodies, request ids on every response, malformed input,
clients that vanish mid-upload, and a graceful SIGTERM."""
import base64
import hashlib
import json
import os
import signal
import socket
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from botocore.exceptions import ClientError

from moss_harness import (ACCESS_KEY, SECRET_KEY, MossServer, MossTestCase, boto3_client,
                          wait_for)
from s3_wire import (UNSIGNED, RawConnection, S3Assertions, Signer, request_bytes,
                     signed_head_bytes, signed_request, temp_files)

TIMEOUT_FLAGS = ("--idle-timeout", "2", "--header-timeout", "2", "--io-timeout", "2")
IDLE_TIMEOUT = HEADER_TIMEOUT = 2.0


def http_chunked(data, sizes):
    out = bytearray()
    pos = 0
    for size in sizes:
        piece = data[pos:pos + size]
        pos += size
        out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    assert pos >= len(data)
    return bytes(out) + b"0\r\n\r\n"


class HttpBehaviour(S3Assertions, MossTestCase):
    server_args = TIMEOUT_FLAGS
    bucket = "http"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s3 = boto3_client(cls.server)
        s3.create_bucket(Bucket=cls.bucket)
        s3.put_object(Bucket=cls.bucket, Key="small", Body=b"small object")

    def request(self, method, path, **kwargs):
        return signed_request(self.server, method, path, **kwargs)

    # --- clients that hang up ----------------------------------------------------

    def test_clients_hanging_up_during_large_gets_do_not_stop_the_server(self):
        # sendfile(2) on a socket the peer has closed raises SIGPIPE; the server
        # must treat it as one lost connection.
        self.s3().put_object(Bucket=self.bucket, Key="large", Body=os.urandom(32 << 20))
        for _ in range(8):
            sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
            sock.sendall(signed_head_bytes(self.server, "GET", f"/{self.bucket}/large", {}))
            sock.recv(65536)  # the head and the first bytes, then go away abruptly
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            sock.close()
        time.sleep(0.5)
        self.assertIsNone(self.server.process.poll(), "moss died:\n" + self.server.log_tail())
        response = self.request("GET", f"/{self.bucket}/small")
        self.assertEqual((response.status, response.body), (200, b"small object"))
        self.assertIsNotNone(
            self.server.wait_for_log_line(lambda line: '"error":"ConnectionLost"' in line),
            "no ConnectionLost in the log:\n" + self.server.log_tail())

    # --- connection reuse -------------------------------------------------------

    def test_keep_alive_serves_several_requests_on_one_connection(self):
        with RawConnection(self.server.port) as conn:
            put = self.request("PUT", f"/{self.bucket}/ka", body=b"keep me", conn=conn)
            get = self.request("GET", f"/{self.bucket}/ka", conn=conn)
            head = self.request("HEAD", f"/{self.bucket}/ka", conn=conn)
            missing = self.request("GET", f"/{self.bucket}/no-such-key", conn=conn)
            again = self.request("GET", f"/{self.bucket}/ka", conn=conn)
        self.assertEqual([r.status for r in (put, get, head, missing, again)],
                         [200, 200, 200, 404, 200])
        self.assertEqual(get.body, b"keep me")
        self.assertEqual(again.body, b"keep me")
        self.assertEqual(head.headers["content-length"], "7")
        self.assertS3Error(missing, 404, "NoSuchKey")
        for response in (put, get, head, missing, again):
            self.assertNotEqual(response.headers.get("connection"), "close", response)

    def test_pipelined_requests_are_answered_in_order(self):
        self.request("PUT", f"/{self.bucket}/pipe-a", body=b"A" * 10)
        self.request("PUT", f"/{self.bucket}/pipe-b", body=b"B" * 20)
        with RawConnection(self.server.port) as conn:
            conn.send(signed_head_bytes(self.server, "GET", f"/{self.bucket}/pipe-a", {}) +
                      signed_head_bytes(self.server, "GET", f"/{self.bucket}/pipe-b", {}) +
                      signed_head_bytes(self.server, "GET", f"/{self.bucket}/pipe-a", {}))
            bodies = [conn.read_response().body for _ in range(3)]
        self.assertEqual(bodies, [b"A" * 10, b"B" * 20, b"A" * 10])

    def test_rejected_upload_still_gets_its_error_after_sending_the_whole_body(self):
        # Clients without Expect (urllib, requests) send the whole body before
        # reading the answer. The server rejects the request at its head;
        # closing with the body unread would reset the connection, and the
        # client would see "connection reset" instead of the S3 error.
        body = os.urandom(16 << 20)
        signer = Signer(secret_key="wrong-secret-wrong-secret-wrong-00")
        with RawConnection(self.server.port, timeout=30) as conn:
            conn.send(signed_head_bytes(self.server, "PUT", f"/{self.bucket}/rejected-big",
                                        {"Content-Length": str(len(body))}, signer=signer))
            conn.send(body)
            response = conn.read_response()
        self.assertS3Error(response, 403, "SignatureDoesNotMatch")
        self.assertEqual(response.headers.get("connection"), "close")
        self.assertNotStored(self.bucket, "rejected-big")

    def test_connection_stays_usable_after_a_rejected_body(self):
        # The server had to read the whole body to find its digest wrong:
        # nothing of it is left on the connection, which serves the next request.
        with RawConnection(self.server.port) as conn:
            bad = self.request("PUT", f"/{self.bucket}/digest", body=b"x" * 1000,
                               headers={"Content-MD5": base64.b64encode(b"0" * 16).decode()},
                               payload_hash=UNSIGNED, conn=conn)
            self.assertS3Error(bad, 400, "BadDigest")
            self.assertNotEqual(bad.headers.get("connection"), "close", bad)
            again = self.request("GET", f"/{self.bucket}/small", conn=conn)
            self.assertEqual((again.status, again.body), (200, b"small object"))
        self.assertNotStored(self.bucket, "digest")

    def test_connection_closes_after_a_body_rejected_unread(self):
        # Rejected at its head, the body is never read: its bytes would be
        # parsed as the next request, so the answer says "close" and the
        # server ends the connection (after draining what the client sends)
        # without answering the request pipelined behind the body.
        body = b"GET /http/small HTTP/1.1\r\n\r\n" * 1000
        signer = Signer(secret_key="wrong-secret-wrong-secret-wrong-00")
        with RawConnection(self.server.port, timeout=10) as conn:
            conn.send(signed_head_bytes(self.server, "PUT", f"/{self.bucket}/rejected-unread",
                                        {"Content-Length": str(len(body))}, signer=signer)
                      + body + signed_head_bytes(self.server, "GET", f"/{self.bucket}/small", {}))
            rejected = conn.read_response()
            self.assertS3Error(rejected, 403, "SignatureDoesNotMatch")
            self.assertEqual(rejected.headers.get("connection"), "close", rejected)
            rest = bytes(conn.buffer)
            while chunk := conn.sock.recv(65536):
                rest += chunk
            self.assertEqual(rest, b"", "the server answered past a rejected body")
        self.assertNotStored(self.bucket, "rejected-unread")

    # --- Expect: 100-continue ---------------------------------------------------

    def test_expect_continue_gets_100_before_the_body_is_sent(self):
        body = os.urandom(300000)
        with RawConnection(self.server.port) as conn:
            conn.send(signed_head_bytes(self.server, "PUT", f"/{self.bucket}/continued",
                                  {"Content-Length": str(len(body)), "Expect": "100-continue"}))
            interim = conn.read_response()
            self.assertEqual(interim.status, 100)
            conn.send(body)
            final = conn.read_response()
            self.assertEqual(final.status, 200, final)
            self.assertEqual(final.headers["etag"], '"' + hashlib.md5(body).hexdigest() + '"')
        self.assertEqual(self.request("GET", f"/{self.bucket}/continued").body, body)

    def test_expect_continue_with_bad_signature_is_rejected_without_the_body(self):
        signer = Signer(secret_key="wrong-secret-wrong-secret-wrong-00")
        with RawConnection(self.server.port, timeout=10) as conn:
            conn.send(signed_head_bytes(self.server, "PUT", f"/{self.bucket}/never-sent",
                                  {"Content-Length": str(50 << 20), "Expect": "100-continue"},
                                  signer=signer))
            response = conn.read_response()  # no body sent: must not wait for it
            self.assertS3Error(response, 403, "SignatureDoesNotMatch")
            self.assertEqual(response.headers.get("connection"), "close")
        self.assertNotStored(self.bucket, "never-sent")
        self.assertNoTempFiles()

    def test_expect_continue_to_missing_bucket_is_rejected_without_the_body(self):
        with RawConnection(self.server.port, timeout=10) as conn:
            conn.send(signed_head_bytes(self.server, "PUT", "/no-such-bucket-here/k",
                                  {"Content-Length": str(1 << 20), "Expect": "100-continue"}))
            self.assertS3Error(conn.read_response(), 404, "NoSuchBucket")

    def test_expect_continue_answered_early_closes_the_connection(self):
        # The client may still send the body after a final status; it must
        # not be read as the next request.
        with RawConnection(self.server.port, timeout=10) as conn:
            conn.send(signed_head_bytes(self.server, "PUT", "/no-such-bucket-here/k",
                                        {"Content-Length": "0", "Expect": "100-continue"}))
            response = conn.read_response()
            self.assertS3Error(response, 404, "NoSuchBucket")
            self.assertEqual(response.headers.get("connection"), "close")
            self.assertTrue(conn.closed_by_server(timeout=10))

    def test_boto3_reuses_connections_across_empty_and_rejected_puts(self):
        # botocore sends "Expect: 100-continue" on every PutObject and keeps
        # the connection; a final answer without a 100 on a connection left
        # open made its next request on that connection hang.
        s3 = self.s3(read_timeout=10)
        with self.assertRaises(ClientError) as caught:
            s3.put_object(Bucket="no-such-bucket-here", Key="k", Body=b"")
        self.assertS3Error(caught.exception, 404, "NoSuchBucket")
        for key, body in (("empty", b""), ("one", b"1"), ("empty2", b""), ("two", b"22")):
            s3.put_object(Bucket=self.bucket, Key=key, Body=body)
            self.assertEqual(s3.get_object(Bucket=self.bucket, Key=key)["Body"].read(), body)

    # --- chunked transfer coding ---------------------------------------------------

    def test_chunked_transfer_encoding_put_with_unsigned_payload(self):
        body = os.urandom(200000)
        with RawConnection(self.server.port) as conn:
            conn.send(signed_head_bytes(self.server, "PUT", f"/{self.bucket}/te-chunked",
                                  {"Transfer-Encoding": "chunked"}) +
                      http_chunked(body, [1, 65536, 1000, 200000]))
            response = conn.read_response()
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.headers["etag"], '"' + hashlib.md5(body).hexdigest() + '"')
        self.assertEqual(self.request("GET", f"/{self.bucket}/te-chunked").body, body)

    def test_chunked_transfer_encoding_put_with_payload_hash(self):
        body = os.urandom(100000)
        with RawConnection(self.server.port) as conn:
            conn.send(signed_head_bytes(self.server, "PUT", f"/{self.bucket}/te-hashed",
                                  {"Transfer-Encoding": "chunked"},
                                  payload_hash=hashlib.sha256(body).hexdigest()) +
                      http_chunked(body, [50000, 50000]))
            self.assertEqual(conn.read_response().status, 200)
        self.assertEqual(self.request("GET", f"/{self.bucket}/te-hashed").body, body)

    def test_chunked_transfer_encoding_with_wrong_payload_hash_stores_nothing(self):
        body = os.urandom(100000)
        with RawConnection(self.server.port) as conn:
            conn.send(signed_head_bytes(self.server, "PUT", f"/{self.bucket}/te-wrong",
                                  {"Transfer-Encoding": "chunked"},
                                  payload_hash=hashlib.sha256(b"other").hexdigest()) +
                      http_chunked(body, [50000, 50000]))
            self.assertS3Error(conn.read_response(), 400, "XAmzContentSHA256Mismatch")
        self.assertNotStored(self.bucket, "te-wrong")
        self.assertNoTempFiles()

    def test_malformed_chunked_transfer_encoding_stores_nothing(self):
        with RawConnection(self.server.port) as conn:
            conn.send(signed_head_bytes(self.server, "PUT", f"/{self.bucket}/te-bad",
                                  {"Transfer-Encoding": "chunked"}) +
                      b"10\r\n0123456789abcdef\r\nzz\r\nmore\r\n0\r\n\r\n")
            self.assertS3Error(conn.read_response(), 400, "IncompleteBody")
        self.assertNotStored(self.bucket, "te-bad")
        self.assertNoTempFiles()

    # --- limits and malformed input ------------------------------------------------

    def test_oversized_request_headers_are_rejected(self):
        with RawConnection(self.server.port) as conn:
            conn.send(signed_head_bytes(self.server, "GET", f"/{self.bucket}/small",
                                  {"x-amz-meta-big": "a" * 40000}))
            response = conn.read_response()
        self.assertS3Error(response, 400, "RequestHeaderSectionTooLarge")

    def test_many_headers_beyond_the_limit_are_rejected(self):
        headers = {f"x-amz-meta-h{i}": "v" * 100 for i in range(400)}
        with RawConnection(self.server.port) as conn:
            conn.send(request_bytes("GET", f"/{self.bucket}/small",
                                    dict(headers, Host="127.0.0.1")))
            self.assertS3Error(conn.read_response(), 400, "RequestHeaderSectionTooLarge")

    def test_garbage_request_line_is_bad_request(self):
        for garbage in (b"HELLO\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTX/1.1\r\n\r\n",
                        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64)):
            with self.subTest(garbage=garbage[:16]):
                with RawConnection(self.server.port) as conn:
                    conn.send(garbage + b"\r\n\r\n")
                    response = conn.read_response()
                self.assertEqual(response.status, 400, response)
                self.assertS3Error(response, 400, "InvalidRequest")
                self.assertEqual(response.headers.get("connection"), "close")

    def test_malformed_xml_in_delete_objects(self):
        for body in (b"<Delete><Object><Key>a</Key>", b"not xml at all",
                     b"<NotDelete><Object><Key>a</Key></Object></NotDelete>"):
            with self.subTest(body=body):
                md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
                response = self.request("POST", f"/{self.bucket}", query=[("delete", "")],
                                        body=body, headers={"Content-MD5": md5})
                self.assertS3Error(response, 400, "MalformedXML")
        self.assertEqual(self.request("GET", f"/{self.bucket}/small").status, 200)

    def test_every_response_carries_a_request_id(self):
        responses = [
            self.request("PUT", f"/{self.bucket}/rid", body=b"x"),
            self.request("GET", f"/{self.bucket}/rid"),
            self.request("HEAD", f"/{self.bucket}/rid"),
            self.request("GET", "/"),
            self.request("GET", f"/{self.bucket}", query=[("list-type", "2")]),
            self.request("DELETE", f"/{self.bucket}/rid"),
            self.request("GET", f"/{self.bucket}/rid"),                  # 404
            self.request("HEAD", f"/{self.bucket}/rid"),                 # 404, no body
            self.request("GET", f"/{self.bucket}/small",
                         signer=Signer(secret_key="wrong-secret-000000000000")),  # 403
            self.request("GET", f"/{self.bucket}/small", headers={"Range": "bytes=900-"}),
        ]
        with RawConnection(self.server.port) as conn:  # anonymous
            conn.send(request_bytes("GET", "/", {"Host": "x"}))
            responses.append(conn.read_response())
        with RawConnection(self.server.port) as conn:  # unparseable
            conn.send(b"BROKEN\r\n\r\n")
            responses.append(conn.read_response())
        with urllib.request.urlopen(self.server.endpoint + "/healthz", timeout=5) as r:
            health_id = r.headers.get("x-amz-request-id")
        self.assertEqual([r.status for r in responses],
                         [200, 200, 200, 200, 200, 204, 404, 404, 403, 416, 403, 400])
        ids = [r.headers.get("x-amz-request-id") for r in responses] + [health_id]
        for response, request_id in zip(responses + [None], ids):
            self.assertTrue(request_id, f"no x-amz-request-id on {response}")
        self.assertEqual(len(set(ids)), len(ids), "request ids must be unique")

    # --- timeouts ---------------------------------------------------------------------

    def test_idle_keep_alive_connection_is_closed_after_the_idle_timeout(self):
        with RawConnection(self.server.port) as conn:
            self.assertEqual(self.request("GET", f"/{self.bucket}/small", conn=conn).status, 200)
            self.assertTrue(conn.closed_by_server(timeout=30))

    # The lower bounds: a connection quiet for less than a timeout keeps
    # working. "Less than" is measured from before the server could have
    # started its clock (before sending the previous request, before
    # connecting); an attempt this machine made too slow to stay under the
    # timeout proves nothing and is made again.
    def usable_after_a_pause(self, attempt):
        """attempt(pause_until) -> (seconds quiet at most, response), the
        response being None when the server had closed the connection."""
        for _ in range(5):
            quiet, response = attempt(IDLE_TIMEOUT / 2)
            if quiet < IDLE_TIMEOUT:
                return quiet, response
        self.fail("five attempts to keep a connection quiet for less than the timeout failed")

    def test_a_connection_idle_for_less_than_the_idle_timeout_is_still_usable(self):
        def attempt(pause):
            with RawConnection(self.server.port) as conn:
                before = time.monotonic()
                self.assertEqual(self.request("GET", f"/{self.bucket}/small", conn=conn).status,
                                 200)
                time.sleep(pause)  # the idle time under test
                quiet = time.monotonic() - before
                try:
                    return quiet, self.request("GET", f"/{self.bucket}/small", conn=conn)
                except (ConnectionError, OSError):
                    return quiet, None
        quiet, response = self.usable_after_a_pause(attempt)
        self.assertIsNotNone(response, f"closed after at most {quiet:.2f}s idle, "
                             f"under the {IDLE_TIMEOUT}s idle timeout")
        self.assertEqual(response.status, 200)

    def test_a_request_head_sent_slower_but_within_the_header_timeout_is_served(self):
        head = signed_head_bytes(self.server, "GET", f"/{self.bucket}/small", {})

        def attempt(pause):
            before = time.monotonic()
            with RawConnection(self.server.port) as conn:
                conn.send(head[:len(head) // 2])
                time.sleep(pause)  # the head is incomplete for this long
                quiet = time.monotonic() - before
                try:
                    conn.send(head[len(head) // 2:])
                    return quiet, conn.read_response()
                except (ConnectionError, OSError):
                    return quiet, None
        quiet, response = self.usable_after_a_pause(attempt)
        self.assertIsNotNone(response, f"closed after at most {quiet:.2f}s with a partial head, "
                             f"under the {HEADER_TIMEOUT}s header timeout")
        self.assertEqual(response.status, 200)

    def test_incomplete_request_head_is_closed_after_the_header_timeout(self):
        with RawConnection(self.server.port) as conn:
            conn.send(b"GET /http/small HTTP/1.1\r\nHost: x\r\n")
            self.assertTrue(conn.closed_by_server(timeout=30))

    def test_stalled_request_body_is_aborted_after_the_io_timeout(self):
        with RawConnection(self.server.port, timeout=30) as conn:
            conn.send(signed_head_bytes(self.server, "PUT", f"/{self.bucket}/stalled",
                                  {"Content-Length": str(1 << 20)}) + b"s" * 10000)
            self.assertTrue(wait_for(lambda: temp_files(self.server)),
                            "the upload never started")
            response = conn.read_response()  # no more bytes are coming
            self.assertS3Error(response, 400, "RequestTimeout")
            self.assertEqual(response.headers.get("connection"), "close")
            self.assertTrue(conn.closed_by_server(timeout=30))
        self.assertNotStored(self.bucket, "stalled")
        self.assertNoTempFiles()

    def test_client_that_does_not_read_its_response_is_disconnected(self):
        # A GET whose reader stalls: the server gives up after the io timeout
        # instead of holding the request (and its open blob) forever.
        self.s3().put_object(Bucket=self.bucket, Key="unread", Body=os.urandom(32 << 20))
        with RawConnection(self.server.port, timeout=30) as conn:
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            conn.send(signed_head_bytes(self.server, "GET", f"/{self.bucket}/unread", {}))
            self.assertEqual(conn.read_response(head_only=True).status, 200)
            # Not reading any further: the request must end on its own.
            self.assertTrue(wait_for(lambda: self.server.requests_in_flight() == 0, timeout=30),
                            "the stalled GET is still being served")
        self.assertEqual(self.request("GET", f"/{self.bucket}/small").status, 200)

    # --- vanishing clients ---------------------------------------------------------

    def test_client_disconnecting_mid_put_stores_nothing(self):
        conn = RawConnection(self.server.port)
        conn.send(signed_head_bytes(self.server, "PUT", f"/{self.bucket}/half",
                              {"Content-Length": str(4 << 20)}) + os.urandom(1 << 20))
        self.assertTrue(wait_for(lambda: temp_files(self.server)), "the upload never started")
        conn.close()
        self.assertTrue(wait_for(lambda: not temp_files(self.server)),
                        f"temporary files left: {temp_files(self.server)}")
        self.assertNotStored(self.bucket, "half")
        self.assertEqual(self.request("GET", f"/{self.bucket}/small").status, 200)

    def test_client_disconnecting_mid_chunked_put_stores_nothing(self):
        conn = RawConnection(self.server.port)
        conn.send(signed_head_bytes(self.server, "PUT", f"/{self.bucket}/half-chunked",
                              {"Transfer-Encoding": "chunked"}) +
                  b"100000\r\n" + os.urandom(1 << 20) + b"\r\n100000\r\n" + b"x" * 1000)
        self.assertTrue(wait_for(lambda: temp_files(self.server)), "the upload never started")
        conn.sock.shutdown(socket.SHUT_WR)
        self.assertTrue(wait_for(lambda: not temp_files(self.server)))
        conn.close()
        self.assertNotStored(self.bucket, "half-chunked")


class GracefulShutdown(S3Assertions, unittest.TestCase):
    """SIGTERM: stop accepting, let requests in flight finish, exit 0."""

    def setUp(self):
        self.server = MossServer().start()
        self.s3 = boto3_client(self.server)
        self.s3.create_bucket(Bucket="shutdown")

    def tearDown(self):
        self.server.cleanup()

    def test_requests_in_flight_finish_after_sigterm(self):
        big = os.urandom(48 << 20)
        self.s3.put_object(Bucket="shutdown", Key="big", Body=big)
        upload = os.urandom(8 << 20)

        # A GET whose reader is slow, and a PUT whose writer is slow.
        reader = RawConnection(self.server.port, timeout=30)
        reader.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        reader.send(signed_head_bytes(self.server, "GET", "/shutdown/big", {}))
        writer = RawConnection(self.server.port, timeout=30)
        writer.send(signed_head_bytes(self.server, "PUT", "/shutdown/uploaded",
                                {"Content-Length": str(len(upload))}) + upload[:1 << 20])
        self.assertTrue(wait_for(lambda: self.server.requests_in_flight() >= 2),
                        "requests not in flight")

        self.server.send_signal(signal.SIGTERM)

        def refused():
            try:
                socket.create_connection(("127.0.0.1", self.server.port), timeout=2).close()
                return False
            except (ConnectionRefusedError, ConnectionResetError):
                return True  # reset: queued in the backlog when the listener closed
        self.assertTrue(wait_for(refused), "new connections still accepted after SIGTERM")

        writer.send(upload[1 << 20:])
        put = writer.read_response()
        self.assertEqual(put.status, 200, put)
        self.assertEqual(put.headers.get("connection"), "close")
        writer.close()

        got = reader.read_response()
        reader.close()
        self.assertEqual(got.status, 200)
        self.assertEqual(hashlib.sha256(got.body).digest(), hashlib.sha256(big).digest())

        self.assertEqual(self.server.wait_for_exit(timeout=60), 0, self.server.log_tail())
        self.server.stop()
        self.server.start()
        self.s3 = boto3_client(self.server)
        self.assertEqual(
            self.s3.get_object(Bucket="shutdown", Key="uploaded")["Body"].read(), upload)

    def test_readyz_stops_answering_ready_once_sigterm_arrives(self):
        def readyz():
            """200 or 503, or "refused" for a connection refused or reset."""
            try:
                with urllib.request.urlopen(self.server.endpoint + "/readyz", timeout=5) as r:
                    return r.status
            except urllib.error.HTTPError as e:
                return e.code
            except (ConnectionRefusedError, ConnectionResetError):
                return "refused"
            except urllib.error.URLError as e:
                if isinstance(e.reason, (ConnectionRefusedError, ConnectionResetError)):
                    return "refused"
                raise

        self.assertEqual(readyz(), 200)
        upload = os.urandom(4 << 20)
        writer = RawConnection(self.server.port, timeout=30)
        writer.send(signed_head_bytes(self.server, "PUT", "/shutdown/slow",
                                      {"Content-Length": str(len(upload))}) + upload[:1 << 20])
        self.assertTrue(wait_for(lambda: self.server.requests_in_flight() >= 1))

        self.server.send_signal(signal.SIGTERM)
        self.assertTrue(wait_for(lambda: readyz() != 200), "still ready after SIGTERM")
        # Not ready for as long as the upload is in flight (a probe cannot
        # reach the closed listener, or is told 503), and not gone either.
        for _ in range(10):
            self.assertIn(readyz(), (503, "refused"))
            self.assertIsNone(self.server.process.poll(), "exited with a request in flight")
        writer.send(upload[1 << 20:])
        self.assertEqual(writer.read_response().status, 200)
        writer.close()
        self.assertEqual(self.server.wait_for_exit(timeout=20), 0, self.server.log_tail())

    def test_during_the_shutdown_delay_readyz_is_503_and_requests_are_still_served(self):
        self.server.cleanup()
        self.server = MossServer(extra_args=["--shutdown-delay", "30"]).start()
        s3 = boto3_client(self.server)
        s3.create_bucket(Bucket="draining")
        self.server.send_signal(signal.SIGTERM)
        self.assertIsNotNone(self.server.wait_for_log_line(
            lambda line: "draining for 30 s" in line, timeout=10), self.server.log_tail())
        # Not ready, and says why; yet a client that still picks this instance
        # (a new connection) is served, and told not to keep the connection.
        connection = RawConnection(self.server.port)
        connection.send(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        response = connection.read_response()
        connection.close()
        self.assertEqual(response.status, 503)
        self.assertEqual(response.body, b"not ready: shutting down\n")
        s3.put_object(Bucket="draining", Key="late", Body=b"served while draining")
        writer = RawConnection(self.server.port)
        self.assertEqual(signed_request(self.server, "GET", "/draining/late", conn=writer).status,
                         200)
        self.assertTrue(writer.closed_by_server(timeout=10), "keep-alive while draining")
        writer.close()
        self.assertIsNone(self.server.process.poll(), "exited before the shutdown delay")
        # A second signal ends the delay at once.
        self.server.send_signal(signal.SIGTERM)
        self.server.wait_for_exit(timeout=20)
        self.server.stop()
        self.server.start()
        self.assertEqual(boto3_client(self.server).get_object(
            Bucket="draining", Key="late")["Body"].read(), b"served while draining")
        # The restarted server has the same delay, and a second signal ends it
        # at once. The second is sent once the first has been taken: two sent
        # back to back can reach the process as one (a pending signal is not
        # queued twice), which would leave the whole delay to run.
        self.server.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        while self.server.log_text().count("draining for 30 s") < 2:
            self.assertLess(time.monotonic(), deadline, self.server.log_tail())
            time.sleep(0.1)
        self.server.send_signal(signal.SIGTERM)
        self.assertEqual(self.server.wait_for_exit(timeout=20), 0, self.server.log_tail())

    def test_a_request_still_in_flight_when_the_grace_period_ends_is_cut(self):
        self.server.cleanup()
        self.server = MossServer(extra_args=["--shutdown-grace", "1"]).start()
        boto3_client(self.server).create_bucket(Bucket="shutdown")
        upload = os.urandom(4 << 20)
        writer = RawConnection(self.server.port, timeout=30)
        writer.send(signed_head_bytes(self.server, "PUT", "/shutdown/stalled",
                                      {"Content-Length": str(len(upload))}) + upload[:1 << 20])
        self.assertTrue(wait_for(lambda: self.server.requests_in_flight() >= 1))
        # The writer stalls (the server would wait --io-timeout, 120 s, for
        # it); after SIGTERM the grace period of 1 s ends it.
        self.server.send_signal(signal.SIGTERM)
        self.assertEqual(self.server.wait_for_exit(timeout=20), 0, self.server.log_tail())
        self.assertIn("shutdown grace period over; stopping with requests in flight",
                      self.server.log_text())
        with self.assertRaises(ConnectionError):  # cut: no answer
            writer.read_response()
        writer.close()
        self.server.stop()
        self.server.start()
        self.assertNotStored("shutdown", "stalled")
        self.assertNoTempFiles()

    def test_idle_connections_do_not_delay_exit(self):
        idle = RawConnection(self.server.port)
        self.assertEqual(signed_request(self.server, "GET", "/", conn=idle).status, 200)
        self.server.send_signal(signal.SIGTERM)
        self.assertTrue(idle.closed_by_server(timeout=20))
        idle.close()
        self.assertEqual(self.server.wait_for_exit(timeout=20), 0, self.server.log_tail())

    def test_exits_with_a_credentials_file_being_watched(self):
        # The credentials reload timer must not keep a stopped server alive.
        self.server.cleanup()
        fd, credentials = tempfile.mkstemp(suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump({"keys": [{"access_key_id": ACCESS_KEY,
                                 "secret_access_key": SECRET_KEY, "name": "test"}]}, f)
        self.addCleanup(os.unlink, credentials)
        self.server = MossServer(credentials=False,
                                 extra_args=["--credentials", credentials,
                                             "--credentials-reload", "1"]).start()
        self.assertEqual(signed_request(self.server, "GET", "/").status, 200)
        self.server.send_signal(signal.SIGTERM)
        self.assertEqual(self.server.wait_for_exit(timeout=20), 0, self.server.log_tail())


if __name__ == "__main__":
    unittest.main()
