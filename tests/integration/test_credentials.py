"""Credential rotation (docs/kubernetes.md, "Credential rotation"): a server
started with --credentials FILE --credentials-reload 1 picks up keys added to
the file, drops keys removed from it and takes a changed secret, for signed
requests and for presigned URLs it has already verified (and cached); a file
that does not parse keeps the keys it had, and the log says so. A first start
with no credentials at all generates a development key pair, kept in
<data>/dev-credentials.json (mode 0600) and printed once.

Reloads are waited for by polling a request until it gets the expected answer.
"""
import json
import os
import re
import stat
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from moss_harness import MossServer
from s3_wire import Signer, error_fields, signed_request

BUCKET = "rotation"
# (access key id, secret): the file's keys in these tests.
ALICE = ("ROTATIONKEYALICE0001", "alice-secret-0000000000000000000000001")
BOB = ("ROTATIONKEYBOB000001", "bob-secret-00000000000000000000000000001")
BOB_NEW = ("ROTATIONKEYBOB000001", "bob-secret-rotated-000000000000000000002")
CAROL = ("ROTATIONKEYCAROL0001", "carol-secret-000000000000000000000000001")

RELOAD_WAIT = 20  # seconds: a reload every second, on a busy machine


class CredentialRotation(unittest.TestCase):
    def setUp(self):
        fd, self.credentials = tempfile.mkstemp(prefix="moss-credentials-", suffix=".json")
        os.close(fd)
        self.addCleanup(os.unlink, self.credentials)
        self.write_keys(ALICE, BOB)
        self.server = MossServer(credentials=False, extra_args=[
            "--credentials", self.credentials, "--credentials-reload", "1"]).start()
        self.addCleanup(self.server.cleanup)
        self.assertEqual(self.request(ALICE, "PUT", f"/{BUCKET}").status, 200)
        self.assertEqual(self.request(ALICE, "PUT", f"/{BUCKET}/object", body=b"the bytes").status,
                         200)

    def write_keys(self, *keys):
        # Administrators, so that each may read the bucket Alice created (a key
        # without a policy would be an account of its own).
        self.write_file(json.dumps({"keys": [
            {"access_key_id": key_id, "secret_access_key": secret, "name": key_id.lower(),
             "policy": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}
            for key_id, secret in keys]}))

    def write_file(self, text):
        # As the kubelet does: the new content appears at once, never half written.
        temporary = self.credentials + ".new"
        with open(temporary, "w") as f:
            f.write(text)
        os.replace(temporary, self.credentials)

    def request(self, key, method, path, body=b""):
        return signed_request(self.server, method, path, body=body,
                              signer=Signer(access_key=key[0], secret_key=key[1]))

    def get_object(self, key):
        """(status, error code or None) of a signed GET of the object with `key`."""
        response = self.request(key, "GET", f"/{BUCKET}/object")
        if response.status == 200:
            self.assertEqual(response.body, b"the bytes")
            return 200, None
        return response.status, error_fields(response.body)[1].get("Code")

    def presigned_url(self, key):
        return self.server.endpoint + Signer(access_key=key[0], secret_key=key[1]).presign(
            "GET", f"127.0.0.1:{self.server.port}", f"/{BUCKET}/object", expires=600)

    @staticmethod
    def fetch(url):
        """(status, error code or None) of a GET of a presigned URL."""
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                r.read()
                return r.status, None
        except urllib.error.HTTPError as e:
            return e.code, error_fields(e.read())[1].get("Code")

    def await_answer(self, attempt, expected, what):
        """Polls attempt() until it returns `expected` (bounded: RELOAD_WAIT)."""
        deadline = time.monotonic() + RELOAD_WAIT
        while (got := attempt()) != expected:
            if time.monotonic() > deadline:
                self.fail(f"{what}: still {got} after {RELOAD_WAIT} s, expected {expected}\n"
                          + self.server.log_tail(20))
            time.sleep(0.1)

    def await_reload(self, keys):
        """Waits for the log line of the reload that loaded `keys` keys."""
        line = self.server.wait_for_log_line(
            lambda line: f"credentials reloaded from {self.credentials}: {keys} key(s)" in line,
            timeout=RELOAD_WAIT)
        self.assertIsNotNone(line, "no reload logged:\n" + self.server.log_tail(20))

    def test_a_key_added_while_running_starts_working(self):
        self.assertEqual(self.get_object(CAROL), (403, "InvalidAccessKeyId"))
        self.write_keys(ALICE, BOB, CAROL)
        self.await_answer(lambda: self.get_object(CAROL), (200, None), "the added key")
        self.assertEqual(self.get_object(ALICE), (200, None))
        self.assertEqual(self.get_object(BOB), (200, None))

    def test_a_removed_key_stops_working(self):
        self.assertEqual(self.get_object(BOB), (200, None))
        self.write_keys(ALICE)
        self.await_answer(lambda: self.get_object(BOB), (403, "InvalidAccessKeyId"),
                          "the removed key")
        self.assertEqual(self.get_object(ALICE), (200, None))

    def test_a_changed_secret_replaces_the_old_one(self):
        self.write_keys(ALICE, BOB_NEW)
        self.await_answer(lambda: self.get_object(BOB_NEW), (200, None), "the new secret")
        self.assertEqual(self.get_object(BOB), (403, "SignatureDoesNotMatch"))
        self.assertEqual(self.get_object(ALICE), (200, None))

    def test_verified_presigned_urls_stop_working_when_their_key_changes(self):
        bob_url, carol_url, alice_url = (self.presigned_url(key) for key in (BOB, CAROL, ALICE))
        self.assertEqual(self.fetch(carol_url), (403, "InvalidAccessKeyId"))
        self.write_keys(ALICE, BOB, CAROL)
        self.await_answer(lambda: self.fetch(carol_url), (200, None), "the added key's URL")
        # Verified once, a URL is remembered per network thread: fetch them
        # often enough that every thread has them.
        for _ in range(8):
            for url in (bob_url, carol_url, alice_url):
                self.assertEqual(self.fetch(url), (200, None))

        self.write_keys(ALICE, BOB_NEW)  # Carol removed, Bob's secret changed
        self.await_answer(lambda: self.fetch(carol_url), (403, "InvalidAccessKeyId"),
                          "the removed key's URL")
        for _ in range(8):
            self.assertEqual(self.fetch(carol_url), (403, "InvalidAccessKeyId"))
            self.assertEqual(self.fetch(bob_url), (403, "SignatureDoesNotMatch"))
            self.assertEqual(self.fetch(alice_url), (200, None))
        self.assertEqual(self.fetch(self.presigned_url(BOB_NEW)), (200, None))

    def test_a_file_that_does_not_parse_keeps_the_previous_keys(self):
        self.write_file('{"keys": [{"access_key_id": "ROTATIONKEYCAROL0001",')
        line = self.server.wait_for_log_line(
            lambda line: "credentials file changed but cannot be used, keeping the old keys"
            in line, timeout=RELOAD_WAIT)
        self.assertIsNotNone(line, "the bad file was not reported:\n" + self.server.log_tail(20))
        self.assertEqual(json.loads(line)["level"], "error")
        # ... and /metrics says so, for an alert that needs no log search.
        self.assertEqual(self.metric("moss_credentials_file_invalid"), 1)
        self.assertEqual(self.metric("moss_credentials_reload_failures_total"), 1)
        self.assertEqual(self.metric("moss_credentials_reloads_total"), 0)
        self.assertEqual(self.get_object(ALICE), (200, None))
        self.assertEqual(self.get_object(BOB), (200, None))
        self.assertEqual(self.get_object(CAROL), (403, "InvalidAccessKeyId"))
        # A file with no key at all is refused the same way.
        self.write_keys()
        self.assertIsNotNone(self.server.wait_for_log_line(
            lambda line: "keeping the old keys: no keys" in line, timeout=RELOAD_WAIT),
            "the empty key list was not reported:\n" + self.server.log_tail(20))
        self.assertEqual(self.get_object(ALICE), (200, None))
        # Then a good file is taken again.
        self.write_keys(CAROL)
        self.await_reload(1)
        self.assertEqual(self.get_object(CAROL), (200, None))
        self.assertEqual(self.get_object(ALICE), (403, "InvalidAccessKeyId"))
        self.assertEqual(self.metric("moss_credentials_file_invalid"), 0)
        self.assertEqual(self.metric("moss_credentials_reload_failures_total"), 2)
        self.assertEqual(self.metric("moss_credentials_reloads_total"), 1)

    def metric(self, name):
        """The value of an unlabelled metric on /metrics."""
        with urllib.request.urlopen(self.server.endpoint + "/metrics", timeout=10) as r:
            text = r.read().decode()
        self.assertIn(f"# TYPE {name} ", text)
        match = re.search(rf"^{name} (\S+)$", text, re.M)
        self.assertIsNotNone(match, f"{name} missing from /metrics")
        return float(match.group(1))


