"""S3 write semantics as the AWS S3 API reference states them, checked with
boto3 (and raw signed requests where boto3 would not send what is checked):
UploadPartCopy ranges, re-uploaded parts, a retried CompleteMultipartUpload,
conditional writes on PutObject and CompleteMultipartUpload (If-Match and
If-None-Match with "*" or an ETag, and the 409 of a lost race), an empty
Content-MD5 and a PUT without a length.
"""
import hashlib
import http.client
import os

from botocore.exceptions import ClientError

import signed_http
from moss_harness import MossTestCase
from signed_http import object_path

PART = 5 * 1024 * 1024


def error_code(caught):
    return caught.exception.response["Error"]["Code"]


def status_of(caught):
    return caught.exception.response["ResponseMetadata"]["HTTPStatusCode"]


def multipart_etag(parts):
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    return f'"{digest}-{len(parts)}"'


class MultipartWrites(MossTestCase):
    def setUp(self):
        self.bucket = self.unique_bucket("mpw")

    def create(self, key, **kwargs):
        return self.s3().create_multipart_upload(Bucket=self.bucket, Key=key,
                                                 **kwargs)["UploadId"]

    def upload(self, key, upload_id, number, body):
        return self.s3().upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                     PartNumber=number, Body=body)["ETag"]

    def complete(self, key, upload_id, etags, **kwargs):
        parts = [{"PartNumber": n, "ETag": e} for n, e in sorted(etags.items())]
        return self.s3().complete_multipart_upload(
            Bucket=self.bucket, Key=key, UploadId=upload_id,
            MultipartUpload={"Parts": parts}, **kwargs)

    def test_upload_part_copy_with_a_range_outside_the_source_is_invalid_range(self):
        s3 = self.s3()
        s3.put_object(Bucket=self.bucket, Key="source", Body=b"0123456789")
        upload_id = self.create("dest")
        for bad in ("bytes=0-10", "bytes=10-20", "bytes=5-100"):
            with self.subTest(range=bad), self.assertRaises(ClientError) as caught:
                s3.upload_part_copy(Bucket=self.bucket, Key="dest", UploadId=upload_id,
                                    PartNumber=1, CopySource=f"{self.bucket}/source",
                                    CopySourceRange=bad)
            self.assertEqual(error_code(caught), "InvalidRange")
            self.assertEqual(status_of(caught), 400)
        listed = s3.list_parts(Bucket=self.bucket, Key="dest", UploadId=upload_id)
        self.assertEqual(listed.get("Parts", []), [])
        # The last byte itself is inside.
        s3.upload_part_copy(Bucket=self.bucket, Key="dest", UploadId=upload_id, PartNumber=1,
                            CopySource=f"{self.bucket}/source", CopySourceRange="bytes=9-9")

    def test_a_first_part_uploaded_again_after_the_others_wins(self):
        bodies = [os.urandom(PART) for _ in range(3)]
        upload_id = self.create("retried")
        self.upload("retried", upload_id, 1, b"a first attempt that the client gave up on" * 200_000)
        etags = {2: self.upload("retried", upload_id, 2, bodies[1]),
                 3: self.upload("retried", upload_id, 3, bodies[2])}
        etags[1] = self.upload("retried", upload_id, 1, bodies[0])
        done = self.complete("retried", upload_id, etags)
        self.assertEqual(done["ETag"], multipart_etag(bodies))
        got = self.s3().get_object(Bucket=self.bucket, Key="retried")["Body"].read()
        self.assertEqual(got, b"".join(bodies))

    def test_parts_sent_twice_with_the_same_bytes_complete(self):
        # A client resending a part whose answer it lost, first and last part alike.
        bodies = [os.urandom(PART), os.urandom(PART), b"last"]
        upload_id = self.create("resent")
        etags = {}
        for number, body in enumerate(bodies, start=1):
            etags[number] = self.upload("resent", upload_id, number, body)
            self.assertEqual(self.upload("resent", upload_id, number, body), etags[number])
        self.upload("resent", upload_id, 1, bodies[0])  # once more, after the others
        done = self.complete("resent", upload_id, etags)
        self.assertEqual(done["ETag"], multipart_etag(bodies))
        got = self.s3().get_object(Bucket=self.bucket, Key="resent")["Body"].read()
        self.assertEqual(got, b"".join(bodies))

    def completed_upload(self, key, parts=2):
        bodies = [os.urandom(PART) for _ in range(parts - 1)] + [b"tail"]
        upload_id = self.create(key)
        etags = {n + 1: self.upload(key, upload_id, n + 1, body) for n, body in enumerate(bodies)}
        return upload_id, etags, bodies

    def test_complete_retried_after_success_answers_the_same_result(self):
        self.s3().put_bucket_versioning(Bucket=self.bucket,
                                        VersioningConfiguration={"Status": "Enabled"})
        upload_id, etags, bodies = self.completed_upload("twice")
        first = self.complete("twice", upload_id, etags)
        again = self.complete("twice", upload_id, etags)
        self.assertEqual(again["ETag"], first["ETag"])
        self.assertEqual(again["VersionId"], first["VersionId"])
        self.assertEqual(again["Key"], "twice")
        versions = self.s3().list_object_versions(Bucket=self.bucket, Prefix="twice")
        self.assertEqual(len(versions.get("Versions", [])), 1, "the object was written twice")
        got = self.s3().get_object(Bucket=self.bucket, Key="twice")["Body"].read()
        self.assertEqual(got, b"".join(bodies))

    def test_complete_retried_with_other_parts_or_after_an_overwrite_is_no_such_upload(self):
        upload_id, etags, _ = self.completed_upload("retry-other")
        self.complete("retry-other", upload_id, etags)
        with self.assertRaises(ClientError) as caught:
            self.complete("retry-other", upload_id, {1: etags[1]})
        self.assertEqual(error_code(caught), "NoSuchUpload")
        self.s3().put_object(Bucket=self.bucket, Key="retry-other", Body=b"newer")
        with self.assertRaises(ClientError) as caught:
            self.complete("retry-other", upload_id, etags)
        self.assertEqual(error_code(caught), "NoSuchUpload")
        got = self.s3().get_object(Bucket=self.bucket, Key="retry-other")["Body"].read()
        self.assertEqual(got, b"newer")

    def test_complete_with_if_none_match_star_on_an_existing_key_is_412(self):
        self.s3().put_object(Bucket=self.bucket, Key="exists", Body=b"already here")
        upload_id, etags, _ = self.completed_upload("exists")
        with self.assertRaises(ClientError) as caught:
            self.complete("exists", upload_id, etags, IfNoneMatch="*")
        self.assertEqual(status_of(caught), 412)
        self.assertEqual(error_code(caught), "PreconditionFailed")
        got = self.s3().get_object(Bucket=self.bucket, Key="exists")["Body"].read()
        self.assertEqual(got, b"already here")
        # The upload is still there to complete without the condition.
        self.complete("exists", upload_id, etags)

    def test_complete_with_if_match_follows_the_current_object(self):
        upload_id, etags, bodies = self.completed_upload("im")
        with self.assertRaises(ClientError) as caught:
            self.complete("im", upload_id, etags, IfMatch='"0123456789abcdef0123456789abcdef"')
        self.assertEqual(status_of(caught), 404)
        self.assertEqual(error_code(caught), "NoSuchKey")
        current = self.s3().put_object(Bucket=self.bucket, Key="im", Body=b"v1")["ETag"]
        with self.assertRaises(ClientError) as caught:
            self.complete("im", upload_id, etags, IfMatch='"0123456789abcdef0123456789abcdef"')
        self.assertEqual(status_of(caught), 412)
        done = self.complete("im", upload_id, etags, IfMatch=current)
        self.assertEqual(done["ETag"], multipart_etag(bodies))

    def test_two_uploads_of_one_key_with_if_none_match_star_only_one_completes(self):
        first_id, first_etags, first_bodies = self.completed_upload("race")
        second_id, second_etags, _ = self.completed_upload("race")
        self.complete("race", first_id, first_etags, IfNoneMatch="*")
        with self.assertRaises(ClientError) as caught:
            self.complete("race", second_id, second_etags, IfNoneMatch="*")
        self.assertIn((status_of(caught), error_code(caught)),
                      [(412, "PreconditionFailed"), (409, "ConditionalRequestConflict")])
        got = self.s3().get_object(Bucket=self.bucket, Key="race")["Body"].read()
        self.assertEqual(got, b"".join(first_bodies))

    def test_complete_losing_a_race_to_a_put_after_its_check_is_409(self):
        upload_id, etags, _ = self.completed_upload("lost")
        body = ("<CompleteMultipartUpload>" + "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>"
            for n, e in sorted(etags.items())) + "</CompleteMultipartUpload>").encode()
        path = object_path(self.bucket, "lost")
        query = signed_http.query_string({"uploadId": upload_id})
        headers = {"If-None-Match": "*", "Content-Length": str(len(body)),
                   "Expect": "100-continue"}
        signed = signed_http.sign(self.server, "POST", path, query, headers, body)
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        conn.putrequest("POST", path + "?" + query, skip_host=True, skip_accept_encoding=True)
        for name, value in signed.items():
            conn.putheader(name, value)
        conn.endheaders()
        # 100 Continue: the condition held when the server checked it.
        interim = b""
        while not interim.endswith(b"\r\n\r\n"):
            interim += conn.sock.recv(1)
        self.assertTrue(interim.startswith(b"HTTP/1.1 100"), interim)
        self.s3().put_object(Bucket=self.bucket, Key="lost", Body=b"the winner")
        conn.send(body)
        res = conn.getresponse()
        answer = signed_http.Response(res.status, res.headers, res.read())
        conn.close()
        self.assertEqual(answer.status, 409, answer)
        self.assertEqual(answer.error_code(), "ConditionalRequestConflict")
        got = self.s3().get_object(Bucket=self.bucket, Key="lost")["Body"].read()
        self.assertEqual(got, b"the winner")


