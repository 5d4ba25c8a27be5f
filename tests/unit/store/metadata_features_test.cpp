// The MetadataStore contract for DeleteBucket with open uploads, conditional
// writes, canned ACLs, retried completions and directory tags' snapshots, run
// against each backend: both must answer alike.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "moss/store/metadata_store.h"
#include "moss/util/clock.h"
#include "unit/store/metadata_backends.h"
#include "unit/store/temp_dir.h"

namespace moss::store {
namespace {

class MetadataFeaturesTest : public ::testing::TestWithParam<moss::testing::MetadataBackend> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(metadata_.available());
    auto opened = metadata_.open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->create_bucket("b", "owner", 1).ok());
  }

  static std::string sha(const std::string& seed) {
    std::string s = seed;
    s.resize(64, '0');
    return s;
  }

  NewVersion version(const std::string& key, const std::string& blob, const std::string& etag) {
    NewVersion v;
    v.key = key;
    v.segments = {BlobSegment{sha(blob), 10}};
    v.size = 10;
    v.etag = etag;
    v.owner = "owner";
    v.last_modified_ns = 5;
    return v;
  }

  StoreResult<CommitOutcome> commit(const std::string& key, const std::string& blob,
                                    const std::string& etag, const WritePreconditions& pre = {}) {
    return store_->commit_version("b", version(key, blob, etag), pre);
  }

  ObjectVersion put(const std::string& key, const std::string& blob,
                    const std::string& etag = "etag") {
    auto r = commit(key, blob, etag);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r->version : ObjectVersion{};
  }

  std::string start_upload(const std::string& key) {
    MultipartUpload u;
    u.key = key;
    u.owner = "owner";
    u.initiated_ns = 10;
    auto created = store_->create_upload("b", u);
    EXPECT_TRUE(created.ok()) << created.error().message;
    return created.ok() ? created->upload_id : std::string();
  }

  UploadPart add_part(const std::string& key, const std::string& upload_id, int number,
                      const std::string& blob) {
    UploadPart part;
    part.part_number = number;
    part.sha256 = sha(blob);
    part.size = 7;
    part.etag = "part-" + blob;
    part.last_modified_ns = 20;
    auto r = store_->put_part("b", key, upload_id, part);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return part;
  }

  StoreResult<CommitOutcome> complete(const std::string& key, const std::string& upload_id,
                                      const std::vector<UploadPart>& parts, int64_t now_ns) {
    NewVersion v;
    v.key = key;
    for (const auto& p : parts) {
      v.segments.push_back(BlobSegment{p.sha256, p.size, p.part_number, p.etag});
      v.size += p.size;
    }
    v.etag = "composed";
    v.owner = "owner";
    v.last_modified_ns = now_ns;
    return store_->complete_upload("b", upload_id, v, {});
  }

  StoreResult<TagWriteOutcome> tag(const std::string& key, std::vector<SnapshotWrite> snapshots,
                                   int64_t now_ns = 100) {
    TagWrite w;
    w.key = key;
    w.model = "m";
    w.tag = key;
    w.targets = "[]";
    w.snapshots = std::move(snapshots);
    w.etag = "tag-etag-" + std::to_string(now_ns);
    w.now_ns = now_ns;
    w.actor = "owner";
    return store_->set_tag("b", w, {});
  }

  static std::string snapshot_id(char digit, char last = '0') {
    std::string id(64, digit);
    id.back() = last;
    return id;
  }

  moss::testing::TempDir dir_;
  moss::testing::TestMetadataLocation metadata_{GetParam()};
  std::unique_ptr<MetadataStore> store_;
};

// --- DeleteBucket with uploads in progress.

TEST_P(MetadataFeaturesTest, DeletingABucketDiscardsItsUploadsAndReleasesTheirParts) {
  auto first = start_upload("k");
  add_part("k", first, 1, "p1");
  add_part("k", first, 2, "p2");
  auto second = start_upload("other");
  add_part("other", second, 1, "p3");

  auto released = store_->delete_bucket("b");
  ASSERT_TRUE(released.ok()) << released.error().message;
  std::vector<std::string> got = *released;
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{sha("p1"), sha("p2"), sha("p3")}));
  EXPECT_FALSE(store_->blob_referenced(sha("p1")).value());
  EXPECT_EQ(store_->get_upload("b", "k", first).error().code, StoreErrc::kNoSuchBucket);

  ASSERT_TRUE(store_->create_bucket("b", "owner", 2).ok());
  auto listed = store_->list_uploads("b", UploadListQuery{});
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->uploads.empty());
  EXPECT_FALSE(store_->get_upload("b", "k", first).ok());
}

