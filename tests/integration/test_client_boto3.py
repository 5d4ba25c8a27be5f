"""boto3 from the machine's default python3, with its default settings
(flexible checksums: CRC32 on every upload), against the real server.

Over plain http boto3 sends the CRC32 as an x-amz-checksum-crc32 header with a
signed payload; over TLS it sends it as an aws-chunked trailer. One test forces
the trailer form so both framings are covered here.
"""
import base64
import hashlib
import io
import os
import socket
import unittest
import unittest.mock
import urllib.parse
import uuid
import zlib

import boto3
import botocore
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from moss_harness import ACCESS_KEY, REGION, SECRET_KEY, MossTestCase, boto3_client
from s3_wire import signed_request

SIZE = 20 * 1024 * 1024


def crc32_base64(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def quoted_md5(data):
    return '"' + hashlib.md5(data).hexdigest() + '"'


class Boto3ObjectRoundTrips(MossTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = "boto3-client"
        boto3_client(cls.server).create_bucket(Bucket=cls.bucket)
        cls.data = os.urandom(SIZE)
        cls.sha256 = hashlib.sha256(cls.data).hexdigest()

    def test_botocore_is_new_enough_to_send_default_checksums(self):
        # Flexible checksums by default arrived in botocore 1.36.
        print(f"\nboto3 {boto3.__version__}, botocore {botocore.__version__}")
        self.assertGreaterEqual(tuple(int(x) for x in botocore.__version__.split(".")[:2]),
                                (1, 36))

    def test_put_20mib_then_get_head_list_return_the_same_bytes(self):
        s3 = self.s3()
        put = s3.put_object(Bucket=self.bucket, Key="big/roundtrip.bin", Body=self.data)
        self.assertEqual(put["ETag"], quoted_md5(self.data))
        # boto3 sent a CRC32 (default when_supported); the server verified and echoes it.
        self.assertEqual(put.get("ChecksumCRC32"), crc32_base64(self.data))

        got = s3.get_object(Bucket=self.bucket, Key="big/roundtrip.bin")
        body = got["Body"].read()
        self.assertEqual(len(body), SIZE)
        self.assertEqual(hashlib.sha256(body).hexdigest(), self.sha256)
        self.assertEqual(got["ETag"], put["ETag"])
        self.assertEqual(got["ContentLength"], SIZE)

        head = s3.head_object(Bucket=self.bucket, Key="big/roundtrip.bin")
        self.assertEqual(head["ContentLength"], SIZE)
        self.assertEqual(head["ETag"], put["ETag"])

        listed = s3.list_objects_v2(Bucket=self.bucket, Prefix="big/roundtrip")
        self.assertEqual([(o["Key"], o["Size"], o["ETag"]) for o in listed["Contents"]],
                         [("big/roundtrip.bin", SIZE, put["ETag"])])

    def test_get_with_checksum_mode_validates_the_stored_crc32(self):
        s3 = self.s3()
        s3.put_object(Bucket=self.bucket, Key="checksummed.bin", Body=self.data[:1 << 20])
        got = s3.get_object(Bucket=self.bucket, Key="checksummed.bin", ChecksumMode="ENABLED")
        self.assertEqual(got["ChecksumCRC32"], crc32_base64(self.data[:1 << 20]))
        # botocore validates the body against the header while reading.
        self.assertEqual(got["Body"].read(), self.data[:1 << 20])

    def test_put_with_aws_chunked_crc32_trailer_as_sent_over_tls(self):
        s3 = self.s3()
        seen = {}

        def use_trailer(params, **_):
            algorithm = params["context"]["checksum"]["request_algorithm"]
            algorithm["in"] = "trailer"

        def capture(request, **_):
            seen.update({k.lower(): v.decode() if isinstance(v, bytes) else v
                         for k, v in request.headers.items()})

        s3.meta.events.register("before-call.s3.PutObject", use_trailer)
        s3.meta.events.register("before-send.s3.PutObject", capture)
        data = self.data[:3 * 1024 * 1024 + 17]
        put = s3.put_object(Bucket=self.bucket, Key="trailer.bin", Body=data)
        self.assertEqual(seen.get("x-amz-content-sha256"), "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        self.assertEqual(seen.get("x-amz-trailer"), "x-amz-checksum-crc32")
        self.assertIn("aws-chunked", seen.get("content-encoding", ""))
        self.assertEqual(put["ETag"], quoted_md5(data))
        self.assertEqual(put.get("ChecksumCRC32"), crc32_base64(data))

        got = s3.get_object(Bucket=self.bucket, Key="trailer.bin")
        self.assertEqual(got["Body"].read(), data)
        # The framing is not the object's encoding.
        self.assertNotIn("ContentEncoding", got)

    def test_put_with_wrong_crc32_is_rejected_and_nothing_is_stored(self):
        s3 = self.s3()
        with self.assertRaises(ClientError) as caught:
            s3.put_object(Bucket=self.bucket, Key="bad-crc.bin", Body=b"hello world",
                          ChecksumCRC32=crc32_base64(b"something else"))
        self.assertEqual(caught.exception.response["Error"]["Code"], "BadDigest")
        with self.assertRaises(ClientError) as missing:
            s3.head_object(Bucket=self.bucket, Key="bad-crc.bin")
        self.assertEqual(missing.exception.response["Error"]["Code"], "404")

    def test_copy_object_copies_20mib_bytes_and_keeps_the_etag(self):
        s3 = self.s3()
        s3.put_object(Bucket=self.bucket, Key="copy/source.bin", Body=self.data)
        copied = s3.copy_object(Bucket=self.bucket, Key="copy/target.bin",
                                CopySource={"Bucket": self.bucket, "Key": "copy/source.bin"})
        self.assertEqual(copied["CopyObjectResult"]["ETag"], quoted_md5(self.data))
        body = s3.get_object(Bucket=self.bucket, Key="copy/target.bin")["Body"].read()
        self.assertEqual(hashlib.sha256(body).hexdigest(), self.sha256)

    def test_delete_object_removes_it_from_get_head_and_list(self):
        s3 = self.s3()
        s3.put_object(Bucket=self.bucket, Key="delete/me.bin", Body=self.data)
        deleted = s3.delete_object(Bucket=self.bucket, Key="delete/me.bin")
        self.assertEqual(deleted["ResponseMetadata"]["HTTPStatusCode"], 204)
        with self.assertRaises(ClientError) as caught:
            s3.get_object(Bucket=self.bucket, Key="delete/me.bin")
        self.assertEqual(caught.exception.response["Error"]["Code"], "NoSuchKey")
        with self.assertRaises(ClientError) as head:
            s3.head_object(Bucket=self.bucket, Key="delete/me.bin")
        self.assertEqual(head.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        listed = s3.list_objects_v2(Bucket=self.bucket, Prefix="delete/")
        self.assertEqual(listed["KeyCount"], 0)
        # Deleting what is not there succeeds, as in S3.
        again = s3.delete_object(Bucket=self.bucket, Key="delete/me.bin")
        self.assertEqual(again["ResponseMetadata"]["HTTPStatusCode"], 204)

    def test_upload_fileobj_below_multipart_threshold_and_download_fileobj_round_trip(self):
        s3 = self.s3()
        small = self.data[:5 * 1024 * 1024]
        self.assertLess(len(small), TransferConfig().multipart_threshold)
        s3.upload_fileobj(io.BytesIO(small), self.bucket, "transfer/small.bin")
        out = io.BytesIO()
        s3.download_fileobj(self.bucket, "transfer/small.bin", out)
        self.assertEqual(out.getvalue(), small)

    def test_download_fileobj_of_20mib_uses_ranged_gets_and_reassembles_the_bytes(self):
        s3 = self.s3()
        s3.put_object(Bucket=self.bucket, Key="transfer/big.bin", Body=self.data)
        ranges = []
        s3.meta.events.register(
            "before-send.s3.GetObject",
            lambda request, **_: ranges.append(request.headers.get("Range")))
        out = io.BytesIO()
        s3.download_fileobj(self.bucket, "transfer/big.bin", out)
        self.assertEqual(hashlib.sha256(out.getvalue()).hexdigest(), self.sha256)
        self.assertGreater(len([r for r in ranges if r]), 1)



class VirtualHostedStyle(MossTestCase):
    """--domain: requests to BUCKET.DOMAIN name the bucket in the Host header
    (boto3's addressing_style "virtual"). DOMAIN resolves to 127.0.0.1 here by
    way of a patched getaddrinfo, as a wildcard DNS record would."""

    domain = "s3.moss.test"
    server_args = ("--domain", domain)

    def setUp(self):
        real_getaddrinfo = socket.getaddrinfo

        def resolve(host, *args, **kwargs):
            if isinstance(host, str) and host.endswith(self.domain):
                host = "127.0.0.1"
            return real_getaddrinfo(host, *args, **kwargs)

        patcher = unittest.mock.patch("socket.getaddrinfo", resolve)
        patcher.start()
        self.addCleanup(patcher.stop)

    def virtual_client(self):
        """A boto3 client for virtual-hosted-style requests; the hosts it sent
        requests to are appended to self.hosts."""
        from botocore.config import Config
        s3 = boto3.client(
            "s3", endpoint_url=f"http://{self.domain}:{self.server.port}", region_name=REGION,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            config=Config(s3={"addressing_style": "virtual"}, retries={"max_attempts": 1}))
        self.hosts = []
        s3.meta.events.register(
            "before-send.s3", lambda request, **_: self.hosts.append(
                urllib.parse.urlsplit(request.url).netloc))
        return s3

    def test_bucket_in_the_host_name_reaches_the_same_bucket_as_path_style(self):
        s3 = self.virtual_client()
        bucket = f"vhost-{uuid.uuid4().hex[:12]}"
        key = "models/a file.gguf"
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key=key, Body=b"through the host name")
        self.assertEqual(s3.get_object(Bucket=bucket, Key=key)["Body"].read(),
                         b"through the host name")
        listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
        self.assertEqual([item["Key"] for item in listed], [key])
        self.assertEqual(set(self.hosts), {f"{bucket}.{self.domain}:{self.server.port}"})

        # The same bucket and key, path-style.
        path_style = self.s3()
        self.assertEqual(path_style.get_object(Bucket=bucket, Key=key)["Body"].read(),
                         b"through the host name")
        path_style.put_object(Bucket=bucket, Key="by-path", Body=b"by path")
        self.assertEqual(s3.get_object(Bucket=bucket, Key="by-path")["Body"].read(), b"by path")
        s3.delete_object(Bucket=bucket, Key=key)
        self.assertEqual(path_style.list_objects_v2(Bucket=bucket)["KeyCount"], 1)

    def test_a_host_outside_the_domain_is_path_style(self):
        # "moss.test" is not under the domain: its path names the bucket.
        s3 = self.s3()
        bucket = self.unique_bucket("vhost")
        s3.put_object(Bucket=bucket, Key="k", Body=b"path style")
        response = signed_request(self.server, "GET", f"/{bucket}/k",
                                  headers={"Host": f"moss.test:{self.server.port}"})
        self.assertEqual((response.status, response.body), (200, b"path style"))
        response = signed_request(self.server, "GET", "/k",
                                  headers={"Host": f"{bucket}.{self.domain}:{self.server.port}"})
        self.assertEqual((response.status, response.body), (200, b"path style"))


if __name__ == "__main__":
    unittest.main()
