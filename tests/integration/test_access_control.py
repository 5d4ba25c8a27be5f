"""Least privilege (docs/access-control.md), with real clients (boto3 and
aws-cli v2): the example credentials file's three keys (an administrator, a CI
publisher confined to the bucket `models`, an inference reader of one model
but not its internal/ files) and two keys without a policy (alice and bob,
each its own account), allowed and denied, through S3 and the registry API;
the presigned-URL attacks (an unsigned x-amz-copy-source added to a presigned
PUT, a URL whose key lost the permission, a SigV2 URL on the registry API);
and every denial in /metrics and the log with the key, action and resource.
"""
import json
import os
import re
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from moss_harness import REGION, MossServer, client_env

ADMIN = ("ADMINKEY0000", "adminsecret000")
PUBLISHER = ("CIPUBKEY0000", "cipubsecret00")
READER = ("INFERKEY0000", "infersecret00")
ALICE = ("ALICEKEY0000", "alicesecret00")
BOB = ("BOBKEY000000", "bobsecret0000")

READER_POLICY = {"Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
     "Resource": ["arn:aws:s3:::models", "arn:aws:s3:::models/llama-3-8b/*"]},
    {"Effect": "Deny", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::models/llama-3-8b/internal/*"}]}


def credentials_document(reader_policy=READER_POLICY):
    return {"keys": [
        {"access_key_id": ADMIN[0], "secret_access_key": ADMIN[1], "name": "platform-admin",
         "policy": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}},
        {"access_key_id": PUBLISHER[0], "secret_access_key": PUBLISHER[1], "name": "ci-publisher",
         "policy": {"Statement": [{"Effect": "Allow", "Action": ["s3:*"],
                                   "Resource": ["arn:aws:s3:::models",
                                                "arn:aws:s3:::models/*"]}]}},
        {"access_key_id": READER[0], "secret_access_key": READER[1], "name": "inference",
         "policy": reader_policy},
        {"access_key_id": ALICE[0], "secret_access_key": ALICE[1], "name": "alice"},
        {"access_key_id": BOB[0], "secret_access_key": BOB[1], "name": "bob"},
    ]}


RELOAD_WAIT = 20  # seconds


class AccessControl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fd, cls.credentials = tempfile.mkstemp(prefix="moss-credentials-", suffix=".json")
        os.close(fd)
        cls.write_credentials(credentials_document())
        cls.server = MossServer(credentials=False, extra_args=[
            "--credentials", cls.credentials, "--credentials-reload", "1"]).start()
        admin = cls.client(ADMIN)
        admin.create_bucket(Bucket="models")
        for key in ("llama-3-8b/config.json", "llama-3-8b/model.gguf",
                    "llama-3-8b/internal/x", "mistral-7b/config.json"):
            admin.put_object(Bucket="models", Key=key, Body=b"body of " + key.encode())
        for model in ("llama-3-8b", "mistral-7b"):
            admin.put_object(Bucket="models", Key=f"{model}/tags/latest",
                             Body=json.dumps({"target": "config.json"}).encode())
            admin.put_object(Bucket="models", Key=f"{model}/tags/previous",
                             Body=json.dumps({"target": "config.json"}).encode())
            # A second setting of latest, so there is a history to roll back.
            admin.put_object(Bucket="models", Key=f"{model}/tags/latest",
                             Body=json.dumps({"target": "model.gguf"
                                              if model == "llama-3-8b" else "config.json"})
                             .encode())
        admin.create_bucket(Bucket="datasets")
        cls.client(ALICE).create_bucket(Bucket="alices-bucket")
        cls.client(ALICE).put_object(Bucket="alices-bucket", Key="a.txt", Body=b"alice's")
        cls.client(BOB).create_bucket(Bucket="bobs-bucket")
        cls.client(BOB).put_object(Bucket="bobs-bucket", Key="b.txt", Body=b"bob's")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        os.unlink(cls.credentials)

    @classmethod
    def write_credentials(cls, document):
        temporary = cls.credentials + ".new"
        with open(temporary, "w") as f:
            json.dump(document, f)
        os.replace(temporary, cls.credentials)

    @classmethod
    def client(cls, key, signature_version="s3v4"):
        return boto3.client(
            "s3", endpoint_url=cls.server.endpoint, region_name=REGION,
            aws_access_key_id=key[0], aws_secret_access_key=key[1],
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                          signature_version=signature_version))

    def assertDenied(self, call, *args, **kwargs):
        with self.assertRaises(ClientError) as caught:
            call(*args, **kwargs)
        error = caught.exception.response["Error"]
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        # HEAD answers carry no body: botocore names the error by its status.
        self.assertIn(error["Code"], ("AccessDenied", "403"))

    def registry(self, key, method, path, query, body=None):
        """(status, JSON document) of a signed registry API request."""
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        url = f"{self.server.endpoint}/_moss/v1/{path}?{query}"
        request = AWSRequest(method=method, url=url, data=body or b"")
        S3SigV4Auth(Credentials(*key), "s3", REGION).add_auth(request)
        prepared = request.prepare()
        http_request = urllib.request.Request(url, data=body, method=method,
                                              headers=dict(prepared.headers))
        return self.fetch(http_request)

    @staticmethod
    def fetch(request):
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                body = r.read()
                return r.status, json.loads(body) if body.startswith(b"{") else body
        except urllib.error.HTTPError as e:
            body = e.read()
            return e.code, json.loads(body) if body.startswith(b"{") else body

    def aws(self, key, *args):
        env = client_env(self.server, AWS_ACCESS_KEY_ID=key[0], AWS_SECRET_ACCESS_KEY=key[1])
        return subprocess.run(["/usr/bin/aws", "--endpoint-url", self.server.endpoint, *args],
                              env=env, capture_output=True, text=True, timeout=120)

    # --- The reader.
    def test_reader_reads_its_model_and_its_tags(self):
        reader = self.client(READER)
        self.assertEqual(reader.get_object(Bucket="models", Key="llama-3-8b/config.json")
                         ["Body"].read(), b"body of llama-3-8b/config.json")
        self.assertEqual(reader.get_object(Bucket="models", Key="llama-3-8b/tags/latest")
                         ["Body"].read(), b"body of llama-3-8b/model.gguf")
        listed = reader.list_objects_v2(Bucket="models", Prefix="llama-3-8b/")
        self.assertGreater(listed["KeyCount"], 0)
        status, doc = self.registry(READER, "GET", "tag", "model=llama-3-8b&tag=latest")
        self.assertEqual(status, 200, doc)
        status, doc = self.registry(READER, "GET", "tag/history", "model=llama-3-8b&tag=latest")
        self.assertEqual(status, 200, doc)

    def test_reader_is_denied_everything_else(self):
        reader = self.client(READER)
        self.assertDenied(reader.get_object, Bucket="models", Key="llama-3-8b/internal/x")
        self.assertDenied(reader.get_object, Bucket="models", Key="mistral-7b/config.json")
        self.assertDenied(reader.get_object, Bucket="models", Key="mistral-7b/tags/latest")
        self.assertDenied(reader.head_object, Bucket="models", Key="mistral-7b/config.json")
        self.assertDenied(reader.put_object, Bucket="models", Key="llama-3-8b/new", Body=b"x")
        self.assertDenied(reader.delete_object, Bucket="models", Key="llama-3-8b/config.json")
        # Moving a tag is a PUT on its key.
        self.assertDenied(reader.put_object, Bucket="models", Key="llama-3-8b/tags/latest",
                          Body=json.dumps({"target": "config.json"}).encode())
        self.assertDenied(reader.get_bucket_lifecycle_configuration, Bucket="models")
        self.assertDenied(reader.list_buckets)
        status, doc = self.registry(READER, "POST", "tag/rollback", "model=llama-3-8b&tag=latest")
        self.assertEqual((status, doc["error"]["code"]), (403, "AccessDenied"), doc)
        status, doc = self.registry(READER, "PUT", "tag", "model=llama-3-8b&tag=latest",
                                    body=json.dumps({"target": "config.json"}).encode())
        self.assertEqual((status, doc["error"]["code"]), (403, "AccessDenied"), doc)
        status, doc = self.registry(READER, "DELETE", "tag", "model=llama-3-8b&tag=previous")
        self.assertEqual((status, doc["error"]["code"]), (403, "AccessDenied"), doc)
        status, doc = self.registry(READER, "GET", "tag", "model=mistral-7b&tag=latest")
        self.assertEqual(status, 403, doc)
        # The tags are unchanged.
        self.assertEqual(self.client(ADMIN).get_object(
            Bucket="models", Key="llama-3-8b/tags/latest")["Body"].read(),
            b"body of llama-3-8b/model.gguf")
        # The admin operation.
        status, _ = self.fetch(self.signed_urllib_request(READER, "POST", "/_moss/lifecycle/run"))
        self.assertEqual(status, 403)
        status, _ = self.fetch(self.signed_urllib_request(ADMIN, "POST", "/_moss/lifecycle/run"))
        self.assertEqual(status, 200)

    def signed_urllib_request(self, key, method, path):
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        url = self.server.endpoint + path
        request = AWSRequest(method=method, url=url, data=b"")
        S3SigV4Auth(Credentials(*key), "s3", REGION).add_auth(request)
        return urllib.request.Request(url, data=b"", method=method,
                                      headers=dict(request.prepare().headers))

    def test_registry_model_listing_shows_the_reader_only_its_model(self):
        status, doc = self.registry(READER, "GET", "models", "bucket=models")
        self.assertEqual(status, 200, doc)
        self.assertEqual([m["name"] for m in doc["models"]], ["llama-3-8b"])
        files = [f["key"] for f in doc["models"][0]["files"]]
        self.assertNotIn("llama-3-8b/internal/x", files)
        self.assertIn("llama-3-8b/config.json", files)
        status, doc = self.registry(ADMIN, "GET", "models", "bucket=models")
        self.assertEqual(sorted(m["name"] for m in doc["models"]), ["llama-3-8b", "mistral-7b"])

    def test_aws_cli_reader(self):
        with tempfile.TemporaryDirectory() as d:
            ok = self.aws(READER, "s3", "cp", "s3://models/llama-3-8b/config.json",
                          os.path.join(d, "c"))
            self.assertEqual(ok.returncode, 0, ok.stderr)
            denied = self.aws(READER, "s3", "cp", "s3://models/llama-3-8b/internal/x",
                              os.path.join(d, "x"))
            self.assertNotEqual(denied.returncode, 0)
            self.assertIn("403", denied.stderr)
            with open(os.path.join(d, "up"), "wb") as f:
                f.write(b"upload")
            put = self.aws(READER, "s3api", "put-object", "--bucket", "models", "--key",
                           "llama-3-8b/up", "--body", os.path.join(d, "up"))
            self.assertIn("AccessDenied", put.stderr)
            put = self.aws(PUBLISHER, "s3api", "put-object", "--bucket", "models", "--key",
                           "mistral-7b/up", "--body", os.path.join(d, "up"))
            self.assertEqual(put.returncode, 0, put.stderr)

    # --- The publisher.
    def test_publisher_writes_in_models_only(self):
        publisher = self.client(PUBLISHER)
        publisher.put_object(Bucket="models", Key="mistral-7b/weights.bin", Body=b"w")
        publisher.put_object(Bucket="models", Key="mistral-7b/tags/candidate",
                             Body=json.dumps({"target": "weights.bin"}).encode())
        publisher.delete_object(Bucket="models", Key="mistral-7b/tags/candidate")
        self.assertDenied(publisher.put_object, Bucket="datasets", Key="x", Body=b"x")
        self.assertDenied(publisher.get_object, Bucket="datasets", Key="x")
        self.assertDenied(publisher.create_bucket, Bucket="publishers-own")
        # Copying from a bucket it may not read.
        self.client(ADMIN).put_object(Bucket="datasets", Key="secret", Body=b"secret")
        self.assertDenied(publisher.copy_object, Bucket="models", Key="mistral-7b/stolen",
                          CopySource={"Bucket": "datasets", "Key": "secret"})
        with self.assertRaises(ClientError):
            self.client(ADMIN).head_object(Bucket="models", Key="mistral-7b/stolen")

    # --- Keys without a policy.
    def test_alice_and_bob_are_separate_accounts(self):
        alice, bob = self.client(ALICE), self.client(BOB)
        self.assertEqual([b["Name"] for b in alice.list_buckets()["Buckets"]], ["alices-bucket"])
        self.assertEqual([b["Name"] for b in bob.list_buckets()["Buckets"]], ["bobs-bucket"])
        self.assertDenied(alice.head_bucket, Bucket="bobs-bucket")
        self.assertDenied(alice.head_object, Bucket="bobs-bucket", Key="b.txt")
        self.assertDenied(alice.get_object, Bucket="bobs-bucket", Key="b.txt")
        self.assertDenied(alice.put_object, Bucket="bobs-bucket", Key="a.txt", Body=b"x")
        self.assertDenied(alice.delete_object, Bucket="bobs-bucket", Key="b.txt")
        self.assertDenied(alice.list_objects_v2, Bucket="bobs-bucket")
        self.assertDenied(bob.get_object, Bucket="alices-bucket", Key="a.txt")
        self.assertDenied(alice.get_object, Bucket="models", Key="llama-3-8b/config.json")
        with self.assertRaises(ClientError) as caught:
            alice.create_bucket(Bucket="bobs-bucket")
        self.assertEqual(caught.exception.response["Error"]["Code"], "BucketAlreadyExists")
        self.assertEqual(bob.get_object(Bucket="bobs-bucket", Key="b.txt")["Body"].read(),
                         b"bob's")
        status, _ = self.fetch(self.signed_urllib_request(ALICE, "POST", "/_moss/lifecycle/run"))
        self.assertEqual(status, 403)
        listed = self.aws(ALICE, "s3", "ls")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertIn("alices-bucket", listed.stdout)
        self.assertNotIn("bobs-bucket", listed.stdout)
        self.assertNotIn("models", listed.stdout)

    # --- Presigned URLs.
    def test_presigned_put_with_an_unsigned_copy_source_is_refused(self):
        url = self.client(PUBLISHER).generate_presigned_url(
            "put_object", Params={"Bucket": "models", "Key": "uploads/u1/avatar.bin"},
            ExpiresIn=600)
        attack = urllib.request.Request(url, data=b"", method="PUT",
                                        headers={"x-amz-copy-source": "/models/llama-3-8b/model.gguf"})
        status, body = self.fetch(attack)
        self.assertEqual(status, 403, body)
        self.assertIn(b"There were headers present in the request which were not signed", body)
        with self.assertRaises(ClientError):
            self.client(ADMIN).head_object(Bucket="models", Key="uploads/u1/avatar.bin")
        # The URL does what it was made for.
        status, _ = self.fetch(urllib.request.Request(url, data=b"avatar", method="PUT"))
        self.assertEqual(status, 200)

    def test_sigv2_presigned_url_is_refused_on_the_registry_api(self):
        url = self.client(ADMIN, signature_version="s3").generate_presigned_url(
            "get_object", Params={"Bucket": "models", "Key": "llama-3-8b/config.json"},
            ExpiresIn=600)
        self.assertIn("AWSAccessKeyId=", url)
        status, _ = self.fetch(url)
        self.assertEqual(status, 200)  # S3 itself still takes SigV2 URLs
        path_and_query = url.split("/models/llama-3-8b/config.json", 1)[1]
        registry_url = (f"{self.server.endpoint}/_moss/v1/tag" + path_and_query
                        + "&model=llama-3-8b&tag=latest")
        status, doc = self.fetch(registry_url)
        self.assertEqual(status, 403, doc)

    # Runs after the other tests that use the reader (unittest sorts by name).
    def test_z_presigned_get_stops_working_when_the_policy_narrows(self):
        url = self.client(READER).generate_presigned_url(
            "get_object", Params={"Bucket": "models", "Key": "llama-3-8b/config.json"},
            ExpiresIn=600)
        self.assertEqual(self.fetch(url)[0], 200)
        narrowed = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                   "Resource": "arn:aws:s3:::models/mistral-7b/*"}]}
        self.write_credentials(credentials_document(reader_policy=narrowed))
        try:
            line = self.server.wait_for_log_line(
                lambda l: f"credentials reloaded from {self.credentials}" in l,
                timeout=RELOAD_WAIT)
            self.assertIsNotNone(line, self.server.log_tail(20))
            deadline = time.monotonic() + RELOAD_WAIT
            while self.fetch(url)[0] != 403 and time.monotonic() < deadline:
                time.sleep(0.1)
            self.assertEqual(self.fetch(url)[0], 403)
        finally:
            self.write_credentials(credentials_document())

    # --- What a denial leaves behind.
    def test_y_denials_are_counted_and_logged(self):
        self.assertDenied(self.client(READER).get_object, Bucket="models",
                          Key="llama-3-8b/internal/x")
        with urllib.request.urlopen(self.server.endpoint + "/metrics", timeout=10) as r:
            metrics = r.read().decode()
        match = re.search(r'^moss_authz_denied_total\{action="s3:GetObject"\} (\d+)$', metrics,
                          re.MULTILINE)
        self.assertIsNotNone(match, metrics)
        self.assertGreaterEqual(int(match.group(1)), 1)
        line = self.server.wait_for_log_line(
            lambda l: "access denied" in l and "inference" in l and READER[0] in l
            and "s3:GetObject" in l and "arn:aws:s3:::models/llama-3-8b/internal/x" in l,
            timeout=10)
        self.assertIsNotNone(line, self.server.log_tail(20))


if __name__ == "__main__":
    unittest.main()
