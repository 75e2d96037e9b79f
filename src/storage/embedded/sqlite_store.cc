#include "storage/embedded/sqlite_store.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace trustcse::storage {
namespace {

// Bumped whenever the schema below changes; a database with a newer version is refused.
constexpr int kSchemaVersion = 2;
constexpr int kBusyTimeoutMs = 5000;
constexpr size_t kMaxIdleReaders = 8;
// WAL size (pages) past which the checkpointer copies the WAL back into the database file.
constexpr int kCheckpointPages = 1000;
// Discover statements are cached by SQL text; their number of shapes is small in practice, the
// bound keeps a client that varies its filter criteria from growing the cache without end.
constexpr size_t kMaxCachedQueries = 64;

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
CREATE INDEX IF NOT EXISTS resources_type ON resources(ty, path);
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
PRAGMA user_version = 2;  -- = kSchemaVersion
)sql";

#define TRUSTCSE_COLUMNS "ri, pi, rn, path, ty, ct, lt, et, st, cr, cs, cty, body, lbls"

// The statements every connection prepares once and keeps (SQLITE_PREPARE_PERSISTENT).
enum Stmt : int {
  kBegin,
  kCommit,
  kRollback,
  kSavepointItem,
  kRollbackItem,
  kReleaseItem,
  kSavepointOp,
  kRollbackOp,
  kReleaseOp,
  kGetByRi,
  kGetByPath,
  kLabelsOf,
  kChildrenAnyAsc,
  kChildrenAnyDesc,
  kChildrenTyAsc,
  kChildrenTyDesc,
  kCountAny,
  kCountTy,
  kMeasureSubtree,
  kExpired,
  kSubtree,
  kInsert,
  kInsertLabel,
  kUpdate,
  kUpdateInPlace,
  kDeleteLabels,
  kDeleteResource,
  kDeleteSubtreeLabels,
  kDeleteSubtreeResources,
  kGetObject,
  kListObjects,
  kPutObject,
  kDeleteObject,
  kStmtCount,
};

constexpr std::array<const char*, kStmtCount> kSql = {
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
    // "+path" keeps the planner off the path index (a scan of every resource in path order)
    // and on resources_expiry; the few expired rows are then sorted.
    "SELECT " TRUSTCSE_COLUMNS " FROM resources WHERE et <> '' AND et < ?1 ORDER BY +path LIMIT ?2",
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

// SQLite's allocation statistics take a process-wide mutex on every allocation; nothing here reads
// them. The setting must precede sqlite3_initialize(); if SQLite is already initialized (another
// library used it first) the call fails harmlessly and the statistics stay on.
void ConfigureSqliteOnce() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

Status StorageError() { return Status::Internal("storage error"); }

// Logs the detail and returns the generic status callers see.
Status LogError(sqlite3* db, int rc, std::string_view what) {
  spdlog::error("sqlite: {} failed: {} (code {}): {}", what, sqlite3_errstr(rc), rc,
                db != nullptr ? sqlite3_errmsg(db) : "");
  return StorageError();
}

bool IsConstraint(int rc) { return (rc & 0xff) == SQLITE_CONSTRAINT; }

// SQLite integers are signed 64-bit; SIZE_MAX (no limit) becomes -1, which SQLite reads the same.
int64_t SqlLimit(size_t n) {
  return n > static_cast<size_t>(std::numeric_limits<int64_t>::max()) ? -1
                                                                      : static_cast<int64_t>(n);
}

}  // namespace

class SqliteStore::Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool writable) {
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
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    // A 64 MiB page cache per connection keeps the hot part of the tree (indexes, containers)
    // in memory; memory-mapped reads avoid a copy per page on the read path.
    // journal_size_limit truncates a WAL that grew under a burst once it is reset.
    sqlite3_exec(db,
                 "PRAGMA cache_size=-65536; PRAGMA mmap_size=1073741824; "
                 "PRAGMA temp_store=MEMORY; PRAGMA journal_size_limit=67108864",
                 nullptr, nullptr, nullptr);
    return std::unique_ptr<Connection>(new Connection(db));
  }

  ~Connection() {
    for (sqlite3_stmt* s : stmts_) sqlite3_finalize(s);
    for (auto& [sql, s] : queries_) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }

  // The cached statement `id`, prepared on first use; nullptr (logged) if it cannot be.
  sqlite3_stmt* Prepared(Stmt id) {
    if (stmts_[id] == nullptr) stmts_[id] = Prepare(kSql[id]);
    return stmts_[id];
  }

  // A cached statement for generated SQL (Discover), keyed by its text.
  sqlite3_stmt* PreparedQuery(const std::string& sql) {
    auto it = queries_.find(sql);
    if (it != queries_.end()) return it->second;
    if (queries_.size() >= kMaxCachedQueries) {
      for (auto& [text, s] : queries_) sqlite3_finalize(s);
      queries_.clear();
    }
    sqlite3_stmt* s = Prepare(sql.c_str());
    if (s != nullptr) queries_.emplace(sql, s);
    return s;
  }

  // Runs SQL text without results (schema, pragmas).
  Status Exec(const char* sql) {
    char* msg = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &msg);
    if (rc != SQLITE_OK) {
      spdlog::error("sqlite: exec failed: {}", msg != nullptr ? msg : sqlite3_errstr(rc));
      sqlite3_free(msg);
      return StorageError();
    }
    return Status::Ok();
  }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3_stmt* Prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) {
      (void)LogError(db_, rc, "prepare");  // logged; the caller gets nullptr
      sqlite3_finalize(s);
      return nullptr;
    }
    return s;
  }

  sqlite3* db_;
  std::array<sqlite3_stmt*, kStmtCount> stmts_{};
  std::unordered_map<std::string, sqlite3_stmt*> queries_;
};

