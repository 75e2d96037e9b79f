// The writer's WriteTxn: reads and writes on the write connection inside the batch's open
// transaction, with the batch's deferred updates laid over what the database holds.
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/embedded/sqlite_internal.h"

namespace trustcse::storage::sqlite {

template <typename F>
Status SqliteTxn::Atomically(F&& f) {
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

Result<std::optional<ResourceRecord>> SqliteTxn::Get(std::string_view ri) {
  if (const ResourceRecord* d = FindDeferred(ri)) return std::optional<ResourceRecord>(*d);
  return GetOn(c_, kGetByRi, ri);
}

Result<std::optional<ResourceRecord>> SqliteTxn::GetByPath(std::string_view path) {
  if (deferred_ != nullptr && !deferred_->empty()) {
    if (const ResourceRecord* d = deferred_->FindByPath(path)) {
      return std::optional<ResourceRecord>(*d);
    }
  }
  return GetOn(c_, kGetByPath, path);
}

Result<std::vector<ResourceRecord>> SqliteTxn::Children(std::string_view pi, int ty,
                                                        ChildOrder order, size_t limit) {
  auto out = ChildrenOn(c_, pi, ty, order, limit);
  if (out) WithDeferred(*out);
  return out;
}

Result<SubtreeSize> SqliteTxn::MeasureSubtree(std::string_view path, uint64_t limit) {
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

Result<std::pair<uint64_t, uint64_t>> SqliteTxn::CountChildren(std::string_view pi, int ty) {
  return CountChildrenOn(c_, pi, ty);
}

Result<std::optional<std::string>> SqliteTxn::GetObject(std::string_view kind,
                                                        std::string_view id) {
  return GetObjectOn(c_, kind, id);
}

Result<std::vector<ObjectRecord>> SqliteTxn::ListObjects(std::string_view kind) {
  return ListObjectsOn(c_, kind);
}

Status SqliteTxn::PutObject(std::string_view kind, std::string_view id, std::string_view body) {
  Use q(c_, c_.Prepared(kPutObject));
  q.Text(1, kind);
  q.Text(2, id);
  q.Text(3, body);
  return q.Run("put object");
}

Result<bool> SqliteTxn::DeleteObject(std::string_view kind, std::string_view id) {
  Use q(c_, c_.Prepared(kDeleteObject));
  q.Text(1, kind);
  q.Text(2, id);
  if (Status s = q.Run("delete object"); !s.ok()) return Err(s);
  return sqlite3_changes(c_.db()) > 0;
}

// Single-statement writes need no savepoint of their own; the labels table is touched (and
// the write made atomic with a savepoint) only when the record has labels or they changed.
Status SqliteTxn::Insert(const ResourceRecord& rec) {
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

Status SqliteTxn::UpdateDeferred(const ResourceRecord& rec) {
  if (deferred_ == nullptr) return Update(rec);
  if (deferred_->Find(rec.ri) == nullptr) {
    auto stored = StoredLabels(rec.ri);  // the record must exist
    if (!stored) return stored.error();
  }
  deferred_->Set(rec.ri, rec);
  return Status::Ok();
}

Status SqliteTxn::Update(const ResourceRecord& rec) {
  Status s = UpdateNow(rec);
  if (s.ok() && FindDeferred(rec.ri) != nullptr) deferred_->Set(rec.ri, std::nullopt);
  return s;
}

Result<std::vector<ResourceRecord>> SqliteTxn::DeleteSubtree(std::string_view ri) {
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
  // No savepoint of its own (unlike Insert and Update with labels): a WriteFn that evicts or
  // expires thousands of instances calls this thousands of times, and SQLite's RELEASE of a
  // nested savepoint walks the in-memory sub-journal the enclosing item has grown so far, which
  // made such a WriteFn quadratic (55,000 evictions from one mni update: over 10 minutes). A
  // failure part-way is undone with the WriteFn, which must fail (the WriteTxn contract).
  for (Stmt id : {kDeleteSubtreeLabels, kDeleteSubtreeResources}) {
    Use q(c_, c_.Prepared(id));
    q.Text(1, lo);
    q.Text(2, hi);
    if (Status st = q.Run(kSql[id]); !st.ok()) return Err(st);
  }
  for (Stmt id : {kDeleteLabels, kDeleteResource}) {
    Use q(c_, c_.Prepared(id));
    q.Text(1, deleted.front().ri);
    if (Status st = q.Run(kSql[id]); !st.ok()) return Err(st);
  }
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

void SqliteTxn::WithDeferred(std::vector<ResourceRecord>& records) const {
  if (deferred_ == nullptr || deferred_->empty()) return;
  for (ResourceRecord& r : records) {
    if (const ResourceRecord* d = deferred_->Find(r.ri)) r = *d;
  }
}

Status SqliteTxn::InsertLabels(const ResourceRecord& rec) {
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

Result<std::string> SqliteTxn::StoredLabels(std::string_view ri) {
  Use q(c_, c_.Prepared(kLabelsOf));
  if (!q.ok()) return Err(StorageError());
  q.Text(1, ri);
  int rc = q.Step();
  if (rc == SQLITE_DONE) return Err(Status::NotFound("resource does not exist"));
  if (rc != SQLITE_ROW) return Err(LogError(c_.db(), rc, "read labels"));
  return ColumnText(q.get(), 0);
}

Status SqliteTxn::UpdateNow(const ResourceRecord& rec) {
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

void SqliteTxn::AfterCommit(std::function<void()> fn) {
  if (after_commit_ == nullptr) {
    spdlog::error("sqlite: AfterCommit outside a WriteFn; dropped");
    return;
  }
  after_commit_->push_back(std::move(fn));
}

}  // namespace trustcse::storage::sqlite
