# CTest labels: memory
"""`moss pull` keeps its memory flat: a file many times the size of the
client's buffers, pulled over four connections, byte-identical, with a peak
resident set far below the file's size.

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


class FlatMemory(PullTestCase):
    def test_peak_memory_is_far_below_the_file_size(self):
        size = 160 * MiB
        path = random_file(self.src, size, "large.gguf")
        self.push("large", path)
        dest = self.workdir("large")
        proc = subprocess.Popen([MOSS_BINARY, "pull", "large:v1", dest, "--connections", "4",
                                 "--chunk-size", "16MiB", "--no-progress"],
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
        self.assertEqual(sha256_file(os.path.join(dest, "large.gguf")), sha256_file(path))
        self.assertGreater(peak_kib[0], 0)
        self.assertLess(peak_kib[0] * 1024, 48 * MiB)


if __name__ == "__main__":
    unittest.main()