namespace {

using Connection = SqliteStore::Connection;

// One use of a cached statement. Binds with SQLITE_STATIC (no copy of bodies), so the bound
// strings must outlive the Use; the destructor resets the statement and drops the bindings so
// the cached statement keeps no pointer into them.
class Use {
 public:
  Use(Connection& c, sqlite3_stmt* s) : c_(c), s_(s) {}
  ~Use() {
    if (s_ != nullptr) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;

  bool ok() const { return s_ != nullptr; }
  sqlite3_stmt* get() const { return s_; }

  void Text(int i, std::string_view v) {
    // A default string_view has a null data(), which SQLite would bind as NULL.
    const char* p = v.data() != nullptr ? v.data() : "";
    Check(sqlite3_bind_text64(s_, i, p, v.size(), SQLITE_STATIC, SQLITE_UTF8));
  }
  // For values that do not outlive the call (SQLite copies them).
  void TextCopy(int i, std::string_view v) {
    const char* p = v.data() != nullptr ? v.data() : "";
    Check(sqlite3_bind_text64(s_, i, p, v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  void Int(int i, int64_t v) { Check(sqlite3_bind_int64(s_, i, v)); }

  // sqlite3_step, or the first binding error (a failed bind would otherwise run with NULL).
  int Step() { return bind_rc_ != SQLITE_OK ? bind_rc_ : sqlite3_step(s_); }

  // Runs a statement that returns no rows.
  Status Run(std::string_view what) {
    if (!ok()) return StorageError();
    int rc = Step();
    return rc == SQLITE_DONE ? Status::Ok() : LogError(c_.db(), rc, what);
  }

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }

  Connection& c_;
  sqlite3_stmt* s_;
  int bind_rc_ = SQLITE_OK;
};

Status RunStmt(Connection& c, Stmt id) {
  Use u(c, c.Prepared(id));
  return u.Run(kSql[id]);
}

std::string ColumnText(sqlite3_stmt* s, int col) {
  const unsigned char* p = sqlite3_column_text(s, col);  // before column_bytes, as documented
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(s, col)));
}

// Labels live twice: in the record's row (the `lbls` column, so reading a record is one row)
// and in the labels table (for the label index). In the row they are length-prefixed,
// "<bytes>:<label>" one after the other, which round-trips any label text.
std::string EncodeLabels(const std::vector<std::string>& lbl) {
  std::string out;
  for (const std::string& l : lbl) out.append(std::to_string(l.size())).append(":").append(l);
  return out;
}

std::vector<std::string> DecodeLabels(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    size_t colon = s.find(':');
    if (colon == std::string_view::npos) break;
    size_t n = 0;
    for (char ch : s.substr(0, colon)) n = n * 10 + static_cast<size_t>(ch - '0');
    if (colon + 1 + n > s.size()) break;
    out.emplace_back(s.substr(colon + 1, n));
    s.remove_prefix(colon + 1 + n);
  }
  return out;
}

// Reads the current row of a TRUSTCSE_COLUMNS statement.
Result<ResourceRecord> ReadRecord(Connection& c, sqlite3_stmt* s) {
  ResourceRecord r;
  r.ri = ColumnText(s, 0);
  r.pi = ColumnText(s, 1);
  r.rn = ColumnText(s, 2);
  r.path = ColumnText(s, 3);
  r.ty = sqlite3_column_int(s, 4);
  r.ct = ColumnText(s, 5);
  r.lt = ColumnText(s, 6);
  r.et = ColumnText(s, 7);
  r.st = static_cast<uint64_t>(sqlite3_column_int64(s, 8));
  r.cr = ColumnText(s, 9);
  r.cs = static_cast<uint64_t>(sqlite3_column_int64(s, 10));
  r.cty = ColumnText(s, 11);
  r.body = ColumnText(s, 12);
  r.lbl = DecodeLabels(ColumnText(s, 13));
  return r;
}

Result<std::vector<ResourceRecord>> CollectRecords(Connection& c, Use& q, std::string_view what) {
  std::vector<ResourceRecord> out;
  if (!q.ok()) return Err(StorageError());
  for (;;) {
    int rc = q.Step();
    if (rc == SQLITE_DONE) return out;
    if (rc != SQLITE_ROW) return Err(LogError(c.db(), rc, what));
    auto r = ReadRecord(c, q.get());
    if (!r) return Err(r.error());
    out.push_back(std::move(*r));
  }
}

Result<std::optional<ResourceRecord>> GetOn(Connection& c, Stmt id, std::string_view key) {
  Use q(c, c.Prepared(id));
  if (!q.ok()) return Err(StorageError());
  q.Text(1, key);
  int rc = q.Step();
  if (rc == SQLITE_DONE) return std::optional<ResourceRecord>();
  if (rc != SQLITE_ROW) return Err(LogError(c.db(), rc, "get"));
  auto r = ReadRecord(c, q.get());
  if (!r) return Err(r.error());
  return std::optional<ResourceRecord>(std::move(*r));
}

Result<std::vector<ResourceRecord>> ChildrenOn(Connection& c, std::string_view pi, int ty,
                                               ChildOrder order, size_t limit) {
  const bool newest = order == ChildOrder::kNewestFirst;
  Stmt id = ty == 0 ? (newest ? kChildrenAnyDesc : kChildrenAnyAsc)
                    : (newest ? kChildrenTyDesc : kChildrenTyAsc);
  Use q(c, c.Prepared(id));
  if (!q.ok()) return Err(StorageError());
  q.Text(1, pi);
  if (ty == 0) {
    q.Int(2, SqlLimit(limit));
  } else {
    q.Int(2, ty);
    q.Int(3, SqlLimit(limit));
  }
  return CollectRecords(c, q, "children");
}

Result<std::optional<std::string>> GetObjectOn(Connection& c, std::string_view kind,
                                               std::string_view id) {
  Use q(c, c.Prepared(kGetObject));
  if (!q.ok()) return Err(StorageError());
  q.Text(1, kind);
  q.Text(2, id);
  int rc = q.Step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return Err(LogError(c.db(), rc, "get object"));
  return std::optional<std::string>(ColumnText(q.get(), 0));
}

Result<std::vector<ObjectRecord>> ListObjectsOn(Connection& c, std::string_view kind) {
  Use q(c, c.Prepared(kListObjects));
  if (!q.ok()) return Err(StorageError());
  q.Text(1, kind);
  std::vector<ObjectRecord> out;
  for (;;) {
    int rc = q.Step();
    if (rc == SQLITE_DONE) return out;
    if (rc != SQLITE_ROW) return Err(LogError(c.db(), rc, "list objects"));
    out.push_back({std::string(kind), ColumnText(q.get(), 0), ColumnText(q.get(), 1)});
  }
}

Result<std::pair<uint64_t, uint64_t>> CountChildrenOn(Connection& c, std::string_view pi, int ty) {
  Use q(c, c.Prepared(ty == 0 ? kCountAny : kCountTy));
  if (!q.ok()) return Err(StorageError());
  q.Text(1, pi);
  if (ty != 0) q.Int(2, ty);
  int rc = q.Step();
  if (rc != SQLITE_ROW) return Err(LogError(c.db(), rc, "count children"));
  return std::make_pair(static_cast<uint64_t>(sqlite3_column_int64(q.get(), 0)),
                        static_cast<uint64_t>(sqlite3_column_int64(q.get(), 1)));
}

// Builds the one SELECT that answers a DiscoveryQuery. Values are always bound, never spliced
// into the text, so the text depends only on the query's shape and caches well.
class DiscoverSql {
 public:
  explicit DiscoverSql(const DiscoveryQuery& q) {
    sql_ = "SELECT " TRUSTCSE_COLUMNS " FROM resources r WHERE ";
    // Scope: the subtree as a path range, and the depth limit. Always AND'ed.
    if (q.root_path.empty()) {
      sql_ += "r.path <> ''";
    } else {
      sql_ += "r.path >= ? AND r.path < ?";
      Text(q.root_path + "/");
      Text(q.root_path + "0");  // '0' follows '/' in byte order
    }
    if (q.max_level > 0) {
      // A record's level below the root is its '/' count minus the root's '/' count, and the
      // empty root counts -1 '/' (its children have none). Hence the bound below.
      sql_ += " AND length(r.path) - length(replace(r.path, '/', '')) <= ?";
      Int(static_cast<int64_t>(PathDepth(q.root_path)) + q.max_level - 1);
    }

    std::vector<std::string> conds;
    if (!q.types.empty()) {
      conds.push_back("r.ty IN (" + Placeholders(q.types.size()) + ")");
      for (int ty : q.types) Int(ty);
    }
    if (!q.labels.empty()) {
      if (q.combine == Combine::kAnd) {
        // Drive the query from the labels index: (lbl, path) narrows to the few labelled
        // resources of the subtree instead of probing every resource of it.
        std::string range = q.root_path.empty() ? "" : " AND l.path >= ? AND l.path < ?";
        conds.push_back("r.path IN (SELECT l.path FROM labels l WHERE l.lbl IN (" +
                        Placeholders(q.labels.size()) + ")" + range + ")");
        for (const std::string& l : q.labels) Text(l);
        if (!q.root_path.empty()) {
          Text(q.root_path + "/");
          Text(q.root_path + "0");
        }
      } else {
        conds.push_back("EXISTS (SELECT 1 FROM labels l WHERE l.path = r.path AND l.lbl IN (" +
                        Placeholders(q.labels.size()) + "))");
        for (const std::string& l : q.labels) Text(l);
      }
    }
    if (!q.names.empty()) {
      conds.push_back("r.rn IN (" + Placeholders(q.names.size()) + ")");
      for (const std::string& n : q.names) Text(n);
    }
    if (!q.content_types.empty()) {
      conds.push_back("r.cty IN (" + Placeholders(q.content_types.size()) + ")");
      for (const std::string& t : q.content_types) Text(t);
    }
    TextCond(conds, "r.ct < ?", q.created_before);
    TextCond(conds, "r.ct > ?", q.created_after);
    TextCond(conds, "r.lt >= ?", q.modified_since);
    TextCond(conds, "r.lt < ?", q.unmodified_since);
    // An empty et never expires (see Matches).
    TextCond(conds, "(r.et <> '' AND r.et < ?)", q.expire_before);
    TextCond(conds, "(r.et = '' OR r.et > ?)", q.expire_after);
    // Stored integers are signed 64-bit; a bound above INT64_MAX decides the comparison alone.
    IntCond(conds, "r.st < ?", q.state_tag_smaller, "1");
    IntCond(conds, "r.st > ?", q.state_tag_bigger, "0");
    IntCond(conds, "r.cs >= ?", q.size_above, "0");
    IntCond(conds, "r.cs < ?", q.size_below, "1");

    if (!conds.empty()) {
      const char* op = q.combine == Combine::kAnd ? " AND " : " OR ";
      sql_ += " AND (";
      for (size_t i = 0; i < conds.size(); ++i) {
        if (i > 0) sql_ += op;
        sql_ += conds[i];
      }
      sql_ += ")";
    }
    sql_ += " ORDER BY r.path LIMIT ? OFFSET ?";
    Int(SqlLimit(q.limit));
    Int(q.offset > static_cast<size_t>(std::numeric_limits<int64_t>::max())
            ? std::numeric_limits<int64_t>::max()
            : static_cast<int64_t>(q.offset));
  }

