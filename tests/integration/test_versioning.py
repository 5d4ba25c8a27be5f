"""Bucket versioning against the real server with boto3 and raw signed
requests: version ids on every write, addressing a version on GET / HEAD /
DELETE / CopyObject, delete markers, ListObjectVersions in S3's order and
pagination, suspended buckets and the "null" version, storage shared by
identical versions, versions surviving a restart, and the exact S3 errors for
bad input (docs/versioning.md).
"""
import base64
import hashlib
import os
import unittest

from botocore.exceptions import ClientError

from moss_harness import MossServer, MossTestCase, blob_usage, boto3_client
import signed_http

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def error_code(ctx):
    return ctx.exception.response["Error"]["Code"]


def status_of(ctx):
    return ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"]


def versions_of(server, bucket, **kwargs):
    """[(key, version id, is latest, is delete marker)] in the listing's order,
    reading the XML order itself (boto3 splits versions and markers apart)."""
    query = {"versions": None}
    query.update(kwargs)
    res = signed_http.request(server, "GET", "/" + bucket,
                              signed_http.query_string(query))
    assert res.status == 200, res
    out = []
    for node in res.xml():
        tag = node.tag.replace(NS, "")
        if tag in ("Version", "DeleteMarker"):
            out.append((node.findtext(NS + "Key"), node.findtext(NS + "VersionId"),
                        node.findtext(NS + "IsLatest") == "true", tag == "DeleteMarker"))
    return out


class VersioningTestCase(MossTestCase):
    def versioned_bucket(self, prefix="v"):
        bucket = self.unique_bucket(prefix)
        self.s3().put_bucket_versioning(Bucket=bucket,
                                        VersioningConfiguration={"Status": "Enabled"})
        return bucket


class BucketVersioningState(VersioningTestCase):
    def test_a_never_versioned_bucket_reports_no_status(self):
        bucket = self.unique_bucket()
        got = self.s3().get_bucket_versioning(Bucket=bucket)
        self.assertNotIn("Status", got)
        raw = signed_http.request(self.server, "GET", "/" + bucket, "versioning")
        self.assertEqual(raw.status, 200)
        self.assertEqual(raw.xml().tag, NS + "VersioningConfiguration")
        self.assertEqual(len(list(raw.xml())), 0)

    def test_enabled_then_suspended(self):
        s3 = self.s3()
        bucket = self.unique_bucket()
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        self.assertEqual(s3.get_bucket_versioning(Bucket=bucket)["Status"], "Enabled")
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
        self.assertEqual(s3.get_bucket_versioning(Bucket=bucket)["Status"], "Suspended")

    def test_malformed_or_unversioning_configurations_are_refused_and_change_nothing(self):
        bucket = self.versioned_bucket()
        for body, code in [
                (b"<VersioningConfiguration><Status>Enabled", "MalformedXML"),
                (b"<VersioningConfiguration><Status>Disabled</Status></VersioningConfiguration>",
                 "MalformedXML"),
                (b"<Versioning><Status>Suspended</Status></Versioning>", "MalformedXML"),
                (b"<VersioningConfiguration><Status>Suspended</Status><MfaDelete>Enabled"
                 b"</MfaDelete></VersioningConfiguration>", "NotImplemented")]:
            res = signed_http.request(self.server, "PUT", "/" + bucket, "versioning", body=body)
            self.assertEqual(res.error_code(), code, body)
        self.assertEqual(self.s3().get_bucket_versioning(Bucket=bucket)["Status"], "Enabled")

    def test_a_wrong_content_md5_is_refused(self):
        bucket = self.unique_bucket()
        body = b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"
        wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
        res = signed_http.request(self.server, "PUT", "/" + bucket, "versioning", body=body,
                                  headers={"Content-MD5": wrong})
        self.assertEqual(res.error_code(), "BadDigest")
        self.assertNotIn("Status", self.s3().get_bucket_versioning(Bucket=bucket))


