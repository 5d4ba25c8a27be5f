"""ListObjectsV2 and ListObjects (v1): prefix, delimiter, max-keys, paging by
continuation token, start-after and marker, encoding-type=url and owners,
checked against a model of S3 listing over a few hundred keys.
"""
import concurrent.futures
import unittest
import urllib.parse

import signed_http
from moss_harness import MossTestCase, boto3_client
from signed_http import find_all, find_text, object_path, query_string

KEYS = sorted(
    [f"photos/2024/img-{i:03d}.jpg" for i in range(150)]
    + [f"photos/2023/img-{i:03d}.jpg" for i in range(20)]
    + [f"docs/{i:03d}.txt" for i in range(80)]
    + [f"top-{i:02d}" for i in range(30)]
    + ["photos/cover.jpg", "docs/readme", "docs/a/b/c/deep.txt", "zz/last"],
    key=lambda k: k.encode())


def expected_listing(keys, prefix="", delimiter="", after=""):
    """S3's listing of `keys`: (objects, common prefixes) in the order S3 returns
    them interleaved, as (kind, name) pairs."""
    out = []
    seen_prefixes = set()
    for key in sorted(keys, key=lambda k: k.encode()):
        if not key.startswith(prefix):
            continue
        if delimiter:
            cut = key.find(delimiter, len(prefix))
            if cut != -1:
                common = key[:cut + len(delimiter)]
                if common in seen_prefixes or common.encode() <= after.encode():
                    continue
                seen_prefixes.add(common)
                out.append(("prefix", common))
                continue
        if key.encode() > after.encode():
            out.append(("key", key))
    return out


def page_entries(page):
    """A ListObjects page as (kind, name) pairs in S3 order (merged by name)."""
    entries = [("key", o["Key"]) for o in page.get("Contents", [])]
    entries += [("prefix", p["Prefix"]) for p in page.get("CommonPrefixes", [])]
    return sorted(entries, key=lambda e: e[1].encode())


