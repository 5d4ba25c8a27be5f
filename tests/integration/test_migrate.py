"""`moss migrate`: a single-node store's metadata copied into PostgreSQL
(a throwaway cluster of the test's own), verified, safe to run again; the
same data directory then served with --metadata postgresql://... shows
everything the single node had: objects, versions, tags, uploads, directory
tags' snapshots, canned ACLs and completed uploads."""

import os
import subprocess
import tempfile
import shutil
import unittest

import urllib.request

import signed_http
from moss_harness import MOSS_BINARY, MossServer, PostgresCluster, boto3_client


class MigrateTest(unittest.TestCase):
    def setUp(self):
        self.postgres = PostgresCluster()
        self.addCleanup(self.postgres.destroy)
        self.data = tempfile.mkdtemp(prefix="moss-migrate-")
        self.addCleanup(shutil.rmtree, self.data, ignore_errors=True)

    def migrate(self):
        return subprocess.run([MOSS_BINARY, "migrate", "--from", f"sqlite:{self.data}",
                               "--to", self.postgres.dsn], capture_output=True, text=True)

    def test_copies_verifies_and_is_safe_to_run_again(self):
        weights = os.urandom(300_000)
        with MossServer(data_dir=self.data) as single:
            s3 = boto3_client(single)
            s3.create_bucket(Bucket="models")
            s3.put_bucket_versioning(Bucket="models",
                                     VersioningConfiguration={"Status": "Enabled"})
            first = s3.put_object(Bucket="models", Key="m/v1/weights.bin", Body=b"old")
            s3.put_object(Bucket="models", Key="m/v1/weights.bin", Body=weights)
            res = signed_http.request(single, "PUT",
                                      signed_http.object_path("models", "m/tags/latest"),
                                      body=b"v1/weights.bin")
            self.assertEqual(res.status, 200, res)
            upload = s3.create_multipart_upload(Bucket="models", Key="m/v2/big.bin")["UploadId"]
            part = s3.upload_part(Bucket="models", Key="m/v2/big.bin", UploadId=upload,
                                  PartNumber=1, Body=b"p" * 1000)
            # A directory tag (a snapshot and its files), a public bucket and
            # object, and a completed upload a retry is answered from.
            s3.put_object(Bucket="models", Key="m/dir/config.json", Body=b'{"layers": 2}')
            s3.put_object(Bucket="models", Key="m/dir/tokenizer.json", Body=b'{"vocab": []}')
            res = signed_http.request(single, "PUT",
                                      signed_http.object_path("models", "m/tags/snap"),
                                      body=b"dir/")
            self.assertEqual(res.status, 200, res)
            s3.put_bucket_acl(Bucket="models", ACL="public-read")
            s3.create_bucket(Bucket="private")
            s3.put_object(Bucket="private", Key="open.txt", Body=b"for all", ACL="public-read")
            done_upload = s3.create_multipart_upload(Bucket="models", Key="m/v2/done.bin")
            done_part = s3.upload_part(Bucket="models", Key="m/v2/done.bin",
                                       UploadId=done_upload["UploadId"], PartNumber=1,
                                       Body=b"d" * 1000)
            done_parts = {"Parts": [{"PartNumber": 1, "ETag": done_part["ETag"]}]}
            completed = s3.complete_multipart_upload(
                Bucket="models", Key="m/v2/done.bin", UploadId=done_upload["UploadId"],
                MultipartUpload=done_parts)

        done = self.migrate()
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("verified", done.stdout)
        self.assertIn("versions", done.stdout)
        for table in ("snapshots", "snapshot_files", "completed_uploads"):
            self.assertIn(table, done.stdout)
        self.assertEqual(self.postgres.sql("SELECT count(*) FROM versions"), "6")
        self.assertEqual(self.postgres.sql("SELECT count(*) FROM snapshots"), "1")
        self.assertEqual(self.postgres.sql("SELECT count(*) FROM snapshot_files"), "2")
        self.assertEqual(self.postgres.sql("SELECT count(*) FROM completed_uploads"), "1")
        self.assertEqual(self.postgres.sql(
            "SELECT name FROM buckets WHERE public_read = 1"), "models")
        self.assertEqual(self.postgres.sql(
            "SELECT count(*) FROM tags WHERE snapshots <> '[]'"), "1")
        again = self.migrate()
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertEqual(self.postgres.sql("SELECT count(*) FROM versions"), "6")

        with MossServer(data_dir=self.data,
                        extra_args=["--metadata", self.postgres.dsn]) as replica:
            s3 = boto3_client(replica)
            got = s3.get_object(Bucket="models", Key="m/v1/weights.bin")["Body"].read()
            self.assertEqual(got, weights)
            old = s3.get_object(Bucket="models", Key="m/v1/weights.bin",
                                VersionId=first["VersionId"])["Body"].read()
            self.assertEqual(old, b"old")
            by_tag = s3.get_object(Bucket="models", Key="m/tags/latest")["Body"].read()
            self.assertEqual(by_tag, weights)
            in_snapshot = s3.get_object(Bucket="models", Key="m/tags/snap/config.json")
            self.assertEqual(in_snapshot["Body"].read(), b'{"layers": 2}')
            # Anonymous reads: the public bucket's objects and the public object.
            for path in ("/models/m/dir/config.json", "/private/open.txt"):
                with urllib.request.urlopen(replica.endpoint + path) as r:
                    self.assertEqual(r.status, 200)
            # The completed upload is remembered: a retried completion is answered again.
            retried = s3.complete_multipart_upload(
                Bucket="models", Key="m/v2/done.bin", UploadId=done_upload["UploadId"],
                MultipartUpload=done_parts)
            self.assertEqual(retried["VersionId"], completed["VersionId"])
            self.assertEqual(retried["ETag"], completed["ETag"])
            s3.complete_multipart_upload(
                Bucket="models", Key="m/v2/big.bin", UploadId=upload,
                MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
            self.assertEqual(s3.get_object(Bucket="models", Key="m/v2/big.bin")["Body"].read(),
                             b"p" * 1000)
            # New rows get ids past the copied ones.
            s3.put_object(Bucket="models", Key="m/v3/new.bin", Body=b"new")

        # The target now differs from the source: a re-run says so and fails.
        after = self.migrate()
        self.assertNotEqual(after.returncode, 0)
        self.assertIn("MISMATCH", after.stdout)

    def test_refuses_a_source_that_is_not_sqlite(self):
        done = subprocess.run([MOSS_BINARY, "migrate", "--from", self.data, "--to",
                               self.postgres.dsn], capture_output=True, text=True)
        self.assertEqual(done.returncode, 2)
        self.assertIn("sqlite:", done.stderr)


if __name__ == "__main__":
    unittest.main()
