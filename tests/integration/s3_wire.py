"""Hand-built S3 requests for the robustness tests: a small SigV4 signer
(headers, presigned URLs, aws-chunked chunk and trailer signatures), a raw
HTTP/1.1 connection that sends exactly the bytes a test wants (broken framing,
stalls, disconnects), the checksums S3 trailers use, and assertions on S3 error
responses and on what the server left in its data directory.

SDKs always send well-formed requests; these helpers exist to send the other
kind.
"""

import base64
import datetime
import hashlib
import hmac
import os
import socket
import time
import urllib.parse
import xml.etree.ElementTree as ET
import zlib

from moss_harness import ACCESS_KEY, REGION, SECRET_KEY

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED = "UNSIGNED-PAYLOAD"
STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"

# Headers a client does not sign (botocore leaves out the same ones).
_UNSIGNED_HEADERS = {"expect", "transfer-encoding", "user-agent", "connection",
                     "x-amzn-trace-id"}


# --- checksums --------------------------------------------------------------

def _reflected_table(poly, width):
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc & ((1 << width) - 1))
    return table


_CRC32C_TABLE = _reflected_table(0x82F63B78, 32)
_CRC64NVME_TABLE = _reflected_table(0x9A6C9329AC4BC9B5, 64)


def _reflected_crc(data, table, width):
    mask = (1 << width) - 1
    crc = mask
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ mask


def checksum(algorithm, data):
    """The base64 value S3 puts in x-amz-checksum-<algorithm>."""
    algorithm = algorithm.lower()
    if algorithm == "crc32":
        raw = (zlib.crc32(data) & 0xFFFFFFFF).to_bytes(4, "big")
    elif algorithm == "crc32c":
        raw = _reflected_crc(data, _CRC32C_TABLE, 32).to_bytes(4, "big")
    elif algorithm == "crc64nvme":
        raw = _reflected_crc(data, _CRC64NVME_TABLE, 64).to_bytes(8, "big")
    elif algorithm == "sha1":
        raw = hashlib.sha1(data).digest()
    elif algorithm == "sha256":
        raw = hashlib.sha256(data).digest()
    else:
        raise ValueError(algorithm)
    return base64.b64encode(raw).decode()


assert checksum("crc32c", b"123456789") == base64.b64encode(
    (0xE3069283).to_bytes(4, "big")).decode()
assert checksum("crc64nvme", b"123456789") == base64.b64encode(
    (0xAE8B14860A799888).to_bytes(8, "big")).decode()


# --- SigV4 ------------------------------------------------------------------

def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _uri_encode(text, safe="-_.~"):
    return urllib.parse.quote(text, safe=safe)


def amz_date(offset_seconds=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_seconds)
    return t.strftime("%Y%m%dT%H%M%SZ")


class Signer:
    """SigV4 for one access key; every signature it makes is recorded so the
    chunk chain can continue from the seed."""

    def __init__(self, access_key=ACCESS_KEY, secret_key=SECRET_KEY, region=REGION):
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region

    def _key(self, date):
        k = _hmac(("AWS4" + self.secret_key).encode(), date)
        k = _hmac(k, self.region)
        k = _hmac(k, "s3")
        return _hmac(k, "aws4_request")

    def scope(self, timestamp):
        return f"{timestamp[:8]}/{self.region}/s3/aws4_request"

    def sign_string(self, timestamp, string_to_sign):
        return hmac.new(self._key(timestamp[:8]), string_to_sign.encode(),
                        hashlib.sha256).hexdigest()

    @staticmethod
    def canonical_query(query):
        pairs = sorted((_uri_encode(k), _uri_encode(v)) for k, v in query)
        return "&".join(f"{k}={v}" for k, v in pairs)

    def sign_headers(self, method, path, query, headers, payload_hash, timestamp=None):
        """Adds x-amz-date, x-amz-content-sha256 and Authorization to `headers`
        (a dict, names as the caller wants them sent); returns the signature."""
        timestamp = timestamp or amz_date()
        headers.setdefault("x-amz-date", timestamp)
        headers["x-amz-content-sha256"] = payload_hash
        signed = {k.lower(): " ".join(str(v).split()) for k, v in headers.items()
                  if k.lower() not in _UNSIGNED_HEADERS}
        names = sorted(signed)
        canonical = "\n".join([
            method, _uri_encode(path, safe="-_.~/"), self.canonical_query(query),
            "".join(f"{n}:{signed[n]}\n" for n in names), ";".join(names), payload_hash])
        to_sign = "\n".join(["AWS4-HMAC-SHA256", timestamp, self.scope(timestamp),
                             hashlib.sha256(canonical.encode()).hexdigest()])
        signature = self.sign_string(timestamp, to_sign)
        headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={self.access_key}/{self.scope(timestamp)}, "
            f"SignedHeaders={';'.join(names)}, Signature={signature}")
        return signature

    def presign(self, method, host, path, expires=3600, timestamp=None, extra_query=()):
        """A presigned URL path+query (host signed, UNSIGNED-PAYLOAD)."""
        timestamp = timestamp or amz_date()
        query = [("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
                 ("X-Amz-Credential", f"{self.access_key}/{self.scope(timestamp)}"),
                 ("X-Amz-Date", timestamp), ("X-Amz-Expires", str(expires)),
                 ("X-Amz-SignedHeaders", "host")] + list(extra_query)
        canonical = "\n".join([method, _uri_encode(path, safe="-_.~/"),
                               self.canonical_query(query), f"host:{host}\n", "host", UNSIGNED])
        to_sign = "\n".join(["AWS4-HMAC-SHA256", timestamp, self.scope(timestamp),
                             hashlib.sha256(canonical.encode()).hexdigest()])
        # The signature last, as SDKs put it (tests tamper with the end).
        return (path + "?" + self.canonical_query(query) + "&X-Amz-Signature=" +
                self.sign_string(timestamp, to_sign))

    def chunk_signature(self, timestamp, previous, chunk):
        to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", timestamp, self.scope(timestamp),
                             previous, EMPTY_SHA256, hashlib.sha256(chunk).hexdigest()])
        return self.sign_string(timestamp, to_sign)

    def trailer_signature(self, timestamp, previous, canonical_trailers):
        to_sign = "\n".join(["AWS4-HMAC-SHA256-TRAILER", timestamp, self.scope(timestamp),
                             previous, hashlib.sha256(canonical_trailers.encode()).hexdigest()])
        return self.sign_string(timestamp, to_sign)


