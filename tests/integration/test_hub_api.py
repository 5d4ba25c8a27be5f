"""The Hugging Face Hub read API (docs/huggingface.md) with a real Hub client:
@huggingface/hub from npm (tests/js/hub_client.mjs), its `hubUrl` the moss
server and its `accessToken` a moss bearer token, as a pod with HF_ENDPOINT
and HF_TOKEN would use it. A generated Transformers-style model (config,
tokenizer, index, two safetensors shards) is pushed with `moss push ... --tag
latest`; the client downloads it by `latest`, `main` and its 40-hex commit,
byte for byte; missing files, revisions and repositories answer what the
client turns into null or its typed error; tree listings page with Link
headers; denials (no token, a key without s3:GetObject on the files, a key of
another prefix) answer 401 / 403 and are audited. Raw HTTP checks the headers
the clients read (X-Repo-Commit, ETag, X-Linked-*, Content-Range, no Xet).
"""
import hashlib
import http.client
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import boto3
from botocore.config import Config

import signed_http
from moss_harness import (MOSS_BINARY, REGION, SOURCE_DIR, MossServer, client_env,
                          node_with_package)

ADMIN = ("HUBADMINKEY0", "hubadminsecret0")
REPO = "org/tiny-model"
PAGE_SIZE = 3  # --hub-page-size: the model's 7 tree entries take three pages

ADMIN_TOKEN = "hf_admin_token_00000000001"
READER_TOKEN = "hf_reader_token_0000000001"
NO_FILES_TOKEN = "hf_nofiles_token_000000001"
OTHER_PREFIX_TOKEN = "hf_otherprefix_token_00001"
UNKNOWN_TOKEN = "hf_nobody_holds_this_token_1"


def allow(actions, resources):
    return {"Statement": [{"Effect": "Allow", "Action": actions, "Resource": resources}]}


