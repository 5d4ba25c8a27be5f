"""The audit trail (docs/audit.md) wired into the real server: one read event
per GET of a model (through a tag with boto3, a presigned URL with curl,
`moss pull` by tag), a tag-change event per tag move, the filters of
GET /_moss/v1/audit and `moss audit`, every event on disk after SIGTERM, and
rotation by size that queries still read.
"""
import glob
import hashlib
import json
import os
import subprocess
import tempfile
import time
import unittest
import urllib.parse

from moss_harness import (ACCESS_KEY, MOSS_BINARY, MossServer, MossTestCase, boto3_client,
                          client_env)
import signed_http

MODEL_KEY = "llama/2024-03-20/model.gguf"
BODY = os.urandom(300 * 1024)
BODY_SHA256 = hashlib.sha256(BODY).hexdigest()


def audit_query(server, **params):
    """GET /_moss/v1/audit, signed; returns the parsed document."""
    query = signed_http.query_string(params) if params else ""
    res = signed_http.request(server, "GET", "/_moss/v1/audit", query)
    if res.status != 200:
        raise AssertionError(f"audit query {params}: {res.status} {res.body[:300]!r}")
    return json.loads(res.body)


def events_with(server, request_id, expected=1, **params):
    """The events of one request, polled until `expected` are there (bounded)."""
    deadline = time.monotonic() + 10
    while True:
        events = [e for e in audit_query(server, **params)["events"]
                  if e["request_id"] == request_id]
        if len(events) >= expected or time.monotonic() > deadline:
            return events
        time.sleep(0.05)


def set_up_model(s3, bucket="models"):
    s3.create_bucket(Bucket=bucket)
    put = s3.put_object(Bucket=bucket, Key=MODEL_KEY, Body=BODY)
    s3.put_object(Bucket=bucket, Key="llama/tags/v2", Body=b"2024-03-20/model.gguf")
    s3.put_object(Bucket=bucket, Key="llama/tags/latest", Body=b"v2")
    return put.get("VersionId", "null")