def aws_chunked(payload, chunk_size, signer=None, timestamp=None, seed=None, trailers=(),
                sign_trailer=True, corrupt=None):
    """The aws-chunked encoding of `payload`.

    With a signer (and the request's timestamp and seed signature) chunks are
    signed; trailers are (name, value) pairs sent after the final chunk, signed
    when a signer is given and sign_trailer is true. `corrupt(index, line)` may
    rewrite the size line of chunk `index` (the final chunk included), to test
    framing errors."""
    chunks = [payload[i:i + chunk_size] for i in range(0, len(payload), chunk_size)] + [b""]
    out = bytearray()
    previous = seed
    for index, chunk in enumerate(chunks):
        line = f"{len(chunk):x}"
        if signer:
            previous = signer.chunk_signature(timestamp, previous, chunk)
            line += f";chunk-signature={previous}"
        line = line.encode()
        if corrupt:
            line = corrupt(index, line)
        out += line + b"\r\n" + chunk
        if chunk:
            out += b"\r\n"
    if trailers:
        canonical = "".join(f"{n}:{v}\n" for n, v in trailers)
        for name, value in trailers:
            out += f"{name}:{value}\r\n".encode()
        if signer and sign_trailer:
            out += (f"x-amz-trailer-signature:"
                    f"{signer.trailer_signature(timestamp, previous, canonical)}\r\n").encode()
    out += b"\r\n"
    return bytes(out)


# --- raw HTTP ---------------------------------------------------------------

class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # lowercase name -> value
        self.body = body

    def __repr__(self):
        return f"<Response {self.status} {self.headers} {self.body[:300]!r}>"


