"""Several moss replicas over one repository (docs/replicas.md): three real
servers on loopback sharing one data directory and one PostgreSQL database
(a throwaway cluster of the test's own, tests/tools/pg-cluster).

What one server guarantees must hold across replicas: a write acknowledged by
one is read by another at once; conditional writes and tag moves racing
through different replicas lose no update, nor do concurrent writes to one
versioned key; a multipart upload may go through all three, and completing it
through two at once makes one object; killing a replica loses nothing
acknowledged and shows nothing partial, and the background work moves to a
survivor, which does it; while the database is down requests fail with 503
and recover by themselves afterwards. A replica reaches the database over TCP
with its password from a file or PGPASSWORD, and one with a wrong password
does not start.
"""

import hashlib
import json
import os
import random
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

from botocore.exceptions import ClientError

import signed_http
from moss_harness import (ACCESS_KEY, REGION, SECRET_KEY, MossServer, PostgresCluster, ReplicaSet,
                          boto3_client, client_env, random_file, sha256_file, which)


def status_of(error):
    return error.response["ResponseMetadata"]["HTTPStatusCode"]


class ReplicaTestCase(unittest.TestCase):
    replicas = 3
    server_args = ("--multipart-sweep-interval", "1s")

    @classmethod
    def setUpClass(cls):
        cls.set = ReplicaSet(cls.replicas, extra_args=cls.server_args)
        cls.addClassCleanup(cls.set.cleanup)

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result else 0
        outcome = super().run(result)
        if result and len(result.failures) + len(result.errors) > before:
            for i, server in enumerate(self.set.servers):
                print(f"\n--- replica {i} log tail ---\n{server.log_tail(30)}\n---")
        return outcome

    def s3(self, i):
        return boto3_client(self.set.servers[i % len(self.set.servers)])

    def bucket(self, name):
        self.s3(0).create_bucket(Bucket=name)
        return name


