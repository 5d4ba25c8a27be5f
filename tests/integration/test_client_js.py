"""The AWS SDK for JavaScript v3 (@aws-sdk/client-s3, pinned in tests/js) with
its default checksum settings: CRC32 on uploads (a header for a Buffer, an
aws-chunked trailer for a stream) and checksum validation on downloads.

Each operation runs tests/js/object_ops.mjs once and checks the JSON it prints.
"""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import zlib

from moss_harness import MossTestCase, SOURCE_DIR, client_env, random_file, sha256_file

JS_DIR = os.path.join(SOURCE_DIR, "tests", "js")
SIZE = 20 * 1024 * 1024


def ensure_node_modules():
    """node_modules comes from scripts/install-test-clients (npm ci of the pinned
    lock file); run it when a fresh tree has not yet."""
    if not os.path.isdir(os.path.join(JS_DIR, "node_modules", "@aws-sdk", "client-s3")):
        subprocess.run([os.path.join(SOURCE_DIR, "scripts", "install-test-clients")], check=True,
                       timeout=600)


class JsSdkClient(MossTestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("node"):
            raise RuntimeError("node is required (scripts/install-deps --test installs it)")
        ensure_node_modules()
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="moss-js-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.big = random_file(cls.tmp, SIZE, "big.bin")
        cls.big_sha256 = sha256_file(cls.big)
        with open(cls.big, "rb") as f:
            data = f.read()
        cls.big_md5 = hashlib.md5(data).hexdigest()
        # Computed here, not taken from either side: the SDK sends a CRC32 and
        # the server answers with one; both must be the file's.
        cls.big_crc32 = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
        cls.bucket = "js-client"
        cls.node(["create-bucket", cls.bucket])


    @classmethod
    def node(cls, *steps):
        """Runs the steps ([operation, args...]) in one node process; returns their
        results, an S3 error being {"error": {"name", "status"}}."""
        proc = subprocess.run(["node", "object_ops.mjs", *(json.dumps(s) for s in steps)],
                              cwd=JS_DIR, env=client_env(cls.server), capture_output=True,
                              text=True, timeout=300)
        if proc.returncode != 0:
            raise AssertionError(f"node object_ops.mjs {steps} exited {proc.returncode}:\n"
                                 f"{proc.stdout}\n{proc.stderr}")
        results = json.loads(proc.stdout)
        for step, result in zip(steps, results):
            if "error" in result and step[0] not in ("head", "get"):
                raise AssertionError(f"{step} failed: {result['error']}")
        return results

    def test_sdk_versions_match_the_pinned_package_json(self):
        with open(os.path.join(JS_DIR, "package.json")) as f:
            pinned = json.load(f)["dependencies"]
        for name, version in pinned.items():
            with open(os.path.join(JS_DIR, "node_modules", name, "package.json")) as f:
                self.assertEqual(json.load(f)["version"], version, name)
        node_version = subprocess.run(["node", "--version"], capture_output=True,
                                      text=True).stdout.strip()
        print(f"\nnode {node_version}, @aws-sdk/client-s3 {pinned['@aws-sdk/client-s3']}")

    def test_put_buffer_20mib_then_get_head_list_return_the_same_bytes(self):
        put, got, head, listed = self.node(
            ["put-buffer", self.bucket, "buffer/big.bin", self.big],
            ["get", self.bucket, "buffer/big.bin"],
            ["head", self.bucket, "buffer/big.bin"],
            ["list", self.bucket, "buffer/"])
        self.assertEqual(put["ETag"], f'"{self.big_md5}"')
        self.assertEqual(put["ChecksumCRC32"], self.big_crc32, "the default CRC32 was not stored")

        self.assertEqual(got["length"], SIZE)
        self.assertEqual(got["sha256"], self.big_sha256)
        self.assertEqual(got["ETag"], put["ETag"])
        # The SDK asks for the checksum by default and validated it while reading.
        self.assertEqual(got["request"]["x-amz-checksum-mode"], "ENABLED")
        self.assertEqual(got["ChecksumCRC32"], self.big_crc32)

        self.assertEqual(head["ContentLength"], SIZE)
        self.assertEqual(head["ETag"], put["ETag"])

        self.assertEqual(listed["Contents"],
                         [{"Key": "buffer/big.bin", "Size": SIZE, "ETag": put["ETag"]}])

    def test_put_stream_with_content_length_uses_aws_chunked_crc32_trailer(self):
        put, got = self.node(["put-stream", self.bucket, "stream/big.bin", self.big],
                             ["get", self.bucket, "stream/big.bin"])
        self.assertEqual(put["ETag"], f'"{self.big_md5}"')
        self.assertEqual(put["request"]["x-amz-trailer"], "x-amz-checksum-crc32")
        self.assertIn("aws-chunked", put["request"]["content-encoding"] or "")
        self.assertEqual(got["sha256"], self.big_sha256)
        self.assertEqual(put["ChecksumCRC32"], self.big_crc32)
        self.assertEqual(got["ChecksumCRC32"], self.big_crc32)

    def test_copy_object_then_delete_source_leaves_an_identical_copy(self):
        _, copied, deleted, head, got = self.node(
            ["put-buffer", self.bucket, "copy/source.bin", self.big],
            ["copy", self.bucket, "copy/source.bin", "copy/target.bin"],
            ["delete", self.bucket, "copy/source.bin"],
            ["head", self.bucket, "copy/source.bin"],
            ["get", self.bucket, "copy/target.bin"])
        self.assertEqual(copied["ETag"], f'"{self.big_md5}"')
        self.assertEqual(deleted["status"], 204)
        self.assertEqual(head["error"]["status"], 404)
        self.assertEqual(got["sha256"], self.big_sha256)

    def test_copy_of_a_key_needing_encoding_finds_the_source(self):
        small = random_file(self.tmp, 1000, "small.bin")
        key = "copy/with space+plus/\u00fcn\u00ef.bin"
        *_, got = self.node(["put-buffer", self.bucket, key, small],
                            ["copy", self.bucket, key, "copy/plain.bin"],
                            ["get", self.bucket, "copy/plain.bin"])
        self.assertEqual(got["sha256"], sha256_file(small))

    def test_delete_objects_removes_every_listed_key(self):
        small = random_file(self.tmp, 4096, "few.bin")
        keys = [f"many/{i}.bin" for i in range(5)]
        *_, result, listed = self.node(
            *(["put-buffer", self.bucket, key, small] for key in keys),
            ["delete-many", self.bucket, *keys, "many/never-existed.bin"],
            ["list", self.bucket, "many/"])
        self.assertEqual(sorted(result["Deleted"]), sorted(keys + ["many/never-existed.bin"]))
        self.assertEqual(result["Errors"], [])
        # S3 requires an integrity check on DeleteObjects; the SDK sends a CRC32.
        self.assertIsNotNone(result["request"]["x-amz-checksum-crc32"])
        self.assertEqual(listed["KeyCount"], 0)

    def test_lib_storage_upload_of_20mib_stream_round_trips(self):
        # lib-storage splits a body above its 5 MiB part size into a multipart upload.
        upload, got = self.node(["upload", self.bucket, "upload/big.bin", self.big],
                                ["get", self.bucket, "upload/big.bin"])
        self.assertNotIn("error", upload)
        self.assertEqual(got["length"], SIZE)
        self.assertEqual(got["sha256"], self.big_sha256)

if __name__ == "__main__":
    unittest.main()