  const std::string& sql() const { return sql_; }

  void Bind(Use& u) const {
    for (size_t i = 0; i < params_.size(); ++i) {
      const Param& p = params_[i];
      if (p.is_text) {
        u.Text(static_cast<int>(i + 1), p.text);
      } else {
        u.Int(static_cast<int>(i + 1), p.num);
      }
    }
  }

 private:
  struct Param {
    bool is_text;
    std::string text;
    int64_t num;
  };

  static std::string Placeholders(size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += i == 0 ? "?" : ", ?";
    return s;
  }
  void Text(std::string v) { params_.push_back({true, std::move(v), 0}); }
  void Int(int64_t v) { params_.push_back({false, {}, v}); }
  void TextCond(std::vector<std::string>& conds, const char* cond,
                const std::optional<std::string>& v) {
    if (!v) return;
    conds.emplace_back(cond);
    Text(*v);
  }
  void IntCond(std::vector<std::string>& conds, const char* cond, const std::optional<uint64_t>& v,
               const char* if_huge) {
    if (!v) return;
    if (*v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      conds.emplace_back(if_huge);
      return;
    }
    conds.emplace_back(cond);
    Int(static_cast<int64_t>(*v));
  }

  std::string sql_;
  std::vector<Param> params_;
};

Result<std::vector<ResourceRecord>> DiscoverOn(Connection& c, const DiscoveryQuery& q) {
  DiscoverSql built(q);  // outlives the Use: the bound strings live in it
  Use u(c, c.PreparedQuery(built.sql()));
  if (!u.ok()) return Err(StorageError());
  built.Bind(u);
  return CollectRecords(c, u, "discover");
}

Result<std::vector<ResourceRecord>> ExpiredOn(Connection& c, std::string_view now, size_t limit) {
  Use q(c, c.Prepared(kExpired));
  if (!q.ok()) return Err(StorageError());
  q.Text(1, now);
  q.Int(2, SqlLimit(limit));
  return CollectRecords(c, q, "expired");
}

void BindRecord(Use& q, const ResourceRecord& r) {
  q.Text(1, r.ri);
  q.Text(2, r.pi);
  q.Text(3, r.rn);
  q.Text(4, r.path);
  q.Int(5, r.ty);
  q.Text(6, r.ct);
  q.Text(7, r.lt);
  q.Text(8, r.et);
  q.Int(9, static_cast<int64_t>(r.st));
  q.Text(10, r.cr);
  q.Int(11, static_cast<int64_t>(r.cs));
  q.Text(12, r.cty);
  q.Text(13, r.body);
  q.TextCopy(14, EncodeLabels(r.lbl));
}

// The records of one batch updated with UpdateDeferred: the newest version of each, written just
// before the batch's COMMIT. Changes are logged per item so that a failed item is undone. A batch
// touches few distinct hot records, so lookups by path scan.
class DeferredUpdates {
 public:
  const ResourceRecord* Find(std::string_view ri) const {
    auto it = by_ri_.find(std::string(ri));
    return it == by_ri_.end() ? nullptr : &it->second;
  }
  const ResourceRecord* FindByPath(std::string_view path) const {
    for (const auto& [ri, rec] : by_ri_) {
      if (rec.path == path) return &rec;
    }
    return nullptr;
  }
  bool empty() const { return by_ri_.empty(); }
  // Sets the deferred version of `ri`, or drops it (nullopt), logging what it replaces.
  void Set(const std::string& ri, std::optional<ResourceRecord> rec) {
    auto it = by_ri_.find(ri);
    if (it == by_ri_.end()) {
      if (!rec) return;
      undo_.emplace_back(ri, std::nullopt);
      by_ri_.emplace(ri, std::move(*rec));
      return;
    }
    undo_.emplace_back(ri, std::move(it->second));
    if (rec) {
      it->second = std::move(*rec);
    } else {
      by_ri_.erase(it);
    }
  }
  void BeginItem() { undo_.clear(); }
  // Restores the state at BeginItem().
  void UndoItem() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
      if (it->second) {
        by_ri_.insert_or_assign(it->first, std::move(*it->second));
      } else {
        by_ri_.erase(it->first);
      }
    }
    undo_.clear();
  }
  std::vector<ResourceRecord> TakeAll() {
    std::vector<ResourceRecord> out;
    out.reserve(by_ri_.size());
    for (auto& [ri, rec] : by_ri_) out.push_back(std::move(rec));
    by_ri_.clear();
    undo_.clear();
    return out;
  }

 private:
  std::unordered_map<std::string, ResourceRecord> by_ri_;
  std::vector<std::pair<std::string, std::optional<ResourceRecord>>> undo_;
};

