#include "dispatcher/group_members.h"

#include <spdlog/spdlog.h>

#include "primitive/json_util.h"

namespace trustcse::dispatcher {

namespace bj = boost::json;
using resources::Event;
using resources::Resource;
using storage::ResourceRecord;

std::string GroupMemberIndex::Normalize(std::string_view m) const {
  if (m.starts_with("//")) {  // absolute: //<SP-ID>/<CSE-ID>/…
    const size_t slash = m.find('/', 2);
    if (slash == std::string_view::npos) return std::string(m);
    m.remove_prefix(slash);
  }
  if (m.starts_with(self_.cse_id) && m.size() > self_.cse_id.size() &&
      m[self_.cse_id.size()] == '/') {
    m.remove_prefix(self_.cse_id.size() + 1);  // SP-relative of this CSE
  }
  if (m.ends_with("/fopt")) m.remove_suffix(5);  // a nested group is the group
  return std::string(m);
}

void GroupMemberIndex::Drop(const std::string& group_ri) {
  auto it = members_of_.find(group_ri);
  if (it == members_of_.end()) return;
  for (const std::string& m : it->second) {
    auto g = groups_of_.find(m);
    if (g == groups_of_.end()) continue;
    if (g->second.erase(group_ri) > 0) --entries_;
    if (g->second.empty()) groups_of_.erase(g);
  }
  members_of_.erase(it);
}

void GroupMemberIndex::Add(const ResourceRecord& group) {
  Drop(group.ri);
  auto res = Resource::FromRecord(group);
  if (!res) return;
  const bj::value* mid = res->attrs.if_contains("mid");
  if (mid == nullptr || !mid->is_array()) return;
  std::vector<std::string>& members = members_of_[group.ri];
  for (const auto& m : mid->get_array()) {
    if (!m.is_string()) continue;
    if (entries_ >= kMaxEntries) {
      if (!full_) {
        full_ = true;
        spdlog::warn("groups: more than {} group memberships; members deleted from groups "
                     "learned after this keep their memberIDs entries until the group is updated",
                     kMaxEntries);
      }
      return;
    }
    std::string key = Normalize(m.get_string());
    if (groups_of_[key].insert(group.ri).second) ++entries_;
    members.push_back(std::move(key));
  }
}

void GroupMemberIndex::Clear() {
  std::lock_guard lock(mu_);
  groups_of_.clear();
  members_of_.clear();
  entries_ = 0;
  full_ = false;
}

Status GroupMemberIndex::Load(storage::Store& store) {
  storage::DiscoveryQuery q;
  q.types = {resources::ty::kGroup};
  constexpr size_t kPage = 512;
  for (size_t offset = 0;; offset += kPage) {
    q.offset = offset;
    q.limit = kPage;
    auto page = store.Discover(q);
    if (!page) return page.error();
    {
      std::lock_guard lock(mu_);
      for (const auto& g : *page) Add(g);
    }
    if (page->size() < kPage) return Status::Ok();
  }
}

bool GroupMemberIndex::Touches(const resources::WriteEffects& fx) {
  for (const Event& ev : fx.events) {
    if (ev.resource.ty == resources::ty::kGroup) return true;
  }
  for (const ResourceRecord& r : fx.deleted) {
    if (r.ty == resources::ty::kGroup) return true;
  }
  return false;
}

void GroupMemberIndex::Learn(const resources::WriteEffects& fx) {
  if (!Touches(fx)) return;
  std::lock_guard lock(mu_);
  for (const ResourceRecord& r : fx.deleted) {
    if (r.ty == resources::ty::kGroup) Drop(r.ri);
  }
  for (const Event& ev : fx.events) {
    if (ev.resource.ty != resources::ty::kGroup) continue;
    if (ev.kind == Event::Kind::kCreateChild || ev.kind == Event::Kind::kUpdate) Add(ev.resource);
  }
}

Status GroupMemberIndex::RemoveMembers(storage::WriteTxn& txn,
                                       const std::vector<ResourceRecord>& gone, TimePoint now,
                                       resources::WriteEffects& fx) {
  // The groups that list any of `gone`, and the keys they may list them under.
  std::unordered_set<std::string> keys;
  std::unordered_set<std::string> groups;
  {
    std::lock_guard lock(mu_);
    if (groups_of_.empty()) return Status::Ok();
    for (const ResourceRecord& r : gone) {
      for (const std::string* k : {&r.ri, &r.path}) {
        auto it = groups_of_.find(*k);
        if (it == groups_of_.end()) continue;
        keys.insert(*k);
        groups.insert(it->second.begin(), it->second.end());
      }
    }
  }
  for (const std::string& group_ri : groups) {
    auto rec = txn.Get(group_ri);
    if (!rec) return rec.error();
    if (!*rec) continue;  // deleted with the members, or meanwhile
    auto group = Resource::FromRecord(**rec);
    if (!group) return group.error();
    bj::value* mid = group->attrs.if_contains("mid");
    if (mid == nullptr || !mid->is_array()) continue;
    bj::array kept;
    for (const auto& m : mid->get_array()) {
      if (m.is_string() && keys.contains(Normalize(m.get_string()))) continue;
      kept.push_back(m);
    }
    if (kept.size() == mid->get_array().size()) continue;  // a stale entry
    // `mid` points into attrs: replace it before anything is inserted there.
    const size_t count = kept.size();
    *mid = std::move(kept);
    group->attrs["cnm"] = count;
    group->attrs["lt"] = FormatTimestamp(now);
    if (group->attrs.contains("st")) group->attrs["st"] = group->st() + 1;
    auto updated = group->ToRecord();
    if (auto s = txn.Update(updated); !s.ok()) return s;
    fx.events.push_back(Event{Event::Kind::kUpdate, group_ri, group->path, updated, {"mid", "cnm"}});
  }
  return Status::Ok();
}

}  // namespace trustcse::dispatcher
