"""s3cmd (Debian's 2.3) against the real server, with a generated config file
(path-style, plain http, SigV4). s3cmd uploads files above 15 MiB in 15 MiB
parts by default, so `put` of the 20 MiB file is a multipart upload.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from moss_harness import (ACCESS_KEY, MossTestCase, SECRET_KEY, boto3_client, random_file,
                          sha256_file, which)

SIZE = 20 * 1024 * 1024


class S3cmdClient(MossTestCase):
    @classmethod
    def setUpClass(cls):
        cls.s3cmd_path = which("s3cmd", "/usr/bin/s3cmd")
        if not cls.s3cmd_path:
            raise RuntimeError("s3cmd is required (scripts/install-deps --test installs it)")
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="moss-s3cmd-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.config = os.path.join(cls.tmp, "s3cfg")
        host = f"127.0.0.1:{cls.server.port}"
        with open(cls.config, "w") as f:
            f.write("[default]\n"
                    f"access_key = {ACCESS_KEY}\n"
                    f"secret_key = {SECRET_KEY}\n"
                    f"host_base = {host}\n"
                    f"host_bucket = {host}\n"
                    "use_https = False\n"
                    "signature_v2 = False\n"
                    "bucket_location = us-east-1\n"
                    "check_ssl_certificate = False\n"
                    "guess_mime_type = False\n"
                    "progress_meter = False\n")
        cls.big = random_file(cls.tmp, SIZE, "big.bin")
        cls.big_sha256 = sha256_file(cls.big)
        cls.small = random_file(cls.tmp, 100 * 1024, "small.bin")
        cls.bucket = "s3cmd-client"
        cls.s3cmd("mb", f"s3://{cls.bucket}")
        # The 20 MiB object most tests read, stored with one PutObject.
        cls.s3cmd("put", "--disable-multipart", cls.big, f"s3://{cls.bucket}/fixture/big.bin")


    @classmethod
    def s3cmd(cls, *args, check=True):
        env = dict(os.environ)
        env["HOME"] = cls.tmp  # never read a developer's ~/.s3cfg
        proc = subprocess.run([cls.s3cmd_path, "-c", cls.config, *args], env=env,
                              capture_output=True, text=True, timeout=300)
        if check and proc.returncode != 0:
            raise AssertionError(f"s3cmd {' '.join(args)} exited {proc.returncode}:\n"
                                 f"{proc.stdout}\n{proc.stderr}")
        return proc

    def get(self, key):
        target = os.path.join(self.tmp, "download.bin")
        self.s3cmd("get", "--force", f"s3://{self.bucket}/{key}", target)
        return target

    def test_client_is_s3cmd_2(self):
        out = self.s3cmd("--version").stdout
        print(f"\n{out.strip()}")
        self.assertIn("s3cmd version 2.", out)

    def access_log(self, key):
        """(operation, status) of each access log line about `key`."""
        entries = []
        for line in self.server.log_text().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("logger") == "access" and entry.get("key") == key:
                entries.append((entry["operation"], entry["status"]))
        return entries

    def test_put_20mib_with_default_multipart_then_get_returns_the_same_bytes(self):
        key = "multipart/big.bin"
        self.s3cmd("put", self.big, f"s3://{self.bucket}/{key}")
        self.assertEqual(sha256_file(self.get(key)), self.big_sha256)
        # It was a multipart upload: two parts of s3cmd's 15 MiB chunks, then
        # Complete (the log is flushed once a second: wait for its last line).
        self.assertTrue(self.server.wait_for_log_line(
            lambda line: '"operation":"CompleteMultipartUpload"' in line and key in line),
            f"no CompleteMultipartUpload of {key} in the access log: {self.access_log(key)}")
        entries = self.access_log(key)
        self.assertEqual([e for e in entries if e[0] != "GetObject" and e[0] != "HeadObject"],
                         [("CreateMultipartUpload", 200), ("UploadPart", 200),
                          ("UploadPart", 200), ("CompleteMultipartUpload", 200)])
        head = boto3_client(self.server).head_object(Bucket=self.bucket, Key=key)
        self.assertTrue(head["ETag"].endswith('-2"'), head["ETag"])

    def test_single_put_of_20mib_then_get_returns_the_same_bytes(self):
        # s3cmd get compares the MD5 of what it received with the ETag, too.
        self.assertEqual(sha256_file(self.get("fixture/big.bin")), self.big_sha256)

    def test_info_reports_size_md5_and_metadata(self):
        out = self.s3cmd("info", f"s3://{self.bucket}/fixture/big.bin").stdout
        self.assertRegex(out, rf"File size:\s+{SIZE}\b")
        with open(self.big, "rb") as f:
            md5 = hashlib.md5(f.read()).hexdigest()
        self.assertRegex(out, rf"MD5 sum:\s+{md5}")

    def test_ls_lists_objects_and_directories(self):
        self.s3cmd("put", self.small, f"s3://{self.bucket}/ls/sub/two.bin")
        out = self.s3cmd("ls", f"s3://{self.bucket}/").stdout
        self.assertRegex(out, rf"DIR\s+s3://{self.bucket}/fixture/")
        self.assertRegex(out, rf"DIR\s+s3://{self.bucket}/ls/")
        recursive = self.s3cmd("ls", "--recursive", f"s3://{self.bucket}/ls/").stdout
        self.assertRegex(recursive, rf"\s{100 * 1024}\s+s3://{self.bucket}/ls/sub/two.bin")
        buckets = self.s3cmd("ls").stdout
        self.assertIn(f"s3://{self.bucket}", buckets)

    def test_cp_copies_20mib_server_side(self):
        self.s3cmd("cp", f"s3://{self.bucket}/fixture/big.bin", f"s3://{self.bucket}/cp/big.bin")
        self.assertEqual(sha256_file(self.get("cp/big.bin")), self.big_sha256)

    def test_del_removes_the_object(self):
        self.s3cmd("put", self.small, f"s3://{self.bucket}/del/gone.bin")
        self.s3cmd("del", f"s3://{self.bucket}/del/gone.bin")
        missing = self.s3cmd("info", f"s3://{self.bucket}/del/gone.bin", check=False)
        self.assertNotEqual(missing.returncode, 0)
        self.assertTrue(re.search(r"404|Not Found|NoSuchKey", missing.stderr), missing.stderr)
        self.assertNotIn("del/gone.bin",
                         self.s3cmd("ls", "--recursive", f"s3://{self.bucket}/del/").stdout)


if __name__ == "__main__":
    unittest.main()
