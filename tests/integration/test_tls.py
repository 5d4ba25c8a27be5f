"""HTTPS: moss serve --tls-cert/--tls-key (and --tls-client-ca) driven by
real clients over TLS with a test CA made here with the openssl CLI.

aws-cli (--ca-bundle), boto3 (verify=CA), rclone (--ca-cert) and curl
(--cacert, --aws-sigv4) PUT, GET and list; TLS 1.0/1.1 and non-AEAD TLS 1.2
suites are refused; a certificate rotated the way a Kubernetes Secret volume
rotates it (a symlink swap) reaches new connections while an open one keeps
working; an expired certificate and one for another name are refused by the
clients while the server keeps serving; a missing or mismatched key stops the
start with a clear message; a pair that does not load at reload keeps the old
one; a connection over --max-connections is answered 503 SlowDown over TLS
(curl and Python's ssl see the answer) and counted; with --tls-client-ca a client without a certificate, or with one from
another CA, cannot talk to the server, and one with a good certificate can.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from moss_harness import (ACCESS_KEY, REGION, SECRET_KEY, MossServer, client_env, random_file,
                          sha256_file, which)


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


class TestPki:
    """A CA, and certificates it (or another CA) signs, in one directory."""

    def __init__(self, directory):
        self.dir = directory
        self.serial = 0x1000
        self.ca_key, self.ca_cert = self.make_ca("moss-test-ca")
        self.other_ca_key, self.other_ca_cert = self.make_ca("moss-other-ca")
        # `openssl ca` can sign with past dates (the expired certificate).
        with open(os.path.join(directory, "ca.cnf"), "w") as f:
            f.write("[ca]\ndefault_ca = test\n[test]\n"
                    f"database = {directory}/index.txt\nnew_certs_dir = {directory}\n"
                    f"serial = {directory}/serial.txt\ndefault_md = sha256\n"
                    "policy = any\nunique_subject = no\n[any]\ncommonName = supplied\n")
        open(os.path.join(directory, "index.txt"), "w").close()

    def path(self, name):
        return os.path.join(self.dir, name)

    def make_ca(self, name):
        key, cert = self.path(name + ".key"), self.path(name + ".crt")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", key, "-out", cert, "-days", "30", "-subj", f"/CN={name}",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=self.dir)
        return key, cert

    def issue(self, name, cn, sans=("DNS:localhost", "IP:127.0.0.1"), usage="serverAuth",
              expired=False, other_ca=False):
        """Signs a new key's certificate; returns (cert, key, serial as hex)."""
        self.serial += 1
        key, csr, cert = self.path(name + ".key"), self.path(name + ".csr"), self.path(name + ".crt")
        ext = self.path(name + ".ext")
        with open(ext, "w") as f:
            if sans:
                f.write("subjectAltName = " + ",".join(sans) + "\n")
            f.write(f"extendedKeyUsage = {usage}\n")
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={cn}", cwd=self.dir)
        ca_key, ca_cert = ((self.other_ca_key, self.other_ca_cert) if other_ca
                           else (self.ca_key, self.ca_cert))
        if expired:
            with open(self.path("serial.txt"), "w") as f:
                f.write(f"{self.serial:X}\n")
            openssl("ca", "-config", self.path("ca.cnf"), "-batch", "-notext", "-cert", ca_cert,
                    "-keyfile", ca_key, "-in", csr, "-out", cert, "-extfile", ext,
                    "-startdate", "20200101000000Z", "-enddate", "20200201000000Z", cwd=self.dir)
        else:
            openssl("x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-set_serial",
                    str(self.serial), "-days", "30", "-extfile", ext, "-out", cert, cwd=self.dir)
        return cert, key, f"{self.serial:X}"


def verified_context(pki, client_cert=None):
    context = ssl.create_default_context(cafile=pki.ca_cert)
    if client_cert:
        context.load_cert_chain(*client_cert)
    return context


def unverified_context(client_cert=None):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if client_cert:
        context.load_cert_chain(*client_cert)
    return context


def served_serial(port, context=None):
    """The serial (hex) of the certificate a new connection is served."""
    context = context or unverified_context()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            der = tls.getpeercert(binary_form=True)
    out = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-serial"], input=der,
                         capture_output=True, check=True).stdout.decode()
    return out.strip().split("=", 1)[1].lstrip("0")


