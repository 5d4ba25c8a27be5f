"""Durability: what moss acknowledged survives kill -9; what it did not
acknowledge is either absent or whole, never partial; a restart leaves no
temporary file and no blob that no object references; concurrent writers of
one key leave exactly one winner; identical bodies are stored once."""
import hashlib
import os
import random
import sys
import threading
import time
import unittest

from moss_harness import MossServer, boto3_client
from s3_wire import (UNSIGNED, RawConnection, S3Assertions, Signer, blob_files, request_bytes,
                     signed_request, temp_files)


def body_for(seed, size):
    """Deterministic bytes, different for every seed."""
    block = hashlib.sha512(str(seed).encode()).digest() * 128  # 8 KiB
    return (block * (size // len(block) + 1))[:size]


class Durability(S3Assertions, unittest.TestCase):
    def setUp(self):
        self.server = MossServer().start()
        self.s3 = boto3_client(self.server)
        self.s3.create_bucket(Bucket="durable")

    def tearDown(self):
        self.server.cleanup()

    def restart_after_kill(self):
        self.server.kill()
        self.server.start()
        self.s3 = boto3_client(self.server)

    def live_objects(self):
        """key -> sha256 of the bytes a GET returns, for every listed object."""
        out = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket="durable"):
            for item in page.get("Contents", []):
                body = self.s3.get_object(Bucket="durable", Key=item["Key"])["Body"].read()
                self.assertEqual(len(body), item["Size"], item["Key"])
                out[item["Key"]] = hashlib.sha256(body).hexdigest()
        return out

    def assertNoOrphans(self, live):
        """Every blob file is referenced by a live object and vice versa (blob
        files are named by the SHA-256 of their bytes)."""
        self.assertEqual(temp_files(self.server), [])
        self.assertEqual(sorted(set(blob_files(self.server))), sorted(set(live.values())))

    def test_acknowledged_puts_survive_kill_9(self):
        rng = random.Random(1)
        expected = {}
        for i in range(40):
            size = rng.choice([0, 1, 100, 8191, 65536, 1 << 20, 3 << 20])
            body = body_for(("ack", i), size)
            key = f"obj-{i:03d}"
            self.s3.put_object(Bucket="durable", Key=key, Body=body)
            expected[key] = hashlib.sha256(body).hexdigest()
        # Overwrites and deletes are acknowledged too.
        for i in range(0, 40, 5):
            body = body_for(("overwrite", i), 5000 + i)
            self.s3.put_object(Bucket="durable", Key=f"obj-{i:03d}", Body=body)
            expected[f"obj-{i:03d}"] = hashlib.sha256(body).hexdigest()
        for i in range(1, 40, 7):
            self.s3.delete_object(Bucket="durable", Key=f"obj-{i:03d}")
            del expected[f"obj-{i:03d}"]

        self.restart_after_kill()
        live = self.live_objects()
        self.assertEqual(live, expected)
        self.assertNoOrphans(live)

    def test_kill_9_during_concurrent_uploads_leaves_no_partial_object(self):
        sent = {}          # key -> {sha256 of every body a writer started sending}
        acknowledged = {}  # key -> sha256 of the last acknowledged body
        in_flight = 0      # uploads whose head was sent and whose answer has not come
        cut = 0            # uploads that lost their connection before an answer
        lock = threading.Lock()
        stop = threading.Event()
        port = self.server.port

        def writer(index):
            nonlocal in_flight, cut
            rng = random.Random(index)
            n = 0
            while not stop.is_set():
                n += 1
                key = f"shared-{rng.randrange(3)}" if rng.random() < 0.3 else f"w{index}-{n}"
                body = body_for((index, n), rng.randrange(64 << 10, 3 << 20))
                sha = hashlib.sha256(body).hexdigest()
                with lock:
                    sent.setdefault(key, set()).add(sha)
                headers = {"Host": f"127.0.0.1:{port}", "Content-Length": str(len(body))}
                Signer().sign_headers("PUT", f"/durable/{key}", (), headers, UNSIGNED)
                started = False
                try:
                    with RawConnection(port, timeout=30) as conn:
                        conn.send(request_bytes("PUT", f"/durable/{key}", headers))
                        with lock:
                            in_flight += 1
                        started = True
                        view = memoryview(body)
                        for offset in range(0, len(body), 256 << 10):
                            conn.send(view[offset:offset + (256 << 10)])
                            time.sleep(0.002)
                        response = conn.read_response()
                except OSError:
                    if started:  # only the kill cuts a connection
                        with lock:
                            in_flight -= 1
                            cut += 1
                    return  # the server died under us
                with lock:
                    in_flight -= 1
                    if response.status == 200:
                        acknowledged[key] = sha

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        mid_stream = False
        try:
            deadline = time.monotonic() + 60
            while not mid_stream and time.monotonic() < deadline:
                with lock:
                    enough = len(acknowledged) >= 12 and in_flight >= 3
                mid_stream = enough and len(temp_files(self.server)) >= 3
                if not mid_stream:
                    time.sleep(0.01)
            with lock:  # no upload starts or ends between the count and the kill
                in_flight_at_kill = in_flight
                self.server.kill()
        finally:
            stop.set()
            for t in threads:
                t.join()
        # The premise: the kill came while uploads were streaming.
        self.assertTrue(mid_stream, "never 12 acknowledged and 3 uploads in flight at once")
        self.assertGreater(in_flight_at_kill, 0, "no upload was in flight at the kill")
        self.assertGreater(cut, 0, "the kill cut no upload short")
        self.assertGreaterEqual(len(acknowledged), 12)

        self.server.start()
        self.s3 = boto3_client(self.server)
        live = self.live_objects()
        print(f"\n[kill -9] {len(acknowledged)} uploads acknowledged, {in_flight_at_kill} in "
              f"flight at the kill ({cut} cut); {len(live)} objects visible after restart",
              file=sys.stderr)
        for key, sha in live.items():
            self.assertIn(sha, sent.get(key, set()), f"{key} holds bytes nobody sent whole")
        for key, sha in acknowledged.items():
            self.assertIn(key, live, f"acknowledged {key} was lost")
            if not key.startswith("shared-"):
                self.assertEqual(live[key], sha, f"acknowledged {key} changed")
        self.assertNoOrphans(live)

    def test_restart_sweeps_temporary_files_and_unreferenced_blobs(self):
        self.s3.put_object(Bucket="durable", Key="kept", Body=b"kept bytes")
        self.server.kill()
        # What a crash mid-upload or between link and commit would leave.
        orphan = hashlib.sha256(b"nobody references this").hexdigest()
        with open(os.path.join(self.server.data_dir, "blobs", orphan[:2], orphan), "wb") as f:
            f.write(b"nobody references this")
        with open(os.path.join(self.server.data_dir, "tmp", "0123abcd.part"), "wb") as f:
            f.write(b"half an upload")
        self.server.start()
        self.s3 = boto3_client(self.server)
        live = self.live_objects()
        self.assertEqual(live, {"kept": hashlib.sha256(b"kept bytes").hexdigest()})
        self.assertNoOrphans(live)

    def test_concurrent_puts_to_one_key_leave_exactly_one_whole_winner(self):
        for round_number in range(4):
            bodies = [body_for(("race", round_number, i), (1 << 20) + i * 4097)
                      for i in range(8)]
            shas = {hashlib.sha256(b).hexdigest() for b in bodies}
            barrier = threading.Barrier(len(bodies))
            statuses = []

            def put(body):
                headers = {"Host": f"127.0.0.1:{self.server.port}",
                           "Content-Length": str(len(body))}
                Signer().sign_headers("PUT", "/durable/contended", (), headers, UNSIGNED)
                with RawConnection(self.server.port, timeout=60) as conn:
                    barrier.wait()
                    conn.send(request_bytes("PUT", "/durable/contended", headers, body))
                    statuses.append(conn.read_response().status)

            threads = [threading.Thread(target=put, args=(b,)) for b in bodies]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(statuses, [200] * len(bodies))
            live = self.live_objects()
            self.assertEqual(list(live), ["contended"])
            self.assertIn(live["contended"], shas)
            # The losers' blobs were released: only the winner's remains.
            self.assertNoOrphans(live)

    def test_identical_bodies_are_stored_once(self):
        body = body_for("twin", 700000)
        sha = hashlib.sha256(body).hexdigest()
        self.s3.put_object(Bucket="durable", Key="twin-a", Body=body)
        self.s3.put_object(Bucket="durable", Key="twin-b", Body=body)
        self.assertEqual(blob_files(self.server), [sha])

        self.s3.delete_object(Bucket="durable", Key="twin-a")
        self.assertEqual(self.s3.get_object(Bucket="durable", Key="twin-b")["Body"].read(), body)
        self.assertEqual(blob_files(self.server), [sha])

        self.restart_after_kill()
        self.assertEqual(self.s3.get_object(Bucket="durable", Key="twin-b")["Body"].read(), body)
        self.s3.delete_object(Bucket="durable", Key="twin-b")
        self.assertEqual(blob_files(self.server), [])
        self.assertEqual(temp_files(self.server), [])

    def test_overwrite_with_identical_body_keeps_the_blob(self):
        body = body_for("same", 300000)
        self.s3.put_object(Bucket="durable", Key="same", Body=body)
        self.s3.put_object(Bucket="durable", Key="same", Body=body)
        self.assertEqual(self.s3.get_object(Bucket="durable", Key="same")["Body"].read(), body)
        self.assertEqual(blob_files(self.server), [hashlib.sha256(body).hexdigest()])
        response = signed_request(self.server, "GET", "/durable/same")
        self.assertEqual(response.body, body)


if __name__ == "__main__":
    unittest.main()
