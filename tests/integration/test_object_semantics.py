"""S3 object and bucket semantics, checked with boto3 and with raw signed
requests (signed_http) where boto3 would rewrite or refuse what is sent: key
shapes, metadata, ranges, conditional reads and writes (including a lost race
between two conditional writers), copies, batch deletes, stored checksums,
bucket rules and unimplemented operations.
"""
import base64
import datetime
import email.utils
import hashlib
import http.client
import json
import os
import shutil
import tempfile
import time
import unittest

from botocore.exceptions import ClientError

import signed_http
from moss_harness import MossTestCase, boto3_client
from signed_http import find_all, find_text, object_path


def error_code(caught):
    return caught.exception.response["Error"]["Code"]


def status_of(caught):
    return caught.exception.response["ResponseMetadata"]["HTTPStatusCode"]


def md5_etag(data):
    return '"' + hashlib.md5(data).hexdigest() + '"'


def http_date(seconds):
    return email.utils.formatdate(seconds, usegmt=True)


class ObjectKeys(MossTestCase):
    """Every key S3 accepts is stored and served under exactly that key."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = "keys"
        boto3_client(cls.server).create_bucket(Bucket=cls.bucket)

    def put(self, key, body, **kwargs):
        return signed_http.request(self.server, "PUT", object_path(self.bucket, key), body=body,
                                   **kwargs)

    def get(self, key, **kwargs):
        return signed_http.request(self.server, "GET", object_path(self.bucket, key), **kwargs)

    KEY_SHAPES = [
        "a", "a/b", "a//b", "../x", "./", "a/./b", "a/../b", "trailing/", "/leading",
        "with space", "two  spaces ", "plus+sign", "percent%41literal", "%", "question?mark",
        "hash#mark", "semi;colon", "amp&ersand=eq", "tilde~", "back\\slash", "quote\"'",
        "<angle>", "unicode/日本語/ü", "emoji 🦀", "tab\tkey", "ctrl\x01char", "del\x7fchar",
        "…" * 10, "x" * 1024, "é" * 512,
    ]

    def test_every_valid_key_shape_round_trips_through_put_get_head_and_list(self):
        bucket = "shapes"
        self.s3().create_bucket(Bucket=bucket)
        for i, key in enumerate(self.KEY_SHAPES):
            body = f"body of key {i}".encode()
            with self.subTest(key=key):
                put = signed_http.request(self.server, "PUT", object_path(bucket, key),
                                          body=body)
                self.assertEqual(put.status, 200, put)
                got = signed_http.request(self.server, "GET", object_path(bucket, key))
                self.assertEqual(got.status, 200, got)
                self.assertEqual(got.body, body)
                head = signed_http.request(self.server, "HEAD", object_path(bucket, key))
                self.assertEqual(head.status, 200)
                self.assertEqual(head.headers["Content-Length"], str(len(body)))
        listed = []
        for page in self.s3().get_paginator("list_objects_v2").paginate(Bucket=bucket):
            listed += [o["Key"] for o in page.get("Contents", [])]
        self.assertEqual(sorted(listed), sorted(self.KEY_SHAPES))

    def test_key_and_key_with_child_coexist_independently(self):
        self.assertEqual(self.put("side/a", b"file a").status, 200)
        self.assertEqual(self.put("side/a/b", b"file a/b").status, 200)
        self.assertEqual(self.get("side/a").body, b"file a")
        self.assertEqual(self.get("side/a/b").body, b"file a/b")
        self.assertEqual(signed_http.request(self.server, "DELETE",
                                             object_path(self.bucket, "side/a")).status, 204)
        self.assertEqual(self.get("side/a").status, 404)
        self.assertEqual(self.get("side/a/b").body, b"file a/b")

    def test_key_of_1024_bytes_works_and_1025_bytes_is_key_too_long(self):
        longest = "k/" + "é" * 511  # 2 + 1022 bytes of UTF-8
        self.assertEqual(len(longest.encode()), 1024)
        self.assertEqual(self.put(longest, b"long").status, 200)
        self.assertEqual(self.get(longest).body, b"long")
        too_long = longest + "x"
        put = self.put(too_long, b"too long")
        self.assertEqual(put.status, 400)
        self.assertEqual(put.error_code(), "KeyTooLongError")
        self.assertEqual(self.get(too_long).status, 400)

    def test_listing_order_is_utf8_byte_order(self):
        # U+FF21 sorts before U+1F600 in UTF-8 but after it in UTF-16.
        keys = ["order/a", "order/B", "order/é", "order/z", "order/\uff21", "order/\U0001F600",
                "order/~", "order/a\x7f", "order/a b", "order/a-b", "order/\u00ff"]
        for key in keys:
            self.assertEqual(self.put(key, b"x").status, 200)
        listed = self.s3().list_objects_v2(Bucket=self.bucket, Prefix="order/")
        self.assertEqual([o["Key"] for o in listed["Contents"]],
                         sorted(keys, key=lambda k: k.encode("utf-8")))

    def test_writing_the_same_bytes_to_the_same_key_again_keeps_the_object(self):
        # Both versions name one content-addressed blob; replacing the first must
        # not remove the file the second needs.
        for _ in range(3):
            self.assertEqual(self.put("again/same", b"identical bytes").status, 200)
            self.assertEqual(self.get("again/same").body, b"identical bytes")
        self.assertEqual(self.put("again/other", b"identical bytes").status, 200)
        self.assertEqual(signed_http.request(self.server, "DELETE",
                                             object_path(self.bucket, "again/same")).status, 204)
        self.assertEqual(self.get("again/other").body, b"identical bytes")

    def test_etag_is_the_quoted_md5_of_the_body(self):
        for body in (b"", b"hello", os.urandom(100_000)):
            put = self.put("etag/x", body)
            self.assertEqual(put.headers["ETag"], md5_etag(body))
            head = self.s3().head_object(Bucket=self.bucket, Key="etag/x")
            self.assertEqual(head["ETag"], md5_etag(body))


class ObjectHeaders(MossTestCase):
    """Metadata, ranges and conditional reads."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = "headers"
        boto3_client(cls.server).create_bucket(Bucket=cls.bucket)
        cls.body = bytes(range(256)) * 40  # 10240 bytes
        cls.etag = boto3_client(cls.server).put_object(Bucket=cls.bucket, Key="ranged",
                                                       Body=cls.body)["ETag"]

    def test_user_metadata_and_content_headers_are_stored_and_returned(self):
        s3 = self.s3()
        expires = datetime.datetime(2031, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
        s3.put_object(Bucket=self.bucket, Key="meta", Body=b"{}",
                      Metadata={"Color": "blue", "multi-word": "two words", "n": "1"},
                      ContentType="application/json", ContentEncoding="identity",
                      ContentDisposition='attachment; filename="x.json"',
                      ContentLanguage="de-CH", CacheControl="max-age=60", Expires=expires)
        for response in (s3.head_object(Bucket=self.bucket, Key="meta"),
                         s3.get_object(Bucket=self.bucket, Key="meta")):
            self.assertEqual(response["Metadata"],
                             {"color": "blue", "multi-word": "two words", "n": "1"})
            self.assertEqual(response["ContentType"], "application/json")
            self.assertEqual(response["ContentEncoding"], "identity")
            self.assertEqual(response["ContentDisposition"], 'attachment; filename="x.json"')
            self.assertEqual(response["ContentLanguage"], "de-CH")
            self.assertEqual(response["CacheControl"], "max-age=60")
            self.assertEqual(response["Expires"], expires)

    def test_object_without_content_type_is_served_as_binary_octet_stream(self):
        put = signed_http.request(self.server, "PUT", object_path(self.bucket, "untyped"),
                                  body=b"x")
        self.assertEqual(put.status, 200)
        head = self.s3().head_object(Bucket=self.bucket, Key="untyped")
        self.assertEqual(head["ContentType"], "binary/octet-stream")

    def test_response_overrides_on_get_replace_the_stored_headers(self):
        s3 = self.s3()
        s3.put_object(Bucket=self.bucket, Key="override", Body=b"x", ContentType="text/plain")
        got = s3.get_object(Bucket=self.bucket, Key="override",
                            ResponseContentType="application/x-override",
                            ResponseContentDisposition="inline",
                            ResponseContentLanguage="fr",
                            ResponseContentEncoding="identity",
                            ResponseCacheControl="no-store",
                            ResponseExpires=datetime.datetime(2030, 1, 1,
                                                              tzinfo=datetime.timezone.utc))
        self.assertEqual(got["ContentType"], "application/x-override")
        self.assertEqual(got["ContentDisposition"], "inline")
        self.assertEqual(got["ContentLanguage"], "fr")
        self.assertEqual(got["ContentEncoding"], "identity")
        self.assertEqual(got["CacheControl"], "no-store")
        self.assertEqual(got["Expires"].year, 2030)
        # The stored headers are untouched.
        self.assertEqual(s3.head_object(Bucket=self.bucket, Key="override")["ContentType"],
                         "text/plain")

    def ranged(self, spec):
        return self.s3().get_object(Bucket=self.bucket, Key="ranged", Range=spec)

    def test_range_first_to_last_returns_206_and_that_slice(self):
        got = self.ranged("bytes=10-19")
        self.assertEqual(got["ResponseMetadata"]["HTTPStatusCode"], 206)
        self.assertEqual(got["ContentRange"], "bytes 10-19/10240")
        self.assertEqual(got["ContentLength"], 10)
        self.assertEqual(got["Body"].read(), self.body[10:20])

    def test_range_open_ended_returns_the_rest_of_the_object(self):
        got = self.ranged("bytes=10000-")
        self.assertEqual(got["ResponseMetadata"]["HTTPStatusCode"], 206)
        self.assertEqual(got["ContentRange"], "bytes 10000-10239/10240")
        self.assertEqual(got["Body"].read(), self.body[10000:])

    def test_suffix_range_returns_the_last_bytes(self):
        got = self.ranged("bytes=-100")
        self.assertEqual(got["ContentRange"], "bytes 10140-10239/10240")
        self.assertEqual(got["Body"].read(), self.body[-100:])

    def test_range_past_the_end_is_clipped_to_the_object(self):
        got = self.ranged("bytes=10200-99999")
        self.assertEqual(got["ContentRange"], "bytes 10200-10239/10240")
        self.assertEqual(got["Body"].read(), self.body[10200:])

    def test_unsatisfiable_range_is_416_invalid_range(self):
        with self.assertRaises(ClientError) as caught:
            self.ranged("bytes=10240-10300")
        self.assertEqual(status_of(caught), 416)
        self.assertEqual(error_code(caught), "InvalidRange")
        raw = signed_http.request(self.server, "GET", object_path(self.bucket, "ranged"),
                                  headers={"Range": "bytes=20000-"})
        self.assertEqual(raw.status, 416)
        self.assertEqual(raw.headers["Content-Range"], "bytes */10240")

    def conditional(self, method, **headers):
        names = {"if_match": "If-Match", "if_none_match": "If-None-Match",
                 "if_modified_since": "If-Modified-Since",
                 "if_unmodified_since": "If-Unmodified-Since"}
        return signed_http.request(self.server, method, object_path(self.bucket, "ranged"),
                                   headers={names[k]: v for k, v in headers.items()})

    def last_modified(self):
        head = self.s3().head_object(Bucket=self.bucket, Key="ranged")
        return int(head["LastModified"].timestamp())

    def test_if_match_serves_on_match_and_fails_412_otherwise(self):
        for method in ("GET", "HEAD"):
            with self.subTest(method=method):
                self.assertEqual(self.conditional(method, if_match=self.etag).status, 200)
                self.assertEqual(self.conditional(method, if_match='"x", ' + self.etag).status,
                                 200)
                self.assertEqual(self.conditional(method, if_match="*").status, 200)
                failed = self.conditional(method, if_match='"0123"')
                self.assertEqual(failed.status, 412)
                if method == "GET":
                    self.assertEqual(failed.error_code(), "PreconditionFailed")

    def test_if_none_match_answers_304_on_match_and_serves_otherwise(self):
        for method in ("GET", "HEAD"):
            with self.subTest(method=method):
                not_modified = self.conditional(method, if_none_match=self.etag)
                self.assertEqual(not_modified.status, 304)
                self.assertEqual(not_modified.body, b"")
                self.assertEqual(not_modified.headers["ETag"], self.etag)
                self.assertEqual(self.conditional(method, if_none_match='"0123"').status, 200)

    def test_if_modified_since_answers_304_when_not_modified_since(self):
        modified = self.last_modified()
        for method in ("GET", "HEAD"):
            with self.subTest(method=method):
                self.assertEqual(
                    self.conditional(method, if_modified_since=http_date(modified)).status, 304)
                self.assertEqual(self.conditional(
                    method, if_modified_since=http_date(modified - 86400)).status, 200)

    def test_if_unmodified_since_fails_412_when_modified_after(self):
        modified = self.last_modified()
        for method in ("GET", "HEAD"):
            with self.subTest(method=method):
                self.assertEqual(self.conditional(
                    method, if_unmodified_since=http_date(modified - 86400)).status, 412)
                self.assertEqual(self.conditional(
                    method, if_unmodified_since=http_date(modified + 60)).status, 200)

    def test_if_match_takes_precedence_over_if_unmodified_since(self):
        modified = self.last_modified()
        response = self.conditional("GET", if_match=self.etag,
                                    if_unmodified_since=http_date(modified - 86400))
        self.assertEqual(response.status, 200)

    def test_if_none_match_takes_precedence_over_if_modified_since(self):
        modified = self.last_modified()
        response = self.conditional("GET", if_none_match='"0123"',
                                    if_modified_since=http_date(modified))
        self.assertEqual(response.status, 200)

    def test_checksum_mode_returns_the_stored_checksum_on_get_and_head_but_not_ranged_get(self):
        s3 = self.s3()
        body = os.urandom(50_000)
        put = s3.put_object(Bucket=self.bucket, Key="sha", Body=body, ChecksumAlgorithm="SHA256")
        expected = base64.b64encode(hashlib.sha256(body).digest()).decode()
        self.assertEqual(put["ChecksumSHA256"], expected)
        got = s3.get_object(Bucket=self.bucket, Key="sha", ChecksumMode="ENABLED")
        self.assertEqual(got["ChecksumSHA256"], expected)
        self.assertEqual(got["Body"].read(), body)
        head = s3.head_object(Bucket=self.bucket, Key="sha", ChecksumMode="ENABLED")
        self.assertEqual(head["ChecksumSHA256"], expected)
        plain = s3.head_object(Bucket=self.bucket, Key="sha")
        self.assertNotIn("ChecksumSHA256", plain)
        ranged = signed_http.request(self.server, "GET", object_path(self.bucket, "sha"),
                                     headers={"Range": "bytes=0-9",
                                              "x-amz-checksum-mode": "ENABLED"})
        self.assertEqual(ranged.status, 206)
        self.assertNotIn("x-amz-checksum-sha256", ranged.headers)


class ConditionalWrites(MossTestCase):
    """If-None-Match / If-Match on PutObject, and a lost race between two."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = "conditional"
        boto3_client(cls.server).create_bucket(Bucket=cls.bucket)

    def body_of(self, key):
        return self.s3().get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def test_if_none_match_star_creates_a_new_key_but_fails_412_on_an_existing_one(self):
        s3 = self.s3()
        s3.put_object(Bucket=self.bucket, Key="inm", Body=b"first", IfNoneMatch="*")
        with self.assertRaises(ClientError) as caught:
            s3.put_object(Bucket=self.bucket, Key="inm", Body=b"second", IfNoneMatch="*")
        self.assertEqual(status_of(caught), 412)
        self.assertEqual(error_code(caught), "PreconditionFailed")
        self.assertEqual(self.body_of("inm"), b"first")

    def test_if_match_on_a_missing_key_is_404_no_such_key_and_writes_nothing(self):
        s3 = self.s3()
        with self.assertRaises(ClientError) as caught:
            s3.put_object(Bucket=self.bucket, Key="missing", Body=b"x", IfMatch='"abc"')
        self.assertEqual(status_of(caught), 404)
        self.assertEqual(error_code(caught), "NoSuchKey")
        with self.assertRaises(ClientError) as head:
            s3.head_object(Bucket=self.bucket, Key="missing")
        self.assertEqual(status_of(head), 404)

    def test_if_match_with_the_current_etag_overwrites_and_a_stale_one_fails_412(self):
        s3 = self.s3()
        first = s3.put_object(Bucket=self.bucket, Key="im", Body=b"v1")["ETag"]
        second = s3.put_object(Bucket=self.bucket, Key="im", Body=b"v2", IfMatch=first)["ETag"]
        self.assertEqual(self.body_of("im"), b"v2")
        with self.assertRaises(ClientError) as caught:
            s3.put_object(Bucket=self.bucket, Key="im", Body=b"v3", IfMatch=first)
        self.assertEqual(status_of(caught), 412)
        self.assertEqual(error_code(caught), "PreconditionFailed")
        self.assertEqual(self.body_of("im"), b"v2")
        s3.put_object(Bucket=self.bucket, Key="im", Body=b"v4", IfMatch=second)
        self.assertEqual(self.body_of("im"), b"v4")

    def start_put(self, key, body, headers):
        """Sends the head of a PUT with Expect: 100-continue and no body yet."""
        path = object_path(self.bucket, key)
        headers = dict(headers, **{"Content-Length": str(len(body)),
                                   "Expect": "100-continue"})
        signed = signed_http.sign(self.server, "PUT", path, headers=headers,
                                  unsigned_payload=True)
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        conn.putrequest("PUT", path, skip_host=True, skip_accept_encoding=True)
        for name, value in signed.items():
            conn.putheader(name, value)
        conn.endheaders()
        return conn

    @staticmethod
    def await_continue(conn):
        """moss answers 100 Continue when the handler starts reading the body,
        which is after its precondition check passed."""
        interim = b""
        while not interim.endswith(b"\r\n\r\n"):
            byte = conn.sock.recv(1)
            if not byte:
                raise AssertionError(f"connection closed after {interim!r}")
            interim += byte
        if not interim.startswith(b"HTTP/1.1 100"):
            raise AssertionError(f"expected 100 Continue, got {interim!r}")

    @staticmethod
    def finish(conn, body):
        conn.send(body[:1024])
        time.sleep(0.05)  # a body that arrives in pieces, slowly
        conn.send(body[1024:])
        res = conn.getresponse()
        out = signed_http.Response(res.status, res.headers, res.read())
        conn.close()
        return out

    def race(self, key, headers):
        """Two writers with the same precondition, both past the server's check
        before either sends its body; returns (first, second, first's body)."""
        first_body, second_body = os.urandom(64 * 1024), os.urandom(64 * 1024)
        first = self.start_put(key, first_body, headers)
        second = self.start_put(key, second_body, headers)
        self.await_continue(first)
        self.await_continue(second)
        winner = self.finish(first, first_body)
        loser = self.finish(second, second_body)
        return winner, loser, first_body

    def test_two_if_none_match_writers_racing_the_second_to_finish_gets_409(self):
        winner, loser, winning_body = self.race("race-new", {"If-None-Match": "*"})
        self.assertEqual(winner.status, 200, winner)
        self.assertEqual(loser.status, 409, loser)
        self.assertEqual(loser.error_code(), "ConditionalRequestConflict")
        self.assertEqual(self.body_of("race-new"), winning_body)

    def test_two_if_match_writers_racing_the_second_to_finish_gets_409(self):
        etag = self.s3().put_object(Bucket=self.bucket, Key="race-old", Body=b"v1")["ETag"]
        winner, loser, winning_body = self.race("race-old", {"If-Match": etag})
        self.assertEqual(winner.status, 200, winner)
        self.assertEqual(loser.status, 409, loser)
        self.assertEqual(loser.error_code(), "ConditionalRequestConflict")
        self.assertEqual(self.body_of("race-old"), winning_body)

    def test_a_writer_failing_the_pre_check_gets_412_before_sending_its_body(self):
        self.s3().put_object(Bucket=self.bucket, Key="early", Body=b"exists")
        conn = self.start_put("early", os.urandom(64 * 1024), {"If-None-Match": "*"})
        # The final answer comes instead of 100 Continue, without any body sent.
        res = conn.getresponse()
        self.assertEqual(res.status, 412)
        self.assertIn(b"PreconditionFailed", res.read())
        conn.close()
        self.assertEqual(self.body_of("early"), b"exists")


class CopyObject(MossTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = "copies"
        s3 = boto3_client(cls.server)
        s3.create_bucket(Bucket=cls.bucket)
        cls.body = os.urandom(30_000)
        put = s3.put_object(Bucket=cls.bucket, Key="source", Body=cls.body,
                            ContentType="text/x-source", Metadata={"origin": "source"},
                            CacheControl="max-age=1")
        cls.etag = put["ETag"]
        cls.modified = int(s3.head_object(Bucket=cls.bucket, Key="source")[
            "LastModified"].timestamp())

    def copy(self, target, **kwargs):
        return self.s3().copy_object(Bucket=self.bucket, Key=target,
                                     CopySource={"Bucket": self.bucket, "Key": "source"},
                                     **kwargs)

    def test_metadata_directive_copy_keeps_the_source_metadata(self):
        copied = self.copy("copied", MetadataDirective="COPY")
        self.assertEqual(copied["CopyObjectResult"]["ETag"], self.etag)
        head = self.s3().head_object(Bucket=self.bucket, Key="copied")
        self.assertEqual(head["ContentType"], "text/x-source")
        self.assertEqual(head["Metadata"], {"origin": "source"})
        self.assertEqual(head["CacheControl"], "max-age=1")
        body = self.s3().get_object(Bucket=self.bucket, Key="copied")["Body"].read()
        self.assertEqual(body, self.body)

    def test_metadata_directive_replace_uses_the_request_metadata(self):
        self.copy("replaced", MetadataDirective="REPLACE", ContentType="text/x-new",
                  Metadata={"origin": "copy"})
        head = self.s3().head_object(Bucket=self.bucket, Key="replaced")
        self.assertEqual(head["ContentType"], "text/x-new")
        self.assertEqual(head["Metadata"], {"origin": "copy"})
        self.assertNotIn("CacheControl", head)
        self.assertEqual(head["ETag"], self.etag)

    def test_copy_onto_itself_needs_replace(self):
        with self.assertRaises(ClientError) as caught:
            self.s3().copy_object(Bucket=self.bucket, Key="source",
                                  CopySource={"Bucket": self.bucket, "Key": "source"})
        self.assertEqual(error_code(caught), "InvalidRequest")
        s3 = self.s3()
        s3.put_object(Bucket=self.bucket, Key="self", Body=b"self", ContentType="text/a")
        s3.copy_object(Bucket=self.bucket, Key="self", MetadataDirective="REPLACE",
                       ContentType="text/b", CopySource={"Bucket": self.bucket, "Key": "self"})
        self.assertEqual(s3.head_object(Bucket=self.bucket, Key="self")["ContentType"], "text/b")

    def test_copy_source_conditions_that_hold_let_the_copy_happen(self):
        self.copy("cond-ok", CopySourceIfMatch=self.etag,
                  CopySourceIfUnmodifiedSince=datetime.datetime.fromtimestamp(
                      self.modified + 60, datetime.timezone.utc))
        self.copy("cond-ok2", CopySourceIfNoneMatch='"0123"',
                  CopySourceIfModifiedSince=datetime.datetime.fromtimestamp(
                      self.modified - 86400, datetime.timezone.utc))
        self.assertEqual(self.s3().head_object(Bucket=self.bucket, Key="cond-ok2")["ETag"],
                         self.etag)

    def test_copy_source_conditions_that_fail_are_412_and_copy_nothing(self):
        failing = {
            "CopySourceIfMatch": '"0123"',
            "CopySourceIfNoneMatch": self.etag,
            "CopySourceIfModifiedSince": datetime.datetime.fromtimestamp(
                self.modified, datetime.timezone.utc),
            "CopySourceIfUnmodifiedSince": datetime.datetime.fromtimestamp(
                self.modified - 86400, datetime.timezone.utc),
        }
        for name, value in failing.items():
            with self.subTest(condition=name):
                target = "cond-fail-" + name
                with self.assertRaises(ClientError) as caught:
                    self.copy(target, **{name: value})
                self.assertEqual(status_of(caught), 412)
                self.assertEqual(error_code(caught), "PreconditionFailed")
                with self.assertRaises(ClientError):
                    self.s3().head_object(Bucket=self.bucket, Key=target)

    def test_copy_of_a_missing_source_is_no_such_key(self):
        with self.assertRaises(ClientError) as caught:
            self.s3().copy_object(Bucket=self.bucket, Key="x",
                                  CopySource={"Bucket": self.bucket, "Key": "nope"})
        self.assertEqual(error_code(caught), "NoSuchKey")


class DeleteObjects(MossTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = "batch"
        boto3_client(cls.server).create_bucket(Bucket=cls.bucket)

    def put_keys(self, *keys):
        for key in keys:
            self.s3().put_object(Bucket=self.bucket, Key=key, Body=b"x")

    def remaining(self, prefix):
        listed = self.s3().list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return [o["Key"] for o in listed.get("Contents", [])]

    @staticmethod
    def delete_xml(keys, quiet=False):
        objects = "".join(f"<Object><Key>{k}</Key></Object>" for k in keys)
        quiet_xml = "<Quiet>true</Quiet>" if quiet else ""
        return (f'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{quiet_xml}'
                f"{objects}</Delete>").encode()

    def test_boto3_delete_objects_sends_crc32_only_and_deletes_every_key(self):
        self.put_keys("crc/a", "crc/b")
        sent = {}
        s3 = self.s3()
        s3.meta.events.register("before-send.s3.DeleteObjects",
                                lambda request, **_: sent.update(request.headers))
        result = s3.delete_objects(Bucket=self.bucket, Delete={
            "Objects": [{"Key": "crc/a"}, {"Key": "crc/b"}, {"Key": "crc/none"}]})
        self.assertIn("x-amz-checksum-crc32", {k.lower() for k in sent})
        self.assertNotIn("content-md5", {k.lower() for k in sent})
        self.assertEqual(sorted(d["Key"] for d in result["Deleted"]),
                         ["crc/a", "crc/b", "crc/none"])
        self.assertEqual(self.remaining("crc/"), [])

    def test_quiet_mode_reports_no_deleted_keys(self):
        self.put_keys("quiet/a", "quiet/b")
        result = self.s3().delete_objects(Bucket=self.bucket, Delete={
            "Objects": [{"Key": "quiet/a"}, {"Key": "quiet/b"}], "Quiet": True})
        self.assertNotIn("Deleted", result)
        self.assertNotIn("Errors", result)
        self.assertEqual(self.remaining("quiet/"), [])

    def test_content_md5_alone_is_accepted(self):
        self.put_keys("md5/a")
        body = self.delete_xml(["md5/a"])
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        res = signed_http.request(self.server, "POST", object_path(self.bucket), query="delete",
                                  headers={"Content-MD5": md5}, body=body)
        self.assertEqual(res.status, 200, res)
        self.assertEqual([find_text(d, "Key") for d in find_all(res.xml(), "Deleted")], ["md5/a"])
        self.assertEqual(self.remaining("md5/"), [])

    def test_wrong_content_md5_is_bad_digest_and_deletes_nothing(self):
        self.put_keys("badmd5/a")
        body = self.delete_xml(["badmd5/a"])
        md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
        res = signed_http.request(self.server, "POST", object_path(self.bucket), query="delete",
                                  headers={"Content-MD5": md5}, body=body)
        self.assertEqual(res.status, 400)
        self.assertEqual(res.error_code(), "BadDigest")
        self.assertEqual(self.remaining("badmd5/"), ["badmd5/a"])

    def test_without_content_md5_or_checksum_is_refused_and_deletes_nothing(self):
        self.put_keys("bare/a")
        res = signed_http.request(self.server, "POST", object_path(self.bucket), query="delete",
                                  body=self.delete_xml(["bare/a"]))
        self.assertEqual(res.status, 400)
        self.assertEqual(res.error_code(), "InvalidRequest")
        self.assertEqual(self.remaining("bare/"), ["bare/a"])


CREDENTIALS = {"keys": [
    {"access_key_id": "MOSSALICE0000000001", "secret_access_key": "alice-secret-0000000001",
     "name": "alice"},
    {"access_key_id": "MOSSBOB000000000002", "secret_access_key": "bob-secret-00000000002",
     "name": "bob"},
]}
ALICE = CREDENTIALS["keys"][0]
BOB = CREDENTIALS["keys"][1]


class Buckets(MossTestCase):
    """Bucket rules, served by a server that knows two more keys (alice, bob)."""

    @classmethod
    def setUpClass(cls):
        config_dir = tempfile.mkdtemp(prefix="moss-creds-")
        cls.addClassCleanup(shutil.rmtree, config_dir, ignore_errors=True)
        path = os.path.join(config_dir, "credentials.json")
        with open(path, "w") as f:
            json.dump(CREDENTIALS, f)
        cls.server_args = ("--credentials", path)
        super().setUpClass()

    def as_key(self, key, method, bucket, **kwargs):
        return signed_http.request(self.server, method, object_path(bucket),
                                   access_key=key["access_key_id"],
                                   secret_key=key["secret_access_key"], **kwargs)

    def test_invalid_bucket_names_are_refused_with_invalid_bucket_name(self):
        bad = ["ab", "a" * 64, "Upper-case", "under_score", "-leading", "trailing-", ".dot",
               "dot.", "two..dots", "dash.-dot", "192.168.1.1", "xn--punycode", "sthree-x",
               "name-s3alias", "sp ace"]
        for name in bad:
            with self.subTest(name=name):
                res = signed_http.request(self.server, "PUT", "/" + signed_http.aws_quote(name))
                self.assertEqual(res.status, 400, res)
                self.assertEqual(res.error_code(), "InvalidBucketName")
        for name in ("abc", "a" * 63, "with.dots.and-dashes", "1numeric-start"):
            with self.subTest(name=name):
                self.assertEqual(signed_http.request(self.server, "PUT", "/" + name).status, 200)

    def test_creating_your_own_bucket_again_in_us_east_1_answers_200(self):
        # S3's legacy answer in us-east-1; elsewhere 409 BucketAlreadyOwnedByYou
        # (test_s3_conformance_buckets.CreateOwnBucketAgainElsewhere).
        self.assertEqual(self.as_key(ALICE, "PUT", "alice-own").status, 200)
        again = self.as_key(ALICE, "PUT", "alice-own")
        self.assertEqual(again.status, 200, again)

    def test_creating_a_bucket_another_key_owns_is_bucket_already_exists(self):
        self.assertEqual(self.as_key(ALICE, "PUT", "alice-taken").status, 200)
        taken = self.as_key(BOB, "PUT", "alice-taken")
        self.assertEqual(taken.status, 409)
        self.assertEqual(taken.error_code(), "BucketAlreadyExists")

    def test_location_constraint_other_than_the_region_is_refused(self):
        body = (b'<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                b"<LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>")
        res = signed_http.request(self.server, "PUT", "/elsewhere", body=body)
        self.assertEqual(res.status, 400)
        self.assertEqual(signed_http.request(self.server, "HEAD", "/elsewhere").status, 404)

    def test_delete_bucket_with_objects_is_bucket_not_empty_until_emptied(self):
        s3 = self.s3()
        s3.create_bucket(Bucket="full")
        s3.put_object(Bucket="full", Key="k", Body=b"x")
        with self.assertRaises(ClientError) as caught:
            s3.delete_bucket(Bucket="full")
        self.assertEqual(status_of(caught), 409)
        self.assertEqual(error_code(caught), "BucketNotEmpty")
        s3.delete_object(Bucket="full", Key="k")
        s3.delete_bucket(Bucket="full")
        with self.assertRaises(ClientError) as gone:
            s3.head_bucket(Bucket="full")
        self.assertEqual(status_of(gone), 404)

    def test_head_bucket_answers_200_with_region_or_404(self):
        s3 = self.s3()
        s3.create_bucket(Bucket="headed")
        head = s3.head_bucket(Bucket="headed")
        self.assertEqual(head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"],
                         "us-east-1")
        with self.assertRaises(ClientError) as caught:
            s3.head_bucket(Bucket="never-created")
        self.assertEqual(status_of(caught), 404)

    def test_get_bucket_location_is_empty_for_us_east_1(self):
        s3 = self.s3()
        s3.create_bucket(Bucket="located")
        self.assertIsNone(s3.get_bucket_location(Bucket="located")["LocationConstraint"])
        with self.assertRaises(ClientError) as caught:
            s3.get_bucket_location(Bucket="never-created")
        self.assertEqual(error_code(caught), "NoSuchBucket")

    def test_list_buckets_shows_created_buckets(self):
        s3 = self.s3()
        s3.create_bucket(Bucket="listed-bucket")
        names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        self.assertIn("listed-bucket", names)

    def test_unimplemented_operations_answer_501_not_implemented_in_s3_xml(self):
        s3 = self.s3()
        s3.create_bucket(Bucket="unimplemented")
        s3.put_object(Bucket="unimplemented", Key="k", Body=b"x")
        cases = [("GET", object_path("unimplemented", "k"), "tagging"),
                 ("PUT", object_path("unimplemented"), "cors"),
                 ("GET", object_path("unimplemented"), "policy"),
                 ("PUT", object_path("unimplemented", "k"), "tagging")]
        for method, path, query in cases:
            with self.subTest(method=method, query=query):
                res = signed_http.request(self.server, method, path, query=query)
                self.assertEqual(res.status, 501, res)
                self.assertIn("application/xml", res.headers["Content-Type"])
                self.assertEqual(res.error_code(), "NotImplemented")
        # Nothing was changed: the object is still there as it was.
        self.assertEqual(s3.get_object(Bucket="unimplemented", Key="k")["Body"].read(), b"x")


if __name__ == "__main__":
    unittest.main()