class ReplicaConsistencyTest(ReplicaTestCase):
    def test_a_write_through_one_replica_is_read_through_the_others_at_once(self):
        bucket = self.bucket("raw")
        for round_ in range(20):
            writer = round_ % 3
            body = os.urandom(1000 + round_)
            self.s3(writer).put_object(Bucket=bucket, Key="k", Body=body)
            for reader in range(3):
                got = self.s3(reader).get_object(Bucket=bucket, Key="k")["Body"].read()
                self.assertEqual(got, body, f"round {round_}, reader {reader}")
        self.s3(1).delete_object(Bucket=bucket, Key="k")
        for reader in range(3):
            with self.assertRaises(ClientError) as e:
                self.s3(reader).get_object(Bucket=bucket, Key="k")
            self.assertEqual(status_of(e.exception), 404)
        self.s3(2).put_object(Bucket=bucket, Key="listed/a", Body=b"a")
        keys = [o["Key"] for o in self.s3(0).list_objects_v2(Bucket=bucket)["Contents"]]
        self.assertEqual(keys, ["listed/a"])

    def test_conditional_writes_from_eight_clients_lose_no_update(self):
        bucket = self.bucket("counter")
        self.s3(0).put_object(Bucket=bucket, Key="n", Body=b"0")
        clients, increments = 8, 6
        errors = []

        def worker(c):
            s3 = self.s3(c)  # round-robin: client c talks to replica c % 3
            done = 0
            try:
                while done < increments:
                    got = s3.get_object(Bucket=bucket, Key="n")
                    value = int(got["Body"].read())
                    try:
                        s3.put_object(Bucket=bucket, Key="n", Body=str(value + 1).encode(),
                                      IfMatch=got["ETag"])
                        done += 1
                    except ClientError as e:
                        if status_of(e) not in (409, 412):
                            raise
            except Exception as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(c,)) for c in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        final = int(self.s3(2).get_object(Bucket=bucket, Key="n")["Body"].read())
        self.assertEqual(final, clients * increments)

    def test_tag_moves_through_different_replicas_lose_no_update(self):
        bucket = self.bucket("models")
        for v in range(3):
            self.s3(v).put_object(Bucket=bucket, Key=f"m/v{v}/weights.bin", Body=b"w%d" % v)
        servers = self.set.servers

        def put_tag(server, target, etag=None):
            headers = {"If-Match": etag} if etag else None
            return signed_http.request(server, "PUT",
                                       signed_http.object_path(bucket, "m/tags/latest"),
                                       headers=headers, body=target.encode())

        def tag_etag(server):
            res = signed_http.request(server, "GET",
                                      signed_http.object_path(bucket, "m/tags/latest"),
                                      query="moss-tag")
            self.assertEqual(res.status, 200, res)
            return res.headers["ETag"], json.loads(res.body)

        first = put_tag(servers[0], "v0/weights.bin")
        self.assertEqual(first.status, 200, first)
        moves = {"count": 0}
        errors = []
        lock = threading.Lock()

        def mover(c):
            try:
                for i in range(5):
                    server = servers[(c + i) % 3]
                    while True:
                        etag, _ = tag_etag(server)
                        res = put_tag(servers[(c + i + 1) % 3], f"v{(c + i) % 3}/weights.bin",
                                      etag)
                        if res.status == 200:
                            with lock:
                                moves["count"] += 1
                            break
                        if res.status not in (409, 412):
                            raise AssertionError(res)
            except Exception as e:
                errors.append(e)

        threads = [threading.Thread(target=mover, args=(c,)) for c in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        # Every successful If-Match move is one history entry: none was lost.
        self.assertEqual(moves["count"], 40)
        res = signed_http.request(servers[2], "GET", "/_moss/v1/tag/history",
                                  signed_http.query_string({"bucket": bucket, "model": "m",
                                                            "tag": "latest", "limit": "1000"}))
        self.assertEqual(res.status, 200, res)
        self.assertEqual(len(json.loads(res.body)["history"]), 1 + moves["count"])

    def test_a_multipart_upload_spread_over_three_replicas(self):
        bucket = self.bucket("multi")
        created = self.s3(0).create_multipart_upload(Bucket=bucket, Key="big")
        upload_id = created["UploadId"]
        parts, whole = [], b""
        for number in (1, 2, 3):
            body = os.urandom(5 * 1024 * 1024 if number < 3 else 1234)
            whole += body
            res = self.s3(number).upload_part(Bucket=bucket, Key="big", UploadId=upload_id,
                                              PartNumber=number, Body=body)
            parts.append({"PartNumber": number, "ETag": res["ETag"]})
        listed = self.s3(2).list_parts(Bucket=bucket, Key="big", UploadId=upload_id)
        self.assertEqual([p["PartNumber"] for p in listed["Parts"]], [1, 2, 3])
        self.s3(2).complete_multipart_upload(Bucket=bucket, Key="big", UploadId=upload_id,
                                             MultipartUpload={"Parts": parts})
        for reader in range(3):
            got = self.s3(reader).get_object(Bucket=bucket, Key="big")["Body"].read()
            self.assertEqual(hashlib.sha256(got).digest(), hashlib.sha256(whole).digest())


    def versioned_bucket(self, name):
        self.bucket(name)
        self.s3(0).put_bucket_versioning(Bucket=name,
                                         VersioningConfiguration={"Status": "Enabled"})
        return name

    def test_one_upload_completed_through_two_replicas_at_once_makes_one_object(self):
        # The loser of the race either found the upload gone before it began
        # and is answered as a retried completion (the winner's ETag and
        # version), or began first and finds it gone as it commits:
        # NoSuchUpload (complete_multipart_upload.cpp). Never a second object.
        bucket = self.versioned_bucket("racing-completions")
        for round_ in range(6):
            key = f"big{round_}"
            upload_id = self.s3(0).create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
            parts, whole = [], b""
            for number in (1, 2):
                body = os.urandom(5 * 1024 * 1024 if number == 1 else 777 + round_)
                whole += body
                res = self.s3(number).upload_part(Bucket=bucket, Key=key, UploadId=upload_id,
                                                  PartNumber=number, Body=body)
                parts.append({"PartNumber": number, "ETag": res["ETag"]})
            start = threading.Barrier(2)
            outcomes = [None, None]
            clients = [self.s3(0), self.s3(1)]

            def complete(i):
                s3 = clients[i]
                start.wait()
                try:
                    res = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                                       MultipartUpload={"Parts": parts})
                    outcomes[i] = ("ok", res["ETag"], res["VersionId"])
                except ClientError as e:
                    outcomes[i] = ("error", status_of(e), e.response["Error"]["Code"])

            threads = [threading.Thread(target=complete, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            successes = {o for o in outcomes if o[0] == "ok"}
            self.assertEqual(len(successes), 1, f"round {round_}: {outcomes}")
            for o in outcomes:
                if o[0] == "error":
                    self.assertEqual(o[1:], (404, "NoSuchUpload"), f"round {round_}")
            (_, etag, version_id), = successes
            versions = self.s3(2).list_object_versions(Bucket=bucket, Prefix=key)
            self.assertEqual([(v["Key"], v["VersionId"], v["ETag"])
                              for v in versions.get("Versions", [])],
                             [(key, version_id, etag)], f"round {round_}")
            self.assertNotIn("DeleteMarkers", versions)
            for reader in range(3):
                got = self.s3(reader).get_object(Bucket=bucket, Key=key)["Body"].read()
                self.assertEqual(hashlib.sha256(got).digest(), hashlib.sha256(whole).digest())

    def test_concurrent_puts_to_one_versioned_key_through_three_replicas_keep_every_version(self):
        bucket = self.versioned_bucket("racing-versions")
        writes = 24
        bodies = [os.urandom(1000 + i) for i in range(writes)]
        start = threading.Barrier(writes)
        version_of = [None] * writes
        errors = []
        clients = [self.s3(i) for i in range(writes)]  # round-robin: write i through replica i % 3

        def put(i):
            s3 = clients[i]
            start.wait()
            try:
                version_of[i] = s3.put_object(Bucket=bucket, Key="k", Body=bodies[i])["VersionId"]
            except Exception as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=put, args=(i,)) for i in range(writes)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(set(version_of)), writes, "every write made a version of its own")
        versions = []
        for page in self.s3(1).get_paginator("list_object_versions").paginate(Bucket=bucket):
            versions += page.get("Versions", [])
        self.assertEqual(sorted(v["VersionId"] for v in versions), sorted(version_of))
        latest = [v["VersionId"] for v in versions if v["IsLatest"]]
        self.assertEqual(len(latest), 1, versions)
        expected = bodies[version_of.index(latest[0])]
        for reader in range(3):
            got = self.s3(reader).get_object(Bucket=bucket, Key="k")
            self.assertEqual(got["VersionId"], latest[0])
            self.assertEqual(got["Body"].read(), expected)


