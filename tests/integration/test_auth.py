"""Authentication: who may talk to moss, and the exact S3 error for everyone
who may not (anonymous, unknown key, wrong secret, skewed clock, expired or
tampered presigned URLs, a payload hash that lies). A rejected write stores
nothing."""
import hashlib
import subprocess
import time
import unittest
import urllib.error
import urllib.request

from botocore.exceptions import ClientError

from moss_harness import ACCESS_KEY, SECRET_KEY, MossTestCase, boto3_client, which
from s3_wire import (RawConnection, S3Assertions, Signer, amz_date, error_fields, request_bytes,
                     signed_request)


class Authentication(S3Assertions, MossTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = "auth-tests"
        s3 = boto3_client(cls.server)
        s3.create_bucket(Bucket=cls.bucket)
        s3.put_object(Bucket=cls.bucket, Key="existing", Body=b"existing object")

    def presigner(self):
        return self.s3(signature_version="s3v4")

    def host(self):
        return f"127.0.0.1:{self.server.port}"

    def urlopen(self, url, method="GET", data=None):
        request = urllib.request.Request(url, method=method, data=data)
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    # --- header authentication ---------------------------------------------

    def test_anonymous_request_is_access_denied(self):
        with RawConnection(self.server.port) as conn:
            conn.send(request_bytes("GET", f"/{self.bucket}/existing", {"Host": self.host()}))
            self.assertS3Error(conn.read_response(), 403, "AccessDenied")

    def test_anonymous_put_is_access_denied_and_stores_nothing(self):
        body = b"anonymous bytes"
        with RawConnection(self.server.port) as conn:
            conn.send(request_bytes("PUT", f"/{self.bucket}/anonymous",
                                    {"Host": self.host(), "Content-Length": str(len(body))},
                                    body))
            self.assertS3Error(conn.read_response(), 403, "AccessDenied")
        self.assertNotStored(self.bucket, "anonymous")
        self.assertNoTempFiles()

    def test_unknown_access_key_is_invalid_access_key_id(self):
        signer = Signer(access_key="AKIDNOTKNOWNTOMOSS00", secret_key="whatever-secret-0000")
        response = signed_request(self.server, "GET", f"/{self.bucket}/existing", signer=signer)
        self.assertS3Error(response, 403, "InvalidAccessKeyId")

    def test_wrong_secret_is_signature_does_not_match(self):
        signer = Signer(secret_key="not-the-secret-of-this-key-000000000000")
        response = signed_request(self.server, "GET", f"/{self.bucket}/existing", signer=signer)
        self.assertS3Error(response, 403, "SignatureDoesNotMatch")

    def test_wrong_secret_put_stores_nothing(self):
        signer = Signer(secret_key="not-the-secret-of-this-key-000000000000")
        response = signed_request(self.server, "PUT", f"/{self.bucket}/badsig", body=b"x" * 5000,
                                  signer=signer)
        self.assertS3Error(response, 403, "SignatureDoesNotMatch")
        self.assertNotStored(self.bucket, "badsig")
        self.assertNoTempFiles()

    def test_boto3_with_wrong_secret_gets_signature_does_not_match(self):
        import boto3
        from botocore.config import Config
        s3 = boto3.client("s3", endpoint_url=self.server.endpoint, region_name="us-east-1",
                          aws_access_key_id="MOSSTESTKEY00000001",
                          aws_secret_access_key="wrong-secret-wrong-secret-000000",
                          config=Config(s3={"addressing_style": "path"},
                                        retries={"max_attempts": 1}))
        with self.assertRaises(ClientError) as caught:
            s3.get_object(Bucket=self.bucket, Key="existing")
        self.assertS3Error(caught.exception, 403, "SignatureDoesNotMatch")

    def test_clock_twenty_minutes_behind_is_request_time_too_skewed(self):
        response = signed_request(self.server, "GET", f"/{self.bucket}/existing",
                                  timestamp=amz_date(-20 * 60))
        self.assertS3Error(response, 403, "RequestTimeTooSkewed")

    def test_clock_twenty_minutes_ahead_is_request_time_too_skewed(self):
        response = signed_request(self.server, "PUT", f"/{self.bucket}/skewed", body=b"abc",
                                  timestamp=amz_date(20 * 60))
        self.assertS3Error(response, 403, "RequestTimeTooSkewed")
        self.assertNotStored(self.bucket, "skewed")

    def test_clock_ten_minutes_off_is_accepted(self):
        response = signed_request(self.server, "GET", f"/{self.bucket}/existing",
                                  timestamp=amz_date(-10 * 60))
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.body, b"existing object")

    def test_payload_hash_that_does_not_match_the_body_stores_nothing(self):
        body = b"the bytes actually sent" * 1000
        lie = hashlib.sha256(b"some other bytes").hexdigest()
        response = signed_request(self.server, "PUT", f"/{self.bucket}/sha-mismatch", body=body,
                                  payload_hash=lie)
        self.assertS3Error(response, 400, "XAmzContentSHA256Mismatch")
        self.assertNotStored(self.bucket, "sha-mismatch")
        self.assertNoTempFiles()

    def test_payload_hash_that_matches_the_body_is_stored(self):
        body = b"hashed payload" * 100
        response = signed_request(self.server, "PUT", f"/{self.bucket}/sha-match", body=body)
        self.assertEqual(response.status, 200, response)
        got = signed_request(self.server, "GET", f"/{self.bucket}/sha-match")
        self.assertEqual(got.body, body)

    def test_body_changed_after_signing_its_hash_is_detected(self):
        # The signature covers the hash header; the hash must cover the body.
        body = b"A" * 70000
        response = signed_request(self.server, "PUT", f"/{self.bucket}/swapped",
                                  body=b"B" * 70000, payload_hash=hashlib.sha256(body).hexdigest())
        self.assertS3Error(response, 400, "XAmzContentSHA256Mismatch")
        self.assertNotStored(self.bucket, "swapped")

    def test_a_request_signed_for_another_region_is_authorization_header_malformed(self):
        signer = Signer(region="eu-west-1")
        response = signed_request(self.server, "PUT", f"/{self.bucket}/other-region",
                                  body=b"signed for Ireland", signer=signer)
        self.assertS3Error(response, 400, "AuthorizationHeaderMalformed")
        fields = error_fields(response.body)[1]
        self.assertEqual(fields.get("Region"), "us-east-1", response)
        self.assertIn("'eu-west-1' is wrong", fields["Message"])
        self.assertNotStored(self.bucket, "other-region")

    def test_boto3_configured_for_another_region_follows_the_region_the_error_names(self):
        # botocore reads <Region> from AuthorizationHeaderMalformed and signs
        # again for that region: the error is what lets it recover.
        import boto3
        from botocore.config import Config
        s3 = boto3.client("s3", endpoint_url=self.server.endpoint, region_name="eu-west-1",
                          aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                          config=Config(s3={"addressing_style": "path"},
                                        retries={"max_attempts": 1}))
        key = f"region-{time.monotonic_ns()}"
        s3.put_object(Bucket=self.bucket, Key=key, Body=b"after a redirect")
        self.assertEqual(s3.get_object(Bucket=self.bucket, Key=key)["Body"].read(),
                         b"after a redirect")
        refused = self.server.wait_for_log_line(
            lambda line: f'"key":"{key}"' in line and '"error":"AuthorizationHeaderMalformed"'
            in line)
        self.assertIsNotNone(refused, "the first, wrongly signed request was not refused")

    def test_a_url_presigned_for_another_region_is_refused(self):
        path = Signer(region="eu-west-1").presign("GET", self.host(), f"/{self.bucket}/existing")
        status, body = self.urlopen(self.server.endpoint + path)
        self.assertS3ErrorBody(status, body, 400, "AuthorizationQueryParametersError")
        self.assertEqual(error_fields(body)[1].get("Region"), "us-east-1", body)

    # --- presigned URLs ------------------------------------------------------

    def test_presigned_get_fetched_with_urllib(self):
        url = self.presigner().generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": "existing"}, ExpiresIn=300)
        status, body = self.urlopen(url)
        self.assertEqual(status, 200)
        self.assertEqual(body, b"existing object")

    def test_presigned_put_with_urllib_then_presigned_get_with_curl(self):
        s3 = self.presigner()
        put_url = s3.generate_presigned_url(
            "put_object", Params={"Bucket": self.bucket, "Key": "presigned-put"}, ExpiresIn=300)
        payload = bytes(range(256)) * 400
        status, _ = self.urlopen(put_url, method="PUT", data=payload)
        self.assertEqual(status, 200)
        get_url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": "presigned-put"}, ExpiresIn=300)
        curl = which("curl")
        if curl:
            fetched = subprocess.run([curl, "-sS", "--fail", get_url], capture_output=True,
                                     check=True, timeout=30).stdout
        else:
            fetched = self.urlopen(get_url)[1]
        self.assertEqual(fetched, payload)

    # --- Signature Version 2 presigned URLs (boto3's and aws-cli v1's default) ---

    def test_boto3_default_presigned_get_works(self):
        s3 = self.s3()  # no signature_version: boto3 presigns with SigV2
        url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": "existing",
                                  "ResponseContentType": "text/x-moss"}, ExpiresIn=300)
        self.assertIn("AWSAccessKeyId=", url)
        request = urllib.request.Request(url)
        with urllib.request.urlopen(request, timeout=10) as r:
            self.assertEqual(r.status, 200)
            self.assertEqual(r.headers["Content-Type"], "text/x-moss")
            self.assertEqual(r.read(), b"existing object")

    def test_sigv2_presigned_put_with_curl_stores_the_body(self):
        url = self.s3().generate_presigned_url(
            "put_object", Params={"Bucket": self.bucket, "Key": "v2-put"}, ExpiresIn=300)
        curl = which("curl")
        self.assertIsNotNone(curl, "curl is installed by scripts/install-deps")
        subprocess.run([curl, "-sS", "--fail", "-X", "PUT", "--data-binary", "v2 body",
                        "-H", "Content-Type:", url], check=True, timeout=30)
        self.assertEqual(self.s3().get_object(Bucket=self.bucket, Key="v2-put")["Body"].read(),
                         b"v2 body")

    def test_sigv2_presigned_url_with_tampered_signature_is_rejected(self):
        url = self.s3().generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": "existing"}, ExpiresIn=300)
        status, body = self.urlopen(url.replace("Signature=", "Signature=AAAA"))
        self.assertS3ErrorBody(status, body, 403, "SignatureDoesNotMatch")

    def test_sigv2_presigned_url_for_another_key_does_not_open_this_one(self):
        url = self.s3().generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": "existing"}, ExpiresIn=300)
        status, body = self.urlopen(url.replace("/existing?", "/presigned-put?"))
        self.assertS3ErrorBody(status, body, 403, "SignatureDoesNotMatch")

    def test_expired_sigv2_presigned_url_is_access_denied(self):
        s3 = self.s3()
        url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": "existing"}, ExpiresIn=1)
        import re
        import time
        expires = int(re.search(r"Expires=(\d+)", url).group(1))
        time.sleep(max(0, expires - time.time()) + 1.5)
        status, body = self.urlopen(url)
        self.assertS3ErrorBody(status, body, 403, "AccessDenied")

    def test_expired_presigned_url_is_access_denied(self):
        path = Signer().presign("GET", self.host(), f"/{self.bucket}/existing", expires=60,
                                timestamp=amz_date(-3600))
        status, body = self.urlopen(self.server.endpoint + path)
        self.assertS3ErrorBody(status, body, 403, "AccessDenied")

    def test_a_verified_presigned_url_replayed_after_it_expires_is_refused(self):
        # Verified URLs are remembered (per network thread) so that ranged
        # reads through one URL pay for the signature once; expiry must still
        # be checked on every use. This URL has a few seconds left.
        expires = 60
        path = Signer().presign("GET", self.host(), f"/{self.bucket}/existing", expires=expires,
                                timestamp=amz_date(-(expires - 4)))
        url = self.server.endpoint + path
        uses = 0
        deadline = time.monotonic() + 30
        while (answer := self.urlopen(url))[0] == 200:
            self.assertEqual(answer[1], b"existing object")
            uses += 1
            self.assertLess(time.monotonic(), deadline, "the URL never expired")
            time.sleep(0.05)
        self.assertGreater(uses, 1, "the URL was not verified, then replayed, before it expired")
        self.assertS3ErrorBody(*answer, 403, "AccessDenied")
        self.assertIn(b"Request has expired", answer[1])
        for _ in range(4):  # and stays refused, whichever thread answers
            self.assertEqual(self.urlopen(url)[0], 403)

    def test_expired_presigned_put_stores_nothing(self):
        path = Signer().presign("PUT", self.host(), f"/{self.bucket}/expired-put", expires=60,
                                timestamp=amz_date(-3600))
        status, body = self.urlopen(self.server.endpoint + path, method="PUT", data=b"late")
        self.assertS3ErrorBody(status, body, 403, "AccessDenied")
        self.assertNotStored(self.bucket, "expired-put")

    def test_presigned_expiry_beyond_a_week_is_rejected(self):
        url = self.presigner().generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": "existing"}, ExpiresIn=604801)
        status, body = self.urlopen(url)
        self.assertS3ErrorBody(status, body, 403, "AccessDenied")

    def test_presigned_expiry_of_exactly_a_week_is_accepted(self):
        url = self.presigner().generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": "existing"}, ExpiresIn=604800)
        self.assertEqual(self.urlopen(url), (200, b"existing object"))

    def test_tampered_presigned_signature_is_signature_does_not_match(self):
        url = self.presigner().generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": "existing"}, ExpiresIn=300)
        prefix, signature = url.rsplit("X-Amz-Signature=", 1)
        flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
        status, body = self.urlopen(prefix + "X-Amz-Signature=" + flipped)
        self.assertS3ErrorBody(status, body, 403, "SignatureDoesNotMatch")

    def test_presigned_url_for_another_key_does_not_open_this_one(self):
        url = self.presigner().generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": "existing"}, ExpiresIn=300)
        status, body = self.urlopen(url.replace("/existing?", "/other?"))
        self.assertS3ErrorBody(status, body, 403, "SignatureDoesNotMatch")

    def test_presigned_put_with_tampered_signature_stores_nothing(self):
        path = Signer().presign("PUT", self.host(), f"/{self.bucket}/tampered-put")
        path = path[:-1] + ("0" if path[-1] != "0" else "1")
        status, body = self.urlopen(self.server.endpoint + path, method="PUT", data=b"x" * 1000)
        self.assertS3ErrorBody(status, body, 403, "SignatureDoesNotMatch")
        self.assertNotStored(self.bucket, "tampered-put")
        self.assertNoTempFiles()

    def test_hand_signed_presigned_url_matches_the_sdk(self):
        path = Signer().presign("GET", self.host(), f"/{self.bucket}/existing")
        self.assertEqual(self.urlopen(self.server.endpoint + path), (200, b"existing object"))

    def assertS3ErrorBody(self, status, body, expected_status, code):
        """assertS3Error for a response fetched with urllib (status and body)."""
        self.assertEqual(status, expected_status, body)
        tag, fields = error_fields(body)
        self.assertEqual((tag, fields.get("Code")), ("Error", code), body)
        for name in ("Message", "Resource", "RequestId"):
            self.assertTrue(fields.get(name), body)
        self.assertLogged(fields["RequestId"], code)


if __name__ == "__main__":
    unittest.main()
