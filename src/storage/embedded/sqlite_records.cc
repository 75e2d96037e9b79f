// Rows of `resources` and `objects` to records and back, and the reading statements that the
// committed view (pooled readers) and the writer's view (SqliteTxn) both run.
#include <sqlite3.h>

#include <string>
#include <utility>
#include <vector>

#include "storage/embedded/sqlite_internal.h"

namespace trustcse::storage::sqlite {

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

}  // namespace trustcse::storage::sqlite