class DevelopmentKey(unittest.TestCase):
    """No MOSS_* pair, no --credentials: a key pair is generated once."""

    def test_a_first_start_generates_prints_and_keeps_a_development_key(self):
        self.server = MossServer(credentials=False).start()
        self.addCleanup(self.server.cleanup)
        path = os.path.join(self.server.data_dir, "dev-credentials.json")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path) as f:
            [key] = json.load(f)["keys"]
        key_id, secret = key["access_key_id"], key["secret_access_key"]
        printed = self.server.log_text()
        self.assertIn(f"export AWS_ACCESS_KEY_ID={key_id}\n", printed)
        self.assertIn(f"export AWS_SECRET_ACCESS_KEY={secret}\n", printed)
        signer = Signer(access_key=key_id, secret_key=secret)
        self.assertEqual(signed_request(self.server, "PUT", "/dev-key", signer=signer).status, 200)

        # A restart uses the same key and does not print the secret again.
        self.server.restart()
        self.assertEqual(len(re.findall(re.escape(secret), self.server.log_text())), 1)
        self.assertIsNotNone(self.server.wait_for_log_line(
            lambda line: f"using the development key {key_id}" in line))
        self.assertEqual(signed_request(self.server, "GET", "/dev-key", signer=signer).status,
                         200)


if __name__ == "__main__":
    unittest.main()
