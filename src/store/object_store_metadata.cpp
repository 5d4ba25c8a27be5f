// ObjectStore, the operations that link and release no blob: reads, and the
// writes of buckets, their configuration and upload records. Each is the
// metadata store's operation, passed on as it is; the blob rules of
// object_store.cpp have nothing to guard here.
#include "moss/store/object_store.h"

namespace moss::store {

StoreResult<Bucket> ObjectStore::create_bucket(const std::string& name, const std::string& owner,
                                               int64_t now_ns) {
  return metadata_->create_bucket(name, owner, now_ns);
}

StoreResult<Bucket> ObjectStore::get_bucket(std::string_view name) {
  return metadata_->get_bucket(name);
}

StoreResult<std::vector<Bucket>> ObjectStore::list_buckets() { return metadata_->list_buckets(); }

StoreResult<void> ObjectStore::set_versioning(std::string_view bucket, VersioningState state) {
  return metadata_->set_versioning(bucket, state);
}

StoreResult<void> ObjectStore::set_bucket_public_read(std::string_view bucket, bool public_read) {
  return metadata_->set_bucket_public_read(bucket, public_read);
}

StoreResult<void> ObjectStore::set_object_public_read(std::string_view bucket, std::string_view key,
                                                      std::string_view version_id,
                                                      bool public_read) {
  return metadata_->set_object_public_read(bucket, key, version_id, public_read);
}

StoreResult<ObjectVersion> ObjectStore::find_completed_upload(std::string_view bucket,
                                                              std::string_view key,
                                                              std::string_view upload_id) {
  return metadata_->find_completed_upload(bucket, key, upload_id);
}

StoreResult<void> ObjectStore::put_lifecycle(std::string_view bucket,
                                             const std::vector<LifecycleRule>& rules) {
  return metadata_->put_lifecycle(bucket, rules);
}

StoreResult<std::optional<std::vector<LifecycleRule>>> ObjectStore::get_lifecycle(
    std::string_view bucket) {
  return metadata_->get_lifecycle(bucket);
}

StoreResult<void> ObjectStore::delete_lifecycle(std::string_view bucket) {
  return metadata_->delete_lifecycle(bucket);
}

StoreResult<std::vector<std::string>> ObjectStore::list_lifecycle_buckets() {
  return metadata_->list_lifecycle_buckets();
}

StoreResult<ObjectVersion> ObjectStore::get_version(std::string_view bucket, std::string_view key,
                                                    std::string_view version_id) {
  return metadata_->get_version(bucket, key, version_id);
}

StoreResult<ListPage> ObjectStore::list_objects(std::string_view bucket, const ListQuery& q) {
  return metadata_->list_objects(bucket, q);
}

StoreResult<VersionListPage> ObjectStore::list_versions(std::string_view bucket,
                                                        const VersionListQuery& q) {
  return metadata_->list_versions(bucket, q);
}

StoreResult<void> ObjectStore::set_content_sha256(std::string_view bucket, std::string_view key,
                                                  int64_t row_id, const std::string& sha256_hex) {
  return metadata_->set_content_sha256(bucket, key, row_id, sha256_hex);
}

StoreResult<SnapshotRecord> ObjectStore::get_snapshot(std::string_view bucket,
                                                      std::string_view model,
                                                      std::string_view id) {
  return metadata_->get_snapshot(bucket, model, id);
}

StoreResult<std::vector<SnapshotFile>> ObjectStore::list_snapshot_files(
    std::string_view bucket, std::string_view model, std::string_view id,
    const SnapshotFileQuery& q) {
  return metadata_->list_snapshot_files(bucket, model, id, q);
}

StoreResult<SnapshotFile> ObjectStore::get_snapshot_file(std::string_view bucket,
                                                         std::string_view model,
                                                         std::string_view id,
                                                         std::string_view path) {
  return metadata_->get_snapshot_file(bucket, model, id, path);
}

StoreResult<MultipartUpload> ObjectStore::create_upload(std::string_view bucket,
                                                        const MultipartUpload& upload) {
  return metadata_->create_upload(bucket, upload);
}

StoreResult<MultipartUpload> ObjectStore::get_upload(std::string_view bucket, std::string_view key,
                                                     std::string_view upload_id) {
  return metadata_->get_upload(bucket, key, upload_id);
}

StoreResult<PartListPage> ObjectStore::list_parts(std::string_view bucket, std::string_view key,
                                                  std::string_view upload_id,
                                                  const PartListQuery& q) {
  return metadata_->list_parts(bucket, key, upload_id, q);
}

StoreResult<UploadListPage> ObjectStore::list_uploads(std::string_view bucket,
                                                      const UploadListQuery& q) {
  return metadata_->list_uploads(bucket, q);
}

StoreResult<TagRecord> ObjectStore::get_tag(std::string_view bucket, std::string_view key) {
  return metadata_->get_tag(bucket, key);
}

StoreResult<std::vector<TagRecord>> ObjectStore::list_tags(std::string_view bucket,
                                                           const TagListQuery& q) {
  return metadata_->list_tags(bucket, q);
}

StoreResult<std::vector<TagHistoryEntry>> ObjectStore::tag_history(std::string_view bucket,
                                                                   std::string_view key,
                                                                   int64_t before_seq, int limit) {
  return metadata_->tag_history(bucket, key, before_seq, limit);
}

}  // namespace moss::store
