"""`moss pull` over several connections (docs/models.md, "CLI"; the engine
is client/file_download.h): ranged GETs written in place, hashed in order on
another thread, verified once.

Byte-identical results (SHA-256 computed here, independently) for a chunk
size that does not divide the file, a file smaller than one chunk and an
empty file; a resume after every connection was cut mid-transfer; a server
serving wrong bytes (its blob overwritten) detected. Memory flat while
pulling a file many times the size of the client's buffers: test_pull_memory.
"""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from moss_harness import (MOSS_BINARY, MossTestCase, asan_options_under_ptrace, client_env,
                          random_file, sha256_file)
from test_cli import FaultyProxy

MiB = 1024 * 1024


class PullTestCase(MossTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="moss-pull-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.src = os.path.join(cls.tmp, "src")
        os.makedirs(cls.src)

    @classmethod
    def push(cls, model, path, tag="v1"):
        subprocess.run([MOSS_BINARY, "push", model, path, "--tag", tag, "--date", "2024-03-20",
                        "--no-progress"], check=True, env=client_env(cls.server),
                       capture_output=True)

    def moss(self, *args, check=True, endpoint=None):
        environment = client_env(self.server)
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

    def ranged_gets_logged(self, key):
        """The bytes sent by every 206 GET of `key` in the access log."""
        found = []
        with open(self.server.log_path, "rb") as f:
            for line in f:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if (entry.get("logger") == "access" and entry.get("method") == "GET"
                        and entry.get("key") == key and entry.get("status") == 206):
                    found.append(entry.get("bytes_out"))
        return found


class ParallelPull(PullTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 5 MiB + 12345: no chunk size used here divides it.
        cls.big = random_file(cls.src, 5 * MiB + 12345, "big.gguf")
        cls.small = random_file(cls.src, 100 * 1024 + 1, "small.gguf")
        cls.empty = os.path.join(cls.src, "empty.gguf")
        open(cls.empty, "wb").close()
        # "counted" serves the same bytes to one test only, whose GETs are counted.
        for model, path in (("big", cls.big), ("counted", cls.big), ("small", cls.small),
                            ("empty", cls.empty)):
            cls.push(model, path)

    def independent_sha256(self, path):
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()

    def test_four_connections_give_identical_bytes(self):
        dest = self.workdir("four")
        out = self.moss("pull", "counted:v1", dest, "--connections", "4", "--chunk-size", "1MiB",
                        "--no-progress").stdout
        self.assertIn("verified", out)
        path = os.path.join(dest, "big.gguf")
        self.assertEqual(self.independent_sha256(path), self.independent_sha256(self.big))
        self.assertEqual(os.listdir(dest), ["big.gguf"])
        # Six ranged GETs: five whole MiB and the 12345-byte tail.
        self.assertEqual(self.wait_for_ranged_gets("counted/tags/v1", 6),
                         sorted([MiB] * 5 + [12345]))

    def test_chunk_size_not_dividing_the_file(self):
        dest = os.path.join(self.workdir("odd"), "model.bin")
        self.moss("pull", "big:v1", dest, "--connections", "3", "--chunk-size", "1000000",
                  "--no-progress")
        self.assertEqual(os.path.getsize(dest), os.path.getsize(self.big))
        self.assertEqual(self.independent_sha256(dest), self.independent_sha256(self.big))

    def test_connections_from_the_environment(self):
        dest = os.path.join(self.workdir("env"), "model.bin")
        env = client_env(self.server, MOSS_PULL_CONNECTIONS="2", MOSS_PULL_CHUNK_SIZE="2MiB")
        subprocess.run([MOSS_BINARY, "pull", "big:v1", dest, "--no-progress"], check=True,
                       env=env, capture_output=True, timeout=300)
        self.assertEqual(self.independent_sha256(dest), self.independent_sha256(self.big))

    def traced_pull(self, name, *options):
        """Pulls big:v1 under strace; returns (the trace's lines, the pulled file)."""
        if shutil.which("strace") is None:
            self.fail("strace is needed: apt-get install strace")
        dest = os.path.join(self.workdir(name), "model.bin")
        trace = os.path.join(self.tmp, name + ".strace")
        subprocess.run(["strace", "-f", "-e", "trace=openat,pwrite64", "-o", trace, MOSS_BINARY,
                        "pull", "big:v1", dest, "--no-progress", *options], check=True,
                       env=client_env(self.server, ASAN_OPTIONS=asan_options_under_ptrace()),
                       capture_output=True, timeout=300)
        with open(trace) as f:
            return f.read().splitlines(), dest

    def test_one_connection_writes_whole_blocks_around_the_page_cache(self):
        # The default: the .part opened a second time with O_DIRECT, and the
        # 1 MiB blocks after the first written through that descriptor.
        lines, dest = self.traced_pull("direct")
        direct_fds = {line.rsplit("= ", 1)[1] for line in lines
                      if "openat(" in line and ".part" in line and "|O_DIRECT" in line
                      and "= -1" not in line}
        self.assertEqual(len(direct_fds), 1, "\n".join(l for l in lines if ".part" in l))
        fd = direct_fds.pop()
        direct_writes = [l for l in lines if f"pwrite64({fd}," in l and f", {MiB}, " in l]
        self.assertGreaterEqual(len(direct_writes), 3)
        self.assertEqual(self.independent_sha256(dest), self.independent_sha256(self.big))

    def test_several_connections_write_through_the_page_cache(self):
        # Their blocks ahead of the hashed prefix are read back: from the cache.
        lines, dest = self.traced_pull("buffered", "--connections", "2", "--chunk-size", "1MiB")
        self.assertFalse([l for l in lines if "O_DIRECT|" in l or "O_DIRECT)" in l])
        self.assertEqual(self.independent_sha256(dest), self.independent_sha256(self.big))

    def test_file_smaller_than_one_chunk(self):
        dest = self.workdir("small")
        self.moss("pull", "small:v1", dest, "--connections", "4", "--no-progress")
        path = os.path.join(dest, "small.gguf")
        self.assertEqual(self.independent_sha256(path), self.independent_sha256(self.small))

    def test_zero_byte_file(self):
        dest = self.workdir("empty")
        out = self.moss("pull", "empty:v1", dest, "--connections", "4", "--no-progress").stdout
        path = os.path.join(dest, "empty.gguf")
        self.assertEqual(os.path.getsize(path), 0)
        self.assertIn(hashlib.sha256(b"").hexdigest(), out)
        self.assertIn("verified", out)

    def test_bad_options_are_refused(self):
        for args in (["--connections", "0"], ["--chunk-size", "1KiB"], ["--chunk-size", "x"]):
            proc = self.moss("pull", "big:v1", self.workdir("bad"), *args, check=False)
            self.assertEqual(proc.returncode, 1, args)
            self.assertIn("moss pull:", proc.stderr)

    def test_resume_after_every_connection_was_cut(self):
        dest = os.path.join(self.workdir("cut"), "model.bin")
        part = dest + ".part"
        # Each connection is cut 1.5 MiB in: its first 1 MiB chunk arrives whole,
        # its second does not.
        proxy = FaultyProxy(self.server.port, "cut", after=MiB + MiB // 2)
        self.addCleanup(proxy.close)
        cut = self.moss("pull", "big:v1", dest, "--connections", "2", "--chunk-size", "1MiB",
                        "--no-progress", check=False, endpoint=proxy.endpoint)
        self.assertNotEqual(cut.returncode, 0)
        self.assertFalse(os.path.exists(dest))
        # A valid prefix was kept. How much depends on which connection took
        # which chunk and when each was cut (two chunks, one, or less under a
        # sanitized build): what holds in every schedule is that it is not
        # empty, not the whole file, and byte for byte the source's.
        kept = int(os.getxattr(part, "user.moss.done"))
        self.assertGreater(kept, 0)
        self.assertLess(kept, os.path.getsize(self.big))
        with open(self.big, "rb") as f, open(part, "rb") as p:
            self.assertEqual(p.read(kept), f.read(kept))

        resumed = self.moss("pull", "big:v1", dest, "--connections", "2", "--chunk-size", "1MiB",
                            "--no-progress")
        self.assertIn(f"resuming {part} at byte {kept}", resumed.stderr)
        self.assertEqual(self.independent_sha256(dest), self.independent_sha256(self.big))
        self.assertFalse(os.path.exists(part))

    def wait_for_ranged_gets(self, key, count, timeout=5.0):
        deadline = time.time() + timeout
        while True:
            found = self.ranged_gets_logged(key)
            if len(found) >= count or time.time() > deadline:
                return sorted(found)
            time.sleep(0.05)


class WrongBytes(PullTestCase):
    def test_overwritten_blob_is_detected_and_nothing_is_left(self):
        path = random_file(self.src, 3 * MiB + 5, "victim.gguf")
        self.push("victim", path)
        expected = sha256_file(path)
        blob = self.find_blob(expected)
        with open(blob, "r+b") as f:  # one byte of the second chunk, flipped in place
            f.seek(MiB + 17)
            byte = f.read(1)
            f.seek(MiB + 17)
            f.write(bytes([byte[0] ^ 0xFF]))
        dest = self.workdir("victim")
        proc = self.moss("pull", "victim:v1", dest, "--connections", "3", "--chunk-size", "1MiB",
                         "--no-progress", check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("SHA-256 mismatch", proc.stderr)
        self.assertIn(expected, proc.stderr)
        self.assertEqual(os.listdir(dest), [])

    def find_blob(self, sha256_hex):
        for root, _, names in os.walk(os.path.join(self.server.data_dir, "blobs")):
            for name in names:
                candidate = os.path.join(root, name)
                if sha256_file(candidate) == sha256_hex:
                    return candidate
        self.fail(f"no blob holds {sha256_hex}")


if __name__ == "__main__":
    unittest.main()
