// Lifecycle rules and the expiries they cause, in the PostgreSQL metadata store
// (as in sqlite_lifecycle.cpp).
//
// A bucket's rules are one row of JSON (they are read whole, by the S3 layer
// and by the lifecycle worker, and never queried by field). An expiry re-reads
// the version it was decided on inside its own write transaction, so a client
// write that happened after the worker looked always wins.
#include <nlohmann/json.hpp>

#include "moss/store/postgres_metadata_store.h"
#include "moss/util/clock.h"
#include "postgres_records.h"

namespace moss::store {

using namespace postgres_records;

namespace {

using json = nlohmann::json;

const char* filter_form_name(RuleFilterForm form) {
  switch (form) {
    case RuleFilterForm::kEmptyFilter:
      return "empty";
    case RuleFilterForm::kRulePrefix:
      return "rule";
    case RuleFilterForm::kFilterPrefix:
      break;
  }
  return "prefix";
}

RuleFilterForm filter_form_from_name(const std::string& name) {
  if (name == "empty") return RuleFilterForm::kEmptyFilter;
  if (name == "rule") return RuleFilterForm::kRulePrefix;
  return RuleFilterForm::kFilterPrefix;
}

json rules_to_json(const std::vector<LifecycleRule>& rules) {
  json arr = json::array();
  for (const auto& r : rules) {
    json o = {{"id", r.id},
              {"enabled", r.enabled},
              {"prefix", r.prefix},
              {"filter", filter_form_name(r.filter_form)}};
    if (r.expiration_days) o["expiration_days"] = *r.expiration_days;
    if (r.expiration_date_ns) o["expiration_date_ns"] = *r.expiration_date_ns;
    if (r.expired_object_delete_marker) {
      o["expired_object_delete_marker"] = *r.expired_object_delete_marker;
    }
    if (r.noncurrent_days) o["noncurrent_days"] = *r.noncurrent_days;
    if (r.newer_noncurrent_versions) o["newer_noncurrent_versions"] = *r.newer_noncurrent_versions;
    if (r.abort_upload_days) o["abort_upload_days"] = *r.abort_upload_days;
    arr.push_back(std::move(o));
  }
  return arr;
}

template <class T>
std::optional<T> optional_field(const json& o, const char* name) {
  auto it = o.find(name);
  if (it == o.end() || it->is_null()) return std::nullopt;
  return it->get<T>();
}

std::vector<LifecycleRule> rules_from_json(const std::string& text) {
  std::vector<LifecycleRule> rules;
  json arr = json::parse(text, nullptr, false);
  if (!arr.is_array()) return rules;
  for (const auto& o : arr) {
    if (!o.is_object()) continue;
    LifecycleRule r;
    r.id = o.value("id", "");
    r.enabled = o.value("enabled", false);
    r.prefix = o.value("prefix", "");
    r.filter_form = filter_form_from_name(o.value("filter", ""));
    r.expiration_days = optional_field<int>(o, "expiration_days");
    r.expiration_date_ns = optional_field<int64_t>(o, "expiration_date_ns");
    r.expired_object_delete_marker = optional_field<bool>(o, "expired_object_delete_marker");
    r.noncurrent_days = optional_field<int>(o, "noncurrent_days");
    r.newer_noncurrent_versions = optional_field<int>(o, "newer_noncurrent_versions");
    r.abort_upload_days = optional_field<int>(o, "abort_upload_days");
    rules.push_back(std::move(r));
  }
  return rules;
}

StoreResult<int64_t> count_versions(PgConnection& db, int64_t bucket_id, std::string_view key) {
  auto st = db.prepare("SELECT COUNT(*) FROM versions WHERE bucket_id = ?1 AND key = ?2");
  if (!st) return fail(st.error());
  st->bind(1, bucket_id).bind(2, key);
  auto row = st->step();
  if (!row) return fail(row.error());
  return *row ? st->column_int(0) : int64_t{0};
}

// Whether `v` is the very version `target` was decided on: the same row, not
// a later write that took its (version) id.
bool is_target(const std::optional<ObjectVersion>& v, const ExpiryTarget& target) {
  return v && v->row_id == target.row_id && v->version_id == target.version_id;
}

// The body of expire_version, inside its transaction. Leaves `out` empty when
// the version is no longer in the state the expiry was decided on.
StoreResult<void> apply_expiry(PgConnection& db, const Bucket& bucket,
                               const ExpiryTarget& target, DeleteOutcome& out) {
  if (target.kind == ExpiryKind::kNoncurrentVersion) {
    auto v = find_by_version_id(db, bucket.id, target.key, target.version_id);
    if (!v) return fail(v.error());
    if (!is_target(*v, target) || (*v)->is_latest) return {};
    if (auto r = delete_version_row(db, **v, out.released_blobs); !r) return r;
    out.version_id = target.version_id;
    out.delete_marker = (*v)->is_delete_marker;
    return {};
  }

  auto latest = find_latest(db, bucket.id, target.key);
  if (!latest) return fail(latest.error());
  if (!is_target(*latest, target)) return {};

  if (target.kind == ExpiryKind::kCurrentVersion) {
    if ((*latest)->is_delete_marker) return {};
    if (auto r = delete_current(db, bucket, target.key, now_unix_nanos(), out); !r) return r;
    if (!out.delete_marker) out.version_id = target.version_id;
    return {};
  }

  // kExpiredDeleteMarker: a marker with no version left behind it.
  if (!(*latest)->is_delete_marker) return {};
  auto versions = count_versions(db, bucket.id, target.key);
  if (!versions) return fail(versions.error());
  if (*versions != 1) return {};
  if (auto r = delete_version_row(db, **latest, out.released_blobs); !r) return r;
  out.version_id = target.version_id;
  out.delete_marker = true;
  return {};
}

}  // namespace

namespace postgres_records {

StoreResult<void> delete_bucket_lifecycle(PgConnection& db, int64_t bucket_id) {
  auto st = db.prepare("DELETE FROM bucket_lifecycle WHERE bucket_id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, bucket_id);
  return st->run();
}

}  // namespace postgres_records

StoreResult<void> PostgresMetadataStore::put_lifecycle(std::string_view bucket,
                                                     const std::vector<LifecycleRule>& rules) {
  return write_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) -> StoreResult<void> {
    auto st = db.prepare(
        "INSERT INTO bucket_lifecycle(bucket_id, rules) VALUES(?1, ?2) "
        "ON CONFLICT(bucket_id) DO UPDATE SET rules = excluded.rules");
    if (!st) return fail(st.error());
    st->bind(1, b.id).bind(2, rules_to_json(rules).dump());
    return st->run();
  });
}

