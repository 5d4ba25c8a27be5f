"""Object behaviours as the S3 API reference gives them, checked with boto3,
and with hand-built requests (s3_wire, signed_http) where a client would
normalize away what is checked: whitespace-only keys in DeleteObjects,
GetObjectAttributes, BadDigest for checksums that do not match, user metadata
and stored headers returned byte for byte, GET/HEAD ?partNumber past the
parts, and listings without encoding-type (keys, prefixes and markers as they
are, control characters as character references).
"""
import base64
import hashlib
import json
import os
import re
import tempfile
import unittest
import zlib

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

import signed_http
from moss_harness import MossServer, MossTestCase, boto3_client
from s3_wire import (STREAMING_UNSIGNED_TRAILER, UNSIGNED, RawConnection, Signer, aws_chunked,
                     checksum, request_bytes)
from signed_http import find_all, find_text, object_path

ALGORITHMS = ("crc32", "crc32c", "crc64nvme", "sha1", "sha256")
# boto3's parameter names for the checksum of each algorithm.
BOTO3_CHECKSUM = {"crc32": "ChecksumCRC32", "crc32c": "ChecksumCRC32C",
                  "crc64nvme": "ChecksumCRC64NVME", "sha1": "ChecksumSHA1",
                  "sha256": "ChecksumSHA256"}
MIN_PART = 5 * 1024 * 1024


def error_code(caught):
    return caught.exception.response["Error"]["Code"]


def status_of(caught):
    return caught.exception.response["ResponseMetadata"]["HTTPStatusCode"]


def wire_request(server, method, path, headers=None, body=b"", query=()):
    """A request signed over exactly these (UTF-8) header bytes, sent raw; the
    answer's header values keep their bytes (read as latin-1)."""
    headers = dict(headers or {})
    headers["Host"] = f"127.0.0.1:{server.port}"
    headers["Content-Length"] = str(len(body))
    Signer().sign_headers(method, path, query, headers, UNSIGNED)
    with RawConnection(server.port) as conn:
        conn.send(request_bytes(method, path, headers, body, query))
        return conn.read_response(head_only=method == "HEAD")


class DeleteObjectsKeepsWhitespaceKeys(MossTestCase):
    def test_keys_of_only_whitespace_are_deleted_in_a_batch(self):
        s3 = self.s3()
        bucket = self.unique_bucket("ws")
        keys = [" ", "  ", "\t", " lead", "trail ", "kept"]
        for key in keys:
            s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
        result = s3.delete_objects(Bucket=bucket, Delete={
            "Objects": [{"Key": k} for k in keys[:-1]]})
        self.assertNotIn("Errors", result)
        self.assertEqual(sorted(d["Key"] for d in result["Deleted"]), sorted(keys[:-1]))
        left = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        self.assertEqual(left, ["kept"])

    def test_whitespace_key_versions_are_deleted_in_a_batch(self):
        s3 = self.s3()
        bucket = self.unique_bucket("wsv")
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        version = s3.put_object(Bucket=bucket, Key=" ", Body=b"x")["VersionId"]
        result = s3.delete_objects(Bucket=bucket, Delete={
            "Objects": [{"Key": " ", "VersionId": version}]})
        self.assertEqual(result["Deleted"], [{"Key": " ", "VersionId": version}])
        self.assertNotIn("Versions", s3.list_object_versions(Bucket=bucket))


