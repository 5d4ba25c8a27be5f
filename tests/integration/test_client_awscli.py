"""aws-cli against the real server: Debian's aws-cli v2 (/usr/bin/aws, from
scripts/install-deps --test) and aws-cli v1 (`python3 -m awscli`, from
`pip install awscli`); a missing one fails the tests. Both run with default
settings, so `aws s3 cp` of the 20 MiB file is a multipart upload (8 MiB
threshold and parts).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from moss_harness import (MossTestCase, client_env, random_file, sha256_file, which)

SIZE = 20 * 1024 * 1024


class AwsCliCommands:
    """aws-cli run against the test class's server; a subclass names the command."""

    command = None  # argv prefix running aws-cli

    @classmethod
    def aws(cls, *args, check=True):
        # Debian's v2 (2.9) predates AWS_ENDPOINT_URL, so the endpoint is an argument.
        proc = subprocess.run([*cls.command, "--endpoint-url", cls.server.endpoint, *args],
                              env=client_env(cls.server), capture_output=True, text=True,
                              timeout=300)
        if check and proc.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} exited {proc.returncode}:\n"
                                 f"{proc.stdout}\n{proc.stderr}")
        return proc

    @classmethod
    def s3api(cls, *args):
        return json.loads(cls.aws("s3api", *args, "--output", "json").stdout or "{}")


