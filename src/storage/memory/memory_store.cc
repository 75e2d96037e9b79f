// The in-memory backend: the whole tree in a std::map keyed by path, for tests and for runs
// that need no persistence.
//
// Thread-safety: one std::shared_mutex guards all state. Reads take it shared; Submit takes it
// exclusive and runs the WriteFn right away on the calling thread, so WriteFns from different
// threads run one after another, as on a single writer thread. A failing WriteFn is undone from
// an undo log before the lock is released, so readers never see its effects. `done` is called
// after the lock is released (it may read or Submit again). A WriteFn must use its WriteTxn, not
// the Store, or it deadlocks.
#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "storage/store.h"

namespace trustcse::storage {
namespace {

class MemoryStore;

class MemoryTxn final : public WriteTxn {
 public:
  explicit MemoryTxn(MemoryStore& store) : store_(store) {}

  Result<std::optional<ResourceRecord>> Get(std::string_view ri) override;
  Result<std::optional<ResourceRecord>> GetByPath(std::string_view path) override;
  Result<std::vector<ResourceRecord>> Children(std::string_view pi, int ty, ChildOrder order,
                                               size_t limit) override;
  Status Insert(const ResourceRecord& rec) override;
  Status Update(const ResourceRecord& rec) override;
  Result<std::vector<ResourceRecord>> DeleteSubtree(std::string_view ri) override;
  Result<std::pair<uint64_t, uint64_t>> CountChildren(std::string_view pi, int ty) override;
  Result<SubtreeSize> MeasureSubtree(std::string_view path, uint64_t limit) override;
  Result<std::optional<std::string>> GetObject(std::string_view kind,
                                               std::string_view id) override;
  Result<std::vector<ObjectRecord>> ListObjects(std::string_view kind) override;
  Status PutObject(std::string_view kind, std::string_view id, std::string_view body) override;
  Result<bool> DeleteObject(std::string_view kind, std::string_view id) override;
  void AfterCommit(std::function<void()> fn) override { after_commit_.push_back(std::move(fn)); }

  // Reverts everything this transaction did, newest change first.
  void Rollback();
  // The write is kept: runs what AfterCommit collected.
  void Committed() {
    for (auto& fn : after_commit_) fn();
  }

 private:
  // One reversible change: either "erase the record with this ri" (undoes an insert) or
  // "put this old record back" (undoes an update or a delete).
  struct Undo {
    bool erase;
    ResourceRecord rec;  // for erase only rec.ri is used
  };

  // Objects live apart from resources, so their undo log is separate: (key, old body or none).
  using ObjectKey = std::pair<std::string, std::string>;
  void SetObject(const ObjectKey& key, std::optional<std::string> body);

  MemoryStore& store_;
  std::vector<std::function<void()>> after_commit_;
  std::vector<Undo> undo_;
  std::vector<std::pair<ObjectKey, std::optional<std::string>>> object_undo_;
};

class MemoryStore final : public Store {
 public:
  Result<std::optional<ResourceRecord>> Get(std::string_view ri) override {
    std::shared_lock lock(mu_);
    return GetLocked(ri);
  }
  Result<std::optional<ResourceRecord>> GetByPath(std::string_view path) override {
    std::shared_lock lock(mu_);
    return GetByPathLocked(path);
  }
  Result<std::vector<ResourceRecord>> Children(std::string_view pi, int ty, ChildOrder order,
                                               size_t limit) override {
    std::shared_lock lock(mu_);
    return ChildrenLocked(pi, ty, order, limit);
  }
  Result<std::optional<std::string>> GetObject(std::string_view kind,
                                               std::string_view id) override {
    std::shared_lock lock(mu_);
    return GetObjectLocked(kind, id);
  }
  Result<std::vector<ObjectRecord>> ListObjects(std::string_view kind) override {
    std::shared_lock lock(mu_);
    return ListObjectsLocked(kind);
  }
  Result<std::vector<ResourceRecord>> Discover(const DiscoveryQuery& q) override;
  Result<std::vector<ResourceRecord>> Expired(std::string_view now, size_t limit) override;
  void Submit(WriteFn fn, WriteDone done) override;
  void Close() override {
    std::unique_lock lock(mu_);
    closed_ = true;
  }

 private:
  friend class MemoryTxn;