TEST_P(MetadataFeaturesTest, ABucketWithObjectsKeepsItsUploads) {
  auto id = start_upload("k");
  add_part("k", id, 1, "p1");
  put("obj", "blob");
  auto r = store_->delete_bucket("b");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, StoreErrc::kBucketNotEmpty);
  EXPECT_TRUE(store_->get_upload("b", "k", id).ok());
  EXPECT_TRUE(store_->blob_referenced(sha("p1")).value());
}

// --- Conditional writes.

TEST_P(MetadataFeaturesTest, IfNoneMatchStarRefusesAnyCurrentObject) {
  WritePreconditions none;
  none.if_none_match = "*";
  ASSERT_TRUE(commit("k", "one", "e1", none).ok());
  auto again = commit("k", "two", "e2", none);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, StoreErrc::kPreconditionFailed);
  EXPECT_EQ(store_->get_version("b", "k")->etag, "e1");
  // A delete marker is no current object.
  ASSERT_TRUE(store_->set_versioning("b", VersioningState::kEnabled).ok());
  ASSERT_TRUE(store_->delete_object("b", "k", "").ok());
  EXPECT_TRUE(commit("k", "three", "e3", none).ok());
}

TEST_P(MetadataFeaturesTest, IfNoneMatchAnETagRefusesOnlyThatETag) {
  put("k", "one", "e1");
  WritePreconditions other;
  other.if_none_match = "e9";
  ASSERT_TRUE(commit("k", "two", "e2", other).ok());
  WritePreconditions same;
  same.if_none_match = "e2";
  auto refused = commit("k", "three", "e3", same);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, StoreErrc::kPreconditionFailed);
  // No object at all: it holds.
  EXPECT_TRUE(commit("new", "four", "e4", same).ok());
}

TEST_P(MetadataFeaturesTest, IfMatchNeedsTheCurrentETagOrStar) {
  WritePreconditions star;
  star.if_match = "*";
  auto missing = commit("k", "one", "e1", star);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, StoreErrc::kNoSuchKey);
  put("k", "one", "e1");
  WritePreconditions wrong;
  wrong.if_match = "e9";
  auto refused = commit("k", "two", "e2", wrong);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, StoreErrc::kPreconditionFailed);
  WritePreconditions right;
  right.if_match = "e1";
  ASSERT_TRUE(commit("k", "two", "e2", right).ok());
  EXPECT_TRUE(commit("k", "three", "e3", star).ok());
  EXPECT_EQ(store_->get_version("b", "k")->etag, "e3");
}

// --- Canned ACLs.

TEST_P(MetadataFeaturesTest, ABucketIsPrivateUntilMarked) {
  EXPECT_FALSE(store_->get_bucket("b")->public_read);
  ASSERT_TRUE(store_->set_bucket_public_read("b", true).ok());
  EXPECT_TRUE(store_->get_bucket("b")->public_read);
  auto listed = store_->list_buckets();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_TRUE(listed->front().public_read);
  ASSERT_TRUE(store_->set_bucket_public_read("b", false).ok());
  EXPECT_FALSE(store_->get_bucket("b")->public_read);
  EXPECT_EQ(store_->set_bucket_public_read("nope", true).error().code, StoreErrc::kNoSuchBucket);
}

TEST_P(MetadataFeaturesTest, EachVersionHasItsOwnMark) {
  ASSERT_TRUE(store_->set_versioning("b", VersioningState::kEnabled).ok());
  auto first = put("k", "one");
  auto second = put("k", "two");
  ASSERT_TRUE(store_->set_object_public_read("b", "k", "", true).ok());
  EXPECT_TRUE(store_->get_version("b", "k")->attributes.public_read);
  EXPECT_FALSE(store_->get_version("b", "k", first.version_id)->attributes.public_read);
  ASSERT_TRUE(store_->set_object_public_read("b", "k", first.version_id, true).ok());
  ASSERT_TRUE(store_->set_object_public_read("b", "k", second.version_id, false).ok());
  EXPECT_TRUE(store_->get_version("b", "k", first.version_id)->attributes.public_read);
  EXPECT_FALSE(store_->get_version("b", "k")->attributes.public_read);
}

