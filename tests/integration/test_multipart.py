"""Multipart uploads: real clients round-tripping large files (aws-cli, boto3,
rclone, @aws-sdk/lib-storage), S3's semantics (parts out of order, replaced,
copied; ETags and checksums of the completed object; GET ?partNumber), every
bad Complete answered with S3's exact error and nothing changed, listings
paginated, and uploads surviving crashes and expiring when abandoned.
"""
import base64
import concurrent.futures
import hashlib
import json
import os
import random
import select
import shutil
import subprocess
import tempfile
import time
import unittest
import zlib

from botocore.exceptions import ClientError
from boto3.s3.transfer import TransferConfig

from moss_harness import (ACCESS_KEY, REGION, SECRET_KEY, SOURCE_DIR, MossServer, MossTestCase,
                          boto3_client, client_env, random_file, sha256_file, which)
from s3_wire import (RawConnection, S3Assertions, blob_files, checksum, signed_head_bytes,
                     signed_request)

MiB = 1024 * 1024
# Parts in the upload a crash test completes: enough that Complete (checking
# and linking each) is still in flight when the server is killed.
CRASH_PARTS = 1000


def md5_etag(parts):
    """The multipart ETag S3 gives an object made of `parts` (bytes)."""
    digests = b"".join(hashlib.md5(p).digest() for p in parts)
    return f'"{hashlib.md5(digests).hexdigest()}-{len(parts)}"'


def crc32_b64(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def run(args, env, timeout=600):
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"{args[0]} failed ({result.returncode}):\n{result.stdout}\n"
                             f"{result.stderr}")
    return result.stdout