  std::optional<ResourceRecord> GetLocked(std::string_view ri) const {
    auto it = path_by_ri_.find(std::string(ri));
    if (it == path_by_ri_.end()) return std::nullopt;
    return by_path_.at(it->second);
  }
  std::optional<ResourceRecord> GetByPathLocked(std::string_view path) const {
    auto it = by_path_.find(path);
    if (it == by_path_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<ResourceRecord> ChildrenLocked(std::string_view pi, int ty, ChildOrder order,
                                             size_t limit) const;
  std::pair<uint64_t, uint64_t> CountChildrenLocked(std::string_view pi, int ty) const;
  std::optional<std::string> GetObjectLocked(std::string_view kind, std::string_view id) const {
    auto it = objects_.find(std::make_pair(std::string(kind), std::string(id)));
    if (it == objects_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<ObjectRecord> ListObjectsLocked(std::string_view kind) const {
    std::vector<ObjectRecord> out;
    for (auto it = objects_.lower_bound(std::make_pair(std::string(kind), std::string()));
         it != objects_.end() && it->first.first == kind; ++it) {
      out.push_back({it->first.first, it->first.second, it->second});
    }
    return out;
  }

  // Index maintenance; callers have checked uniqueness.
  void PutRaw(const ResourceRecord& rec) {
    by_path_[rec.path] = rec;
    path_by_ri_[rec.ri] = rec.path;
    children_[rec.pi].insert(rec.ri);
    if (!rec.et.empty()) by_expiry_.emplace(rec.et, rec.path);
  }
  void EraseRaw(const std::string& ri) {
    auto it = path_by_ri_.find(ri);
    if (it == path_by_ri_.end()) return;
    auto rec = by_path_.find(it->second);
    auto kids = children_.find(rec->second.pi);
    if (kids != children_.end()) {
      kids->second.erase(ri);
      if (kids->second.empty()) children_.erase(kids);
    }
    if (!rec->second.et.empty()) by_expiry_.erase({rec->second.et, rec->second.path});
    by_path_.erase(rec);
    path_by_ri_.erase(it);
  }

  std::shared_mutex mu_;
  bool closed_ = false;
  std::map<std::string, ResourceRecord, std::less<>> by_path_;  // path order = result order
  std::unordered_map<std::string, std::string> path_by_ri_;
  std::unordered_map<std::string, std::unordered_set<std::string>> children_;  // pi -> ri
  std::set<std::pair<std::string, std::string>> by_expiry_;  // (et, path) of those with an et
  std::map<std::pair<std::string, std::string>, std::string> objects_;     // (kind, id) -> body
};

std::vector<ResourceRecord> MemoryStore::ChildrenLocked(std::string_view pi, int ty,
                                                        ChildOrder order, size_t limit) const {
  std::vector<ResourceRecord> out;
  auto kids = children_.find(std::string(pi));
  if (kids == children_.end()) return out;
  for (const std::string& ri : kids->second) {
    const ResourceRecord& r = by_path_.at(path_by_ri_.at(ri));
    if (ty == 0 || r.ty == ty) out.push_back(r);
  }
  // ct, then ri, the same total order the SQL backends use.
  auto older = [](const ResourceRecord& a, const ResourceRecord& b) {
    return a.ct != b.ct ? a.ct < b.ct : a.ri < b.ri;
  };
  if (order == ChildOrder::kOldestFirst) {
    std::sort(out.begin(), out.end(), older);
  } else {
    std::sort(out.begin(), out.end(), [&](const auto& a, const auto& b) { return older(b, a); });
  }
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::pair<uint64_t, uint64_t> MemoryStore::CountChildrenLocked(std::string_view pi, int ty) const {
  uint64_t count = 0;
  uint64_t size = 0;
  auto kids = children_.find(std::string(pi));
  if (kids == children_.end()) return {0, 0};
  for (const std::string& ri : kids->second) {
    const ResourceRecord& r = by_path_.at(path_by_ri_.at(ri));
    if (ty != 0 && r.ty != ty) continue;
    ++count;
    size += r.cs;
  }
  return {count, size};
}

Result<std::vector<ResourceRecord>> MemoryStore::Discover(const DiscoveryQuery& q) {
  std::shared_lock lock(mu_);
  std::vector<ResourceRecord> out;
  auto begin = by_path_.begin();
  auto end = by_path_.end();
  if (!q.root_path.empty()) {
    begin = by_path_.lower_bound(q.root_path + "/");
    end = by_path_.lower_bound(q.root_path + "0");
  }
  const int root_depth = PathDepth(q.root_path);
  size_t skipped = 0;
  for (auto it = begin; it != end && out.size() < q.limit; ++it) {
    if (!IsBelow(it->first, q.root_path)) continue;  // only the empty path, for root ""
    if (!Matches(q, it->second, PathDepth(it->first) - root_depth)) continue;
    if (skipped < q.offset) {
      ++skipped;
      continue;
    }
    out.push_back(it->second);
  }
  return out;
}

Result<std::vector<ResourceRecord>> MemoryStore::Expired(std::string_view now, size_t limit) {
  std::shared_lock lock(mu_);
  std::vector<ResourceRecord> out;
  for (auto it = by_expiry_.begin(); it != by_expiry_.end() && out.size() < limit; ++it) {
    if (it->first >= now) break;
    out.push_back(by_path_.at(it->second));
  }
  return out;
}

void MemoryStore::Submit(WriteFn fn, WriteDone done) {
  Status status;
  {
    std::unique_lock lock(mu_);
    if (closed_) {
      status = Status::Internal("storage closed");
    } else {
      MemoryTxn txn(*this);
      try {
        if (fn) status = fn(txn);
      } catch (...) {
        // Keep the contract that a failing WriteFn leaves nothing behind, even if it throws.
        status = Status::Internal("storage error");
      }
      if (status.ok()) {
        txn.Committed();
      } else {
        txn.Rollback();
      }
    }
  }
  if (done) done(std::move(status));
}

Result<std::optional<ResourceRecord>> MemoryTxn::Get(std::string_view ri) {
  return store_.GetLocked(ri);
}

Result<std::optional<ResourceRecord>> MemoryTxn::GetByPath(std::string_view path) {
  return store_.GetByPathLocked(path);
}

Result<std::vector<ResourceRecord>> MemoryTxn::Children(std::string_view pi, int ty,
                                                        ChildOrder order, size_t limit) {
  return store_.ChildrenLocked(pi, ty, order, limit);
}

Result<std::pair<uint64_t, uint64_t>> MemoryTxn::CountChildren(std::string_view pi, int ty) {
  return store_.CountChildrenLocked(pi, ty);
}

Result<SubtreeSize> MemoryTxn::MeasureSubtree(std::string_view path, uint64_t limit) {
  SubtreeSize out;
  const std::string prefix = std::string(path) + "/";
  for (auto it = store_.by_path_.lower_bound(prefix);
       it != store_.by_path_.end() && it->first.starts_with(prefix) && out.resources < limit;
       ++it) {
    ++out.resources;
    out.bytes += it->second.body.size();
    if (it->second.ty == 23) ++out.subscriptions;
  }
  return out;
}

Result<std::optional<std::string>> MemoryTxn::GetObject(std::string_view kind,
                                                        std::string_view id) {
  return store_.GetObjectLocked(kind, id);
}

Result<std::vector<ObjectRecord>> MemoryTxn::ListObjects(std::string_view kind) {
  return store_.ListObjectsLocked(kind);
}

void MemoryTxn::SetObject(const ObjectKey& key, std::optional<std::string> body) {
  auto it = store_.objects_.find(key);
  std::optional<std::string> old;
  if (it != store_.objects_.end()) old = std::move(it->second);
  object_undo_.emplace_back(key, std::move(old));
  if (body) {
    store_.objects_[key] = std::move(*body);
  } else if (it != store_.objects_.end()) {
    store_.objects_.erase(it);
  }
}

Status MemoryTxn::PutObject(std::string_view kind, std::string_view id, std::string_view body) {
  SetObject({std::string(kind), std::string(id)}, std::string(body));
  return Status::Ok();
}

Result<bool> MemoryTxn::DeleteObject(std::string_view kind, std::string_view id) {
  ObjectKey key{std::string(kind), std::string(id)};
  if (store_.objects_.count(key) == 0) return false;
  SetObject(key, std::nullopt);
  return true;
}

Status MemoryTxn::Insert(const ResourceRecord& rec) {
  if (store_.path_by_ri_.count(rec.ri) != 0) {
    return Status::Conflict("resource id already exists");
  }
  if (store_.by_path_.count(rec.path) != 0) return Status::Conflict("resource already exists");
  store_.PutRaw(rec);
  ResourceRecord key;
  key.ri = rec.ri;
  undo_.push_back({true, std::move(key)});
  return Status::Ok();
}

Status MemoryTxn::Update(const ResourceRecord& rec) {
  auto it = store_.path_by_ri_.find(rec.ri);
  if (it == store_.path_by_ri_.end()) return Status::NotFound("resource does not exist");
  if (it->second != rec.path && store_.by_path_.count(rec.path) != 0) {
    return Status::Conflict("resource already exists");
  }
  ResourceRecord old = store_.by_path_.at(it->second);
  store_.EraseRaw(rec.ri);
  store_.PutRaw(rec);
  undo_.push_back({false, std::move(old)});
  return Status::Ok();
}

Result<std::vector<ResourceRecord>> MemoryTxn::DeleteSubtree(std::string_view ri) {
  auto it = store_.path_by_ri_.find(std::string(ri));
  if (it == store_.path_by_ri_.end()) return Err(Status::NotFound("resource does not exist"));
  const std::string root = it->second;
  std::vector<ResourceRecord> deleted;
  deleted.push_back(store_.by_path_.at(root));
  auto begin = store_.by_path_.lower_bound(root + "/");
  auto end = store_.by_path_.lower_bound(root + "0");
  for (auto p = begin; p != end; ++p) deleted.push_back(p->second);
  for (const ResourceRecord& r : deleted) {
    store_.EraseRaw(r.ri);
    undo_.push_back({false, r});
  }
  return deleted;
}

void MemoryTxn::Rollback() {
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
    store_.EraseRaw(it->rec.ri);
    if (!it->erase) store_.PutRaw(it->rec);
  }
  undo_.clear();
  for (auto it = object_undo_.rbegin(); it != object_undo_.rend(); ++it) {
    if (it->second) {
      store_.objects_[it->first] = std::move(*it->second);
    } else {
      store_.objects_.erase(it->first);
    }
  }
  object_undo_.clear();
}

}  // namespace

std::unique_ptr<Store> OpenMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace trustcse::storage
