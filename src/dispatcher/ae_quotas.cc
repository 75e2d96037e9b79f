#include "dispatcher/ae_quotas.h"

#include <algorithm>

#include "resources/types.h"

namespace trustcse::dispatcher {

namespace {

Status Exceeded(const char* what, uint64_t limit) {
  return Status(Rsc::kNotAcceptable,
                std::string("this AE holds as many ") + what + " as the operator allows (" +
                    std::to_string(limit) + "): delete some first");
}

uint64_t Plus(uint64_t base, int64_t delta) {
  return delta < 0 && static_cast<uint64_t>(-delta) > base ? 0 : base + delta;
}

}  // namespace

std::string_view AeQuotas::OwnerOf(std::string_view path) const {
  if (!path.starts_with(cse_prefix_)) return {};
  const size_t end = path.find('/', cse_prefix_.size());
  if (end == std::string_view::npos) return {};  // the top resource itself
  return path.substr(0, end);
}

AeQuotas::Change& AeQuotas::ChangeFor(Pending& pending, std::string_view ae_path) {
  for (auto& c : pending) {
    if (c.ae_path == ae_path) return c;
  }
  pending.push_back(Change{std::string(ae_path)});
  return pending.back();
}

Result<AeQuotas::Usage*> AeQuotas::Find(storage::WriteTxn& txn, std::string_view owner,
                                         bool refresh) {
  auto it = usage_.find(std::string(owner));
  if (it != usage_.end() && !refresh) return &it->second;
  if (it == usage_.end() && usage_.size() >= max_tracked_) usage_.clear();
  Usage u;
  auto top = txn.GetByPath(owner);
  if (!top) return Err(top.error());
  u.exempt = !*top || (*top)->ty != resources::ty::kAe;
  if (!u.exempt) {
    const uint64_t bound = limits_.resources ? limits_.resources + 1 : UINT64_MAX;
    auto size = txn.MeasureSubtree(owner, bound);
    if (!size) return Err(size.error());
    u.resources = size->resources;
    u.bytes = size->bytes;
    u.subscriptions = size->subscriptions;
  }
  u.measured = std::chrono::steady_clock::now();
  Usage& slot = usage_[std::string(owner)];
  slot = u;
  return &slot;
}

const char* AeQuotas::Exceeds(const Usage& u, const Change& c, uint64_t add_bytes,
                              bool subscription, uint64_t* limit) const {
  if (limits_.resources && Plus(u.resources, c.resources) + 1 > limits_.resources) {
    *limit = limits_.resources;
    return "resources";
  }
  if (limits_.bytes && Plus(u.bytes, c.bytes) + add_bytes > limits_.bytes) {
    *limit = limits_.bytes;
    return "bytes";
  }
  if (subscription && limits_.subscriptions &&
      Plus(u.subscriptions, c.subscriptions) + 1 > limits_.subscriptions) {
    *limit = limits_.subscriptions;
    return "subscriptions";
  }
  return nullptr;
}

Status AeQuotas::Admit(storage::WriteTxn& txn, const storage::ResourceRecord& rec,
                       Pending& pending) {
  if (!enabled()) return Status::Ok();
  const std::string_view owner = OwnerOf(rec.path);
  if (owner.empty()) return Status::Ok();
  auto u = Find(txn, owner, false);
  if (!u) return u.error();
  if ((*u)->exempt) return Status::Ok();
  Change& c = ChangeFor(pending, owner);
  const bool sub = rec.ty == resources::ty::kSubscription;
  const uint64_t add = rec.body.size();
  uint64_t limit = 0;
  if (Exceeds(**u, c, add, sub, &limit) != nullptr &&
      std::chrono::steady_clock::now() - (*u)->measured > kRemeasureAfter) {
    u = Find(txn, owner, true);  // confirm on a fresh count before refusing
    if (!u) return u.error();
  }
  if (const char* what = Exceeds(**u, c, add, sub, &limit)) return Exceeded(what, limit);
  c.resources += 1;
  c.bytes += static_cast<int64_t>(add);
  if (sub) c.subscriptions += 1;
  return Status::Ok();
}

Status AeQuotas::Resized(storage::WriteTxn& txn, std::string_view path, uint64_t old_bytes,
                         uint64_t new_bytes, Pending& pending) {
  if (!enabled() || old_bytes == new_bytes) return Status::Ok();
  const std::string_view owner = OwnerOf(path);
  if (owner.empty()) return Status::Ok();
  auto u = Find(txn, owner, false);
  if (!u) return u.error();
  if ((*u)->exempt) return Status::Ok();
  Change& c = ChangeFor(pending, owner);
  if (new_bytes > old_bytes && limits_.bytes) {
    const uint64_t growth = new_bytes - old_bytes;
    auto over = [&] { return Plus((*u)->bytes, c.bytes) + growth > limits_.bytes; };
    if (over() && std::chrono::steady_clock::now() - (*u)->measured > kRemeasureAfter) {
      u = Find(txn, owner, true);
      if (!u) return u.error();
    }
    if (over()) return Exceeded("bytes", limits_.bytes);
  }
  c.bytes += static_cast<int64_t>(new_bytes) - static_cast<int64_t>(old_bytes);
  return Status::Ok();
}

void AeQuotas::Removed(const std::vector<storage::ResourceRecord>& gone, Pending& pending) {
  if (!enabled()) return;
  for (const auto& r : gone) {
    if (OwnerOf(r.path).empty() && r.path.starts_with(cse_prefix_)) {
      // The top resource itself (an AE deregistering): its usage goes with it.
      ChangeFor(pending, r.path).resources = INT64_MIN;
      continue;
    }
    const std::string_view owner = OwnerOf(r.path);
    // Only AEs already measured: one measured later in this write sees the deletion itself.
    if (owner.empty() || !usage_.contains(std::string(owner))) continue;
    Change& c = ChangeFor(pending, owner);
    if (c.resources == INT64_MIN) continue;
    c.resources -= 1;
    c.bytes -= static_cast<int64_t>(r.body.size());
    if (r.ty == resources::ty::kSubscription) c.subscriptions -= 1;
  }
}

void AeQuotas::Apply(const Pending& pending) {
  for (const auto& c : pending) {
    auto it = usage_.find(c.ae_path);
    if (it == usage_.end()) continue;
    if (c.resources == INT64_MIN) {
      usage_.erase(it);
      continue;
    }
    Usage& u = it->second;
    if (u.exempt) continue;
    u.resources = Plus(u.resources, c.resources);
    u.bytes = Plus(u.bytes, c.bytes);
    u.subscriptions = Plus(u.subscriptions, c.subscriptions);
  }
}

}  // namespace trustcse::dispatcher