// The writer's view: everything goes through the write connection, inside the open transaction,
// so reads see the batch's own uncommitted changes, deferred updates included (`deferred` may be
// null: then UpdateDeferred writes at once).
class SqliteTxn final : public WriteTxn {
 public:
  SqliteTxn(Connection& c, DeferredUpdates* deferred) : c_(c), deferred_(deferred) {}

  Result<std::optional<ResourceRecord>> Get(std::string_view ri) override {
    if (const ResourceRecord* d = FindDeferred(ri)) return std::optional<ResourceRecord>(*d);
    return GetOn(c_, kGetByRi, ri);
  }
  Result<std::optional<ResourceRecord>> GetByPath(std::string_view path) override {
    if (deferred_ != nullptr && !deferred_->empty()) {
      if (const ResourceRecord* d = deferred_->FindByPath(path)) {
        return std::optional<ResourceRecord>(*d);
      }
    }
    return GetOn(c_, kGetByPath, path);
  }
  Result<std::vector<ResourceRecord>> Children(std::string_view pi, int ty, ChildOrder order,
                                               size_t limit) override {
    auto out = ChildrenOn(c_, pi, ty, order, limit);
    if (out) WithDeferred(*out);
    return out;
  }
  Result<SubtreeSize> MeasureSubtree(std::string_view path, uint64_t limit) override {
    Use q(c_, c_.Prepared(kMeasureSubtree));
    if (!q.ok()) return Err(StorageError());
    const std::string from = std::string(path) + "/", to = std::string(path) + "0";
    q.Text(1, from);
    q.Text(2, to);
    q.Int(3, static_cast<int64_t>(std::min<uint64_t>(limit, INT64_MAX)));
    int rc = q.Step();
    if (rc != SQLITE_ROW) return Err(LogError(c_.db(), rc, "measure subtree"));
    SubtreeSize s;
    s.resources = static_cast<uint64_t>(sqlite3_column_int64(q.get(), 0));
    s.bytes = static_cast<uint64_t>(sqlite3_column_int64(q.get(), 1));
    s.subscriptions = static_cast<uint64_t>(sqlite3_column_int64(q.get(), 2));
    return s;
  }
  Result<std::pair<uint64_t, uint64_t>> CountChildren(std::string_view pi, int ty) override {
    return CountChildrenOn(c_, pi, ty);
  }
  Result<std::optional<std::string>> GetObject(std::string_view kind,
                                               std::string_view id) override {
    return GetObjectOn(c_, kind, id);
  }
  Result<std::vector<ObjectRecord>> ListObjects(std::string_view kind) override {
    return ListObjectsOn(c_, kind);
  }
  Status PutObject(std::string_view kind, std::string_view id, std::string_view body) override {
    Use q(c_, c_.Prepared(kPutObject));
    q.Text(1, kind);
    q.Text(2, id);
    q.Text(3, body);
    return q.Run("put object");
  }
  Result<bool> DeleteObject(std::string_view kind, std::string_view id) override {
    Use q(c_, c_.Prepared(kDeleteObject));
    q.Text(1, kind);
    q.Text(2, id);
    if (Status s = q.Run("delete object"); !s.ok()) return Err(s);
    return sqlite3_changes(c_.db()) > 0;
  }

