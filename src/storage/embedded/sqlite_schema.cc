// The schema and its version, the fixed statements against it, and setting up the database file:
// owner-only file mode, WAL, synchronous, creating or upgrading the schema.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include "storage/embedded/sqlite_internal.h"

namespace trustcse::storage::sqlite {
namespace {

// Bumped whenever the schema below changes; a database with a newer version is refused.
constexpr int kSchemaVersion = 3;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS resources(
  ri TEXT PRIMARY KEY NOT NULL,
  pi TEXT NOT NULL,
  rn TEXT NOT NULL,
  path TEXT NOT NULL UNIQUE,
  ty INT NOT NULL,
  ct TEXT NOT NULL,
  lt TEXT NOT NULL,
  et TEXT NOT NULL,
  st INT NOT NULL,
  cr TEXT NOT NULL,
  cs INT NOT NULL,
  cty TEXT NOT NULL,
  body TEXT NOT NULL,
  lbls TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS resources_children ON resources(pi, ty, ct);
CREATE INDEX IF NOT EXISTS resources_expiry ON resources(et) WHERE et <> '';
CREATE TABLE IF NOT EXISTS labels(ri TEXT NOT NULL, path TEXT NOT NULL, lbl TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS labels_lbl ON labels(lbl, path);
CREATE INDEX IF NOT EXISTS labels_ri ON labels(ri);
)sql"
    // Version 2: objects outside the resource tree (security state).
    R"sql(
CREATE TABLE IF NOT EXISTS objects(
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY(kind, id)) WITHOUT ROWID;
)sql"
    // Version 3: typed discovery's index leaves out the instance types (TRUSTCSE_INSTANCE_TYPES).
    // Instances are most rows and are found under their container's path range; a fleet
    // writing thousands of containers at once paid one more scattered B-tree leaf per instance.
    R"sql(
DROP INDEX IF EXISTS resources_type;
CREATE INDEX resources_type ON resources(ty, path) WHERE ty NOT IN )sql" TRUSTCSE_INSTANCE_TYPES
    R"sql(;
PRAGMA user_version = 3;  -- = kSchemaVersion
)sql";

}  // namespace

const std::array<const char*, kStmtCount> kSql = {
    "BEGIN IMMEDIATE",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT item",
    "ROLLBACK TO item",
    "RELEASE item",
    "SAVEPOINT op",
    "ROLLBACK TO op",
    "RELEASE op",
    "SELECT " TRUSTCSE_COLUMNS " FROM resources WHERE ri = ?1",
    "SELECT " TRUSTCSE_COLUMNS " FROM resources WHERE path = ?1",
    "SELECT lbls FROM resources WHERE ri = ?1",
    "SELECT " TRUSTCSE_COLUMNS " FROM resources WHERE pi = ?1 ORDER BY ct, ri LIMIT ?2",
    "SELECT " TRUSTCSE_COLUMNS " FROM resources WHERE pi = ?1 ORDER BY ct DESC, ri DESC LIMIT ?2",
    "SELECT " TRUSTCSE_COLUMNS " FROM resources WHERE pi = ?1 AND ty = ?2 ORDER BY ct, ri LIMIT ?3",
    "SELECT " TRUSTCSE_COLUMNS
    " FROM resources WHERE pi = ?1 AND ty = ?2 ORDER BY ct DESC, ri DESC LIMIT ?3",
    "SELECT count(*), coalesce(sum(cs), 0) FROM resources WHERE pi = ?1",
    "SELECT count(*), coalesce(sum(cs), 0) FROM resources WHERE pi = ?1 AND ty = ?2",
    "SELECT count(*), coalesce(sum(n), 0), coalesce(sum(ty = 23), 0) FROM (SELECT ty, "
    "length(CAST(body AS BLOB)) AS n FROM resources WHERE path >= ?1 AND path < ?2 LIMIT ?3)",
    // Walks resources_expiry in its own order and stops at the limit: O(limit), however many
    // expired rows wait (sorting them by path, as before, cost the whole backlog per batch).
    "SELECT " TRUSTCSE_COLUMNS " FROM resources WHERE et <> '' AND et < ?1 ORDER BY et LIMIT ?2",
    "SELECT " TRUSTCSE_COLUMNS " FROM resources WHERE path >= ?1 AND path < ?2 ORDER BY path",
    "INSERT INTO resources(" TRUSTCSE_COLUMNS
    ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    "INSERT INTO labels(ri, path, lbl) VALUES(?1, ?2, ?3)",
    "UPDATE resources SET pi = ?2, rn = ?3, path = ?4, ty = ?5, ct = ?6, lt = ?7, et = ?8, "
    "st = ?9, cr = ?10, cs = ?11, cty = ?12, body = ?13, lbls = ?14 WHERE ri = ?1",
    // The common update (attributes, counters, stateTag) leaves the resource where it is and its
    // labels as they were: it assigns only the columns that change, so SQLite rewrites no index
    // but the expiry index, and matches nothing — falling back to kUpdate — otherwise.
    "UPDATE resources SET lt = ?7, et = ?8, st = ?9, cs = ?11, cty = ?12, body = ?13 "
    "WHERE ri = ?1 AND pi = ?2 AND rn = ?3 AND path = ?4 AND ty = ?5 AND ct = ?6 AND cr = ?10 "
    "AND lbls = ?14",
    "DELETE FROM labels WHERE ri = ?1",
    "DELETE FROM resources WHERE ri = ?1",
    "DELETE FROM labels WHERE ri IN "
    "(SELECT ri FROM resources WHERE path >= ?1 AND path < ?2)",
    "DELETE FROM resources WHERE path >= ?1 AND path < ?2",
    "SELECT body FROM objects WHERE kind = ?1 AND id = ?2",
    "SELECT id, body FROM objects WHERE kind = ?1 ORDER BY id",
    "INSERT OR REPLACE INTO objects(kind, id, body) VALUES(?1, ?2, ?3)",
    "DELETE FROM objects WHERE kind = ?1 AND id = ?2",
};