def https_get(port, path, context):
    conn = http.client.HTTPSConnection("localhost", port, context=context, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def metric(server, name, context):
    _, body = https_get(server.port, "/metrics", context)
    for line in body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


class TlsTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="moss-tls-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.pki = TestPki(cls.tmp)

    def start_server(self, cert, key, *extra, context=None):
        server = MossServer(extra_args=["--tls-cert", cert, "--tls-key", key, *extra],
                            tls_context=context or verified_context(self.pki))
        server.start()
        self.addCleanup(server.cleanup)
        self.server = server
        return server

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result else 0
        outcome = super().run(result)
        server = getattr(self, "server", None)
        if server and result and len(result.failures) + len(result.errors) > before:
            print(f"\n--- moss log tail ({self.id()}) ---\n{server.log_tail()}\n---")
        return outcome


class RealClientsOverHttps(TlsTestCase):
    """aws-cli, boto3, rclone and curl trusting the test CA."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cert, cls.key, _ = cls.pki.issue("server", "localhost")

    def setUp(self):
        self.start_server(self.cert, self.key)
        self.body = random_file(self.tmp, 3 * 1024 * 1024 + 17, f"body-{self.id()}.bin")

    def test_aws_cli_with_ca_bundle(self):
        env = client_env(self.server)
        aws = ["aws", "--ca-bundle", self.pki.ca_cert, "--endpoint-url", self.server.endpoint]
        subprocess.run(aws + ["s3", "mb", "s3://awscli-tls"], env=env, check=True,
                       capture_output=True)
        subprocess.run(aws + ["s3", "cp", self.body, "s3://awscli-tls/dir/model.bin"], env=env,
                       check=True, capture_output=True)
        listing = subprocess.run(aws + ["s3", "ls", "--recursive", "s3://awscli-tls"], env=env,
                                 check=True, capture_output=True, text=True).stdout
        self.assertIn("dir/model.bin", listing)
        back = os.path.join(self.tmp, "awscli-back.bin")
        subprocess.run(aws + ["s3", "cp", "s3://awscli-tls/dir/model.bin", back], env=env,
                       check=True, capture_output=True)
        self.assertEqual(sha256_file(back), sha256_file(self.body))
        # Without the CA, aws-cli does not trust the server.
        refused = subprocess.run(["aws", "--endpoint-url", self.server.endpoint, "s3", "ls"],
                                 env=env, capture_output=True, text=True)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("CERTIFICATE_VERIFY_FAILED", refused.stderr)

    def test_boto3_with_verify_ca(self):
        import boto3
        from botocore.config import Config
        s3 = boto3.client("s3", endpoint_url=self.server.endpoint, region_name=REGION,
                          aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                          verify=self.pki.ca_cert,
                          config=Config(s3={"addressing_style": "path"},
                                        retries={"max_attempts": 1}))
        s3.create_bucket(Bucket="boto3-tls")
        with open(self.body, "rb") as f:
            s3.put_object(Bucket="boto3-tls", Key="a/b.bin", Body=f)
        got = s3.get_object(Bucket="boto3-tls", Key="a/b.bin")["Body"].read()
        with open(self.body, "rb") as f:
            self.assertEqual(got, f.read())
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="boto3-tls")["Contents"]]
        self.assertEqual(keys, ["a/b.bin"])
        ranged = s3.get_object(Bucket="boto3-tls", Key="a/b.bin", Range="bytes=100-199")
        with open(self.body, "rb") as f:
            f.seek(100)
            self.assertEqual(ranged["Body"].read(), f.read(100))

    def test_rclone_with_ca_cert(self):
        rclone = which("rclone", "/usr/bin/rclone")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "RCLONE_CONFIG": os.path.join(self.tmp, "rclone.conf"),
            "RCLONE_CONFIG_MOSS_TYPE": "s3", "RCLONE_CONFIG_MOSS_PROVIDER": "Other",
            "RCLONE_CONFIG_MOSS_ENDPOINT": self.server.endpoint,
            "RCLONE_CONFIG_MOSS_ACCESS_KEY_ID": ACCESS_KEY,
            "RCLONE_CONFIG_MOSS_SECRET_ACCESS_KEY": SECRET_KEY,
            "RCLONE_CONFIG_MOSS_REGION": REGION, "RCLONE_CONFIG_MOSS_FORCE_PATH_STYLE": "true",
        })

        def run(*args):
            return subprocess.run([rclone, "--ca-cert", self.pki.ca_cert, *args], env=env,
                                  capture_output=True, text=True, timeout=120)

        self.assertEqual(run("mkdir", "moss:rclone-tls").returncode, 0)
        put = run("copyto", self.body, "moss:rclone-tls/x/model.bin")
        self.assertEqual(put.returncode, 0, put.stderr)
        listing = run("lsjson", "--recursive", "moss:rclone-tls")
        self.assertEqual(listing.returncode, 0, listing.stderr)
        self.assertIn("x/model.bin", [e["Path"] for e in json.loads(listing.stdout)])
        back = os.path.join(self.tmp, "rclone-back.bin")
        get = run("copyto", "moss:rclone-tls/x/model.bin", back)
        self.assertEqual(get.returncode, 0, get.stderr)
        self.assertEqual(sha256_file(back), sha256_file(self.body))
        # Without the CA, rclone does not trust the server.
        refused = subprocess.run([rclone, "lsjson", "moss:rclone-tls"], env=env,
                                 capture_output=True, text=True, timeout=120)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("certificate", refused.stderr)

    def test_curl_with_cacert_and_sigv4(self):
        curl = ["curl", "-sS", "--fail", "--cacert", self.pki.ca_cert,
                "--aws-sigv4", f"aws:amz:{REGION}:s3", "--user", f"{ACCESS_KEY}:{SECRET_KEY}"]
        base = f"https://localhost:{self.server.port}"
        subprocess.run(curl + ["-X", "PUT", f"{base}/curl-tls"], check=True, capture_output=True)
        subprocess.run(curl + ["-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "-T", self.body,
                               f"{base}/curl-tls/k.bin"], check=True, capture_output=True)
        back = os.path.join(self.tmp, "curl-back.bin")
        subprocess.run(curl + ["-o", back, f"{base}/curl-tls/k.bin"], check=True,
                       capture_output=True)
        self.assertEqual(sha256_file(back), sha256_file(self.body))
        listing = subprocess.run(curl + [f"{base}/curl-tls?list-type=2"], check=True,
                                 capture_output=True, text=True).stdout
        self.assertIn("<Key>k.bin</Key>", listing)
        # Small objects leave with their head in one write; check one too.
        small = os.path.join(self.tmp, "small.txt")
        with open(small, "w") as f:
            f.write("tiny body\n")
        subprocess.run(curl + ["-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "-T", small,
                               f"{base}/curl-tls/small.txt"], check=True, capture_output=True)
        got = subprocess.run(curl + [f"{base}/curl-tls/small.txt"], check=True,
                             capture_output=True, text=True).stdout
        self.assertEqual(got, "tiny body\n")

    def test_plain_http_to_the_tls_port_fails_and_the_server_keeps_serving(self):
        with self.assertRaises((http.client.HTTPException, OSError)):
            conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
        status, _ = https_get(self.server.port, "/healthz", verified_context(self.pki))
        self.assertEqual(status, 200)
        self.assertIsNotNone(self.server.wait_for_log_line(
            lambda line: "TLS handshake with 127.0.0.1 failed" in line))


class MossCliOverHttps(TlsTestCase):
    """moss push/pull/tag against https://, verifying with --ca-file or
    MOSS_CA_FILE / AWS_CA_BUNDLE."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cert, cls.key, _ = cls.pki.issue("server", "localhost")

    def setUp(self):
        self.start_server(self.cert, self.key)
        self.endpoint = f"https://localhost:{self.server.port}"

    def moss(self, *args, **env):
        environment = client_env(self.server, MOSS_ENDPOINT=self.endpoint, **env)
        for name in ("MOSS_CA_FILE", "AWS_CA_BUNDLE"):
            if name not in env:
                environment.pop(name, None)
        return subprocess.run([os.environ.get("MOSS_BINARY", "../../build/moss"), *args],
                              capture_output=True, text=True, env=environment, timeout=300)

    def test_push_and_pull_by_tag(self):
        model = random_file(self.tmp, 40 * 1024 * 1024 + 3, "model.gguf")
        push = self.moss("push", "tls-model", model, "--tag", "latest", "--ca-file",
                         self.pki.ca_cert)
        self.assertEqual(push.returncode, 0, push.stderr)
        dest = tempfile.mkdtemp(prefix="pulled-", dir=self.tmp)
        pull = self.moss("pull", "tls-model:latest", dest, MOSS_CA_FILE=self.pki.ca_cert)
        self.assertEqual(pull.returncode, 0, pull.stderr)
        self.assertEqual(sha256_file(os.path.join(dest, "model.gguf")), sha256_file(model))
        listing = self.moss("models", "ls", AWS_CA_BUNDLE=self.pki.ca_cert)
        self.assertEqual(listing.returncode, 0, listing.stderr)
        self.assertIn("tls-model", listing.stdout)

    def test_pull_over_several_connections_in_small_ranges(self):
        # Ranged GETs at once over TLS, each body received into blocks the
        # hasher takes over or reads back: the pull's own SHA-256 check and
        # the comparison here both see the exact bytes.
        model = random_file(self.tmp, 9 * 1024 * 1024 + 12345, "ranged.gguf")
        push = self.moss("push", "tls-ranged", model, "--tag", "latest", "--ca-file",
                         self.pki.ca_cert)
        self.assertEqual(push.returncode, 0, push.stderr)
        dest = tempfile.mkdtemp(prefix="pulled-", dir=self.tmp)
        pull = self.moss("pull", "tls-ranged:latest", dest, "--connections", "3",
                         "--chunk-size", "512KiB", "--no-progress",
                         MOSS_CA_FILE=self.pki.ca_cert)
        self.assertEqual(pull.returncode, 0, pull.stderr)
        self.assertIn("verified", pull.stdout)
        self.assertEqual(sha256_file(os.path.join(dest, "ranged.gguf")), sha256_file(model))

    def test_an_untrusted_server_is_refused(self):
        refused = self.moss("models", "ls")  # the system's CA bundle: not the test CA
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("TLS handshake failed", refused.stderr)
        self.assertIn("certificate", refused.stderr)
        self.assertIn("MOSS_CA_FILE", refused.stderr)  # says what to set
        other = self.moss("models", "ls", "--ca-file", self.pki.other_ca_cert)
        self.assertNotEqual(other.returncode, 0)
        self.assertIn("TLS handshake failed", other.stderr)


class ProtocolVersionsAndCiphers(TlsTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cert, cls.key, _ = cls.pki.issue("server", "localhost")

    def setUp(self):
        self.start_server(self.cert, self.key)

    def s_client(self, *args):
        return subprocess.run(
            ["openssl", "s_client", "-connect", f"127.0.0.1:{self.server.port}",
             "-servername", "localhost", "-CAfile", self.pki.ca_cert, *args],
            input=b"", capture_output=True, timeout=30)

    def test_tls_1_0_and_1_1_are_refused(self):
        for version in ("-tls1", "-tls1_1"):
            # SECLEVEL=0 lets this client offer the old versions at all; the
            # refusal must then come from the server.
            result = self.s_client(version, "-cipher", "DEFAULT@SECLEVEL=0")
            out = (result.stdout + result.stderr).decode()
            self.assertNotEqual(result.returncode, 0, out)
            self.assertRegex(out, r"alert protocol version|unsupported protocol|"
                                  r"no protocols available|wrong version number")
            self.assertIn("Cipher is (NONE)", out)
            self.assertNotIn("Server certificate", out)

    def test_tls_1_2_uses_ecdhe_with_aead_and_tls_1_3_works(self):
        out = self.s_client("-tls1_2").stdout.decode()
        self.assertIn("Protocol  : TLSv1.2", out)
        self.assertRegex(out, r"Cipher    : ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|"
                              r"CHACHA20-POLY1305)")
        out = self.s_client("-tls1_3").stdout.decode()
        self.assertRegex(out, r"New, TLSv1.3, Cipher is TLS_(AES_(128|256)_GCM_SHA(256|384)|"
                              r"CHACHA20_POLY1305_SHA256)")
        self.assertIn("Verify return code: 0 (ok)", out)

    def test_tls_1_2_without_forward_secrecy_or_aead_is_refused(self):
        for cipher in ("AES128-SHA", "AES256-GCM-SHA384", "ECDHE-ECDSA-AES128-SHA"):
            result = self.s_client("-tls1_2", "-cipher", cipher)
            self.assertNotEqual(result.returncode, 0, cipher)
            self.assertNotIn(b"Cipher    : " + cipher.encode(), result.stdout)


class RefusedCertificates(TlsTestCase):
    """The clients refuse; the server logs the failed handshake and goes on."""

    def check_refused_and_alive(self, server, url, expect):
        curl = subprocess.run(["curl", "-sS", "--cacert", self.pki.ca_cert, url],
                              capture_output=True, text=True)
        self.assertEqual(curl.returncode, 60, curl.stderr)  # peer certificate cannot be authenticated
        self.assertIn(expect, curl.stderr)
        env = client_env(server)
        aws = subprocess.run(["aws", "--ca-bundle", self.pki.ca_cert, "--endpoint-url",
                              url.rsplit("/", 1)[0], "s3", "ls"], env=env, capture_output=True,
                             text=True)
        self.assertNotEqual(aws.returncode, 0)
        self.assertIn("SSL", aws.stderr)
        with self.assertRaises(ssl.SSLCertVerificationError):
            https_get(server.port, "/healthz", verified_context(self.pki))
        # Still serving (a client that does not verify gets through).
        status, _ = https_get(server.port, "/readyz", unverified_context())
        self.assertEqual(status, 200)
        self.assertIsNone(server.process.poll())
        self.assertIsNotNone(server.wait_for_log_line(
            lambda line: "TLS handshake with 127.0.0.1 failed" in line))

    def test_expired_certificate(self):
        cert, key, _ = self.pki.issue("expired", "localhost", expired=True)
        server = self.start_server(cert, key, context=unverified_context())
        self.assertIsNotNone(server.wait_for_log_line(
            lambda line: "expired at 2020-02-01T00:00:00Z" in line))
        self.check_refused_and_alive(server, f"https://localhost:{server.port}/healthz",
                                     "expired")

    def test_certificate_for_another_name(self):
        cert, key, _ = self.pki.issue("other-name", "other.example.com",
                                      sans=("DNS:other.example.com",))
        server = self.start_server(cert, key, context=unverified_context())
        self.check_refused_and_alive(server, f"https://localhost:{server.port}/healthz",
                                     "localhost")


class StartupErrors(TlsTestCase):
    def start_failure(self, *args):
        data = tempfile.mkdtemp(prefix="moss-data-", dir=self.tmp)
        result = subprocess.run(
            [os.environ.get("MOSS_BINARY", "../../build/moss"), "serve", "--listen",
             "127.0.0.1:0", "--data", data, "--log-format", "text", *args],
            capture_output=True, text=True, timeout=30,
            env={**os.environ, "MOSS_ACCESS_KEY_ID": ACCESS_KEY,
                 "MOSS_SECRET_ACCESS_KEY": SECRET_KEY})
        return result.returncode, result.stdout + result.stderr

    def test_missing_key_file(self):
        cert, _, _ = self.pki.issue("server", "localhost")
        missing = os.path.join(self.tmp, "no-such.key")
        code, out = self.start_failure("--tls-cert", cert, "--tls-key", missing)
        self.assertEqual(code, 1, out)
        self.assertIn(f"cannot read the key {missing}: No such file or directory", out)

    def test_key_of_another_certificate(self):
        cert, _, _ = self.pki.issue("server", "localhost")
        _, other_key, _ = self.pki.issue("unrelated", "localhost")
        code, out = self.start_failure("--tls-cert", cert, "--tls-key", other_key)
        self.assertEqual(code, 1, out)
        self.assertIn(f"cannot use the key {other_key}", out)
        self.assertIn("key values mismatch", out)

    def test_key_file_that_is_no_key(self):
        cert, _, _ = self.pki.issue("server", "localhost")
        code, out = self.start_failure("--tls-cert", cert, "--tls-key", cert)
        self.assertEqual(code, 1, out)
        self.assertIn(f"cannot use the key {cert}", out)

    def test_certificate_without_key(self):
        cert, _, _ = self.pki.issue("server", "localhost")
        code, out = self.start_failure("--tls-cert", cert)
        self.assertEqual(code, 2, out)
        self.assertIn("--tls-cert and --tls-key go together", out)


class Rotation(TlsTestCase):
    """The Secret volume layout: tls.crt -> ..data/tls.crt, ..data -> a
    timestamped directory; a rotation writes a new directory and swaps the
    ..data symlink."""

    def setUp(self):
        self.volume = tempfile.mkdtemp(prefix="secret-", dir=self.tmp)
        for name in ("tls.crt", "tls.key"):
            os.symlink(os.path.join("..data", name), os.path.join(self.volume, name))
        self.generation = 0

    def publish(self, cert, key):
        self.generation += 1
        version = os.path.join(self.volume, f"..2026_{self.generation:04d}")
        os.mkdir(version)
        shutil.copy(cert, os.path.join(version, "tls.crt"))
        shutil.copy(key, os.path.join(version, "tls.key"))
        tmp_link = os.path.join(self.volume, "..data_tmp")
        os.symlink(os.path.basename(version), tmp_link)
        os.rename(tmp_link, os.path.join(self.volume, "..data"))

    def test_new_connections_get_the_new_certificate_open_ones_keep_working(self):
        old_cert, old_key, old_serial = self.pki.issue("gen1", "localhost")
        new_cert, new_key, new_serial = self.pki.issue("gen2", "localhost")
        self.publish(old_cert, old_key)
        context = verified_context(self.pki)
        server = self.start_server(os.path.join(self.volume, "tls.crt"),
                                   os.path.join(self.volume, "tls.key"), "--tls-reload", "1")
        self.assertEqual(served_serial(server.port), old_serial)

        kept = http.client.HTTPSConnection("localhost", server.port, context=context, timeout=10)
        kept.request("GET", "/healthz")
        self.assertEqual(kept.getresponse().read(), b"ok\n")
        kept_socket = kept.sock

        self.publish(new_cert, new_key)
        self.assertIsNotNone(server.wait_for_log_line(
            lambda line: "reloaded" in line and f"serial {new_serial}" in line, timeout=15),
            "the poll did not pick up the new pair")
        self.assertEqual(served_serial(server.port), new_serial)
        # The open connection was not dropped: same socket, still answering,
        # still on the certificate it began with.
        kept.request("GET", "/readyz")
        self.assertEqual(kept.getresponse().read(), b"ready\n")
        self.assertIs(kept.sock, kept_socket)
        der = kept.sock.getpeercert(binary_form=True)
        serial = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-serial"],
                                input=der, capture_output=True, check=True).stdout.decode()
        self.assertEqual(serial.strip().split("=")[1].lstrip("0"), old_serial)
        kept.close()
        self.assertEqual(metric(server, "moss_tls_reloads_total", context), 1)

    def test_invalid_pair_at_reload_keeps_the_old_one(self):
        cert, key, serial = self.pki.issue("gen1", "localhost")
        next_cert, _, _ = self.pki.issue("gen2", "localhost")
        _, wrong_key, _ = self.pki.issue("gen3", "localhost")
        self.publish(cert, key)
        server = self.start_server(os.path.join(self.volume, "tls.crt"),
                                   os.path.join(self.volume, "tls.key"), "--tls-reload", "1")
        self.publish(next_cert, wrong_key)  # a certificate with another pair's key
        self.assertIsNotNone(server.wait_for_log_line(
            lambda line: "keeping the current certificate" in line and serial in line,
            timeout=15))
        self.assertEqual(served_serial(server.port), serial)
        context = verified_context(self.pki)
        self.assertEqual(https_get(server.port, "/healthz", context)[0], 200)
        self.assertEqual(metric(server, "moss_tls_reload_failures_total", context), 1)
        self.assertEqual(metric(server, "moss_tls_reloads_total", context), 0)

    def test_sighup_reloads_at_once(self):
        cert, key, _ = self.pki.issue("gen1", "localhost")
        next_cert, next_key, next_serial = self.pki.issue("gen2", "localhost")
        self.publish(cert, key)
        # Polling off: only the signal can bring the new pair in.
        server = self.start_server(os.path.join(self.volume, "tls.crt"),
                                   os.path.join(self.volume, "tls.key"), "--tls-reload", "0")
        self.publish(next_cert, next_key)
        os.kill(server.pid(), signal.SIGHUP)
        self.assertIsNotNone(server.wait_for_log_line(
            lambda line: "reloaded" in line and f"serial {next_serial}" in line, timeout=15))
        self.assertEqual(served_serial(server.port), next_serial)
        self.assertIsNone(server.process.poll())


class ClientCertificates(TlsTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cert, cls.key, _ = cls.pki.issue("server", "localhost")
        cls.client = cls.pki.issue("client", "moss-test-client", sans=(), usage="clientAuth")[:2]
        cls.stranger = cls.pki.issue("stranger", "moss-stranger", sans=(), usage="clientAuth",
                                     other_ca=True)[:2]

    def setUp(self):
        self.start_server(self.cert, self.key, "--tls-client-ca", self.pki.ca_cert,
                          context=verified_context(self.pki, self.client))
        self.base = f"https://localhost:{self.server.port}"

    def curl(self, *args):
        return subprocess.run(["curl", "-sS", "--cacert", self.pki.ca_cert, *args,
                               "--aws-sigv4", f"aws:amz:{REGION}:s3", "--user",
                               f"{ACCESS_KEY}:{SECRET_KEY}", f"{self.base}/"],
                              capture_output=True, text=True, timeout=30)

    def test_without_a_client_certificate_the_handshake_fails(self):
        result = self.curl()
        self.assertNotEqual(result.returncode, 0)
        self.assertNotIn("ListAllMyBucketsResult", result.stdout)
        with self.assertRaises((ssl.SSLError, ConnectionError)):
            https_get(self.server.port, "/healthz", verified_context(self.pki))
        self.assertIsNotNone(self.server.wait_for_log_line(
            lambda line: "TLS handshake with 127.0.0.1 failed" in line
            and "certificate" in line))

    def test_a_certificate_from_another_ca_fails(self):
        result = self.curl("--cert", self.stranger[0], "--key", self.stranger[1])
        self.assertNotEqual(result.returncode, 0)
        self.assertNotIn("ListAllMyBucketsResult", result.stdout)
        with self.assertRaises((ssl.SSLError, ConnectionError)):
            https_get(self.server.port, "/healthz", verified_context(self.pki, self.stranger))

    def test_a_good_client_certificate_works(self):
        result = self.curl("--cert", self.client[0], "--key", self.client[1])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("ListAllMyBucketsResult", result.stdout)
        status, body = https_get(self.server.port, "/healthz",
                                 verified_context(self.pki, self.client))
        self.assertEqual((status, body), (200, b"ok\n"))


class ConnectionLimitOverTls(TlsTestCase):
    """--max-connections over TLS: the excess connection gets its handshake
    and a 503 SlowDown, like a plain one, instead of a silent close."""
    MAX_CONNECTIONS = 2

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cert, cls.key, _ = cls.pki.issue("server", "localhost")

    def setUp(self):
        self.start_server(self.cert, self.key, "--max-connections", str(self.MAX_CONNECTIONS))
        self.context = verified_context(self.pki)

    def hold_connection(self):
        """An admitted keep-alive connection; retried while the readiness
        check's place is still being given back."""
        for _ in range(100):
            conn = http.client.HTTPSConnection("localhost", self.server.port,
                                               context=self.context, timeout=10)
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                return conn
            conn.close()
            time.sleep(0.1)
        self.fail("no connection was admitted")

    def rejected_count(self):
        """The counter, once a connection is admitted to read /metrics again."""
        for _ in range(100):
            status, body = https_get(self.server.port, "/metrics", self.context)
            if status == 200:
                break
            time.sleep(0.1)
        for line in body.decode().splitlines():
            if line.startswith('moss_connections_rejected_total{reason="max_connections"}'):
                return float(line.split()[1])
        raise AssertionError("moss_connections_rejected_total not in /metrics")

    def test_an_excess_tls_connection_is_answered_503_slowdown(self):
        held = [self.hold_connection() for _ in range(self.MAX_CONNECTIONS)]
        try:
            status, body = https_get(self.server.port, "/healthz", self.context)
            self.assertEqual(status, 503)
            self.assertIn(b"<Code>SlowDown</Code>", body)
            curl = subprocess.run(
                ["curl", "-sS", "--cacert", self.pki.ca_cert, "-w", "\n%{http_code}",
                 f"https://localhost:{self.server.port}/healthz"],
                capture_output=True, text=True, timeout=30)
            self.assertEqual(curl.returncode, 0, curl.stderr)
            self.assertIn("<Code>SlowDown</Code>", curl.stdout)
            self.assertEqual(curl.stdout.rsplit("\n", 1)[1], "503")
            for conn in held:  # the admitted connections were not disturbed
                conn.request("GET", "/healthz")
                response = conn.getresponse()
                self.assertEqual((response.status, response.read()), (200, b"ok\n"))
        finally:
            for conn in held:
                conn.close()
        # Python's and curl's connections; the /metrics reads turned away
        # while the held places were being given back count too.
        self.assertGreaterEqual(self.rejected_count(), 2.0)


if __name__ == "__main__":
    unittest.main()