class RawConnection:
    """One TCP connection to the server; sends bytes verbatim and parses the
    responses (Content-Length bodies, as moss sends them)."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffer = bytearray()  # received, not yet parsed

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise ConnectionError("connection closed by the server")
        self.buffer += data

    def read_response(self, head_only=False):
        """The next response; with head_only, its head alone (the body, if
        any, is left to the caller: self.buffer holds its first bytes)."""
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self._fill()
        head = bytes(self.buffer[:end])
        del self.buffer[:end + 4]
        lines = head.decode("latin-1").split("\r\n")
        _, status, reason = (lines[0].split(" ", 2) + [""])[:3]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        status = int(status)
        length = 0 if head_only or status < 200 or status in (204, 304) else int(
            headers.get("content-length", "0"))
        body = bytearray(length)
        view = memoryview(body)
        have = min(length, len(self.buffer))
        view[:have] = self.buffer[:have]
        del self.buffer[:have]
        while have < length:
            n = self.sock.recv_into(view[have:])
            if not n:
                raise ConnectionError("connection closed by the server")
            have += n
        return Response(status, reason, headers, bytes(body))

    def closed_by_server(self, timeout):
        """True when the server closes the connection within `timeout` seconds;
        whatever it sends before closing is discarded."""
        deadline = time.time() + timeout
        try:
            while time.time() < deadline:
                self.sock.settimeout(max(0.01, deadline - time.time()))
                if self.sock.recv(65536) == b"":
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            pass
        return False

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def request_bytes(method, path, headers, body=b"", query=()):
    target = path + ("?" + Signer.canonical_query(query) if query else "")
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode() + body


def signed_head_bytes(server, method, path, headers, payload_hash=UNSIGNED, signer=None,
                      query=()):
    """The bytes of a signed request head, for a body the caller sends itself
    (set Content-Length or Transfer-Encoding in `headers`)."""
    headers = dict(headers)
    headers.setdefault("Host", f"127.0.0.1:{server.port}")
    (signer or Signer()).sign_headers(method, path, query, headers, payload_hash)
    return request_bytes(method, path, headers, b"", query)


def signed_request(server, method, path, body=b"", query=(), headers=None,
                   payload_hash=None, signer=None, timestamp=None, conn=None):
    """Signs and sends one request (Content-Length set from the body) and
    returns the Response. payload_hash defaults to the body's SHA-256."""
    headers = dict(headers or {})
    headers.setdefault("Host", f"127.0.0.1:{server.port}")
    if "Transfer-Encoding" not in headers:
        headers.setdefault("Content-Length", str(len(body)))
    (signer or Signer()).sign_headers(
        method, path, query, headers,
        payload_hash or hashlib.sha256(body).hexdigest(), timestamp)
    own = conn is None
    conn = conn or RawConnection(server.port)
    try:
        conn.send(request_bytes(method, path, headers, body, query))
        return conn.read_response(head_only=method == "HEAD")
    finally:
        if own:
            conn.close()


# --- assertions -------------------------------------------------------------

def error_fields(body):
    root = ET.fromstring(body)
    return root.tag, {child.tag: child.text or "" for child in root}


class S3Assertions:
    """Mixin for MossTestCase subclasses."""

    def assertS3Error(self, response, status, code, logged=True):
        """`response` (a Response, or a botocore ClientError) is the S3 error
        `code` with HTTP `status`: an XML body with Code, Message, Resource and
        RequestId, the request id also in x-amz-request-id, and (when
        `logged`) an access-log line naming the request id and the code."""
        if hasattr(response, "response"):  # botocore ClientError
            meta = response.response["ResponseMetadata"]
            self.assertEqual(meta["HTTPStatusCode"], status, response.response)
            self.assertEqual(response.response["Error"]["Code"], code, response.response)
            request_id = meta["HTTPHeaders"].get("x-amz-request-id")
            self.assertEqual(response.response["Error"].get("RequestId",
                                                            meta.get("RequestId")), request_id)
        else:
            self.assertEqual(response.status, status, response)
            tag, fields = error_fields(response.body)
            self.assertEqual(tag, "Error", response)
            self.assertEqual(fields.get("Code"), code, response)
            for name in ("Message", "Resource", "RequestId"):
                self.assertTrue(fields.get(name), f"{name} missing in {response}")
            self.assertEqual(response.headers.get("x-amz-request-id"), fields["RequestId"])
            self.assertEqual(response.headers.get("content-type"), "application/xml")
            request_id = fields["RequestId"]
        self.assertTrue(request_id)
        if logged:
            self.assertLogged(request_id, code)
        return request_id

    def assertLogged(self, request_id, code, timeout=5):
        """The server log has a line naming `request_id` and error `code`."""
        line = self.server.wait_for_log_line(
            lambda line: request_id in line and f'"error":"{code}"' in line, timeout)
        if line is None:
            self.fail(f"no log line for request {request_id} with error {code}:\n"
                      + self.server.log_tail(20))

    def assertNotStored(self, bucket, key):
        response = signed_request(self.server, "HEAD", f"/{bucket}/{key}")
        self.assertEqual(response.status, 404, f"{bucket}/{key} was stored")

    def assertNoTempFiles(self, server=None):
        leftovers = temp_files(server or self.server)
        self.assertEqual(leftovers, [], "temporary files left in tmp/")


def temp_files(server):
    tmp = os.path.join(server.data_dir, "tmp")
    return sorted(os.listdir(tmp)) if os.path.isdir(tmp) else []


def blob_files(server):
    """The sha256 names of every blob file in <data>/blobs."""
    out = []
    root = os.path.join(server.data_dir, "blobs")
    for directory in sorted(os.listdir(root)):
        out.extend(sorted(os.listdir(os.path.join(root, directory))))
    return out