TEST_P(MetadataFeaturesTest, NoMarkOnWhatIsNotThere) {
  ASSERT_TRUE(store_->set_versioning("b", VersioningState::kEnabled).ok());
  EXPECT_EQ(store_->set_object_public_read("b", "k", "", true).error().code, StoreErrc::kNoSuchKey);
  put("k", "one");
  EXPECT_EQ(store_->set_object_public_read("b", "k", "no-such-version", true).error().code,
            StoreErrc::kNoSuchVersion);
  auto deleted = store_->delete_object("b", "k", "");
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(store_->set_object_public_read("b", "k", "", true).error().code, StoreErrc::kNoSuchKey);
  EXPECT_EQ(store_->set_object_public_read("b", "k", deleted->version_id, true).error().code,
            StoreErrc::kInvalidArgument);
}

// --- Retried completions.

TEST_P(MetadataFeaturesTest, ACompletedUploadIsFoundWhileItsVersionIsTheLatest) {
  auto id = start_upload("k");
  auto part = add_part("k", id, 1, "p1");
  auto done = complete("k", id, {part}, now_unix_nanos());
  ASSERT_TRUE(done.ok()) << done.error().message;
  auto again = store_->find_completed_upload("b", "k", id);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->version_id, done->version.version_id);
  EXPECT_EQ(again->etag, "composed");
  EXPECT_EQ(store_->find_completed_upload("b", "other", id).error().code, StoreErrc::kNoSuchUpload);
  EXPECT_EQ(store_->find_completed_upload("b", "k", "nope").error().code, StoreErrc::kNoSuchUpload);

  // Overwritten, it is forgotten.
  put("k", "other");
  EXPECT_EQ(store_->find_completed_upload("b", "k", id).error().code, StoreErrc::kNoSuchUpload);
}

TEST_P(MetadataFeaturesTest, ACompletionOlderThanADayIsForgotten) {
  auto id = start_upload("k");
  auto part = add_part("k", id, 1, "p1");
  const int64_t two_days_ago = now_unix_nanos() - int64_t{48} * 3600 * 1'000'000'000;
  ASSERT_TRUE(complete("k", id, {part}, two_days_ago).ok());
  EXPECT_EQ(store_->find_completed_upload("b", "k", id).error().code, StoreErrc::kNoSuchUpload);
}

// --- Snapshots of directory tags.

TEST_P(MetadataFeaturesTest, ATagPinsASnapshotOfItsFilesInPathOrder) {
  auto config = put("dir/config.json", "cfg");
  auto weights = put("dir/\xc3\xa9.bin", "wts");
  auto vocab = put("dir/z/vocab.json", "voc");
  const std::string id = snapshot_id('a');
  SnapshotWrite s{id,
                  {{"\xc3\xa9.bin", "dir/\xc3\xa9.bin", weights.version_id},
                   {"config.json", "dir/config.json", config.version_id},
                   {"z/vocab.json", "dir/z/vocab.json", vocab.version_id}}};
  auto written = tag("latest", {s});
  ASSERT_TRUE(written.ok()) << written.error().message;
  ASSERT_TRUE(written->tag.has_value());
  EXPECT_EQ(written->tag->snapshots, std::vector<std::string>{id});
  EXPECT_EQ(store_->get_tag("b", "latest")->snapshots, std::vector<std::string>{id});

  auto record = store_->get_snapshot("b", "m", id);
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->id, id);
  EXPECT_EQ(record->model, "m");
  EXPECT_EQ(record->file_count, 3u);
  EXPECT_EQ(record->total_size, 30u);
  EXPECT_EQ(record->tag_refs, 1);
  EXPECT_EQ(record->created_ns, 100);

  // Byte order: "z/..." (0x7a) before "\xc3\xa9" (0xc3).
  auto files = store_->list_snapshot_files("b", "m", id, SnapshotFileQuery{});
  ASSERT_TRUE(files.ok()) << files.error().message;
  std::vector<std::string> paths;
  for (const auto& f : *files) paths.push_back(f.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"config.json", "z/vocab.json", "\xc3\xa9.bin"}));
  EXPECT_EQ(files->front().version.key, "dir/config.json");
  EXPECT_EQ(files->front().version.version_id, config.version_id);
  EXPECT_EQ(files->front().version.segments.size(), 1u);

  SnapshotFileQuery window{"d", "\xc3", 10};
  auto inside = store_->list_snapshot_files("b", "m", id, window);
  ASSERT_TRUE(inside.ok());
  ASSERT_EQ(inside->size(), 1u);
  EXPECT_EQ(inside->front().path, "z/vocab.json");
  SnapshotFileQuery first_only{"", "", 1};
  EXPECT_EQ(store_->list_snapshot_files("b", "m", id, first_only)->size(), 1u);

  auto file = store_->get_snapshot_file("b", "m", id, "\xc3\xa9.bin");
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->version.etag, "etag");
  EXPECT_EQ(file->version.segments.front().sha256, sha("wts"));
  EXPECT_EQ(store_->get_snapshot_file("b", "m", id, "missing").error().code, StoreErrc::kNoSuchKey);
  EXPECT_EQ(store_->get_snapshot("b", "other-model", id).error().code, StoreErrc::kNoSuchKey);

  // The snapshot holds the bytes through an overwrite and a delete.
  put("dir/config.json", "cfg2");
  ASSERT_TRUE(store_->delete_object("b", "dir/z/vocab.json", "").ok());
  EXPECT_TRUE(store_->blob_referenced(sha("cfg")).value());
  EXPECT_TRUE(store_->blob_referenced(sha("voc")).value());
}