class VersionedObjects(VersioningTestCase):
    def test_every_write_creates_a_version_with_a_unique_id(self):
        s3 = self.s3()
        bucket = self.versioned_bucket()
        put1 = s3.put_object(Bucket=bucket, Key="m.gguf", Body=b"one")
        put2 = s3.put_object(Bucket=bucket, Key="m.gguf", Body=b"two")
        copy = s3.copy_object(Bucket=bucket, Key="m.gguf",
                              CopySource={"Bucket": bucket, "Key": "m.gguf",
                                          "VersionId": put1["VersionId"]})
        mpu = s3.create_multipart_upload(Bucket=bucket, Key="m.gguf")
        part = s3.upload_part(Bucket=bucket, Key="m.gguf", UploadId=mpu["UploadId"],
                              PartNumber=1, Body=b"four")
        done = s3.complete_multipart_upload(
            Bucket=bucket, Key="m.gguf", UploadId=mpu["UploadId"],
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
        ids = [put1["VersionId"], put2["VersionId"], copy["VersionId"], done["VersionId"]]
        self.assertEqual(len(set(ids)), 4)
        self.assertEqual(copy["CopySourceVersionId"], put1["VersionId"])
        listed = versions_of(self.server, bucket)
        self.assertEqual([v[1] for v in listed], list(reversed(ids)))
        self.assertEqual([v[2] for v in listed], [True, False, False, False])

        for version_id, body in zip(ids, [b"one", b"two", b"one", b"four"]):
            got = s3.get_object(Bucket=bucket, Key="m.gguf", VersionId=version_id)
            self.assertEqual(got["Body"].read(), body)
            self.assertEqual(got["VersionId"], version_id)
            head = s3.head_object(Bucket=bucket, Key="m.gguf", VersionId=version_id)
            self.assertEqual(head["ContentLength"], len(body))
            self.assertEqual(head["VersionId"], version_id)
        latest = s3.get_object(Bucket=bucket, Key="m.gguf")
        self.assertEqual(latest["Body"].read(), b"four")
        self.assertEqual(latest["VersionId"], done["VersionId"])

    def test_delete_adds_a_marker_and_deleting_the_marker_brings_the_object_back(self):
        s3 = self.s3()
        bucket = self.versioned_bucket()
        put = s3.put_object(Bucket=bucket, Key="k", Body=b"v1")
        deleted = s3.delete_object(Bucket=bucket, Key="k")
        self.assertTrue(deleted["DeleteMarker"])
        marker_id = deleted["VersionId"]
        self.assertNotEqual(marker_id, put["VersionId"])

        with self.assertRaises(ClientError) as ctx:
            s3.get_object(Bucket=bucket, Key="k")
        self.assertEqual(error_code(ctx), "NoSuchKey")
        headers = ctx.exception.response["ResponseMetadata"]["HTTPHeaders"]
        self.assertEqual(headers.get("x-amz-delete-marker"), "true")
        self.assertEqual(headers.get("x-amz-version-id"), marker_id)
        with self.assertRaises(ClientError) as ctx:
            s3.head_object(Bucket=bucket, Key="k")
        self.assertEqual(status_of(ctx), 404)
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPHeaders"]
                         .get("x-amz-delete-marker"), "true")
        self.assertEqual(s3.list_objects_v2(Bucket=bucket)["KeyCount"], 0)
        # The old version is still there, by id.
        self.assertEqual(s3.get_object(Bucket=bucket, Key="k",
                                       VersionId=put["VersionId"])["Body"].read(), b"v1")

        # A GET or HEAD of the marker itself by id is not allowed.
        with self.assertRaises(ClientError) as ctx:
            s3.get_object(Bucket=bucket, Key="k", VersionId=marker_id)
        self.assertEqual(status_of(ctx), 405)
        self.assertEqual(error_code(ctx), "MethodNotAllowed")
        with self.assertRaises(ClientError) as ctx:
            s3.head_object(Bucket=bucket, Key="k", VersionId=marker_id)
        self.assertEqual(status_of(ctx), 405)

        removed = s3.delete_object(Bucket=bucket, Key="k", VersionId=marker_id)
        self.assertTrue(removed["DeleteMarker"])
        self.assertEqual(removed["VersionId"], marker_id)
        self.assertEqual(s3.get_object(Bucket=bucket, Key="k")["Body"].read(), b"v1")

    def test_deleting_a_version_by_id_removes_exactly_it(self):
        s3 = self.s3()
        bucket = self.versioned_bucket()
        v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"1")["VersionId"]
        v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"2")["VersionId"]
        gone = s3.delete_object(Bucket=bucket, Key="k", VersionId=v2)
        self.assertEqual(gone["VersionId"], v2)
        self.assertNotIn("DeleteMarker", gone)
        # The previous version is the latest again.
        self.assertEqual(s3.get_object(Bucket=bucket, Key="k")["Body"].read(), b"1")
        self.assertEqual(versions_of(self.server, bucket), [("k", v1, True, False)])
        with self.assertRaises(ClientError) as ctx:
            s3.get_object(Bucket=bucket, Key="k", VersionId=v2)
        self.assertEqual(error_code(ctx), "NoSuchVersion")

    def test_list_objects_shows_only_latest_live_objects(self):
        s3 = self.s3()
        bucket = self.versioned_bucket()
        for body in (b"a1", b"a2", b"a3"):
            s3.put_object(Bucket=bucket, Key="a", Body=body)
        s3.put_object(Bucket=bucket, Key="b", Body=b"b1")
        s3.delete_object(Bucket=bucket, Key="b")
        listed = s3.list_objects_v2(Bucket=bucket)
        self.assertEqual([(o["Key"], o["Size"]) for o in listed["Contents"]], [("a", 2)])
        self.assertEqual([o["Key"] for o in s3.list_objects(Bucket=bucket)["Contents"]], ["a"])

    def test_copy_source_addresses_a_version(self):
        s3 = self.s3()
        bucket = self.versioned_bucket()
        old = s3.put_object(Bucket=bucket, Key="src", Body=b"old")["VersionId"]
        s3.put_object(Bucket=bucket, Key="src", Body=b"new")
        s3.copy_object(Bucket=bucket, Key="dst", CopySource=f"/{bucket}/src?versionId={old}")
        self.assertEqual(s3.get_object(Bucket=bucket, Key="dst")["Body"].read(), b"old")
        marker = s3.delete_object(Bucket=bucket, Key="src")["VersionId"]
        with self.assertRaises(ClientError) as ctx:
            s3.copy_object(Bucket=bucket, Key="dst2", CopySource=f"/{bucket}/src")
        self.assertEqual(error_code(ctx), "NoSuchKey")
        with self.assertRaises(ClientError) as ctx:
            s3.copy_object(Bucket=bucket, Key="dst2",
                           CopySource=f"/{bucket}/src?versionId={marker}")
        self.assertEqual(error_code(ctx), "InvalidRequest")

    def test_unknown_and_malformed_version_ids(self):
        s3 = self.s3()
        bucket = self.versioned_bucket()
        s3.put_object(Bucket=bucket, Key="k", Body=b"x")
        unknown = "0" * 32
        with self.assertRaises(ClientError) as ctx:
            s3.get_object(Bucket=bucket, Key="k", VersionId=unknown)
        self.assertEqual((status_of(ctx), error_code(ctx)), (404, "NoSuchVersion"))
        with self.assertRaises(ClientError) as ctx:
            s3.head_object(Bucket=bucket, Key="k", VersionId=unknown)
        self.assertEqual(status_of(ctx), 404)
        with self.assertRaises(ClientError) as ctx:
            s3.copy_object(Bucket=bucket, Key="c",
                           CopySource={"Bucket": bucket, "Key": "k", "VersionId": unknown})
        self.assertEqual(error_code(ctx), "NoSuchVersion")
        # Deleting a version that is not there is not an error, and changes nothing.
        self.assertEqual(s3.delete_object(Bucket=bucket, Key="k", VersionId=unknown)["VersionId"],
                         unknown)
        batch = s3.delete_objects(Bucket=bucket, Delete={"Objects": [
            {"Key": "k", "VersionId": unknown}, {"Key": "k", "VersionId": "abc"}]})
        self.assertEqual(batch["Deleted"], [{"Key": "k", "VersionId": unknown}])
        self.assertEqual(batch["Errors"], [{"Key": "k", "VersionId": "abc", "Code": "NoSuchVersion",
                                            "Message": "The specified version does not exist."}])
        self.assertEqual(len(versions_of(self.server, bucket)), 1)

        for bad in ("not-a-version", "null2", "A" * 32):
            with self.assertRaises(ClientError) as ctx:
                s3.get_object(Bucket=bucket, Key="k", VersionId=bad)
            self.assertEqual((status_of(ctx), error_code(ctx)), (400, "InvalidArgument"), bad)
            with self.assertRaises(ClientError) as ctx:
                s3.delete_object(Bucket=bucket, Key="k", VersionId=bad)
            self.assertEqual(error_code(ctx), "InvalidArgument", bad)
        res = signed_http.request(self.server, "GET", signed_http.object_path(bucket, "k"),
                                  "versionId=")
        self.assertEqual(res.error_code(), "InvalidArgument")
        self.assertEqual(len(versions_of(self.server, bucket)), 1)

    def test_versions_with_identical_content_share_their_storage(self):
        s3 = self.s3()
        bucket = self.versioned_bucket()
        body = os.urandom(256 * 1024)
        files, size = blob_usage(self.server)
        ids = [s3.put_object(Bucket=bucket, Key="same.bin", Body=body)["VersionId"]
               for _ in range(3)]
        s3.copy_object(Bucket=bucket, Key="copy.bin",
                       CopySource={"Bucket": bucket, "Key": "same.bin"})
        after_files, after_size = blob_usage(self.server)
        self.assertEqual(after_files - files, 1)
        self.assertEqual(after_size - size, len(body))
        self.assertEqual(len(set(ids)), 3)
        # Deleting versions keeps the blob while any version still uses it.
        for version_id in ids:
            s3.delete_object(Bucket=bucket, Key="same.bin", VersionId=version_id)
        self.assertEqual(blob_usage(self.server), (after_files, after_size))
        s3.delete_object(Bucket=bucket, Key="copy.bin")  # a marker: the version remains
        self.assertEqual(blob_usage(self.server), (after_files, after_size))
        copy_version = versions_of(self.server, bucket, prefix="copy.bin")[1][1]
        s3.delete_object(Bucket=bucket, Key="copy.bin", VersionId=copy_version)
        self.assertEqual(blob_usage(self.server), (files, size))