CREDENTIALS = {"keys": [
    {"access_key_id": ADMIN[0], "secret_access_key": ADMIN[1], "name": "platform-admin",
     "tokens": [ADMIN_TOKEN], "policy": allow("*", "*")},
    {"access_key_id": "HUBREADER000", "secret_access_key": "hubreadersecret",
     "name": "inference", "tokens": [READER_TOKEN],
     "policy": allow(["s3:GetObject"], [f"arn:aws:s3:::models/{REPO}/*"])},
    # May list the bucket, but read no file of it.
    {"access_key_id": "HUBNOFILES00", "secret_access_key": "hubnofilessecret",
     "name": "lister", "tokens": [NO_FILES_TOKEN],
     "policy": allow(["s3:ListBucket"], ["arn:aws:s3:::models"])},
    {"access_key_id": "HUBOTHER0000", "secret_access_key": "hubothersecret00",
     "name": "other-team", "tokens": [OTHER_PREFIX_TOKEN],
     "policy": allow(["s3:GetObject"], ["arn:aws:s3:::models/other-model/*"])},
]}


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def safetensors_shard(seed, size):
    """A valid safetensors file of about `size` bytes: one F16 tensor."""
    count = max(1, (size - 256) // 2)
    header = {"__metadata__": {"format": "pt"},
              f"model.layers.{seed}.weight": {"dtype": "F16", "shape": [count],
                                               "data_offsets": [0, count * 2]}}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    data = os.urandom(count * 2)
    return struct.pack("<Q", len(text)) + text + data


def model_files(seed):
    shard1 = safetensors_shard(seed * 2, 96 * 1024)
    shard2 = safetensors_shard(seed * 2 + 1, 64 * 1024)
    index = {"metadata": {"total_size": len(shard1) + len(shard2)},
             "weight_map": {f"model.layers.{seed * 2}.weight": "model-00001-of-00002.safetensors",
                            f"model.layers.{seed * 2 + 1}.weight":
                                "model-00002-of-00002.safetensors"}}
    return {
        "config.json": json.dumps({"architectures": ["LlamaForCausalLM"],
                                   "model_type": "llama", "seed": seed}).encode(),
        "tokenizer.json": json.dumps({"version": "1.0", "seed": seed}).encode(),
        "tokenizer/special_tokens_map.json": json.dumps({"bos": "<s>"}).encode(),
        "model.safetensors.index.json": json.dumps(index).encode(),
        "model-00001-of-00002.safetensors": shard1,
        "model-00002-of-00002.safetensors": shard2,
    }


class HubApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="moss-hub-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.credentials = os.path.join(cls.tmp, "credentials.json")
        with open(cls.credentials, "w") as f:
            json.dump(CREDENTIALS, f)
        cls.server = MossServer(credentials=False, extra_args=[
            "--credentials", cls.credentials, "--hub-page-size", str(PAGE_SIZE)]).start()
        cls.addClassCleanup(cls.server.cleanup)
        cls.node = node_with_package("@huggingface/hub")
        cls.admin().create_bucket(Bucket="models")
        cls.files = model_files(1)
        cls.source = cls.write_model("source", cls.files)
        cls.moss("push", REPO, cls.source + "/", "--date", "2024-08-01", "--tag", "latest",
                 "--no-progress")

    @classmethod
    def admin(cls):
        return boto3.client("s3", endpoint_url=cls.server.endpoint, region_name=REGION,
                            aws_access_key_id=ADMIN[0], aws_secret_access_key=ADMIN[1],
                            config=Config(s3={"addressing_style": "path"},
                                          retries={"max_attempts": 1}))

    @classmethod
    def write_model(cls, name, files):
        root = os.path.join(cls.tmp, name)
        for path, data in files.items():
            os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
            with open(os.path.join(root, path), "wb") as f:
                f.write(data)
        return root

    @classmethod
    def moss(cls, *args):
        env = client_env(cls.server, AWS_ACCESS_KEY_ID=ADMIN[0], AWS_SECRET_ACCESS_KEY=ADMIN[1])
        proc = subprocess.run([MOSS_BINARY, *args], env=env, capture_output=True, text=True,
                              timeout=300)
        if proc.returncode != 0:
            raise AssertionError(f"moss {' '.join(args)} exited {proc.returncode}:\n"
                                 f"{proc.stdout}\n{proc.stderr}")
        return proc

    def hub(self, command, token=READER_TOKEN, **args):
        """Runs hub_client.mjs; returns its JSON output ({result | error, requests})."""
        env = dict(os.environ, HF_ENDPOINT=self.server.endpoint, HF_TOKEN=token or "")
        proc = subprocess.run([self.node, os.path.join(SOURCE_DIR, "tests", "js", "hub_client.mjs"),
                               command, json.dumps({"repo": REPO, **args})],
                              env=env, capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            self.fail(f"hub_client.mjs {command} exited {proc.returncode}:\n{proc.stderr}")
        return json.loads(proc.stdout)

    def result(self, command, **args):
        out = self.hub(command, **args)
        self.assertNotIn("error", out, out)
        return out["result"]

    def http(self, method, path, token=READER_TOKEN, headers=None, body=None):
        """A raw request; returns (status, headers, body)."""
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            res = conn.getresponse()
            return res.status, res.headers, res.read()
        finally:
            conn.close()

    def commit_of(self, revision):
        status, _, body = self.http("GET", f"/api/models/{REPO}/revision/{revision}")
        self.assertEqual(status, 200, body)
        return json.loads(body)["sha"]

    def expected_digests(self, files=None):
        return {p: sha256(d) for p, d in (files or self.files).items()}

    # --- Downloads by the real client.

    def test_snapshot_download_by_latest_main_and_commit_is_byte_identical(self):
        commit = self.commit_of("latest")
        self.assertRegex(commit, r"^[0-9a-f]{40}$")
        for revision in ("latest", "main", commit):
            with self.subTest(revision=revision):
                cache = os.path.join(self.tmp, "cache-" + revision)
                got = self.result("snapshot", revision=revision, cacheDir=cache,
                                  expect=list(self.files))
                self.assertTrue(got["folder"].endswith("/snapshots/" + commit), got["folder"])
                self.assertEqual(got["files"], self.expected_digests())

    def test_download_file_and_missing_entries(self):
        for path, data in self.files.items():
            got = self.result("download", path=path, revision="main")
            self.assertEqual(got, {"size": len(data), "sha256": sha256(data)}, path)
        info = self.result("info", path="config.json", revision="latest")
        self.assertEqual(info["size"], len(self.files["config.json"]))
        self.assertEqual(info["etag"], '"%s"' % sha256(self.files["config.json"]))
        # A missing file is null, not an error.
        self.assertIsNone(self.result("info", path="no-such-file.bin", revision="main"))
        self.assertIsNone(self.result("download", path="no-such-file.bin", revision="main"))

    def test_missing_repo_and_revision_are_typed_errors(self):
        for repo, revision, code in ((REPO, "no-such-tag", "RevisionNotFound"),
                                     (REPO, "0" * 40, "RevisionNotFound"),
                                     ("org/no-such-model", "main", "RepoNotFound")):
            with self.subTest(repo=repo, revision=revision):
                # The administrator may read any model: what it learns is "not found".
                out = self.hub("model", token=ADMIN_TOKEN, repo=repo, revision=revision)
                self.assertEqual(out["error"]["name"], "HubApiError", out)
                self.assertEqual(out["error"]["statusCode"], 404, out)
                out = self.hub("download", token=ADMIN_TOKEN, repo=repo, revision=revision,
                               path="config.json")
                self.assertEqual(out["error"]["name"], "HubApiError", out)
                self.assertEqual(out["error"]["statusCode"], 404, out)
                quoted = urllib.parse.quote(revision, safe="")
                for method in ("GET", "HEAD"):
                    status, headers, _ = self.http(method, f"/{repo}/resolve/{quoted}/config.json",
                                                   token=ADMIN_TOKEN)
                    self.assertEqual((status, headers["X-Error-Code"]), (404, code))
                    self.assertTrue(headers["X-Error-Message"])
        status, headers, body = self.http("GET", f"/{REPO}/resolve/main/missing.json")
        self.assertEqual((status, headers["X-Error-Code"]), (404, "EntryNotFound"))
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertIn("missing.json", json.loads(body)["error"])

    # --- Listing, model info, refs, paths-info.

    def test_list_files_recursive_follows_link_pages(self):
        out = self.hub("list", revision="main", recursive=True)
        self.assertNotIn("error", out, out)
        entries = out["result"]
        files = {e["path"]: e for e in entries if e["type"] == "file"}
        self.assertEqual(set(files), set(self.files))
        self.assertEqual([e["path"] for e in entries if e["type"] == "directory"], ["tokenizer"])
        for path, entry in files.items():
            self.assertEqual(entry["size"], len(self.files[path]))
            self.assertEqual(entry["lfs"], {"oid": sha256(self.files[path]),
                                            "size": len(self.files[path]),
                                            "pointerSize": entry["lfs"]["pointerSize"]})
            self.assertRegex(entry["oid"], r"^[0-9a-f]{40}$")
            self.assertNotIn("xetHash", entry)
        tree_requests = [r for r in out["requests"] if "/tree/" in r["url"]]
        self.assertEqual(len(tree_requests), 3, tree_requests)  # 7 entries, pages of 3
        self.assertEqual(len(entries), 7)
        # Non-recursive: the top level only, the folder as a directory entry.
        top = self.result("list", revision="main", recursive=False)
        self.assertEqual(sorted(e["path"] for e in top),
                         sorted([p for p in self.files if "/" not in p] + ["tokenizer"]))
        inside = self.result("list", revision="main", path="tokenizer")
        self.assertEqual([e["path"] for e in inside], ["tokenizer/special_tokens_map.json"])

    def test_model_info_fields(self):
        commit = self.commit_of("main")
        info = self.result("model", revision="main")
        self.assertEqual(info["name"], REPO)
        self.assertEqual(info["sha"], commit)
        self.assertIs(info["private"], True)
        self.assertEqual(sorted(info["siblings"], key=lambda s: s["rfilename"]),
                         [{"rfilename": p} for p in sorted(self.files)])
        status, _, body = self.http("GET", f"/api/models/{REPO}?blobs=true")
        self.assertEqual(status, 200)
        doc = json.loads(body)
        self.assertEqual((doc["id"], doc["sha"], doc["private"]), (REPO, commit, True))
        self.assertRegex(doc["lastModified"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        for sibling in doc["siblings"]:
            data = self.files[sibling["rfilename"]]
            self.assertEqual(sibling["size"], len(data))
            self.assertEqual(sibling["lfs"]["sha256"], sha256(data))
            self.assertEqual(sibling["lfs"]["size"], len(data))

    def test_refs_name_the_tags_and_main(self):
        commit = self.commit_of("latest")
        status, _, body = self.http("GET", f"/api/models/{REPO}/refs")
        self.assertEqual(status, 200, body)
        doc = json.loads(body)
        branches = {b["name"]: b for b in doc["branches"]}
        self.assertEqual(branches["latest"]["targetCommit"], commit)
        self.assertEqual(branches["main"]["targetCommit"], commit)
        self.assertEqual(branches["latest"]["ref"], "refs/heads/latest")
        self.assertEqual((doc["tags"], doc["converts"]), ([], []))

    def test_paths_info_form_and_json(self):
        expected = {"config.json": sha256(self.files["config.json"])}
        form = urllib.parse.urlencode([("paths", "config.json"), ("paths", "tokenizer"),
                                       ("paths", "absent.txt"), ("expand", "True")])
        as_json = json.dumps({"paths": ["config.json", "tokenizer", "absent.txt"],
                              "expand": True})
        for content_type, body in (("application/x-www-form-urlencoded", form),
                                   ("application/json", as_json)):
            with self.subTest(content_type=content_type):
                status, _, answer = self.http(
                    "POST", f"/api/models/{REPO}/paths-info/main",
                    headers={"Content-Type": content_type}, body=body.encode())
                self.assertEqual(status, 200, answer)
                entries = {e["path"]: e for e in json.loads(answer)}
                self.assertEqual(set(entries), {"config.json", "tokenizer"})
                self.assertEqual(entries["config.json"]["lfs"]["oid"], expected["config.json"])
                self.assertEqual(entries["tokenizer"]["type"], "directory")
        # The client's own call (JSON).
        got = self.result("paths", paths=["config.json"], revision="latest")
        self.assertEqual([(e["path"], e["lfs"]["oid"]) for e in got],
                         [("config.json", expected["config.json"])])

    # --- The headers the clients read.

    def test_range_probe_headers_and_no_xet(self):
        data = self.files["model-00001-of-00002.safetensors"]
        commit = self.commit_of("main")
        status, headers, body = self.http(
            "GET", f"/{REPO}/resolve/main/model-00001-of-00002.safetensors",
            headers={"Range": "bytes=0-0", "Accept": "application/vnd.xet-fileinfo+json, */*"})
        self.assertEqual(status, 206)
        self.assertEqual(body, data[:1])
        self.assertEqual(headers["Content-Range"], f"bytes 0-0/{len(data)}")
        self.assertEqual(headers["Content-Length"], "1")
        self.assertEqual(headers["Accept-Ranges"], "bytes")
        self.assertEqual(headers["X-Repo-Commit"], commit)
        self.assertEqual(headers["ETag"], f'"{sha256(data)}"')
        self.assertEqual(headers["X-Linked-Etag"], f'"{sha256(data)}"')
        self.assertEqual(headers["X-Linked-Size"], str(len(data)))
        status, headers, body = self.http("HEAD", f"/{REPO}/resolve/{commit}/config.json")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Length"], str(len(self.files["config.json"])))
        self.assertEqual(headers["X-Repo-Commit"], commit)
        for name, value in headers.items():
            self.assertFalse(name.lower().startswith("x-xet"), name)
            self.assertNotIn("xet", value.lower(), (name, value))

    def test_sigv4_signed_request_to_a_hub_route(self):
        res = signed_http.request(self.server, "GET", f"/{REPO}/resolve/main/config.json",
                                  access_key=ADMIN[0], secret_key=ADMIN[1])
        self.assertEqual(res.status, 200, res)
        self.assertEqual(res.body, self.files["config.json"])
        res = signed_http.request(self.server, "GET", f"/api/models/{REPO}/revision/main",
                                  access_key=ADMIN[0], secret_key=ADMIN[1])
        self.assertEqual(json.loads(res.body)["sha"], self.commit_of("main"))

    # --- Denials, each audited.

    def audit_events(self, key_name, status):
        deadline = time.monotonic() + 10
        while True:
            res = signed_http.request(self.server, "GET", "/_moss/v1/audit", "limit=1000",
                                      access_key=ADMIN[0], secret_key=ADMIN[1])
            self.assertEqual(res.status, 200, res)
            events = [e for e in json.loads(res.body)["events"]
                      if e["key_name"] == key_name and e["status"] == status
                      and e["key"].startswith(REPO + "/")]
            if events or time.monotonic() > deadline:
                return events
            time.sleep(0.1)

    def test_denials_with_the_real_client_are_401_403_and_audited(self):
        for token, status, key_name in ((None, 401, "anonymous"),
                                        (NO_FILES_TOKEN, 403, "lister"),
                                        (OTHER_PREFIX_TOKEN, 403, "other-team")):
            with self.subTest(key=key_name):
                out = self.hub("download", token=token, path="config.json", revision="main")
                self.assertEqual(out["error"]["name"], "HubApiError", out)
                self.assertEqual(out["error"]["statusCode"], status, out)
                out = self.hub("model", token=token, revision="main")
                self.assertEqual(out["error"]["statusCode"], status, out)
                events = self.audit_events(key_name, status)
                self.assertTrue(events, f"no audited {status} for {key_name}")
                self.assertEqual(events[-1]["kind"], "read")
        # A missing repository tells a key without access nothing more.
        status, _, _ = self.http("GET", "/org/no-such-model/resolve/main/x", token=OTHER_PREFIX_TOKEN)
        self.assertEqual(status, 403)
        # A token no key holds.
        status, headers, _ = self.http("GET", f"/{REPO}/resolve/main/config.json",
                                       token=UNKNOWN_TOKEN)
        self.assertEqual(status, 401)
        self.assertEqual(headers["X-Error-Message"], "Invalid credentials in Authorization header.")
        # Bearer tokens are for the Hub API: S3 refuses them.
        status, _, _ = self.http("GET", f"/models/{REPO}/tags/latest/config.json")
        self.assertEqual(status, 400)

    # --- Commit ids.

    def test_commit_id_is_stable_for_the_same_bytes_and_changes_with_them(self):
        before = self.commit_of("latest")
        copy = self.write_model("same-bytes", self.files)
        self.moss("push", REPO, copy + "/", "--date", "2024-09-01", "--tag", "same",
                  "--no-progress")
        self.assertEqual(self.commit_of("same"), before)
        changed = dict(self.files, **{"config.json": b'{"changed": true}'})
        self.moss("push", REPO, self.write_model("changed", changed) + "/", "--date",
                  "2024-10-01", "--tag", "changed", "--no-progress")
        after = self.commit_of("changed")
        self.assertRegex(after, r"^[0-9a-f]{40}$")
        self.assertNotEqual(after, before)
        got = self.result("download", path="config.json", revision=after)
        self.assertEqual(got["sha256"], sha256(b'{"changed": true}'))
        self.assertEqual(self.commit_of("latest"), before)


    # --- llama.cpp's Hub path: "user/model:quant" through HF_ENDPOINT.

    def test_node_llama_cpp_pulls_a_gguf_by_repo_and_quant(self):
        llama_dir = os.path.join(SOURCE_DIR, "tests", "llama")
        if not os.path.isdir(os.path.join(llama_dir, "node_modules", "node-llama-cpp")):
            self.fail("node-llama-cpp is not installed: run scripts/install-test-clients "
                      "(npm ci in tests/llama)")
        source = os.path.join(self.tmp, "gguf-source")
        os.makedirs(source, exist_ok=True)
        digests = {}
        for seed, quant in ((1, "Q4_K_M"), (2, "Q8_0")):
            path = os.path.join(source, f"tiny.{quant}.gguf")
            subprocess.run(["python3", os.path.join(SOURCE_DIR, "tests", "tools",
                                                    "make_tiny_gguf.py"),
                            "--seed", str(seed), "--out", path], check=True)
            with open(path, "rb") as f:
                digests[quant] = sha256(f.read())
        self.moss("push", "org/tiny-gguf", source + "/", "--date", "2024-08-01", "--tag", "latest",
                  "--no-progress")
        directory = os.path.join(self.tmp, "llama-download")
        spec = {"url": "hf:org/tiny-gguf:Q8_0", "directory": directory, "maxTokens": 3,
                "headers": {"Authorization": f"Bearer {ADMIN_TOKEN}"}}
        proc = subprocess.run(["node", "fetch_and_generate.mjs", json.dumps(spec)], cwd=llama_dir,
                              capture_output=True, text=True, timeout=300,
                              env=dict(os.environ, HF_ENDPOINT=self.server.endpoint,
                                       NODE_LLAMA_CPP_SKIP_DOWNLOAD="true"))
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        self.assertTrue(lines, f"no result: {proc.stdout}\n{proc.stderr}")
        result = json.loads(lines[-1])
        self.assertTrue(result["ok"], result)
        self.assertEqual(result["architecture"], "llama")
        with open(result["modelPath"], "rb") as f:
            self.assertEqual(sha256(f.read()), digests["Q8_0"])
        # A quantization the revision does not hold is the Hub's 404.
        status, headers, _ = self.http("GET", "/v2/org/tiny-gguf/manifests/Q2_K", token=ADMIN_TOKEN)
        self.assertEqual((status, headers["X-Error-Code"]), (404, "EntryNotFound"))

if __name__ == "__main__":
    unittest.main()
