"""Tags that name a whole model directory (docs/models.md, "Directory tags"):
a target ending in '/' pins a snapshot of every file under it, read by S3
clients as a folder under the tag (aws-cli cp --recursive and sync, rclone,
boto3 listings, downloads and parallel ranged GETs), pinned across overwrites
and deletes, moved with If-Match, rolled back, mixed into chains with file
tags, listed with and without a delimiter across a 2,500-file snapshot, read
by identity while the tag moves, split between clients by weight (one whole
snapshot per client), and pulled and pushed with the moss CLI (one snapshot
even when the tag moves mid-pull; multipart files; no tag when a file fails
to upload; `models show` marking files overwritten since tagging). Tagging
files already hashed reads none of their bytes, and a tag over a file not
hashed yet hashes it while other requests are answered. A whole model prefix holding file
and snapshot tags copies byte-identical with aws-cli sync and cp --recursive
and rclone copy. A snapshot no tag names any more is read by identity through
--snapshot-retention after every file was overwritten and deleted, then
released by the lifecycle worker (SQLite and PostgreSQL metadata).

Every byte comparison is by SHA-256 computed here from the source files.
"""
import concurrent.futures
import hashlib
import http.client
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

from botocore.exceptions import ClientError

import signed_http
from moss_harness import (ACCESS_KEY, MOSS_BINARY, SECRET_KEY, MossServer, MossTestCase,
                          PostgresCluster, boto3_client, client_env, which)
from tcp_relay import TcpRelay

BUCKET = "models"
MiB = 1 << 20


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def identity(files):
    """The snapshot identity as docs/models.md defines it: SHA-256 of the
    files sorted by path (bytes), each "<path>\\0<sha256 hex>\\n"."""
    h = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.encode()):
        h.update(path.encode() + b"\0" + sha256(files[path]).encode() + b"\n")
    return h.hexdigest()


def safetensors_shard(seed, size):
    """A valid safetensors file of about `size` bytes: one F16 tensor."""
    count = max(1, (size - 256) // 2)
    header = {"__metadata__": {"format": "pt"},
              f"model.layers.{seed}.weight": {"dtype": "F16", "shape": [count],
                                               "data_offsets": [0, count * 2]}}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    rng = hashlib.sha256(str(seed).encode()).digest()
    data = (rng * (count * 2 // len(rng) + 1))[:count * 2]
    # Different bytes per position, so ranged reads are checked for place too.
    data = bytes((b + i) & 0xFF for i, b in enumerate(data[:4096])) + data[4096:]
    return struct.pack("<Q", len(text)) + text + data


def model_files(seed, shard_size=64 * 1024):
    """A Transformers-style model directory: config, tokenizer, an index and two shards."""
    shard1 = safetensors_shard(seed * 2, shard_size)
    shard2 = safetensors_shard(seed * 2 + 1, shard_size)
    index = {"metadata": {"total_size": len(shard1) + len(shard2)},
             "weight_map": {f"model.layers.{seed * 2}.weight": "model-00001-of-00002.safetensors",
                            f"model.layers.{seed * 2 + 1}.weight":
                                "model-00002-of-00002.safetensors"}}
    return {
        "config.json": json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama",
                                   "seed": seed}).encode(),
        "tokenizer.json": json.dumps({"version": "1.0", "seed": seed}).encode(),
        "tokenizer/special_tokens_map.json": json.dumps({"bos": "<s>", "seed": seed}).encode(),
        "model.safetensors.index.json": json.dumps(index).encode(),
        "model-00001-of-00002.safetensors": shard1,
        "model-00002-of-00002.safetensors": shard2,
    }


def tree_digests(root):
    """{relative path: sha256} of every file under `root`."""
    out = {}
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, root)] = sha256(f.read())
    return out


class HoldingProxy(TcpRelay):
    """A TCP proxy in front of the server that holds every request whose head
    matches `pattern` until release(): a pull is stopped mid-way at a known
    point, without timing anything."""

    def __init__(self, target_port, pattern):
        self.pattern = re.compile(pattern)
        self.held = threading.Event()
        self.released = threading.Event()
        super().__init__(target_port)

    def to_server(self, data, seen, sink):
        if self.pattern.search(data) and not self.released.is_set():
            self.held.set()
            self.released.wait(120)
        sink.sendall(data)
        return True

    def release(self):
        self.released.set()

    def close(self):
        self.release()
        super().close()


