# CTest labels: memory
"""`moss pull` keeps its memory flat: a file many times the size of the
client's buffers, pulled over four connections, and a directory tag's files,
four at once, byte-identical, each with a peak resident set far below the
bytes pulled and under the same ceiling.

Its own file because of its label: the sanitized run (scripts/dev) leaves out
the `memory` tests, whose ceilings mean nothing beside ASan's shadow memory
and quarantine (the same pull peaks at about 240 MB under ASan).
"""
import os
import subprocess
import threading
import time
import unittest

from moss_harness import MOSS_BINARY, client_env, random_file, sha256_file
from test_pull import MiB, PullTestCase

# What a pull may hold whatever it fetches: the received blocks its hashing
# threads keep (16 MiB for the whole pull), connection buffers, the binary.
CEILING = 48 * MiB


class FlatMemory(PullTestCase):
    def pull_peak_kib(self, *args):
        """Runs `moss pull ARGS`; its peak resident set in KiB."""
        proc = subprocess.Popen([MOSS_BINARY, "pull", *args, "--no-progress"],
                                env=client_env(self.server), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        peak_kib = [0]

        def sample():  # VmHWM only grows: the last reading before exit is the peak
            while proc.poll() is None:
                try:
                    with open(f"/proc/{proc.pid}/status") as f:
                        for line in f:
                            if line.startswith("VmHWM:"):
                                peak_kib[0] = max(peak_kib[0], int(line.split()[1]))
                except OSError:
                    return
                time.sleep(0.005)

        sampler = threading.Thread(target=sample)
        sampler.start()
        _, err = proc.communicate(timeout=300)
        sampler.join()
        self.assertEqual(proc.returncode, 0, err)
        self.assertGreater(peak_kib[0], 0)
        return peak_kib[0]

    def test_peak_memory_is_far_below_the_file_size(self):
        size = 160 * MiB
        path = random_file(self.src, size, "large.gguf")
        self.push("large", path)
        dest = self.workdir("large")
        peak_kib = self.pull_peak_kib("large:v1", dest, "--connections", "4",
                                      "--chunk-size", "16MiB")
        self.assertEqual(sha256_file(os.path.join(dest, "large.gguf")), sha256_file(path))
        self.assertLess(peak_kib * 1024, CEILING)

    def test_files_pulled_at_once_share_one_memory_budget(self):
        # Eight shards, four pulled at once (the default --parallel): each
        # file's hashing thread may hold a quarter of the pull's blocks, not
        # 16 MiB of its own (bench/pull_bench.py saw 70 MiB at its peak then).
        shards = os.path.join(self.src, "sharded")
        os.makedirs(shards)
        names = [f"model-{i:05d}-of-00008.safetensors" for i in range(1, 9)]
        for name in names:
            random_file(shards, 32 * MiB, name)
        self.push("sharded", shards)
        dest = self.workdir("sharded")
        peak_kib = self.pull_peak_kib("sharded:v1", dest)
        for name in names:
            self.assertEqual(sha256_file(os.path.join(dest, name)),
                             sha256_file(os.path.join(shards, name)), name)
        self.assertLess(peak_kib * 1024, CEILING)


if __name__ == "__main__":
    unittest.main()
