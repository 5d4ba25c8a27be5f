"""Durability beyond a killed process: the order of the server's syscalls.

`kill -9` leaves the page cache in place, so the crash tests in
test_durability.py cannot see a missing fsync: only a power cut would. This
file runs the real server under strace and checks, request by request, the
rules of docs/design.md ("The rules that make writes safe"):

  1. a blob's temporary file is fdatasync'd before it is renamed into blobs/;
  2. the blob directory is fsync'd after that rename and before the metadata
     commit starts (SQLite in WAL mode: writes to moss.db-wal, then an
     fdatasync/fsync of moss.db-wal);
  3. the commit is synced before the first response byte goes to the client;
  4. a blob whose last reference went away is unlinked only after the commit
     that dropped the reference is durable.

Order is taken from the trace's line order, not its timestamps: strace is one
process handling every thread's syscall stops one at a time, and a thread
stopped at a syscall's exit cannot go on (and cause another thread's next
syscall) before strace has printed that exit. So "A returned before B was
entered" is "the line ending A comes before the line starting B". A syscall
interrupted by another thread's is printed as `name(... <unfinished ...>` and
later `<... name resumed> ...)`; both halves are joined here. With -yy strace
prints the file or TCP connection behind each descriptor, so descriptors
reused for another file (the numbers repeat) are told apart by name, and the
client's connection by its local port.
"""
import base64
import hashlib
import http.client
import os
import re
import shutil
import unittest
import uuid

from moss_harness import MossServer, asan_options_under_ptrace
import signed_http

TRACED = ("fdatasync,fsync,rename,renameat,renameat2,openat,write,pwrite64,sendto,sendmsg,"
          "writev,accept,accept4,unlink,unlinkat")
SEND_CALLS = ("sendto", "sendmsg", "writev", "write")
SYNC_CALLS = ("fdatasync", "fsync")
MIB = 1024 * 1024

LINE = re.compile(r"^(\d+)\s+\d+\.\d+\s+(.*)$")
RESUMED = re.compile(r"^<\.\.\. (\w+) resumed>(.*)$")
CALL = re.compile(r"^(\w+)\((.*)$")
FIRST_FD = re.compile(r"^-?\d+<(.*?)>(?:,|\)|$)")
STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
RETURN = re.compile(r"\)\s+=\s+(-?\d+)(?:<(.*)>)?")


class Syscall:
    """One syscall: its name, the text of its arguments and result, and the
    trace line numbers where it was entered (`start`) and returned (`end`)."""

    def __init__(self, pid, name, text, start):
        self.pid, self.name, self.text, self.start, self.end = pid, name, text, start, start

    def fd_path(self):
        """What the first argument's descriptor names (-yy), or None."""
        m = FIRST_FD.match(self.text)
        return m.group(1) if m else None

    def strings(self):
        return [bytes(s, "ascii").decode("unicode_escape") for s in STRING.findall(self.text)]

    def result(self):
        """(return value, what a returned descriptor names) or (None, None)."""
        m = RETURN.search(self.text)
        return (int(m.group(1)), m.group(2)) if m else (None, None)

    def __repr__(self):
        return f"<{self.name} lines {self.start}-{self.end}: {self.text[:160]}>"


def parse_strace(path):
    """The syscalls of `strace -f -ttt -yy -o path`, in the order entered."""
    calls, pending = [], {}
    with open(path, encoding="ascii", errors="replace") as f:
        for number, line in enumerate(f, 1):
            m = LINE.match(line.rstrip("\n"))
            if not m:
                continue
            pid, rest = int(m.group(1)), m.group(2)
            resumed = RESUMED.match(rest)
            if resumed:
                call = pending.pop(pid, None)
                if call is not None and call.name == resumed.group(1):
                    call.text += resumed.group(2)
                    call.end = number
                continue
            called = CALL.match(rest)
            if not called:
                continue  # signals, exits
            call = Syscall(pid, called.group(1), called.group(2), number)
            if rest.endswith("<unfinished ...>"):
                call.text = call.text[:-len("<unfinished ...>")].rstrip()
                pending[pid] = call
            calls.append(call)
    return calls


