// Address resolution and the lookups the security chain needs.
#include <mutex>

#include "dispatcher/internal.h"

namespace trustcse::dispatcher {

using resources::Resource;
using storage::ResourceRecord;

std::optional<Resource> AcpCache::FindAcp(std::string_view id) {
  {
    std::shared_lock lock(mu_);
    if (auto it = cache_.find(std::string(id)); it != cache_.end()) return it->second;
  }
  uint64_t gen = generation_.load(std::memory_order_acquire);
  auto addr = ParseAddress(id, self_);
  if (!addr) return std::nullopt;
  Result<std::optional<ResourceRecord>> rec = std::optional<ResourceRecord>();
  if (addr->kind == LocalAddress::Kind::kStructured) {
    rec = store_.GetByPath(addr->path);
  } else if (addr->kind == LocalAddress::Kind::kUnstructured && addr->path.empty()) {
    rec = store_.Get(addr->ri);
  }
  if (!rec || !*rec || (*rec)->ty != resources::ty::kAcp) return std::nullopt;
  auto res = Resource::FromRecord(**rec);
  if (!res) return std::nullopt;
  std::unique_lock lock(mu_);
  if (generation_.load(std::memory_order_acquire) == gen) cache_.emplace(std::string(id), *res);
  return std::move(*res);
}

void AcpCache::Invalidate() {
  std::unique_lock lock(mu_);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  cache_.clear();
}

Result<std::optional<ResourceRecord>> Dispatcher::Impl::LoadByAddress(std::string_view id) {
  auto addr = ParseAddress(id, opt.self);
  if (!addr) return Err(addr.error());
  switch (addr->kind) {
    case LocalAddress::Kind::kRemote:
      return std::optional<ResourceRecord>();
    case LocalAddress::Kind::kUnstructured: {
      if (addr->path.empty()) return store.Get(addr->ri);
      auto base = store.Get(addr->ri);
      if (!base || !*base) return base;
      return store.GetByPath((*base)->path + "/" + addr->path);
    }
    case LocalAddress::Kind::kStructured:
      return store.GetByPath(addr->path);
  }
  return std::optional<ResourceRecord>();
}

Result<Target> Dispatcher::Impl::Resolve(std::string_view to) {
  auto addr = ParseAddress(to, opt.self);
  if (!addr) return Err(addr.error());
  if (addr->kind == LocalAddress::Kind::kRemote) {
    return Err(Rsc::kTargetNotReachable, "target is on another CSE; forwarding is not supported");
  }
  std::string path;
  if (addr->kind == LocalAddress::Kind::kUnstructured) {
    auto base = store.Get(addr->ri);
    if (!base) return Err(base.error());
    if (!*base) return Err(Status::NotFound("resource does not exist"));
    if (addr->path.empty()) {
      auto res = Resource::FromRecord(**base);
      if (!res) return Err(res.error());
      return Target{std::move(*res), Target::Virtual::kNone, {}};
    }
    path = (*base)->path + "/" + addr->path;
  } else {
    path = std::move(addr->path);
  }
  auto rec = store.GetByPath(path);
  if (!rec) return Err(rec.error());
  if (*rec) {
    auto res = Resource::FromRecord(**rec);
    if (!res) return Err(res.error());
    return Target{std::move(*res), Target::Virtual::kNone, {}};
  }
  // Virtual resources: <container>/la, <container>/ol, <group>/fopt[/…].
  auto last_slash = path.rfind('/');
  if (last_slash != std::string::npos) {
    std::string_view last = std::string_view(path).substr(last_slash + 1);
    if (last == "la" || last == "ol") {
      auto parent = store.GetByPath(path.substr(0, last_slash));
      if (!parent) return Err(parent.error());
      if (*parent && ((*parent)->ty == resources::ty::kContainer ||
                      (*parent)->ty == resources::ty::kTimeSeries)) {
        auto res = Resource::FromRecord(**parent);
        if (!res) return Err(res.error());
        return Target{std::move(*res), last == "la" ? Target::Virtual::kLatest
                                                    : Target::Virtual::kOldest,
                      {}};
      }
    }
  }
  for (size_t pos = path.find("/fopt"); pos != std::string::npos; pos = path.find("/fopt", pos + 1)) {
    size_t end = pos + 5;
    if (end != path.size() && path[end] != '/') continue;
    auto group = store.GetByPath(path.substr(0, pos));
    if (!group) return Err(group.error());
    if (*group && (*group)->ty == resources::ty::kGroup) {
      auto res = Resource::FromRecord(**group);
      if (!res) return Err(res.error());
      return Target{std::move(*res), Target::Virtual::kFanOut,
                    end == path.size() ? "" : path.substr(end + 1)};
    }
    break;
  }
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
  auto rec = store.GetByPath(second == std::string::npos ? path : path.substr(0, second));
  if (!rec || !*rec || (*rec)->ty != resources::ty::kAe) return "";
  return (*rec)->ri;  // an AE's resource ID is its AE-ID-Stem
}

bool Dispatcher::Impl::IsRegisteredAe(std::string_view originator) {
  if (originator.empty()) return false;
  auto rec = store.Get(originator);
  return rec && *rec && (*rec)->ty == resources::ty::kAe;
}

}  // namespace trustcse::dispatcher
