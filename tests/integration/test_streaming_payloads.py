"""Payload integrity: aws-chunked streaming uploads (signed, signed with a
trailer, unsigned with a trailer) built by hand, so every promise a client
makes about its bytes can be broken on purpose; plus Content-MD5 and
x-amz-checksum-* headers. A correct upload stores exactly the decoded bytes;
a broken one gets its S3 error and stores nothing, not even a temporary file."""
import base64
import hashlib
import unittest

from moss_harness import MossTestCase, boto3_client
from s3_wire import (STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER,
                     UNSIGNED, RawConnection, S3Assertions, Signer, amz_date, aws_chunked,
                     checksum, request_bytes, signed_request)

ALGORITHMS = ("crc32", "crc32c", "crc64nvme", "sha1", "sha256")
CHUNK = 64 * 1024


def payload_of(size, seed=0):
    block = hashlib.sha256(f"payload-{seed}".encode()).digest()
    return (block * (size // len(block) + 1))[:size]


class StreamingPayloads(S3Assertions, MossTestCase):
    bucket = "streaming"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        boto3_client(cls.server).create_bucket(Bucket=cls.bucket)

    def streaming_put(self, key, payload, mode, trailer=None, trailer_value=None,
                      sign_trailer=True, chunk_size=CHUNK, decoded_length=None, rewrite=None,
                      corrupt_line=None, signer=None):
        """PUTs `payload` aws-chunked in `mode`. `trailer` names a checksum
        algorithm sent as trailer (its value computed unless given);
        `rewrite(body)` edits the encoded body (its length must not depend on
        signature values) and `corrupt_line(index, line)` a chunk size line."""
        signed = mode != STREAMING_UNSIGNED_TRAILER
        signer = signer or Signer()
        timestamp = amz_date()
        trailers = []
        if trailer:
            trailers = [(f"x-amz-checksum-{trailer}",
                         trailer_value if trailer_value is not None
                         else checksum(trailer, payload))]

        def encode(seed):
            body = aws_chunked(payload, chunk_size, signer if signed else None, timestamp, seed,
                               trailers, sign_trailer, corrupt_line)
            return rewrite(body) if rewrite else body

        headers = {
            "Host": f"127.0.0.1:{self.server.port}",
            "Content-Encoding": "aws-chunked",
            "x-amz-decoded-content-length": str(
                len(payload) if decoded_length is None else decoded_length),
            "Content-Length": str(len(encode("0" * 64))),
        }
        if trailer:
            headers["x-amz-trailer"] = f"x-amz-checksum-{trailer}"
        seed = signer.sign_headers("PUT", f"/{self.bucket}/{key}", (), headers, mode, timestamp)
        body = encode(seed)
        self.assertEqual(len(body), int(headers["Content-Length"]))
        with RawConnection(self.server.port) as conn:
            conn.send(request_bytes("PUT", f"/{self.bucket}/{key}", headers, body))
            return conn.read_response()

    def get(self, key, checksum_mode=False):
        headers = {"x-amz-checksum-mode": "ENABLED"} if checksum_mode else {}
        return signed_request(self.server, "GET", f"/{self.bucket}/{key}", headers=headers)

    def assertStored(self, key, payload):
        response = self.get(key)
        self.assertEqual(response.status, 200, response)
        self.assertEqual(len(response.body), len(payload))
        self.assertEqual(response.body, payload)

    def assertRejected(self, response, status, code, key):
        self.assertS3Error(response, status, code)
        self.assertNotStored(self.bucket, key)
        self.assertNoTempFiles()

    # --- correct uploads ------------------------------------------------------

    def test_signed_streaming_stores_the_decoded_bytes(self):
        for size in (0, 1, CHUNK, 3 * CHUNK + 17):
            with self.subTest(size=size):
                payload = payload_of(size, size)
                response = self.streaming_put(f"signed-{size}", payload, STREAMING_SIGNED)
                self.assertEqual(response.status, 200, response)
                self.assertEqual(response.headers["etag"],
                                 '"' + hashlib.md5(payload).hexdigest() + '"')
                self.assertStored(f"signed-{size}", payload)

    def test_signed_streaming_with_small_chunks(self):
        payload = payload_of(10000, 7)
        response = self.streaming_put("signed-small-chunks", payload, STREAMING_SIGNED,
                                      chunk_size=333)
        self.assertEqual(response.status, 200, response)
        self.assertStored("signed-small-chunks", payload)

    def test_signed_trailer_checksums_are_stored_and_returned(self):
        for algorithm in ALGORITHMS:
            with self.subTest(algorithm=algorithm):
                key = f"signed-trailer-{algorithm}"
                payload = payload_of(2 * CHUNK + 5, hash(algorithm) & 0xFFFF)
                response = self.streaming_put(key, payload, STREAMING_SIGNED_TRAILER,
                                              trailer=algorithm)
                self.assertEqual(response.status, 200, response)
                self.assertEqual(response.headers.get(f"x-amz-checksum-{algorithm}"),
                                 checksum(algorithm, payload))
                got = self.get(key, checksum_mode=True)
                self.assertEqual(got.body, payload)
                self.assertEqual(got.headers.get(f"x-amz-checksum-{algorithm}"),
                                 checksum(algorithm, payload))

    def test_unsigned_trailer_checksums_are_stored_and_returned(self):
        for algorithm in ALGORITHMS:
            with self.subTest(algorithm=algorithm):
                key = f"unsigned-trailer-{algorithm}"
                payload = payload_of(CHUNK + 100, len(algorithm))
                response = self.streaming_put(key, payload, STREAMING_UNSIGNED_TRAILER,
                                              trailer=algorithm)
                self.assertEqual(response.status, 200, response)
                got = self.get(key, checksum_mode=True)
                self.assertEqual(got.body, payload)
                self.assertEqual(got.headers.get(f"x-amz-checksum-{algorithm}"),
                                 checksum(algorithm, payload))

    def test_checksum_is_not_returned_without_checksum_mode(self):
        payload = payload_of(1000, 3)
        self.streaming_put("no-mode", payload, STREAMING_UNSIGNED_TRAILER, trailer="crc32")
        self.assertNotIn("x-amz-checksum-crc32", self.get("no-mode").headers)

    def test_boto3_streaming_upload_with_checksum(self):
        # botocore's own aws-chunked encoder (unsigned payload, crc32 trailer).
        s3 = self.s3()
        payload = payload_of(300000, 11)
        s3.put_object(Bucket=self.bucket, Key="boto3-trailer", Body=payload,
                      ChecksumAlgorithm="CRC32")
        got = s3.get_object(Bucket=self.bucket, Key="boto3-trailer", ChecksumMode="ENABLED")
        self.assertEqual(got["Body"].read(), payload)
        self.assertEqual(got["ChecksumCRC32"], checksum("crc32", payload))

    # --- broken chunk signatures ------------------------------------------------

    def test_wrong_chunk_signature_is_rejected(self):
        payload = payload_of(3 * CHUNK, 21)

        def wrong_second_signature(index, line):
            if index != 1:
                return line
            return line[:-1] + (b"0" if line[-1:] != b"0" else b"1")

        response = self.streaming_put("bad-chunk-sig", payload, STREAMING_SIGNED,
                                      corrupt_line=wrong_second_signature)
        self.assertRejected(response, 403, "SignatureDoesNotMatch", "bad-chunk-sig")

    def test_wrong_final_chunk_signature_is_rejected(self):
        payload = payload_of(CHUNK + 1, 22)

        def wrong_final_signature(index, line):
            return line if index != 2 else line[:-4] + b"abcd"

        response = self.streaming_put("bad-final-sig", payload, STREAMING_SIGNED,
                                      corrupt_line=wrong_final_signature)
        self.assertRejected(response, 403, "SignatureDoesNotMatch", "bad-final-sig")

    def test_chunks_signed_with_another_secret_are_rejected(self):
        # Headers signed correctly, chunks by someone who does not know the key.
        payload = payload_of(2 * CHUNK, 23)
        impostor = Signer(secret_key="someone-else-entirely-0000000000")
        good = Signer()
        timestamp = amz_date()
        headers = {"Host": f"127.0.0.1:{self.server.port}", "Content-Encoding": "aws-chunked",
                   "x-amz-decoded-content-length": str(len(payload))}
        headers["Content-Length"] = str(len(aws_chunked(payload, CHUNK, good, timestamp,
                                                        "0" * 64)))
        seed = good.sign_headers("PUT", f"/{self.bucket}/impostor", (), headers,
                                 STREAMING_SIGNED, timestamp)
        body = aws_chunked(payload, CHUNK, impostor, timestamp, seed)
        with RawConnection(self.server.port) as conn:
            conn.send(request_bytes("PUT", f"/{self.bucket}/impostor", headers, body))
            response = conn.read_response()
        self.assertRejected(response, 403, "SignatureDoesNotMatch", "impostor")

    def test_missing_chunk_signature_is_rejected(self):
        payload = payload_of(2 * CHUNK, 24)

        def unsigned_first(index, line):
            # Same length, so Content-Length stays right: pad the size.
            return line if index != 0 else line.split(b";")[0].rjust(len(line), b"0")

        response = self.streaming_put("missing-chunk-sig", payload, STREAMING_SIGNED,
                                      corrupt_line=unsigned_first)
        self.assertRejected(response, 403, "SignatureDoesNotMatch", "missing-chunk-sig")

    # --- broken framing ---------------------------------------------------------

    def test_chunk_size_that_is_not_hex_is_rejected(self):
        payload = payload_of(2 * CHUNK, 25)

        def bad_hex(index, line):
            return line if index != 1 else b"zz" + line[2:]

        response = self.streaming_put("bad-hex", payload, STREAMING_SIGNED, corrupt_line=bad_hex)
        self.assertRejected(response, 400, "IncompleteBody", "bad-hex")

    def test_unsigned_chunk_size_that_is_not_hex_is_rejected(self):
        payload = payload_of(2 * CHUNK, 26)
        response = self.streaming_put(
            "bad-hex-unsigned", payload, STREAMING_UNSIGNED_TRAILER, trailer="crc32",
            corrupt_line=lambda i, line: b"1g000" if i == 0 else line)
        self.assertRejected(response, 400, "IncompleteBody", "bad-hex-unsigned")

    def test_missing_crlf_after_chunk_data_is_rejected(self):
        payload = payload_of(2 * CHUNK, 27)
        first_line = len(f"{CHUNK:x};chunk-signature=".encode()) + 64 + 2

        def drop_crlf(body):
            cut = first_line + CHUNK
            assert body[cut:cut + 2] == b"\r\n"
            return body[:cut] + body[cut + 2:]

        response = self.streaming_put("no-crlf", payload, STREAMING_SIGNED, rewrite=drop_crlf)
        self.assertRejected(response, 400, "IncompleteBody", "no-crlf")

    def test_chunk_longer_than_its_size_is_rejected(self):
        payload = payload_of(CHUNK, 28)
        first_line = len(f"{CHUNK:x}".encode()) + 2

        def extra_byte(body):
            cut = first_line + CHUNK
            return body[:cut] + b"X" + body[cut:]

        response = self.streaming_put("long-chunk", payload, STREAMING_UNSIGNED_TRAILER,
                                      trailer="crc32", rewrite=extra_byte)
        self.assertRejected(response, 400, "IncompleteBody", "long-chunk")

    def test_body_cut_inside_the_encoding_is_rejected(self):
        payload = payload_of(2 * CHUNK, 29)
        response = self.streaming_put("truncated", payload, STREAMING_SIGNED,
                                      rewrite=lambda body: body[:-5])
        self.assertRejected(response, 400, "IncompleteBody", "truncated")

    def test_bytes_after_the_encoding_are_rejected(self):
        payload = payload_of(1000, 30)
        response = self.streaming_put("trailing-garbage", payload, STREAMING_SIGNED,
                                      rewrite=lambda body: body + b"garbage")
        self.assertRejected(response, 400, "IncompleteBody", "trailing-garbage")

    # --- trailers -------------------------------------------------------------------

    def test_wrong_trailer_checksum_is_bad_digest(self):
        for mode in (STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER):
            for algorithm in ALGORITHMS:
                with self.subTest(mode=mode, algorithm=algorithm):
                    key = f"bad-trailer-{algorithm}-{mode}".lower()
                    payload = payload_of(CHUNK + 9, 31)
                    wrong = checksum(algorithm, payload + b"!")
                    response = self.streaming_put(key, payload, mode, trailer=algorithm,
                                                  trailer_value=wrong)
                    self.assertRejected(response, 400, "BadDigest", key)

    def test_malformed_trailer_checksum_value_is_invalid_request(self):
        payload = payload_of(1000, 32)
        response = self.streaming_put("bad-trailer-value", payload, STREAMING_UNSIGNED_TRAILER,
                                      trailer="crc32", trailer_value="not base64!")
        self.assertRejected(response, 400, "InvalidRequest", "bad-trailer-value")

    def test_wrong_trailer_signature_is_rejected(self):
        payload = payload_of(CHUNK + 9, 33)

        def wrong_trailer_signature(body):
            marker = b"x-amz-trailer-signature:"
            at = body.index(marker) + len(marker)
            flipped = b"0" if body[at:at + 1] != b"0" else b"1"
            return body[:at] + flipped + body[at + 1:]

        response = self.streaming_put("bad-trailer-sig", payload, STREAMING_SIGNED_TRAILER,
                                      trailer="sha256", rewrite=wrong_trailer_signature)
        self.assertRejected(response, 403, "SignatureDoesNotMatch", "bad-trailer-sig")

    def test_trailer_changed_after_signing_is_rejected(self):
        # The signed trailer carries the right checksum of other bytes.
        payload = payload_of(5000, 34)
        right = checksum("crc32", payload)
        forged = checksum("crc32", b"forged")

        def swap_checksum(body):
            return body.replace(right.encode(), forged.encode())

        response = self.streaming_put("swapped-trailer", payload, STREAMING_SIGNED_TRAILER,
                                      trailer="crc32", rewrite=swap_checksum)
        self.assertRejected(response, 403, "SignatureDoesNotMatch", "swapped-trailer")

    def test_missing_trailer_signature_is_rejected(self):
        payload = payload_of(5000, 35)
        response = self.streaming_put("unsigned-trailer-in-signed-mode", payload,
                                      STREAMING_SIGNED_TRAILER, trailer="crc32",
                                      sign_trailer=False)
        self.assertRejected(response, 403, "SignatureDoesNotMatch",
                            "unsigned-trailer-in-signed-mode")

    def test_announced_trailer_that_never_comes_is_rejected(self):
        # x-amz-trailer announces a CRC32; the body ends with a SHA-1 instead.
        payload = payload_of(5000, 36)
        timestamp = amz_date()
        headers = {"Host": f"127.0.0.1:{self.server.port}", "Content-Encoding": "aws-chunked",
                   "x-amz-decoded-content-length": str(len(payload)),
                   "x-amz-trailer": "x-amz-checksum-crc32"}
        body = aws_chunked(payload, CHUNK,
                           trailers=[("x-amz-checksum-sha1", checksum("sha1", payload))])
        headers["Content-Length"] = str(len(body))
        Signer().sign_headers("PUT", f"/{self.bucket}/no-trailer", (), headers,
                              STREAMING_UNSIGNED_TRAILER, timestamp)
        with RawConnection(self.server.port) as conn:
            conn.send(request_bytes("PUT", f"/{self.bucket}/no-trailer", headers, body))
            response = conn.read_response()
        self.assertRejected(response, 400, "InvalidRequest", "no-trailer")

    # --- decoded length -------------------------------------------------------------

    def test_decoded_length_larger_than_the_payload_is_rejected(self):
        payload = payload_of(CHUNK, 37)
        response = self.streaming_put("short-payload", payload, STREAMING_SIGNED,
                                      decoded_length=len(payload) + 1)
        self.assertRejected(response, 400, "IncompleteBody", "short-payload")

    def test_decoded_length_smaller_than_the_payload_is_rejected(self):
        payload = payload_of(2 * CHUNK, 38)
        response = self.streaming_put("long-payload", payload, STREAMING_SIGNED,
                                      decoded_length=CHUNK)
        self.assertRejected(response, 400, "IncompleteBody", "long-payload")

    def test_unsigned_trailer_decoded_length_mismatch_is_rejected(self):
        payload = payload_of(1000, 39)
        response = self.streaming_put("unsigned-length", payload, STREAMING_UNSIGNED_TRAILER,
                                      trailer="crc32c", decoded_length=999)
        self.assertRejected(response, 400, "IncompleteBody", "unsigned-length")

    # --- Content-MD5 and x-amz-checksum-* headers --------------------------------

    def plain_put(self, key, body, headers):
        return signed_request(self.server, "PUT", f"/{self.bucket}/{key}", body=body,
                              headers=headers, payload_hash=UNSIGNED)

    def test_correct_content_md5_is_accepted(self):
        body = payload_of(4000, 40)
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        response = self.plain_put("md5-ok", body, {"Content-MD5": md5})
        self.assertEqual(response.status, 200, response)
        self.assertStored("md5-ok", body)

    def test_wrong_content_md5_is_bad_digest(self):
        body = payload_of(4000, 41)
        md5 = base64.b64encode(hashlib.md5(body + b"x").digest()).decode()
        self.assertRejected(self.plain_put("md5-wrong", body, {"Content-MD5": md5}), 400,
                            "BadDigest", "md5-wrong")

    def test_malformed_content_md5_is_invalid_digest(self):
        for value in ("not-base64!!", base64.b64encode(b"short").decode()):
            with self.subTest(value=value):
                response = self.plain_put("md5-malformed", payload_of(100, 42),
                                          {"Content-MD5": value})
                self.assertRejected(response, 400, "InvalidDigest", "md5-malformed")

    def test_correct_checksum_header_is_accepted(self):
        for algorithm in ALGORITHMS:
            with self.subTest(algorithm=algorithm):
                body = payload_of(3000, 43)
                response = self.plain_put(f"header-{algorithm}", body,
                                          {f"x-amz-checksum-{algorithm}": checksum(algorithm,
                                                                                   body)})
                self.assertEqual(response.status, 200, response)
                got = self.get(f"header-{algorithm}", checksum_mode=True)
                self.assertEqual(got.body, body)
                self.assertEqual(got.headers.get(f"x-amz-checksum-{algorithm}"),
                                 checksum(algorithm, body))

    def test_wrong_checksum_header_is_bad_digest(self):
        for algorithm in ALGORITHMS:
            with self.subTest(algorithm=algorithm):
                body = payload_of(3000, 44)
                key = f"header-wrong-{algorithm}"
                response = self.plain_put(key, body, {
                    f"x-amz-checksum-{algorithm}": checksum(algorithm, body[1:])})
                self.assertRejected(response, 400, "BadDigest", key)

    def test_malformed_checksum_header_is_invalid_request(self):
        for value in ("%%%", base64.b64encode(b"12345").decode()):
            with self.subTest(value=value):
                response = self.plain_put("crc32-malformed", payload_of(100, 45),
                                          {"x-amz-checksum-crc32": value})
                self.assertRejected(response, 400, "InvalidRequest", "crc32-malformed")


if __name__ == "__main__":
    unittest.main()