class SuspendedVersioning(VersioningTestCase):
    def test_suspended_buckets_write_and_replace_the_null_version(self):
        s3 = self.s3()
        bucket = self.unique_bucket("s")
        s3.put_object(Bucket=bucket, Key="k", Body=b"before")  # the null version
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        kept = s3.put_object(Bucket=bucket, Key="k", Body=b"kept")["VersionId"]
        self.assertEqual([v[1] for v in versions_of(self.server, bucket)], [kept, "null"])
        self.assertEqual(s3.get_object(Bucket=bucket, Key="k", VersionId="null")["Body"].read(),
                         b"before")

        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
        s3.put_object(Bucket=bucket, Key="k", Body=b"null one")
        put = s3.put_object(Bucket=bucket, Key="k", Body=b"null two")
        # S3 answers a write to a suspended bucket without a version id...
        self.assertNotIn("VersionId", put)
        # The null version was replaced each time and is now the latest; the
        # version written while enabled stays.
        self.assertEqual(versions_of(self.server, bucket), [("k", "null", True, False),
                                                   ("k", kept, False, False)])
        # ... and reads of it with "null".
        got = s3.get_object(Bucket=bucket, Key="k")
        self.assertEqual(got["Body"].read(), b"null two")
        self.assertEqual(got["VersionId"], "null")
        self.assertEqual(s3.head_object(Bucket=bucket, Key="k")["VersionId"], "null")

        deleted = s3.delete_object(Bucket=bucket, Key="k")
        self.assertTrue(deleted["DeleteMarker"])
        self.assertEqual(deleted["VersionId"], "null")
        self.assertEqual(versions_of(self.server, bucket), [("k", "null", True, True),
                                                   ("k", kept, False, False)])