class AwsCliRoundTrips(AwsCliCommands):
    """The tests, shared by both aws-cli generations; a subclass names the command."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="moss-awscli-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.big = random_file(cls.tmp, SIZE, "big.bin")
        cls.big_sha256 = sha256_file(cls.big)
        cls.small = random_file(cls.tmp, 256 * 1024, "small.bin")
        cls.bucket = "awscli-" + cls.__name__.lower()[-2:]
        cls.aws("s3", "mb", f"s3://{cls.bucket}")
        # The 20 MiB object most tests read, stored with one PutObject.
        cls.fixture_put = cls.s3api("put-object", "--bucket", cls.bucket, "--key",
                                    "fixture/big.bin", "--body", cls.big)


    def download(self, key):
        """`aws s3 cp` to a local file: ranged GETs in 8 MiB pieces for big objects."""
        target = os.path.join(self.tmp, "download.bin")
        if os.path.exists(target):
            os.unlink(target)
        self.aws("s3", "cp", f"s3://{self.bucket}/{key}", target)
        return target

    def test_s3_cp_20mib_upload_and_download_round_trip(self):
        # A multipart upload with default settings.
        self.aws("s3", "cp", self.big, f"s3://{self.bucket}/cp/big.bin")
        self.assertEqual(sha256_file(self.download("cp/big.bin")), self.big_sha256)

    def test_s3api_put_object_20mib_then_get_head_list_describe_the_same_bytes(self):
        etag = self.fixture_put["ETag"]
        self.assertRegex(etag, r'^"[0-9a-f]{32}"$')
        target = os.path.join(self.tmp, "get-object.bin")
        got = self.s3api("get-object", "--bucket", self.bucket, "--key", "fixture/big.bin",
                         target)
        self.assertEqual(got["ETag"], etag)
        self.assertEqual(sha256_file(target), self.big_sha256)
        head = self.s3api("head-object", "--bucket", self.bucket, "--key", "fixture/big.bin")
        self.assertEqual(head["ContentLength"], SIZE)
        self.assertEqual(head["ETag"], etag)
        listed = self.s3api("list-objects-v2", "--bucket", self.bucket, "--prefix", "fixture/")
        self.assertEqual([(o["Key"], o["Size"], o["ETag"]) for o in listed["Contents"]],
                         [("fixture/big.bin", SIZE, etag)])

    def test_s3api_copy_object_copies_20mib_and_s3_cp_downloads_them(self):
        copied = self.s3api("copy-object", "--bucket", self.bucket, "--key", "copy/target.bin",
                            "--copy-source", f"{self.bucket}/fixture/big.bin")
        self.assertEqual(copied["CopyObjectResult"]["ETag"], self.fixture_put["ETag"])
        self.assertEqual(sha256_file(self.download("copy/target.bin")), self.big_sha256)

    def test_s3_cp_upload_ls_and_server_side_copy_of_a_small_file(self):
        self.aws("s3", "cp", self.small, f"s3://{self.bucket}/ls/one.bin")
        # Bucket to bucket: HeadObject then CopyObject (below the multipart threshold).
        self.aws("s3", "cp", f"s3://{self.bucket}/ls/one.bin", f"s3://{self.bucket}/ls/sub/two.bin")
        out = self.aws("s3", "ls", f"s3://{self.bucket}/ls/").stdout
        self.assertRegex(out, r"\s262144 one\.bin")
        self.assertRegex(out, r"PRE sub/")
        recursive = self.aws("s3", "ls", "--recursive", f"s3://{self.bucket}/ls/").stdout
        self.assertRegex(recursive, r"\s262144 ls/sub/two\.bin")
        copied = self.s3().get_object(Bucket=self.bucket, Key="ls/sub/two.bin")["Body"].read()
        with open(self.small, "rb") as f:
            self.assertEqual(copied, f.read())

    def test_s3_rm_deletes_the_object(self):
        self.aws("s3", "cp", self.small, f"s3://{self.bucket}/rm/gone.bin")
        self.aws("s3", "rm", f"s3://{self.bucket}/rm/gone.bin")
        listed = self.s3().list_objects_v2(Bucket=self.bucket, Prefix="rm/")
        self.assertEqual(listed["KeyCount"], 0)

    def test_s3_rb_refuses_a_bucket_with_objects_unless_forced(self):
        bucket = self.bucket + "-rb"
        self.aws("s3", "mb", f"s3://{bucket}")
        self.aws("s3", "cp", self.small, f"s3://{bucket}/x")
        refused = self.aws("s3", "rb", f"s3://{bucket}", check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("BucketNotEmpty", refused.stderr)
        self.aws("s3", "rb", "--force", f"s3://{bucket}")
        buckets = self.aws("s3", "ls").stdout
        self.assertIn(self.bucket, buckets)
        self.assertNotIn(bucket, buckets)


class AwsCliV2(AwsCliRoundTrips, MossTestCase):
    @classmethod
    def setUpClass(cls):
        aws = which("aws", "/usr/bin/aws")
        if not aws:
            raise RuntimeError("aws-cli v2 is required (scripts/install-deps --test installs it)")
        version = subprocess.run([aws, "--version"], capture_output=True, text=True)
        if "aws-cli/2." not in version.stdout + version.stderr:
            # v2 is required (scripts/install-deps --test installs it): fail, never skip.
            raise RuntimeError(f"{aws} is not aws-cli v2: {version.stdout}{version.stderr}")
        print(f"\n{(version.stdout + version.stderr).strip()}")
        cls.command = [aws]
        super().setUpClass()


def awscli_v1_version():
    proc = subprocess.run([sys.executable, "-m", "awscli", "--version"], capture_output=True,
                          text=True)
    text = (proc.stdout + proc.stderr).strip()
    return text if proc.returncode == 0 and text.startswith("aws-cli/1.") else None


def require_awscli_v1():
    """aws-cli v1's version line; a missing v1 fails the tests, never skips them."""
    version = awscli_v1_version()
    if not version:
        raise RuntimeError(f"aws-cli v1 is required: install it for the python3 that runs "
                           f"the tests with `{sys.executable} -m pip install awscli`")
    return version


class AwsCliV1(AwsCliRoundTrips, MossTestCase):
    command = [sys.executable, "-m", "awscli"]

    @classmethod
    def setUpClass(cls):
        print(f"\n{require_awscli_v1()}")
        super().setUpClass()


if __name__ == "__main__":
    unittest.main()