TEST_P(MetadataFeaturesTest, AFortyDigitPrefixNamesASnapshotOnlyWhenItIsUnique) {
  auto v = put("f", "one");
  const std::string a = snapshot_id('a', '1');
  const std::string b = snapshot_id('a', '2');
  const std::string c = snapshot_id('c');
  for (const auto& [key, id] :
       std::vector<std::pair<std::string, std::string>>{{"t1", a}, {"t2", b}, {"t3", c}}) {
    auto r = tag(key, {SnapshotWrite{id, {{"f", "f", v.version_id}}}});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  EXPECT_EQ(store_->get_snapshot("b", "m", a)->id, a);
  EXPECT_EQ(store_->get_snapshot("b", "m", c.substr(0, 40))->id, c);
  EXPECT_EQ(store_->get_snapshot("b", "m", a.substr(0, 40)).error().code, StoreErrc::kNoSuchKey);
  EXPECT_EQ(store_->get_snapshot("b", "m", std::string(40, 'f')).error().code,
            StoreErrc::kNoSuchKey);
  EXPECT_EQ(store_->get_snapshot("b", "m", "not hex \xff").error().code, StoreErrc::kNoSuchKey);
}

TEST_P(MetadataFeaturesTest, TagsShareASnapshotAndItsReferencesGoWhenTheRetentionEnds) {
  ASSERT_TRUE(store_->set_versioning("b", VersioningState::kEnabled).ok());
  auto v = put("f", "one");
  const std::string id = snapshot_id('b');
  ASSERT_TRUE(tag("t1", {SnapshotWrite{id, {{"f", "f", v.version_id}}}}).ok());
  // Held already: the files are not looked at again.
  auto second = tag("t2", {SnapshotWrite{id, {{"f", "gone", "no-such-version"}}}});
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(store_->get_snapshot("b", "m", id)->tag_refs, 2);

  put("f", "two");
  // The version is gone for good: only the snapshot holds "one".
  ASSERT_TRUE(store_->delete_object("b", "f", v.version_id).ok());
  EXPECT_TRUE(store_->blob_referenced(sha("one")).value());

  // Moving t1 elsewhere releases its hold.
  auto other = put("g", "three");
  auto moved = tag("t1", {SnapshotWrite{snapshot_id('c'), {{"g", "g", other.version_id}}}});
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(store_->get_snapshot("b", "m", id)->tag_refs, 1);
  EXPECT_TRUE(store_->blob_referenced(sha("one")).value());

  // The last tag lets go at 200: the references stay through the retention.
  auto removed = store_->delete_tag("b", "t2", "owner", 200, {});
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_TRUE(removed->released_blobs.empty());
  EXPECT_TRUE(store_->blob_referenced(sha("one")).value());
  auto early = store_->release_unheld_snapshots(200, 100);
  ASSERT_TRUE(early.ok()) << early.error().message;
  EXPECT_EQ(early->snapshots, 0u);
  EXPECT_TRUE(store_->blob_referenced(sha("one")).value());
  // Let go before 201: released, once.
  auto due = store_->release_unheld_snapshots(201, 100);
  ASSERT_TRUE(due.ok()) << due.error().message;
  EXPECT_EQ(due->snapshots, 1u);
  EXPECT_EQ(due->released_blobs, std::vector<std::string>{sha("one")});
  EXPECT_FALSE(store_->blob_referenced(sha("one")).value());
  EXPECT_EQ(store_->release_unheld_snapshots(1000, 100)->snapshots, 0u);
  // The rows stay, with no hold.
  auto kept = store_->get_snapshot("b", "m", id);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->tag_refs, 0);
  EXPECT_EQ(store_->list_snapshot_files("b", "m", id, SnapshotFileQuery{})->size(), 1u);

  // Held again, its files are pinned anew, and a version that is gone is refused.
  auto stale = tag("t4", {SnapshotWrite{id, {{"f", "f", v.version_id}}}});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, StoreErrc::kNoSuchKey);
  EXPECT_FALSE(store_->get_tag("b", "t4").ok());
  EXPECT_EQ(store_->get_snapshot("b", "m", id)->tag_refs, 0);
  auto current = store_->get_version("b", "f");
  ASSERT_TRUE(current.ok());
  ASSERT_TRUE(tag("t4", {SnapshotWrite{id, {{"f", "f", current->version_id}}}}).ok());
  EXPECT_EQ(store_->get_snapshot("b", "m", id)->tag_refs, 1);
  EXPECT_EQ(store_->get_snapshot_file("b", "m", id, "f")->version.segments.front().sha256,
            sha("two"));
}

