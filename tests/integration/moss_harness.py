"""Starts the real moss binary for integration tests and gives clients what
they need to reach it.

Every server gets its own free loopback port (moss binds port 0 and reports
the port it got through --port-file) and its own temporary data directory, so
test files run in parallel without sharing anything.
"""

import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

# How AddressSanitizer, LeakSanitizer and UBSan begin a report.
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error: ")

MOSS_BINARY = os.environ.get("MOSS_BINARY") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "moss")
SOURCE_DIR = os.environ.get("MOSS_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))

ACCESS_KEY = "MOSSTESTKEY00000001"
SECRET_KEY = "moss-test-secret-key-0000000000000000001"
REGION = "us-east-1"


def wait_for(predicate, timeout=15, interval=0.05):
    """Polls until predicate() is true; returns its last value."""
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value or time.time() > deadline:
            return value
        time.sleep(interval)


class MossServer:
    """One moss process. Use as a context manager or call start()/stop()."""

    def __init__(self, data_dir=None, extra_args=(), env=None, credentials=True,
                 command_prefix=(), tls_context=None, descriptor_limits=None,
                 data_filesystem_bytes=None):
        self.own_data_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="moss-data-")
        self.work_dir = tempfile.mkdtemp(prefix="moss-run-")
        self.extra_args = list(extra_args)
        self.env = dict(env or {})
        self.credentials = credentials
        # Runs the server under another program (strace -o FILE ...), which
        # must exit when the server does; signals go to the server itself.
        self.command_prefix = list(command_prefix)
        # An ssl.SSLContext: the server speaks HTTPS (extra_args name the
        # certificate) and the readiness check connects with this context.
        self.tls_context = tls_context
        # (soft, hard): the open-file limits the server starts with, as a
        # shell's `ulimit -Sn`/`-Hn` would give it; None keeps the test's own.
        self.descriptor_limits = descriptor_limits
        # A size in bytes: the data directory is a tmpfs of that size, mounted
        # in a mount namespace of the server's own (unshare; no root needed),
        # so a test can fill the disk. The test sees it through data_view().
        self.data_filesystem_bytes = data_filesystem_bytes
        self.process = None
        self.signalled = None  # the signal the test sent the server, if any
        self.port = None
        self.log_path = os.path.join(self.work_dir, "moss.log")

    @property
    def endpoint(self):
        scheme = "https" if self.tls_context else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def start(self, timeout=20):
        port_file = os.path.join(self.work_dir, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        env = dict(os.environ)
        env.pop("MOSS_ACCESS_KEY_ID", None)
        env.pop("MOSS_SECRET_ACCESS_KEY", None)
        if self.credentials:
            env["MOSS_ACCESS_KEY_ID"] = ACCESS_KEY
            env["MOSS_SECRET_ACCESS_KEY"] = SECRET_KEY
        env.update(self.env)
        args = self.command_prefix + [MOSS_BINARY, "serve", "--listen", "127.0.0.1:0", "--data", self.data_dir,
                "--port-file", port_file, "--log-format", "json", "--log-level", "debug",
                ] + self.extra_args
        if self.data_filesystem_bytes:
            # unshare and sh exec: the process started is the server itself.
            args = ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                    'mount -t tmpfs -o size="$1" tmpfs "$2" && shift 2 && exec "$@"', "sh",
                    str(self.data_filesystem_bytes), self.data_dir] + args
        self.log_file = open(self.log_path, "ab")
        limits = self.descriptor_limits
        set_limits = (lambda: resource.setrlimit(resource.RLIMIT_NOFILE, limits)) if limits else None
        self.process = subprocess.Popen(args, stdout=self.log_file, stderr=subprocess.STDOUT,
                                        env=env, cwd=self.work_dir, preexec_fn=set_limits)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.forget_process()
                raise RuntimeError(f"moss exited with {code}:\n{self.log_tail()}")
            try:
                with open(port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    break
            except FileNotFoundError:
                pass
            time.sleep(0.02)
        else:
            raise RuntimeError("moss did not start:\n" + self.log_tail())
        # Ready when /readyz says so.
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.endpoint + "/readyz", timeout=2,
                                            context=self.tls_context) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("moss never became ready:\n" + self.log_tail())

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Stops the server with `sig` and returns its exit code.

        Raises AssertionError, with the log's tail, when the server is not
        healthy at the end: it had exited before it was stopped (a crash,
        unless the test signalled it through send_signal), it did not exit
        within `timeout` seconds, or it exited non-zero on SIGTERM or SIGINT.
        SIGKILL (kill()) is for crash tests: its exit status is expected."""
        if not self.process:
            return None
        hung = False
        crashed = self.process.poll() is not None and self.signalled is None
        if self.process.poll() is None:
            self.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                hung = True
                self.process.kill()
                self.process.wait()
        signalled = self.signalled
        code = self.forget_process()
        self.check_no_sanitizer_report()
        if crashed:
            raise AssertionError(f"moss had already exited (status {code}) before it was "
                                 f"stopped:\n{self.log_tail()}")
        if hung:
            raise AssertionError(f"moss did not exit within {timeout}s of {signalled.name}:\n"
                                 f"{self.log_tail()}")
        if signalled != signal.SIGKILL and code != 0:
            raise AssertionError(f"moss exited with status {code} on {signalled.name}:\n"
                                 f"{self.log_tail()}")
        return code

    def send_signal(self, sig):
        """Signals the server; stop() then accepts that it exited (with the
        status that signal calls for) rather than calling that a crash."""
        self.signalled = signal.Signals(sig)
        if self.command_prefix:
            os.kill(self.server_pid(), sig)
        else:
            self.process.send_signal(sig)

    def data_view(self, *parts):
        """A path into the data directory as the server sees it: through its
        own mount namespace when the data is on a tmpfs of its own."""
        if self.data_filesystem_bytes:
            return os.path.join(f"/proc/{self.server_pid()}/root" + self.data_dir, *parts)
        return os.path.join(self.data_dir, *parts)

    def server_pid(self):
        """The moss process: the one started, or the prefix program's child."""
        if not self.command_prefix:
            return self.process.pid
        with open(f"/proc/{self.process.pid}/task/{self.process.pid}/children") as f:
            return int(f.read().split()[0])

    def wait_for_exit(self, timeout):
        """The exit status, once the server exits by itself (after
        send_signal); TimeoutExpired after `timeout` seconds."""
        return self.process.wait(timeout=timeout)

    def forget_process(self):
        """Reaps the exited process, closes its log; returns its exit status."""
        code = self.process.wait()
        self.log_file.close()
        self.process = None
        self.signalled = None
        return code

    def check_no_sanitizer_report(self):
        """In a sanitized build (MOSS_SANITIZE) a server that hit undefined
        behaviour, a memory error or a leak says so in its log: a failure."""
        text = self.log_text()
        for marker in SANITIZER_MARKERS:
            at = text.find(marker)
            if at >= 0:
                raise AssertionError("the server's sanitizer report:\n" + text[at:at + 6000])

    def kill(self):
        """SIGKILL: no chance to clean up (crash tests)."""
        return self.stop(signal.SIGKILL)

    def restart(self):
        self.stop()
        return self.start()

    def pid(self):
        return self.process.pid if self.process else None

    def requests_in_flight(self):
        """How many requests the server is handling now: their head read, their
        answer not yet finished (moss_http_requests_in_flight on /metrics,
        which does not count itself)."""
        with urllib.request.urlopen(self.endpoint + "/metrics", timeout=5,
                                    context=self.tls_context) as r:
            text = r.read().decode()
        return int(re.search(r"^moss_http_requests_in_flight (\d+)", text, re.M).group(1))

    def wait_until_idle(self, timeout=10.0):
        """Waits until no request is in flight. A request is counted on /metrics
        when its answer has been written, which can be just after the client
        has read the answer and moved on; tests that read request counters wait
        here first."""
        if not wait_for(lambda: self.requests_in_flight() == 0, timeout, interval=0.02):
            raise AssertionError(f"requests still in flight after {timeout} s")

    def rss_kib(self):
        """Current and peak resident set size of the server, in KiB."""
        current = peak = 0
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    current = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    peak = int(line.split()[1])
        return current, peak

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def wait_for_log_line(self, matches, timeout=5.0):
        """The first log line for which `matches(line)` is true, waiting for it:
        the server flushes its log once a second (at once for warnings), so a
        line for a request that just finished may not be in the file yet.
        Returns None when no such line shows up within `timeout` seconds.
        Only whole lines count: a flush can end mid-line (the log's buffer
        fills), and a test that found the start of a line and then parsed the
        file again would miss it (a flaky s3cmd test did)."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.log_text().split("\n")[:-1]:
                if matches(line):
                    return line
            if time.monotonic() > deadline:
                return None
            time.sleep(0.1)

    def log_tail(self, lines=60):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def cleanup(self):
        """Stops the server (failing as stop() does) and removes its files."""
        try:
            self.stop()
        finally:
            if self.own_data_dir:
                shutil.rmtree(self.data_dir, ignore_errors=True)
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, traceback):
        try:
            self.cleanup()
        except AssertionError:
            if exc_type is None:
                raise
            # The body's own failure is the one to report; show this one too.
            print(f"\n--- while stopping moss after a failure ---\n{sys.exc_info()[1]}")


def blob_usage(server):
    """(files, bytes) under the server's <data>/blobs."""
    files = size = 0
    for root, _, names in os.walk(os.path.join(server.data_dir, "blobs")):
        for name in names:
            files += 1
            size += os.path.getsize(os.path.join(root, name))
    return files, size


