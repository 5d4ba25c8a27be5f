"""The model layer against the real server (docs/models.md): tags set with
aws-cli and boto3 over the layout the docs show, read back with curl, boto3
and presigned URLs; pinning across overwrites and restarts; If-Match on tag
moves; refused targets; history and rollback through the registry API;
weighted tags over 1,000 clients; tags in listings; and model metadata of
GGUF and safetensors files, cross-checked with @huggingface/gguf.

The models are tiny but real llama GGUFs from tests/tools/make_tiny_gguf.py.
"""
import hashlib
import http.client
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest

from botocore.exceptions import ClientError

import signed_http
from moss_harness import (ACCESS_KEY, SECRET_KEY, SOURCE_DIR, MossServer, MossTestCase,
                          boto3_client, client_env, which)

JS_DIR = os.path.join(SOURCE_DIR, "tests", "js")
MAKE_TINY_GGUF = os.path.join(SOURCE_DIR, "tests", "tools", "make_tiny_gguf.py")
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
BUCKET = "models"


def tiny_gguf(directory, seed, name=None):
    """A tiny llama GGUF (bytes) made by the project's generator."""
    path = os.path.join(directory, f"tiny-{seed}.gguf")
    args = [sys.executable, MAKE_TINY_GGUF, "--seed", str(seed), "--out", path]
    if name:
        args += ["--name", name]
    subprocess.run(args, check=True, timeout=120)
    with open(path, "rb") as f:
        return f.read()


