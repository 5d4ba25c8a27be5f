"""rclone (Debian's 1.60) against the real server, configured entirely through
the environment as an S3 remote of provider "Other". Its default upload cutoff
(200 MiB) makes the 20 MiB upload a single PUT.
"""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from moss_harness import (ACCESS_KEY, MossTestCase, REGION, SECRET_KEY, random_file,
                          sha256_file, which)

SIZE = 20 * 1024 * 1024


class RcloneClient(MossTestCase):
    @classmethod
    def setUpClass(cls):
        cls.rclone_path = which("rclone", "/usr/bin/rclone")
        if not cls.rclone_path:
            raise RuntimeError("rclone is required (scripts/install-deps --test installs it)")
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="moss-rclone-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.source_dir = os.path.join(cls.tmp, "source")
        os.mkdir(cls.source_dir)
        cls.big = random_file(cls.source_dir, SIZE, "big.bin")
        cls.big_sha256 = sha256_file(cls.big)
        cls.small = random_file(cls.source_dir, 3000, "small.bin")
        cls.bucket = "rclone-client"
        cls.rclone("mkdir", f"moss:{cls.bucket}")


    @classmethod
    def rclone(cls, *args, check=True, binary=False):
        # The AWS SDK inside rclone reads AWS_* variables too (an AWS_CA_BUNDLE
        # fails its plain-http transport); the remote is configured below alone.
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            # No config file: a developer's rclone.conf must not leak in.
            "RCLONE_CONFIG": os.path.join(cls.tmp, "rclone.conf"),
            "RCLONE_CONFIG_MOSS_TYPE": "s3",
            "RCLONE_CONFIG_MOSS_PROVIDER": "Other",
            "RCLONE_CONFIG_MOSS_ENDPOINT": cls.server.endpoint,
            "RCLONE_CONFIG_MOSS_ACCESS_KEY_ID": ACCESS_KEY,
            "RCLONE_CONFIG_MOSS_SECRET_ACCESS_KEY": SECRET_KEY,
            "RCLONE_CONFIG_MOSS_REGION": REGION,
            "RCLONE_CONFIG_MOSS_FORCE_PATH_STYLE": "true",
        })
        proc = subprocess.run([cls.rclone_path, "--retries", "1", "--low-level-retries", "1",
                               *args], env=env, capture_output=True, text=not binary,
                              timeout=300)
        if check and proc.returncode != 0:
            raise AssertionError(f"rclone {' '.join(args)} exited {proc.returncode}:\n"
                                 f"{proc.stdout}\n{proc.stderr}")
        return proc

    def lsjson(self, path):
        return json.loads(self.rclone("lsjson", "--recursive", f"moss:{self.bucket}/{path}").stdout)

    def test_client_is_rclone_1(self):
        out = self.rclone("version").stdout
        print(f"\n{out.splitlines()[0]}")
        self.assertIn("rclone v1.", out)

    def test_copyto_20mib_then_cat_returns_the_same_bytes(self):
        self.rclone("copyto", self.big, f"moss:{self.bucket}/copyto/big.bin")
        body = self.rclone("cat", f"moss:{self.bucket}/copyto/big.bin", binary=True).stdout
        self.assertEqual(len(body), SIZE)
        self.assertEqual(hashlib.sha256(body).hexdigest(), self.big_sha256)

    def test_lsjson_reports_size_and_md5_hash(self):
        self.rclone("copyto", self.big, f"moss:{self.bucket}/ls/big.bin")
        entries = self.lsjson("ls")
        self.assertEqual([(e["Path"], e["Size"]) for e in entries], [("big.bin", SIZE)])
        hashed = json.loads(self.rclone("lsjson", "--hash",
                                        f"moss:{self.bucket}/ls/big.bin").stdout)
        with open(self.big, "rb") as f:
            self.assertEqual(hashed[0]["Hashes"]["md5"], hashlib.md5(f.read()).hexdigest())

    def test_check_finds_local_and_remote_directories_identical(self):
        self.rclone("copy", self.source_dir, f"moss:{self.bucket}/tree")
        result = self.rclone("check", self.source_dir, f"moss:{self.bucket}/tree")
        self.assertIn("0 differences found", result.stderr)
        # And it notices a difference.
        self.rclone("copyto", self.small, f"moss:{self.bucket}/tree/big.bin")
        differs = self.rclone("check", self.source_dir, f"moss:{self.bucket}/tree", check=False)
        self.assertNotEqual(differs.returncode, 0)
        self.assertIn("1 differences found", differs.stderr)

    def test_server_side_copyto_keeps_the_bytes(self):
        self.rclone("copyto", self.big, f"moss:{self.bucket}/copy/source.bin")
        self.rclone("copyto", f"moss:{self.bucket}/copy/source.bin",
                    f"moss:{self.bucket}/copy/target.bin")
        body = self.rclone("cat", f"moss:{self.bucket}/copy/target.bin", binary=True).stdout
        self.assertEqual(hashlib.sha256(body).hexdigest(), self.big_sha256)

    def test_deletefile_removes_the_object(self):
        self.rclone("copyto", self.small, f"moss:{self.bucket}/delete/gone.bin")
        self.assertEqual(len(self.lsjson("delete")), 1)
        self.rclone("deletefile", f"moss:{self.bucket}/delete/gone.bin")
        self.assertEqual(self.lsjson("delete"), [])
        # Gone from the server, not just from rclone's view of it.
        with self.assertRaises(Exception) as caught:
            self.s3().head_object(Bucket=self.bucket, Key="delete/gone.bin")
        self.assertIn("404", str(caught.exception))

    def test_copy_download_to_local_directory_round_trips(self):
        self.rclone("copyto", self.big, f"moss:{self.bucket}/download/big.bin")
        target = os.path.join(self.tmp, "downloaded")
        self.rclone("copy", f"moss:{self.bucket}/download", target)
        self.assertEqual(sha256_file(os.path.join(target, "big.bin")), self.big_sha256)


if __name__ == "__main__":
    unittest.main()