def client_env(server, **extra):
    """Environment for CLI clients (aws-cli, rclone, node) pointing at `server`."""
    env = dict(os.environ)
    env.update({
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL": server.endpoint,
        "MOSS_ENDPOINT": server.endpoint,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    })
    env.update(extra)
    return env


def asan_options_under_ptrace():
    """ASAN_OPTIONS for a moss run under strace: LeakSanitizer cannot run under
    ptrace (a sanitized build exits 1 at its end); the other sanitizers still
    check the run. Harmless for a build without sanitizers."""
    asan = os.environ.get("ASAN_OPTIONS", "")
    return (asan + ":detect_leaks=0").lstrip(":")


def boto3_client(server, **config):
    import boto3
    from botocore.config import Config
    return boto3.client(
        "s3", endpoint_url=server.endpoint, region_name=REGION,
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, **config))


class MossTestCase(unittest.TestCase):
    """A test class sharing one server across its tests (started in setUpClass).
    On failure the server log's tail is printed to help diagnosis."""

    server_args = ()

    @classmethod
    def setUpClass(cls):
        cls.server = MossServer(extra_args=cls.server_args).start()
        # Runs even when a subclass's setUpClass fails after this point (then
        # tearDownClass does not): no server outlives its test class.
        cls.addClassCleanup(cls.server.cleanup)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result else 0
        outcome = super().run(result)
        if result and len(result.failures) + len(result.errors) > before:
            print(f"\n--- moss log tail ({self.id()}) ---\n{self.server.log_tail()}\n---")
        return outcome

    def s3(self, **config):
        return boto3_client(self.server, **config)

    def unique_bucket(self, prefix="b"):
        import uuid
        name = f"{prefix}-{uuid.uuid4().hex[:16]}"
        self.s3().create_bucket(Bucket=name)
        return name