  // Single-statement writes need no savepoint of their own; the labels table is touched (and
  // the write made atomic with a savepoint) only when the record has labels or they changed.
  Status Insert(const ResourceRecord& rec) override {
    auto insert = [&]() -> Status {
      Use q(c_, c_.Prepared(kInsert));
      if (!q.ok()) return StorageError();
      BindRecord(q, rec);
      int rc = q.Step();
      if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Status::Conflict("resource id already exists");
      }
      if (IsConstraint(rc)) return Status::Conflict("resource already exists");
      if (rc != SQLITE_DONE) return LogError(c_.db(), rc, "insert");
      return InsertLabels(rec);
    };
    return rec.lbl.empty() ? insert() : Atomically(insert);
  }

  Status UpdateDeferred(const ResourceRecord& rec) override {
    if (deferred_ == nullptr) return Update(rec);
    if (deferred_->Find(rec.ri) == nullptr) {
      auto stored = StoredLabels(rec.ri);  // the record must exist
      if (!stored) return stored.error();
    }
    deferred_->Set(rec.ri, rec);
    return Status::Ok();
  }

  Status Update(const ResourceRecord& rec) override {
    Status s = UpdateNow(rec);
    if (s.ok() && FindDeferred(rec.ri) != nullptr) deferred_->Set(rec.ri, std::nullopt);
    return s;
  }

  Result<std::vector<ResourceRecord>> DeleteSubtree(std::string_view ri) override {
    auto root = GetOn(c_, kGetByRi, ri);
    if (!root) return Err(root.error());
    if (!*root) return Err(Status::NotFound("resource does not exist"));
    const std::string lo = (*root)->path + "/";
    const std::string hi = (*root)->path + "0";
    std::vector<ResourceRecord> deleted;
    deleted.push_back(std::move(**root));
    {
      Use q(c_, c_.Prepared(kSubtree));
      if (!q.ok()) return Err(StorageError());
      q.Text(1, lo);
      q.Text(2, hi);
      auto below = CollectRecords(c_, q, "read subtree");
      if (!below) return Err(below.error());
      for (ResourceRecord& r : *below) deleted.push_back(std::move(r));
    }
    Status s = Atomically([&]() -> Status {
      for (Stmt id : {kDeleteSubtreeLabels, kDeleteSubtreeResources}) {
        Use q(c_, c_.Prepared(id));
        q.Text(1, lo);
        q.Text(2, hi);
        Status st = q.Run(kSql[id]);
        if (!st.ok()) return st;
      }
      for (Stmt id : {kDeleteLabels, kDeleteResource}) {
        Use q(c_, c_.Prepared(id));
        q.Text(1, deleted.front().ri);
        Status st = q.Run(kSql[id]);
        if (!st.ok()) return st;
      }
      return Status::Ok();
    });
    if (!s.ok()) return Err(s);
    if (deferred_ != nullptr && !deferred_->empty()) {
      for (ResourceRecord& r : deleted) {
        if (const ResourceRecord* d = deferred_->Find(r.ri)) {
          r = *d;
          deferred_->Set(r.ri, std::nullopt);
        }
      }
    }
    return deleted;
  }

 private:
  const ResourceRecord* FindDeferred(std::string_view ri) const {
    return deferred_ != nullptr && !deferred_->empty() ? deferred_->Find(ri) : nullptr;
  }
  // Replaces records read from the database by their deferred versions.
  void WithDeferred(std::vector<ResourceRecord>& records) const {
    if (deferred_ == nullptr || deferred_->empty()) return;
    for (ResourceRecord& r : records) {
      if (const ResourceRecord* d = deferred_->Find(r.ri)) r = *d;
    }
  }

  // Makes one multi-statement operation all-or-nothing even if the WriteFn ignores its error
  // and returns OK.
  template <typename F>
  Status Atomically(F&& f) {
    Status s = RunStmt(c_, kSavepointOp);
    if (!s.ok()) return s;
    s = f();
    if (!s.ok()) {
      Status r = RunStmt(c_, kRollbackOp);
      if (!r.ok()) return r;
    }
    Status r = RunStmt(c_, kReleaseOp);
    return r.ok() ? s : r;
  }

  Status InsertLabels(const ResourceRecord& rec) {
    for (const std::string& l : rec.lbl) {
      Use q(c_, c_.Prepared(kInsertLabel));
      q.Text(1, rec.ri);
      q.Text(2, rec.path);
      q.Text(3, l);
      Status s = q.Run("insert label");
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }

  // The encoded labels of the stored record; 4004 if there is none.
  Result<std::string> StoredLabels(std::string_view ri) {
    Use q(c_, c_.Prepared(kLabelsOf));
    if (!q.ok()) return Err(StorageError());
    q.Text(1, ri);
    int rc = q.Step();
    if (rc == SQLITE_DONE) return Err(Status::NotFound("resource does not exist"));
    if (rc != SQLITE_ROW) return Err(LogError(c_.db(), rc, "read labels"));
    return ColumnText(q.get(), 0);
  }

  // The update itself: in place when only lt/et/st/cs/cty/body changed, else the whole row and
  // the labels.
  Status UpdateNow(const ResourceRecord& rec) {
    {
      Use q(c_, c_.Prepared(kUpdateInPlace));
      if (!q.ok()) return StorageError();
      BindRecord(q, rec);
      int rc = q.Step();
      if (rc != SQLITE_DONE) return LogError(c_.db(), rc, "update");
      if (sqlite3_changes(c_.db()) == 1) return Status::Ok();
    }
    auto stored = StoredLabels(rec.ri);
    if (!stored) return stored.error();
    std::vector<std::string> old_labels = DecodeLabels(*stored);
    auto update_row = [&]() -> Status {
      Use q(c_, c_.Prepared(kUpdate));
      if (!q.ok()) return StorageError();
      BindRecord(q, rec);
      int rc = q.Step();
      if (IsConstraint(rc)) return Status::Conflict("resource already exists");
      if (rc != SQLITE_DONE) return LogError(c_.db(), rc, "update");
      if (sqlite3_changes(c_.db()) == 0) return Status::NotFound("resource does not exist");
      return Status::Ok();
    };
    if (old_labels == rec.lbl) return update_row();
    return Atomically([&]() -> Status {
      if (Status s = update_row(); !s.ok()) return s;
      Use del(c_, c_.Prepared(kDeleteLabels));
      del.Text(1, rec.ri);
      Status s = del.Run("delete labels");
      if (!s.ok()) return s;
      return InsertLabels(rec);
    });
  }

  Connection& c_;
  DeferredUpdates* deferred_;
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
  s = c.Exec("BEGIN IMMEDIATE");
  if (!s.ok()) return s;
  s = c.Exec(kSchema);
  if (s.ok()) return c.Exec("COMMIT");
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

}  // namespace

