// Many file transfers at once behind one progress display (a directory push,
// a snapshot pull): jobs run on a few threads, each with a TransferProgress of
// its own (the single-file transfer functions reset theirs per file), and the
// bytes of all of them are summed into one.
#pragma once

#include <cstddef>
#include <functional>

#include "moss/client/transfer_progress.h"

namespace moss::cli {

// job(i, progress) for every i in [0, count), at most `parallel` at once;
// returns false from a job to stop: no job starts after that (those running
// finish). `total.done` follows the bytes of all jobs while they run.
// Returns whether every job ran and returned true.
bool run_parallel_transfers(size_t count, int parallel, client::TransferProgress& total,
                            const std::function<bool(size_t, client::TransferProgress&)>& job);

}  // namespace moss::cli
