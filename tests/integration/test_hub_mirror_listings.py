"""Listings of a cold mirror and the revision-name cache (docs/hub-mirror.md).

A mirror that holds nothing of a repo answers model info, tree and paths-info
from the upstream's revision listing (its commit, sizes, LFS SHA-256s),
without fetching a file, so @huggingface/hub's snapshotDownload, listFiles and
modelInfo work against it; the files come on first request, once each (the
upstream's access log). A file stored then serves the upstream commit as
X-Repo-Commit, even while the mirror holds only part of the revision. A key
that may not read gets 403 and causes no upstream request. A branch name is
asked upstream once per --hf-revision-ttl, however many clients ask, and a
moved branch is seen after it.
"""
import concurrent.futures
import json
import os
import subprocess
import tempfile
import time

from moss_harness import SOURCE_DIR, MossServer, client_env, node_with_package
from test_hub_mirror import (MODEL, READER_TOKEN, REPO, UPSTREAM_TOKEN, MirrorFixture,
                             credentials_document, file_downloads, hub_get, write_json)

LISTER_TOKEN = "hf_mirror_lister_token_00000001"


def upstream_requests(server, operation, key_prefix):
    """Requests of `operation` on keys under `key_prefix` in `server`'s access log
    (flushed once a second: wait for it first)."""
    time.sleep(2.5)
    count = 0
    for line in server.log_text().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if (entry.get("logger") == "access" and entry.get("operation") == operation
                and entry.get("key", "").startswith(key_prefix)):
            count += 1
    return count


class ColdMirrorListingTest(MirrorFixture):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The mirror's keys: the reader, and one that may list but not read.
        document = credentials_document()
        document["keys"].append({
            "access_key_id": "MIRRORLISTER0001", "secret_access_key": "mirror-lister-secret-01",
            "name": "lister", "tokens": [LISTER_TOKEN],
            "policy": {"Statement": [{"Effect": "Allow", "Action": ["s3:ListBucket"],
                                      "Resource": ["arn:aws:s3:::models"]}]}})
        cls.mirror_creds = write_json(cls.tmp, "mirror-credentials.json", document)

    def node(self, mirror, command, **args):
        node = node_with_package("@huggingface/hub")
        env = dict(os.environ, HF_ENDPOINT=mirror.endpoint, HF_TOKEN=READER_TOKEN)
        script = os.path.join(SOURCE_DIR, "tests", "js", "hub_client.mjs")
        proc = subprocess.run([node, script, command, json.dumps({"repo": REPO, **args})],
                              env=env, capture_output=True, text=True, timeout=300)
        out = json.loads(proc.stdout)
        self.assertNotIn("error", out, (out, proc.stderr[-2000:]))
        return out["result"]

    def upstream_commit(self):
        status, _, body = hub_get(self.upstream, f"/api/models/{REPO}/revision/main",
                                  token=UPSTREAM_TOKEN)
        self.assertEqual(status, 200, body)
        return json.loads(body)["sha"]

    def test_1_hub_clients_list_and_download_a_cold_mirror(self):
        commit = self.upstream_commit()
        mirror = self.start_mirror()
        self.addCleanup(mirror.cleanup)
        before = {n: file_downloads(self.upstream, len(d)) for n, d in MODEL.items()}
        info = self.node(mirror, "model", revision="main")
        self.assertEqual(info["sha"], commit)
        self.assertEqual(sorted(s["rfilename"] for s in info["siblings"]), sorted(MODEL))
        entries = self.node(mirror, "list", revision="main", recursive=True)
        self.assertEqual({e["path"]: (e["size"], e["lfs"]["oid"]) for e in entries},
                         {n: (len(d), sha(d)) for n, d in MODEL.items()})
        # Listing fetched no file.
        for n, d in MODEL.items():
            self.assertEqual(file_downloads(self.upstream, len(d)) - before[n], 0, n)

        # One file stored: the mirror holds part of the revision. The file
        # serves the upstream commit, and the listing still shows every file.
        name = "config.json"
        status, headers, body = hub_get(mirror, f"/{REPO}/resolve/main/{name}")
        self.assertEqual((status, body), (200, MODEL[name]))
        status, headers, body = hub_get(mirror, f"/{REPO}/resolve/main/{name}")
        self.assertEqual((status, headers.get("X-Repo-Commit")), (200, commit))
        status, headers, body = hub_get(mirror, f"/api/models/{REPO}/tree/main")
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("X-Repo-Commit"), commit)
        self.assertEqual(sorted(e["path"] for e in json.loads(body)), sorted(MODEL))
        paths = self.node(mirror, "paths", revision="main", paths=list(MODEL))
        self.assertEqual(sorted(p["path"] for p in paths), sorted(MODEL))

        cache = tempfile.mkdtemp(dir=self.tmp)
        result = self.node(mirror, "snapshot", revision="main", cacheDir=cache,
                           expect=list(MODEL))
        self.assertEqual(result["files"], {n: sha(d) for n, d in MODEL.items()})
        self.assertTrue(result["folder"].endswith(commit), result["folder"])
        for n, d in MODEL.items():
            self.assertEqual(file_downloads(self.upstream, len(d)) - before[n], 1, n)
        # Held whole now: the same answer from the store.
        info = self.node(mirror, "model", revision="main")
        self.assertEqual(info["sha"], commit)

    def test_2_a_key_that_may_not_read_is_refused_without_asking_the_upstream(self):
        mirror = self.start_mirror()
        self.addCleanup(mirror.cleanup)
        asked = upstream_requests(self.upstream, "HubModelInfo", REPO + "/")
        for path in (f"/api/models/{REPO}", f"/api/models/{REPO}/revision/main",
                     f"/api/models/{REPO}/tree/main"):
            status, _, body = hub_get(mirror, path, token=LISTER_TOKEN)
            self.assertEqual(status, 403, (path, body))
        self.assertEqual(upstream_requests(self.upstream, "HubModelInfo", REPO + "/"), asked)