SqliteStore::SqliteStore(const SqliteOptions& options) : options_(options) {}

SqliteStore::~SqliteStore() { Close(); }

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteOptions& options) {
  ConfigureSqliteOnce();
  std::unique_ptr<SqliteStore> store(new SqliteStore(options));
  if (Status s = MakeOwnerOnly(options.path); !s.ok()) return Err(s);
  auto conn = Connection::Open(options.path, /*writable=*/true);
  if (!conn) return Err(conn.error());
  Status s = InitDatabase(**conn, options.synchronous_full);
  if (!s.ok()) return Err(s);
  store->write_conn_ = std::move(*conn);
  auto ckpt = Connection::Open(options.path, /*writable=*/true);
  if (!ckpt) return Err(ckpt.error());
  store->checkpoint_conn_ = std::move(*ckpt);
  // Replaces SQLite's automatic checkpoint (which would run inside the writer's COMMIT).
  sqlite3_wal_hook(store->write_conn_->db(), &SqliteStore::OnWalCommit, store.get());
  try {
    store->checkpointer_ = std::thread([raw = store.get()] {
      pthread_setname_np(pthread_self(), "tc-store-ckpt");
      raw->CheckpointLoop();
    });
    store->writer_ = std::thread([raw = store.get()] {
      pthread_setname_np(pthread_self(), "tc-store-write");
      raw->WriterLoop();
    });
  } catch (const std::exception& e) {
    spdlog::error("sqlite: cannot start writer thread: {}", e.what());
    return Err(StorageError());
  }
  return store;
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  auto store = SqliteStore::Open(options);
  if (!store) return Err(store.error());
  return std::unique_ptr<Store>(std::move(*store));
}

