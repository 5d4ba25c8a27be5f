"""The moss CLI client (docs/models.md, "CLI") against the real server: the
same binary as server and as client.

push (single PUT and parallel multipart, SHA-256 round trip), tags, pull by
tag (to a directory and to a file path, resuming a .part left by an
interrupted download, restarting when the tag moved), history and rollback,
models ls/show, and clean failures (wrong key, missing tag, corrupted bytes)
that leave nothing at DEST.

Interruptions and corruption are real: a small TCP proxy between client and
server cuts the connection, or flips a byte, partway through a response body.
"""
import datetime
import json
import os
import pty
import select
import shutil
import subprocess
import tempfile
import unittest

from moss_harness import (MOSS_BINARY, SECRET_KEY, MossTestCase, client_env, random_file,
                          sha256_file)
from tcp_relay import TcpRelay

MiB = 1024 * 1024
# Flags that make a 12 MiB file a 3-part multipart upload.
MULTIPART = ["--multipart-threshold", "5MiB", "--part-size", "5MiB", "--parallel", "3"]


class FaultyProxy(TcpRelay):
    """Forwards TCP connections to `port`; in the server-to-client direction,
    after `after` bytes of a connection it either closes both sides
    (mode "cut") or flips the next byte (mode "flip")."""

    def __init__(self, port, mode, after):
        self.mode, self.after = mode, after
        super().__init__(port, backlog=8)

    def to_client(self, data, seen, sink):
        if seen + len(data) > self.after:
            cut = self.after - seen
            if self.mode == "cut":
                sink.sendall(data[:cut])
                return False
            if 0 <= cut < len(data):
                data = data[:cut] + bytes([data[cut] ^ 0xFF]) + data[cut + 1:]
        sink.sendall(data)
        return True


