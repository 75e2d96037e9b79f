// Writes: the tracking transaction that tells the caches what a write touched, the quota hooks,
// and the deletion of a subtree with its notifications.
#include "dispatcher/internal.h"

namespace trustcse::dispatcher {


namespace {

// Passes everything to the backend's transaction and notes which paths the write touched, so
// the resource cache can be invalidated exactly.
class TrackingTxn final : public storage::WriteTxn {
 public:
  TrackingTxn(storage::WriteTxn& inner, WriterParents& parents, AeQuotas& quotas)
      : inner_(inner), parents_(parents), quotas_(quotas) {}
  Result<std::optional<ResourceRecord>> Get(std::string_view ri) override { return inner_.Get(ri); }
  Result<std::optional<ResourceRecord>> GetByPath(std::string_view path) override {
    return inner_.GetByPath(path);
  }
  Result<std::vector<ResourceRecord>> Children(std::string_view pi, int ty,
                                               storage::ChildOrder order, size_t limit) override {
    return inner_.Children(pi, ty, order, limit);
  }
  Result<std::pair<uint64_t, uint64_t>> CountChildren(std::string_view pi, int ty) override {
    return inner_.CountChildren(pi, ty);
  }
  Result<storage::SubtreeSize> MeasureSubtree(std::string_view path, uint64_t limit) override {
    return inner_.MeasureSubtree(path, limit);
  }
  Result<std::optional<std::string>> GetObject(std::string_view kind,
                                               std::string_view id) override {
    return inner_.GetObject(kind, id);
  }
  Result<std::vector<storage::ObjectRecord>> ListObjects(std::string_view kind) override {
    return inner_.ListObjects(kind);
  }
  Status PutObject(std::string_view kind, std::string_view id, std::string_view body) override {
    return inner_.PutObject(kind, id, body);
  }
  Result<bool> DeleteObject(std::string_view kind, std::string_view id) override {
    return inner_.DeleteObject(kind, id);
  }
  Status Insert(const ResourceRecord& rec) override {
    if (Status q = quotas_.Admit(inner_, rec, quota_changes); !q.ok()) return q;
    Status s = inner_.Insert(rec);
    if (s.ok()) paths.push_back(rec.path);
    return s;
  }
  Status Update(const ResourceRecord& rec) override {
    parents_.Forget(rec.ri);
    if (quotas_.enabled()) {
      // What an update adds counts like what a create adds (a flexContainer grown to the body
      // limit, attribute by attribute).
      auto old = inner_.Get(rec.ri);
      if (!old) return old.error();
      if (*old) {
        Status q = quotas_.Resized(inner_, rec.path, (*old)->body.size(), rec.body.size(),
                                   quota_changes);
        if (!q.ok()) return q;
      }
    }
    Status s = inner_.Update(rec);
    if (s.ok()) paths.push_back(rec.path);
    return s;
  }
  Status UpdateDeferred(const ResourceRecord& rec) override {
    parents_.Forget(rec.ri);
    Status s = inner_.UpdateDeferred(rec);
    if (s.ok()) paths.push_back(rec.path);
    return s;
  }
  void AfterCommit(std::function<void()> fn) override { inner_.AfterCommit(std::move(fn)); }
  Result<std::vector<ResourceRecord>> DeleteSubtree(std::string_view ri) override {
    auto r = inner_.DeleteSubtree(ri);
    if (r && !r->empty()) {
      subtrees.push_back(r->front().path);
      for (const auto& gone : *r) parents_.Forget(gone.ri);
      quotas_.Removed(*r, quota_changes);
    }
    return r;
  }
  std::vector<std::string> paths;
  std::vector<std::string> subtrees;
  AeQuotas::Pending quota_changes;

