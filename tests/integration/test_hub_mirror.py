"""moss as a mirror of a Hugging Face Hub (docs/hub-mirror.md).

The upstream is a second moss serving the Hub read API (docs/huggingface.md)
over a model pushed with `moss push`, reachable only with its bearer token;
the mirror is a moss started with --hf-upstream and --hf-token-file. Shown:
`moss mirror` with --include and a resuming re-run, byte-identical reads of
what it stored, one upstream download per file for eight concurrent clients
(counted in the upstream's access log), reads with the upstream stopped,
--hf-offline, the upstream's refusals passed on with their X-Error-Code, a
transfer killed mid-way leaving nothing stored, and the denial of a key that
may only read. The one test whose upstream is not moss is the SHA-256
mismatch: a tiny HTTP server that serves bytes other than the ones it states.
Hub clients of the mirror (@huggingface/hub from tests/js, and raw HTTP with a
bearer token) read from a cold mirror, which fetches on the first request.
"""
import concurrent.futures
import hashlib
import http.server
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

import http.client

import signed_http
from moss_harness import MOSS_BINARY, SOURCE_DIR, MossServer, client_env, node_with_package

MiB = 1 << 20
REPO = "acme/tiny-llm"
UPSTREAM_TOKEN = "hf_upstream_token_00000000000001"
READER_KEY = "MIRRORREADER0001"
READER_SECRET = "mirror-reader-secret-0001"
READER_TOKEN = "hf_mirror_reader_token_00000001"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def pattern(seed, size):
    block = hashlib.sha256(seed.encode()).digest() * 2048
    return (block * (size // len(block) + 1))[:size]


# Distinct sizes: the upstream's access log tells the files apart by bytes sent.
MODEL = {
    "config.json": b'{"model_type": "llama", "hidden_size": 64}\n',
    "model-00001-of-00002.safetensors": pattern("a", 3 * MiB + 17),
    "model-00002-of-00002.safetensors": pattern("b", 2 * MiB + 5),
    "tokenizer.json": pattern("t", 300 * 1024 + 3),
}


def credentials_document():
    return {"keys": [
        {"access_key_id": "UPSTREAMPUB00001", "secret_access_key": "upstream-secret-00001",
         "name": "upstream-publisher", "tokens": [UPSTREAM_TOKEN],
         "policy": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}},
        {"access_key_id": READER_KEY, "secret_access_key": READER_SECRET, "name": "reader",
         "tokens": [READER_TOKEN],
         "policy": {"Statement": [{"Effect": "Allow",
                                   "Action": ["s3:GetObject", "s3:ListBucket"],
                                   "Resource": ["arn:aws:s3:::models",
                                                "arn:aws:s3:::models/*"]}]}},
    ]}


def write_json(directory, name, document):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        json.dump(document, f)
    return path


def file_downloads(server, size):
    """GETs in `server`'s access log answered 200 with a body of exactly `size`
    bytes. The log is flushed once a second: wait for it first."""
    time.sleep(2.5)
    count = 0
    for line in server.log_text().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if (entry.get("logger") == "access" and entry.get("method") == "GET"
                and entry.get("status") == 200 and entry.get("bytes_out") == size):
            count += 1
    return count


class MirrorFixture(unittest.TestCase):
    """An upstream moss holding REPO (token-only) and a mirror of it."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="moss-hub-mirror-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        creds = write_json(cls.tmp, "credentials.json", credentials_document())
        cls.upstream = MossServer(extra_args=["--credentials", creds]).start()
        cls.addClassCleanup(cls.upstream.cleanup)
        source = os.path.join(cls.tmp, "model")
        os.makedirs(source)
        for name, data in MODEL.items():
            with open(os.path.join(source, name), "wb") as f:
                f.write(data)
        cls.run_moss(cls.upstream, "push", REPO, source + "/", "--tag", "latest")
        cls.token_file = os.path.join(cls.tmp, "hf-token")
        with open(cls.token_file, "w") as f:
            f.write(UPSTREAM_TOKEN + "\n")
        cls.mirror_creds = creds
        cls.mirror = cls.start_mirror()
        cls.addClassCleanup(lambda: cls.mirror.cleanup())

    @classmethod
    def start_mirror(cls, *extra, data_dir=None):
        return MossServer(data_dir=data_dir, extra_args=[
            "--credentials", cls.mirror_creds,
            "--hf-upstream", cls.upstream.endpoint, "--hf-token-file", cls.token_file,
            *extra]).start()

    @classmethod
    def run_moss(cls, server, *args, check=True, env=None):
        proc = subprocess.run([MOSS_BINARY, *args], env=env or client_env(server),
                              capture_output=True, text=True, timeout=300)
        if check and proc.returncode != 0:
            raise AssertionError(f"moss {' '.join(args)} exited {proc.returncode}:\n"
                                 f"{proc.stdout}\n{proc.stderr}")
        return proc

    @classmethod
    def restart_upstream(cls):
        """The upstream started again (on a new port) and a new mirror of it."""
        if cls.upstream.process is None or cls.upstream.process.poll() is not None:
            cls.upstream.start()
        cls.mirror.cleanup()
        cls.mirror = cls.start_mirror()

    def hub_call(self, server, method, name, **params):
        return signed_http.request(server, method, "/_moss/v1/hub/" + name,
                                   signed_http.query_string(sorted(params.items())), timeout=300)

    def read_tagged(self, server, revision, path):
        res = signed_http.request(server, "GET", signed_http.object_path(
            "models", f"{REPO}/tags/{revision}/{path}"))
        self.assertEqual(res.status, 200, res)
        return res.body



class HubMirrorTest(MirrorFixture):
    def test_1_mirror_with_include_then_resume(self):
        out = self.run_moss(self.mirror, "mirror", f"hf://{REPO}", "--include", "*.json")
        self.assertIn("2 files to fetch", out.stdout)
        self.assertIn("mirrored " + REPO, out.stdout)
        for name in ("config.json", "tokenizer.json"):
            self.assertEqual(sha256(self.read_tagged(self.mirror, "main", name)),
                             sha256(MODEL[name]))
        # The rest, with the json files skipped as already stored.
        out = self.run_moss(self.mirror, "mirror", f"hf://{REPO}@main")
        self.assertIn("2 files to fetch", out.stdout)
        self.assertIn("2 already mirrored", out.stdout)
        for name, data in MODEL.items():
            self.assertEqual(sha256(self.read_tagged(self.mirror, "main", name)), sha256(data))
        again = self.run_moss(self.mirror, "mirror", f"hf://{REPO}")
        self.assertIn("0 files to fetch", again.stdout)
        for name, data in MODEL.items():
            self.assertEqual(file_downloads(self.upstream, len(data)) >= 1, True, name)

    def test_2_eight_concurrent_clients_cause_one_download_per_file(self):
        mirror = self.start_mirror()
        try:
            names = [n for n in MODEL if n.endswith(".safetensors")]
            before = {n: file_downloads(self.upstream, len(MODEL[n])) for n in names}
            with concurrent.futures.ThreadPoolExecutor(16) as pool:
                futures = [pool.submit(self.hub_call, mirror, "POST", "file", repo=REPO,
                                       revision="main", path=n)
                           for n in names for _ in range(8)]
                answers = [f.result() for f in futures]
            for res in answers:
                self.assertEqual(res.status, 200, res)
            for n in names:
                self.assertEqual(file_downloads(self.upstream, len(MODEL[n])) - before[n], 1, n)
            with urllib.request.urlopen(mirror.endpoint + "/metrics", timeout=30) as r:
                metrics = r.read().decode()
            self.assertIn('moss_hub_upstream_fetches_total{result="stored"} 2', metrics)
            self.assertIn("moss_hub_single_flight_joins_total", metrics)
        finally:
            mirror.cleanup()

    def test_3_mirrored_revisions_are_served_with_the_upstream_stopped_and_offline(self):
        mirror = self.start_mirror()
        offline = None
        try:
            self.run_moss(mirror, "mirror", f"hf://{REPO}")
            self.upstream.stop()
            for name, data in MODEL.items():
                self.assertEqual(self.read_tagged(mirror, "main", name), data)
                status, _, body = hub_get(mirror, f"/{REPO}/resolve/main/{name}")
                self.assertEqual((status, sha256(body)), (200, sha256(data)), name)
            res = self.hub_call(mirror, "GET", "revision", repo="acme/absent")
            self.assertEqual(res.status, 502, res)
            status, _, _ = hub_get(mirror, "/acme/absent/resolve/main/config.json")
            self.assertEqual(status, 502)
            data_dir = mirror.data_dir
            mirror.stop()
            offline = MossServer(data_dir=data_dir, extra_args=[
                "--credentials", self.mirror_creds, "--hf-offline"]).start()
            for name, data in MODEL.items():
                status, _, body = hub_get(offline, f"/{REPO}/resolve/main/{name}")
                self.assertEqual((status, sha256(body)), (200, sha256(data)), name)
            res = self.hub_call(offline, "GET", "revision", repo="acme/other")
            self.assertEqual(res.status, 404, res)
            self.assertEqual(res.headers.get("X-Error-Code"), "RevisionNotFound")
            status, headers, _ = hub_get(offline, "/acme/other/resolve/main/config.json")
            self.assertEqual((status, headers.get("X-Error-Code")), (404, "RepoNotFound"))
        finally:
            if offline:
                offline.stop()
            mirror.cleanup()
            self.restart_upstream()

    def test_4_upstream_refusals_pass_through(self):
        res = self.hub_call(self.mirror, "GET", "revision", repo="acme/no-such-model")
        self.assertIn(res.status, (401, 404), res)
        self.assertEqual(res.headers.get("X-Error-Code"), "RepoNotFound")
        bad_token = os.path.join(self.tmp, "bad-token")
        with open(bad_token, "w") as f:
            f.write("hf_not_a_token_of_the_upstream_0\n")
        refused = MossServer(extra_args=["--credentials", self.mirror_creds, "--hf-upstream",
                                         self.upstream.endpoint, "--hf-token-file",
                                         bad_token]).start()
        try:
            res = self.hub_call(refused, "GET", "revision", repo=REPO)
            self.assertIn(res.status, (401, 403), res)
            self.assertTrue(res.headers.get("X-Error-Message"), res)
        finally:
            refused.cleanup()

    def test_5_a_reader_may_not_mirror(self):
        env = client_env(self.mirror, AWS_ACCESS_KEY_ID=READER_KEY,
                         AWS_SECRET_ACCESS_KEY=READER_SECRET)
        proc = self.run_moss(self.mirror, "mirror", f"hf://{REPO}", check=False, env=env)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("AccessDenied", proc.stderr)

    def test_6_a_transfer_killed_midway_leaves_nothing(self):
        mirror = self.start_mirror()
        try:
            name = "model-00001-of-00002.safetensors"
            info = self.hub_call(mirror, "GET", "revision", repo=REPO)
            self.assertEqual(info.status, 200, info)
            commit = json.loads(info.body)["commit"]
            # The upstream is frozen when the mirror asks it for the file, and
            # killed while the mirror waits for the bytes.
            self.upstream.send_signal(signal.SIGSTOP)
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                pending = pool.submit(self.hub_call, mirror, "POST", "file", repo=REPO,
                                      revision=commit, path=name)
                # Either way (the request waiting in the frozen upstream's
                # backlog, or not yet sent) the transfer fails.
                time.sleep(0.5)
                self.upstream.kill()
                res = pending.result()
            self.assertEqual(res.status, 502, res)
            self.assertEqual(partial_files(mirror), [])
            listing = signed_http.request(mirror, "GET", "/models",
                                          signed_http.query_string({"prefix": REPO + "/"}))
            self.assertNotIn(name.encode(), listing.body)
            # Once the upstream is back, the same mirror's retry succeeds.
            self.upstream.start()
            mirror.stop()
            retry = MossServer(data_dir=mirror.data_dir, extra_args=[
                "--credentials", self.mirror_creds, "--hf-upstream", self.upstream.endpoint,
                "--hf-token-file", self.token_file]).start()
            try:
                res = self.hub_call(retry, "POST", "file", repo=REPO, revision="main", path=name)
                self.assertEqual(res.status, 200, res)
                self.assertEqual(json.loads(res.body)["sha256"], sha256(MODEL[name]))
            finally:
                retry.stop()
        finally:
            mirror.cleanup()
            self.restart_upstream()


def partial_files(server):
    """Temporary blob files (an upload or transfer in progress) in the data directory."""
    return [f for _, _, files in os.walk(server.data_dir) for f in files if f.endswith(".part")]


def hub_get(server, path, token=READER_TOKEN):
    """GET through the Hub API with a bearer token; (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    try:
        conn.request("GET", path, headers={"Authorization": "Bearer " + token})
        res = conn.getresponse()
        return res.status, res.headers, res.read()
    finally:
        conn.close()


class HubApiThroughMirrorTest(MirrorFixture):
    """Hub clients of the mirror: a file request for a repo the mirror does not
    hold is fetched from the upstream once, whoever asks."""

    def test_7_eight_hub_clients_of_a_cold_mirror_cause_one_download_per_file(self):
        mirror = self.start_mirror()
        try:
            names = list(MODEL)
            before = {n: file_downloads(self.upstream, len(MODEL[n])) for n in names}
            with concurrent.futures.ThreadPoolExecutor(16) as pool:
                futures = {pool.submit(hub_get, mirror, f"/{REPO}/resolve/main/{n}"): n
                           for n in names for _ in range(8)}
                for future, n in futures.items():
                    status, headers, body = future.result()
                    self.assertEqual(status, 200, (n, body[:300]))
                    self.assertEqual(sha256(body), sha256(MODEL[n]), n)
                    self.assertTrue(headers.get("X-Repo-Commit"), n)
            for n in names:
                self.assertEqual(file_downloads(self.upstream, len(MODEL[n])) - before[n], 1, n)
            # The fetches are audited under the reader who caused them.
            audit = self.run_moss(mirror, "audit", "--kind", "hub-fetch", "--json")
            events = json.loads(audit.stdout)["events"]
            self.assertEqual(sorted(e["key"].rsplit("/", 1)[1] for e in events), sorted(names))
            self.assertEqual({e["key_name"] for e in events}, {"reader"})
            # A missing file of a held revision, a missing repo: the upstream's codes.
            status, headers, _ = hub_get(mirror, f"/{REPO}/resolve/main/absent.bin")
            self.assertEqual((status, headers.get("X-Error-Code")), (404, "EntryNotFound"))
            status, headers, _ = hub_get(mirror, "/acme/absent/resolve/main/config.json")
            self.assertEqual((status, headers.get("X-Error-Code")), (404, "RepoNotFound"))
        finally:
            mirror.cleanup()

    def test_8_huggingface_hub_js_downloads_through_the_mirror(self):
        node = node_with_package("@huggingface/hub")
        mirror = self.start_mirror()
        try:
            env = dict(os.environ, HF_ENDPOINT=mirror.endpoint, HF_TOKEN=READER_TOKEN)
            script = os.path.join(SOURCE_DIR, "tests", "js", "hub_client.mjs")
            name = "model-00002-of-00002.safetensors"
            proc = subprocess.run([node, script, "download", json.dumps(
                {"repo": REPO, "path": name, "revision": "main"})], env=env,
                capture_output=True, text=True, timeout=300)
            out = json.loads(proc.stdout)
            self.assertNotIn("error", out, out)
            self.assertEqual(out["result"]["sha256"], sha256(MODEL[name]))
            # After moss mirror, a whole snapshot through the library.
            self.run_moss(mirror, "mirror", f"hf://{REPO}")
            cache = tempfile.mkdtemp(dir=self.tmp)
            proc = subprocess.run([node, script, "snapshot", json.dumps(
                {"repo": REPO, "revision": "main", "cacheDir": cache, "expect": list(MODEL)})],
                env=env, capture_output=True, text=True, timeout=300)
            out = json.loads(proc.stdout)
            self.assertNotIn("error", out, out)
            self.assertEqual(out["result"]["files"], {n: sha256(d) for n, d in MODEL.items()})
        finally:
            mirror.cleanup()


class WrongBytesUpstream(http.server.BaseHTTPRequestHandler):
    """States one SHA-256 for weights.bin and serves other bytes."""
    COMMIT = "c0ffee" * 6 + "c0ff"
    GOOD = pattern("good", 64 * 1024)
    BAD = pattern("bad", 64 * 1024)

    def do_GET(self):
        if self.path.startswith("/api/models/acme/broken/revision/"):
            body = json.dumps({"id": "acme/broken", "sha": self.COMMIT, "siblings": [
                {"rfilename": "weights.bin", "size": len(self.GOOD),
                 "lfs": {"sha256": sha256(self.GOOD), "size": len(self.GOOD)}}]}).encode()
        elif self.path == f"/acme/broken/resolve/{self.COMMIT}/weights.bin":
            body = self.BAD
        else:
            self.send_response(404)
            self.send_header("X-Error-Code", "EntryNotFound")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class HubMirrorVerificationTest(unittest.TestCase):
    def test_bytes_that_do_not_match_the_upstream_sha256_are_not_stored(self):
        upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), WrongBytesUpstream)
        threading.Thread(target=upstream.serve_forever, daemon=True).start()
        self.addCleanup(upstream.server_close)
        self.addCleanup(upstream.shutdown)
        url = f"http://127.0.0.1:{upstream.server_address[1]}"
        with MossServer(extra_args=["--hf-upstream", url]) as mirror:
            res = signed_http.request(mirror, "POST", "/_moss/v1/hub/file",
                                      "path=weights.bin&repo=acme%2Fbroken&revision=main")
            self.assertEqual(res.status, 502, res)
            self.assertIn(b"do not verify", res.body)
            listing = signed_http.request(mirror, "GET", "/models")
            self.assertNotIn(b"weights.bin", listing.body)
            proc = subprocess.run([MOSS_BINARY, "mirror", "hf://acme/broken"],
                                  env=client_env(mirror), capture_output=True, text=True,
                                  timeout=120)
            self.assertNotEqual(proc.returncode, 0)
            self.assertIn("do not verify", proc.stderr)
            blobs = [f for _, _, files in os.walk(os.path.join(mirror.data_dir, "blobs"))
                     for f in files]
            self.assertEqual(blobs, [])
            self.assertEqual(partial_files(mirror), [])
            tags = signed_http.request(mirror, "GET", "/_moss/v1/model",
                                       "name=acme%2Fbroken")
            self.assertNotEqual(tags.status, 200, tags)


if __name__ == "__main__":
    unittest.main()
