// ListObjectVersions, once for both metadata stores (sqlite_version_listing.cpp,
// postgres_version_listing.cpp): the paging is the same and so is the SQL (the
// PostgreSQL connection rewrites ?N placeholders); only the connection type
// differs, a template parameter with the same prepare/bind/step/column API
// (as in metadata_rows.h).
//
// The listing walks keys in order with one seek of the versions_by_key index
// per key (or per common prefix, which is skipped whole), and reads each key's
// versions newest first by walking the same index backwards. Row ids order the
// versions of a key (a later write has a higher id), so "newest first" is
// "highest id first", and a version-id-marker resumes below its row id.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "metadata_rows.h"
#include "moss/store/lifecycle_types.h"
#include "moss/store/object_types.h"
#include "moss/store/store_error.h"

namespace moss::store::version_listing {

using metadata_rows::common_prefix_of;
using metadata_rows::find_by_version_id;
using metadata_rows::page_is_full;
using metadata_rows::prefix_upper_bound;

constexpr const char* kFirstKeySql =
    "SELECT key FROM versions WHERE bucket_id = ?1 AND key >= ?2 AND key < ?3 "
    "ORDER BY key LIMIT 1";

constexpr const char* kKeyVersionsSql =
    "SELECT id, version_id, is_latest, is_delete_marker, size, etag, last_modified_ns, owner, "
    "noncurrent_since_ns FROM versions WHERE bucket_id = ?1 AND key = ?2 AND id < ?3 "
    "ORDER BY id DESC LIMIT ?4";

template <class Statement>
ObjectVersion listed_version(const Statement& st, int64_t bucket_id, const std::string& key) {
  ObjectVersion v;
  v.row_id = st.column_int(0);
  v.bucket_id = bucket_id;
  v.key = key;
  st.read_columns(1, v.version_id, v.is_latest, v.is_delete_marker, v.size, v.etag,
                  v.last_modified_ns, v.owner, v.noncurrent_since_ns);
  return v;
}

inline std::string after(std::string s) {
  s.push_back('\0');  // the smallest string greater than s
  return s;
}

// The body of list_versions, on the caller's connection (in its read
// snapshot).
template <class Connection>
StoreResult<VersionListPage> list_bucket_versions(Connection& db, const Bucket& b,
                                                  const VersionListQuery& q) {
  VersionListPage page;
  if (q.max_keys <= 0) return page;

  // Scan window [lower, upper) of keys with the prefix, from the markers on.
  std::string lower = q.prefix;
  const std::string upper = prefix_upper_bound(q.prefix);
  int64_t resume_below = 0;  // for key_marker itself: versions with a lower row id
  if (!q.key_marker.empty()) {
    std::string from = after(q.key_marker);
    if (!q.version_id_marker.empty()) {
      auto marker = find_by_version_id(db, b.id, q.key_marker, q.version_id_marker);
      if (!marker) return fail(marker.error());
      if (*marker) {
        from = q.key_marker;
        resume_below = (*marker)->row_id;
      }
    }
    if (from > lower) lower = std::move(from);
  }

  int count = 0;
  while (lower < upper) {
    std::string key;
    {
      auto first = db.prepare(kFirstKeySql);
      if (!first) return fail(first.error());
      first->bind(1, b.id).bind(2, lower).bind(3, upper);
      auto row = first->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      key = first->column_text(0);
    }

    if (auto common = common_prefix_of(key, q.prefix, q.delimiter)) {
      lower = prefix_upper_bound(*common);
      if (!q.key_marker.empty() && *common <= q.key_marker) continue;
      if (page_is_full(page, count, q.max_keys)) return page;
      page.common_prefixes.push_back(*common);
      page.next_key_marker = std::move(*common);
      page.next_version_id_marker.clear();
      ++count;
      continue;
    }

    const int64_t below =
        key == q.key_marker && resume_below ? resume_below : std::numeric_limits<int64_t>::max();
    auto versions = db.prepare(kKeyVersionsSql);
    if (!versions) return fail(versions.error());
    versions->bind(1, b.id).bind(2, key).bind(3, below).bind(4, int64_t{q.max_keys - count + 1});
    while (true) {
      auto row = versions->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      if (page_is_full(page, count, q.max_keys)) return page;
      page.versions.push_back(listed_version(*versions, b.id, key));
      page.next_key_marker = key;
      page.next_version_id_marker = page.versions.back().version_id;
      ++count;
    }
    lower = after(std::move(key));
  }
  return page;
}

}  // namespace moss::store::version_listing