 private:
  storage::WriteTxn& inner_;
  WriterParents& parents_;
  AeQuotas& quotas_;
};

struct CommitState {
  WriteEffects fx;
  std::vector<std::string> paths;
  std::vector<std::string> subtrees;
  std::vector<events::Event> audited;  // registrations and policy changes, for the stream
};

}  // namespace

void Dispatcher::Impl::Commit(std::function<Status(storage::WriteTxn&, WriteEffects&)> fn,
                              std::function<void(Status)> done, bool await_deletion_notices,
                              RequestRef origin) {
  auto state = std::make_shared<CommitState>();
  store.Submit(
      [this, fn = std::move(fn), state, origin = std::move(origin)](storage::WriteTxn& txn) {
        TrackingTxn tracking(txn, writer_parents, writer_quotas);
        Status s = fn(tracking, state->fx);
        if (s.ok() && opt.audit_log) s = AuditWrites(tracking, state->fx, origin.get(),
                                                     state->audited);
        if (s.ok()) {
          writer_quotas.Apply(tracking.quota_changes);
          state->paths = std::move(tracking.paths);
          state->subtrees = std::move(tracking.subtrees);
          if (GroupMemberIndex::Touches(state->fx)) {
            // Before the next write, which may delete a member of this group (`done` may lag).
            tracking.AfterCommit([this, state] { group_members.Learn(state->fx); });
          }
        } else {
          state->fx = WriteEffects{};
          state->audited.clear();
        }
        return s;
      },
      [this, state, done = std::move(done), await_deletion_notices](Status s) mutable {
        if (s.ok()) {
          // Before the client hears of the write, nobody may read the old version from cache.
          cache.Invalidate(state->paths, state->subtrees);
          // Versions this write produced itself go back in at once (completions run in commit
          // order, so the last one put is the newest): a fleet writing thousands of containers
          // in turn would otherwise re-read and re-parse one per request.
          for (auto& res : state->fx.cached_after) cache.Put(cache.generation(), std::move(res));
          if (opt.events) {
            for (auto& e : state->audited) {
              if (opt.events->Wants(e.kind)) opt.events->Publish(std::move(e));
            }
          }
          if (await_deletion_notices) {
            return notifier.OnCommitted(state->fx, [done = std::move(done)] { done(Status::Ok()); });
          }
          notifier.OnCommitted(state->fx);
          missing_data.OnCommitted(state->fx);
        } else {
          writer_parents.MarkStale();
          writer_quotas.Clear();
        }
        done(std::move(s));
      });
}

void Dispatcher::Impl::DeleteResource(std::string ri, std::string originator, std::string rvi,
                                      std::function<void(Result<ResourceRecord>)> done,
                                      RequestRef origin) {
  auto deleted = std::make_shared<ResourceRecord>();
  TimePoint now = Now();
  Commit(
      [this, ri, originator, rvi, now, deleted, self = &opt.self](storage::WriteTxn& txn,
                                                                  WriteEffects& fx) -> Status {
        auto rec = txn.Get(ri);
        if (!rec) return rec.error();
        if (!*rec) return Status::NotFound("resource does not exist");
        auto res = Resource::FromRecord(**rec);
        if (!res) return res.error();
        auto removed = txn.DeleteSubtree(ri);
        if (!removed) return removed.error();
        auto prec = txn.Get(res->pi());
        if (!prec) return prec.error();
        if (*prec) {
          auto parent = Resource::FromRecord(**prec);
          if (!parent) return parent.error();
          const ResourceType* type = resources::FindType(res->ty());
          bool changed = false;
          HookContext ctx{originator, rvi, now, self};
          if (type) {
            if (auto s = type->OnDelete(txn, ctx, *parent, &changed, *res, fx); !s.ok()) return s;
          }
          if (changed) {
            if (auto s = txn.UpdateDeferred(parent->ToRecord()); !s.ok()) return s;
          }
          fx.events.push_back(
              Event{Event::Kind::kDeleteChild, std::string(parent->ri()), parent->path, **rec, {}});
        }
        fx.events.push_back(Event{Event::Kind::kDelete, ri, res->path, **rec, {}});
        // The deleted resources leave the groups that list them, in this same write.
        if (auto s = group_members.RemoveMembers(txn, *removed, now, fx); !s.ok()) return s;
        for (auto& r : *removed) fx.deleted.push_back(std::move(r));
        *deleted = **rec;
        return Status::Ok();
      },
      [deleted, done](Status s) {
        if (!s.ok()) return done(Err(s));
        done(std::move(*deleted));
      },
      /*await_deletion_notices=*/true, std::move(origin));
}

}  // namespace trustcse::dispatcher
