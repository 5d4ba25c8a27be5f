"""A mirror of an https upstream (docs/hub-mirror.md, "An https upstream").

The upstream is a moss serving the Hub API over TLS with a certificate of the
test CA (test_tls.TestPki). With --hf-ca-file naming that CA the mirror fetches
and serves the upstream's bytes; without it (the system's CA store) or with
another CA, the fetch fails with 502 naming the certificate problem and
nothing is stored.
"""
import os
import shutil
import subprocess
import tempfile
import unittest

from moss_harness import MOSS_BINARY, MossServer, client_env
from test_hub_mirror import (MODEL, READER_TOKEN, REPO, UPSTREAM_TOKEN, credentials_document,
                             hub_get, partial_files, sha256, write_json)
from test_tls import TestPki, verified_context


def blob_files(server):
    return [f for _, _, files in os.walk(os.path.join(server.data_dir, "blobs")) for f in files]


class HttpsUpstreamTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="moss-hub-tls-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.pki = TestPki(cls.tmp)
        cert, key, _ = cls.pki.issue("upstream", "localhost")
        cls.creds = write_json(cls.tmp, "credentials.json", credentials_document())
        cls.upstream = MossServer(extra_args=["--credentials", cls.creds, "--tls-cert", cert,
                                              "--tls-key", key],
                                  tls_context=verified_context(cls.pki)).start()
        cls.addClassCleanup(cls.upstream.cleanup)
        source = os.path.join(cls.tmp, "model")
        os.makedirs(source)
        for name, data in MODEL.items():
            with open(os.path.join(source, name), "wb") as f:
                f.write(data)
        push = subprocess.run([MOSS_BINARY, "push", REPO, source + "/", "--tag", "latest",
                               "--ca-file", cls.pki.ca_cert], env=client_env(cls.upstream),
                              capture_output=True, text=True, timeout=300)
        if push.returncode != 0:
            raise AssertionError(f"moss push: {push.stderr}")
        cls.token_file = os.path.join(cls.tmp, "hf-token")
        with open(cls.token_file, "w") as f:
            f.write(UPSTREAM_TOKEN + "\n")

    def start_mirror(self, *extra):
        mirror = MossServer(extra_args=["--credentials", self.creds, "--hf-upstream",
                                        self.upstream.endpoint, "--hf-token-file",
                                        self.token_file, *extra]).start()
        self.addCleanup(mirror.cleanup)
        return mirror

    def test_the_test_ca_verifies_the_upstream(self):
        self.assertTrue(self.upstream.endpoint.startswith("https://"))
        mirror = self.start_mirror("--hf-ca-file", self.pki.ca_cert)
        for name, data in MODEL.items():
            status, headers, body = hub_get(mirror, f"/{REPO}/resolve/main/{name}")
            self.assertEqual((status, sha256(body)), (200, sha256(data)), name)
        self.assertTrue(headers.get("X-Repo-Commit"))

    def test_an_upstream_certificate_no_ca_vouches_for_fails_and_stores_nothing(self):
        for extra in ((), ("--hf-ca-file", self.pki.other_ca_cert)):
            mirror = self.start_mirror(*extra)
            status, headers, body = hub_get(mirror, f"/{REPO}/resolve/main/config.json")
            self.assertEqual(status, 502, (extra, body))
            message = (headers.get("X-Error-Message") or "") + body.decode(errors="replace")
            self.assertIn("certificate", message.lower(), (extra, message))
            self.assertEqual(blob_files(mirror), [], extra)
            self.assertEqual(partial_files(mirror), [], extra)
            self.assertIn("certificate", mirror.log_text().lower(), extra)


if __name__ == "__main__":
    unittest.main()