class ReplicaFailureTest(ReplicaTestCase):
    # A short upload expiry, so that the takeover shows in what a survivor
    # does: it aborts an idle upload no one else is left to abort.
    server_args = ("--multipart-sweep-interval", "1s", "--multipart-expiry", "5s")

    def background_holder(self):
        """The replica whose log says it runs the background work, if one does."""
        holders = [i for i, s in enumerate(self.set.servers)
                   if s.process and "now runs the background work" in s.log_text()]
        return holders

    def test_a_killed_replica_loses_nothing_and_the_background_lock_moves(self):
        bucket = self.bucket("crash")
        deadline = time.time() + 30
        while not self.background_holder() and time.time() < deadline:
            time.sleep(0.1)
        holders = self.background_holder()
        self.assertEqual(len(holders), 1, "exactly one replica runs the background work")
        victim = holders[0]
        survivors = [i for i in range(3) if i != victim]

        acknowledged = {}
        lock = threading.Lock()
        stop = threading.Event()

        def writer(w):
            s3 = boto3_client(self.set.servers[victim if w % 2 == 0 else survivors[w % 2]])
            n = 0
            while not stop.is_set():
                key = f"w{w}/{n}"
                body = hashlib.sha256(key.encode()).digest() * random.randint(1, 400)
                try:
                    s3.put_object(Bucket=bucket, Key=key, Body=body)
                except Exception:  # the victim died under it: not acknowledged
                    if w % 2 == 0:
                        return
                    raise
                with lock:
                    acknowledged[key] = body
                n += 1

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        while len(acknowledged) < 40:
            time.sleep(0.05)
        self.set.servers[victim].kill()  # SIGKILL in the middle of writes
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()

        reader = boto3_client(self.set.servers[survivors[0]])
        for key, body in acknowledged.items():
            got = reader.get_object(Bucket=bucket, Key=key)["Body"].read()
            self.assertEqual(got, body, key)
        # Nothing partial: every listed object reads whole (its size and its
        # content hash agree with what its key says it holds).
        paginator = reader.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket):
            for o in page.get("Contents", []):
                got = reader.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
                self.assertEqual(len(got), o["Size"])
                unit = hashlib.sha256(o["Key"].encode()).digest()
                self.assertEqual(got, unit * (len(got) // len(unit)), o["Key"])
        # The survivors keep serving, and one of them takes the background work.
        boto3_client(self.set.servers[survivors[1]]).put_object(Bucket=bucket, Key="after",
                                                                 Body=b"x")
        deadline = time.time() + 60
        while time.time() < deadline:
            if any("now runs the background work" in self.set.servers[i].log_text()
                   for i in survivors):
                break
            time.sleep(0.2)
        self.assertTrue(any("now runs the background work" in self.set.servers[i].log_text()
                            for i in survivors), "no survivor took over the background work")
        # And does it: an upload begun after the kill, so only a survivor can
        # expire it, goes once it has been idle past the expiry.
        first, second = (boto3_client(self.set.servers[i]) for i in survivors)
        upload_id = first.create_multipart_upload(Bucket=bucket, Key="idle")["UploadId"]

        def listed_uploads():
            return [u["UploadId"] for u in second.list_multipart_uploads(Bucket=bucket)
                    .get("Uploads", [])]

        self.assertEqual(listed_uploads(), [upload_id])
        deadline = time.time() + 60
        while listed_uploads() and time.time() < deadline:
            time.sleep(0.2)
        self.assertEqual(listed_uploads(), [], "no survivor expired the idle upload")
        with self.assertRaises(ClientError) as e:
            first.list_parts(Bucket=bucket, Key="idle", UploadId=upload_id)
        self.assertEqual(e.exception.response["Error"]["Code"], "NoSuchUpload")

    def test_requests_fail_with_503_while_the_database_is_down_and_recover(self):
        # Replicas still running (another test in this class kills one).
        alive = [s for s in self.set.servers if s.process]
        self.assertGreaterEqual(len(alive), 2)
        bucket = "outage"
        boto3_client(alive[0]).create_bucket(Bucket=bucket)
        s3 = boto3_client(alive[1])
        s3.put_object(Bucket=bucket, Key="before", Body=b"b")
        self.set.postgres.stop()
        try:
            with self.assertRaises(ClientError) as e:
                s3.put_object(Bucket=bucket, Key="during", Body=b"d")
            self.assertEqual(status_of(e.exception), 503)
            with self.assertRaises(ClientError) as e:
                s3.get_object(Bucket=bucket, Key="before")
            self.assertEqual(status_of(e.exception), 503)
            with self.assertRaises(urllib.error.HTTPError) as ready:
                urllib.request.urlopen(alive[1].endpoint + "/readyz", timeout=5)
            self.assertEqual(ready.exception.code, 503)
            self.assertIn(b"metadata store", ready.exception.read())
        finally:
            self.set.postgres.start()
        # Recovers by itself: no replica restarted.
        deadline = time.time() + 60
        while True:
            try:
                s3.put_object(Bucket=bucket, Key="after", Body=b"a")
                break
            except ClientError as e:
                if status_of(e) != 503 or time.time() > deadline:
                    raise
                time.sleep(0.2)
        for server in alive:
            reader = boto3_client(server)
            self.assertEqual(reader.get_object(Bucket=bucket, Key="before")["Body"].read(), b"b")
            self.assertEqual(reader.get_object(Bucket=bucket, Key="after")["Body"].read(), b"a")
            with self.assertRaises(ClientError) as e:
                reader.get_object(Bucket=bucket, Key="during")
            self.assertEqual(status_of(e.exception), 404)
            with urllib.request.urlopen(server.endpoint + "/readyz", timeout=5) as r:
                self.assertEqual(r.status, 200)


class ReplicaGarbageCollectionTest(ReplicaTestCase):
    """A released blob stays until the collection, on the replica with the
    background lock, finds it unreferenced past the grace period (0s here);
    a referenced one is never removed."""
    replicas = 2
    server_args = ("--blob-gc-grace", "0s", "--blob-gc-interval", "1s")

    def blob_files(self):
        names = set()
        for root, _, files in os.walk(os.path.join(self.set.data_dir, "blobs")):
            names.update(files)
        return names

    def test_released_blobs_are_collected_and_referenced_ones_kept(self):
        s3a, s3b = self.s3(0), self.s3(1)
        s3a.create_bucket(Bucket="gc-bucket")
        old, new = os.urandom(5000), os.urandom(6000)
        old_sha, new_sha = hashlib.sha256(old).hexdigest(), hashlib.sha256(new).hexdigest()
        s3a.put_object(Bucket="gc-bucket", Key="k", Body=old)
        s3b.put_object(Bucket="gc-bucket", Key="k", Body=new)  # releases the old blob
        deadline = time.time() + 60
        while old_sha in self.blob_files() and time.time() < deadline:
            time.sleep(0.2)
        files = self.blob_files()
        self.assertNotIn(old_sha, files, "the released blob was never collected")
        self.assertIn(new_sha, files)
        for i in range(2):
            self.assertEqual(self.s3(i).get_object(Bucket="gc-bucket", Key="k")["Body"].read(), new)


class ReplicaCacheTest(ReplicaTestCase):
    """No cache of one replica serves what another replica changed
    (docs/replicas.md#caches): replica B has the old state hot (read it many
    times, so any version, verified-URL or descriptor cache holds it), then
    replica A changes it, and B's very next answer is the new state. Blob
    collection runs every second with no grace, so released blobs really go
    while B may still hold descriptors of them."""
    replicas = 2
    server_args = ("--blob-gc-grace", "0s", "--blob-gc-interval", "1s")

    def setUp(self):
        self.a, self.b = self.s3(0), self.s3(1)

    def warm(self, bucket, key, body, times=5):
        for _ in range(times):
            self.assertEqual(self.b.get_object(Bucket=bucket, Key=key)["Body"].read(), body)
            self.assertEqual(self.b.head_object(Bucket=bucket, Key=key)["ContentLength"],
                             len(body))

    def blob_exists(self, sha):
        return os.path.exists(os.path.join(self.set.data_dir, "blobs", sha[:2], sha))

    def wait_collected(self, sha):
        deadline = time.time() + 60
        while self.blob_exists(sha) and time.time() < deadline:
            time.sleep(0.2)
        self.assertFalse(self.blob_exists(sha), "the released blob was never collected")

    def test_an_overwrite_through_a_is_what_b_serves_next(self):
        bucket = self.bucket("cache-overwrite")
        body = os.urandom(3000)
        self.a.put_object(Bucket=bucket, Key="k", Body=body)
        for round_ in range(10):
            self.warm(bucket, "k", body)
            body = os.urandom(3000 + 7 * (round_ + 1))  # another size and ETag each round
            etag = self.a.put_object(Bucket=bucket, Key="k", Body=body)["ETag"]
            head = self.b.head_object(Bucket=bucket, Key="k")
            self.assertEqual((head["ETag"], head["ContentLength"]), (etag, len(body)),
                             f"round {round_}")
            got = self.b.get_object(Bucket=bucket, Key="k", Range="bytes=0-99")["Body"].read()
            self.assertEqual(got, body[:100], f"round {round_}")
            self.assertEqual(self.b.get_object(Bucket=bucket, Key="k")["Body"].read(), body)

    def test_a_delete_through_a_is_a_404_on_b_at_once(self):
        bucket = self.bucket("cache-delete")
        for round_ in range(5):
            body = os.urandom(2000 + round_)
            self.a.put_object(Bucket=bucket, Key="k", Body=body)
            self.warm(bucket, "k", body)
            self.a.delete_object(Bucket=bucket, Key="k")
            with self.assertRaises(ClientError) as e:
                self.b.get_object(Bucket=bucket, Key="k")
            self.assertEqual(status_of(e.exception), 404, f"round {round_}")
            with self.assertRaises(ClientError) as e:
                self.b.head_object(Bucket=bucket, Key="k")
            self.assertEqual(status_of(e.exception), 404, f"round {round_}")

    def test_a_tag_moved_through_a_resolves_to_the_new_target_on_b(self):
        bucket = self.bucket("cache-tags")
        weights = {v: os.urandom(1500 + v) for v in range(4)}
        for v, body in weights.items():
            self.a.put_object(Bucket=bucket, Key=f"m/v{v}/weights.bin", Body=body)
        server_a, server_b = self.set.servers
        tag_path = signed_http.object_path(bucket, "m/tags/latest")
        for round_ in range(8):
            v = round_ % 4
            res = signed_http.request(server_a, "PUT", tag_path, body=f"v{v}/weights.bin".encode())
            self.assertEqual(res.status, 200, res)
            for _ in range(3):  # the first read and the hot ones
                got = signed_http.request(server_b, "GET", tag_path)
                self.assertEqual(got.status, 200, got)
                self.assertEqual(got.body, weights[v], f"round {round_}")
        res = signed_http.request(server_a, "DELETE", tag_path)
        self.assertIn(res.status, (200, 204), res)
        self.assertEqual(signed_http.request(server_b, "GET", tag_path).status, 404)

    def test_a_presigned_url_used_on_b_serves_the_state_a_left(self):
        bucket = self.bucket("cache-presigned")
        first, second = os.urandom(4000), os.urandom(4100)
        self.a.put_object(Bucket=bucket, Key="k", Body=first)
        url = self.b.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"},
                                            ExpiresIn=600)

        def fetch():
            try:
                with urllib.request.urlopen(url, timeout=30) as r:
                    return r.status, r.read()
            except urllib.error.HTTPError as e:
                return e.code, e.read()

        for _ in range(5):  # verified once, then from B's cache of verified URLs
            self.assertEqual(fetch(), (200, first))
        self.a.put_object(Bucket=bucket, Key="k", Body=second)
        self.assertEqual(fetch(), (200, second))
        self.a.delete_object(Bucket=bucket, Key="k")
        status, body = fetch()
        self.assertEqual(status, 404)
        self.assertIn(b"NoSuchKey", body)

    def test_a_blob_collected_while_b_streams_it_serves_its_own_bytes_or_fails_cleanly(self):
        bucket = self.bucket("cache-fds")
        old, new = os.urandom(8 * 1024 * 1024), os.urandom(8 * 1024 * 1024 + 1)
        old_sha = hashlib.sha256(old).hexdigest()
        self.a.put_object(Bucket=bucket, Key="big", Body=old)
        self.assertEqual(self.b.get_object(Bucket=bucket, Key="big")["Body"].read(), old)
        stream = self.b.get_object(Bucket=bucket, Key="big")["Body"]
        received = stream.read(64 * 1024)
        self.a.put_object(Bucket=bucket, Key="big", Body=new)  # releases the old blob
        self.wait_collected(old_sha)
        try:
            received += stream.read()
            self.assertEqual(received, old, "a stream begun before the overwrite")
        except Exception:  # cut short: fine, as long as what came was the old bytes
            self.assertEqual(received, old[:len(received)])
        self.assertEqual(self.b.get_object(Bucket=bucket, Key="big")["Body"].read(), new)
        # The same bytes stored again (a new file), and removed again: B
        # serves them while they are referenced and 404 once they are not,
        # whatever descriptor of the first file it may still hold.
        self.a.put_object(Bucket=bucket, Key="again", Body=old)
        self.assertEqual(self.b.get_object(Bucket=bucket, Key="again")["Body"].read(), old)
        self.a.delete_object(Bucket=bucket, Key="again")
        self.wait_collected(old_sha)
        with self.assertRaises(ClientError) as e:
            self.b.get_object(Bucket=bucket, Key="again")
        self.assertEqual(status_of(e.exception), 404)
        self.a.put_object(Bucket=bucket, Key="third", Body=old)
        self.assertTrue(self.blob_exists(old_sha))
        self.assertEqual(self.b.get_object(Bucket=bucket, Key="third")["Body"].read(), old)


class ReplicaPasswordTest(ReplicaTestCase):
    """A replica reaching the database over TCP, where the test cluster wants
    a password (tests/tools/pg-cluster), and given it the ways a deployment
    does: a mounted file (--metadata-password-file) or PGPASSWORD beside
    MOSS_METADATA. Replica 0 uses the socket, which needs none: what a TCP
    replica writes, it reads, so both are on the one database."""
    replicas = 1

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="moss-password-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.assertNotIn("password", self.set.postgres.tcp_dsn.split("@")[0].lower())

    def password_file(self, text):
        path = os.path.join(self.tmp, "password")
        with open(path, "w") as f:
            f.write(text + "\n")  # as a mounted secret often ends
        return path

    def assert_shares_the_database(self, server, bucket):
        s3 = boto3_client(server)
        s3.create_bucket(Bucket=bucket)
        body = os.urandom(2048)
        s3.put_object(Bucket=bucket, Key="k", Body=body)
        self.assertEqual(s3.get_object(Bucket=bucket, Key="k")["Body"].read(), body)
        self.assertEqual(self.s3(0).get_object(Bucket=bucket, Key="k")["Body"].read(), body)

    def test_a_tcp_dsn_with_the_password_in_a_file(self):
        server = self.set.add(["--metadata", self.set.postgres.tcp_dsn,
                               "--metadata-password-file",
                               self.password_file(PostgresCluster.PASSWORD)])
        self.assert_shares_the_database(server, "password-file")

    def test_moss_metadata_from_the_environment_with_pgpassword(self):
        server = self.set.add([], env={"MOSS_METADATA": self.set.postgres.tcp_dsn,
                                       "PGPASSWORD": PostgresCluster.PASSWORD})
        self.assert_shares_the_database(server, "password-env")

    def test_a_wrong_password_file_stops_the_replica_saying_why(self):
        server = MossServer(data_dir=self.set.data_dir, extra_args=[
            "--metadata", self.set.postgres.tcp_dsn,
            "--metadata-password-file", self.password_file("not-the-password")])
        self.addCleanup(server.cleanup)
        with self.assertRaises(RuntimeError) as refused:
            server.start()
        self.assertIn("moss exited with", str(refused.exception))
        line = server.wait_for_log_line(lambda l: "cannot open the store" in l)
        self.assertIsNotNone(line, server.log_tail())
        self.assertIn("password authentication failed", line)


class ReplicaPairClientsTest(ReplicaTestCase):
    """The real clients' basic operations against a pair of replicas: what one
    replica writes, the other lists and serves."""
    replicas = 2

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="moss-pair-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.a, self.b = self.set.servers

    def test_boto3(self):
        from boto3.s3.transfer import TransferConfig
        s3a, s3b = boto3_client(self.a), boto3_client(self.b)
        s3a.create_bucket(Bucket="boto3-pair")
        self.assertIn("boto3-pair", [b["Name"] for b in s3b.list_buckets()["Buckets"]])
        src = random_file(self.tmp, 12 * 1024 * 1024)
        config = TransferConfig(multipart_threshold=5 * 1024 * 1024,
                                multipart_chunksize=5 * 1024 * 1024)
        s3a.upload_file(src, "boto3-pair", "model.bin", Config=config)
        dst = os.path.join(self.tmp, "down.bin")
        s3b.download_file("boto3-pair", "model.bin", dst)
        self.assertEqual(sha256_file(dst), sha256_file(src))
        s3b.copy_object(Bucket="boto3-pair", Key="copy.bin",
                        CopySource={"Bucket": "boto3-pair", "Key": "model.bin"})
        keys = [o["Key"] for o in s3a.list_objects_v2(Bucket="boto3-pair")["Contents"]]
        self.assertEqual(keys, ["copy.bin", "model.bin"])
        s3a.delete_objects(Bucket="boto3-pair",
                           Delete={"Objects": [{"Key": "copy.bin"}, {"Key": "model.bin"}]})
        self.assertEqual(s3b.list_objects_v2(Bucket="boto3-pair")["KeyCount"], 0)
        s3b.delete_bucket(Bucket="boto3-pair")

    def aws(self, server, *args):
        aws = which("aws", "/usr/bin/aws")
        self.assertTrue(aws, "aws-cli is required (scripts/install-deps --test installs it)")
        proc = subprocess.run([aws, "--endpoint-url", server.endpoint, *args],
                              env=client_env(server), capture_output=True,
                              text=True, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        return proc.stdout

    def test_aws_cli(self):
        self.aws(self.a, "s3", "mb", "s3://cli-pair")
        src = random_file(self.tmp, 20 * 1024 * 1024)  # aws-cli goes multipart past 8 MiB
        self.aws(self.a, "s3", "cp", src, "s3://cli-pair/dir/model.bin")
        self.assertIn("model.bin", self.aws(self.b, "s3", "ls", "s3://cli-pair/dir/"))
        dst = os.path.join(self.tmp, "down.bin")
        self.aws(self.b, "s3", "cp", "s3://cli-pair/dir/model.bin", dst)
        self.assertEqual(sha256_file(dst), sha256_file(src))
        self.aws(self.b, "s3", "rm", "--recursive", "s3://cli-pair/")
        self.assertEqual(self.aws(self.a, "s3", "ls", "s3://cli-pair/").strip(), "")

    def rclone(self, server, *args):
        rclone = which("rclone", "/usr/bin/rclone")
        self.assertTrue(rclone, "rclone is required (scripts/install-deps --test installs it)")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "RCLONE_CONFIG": os.path.join(self.tmp, "rclone.conf"),
            "RCLONE_CONFIG_MOSS_TYPE": "s3",
            "RCLONE_CONFIG_MOSS_PROVIDER": "Other",
            "RCLONE_CONFIG_MOSS_ENDPOINT": server.endpoint,
            "RCLONE_CONFIG_MOSS_ACCESS_KEY_ID": ACCESS_KEY,
            "RCLONE_CONFIG_MOSS_SECRET_ACCESS_KEY": SECRET_KEY,
            "RCLONE_CONFIG_MOSS_REGION": REGION,
            "RCLONE_CONFIG_MOSS_FORCE_PATH_STYLE": "true",
        })
        proc = subprocess.run([rclone, "--retries", "1", "--low-level-retries", "1", *args],
                              env=env, capture_output=True, text=True, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        return proc.stdout

    def test_rclone(self):
        source = os.path.join(self.tmp, "source")
        os.mkdir(source)
        big = random_file(source, 9 * 1024 * 1024, "big.bin")
        random_file(source, 3000, "small.bin")
        self.rclone(self.a, "mkdir", "moss:rclone-pair")
        self.rclone(self.a, "copy", "--s3-chunk-size", "5M", "--s3-upload-cutoff", "5M",
                    source, "moss:rclone-pair/m")
        listed = json.loads(self.rclone(self.b, "lsjson", "--recursive", "moss:rclone-pair/m"))
        self.assertEqual(sorted(e["Name"] for e in listed), ["big.bin", "small.bin"])
        down = os.path.join(self.tmp, "down")
        self.rclone(self.b, "copy", "moss:rclone-pair/m", down)
        self.assertEqual(sha256_file(os.path.join(down, "big.bin")), sha256_file(big))
        self.rclone(self.b, "check", source, "moss:rclone-pair/m")


if __name__ == "__main__":
    unittest.main()
