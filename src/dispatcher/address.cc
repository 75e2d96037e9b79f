// Address resolution and the lookups the security chain needs.
#include <mutex>

#include "dispatcher/internal.h"
#include "dispatcher/type_services.h"
#include "primitive/json_util.h"

namespace trustcse::dispatcher {

using resources::Resource;
using storage::ResourceRecord;

bool ResourceCache::Cacheable(int ty) {
  namespace t = resources::ty;
  return ty == t::kCseBase || ty == t::kAe || ty == t::kContainer || ty == t::kAcp ||
         ty == t::kGroup || ty == t::kNode || ty == t::kFlexContainer || ty == t::kTimeSeries;
}

std::shared_ptr<const Resource> ResourceCache::FindPath(std::string_view path) {
  std::shared_lock lock(mu_);
  const auto* hit = by_path_.Find(path);
  return hit == nullptr ? nullptr : *hit;
}

std::shared_ptr<const Resource> ResourceCache::FindRi(std::string_view ri) {
  std::shared_lock lock(mu_);
  auto p = ri_to_path_.find(ri);
  if (p == ri_to_path_.end()) return nullptr;
  const auto* hit = by_path_.Find(p->second);
  return hit == nullptr ? nullptr : *hit;
}

void ResourceCache::ForgetRi(const std::shared_ptr<const Resource>& r) {
  if (auto it = ri_to_path_.find(r->ri()); it != ri_to_path_.end()) ri_to_path_.erase(it);
}

void ResourceCache::Put(uint64_t generation_at_read, std::shared_ptr<const Resource> res) {
  if (!res || !Cacheable(res->ty())) return;
  std::unique_lock lock(mu_);
  if (generation_.load(std::memory_order_acquire) != generation_at_read) return;
  auto drop = [this](const std::string&, const auto& r) { ForgetRi(r); };
  if (by_path_.size() >= capacity_ && !by_path_.contains(res->path)) {
    // One random entry makes room, not all of them: past the bound (a million devices) a
    // clear would send every hot resource back to storage at once, again and again.
    by_path_.EraseRandom(eviction_state_, drop);
  }
  ri_to_path_.insert_or_assign(std::string(res->ri()), res->path);
  const std::string& path = res->path;
  by_path_.Set(path, std::move(res));
}

std::shared_ptr<const ResourceRecord> ResourceCache::FindLatest(std::string_view path) {
  std::shared_lock lock(mu_);
  const auto* hit = latest_.Find(path);
  return hit == nullptr ? nullptr : *hit;
}

void ResourceCache::PutLatest(uint64_t generation_at_read, const std::string& path,
                              std::shared_ptr<const ResourceRecord> latest) {
  std::unique_lock lock(mu_);
  if (generation_.load(std::memory_order_acquire) != generation_at_read) return;
  if (latest_.size() >= capacity_ && !latest_.contains(path)) {
    latest_.EraseRandom(eviction_state_, [](const std::string&, const auto&) {});
  }
  latest_.Set(path, std::move(latest));
}

void ResourceCache::Invalidate(const std::vector<std::string>& paths,
                               const std::vector<std::string>& subtree_roots) {
  if (paths.empty() && subtree_roots.empty()) return;
  std::unique_lock lock(mu_);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  auto drop = [this](const std::string&, const auto& r) { ForgetRi(r); };
  auto none = [](const std::string&, const auto&) {};
  for (const auto& p : paths) {
    by_path_.Erase(p, drop);
    latest_.Erase(p);
    compiled_.Erase(p);
  }
  // O(log n) per root plus what goes: deleting an instance (eviction, expiry) finds nothing
  // below it without visiting the other cached resources.
  for (const auto& root : subtree_roots) {
    by_path_.Erase(root, drop);
    by_path_.EraseBelow(root, drop);
    latest_.Erase(root);
    latest_.EraseBelow(root, none);
    compiled_.Erase(root);
    compiled_.EraseBelow(root, none);
  }
}

Result<Resource> WriterParents::Take(storage::WriteTxn& txn, const std::string& ri) {
  if (stale_.exchange(false, std::memory_order_acq_rel)) map_.clear();
  if (auto it = map_.find(ri); it != map_.end()) {
    Resource res = std::move(it->second);
    map_.erase(it);
    return res;
  }
  auto rec = txn.Get(ri);
  if (!rec) return Err(rec.error());
  if (!*rec) return Err(Status::NotFound("parent does not exist"));
  return Resource::FromRecord(**rec);
}

void WriterParents::Keep(Resource res) {
  int ty = res.ty();
  if (ty != resources::ty::kContainer && ty != resources::ty::kTimeSeries) return;
  std::string ri(res.ri());
  if (map_.size() >= kCapacity && !map_.contains(ri)) map_.erase(EvictionVictim(map_, eviction_state_));
  map_.insert_or_assign(std::move(ri), std::move(res));
}

std::shared_ptr<const security::CompiledAcp> ResourceCache::FindCompiled(std::string_view path) {
  std::shared_lock lock(mu_);
  const auto* hit = compiled_.Find(path);
  return hit == nullptr ? nullptr : *hit;
}

void ResourceCache::PutCompiled(uint64_t generation_at_read, const std::string& path,
                                std::shared_ptr<const security::CompiledAcp> acp) {
  std::unique_lock lock(mu_);
  if (generation_.load(std::memory_order_acquire) != generation_at_read) return;
  if (compiled_.size() >= capacity_ && !compiled_.contains(path)) {
    compiled_.EraseRandom(eviction_state_, [](const std::string&, const auto&) {});
  }
  compiled_.Set(path, std::move(acp));
}

std::shared_ptr<const security::CompiledAcp> CachedAcpSource::Compiled(const Resource& acp) {
  if (auto hit = d_.cache.FindCompiled(acp.path)) return hit;
  uint64_t gen = d_.cache.generation();
  auto compiled = security::CompiledAcp::Compile(acp.attrs);
  if (!compiled) return nullptr;  // validated on create/update; a stored bad ACP grants nothing
  d_.cache.PutCompiled(gen, acp.path, *compiled);
  return *compiled;
}

std::shared_ptr<const security::CompiledAcp> CachedAcpSource::FindAcp(std::string_view id) {
  auto r = d_.LoadId(id);
  if (!r || !*r || (*r)->ty() != resources::ty::kAcp) return nullptr;
  return Compiled(**r);
}

bool CachedGroupMembership::HoldsRole(std::string_view role_id,
                                      std::string_view originator) const {
  // Roles are few and issued by the operator: a typed query under the CSEBase.
  storage::DiscoveryQuery q;
  q.root_path = d_.opt.self.cse_name;
  q.max_level = 1;
  q.types = {resources::ty::kRole};
  auto roles = d_.store.Discover(q);
  if (!roles) return false;
  TimePoint now = Now();
  for (const auto& rec : *roles) {
    auto role = Resource::FromRecord(rec);
    if (!role) continue;
    const auto& a = role->attrs;
    if (json::GetString(a, "rlid").value_or("") != role_id) continue;
    if (json::GetString(a, "rlhd").value_or("") != originator) continue;
    auto at = [&](const char* key) {
      auto s = json::GetString(a, key);
      return s ? ParseTimestamp(*s) : std::nullopt;
    };
    if (auto vf = at("vf"); vf && *vf > now) continue;
    if (auto vu = at("vu"); vu && *vu <= now) continue;
    return true;
  }
  return false;
}

bool CachedGroupMembership::IsMember(std::string_view group_id,
                                     std::string_view originator) const {
  auto g = d_.LoadId(group_id);
  if (!g || !*g || (*g)->ty() != resources::ty::kGroup) return false;
  const auto* mid = (*g)->attrs.if_contains("mid");
  if (!mid || !mid->is_array()) return false;
  for (const auto& m : mid->get_array()) {
    if (!m.is_string()) continue;
    std::string_view id = m.get_string();
    if (id == originator) return true;
    auto member = d_.LoadId(id);
    if (member && *member && (*member)->ty() == resources::ty::kAe && (*member)->ri() == originator) {
      return true;
    }
  }
  return false;
}

namespace {

Result<std::shared_ptr<const Resource>> Parsed(Result<std::optional<ResourceRecord>> rec) {
  if (!rec) return Err(rec.error());
  if (!*rec) return std::shared_ptr<const Resource>();
  auto res = Resource::FromRecord(**rec);
  if (!res) return Err(res.error());
  return std::make_shared<const Resource>(std::move(*res));
}

}  // namespace

Result<std::shared_ptr<const Resource>> Dispatcher::Impl::LoadPath(std::string_view path) {
  if (auto hit = cache.FindPath(path)) return hit;
  uint64_t gen = cache.generation();
  auto res = Parsed(store.GetByPath(path));
  if (res && *res) cache.Put(gen, *res);
  return res;
}

Result<std::shared_ptr<const Resource>> Dispatcher::Impl::LoadRi(std::string_view ri) {
  if (auto hit = cache.FindRi(ri)) return hit;
  uint64_t gen = cache.generation();
  auto res = Parsed(store.Get(ri));
  if (res && *res) cache.Put(gen, *res);
  return res;
}

Result<std::shared_ptr<const Resource>> Dispatcher::Impl::LoadId(std::string_view id) {
  auto addr = ParseAddress(id, opt.self);
  if (!addr) return Err(addr.error());
  switch (addr->kind) {
    case LocalAddress::Kind::kRemote:
      return std::shared_ptr<const Resource>();
    case LocalAddress::Kind::kUnstructured: {
      auto base = LoadRi(addr->ri);
      if (!base || !*base || addr->path.empty()) return base;
      return LoadPath((*base)->path + "/" + addr->path);
    }
    case LocalAddress::Kind::kStructured:
      return LoadPath(addr->path);
  }
  return std::shared_ptr<const Resource>();
}

Result<Target> Dispatcher::Impl::Resolve(std::string_view to) {
  auto addr = ParseAddress(to, opt.self);
  if (!addr) return Err(addr.error());
  if (addr->kind == LocalAddress::Kind::kRemote) {
    // An IN-CSE that knows no CSE of its own SP by that ID (none registers with this one yet)
    // answers NOT_FOUND (TS-0004 §7.3.2.6). Another SP's CSE would be reached over Mcc', and
    // any other CSE would forward to its registrar: neither is possible here yet.
    if (opt.cse_type == 1 && !addr->ri.starts_with("//")) {
      return Err(Status::NotFound("no CSE with the target's CSE-ID is known to this IN-CSE"));
    }
    return Err(Rsc::kTargetNotReachable, "target is on another CSE; forwarding is not supported");
  }
  std::string path;
  if (addr->kind == LocalAddress::Kind::kUnstructured) {
    auto base = LoadRi(addr->ri);
    if (!base) return Err(base.error());
    if (!*base) return Err(Status::NotFound("resource does not exist"));
    if (addr->path.empty()) return Target{std::move(*base), Target::Virtual::kNone, {}};
    path = (*base)->path + "/" + addr->path;
  } else {
    path = std::move(addr->path);
  }
  // Virtual resources: <container>/la, <container>/ol, <group>/fopt[/…], <pollingChannel>/pcu.
  // No real resource can be named la, ol, fopt or pcu (resourceName rules), so they are
  // recognised before any lookup.
  auto last_slash = path.rfind('/');
  if (last_slash != std::string::npos) {
    std::string_view last = std::string_view(path).substr(last_slash + 1);
    if (last == "pcu") {
      auto parent = LoadPath(std::string_view(path).substr(0, last_slash));
      if (!parent) return Err(parent.error());
      if (*parent && (*parent)->ty() == resources::ty::kPollingChannel) {
        return Target{std::move(*parent), Target::Virtual::kPollingChannelUri, {}};
      }
    }
    if (last == "la" || last == "ol") {
      auto parent = LoadPath(std::string_view(path).substr(0, last_slash));
      if (!parent) return Err(parent.error());
      if (*parent && InstanceTypeOf((*parent)->ty()) != 0) {
        return Target{std::move(*parent),
                      last == "la" ? Target::Virtual::kLatest : Target::Virtual::kOldest,
                      {}};
      }
    }
  }
  for (size_t pos = path.find("/fopt"); pos != std::string::npos; pos = path.find("/fopt", pos + 1)) {
    size_t end = pos + 5;
    if (end != path.size() && path[end] != '/') continue;
    auto group = LoadPath(std::string_view(path).substr(0, pos));
    if (!group) return Err(group.error());
    if (*group && (*group)->ty() == resources::ty::kGroup) {
      return Target{std::move(*group), Target::Virtual::kFanOut,
                    end == path.size() ? "" : path.substr(end + 1)};
    }
    break;
  }
  auto res = LoadPath(path);
  if (!res) return Err(res.error());
  if (*res) return Target{std::move(*res), Target::Virtual::kNone, {}};
  return Err(Status::NotFound("resource does not exist"));
}

std::string Dispatcher::Impl::NormalizeOriginator(std::string_view fr) const {
  // An SP-relative AE-ID of this CSE ("/id-in/Cxyz") is the same originator as "Cxyz".
  const std::string& cse = opt.self.cse_id;
  if (fr.size() > cse.size() + 1 && fr.starts_with(cse) && fr[cse.size()] == '/') {
    return std::string(fr.substr(cse.size() + 1));
  }
  return std::string(fr);
}

std::string Dispatcher::Impl::OwnerAe(const std::string& path) {
  auto first = path.find('/');
  if (first == std::string::npos) return "";
  auto second = path.find('/', first + 1);
  auto ae = LoadPath(second == std::string::npos ? std::string_view(path)
                                                 : std::string_view(path).substr(0, second));
  if (!ae || !*ae || (*ae)->ty() != resources::ty::kAe) return "";
  return std::string((*ae)->ri());  // an AE's resource ID is its AE-ID-Stem
}

bool Dispatcher::Impl::IsRegisteredAe(std::string_view originator) {
  if (originator.empty()) return false;
  auto ae = LoadRi(originator);
  return ae && *ae && (*ae)->ty() == resources::ty::kAe;
}

}  // namespace trustcse::dispatcher
