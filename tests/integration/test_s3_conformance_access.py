"""S3 access behaviour as the AWS S3 API reference states it, checked with
boto3 (signed, and unsigned through botocore's UNSIGNED config), curl and raw
signed requests: canned ACLs (private, public-read) and what anonymous
requests may and may not do, presigned URL lifetimes, CORS preflights without
an Origin, keys that are not UTF-8, and the x-amz-delete-marker header of a
404.
"""
import json
import os
import subprocess
import tempfile
import unittest
import urllib.error
import urllib.request

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

import signed_http
from moss_harness import REGION, MossServer, MossTestCase, which

ADMIN = ("ACLADMINKEY0", "acladminsecret0")
WRITER = ("ACLWRITERKEY", "aclwritersecret")  # may write objects, not ACLs


def error_code(caught):
    return caught.exception.response["Error"]["Code"]


def status_of(caught):
    return caught.exception.response["ResponseMetadata"]["HTTPStatusCode"]


def urlopen(url, method="GET", data=None, headers=None):
    request = urllib.request.Request(url, method=method, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as res:
            return res.status, dict(res.headers), res.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def curl(*args):
    """curl without signing: (status, body)."""
    out = subprocess.run([which("curl"), "-s", "-o", "-", "-w", "\n%{http_code}", *args],
                         capture_output=True, check=True).stdout
    body, _, status = out.rpartition(b"\n")
    return int(status), body


class CannedAcls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fd, cls.credentials = tempfile.mkstemp(prefix="moss-credentials-", suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump({"keys": [
                {"access_key_id": ADMIN[0], "secret_access_key": ADMIN[1], "name": "admin",
                 "policy": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}},
                {"access_key_id": WRITER[0], "secret_access_key": WRITER[1], "name": "writer",
                 "policy": {"Statement": [{"Effect": "Allow",
                                           "Action": ["s3:PutObject", "s3:GetObject",
                                                      "s3:CreateBucket", "s3:GetObjectAcl",
                                                      "s3:GetBucketAcl"],
                                           "Resource": "*"}]}},
            ]}, f)
        cls.server = MossServer(credentials=False,
                                extra_args=["--credentials", cls.credentials]).start()
        cls.addClassCleanup(os.unlink, cls.credentials)
        cls.addClassCleanup(cls.server.cleanup)

    def client(self, key=ADMIN):
        return boto3.client(
            "s3", endpoint_url=self.server.endpoint, region_name=REGION,
            aws_access_key_id=key[0], aws_secret_access_key=key[1],
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

    def anonymous(self):
        return boto3.client(
            "s3", endpoint_url=self.server.endpoint, region_name=REGION,
            config=Config(signature_version=UNSIGNED, s3={"addressing_style": "path"},
                          retries={"max_attempts": 1}))

    def url(self, bucket, key=""):
        return f"{self.server.endpoint}/{bucket}/{key}"

    def new_bucket(self, name, **kwargs):
        self.client().create_bucket(Bucket=name, **kwargs)
        return name

    def grants(self, acl):
        return sorted((g["Grantee"].get("URI") or g["Grantee"]["Type"], g["Permission"])
                      for g in acl["Grants"])

    def assertDenied(self, call):
        with self.assertRaises(ClientError) as caught:
            call()
        self.assertEqual(status_of(caught), 403, caught.exception.response)
        if error_code(caught) != "403":  # HEAD answers carry no body
            self.assertEqual(error_code(caught), "AccessDenied")

    def test_a_public_read_object_is_served_to_anonymous_get_and_head_only(self):
        bucket = self.new_bucket("acl-objects")
        s3 = self.client()
        s3.put_object(Bucket=bucket, Key="public", Body=b"for everyone", ACL="public-read")
        s3.put_object(Bucket=bucket, Key="private", Body=b"not for you")
        anon = self.anonymous()
        self.assertEqual(anon.get_object(Bucket=bucket, Key="public")["Body"].read(),
                         b"for everyone")
        self.assertEqual(anon.head_object(Bucket=bucket, Key="public")["ContentLength"], 12)
        ranged = anon.get_object(Bucket=bucket, Key="public", Range="bytes=4-6")
        self.assertEqual(ranged["Body"].read(), b"eve")
        # Its private neighbour, and everything but reading.
        self.assertDenied(lambda: anon.get_object(Bucket=bucket, Key="private"))
        self.assertDenied(lambda: anon.head_object(Bucket=bucket, Key="private"))
        self.assertDenied(lambda: anon.head_object(Bucket=bucket, Key="missing"))
        self.assertDenied(lambda: anon.put_object(Bucket=bucket, Key="public", Body=b"x"))
        self.assertDenied(lambda: anon.put_object(Bucket=bucket, Key="new", Body=b"x"))
        self.assertDenied(lambda: anon.delete_object(Bucket=bucket, Key="public"))
        self.assertDenied(lambda: anon.list_objects_v2(Bucket=bucket))
        self.assertDenied(lambda: anon.get_object_acl(Bucket=bucket, Key="public"))
        self.assertDenied(lambda: anon.put_object_acl(Bucket=bucket, Key="private",
                                                      ACL="public-read"))
        self.assertDenied(lambda: anon.list_buckets())
        self.assertDenied(lambda: anon.create_multipart_upload(Bucket=bucket, Key="mp"))
        self.assertEqual(s3.get_object(Bucket=bucket, Key="public")["Body"].read(),
                         b"for everyone")
        with self.assertRaises(ClientError):
            s3.head_object(Bucket=bucket, Key="new")

    def test_curl_without_signing_reads_public_and_is_refused_the_rest(self):
        bucket = self.new_bucket("acl-curl")
        s3 = self.client()
        s3.put_object(Bucket=bucket, Key="m/model.gguf", Body=b"GGUF" + bytes(100),
                      ACL="public-read")
        s3.put_object(Bucket=bucket, Key="m/secret", Body=b"s")
        status, body = curl("-r", "0-3", self.url(bucket, "m/model.gguf"))
        self.assertEqual((status, body), (206, b"GGUF"))
        self.assertEqual(curl(self.url(bucket, "m/secret"))[0], 403)
        self.assertEqual(curl("-X", "PUT", "--data-binary", "x", self.url(bucket, "m/x"))[0], 403)
        self.assertEqual(curl("-X", "DELETE", self.url(bucket, "m/model.gguf"))[0], 403)
        self.assertEqual(curl(self.url(bucket))[0], 403)
        self.assertEqual(curl(self.url(bucket) + "?list-type=2")[0], 403)
        # moss's own API and admin operations.
        status, _ = curl(f"{self.server.endpoint}/_moss/v1/models?bucket={bucket}")
        self.assertEqual(status, 403)
        self.assertEqual(curl("-X", "POST", f"{self.server.endpoint}/_moss/lifecycle/run")[0], 403)
        self.assertEqual(curl(f"{self.server.endpoint}/_moss/v1/audit")[0], 403)
        self.assertEqual(curl(self.url(bucket) + "?acl")[0], 403)
        self.assertEqual(curl(self.url(bucket, "m/model.gguf") + "?tagging")[0], 403)

    def test_a_public_read_bucket_serves_every_object_but_no_listing_or_write(self):
        bucket = self.new_bucket("acl-mirror", ACL="public-read")
        s3 = self.client()
        s3.put_object(Bucket=bucket, Key="blobs/sha256-abc", Body=b"layer bytes")
        anon = self.anonymous()
        self.assertEqual(anon.get_object(Bucket=bucket, Key="blobs/sha256-abc")["Body"].read(),
                         b"layer bytes")
        with self.assertRaises(ClientError) as caught:
            anon.get_object(Bucket=bucket, Key="blobs/missing")
        self.assertEqual(error_code(caught), "NoSuchKey")
        self.assertDenied(lambda: anon.list_objects_v2(Bucket=bucket))
        self.assertDenied(lambda: anon.put_object(Bucket=bucket, Key="blobs/x", Body=b"x"))
        self.assertDenied(lambda: anon.delete_object(Bucket=bucket, Key="blobs/sha256-abc"))
        self.assertEqual(self.grants(s3.get_bucket_acl(Bucket=bucket)),
                         [("CanonicalUser", "FULL_CONTROL"),
                          ("http://acs.amazonaws.com/groups/global/AllUsers", "READ")])
        # Made private again, it serves nobody unsigned; its neighbour never did.
        s3.put_bucket_acl(Bucket=bucket, ACL="private")
        self.assertEqual(self.grants(s3.get_bucket_acl(Bucket=bucket)),
                         [("CanonicalUser", "FULL_CONTROL")])
        self.assertDenied(lambda: anon.get_object(Bucket=bucket, Key="blobs/sha256-abc"))
        neighbour = self.new_bucket("acl-neighbour")
        s3.put_object(Bucket=neighbour, Key="blobs/sha256-abc", Body=b"private")
        self.assertDenied(lambda: anon.get_object(Bucket=neighbour, Key="blobs/sha256-abc"))

    def test_object_acls_are_reported_and_changed(self):
        bucket = self.new_bucket("acl-report")
        s3 = self.client()
        s3.put_object(Bucket=bucket, Key="k", Body=b"v")
        acl = s3.get_object_acl(Bucket=bucket, Key="k")
        self.assertEqual(self.grants(acl), [("CanonicalUser", "FULL_CONTROL")])
        self.assertEqual(acl["Owner"]["DisplayName"], "admin")
        self.assertEqual(acl["Grants"][0]["Grantee"]["ID"], acl["Owner"]["ID"])
        s3.put_object_acl(Bucket=bucket, Key="k", ACL="public-read")
        self.assertEqual(self.grants(s3.get_object_acl(Bucket=bucket, Key="k")),
                         [("CanonicalUser", "FULL_CONTROL"),
                          ("http://acs.amazonaws.com/groups/global/AllUsers", "READ")])
        self.assertEqual(self.anonymous().get_object(Bucket=bucket, Key="k")["Body"].read(), b"v")
        s3.put_object_acl(Bucket=bucket, Key="k", ACL="private")
        self.assertDenied(lambda: self.anonymous().get_object(Bucket=bucket, Key="k"))
        with self.assertRaises(ClientError) as caught:
            s3.put_object_acl(Bucket=bucket, Key="missing", ACL="public-read")
        self.assertEqual(error_code(caught), "NoSuchKey")

    def test_acls_given_at_copy_and_multipart_create_apply(self):
        bucket = self.new_bucket("acl-writes")
        s3 = self.client()
        anon = self.anonymous()
        s3.put_object(Bucket=bucket, Key="src", Body=b"source", ACL="public-read")
        # A copy is private unless it says otherwise.
        s3.copy_object(Bucket=bucket, Key="copy-private", CopySource=f"{bucket}/src")
        self.assertDenied(lambda: anon.get_object(Bucket=bucket, Key="copy-private"))
        s3.copy_object(Bucket=bucket, Key="copy-public", CopySource=f"{bucket}/src",
                       ACL="public-read")
        self.assertEqual(anon.get_object(Bucket=bucket, Key="copy-public")["Body"].read(),
                         b"source")
        upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ACL="public-read")
        etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload["UploadId"], PartNumber=1,
                              Body=b"multipart")["ETag"]
        s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload["UploadId"],
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
        self.assertEqual(anon.get_object(Bucket=bucket, Key="mp")["Body"].read(), b"multipart")
        # Overwritten without an ACL, the key's new version is private.
        s3.put_object(Bucket=bucket, Key="src", Body=b"newer")
        self.assertDenied(lambda: anon.get_object(Bucket=bucket, Key="src"))

    def test_each_version_has_its_own_acl(self):
        bucket = self.new_bucket("acl-versions")
        s3 = self.client()
        anon = self.anonymous()
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one", ACL="public-read")["VersionId"]
        v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"two")["VersionId"]
        self.assertDenied(lambda: anon.get_object(Bucket=bucket, Key="k"))
        self.assertEqual(anon.get_object(Bucket=bucket, Key="k", VersionId=v1)["Body"].read(),
                         b"one")
        self.assertDenied(lambda: anon.get_object(Bucket=bucket, Key="k", VersionId=v2))
        s3.put_object_acl(Bucket=bucket, Key="k", VersionId=v2, ACL="public-read")
        self.assertEqual(anon.get_object(Bucket=bucket, Key="k")["Body"].read(), b"two")
        acl = s3.get_object_acl(Bucket=bucket, Key="k", VersionId=v1)
        self.assertIn(("http://acs.amazonaws.com/groups/global/AllUsers", "READ"),
                      self.grants(acl))
        # A delete marker on top hides every version from anonymous reads of the key.
        s3.delete_object(Bucket=bucket, Key="k")
        self.assertDenied(lambda: anon.get_object(Bucket=bucket, Key="k"))

    def test_other_acls_and_grants_are_not_implemented(self):
        bucket = self.new_bucket("acl-other")
        s3 = self.client()
        for acl in ("public-read-write", "authenticated-read", "bucket-owner-full-control"):
            with self.subTest(acl=acl):
                with self.assertRaises(ClientError) as caught:
                    s3.put_object(Bucket=bucket, Key="k", Body=b"v", ACL=acl)
                self.assertEqual(status_of(caught), 501)
                self.assertEqual(error_code(caught), "NotImplemented")
                with self.assertRaises(ClientError) as caught:
                    s3.create_bucket(Bucket=f"acl-other-{acl}", ACL=acl)
                self.assertEqual(status_of(caught), 501)
        with self.assertRaises(ClientError):
            s3.head_object(Bucket=bucket, Key="k")
        s3.put_object(Bucket=bucket, Key="k", Body=b"v")
        with self.assertRaises(ClientError) as caught:
            s3.put_object_acl(Bucket=bucket, Key="k", GrantRead='uri="http://acs.amazonaws.com/'
                                                               'groups/global/AllUsers"')
        self.assertEqual(status_of(caught), 501)
        owner = s3.get_object_acl(Bucket=bucket, Key="k")["Owner"]
        with self.assertRaises(ClientError) as caught:
            s3.put_object_acl(Bucket=bucket, Key="k", AccessControlPolicy={
                "Owner": owner, "Grants": [{"Grantee": {"Type": "CanonicalUser",
                                                        "ID": owner["ID"]},
                                            "Permission": "FULL_CONTROL"}]})
        self.assertEqual(status_of(caught), 501)
        with self.assertRaises(ClientError) as caught:
            s3.put_bucket_acl(Bucket=bucket, ACL="public-read-write")
        self.assertEqual(status_of(caught), 501)
        self.assertEqual(self.grants(s3.get_bucket_acl(Bucket=bucket)),
                         [("CanonicalUser", "FULL_CONTROL")])

    def test_changing_an_acl_needs_its_own_permission(self):
        bucket = self.new_bucket("acl-policy")
        writer = self.client(WRITER)
        writer.put_object(Bucket=bucket, Key="k", Body=b"v")
        self.assertDenied(lambda: writer.put_object_acl(Bucket=bucket, Key="k",
                                                        ACL="public-read"))
        self.assertDenied(lambda: writer.put_bucket_acl(Bucket=bucket, ACL="public-read"))
        self.assertEqual(self.grants(writer.get_object_acl(Bucket=bucket, Key="k")),
                         [("CanonicalUser", "FULL_CONTROL")])
        self.assertDenied(lambda: self.anonymous().get_object(Bucket=bucket, Key="k"))

    def test_anonymous_reads_are_logged_and_audited_as_anonymous(self):
        bucket = self.new_bucket("acl-audit")
        self.client().put_object(Bucket=bucket, Key="audited", Body=b"v", ACL="public-read")
        self.anonymous().get_object(Bucket=bucket, Key="audited")["Body"].read()
        line = self.server.wait_for_log_line(
            lambda l: '"key":"audited"' in l and '"operation":"GetObject"' in l and
            '"access_key":"anonymous"' in l)
        self.assertIsNotNone(line, self.server.log_tail())
        status, body = signed_http_get_audit(self.server, bucket)
        self.assertEqual(status, 200, body)
        entries = [e for e in json.loads(body)["events"] if e.get("key") == "audited"]
        self.assertEqual(len(entries), 1, body)
        self.assertEqual(entries[0]["key_name"], "anonymous", entries[0])
        self.assertEqual(entries[0]["status"], 200, entries[0])

    def test_the_public_read_marks_survive_a_restart(self):
        bucket = self.new_bucket("acl-durable", ACL="public-read")
        other = self.new_bucket("acl-durable-obj")
        self.client().put_object(Bucket=bucket, Key="k", Body=b"bucket-wide")
        self.client().put_object(Bucket=other, Key="k", Body=b"object", ACL="public-read")
        self.server.restart()
        anon = self.anonymous()
        self.assertEqual(anon.get_object(Bucket=bucket, Key="k")["Body"].read(), b"bucket-wide")
        self.assertEqual(anon.get_object(Bucket=other, Key="k")["Body"].read(), b"object")


