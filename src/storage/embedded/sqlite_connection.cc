// One SQLite connection: opening it with the pragmas every connection gets, and its cache of
// prepared statements (the fixed ones by id, generated Discover statements by text).
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <mutex>
#include <string>

#include "storage/embedded/sqlite_internal.h"
#include "storage/embedded/sqlite_page_cache.h"

namespace trustcse::storage {
namespace sqlite {
namespace {

constexpr int kBusyTimeoutMs = 5000;
// Discover statements are cached by SQL text; their number of shapes is small in practice, the
// bound keeps a client that varies its filter criteria from growing the cache without end.
constexpr size_t kMaxCachedQueries = 64;

}  // namespace

// SQLite's allocation statistics take a process-wide mutex on every allocation; nothing here reads
// them. The page cache layer (sqlite_page_cache.h) saves the writer a walk of its whole cache
// per commit. Both must precede sqlite3_initialize(); if SQLite is already initialized (another
// library used it first) the calls fail harmlessly and SQLite stays as it is.
void ConfigureSqliteOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (!InstallPageCacheLayer()) spdlog::debug("sqlite: initialized already; default page cache");
  });
}

Status LogError(sqlite3* db, int rc, std::string_view what) {
  spdlog::error("sqlite: {} failed: {} (code {}): {}", what, sqlite3_errstr(rc), rc,
                db != nullptr ? sqlite3_errmsg(db) : "");
  return StorageError();
}

}  // namespace sqlite

using sqlite::LogError;
using sqlite::StorageError;

Result<std::unique_ptr<SqliteStore::Connection>> SqliteStore::Connection::Open(
    const std::string& path, bool writable) {
  sqlite3* db = nullptr;
  // NOMUTEX: a connection is used by one thread at a time (writer thread, or a pooled reader
  // lent to one caller), so SQLite's own per-connection mutex would only cost time.
  int flags = SQLITE_OPEN_NOMUTEX |
              (writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    spdlog::error("sqlite: cannot open {}: {}", path,
                  db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    return Err(StorageError());
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, sqlite::kBusyTimeoutMs);
  // A 64 MiB page cache per connection keeps the hot part of the tree (indexes, containers)
  // in memory; memory-mapped reads avoid a copy per page on the read path.
  // journal_size_limit truncates a WAL that grew under a burst once it is reset.
  sqlite3_exec(db,
               "PRAGMA cache_size=-65536; PRAGMA mmap_size=1073741824; "
               "PRAGMA temp_store=MEMORY; PRAGMA journal_size_limit=67108864",
               nullptr, nullptr, nullptr);
  return std::unique_ptr<Connection>(new Connection(db));
}

SqliteStore::Connection::~Connection() {
  for (sqlite3_stmt* s : stmts_) sqlite3_finalize(s);
  for (auto& [sql, s] : queries_) sqlite3_finalize(s);
  sqlite3_close_v2(db_);
}

sqlite3_stmt* SqliteStore::Connection::PreparedQuery(const std::string& sql) {
  auto it = queries_.find(sql);
  if (it != queries_.end()) return it->second;
  if (queries_.size() >= sqlite::kMaxCachedQueries) {
    for (auto& [text, s] : queries_) sqlite3_finalize(s);
    queries_.clear();
  }
  sqlite3_stmt* s = Prepare(sql.c_str());
  if (s != nullptr) queries_.emplace(sql, s);
  return s;
}

Status SqliteStore::Connection::Exec(const char* sql) {
  char* msg = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &msg);
  if (rc != SQLITE_OK) {
    spdlog::error("sqlite: exec failed: {}", msg != nullptr ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return StorageError();
  }
  return Status::Ok();
}

sqlite3_stmt* SqliteStore::Connection::Prepare(const char* sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) {
    (void)LogError(db_, rc, "prepare");  // logged; the caller gets nullptr
    sqlite3_finalize(s);
    return nullptr;
  }
  return s;
}

}  // namespace trustcse::storage
