#include "storage/embedded/sqlite_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>

namespace trustcse::storage {
namespace {

namespace fs = std::filesystem;

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, CloseDb>;

Status SqliteFailure(sqlite3* db, int rc, const std::string& what) {
  return Status::Internal(what + ": " + sqlite3_errstr(rc) +
                          (db != nullptr ? std::string(" (") + sqlite3_errmsg(db) + ")" : ""));
}

Result<Db> OpenDb(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) return Err(SqliteFailure(raw, rc, "cannot open " + path));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 5000);
  return db;
}

bool SyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

std::string DirectoryOf(const std::string& path) {
  std::string dir = fs::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

// "ok" from PRAGMA integrity_check, or the first problem it names.
Status CheckIntegrity(sqlite3* db, const std::string& path) {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check(1)", -1, &st, nullptr);
  if (rc != SQLITE_OK) return SqliteFailure(db, rc, "integrity check of " + path);
  std::string answer;
  if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(st, 0);
    answer = text != nullptr ? reinterpret_cast<const char*>(text) : "";
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW) return SqliteFailure(db, rc, "integrity check of " + path);
  if (answer != "ok") return Status::Internal("the copy " + path + " fails its integrity check: " + answer);
  return Status::Ok();
}

// Removes the .partial file unless released.
struct PartialFile {
  std::string path;
  bool keep = false;
  ~PartialFile() {
    if (keep) return;
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path + suffix, ec);
  }
};

}  // namespace

Result<BackupResult> BackupSqliteDatabase(const std::string& db_path, const std::string& out,
                                          int pages_per_step, const BackupProgressFn& progress) {
  if (pages_per_step <= 0) pages_per_step = 1;
  std::error_code ec;
  if (!fs::is_regular_file(db_path, ec)) return Err(Status::NotFound("no database at " + db_path));
  const std::string partial = out + ".partial";
  for (const std::string& p : {out, partial}) {
    if (fs::exists(fs::symlink_status(p, ec))) {
      return Err(Status::Conflict(p + " exists; nothing was written: choose another --out, or "
                                      "remove it if it is the remains of an interrupted backup"));
    }
  }
  // Created here, owner-only and exclusively, so that SQLite opens a file nobody else can read
  // (it would create one with the umask's mode).
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Err(Status::Internal("cannot create " + partial + ": " + std::strerror(errno)));
  }
  ::close(fd);
  PartialFile guard{partial};

  auto src = OpenDb(db_path, SQLITE_OPEN_READONLY);
  if (!src) return Err(src.error());
  // The snapshot: a read transaction held for the whole copy. The backup steps read inside it,
  // so writes committed meanwhile (by the server, in WAL mode) neither block nor restart it.
  if (int rc = sqlite3_exec(src->get(), "BEGIN; SELECT count(*) FROM sqlite_schema", nullptr,
                            nullptr, nullptr);
      rc != SQLITE_OK) {
    return Err(SqliteFailure(src->get(), rc, "cannot read " + db_path));
  }
  auto dst = OpenDb(partial, SQLITE_OPEN_READWRITE);
  if (!dst) return Err(dst.error());

  sqlite3_backup* b = sqlite3_backup_init(dst->get(), "main", src->get(), "main");
  if (b == nullptr) {
    return Err(SqliteFailure(dst->get(), sqlite3_errcode(dst->get()), "cannot start the copy"));
  }
  BackupResult result;
  BackupProgress p;
  int rc = SQLITE_OK;
  for (;;) {
    rc = sqlite3_backup_step(b, pages_per_step);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    if (rc != SQLITE_OK && rc != SQLITE_DONE) break;
    p.pages_total = sqlite3_backup_pagecount(b);
    p.pages_done = p.pages_total - sqlite3_backup_remaining(b);
    if (progress && !progress(p) && rc != SQLITE_DONE) {
      sqlite3_backup_finish(b);
      result.interrupted = true;
      return result;
    }
    if (rc == SQLITE_DONE) break;
  }
  const int finish_rc = sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) return Err(SqliteFailure(dst->get(), rc, "copying " + db_path));
  if (finish_rc != SQLITE_OK) return Err(SqliteFailure(dst->get(), finish_rc, "copying " + db_path));
  sqlite3_exec(src->get(), "COMMIT", nullptr, nullptr, nullptr);
  src->reset();

  if (Status s = CheckIntegrity(dst->get(), partial); !s.ok()) return Err(s);
  // The copy inherits WAL mode; a plain rollback-journal file is what a restore copies back, and
  // it folds anything still in the copy's WAL into the file itself.
  if (int jrc = sqlite3_exec(dst->get(), "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr);
      jrc != SQLITE_OK) {
    return Err(SqliteFailure(dst->get(), jrc, "finishing " + partial));
  }
  dst->reset();
  result.pages = p.pages_total;
  result.bytes = static_cast<int64_t>(fs::file_size(partial, ec));
  if (!SyncPath(partial, O_RDONLY)) {
    return Err(Status::Internal("cannot sync " + partial + ": " + std::strerror(errno)));
  }
  if (fs::exists(fs::symlink_status(out, ec))) {
    return Err(Status::Conflict(out + " appeared while the backup ran; the copy was removed"));
  }
  if (::rename(partial.c_str(), out.c_str()) != 0) {
    return Err(Status::Internal("cannot rename " + partial + " to " + out + ": " +
                                std::strerror(errno)));
  }
  guard.keep = true;
  if (!SyncPath(DirectoryOf(out), O_RDONLY | O_DIRECTORY)) {
    return Err(Status::Internal("cannot sync the directory of " + out + ": " + std::strerror(errno)));
  }
  return result;
}

}  // namespace trustcse::storage
