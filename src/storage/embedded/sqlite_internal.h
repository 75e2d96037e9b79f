// What the files of the SQLite backend share; included only by src/storage/embedded/*.cc.
//
// The backend is split by concern: sqlite_schema.cc (the schema, its version and upgrade, the
// fixed statements, the database file's mode), sqlite_connection.cc (opening a connection, its
// pragmas, its prepared-statement cache), sqlite_records.cc (rows to ResourceRecords and back;
// the reading statements the committed view and the writer's view share), sqlite_query.cc (a
// DiscoveryQuery as one SELECT), sqlite_write_txn.cc (the writer's WriteTxn), sqlite_writer.cc
// (the writer thread: group commit; the checkpointer) and sqlite_store.cc (open, close, the
// reader pool and the committed reads).
//
// Ownership: a Connection owns its sqlite3 handle and its statements; a Use borrows one cached
// statement of one Connection for one execution and must not outlive it; the strings bound
// through Use::Text must outlive the Use. A SqliteTxn borrows the write connection and the
// batch's DeferredUpdates for one WriteFn.
//
// Thread-safety: none of these types is thread-safe. A Connection is used by one thread at a
// time (the writer, the checkpointer, or the caller that borrowed it from the reader pool), and
// everything bound to it (Use, SqliteTxn, DeferredUpdates) lives on that thread.
//
// Errors: as the Store interface promises, every SQLite failure is logged here with its detail
// (LogError) and surfaces as the generic Status 5000 of StorageError(); constraint violations that
// mean "already exists" become 4105 and missing records 4004 where the contract says so.
#pragma once

#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "storage/embedded/sqlite_store.h"

// The columns of `resources` in the order ReadRecord reads and BindRecord binds them (a macro so
// that statement texts stay string literals).
#define TRUSTCSE_COLUMNS "ri, pi, rn, path, ty, ct, lt, et, st, cr, cs, cty, body, lbls"
// The instance types (contentInstance, timeSeriesInstance, flexContainerInstance): the many rows
// below a container, left out of the (ty, path) index. A query that may use that index repeats
// this condition word for word (SQLite uses a partial index only for queries that imply it).
#define TRUSTCSE_INSTANCE_TYPES "(4, 30, 58)"

namespace trustcse::storage::sqlite {

// The statements every connection prepares once and keeps (SQLITE_PREPARE_PERSISTENT); their
// text is kSql[id] (sqlite_schema.cc).
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

extern const std::array<const char*, kStmtCount> kSql;

// Turns SQLite's allocation statistics off before SQLite initializes (sqlite_connection.cc).
void ConfigureSqliteOnce();

inline Status StorageError() { return Status::Internal("storage error"); }

// Logs the detail and returns the generic status callers see.
Status LogError(::sqlite3* db, int rc, std::string_view what);

inline bool IsConstraint(int rc) { return (rc & 0xff) == SQLITE_CONSTRAINT; }

// SQLite integers are signed 64-bit; SIZE_MAX (no limit) becomes -1, which SQLite reads the same.
inline int64_t SqlLimit(size_t n) {
  return n > static_cast<size_t>(std::numeric_limits<int64_t>::max()) ? -1
                                                                      : static_cast<int64_t>(n);
}

}  // namespace trustcse::storage::sqlite

namespace trustcse::storage {

class SqliteStore::Connection {
 public:
  // Opens `path` read-write (creating it) or read-only, with the connection pragmas.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool writable);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  ::sqlite3* db() const { return db_; }

  // The cached statement `id`, prepared on first use; nullptr (logged) if it cannot be.
  sqlite3_stmt* Prepared(sqlite::Stmt id) {
    if (stmts_[id] == nullptr) stmts_[id] = Prepare(sqlite::kSql[id]);
    return stmts_[id];
  }

  // A cached statement for generated SQL (Discover), keyed by its text.
  sqlite3_stmt* PreparedQuery(const std::string& sql);

  // Runs SQL text without results (schema, pragmas).
  Status Exec(const char* sql);

 private:
  explicit Connection(::sqlite3* db) : db_(db) {}

  sqlite3_stmt* Prepare(const char* sql);

  ::sqlite3* db_;
  std::array<sqlite3_stmt*, sqlite::kStmtCount> stmts_{};
  std::unordered_map<std::string, sqlite3_stmt*> queries_;
};

}  // namespace trustcse::storage

namespace trustcse::storage::sqlite {

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

inline Status RunStmt(Connection& c, Stmt id) {
  Use u(c, c.Prepared(id));
  return u.Run(kSql[id]);
}

inline std::string ColumnText(sqlite3_stmt* s, int col) {
  const unsigned char* p = sqlite3_column_text(s, col);  // before column_bytes, as documented
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(s, col)));
}

