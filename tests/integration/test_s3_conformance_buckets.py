"""Bucket behaviours as the S3 API reference gives them, checked with boto3
(and aws-cli where the cleanup tools use it): DeleteBucket with uploads still
open, CreateBucket of a bucket one already owns (us-east-1's legacy 200,
409 elsewhere), and ListBuckets in pages (max-buckets, continuation-token,
prefix).
"""
import os
import subprocess
import tempfile
import unittest
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

import signed_http
from moss_harness import (ACCESS_KEY, SECRET_KEY, MossServer, MossTestCase, blob_usage,
                          boto3_client, client_env)


def error_code(caught):
    return caught.exception.response["Error"]["Code"]


def status_of(caught):
    return caught.exception.response["ResponseMetadata"]["HTTPStatusCode"]


class DeleteBucketWithOpenUploads(MossTestCase):
    """S3 deletes a bucket whose objects and versions are gone even while
    multipart uploads are open, and discards those uploads."""

    def bucket_with_open_upload(self):
        s3 = self.s3()
        bucket = self.unique_bucket("del")
        upload = s3.create_multipart_upload(Bucket=bucket, Key="big.bin")["UploadId"]
        s3.upload_part(Bucket=bucket, Key="big.bin", UploadId=upload, PartNumber=1,
                       Body=os.urandom(64 * 1024))
        s3.upload_part(Bucket=bucket, Key="big.bin", UploadId=upload, PartNumber=2,
                       Body=os.urandom(1024))
        return bucket, upload

    def test_bucket_with_only_open_uploads_is_deleted_and_the_parts_released(self):
        s3 = self.s3()
        files_before, _ = blob_usage(self.server)
        bucket, upload = self.bucket_with_open_upload()
        self.assertEqual(blob_usage(self.server)[0], files_before + 2)

        s3.delete_bucket(Bucket=bucket)
        with self.assertRaises(ClientError) as caught:
            s3.head_bucket(Bucket=bucket)
        self.assertEqual(status_of(caught), 404)
        self.assertEqual(blob_usage(self.server)[0], files_before)

        # A new bucket of that name has none of the old uploads.
        s3.create_bucket(Bucket=bucket)
        self.assertNotIn("Uploads", s3.list_multipart_uploads(Bucket=bucket))
        with self.assertRaises(ClientError) as caught:
            s3.list_parts(Bucket=bucket, Key="big.bin", UploadId=upload)
        self.assertEqual(error_code(caught), "NoSuchUpload")

    def test_bucket_with_objects_is_not_empty_and_keeps_its_uploads(self):
        s3 = self.s3()
        bucket, upload = self.bucket_with_open_upload()
        s3.put_object(Bucket=bucket, Key="kept.txt", Body=b"kept")
        with self.assertRaises(ClientError) as caught:
            s3.delete_bucket(Bucket=bucket)
        self.assertEqual(error_code(caught), "BucketNotEmpty")
        parts = s3.list_parts(Bucket=bucket, Key="big.bin", UploadId=upload)["Parts"]
        self.assertEqual([p["PartNumber"] for p in parts], [1, 2])

    def test_deleting_every_version_then_the_bucket_leaves_nothing_behind(self):
        # What cleanup tools do: every version and delete marker, then the bucket.
        s3 = self.s3()
        bucket, _ = self.bucket_with_open_upload()
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        for body in (b"one", b"two"):
            s3.put_object(Bucket=bucket, Key="model.gguf", Body=body)
        s3.delete_object(Bucket=bucket, Key="model.gguf")
        listed = s3.list_object_versions(Bucket=bucket)
        for entry in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=entry["Key"], VersionId=entry["VersionId"])
        s3.delete_bucket(Bucket=bucket)
        names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        self.assertNotIn(bucket, names)

    def test_aws_cli_rb_force_removes_a_bucket_with_an_open_upload(self):
        s3 = self.s3()
        bucket, _ = self.bucket_with_open_upload()
        s3.put_object(Bucket=bucket, Key="a/b.txt", Body=b"x")
        result = subprocess.run(["aws", "s3", "rb", f"s3://{bucket}", "--force"],
                                env=client_env(self.server), capture_output=True, text=True,
                                timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn(bucket, [b["Name"] for b in s3.list_buckets()["Buckets"]])


class CreateOwnBucketAgainInUsEast1(MossTestCase):
    """us-east-1 (moss's default region) keeps S3's legacy answer: 200, and
    the bucket as it was."""

    def test_creating_a_bucket_one_owns_answers_200_and_keeps_its_contents(self):
        s3 = self.s3()
        bucket = self.unique_bucket("again")
        s3.put_object(Bucket=bucket, Key="kept.txt", Body=b"kept")
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        again = s3.create_bucket(Bucket=bucket)
        self.assertEqual(again["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(s3.get_object(Bucket=bucket, Key="kept.txt")["Body"].read(), b"kept")
        self.assertEqual(s3.get_bucket_versioning(Bucket=bucket)["Status"], "Enabled")

    def test_another_owners_bucket_is_still_bucket_already_exists(self):
        # The administrator made it; a key that is its own account asks again.
        credentials = {"keys": [{"access_key_id": "MOSSOTHER0000000001",
                                 "secret_access_key": "other-secret-0000000001",
                                 "name": "other"}]}
        # This class's server has only the administrator: use one of its own.
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "credentials.json")
            with open(path, "w") as f:
                import json
                json.dump(credentials, f)
            with MossServer(extra_args=["--credentials", path]) as server:
                admin = boto3_client(server)
                admin.create_bucket(Bucket="taken")
                other = boto3.client(
                    "s3", endpoint_url=server.endpoint, region_name="us-east-1",
                    aws_access_key_id="MOSSOTHER0000000001",
                    aws_secret_access_key="other-secret-0000000001",
                    config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
                with self.assertRaises(ClientError) as caught:
                    other.create_bucket(Bucket="taken")
                self.assertEqual(error_code(caught), "BucketAlreadyExists")


class CreateOwnBucketAgainElsewhere(MossTestCase):
    """Outside us-east-1, creating a bucket one owns is 409 BucketAlreadyOwnedByYou."""

    server_args = ("--region", "eu-west-1")

    def client(self):
        return boto3.client(
            "s3", endpoint_url=self.server.endpoint, region_name="eu-west-1",
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

    def test_creating_a_bucket_one_owns_is_bucket_already_owned_by_you(self):
        s3 = self.client()
        location = {"LocationConstraint": "eu-west-1"}
        s3.create_bucket(Bucket="eu-bucket", CreateBucketConfiguration=location)
        s3.put_object(Bucket="eu-bucket", Key="kept.txt", Body=b"kept")
        with self.assertRaises(ClientError) as caught:
            s3.create_bucket(Bucket="eu-bucket", CreateBucketConfiguration=location)
        self.assertEqual(status_of(caught), 409)
        self.assertEqual(error_code(caught), "BucketAlreadyOwnedByYou")
        self.assertEqual(s3.get_object(Bucket="eu-bucket", Key="kept.txt")["Body"].read(),
                         b"kept")


class ListBucketsInPages(MossTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.prefix = "pg-" + uuid.uuid4().hex[:8]
        cls.names = sorted(f"{cls.prefix}-{i:02d}" for i in range(7))
        s3 = boto3_client(cls.server)
        for name in cls.names:
            s3.create_bucket(Bucket=name)
        s3.create_bucket(Bucket="other-" + uuid.uuid4().hex[:8])

    def test_max_buckets_and_continuation_token_walk_every_bucket_once(self):
        s3 = self.s3()
        seen = []
        response = s3.list_buckets(MaxBuckets=3, Prefix=self.prefix)
        pages = 1
        seen += [b["Name"] for b in response["Buckets"]]
        self.assertEqual(len(response["Buckets"]), 3)
        self.assertEqual(response["Prefix"], self.prefix)
        while "ContinuationToken" in response:
            response = s3.list_buckets(MaxBuckets=3, Prefix=self.prefix,
                                       ContinuationToken=response["ContinuationToken"])
            seen += [b["Name"] for b in response["Buckets"]]
            pages += 1
        self.assertEqual(seen, self.names)
        self.assertEqual(pages, 3)

    def test_prefix_selects_buckets(self):
        response = self.s3().list_buckets(Prefix=self.prefix)
        self.assertEqual([b["Name"] for b in response["Buckets"]], self.names)
        self.assertNotIn("ContinuationToken", response)
        everything = [b["Name"] for b in self.s3().list_buckets()["Buckets"]]
        self.assertGreater(len(everything), len(self.names))

    def test_bucket_region_filter(self):
        s3 = self.s3()
        here = s3.list_buckets(Prefix=self.prefix, BucketRegion="us-east-1")["Buckets"]
        self.assertEqual([b["Name"] for b in here], self.names)
        self.assertEqual(s3.list_buckets(BucketRegion="eu-west-1")["Buckets"], [])

    def test_paginator(self):
        paginator = self.s3().get_paginator("list_buckets")
        pages = list(paginator.paginate(Prefix=self.prefix, PaginationConfig={"PageSize": 2}))
        self.assertEqual(len(pages), 4)
        self.assertEqual([b["Name"] for page in pages for b in page["Buckets"]], self.names)

    def test_bad_max_buckets_and_tokens_are_invalid_argument(self):
        # boto3 refuses these itself: sent raw.
        for bad in ("0", "10001", "many"):
            with self.subTest(max_buckets=bad):
                res = signed_http.request(self.server, "GET", "/", query=f"max-buckets={bad}")
                self.assertEqual(res.status, 400, res)
                self.assertEqual(res.error_code(), "InvalidArgument")
        with self.assertRaises(ClientError) as caught:
            self.s3().list_buckets(ContinuationToken="!!not-a-token!!")
        self.assertEqual(error_code(caught), "InvalidArgument")

if __name__ == "__main__":
    unittest.main()