TEST_P(MetadataFeaturesTest, ASnapshotTakenBackWithinItsRetentionKeepsItsReferences) {
  ASSERT_TRUE(store_->set_versioning("b", VersioningState::kEnabled).ok());
  auto v = put("f", "one");
  const std::string id = snapshot_id('f');
  ASSERT_TRUE(tag("t", {SnapshotWrite{id, {{"f", "f", v.version_id}}}}, 100).ok());
  ASSERT_TRUE(store_->delete_tag("b", "t", "owner", 200, {}).ok());
  ASSERT_TRUE(store_->delete_object("b", "f", v.version_id).ok());
  EXPECT_TRUE(store_->blob_referenced(sha("one")).value());
  // Within the retention, the version it pinned is gone but its references
  // are not: a tag takes it back without pinning anything anew.
  auto back = tag("u", {SnapshotWrite{id, {{"f", "f", v.version_id}}}}, 300);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(store_->get_snapshot("b", "m", id)->tag_refs, 1);
  // Held again: no retention runs out, however late.
  EXPECT_EQ(store_->release_unheld_snapshots(1000000, 100)->snapshots, 0u);
  EXPECT_TRUE(store_->blob_referenced(sha("one")).value());
  // Let go again at 400: its retention counts from then.
  ASSERT_TRUE(store_->delete_tag("b", "u", "owner", 400, {}).ok());
  EXPECT_EQ(store_->release_unheld_snapshots(400, 100)->snapshots, 0u);
  auto due = store_->release_unheld_snapshots(401, 100);
  ASSERT_TRUE(due.ok()) << due.error().message;
  EXPECT_EQ(due->snapshots, 1u);
  EXPECT_FALSE(store_->blob_referenced(sha("one")).value());
}

TEST_P(MetadataFeaturesTest, ASnapshotWithNoFilesOrAMissingOneIsRefused) {
  auto empty = tag("t", {SnapshotWrite{snapshot_id('d'), {}}});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, StoreErrc::kNoSuchKey);
  auto v = put("f", "one");
  auto missing =
      tag("t", {SnapshotWrite{snapshot_id('d'), {{"f", "f", v.version_id}, {"g", "g", "null"}}}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, StoreErrc::kNoSuchKey);
  EXPECT_EQ(store_->get_snapshot("b", "m", snapshot_id('d')).error().code, StoreErrc::kNoSuchKey);
  EXPECT_FALSE(store_->get_tag("b", "t").ok());
}

TEST_P(MetadataFeaturesTest, DeletingABucketRemovesItsSnapshots) {
  auto v = put("f", "one");
  const std::string id = snapshot_id('e');
  ASSERT_TRUE(tag("t", {SnapshotWrite{id, {{"f", "f", v.version_id}}}}).ok());
  ASSERT_TRUE(store_->delete_tag("b", "t", "owner", 200, {}).ok());
  ASSERT_TRUE(store_->delete_object("b", "f", "").ok());
  // Still within its retention: the bucket's deletion releases its references.
  EXPECT_TRUE(store_->blob_referenced(sha("one")).value());
  auto released = store_->delete_bucket("b");
  ASSERT_TRUE(released.ok()) << released.error().message;
  EXPECT_EQ(*released, std::vector<std::string>{sha("one")});
  EXPECT_FALSE(store_->blob_referenced(sha("one")).value());
  ASSERT_TRUE(store_->create_bucket("b", "owner", 3).ok());
  EXPECT_EQ(store_->get_snapshot("b", "m", id).error().code, StoreErrc::kNoSuchKey);
  EXPECT_TRUE(store_->list_snapshot_files("b", "m", id, SnapshotFileQuery{})->empty());
}

MOSS_INSTANTIATE_FOR_EACH_METADATA_BACKEND(MetadataFeaturesTest);

}  // namespace
}  // namespace moss::store
