"""`moss migrate`: a single-node store's metadata copied into PostgreSQL
(a throwaway cluster of the test's own), verified, safe to run again; the
same data directory then served with --metadata postgresql://... shows
everything the single node had: objects, versions, tags, uploads."""

import os
import subprocess
import tempfile
import shutil
import unittest

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

        done = self.migrate()
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("verified", done.stdout)
        self.assertIn("versions", done.stdout)
        self.assertEqual(self.postgres.sql("SELECT count(*) FROM versions"), "2")
        again = self.migrate()
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertEqual(self.postgres.sql("SELECT count(*) FROM versions"), "2")

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