class SnapshotTags(MossTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="moss-snapshots-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.aws_path = which("aws", "/usr/bin/aws")
        cls.rclone_path = which("rclone", "/usr/bin/rclone")
        from moss_harness import boto3_client
        boto3_client(cls.server).create_bucket(Bucket=BUCKET)

    # --- helpers

    def upload(self, model, folder, files):
        s3 = self.s3()
        for path, data in files.items():
            s3.put_object(Bucket=BUCKET, Key=f"{model}/{folder}{path}", Body=data)

    def put_tag(self, model, tag, body, headers=None):
        return signed_http.request(self.server, "PUT",
                                   signed_http.object_path(BUCKET, f"{model}/tags/{tag}"),
                                   headers=headers, body=body.encode())

    def set_tag(self, model, tag, body, headers=None):
        res = self.put_tag(model, tag, body, headers)
        self.assertEqual(res.status, 200, res)
        return res

    def tag_document(self, model, tag):
        res = signed_http.request(self.server, "GET", "/_moss/v1/tag",
                                  signed_http.query_string(
                                      {"bucket": BUCKET, "model": model, "tag": tag}))
        self.assertEqual(res.status, 200, res)
        return json.loads(res.body)

    def get(self, key, **kwargs):
        return self.s3().get_object(Bucket=BUCKET, Key=key, **kwargs)

    def assertServes(self, folder, files):
        for path, data in files.items():
            got = self.get(folder + path)
            self.assertEqual(sha256(got["Body"].read()), sha256(data), folder + path)

    def run_tool(self, args, timeout=300):
        proc = subprocess.run(args, env=client_env(self.server), capture_output=True,
                              timeout=timeout)
        if proc.returncode != 0:
            raise AssertionError(f"{' '.join(args)} exited {proc.returncode}:\n"
                                 f"{proc.stdout!r}\n{proc.stderr!r}")
        return proc

    def aws(self, *args):
        return self.run_tool([self.aws_path, "--endpoint-url", self.server.endpoint, *args])

    def moss(self, *args, check=True):
        proc = subprocess.run([MOSS_BINARY, *args], env=client_env(self.server),
                              capture_output=True, text=True, timeout=300)
        if check and proc.returncode != 0:
            self.fail(f"moss {' '.join(args)} exited {proc.returncode}:\n"
                      f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
        return proc

    def rclone_copy(self, source, dest):
        # rclone's AWS SDK reads AWS_* too (a CA bundle breaks its plain-http
        # transport): the remote is configured by RCLONE_CONFIG_* alone.
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({"RCLONE_CONFIG": os.path.join(self.tmp, "rclone.conf"),
                    "RCLONE_CONFIG_MOSS_TYPE": "s3", "RCLONE_CONFIG_MOSS_PROVIDER": "Other",
                    "RCLONE_CONFIG_MOSS_ENDPOINT": self.server.endpoint,
                    "RCLONE_CONFIG_MOSS_ACCESS_KEY_ID": ACCESS_KEY,
                    "RCLONE_CONFIG_MOSS_SECRET_ACCESS_KEY": SECRET_KEY,
                    "RCLONE_CONFIG_MOSS_REGION": "us-east-1",
                    "RCLONE_CONFIG_MOSS_FORCE_PATH_STYLE": "true"})
        proc = subprocess.run([self.rclone_path, "--retries", "1", "copy", f"moss:{source}", dest],
                              env=env, capture_output=True, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def workdir(self, name):
        path = os.path.join(self.tmp, name)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        return path

    # --- creating and reading a snapshot

    def test_a_directory_target_pins_a_snapshot_with_a_content_identity(self):
        files = model_files(1)
        self.upload("llama", "2024-03-20/", files)
        res = self.set_tag("llama", "v2", "2024-03-20/")
        doc = self.tag_document("llama", "v2")
        snapshot = doc["resolved"]["snapshot"]
        self.assertEqual(snapshot["id"], identity(files))
        self.assertEqual(snapshot["short_id"], identity(files)[:40])
        self.assertEqual(snapshot["file_count"], len(files))
        self.assertEqual(snapshot["size"], sum(len(d) for d in files.values()))
        self.assertEqual(doc["targets"][0]["kind"], "snapshot")
        self.assertEqual({f["path"]: f["sha256"] for f in snapshot["files"]},
                         {p: sha256(d) for p, d in files.items()})
        self.assertTrue(res.headers["ETag"])

        # Every file reads through the tag, with the snapshot named.
        self.assertServes("llama/tags/v2/", files)
        head = self.s3().head_object(Bucket=BUCKET, Key="llama/tags/v2/config.json")
        headers = head["ResponseMetadata"]["HTTPHeaders"]
        self.assertEqual(headers["x-moss-snapshot"], identity(files))
        self.assertEqual(headers["x-moss-resolved-key"], "llama/2024-03-20/config.json")
        self.assertEqual(headers["x-moss-content-sha256"], sha256(files["config.json"]))
        self.assertEqual(headers["x-moss-tag-chain"], "v2>2024-03-20/")
        # And by identity, full and short.
        self.assertServes(f"llama/snapshots/{identity(files)}/", files)
        self.assertServes(f"llama/snapshots/{identity(files)[:40]}/", {"config.json":
                                                                        files["config.json"]})
        # The tag key itself is a folder, not a file.
        with self.assertRaises(ClientError) as cm:
            self.s3().head_object(Bucket=BUCKET, Key="llama/tags/v2")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        # A path the snapshot does not hold.
        with self.assertRaises(ClientError) as cm:
            self.get("llama/tags/v2/missing.json")
        self.assertEqual(cm.exception.response["Error"]["Code"], "NoSuchKey")

        # A second directory with the same bytes has the same identity.
        self.upload("llama", "copy/", files)
        self.set_tag("llama", "copy", "copy/")
        self.assertEqual(self.tag_document("llama", "copy")["resolved"]["snapshot"]["id"],
                         identity(files))

    def test_an_empty_or_missing_directory_is_refused(self):
        self.upload("refused", "2024-01-01/", {"a.txt": b"a"})
        for target in ("2024-02-02/", "2024-01-0/"):
            res = self.put_tag("refused", "latest", target)
            self.assertEqual(res.status, 400, res)
            self.assertIn(b"InvalidTagTarget", res.body)
            self.assertIn(b"no files", res.body)
        res = self.put_tag("refused", "latest", "2024-01-01//")
        self.assertEqual(res.status, 400, res)
        with self.assertRaises(ClientError):
            self.s3().head_object(Bucket=BUCKET, Key="refused/tags/latest")

    def test_overwriting_and_deleting_files_after_tagging_changes_nothing_served(self):
        files = model_files(2)
        self.upload("pinned", "d/", files)
        self.set_tag("pinned", "latest", "d/")
        listed_before = self.s3().list_objects_v2(Bucket=BUCKET, Prefix="pinned/tags/latest/")
        s3 = self.s3()
        s3.put_object(Bucket=BUCKET, Key="pinned/d/config.json", Body=b'{"overwritten": true}')
        s3.delete_object(Bucket=BUCKET, Key="pinned/d/model-00002-of-00002.safetensors")
        s3.put_object(Bucket=BUCKET, Key="pinned/d/new-file.txt", Body=b"added later")
        self.server.restart()
        self.assertServes("pinned/tags/latest/", files)
        listed_after = self.s3().list_objects_v2(Bucket=BUCKET, Prefix="pinned/tags/latest/")
        strip = lambda page: [(o["Key"], o["Size"], o["ETag"]) for o in page["Contents"]]
        self.assertEqual(strip(listed_after), strip(listed_before))
        self.assertNotIn("pinned/tags/latest/new-file.txt", [k for k, _, _ in strip(listed_after)])
        # Moving the tag takes the new state of the directory.
        self.set_tag("pinned", "latest", "d/")
        moved = dict(files)
        moved["config.json"] = b'{"overwritten": true}'
        del moved["model-00002-of-00002.safetensors"]
        moved["new-file.txt"] = b"added later"
        self.assertEqual(self.tag_document("pinned", "latest")["resolved"]["snapshot"]["id"],
                         identity(moved))
        self.assertServes("pinned/tags/latest/", moved)

    def test_chains_mix_file_and_snapshot_tags_with_cas_history_and_rollback(self):
        old, new = model_files(3), model_files(4)
        self.upload("mixed", "2024-01-15/", old)
        self.upload("mixed", "2024-03-20/", new)
        self.upload("mixed", "gguf/", {"tiny.gguf": b"GGUF not really"})
        self.set_tag("mixed", "v1", "2024-01-15/")
        self.set_tag("mixed", "v2", "2024-03-20/")
        self.set_tag("mixed", "q4", "gguf/tiny.gguf")
        etag = self.set_tag("mixed", "latest", "v2").headers["ETag"]
        self.assertServes("mixed/tags/latest/", new)
        head = self.s3().head_object(Bucket=BUCKET, Key="mixed/tags/latest/config.json")
        self.assertEqual(head["ResponseMetadata"]["HTTPHeaders"]["x-moss-tag-chain"],
                         "latest>v2>2024-03-20/")
        # A file tag in the same model still serves its file.
        self.assertEqual(self.get("mixed/tags/q4")["Body"].read(), b"GGUF not really")

        # CAS: a stale ETag is refused, the current one moves the tag.
        res = self.put_tag("mixed", "latest", "v1", headers={"If-Match": '"0000"'})
        self.assertEqual(res.status, 412, res)
        self.assertServes("mixed/tags/latest/", new)
        self.set_tag("mixed", "latest", "v1", headers={"If-Match": etag})
        self.assertServes("mixed/tags/latest/", old)
        # latest may also point straight at a snapshot, or at a file tag.
        self.set_tag("mixed", "latest", "q4")
        self.assertEqual(self.get("mixed/tags/latest")["Body"].read(), b"GGUF not really")
        self.set_tag("mixed", "latest", "2024-03-20/")
        self.assertServes("mixed/tags/latest/", new)

        # Rollback: back to q4 (the previous target), then to the v1 setting.
        params = {"bucket": BUCKET, "model": "mixed", "tag": "latest"}
        res = signed_http.request(self.server, "POST", "/_moss/v1/tag/rollback",
                                  signed_http.query_string(params))
        self.assertEqual(res.status, 200, res)
        self.assertEqual(self.get("mixed/tags/latest")["Body"].read(), b"GGUF not really")
        history = self.tag_document("mixed", "latest")
        res = signed_http.request(self.server, "GET", "/_moss/v1/tag/history",
                                  signed_http.query_string(params))
        entries = json.loads(res.body)["history"]
        to_v1 = [e["seq"] for e in entries if e["new_targets"] and
                 e["new_targets"][0]["target"] == "v1"][0]
        res = signed_http.request(self.server, "POST", "/_moss/v1/tag/rollback",
                                  signed_http.query_string({**params, "to": str(to_v1)}))
        self.assertEqual(res.status, 200, res)
        self.assertServes("mixed/tags/latest/", old)
        # A snapshot setting in history rolls back to exactly that snapshot,
        # even after its directory changed and no tag held it any more.
        self.set_tag("mixed", "v2", "2024-01-15/")  # nobody holds the 2024-03-20 snapshot now
        self.s3().put_object(Bucket=BUCKET, Key="mixed/2024-03-20/config.json", Body=b"changed")
        snapshot_seq = [e["seq"] for e in entries if e["new_targets"] and
                        e["new_targets"][0]["target"] == "2024-03-20/"][0]
        res = signed_http.request(self.server, "POST", "/_moss/v1/tag/rollback",
                                  signed_http.query_string({**params, "to": str(snapshot_seq)}))
        # The old config.json is gone (unversioned bucket): refused, nothing changed.
        self.assertEqual(res.status, 400, res)
        self.assertIn(b"no longer stored", res.body)
        self.assertServes("mixed/tags/latest/", old)
        self.assertTrue(history["resolved"])

    def test_a_weighted_snapshot_tag_gives_each_client_one_whole_snapshot(self):
        old, new = model_files(23), model_files(24)
        self.upload("split", "2024-01-15/", old)
        self.upload("split", "2024-03-20/", new)
        res = signed_http.request(
            self.server, "PUT", "/_moss/v1/tag",
            signed_http.query_string({"bucket": BUCKET, "model": "split", "tag": "canary"}),
            body=json.dumps({"targets": [{"target": "2024-01-15/", "weight": 1},
                                         {"target": "2024-03-20/", "weight": 1}]}).encode())
        self.assertEqual(res.status, 200, res)
        sides = {identity(old): ("2024-01-15/", old), identity(new): ("2024-03-20/", new)}

        def snapshot_read_by(client):
            """Every file of the tag as `client` reads it: the one snapshot it got."""
            conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
            seen = set()
            try:
                for path in sorted(old):
                    key = signed_http.object_path(BUCKET, f"split/tags/canary/{path}")
                    headers = signed_http.sign(self.server, "GET", key,
                                               headers={"x-moss-client-id": client})
                    conn.request("GET", key, headers=headers)
                    r = conn.getresponse()
                    body = r.read()
                    self.assertEqual(r.status, 200, (client, path))
                    snapshot = r.getheader("x-moss-snapshot")
                    self.assertIn(snapshot, sides, (client, path))
                    target, files = sides[snapshot]
                    self.assertEqual(r.getheader("x-moss-tag-target"), target, (client, path))
                    self.assertEqual(sha256(body), sha256(files[path]), (client, path))
                    seen.add(snapshot)
            finally:
                conn.close()
            self.assertEqual(len(seen), 1, f"{client} was served files of two snapshots")
            return seen.pop()

        clients = [f"pod-{i:03d}" for i in range(40)]
        first = {client: snapshot_read_by(client) for client in clients}
        # Both snapshots are reached (all 40 on one side of 1:1 is 2 in 2^40),
        # and each client keeps its side when it asks again.
        self.assertEqual(set(first.values()), set(sides))
        self.assertEqual({client: snapshot_read_by(client) for client in clients}, first)

    # --- listing

    def test_listing_the_folder_with_and_without_delimiter_and_pagination(self):
        files = model_files(5)
        self.upload("listed", "2024-05-01/", files)
        self.set_tag("listed", "latest", "2024-05-01/")
        s3 = self.s3()
        page = s3.list_objects_v2(Bucket=BUCKET, Prefix="listed/tags/latest/")
        self.assertEqual([o["Key"] for o in page["Contents"]],
                         sorted("listed/tags/latest/" + p for p in files))
        for o in page["Contents"]:
            data = files[o["Key"][len("listed/tags/latest/"):]]
            self.assertEqual(o["Size"], len(data))
            self.assertEqual(o["ETag"], '"' + hashlib.md5(data).hexdigest() + '"')
        delimited = s3.list_objects_v2(Bucket=BUCKET, Prefix="listed/tags/latest/",
                                       Delimiter="/")
        self.assertEqual([p["Prefix"] for p in delimited["CommonPrefixes"]],
                         ["listed/tags/latest/tokenizer/"])
        self.assertEqual(len(delimited["Contents"]), len(files) - 1)
        inner = s3.list_objects_v2(Bucket=BUCKET, Prefix="listed/tags/latest/tokenizer/",
                                   Delimiter="/")
        self.assertEqual([o["Key"] for o in inner["Contents"]],
                         ["listed/tags/latest/tokenizer/special_tokens_map.json"])
        partial = s3.list_objects_v2(Bucket=BUCKET, Prefix="listed/tags/latest/model-")
        self.assertEqual(len(partial["Contents"]), 2)
        # Pages of two, v2 and v1, with and without the delimiter.
        for delimiter in ("", "/"):
            keys = []
            for page in s3.get_paginator("list_objects_v2").paginate(
                    Bucket=BUCKET, Prefix="listed/tags/latest/", Delimiter=delimiter,
                    PaginationConfig={"PageSize": 2}):
                keys += [o["Key"] for o in page.get("Contents", [])]
                keys += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
            v1_keys = []
            for page in s3.get_paginator("list_objects").paginate(
                    Bucket=BUCKET, Prefix="listed/tags/latest/", Delimiter=delimiter,
                    PaginationConfig={"PageSize": 2}):
                v1_keys += [o["Key"] for o in page.get("Contents", [])]
                v1_keys += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
            expected = sorted("listed/tags/latest/" + p for p in files) if not delimiter else \
                sorted(["listed/tags/latest/" + p for p in files if "/" not in p] +
                       ["listed/tags/latest/tokenizer/"])
            self.assertEqual(sorted(keys), expected)
            self.assertEqual(sorted(v1_keys), expected)

    def test_a_2500_file_snapshot_lists_in_pages(self):
        s3 = self.s3()
        files = {}
        for i in range(2500):
            files[f"shard-{i // 100:02d}/f{i:04d}.bin"] = str(i).encode()

        def put(item):
            path, data = item
            s3.put_object(Bucket=BUCKET, Key=f"big/2024-06-01/{path}", Body=data)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(put, files.items()))
        self.set_tag("big", "latest", "2024-06-01/")
        self.assertEqual(self.tag_document("big", "latest")["resolved"]["snapshot"]["file_count"],
                         2500)
        keys, pages = [], 0
        for page in s3.get_paginator("list_objects_v2").paginate(
                Bucket=BUCKET, Prefix="big/tags/latest/"):
            pages += 1
            keys += [(o["Key"], o["Size"]) for o in page["Contents"]]
        self.assertEqual(pages, 3)
        self.assertEqual(keys, sorted(("big/tags/latest/" + p, len(d)) for p, d in files.items()))
        prefixes = []
        for page in s3.get_paginator("list_objects_v2").paginate(
                Bucket=BUCKET, Prefix="big/tags/latest/", Delimiter="/",
                PaginationConfig={"PageSize": 7}):
            prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
            self.assertNotIn("Contents", page)
        self.assertEqual(prefixes, [f"big/tags/latest/shard-{i:02d}/" for i in range(25)])

    # --- real clients copying the folder

    def test_aws_cli_rclone_and_boto3_copy_the_folder_byte_identical(self):
        files = model_files(6)
        self.upload("copied", "2024-07-01/", files)
        self.set_tag("copied", "latest", "2024-07-01/")
        expected = {p: sha256(d) for p, d in files.items()}

        dest = self.workdir("aws-cp")
        self.aws("s3", "cp", "--recursive", f"s3://{BUCKET}/copied/tags/latest/", dest)
        self.assertEqual(tree_digests(dest), expected)

        dest = self.workdir("aws-sync")
        self.aws("s3", "sync", f"s3://{BUCKET}/copied/tags/latest/", dest)
        self.assertEqual(tree_digests(dest), expected)
        # A second sync finds nothing to do.
        again = self.aws("s3", "sync", f"s3://{BUCKET}/copied/tags/latest/", dest)
        self.assertEqual(again.stdout.strip(), b"")

        dest = self.workdir("rclone")
        self.rclone_copy(f"{BUCKET}/copied/tags/latest/", dest)
        self.assertEqual(tree_digests(dest), expected)

        dest = self.workdir("boto3")
        s3 = self.s3()
        for page in s3.get_paginator("list_objects_v2").paginate(
                Bucket=BUCKET, Prefix="copied/tags/latest/"):
            for o in page["Contents"]:
                local = os.path.join(dest, o["Key"][len("copied/tags/latest/"):])
                os.makedirs(os.path.dirname(local), exist_ok=True)
                s3.download_file(BUCKET, o["Key"], local)
        self.assertEqual(tree_digests(dest), expected)

    def test_a_whole_model_prefix_copies_with_file_and_snapshot_tags(self):
        # A model with a file tag and a snapshot tag: a listing of the model
        # shows the files and the file tag (GET of it serves the file it
        # resolves to), never the snapshot tag's key, which is a folder (GET
        # of it is 404) and would clash with its own files locally.
        files = model_files(17)
        self.upload("whole", "d/", files)
        self.s3().put_object(Bucket=BUCKET, Key="whole/gguf/x.gguf", Body=b"gguf bytes")
        self.set_tag("whole", "latest", "d/")
        self.set_tag("whole", "q4", "gguf/x.gguf")
        expected = {f"d/{p}": sha256(d) for p, d in files.items()}
        expected.update({"gguf/x.gguf": sha256(b"gguf bytes"), "tags/q4": sha256(b"gguf bytes")})

        s3 = self.s3()
        listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="whole/")
        self.assertEqual({o["Key"][len("whole/"):] for o in listed["Contents"]}, set(expected))
        for o in listed["Contents"]:  # every key listed is GET-able with its size and ETag
            got = s3.get_object(Bucket=BUCKET, Key=o["Key"])
            self.assertEqual((got["ContentLength"], got["ETag"]), (o["Size"], o["ETag"]), o["Key"])
        # With a delimiter too (rclone's walk): the snapshot's files are
        # listed only by a prefix inside its folder.
        tags = s3.list_objects_v2(Bucket=BUCKET, Prefix="whole/tags/", Delimiter="/")
        self.assertEqual([o["Key"] for o in tags["Contents"]], ["whole/tags/q4"])
        self.assertNotIn("CommonPrefixes", tags)
        self.assertEqual(tags["KeyCount"], 1)
        inside = s3.list_objects_v2(Bucket=BUCKET, Prefix="whole/tags/latest/")
        self.assertEqual({o["Key"] for o in inside["Contents"]},
                         {f"whole/tags/latest/{p}" for p in files})

        dest = self.workdir("whole-sync")
        self.aws("s3", "sync", f"s3://{BUCKET}/whole/", dest)
        self.assertEqual(tree_digests(dest), expected)
        again = self.aws("s3", "sync", f"s3://{BUCKET}/whole/", dest)
        self.assertEqual(again.stdout.strip(), b"")

        dest = self.workdir("whole-cp")
        self.aws("s3", "cp", "--recursive", f"s3://{BUCKET}/whole/", dest)
        self.assertEqual(tree_digests(dest), expected)

        dest = self.workdir("whole-rclone")
        self.rclone_copy(f"{BUCKET}/whole/", dest)
        self.assertEqual(tree_digests(dest), expected)

    def test_parallel_8mib_ranged_gets_across_shards_like_an_s3_model_loader(self):
        files = model_files(7, shard_size=20 * MiB)
        # One shard as a multipart upload: it is hashed in the background or by the tag.
        from boto3.s3.transfer import TransferConfig
        s3 = self.s3()
        multipart = "model-00002-of-00002.safetensors"
        for path, data in files.items():
            if path != multipart:
                s3.put_object(Bucket=BUCKET, Key=f"loader/d/{path}", Body=data)
        local = os.path.join(self.tmp, "shard2")
        with open(local, "wb") as f:
            f.write(files[multipart])
        s3.upload_file(local, BUCKET, f"loader/d/{multipart}",
                       Config=TransferConfig(multipart_threshold=5 * MiB,
                                             multipart_chunksize=5 * MiB))
        self.set_tag("loader", "latest", "d/")
        ranges = []
        for path in ("model-00001-of-00002.safetensors", multipart):
            size = len(files[path])
            ranges += [(path, start, min(start + 8 * MiB, size) - 1)
                       for start in range(0, size, 8 * MiB)]

        def fetch(item):
            path, first, last = item
            got = self.s3().get_object(Bucket=BUCKET, Key=f"loader/tags/latest/{path}",
                                       Range=f"bytes={first}-{last}")
            return item, got["Body"].read(), got["ContentRange"]
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(fetch, ranges))
        for (path, first, last), body, content_range in results:
            self.assertEqual(content_range, f"bytes {first}-{last}/{len(files[path])}")
            self.assertEqual(sha256(body), sha256(files[path][first:last + 1]))
        for path in files:
            whole = b"".join(body for (p, _, _), body, _ in sorted(results) if p == path)
            if whole:
                self.assertEqual(sha256(whole), sha256(files[path]))

    # --- hashing: what a tag reads

    def hashed_by_tags(self):
        """Bytes tag writes have read to hash files, as /metrics counts them."""
        with urllib.request.urlopen(self.server.endpoint + "/metrics", timeout=10) as r:
            text = r.read().decode()
        found = re.search(r'^moss_content_sha256_read_bytes_total\{by="tag"\} (\d+)$', text,
                          re.M)
        self.assertIsNotNone(found, "no moss_content_sha256_read_bytes_total on /metrics")
        return int(found.group(1))

    def upload_multipart(self, key, local, part_size):
        from boto3.s3.transfer import TransferConfig
        self.s3().upload_file(local, BUCKET, key,
                              Config=TransferConfig(multipart_threshold=part_size,
                                                    multipart_chunksize=part_size))

    def test_tagging_files_already_hashed_reads_none_of_their_bytes(self):
        files = model_files(28, shard_size=2 * MiB)
        multipart = "model-00002-of-00002.safetensors"
        self.upload("hashed", "d/", {p: d for p, d in files.items() if p != multipart})
        local = os.path.join(self.tmp, "hashed-shard")
        with open(local, "wb") as f:
            f.write(files[multipart] * 3)  # 6 MiB: over the 5 MiB part size
        files[multipart] *= 3
        self.upload_multipart(f"hashed/d/{multipart}", local, 5 * MiB)
        # Single PUTs are hashed on arrival; the multipart file by the first
        # tag or the background hasher, whichever comes first.
        self.set_tag("hashed", "first", "d/")
        before = self.hashed_by_tags()
        self.set_tag("hashed", "latest", "d/")
        self.set_tag("hashed", "latest", "first")
        self.set_tag("hashed", "again", "d/")
        self.assertEqual(self.hashed_by_tags(), before)
        self.assertEqual(self.tag_document("hashed", "again")["resolved"]["snapshot"]["id"],
                         identity(files))
        self.assertServes("hashed/tags/again/", files)

    def test_a_tag_over_a_file_not_hashed_yet_hashes_it_while_other_requests_go_on(self):
        # A multipart file big enough that hashing it outlasts a few small
        # requests by far; the order of the answers is what is asserted.
        size = 512 * MiB
        local = os.path.join(self.tmp, "unhashed.bin")
        digest = hashlib.sha256()
        with open(local, "wb") as f:
            block = hashlib.sha256(b"unhashed").digest() * (MiB // 32)
            for i in range(size // MiB):
                chunk = struct.pack("<Q", i) + block[8:]
                digest.update(chunk)
                f.write(chunk)
        self.addCleanup(os.unlink, local)
        # Clients for the small requests, one connection pool each, made
        # beforehand: the tag is sent as soon as the upload completes, before
        # the background hasher can be done with the file.
        others = [self.s3() for _ in range(4)]
        self.upload("unhashed", "d/", {"config.json": b'{"model_type": "llama"}'})
        before = self.hashed_by_tags()
        self.upload_multipart("unhashed/d/weights.bin", local, 64 * MiB)

        answered, lock = [], threading.Lock()
        tagged = {}

        def tag():
            tagged["response"] = self.put_tag("unhashed", "latest", "d/")
            with lock:
                answered.append("tag")
        tagging = threading.Thread(target=tag)
        tagging.start()
        # Until the tag write is seen reading the file (or has answered).
        while self.hashed_by_tags() == before and tagging.is_alive():
            time.sleep(0.005)

        def small(i):
            s3 = others[i]
            s3.put_object(Bucket=BUCKET, Key=f"unhashed-other/{i}.txt", Body=b"x" * (i + 1))
            got = s3.get_object(Bucket=BUCKET, Key=f"unhashed-other/{i}.txt")["Body"].read()
            self.assertEqual(got, b"x" * (i + 1))
            with lock:
                answered.append(f"request {i}")
        with concurrent.futures.ThreadPoolExecutor(len(others)) as pool:
            list(pool.map(small, range(len(others))))
        tagging.join(600)
        self.assertFalse(tagging.is_alive())
        self.assertEqual(tagged["response"].status, 200, tagged["response"])
        # Every small request was answered while the tag was still hashing.
        self.assertEqual(answered[-1], "tag", answered)
        self.assertEqual(len(answered), len(others) + 1)
        self.assertGreater(self.hashed_by_tags(), before)
        pinned = {f["path"]: f["sha256"] for f in
                  self.tag_document("unhashed", "latest")["resolved"]["snapshot"]["files"]}
        self.assertEqual(pinned["weights.bin"], digest.hexdigest())

    def test_conditional_requests_and_presigned_urls_on_snapshot_files(self):
        import urllib.request
        files = model_files(8)
        self.upload("cond", "d/", files)
        self.set_tag("cond", "latest", "d/")
        s3 = self.s3()
        etag = s3.head_object(Bucket=BUCKET, Key="cond/tags/latest/config.json")["ETag"]
        with self.assertRaises(ClientError) as cm:
            s3.get_object(Bucket=BUCKET, Key="cond/tags/latest/config.json", IfNoneMatch=etag)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 304)
        with self.assertRaises(ClientError) as cm:
            s3.get_object(Bucket=BUCKET, Key="cond/tags/latest/config.json", IfMatch='"00"')
        self.assertEqual(cm.exception.response["Error"]["Code"], "PreconditionFailed")
        url = s3.generate_presigned_url("get_object", Params={
            "Bucket": BUCKET, "Key": "cond/tags/latest/tokenizer/special_tokens_map.json"})
        with urllib.request.urlopen(url) as r:
            self.assertEqual(sha256(r.read()), sha256(files["tokenizer/special_tokens_map.json"]))

    def test_a_client_reading_by_identity_keeps_its_snapshot_when_the_tag_moves(self):
        old, new = model_files(9), model_files(10)
        self.upload("moving", "old/", old)
        self.upload("moving", "new/", new)
        self.set_tag("moving", "latest", "old/")
        shard = "model-00001-of-00002.safetensors"
        first = self.get(f"moving/tags/latest/{shard}", Range="bytes=0-999")
        snapshot = first["ResponseMetadata"]["HTTPHeaders"]["x-moss-snapshot"]
        self.assertEqual(snapshot, identity(old))
        # The tag moves mid-download.
        self.set_tag("moving", "latest", "new/")
        rest = self.get(f"moving/snapshots/{snapshot}/{shard}", Range="bytes=1000-")
        self.assertEqual(sha256(first["Body"].read() + rest["Body"].read()), sha256(old[shard]))
        self.assertServes(f"moving/snapshots/{snapshot}/", old)
        # A new request by tag gets the new snapshot.
        again = self.get(f"moving/tags/latest/{shard}")
        self.assertEqual(again["ResponseMetadata"]["HTTPHeaders"]["x-moss-snapshot"],
                         identity(new))
        self.assertEqual(sha256(again["Body"].read()), sha256(new[shard]))

    # --- the registry document and the CLI

    def test_model_document_lists_snapshot_tags_with_their_files(self):
        files = model_files(11)
        self.upload("documented", "d/", files)
        self.set_tag("documented", "latest", "d/")
        res = signed_http.request(self.server, "GET", "/_moss/v1/model",
                                  signed_http.query_string({"bucket": BUCKET,
                                                            "name": "documented"}))
        self.assertEqual(res.status, 200, res)
        doc = json.loads(res.body)
        tag = [t for t in doc["tags"] if t["tag"] == "latest"][0]
        listed = {f["path"]: (f["sha256"], f["size"], f["key"])
                  for f in tag["resolved"]["snapshot"]["files"]}
        self.assertEqual(listed, {p: (sha256(d), len(d), f"documented/d/{p}")
                                  for p, d in files.items()})
        shard = [f for f in tag["resolved"]["snapshot"]["files"]
                 if f["path"] == "model-00001-of-00002.safetensors"][0]
        self.assertEqual(shard["metadata"]["format"], "safetensors")
        self.assertEqual(shard["metadata"]["dtypes"], {"F16": 1})

    def test_moss_push_of_a_directory_then_pull_and_show(self):
        # The shards are over the multipart threshold given: uploaded in 5 MiB parts.
        files = model_files(12, shard_size=6 * MiB)
        source = self.workdir("push-source")
        for path, data in files.items():
            os.makedirs(os.path.dirname(os.path.join(source, path)), exist_ok=True)
            with open(os.path.join(source, path), "wb") as f:
                f.write(data)
        out = self.moss("push", "cli-model", source + "/", "--date", "2024-08-01",
                        "--tag", "v1", "--tag", "latest", "--multipart-threshold", "5MiB",
                        "--part-size", "5MiB", "--no-progress").stdout
        self.assertIn(f"snapshot {identity(files)}", out)
        shard = self.s3().head_object(Bucket=BUCKET,
                                      Key="cli-model/2024-08-01/model-00001-of-00002.safetensors")
        self.assertTrue(shard["ETag"].endswith('-2"'), shard["ETag"])  # two parts
        config = self.s3().head_object(Bucket=BUCKET, Key="cli-model/2024-08-01/config.json")
        self.assertNotIn("-", config["ETag"])  # a single PUT
        doc = self.tag_document("cli-model", "latest")
        self.assertEqual(doc["resolved"]["snapshot"]["id"], identity(files))
        self.assertEqual(doc["targets"][0]["target"], "2024-08-01/")

        dest = self.workdir("pulled")
        out = self.moss("pull", "cli-model:latest", dest, "--no-progress").stdout
        self.assertIn(identity(files), out)
        self.assertEqual(tree_digests(dest), {p: sha256(d) for p, d in files.items()})
        self.assertEqual([n for n in os.listdir(dest) if n.endswith(".part")], [])

        shown = self.moss("models", "show", "cli-model").stdout
        self.assertIn("LlamaForCausalLM", shown)
        self.assertIn("2 files", shown)  # the two shards
        self.assertIn("dtype F16", shown)
        for path in files:
            self.assertIn(path, shown)

        # A file tag pinning a version older than the file's current one says so.
        self.s3().put_object(Bucket=BUCKET, Key="cli-model/gguf/x.gguf", Body=b"first")
        self.set_tag("cli-model", "q4", "gguf/x.gguf")
        self.assertNotIn("pins an older version", self.moss("models", "show", "cli-model").stdout)
        self.s3().put_object(Bucket=BUCKET, Key="cli-model/gguf/x.gguf", Body=b"second")
        shown = self.moss("models", "show", "cli-model").stdout
        self.assertIn(f"pins an older version (sha256 {sha256(b'first')[:12]})", shown)
        self.assertIn(f"current one is sha256 {sha256(b'second')[:12]}", shown)

        # So does a snapshot tag, for each of its files overwritten since.
        overwritten = b'{"overwritten": true}'
        self.s3().put_object(Bucket=BUCKET, Key="cli-model/2024-08-01/config.json",
                             Body=overwritten)
        shown = self.moss("models", "show", "cli-model").stdout
        self.assertIn("1 file pins an older version than the current one", shown)
        marked = [line for line in shown.splitlines()
                  if line.strip().startswith("config.json") and "! pins an older version" in line]
        self.assertEqual(len(marked), 2, shown)  # under v1 and under latest
        self.assertIn(f"(sha256 {sha256(files['config.json'])[:12]}); the file's current one is "
                      f"sha256 {sha256(overwritten)[:12]}", marked[0])

        # An empty directory is refused before anything is sent.
        empty = self.workdir("empty")
        proc = self.moss("push", "cli-empty", empty + "/", "--tag", "latest", check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("no files", proc.stderr)

    def test_moss_pull_skips_verified_files_and_refetches_a_corrupt_one(self):
        files = model_files(13, shard_size=3 * MiB)
        self.upload("resumed", "2024-09-01/", files)
        self.set_tag("resumed", "latest", "2024-09-01/")
        dest = self.workdir("resume")
        # A verified file already in place, a corrupt one, and a half-written .part.
        with open(os.path.join(dest, "config.json"), "wb") as f:
            f.write(files["config.json"])
        before = os.stat(os.path.join(dest, "config.json")).st_mtime_ns
        with open(os.path.join(dest, "tokenizer.json"), "wb") as f:
            f.write(b"corrupt")
        shard = "model-00001-of-00002.safetensors"
        with open(os.path.join(dest, shard + ".part"), "wb") as f:
            f.write(files[shard][:MiB])
        out = self.moss("pull", "resumed:latest", dest, "--no-progress").stdout
        self.assertIn("1 already there", out)
        self.assertEqual(tree_digests(dest), {p: sha256(d) for p, d in files.items()})
        self.assertEqual(os.stat(os.path.join(dest, "config.json")).st_mtime_ns, before)

        # Killed mid-way: whatever is left resumes to the same bytes, and no
        # file carries its final name before it is verified.
        dest = self.workdir("killed")
        big = model_files(14, shard_size=48 * MiB)
        self.upload("killed", "d/", big)
        self.set_tag("killed", "latest", "d/")
        proc = subprocess.Popen([MOSS_BINARY, "pull", "killed:latest", dest, "--no-progress",
                                 "--parallel", "1"], env=client_env(self.server),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            parts = [n for n, s in ((n, os.path.getsize(os.path.join(dest, n)))
                                    for n in os.listdir(dest) if n.endswith(".part")) if s > 0]
            if parts or proc.poll() is not None:
                break
            time.sleep(0.05)
        # The pull is killed mid-way, not after it finished: else what follows
        # proves nothing about resuming.
        self.assertIsNone(proc.poll(), "the pull ended before it could be interrupted")
        self.assertTrue(parts, "the pull never started writing a file")
        proc.kill()
        self.assertNotEqual(proc.wait(), 0)
        left = os.listdir(dest)
        self.assertIn(".moss-pull-snapshot", left)  # removed only by a pull that completes
        self.assertNotEqual({n for n in left if not n.endswith(".part")} - {".moss-pull-snapshot"},
                            set(big), "every file was already in place")
        for name, digest in tree_digests(dest).items():
            if not name.endswith(".part") and name != ".moss-pull-snapshot":
                self.assertEqual(digest, sha256(big[name]), name)
        self.moss("pull", "killed:latest", dest, "--no-progress")
        self.assertEqual(tree_digests(dest), {p: sha256(d) for p, d in big.items()})

    def test_moss_pull_yields_one_snapshot_when_the_tag_moves_mid_pull(self):
        old, new = model_files(15), model_files(16)
        self.upload("midpull", "old/", old)
        self.upload("midpull", "new/", new)
        self.set_tag("midpull", "latest", "old/")
        # Every request for a file of the tag is held at the proxy until the tag has moved.
        proxy = HoldingProxy(self.server.port,
                             rb"^(GET|HEAD) /models/midpull/(tags/latest|snapshots)/")
        self.addCleanup(proxy.close)
        dest = self.workdir("midpull")
        env = client_env(self.server, MOSS_ENDPOINT=proxy.endpoint,
                         AWS_ENDPOINT_URL=proxy.endpoint)
        proc = subprocess.Popen([MOSS_BINARY, "pull", "midpull:latest", dest, "--no-progress"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            self.assertTrue(proxy.held.wait(120), "the pull never asked for a file")
            self.set_tag("midpull", "latest", "new/")
            self.assertEqual(self.tag_document("midpull", "latest")["resolved"]["snapshot"]["id"],
                             identity(new))
            proxy.release()
            out, err = proc.communicate(timeout=300)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn(identity(old), out)
        self.assertEqual(tree_digests(dest), {p: sha256(d) for p, d in old.items()})

        # Run again, the pull notices the tag moved since the snapshot it had
        # started (an interrupted pull leaves its identity behind) and pulls
        # the new one; the old shard's partial bytes start over.
        dest = self.workdir("moved-since")
        with open(os.path.join(dest, ".moss-pull-snapshot"), "w") as f:
            f.write(identity(old) + "\n")
        shard = "model-00001-of-00002.safetensors"
        with open(os.path.join(dest, shard + ".part"), "wb") as f:
            f.write(old[shard][:4096])
        proc = self.moss("pull", "midpull:latest", dest, "--no-progress")
        self.assertIn(f"moved since the interrupted pull (snapshot {identity(old)} then, "
                      f"{identity(new)} now)", proc.stderr)
        self.assertEqual(tree_digests(dest), {p: sha256(d) for p, d in new.items()})


class SnapshotRetention(unittest.TestCase):
    """A snapshot no tag names any more stays readable by identity for
    --snapshot-retention, then the lifecycle worker releases its bytes. The
    worker's clock is moved past the retention by restarting the server on
    the same data with --lifecycle-clock-offset: nothing waits for time."""

    # The PostgreSQL variant below sets these.
    metadata_args = []
    # After the release, what removes the blob files: at once on a data
    # directory of its own; on shared storage the blob GC, here after no grace.
    release_args = []

    def setUp(self):
        self.server = MossServer(
            extra_args=self.metadata_args + ["--snapshot-retention", "1h"]).start()
        self.addCleanup(self.server.cleanup)

    def releases_pending(self):
        """Snapshots within their retention, as the metadata store has them."""
        return None

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result else 0
        outcome = super().run(result)
        if result and len(result.failures) + len(result.errors) > before:
            print(f"\n--- moss log tail ({self.id()}) ---\n{self.server.log_tail()}\n---")
        return outcome

    def run_lifecycle(self):
        res = signed_http.request(self.server, "POST", "/_moss/lifecycle/run")
        self.assertEqual(res.status, 200, res)
        return json.loads(res.body)

    def blob_exists(self, data):
        digest = sha256(data)
        return os.path.exists(os.path.join(self.server.data_dir, "blobs", digest[:2], digest))

    def test_an_untagged_snapshot_is_served_through_the_retention_then_released(self):
        s3 = boto3_client(self.server)
        s3.create_bucket(Bucket=BUCKET)
        old, new = model_files(21), model_files(22)
        for path, data in old.items():
            s3.put_object(Bucket=BUCKET, Key=f"kept/d/{path}", Body=data)
        res = signed_http.request(self.server, "PUT",
                                  signed_http.object_path(BUCKET, "kept/tags/latest"),
                                  body=b"d/")
        self.assertEqual(res.status, 200, res)
        snapshot = f"kept/snapshots/{identity(old)}/"

        # Every file of the snapshot overwritten, then deleted; the tag moved.
        for path, data in new.items():
            s3.put_object(Bucket=BUCKET, Key=f"kept/d/{path}", Body=data)
        res = signed_http.request(self.server, "PUT",
                                  signed_http.object_path(BUCKET, "kept/tags/latest"),
                                  body=b"d/")
        self.assertEqual(res.status, 200, res)
        for path in old:
            s3.delete_object(Bucket=BUCKET, Key=f"kept/d/{path}")
        self.assertEqual(s3.list_objects_v2(Bucket=BUCKET, Prefix="kept/d/")["KeyCount"], 0)

        def assert_served_by_identity():
            for path, data in old.items():
                got = s3.get_object(Bucket=BUCKET, Key=snapshot + path)
                self.assertEqual(sha256(got["Body"].read()), sha256(data), path)
                self.assertEqual(got["ResponseMetadata"]["HTTPHeaders"]["x-moss-snapshot"],
                                 identity(old))

        # No tag names it; by identity it is served, byte for byte.
        assert_served_by_identity()
        # A lifecycle run within the retention changes nothing.
        self.assertEqual(self.run_lifecycle()["snapshots_released"], 0)
        assert_served_by_identity()
        self.assertTrue(all(self.blob_exists(data) for data in old.values()))

        self.assertIn(self.releases_pending(), (None, 1))

        # Two hours later for the worker: the retention (1h) has passed.
        self.server.stop()
        self.server.extra_args = self.metadata_args + self.release_args + [
            "--snapshot-retention", "1h", "--lifecycle-clock-offset", "2h"]
        self.server.start()
        s3 = boto3_client(self.server)  # on the new port
        # The run at start may have released it already (and logged it).
        if self.run_lifecycle()["snapshots_released"] != 1:
            self.assertIsNotNone(self.server.wait_for_log_line(
                lambda line: "ended the retention of 1 snapshot(s)" in line))
        self.assertIn(self.releases_pending(), (None, 0))
        # The blob GC of shared storage runs on its own interval: wait for it.
        deadline = time.monotonic() + 60
        while any(self.blob_exists(data) for data in old.values()):
            self.assertLess(time.monotonic(), deadline, "the released blobs were never removed")
            time.sleep(0.2)
        for path in old:
            with self.assertRaises(ClientError) as cm:
                s3.get_object(Bucket=BUCKET, Key=snapshot + path)
            self.assertEqual(cm.exception.response["Error"]["Code"], "NoSuchKey", path)
            self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        # The snapshot the tag names now is untouched.
        for path, data in new.items():
            got = s3.get_object(Bucket=BUCKET, Key=f"kept/tags/latest/{path}")
            self.assertEqual(sha256(got["Body"].read()), sha256(data), path)


class SnapshotRetentionOnPostgres(SnapshotRetention):
    """The same with PostgreSQL metadata, where blob files are removed by the
    blob GC of shared storage (here with no grace, after the release only)."""

    def setUp(self):
        self.postgres = PostgresCluster()
        self.addCleanup(self.postgres.destroy)
        self.metadata_args = ["--metadata", self.postgres.dsn]
        self.release_args = ["--blob-gc-grace", "0s", "--blob-gc-interval", "1s"]
        super().setUp()

    def releases_pending(self):
        return int(self.postgres.sql("SELECT count(*) FROM snapshot_releases"))


ADMIN = ("SNAPADMIN0001", "snapadminsecret01")
TAG_READER = ("SNAPREADER001", "snapreadersecret1")
FILE_READER = ("SNAPFILES0001", "snapfilessecret01")
PUSHER = ("SNAPPUSHER001", "snappushersecret1")


class SnapshotTagPolicies(unittest.TestCase):
    """Reading a snapshot file through a tag needs s3:GetObject on the key
    read, under the tag's path, as for file tags; access to the directory the
    tag names neither grants nor is needed for it."""

    @classmethod
    def setUpClass(cls):
        from moss_harness import MossServer
        fd, cls.credentials = tempfile.mkstemp(prefix="moss-credentials-", suffix=".json")
        os.close(fd)
        with open(cls.credentials, "w") as f:
            json.dump({"keys": [
                {"access_key_id": ADMIN[0], "secret_access_key": ADMIN[1], "name": "admin",
                 "policy": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}},
                {"access_key_id": TAG_READER[0], "secret_access_key": TAG_READER[1],
                 "name": "tag-reader", "policy": {"Statement": [
                     {"Effect": "Allow", "Action": ["s3:GetObject"],
                      "Resource": ["arn:aws:s3:::models/pol/tags/latest/*"]},
                     {"Effect": "Allow", "Action": ["s3:ListBucket"],
                      "Resource": ["arn:aws:s3:::models"]}]}},
                {"access_key_id": FILE_READER[0], "secret_access_key": FILE_READER[1],
                 "name": "file-reader", "policy": {"Statement": [
                     {"Effect": "Allow", "Action": ["s3:GetObject"],
                      "Resource": ["arn:aws:s3:::models/pol/2024-10-01/*"]}]}},
                # May do anything but upload a file named blocked.bin.
                {"access_key_id": PUSHER[0], "secret_access_key": PUSHER[1],
                 "name": "pusher", "policy": {"Statement": [
                     {"Effect": "Allow", "Action": "*", "Resource": "*"},
                     {"Effect": "Deny", "Action": "s3:PutObject",
                      "Resource": ["arn:aws:s3:::models/pushed/*/blocked.bin"]}]}},
            ]}, f)
        cls.server = MossServer(credentials=False,
                                extra_args=["--credentials", cls.credentials]).start()
        cls.addClassCleanup(cls.server.cleanup)
        cls.addClassCleanup(os.unlink, cls.credentials)
        admin = cls.client(ADMIN)
        admin.create_bucket(Bucket=BUCKET)
        cls.files = model_files(20)
        for path, data in cls.files.items():
            admin.put_object(Bucket=BUCKET, Key=f"pol/2024-10-01/{path}", Body=data)
        admin.put_object(Bucket=BUCKET, Key="pol/tags/latest", Body=b"2024-10-01/")

    @classmethod
    def client(cls, key):
        import boto3
        from botocore.config import Config
        return boto3.client("s3", endpoint_url=cls.server.endpoint, region_name="us-east-1",
                            aws_access_key_id=key[0], aws_secret_access_key=key[1],
                            config=Config(s3={"addressing_style": "path"},
                                          retries={"max_attempts": 1}))

    def assertDenied(self, call, **kwargs):
        with self.assertRaises(ClientError) as cm:
            call(**kwargs)
        self.assertEqual(cm.exception.response["Error"]["Code"], "AccessDenied")

    def test_reading_through_the_tag_needs_get_object_on_the_tag_path(self):
        reader = self.client(TAG_READER)
        for path, data in self.files.items():
            got = reader.get_object(Bucket=BUCKET, Key=f"pol/tags/latest/{path}")
            self.assertEqual(sha256(got["Body"].read()), sha256(data))
        listed = reader.list_objects_v2(Bucket=BUCKET, Prefix="pol/tags/latest/")
        self.assertEqual(len(listed["Contents"]), len(self.files))
        # The files themselves, by identity, and other tags stay closed to it.
        self.assertDenied(reader.get_object, Bucket=BUCKET, Key="pol/2024-10-01/config.json")
        self.assertDenied(reader.get_object, Bucket=BUCKET,
                          Key=f"pol/snapshots/{identity(self.files)}/config.json")
        self.assertDenied(reader.get_object, Bucket=BUCKET, Key="pol/tags/other/config.json")
        # A key that may read the directory may not read it through the tag.
        files = self.client(FILE_READER)
        self.assertEqual(files.get_object(Bucket=BUCKET, Key="pol/2024-10-01/config.json")
                         ["Body"].read(), self.files["config.json"])
        self.assertDenied(files.get_object, Bucket=BUCKET, Key="pol/tags/latest/config.json")

    def test_a_push_with_a_file_that_fails_to_upload_sets_no_tag(self):
        tmp = tempfile.mkdtemp(prefix="moss-push-denied-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        env = client_env(self.server, AWS_ACCESS_KEY_ID=PUSHER[0],
                         AWS_SECRET_ACCESS_KEY=PUSHER[1])

        def push(directory, date, *tags):
            args = [MOSS_BINARY, "push", "pushed", directory + "/", "--date", date,
                    "--no-progress"]
            for tag in tags:
                args += ["--tag", tag]
            return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)

        def write(directory, files):
            for path, data in files.items():
                os.makedirs(os.path.dirname(os.path.join(directory, path)), exist_ok=True)
                with open(os.path.join(directory, path), "wb") as f:
                    f.write(data)

        first = model_files(26)
        write(os.path.join(tmp, "first"), first)
        proc = push(os.path.join(tmp, "first"), "2024-11-01", "latest")
        self.assertEqual(proc.returncode, 0, proc.stderr)

        # The next version holds a file the server refuses: the other files
        # may be stored, but neither tag is set or moved.
        second = dict(model_files(27), **{"blocked.bin": b"refused by policy"})
        write(os.path.join(tmp, "second"), second)
        proc = push(os.path.join(tmp, "second"), "2024-11-02", "latest", "next")
        self.assertEqual(proc.returncode, 1, proc.stdout)
        self.assertIn("blocked.bin", proc.stderr)
        self.assertIn("access denied", proc.stderr.lower())
        self.assertNotIn("tagged", proc.stdout)
        admin = self.client(ADMIN)
        latest = admin.head_object(Bucket=BUCKET, Key="pushed/tags/latest/config.json")
        self.assertEqual(latest["ResponseMetadata"]["HTTPHeaders"]["x-moss-snapshot"],
                         identity(first))
        with self.assertRaises(ClientError) as cm:
            admin.head_object(Bucket=BUCKET, Key="pushed/tags/next/config.json")
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        res = signed_http.request(self.server, "GET", "/_moss/v1/tag",
                                  signed_http.query_string({"bucket": BUCKET, "model": "pushed",
                                                            "tag": "next"}),
                                  access_key=ADMIN[0], secret_key=ADMIN[1])
        self.assertEqual(res.status, 404, res)


if __name__ == "__main__":
    unittest.main()