StoreResult<std::optional<std::vector<LifecycleRule>>> PostgresMetadataStore::get_lifecycle(
    std::string_view bucket) {
  using Rules = std::optional<std::vector<LifecycleRule>>;
  return read_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) -> StoreResult<Rules> {
    auto st = db.prepare("SELECT rules FROM bucket_lifecycle WHERE bucket_id = ?1");
    if (!st) return fail(st.error());
    st->bind(1, b.id);
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) return Rules();
    return Rules(rules_from_json(st->column_text(0)));
  });
}

StoreResult<void> PostgresMetadataStore::delete_lifecycle(std::string_view bucket) {
  return write_in_bucket(bucket, [](PgConnection& db, const Bucket& b) {
    return delete_bucket_lifecycle(db, b.id);
  });
}

StoreResult<std::vector<std::string>> PostgresMetadataStore::list_lifecycle_buckets() {
  return read([](PgConnection& db) -> StoreResult<std::vector<std::string>> {
    auto st = db.prepare(
        "SELECT b.name FROM bucket_lifecycle l JOIN buckets b ON b.id = l.bucket_id "
        "ORDER BY b.name");
    if (!st) return fail(st.error());
    return st->collect([](PgStatement& row) { return row.column_text(0); });
  });
}

StoreResult<DeleteOutcome> PostgresMetadataStore::expire_version(std::string_view bucket,
                                                               const ExpiryTarget& target) {
  using Outcome = StoreResult<DeleteOutcome>;
  return write_in_bucket(bucket, [&](PgConnection& db, const Bucket& b) -> Outcome {
    DeleteOutcome out;
    if (auto r = apply_expiry(db, b, target, out); !r) return fail(r.error());
    return out;
  });
}

}  // namespace moss::store