void SqliteStore::Submit(WriteFn fn, WriteDone done) {
  {
    std::lock_guard lock(mu_);
    if (!closed_) {
      queue_.push_back({std::move(fn), std::move(done)});
      // Notified under the lock: Close() may otherwise run, join the writer and let the store
      // be destroyed between unlock and notify.
      cv_.notify_one();
      return;
    }
  }
  if (done) done(Status::Internal("storage closed"));
}

void SqliteStore::WriterLoop() {
  std::vector<Pending> batch;
  const size_t max_batch = std::max<size_t>(options_.max_batch, 1);
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || closed_; });
      if (queue_.empty()) break;  // closed and drained
      size_t n = std::min(queue_.size(), max_batch);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    RunBatch(batch);
    batch.clear();
  }
  // The writer is the only user of the write connection, so it closes it, last of all
  // connections if Close() went as planned, which checkpoints the WAL into the database file.
  write_conn_.reset();
}

int SqliteStore::OnWalCommit(void* self, sqlite3*, const char*, int pages) {
  if (pages >= kCheckpointPages) {
    auto* store = static_cast<SqliteStore*>(self);
    std::lock_guard lock(store->ckpt_mu_);
    store->ckpt_wanted_ = true;
    store->ckpt_cv_.notify_one();
  }
  return SQLITE_OK;
}

void SqliteStore::CheckpointLoop() {
  for (;;) {
    {
      std::unique_lock lock(ckpt_mu_);
      ckpt_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return ckpt_wanted_ || ckpt_stop_; });
      if (ckpt_stop_) break;
      ckpt_wanted_ = false;
    }
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(checkpoint_conn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                       &log, &done);
    if (rc == SQLITE_OK && log > kCheckpointPages * 16) {
      // Sustained writes can outrun PASSIVE checkpoints; past the high-water mark make the WAL
      // restart from its beginning (this briefly waits for the writer) so it stays bounded.
      rc = sqlite3_wal_checkpoint_v2(checkpoint_conn_->db(), nullptr, SQLITE_CHECKPOINT_RESTART,
                                     &log, &done);
    }
    if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {
      spdlog::warn("sqlite: checkpoint failed: {}", sqlite3_errstr(rc));
    }
  }
  checkpoint_conn_.reset();
}