class RevisionNameCacheTest(MirrorFixture):
    MOVING = "acme/moving"

    def push_upstream(self, content):
        source = tempfile.mkdtemp(dir=self.tmp)
        with open(os.path.join(source, "config.json"), "wb") as f:
            f.write(content)
        self.run_moss(self.upstream, "push", self.MOVING, source + "/", "--tag", "latest")

    def test_main_is_asked_once_per_ttl_and_a_moved_branch_is_seen_after_it(self):
        self.push_upstream(b'{"version": 1}\n')
        ttl = 10
        mirror = self.start_mirror("--hf-revision-ttl", f"{ttl}s")
        self.addCleanup(mirror.cleanup)
        asked = upstream_requests(self.upstream, "HubModelInfo", self.MOVING + "/")
        path = f"/api/models/{self.MOVING}/revision/main"
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: hub_get(mirror, path), range(8)))
        answers += [hub_get(mirror, path) for _ in range(4)]
        commits = {json.loads(body)["sha"] for status, _, body in answers if status == 200}
        self.assertEqual(len(commits), 1, answers[:2])
        self.assertEqual(len(answers), 12)
        self.assertEqual(upstream_requests(self.upstream, "HubModelInfo", self.MOVING + "/")
                         - asked, 1)
        # The branch moves upstream; once the TTL is over, the mirror sees it.
        self.push_upstream(b'{"version": 2}\n')
        time.sleep(ttl + 0.5)
        status, _, body = hub_get(mirror, path)
        self.assertEqual(status, 200, body)
        moved = json.loads(body)["sha"]
        self.assertNotIn(moved, commits)
        status, _, body = hub_get(mirror, f"/{self.MOVING}/resolve/main/config.json")
        self.assertEqual((status, body), (200, b'{"version": 2}\n'))


def sha(data):
    import hashlib
    return hashlib.sha256(data).hexdigest()


if __name__ == "__main__":
    import unittest
    unittest.main()