class ConditionalPuts(MossTestCase):
    def setUp(self):
        self.bucket = self.unique_bucket("cw")

    def body_of(self, key):
        return self.s3().get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def test_if_none_match_with_the_current_etag_is_412_and_another_etag_writes(self):
        s3 = self.s3()
        etag = s3.put_object(Bucket=self.bucket, Key="k", Body=b"v1")["ETag"]
        with self.assertRaises(ClientError) as caught:
            s3.put_object(Bucket=self.bucket, Key="k", Body=b"v2", IfNoneMatch=etag)
        self.assertEqual(status_of(caught), 412)
        self.assertEqual(error_code(caught), "PreconditionFailed")
        self.assertEqual(self.body_of("k"), b"v1")
        s3.put_object(Bucket=self.bucket, Key="k", Body=b"v3",
                      IfNoneMatch='"0123456789abcdef0123456789abcdef"')
        self.assertEqual(self.body_of("k"), b"v3")

    def test_if_none_match_with_an_etag_on_a_missing_key_writes(self):
        self.s3().put_object(Bucket=self.bucket, Key="new", Body=b"x",
                             IfNoneMatch='"0123456789abcdef0123456789abcdef"')
        self.assertEqual(self.body_of("new"), b"x")

    def test_if_match_star_needs_a_current_object(self):
        s3 = self.s3()
        with self.assertRaises(ClientError) as caught:
            s3.put_object(Bucket=self.bucket, Key="star", Body=b"x", IfMatch="*")
        self.assertEqual(status_of(caught), 404)
        self.assertEqual(error_code(caught), "NoSuchKey")
        s3.put_object(Bucket=self.bucket, Key="star", Body=b"v1")
        s3.put_object(Bucket=self.bucket, Key="star", Body=b"v2", IfMatch="*")
        self.assertEqual(self.body_of("star"), b"v2")

    def test_a_delete_marker_is_no_current_object(self):
        s3 = self.s3()
        s3.put_bucket_versioning(Bucket=self.bucket,
                                 VersioningConfiguration={"Status": "Enabled"})
        s3.put_object(Bucket=self.bucket, Key="gone", Body=b"v1")
        s3.delete_object(Bucket=self.bucket, Key="gone")
        with self.assertRaises(ClientError) as caught:
            s3.put_object(Bucket=self.bucket, Key="gone", Body=b"x", IfMatch="*")
        self.assertEqual(error_code(caught), "NoSuchKey")
        s3.put_object(Bucket=self.bucket, Key="gone", Body=b"v2", IfNoneMatch="*")
        self.assertEqual(self.body_of("gone"), b"v2")