def random_file(directory, size, name="random.bin"):
    """A file of `size` random bytes; returns its path."""
    path = os.path.join(directory, name)
    with open(path, "wb") as f:
        remaining = size
        while remaining:
            chunk = os.urandom(min(remaining, 1 << 20))
            f.write(chunk)
            remaining -= len(chunk)
    return path


def sha256_file(path):
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def node_with_package(package):
    """The node binary, once tests/js has `package` installed; a missing one is
    a failure that says how to install it, never a skip."""
    node = shutil.which("node")
    if not node:
        raise AssertionError("node is not installed: apt-get install nodejs "
                             "(scripts/install-deps), then scripts/install-test-clients")
    if not os.path.isdir(os.path.join(SOURCE_DIR, "tests", "js", "node_modules", package)):
        raise AssertionError(f"{package} is not installed: run scripts/install-test-clients "
                             "(npm ci in tests/js)")
    return node


def which(program, *candidates):
    """The first existing path among candidates, else PATH lookup."""
    for c in candidates:
        if os.path.exists(c):
            return c
    return shutil.which(program)


class PostgresCluster:
    """A throwaway PostgreSQL server of its own (tests/tools/pg-cluster): a
    temporary directory, a free loopback port, the `postgres` user when the
    tests run as root. Fails, naming what to install, when there is no server
    to start: a test that needs PostgreSQL never passes without one."""

    SCRIPT = os.path.join(SOURCE_DIR, "tests", "tools", "pg-cluster")
    # What the TCP DSN (tcp_dsn, password authentication) needs; the socket
    # DSN (dsn) needs none.
    PASSWORD = "moss-test-password"

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="moss-pg-", dir="/tmp")
        os.rmdir(self.dir)  # pg-cluster creates it, owned by the server's user
        proc = subprocess.run([self.SCRIPT, "init", self.dir], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError("cannot start PostgreSQL for the test (install postgresql-15; "
                               "scripts/install-deps --test does):\n" + proc.stderr)
        self.dsn = proc.stdout.strip()
        self.tcp_dsn = self._run("dsn", "tcp").strip()

    def _run(self, *args):
        proc = subprocess.run([self.SCRIPT, args[0], self.dir, *args[1:]], capture_output=True,
                              text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"pg-cluster {args[0]} failed:\n{proc.stderr}")
        return proc.stdout

    def stop(self):
        self._run("stop")

    def start(self):
        self._run("start")

    def sql(self, statement):
        """Runs `statement` with psql; returns its unaligned output."""
        proc = subprocess.run(["psql", self.dsn, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                               "-c", statement], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"psql failed: {proc.stderr}")
        return proc.stdout.strip()

    def destroy(self):
        subprocess.run([self.SCRIPT, "destroy", self.dir], capture_output=True)


class ReplicaSet:
    """`count` moss replicas sharing one data directory and one PostgreSQL
    database, each on its own port, as several pods behind one Service."""

    def __init__(self, count, extra_args=()):
        self.postgres = PostgresCluster()
        self.data_dir = tempfile.mkdtemp(prefix="moss-shared-")
        self.extra_args = list(extra_args)
        self.servers = []
        try:
            for _ in range(count):
                self.add()
        except Exception:
            self.cleanup()
            raise

    def add(self, metadata_args=None, env=None):
        """Starts one more replica. `metadata_args` replace how it names the
        database (by default `--metadata` with the socket DSN); `env` adds to
        its environment (MOSS_METADATA, PGPASSWORD)."""
        if metadata_args is None:
            metadata_args = ["--metadata", self.postgres.dsn]
        server = MossServer(data_dir=self.data_dir, env=env,
                            extra_args=list(metadata_args) + self.extra_args)
        self.servers.append(server)
        server.start()
        return server

    def cleanup(self):
        """Stops every replica (failing, after all are stopped, if one was not
        healthy) and removes the database and the data directory."""
        failures = []
        for server in self.servers:
            try:
                server.cleanup()
            except AssertionError as e:
                failures.append(e)
        self.postgres.destroy()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        if failures:
            raise failures[0]
