"""curl's own SigV4 signing (--aws-sigv4) against the real server, plus
presigned URLs made by boto3 and fetched by plain, unsigned curl.

S3 requires x-amz-content-sha256 on header-signed requests. curl 7.88 (Debian
12) does not add it by itself, but signs it when given, using its value as the
payload hash. moss takes a request without a body and without the header as
signed with the empty payload's hash (what curl signs), so plain reads work
unmodified; uploads pass the header, as curl users must.
"""
import hashlib
import os
import shutil
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET

from moss_harness import (ACCESS_KEY, MossTestCase, SECRET_KEY, random_file, sha256_file,
                          which)

SIZE = 20 * 1024 * 1024
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED = "UNSIGNED-PAYLOAD"


class CurlSigV4(MossTestCase):
    @classmethod
    def setUpClass(cls):
        cls.curl_path = which("curl", "/usr/bin/curl")
        if not cls.curl_path:
            raise RuntimeError("curl is required (scripts/install-deps installs it)")
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="moss-curl-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.big = random_file(cls.tmp, SIZE, "big.bin")
        cls.big_sha256 = sha256_file(cls.big)
        with open(cls.big, "rb") as f:
            cls.big_bytes = f.read()
        cls.bucket = "curl-client"
        status, _, _ = cls.curl("-X", "PUT", f"/{cls.bucket}")
        assert status == 200, status


    @classmethod
    def curl(cls, *args, signed=True, url=None, content_sha256=EMPTY_SHA256):
        """Runs curl; returns (status, response headers text, body bytes). Without
        `url`, the last argument is a path on the server."""
        args = list(args)
        if url is None:
            url = cls.server.endpoint + args.pop()
        headers_file = os.path.join(cls.tmp, "headers.txt")
        command = [cls.curl_path, "--silent", "--show-error", "--dump-header", headers_file,
                   "--output", "-", "--write-out", "\n%{http_code}"]
        if signed:
            command += ["--aws-sigv4", "aws:amz:us-east-1:s3",
                        "--user", f"{ACCESS_KEY}:{SECRET_KEY}"]
            if content_sha256 is not None:
                command += ["--header", f"x-amz-content-sha256: {content_sha256}"]
        proc = subprocess.run(command + args + [url], capture_output=True, timeout=300)
        if proc.returncode != 0:
            raise AssertionError(f"curl {args} {url} exited {proc.returncode}: {proc.stderr!r}")
        body, _, status = proc.stdout.rpartition(b"\n")
        with open(headers_file, encoding="latin-1") as f:
            head = f.read()
        return int(status), head, body

    @staticmethod
    def header(head, name):
        for line in head.splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip().lower() == name.lower():
                return value.strip()
        return None

    def put_big(self, key):
        status, head, body = self.curl("-T", self.big, f"/{self.bucket}/{key}",
                                       content_sha256=UNSIGNED)
        self.assertEqual(status, 200, body)
        return self.header(head, "ETag")

    def test_client_is_curl_with_aws_sigv4_support(self):
        out = subprocess.run([self.curl_path, "--version"], capture_output=True,
                             text=True).stdout
        print(f"\n{out.splitlines()[0]}")
        self.assertIn("curl ", out)
        major, minor = (int(x) for x in out.split()[1].split(".")[:2])
        self.assertGreaterEqual((major, minor), (7, 75))  # --aws-sigv4 arrived in 7.75

    def test_put_20mib_with_upload_file_then_get_returns_the_same_bytes(self):
        etag = self.put_big("put/big.bin")
        self.assertEqual(etag, '"' + hashlib.md5(self.big_bytes).hexdigest() + '"')
        status, head, body = self.curl(f"/{self.bucket}/put/big.bin")
        self.assertEqual(status, 200)
        self.assertEqual(len(body), SIZE)
        self.assertEqual(hashlib.sha256(body).hexdigest(), self.big_sha256)
        self.assertEqual(self.header(head, "ETag"), etag)

    def test_head_reports_length_etag_and_no_body(self):
        etag = self.put_big("head/big.bin")
        status, head, body = self.curl("-I", f"/{self.bucket}/head/big.bin")
        self.assertEqual(status, 200)
        self.assertEqual(self.header(head, "Content-Length"), str(SIZE))
        self.assertEqual(self.header(head, "ETag"), etag)
        self.assertEqual(self.header(head, "Accept-Ranges"), "bytes")
        # With -I curl prints the headers as its output; nothing follows them.
        self.assertEqual(body.decode("latin-1").replace("\r\n", "\n").strip(), head.strip())

    def test_ranged_get_returns_206_with_the_slice(self):
        self.put_big("range/big.bin")
        status, head, body = self.curl("-r", "1000-1999", f"/{self.bucket}/range/big.bin")
        self.assertEqual(status, 206)
        self.assertEqual(body, self.big_bytes[1000:2000])
        self.assertEqual(self.header(head, "Content-Range"), f"bytes 1000-1999/{SIZE}")
        status, _, body = self.curl("-r", "-10", f"/{self.bucket}/range/big.bin")
        self.assertEqual(status, 206)
        self.assertEqual(body, self.big_bytes[-10:])

    def test_delete_returns_204_and_the_object_is_gone(self):
        self.put_big("delete/big.bin")
        status, _, body = self.curl("-X", "DELETE", f"/{self.bucket}/delete/big.bin")
        self.assertEqual(status, 204)
        self.assertEqual(body, b"")
        status, _, body = self.curl(f"/{self.bucket}/delete/big.bin")
        self.assertEqual(status, 404)
        self.assertEqual(ET.fromstring(body).findtext("Code"), "NoSuchKey")

    def test_list_objects_v2_returns_xml_with_prefix_and_delimiter(self):
        for key in ("list/a.txt", "list/b/c.txt"):
            status, _, _ = self.curl("--data-binary", "hello", "-X", "PUT",
                                     f"/{self.bucket}/{key}",
                                     content_sha256=hashlib.sha256(b"hello").hexdigest())
            self.assertEqual(status, 200)
        status, head, body = self.curl(f"/{self.bucket}?delimiter=%2F&list-type=2&prefix=list%2F")
        self.assertEqual(status, 200, body)
        self.assertIn("application/xml", self.header(head, "Content-Type"))
        doc = ET.fromstring(body)
        self.assertEqual(doc.tag, NS + "ListBucketResult")
        self.assertEqual([e.findtext(NS + "Key") for e in doc.findall(NS + "Contents")],
                         ["list/a.txt"])
        self.assertEqual([e.findtext(NS + "Size") for e in doc.findall(NS + "Contents")], ["5"])
        self.assertEqual([p.findtext(NS + "Prefix") for p in doc.findall(NS + "CommonPrefixes")],
                         ["list/b/"])
        self.assertEqual(doc.findtext(NS + "KeyCount"), "2")

    def test_reads_and_deletes_need_no_content_sha256_header(self):
        self.put_big("plain/big.bin")
        status, _, body = self.curl("-r", "0-99", f"/{self.bucket}/plain/big.bin",
                                    content_sha256=None)
        self.assertEqual((status, body), (206, self.big_bytes[:100]))
        status, head, _ = self.curl("-I", f"/{self.bucket}/plain/big.bin", content_sha256=None)
        self.assertEqual((status, self.header(head, "Content-Length")), (200, str(SIZE)))
        status, _, body = self.curl(f"/{self.bucket}?list-type=2&prefix=plain%2F",
                                    content_sha256=None)
        self.assertEqual(status, 200, body)
        self.assertEqual(ET.fromstring(body).findtext(NS + "KeyCount"), "1")
        status, _, _ = self.curl("-X", "DELETE", f"/{self.bucket}/plain/big.bin",
                                 content_sha256=None)
        self.assertEqual(status, 204)

    def test_an_upload_without_content_sha256_is_refused_and_not_stored(self):
        status, _, body = self.curl("-T", self.big, f"/{self.bucket}/plain/refused.bin",
                                    content_sha256=None)
        self.assertEqual(status, 400, body)
        error = ET.fromstring(body)
        self.assertEqual(error.findtext("Code"), "InvalidRequest")
        self.assertIn("x-amz-content-sha256", error.findtext("Message"))
        status, _, _ = self.curl("-I", f"/{self.bucket}/plain/refused.bin")
        self.assertEqual(status, 404)

    def test_wrong_secret_is_refused_with_signature_does_not_match(self):
        command = [self.curl_path, "--silent", "--aws-sigv4", "aws:amz:us-east-1:s3",
                   "--user", f"{ACCESS_KEY}:not-the-secret",
                   "--header", f"x-amz-content-sha256: {EMPTY_SHA256}",
                   f"{self.server.endpoint}/{self.bucket}?list-type=2"]
        out = subprocess.run(command, capture_output=True, timeout=60).stdout
        self.assertEqual(ET.fromstring(out).findtext("Code"), "SignatureDoesNotMatch")

    def presigner(self):
        # boto3 presigns with SigV2 unless told otherwise; these tests are about SigV4.
        return self.s3(signature_version="s3v4")

    def test_presigned_get_url_from_boto3_works_with_plain_curl(self):
        self.put_big("presigned/big.bin")
        url = self.presigner().generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": "presigned/big.bin"},
            ExpiresIn=300)
        status, _, body = self.curl(url=url, signed=False)
        self.assertEqual(status, 200)
        self.assertEqual(hashlib.sha256(body).hexdigest(), self.big_sha256)
        # The signature covers the key: another key with the same query is refused.
        tampered = url.replace("presigned/big.bin", "presigned/other.bin")
        status, _, body = self.curl(url=tampered, signed=False)
        self.assertEqual(status, 403)
        self.assertEqual(ET.fromstring(body).findtext("Code"), "SignatureDoesNotMatch")

    def test_presigned_put_url_from_boto3_accepts_an_upload_from_plain_curl(self):
        url = self.presigner().generate_presigned_url(
            "put_object", Params={"Bucket": self.bucket, "Key": "presigned/up.bin"},
            ExpiresIn=300)
        status, _, body = self.curl("-T", self.big, url=url, signed=False)
        self.assertEqual(status, 200, body)
        got = self.s3().get_object(Bucket=self.bucket, Key="presigned/up.bin")["Body"].read()
        self.assertEqual(hashlib.sha256(got).hexdigest(), self.big_sha256)


if __name__ == "__main__":
    unittest.main()