class PutWithoutALength(MossTestCase):
    def setUp(self):
        self.bucket = self.unique_bucket("len")

    def test_an_empty_content_md5_is_invalid_digest(self):
        res = signed_http.request(self.server, "PUT", object_path(self.bucket, "md5"),
                                  headers={"Content-MD5": ""}, body=b"data")
        self.assertEqual(res.status, 400, res)
        self.assertEqual(res.error_code(), "InvalidDigest")
        with self.assertRaises(ClientError):
            self.s3().head_object(Bucket=self.bucket, Key="md5")

    def raw_put(self, path, query=""):
        """A signed PUT with neither Content-Length nor Transfer-Encoding."""
        signed = signed_http.sign(self.server, "PUT", path, query, unsigned_payload=True)
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        try:
            conn.putrequest("PUT", path + ("?" + query if query else ""), skip_host=True,
                            skip_accept_encoding=True)
            for name, value in signed.items():
                if name.lower() != "content-length":
                    conn.putheader(name, value)
            conn.endheaders()
            res = conn.getresponse()
            return signed_http.Response(res.status, res.headers, res.read())
        finally:
            conn.close()

    def test_put_object_without_content_length_is_411(self):
        res = self.raw_put(object_path(self.bucket, "nolength"))
        self.assertEqual(res.status, 411, res)
        self.assertEqual(res.error_code(), "MissingContentLength")
        with self.assertRaises(ClientError):
            self.s3().head_object(Bucket=self.bucket, Key="nolength")

    def test_upload_part_without_content_length_is_411(self):
        upload_id = self.s3().create_multipart_upload(Bucket=self.bucket,
                                                      Key="parts")["UploadId"]
        query = signed_http.query_string({"partNumber": "1", "uploadId": upload_id})
        res = self.raw_put(object_path(self.bucket, "parts"), query)
        self.assertEqual(res.status, 411, res)
        self.assertEqual(res.error_code(), "MissingContentLength")
        listed = self.s3().list_parts(Bucket=self.bucket, Key="parts", UploadId=upload_id)
        self.assertEqual(listed.get("Parts", []), [])

    def test_an_empty_put_with_content_length_zero_is_stored(self):
        res = signed_http.request(self.server, "PUT", object_path(self.bucket, "empty"),
                                  headers={"Content-Length": "0"})
        self.assertEqual(res.status, 200, res)
        self.assertEqual(self.s3().head_object(Bucket=self.bucket, Key="empty")["ContentLength"], 0)
