// An online, consistent copy of a trustcse SQLite database (`trustcse backup`).
//
// The copy is one snapshot: a read-only connection opens a read transaction first and SQLite's
// backup API copies the pages of that snapshot in steps, so a server writing meanwhile neither
// waits nor restarts the copy (WAL mode: the writer appends to the WAL, the snapshot stays).
// The copy is written to "<out>.partial" (created owner-only, never over an existing file),
// checked with PRAGMA integrity_check, made durable (fsync of file and directory) and only then
// renamed to `out`; a failed or interrupted copy leaves no `out` and removes its .partial file.
// An existing `out` is refused, never overwritten.
//
// Thread-safety: none needed; a command-line operation. The server's own store may run in
// another thread or process meanwhile.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"

namespace trustcse::storage {

struct BackupProgress {
  int64_t pages_done = 0;
  int64_t pages_total = 0;
};

// Called after each step; returning false stops the copy (BackupResult::interrupted, nothing
// left behind).
using BackupProgressFn = std::function<bool(const BackupProgress&)>;

struct BackupResult {
  int64_t pages = 0;
  int64_t bytes = 0;
  bool interrupted = false;  // the progress function asked to stop; nothing was written
};

// Copies the database at `db_path` to `out`, `pages_per_step` pages between progress calls.
// Errors: 4004 no database at db_path; 4105 `out` (or its .partial) exists; 5000 with SQLite's
// reason otherwise (a file that is not a database, a full disk, a failed integrity check).
Result<BackupResult> BackupSqliteDatabase(const std::string& db_path, const std::string& out,
                                          int pages_per_step, const BackupProgressFn& progress);

}  // namespace trustcse::storage