void SqliteStore::RunBatch(std::vector<Pending>& batch) {
  Connection& c = *write_conn_;
  std::vector<Status> results(batch.size());
  DeferredUpdates deferred;
  bool failed = !RunStmt(c, kBegin).ok();
  for (size_t i = 0; i < batch.size() && !failed; ++i) {
    if (!RunStmt(c, kSavepointItem).ok()) {
      failed = true;
      break;
    }
    SqliteTxn txn(c, &deferred);
    deferred.BeginItem();
    Status s;
    try {
      s = batch[i].fn ? batch[i].fn(txn) : Status::Ok();
    } catch (const std::exception& e) {
      spdlog::error("storage: write function threw: {}", e.what());
      s = StorageError();
    } catch (...) {
      spdlog::error("storage: write function threw");
      s = StorageError();
    }
    // Some errors (disk full, I/O) make SQLite roll back the whole transaction by itself; the
    // items before this one are then lost too, so the batch fails as a whole.
    if (sqlite3_get_autocommit(c.db()) != 0) {
      spdlog::error("sqlite: transaction rolled back by the database during a write");
      failed = true;
      break;
    }
    if (!s.ok()) {
      deferred.UndoItem();
      if (!RunStmt(c, kRollbackItem).ok()) failed = true;
    }
    if (!failed && !RunStmt(c, kReleaseItem).ok()) failed = true;
    results[i] = std::move(s);
  }
  if (!failed) {
    // The newest version of each record updated with UpdateDeferred, inside the transaction.
    SqliteTxn flush(c, nullptr);
    for (const ResourceRecord& rec : deferred.TakeAll()) {
      if (!flush.Update(rec).ok()) {
        failed = true;
        break;
      }
    }
  }
  if (!failed) {
    if (RunStmt(c, kCommit).ok()) {
      commit_count_.fetch_add(1, std::memory_order_relaxed);
    } else {
      failed = true;
    }
  }
  if (failed) {
    if (sqlite3_get_autocommit(c.db()) == 0) (void)RunStmt(c, kRollback);  // best effort
    for (Status& s : results) s = StorageError();
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].done) continue;
    try {
      batch[i].done(std::move(results[i]));
    } catch (...) {
      spdlog::error("storage: done callback threw");
    }
  }
}

void SqliteStore::Close() {
  // Readers first, so the write connection is the last one closed and checkpoints the WAL.
  std::vector<std::unique_ptr<Connection>> idle;
  {
    std::lock_guard lock(pool_mu_);
    readers_closed_ = true;
    idle.swap(idle_readers_);
  }
  idle.clear();
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    cv_.notify_all();
  }
  {
    std::lock_guard lock(ckpt_mu_);
    ckpt_stop_ = true;
    ckpt_cv_.notify_all();
  }
  if (checkpointer_.joinable() && checkpointer_.get_id() != std::this_thread::get_id()) {
    checkpointer_.join();
  }
  if (!writer_.joinable()) {
    write_conn_.reset();  // Open failed before the writer started
    return;
  }
  if (writer_.get_id() == std::this_thread::get_id()) {
    // Called from a done callback: the writer drains the queue and exits on its own.
    spdlog::error("storage: Close() called on the writer thread");
    writer_.detach();
    return;
  }
  writer_.join();
}

Result<std::unique_ptr<SqliteStore::Connection>> SqliteStore::TakeReader() {
  {
    std::lock_guard lock(pool_mu_);
    if (readers_closed_) return Err(Status::Internal("storage closed"));
    if (!idle_readers_.empty()) {
      std::unique_ptr<Connection> c = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return c;
    }
  }
  return Connection::Open(options_.path, /*writable=*/false);
}

void SqliteStore::ReturnReader(std::unique_ptr<Connection> conn) {
  {
    std::lock_guard lock(pool_mu_);
    if (!readers_closed_ && idle_readers_.size() < kMaxIdleReaders) {
      idle_readers_.push_back(std::move(conn));
      return;
    }
  }
  conn.reset();  // closed outside the lock
}

template <typename T, typename F>
Result<T> SqliteStore::WithReader(F&& f) {
  auto conn = TakeReader();
  if (!conn) return Err(conn.error());
  Result<T> result = f(**conn);
  ReturnReader(std::move(*conn));
  return result;
}

Result<std::optional<ResourceRecord>> SqliteStore::Get(std::string_view ri) {
  return WithReader<std::optional<ResourceRecord>>(
      [&](Connection& c) { return GetOn(c, kGetByRi, ri); });
}

Result<std::optional<ResourceRecord>> SqliteStore::GetByPath(std::string_view path) {
  return WithReader<std::optional<ResourceRecord>>(
      [&](Connection& c) { return GetOn(c, kGetByPath, path); });
}

Result<std::vector<ResourceRecord>> SqliteStore::Children(std::string_view pi, int ty,
                                                          ChildOrder order, size_t limit) {
  return WithReader<std::vector<ResourceRecord>>(
      [&](Connection& c) { return ChildrenOn(c, pi, ty, order, limit); });
}

Result<std::optional<std::string>> SqliteStore::GetObject(std::string_view kind,
                                                          std::string_view id) {
  return WithReader<std::optional<std::string>>(
      [&](Connection& c) { return GetObjectOn(c, kind, id); });
}

Result<std::vector<ObjectRecord>> SqliteStore::ListObjects(std::string_view kind) {
  return WithReader<std::vector<ObjectRecord>>(
      [&](Connection& c) { return ListObjectsOn(c, kind); });
}

Result<std::vector<ResourceRecord>> SqliteStore::Discover(const DiscoveryQuery& q) {
  return WithReader<std::vector<ResourceRecord>>([&](Connection& c) { return DiscoverOn(c, q); });
}

Result<std::vector<ResourceRecord>> SqliteStore::Expired(std::string_view now, size_t limit) {
  return WithReader<std::vector<ResourceRecord>>(
      [&](Connection& c) { return ExpiredOn(c, now, limit); });
}

#undef TRUSTCSE_COLUMNS

}  // namespace trustcse::storage
