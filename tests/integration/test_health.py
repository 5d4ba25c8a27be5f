"""Operational endpoints: /healthz, /readyz and /metrics answer without auth."""
import re
import unittest
import urllib.request

from moss_harness import MossTestCase


class HealthEndpoints(MossTestCase):
    def get(self, path):
        with urllib.request.urlopen(self.server.endpoint + path, timeout=5) as r:
            return r.status, r.headers, r.read().decode()

    def test_healthz_answers_ok_without_credentials(self):
        status, _, body = self.get("/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(body.strip(), "ok")

    def test_readyz_answers_ready(self):
        status, _, body = self.get("/readyz")
        self.assertEqual(status, 200)
        self.assertEqual(body.strip(), "ready")

    def test_metrics_counts_requests_by_operation_and_status(self):
        s3 = self.s3()
        s3.create_bucket(Bucket="metrics-check")
        s3.put_object(Bucket="metrics-check", Key="k", Body=b"12345")
        self.server.wait_until_idle()
        status, headers, body = self.get("/metrics")
        self.assertEqual(status, 200)
        self.assertIn("text/plain", headers["Content-Type"])
        self.assertIn('moss_http_requests_total{operation="PutObject",status="200"} 1', body)
        self.assertIn('moss_http_requests_total{operation="CreateBucket",status="200"} 1', body)
        self.assertRegex(body, r'moss_http_received_bytes_total\{operation="PutObject"\} [1-9]')
        self.assertIn("moss_http_requests_in_flight", body)
        self.assertIn('moss_http_request_duration_seconds_bucket{operation="PutObject",le="+Inf"} 1',
                      body)


class SmallObjectCacheMetrics(MossTestCase):
    """A server of its own: the counts above must not see this class's requests."""

    def metric(self, name):
        with urllib.request.urlopen(self.server.endpoint + "/metrics", timeout=5) as r:
            body = r.read().decode()
        match = re.search(rf"^{name} (\S+)$", body, re.MULTILINE)
        self.assertIsNotNone(match, f"no {name} in:\n{body}")
        return float(match.group(1))

    def test_metrics_count_small_object_cache_hits_and_misses(self):
        s3 = self.s3()
        s3.create_bucket(Bucket="cache-check")
        body = b"c" * 3000
        s3.put_object(Bucket="cache-check", Key="small", Body=body)
        hits = self.metric("moss_small_object_cache_hits_total")
        misses = self.metric("moss_small_object_cache_misses_total")
        # The first GET reads the blob from disk and keeps it; the next two are hits.
        for _ in range(3):
            self.assertEqual(s3.get_object(Bucket="cache-check", Key="small")["Body"].read(), body)
        self.server.wait_until_idle()
        self.assertEqual(self.metric("moss_small_object_cache_misses_total"), misses + 1)
        self.assertEqual(self.metric("moss_small_object_cache_hits_total"), hits + 2)
        self.assertGreaterEqual(self.metric("moss_small_object_cache_bytes"), len(body))
        self.assertEqual(self.metric("moss_small_object_cache_entries"), 1)  # its own server


if __name__ == "__main__":
    unittest.main()