class GetObjectAttributes(MossTestCase):
    ALL = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = "attributes"
        boto3_client(cls.server).create_bucket(Bucket=cls.bucket)

    def test_plain_object(self):
        s3 = self.s3()
        body = b"hello attributes"
        put = s3.put_object(Bucket=self.bucket, Key="plain", Body=body, ChecksumAlgorithm="SHA256")
        got = s3.get_object_attributes(Bucket=self.bucket, Key="plain", ObjectAttributes=self.ALL)
        self.assertEqual(got["ETag"], put["ETag"].strip('"'))
        self.assertEqual(got["ObjectSize"], len(body))
        self.assertEqual(got["StorageClass"], "STANDARD")
        self.assertEqual(got["Checksum"]["ChecksumSHA256"],
                         base64.b64encode(hashlib.sha256(body).digest()).decode())
        self.assertNotIn("ObjectParts", got)
        self.assertIn("LastModified", got)

    def test_only_the_attributes_asked_for(self):
        s3 = self.s3()
        s3.put_object(Bucket=self.bucket, Key="some", Body=b"12345")
        got = s3.get_object_attributes(Bucket=self.bucket, Key="some",
                                       ObjectAttributes=["ObjectSize"])
        self.assertEqual(got["ObjectSize"], 5)
        for absent in ("ETag", "Checksum", "StorageClass", "ObjectParts"):
            self.assertNotIn(absent, got)

    def multipart(self, key, sizes):
        s3 = self.s3()
        upload = s3.create_multipart_upload(Bucket=self.bucket, Key=key,
                                            ChecksumAlgorithm="SHA256")["UploadId"]
        parts = []
        bodies = []
        for number, size in enumerate(sizes, start=1):
            body = os.urandom(size)
            bodies.append(body)
            part = s3.upload_part(Bucket=self.bucket, Key=key, UploadId=upload,
                                  PartNumber=number, Body=body, ChecksumAlgorithm="SHA256")
            parts.append({"PartNumber": number, "ETag": part["ETag"],
                          "ChecksumSHA256": part["ChecksumSHA256"]})
        done = s3.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload,
                                            MultipartUpload={"Parts": parts})
        return done, bodies, parts

    def test_multipart_object_lists_its_parts_in_pages(self):
        s3 = self.s3()
        sizes = [MIN_PART, MIN_PART, MIN_PART, 1000]
        done, bodies, parts = self.multipart("multi", sizes)
        got = s3.get_object_attributes(Bucket=self.bucket, Key="multi", ObjectAttributes=self.ALL)
        self.assertEqual(got["ETag"], done["ETag"].strip('"'))
        self.assertEqual(got["ObjectSize"], sum(sizes))
        self.assertEqual(got["Checksum"]["ChecksumType"], "COMPOSITE")
        object_parts = got["ObjectParts"]
        self.assertEqual(object_parts["TotalPartsCount"], 4)
        self.assertFalse(object_parts["IsTruncated"])
        self.assertEqual([p["PartNumber"] for p in object_parts["Parts"]], [1, 2, 3, 4])
        self.assertEqual([p["Size"] for p in object_parts["Parts"]], sizes)
        self.assertEqual([p["ChecksumSHA256"] for p in object_parts["Parts"]],
                         [p["ChecksumSHA256"] for p in parts])

        first = s3.get_object_attributes(Bucket=self.bucket, Key="multi", MaxParts=3,
                                         ObjectAttributes=["ObjectParts"])["ObjectParts"]
        self.assertTrue(first["IsTruncated"])
        self.assertEqual(first["MaxParts"], 3)
        self.assertEqual([p["PartNumber"] for p in first["Parts"]], [1, 2, 3])
        self.assertEqual(int(first["NextPartNumberMarker"]), 3)
        rest = s3.get_object_attributes(Bucket=self.bucket, Key="multi", MaxParts=3,
                                        PartNumberMarker=int(first["NextPartNumberMarker"]),
                                        ObjectAttributes=["ObjectParts"])["ObjectParts"]
        self.assertFalse(rest["IsTruncated"])
        self.assertEqual([p["PartNumber"] for p in rest["Parts"]], [4])

    def test_versions_by_version_id_and_delete_markers(self):
        s3 = self.s3()
        bucket = self.unique_bucket("attrv")
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        first = s3.put_object(Bucket=bucket, Key="v", Body=b"first")
        s3.put_object(Bucket=bucket, Key="v", Body=b"second!")
        old = s3.get_object_attributes(Bucket=bucket, Key="v", VersionId=first["VersionId"],
                                       ObjectAttributes=["ETag", "ObjectSize"])
        self.assertEqual(old["ObjectSize"], 5)
        self.assertEqual(old["ETag"], first["ETag"].strip('"'))
        self.assertEqual(old["VersionId"], first["VersionId"])
        latest = s3.get_object_attributes(Bucket=bucket, Key="v", ObjectAttributes=["ObjectSize"])
        self.assertEqual(latest["ObjectSize"], 7)

        marker = s3.delete_object(Bucket=bucket, Key="v")["VersionId"]
        with self.assertRaises(ClientError) as caught:
            s3.get_object_attributes(Bucket=bucket, Key="v", ObjectAttributes=["ObjectSize"])
        self.assertEqual(status_of(caught), 404)
        headers = caught.exception.response["ResponseMetadata"]["HTTPHeaders"]
        self.assertEqual(headers.get("x-amz-delete-marker"), "true")
        with self.assertRaises(ClientError) as caught:
            s3.get_object_attributes(Bucket=bucket, Key="v", VersionId=marker,
                                     ObjectAttributes=["ObjectSize"])
        self.assertEqual(status_of(caught), 405)

    def test_missing_key_and_unknown_attribute(self):
        s3 = self.s3()
        with self.assertRaises(ClientError) as caught:
            s3.get_object_attributes(Bucket=self.bucket, Key="absent", ObjectAttributes=["ETag"])
        self.assertEqual(error_code(caught), "NoSuchKey")
        s3.put_object(Bucket=self.bucket, Key="here", Body=b"x")
        res = signed_http.request(self.server, "GET", object_path(self.bucket, "here"),
                                  query="attributes",
                                  headers={"x-amz-object-attributes": "ETag,Colour"})
        self.assertEqual(res.status, 400, res)
        self.assertEqual(res.error_code(), "InvalidArgument")