class AuditTrailTest(MossTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.version_id = set_up_model(boto3_client(cls.server))

    def moss(self, *args, env=None):
        proc = subprocess.run([MOSS_BINARY, *args], capture_output=True, text=True,
                              env=client_env(self.server, **(env or {})), timeout=120)
        self.assertEqual(proc.returncode, 0, f"moss {args}: {proc.stdout}\n{proc.stderr}")
        return proc

    def assert_tag_read(self, event, client_id=""):
        self.assertEqual(event["kind"], "read")
        self.assertEqual(event["key_name"], "env")
        self.assertEqual(event["access_key_id"], ACCESS_KEY)
        self.assertTrue(event["remote"].startswith("127.0.0.1"), event["remote"])
        self.assertEqual(event["client_id"], client_id)
        self.assertEqual(event["bucket"], "models")
        self.assertEqual(event["key"], "llama/tags/latest")
        self.assertEqual(event["tag_chain"], ["latest", "v2", "2024-03-20/model.gguf"])
        self.assertEqual(event["resolved_key"], MODEL_KEY)
        self.assertEqual(event["version_id"], self.version_id)
        self.assertEqual(event["sha256"], BODY_SHA256)
        self.assertEqual(event["bytes_sent"], len(BODY))
        self.assertEqual(event["status"], 200)

    def test_get_through_a_tag_leaves_one_read_event(self):
        got = self.s3().get_object(Bucket="models", Key="llama/tags/latest")
        self.assertEqual(hashlib.sha256(got["Body"].read()).hexdigest(), BODY_SHA256)
        request_id = got["ResponseMetadata"]["RequestId"]
        events = events_with(self.server, request_id)
        self.assertEqual(len(events), 1)
        self.assert_tag_read(events[0])

    def test_presigned_get_with_a_client_id_leaves_one_read_event(self):
        url = self.s3().generate_presigned_url(
            "get_object", Params={"Bucket": "models", "Key": "llama/tags/latest"}, ExpiresIn=600)
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "model")
            headers = os.path.join(tmp, "headers")
            subprocess.run(["curl", "-sSf", "-o", out, "-D", headers,
                            "-H", "x-moss-client-id: runner-17", url], check=True, timeout=60)
            with open(out, "rb") as f:
                self.assertEqual(hashlib.sha256(f.read()).hexdigest(), BODY_SHA256)
            with open(headers) as f:
                request_id = [line.split(":", 1)[1].strip() for line in f
                              if line.lower().startswith("x-amz-request-id:")][0]
        events = events_with(self.server, request_id)
        self.assertEqual(len(events), 1)
        self.assert_tag_read(events[0], client_id="runner-17")

    def test_moss_pull_by_tag_leaves_one_read_event(self):
        client_id = "pod-" + os.urandom(4).hex()
        with tempfile.TemporaryDirectory() as tmp:
            self.moss("pull", "llama:latest", tmp + "/", "--no-progress",
                      env={"MOSS_CLIENT_ID": client_id})
        deadline = time.monotonic() + 10
        while True:
            events = [e for e in audit_query(self.server, model="llama", tag="latest")["events"]
                      if e["client_id"] == client_id]
            if events or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        # The pull made a HEAD (which leaves no event) and one GET.
        self.assertEqual(len(events), 1, events)
        self.assert_tag_read(events[0], client_id=client_id)

    def test_a_tag_move_leaves_a_tag_change_event_and_the_filters_select(self):
        s3 = self.s3()
        s3.put_object(Bucket="models", Key="llama/2024-04-01/model.gguf", Body=b"newer")
        moved = s3.put_object(Bucket="models", Key="llama/tags/canary",
                              Body=b"2024-03-20/model.gguf")
        first = events_with(self.server, moved["ResponseMetadata"]["RequestId"], kind="tag-change")
        self.assertEqual(len(first), 1)
        self.assertEqual(first[0]["old_target"], "")
        self.assertEqual(first[0]["new_target"], "2024-03-20/model.gguf")
        res = signed_http.request(self.server, "PUT", "/_moss/v1/tag",
                                  "model=llama&tag=canary",
                                  body=json.dumps({"target": "2024-04-01/model.gguf"}).encode())
        self.assertEqual(res.status, 200, res)
        events = events_with(self.server, res.headers["x-amz-request-id"], kind="tag-change")
        self.assertEqual(len(events), 1)
        event = events[0]
        self.assertEqual(event["kind"], "tag-change")
        self.assertEqual(event["bucket"], "models")
        self.assertEqual(event["key"], "llama/tags/canary")
        self.assertEqual(event["old_target"], "2024-03-20/model.gguf")
        self.assertEqual(event["new_target"], "2024-04-01/model.gguf")
        self.assertEqual(event["status"], 200)
        self.assertEqual(event["access_key_id"], ACCESS_KEY)

        # Filters: a tag the read went through, a model, a key, since.
        got = self.s3().get_object(Bucket="models", Key="llama/tags/latest")
        got["Body"].read()
        request_id = got["ResponseMetadata"]["RequestId"]
        self.assertEqual(len(events_with(self.server, request_id, model="llama", tag="v2")), 1)
        self.assertEqual(len(events_with(self.server, request_id, key="env", since="1h")), 1)
        self.assertEqual(len(events_with(self.server, request_id, key=ACCESS_KEY)), 1)
        self.assertEqual(events_with(self.server, request_id, expected=0, model="mistral"), [])
        self.assertEqual(events_with(self.server, request_id, expected=0, tag="canary"), [])
        self.assertEqual(events_with(self.server, request_id, expected=0, key="nobody"), [])
        future = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        self.assertEqual(events_with(self.server, request_id, expected=0, since=future), [])

        # moss audit agrees with the API.
        api = audit_query(self.server, model="llama", tag="latest", since="1h")
        cli = json.loads(self.moss("audit", "llama:latest", "--since", "1h", "--json").stdout)
        cli_ids = [e["request_id"] for e in cli["events"]]
        self.assertIn(request_id, cli_ids)
        self.assertEqual(cli_ids, [e["request_id"] for e in api["events"]])
        table = self.moss("audit", "llama:latest", "--since", "1h").stdout
        self.assertIn("llama/2024-03-20/model.gguf", table)
        self.assertIn(BODY_SHA256[:12], table)

    def test_a_missing_tag_read_is_recorded_with_its_status(self):
        res = signed_http.request(self.server, "GET", "/models/llama/tags/nope")
        self.assertEqual(res.status, 404)
        events = events_with(self.server, res.headers["x-amz-request-id"])
        self.assertEqual(len(events), 1)
        self.assertEqual(events[0]["status"], 404)
        self.assertEqual(events[0]["bytes_sent"], 0)
        self.assertEqual(events[0]["key"], "llama/tags/nope")

    def test_bad_since_is_refused(self):
        res = signed_http.request(self.server, "GET", "/_moss/v1/audit", "since=yesterday")
        self.assertEqual(res.status, 400)


class AuditDurabilityTest(unittest.TestCase):

    def test_sigterm_leaves_every_event_on_disk_and_rotated_files_are_read(self):
        server = MossServer(extra_args=["--audit-max-file-size", "4KiB"]).start()
        self.addCleanup(server.cleanup)
        s3 = boto3_client(server)
        set_up_model(s3)
        request_ids = []
        for _ in range(40):
            got = s3.get_object(Bucket="models", Key="llama/tags/latest")
            got["Body"].read()
            request_ids.append(got["ResponseMetadata"]["RequestId"])
        audit_dir = os.path.join(server.data_dir, "audit")
        # Rotated by size, and the query reads the rotated files too.
        self.assertGreater(len(glob.glob(os.path.join(audit_dir, "audit-*.jsonl"))), 0)
        answered = audit_query(server, model="llama", kind="read", limit="1000")
        found = {e["request_id"] for e in answered["events"]}
        self.assertTrue(set(request_ids) <= found)
        # SIGTERM right after more reads: all of them are in the files.
        for _ in range(20):
            got = s3.get_object(Bucket="models", Key="llama/tags/latest")
            got["Body"].read()
            request_ids.append(got["ResponseMetadata"]["RequestId"])
        server.stop()
        on_disk = set()
        for path in glob.glob(os.path.join(audit_dir, "*.jsonl")):
            with open(path) as f:
                for line in f:
                    on_disk.add(json.loads(line)["request_id"])
        self.assertEqual(set(request_ids) - on_disk, set())


if __name__ == "__main__":
    unittest.main()
