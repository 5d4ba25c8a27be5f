"""Versioning and lifecycle with aws-cli s3api, as an operator would type it:
Debian's aws-cli v2 (/usr/bin/aws) and aws-cli v1 (`python3 -m awscli`, from
`pip install awscli`); a missing one fails the tests.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from moss_harness import MossTestCase, which
from test_client_awscli import AwsCliCommands, require_awscli_v1


class AwsCliVersioning(AwsCliCommands):
    """The tests, shared by both aws-cli generations; a subclass names the command."""

    label = None  # "v1" or "v2", in bucket names

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="moss-awscli-versioning-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)

    def file_with(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def new_bucket(self, suffix):
        bucket = f"cli-{self.label}-{suffix}"
        self.s3api("create-bucket", "--bucket", bucket)
        return bucket

    def test_versions_with_s3api(self):
        bucket = self.new_bucket("versions")
        self.assertNotIn("Status", self.s3api("get-bucket-versioning", "--bucket", bucket))
        self.aws("s3api", "put-bucket-versioning", "--bucket", bucket,
                 "--versioning-configuration", "Status=Enabled")
        self.assertEqual(self.s3api("get-bucket-versioning", "--bucket", bucket)["Status"],
                         "Enabled")

        bodies = [os.urandom(64 * 1024) for _ in range(3)]
        ids = []
        for i, body in enumerate(bodies):
            put = self.s3api("put-object", "--bucket", bucket, "--key", "model.gguf", "--body",
                             self.file_with(f"v{i}.bin", body))
            ids.append(put["VersionId"])
        self.assertEqual(len(set(ids)), 3)

        listed = self.s3api("list-object-versions", "--bucket", bucket)
        self.assertEqual([v["VersionId"] for v in listed["Versions"]], list(reversed(ids)))
        self.assertEqual([v["IsLatest"] for v in listed["Versions"]], [True, False, False])

        out = os.path.join(self.tmp, "got.bin")
        got = self.s3api("get-object", "--bucket", bucket, "--key", "model.gguf",
                         "--version-id", ids[0], out)
        self.assertEqual(got["VersionId"], ids[0])
        with open(out, "rb") as f:
            self.assertEqual(f.read(), bodies[0])

        marker = self.s3api("delete-object", "--bucket", bucket, "--key", "model.gguf")
        self.assertTrue(marker["DeleteMarker"])
        missing = self.aws("s3api", "get-object", "--bucket", bucket, "--key", "model.gguf", out,
                           check=False)
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("NoSuchKey", missing.stderr)
        listed = self.s3api("list-object-versions", "--bucket", bucket)
        self.assertEqual([m["VersionId"] for m in listed["DeleteMarkers"]],
                         [marker["VersionId"]])
        self.assertTrue(listed["DeleteMarkers"][0]["IsLatest"])

        # Roll back: delete the marker, then the newest version.
        self.s3api("delete-object", "--bucket", bucket, "--key", "model.gguf", "--version-id",
                   marker["VersionId"])
        removed = self.s3api("delete-object", "--bucket", bucket, "--key", "model.gguf",
                             "--version-id", ids[2])
        self.assertEqual(removed["VersionId"], ids[2])
        self.s3api("get-object", "--bucket", bucket, "--key", "model.gguf", out)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), bodies[1])

        unknown = self.aws("s3api", "get-object", "--bucket", bucket, "--key", "model.gguf",
                           "--version-id", "0" * 32, out, check=False)
        self.assertNotEqual(unknown.returncode, 0)
        self.assertIn("NoSuchVersion", unknown.stderr)

    def test_lifecycle_with_s3api(self):
        bucket = self.new_bucket("lifecycle")
        config = {"Rules": [{
            "ID": "keep-two", "Filter": {"Prefix": "models/"}, "Status": "Enabled",
            "NoncurrentVersionExpiration": {"NoncurrentDays": 1, "NewerNoncurrentVersions": 2},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}]}
        path = self.file_with("lifecycle.json", json.dumps(config).encode())
        self.aws("s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket,
                 "--lifecycle-configuration", f"file://{path}")
        got = self.s3api("get-bucket-lifecycle-configuration", "--bucket", bucket)
        self.assertEqual(got["Rules"], config["Rules"])
        self.aws("s3api", "delete-bucket-lifecycle", "--bucket", bucket)
        missing = self.aws("s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket,
                           check=False)
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("NoSuchLifecycleConfiguration", missing.stderr)

        bad = self.file_with("bad.json", json.dumps({"Rules": [{
            "ID": "zero", "Filter": {"Prefix": ""}, "Status": "Enabled",
            "Expiration": {"Days": 0}}]}).encode())
        refused = self.aws("s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket,
                           "--lifecycle-configuration", f"file://{bad}", check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("InvalidArgument", refused.stderr)


class AwsCliV2Versioning(AwsCliVersioning, MossTestCase):
    label = "v2"

    @classmethod
    def setUpClass(cls):
        aws = which("aws", "/usr/bin/aws")
        if not aws:
            raise RuntimeError("aws-cli v2 is required (scripts/install-deps --test installs it)")
        version = subprocess.run([aws, "--version"], capture_output=True, text=True)
        if "aws-cli/2." not in version.stdout + version.stderr:
            raise RuntimeError(f"{aws} is not aws-cli v2: {version.stdout}{version.stderr}")
        cls.command = [aws]
        super().setUpClass()


class AwsCliV1Versioning(AwsCliVersioning, MossTestCase):
    command = [sys.executable, "-m", "awscli"]
    label = "v1"

    @classmethod
    def setUpClass(cls):
        require_awscli_v1()
        super().setUpClass()


if __name__ == "__main__":
    unittest.main()