// Puts the write connection in WAL mode and creates or checks the schema.
Status InitDatabase(Connection& c, bool synchronous_full) {
  {
    // journal_mode answers with the mode it ended up in; anything but "wal" means no WAL (for
    // example on a file system without shared memory), which breaks the concurrency model.
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(c.db(), "PRAGMA journal_mode=WAL", -1, &raw, nullptr);
    std::string mode;
    if (rc == SQLITE_OK && (rc = sqlite3_step(raw)) == SQLITE_ROW) mode = ColumnText(raw, 0);
    sqlite3_finalize(raw);
    if (mode != "wal") {
      spdlog::error("sqlite: cannot enable WAL mode (mode '{}', {})", mode, sqlite3_errstr(rc));
      return StorageError();
    }
  }
  Status s = c.Exec(synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  if (!s.ok()) return s;

  sqlite3_stmt* raw = nullptr;
  int version = -1;
  if (sqlite3_prepare_v2(c.db(), "PRAGMA user_version", -1, &raw, nullptr) == SQLITE_OK &&
      sqlite3_step(raw) == SQLITE_ROW) {
    version = sqlite3_column_int(raw, 0);
  }
  sqlite3_finalize(raw);
  if (version < 0) return LogError(c.db(), sqlite3_errcode(c.db()), "read user_version");
  if (version > kSchemaVersion) {
    spdlog::error("sqlite: database schema version {} is newer than this build's {}", version,
                  kSchemaVersion);
    return StorageError();
  }
  if (version == kSchemaVersion) return Status::Ok();
  const auto started = std::chrono::steady_clock::now();
  if (version > 0) {
    // From version 2 an index is rebuilt: one pass over every resource (0.3 s for 436,000 on
    // the 2-core development machine), before the CSE answers.
    spdlog::info("sqlite: upgrading the schema from version {} to {}; this may take a while on a "
                 "large database", version, kSchemaVersion);
  }
  s = c.Exec("BEGIN IMMEDIATE");
  if (!s.ok()) return s;
  s = c.Exec(kSchema);
  if (s.ok()) s = c.Exec("COMMIT");
  if (s.ok()) {
    if (version > 0) {
      spdlog::info("sqlite: schema upgraded to version {} in {:.1f} s", kSchemaVersion,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    return s;
  }
  (void)c.Exec("ROLLBACK");  // best effort: the schema error is what the caller needs
  return s;
}

// The database holds every resource, binding, certificate and token hash: owner-only, like the
// master key. SQLite gives its -wal and -shm files the database file's mode, so creating the
// file 0600 before SQLite does covers all three; files an older version left wider are narrowed.
Status MakeOwnerOnly(const std::string& path) {
  if (path.empty() || path == ":memory:") return Status::Ok();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    spdlog::error("sqlite: cannot create {}: {}", path, std::strerror(errno));
    return StorageError();
  }
  ::close(fd);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::string p = path + suffix;
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || (st.st_mode & 077) == 0) continue;
    if (::chmod(p.c_str(), st.st_mode & 0700) != 0) {
      spdlog::error("sqlite: cannot make {} owner-only: {}", p, std::strerror(errno));
      return StorageError();
    }
    spdlog::warn("sqlite: {} was readable by others; now owner-only (0600)", p);
  }
  return Status::Ok();
}

}  // namespace trustcse::storage::sqlite
