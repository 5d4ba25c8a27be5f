"""A real inference engine loads a model pulled from moss by tag (issue 7).

Two versions of a tiny but valid llama GGUF v3 model (deterministic random
weights; the seed is the version) are published with `moss push` under dated
paths and tagged v1, v2 and latest -> v1. Then llama.cpp, through the npm
package node-llama-cpp (tests/llama: the prebuilt CPU binary, no compilation,
nothing downloaded from the internet), fetches models/<name>/tags/latest over
HTTP with its own download helper, loads it and generates tokens: once with a
presigned URL, once with a SigV4 Authorization header. `latest` moves to v2,
the fetch is repeated, and the file llama.cpp loaded must be v2's. A fetch
signed with a wrong key must fail with a clean 403 and leave no model behind.

docs/inference.md shows these same steps as commands.
"""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from moss_harness import (MOSS_BINARY, SOURCE_DIR, MossTestCase, client_env, sha256_file)
from signed_http import sign

LLAMA_DIR = os.path.join(SOURCE_DIR, "tests", "llama")
MODEL = "tiny-llama"


def node_llama_cpp_installed():
    return os.path.isfile(os.path.join(LLAMA_DIR, "node_modules", "node-llama-cpp",
                                       "package.json"))


class LlamaCppLoadsModelsByTag(MossTestCase):
    @classmethod
    def setUpClass(cls):
        if not node_llama_cpp_installed():
            raise RuntimeError("node-llama-cpp is not installed in tests/llama; run "
                               "scripts/install-test-clients")
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="moss-llama-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.sha = {}
        for version, seed, date in (("v1", 1, "2024-01-15"), ("v2", 2, "2024-03-20")):
            directory = os.path.join(cls.tmp, version)
            os.makedirs(directory)
            path = os.path.join(directory, f"{MODEL}.gguf")
            subprocess.run(["python3", os.path.join(SOURCE_DIR, "tests", "tools",
                                                    "make_tiny_gguf.py"),
                            "--seed", str(seed), "--out", path], check=True)
            cls.sha[version] = sha256_file(path)
            cls.moss("push", MODEL, path, "--date", date, "--tag", version)
        cls.moss("tag", "set", f"{MODEL}:latest", "v1")
        assert cls.sha["v1"] != cls.sha["v2"]

    @classmethod
    def moss(cls, *args):
        return subprocess.run([MOSS_BINARY, *args], check=True, capture_output=True, text=True,
                              env=client_env(cls.server)).stdout

    def node(self, spec):
        """Runs tests/llama/fetch_and_generate.mjs; returns (exit code, its JSON line)."""
        proc = subprocess.run(["node", "fetch_and_generate.mjs", json.dumps(spec)],
                              cwd=LLAMA_DIR, capture_output=True, text=True, timeout=300,
                              env=dict(os.environ, NODE_LLAMA_CPP_SKIP_DOWNLOAD="true"))
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        if not lines:
            self.fail(f"node exited {proc.returncode} without a result:\n"
                      f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
        return proc.returncode, json.loads(lines[-1])

    def tag_url(self, tag="latest"):
        return f"{self.server.endpoint}/models/{MODEL}/tags/{tag}"

    def presigned_url(self, tag="latest"):
        return self.s3().generate_presigned_url(
            "get_object", Params={"Bucket": "models", "Key": f"{MODEL}/tags/{tag}"},
            ExpiresIn=900)

    def auth_headers(self, tag="latest", secret_key=None):
        """SigV4 headers for GET of the tag key, valid for every request the
        download helper makes (its Range header is not among the signed ones)."""
        kwargs = {"secret_key": secret_key} if secret_key else {}
        headers = sign(self.server, "GET", f"/models/{MODEL}/tags/{tag}",
                       unsigned_payload=True, **kwargs)
        return {k: v for k, v in headers.items() if k.lower() != "host"}

    def fetch_and_generate(self, name, url, headers=None, file_name=None):
        directory = os.path.join(self.tmp, name)
        spec = {"url": url, "headers": headers or {}, "directory": directory, "maxTokens": 5}
        if file_name:
            spec["fileName"] = file_name
        code, result = self.node(spec)
        self.assertEqual(code, 0, result)
        self.assertTrue(result["ok"], result)
        self.assertEqual(result["architecture"], "llama")
        self.assertEqual(result["tokens"], 5, result)
        self.assertTrue(result["modelPath"].startswith(directory), result)
        return result

    def test_fetch_by_tag_load_generate_then_follow_the_moved_tag(self):
        # latest -> v1, with a presigned URL. The local file is named after
        # the URL's last segment.
        first = self.fetch_and_generate("presigned", self.presigned_url())
        self.assertEqual(sha256_file(first["modelPath"]), self.sha["v1"])
        self.assertEqual(os.path.basename(first["modelPath"]), "latest")

        # The same with the download helper sending an Authorization header.
        signed = self.fetch_and_generate("header", self.tag_url(), self.auth_headers())
        self.assertEqual(sha256_file(signed["modelPath"]), self.sha["v1"])

        # Roll out v2 by moving the tag.
        self.moss("tag", "set", f"{MODEL}:latest", "v2")
        # resolveModelFile returns a file it already has under that name
        # without asking the server: the same directory still gives v1.
        stale = self.fetch_and_generate("presigned", self.presigned_url())
        self.assertEqual(sha256_file(stale["modelPath"]), self.sha["v1"])
        # Naming the local file after what the tag serves now fetches v2.
        sha = self.moss("tag", "get", f"{MODEL}:latest", "--field", "sha256").strip()
        self.assertEqual(sha, self.sha["v2"])
        second = self.fetch_and_generate("presigned", self.presigned_url(),
                                         file_name=f"{MODEL}-{sha[:16]}.gguf")
        self.assertEqual(sha256_file(second["modelPath"]), self.sha["v2"])
        third = self.fetch_and_generate("header-v2", self.tag_url(), self.auth_headers())
        self.assertEqual(sha256_file(third["modelPath"]), self.sha["v2"])

        # And back.
        self.moss("tag", "rollback", f"{MODEL}:latest")
        back = self.fetch_and_generate("rolled-back", self.presigned_url())
        self.assertEqual(sha256_file(back["modelPath"]), self.sha["v1"])

    def test_moss_pull_output_loads_too(self):
        dest = os.path.join(self.tmp, "pulled")
        self.moss("pull", f"{MODEL}:v2", dest + "/")
        path = os.path.join(dest, f"{MODEL}.gguf")
        self.assertEqual(sha256_file(path), self.sha["v2"])
        code, result = self.node({"url": path, "directory": dest, "maxTokens": 3})
        self.assertEqual(code, 0, result)
        self.assertEqual(result["tokens"], 3)

    def test_wrong_key_is_a_clean_403_and_caches_nothing(self):
        directory = os.path.join(self.tmp, "wrong-key")
        headers = self.auth_headers(secret_key="not-the-secret-of-this-key-000000000000")
        code, result = self.node({"url": self.tag_url(), "headers": headers,
                                  "directory": directory})
        self.assertEqual(code, 3, result)
        self.assertFalse(result["ok"])
        self.assertIn("403", result["error"])
        left = os.listdir(directory) if os.path.isdir(directory) else []
        self.assertEqual([f for f in left if not f.startswith(".")], [], left)


if __name__ == "__main__":
    unittest.main()
