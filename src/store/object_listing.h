// ListObjects, once for both metadata stores (sqlite_metadata_store.cpp,
// postgres_metadata_store.cpp), as version_listing.h is for ListObjectVersions.
//
// The listing scans the live objects of a key window in key order and, since
// model tags live in their own table, merges a second ordered scan of the same
// window over the tags (TagKeyCursor); a tag key names the tag even if an
// object was stored under it. A common prefix is rolled up and skipped whole:
// the scan queries again from past it. Each backend passes its scan SQL (the
// SQLite store names the covering index it must use).
#pragma once

#include <cstdint>
#include <string>

#include "metadata_rows.h"
#include "moss/store/metadata_store.h"
#include "tag_rows.h"

namespace moss::store::metadata_rows {

// The body of list_objects, in the caller's read snapshot. `list_sql` selects
// "key, size, etag, last_modified_ns, owner" of the latest versions that are
// not delete markers, with bucket ?1, keys in [?2, ?3), in key order, limit ?4.
template <class Connection>
StoreResult<ListPage> list_live_objects(Connection& db, const Bucket& bucket, const ListQuery& q,
                                        const char* list_sql) {
  ListPage page;
  if (q.max_keys <= 0) return page;

  // Scan window [lower, upper): keys with the prefix, after the marker.
  std::string lower = q.prefix;
  if (!q.marker.empty()) {
    std::string after_marker = q.marker;
    after_marker.push_back('\0');  // the smallest string greater than the marker
    if (after_marker > lower) lower = std::move(after_marker);
  }
  const std::string upper = prefix_upper_bound(q.prefix);
  int count = 0;

  while (lower < upper) {
    auto st = db.prepare(list_sql);
    if (!st) return fail(st.error());
    const int64_t limit = q.max_keys - count + 1;
    st->bind(1, bucket.id).bind(2, lower).bind(3, upper).bind(4, limit);
    auto tags = TagKeyCursor<Connection>::open(db, bucket.id, lower, upper, limit);
    if (!tags) return fail(tags.error());
    auto object_row = st->step();
    if (!object_row) return fail(object_row.error());
    bool have_object = *object_row;
    bool seeked = false;  // the scan jumped past a common prefix: query again from there
    bool any_row = false;
    while (!seeked) {
      if (!have_object && !tags->valid()) break;
      any_row = true;
      std::string object_key = have_object ? st->column_text(0) : std::string();
      ObjectVersion v;
      bool advance_object = have_object;
      if (tags->valid() && (!have_object || tags->entry().key <= object_key)) {
        v = tags->entry();
        if (auto r = tags->next(); !r) return fail(r.error());
        // A tag key names the tag, even if an object was stored under it.
        advance_object = have_object && object_key == v.key;
      } else {
        v.bucket_id = bucket.id;
        v.key = object_key;
        st->read_columns(1, v.size, v.etag, v.last_modified_ns, v.owner);
        v.is_latest = true;
      }
      if (advance_object) {
        auto row = st->step();
        if (!row) return fail(row.error());
        have_object = *row;
      }
      std::string key = v.key;
      if (auto common = common_prefix_of(key, q.prefix, q.delimiter)) {
        lower = prefix_upper_bound(*common);
        seeked = true;
        if (!q.marker.empty() && *common <= q.marker) continue;
        if (page_is_full(page, count, q.max_keys)) return page;
        page.common_prefixes.push_back(*common);
        page.next_marker = std::move(*common);
        ++count;
        continue;
      }
      if (page_is_full(page, count, q.max_keys)) return page;
      page.next_marker = key;
      lower = std::move(key);
      lower.push_back('\0');
      page.objects.push_back(std::move(v));
      ++count;
    }
    if (!any_row) break;
  }
  return page;
}

}  // namespace moss::store::metadata_rows
