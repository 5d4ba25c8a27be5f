// Copying a single-node store's metadata (its SQLite database) into
// PostgreSQL, for `moss migrate` (docs/replicas.md). The blobs stay where they
// are: the data directory becomes the replicas' shared one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "moss/store/store_error.h"

namespace moss::store {

struct TableCopy {
  std::string table;
  int64_t source_rows = 0;
  int64_t target_rows = 0;
  // An order-independent checksum of every row's every column, on each side.
  std::string source_checksum;
  std::string target_checksum;
  bool matches() const {
    return source_rows == target_rows && source_checksum == target_checksum;
  }
};

// Copies every row of the SQLite database at `sqlite_path` into the
// PostgreSQL database `dsn` (its schema created or migrated first), in one
// transaction, then counts and checksums both sides table by table. Safe to
// run again: rows already there (by primary key) are left as they are, and
// the verification says whether both sides hold the same. The source must
// not be written meanwhile (stop the server).
StoreResult<std::vector<TableCopy>> copy_sqlite_metadata_to_postgres(const std::string& sqlite_path,
                                                                     const std::string& dsn);

}  // namespace moss::store