READER_CREDENTIALS = {"keys": [
    {"access_key_id": "MOSSADMIN0000000001", "secret_access_key": "admin-secret-000000001",
     "name": "admin", "policy": {"Statement": [
         {"Effect": "Allow", "Action": "*", "Resource": "*"}]}},
    {"access_key_id": "MOSSGETONLY00000001", "secret_access_key": "get-only-secret-00001",
     "name": "get-only", "policy": {"Statement": [
         {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*"}]}},
    {"access_key_id": "MOSSATTRONLY0000001", "secret_access_key": "attr-only-secret-0001",
     "name": "attributes-only", "policy": {"Statement": [
         {"Effect": "Allow", "Action": "s3:GetObjectAttributes",
          "Resource": "arn:aws:s3:::shared/*"}]}},
    {"access_key_id": "MOSSBOTH00000000001", "secret_access_key": "both-secret-000000001",
     "name": "both", "policy": {"Statement": [
         {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectAttributes"],
          "Resource": "arn:aws:s3:::shared/*"}]}},
]}


class GetObjectAttributesPermissions(unittest.TestCase):
    """S3 asks for both s3:GetObject and s3:GetObjectAttributes."""

    def client(self, server, entry):
        return boto3.client(
            "s3", endpoint_url=server.endpoint, region_name="us-east-1",
            aws_access_key_id=entry["access_key_id"],
            aws_secret_access_key=entry["secret_access_key"],
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

    def test_both_permissions_are_needed(self):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "credentials.json")
            with open(path, "w") as f:
                json.dump(READER_CREDENTIALS, f)
            with MossServer(extra_args=["--credentials", path], credentials=False) as server:
                admin, get_only, attributes_only, both = (
                    self.client(server, entry) for entry in READER_CREDENTIALS["keys"])
                admin.create_bucket(Bucket="shared")
                admin.put_object(Bucket="shared", Key="k", Body=b"12345")
                for denied in (get_only, attributes_only):
                    with self.assertRaises(ClientError) as caught:
                        denied.get_object_attributes(Bucket="shared", Key="k",
                                                     ObjectAttributes=["ObjectSize"])
                    self.assertEqual(error_code(caught), "AccessDenied")
                got = both.get_object_attributes(Bucket="shared", Key="k",
                                                 ObjectAttributes=["ObjectSize"])
                self.assertEqual(got["ObjectSize"], 5)


class ChecksumMismatchIsBadDigest(MossTestCase):
    """A checksum that does not match the body is 400 BadDigest and stores
    nothing: in a header (PutObject, UploadPart) or in an aws-chunked trailer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = "digests"
        boto3_client(cls.server).create_bucket(Bucket=cls.bucket)

    def assertNotStored(self, key):
        with self.assertRaises(ClientError) as caught:
            self.s3().head_object(Bucket=self.bucket, Key=key)
        self.assertEqual(status_of(caught), 404)

    def test_put_object_with_a_wrong_checksum_header(self):
        body = b"the body that was sent"
        for algorithm in ALGORITHMS:
            with self.subTest(algorithm=algorithm):
                key = f"put-{algorithm}"
                with self.assertRaises(ClientError) as caught:
                    self.s3().put_object(Bucket=self.bucket, Key=key, Body=body, **{
                        BOTO3_CHECKSUM[algorithm]: checksum(algorithm, b"another body")})
                self.assertEqual(status_of(caught), 400)
                self.assertEqual(error_code(caught), "BadDigest")
                self.assertNotStored(key)

    def test_upload_part_with_a_wrong_checksum_header(self):
        s3 = self.s3()
        for algorithm in ALGORITHMS:
            with self.subTest(algorithm=algorithm):
                upload = s3.create_multipart_upload(
                    Bucket=self.bucket, Key=f"part-{algorithm}",
                    ChecksumAlgorithm=algorithm.upper(),
                    **({"ChecksumType": "FULL_OBJECT"} if algorithm == "crc64nvme" else {})
                )["UploadId"]
                with self.assertRaises(ClientError) as caught:
                    s3.upload_part(Bucket=self.bucket, Key=f"part-{algorithm}", UploadId=upload,
                                   PartNumber=1, Body=b"part bytes", **{
                                       BOTO3_CHECKSUM[algorithm]: checksum(algorithm, b"other")})
                self.assertEqual(status_of(caught), 400)
                self.assertEqual(error_code(caught), "BadDigest")
                listed = s3.list_parts(Bucket=self.bucket, Key=f"part-{algorithm}",
                                       UploadId=upload)
                self.assertNotIn("Parts", listed)

    def test_wrong_trailing_checksum_in_an_aws_chunked_body(self):
        payload = b"chunked payload " * 100
        for algorithm in ALGORITHMS:
            with self.subTest(algorithm=algorithm):
                key = f"trailer-{algorithm}"
                body = aws_chunked(payload, 512, trailers=[
                    (f"x-amz-checksum-{algorithm}", checksum(algorithm, payload[1:]))])
                headers = {"Host": f"127.0.0.1:{self.server.port}",
                           "Content-Encoding": "aws-chunked",
                           "x-amz-decoded-content-length": str(len(payload)),
                           "x-amz-trailer": f"x-amz-checksum-{algorithm}",
                           "Content-Length": str(len(body))}
                path = f"/{self.bucket}/{key}"
                Signer().sign_headers("PUT", path, (), headers, STREAMING_UNSIGNED_TRAILER)
                with RawConnection(self.server.port) as conn:
                    conn.send(request_bytes("PUT", path, headers, body))
                    response = conn.read_response()
                self.assertEqual(response.status, 400, response)
                self.assertIn(b"<Code>BadDigest</Code>", response.body)
                self.assertNotStored(key)


class StoredHeadersComeBackAsSent(MossTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = "headers"
        boto3_client(cls.server).create_bucket(Bucket=cls.bucket)

    def test_utf8_user_metadata_comes_back_byte_for_byte(self):
        value = "café – 日本語 ✓"
        response = wire_request(self.server, "PUT", f"/{self.bucket}/meta",
                                {"x-amz-meta-title": value, "x-amz-meta-plain": "ascii"},
                                b"body")
        self.assertEqual(response.status, 200, response)
        for method in ("HEAD", "GET"):
            with self.subTest(method=method):
                got = wire_request(self.server, method, f"/{self.bucket}/meta")
                self.assertEqual(got.headers["x-amz-meta-title"].encode("latin-1"),
                                 value.encode("utf-8"))
                self.assertEqual(got.headers["x-amz-meta-plain"], "ascii")
        # boto3 reads header bytes as latin-1 (http.client); the bytes are the UTF-8 sent.
        head = self.s3().head_object(Bucket=self.bucket, Key="meta")
        self.assertEqual(head["Metadata"]["title"].encode("latin-1").decode("utf-8"), value)
        self.assertEqual(head["Metadata"]["plain"], "ascii")

    def test_utf8_metadata_survives_a_copy(self):
        value = "naïve ✓"
        wire_request(self.server, "PUT", f"/{self.bucket}/meta-src", {"x-amz-meta-v": value},
                     b"x")
        self.s3().copy_object(Bucket=self.bucket, Key="meta-copy",
                              CopySource={"Bucket": self.bucket, "Key": "meta-src"})
        got = wire_request(self.server, "HEAD", f"/{self.bucket}/meta-copy")
        self.assertEqual(got.headers["x-amz-meta-v"].encode("latin-1"), value.encode("utf-8"))

    def test_stored_headers_are_returned_byte_for_byte(self):
        sent = {"ContentEncoding": "deflate, gzip",
                "ContentType": "text/plain; charset=utf-8",
                "ContentDisposition": 'attachment; filename="model weights.bin"',
                "ContentLanguage": "en-GB, fr",
                "CacheControl": "no-cache,  max-age=0"}
        self.s3().put_object(Bucket=self.bucket, Key="stored", Body=b"x", **sent)
        head = self.s3().head_object(Bucket=self.bucket, Key="stored")
        for name, value in sent.items():
            self.assertEqual(head[name], value, name)
        expires = "Thu, 01 Dec 2094 16:00:00 GMT"
        wire_request(self.server, "PUT", f"/{self.bucket}/expires", {"Expires": expires}, b"x")
        got = wire_request(self.server, "HEAD", f"/{self.bucket}/expires")
        self.assertEqual(got.headers["expires"], expires)

    def chunked_put(self, key, content_encoding):
        payload = b"chunked " * 64
        body = aws_chunked(payload, 256,
                           trailers=[("x-amz-checksum-crc32", checksum("crc32", payload))])
        headers = {"Host": f"127.0.0.1:{self.server.port}",
                   "Content-Encoding": content_encoding,
                   "x-amz-decoded-content-length": str(len(payload)),
                   "x-amz-trailer": "x-amz-checksum-crc32",
                   "Content-Length": str(len(body))}
        path = f"/{self.bucket}/{key}"
        Signer().sign_headers("PUT", path, (), headers, STREAMING_UNSIGNED_TRAILER)
        with RawConnection(self.server.port) as conn:
            conn.send(request_bytes("PUT", path, headers, body))
            return conn.read_response()

    def test_aws_chunked_token_is_stripped(self):
        response = self.chunked_put("chunked-gzip", "aws-chunked, gzip")
        self.assertEqual(response.status, 200, response)
        self.assertEqual(self.chunked_put("chunked-only", "aws-chunked").status, 200)
        self.assertEqual(self.chunked_put("chunked-last", "br,aws-chunked").status, 200)
        s3 = self.s3()
        self.assertEqual(s3.head_object(Bucket=self.bucket, Key="chunked-gzip")["ContentEncoding"],
                         "gzip")
        self.assertNotIn("ContentEncoding", s3.head_object(Bucket=self.bucket, Key="chunked-only"))
        self.assertEqual(s3.head_object(Bucket=self.bucket, Key="chunked-last")["ContentEncoding"],
                         "br")


class PartNumberPastTheParts(MossTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = "partnumbers"
        s3 = boto3_client(cls.server)
        s3.create_bucket(Bucket=cls.bucket)
        s3.put_object(Bucket=cls.bucket, Key="plain", Body=b"plain bytes")
        upload = s3.create_multipart_upload(Bucket=cls.bucket, Key="multi")["UploadId"]
        parts = []
        for number, body in ((1, b"a" * MIN_PART), (2, b"tail")):
            etag = s3.upload_part(Bucket=cls.bucket, Key="multi", UploadId=upload,
                                  PartNumber=number, Body=body)["ETag"]
            parts.append({"PartNumber": number, "ETag": etag})
        s3.complete_multipart_upload(Bucket=cls.bucket, Key="multi", UploadId=upload,
                                     MultipartUpload={"Parts": parts})

    def assertInvalidPartNumber(self, call, **kwargs):
        with self.assertRaises(ClientError) as caught:
            call(Bucket=self.bucket, **kwargs)
        self.assertEqual(status_of(caught), 400)
        if call.__name__ != "head_object":  # a HEAD answer has no body to name the code
            self.assertEqual(error_code(caught), "InvalidPartNumber")

    def test_multipart_object(self):
        s3 = self.s3()
        part = s3.get_object(Bucket=self.bucket, Key="multi", PartNumber=2)
        self.assertEqual(part["Body"].read(), b"tail")
        self.assertEqual(part["PartsCount"], 2)
        self.assertInvalidPartNumber(s3.get_object, Key="multi", PartNumber=3)
        self.assertInvalidPartNumber(s3.head_object, Key="multi", PartNumber=3)

    def test_single_part_object(self):
        s3 = self.s3()
        self.assertEqual(s3.get_object(Bucket=self.bucket, Key="plain", PartNumber=1)["Body"]
                         .read(), b"plain bytes")
        self.assertInvalidPartNumber(s3.get_object, Key="plain", PartNumber=2)
        self.assertInvalidPartNumber(s3.head_object, Key="plain", PartNumber=2)


class ListingsWithoutEncodingType(MossTestCase):
    """Without encoding-type=url the listings show keys, prefixes, delimiters
    and markers as they are; XML escaping only, with control characters and
    carriage returns as character references so any reader gets them back."""

    ODD = "odd\r\x01\x1f<&>é/"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = "listing-raw"
        s3 = boto3_client(cls.server)
        s3.create_bucket(Bucket=cls.bucket)
        s3.put_bucket_versioning(Bucket=cls.bucket,
                                 VersioningConfiguration={"Status": "Enabled"})
        for key in (cls.ODD + "a", cls.ODD + "b/c", "plain + space/x"):
            signed_http.request(cls.server, "PUT", object_path(cls.bucket, key), body=b"x")
        signed_http.request(cls.server, "POST", object_path(cls.bucket, cls.ODD + "upload"),
                            query="uploads")

    def raw_list(self, params):
        res = signed_http.request(self.server, "GET", object_path(self.bucket),
                                  query=signed_http.query_string(params))
        self.assertEqual(res.status, 200, res)
        return res.body

    @staticmethod
    def texts(body, element):
        """The decoded texts of every <element>: XML escapes and character
        references resolved by hand (a strict XML 1.0 parser refuses &#01;)."""
        def unescape(text):
            text = re.sub(rb"&#x([0-9a-fA-F]+);", lambda m: bytes([int(m.group(1), 16)]), text)
            text = re.sub(rb"&#([0-9]+);", lambda m: bytes([int(m.group(1))]), text)
            for entity, char in ((b"&lt;", b"<"), (b"&gt;", b">"), (b"&quot;", b'"'),
                                 (b"&apos;", b"'"), (b"&amp;", b"&")):
                text = text.replace(entity, char)
            return text.decode("utf-8")
        return [unescape(m) for m in re.findall(
            b"<" + element.encode() + b">(.*?)</" + element.encode() + b">", body, re.S)]

    def test_control_characters_are_character_references(self):
        body = self.raw_list([("list-type", "2"), ("prefix", "odd")])
        self.assertNotIn(b"\r", body)
        self.assertNotIn(b"\x01", body)
        self.assertIn(b"odd&#13;&#01;&#31;&lt;&amp;&gt;\xc3\xa9/a", body)

    def test_list_objects_v2_and_v1(self):
        for version in ("2", "1"):
            with self.subTest(list_type=version):
                params = [("prefix", self.ODD), ("delimiter", "/")]
                if version == "2":
                    params += [("list-type", "2"), ("start-after", self.ODD)]
                else:
                    params += [("marker", self.ODD)]
                body = self.raw_list(params)
                self.assertEqual(self.texts(body, "Key"), [self.ODD + "a"])
                self.assertEqual(self.texts(body, "Prefix"),
                                 [self.ODD, self.ODD + "b/"])  # the request's, then the common one
                self.assertEqual(self.texts(body, "Delimiter"), ["/"])
                marker = "StartAfter" if version == "2" else "Marker"
                self.assertEqual(self.texts(body, marker), [self.ODD])

    def test_next_marker_and_list_object_versions(self):
        body = self.raw_list([("prefix", "odd"), ("max-keys", "1")])
        self.assertEqual(self.texts(body, "NextMarker"), [self.ODD + "a"])
        body = self.raw_list([("versions", None), ("prefix", self.ODD), ("max-keys", "1")])
        self.assertEqual(self.texts(body, "Key"), [self.ODD + "a"])
        self.assertEqual(self.texts(body, "Prefix"), [self.ODD])
        self.assertEqual(self.texts(body, "NextKeyMarker"), [self.ODD + "a"])

    def test_list_multipart_uploads(self):
        body = self.raw_list([("uploads", None), ("prefix", self.ODD)])
        self.assertEqual(self.texts(body, "Key"), [self.ODD + "upload"])
        self.assertEqual(self.texts(body, "Prefix"), [self.ODD])

    def test_spaces_and_plus_are_not_encoded(self):
        body = self.raw_list([("prefix", "plain + "), ("delimiter", "/")])
        self.assertEqual(self.texts(body, "Prefix"), ["plain + ", "plain + space/"])

    def test_with_encoding_type_url_they_are_url_encoded(self):
        body = self.raw_list([("list-type", "2"), ("prefix", "odd"), ("encoding-type", "url")])
        self.assertIn(b"<Key>odd%0D%01%1F%3C%26%3E%C3%A9/a</Key>", body)
        # boto3 asks for url encoding and decodes: the key comes back whole.
        keys = [o["Key"] for o in self.s3().list_objects_v2(Bucket=self.bucket,
                                                            Prefix="odd")["Contents"]]
        self.assertEqual(keys, [self.ODD + "a", self.ODD + "b/c"])

    def test_empty_continuation_token_is_the_first_page(self):
        res = signed_http.request(self.server, "GET", object_path(self.bucket),
                                  query="list-type=2&continuation-token=&max-keys=1&prefix=plain")
        self.assertEqual(res.status, 200, res)
        self.assertEqual([find_text(c, "Key") for c in find_all(res.xml(), "Contents")],
                         ["plain + space/x"])
        listed = self.s3().list_objects_v2(Bucket=self.bucket, ContinuationToken="",
                                           Prefix="plain")
        self.assertEqual([o["Key"] for o in listed["Contents"]], ["plain + space/x"])


if __name__ == "__main__":
    unittest.main()