class ListObjectsV2(MossTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = "listing"
        s3 = boto3_client(cls.server)
        s3.create_bucket(Bucket=cls.bucket)
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda k: s3.put_object(Bucket=cls.bucket, Key=k, Body=k.encode()),
                          KEYS))

    def list_v2(self, **kwargs):
        return self.s3().list_objects_v2(Bucket=self.bucket, **kwargs)

    def test_without_parameters_lists_every_key_in_utf8_order(self):
        page = self.list_v2()
        self.assertEqual([o["Key"] for o in page["Contents"]], KEYS)
        self.assertEqual(page["KeyCount"], len(KEYS))
        self.assertFalse(page["IsTruncated"])
        self.assertEqual(page["MaxKeys"], 1000)
        self.assertEqual(page["Contents"][0]["Size"], len(KEYS[0]))
        self.assertEqual(page["Contents"][0]["StorageClass"], "STANDARD")

    def test_prefix_lists_only_keys_starting_with_it(self):
        page = self.list_v2(Prefix="docs/")
        self.assertEqual([o["Key"] for o in page["Contents"]],
                         [k for k in KEYS if k.startswith("docs/")])
        self.assertEqual(page["Prefix"], "docs/")
        self.assertEqual(self.list_v2(Prefix="nothing/")["KeyCount"], 0)

    def test_delimiter_rolls_keys_up_into_common_prefixes(self):
        page = self.list_v2(Delimiter="/")
        self.assertEqual(page_entries(page), expected_listing(KEYS, delimiter="/"))
        self.assertEqual([p["Prefix"] for p in page["CommonPrefixes"]],
                         ["docs/", "photos/", "zz/"])
        self.assertEqual(page["KeyCount"], 3 + 30)

    def test_prefix_and_delimiter_list_one_level_below_the_prefix(self):
        page = self.list_v2(Prefix="photos/", Delimiter="/")
        self.assertEqual([p["Prefix"] for p in page["CommonPrefixes"]],
                         ["photos/2023/", "photos/2024/"])
        self.assertEqual([o["Key"] for o in page["Contents"]], ["photos/cover.jpg"])

    def test_delimiter_other_than_slash_and_longer_than_one_character(self):
        page = self.list_v2(Prefix="photos/2024/", Delimiter="-0")
        self.assertEqual([p["Prefix"] for p in page["CommonPrefixes"]], ["photos/2024/img-0"])
        self.assertEqual(page_entries(page),
                         expected_listing(KEYS, prefix="photos/2024/", delimiter="-0"))

    def test_max_keys_truncates_and_common_prefixes_count_toward_it(self):
        page = self.list_v2(Delimiter="/", MaxKeys=3)
        self.assertTrue(page["IsTruncated"])
        self.assertEqual(page["KeyCount"], 3)
        self.assertEqual(page_entries(page), expected_listing(KEYS, delimiter="/")[:3])
        self.assertIn("NextContinuationToken", page)

    def collect_pages(self, **kwargs):
        entries, pages, token = [], 0, None
        while True:
            args = dict(kwargs)
            if token:
                args["ContinuationToken"] = token
            page = self.list_v2(**args)
            pages += 1
            self.assertLessEqual(page["KeyCount"], kwargs.get("MaxKeys", 1000))
            self.assertEqual(page["KeyCount"], len(page_entries(page)))
            entries += page_entries(page)
            if not page["IsTruncated"]:
                self.assertNotIn("NextContinuationToken", page)
                return entries, pages
            token = page["NextContinuationToken"]
            self.assertLess(pages, 1000, "paging does not end")

    def test_continuation_token_paging_returns_every_key_exactly_once(self):
        entries, pages = self.collect_pages(MaxKeys=37)
        self.assertEqual(entries, [("key", k) for k in KEYS])
        self.assertEqual(pages, -(-len(KEYS) // 37))

    def test_continuation_paging_with_prefix_and_delimiter_returns_each_prefix_once(self):
        for max_keys in (1, 2, 7):
            with self.subTest(max_keys=max_keys):
                entries, _ = self.collect_pages(Delimiter="/", MaxKeys=max_keys)
                self.assertEqual(entries, expected_listing(KEYS, delimiter="/"))
        entries, _ = self.collect_pages(Prefix="docs/", Delimiter="/", MaxKeys=9)
        self.assertEqual(entries, expected_listing(KEYS, prefix="docs/", delimiter="/"))

    def test_boto3_paginator_collects_the_whole_bucket(self):
        keys = []
        paginator = self.s3().get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, PaginationConfig={"PageSize": 100}):
            keys += [o["Key"] for o in page["Contents"]]
        self.assertEqual(keys, KEYS)

    def test_start_after_lists_keys_strictly_after_it(self):
        page = self.list_v2(StartAfter="docs/079.txt")
        self.assertEqual([o["Key"] for o in page["Contents"]],
                         [k for k in KEYS if k.encode() > b"docs/079.txt"])
        self.assertEqual(page["StartAfter"], "docs/079.txt")
        # A position between keys, and one past them all.
        page = self.list_v2(StartAfter="photos/2024/img-149.jpg0", MaxKeys=2)
        self.assertEqual([o["Key"] for o in page["Contents"]], ["photos/cover.jpg", "top-00"])
        self.assertEqual(self.list_v2(StartAfter="zzz")["KeyCount"], 0)

    def test_start_after_with_delimiter_skips_prefixes_at_or_before_it(self):
        page = self.list_v2(Delimiter="/", StartAfter="docs/zzz")
        self.assertEqual(page_entries(page),
                         expected_listing(KEYS, delimiter="/", after="docs/zzz"))
        self.assertNotIn("docs/", [p["Prefix"] for p in page.get("CommonPrefixes", [])])

    def test_continuation_token_takes_precedence_over_start_after(self):
        first = self.list_v2(MaxKeys=5)
        second = self.list_v2(MaxKeys=5, StartAfter="top-",
                              ContinuationToken=first["NextContinuationToken"])
        self.assertEqual([o["Key"] for o in second["Contents"]], KEYS[5:10])

    def test_invalid_continuation_token_is_invalid_argument(self):
        res = signed_http.request(self.server, "GET", object_path(self.bucket),
                                  query=query_string([("continuation-token", "!!not-a-token"),
                                                      ("list-type", "2")]))
        self.assertEqual(res.status, 400)
        self.assertEqual(res.error_code(), "InvalidArgument")

    def test_fetch_owner_adds_the_owner_only_when_asked(self):
        plain = self.list_v2(MaxKeys=2)
        self.assertNotIn("Owner", plain["Contents"][0])
        owned = self.list_v2(MaxKeys=2, FetchOwner=True)
        owner = owned["Contents"][0]["Owner"]
        self.assertTrue(owner.get("ID"))
        self.assertIn("DisplayName", owner)


AWKWARD_KEYS = ["enc/with space", "enc/plus+sign", "enc/per%25cent", "enc/100%", "enc/ünï/ç",
                "enc/emoji 🦀", "enc/ctrl\x01x", "enc/tab\tx", "enc/nl\nx", "enc/amp&lt;",
                "enc/sub dir/a", "enc/sub dir/b"]


class ListEncoding(MossTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = "encoding"
        s3 = boto3_client(cls.server)
        s3.create_bucket(Bucket=cls.bucket)
        for key in AWKWARD_KEYS:
            s3.put_object(Bucket=cls.bucket, Key=key, Body=b"x")

    def raw_list(self, params):
        res = signed_http.request(self.server, "GET", object_path(self.bucket),
                                  query=query_string(sorted(params.items())))
        self.assertEqual(res.status, 200, res)
        return res.xml()

    def test_boto3_round_trips_awkward_keys_through_encoding_type_url(self):
        page = self.s3().list_objects_v2(Bucket=self.bucket, Prefix="enc/")
        self.assertEqual([o["Key"] for o in page["Contents"]],
                         sorted(AWKWARD_KEYS, key=lambda k: k.encode()))

    def test_encoding_type_url_percent_encodes_keys_and_prefixes_on_the_wire(self):
        doc = self.raw_list({"list-type": "2", "encoding-type": "url", "prefix": "enc/",
                             "delimiter": "/"})
        self.assertEqual(find_text(doc, "EncodingType"), "url")
        keys = [find_text(c, "Key") for c in find_all(doc, "Contents")]
        # Every character outside the unreserved set (and '/') is percent-encoded,
        # so no control character reaches the XML and '+' is not a space.
        for key in keys:
            self.assertRegex(key, r"^[A-Za-z0-9\-_.~/%]+$")
        self.assertIn("enc/plus%2Bsign", keys)
        self.assertIn("enc/ctrl%01x", keys)
        decoded = [urllib.parse.unquote_plus(k) for k in keys]
        self.assertEqual(decoded, sorted([k for k in AWKWARD_KEYS if "/" not in k[4:]],
                                         key=lambda k: k.encode()))
        prefixes = [find_text(p, "Prefix") for p in find_all(doc, "CommonPrefixes")]
        self.assertEqual([urllib.parse.unquote_plus(p) for p in prefixes],
                         ["enc/sub dir/", "enc/\u00fcn\u00ef/"])

    def test_start_after_is_returned_encoded_and_boto3_decodes_it(self):
        page = self.s3().list_objects_v2(Bucket=self.bucket, StartAfter="enc/plus+sign")
        self.assertEqual(page["StartAfter"], "enc/plus+sign")
        self.assertTrue(all(o["Key"].encode() > b"enc/plus+sign" for o in page["Contents"]))

    def test_unknown_encoding_type_is_invalid_argument(self):
        res = signed_http.request(self.server, "GET", object_path(self.bucket),
                                  query="encoding-type=base64&list-type=2")
        self.assertEqual(res.status, 400)
        self.assertEqual(res.error_code(), "InvalidArgument")


class ListObjectsV1(MossTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = "listing-v1"
        s3 = boto3_client(cls.server)
        s3.create_bucket(Bucket=cls.bucket)
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda k: s3.put_object(Bucket=cls.bucket, Key=k, Body=b"x"), KEYS))

    def collect(self, **kwargs):
        s3 = self.s3()
        entries, marker, pages = [], None, 0
        while True:
            args = dict(kwargs)
            if marker is not None:
                args["Marker"] = marker
            page = s3.list_objects(Bucket=self.bucket, **args)
            pages += 1
            batch = page_entries(page)
            self.assertLessEqual(len(batch), kwargs.get("MaxKeys", 1000))
            entries += batch
            if not page["IsTruncated"]:
                return entries, pages
            if "Delimiter" in kwargs:
                # With a delimiter S3 must say where to go on: a key or a prefix.
                self.assertEqual(page["NextMarker"], batch[-1][1])
            # Without one, clients continue from the last key (S3 may omit NextMarker).
            marker = page.get("NextMarker") or page["Contents"][-1]["Key"]
            self.assertLess(pages, 1000, "paging does not end")

    def test_marker_paging_without_delimiter_returns_every_key_once(self):
        entries, pages = self.collect(MaxKeys=50)
        self.assertEqual(entries, [("key", k) for k in KEYS])
        self.assertEqual(pages, -(-len(KEYS) // 50))

    def test_marker_paging_with_delimiter_returns_keys_and_prefixes_once(self):
        for max_keys in (1, 4):
            with self.subTest(max_keys=max_keys):
                entries, _ = self.collect(Delimiter="/", MaxKeys=max_keys)
                self.assertEqual(entries, expected_listing(KEYS, delimiter="/"))
        entries, _ = self.collect(Prefix="photos/", Delimiter="/", MaxKeys=1)
        self.assertEqual(entries, expected_listing(KEYS, prefix="photos/", delimiter="/"))

    def test_marker_lists_keys_strictly_after_it(self):
        page = self.s3().list_objects(Bucket=self.bucket, Marker="top-28")
        self.assertEqual([o["Key"] for o in page["Contents"]], ["top-29", "zz/last"])
        self.assertEqual(page["Marker"], "top-28")

    def test_v1_lists_owners_always(self):
        page = self.s3().list_objects(Bucket=self.bucket, MaxKeys=1)
        self.assertTrue(page["Contents"][0]["Owner"]["ID"])

    def test_paginator_for_v1_collects_the_whole_bucket(self):
        keys = []
        for page in self.s3().get_paginator("list_objects").paginate(
                Bucket=self.bucket, PaginationConfig={"PageSize": 64}):
            keys += [o["Key"] for o in page["Contents"]]
        self.assertEqual(keys, KEYS)


if __name__ == "__main__":
    unittest.main()