class CliTestCase(MossTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="moss-cli-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)

    def moss(self, *args, env=None, check=True, endpoint=None):
        """Runs the moss client; returns the CompletedProcess (text)."""
        environment = client_env(self.server, **(env or {}))
        if endpoint:
            environment["MOSS_ENDPOINT"] = endpoint
        proc = subprocess.run([MOSS_BINARY, *args], capture_output=True, text=True,
                              env=environment, timeout=300)
        if check and proc.returncode != 0:
            self.fail(f"moss {' '.join(args)} exited {proc.returncode}:\n"
                      f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
        return proc

    def workdir(self, name):
        path = os.path.join(self.tmp, name)
        os.makedirs(path, exist_ok=True)
        return path

    def tag_doc(self, ref):
        return json.loads(self.moss("tag", "get", ref, "--json").stdout)


class Push(CliTestCase):
    def test_small_file_is_stored_under_the_dated_key_and_tagged(self):
        d = self.workdir("push-small")
        path = random_file(d, 300 * 1024, "tiny.Q4_K_M.gguf")
        out = self.moss("push", "llama-small", path, "--tag", "v1", "--tag", "latest",
                        "--date", "2024-01-15").stdout
        self.assertIn(f"pushed models/llama-small/2024-01-15/tiny.Q4_K_M.gguf", out)
        self.assertIn(sha256_file(path), out)
        self.assertIn("tagged llama-small:v1 -> 2024-01-15/tiny.Q4_K_M.gguf", out)
        self.assertIn("tagged llama-small:latest -> 2024-01-15/tiny.Q4_K_M.gguf", out)
        head = self.s3().head_object(Bucket="models",
                                     Key="llama-small/2024-01-15/tiny.Q4_K_M.gguf",
                                     ChecksumMode="ENABLED")
        self.assertEqual(head["ContentLength"], 300 * 1024)
        self.assertIn("ChecksumSHA256", head)  # the single PUT carried its SHA-256
        doc = self.tag_doc("llama-small:latest")
        self.assertEqual(doc["resolved"]["sha256"], sha256_file(path))

    def test_default_date_is_today_utc(self):
        d = self.workdir("push-date")
        path = random_file(d, 1000, "dated.bin")
        today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        out = self.moss("push", "dated", path).stdout
        self.assertIn(f"models/dated/{today}/dated.bin", out)

    def test_large_file_goes_up_in_parallel_parts_and_round_trips(self):
        d = self.workdir("push-multipart")
        path = random_file(d, 12 * MiB + 12345, "big.gguf")
        out = self.moss("push", "llama-big", path, "--tag", "latest", "--date", "2024-03-20",
                        *MULTIPART).stdout
        self.assertIn("3 parts", out)
        head = self.s3().head_object(Bucket="models", Key="llama-big/2024-03-20/big.gguf",
                                     ChecksumMode="ENABLED")
        self.assertTrue(head["ETag"].endswith('-3"'), head["ETag"])
        self.assertTrue(head["ChecksumSHA256"].endswith("-3"), head["ChecksumSHA256"])
        dest = self.workdir("pull-multipart")
        self.moss("pull", "llama-big:latest", dest)
        self.assertEqual(sha256_file(os.path.join(dest, "big.gguf")), sha256_file(path))

    def test_push_creates_the_bucket_when_missing(self):
        d = self.workdir("push-bucket")
        path = random_file(d, 1000, "a.bin")
        proc = self.moss("push", "m", path, "--bucket", "fresh-models", "--tag", "latest")
        self.assertIn("created bucket fresh-models", proc.stderr)
        self.assertEqual(self.s3().head_object(Bucket="fresh-models", Key=f"m/{self.today()}/a.bin")
                         ["ContentLength"], 1000)

    def test_no_progress_bar_without_a_terminal(self):
        d = self.workdir("push-quiet")
        path = random_file(d, 6 * MiB, "quiet.bin")
        proc = self.moss("push", "quiet", path, *MULTIPART)
        self.assertEqual(proc.stderr, "")

    def test_progress_bar_on_a_terminal(self):
        d = self.workdir("push-tty")
        path = random_file(d, 64 * MiB, "tty.bin")
        primary, secondary = pty.openpty()
        proc = subprocess.Popen([MOSS_BINARY, "push", "tty", path, *MULTIPART],
                                stdout=subprocess.DEVNULL, stderr=secondary,
                                env=client_env(self.server))
        os.close(secondary)
        seen = b""
        while True:
            ready, _, _ = select.select([primary], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(primary, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        os.close(primary)
        self.assertEqual(proc.wait(timeout=60), 0)
        self.assertIn(b"tty.bin", seen)
        self.assertIn(b"% [", seen)
        self.assertIn(b"MiB", seen)

    def test_wrong_key_fails_cleanly(self):
        d = self.workdir("push-wrong")
        path = random_file(d, 1000, "w.bin")
        proc = self.moss("push", "wrong", path, "--tag", "latest", check=False,
                         env={"AWS_SECRET_ACCESS_KEY": "not-the-secret-at-all"})
        self.assertEqual(proc.returncode, 1)
        self.assertIn("moss push: access denied (403 SignatureDoesNotMatch): check "
                      "AWS_SECRET_ACCESS_KEY", proc.stderr)

    @staticmethod
    def today():
        return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")


class Pull(CliTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        src = os.path.join(cls.tmp, "src")
        os.makedirs(src)
        cls.v1 = random_file(src, 3 * MiB + 7, "model-v1.gguf")
        cls.v2 = random_file(src, 2 * MiB + 3, "model-v2.gguf")
        env = client_env(cls.server)
        for path, tag in ((cls.v1, "v1"), (cls.v2, "v2")):
            subprocess.run([MOSS_BINARY, "push", "pulled", path, "--tag", tag, "--date",
                            "2024-03-20"], check=True, env=env, capture_output=True)
        subprocess.run([MOSS_BINARY, "tag", "set", "pulled:latest", "v1"], check=True, env=env,
                       capture_output=True)

    def setUp(self):
        self.moss("tag", "set", "pulled:latest", "v1")

    def test_default_tag_is_latest_and_dest_directory_keeps_the_name(self):
        dest = self.workdir("pull-dir")
        out = self.moss("pull", "pulled", dest).stdout
        path = os.path.join(dest, "model-v1.gguf")
        self.assertEqual(sha256_file(path), sha256_file(self.v1))
        self.assertIn("latest>v1>2024-03-20/model-v1.gguf", out)
        self.assertIn("verified", out)
        self.assertEqual(os.listdir(dest), ["model-v1.gguf"])

    def test_dest_file_path_is_used_as_is(self):
        dest = os.path.join(self.workdir("pull-file"), "model.gguf")
        self.moss("pull", "pulled:v2", dest)
        self.assertEqual(sha256_file(dest), sha256_file(self.v2))

    def test_second_pull_finds_the_file_up_to_date(self):
        dest = self.workdir("pull-again")
        self.moss("pull", "pulled:v2", dest)
        out = self.moss("pull", "pulled:v2", dest).stdout
        self.assertIn("up to date", out)

    def test_moving_the_tag_pulls_the_new_file(self):
        dest = os.path.join(self.workdir("pull-move"), "model.gguf")
        self.moss("pull", "pulled:latest", dest)
        self.assertEqual(sha256_file(dest), sha256_file(self.v1))
        self.moss("tag", "set", "pulled:latest", "v2")
        self.moss("pull", "pulled:latest", dest)
        self.assertEqual(sha256_file(dest), sha256_file(self.v2))

    def test_resume_after_an_interrupted_download(self):
        dest = os.path.join(self.workdir("pull-cut"), "model.gguf")
        proxy = FaultyProxy(self.server.port, "cut", after=1 * MiB)
        self.addCleanup(proxy.close)
        cut = self.moss("pull", "pulled:v1", dest, check=False, endpoint=proxy.endpoint)
        self.assertNotEqual(cut.returncode, 0)
        self.assertFalse(os.path.exists(dest))
        part = dest + ".part"
        kept = os.path.getsize(part)
        self.assertGreater(kept, 0)
        self.assertLess(kept, os.path.getsize(self.v1))
        self.assertEqual(os.getxattr(part, "user.moss.etag").decode(),
                         self.tag_doc("pulled:v1")["resolved"]["etag"])
        resumed = self.moss("pull", "pulled:v1", dest)
        self.assertIn(f"resuming {part} at byte {kept}", resumed.stderr)
        self.assertNotIn("starting over", resumed.stderr)
        self.assertEqual(sha256_file(dest), sha256_file(self.v1))
        self.assertFalse(os.path.exists(part))
        self.assert_ranged_get_logged(kept)

    def test_resume_of_a_truncated_part_file(self):
        dest = os.path.join(self.workdir("pull-truncated"), "model.gguf")
        with open(self.v1, "rb") as f, open(dest + ".part", "wb") as part:
            part.write(f.read(1234567))
        resumed = self.moss("pull", "pulled:v1", dest)
        self.assertIn("at byte 1234567", resumed.stderr)
        self.assertEqual(sha256_file(dest), sha256_file(self.v1))

    def test_part_file_of_a_moved_tag_starts_over(self):
        dest = os.path.join(self.workdir("pull-moved"), "model.gguf")
        with open(self.v1, "rb") as f, open(dest + ".part", "wb") as part:
            part.write(f.read(1 * MiB))
        os.setxattr(dest + ".part", "user.moss.etag",
                    self.tag_doc("pulled:v1")["resolved"]["etag"].encode())
        self.moss("tag", "set", "pulled:latest", "v2")
        out = self.moss("pull", "pulled:latest", dest)
        self.assertIn("starting over", out.stderr)
        self.assertEqual(sha256_file(dest), sha256_file(self.v2))

    def test_part_file_with_foreign_bytes_is_detected_and_redone(self):
        dest = os.path.join(self.workdir("pull-garbage"), "model.gguf")
        with open(dest + ".part", "wb") as part:
            part.write(os.urandom(500000))
        out = self.moss("pull", "pulled:v1", dest)
        self.assertIn("does not match its SHA-256; downloading it again", out.stderr)
        self.assertEqual(sha256_file(dest), sha256_file(self.v1))

    def test_corrupted_bytes_fail_verification_and_leave_nothing(self):
        dest = self.workdir("pull-corrupt")
        proxy = FaultyProxy(self.server.port, "flip", after=2 * MiB)
        self.addCleanup(proxy.close)
        proc = self.moss("pull", "pulled:v1", dest, check=False, endpoint=proxy.endpoint)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("SHA-256 mismatch", proc.stderr)
        self.assertEqual(os.listdir(dest), [])

    def test_wrong_key_fails_cleanly_with_nothing_at_dest(self):
        dest = os.path.join(self.tmp, "pull-wrong-key")
        proc = self.moss("pull", "pulled:latest", dest + "/", check=False,
                         env={"AWS_SECRET_ACCESS_KEY": SECRET_KEY[:-1] + "x"})
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(proc.stdout, "")
        self.assertEqual(proc.stderr.strip(), "moss pull: access denied (403 "
                         "SignatureDoesNotMatch): check AWS_SECRET_ACCESS_KEY")
        self.assertFalse(os.path.exists(dest))

    def test_unknown_key_id_is_named(self):
        proc = self.moss("pull", "pulled:latest", self.workdir("pull-unknown"), check=False,
                         env={"AWS_ACCESS_KEY_ID": "MOSSNOSUCHKEY000001"})
        self.assertEqual(proc.returncode, 1)
        self.assertIn("403 InvalidAccessKeyId", proc.stderr)
        self.assertIn("MOSSNOSUCHKEY000001", proc.stderr)

    def test_missing_tag_is_a_clean_404(self):
        dest = self.workdir("pull-missing")
        proc = self.moss("pull", "pulled:nope", dest, check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("moss pull: pulled:nope not found (404", proc.stderr)
        self.assertEqual(os.listdir(dest), [])

    def test_unreachable_server_is_explained(self):
        proc = self.moss("pull", "pulled", self.workdir("pull-down"), check=False,
                         endpoint="http://127.0.0.1:1")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("cannot connect to http://127.0.0.1:1", proc.stderr)

    def test_plain_key_with_its_checksum(self):
        dest = self.workdir("pull-key")
        out = self.moss("pull", "--key", "pulled/2024-03-20/model-v2.gguf", dest).stdout
        self.assertIn("verified", out)
        self.assertEqual(sha256_file(os.path.join(dest, "model-v2.gguf")), sha256_file(self.v2))

    def assert_ranged_get_logged(self, offset):
        """The server's access log shows the resumed GET: a 206 of the rest."""
        size = os.path.getsize(self.v1)

        def is_the_resumed_get(line):
            try:
                entry = json.loads(line)
            except ValueError:
                return False
            return (entry.get("logger") == "access" and entry.get("method") == "GET"
                    and entry.get("key") == "pulled/tags/v1" and entry.get("status") == 206
                    and entry.get("bytes_out") == size - offset)

        if self.server.wait_for_log_line(is_the_resumed_get) is None:
            self.fail(f"no 206 GET of the last {size - offset} bytes in the access log")


class Tags(CliTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        src = os.path.join(cls.tmp, "src")
        os.makedirs(src)
        env = client_env(cls.server)
        cls.files = {}
        for name in ("a.gguf", "b.gguf"):
            path = random_file(src, 100000, name)
            cls.files[name] = sha256_file(path)
            subprocess.run([MOSS_BINARY, "push", "tagged", path, "--date", "2024-01-15"],
                           check=True, env=env, capture_output=True)

    def test_set_get_ls_rm(self):
        out = self.moss("tag", "set", "tagged:v1", "2024-01-15/a.gguf").stdout
        self.assertIn("tagged:v1 -> 2024-01-15/a.gguf", out)
        self.moss("tag", "set", "tagged:current", "v1")
        got = self.moss("tag", "get", "tagged:current").stdout
        self.assertIn("chain    current > v1 > 2024-01-15/a.gguf", got)
        self.assertIn(self.files["a.gguf"], got)
        listing = self.moss("tag", "ls", "tagged").stdout
        self.assertRegex(listing, r"current\s+v1\s+2024-01-15/a.gguf")
        self.assertRegex(listing, r"v1\s+2024-01-15/a.gguf\s+2024-01-15/a.gguf")
        self.assertEqual(self.moss("tag", "rm", "tagged:current").stdout,
                         "deleted tagged:current\n")
        gone = self.moss("tag", "get", "tagged:current", check=False)
        self.assertEqual(gone.returncode, 1)
        self.assertIn("tagged:current does not exist (404 NoSuchTag", gone.stderr)

    def test_weighted_tag(self):
        self.moss("tag", "set", "tagged:wa", "2024-01-15/a.gguf")
        self.moss("tag", "set", "tagged:wb", "2024-01-15/b.gguf")
        out = self.moss("tag", "set", "tagged:canary", "wa=10", "wb=90").stdout
        self.assertIn("tagged:canary -> wa=10 wb=90", out)
        doc = self.tag_doc("tagged:canary")
        self.assertEqual([(t["target"], t["weight"]) for t in doc["targets"]],
                         [("wa", 10), ("wb", 90)])
        bad = self.moss("tag", "set", "tagged:canary", "wa", "wb=90", check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("give each a weight", bad.stderr)

    def test_history_and_rollback(self):
        self.moss("tag", "set", "tagged:rb", "2024-01-15/a.gguf")
        self.moss("tag", "set", "tagged:rb", "2024-01-15/b.gguf")
        history = json.loads(self.moss("tag", "history", "tagged:rb", "--json").stdout)["history"]
        self.assertEqual(len(history), 2)
        self.assertEqual(history[0]["new_targets"][0]["target"], "2024-01-15/b.gguf")
        table = self.moss("tag", "history", "tagged:rb").stdout
        self.assertIn("2024-01-15/a.gguf -> 2024-01-15/b.gguf", table)

        rolled = self.moss("tag", "rollback", "tagged:rb").stdout
        self.assertIn("tagged:rb -> 2024-01-15/a.gguf", rolled)
        dest = self.workdir("rollback")
        self.moss("pull", "tagged:rb", dest)
        self.assertEqual(sha256_file(os.path.join(dest, "a.gguf")), self.files["a.gguf"])

        first_b = [e["seq"] for e in history if e["new_targets"][0]["target"].endswith("b.gguf")]
        self.moss("tag", "rollback", "tagged:rb", "--to", str(first_b[0]))
        self.assertEqual(self.tag_doc("tagged:rb")["resolved"]["sha256"], self.files["b.gguf"])

    def test_if_match_guards_a_move(self):
        self.moss("tag", "set", "tagged:guarded", "2024-01-15/a.gguf")
        etag = self.tag_doc("tagged:guarded")["etag"]
        self.moss("tag", "set", "tagged:guarded", "2024-01-15/b.gguf", "--if-match", etag)
        stale = self.moss("tag", "set", "tagged:guarded", "2024-01-15/a.gguf", "--if-match", etag,
                          check=False)
        self.assertEqual(stale.returncode, 1)
        self.assertIn("412", stale.stderr)

    def test_bad_target_is_reported(self):
        proc = self.moss("tag", "set", "tagged:bad", "no-such-thing", check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("400 InvalidTagTarget", proc.stderr)

    def test_ref_without_tag_is_a_usage_error(self):
        proc = self.moss("tag", "get", "tagged", check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("write MODEL:TAG", proc.stderr)


class Models(CliTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        src = os.path.join(cls.tmp, "src")
        os.makedirs(src)
        cls.gguf = os.path.join(src, "tiny.gguf")
        subprocess.run(["python3", os.path.join(os.path.dirname(__file__), "..", "tools",
                                                "make_tiny_gguf.py"),
                        "--seed", "7", "--out", cls.gguf], check=True)
        subprocess.run([MOSS_BINARY, "push", "org/tiny-llama", cls.gguf, "--tag", "latest",
                        "--date", "2024-03-20"], check=True, env=client_env(cls.server),
                       capture_output=True)

    def test_ls_lists_models_with_tags(self):
        out = self.moss("models", "ls").stdout
        self.assertRegex(out, r"org/tiny-llama\s+latest\s+1\s+")
        doc = json.loads(self.moss("models", "ls", "--json").stdout)
        self.assertIn("org/tiny-llama", [m["name"] for m in doc["models"]])

    def test_show_gives_tags_files_and_metadata(self):
        out = self.moss("models", "show", "org/tiny-llama").stdout
        self.assertIn("latest  -> 2024-03-20/tiny.gguf", out)
        self.assertRegex(out, r"2024-03-20/tiny.gguf\s+\S+ KiB\s+sha256 " +
                         sha256_file(self.gguf)[:12] + r"\s+llama")
        doc = json.loads(self.moss("models", "show", "org/tiny-llama", "--json").stdout)
        self.assertEqual(doc["files"][0]["metadata"]["architecture"], "llama")


if __name__ == "__main__":
    unittest.main()
