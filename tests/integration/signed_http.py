"""Raw SigV4-signed HTTP requests to a moss server, for tests that need to
send exactly the bytes they choose (odd keys, headers boto3 will not send,
bodies streamed slowly) and see the raw answer.

Signing is botocore's S3SigV4Auth; the wire is http.client, which sends the
path as given (no dot-segment or slash normalisation).
"""

import http.client
import urllib.parse
import xml.etree.ElementTree as ET

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from moss_harness import ACCESS_KEY, REGION, SECRET_KEY

S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def aws_quote(text, safe="-_.~"):
    """Percent-encoding as SigV4 wants it (RFC 3986 unreserved characters kept)."""
    if isinstance(text, str):
        text = text.encode("utf-8")
    return urllib.parse.quote(text, safe=safe)


def object_path(bucket, key=None):
    """The request path of a bucket or an object, each byte of the key encoded
    except '/'."""
    if key is None:
        return "/" + bucket
    return "/" + bucket + "/" + aws_quote(key, safe="-_.~/")


def query_string(params):
    """params: dict or list of pairs; a value of None gives a bare name (?acl)."""
    items = params.items() if isinstance(params, dict) else params
    parts = []
    for name, value in items:
        parts.append(aws_quote(name) if value is None else f"{aws_quote(name)}={aws_quote(value)}")
    return "&".join(parts)


class _UnsignedPayloadConfig:
    """Stands in for a botocore client config asking for UNSIGNED-PAYLOAD."""
    s3 = {"payload_signing_enabled": False}


def sign(server, method, path, query="", headers=None, body=b"", unsigned_payload=False,
         access_key=ACCESS_KEY, secret_key=SECRET_KEY):
    """The headers to send (the given ones plus Host, X-Amz-Date,
    X-Amz-Content-SHA256 and Authorization); `path` must already be encoded."""
    url = server.endpoint + path + ("?" + query if query else "")
    request = AWSRequest(method=method, url=url, headers=dict(headers or {}),
                         data=b"" if unsigned_payload else body)
    if unsigned_payload:
        request.context["client_config"] = _UnsignedPayloadConfig()
    S3SigV4Auth(Credentials(access_key, secret_key), "s3", REGION).add_auth(request)
    signed = {name: value for name, value in request.headers.items()}
    # Signed from the URL; a raw connection must send it as is.
    signed["Host"] = f"127.0.0.1:{server.port}"
    return signed


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # http.client.HTTPMessage: case-insensitive
        self.body = body

    def xml(self):
        return ET.fromstring(self.body)

    def error_code(self):
        if not self.body:
            return None
        return self.xml().findtext("Code")

    def __repr__(self):
        return f"<Response {self.status} {self.body[:300]!r}>"


def request(server, method, path, query="", headers=None, body=b"", unsigned_payload=False,
            access_key=ACCESS_KEY, secret_key=SECRET_KEY, timeout=60):
    """One signed request on a fresh connection; returns a Response."""
    signed = sign(server, method, path, query, headers, body, unsigned_payload, access_key,
                  secret_key)
    if body and "Content-Length" not in signed:
        signed["Content-Length"] = str(len(body))
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request(method, path + ("?" + query if query else ""), body=body or None,
                     headers=signed)
        res = conn.getresponse()
        return Response(res.status, res.headers, res.read())
    finally:
        conn.close()


def find_all(element, name):
    return element.findall(S3_NS + name)


def find_text(element, name):
    return element.findtext(S3_NS + name)