def signed_http_get_audit(server, bucket):
    res = signed_http.request(server, "GET", "/_moss/v1/audit",
                              signed_http.query_string({"bucket": bucket}),
                              access_key=ADMIN[0], secret_key=ADMIN[1])
    return res.status, res.body


class PresignedLifetimes(MossTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = "presigned-lifetimes"
        s3 = cls.server and boto3.client(
            "s3", endpoint_url=cls.server.endpoint, region_name=REGION,
            aws_access_key_id="MOSSTESTKEY00000001",
            aws_secret_access_key="moss-test-secret-key-0000000000000000001",
            config=Config(s3={"addressing_style": "path"}))
        s3.create_bucket(Bucket=cls.bucket)
        s3.put_object(Bucket=cls.bucket, Key="k", Body=b"value")

    def presign(self, method, expires, **config):
        return self.s3(**config).generate_presigned_url(
            method, Params={"Bucket": self.bucket, "Key": "k"}, ExpiresIn=expires)

    def test_a_lifetime_of_zero_negative_or_over_a_week_is_403_for_get_and_put(self):
        for expires in (0, -60, 604801, 10 ** 9):
            for method, http_method in (("get_object", "GET"), ("put_object", "PUT")):
                with self.subTest(expires=expires, method=http_method):
                    url = self.presign(method, expires, signature_version="s3v4")
                    self.assertIn(f"X-Amz-Expires={expires}&", url)
                    status, _, body = urlopen(url, method=http_method,
                                              data=b"overwritten" if http_method == "PUT"
                                              else None)
                    self.assertEqual(status, 403, body)
                    self.assertIn(b"<Code>AccessDenied</Code>", body)
                    if expires == 0:
                        self.assertIn(b"Request has expired", body)
        self.assertEqual(self.s3().get_object(Bucket=self.bucket, Key="k")["Body"].read(),
                         b"value")

    def test_a_week_is_still_accepted(self):
        status, _, body = urlopen(self.presign("get_object", 604800, signature_version="s3v4"))
        self.assertEqual((status, body), (200, b"value"))

    def test_a_sigv2_url_whose_expiry_passed_is_403_request_has_expired(self):
        for method, http_method in (("get_object", "GET"), ("put_object", "PUT")):
            url = self.presign(method, -60, signature_version="s3")
            self.assertIn("Expires=", url)
            status, _, body = urlopen(url, method=http_method,
                                      data=b"late" if http_method == "PUT" else None)
            self.assertEqual(status, 403, body)
            self.assertIn(b"<Code>AccessDenied</Code>", body)
            self.assertIn(b"Request has expired", body)


class RequestShapes(MossTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = "request-shapes"
        s3 = boto3.client(
            "s3", endpoint_url=cls.server.endpoint, region_name=REGION,
            aws_access_key_id="MOSSTESTKEY00000001",
            aws_secret_access_key="moss-test-secret-key-0000000000000000001",
            config=Config(s3={"addressing_style": "path"}))
        s3.create_bucket(Bucket=cls.bucket)
        s3.put_object(Bucket=cls.bucket, Key="k", Body=b"value")

    def test_options_without_origin_is_400_and_with_one_403(self):
        for path in ("/", f"/{self.bucket}", f"/{self.bucket}/k"):
            with self.subTest(path=path):
                status, body = curl("-X", "OPTIONS", self.server.endpoint + path)
                self.assertEqual(status, 400, body)
                self.assertIn(b"<Code>BadRequest</Code>", body)
                status, body = curl("-X", "OPTIONS", "-H", "Origin: https://example.com",
                                    "-H", "Access-Control-Request-Method: GET",
                                    self.server.endpoint + path)
                self.assertEqual(status, 403, body)
                self.assertIn(b"<Code>AccessForbidden</Code>", body)

    def test_a_key_that_is_not_utf8_is_400_for_every_object_operation(self):
        path = f"/{self.bucket}/bad%FF%FEkey"
        cases = [("GET", ""), ("HEAD", ""), ("PUT", ""), ("DELETE", ""), ("POST", "uploads"),
                 ("GET", "acl"), ("PUT", "partNumber=1&uploadId=x"), ("GET", "uploadId=x"),
                 ("POST", "uploadId=x"), ("DELETE", "uploadId=x")]
        for method, query in cases:
            with self.subTest(method=method, query=query):
                res = signed_http.request(self.server, method, path, query,
                                          body=b"x" if method == "PUT" else b"")
                self.assertEqual(res.status, 400, res)
                if method != "HEAD":
                    self.assertIn(res.error_code(), ("InvalidURI", "InvalidArgument"))
        # As a copy source too.
        res = signed_http.request(self.server, "PUT", f"/{self.bucket}/dest",
                                  headers={"x-amz-copy-source": f"/{self.bucket}/bad%FF%FEkey"})
        self.assertEqual(res.status, 400, res)
        self.assertIn(res.error_code(), ("InvalidURI", "InvalidArgument"))

    def test_404_of_a_key_says_whether_it_is_a_delete_marker(self):
        s3 = self.s3()
        for call in (s3.head_object, s3.get_object):
            with self.subTest(call=call.__name__), self.assertRaises(ClientError) as caught:
                call(Bucket=self.bucket, Key="never-written")
            headers = caught.exception.response["ResponseMetadata"]["HTTPHeaders"]
            self.assertEqual(status_of(caught), 404)
            self.assertEqual(headers.get("x-amz-delete-marker"), "false")
        versioned = self.unique_bucket("dm")
        s3.put_bucket_versioning(Bucket=versioned,
                                 VersioningConfiguration={"Status": "Enabled"})
        s3.put_object(Bucket=versioned, Key="k", Body=b"v")
        marker = s3.delete_object(Bucket=versioned, Key="k")["VersionId"]
        for call in (s3.head_object, s3.get_object):
            with self.subTest(call=call.__name__), self.assertRaises(ClientError) as caught:
                call(Bucket=versioned, Key="k")
            headers = caught.exception.response["ResponseMetadata"]["HTTPHeaders"]
            self.assertEqual(status_of(caught), 404)
            self.assertEqual(headers.get("x-amz-delete-marker"), "true")
            self.assertEqual(headers.get("x-amz-version-id"), marker)


if __name__ == "__main__":
    unittest.main()