def tiny_safetensors():
    """A small, valid safetensors file: two tensors and a __metadata__ map."""
    header = {
        "__metadata__": {"format": "pt", "source": "moss-test"},
        "a.weight": {"dtype": "F32", "shape": [4, 2], "data_offsets": [0, 32]},
        "b.bias": {"dtype": "BF16", "shape": [3], "data_offsets": [32, 38]},
    }
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + bytes(range(38))


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class ModelLayer(MossTestCase):
    """Tests sharing one server; each uses its own model names in bucket "models"."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="moss-tags-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.v1 = tiny_gguf(cls.tmp, 1)
        cls.v2 = tiny_gguf(cls.tmp, 2)
        cls.v3 = tiny_gguf(cls.tmp, 3)
        cls.aws_path = which("aws", "/usr/bin/aws")
        boto3_client(cls.server).create_bucket(Bucket=BUCKET)

    # --- clients

    def aws(self, *args, input=None):
        proc = subprocess.run([self.aws_path, "--endpoint-url", self.server.endpoint, *args],
                              env=client_env(self.server), input=input, capture_output=True,
                              timeout=300)
        if proc.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} exited {proc.returncode}:\n"
                                 f"{proc.stdout!r}\n{proc.stderr!r}")
        return proc

    def curl(self, key, *extra):
        """GET with curl --aws-sigv4; returns (headers dict lowercased, body bytes)."""
        curl = which("curl", "/usr/bin/curl")
        headers_file = os.path.join(self.tmp, "curl-headers")
        proc = subprocess.run(
            [curl, "--silent", "--show-error", "--aws-sigv4", "aws:amz:us-east-1:s3",
             "--user", f"{ACCESS_KEY}:{SECRET_KEY}", "--header",
             f"x-amz-content-sha256: {EMPTY_SHA256}", "--dump-header", headers_file, *extra,
             f"{self.server.endpoint}/{BUCKET}/{key}"],
            capture_output=True, timeout=60, check=True)
        headers = {}
        with open(headers_file) as f:
            for line in f:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
        return headers, proc.stdout

    def put_tag(self, model, tag, body, headers=None):
        """PUT <model>/tags/<tag> with raw SigV4; returns the Response."""
        return signed_http.request(self.server, "PUT",
                                   signed_http.object_path(BUCKET, f"{model}/tags/{tag}"),
                                   headers=headers, body=body.encode() if isinstance(body, str)
                                   else body)

    def tag_document(self, model, tag):
        res = signed_http.request(self.server, "GET",
                                  signed_http.object_path(BUCKET, f"{model}/tags/{tag}"),
                                  query="moss-tag")
        self.assertEqual(res.status, 200, res)
        self.assertEqual(res.headers["Content-Type"], "application/json")
        return json.loads(res.body)

    def registry(self, method, path, params, body=b"", headers=None):
        return signed_http.request(self.server, method, "/_moss/v1/" + path,
                                   signed_http.query_string(params), headers=headers, body=body)

    def registry_json(self, method, path, params, body=b"", headers=None, status=200):
        res = self.registry(method, path, params, body, headers)
        self.assertEqual(res.status, status, res)
        return json.loads(res.body) if res.body else None

    def history(self, model, tag):
        return self.registry_json("GET", "tag/history",
                                  {"bucket": BUCKET, "model": model, "tag": tag})["history"]

    def layout(self, model):
        """The docs/models.md layout for `model`, set up with aws-cli:
        latest -> v2 -> 2024-03-20/...Q5_K_M.gguf, v1 -> 2024-01-15/...Q4_K_M.gguf."""
        v1_path = os.path.join(self.tmp, f"{model}-v1.gguf")
        v2_path = os.path.join(self.tmp, f"{model}-v2.gguf")
        with open(v1_path, "wb") as f:
            f.write(self.v1)
        with open(v2_path, "wb") as f:
            f.write(self.v2)
        self.aws("s3", "cp", v1_path, f"s3://{BUCKET}/{model}/2024-01-15/{model}.Q4_K_M.gguf")
        self.aws("s3", "cp", v2_path, f"s3://{BUCKET}/{model}/2024-03-20/{model}.Q5_K_M.gguf")
        self.aws("s3", "cp", "-", f"s3://{BUCKET}/{model}/tags/v1",
                 input=f"2024-01-15/{model}.Q4_K_M.gguf".encode())
        self.aws("s3", "cp", "-", f"s3://{BUCKET}/{model}/tags/v2",
                 input=f"2024-03-20/{model}.Q5_K_M.gguf".encode())
        self.aws("s3", "cp", "-", f"s3://{BUCKET}/{model}/tags/latest", input=b"v2")

    # --- reading through tags

    def test_curl_of_latest_returns_v2_and_retagging_to_v1_switches(self):
        self.layout("llama-3-8b")
        headers, body = self.curl("llama-3-8b/tags/latest")
        self.assertEqual(body, self.v2)
        self.assertEqual(headers["x-moss-resolved-key"],
                         "llama-3-8b/2024-03-20/llama-3-8b.Q5_K_M.gguf")
        self.assertEqual(headers["x-moss-resolved-version-id"], "null")
        self.assertEqual(headers["x-moss-tag-chain"],
                         "latest>v2>2024-03-20/llama-3-8b.Q5_K_M.gguf")
        self.assertEqual(headers["x-moss-content-sha256"], sha256(self.v2))
        self.assertEqual(headers["etag"], f'"{hashlib.md5(self.v2).hexdigest()}"')

        # Retag with boto3 (the target as the body).
        self.s3().put_object(Bucket=BUCKET, Key="llama-3-8b/tags/latest", Body=b"v1")
        headers, body = self.curl("llama-3-8b/tags/latest")
        self.assertEqual(body, self.v1)
        self.assertEqual(headers["x-moss-tag-chain"],
                         "latest>v1>2024-01-15/llama-3-8b.Q4_K_M.gguf")
        # aws s3 cp of the tag downloads the model.
        target = os.path.join(self.tmp, "pulled.gguf")
        self.aws("s3", "cp", f"s3://{BUCKET}/llama-3-8b/tags/latest", target)
        with open(target, "rb") as f:
            self.assertEqual(f.read(), self.v1)

    def test_range_conditionals_and_overrides_apply_to_the_resolved_file(self):
        self.layout("ranged")
        s3 = self.s3()
        part = s3.get_object(Bucket=BUCKET, Key="ranged/tags/latest", Range="bytes=0-3")
        self.assertEqual(part["Body"].read(), b"GGUF")
        self.assertEqual(part["ContentRange"], f"bytes 0-3/{len(self.v2)}")
        head = s3.head_object(Bucket=BUCKET, Key="ranged/tags/latest")
        self.assertEqual(head["ContentLength"], len(self.v2))
        etag = head["ETag"]
        with self.assertRaises(ClientError) as cm:
            s3.get_object(Bucket=BUCKET, Key="ranged/tags/latest", IfNoneMatch=etag)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 304)
        with self.assertRaises(ClientError) as cm:
            s3.get_object(Bucket=BUCKET, Key="ranged/tags/latest", IfMatch='"0000"')
        self.assertEqual(cm.exception.response["Error"]["Code"], "PreconditionFailed")
        got = s3.get_object(Bucket=BUCKET, Key="ranged/tags/latest",
                            ResponseContentType="application/x-gguf")
        self.assertEqual(got["ContentType"], "application/x-gguf")
        # HEAD carries the resolution headers too.
        res = signed_http.request(self.server, "HEAD",
                                  signed_http.object_path(BUCKET, "ranged/tags/v1"))
        self.assertEqual(res.status, 200)
        self.assertEqual(res.headers["x-moss-content-sha256"], sha256(self.v1))

    def test_presigned_url_of_a_tag_serves_the_model(self):
        self.layout("presigned")
        url = self.s3().generate_presigned_url(
            "get_object", Params={"Bucket": BUCKET, "Key": "presigned/tags/latest"},
            ExpiresIn=300)
        import urllib.request
        with urllib.request.urlopen(url, timeout=30) as r:
            self.assertEqual(r.read(), self.v2)
        request = urllib.request.Request(url, headers={"Range": "bytes=4-7"})
        with urllib.request.urlopen(request, timeout=30) as r:
            self.assertEqual(r.status, 206)
            self.assertEqual(r.read(), self.v2[4:8])

    def test_a_missing_tag_is_no_such_key_on_s3_and_no_such_tag_on_the_registry(self):
        with self.assertRaises(ClientError) as cm:
            self.s3().get_object(Bucket=BUCKET, Key="nobody/tags/latest")
        self.assertEqual(cm.exception.response["Error"]["Code"], "NoSuchKey")
        res = self.registry("GET", "tag", {"bucket": BUCKET, "model": "nobody", "tag": "latest"})
        self.assertEqual(res.status, 404)
        self.assertEqual(res.headers["Content-Type"], "application/json")
        error = json.loads(res.body)["error"]
        self.assertEqual(error["code"], "NoSuchTag")
        self.assertTrue(error["request_id"])
        self.assertTrue(error["message"])

    def test_a_tag_as_copy_source_copies_the_file_it_resolves_to(self):
        self.layout("copied")
        s3 = self.s3()
        source = {"Bucket": BUCKET, "Key": "copied/tags/latest"}
        s3.copy_object(Bucket=BUCKET, Key="copied/snapshot.gguf", CopySource=source)
        self.assertEqual(s3.get_object(Bucket=BUCKET, Key="copied/snapshot.gguf")["Body"].read(),
                         self.v2)
        upload = s3.create_multipart_upload(Bucket=BUCKET, Key="copied/head.bin")
        part = s3.upload_part_copy(Bucket=BUCKET, Key="copied/head.bin", PartNumber=1,
                                   UploadId=upload["UploadId"], CopySource=source,
                                   CopySourceRange="bytes=0-99")
        s3.complete_multipart_upload(
            Bucket=BUCKET, Key="copied/head.bin", UploadId=upload["UploadId"],
            MultipartUpload={"Parts": [{"PartNumber": 1,
                                        "ETag": part["CopyPartResult"]["ETag"]}]})
        self.assertEqual(s3.get_object(Bucket=BUCKET, Key="copied/head.bin")["Body"].read(),
                         self.v2[:100])
        # A tag key takes its target as a PUT body, not a copy or a multipart upload.
        for call in (lambda: s3.copy_object(Bucket=BUCKET, Key="copied/tags/other",
                                            CopySource=source),
                     lambda: s3.create_multipart_upload(Bucket=BUCKET, Key="copied/tags/other")):
            with self.assertRaises(ClientError) as cm:
                call()
            self.assertEqual(cm.exception.response["Error"]["Code"], "MethodNotAllowed")

    # --- pinning

    def test_a_pinned_tag_keeps_serving_old_bytes_after_overwrite_and_delete(self):
        s3 = self.s3()
        s3.put_object(Bucket=BUCKET, Key="pinned/build/model.gguf", Body=self.v1)
        self.put_tag("pinned", "prod", "build/model.gguf")
        s3.put_object(Bucket=BUCKET, Key="pinned/build/model.gguf", Body=self.v3)
        self.assertEqual(self.curl("pinned/tags/prod")[1], self.v1)
        s3.delete_object(Bucket=BUCKET, Key="pinned/build/model.gguf")
        headers, body = self.curl("pinned/tags/prod")
        self.assertEqual(body, self.v1)
        self.assertEqual(headers["x-moss-content-sha256"], sha256(self.v1))
        # Moving the tag releases the old bytes; it then serves the new target.
        s3.put_object(Bucket=BUCKET, Key="pinned/build/model.gguf", Body=self.v3)
        self.put_tag("pinned", "prod", "build/model.gguf")
        self.assertEqual(self.curl("pinned/tags/prod")[1], self.v3)

    def test_a_multipart_file_gets_its_sha256_and_a_tag_pins_it(self):
        s3 = self.s3()
        padded = self.v1 + bytes(6 * 1024 * 1024)
        key = "multipart/2024-05-01/model.gguf"
        upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)
        parts = []
        for number, start in ((1, 0), (2, 5 * 1024 * 1024)):
            chunk = padded[start:start + 5 * 1024 * 1024] if number == 1 else padded[start:]
            r = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload["UploadId"],
                               PartNumber=number, Body=chunk)
            parts.append({"PartNumber": number, "ETag": r["ETag"]})
        s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload["UploadId"],
                                     MultipartUpload={"Parts": parts})
        # The parts were hashed one by one; the whole file's SHA-256 is computed
        # in the background after Complete (or by the first tag naming it).
        deadline = time.monotonic() + 20
        while True:
            model = self.registry_json("GET", "model", {"bucket": BUCKET, "name": "multipart"})
            [listed] = model["files"]
            if listed["sha256"] is not None or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(listed["sha256"], sha256(padded))
        self.assertTrue(listed["metadata"]["parsed"], listed["metadata"])
        self.assertEqual(listed["metadata"]["architecture"], "llama")

        res = self.put_tag("multipart", "latest", "2024-05-01/model.gguf")
        self.assertEqual(res.status, 200, res)
        headers, body = self.curl("multipart/tags/latest")
        self.assertEqual(body, padded)
        self.assertEqual(headers["x-moss-content-sha256"], sha256(padded))
        doc = self.tag_document("multipart", "latest")
        self.assertEqual(doc["resolved"]["sha256"], sha256(padded))
        self.assertEqual(doc["targets"][0]["sha256"], sha256(padded))

    # --- changing tags

    def test_if_match_makes_tag_moves_safe(self):
        self.layout("guarded")
        current = self.tag_document("guarded", "latest")["etag"]
        stale = self.put_tag("guarded", "latest", "v1", headers={"If-Match": '"0123abcd"'})
        self.assertEqual(stale.status, 412, stale)
        self.assertEqual(stale.error_code(), "PreconditionFailed")
        moved = self.put_tag("guarded", "latest", "v1", headers={"If-Match": current})
        self.assertEqual(moved.status, 200, moved)
        self.assertNotEqual(moved.headers["ETag"], current)
        self.assertEqual(self.tag_document("guarded", "latest")["etag"], moved.headers["ETag"])
        # The old ETag is stale now.
        again = self.put_tag("guarded", "latest", "v2", headers={"If-Match": current})
        self.assertEqual(again.status, 412)
        # If-None-Match: * creates only.
        exists = self.put_tag("guarded", "latest", "v2", headers={"If-None-Match": "*"})
        self.assertEqual(exists.status, 412)
        created = self.put_tag("guarded", "canary", "v2", headers={"If-None-Match": "*"})
        self.assertEqual(created.status, 200, created)
        # The registry API honours If-Match as well.
        res = self.registry("PUT", "tag", {"bucket": BUCKET, "model": "guarded", "tag": "latest"},
                            body=b'{"target": "v2"}', headers={"If-Match": current})
        self.assertEqual(res.status, 412)
        self.assertEqual(json.loads(res.body)["error"]["code"], "PreconditionFailed")

    def test_cycles_long_chains_and_missing_targets_are_refused_with_nothing_changed(self):
        self.layout("refused")
        self.put_tag("refused", "t0", "v1")
        for i in range(1, 7):
            self.assertEqual(self.put_tag("refused", f"t{i}", f"t{i - 1}").status, 200)
        # t6 -> t5 -> ... -> t0 -> v1 -> file is 8 hops.
        self.assertEqual(self.curl("refused/tags/t6")[1], self.v1)
        before = {t: self.tag_document("refused", t)["etag"] for t in ("v2", "latest", "t6")}
        history_before = {t: len(self.history("refused", t)) for t in ("v2", "latest", "t6")}
        cases = [
            ("v2", "latest", "InvalidTagTarget"),  # latest -> v2 -> latest
            ("latest", "latest", "InvalidTagTarget"),
            ("latest", "2099-01-01/missing.gguf", "InvalidTagTarget"),
            ("latest", "no-such-tag", "InvalidTagTarget"),
            ("latest", "../escape.gguf", "InvalidTagTarget"),
            ("t7", "t6", "TagChainTooLong"),  # would be 9 hops
            ("v1", "v2", "TagChainTooLong"),  # lengthens t6's chain to 9
            ("latest", '{"targets": [{"target": "v1", "weight": 0}]}', "InvalidArgument"),
            ("latest", '{"targets": [{"target": "v1", "weight": 1.5}]}', "InvalidArgument"),
        ]
        for tag, target, code in cases:
            res = self.put_tag("refused", tag, target)
            self.assertEqual(res.status, 400, (tag, target, res))
            self.assertEqual(res.error_code(), code, (tag, target, res))
        # Through the registry API, errors are JSON with the same codes.
        res = self.registry("PUT", "tag", {"bucket": BUCKET, "model": "refused", "tag": "v2"},
                            body=b'{"target": "latest"}')
        self.assertEqual(res.status, 400)
        self.assertEqual(json.loads(res.body)["error"]["code"], "InvalidTagTarget")
        for t in ("v2", "latest", "t6"):
            self.assertEqual(self.tag_document("refused", t)["etag"], before[t], t)
            self.assertEqual(len(self.history("refused", t)), history_before[t], t)
        with self.assertRaises(ClientError):
            self.s3().head_object(Bucket=BUCKET, Key="refused/tags/t7")
        self.assertEqual(self.curl("refused/tags/latest")[1], self.v2)

    def test_header_target_wins_over_the_body(self):
        self.layout("header")
        res = self.put_tag("header", "latest", "v2", headers={"x-moss-tag-target": "v1"})
        self.assertEqual(res.status, 200, res)
        self.assertEqual(self.tag_document("header", "latest")["targets"][0]["target"], "v1")

    def test_history_and_rollback_through_the_registry_api(self):
        self.layout("rolling")
        params = {"bucket": BUCKET, "model": "rolling", "tag": "latest"}
        moved = self.registry_json("PUT", "tag", params, body=b'{"target": "v1"}')
        self.assertEqual(moved["resolved"]["key"], "rolling/2024-01-15/rolling.Q4_K_M.gguf")
        self.assertEqual(moved["updated_by"], ACCESS_KEY)
        history = self.history("rolling", "latest")
        self.assertEqual([h["seq"] for h in history], [2, 1])
        newest = history[0]
        self.assertEqual(newest["actor"], ACCESS_KEY)
        self.assertEqual(newest["old_targets"][0]["target"], "v2")
        self.assertEqual(newest["new_targets"][0]["target"], "v1")
        self.assertEqual(newest["resolved"]["key"], "rolling/2024-01-15/rolling.Q4_K_M.gguf")
        self.assertEqual(newest["resolved"]["sha256"], sha256(self.v1))
        self.assertEqual(newest["resolved"]["chain"],
                         ["latest", "v1", "2024-01-15/rolling.Q4_K_M.gguf"])
        self.assertEqual(newest["resolved"]["targets"][0]["target"], "v1")
        self.assertTrue(newest["time"].endswith("Z"))

        back = self.registry_json("POST", "tag/rollback", params)
        self.assertEqual(back["targets"][0]["target"], "v2")
        self.assertEqual(self.curl("rolling/tags/latest")[1], self.v2)
        to_second = self.registry_json("POST", "tag/rollback", {**params, "to": "2"})
        self.assertEqual(to_second["targets"][0]["target"], "v1")
        self.assertEqual(self.curl("rolling/tags/latest")[1], self.v1)
        actions = [h["action"] for h in self.history("rolling", "latest")]
        self.assertEqual(actions, ["rollback", "rollback", "set", "set"])

        # Deleting through the registry is recorded too; the tag is gone after.
        self.registry_json("DELETE", "tag", params, status=204)
        self.assertEqual(self.history("rolling", "latest")[0]["action"], "delete")
        res = self.registry("GET", "tag", params)
        self.assertEqual(res.status, 404)

    def test_registry_api_requires_sigv4_and_answers_json(self):
        import urllib.error
        import urllib.request
        try:
            urllib.request.urlopen(f"{self.server.endpoint}/_moss/v1/models", timeout=10)
            self.fail("an unsigned registry request was served")
        except urllib.error.HTTPError as e:
            self.assertEqual(e.code, 403)
            self.assertEqual(json.loads(e.read())["error"]["code"], "AccessDenied")
        res = self.registry("GET", "no-such-thing", {})
        self.assertEqual(res.status, 404)
        self.assertIn("error", json.loads(res.body))
        res = self.registry("POST", "tag", {"model": "m", "tag": "t"})
        self.assertEqual(res.status, 405)
        self.assertEqual(json.loads(res.body)["error"]["code"], "MethodNotAllowed")

    def test_delete_of_a_tag_key_removes_the_tag_and_so_does_a_recursive_rm(self):
        self.layout("removed")
        self.s3().delete_object(Bucket=BUCKET, Key="removed/tags/v1")
        with self.assertRaises(ClientError):
            self.s3().head_object(Bucket=BUCKET, Key="removed/tags/v1")
        self.assertEqual(self.history("removed", "v1")[0]["action"], "delete")
        self.aws("s3", "rm", "--recursive", f"s3://{BUCKET}/removed/")
        listed = self.s3().list_objects_v2(Bucket=BUCKET, Prefix="removed/")
        self.assertEqual(listed["KeyCount"], 0)

    # --- weighted tags

    def test_a_weighted_tag_splits_1000_clients_and_each_keeps_its_choice(self):
        self.layout("weighted")
        res = self.registry("PUT", "tag", {"bucket": BUCKET, "model": "weighted", "tag": "canary"},
                            body=json.dumps({"targets": [{"target": "v2", "weight": 10},
                                                         {"target": "v1", "weight": 90}]}).encode())
        self.assertEqual(res.status, 200, res)

        def choices(client_ids):
            conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
            path = signed_http.object_path(BUCKET, "weighted/tags/canary")
            out = {}
            try:
                for client in client_ids:
                    extra = {} if client is None else {"x-moss-client-id": client}
                    headers = signed_http.sign(self.server, "HEAD", path, headers=extra)
                    conn.request("HEAD", path, headers=headers)
                    r = conn.getresponse()
                    r.read()
                    self.assertEqual(r.status, 200)
                    out[client] = (r.getheader("x-moss-tag-target"),
                                   r.getheader("x-moss-resolved-key"))
            finally:
                conn.close()
            return out

        clients = [f"pod-{i:04d}" for i in range(1000)]
        first = choices(clients)
        on_v2 = sum(1 for target, _ in first.values() if target == "v2")
        # Binomial(1000, 0.1): mean 100, standard deviation 9.5; 4 sigma either side.
        self.assertGreaterEqual(on_v2, 62)
        self.assertLessEqual(on_v2, 138)
        for target, key in first.values():
            self.assertIn(target, ("v1", "v2"))
            self.assertTrue(key.endswith(".Q5_K_M.gguf" if target == "v2" else ".Q4_K_M.gguf"))
        self.assertEqual(choices(clients), first)  # stable across repeats
        # Without a client id the address decides: the same for every request from here.
        by_address = {choices([None])[None] for _ in range(5)}
        self.assertEqual(len(by_address), 1)

    # --- listings

    def test_tags_list_with_the_size_and_etag_of_what_they_resolve_to(self):
        self.layout("listed")
        listed = self.s3().list_objects_v2(Bucket=BUCKET, Prefix="listed/")
        by_key = {o["Key"]: o for o in listed["Contents"]}
        self.assertEqual(list(by_key), sorted(by_key))
        self.assertEqual(set(by_key), {
            "listed/2024-01-15/listed.Q4_K_M.gguf", "listed/2024-03-20/listed.Q5_K_M.gguf",
            "listed/tags/latest", "listed/tags/v1", "listed/tags/v2"})
        v2_file = by_key["listed/2024-03-20/listed.Q5_K_M.gguf"]
        for tag in ("listed/tags/latest", "listed/tags/v2"):
            self.assertEqual(by_key[tag]["Size"], len(self.v2))
            self.assertEqual(by_key[tag]["ETag"], v2_file["ETag"])
        self.assertEqual(by_key["listed/tags/v1"]["Size"], len(self.v1))
        folded = self.s3().list_objects_v2(Bucket=BUCKET, Prefix="listed/", Delimiter="/")
        self.assertEqual([p["Prefix"] for p in folded["CommonPrefixes"]],
                         ["listed/2024-01-15/", "listed/2024-03-20/", "listed/tags/"])
        ls = self.aws("s3", "ls", f"s3://{BUCKET}/listed/tags/").stdout.decode()
        self.assertIn(f"{len(self.v2)} latest", ls)
        paged = self.s3().get_paginator("list_objects_v2").paginate(
            Bucket=BUCKET, Prefix="listed/", PaginationConfig={"PageSize": 2})
        keys = [o["Key"] for page in paged for o in page.get("Contents", [])]
        self.assertEqual(keys, sorted(by_key))

    # --- model metadata

    def test_gguf_and_safetensors_metadata_show_in_the_registry(self):
        s3 = self.s3()
        s3.put_object(Bucket=BUCKET, Key="meta/2024-06-01/tiny.gguf", Body=self.v1)
        s3.put_object(Bucket=BUCKET, Key="meta/2024-06-01/model.safetensors",
                      Body=tiny_safetensors())
        s3.put_object(Bucket=BUCKET, Key="meta/2024-06-01/README.md", Body=b"# tiny")
        self.put_tag("meta", "latest", "2024-06-01/tiny.gguf")
        model = self.registry_json("GET", "model", {"bucket": BUCKET, "name": "meta"})
        self.assertEqual(model["name"], "meta")
        files = {f["path"]: f for f in model["files"]}
        gguf = files["2024-06-01/tiny.gguf"]
        self.assertEqual(gguf["sha256"], sha256(self.v1))
        self.assertEqual(gguf["size"], len(self.v1))
        m = gguf["metadata"]
        self.assertTrue(m["parsed"], m)
        self.assertEqual(m["format"], "gguf")
        self.assertEqual(m["architecture"], "llama")
        self.assertEqual(m["block_count"], 2)
        self.assertEqual(m["embedding_length"], 64)
        self.assertEqual(m["name"], "tiny-llama-seed1")
        self.assertEqual(m["file_type_name"], "F32")
        self.assertEqual(m["tokenizer_model"], "llama")
        self.assertGreater(m["parameter_count"], 0)
        self.assertGreater(m["tensor_count"], 0)

        st = files["2024-06-01/model.safetensors"]["metadata"]
        self.assertTrue(st["parsed"], st)
        self.assertEqual(st["format"], "safetensors")
        self.assertEqual(st["tensor_count"], 2)
        self.assertEqual(st["parameter_count"], 11)
        self.assertEqual(st["dtypes"], {"F32": 1, "BF16": 1})
        self.assertEqual(st["metadata"], {"format": "pt", "source": "moss-test"})
        self.assertIsNone(files["2024-06-01/README.md"]["metadata"])

        [tag] = model["tags"]
        self.assertEqual(tag["resolved"]["metadata"]["architecture"], "llama")
        models = self.registry_json("GET", "models", {"bucket": BUCKET})
        self.assertIn("meta", [m["name"] for m in models["models"]])

    def test_a_hostile_or_truncated_gguf_still_uploads_and_is_marked_unparsed(self):
        s3 = self.s3()
        truncated = self.v1[:1000]
        hostile = b"GGUF" + struct.pack("<IQQ", 3, 2**63, 2**63) + os.urandom(4096)
        not_gguf = b"this is not a model" * 100
        for name, body in (("truncated.gguf", truncated), ("hostile.gguf", hostile),
                           ("text.gguf", not_gguf), ("broken.safetensors", hostile)):
            s3.put_object(Bucket=BUCKET, Key=f"hostile/{name}", Body=body)
            got = s3.get_object(Bucket=BUCKET, Key=f"hostile/{name}")["Body"].read()
            self.assertEqual(got, body, name)
        model = self.registry_json("GET", "model", {"bucket": BUCKET, "name": "hostile"})
        for f in model["files"]:
            self.assertFalse(f["metadata"]["parsed"], f)
            self.assertTrue(f["metadata"]["error"], f)

    def test_huggingface_gguf_reads_a_tag_url_like_the_registry_describes_it(self):
        """@huggingface/gguf (an independent parser) reads the model over HTTP
        through a presigned tag URL with Range requests; what it finds must
        match the metadata moss extracted when the file was stored."""
        if not shutil.which("node"):
            self.fail("node is not installed (scripts/install-deps --test installs it)")
        if not os.path.isdir(os.path.join(JS_DIR, "node_modules", "@huggingface", "gguf")):
            subprocess.run([os.path.join(SOURCE_DIR, "scripts", "install-test-clients")],
                           check=True, timeout=600)
        self.layout("crosscheck")
        url = self.s3().generate_presigned_url(
            "get_object", Params={"Bucket": BUCKET, "Key": "crosscheck/tags/latest"},
            ExpiresIn=300)
        proc = subprocess.run(["node", "gguf_metadata.mjs", url], cwd=JS_DIR,
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        theirs = json.loads(proc.stdout)
        self.assertTrue(theirs["requests"])
        for r in theirs["requests"]:
            self.assertTrue(r["range"].startswith("bytes="), r)
            self.assertEqual(r["status"], 206, r)
            self.assertEqual(r["resolvedKey"], "crosscheck/2024-03-20/crosscheck.Q5_K_M.gguf")

        tag = self.registry_json("GET", "tag",
                                 {"bucket": BUCKET, "model": "crosscheck", "tag": "latest"})
        ours = tag["resolved"]["metadata"]
        self.assertTrue(ours["parsed"], ours)
        self.assertEqual(theirs["tensorCount"], ours["tensor_count"])
        self.assertEqual(theirs["parameterCount"], ours["parameter_count"])
        self.assertEqual(theirs["metadata"]["general.architecture"], ours["architecture"])
        self.assertEqual(theirs["metadata"]["general.name"], ours["name"])
        self.assertEqual(theirs["metadata"]["llama.block_count"], ours["block_count"])
        self.assertEqual(theirs["metadata"]["llama.context_length"], ours["context_length"])
        self.assertEqual(theirs["metadata"]["llama.embedding_length"], ours["embedding_length"])
        self.assertEqual(theirs["metadata"]["tokenizer.ggml.model"], ours["tokenizer_model"])
        self.assertEqual(theirs["arrayLengths"]["tokenizer.ggml.tokens"], ours["vocab_size"])
        self.assertEqual(theirs["metadata"]["version"], ours["gguf_version"])
        # Every scalar moss kept has the same value in the independent reading.
        for key, value in ours["kv"].items():
            if isinstance(value, float):
                self.assertAlmostEqual(theirs["metadata"][key], value, places=6, msg=key)
            else:
                self.assertEqual(theirs["metadata"][key], value, key)


class PinningAcrossRestarts(unittest.TestCase):
    """A pinned tag keeps serving the bytes it pinned after the server restarts
    (its blob references are durable; the startup sweep must respect them)."""

    def test_pinned_bytes_survive_overwrite_and_restart(self):
        tmp = tempfile.mkdtemp(prefix="moss-tags-restart-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        old, new = tiny_gguf(tmp, 11), tiny_gguf(tmp, 12)
        server = MossServer().start()
        self.addCleanup(server.cleanup)
        s3 = boto3_client(server)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="llama/2024-01-01/m.gguf", Body=old)
        s3.put_object(Bucket=BUCKET, Key="llama/tags/prod", Body=b"2024-01-01/m.gguf")
        s3.put_object(Bucket=BUCKET, Key="llama/2024-01-01/m.gguf", Body=new)
        server.restart()
        s3 = boto3_client(server)
        got = s3.get_object(Bucket=BUCKET, Key="llama/tags/prod")
        self.assertEqual(got["Body"].read(), old)
        self.assertEqual(got["ResponseMetadata"]["HTTPHeaders"]["x-moss-content-sha256"],
                         sha256(old))
        self.assertEqual(s3.get_object(Bucket=BUCKET, Key="llama/2024-01-01/m.gguf")["Body"]
                         .read(), new)
        server.kill()  # no clean shutdown either
        server.start()
        s3 = boto3_client(server)
        self.assertEqual(s3.get_object(Bucket=BUCKET, Key="llama/tags/prod")["Body"].read(), old)


if __name__ == "__main__":
    unittest.main()