class MultipartWithRealClients(S3Assertions, MossTestCase):
    """Large files through the clients people use, verified byte for byte."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.work = tempfile.mkdtemp(prefix="moss-mp-clients-")
        cls.big = random_file(cls.work, 200 * MiB, "big.bin")
        cls.big_sha = sha256_file(cls.big)
        cls.medium = random_file(cls.work, 23 * MiB + 12345, "medium.bin")
        cls.medium_sha = sha256_file(cls.medium)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)
        super().tearDownClass()

    def parts_count(self, bucket, key):
        head = self.s3().head_object(Bucket=bucket, Key=key, PartNumber=1)
        return head.get("PartsCount")

    def test_aws_cli_cp_200mib_both_ways(self):
        aws = which("aws")
        if not aws:
            self.fail("aws-cli is not installed (scripts/install-deps --test installs it)")
        bucket = self.unique_bucket("awscli")
        env = client_env(self.server)
        run([aws, "s3", "cp", self.big, f"s3://{bucket}/models/big.bin", "--no-progress"], env)
        # Default settings: 8 MiB parts, so 25 of them, each with a CRC32.
        head = self.s3().head_object(Bucket=bucket, Key="models/big.bin", ChecksumMode="ENABLED")
        self.assertEqual(head["ContentLength"], 200 * MiB)
        self.assertTrue(head["ETag"].endswith('-25"'), head["ETag"])
        self.assertEqual(self.parts_count(bucket, "models/big.bin"), 25)
        down = os.path.join(self.work, "awscli-down.bin")
        run([aws, "s3", "cp", f"s3://{bucket}/models/big.bin", down, "--no-progress"], env)
        self.assertEqual(sha256_file(down), self.big_sha)
        os.unlink(down)

    def test_boto3_upload_file_and_download_file_with_small_threshold(self):
        bucket = self.unique_bucket("boto3")
        config = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB,
                                max_concurrency=4)
        s3 = self.s3()
        s3.upload_file(self.medium, bucket, "m.bin", Config=config)
        head = s3.head_object(Bucket=bucket, Key="m.bin")
        self.assertTrue(head["ETag"].endswith('-5"'), head["ETag"])
        down = os.path.join(self.work, "boto3-down.bin")
        s3.download_file(bucket, "m.bin", down, Config=config)
        self.assertEqual(sha256_file(down), self.medium_sha)
        os.unlink(down)

    def test_rclone_copy_with_small_chunks(self):
        rclone = which("rclone")
        if not rclone:
            self.fail("rclone is not installed (scripts/install-deps --test installs it)")
        bucket = self.unique_bucket("rclone")
        # rclone reads AWS_* itself (AWS_CA_BUNDLE breaks its plain-http transport).
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "RCLONE_CONFIG": os.path.join(self.work, "rclone.conf"),
            "RCLONE_CONFIG_MOSS_TYPE": "s3",
            "RCLONE_CONFIG_MOSS_PROVIDER": "Other",
            "RCLONE_CONFIG_MOSS_ENDPOINT": self.server.endpoint,
            "RCLONE_CONFIG_MOSS_ACCESS_KEY_ID": ACCESS_KEY,
            "RCLONE_CONFIG_MOSS_SECRET_ACCESS_KEY": SECRET_KEY,
            "RCLONE_CONFIG_MOSS_REGION": REGION,
            "RCLONE_CONFIG_MOSS_FORCE_PATH_STYLE": "true",
        })
        src_dir = os.path.join(self.work, "rclone-src")
        os.makedirs(src_dir, exist_ok=True)
        shutil.copy(self.medium, os.path.join(src_dir, "weights.bin"))
        run([rclone, "copy", "--s3-chunk-size", "5M", "--s3-upload-cutoff", "5M",
             "--s3-upload-concurrency", "4", src_dir, f"moss:{bucket}/rc"], env)
        head = self.s3().head_object(Bucket=bucket, Key="rc/weights.bin")
        self.assertTrue(head["ETag"].endswith('-5"'), head["ETag"])
        dst_dir = os.path.join(self.work, "rclone-dst")
        run([rclone, "copy", f"moss:{bucket}/rc", dst_dir], env)
        self.assertEqual(sha256_file(os.path.join(dst_dir, "weights.bin")), self.medium_sha)
        shutil.rmtree(src_dir)
        shutil.rmtree(dst_dir)

    def test_lib_storage_upload_with_default_checksums(self):
        node = which("node")
        js_dir = os.path.join(SOURCE_DIR, "tests", "js")
        if not node or not os.path.isdir(os.path.join(js_dir, "node_modules", "@aws-sdk",
                                                      "lib-storage")):
            self.fail("node or @aws-sdk/lib-storage is not installed "
                      "(scripts/install-test-clients)")
        bucket = self.unique_bucket("libstorage")
        out = run([node, os.path.join(js_dir, "multipart_upload.mjs"), bucket, "ls/m.bin",
                   self.medium], client_env(self.server))
        result = json.loads(out.strip().splitlines()[-1])
        self.assertEqual(result["sha256"], self.medium_sha)
        self.assertEqual(result["length"], os.path.getsize(self.medium))
        # 5 MiB parts by default, each with a CRC32; a COMPOSITE checksum results.
        self.assertTrue(result["etag"].endswith('-5"'), result)
        self.assertEqual(result["checksumType"], "COMPOSITE")
        self.assertTrue(result["checksumCRC32"].endswith("-5"), result)
        self.assertEqual(result["partsCount"], 5)
        self.assertEqual(result["contentType"], "application/x-gguf")


class MultipartSemantics(S3Assertions, MossTestCase):
    """S3's multipart behaviour, driven with boto3 (and raw requests where an
    SDK would refuse to send what a test needs)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = "multipart"
        boto3_client(cls.server).create_bucket(Bucket=cls.bucket)
        rng = random.Random(7)
        cls.parts = [rng.randbytes(5 * MiB) for _ in range(3)] + [rng.randbytes(1234)]

    def create(self, key, **extra):
        return self.s3().create_multipart_upload(Bucket=self.bucket, Key=key, **extra)["UploadId"]

    def upload_all(self, key, upload_id, parts, **extra):
        s3 = self.s3()
        done = []
        for n, body in enumerate(parts, start=1):
            r = s3.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=n,
                               Body=body, **extra)
            entry = {"PartNumber": n, "ETag": r["ETag"]}
            for name in ("ChecksumCRC32", "ChecksumCRC32C", "ChecksumCRC64NVME", "ChecksumSHA256",
                         "ChecksumSHA1"):
                if name in r:
                    entry[name] = r[name]
            done.append(entry)
        return done

    def complete(self, key, upload_id, parts, **extra):
        return self.s3().complete_multipart_upload(
            Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts},
            **extra)

    def get_bytes(self, key, **extra):
        return self.s3().get_object(Bucket=self.bucket, Key=key, **extra)["Body"].read()

    def put_existing(self, key, body=b"the original object"):
        self.s3().put_object(Bucket=self.bucket, Key=key, Body=body)
        return body

    # --- the happy paths -----------------------------------------------------

    def test_parts_uploaded_concurrently_and_out_of_order_complete_in_order(self):
        key = "concurrent.bin"
        upload_id = self.create(key)
        order = list(range(1, len(self.parts) + 1))
        random.Random(3).shuffle(order)

        def send(n):
            r = boto3_client(self.server).upload_part(
                Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=n,
                Body=self.parts[n - 1])
            return {"PartNumber": n, "ETag": r["ETag"]}

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            done = sorted(pool.map(send, order), key=lambda p: p["PartNumber"])
        result = self.complete(key, upload_id, done)
        self.assertEqual(result["ETag"], md5_etag(self.parts))
        body = self.get_bytes(key)
        self.assertEqual(hashlib.sha256(body).hexdigest(),
                         hashlib.sha256(b"".join(self.parts)).hexdigest())

    def test_reuploading_a_part_number_replaces_it(self):
        key = "replaced.bin"
        upload_id = self.create(key)
        s3 = self.s3()
        s3.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=1,
                       Body=b"x" * (5 * MiB))
        first = s3.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=1,
                               Body=self.parts[0])
        second = s3.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=2,
                                Body=b"tail")
        listed = s3.list_parts(Bucket=self.bucket, Key=key, UploadId=upload_id)["Parts"]
        self.assertEqual([(p["PartNumber"], p["Size"]) for p in listed], [(1, 5 * MiB), (2, 4)])
        self.complete(key, upload_id, [{"PartNumber": 1, "ETag": first["ETag"]},
                                       {"PartNumber": 2, "ETag": second["ETag"]}])
        self.assertEqual(self.get_bytes(key), self.parts[0] + b"tail")

    def test_metadata_and_content_type_given_at_create_apply(self):
        key = "meta.gguf"
        upload_id = self.create(key, ContentType="application/x-gguf",
                                Metadata={"quantization": "q4_k_m"}, CacheControl="max-age=60")
        parts = self.upload_all(key, upload_id, [b"gguf bytes"])
        self.complete(key, upload_id, parts)
        head = self.s3().head_object(Bucket=self.bucket, Key=key)
        self.assertEqual(head["ContentType"], "application/x-gguf")
        self.assertEqual(head["Metadata"], {"quantization": "q4_k_m"})
        self.assertEqual(head["CacheControl"], "max-age=60")

    def test_get_and_head_with_part_number(self):
        key = "parts.bin"
        upload_id = self.create(key)
        self.complete(key, upload_id, self.upload_all(key, upload_id, self.parts))
        s3 = self.s3()
        for n, body in enumerate(self.parts, start=1):
            got = s3.get_object(Bucket=self.bucket, Key=key, PartNumber=n)
            self.assertEqual(got["Body"].read(), body)
            self.assertEqual(got["PartsCount"], len(self.parts))
            self.assertEqual(got["ResponseMetadata"]["HTTPStatusCode"], 206)
        head = s3.head_object(Bucket=self.bucket, Key=key, PartNumber=2)
        self.assertEqual(head["ContentLength"], len(self.parts[1]))
        offset = len(self.parts[0])
        self.assertEqual(head["ContentRange"],
                         f"bytes {offset}-{offset + len(self.parts[1]) - 1}/"
                         f"{sum(map(len, self.parts))}")
        with self.assertRaises(ClientError) as e:
            s3.get_object(Bucket=self.bucket, Key=key, PartNumber=9)
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidPartNumber")

    def test_upload_part_copy_with_source_range(self):
        source = self.put_existing("copy-source.bin", b"".join(self.parts[:2]))
        key = "copied.bin"
        upload_id = self.create(key)
        s3 = self.s3()
        copied = []
        # Part 1: the whole source; part 2: a range of it.
        r1 = s3.upload_part_copy(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=1,
                                 CopySource={"Bucket": self.bucket, "Key": "copy-source.bin"})
        copied.append({"PartNumber": 1, "ETag": r1["CopyPartResult"]["ETag"]})
        r2 = s3.upload_part_copy(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=2,
                                 CopySource={"Bucket": self.bucket, "Key": "copy-source.bin"},
                                 CopySourceRange="bytes=100-5242979")
        copied.append({"PartNumber": 2, "ETag": r2["CopyPartResult"]["ETag"]})
        self.assertEqual(r2["CopyPartResult"]["ETag"],
                         '"' + hashlib.md5(source[100:5242980]).hexdigest() + '"')
        self.complete(key, upload_id, copied)
        self.assertEqual(self.get_bytes(key), source + source[100:5242980])
        with self.assertRaises(ClientError) as e:
            s3.upload_part_copy(Bucket=self.bucket, Key=key, UploadId=self.create(key),
                                PartNumber=1, CopySourceRange=f"bytes=0-{len(source)}",
                                CopySource={"Bucket": self.bucket, "Key": "copy-source.bin"})
        self.assertS3Error(e.exception, 400, "InvalidRange")

    def test_upload_part_copy_honours_copy_source_conditions(self):
        source = self.put_existing("cond-source.bin", self.parts[0])
        etag = '"' + hashlib.md5(source).hexdigest() + '"'
        key = "cond-copied.bin"
        upload_id = self.create(key)
        s3 = self.s3()
        copy_source = {"Bucket": self.bucket, "Key": "cond-source.bin"}
        for conditions in ({"CopySourceIfMatch": '"0123"'}, {"CopySourceIfNoneMatch": etag}):
            with self.assertRaises(ClientError) as e:
                s3.upload_part_copy(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                    PartNumber=1, CopySource=copy_source, **conditions)
            self.assertS3Error(e.exception, 412, "PreconditionFailed")
        self.assertEqual(s3.list_parts(Bucket=self.bucket, Key=key,
                                       UploadId=upload_id).get("Parts", []), [])
        r = s3.upload_part_copy(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=1,
                                CopySource=copy_source, CopySourceIfMatch=etag)
        self.assertEqual(r["CopyPartResult"]["ETag"], etag)

    def test_composite_crc32_checksum_of_the_parts(self):
        key = "crc32-composite.bin"
        upload_id = self.create(key, ChecksumAlgorithm="CRC32")
        parts = self.upload_all(key, upload_id, self.parts, ChecksumAlgorithm="CRC32")
        self.assertEqual([p["ChecksumCRC32"] for p in parts], [crc32_b64(p) for p in self.parts])
        result = self.complete(key, upload_id, parts)
        crcs = b"".join(zlib.crc32(p).to_bytes(4, "big") for p in self.parts)
        self.assertEqual(result["ChecksumCRC32"], f"{crc32_b64(crcs)}-{len(self.parts)}")
        self.assertEqual(result["ChecksumType"], "COMPOSITE")
        head = self.s3().head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        self.assertEqual(head["ChecksumCRC32"], result["ChecksumCRC32"])
        self.assertEqual(head["ChecksumType"], "COMPOSITE")
        # The part's own checksum answers GET ?partNumber with checksums enabled.
        part = self.s3().get_object(Bucket=self.bucket, Key=key, PartNumber=2,
                                    ChecksumMode="ENABLED")
        self.assertEqual(part["Body"].read(), self.parts[1])

    def test_composite_sha256_checksum_of_the_parts(self):
        key = "sha256-composite.bin"
        upload_id = self.create(key, ChecksumAlgorithm="SHA256")
        parts = self.upload_all(key, upload_id, self.parts[:2], ChecksumAlgorithm="SHA256")
        result = self.complete(key, upload_id, parts)
        digests = b"".join(hashlib.sha256(p).digest() for p in self.parts[:2])
        expected = base64.b64encode(hashlib.sha256(digests).digest()).decode() + "-2"
        self.assertEqual(result["ChecksumSHA256"], expected)

    # FULL_OBJECT checksums. The expected values come from s3_wire.checksum,
    # pure-Python CRCs checked there against the published check values for
    # "123456789", never from the server. Part checksums are given
    # explicitly: botocore computes CRC32C and CRC64NVME only with awscrt.
    FULL_OBJECT_ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME")

    def upload_full_object_parts(self, key, algorithm, chosen):
        upload_id = self.create(key, ChecksumAlgorithm=algorithm, ChecksumType="FULL_OBJECT")
        parts = []
        for n, body in enumerate(chosen, start=1):
            r = self.s3().upload_part(
                Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=body,
                **{f"Checksum{algorithm}": checksum(algorithm, body)})
            self.assertEqual(r[f"Checksum{algorithm}"], checksum(algorithm, body))
            parts.append({"PartNumber": n, "ETag": r["ETag"],
                          f"Checksum{algorithm}": r[f"Checksum{algorithm}"]})
        return upload_id, parts

    def assert_full_object_checksum(self, key, algorithm, result, whole):
        expected = checksum(algorithm, whole)
        self.assertEqual(result[f"Checksum{algorithm}"], expected)
        self.assertEqual(result["ChecksumType"], "FULL_OBJECT")
        got = self.s3().get_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        self.assertEqual(got[f"Checksum{algorithm}"], expected)
        self.assertEqual(got["ChecksumType"], "FULL_OBJECT")
        # For CRC32 botocore also checks the streamed body against it.
        self.assertEqual(got["Body"].read(), whole)

    def test_full_object_crc_checksums_of_the_whole_object(self):
        chosen = [self.parts[0], self.parts[3]]
        whole = b"".join(chosen)
        for algorithm in self.FULL_OBJECT_ALGORITHMS:
            with self.subTest(algorithm=algorithm):
                key = f"full-{algorithm}.bin"
                upload_id, parts = self.upload_full_object_parts(key, algorithm, chosen)
                result = self.complete(key, upload_id, parts, ChecksumType="FULL_OBJECT",
                                       **{f"Checksum{algorithm}": checksum(algorithm, whole)})
                self.assert_full_object_checksum(key, algorithm, result, whole)

    def test_full_object_crc_is_combined_by_the_server_when_complete_names_none(self):
        # No whole-object value in Complete: the server must combine the
        # parts' CRCs itself, and get what a CRC of the joined bytes gives.
        chosen = [self.parts[1], self.parts[3][:17]]
        whole = b"".join(chosen)
        for algorithm in self.FULL_OBJECT_ALGORITHMS:
            with self.subTest(algorithm=algorithm):
                key = f"full-server-{algorithm}.bin"
                upload_id, parts = self.upload_full_object_parts(key, algorithm, chosen)
                result = self.complete(key, upload_id, parts, ChecksumType="FULL_OBJECT")
                self.assert_full_object_checksum(key, algorithm, result, whole)

    def test_full_object_checksum_that_does_not_match_is_bad_digest(self):
        chosen = [self.parts[0], self.parts[3]]
        whole = b"".join(chosen)
        for algorithm in self.FULL_OBJECT_ALGORITHMS:
            with self.subTest(algorithm=algorithm):
                key = f"full-wrong-{algorithm}.bin"
                upload_id, parts = self.upload_full_object_parts(key, algorithm, chosen)
                # Right for the parts in the other order: only a server that
                # combines the CRCs in part order tells them apart.
                wrong = checksum(algorithm, chosen[1] + chosen[0])
                self.assertNotEqual(wrong, checksum(algorithm, whole))
                with self.assertRaises(ClientError) as e:
                    self.complete(key, upload_id, parts, ChecksumType="FULL_OBJECT",
                                  **{f"Checksum{algorithm}": wrong})
                self.assertS3Error(e.exception, 400, "BadDigest")
                self.assertNotStored(self.bucket, key)

    def test_part_with_a_wrong_checksum_is_refused(self):
        key = "bad-part-checksum.bin"
        upload_id = self.create(key, ChecksumAlgorithm="CRC32")
        with self.assertRaises(ClientError) as e:
            self.s3().upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=1,
                                  Body=b"payload", ChecksumCRC32=crc32_b64(b"other payload"))
        self.assertS3Error(e.exception, 400, "BadDigest")
        self.assertEqual(self.s3().list_parts(Bucket=self.bucket, Key=key,
                                              UploadId=upload_id).get("Parts", []), [])

    def test_aborted_upload_leaves_nothing_visible(self):
        key = "aborted.bin"
        blobs_before = set(blob_files(self.server))
        upload_id = self.create(key)
        self.upload_all(key, upload_id, self.parts[:2])
        s3 = self.s3()
        s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        self.assertNotStored(self.bucket, key)
        uploads = s3.list_multipart_uploads(Bucket=self.bucket, Prefix=key).get("Uploads", [])
        self.assertEqual(uploads, [])
        with self.assertRaises(ClientError) as e:
            s3.list_parts(Bucket=self.bucket, Key=key, UploadId=upload_id)
        self.assertS3Error(e.exception, 404, "NoSuchUpload")
        listed = s3.list_objects_v2(Bucket=self.bucket, Prefix=key).get("Contents", [])
        self.assertEqual(listed, [])
        self.assertEqual(set(blob_files(self.server)) - blobs_before, set())
        self.assertNoTempFiles()
        with self.assertRaises(ClientError) as e:
            s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        self.assertS3Error(e.exception, 404, "NoSuchUpload")

    def test_list_parts_paginates(self):
        key = "many-parts.bin"
        upload_id = self.create(key)
        s3 = self.s3()
        for n in range(1, 8):
            s3.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=n,
                           Body=f"part {n}".encode())
        page = s3.list_parts(Bucket=self.bucket, Key=key, UploadId=upload_id, MaxParts=3)
        self.assertTrue(page["IsTruncated"])
        self.assertEqual([p["PartNumber"] for p in page["Parts"]], [1, 2, 3])
        self.assertEqual(page["NextPartNumberMarker"], 3)
        pages = s3.get_paginator("list_parts").paginate(
            Bucket=self.bucket, Key=key, UploadId=upload_id, PaginationConfig={"PageSize": 3})
        numbers = [p["PartNumber"] for page in pages for p in page.get("Parts", [])]
        self.assertEqual(numbers, list(range(1, 8)))
        s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)

    def test_list_multipart_uploads_paginates_with_prefix_and_delimiter(self):
        s3 = self.s3()
        bucket = self.unique_bucket("uploads")
        ids = {}
        for key in ["a/1", "a/2", "b", "b", "c/d/e", "z"]:
            ids.setdefault(key, []).append(
                s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"])
        pages = s3.get_paginator("list_multipart_uploads").paginate(
            Bucket=bucket, PaginationConfig={"PageSize": 2})
        seen = [(u["Key"], u["UploadId"]) for page in pages for u in page.get("Uploads", [])]
        expected = [(k, i) for k in sorted(ids) for i in ids[k]]
        self.assertEqual(seen, expected)

        page = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=3)
        self.assertTrue(page["IsTruncated"])
        self.assertEqual(page["NextKeyMarker"], "b")
        self.assertEqual(page["NextUploadIdMarker"], ids["b"][0])
        rest = s3.list_multipart_uploads(Bucket=bucket, KeyMarker=page["NextKeyMarker"],
                                         UploadIdMarker=page["NextUploadIdMarker"])
        self.assertEqual([u["UploadId"] for u in rest["Uploads"]],
                         [ids["b"][1], ids["c/d/e"][0], ids["z"][0]])

        grouped = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/")
        self.assertEqual([p["Prefix"] for p in grouped["CommonPrefixes"]], ["a/", "c/"])
        self.assertEqual([u["Key"] for u in grouped["Uploads"]], ["b", "b", "z"])
        within = s3.list_multipart_uploads(Bucket=bucket, Prefix="a/")
        self.assertEqual([u["Key"] for u in within["Uploads"]], ["a/1", "a/2"])
        self.assertEqual(within["Uploads"][0]["Initiator"]["DisplayName"], "env")

        # Uploads in progress do not keep a bucket: deleting it discards them.
        s3.delete_bucket(Bucket=bucket)
        self.assertNotIn(bucket, [b["Name"] for b in s3.list_buckets()["Buckets"]])

    # --- bad input: S3's exact error, nothing changed -------------------------

    def assert_refused(self, key, parts, code, status=400, upload_id=None, original=None):
        upload_id = upload_id or self.create(key)
        with self.assertRaises(ClientError) as e:
            self.complete(key, upload_id, parts)
        self.assertS3Error(e.exception, status, code)
        if original is not None:
            self.assertEqual(self.get_bytes(key), original)
        return upload_id

    def prepared(self, key):
        original = self.put_existing(key)
        upload_id = self.create(key)
        parts = self.upload_all(key, upload_id, self.parts)
        return original, upload_id, parts

    def test_complete_with_a_missing_part_is_invalid_part(self):
        original, upload_id, parts = self.prepared("bad-missing")
        wrong = parts[:2] + [{"PartNumber": 7, "ETag": parts[2]["ETag"]}]
        self.assert_refused("bad-missing", wrong, "InvalidPart", upload_id=upload_id,
                            original=original)
        # The upload is intact: completing it properly still works.
        self.complete("bad-missing", upload_id, parts)
        self.assertEqual(self.get_bytes("bad-missing"), b"".join(self.parts))

    def test_complete_with_a_duplicated_part_is_invalid_part_order(self):
        original, upload_id, parts = self.prepared("bad-duplicate")
        self.assert_refused("bad-duplicate", [parts[0], parts[0], parts[1]], "InvalidPartOrder",
                            upload_id=upload_id, original=original)

    def test_complete_with_unsorted_parts_is_invalid_part_order(self):
        original, upload_id, parts = self.prepared("bad-unsorted")
        self.assert_refused("bad-unsorted", [parts[1], parts[0], parts[2]], "InvalidPartOrder",
                            upload_id=upload_id, original=original)

    def test_complete_with_a_wrong_part_etag_is_invalid_part(self):
        original, upload_id, parts = self.prepared("bad-etag")
        wrong = [dict(parts[0]), parts[1]]
        wrong[0]["ETag"] = '"' + "0" * 32 + '"'
        self.assert_refused("bad-etag", wrong, "InvalidPart", upload_id=upload_id,
                            original=original)

    def test_complete_with_a_too_small_middle_part_is_entity_too_small(self):
        original = self.put_existing("bad-small")
        upload_id = self.create("bad-small")
        parts = self.upload_all("bad-small", upload_id,
                                [self.parts[0], b"tiny middle", self.parts[1]])
        self.assert_refused("bad-small", parts, "EntityTooSmall", upload_id=upload_id,
                            original=original)

    def test_complete_with_an_unknown_upload_id_is_no_such_upload(self):
        original = self.put_existing("bad-upload-id")
        self.assert_refused("bad-upload-id", [{"PartNumber": 1, "ETag": '"abc"'}],
                            "NoSuchUpload", status=404, upload_id="0" * 48, original=original)
        # An upload id of another key is unknown for this one.
        other = self.create("some-other-key")
        self.assert_refused("bad-upload-id", [{"PartNumber": 1, "ETag": '"abc"'}],
                            "NoSuchUpload", status=404, upload_id=other, original=original)

    def test_complete_with_malformed_xml_is_malformed_xml(self):
        original, upload_id, parts = self.prepared("bad-xml")
        for body in [b"<CompleteMultipartUpload><Part>", b"not xml at all",
                     b"<CompleteMultipartUpload></CompleteMultipartUpload>",
                     b"<CompleteMultipartUpload><Part><PartNumber>x</PartNumber>"
                     b"<ETag>a</ETag></Part></CompleteMultipartUpload>"]:
            response = signed_request(self.server, "POST", f"/{self.bucket}/bad-xml", body,
                                      query=[("uploadId", upload_id)])
            self.assertS3Error(response, 400, "MalformedXML")
        self.assertEqual(self.get_bytes("bad-xml"), original)
        self.complete("bad-xml", upload_id, parts)

    def test_upload_part_with_a_bad_part_number_or_upload_id(self):
        upload_id = self.create("bad-part")
        for number in ("0", "10001", "x"):
            response = signed_request(self.server, "PUT", f"/{self.bucket}/bad-part", b"data",
                                      query=[("partNumber", number), ("uploadId", upload_id)])
            self.assertS3Error(response, 400, "InvalidArgument")
        with self.assertRaises(ClientError) as e:
            self.s3().upload_part(Bucket=self.bucket, Key="bad-part", UploadId="nope",
                                  PartNumber=1, Body=b"data")
        self.assertS3Error(e.exception, 404, "NoSuchUpload")


