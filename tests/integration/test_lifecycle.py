"""Lifecycle rules against the real server: the configuration API with boto3
and raw signed requests (exact S3 errors, nothing changed by a refused
configuration), and the background worker driven deterministically: the
server runs with --lifecycle-clock-offset 3d, so every rule of a day or two
is due, and POST /_moss/lifecycle/run runs the worker and answers when it is
done (docs/versioning.md). Disk usage is measured under <data>/blobs.
"""
import base64
import hashlib
import json
import os
import time
import unittest

from botocore.exceptions import ClientError

from moss_harness import MossTestCase, blob_usage
import signed_http

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
MIB = 1024 * 1024


def put_lifecycle_xml(server, bucket, xml, md5=True):
    body = xml.encode()
    headers = {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()} if md5 else {}
    return signed_http.request(server, "PUT", "/" + bucket, "lifecycle", headers=headers,
                               body=body)


def run_lifecycle(server):
    res = signed_http.request(server, "POST", "/_moss/lifecycle/run")
    assert res.status == 200, res
    assert res.headers["Content-Type"] == "application/json", res.headers
    return json.loads(res.body)


def rule_xml(body):
    return ("<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule>" +
            body + "</Rule></LifecycleConfiguration>")


class LifecycleConfigurationApi(MossTestCase):
    def test_a_bucket_without_rules_has_no_lifecycle_configuration(self):
        bucket = self.unique_bucket()
        with self.assertRaises(ClientError) as ctx:
            self.s3().get_bucket_lifecycle_configuration(Bucket=bucket)
        self.assertEqual(ctx.exception.response["Error"]["Code"], "NoSuchLifecycleConfiguration")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        self.assertEqual(ctx.exception.response["Error"]["BucketName"], bucket)
        # Deleting a configuration that is not there succeeds.
        self.s3().delete_bucket_lifecycle(Bucket=bucket)

    def test_put_get_and_delete_round_trip(self):
        s3 = self.s3()
        bucket = self.unique_bucket()
        rules = [
            {"ID": "keep-two", "Filter": {"Prefix": "models/"}, "Status": "Enabled",
             "NoncurrentVersionExpiration": {"NoncurrentDays": 1, "NewerNoncurrentVersions": 2}},
            {"ID": "scratch", "Filter": {"Prefix": "tmp/"}, "Status": "Disabled",
             "Expiration": {"Days": 7},
             "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}},
            {"ID": "markers", "Filter": {}, "Status": "Enabled",
             "Expiration": {"ExpiredObjectDeleteMarker": True}},
        ]
        s3.put_bucket_lifecycle_configuration(Bucket=bucket,
                                              LifecycleConfiguration={"Rules": rules})
        got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        self.assertEqual(got, rules)
        s3.delete_bucket_lifecycle(Bucket=bucket)
        with self.assertRaises(ClientError):
            s3.get_bucket_lifecycle_configuration(Bucket=bucket)

    def test_the_older_rule_level_prefix_is_kept_as_given(self):
        bucket = self.unique_bucket()
        res = put_lifecycle_xml(self.server, bucket, rule_xml(
            "<ID>old-style</ID><Prefix>logs/</Prefix><Status>Enabled</Status>"
            "<Expiration><Days>3</Days></Expiration>"))
        self.assertEqual(res.status, 200, res)
        got = self.s3().get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        self.assertEqual(got, [{"ID": "old-style", "Prefix": "logs/", "Status": "Enabled",
                                "Expiration": {"Days": 3}}])

    def test_a_rule_without_id_gets_one(self):
        s3 = self.s3()
        bucket = self.unique_bucket()
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
            {"Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"Days": 1}}]})
        rule = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]
        self.assertTrue(rule["ID"])

    def test_invalid_configurations_get_s3s_errors_and_change_nothing(self):
        s3 = self.s3()
        bucket = self.unique_bucket()
        good = [{"ID": "good", "Filter": {"Prefix": "a/"}, "Status": "Enabled",
                 "Expiration": {"Days": 5}}]
        s3.put_bucket_lifecycle_configuration(Bucket=bucket,
                                              LifecycleConfiguration={"Rules": good})
        expire = "<Expiration><Days>1</Days></Expiration>"
        cases = [
            ("<Filter/><Status>Enabled</Status><Expiration><Days>1</Days>", "MalformedXML"),
            ("<Filter/><Status>On</Status>" + expire, "MalformedXML"),
            ("<Status>Enabled</Status>" + expire, "MalformedXML"),
            ("<Prefix>a</Prefix><Filter/><Status>Enabled</Status>" + expire, "MalformedXML"),
            ("<Filter/><Status>Enabled</Status><Expiration/>", "MalformedXML"),
            ("<Filter/><Status>Enabled</Status><Expiration><Days>1</Days>"
             "<ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>",
             "MalformedXML"),
            ("<Filter/><Status>Enabled</Status><Expiration><Days>x</Days></Expiration>",
             "MalformedXML"),
            ("<Filter/><Status>Enabled</Status><Surprise/>" + expire, "MalformedXML"),
            ("<ID>" + "a" * 256 + "</ID><Filter/><Status>Enabled</Status>" + expire,
             "InvalidArgument"),
            ("<Filter/><Status>Enabled</Status><Expiration><Days>0</Days></Expiration>",
             "InvalidArgument"),
            ("<Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>0"
             "</NoncurrentDays></NoncurrentVersionExpiration>", "InvalidArgument"),
            ("<Filter/><Status>Enabled</Status><NoncurrentVersionExpiration>"
             "<NewerNoncurrentVersions>2</NewerNoncurrentVersions>"
             "</NoncurrentVersionExpiration>", "InvalidArgument"),
            ("<Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1"
             "</NoncurrentDays><NewerNoncurrentVersions>101</NewerNoncurrentVersions>"
             "</NoncurrentVersionExpiration>", "InvalidArgument"),
            ("<Filter/><Status>Enabled</Status><AbortIncompleteMultipartUpload>"
             "<DaysAfterInitiation>0</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
             "InvalidArgument"),
            ("<Filter/><Status>Enabled</Status><Expiration><Date>2099-01-01T12:00:00Z</Date>"
             "</Expiration>", "InvalidArgument"),
            ("<ID>x</ID><Filter/><Status>Enabled</Status>", "InvalidRequest"),
            ("<Filter/><Status>Enabled</Status><Transition><Days>30</Days>"
             "<StorageClass>GLACIER</StorageClass></Transition>", "NotImplemented"),
        ]
        for body, code in cases:
            res = put_lifecycle_xml(self.server, bucket, rule_xml(body))
            self.assertEqual(res.error_code(), code, body)
        duplicate = ("<LifecycleConfiguration>" +
                     "<Rule><ID>same</ID><Filter/><Status>Enabled</Status>" + expire + "</Rule>" +
                     "<Rule><ID>same</ID><Filter/><Status>Enabled</Status>" + expire + "</Rule>" +
                     "</LifecycleConfiguration>")
        res = put_lifecycle_xml(self.server, bucket, duplicate)
        self.assertEqual(res.error_code(), "InvalidArgument")
        self.assertEqual(res.xml().findtext("Message"),
                         "Rule ID must be unique. Found same ID for more than one rule")
        res = put_lifecycle_xml(self.server, bucket, "<LifecycleConfiguration/>")
        self.assertEqual(res.error_code(), "MalformedXML")
        self.assertEqual(s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"], good)

    def test_a_configuration_without_an_integrity_check_is_refused(self):
        bucket = self.unique_bucket()
        res = put_lifecycle_xml(self.server, bucket, rule_xml(
            "<Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"),
            md5=False)
        self.assertEqual(res.error_code(), "InvalidRequest")
        self.assertIn("Content-MD5", res.xml().findtext("Message"))

    def test_the_admin_run_needs_a_signature_and_post(self):
        import urllib.error
        import urllib.request
        req = urllib.request.Request(self.server.endpoint + "/_moss/lifecycle/run", method="POST")
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(ctx.exception.code, 403)
        res = signed_http.request(self.server, "GET", "/_moss/lifecycle/run")
        self.assertEqual(res.status, 405)


class LifecycleWorker(MossTestCase):
    # The worker's clock runs three days ahead: rules of a day or two are due.
    server_args = ("--lifecycle-clock-offset", "3d")

    def bucket_with_rules(self, rules, versioned=True):
        s3 = self.s3()
        bucket = self.unique_bucket("lc")
        if versioned:
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_lifecycle_configuration(Bucket=bucket,
                                              LifecycleConfiguration={"Rules": rules})
        # Runs of later tests must not act on this bucket.
        self.addCleanup(s3.delete_bucket_lifecycle, Bucket=bucket)
        return bucket

    def versions(self, bucket, prefix=""):
        got = self.s3().list_object_versions(Bucket=bucket, Prefix=prefix)
        return got.get("Versions", []), got.get("DeleteMarkers", [])

    def test_keeping_two_noncurrent_versions_leaves_exactly_two_and_frees_the_rest(self):
        s3 = self.s3()
        bucket = self.bucket_with_rules([{
            "ID": "keep-two", "Filter": {"Prefix": "models/"}, "Status": "Enabled",
            "NoncurrentVersionExpiration": {"NoncurrentDays": 1, "NewerNoncurrentVersions": 2}}])
        files_before, bytes_before = blob_usage(self.server)
        bodies = [os.urandom(MIB) for _ in range(6)]
        ids = [s3.put_object(Bucket=bucket, Key="models/llama.gguf", Body=b)["VersionId"]
               for b in bodies]
        for i in range(3):
            s3.put_object(Bucket=bucket, Key="other/notes.txt", Body=f"note {i}".encode())
        files, size = blob_usage(self.server)
        self.assertEqual(files - files_before, 9)
        self.assertEqual(size - bytes_before, 6 * MIB + 3 * len(b"note 0"))

        stats = run_lifecycle(self.server)
        self.assertEqual(stats["noncurrent_versions_expired"], 3)
        self.assertEqual(stats["blobs_released"], 3)
        versions, markers = self.versions(bucket, "models/")
        self.assertEqual([v["VersionId"] for v in versions], list(reversed(ids[3:])))
        self.assertEqual([v["IsLatest"] for v in versions], [True, False, False])
        self.assertEqual(markers, [])
        self.assertEqual(len(self.versions(bucket, "other/")[0]), 3)  # another prefix
        self.assertEqual(blob_usage(self.server), (files - 3, size - 3 * MIB))
        for version_id, body in zip(ids[3:], bodies[3:]):
            got = s3.get_object(Bucket=bucket, Key="models/llama.gguf", VersionId=version_id)
            self.assertEqual(got["Body"].read(), body)

        # A second run finds nothing more to do.
        self.assertEqual(run_lifecycle(self.server)["noncurrent_versions_expired"], 0)
        self.assertEqual(blob_usage(self.server), (files - 3, size - 3 * MIB))

    def test_a_blob_still_used_by_a_kept_version_stays_on_disk(self):
        s3 = self.s3()
        bucket = self.bucket_with_rules([{
            "ID": "noncurrent", "Filter": {"Prefix": ""}, "Status": "Enabled",
            "NoncurrentVersionExpiration": {"NoncurrentDays": 1}}])
        same, other = os.urandom(MIB), os.urandom(MIB)
        files_before, bytes_before = blob_usage(self.server)
        s3.put_object(Bucket=bucket, Key="w.bin", Body=same)
        s3.put_object(Bucket=bucket, Key="w.bin", Body=other)
        current = s3.put_object(Bucket=bucket, Key="w.bin", Body=same)["VersionId"]
        self.assertEqual(blob_usage(self.server), (files_before + 2, bytes_before + 2 * MIB))
        stats = run_lifecycle(self.server)
        self.assertEqual(stats["noncurrent_versions_expired"], 2)
        self.assertEqual(stats["blobs_released"], 1)
        self.assertEqual(blob_usage(self.server), (files_before + 1, bytes_before + MIB))
        versions, _ = self.versions(bucket)
        self.assertEqual([v["VersionId"] for v in versions], [current])
        self.assertEqual(s3.get_object(Bucket=bucket, Key="w.bin")["Body"].read(), same)

    def test_expiration_adds_a_marker_then_noncurrent_expiry_and_marker_cleanup_empty_the_key(self):
        s3 = self.s3()
        bucket = self.bucket_with_rules([{
            "ID": "scratch", "Filter": {"Prefix": "tmp/"}, "Status": "Enabled",
            "Expiration": {"Days": 1}, "NoncurrentVersionExpiration": {"NoncurrentDays": 1}}])
        files_before, bytes_before = blob_usage(self.server)
        s3.put_object(Bucket=bucket, Key="tmp/scratch.bin", Body=os.urandom(MIB))
        s3.put_object(Bucket=bucket, Key="keep.bin", Body=b"outside the prefix")

        first = run_lifecycle(self.server)
        self.assertEqual(first["current_versions_expired"], 1)
        versions, markers = self.versions(bucket, "tmp/")
        self.assertEqual(len(versions), 1)
        self.assertEqual(len(markers), 1)
        self.assertTrue(markers[0]["IsLatest"])
        with self.assertRaises(ClientError):
            s3.head_object(Bucket=bucket, Key="tmp/scratch.bin")

        second = run_lifecycle(self.server)
        self.assertEqual(second["noncurrent_versions_expired"], 1)
        self.assertEqual(second["delete_markers_removed"], 1)
        self.assertEqual(self.versions(bucket, "tmp/"), ([], []))
        self.assertEqual(blob_usage(self.server)[0], files_before + 1)
        self.assertEqual(s3.get_object(Bucket=bucket, Key="keep.bin")["Body"].read(),
                         b"outside the prefix")

    def test_expiration_in_an_unversioned_bucket_removes_the_object(self):
        s3 = self.s3()
        bucket = self.bucket_with_rules([{
            "ID": "all", "Filter": {"Prefix": ""}, "Status": "Enabled",
            "Expiration": {"Days": 2}}], versioned=False)
        files_before, _ = blob_usage(self.server)
        s3.put_object(Bucket=bucket, Key="old.bin", Body=os.urandom(1000))
        stats = run_lifecycle(self.server)
        self.assertEqual(stats["current_versions_expired"], 1)
        self.assertEqual(s3.list_objects_v2(Bucket=bucket)["KeyCount"], 0)
        self.assertEqual(self.versions(bucket), ([], []))
        self.assertEqual(blob_usage(self.server)[0], files_before)

    def test_expiration_in_a_suspended_bucket_deletes_the_null_version_behind_a_null_marker(self):
        # docs/versioning.md: in a suspended bucket expiry is a DELETE: the
        # null version goes, a null marker comes, versions with ids stay.
        s3 = self.s3()
        bucket = self.bucket_with_rules([{
            "ID": "all", "Filter": {"Prefix": ""}, "Status": "Enabled",
            "Expiration": {"Days": 1}}])
        older = s3.put_object(Bucket=bucket, Key="k", Body=b"versioned")["VersionId"]
        kept = s3.put_object(Bucket=bucket, Key="j", Body=b"versioned j")["VersionId"]
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
        files_before, _ = blob_usage(self.server)
        s3.put_object(Bucket=bucket, Key="k", Body=os.urandom(1000))  # the null version
        self.assertEqual(blob_usage(self.server)[0], files_before + 1)

        stats = run_lifecycle(self.server)
        self.assertEqual(stats["current_versions_expired"], 2)
        self.assertEqual(stats["blobs_released"], 1)
        for key, survivor in (("k", older), ("j", kept)):
            versions, markers = self.versions(bucket, key)
            self.assertEqual([(v["VersionId"], v["IsLatest"]) for v in versions],
                             [(survivor, False)], key)
            self.assertEqual([(m["VersionId"], m["IsLatest"]) for m in markers],
                             [("null", True)], key)
            with self.assertRaises(ClientError):
                s3.head_object(Bucket=bucket, Key=key)
        self.assertEqual(blob_usage(self.server)[0], files_before)
        self.assertEqual(s3.get_object(Bucket=bucket, Key="k", VersionId=older)["Body"].read(),
                         b"versioned")

    def test_expired_object_delete_markers_are_removed(self):
        s3 = self.s3()
        bucket = self.bucket_with_rules([{
            "ID": "markers", "Filter": {"Prefix": ""}, "Status": "Enabled",
            "Expiration": {"ExpiredObjectDeleteMarker": True}}])
        v1 = s3.put_object(Bucket=bucket, Key="a", Body=b"a")["VersionId"]
        s3.delete_object(Bucket=bucket, Key="a")
        s3.delete_object(Bucket=bucket, Key="b")  # a marker with nothing behind it
        stats = run_lifecycle(self.server)
        self.assertEqual(stats["delete_markers_removed"], 1)
        versions, markers = self.versions(bucket)
        self.assertEqual([v["VersionId"] for v in versions], [v1])
        self.assertEqual([m["Key"] for m in markers], ["a"])

    def test_stale_multipart_uploads_are_aborted_and_their_parts_freed(self):
        s3 = self.s3()
        bucket = self.bucket_with_rules([{
            "ID": "uploads", "Filter": {"Prefix": "incoming/"}, "Status": "Enabled",
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}])
        files_before, bytes_before = blob_usage(self.server)
        stale = s3.create_multipart_upload(Bucket=bucket, Key="incoming/big.gguf")["UploadId"]
        s3.upload_part(Bucket=bucket, Key="incoming/big.gguf", UploadId=stale, PartNumber=1,
                       Body=os.urandom(MIB))
        kept = s3.create_multipart_upload(Bucket=bucket, Key="elsewhere.gguf")["UploadId"]
        self.assertEqual(blob_usage(self.server), (files_before + 1, bytes_before + MIB))
        stats = run_lifecycle(self.server)
        self.assertEqual(stats["uploads_aborted"], 1)
        uploads = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        self.assertEqual([u["UploadId"] for u in uploads], [kept])
        self.assertEqual(blob_usage(self.server), (files_before, bytes_before))

    def test_disabled_rules_and_rules_not_yet_due_change_nothing(self):
        s3 = self.s3()
        bucket = self.bucket_with_rules([
            {"ID": "off", "Filter": {"Prefix": ""}, "Status": "Disabled",
             "NoncurrentVersionExpiration": {"NoncurrentDays": 1}},
            {"ID": "later", "Filter": {"Prefix": ""}, "Status": "Enabled",
             "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}])
        for body in (b"1", b"2", b"3"):
            s3.put_object(Bucket=bucket, Key="k", Body=body)
        run_lifecycle(self.server)
        self.assertEqual(len(self.versions(bucket)[0]), 3)

    def test_rules_too_far_in_the_future_never_wrap_into_the_past(self):
        s3 = self.s3()
        # Past 2262 a time no longer fits int64 nanoseconds: such a Date is refused...
        bucket = self.unique_bucket("lc")
        for date in ("2262-04-12T00:00:00Z", "9999-12-31T00:00:00Z"):
            with self.assertRaises(ClientError) as ctx:
                s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={
                    "Rules": [{"ID": "far", "Filter": {"Prefix": ""}, "Status": "Enabled",
                               "Expiration": {"Date": date}}]})
            self.assertEqual(ctx.exception.response["Error"]["Code"], "InvalidArgument", date)
            self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        with self.assertRaises(ClientError):
            s3.get_bucket_lifecycle_configuration(Bucket=bucket)
        # ...and day counts that end past it are never due: nothing expires.
        for versioned in (True, False):
            bucket = self.bucket_with_rules([{
                "ID": "huge", "Filter": {"Prefix": ""}, "Status": "Enabled",
                "Expiration": {"Days": 100000},
                "NoncurrentVersionExpiration": {"NoncurrentDays": 2147483647},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2147483647}}],
                versioned=versioned)
            for body in (b"1", b"2"):
                s3.put_object(Bucket=bucket, Key="k", Body=body)
            upload = s3.create_multipart_upload(Bucket=bucket, Key="big")["UploadId"]
            stats = run_lifecycle(self.server)
            self.assertEqual(stats["current_versions_expired"], 0, stats)
            self.assertEqual(stats["noncurrent_versions_expired"], 0, stats)
            self.assertEqual(stats["uploads_aborted"], 0, stats)
            self.assertEqual(s3.get_object(Bucket=bucket, Key="k")["Body"].read(), b"2")
            self.assertEqual(len(self.versions(bucket)[0]), 2 if versioned else 1)
            s3.abort_multipart_upload(Bucket=bucket, Key="big", UploadId=upload)



class LifecycleWorkerOnItsInterval(MossTestCase):
    """The worker runs by itself every --lifecycle-interval (here 1s), with
    no POST /_moss/lifecycle/run."""

    server_args = ("--lifecycle-clock-offset", "3d", "--lifecycle-interval", "1s")

    def test_an_expired_object_goes_without_anyone_asking(self):
        s3 = self.s3()
        bucket = self.unique_bucket("lc-interval")
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [{
            "ID": "all", "Filter": {"Prefix": "old/"}, "Status": "Enabled",
            "Expiration": {"Days": 2}}]})
        s3.put_object(Bucket=bucket, Key="old/a.bin", Body=b"expires")
        s3.put_object(Bucket=bucket, Key="new/b.bin", Body=b"stays")
        deadline = time.monotonic() + 30
        while s3.list_objects_v2(Bucket=bucket, Prefix="old/")["KeyCount"]:
            self.assertLess(time.monotonic(), deadline, "the worker never expired old/a.bin")
            time.sleep(0.2)
        self.assertEqual([o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]],
                         ["new/b.bin"])
        self.assertIsNotNone(self.server.wait_for_log_line(
            lambda line: "lifecycle worker: 1 bucket(s) with rules; expired 0 noncurrent and 1 "
            "current version(s)" in line), "no worker run logged the expiry")
        self.assertIsNone(self.server.wait_for_log_line(
            lambda line: '"operation":"RunLifecycle"' in line, timeout=0),
            "the worker was run through the admin API")


if __name__ == "__main__":
    unittest.main()