class ListObjectVersions(VersioningTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s3 = boto3_client(cls.server)
        cls.bucket = "list-versions"
        s3.create_bucket(Bucket=cls.bucket)
        s3.put_bucket_versioning(Bucket=cls.bucket, VersioningConfiguration={"Status": "Enabled"})
        # dir/a: 3 versions; dir/b: version, marker; top: 2 versions, marker, version.
        for key, steps in [("top", ["put", "put", "delete", "put"]), ("dir/b", ["put", "delete"]),
                           ("dir/a", ["put", "put", "put"]), ("dir/sub/c", ["put"])]:
            for i, step in enumerate(steps):
                if step == "put":
                    s3.put_object(Bucket=cls.bucket, Key=key, Body=f"{key} {i}".encode())
                else:
                    s3.delete_object(Bucket=cls.bucket, Key=key)
        cls.all = versions_of(cls.server, cls.bucket)

    def test_keys_ascend_versions_descend_and_markers_interleave(self):
        keys = [v[0] for v in self.all]
        self.assertEqual(keys, ["dir/a"] * 3 + ["dir/b"] * 2 + ["dir/sub/c"] + ["top"] * 4)
        self.assertEqual([v[3] for v in self.all if v[0] == "top"], [False, True, False, False])
        self.assertEqual([v[2] for v in self.all if v[0] == "dir/b"], [True, False])
        self.assertTrue(self.all[3][3])  # dir/b's latest is a marker
        # Newest first: the latest one leads each key.
        for key in ("dir/a", "top"):
            self.assertEqual([v[2] for v in self.all if v[0] == key][0], True)

    def test_boto3_sees_versions_and_delete_markers(self):
        got = self.s3().list_object_versions(Bucket=self.bucket)
        self.assertEqual(len(got["Versions"]), 8)
        self.assertEqual(len(got["DeleteMarkers"]), 2)
        self.assertFalse(got["IsTruncated"])
        for v in got["Versions"]:
            self.assertEqual(v["StorageClass"], "STANDARD")
            self.assertIn("ID", v["Owner"])
            self.assertTrue(v["ETag"].startswith('"'))
        for m in got["DeleteMarkers"]:
            self.assertIn("ID", m["Owner"])

    def test_pages_of_any_size_give_the_same_sequence(self):
        for max_keys in (1, 2, 3, 4, 7):
            seen = []
            markers = {}
            while True:
                page = self._page(**{"max-keys": str(max_keys)}, **markers)
                seen.extend(page["entries"])
                self.assertLessEqual(len(page["entries"]), max_keys)
                if page["truncated"] != "true":
                    break
                markers = {"key-marker": page["next_key"]}
                if page["next_version"]:
                    markers["version-id-marker"] = page["next_version"]
            self.assertEqual(seen, [(v[0], v[1]) for v in self.all], max_keys)

    def test_boto3_paginator_walks_every_version(self):
        paginator = self.s3().get_paginator("list_object_versions")
        seen = []
        for page in paginator.paginate(Bucket=self.bucket, PaginationConfig={"PageSize": 3}):
            seen += [v["VersionId"] for v in page.get("Versions", [])]
            seen += [m["VersionId"] for m in page.get("DeleteMarkers", [])]
        self.assertEqual(sorted(seen), sorted(v[1] for v in self.all))

    def test_key_marker_and_version_id_marker_resume_after_the_named_entry(self):
        a = [v for v in self.all if v[0] == "dir/a"]
        page = self._page(**{"key-marker": "dir/a", "version-id-marker": a[0][1]})
        self.assertEqual(page["entries"][:2], [("dir/a", a[1][1]), ("dir/a", a[2][1])])
        page = self._page(**{"key-marker": "dir/a"})
        self.assertEqual(page["entries"][0][0], "dir/b")

    def test_prefix_and_delimiter(self):
        page = self._page(delimiter="/")
        self.assertEqual(page["prefixes"], ["dir/"])
        self.assertEqual({k for k, _ in page["entries"]}, {"top"})
        page = self._page(prefix="dir/", delimiter="/")
        self.assertEqual(page["prefixes"], ["dir/sub/"])
        self.assertEqual({k for k, _ in page["entries"]}, {"dir/a", "dir/b"})
        got = self.s3().list_object_versions(Bucket=self.bucket, Prefix="dir/a")
        self.assertEqual(len(got["Versions"]), 3)
        self.assertNotIn("DeleteMarkers", got)

    def test_bad_markers_and_parameters_are_refused_as_s3_does(self):
        for query, message in [
                ({"version-id-marker": "0" * 32},
                 "A version-id marker cannot be specified without a key marker."),
                ({"key-marker": "top", "version-id-marker": ""},
                 "A version-id marker cannot be empty."),
                ({"key-marker": "top", "version-id-marker": "nope"}, "Invalid version id specified"),
                ({"max-keys": "lots"}, "Provided max-keys not an integer or within integer range"),
                ({"encoding-type": "base64"}, "Invalid Encoding Method specified in Request")]:
            q = {"versions": None}
            q.update(query)
            res = signed_http.request(self.server, "GET", "/" + self.bucket,
                                      signed_http.query_string(q))
            self.assertEqual((res.status, res.error_code()), (400, "InvalidArgument"), query)
            self.assertEqual(res.xml().findtext("Message"), message)

    def _page(self, **query):
        q = {"versions": None}
        q.update(query)
        res = signed_http.request(self.server, "GET", "/" + self.bucket,
                                  signed_http.query_string(q))
        self.assertEqual(res.status, 200, res)
        root = res.xml()
        entries = [(n.findtext(NS + "Key"), n.findtext(NS + "VersionId")) for n in root
                   if n.tag in (NS + "Version", NS + "DeleteMarker")]
        return {"entries": entries,
                "prefixes": [p.findtext(NS + "Prefix") for p in root.findall(NS + "CommonPrefixes")],
                "truncated": root.findtext(NS + "IsTruncated"),
                "next_key": root.findtext(NS + "NextKeyMarker"),
                "next_version": root.findtext(NS + "NextVersionIdMarker")}


class VersionsSurviveARestart(unittest.TestCase):
    def test_versions_markers_and_rules_survive_a_restart(self):
        with MossServer() as server:
            s3 = boto3_client(server)
            s3.create_bucket(Bucket="durable")
            s3.put_bucket_versioning(Bucket="durable",
                                     VersioningConfiguration={"Status": "Enabled"})
            bodies = [os.urandom(1000) for _ in range(3)]
            ids = [s3.put_object(Bucket="durable", Key="k", Body=b)["VersionId"] for b in bodies]
            marker = s3.delete_object(Bucket="durable", Key="k")["VersionId"]
            before = s3.list_object_versions(Bucket="durable")
            s3.put_bucket_lifecycle_configuration(
                Bucket="durable", LifecycleConfiguration={"Rules": [{
                    "ID": "keep", "Filter": {"Prefix": ""}, "Status": "Enabled",
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}]})

            server.restart()
            s3 = boto3_client(server)
            after = s3.list_object_versions(Bucket="durable")
            self.assertEqual(after["Versions"], before["Versions"])
            self.assertEqual(after["DeleteMarkers"], before["DeleteMarkers"])
            self.assertEqual(after["DeleteMarkers"][0]["VersionId"], marker)
            for version_id, body in zip(ids, bodies):
                got = s3.get_object(Bucket="durable", Key="k", VersionId=version_id)
                self.assertEqual(got["Body"].read(), body)
            self.assertEqual(s3.get_bucket_versioning(Bucket="durable")["Status"], "Enabled")
            rules = s3.get_bucket_lifecycle_configuration(Bucket="durable")["Rules"]
            self.assertEqual(rules[0]["ID"], "keep")


if __name__ == "__main__":
    unittest.main()