class MultipartDurability(S3Assertions, unittest.TestCase):
    """Crashes and the expiry sweep, each with a server of its own."""

    def setUp(self):
        self.server = None

    def tearDown(self):
        if self.server:
            self.server.cleanup()

    def start(self, *args, data_dir=None):
        self.server = MossServer(data_dir=data_dir, extra_args=args).start()
        return boto3_client(self.server)

    def test_uploaded_parts_survive_a_crash(self):
        s3 = self.start()
        s3.create_bucket(Bucket="crash")
        upload_id = s3.create_multipart_upload(Bucket="crash", Key="k")["UploadId"]
        parts = [os.urandom(5 * MiB), os.urandom(100)]
        etags = [s3.upload_part(Bucket="crash", Key="k", UploadId=upload_id, PartNumber=n,
                                Body=body)["ETag"] for n, body in enumerate(parts, start=1)]
        self.server.kill()
        self.server.start()
        s3 = boto3_client(self.server)
        listed = s3.list_parts(Bucket="crash", Key="k", UploadId=upload_id)["Parts"]
        self.assertEqual([p["ETag"] for p in listed], etags)
        s3.complete_multipart_upload(
            Bucket="crash", Key="k", UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e}
                                       for n, e in enumerate(etags, start=1)]})
        self.assertEqual(s3.get_object(Bucket="crash", Key="k")["Body"].read(), b"".join(parts))

    def test_a_crash_during_complete_leaves_the_object_or_the_upload(self):
        # Each attempt sends a whole Complete request, waits until the server
        # has it in flight (/metrics), and kills the server `delay` seconds
        # later. The upload has CRASH_PARTS parts, each an UploadPartCopy of one
        # stored object (a reference to its blob: no bytes move), so Complete
        # has enough parts to check and link that the kills land inside it. A
        # kill counts as inside when the request was in flight and no answer
        # came; afterwards there is either the whole object (and no upload) or
        # the whole upload (and no object), never part of one.
        s3 = self.start()
        s3.create_bucket(Bucket="crash")
        source = os.urandom(5 * MiB)
        s3.put_object(Bucket="crash", Key="source", Body=source)
        whole_size = CRASH_PARTS * len(source)
        whole_etag = ('"' + hashlib.md5(hashlib.md5(source).digest() * CRASH_PARTS).hexdigest()
                      + f'-{CRASH_PARTS}"')
        inside = 0
        outcomes = set()
        for attempt, delay in enumerate([0.0, 0.0, 0.005, 0.02, 0.05, 0.1]):
            key = f"k{attempt}"
            upload_id = s3.create_multipart_upload(Bucket="crash", Key=key)["UploadId"]
            done = self.copy_parts(s3, key, upload_id, "crash/source", CRASH_PARTS)
            in_flight, answer = self.complete_then_kill(key, upload_id, done, delay)
            if answer is None:
                self.assertTrue(in_flight, "the server was killed before it had the request")
                inside += 1
            else:
                self.assertEqual(answer.status, 200, answer)  # acknowledged before the kill

            self.server.start()
            s3 = boto3_client(self.server)
            try:
                head = s3.head_object(Bucket="crash", Key=key)
            except ClientError as e:
                self.assertEqual(e.response["Error"]["Code"], "404")
                head = None
            uploads = [u["UploadId"] for u in
                       s3.list_multipart_uploads(Bucket="crash", Prefix=key).get("Uploads", [])]
            if head is None:
                self.assertIsNone(answer, "an acknowledged Complete was lost")
                # No object: the upload is still whole, its parts listed, and
                # it can be completed.
                self.assertEqual(uploads, [upload_id])
                listed = [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]}
                          for page in s3.get_paginator("list_parts").paginate(
                              Bucket="crash", Key=key, UploadId=upload_id)
                          for p in page.get("Parts", [])]
                self.assertEqual(listed, done)
                s3.complete_multipart_upload(Bucket="crash", Key=key, UploadId=upload_id,
                                             MultipartUpload={"Parts": done})
                head = s3.head_object(Bucket="crash", Key=key)
                outcomes.add("upload")
            else:
                self.assertEqual(uploads, [])
                outcomes.add("object")
            # The whole object: every part, in order (a boundary between two
            # parts and the last part read back).
            self.assertEqual((head["ContentLength"], head["ETag"]), (whole_size, whole_etag))
            boundary = random.randrange(1, CRASH_PARTS) * len(source)
            self.assertEqual(s3.get_object(Bucket="crash", Key=key,
                                           Range=f"bytes={boundary - 8}-{boundary + 7}")
                             ["Body"].read(), source[-8:] + source[:8])
            self.assertEqual(s3.get_object(Bucket="crash", Key=key, PartNumber=CRASH_PARTS)
                             ["Body"].read(), source)
        self.assertGreater(inside, 0, "no kill landed while a Complete was in flight")
        print(f"\n{inside} of 6 kills inside Complete; it left: {sorted(outcomes)}")

    @staticmethod
    def copy_parts(s3, key, upload_id, source, count):
        """Makes parts 1..count of the upload UploadPartCopy of `source`; returns
        them as Complete names them."""
        def copy(number):
            r = s3.upload_part_copy(Bucket="crash", Key=key, UploadId=upload_id,
                                    PartNumber=number, CopySource=source)
            return {"PartNumber": number, "ETag": r["CopyPartResult"]["ETag"]}

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            return list(pool.map(copy, range(1, count + 1)))

    def complete_then_kill(self, key, upload_id, parts, delay):
        """Sends the Complete request whole and, once the server has it in
        flight, SIGKILLs the server `delay` seconds later. Returns whether it
        was seen in flight, and the answer if one came before the kill (else
        None)."""
        xml = ("<CompleteMultipartUpload>" + "".join(
            f"<Part><PartNumber>{p['PartNumber']}</PartNumber><ETag>{p['ETag']}</ETag></Part>"
            for p in parts) + "</CompleteMultipartUpload>").encode()
        conn = RawConnection(self.server.port, timeout=30)
        try:
            conn.send(signed_head_bytes(self.server, "POST", f"/crash/{key}",
                                        {"Content-Length": str(len(xml))},
                                        query=[("uploadId", upload_id)]) + xml)
            # Until it is in flight, or already answered (a Complete quicker
            # than the look at /metrics).
            deadline = time.monotonic() + 30
            while not (in_flight := self.server.requests_in_flight() > 0):
                if select.select([conn.sock], [], [], 0)[0]:
                    break
                self.assertLess(time.monotonic(), deadline, "the Complete never arrived")
            time.sleep(delay)  # spreads the kills over the request's life
            self.server.kill()
            try:
                return in_flight, conn.read_response()
            except ConnectionError:  # closed or reset by the kill
                return in_flight, None
        finally:
            conn.close()

    def test_abandoned_uploads_are_removed_by_the_sweep(self):
        s3 = self.start("--multipart-expiry", "4s", "--multipart-sweep-interval", "200ms")
        s3.create_bucket(Bucket="sweep")
        upload_id = s3.create_multipart_upload(Bucket="sweep", Key="abandoned")["UploadId"]
        s3.upload_part(Bucket="sweep", Key="abandoned", UploadId=upload_id, PartNumber=1,
                       Body=os.urandom(1000))
        s3.put_object(Bucket="sweep", Key="kept", Body=b"an object stays")
        self.assertEqual(len(blob_files(self.server)), 2)
        deadline = time.time() + 30
        while s3.list_multipart_uploads(Bucket="sweep").get("Uploads"):
            self.assertLess(time.time(), deadline, "the sweep never removed the upload")
            time.sleep(0.2)
        self.assertEqual(len(blob_files(self.server)), 1)
        self.assertEqual(s3.get_object(Bucket="sweep", Key="kept")["Body"].read(),
                         b"an object stays")
        with self.assertRaises(ClientError) as e:
            s3.list_parts(Bucket="sweep", Key="abandoned", UploadId=upload_id)
        self.assertEqual(e.exception.response["Error"]["Code"], "NoSuchUpload")


if __name__ == "__main__":
    unittest.main()