class FsyncOrder(unittest.TestCase):
    """The requests are made once (setUpClass), with the server stopped before
    the trace is read; each test checks one kind of request."""

    @classmethod
    def setUpClass(cls):
        if not shutil.which("strace"):
            raise RuntimeError("strace is required (scripts/install-deps --test installs it)")
        server = MossServer(extra_args=("--lifecycle-clock-offset", "3d"),
                            env={"ASAN_OPTIONS": asan_options_under_ptrace()})
        cls.trace_path = os.path.join(server.work_dir, "strace.txt")
        server.command_prefix = ["strace", "-f", "-ttt", "-yy", "-s", "300",
                                 "-e", "trace=" + TRACED, "-o", cls.trace_path]
        cls.server = server
        cls.addClassCleanup(server.cleanup)
        server.start(timeout=60)
        # Paths as the server names them (rename, unlink) and as the kernel
        # resolves them (the files behind descriptors).
        cls.data_arg = server.data_dir
        cls.data_dir = os.path.realpath(server.data_dir)
        cls.conns = {}
        try:
            cls.make_requests()
        finally:
            server.stop()
        cls.calls = parse_strace(cls.trace_path)

    @classmethod
    def request(cls, name, method, path, query="", headers=None, body=b""):
        """A signed request on a new connection; remembers its client port."""
        signed = signed_http.sign(cls.server, method, path, query, headers, body)
        if body:
            signed["Content-Length"] = str(len(body))
        conn = http.client.HTTPConnection("127.0.0.1", cls.server.port, timeout=120)
        try:
            conn.connect()
            cls.conns[name] = conn.sock.getsockname()[1]
            conn.request(method, path + ("?" + query if query else ""), body=body or None,
                         headers=signed)
            res = conn.getresponse()
            return signed_http.Response(res.status, res.headers, res.read())
        finally:
            conn.close()

    @classmethod
    def expect(cls, name, status, *args, **kwargs):
        res = cls.request(name, *args, **kwargs)
        if res.status != status:
            raise AssertionError(f"{name}: {res!r}")
        return res

    @classmethod
    def make_requests(cls):
        bucket = "fsync-" + uuid.uuid4().hex[:12]
        cls.bucket = bucket
        cls.expect("create bucket", 200, "PUT", "/" + bucket)

        cls.put_body = b"fsync order " + os.urandom(64)
        cls.expect("put", 200, "PUT", f"/{bucket}/model/file.bin", body=cls.put_body)

        cls.expect("tag", 200, "PUT", f"/{bucket}/model/tags/latest", body=b"file.bin")

        cls.deleted_body = b"to be deleted " + os.urandom(64)
        cls.expect("put deleted", 200, "PUT", f"/{bucket}/gone.bin", body=cls.deleted_body)
        cls.expect("delete", 204, "DELETE", f"/{bucket}/gone.bin")

        # Two parts: every part but the last is at least 5 MiB.
        cls.parts = [os.urandom(5 * MIB), os.urandom(1000)]
        res = cls.expect("create upload", 200, "POST", f"/{bucket}/multi.bin", "uploads")
        upload_id = res.xml().findtext(signed_http.S3_NS + "UploadId")
        etags = []
        for number, part in enumerate(cls.parts, 1):
            res = cls.expect(f"part {number}", 200, "PUT", f"/{bucket}/multi.bin",
                             f"partNumber={number}&uploadId={signed_http.aws_quote(upload_id)}", body=part)
            etags.append(res.headers["ETag"])
        complete = "<CompleteMultipartUpload>" + "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>"
            for n, e in enumerate(etags, 1)) + "</CompleteMultipartUpload>"
        cls.expect("complete", 200, "POST", f"/{bucket}/multi.bin",
                   "uploadId=" + signed_http.aws_quote(upload_id), body=complete.encode())

        lifecycle = ("<LifecycleConfiguration><Rule><ID>old</ID><Filter><Prefix>old/</Prefix>"
                     "</Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"
                     "</Rule></LifecycleConfiguration>").encode()
        md5 = base64.b64encode(hashlib.md5(lifecycle).digest()).decode()
        cls.expect("lifecycle rule", 200, "PUT", "/" + bucket, "lifecycle",
                   headers={"Content-MD5": md5}, body=lifecycle)
        cls.expired_body = b"expires " + os.urandom(64)
        cls.expect("put expiring", 200, "PUT", f"/{bucket}/old/a.bin", body=cls.expired_body)
        cls.expect("lifecycle run", 200, "POST", "/_moss/lifecycle/run")

    # --- reading the trace ------------------------------------------------

    def blob_path(self, body):
        sha = hashlib.sha256(body).hexdigest()
        return f"{self.data_arg}/blobs/{sha[:2]}/{sha}"

    def is_wal(self, call):
        return call.fd_path() == self.data_dir + "/moss.db-wal"

    def wal_writes(self):
        return [c for c in self.calls if c.name in ("pwrite64", "write") and self.is_wal(c)]

    def wal_syncs(self):
        return [c for c in self.calls if c.name in SYNC_CALLS and self.is_wal(c)]

    def connection(self, name):
        """(line where the server accepted the request's connection, the
        first syscall writing to it: the start of the response)."""
        port = self.conns[name]
        peer = f"->127.0.0.1:{port}]"
        accepted = [c for c in self.calls if c.name in ("accept", "accept4")
                    and (c.result()[1] or "").endswith(peer)]
        self.assertEqual(len(accepted), 1, f"{name}: no accept of client port {port} traced")
        sends = [c for c in self.calls if c.name in SEND_CALLS
                 and (c.fd_path() or "").endswith(peer)]
        self.assertTrue(sends, f"{name}: no response written to client port {port}")
        return accepted[0].end, sends[0]

    def rename_into(self, target):
        renames = [c for c in self.calls if c.name.startswith("rename")
                   and len(c.strings()) == 2 and c.strings()[1] == target]
        self.assertEqual(len(renames), 1, f"one rename to {target}: {renames}")
        self.assertEqual(renames[0].result()[0], 0, renames[0])
        return renames[0]

    # --- the rules ---------------------------------------------------------

    def synced_commits(self, after, before):
        """(write, sync) pairs: a thread wrote moss.db-wal after line `after`
        and then synced it, the sync returning before line `before`. Paired
        per thread, so a background writer (the content hasher after a
        Complete) whose commit is still open cannot be taken for the
        request's, nor hide it."""
        pairs = []
        for sync in self.wal_syncs():
            if not (after < sync.start and sync.end < before):
                continue
            writes = [w for w in self.wal_writes()
                      if w.pid == sync.pid and after < w.start and w.end < sync.start]
            if writes:
                pairs.append((writes[-1], sync))
        return pairs

    def assert_committed_before(self, name, after, response):
        """A commit (WAL writes, then a WAL sync by the same thread) happened
        after line `after` and was synced before the response started."""
        writes = [c for c in self.wal_writes() if after < c.start < response.start]
        self.assertTrue(writes, f"{name}: no write to moss.db-wal before the response")
        self.assertTrue(self.synced_commits(after, response.start),
                        f"{name}: the WAL written at lines {[w.start for w in writes]} was not "
                        f"synced before the response at line {response.start}")

    def assert_blob_made_durable(self, name, body):
        """Rules 1-3 for a request that stored `body` as a new blob."""
        accepted, response = self.connection(name)
        target = self.blob_path(body)
        rename = self.rename_into(target)
        tmp = rename.strings()[0]
        self.assertTrue(tmp.startswith(self.data_arg + "/tmp/"), rename)
        tmp = os.path.realpath(tmp)
        self.assertGreater(rename.start, accepted)

        # 1. The temporary file's data, all of it, synced before the rename.
        on_tmp = [c for c in self.calls if c.fd_path() == tmp]
        writes = [c for c in on_tmp if c.name in ("write", "pwrite64", "writev")]
        self.assertTrue(writes, f"{name}: no write to {tmp}")
        syncs = [c for c in on_tmp if c.name in SYNC_CALLS and c.end < rename.start]
        self.assertTrue(syncs, f"{name}: {tmp} renamed at line {rename.start} without an "
                        "fdatasync before it")
        self.assertGreater(syncs[-1].start, writes[-1].end,
                           f"{name}: {tmp} written after its last sync")
        self.assertEqual(syncs[-1].result()[0], 0, syncs[-1])

        # 2. The directory synced after the rename, before the commit starts.
        directory = os.path.realpath(os.path.dirname(target))
        dir_syncs = [c for c in self.calls if c.name in SYNC_CALLS
                     and c.fd_path() == directory and c.start > rename.end]
        self.assertTrue(dir_syncs, f"{name}: {directory} never fsync'd after the rename")
        dir_sync = dir_syncs[0]
        self.assertLess(dir_sync.end, response.start,
                        f"{name}: response before the directory fsync")
        early = [c for c in self.wal_writes() if rename.start < c.start < dir_sync.end]
        self.assertFalse(early, f"{name}: the metadata commit began before the blob "
                         f"directory was synced: {early[:2]}")

        # 3. The commit synced before the response.
        self.assert_committed_before(name, dir_sync.end, response)

    def assert_unlinked_after_commit(self, name, body):
        """Rule 4: the blob is removed only after a synced commit."""
        accepted, response = self.connection(name)
        target = self.blob_path(body)
        unlinks = [c for c in self.calls if c.name in ("unlink", "unlinkat") and target in
                   c.strings()]
        self.assertEqual(len(unlinks), 1, f"{name}: {target} not unlinked once: {unlinks}")
        unlink = unlinks[0]
        self.assertGreater(unlink.start, accepted)
        self.assertTrue(self.synced_commits(accepted, unlink.start),
                        f"{name}: {target} unlinked at line {unlink.start} before a commit of "
                        "this request was synced")

    def test_the_trace_shows_what_the_rules_are_checked_on(self):
        # The parser found the calls the rules are about (no vacuous pass).
        names = {c.name for c in self.calls}
        for wanted in ("fdatasync", "fsync", "sendmsg", "accept"):
            self.assertTrue(any(n.startswith(wanted) for n in names), (wanted, sorted(names)))
        self.assertTrue(self.wal_syncs())

    def test_put_syncs_blob_then_directory_then_commit_then_answers(self):
        self.assert_blob_made_durable("put", self.put_body)

    def test_each_upload_part_is_durable_before_it_is_acknowledged(self):
        for number, part in enumerate(self.parts, 1):
            with self.subTest(part=number):
                self.assert_blob_made_durable(f"part {number}", part)

    def test_complete_multipart_commits_before_answering(self):
        accepted, response = self.connection("complete")
        self.assert_committed_before("complete", accepted, response)

    def test_setting_a_tag_commits_before_answering(self):
        accepted, response = self.connection("tag")
        self.assert_committed_before("tag", accepted, response)

    def test_delete_commits_before_answering_and_before_removing_the_blob(self):
        accepted, response = self.connection("delete")
        self.assert_committed_before("delete", accepted, response)
        self.assert_unlinked_after_commit("delete", self.deleted_body)

    def test_lifecycle_expiry_commits_before_removing_the_blob(self):
        accepted, response = self.connection("lifecycle run")
        self.assert_committed_before("lifecycle run", accepted, response)
        self.assert_unlinked_after_commit("lifecycle run", self.expired_body)


if __name__ == "__main__":
    unittest.main()
