// Blob garbage collection across replicas sharing one data directory: the
// writer's hold and the collector's check, ordered by an advisory lock keyed
// by the blob's digest (docs/replicas.md#garbage-collection).
//
// A writer takes the lock's shared side, on a session of its own, before it
// links a blob and keeps it until the commit that references the blob has
// returned. The collector takes the exclusive side for one READ COMMITTED
// transaction: try-lock (skip the blob if a writer holds it), then look at
// the blob's references (each statement sees every commit made before it,
// so every writer that held the lock before has committed or given up), then
// unlink, then commit, which frees the lock. A writer asking for its hold
// meanwhile waits until the file is gone and then links it anew. Copies
// (reuses_referenced_blobs) need no hold: their commit takes a reference
// only from a blob row still referenced, which the collector never removes.
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "moss/store/postgres_metadata_store.h"
#include "postgres_records.h"

namespace moss::store {

namespace {

// The lock key of a blob: the first 64 bits of its digest. Two blobs sharing
// them only make one wait for (or be skipped along with) the other.
int64_t blob_lock_key(const std::string& sha256_hex) {
  return static_cast<int64_t>(std::strtoull(sha256_hex.substr(0, 16).c_str(), nullptr, 16));
}

}  // namespace

class PostgresMetadataStore::AdvisoryBlobHold final : public BlobLinkHold {
 public:
  AdvisoryBlobHold(ConnectionLease lease, int64_t key) : lease_(std::move(lease)), key_(key) {}
  ~AdvisoryBlobHold() override {
    auto st = (*lease_).prepare("SELECT pg_advisory_unlock_shared(?1)");
    bool unlocked = st && st->bind(1, key_).run();
    // A session that cannot say it unlocked must not go back to the pool
    // still holding the lock: closing it ends the session, and the lock.
    if (!unlocked) lease_.discard();
  }

 private:
  ConnectionLease lease_;
  int64_t key_;
};

StoreResult<std::unique_ptr<BlobLinkHold>> PostgresMetadataStore::hold_blob_link(
    const std::string& sha256_hex) {
  auto lease = connection();
  if (!lease) return fail(lease.error());
  const int64_t key = blob_lock_key(sha256_hex);
  auto st = (**lease).prepare("SELECT pg_advisory_lock_shared(?1)");
  if (!st) return fail(st.error());
  if (auto r = st->bind(1, key).run(); !r) {
    lease->discard();
    return fail(r.error());
  }
  return std::unique_ptr<BlobLinkHold>(new AdvisoryBlobHold(std::move(*lease), key));
}

StoreResult<bool> PostgresMetadataStore::remove_blob_if_unreferenced(
    const std::string& sha256_hex, const std::function<bool()>& remove) {
  auto lease = connection_in_transaction("BEGIN ISOLATION LEVEL READ COMMITTED");
  if (!lease) return fail(lease.error());
  auto& db = **lease;
  auto txn = PgTransaction::begun(db);
  auto lock = db.prepare("SELECT pg_try_advisory_xact_lock(?1)");
  if (!lock) return fail(lock.error());
  lock->bind(1, blob_lock_key(sha256_hex));
  auto locked = lock->step();
  if (!locked) return fail(locked.error());
  if (!*locked || lock->column_text(0) != "t") return false;  // a writer holds it
  // A statement of its own, after the lock: it sees every writer's commit.
  auto refs = db.prepare("SELECT refs FROM blobs WHERE sha256 = ?1");
  if (!refs) return fail(refs.error());
  refs->bind(1, sha256_hex);
  auto row = refs->step();
  if (!row) return fail(row.error());
  if (*row && refs->column_int(0) > 0) return false;
  const bool removed = remove();
  if (auto r = txn.commit(); !r) {
    // The file is gone either way; the lock ends with the transaction.
    spdlog::warn("blob collection: commit after removing {}: {}", sha256_hex, r.error().message);
  }
  return removed;
}

}  // namespace moss::store