// --- sqlite_schema.cc ---

// Puts the write connection in WAL mode and creates or checks the schema.
Status InitDatabase(Connection& c, bool synchronous_full);
// Creates the database file owner-only (0600) before SQLite does; narrows files left wider.
Status MakeOwnerOnly(const std::string& path);

// --- sqlite_records.cc: rows and records; the reads both views share ---

// The `lbls` column: labels length-prefixed, "<bytes>:<label>" one after the other.
std::string EncodeLabels(const std::vector<std::string>& lbl);
std::vector<std::string> DecodeLabels(std::string_view s);
// Reads the current row of a TRUSTCSE_COLUMNS statement.
Result<ResourceRecord> ReadRecord(Connection& c, sqlite3_stmt* s);
// Steps `q` to the end, reading every row as a record.
Result<std::vector<ResourceRecord>> CollectRecords(Connection& c, Use& q, std::string_view what);
// Binds a record to ?1…?14 in TRUSTCSE_COLUMNS order (the labels encoded, copied).
void BindRecord(Use& q, const ResourceRecord& r);
Result<std::optional<ResourceRecord>> GetOn(Connection& c, Stmt id, std::string_view key);
Result<std::vector<ResourceRecord>> ChildrenOn(Connection& c, std::string_view pi, int ty,
                                               ChildOrder order, size_t limit);
Result<std::optional<std::string>> GetObjectOn(Connection& c, std::string_view kind,
                                               std::string_view id);
Result<std::vector<ObjectRecord>> ListObjectsOn(Connection& c, std::string_view kind);
Result<std::pair<uint64_t, uint64_t>> CountChildrenOn(Connection& c, std::string_view pi, int ty);
Result<std::vector<ResourceRecord>> ExpiredOn(Connection& c, std::string_view now, size_t limit);

// --- sqlite_query.cc ---

// Answers a DiscoveryQuery with one SELECT, cached by its text (Connection::PreparedQuery).
Result<std::vector<ResourceRecord>> DiscoverOn(Connection& c, const DiscoveryQuery& q);

// --- sqlite_write_txn.cc ---

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
  // `after_commit` collects AfterCommit's functions (null: refused with an error log).
  SqliteTxn(Connection& c, DeferredUpdates* deferred,
            std::vector<std::function<void()>>* after_commit = nullptr)
      : c_(c), deferred_(deferred), after_commit_(after_commit) {}

  Result<std::optional<ResourceRecord>> Get(std::string_view ri) override;
  Result<std::optional<ResourceRecord>> GetByPath(std::string_view path) override;
  Result<std::vector<ResourceRecord>> Children(std::string_view pi, int ty, ChildOrder order,
                                               size_t limit) override;
  Result<SubtreeSize> MeasureSubtree(std::string_view path, uint64_t limit) override;
  Result<std::pair<uint64_t, uint64_t>> CountChildren(std::string_view pi, int ty) override;
  Result<std::optional<std::string>> GetObject(std::string_view kind,
                                               std::string_view id) override;
  Result<std::vector<ObjectRecord>> ListObjects(std::string_view kind) override;
  Status PutObject(std::string_view kind, std::string_view id, std::string_view body) override;
  Result<bool> DeleteObject(std::string_view kind, std::string_view id) override;
  Status Insert(const ResourceRecord& rec) override;
  Status UpdateDeferred(const ResourceRecord& rec) override;
  Status Update(const ResourceRecord& rec) override;
  Result<std::vector<ResourceRecord>> DeleteSubtree(std::string_view ri) override;
  void AfterCommit(std::function<void()> fn) override;

 private:
  const ResourceRecord* FindDeferred(std::string_view ri) const {
    return deferred_ != nullptr && !deferred_->empty() ? deferred_->Find(ri) : nullptr;
  }
  // Replaces records read from the database by their deferred versions.
  void WithDeferred(std::vector<ResourceRecord>& records) const;

  // Makes one multi-statement operation all-or-nothing even if the WriteFn ignores its error
  // and returns OK.
  template <typename F>
  Status Atomically(F&& f);

  Status InsertLabels(const ResourceRecord& rec);
  // The encoded labels of the stored record; 4004 if there is none.
  Result<std::string> StoredLabels(std::string_view ri);
  // The update itself: in place when only lt/et/st/cs/cty/body changed, else the whole row and
  // the labels.
  Status UpdateNow(const ResourceRecord& rec);

  Connection& c_;
  DeferredUpdates* deferred_;
  std::vector<std::function<void()>>* after_commit_;
};

}  // namespace trustcse::storage::sqlite
