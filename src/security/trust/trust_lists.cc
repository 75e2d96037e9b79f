#include "security/trust/trust_lists.h"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "primitive/json_util.h"
#include "security/trust/identifiers.h"

namespace trustcse::security::trust {

namespace bj = boost::json;

// The first `bits` of `a` (16-byte form), the rest cleared.
std::array<uint8_t, 16> Mask(const std::array<uint8_t, 16>& a, int bits) {
  std::array<uint8_t, 16> out{};
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    out[i] = bits >= 8 ? a[i] : static_cast<uint8_t>(a[i] & (0xff << (8 - bits)));
  }
  return out;
}

// "10.1.0.0/16" → (112, masked bytes); nullopt if malformed.
std::optional<std::pair<int, std::array<uint8_t, 16>>> ParsePrefix(std::string_view text) {
  size_t slash = text.find('/');
  auto addr = IpAddress::Parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  int len = addr->v4 ? 32 : 128;
  if (slash != std::string_view::npos) {
    std::string_view n = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), len);
    if (ec != std::errc() || end != n.data() + n.size() || len < 0 || len > (addr->v4 ? 32 : 128)) {
      return std::nullopt;
    }
  }
  int bits = addr->v4 ? 96 + len : len;
  return std::pair{bits, Mask(addr->bytes, bits)};
}

namespace {

std::string Str(const bj::object& o, std::string_view k) {
  return std::string(json::GetString(o, k).value_or(""));
}

constexpr std::string_view kKindNames[] = {"imei", "imsi", "iccid", "credential", "ae", "prefix"};

// The index of `kind` in kKindNames; kKindNames' size if unknown.
size_t KindIndex(std::string_view kind) {
  return static_cast<size_t>(std::find(std::begin(kKindNames), std::end(kKindNames), kind) -
                             std::begin(kKindNames));
}

Result<std::string> Normalise(std::string_view kind, std::string_view value) {
  if (value.empty() || value.size() > 256)
    return Err(Status::BadRequest("value has 1 to 256 characters"));
  if (kind == "imei") return ValidateImei(value);
  if (kind == "iccid") return ValidateIccid(value);
  if (kind == "imsi") {
    auto i = ValidateImsi(value);
    if (!i) return Err(i.error());
    return i->imsi;
  }
  if (kind == "prefix") return NormalisePrefix(value);
  if (kind == "credential" || kind == "ae") return std::string(value);
  return Err(Status::BadRequest("kind is imei, imsi, iccid, credential, ae or prefix"));
}

}  // namespace

void ListEntry::SetExpiry() {
  expires_at = TimePoint::max();
  if (expires.empty()) return;
  auto t = ParseTimestamp(expires);
  // Unreadable: as if expired now (an entry that cannot say until when does not hold forever).
  expires_at = t ? *t : TimePoint::min();
}

TrustLists::PrefixKey TrustLists::KeyOf(int bits, const std::array<uint8_t, 16>& masked) {
  PrefixKey k{};
  k[0] = static_cast<uint8_t>(bits);
  std::copy(masked.begin(), masked.end(), k.begin() + 1);
  return k;
}

bj::object ToJson(const ListEntry& e) {
  bj::object o{{"list", e.list},   {"kind", e.kind}, {"value", e.value},    {"reason", e.reason},
               {"owner", e.owner}, {"by", e.by},     {"created", e.created}};
  if (!e.mode.empty()) o["mode"] = e.mode;
  if (!e.expires.empty()) o["expires"] = e.expires;
  if (e.override_critical) o["override"] = true;
  return o;
}

Result<std::string> NormalisePrefix(std::string_view text) {
  auto p = ParsePrefix(text);
  if (!p) return Err(Status::BadRequest("a prefix is an address and a length, e.g. 10.1.0.0/16"));
  auto [bits, masked] = *p;
  char buf[INET6_ADDRSTRLEN] = {};
  bool v4 = IpAddress::Parse(text.substr(0, text.find('/')))->v4;
  if (v4)
    ::inet_ntop(AF_INET, masked.data() + 12, buf, sizeof buf);
  else
    ::inet_ntop(AF_INET6, masked.data(), buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(v4 ? bits - 96 : bits);
}

Status TrustLists::Load() {
  auto objects = store_.ListObjects(kKind);
  if (!objects) return objects.error();
  std::unique_lock lock(mu_);
  filter_.Reset(std::max<size_t>(1024, 2 * objects->size()));  // sized once, not regrown
  const TimePoint now = Now();
  for (const auto& o : *objects) {
    auto v = json::Parse(o.body);
    if (!v || !v->is_object())
      return Status::Internal("stored list entry " + o.id + " is not JSON");
    const auto& b = v->get_object();
    ListEntry e{Str(b, "list"),    Str(b, "kind"),
                Str(b, "value"),   Str(b, "mode"),
                Str(b, "reason"),  Str(b, "owner"),
                Str(b, "by"),      Str(b, "created"),
                Str(b, "expires"), json::GetBool(b, "override").value_or(false)};
    e.SetExpiry();
    if (e.Expired(now) || KindIndex(e.kind) >= kKinds) continue;
    IndexLocked(std::make_shared<const ListEntry>(std::move(e)));
  }
  if (size_.load() > 0) spdlog::info("trust centre: {} black- and greylist entries", size_.load());
  return Status::Ok();
}

void TrustLists::IndexLocked(std::shared_ptr<const ListEntry> e) {
  const size_t k = KindIndex(e->kind);
  if (k >= kKinds) return;
  UnindexLocked(e->kind, e->value);
  if (e->kind == "prefix") {
    auto p = ParsePrefix(e->value);
    if (!p) return;
    ++prefix_lengths_[p->first];
    const PrefixKey key = KeyOf(p->first, p->second);
    FilterLocked(kKinds, std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
    by_prefix_[key] = e;
  }
  std::string value = e->value;
  FilterLocked(k, value);
  by_kind_[k].insert_or_assign(std::move(value), std::move(e));
  size_.fetch_add(1, std::memory_order_release);
}

void TrustLists::UnindexLocked(std::string_view kind, std::string_view value) {
  const size_t k = KindIndex(kind);
  if (k >= kKinds) return;
  auto it = by_kind_[k].find(value);
  if (it == by_kind_[k].end()) return;
  if (it->second->kind == "prefix") {
    if (auto p = ParsePrefix(it->second->value)) {
      by_prefix_.erase(KeyOf(p->first, p->second));
      if (auto l = prefix_lengths_.find(p->first); l != prefix_lengths_.end() && --l->second == 0) {
        prefix_lengths_.erase(l);
      }
    }
  }
  by_kind_[k].erase(it);
  size_.fetch_sub(1, std::memory_order_release);
}

uint64_t TrustLists::KeyHash(size_t kind, std::string_view value) {
  return std::hash<std::string_view>{}(value) ^ ((kind + 1) * 0x9e3779b97f4a7c15ULL);
}

BlockedBloom TrustLists::RebuiltFilter(size_t capacity) const {
  BlockedBloom f(std::max<size_t>(1024, capacity));
  for (size_t k = 0; k < kKinds; ++k) {
    for (const auto& [v, e] : by_kind_[k]) f.Insert(KeyHash(k, v));
  }
  for (const auto& [key, e] : by_prefix_) {
    f.Insert(KeyHash(kKinds,
                     std::string_view(reinterpret_cast<const char*>(key.data()), key.size())));
  }
  return f;
}

void TrustLists::FilterLocked(size_t kind, std::string_view value) {
  // Full (Add grows it beforehand; this is the fallback): twice as large, from the maps.
  const size_t n = size_.load(std::memory_order_relaxed) + 1;
  if (n > filter_.capacity()) filter_ = RebuiltFilter(2 * n);
  filter_.Insert(KeyHash(kind, value));
}

std::shared_ptr<const ListEntry> TrustLists::FindLocked(std::string_view kind,
                                                        std::string_view value) const {
  const size_t k = KindIndex(kind);
  if (k >= kKinds) return nullptr;
  auto it = by_kind_[k].find(value);
  return it == by_kind_[k].end() ? nullptr : it->second;
}

std::shared_ptr<const ListEntry> TrustLists::Match(const Identities& ids, TimePoint now) const {
  std::shared_ptr<const ListEntry> found;
  auto consider = [&](const std::shared_ptr<const ListEntry>& e) {
    if (!e || e->Expired(now)) return;
    if (!found || (e->list == "black" && found->list != "black")) found = e;
  };
  std::shared_lock lock(mu_);
  if (size_.load(std::memory_order_relaxed) == 0) return nullptr;
  // kKindNames' order: imei, imsi, iccid, credential, ae.
  const std::string_view values[] = {ids.imei, ids.imsi, ids.iccid, ids.credential, ids.ae};
  for (size_t k = 0; k < std::size(values); ++k) {
    if (values[k].empty() || by_kind_[k].empty()) continue;
    if (!filter_.MayContain(KeyHash(k, values[k]))) continue;
    if (auto it = by_kind_[k].find(values[k]); it != by_kind_[k].end()) consider(it->second);
  }
  if (ids.source && !prefix_lengths_.empty()) {
    for (const auto& [bits, count] : prefix_lengths_) {
      const PrefixKey key = KeyOf(bits, Mask(ids.source->bytes, bits));
      if (!filter_.MayContain(KeyHash(
              kKinds, std::string_view(reinterpret_cast<const char*>(key.data()), key.size())))) {
        continue;
      }
      if (auto it = by_prefix_.find(key);
          it != by_prefix_.end()) {
        consider(it->second);
      }
    }
  }
  return found;
}

Result<ListEntry> TrustLists::Add(const bj::object& f, std::string_view by) {
  for (const auto& kv : f) {
    static constexpr std::string_view kKnown[] = {
        "list", "kind", "value", "reason", "owner", "expires", "mode", "override", "ttl_seconds"};
    if (std::find(std::begin(kKnown), std::end(kKnown), kv.key()) == std::end(kKnown)) {
      return Err(Status::BadRequest("unknown list field " + std::string(kv.key())));
    }
  }
  ListEntry e;
  e.list = Str(f, "list");
  if (e.list != "black" && e.list != "grey")
    return Err(Status::BadRequest("list is black or grey"));
  e.kind = Str(f, "kind");
  auto value = Normalise(e.kind, Str(f, "value"));
  if (!value) return Err(value.error());
  e.value = std::move(*value);
  e.reason = Str(f, "reason");
  if (e.reason.empty()) return Err(Status::BadRequest("say why: a reason is required"));
  e.owner = Str(f, "owner");
  e.mode = Str(f, "mode");
  if (e.list == "grey") {
    if (e.mode.empty()) e.mode = "suspend";
    if (e.mode != "suspend" && e.mode != "read-only") {
      return Err(Status::BadRequest("a greylist mode is suspend or read-only"));
    }
  } else if (!e.mode.empty()) {
    return Err(Status::BadRequest("a blacklist entry has no mode: it refuses everything"));
  }
  e.override_critical = json::GetBool(f, "override").value_or(false);
  const TimePoint now = Now();
  if (auto ttl = json::GetInt(f, "ttl_seconds")) {
    if (*ttl < 1) return Err(Status::BadRequest("ttl_seconds must be positive"));
    e.expires = FormatTimestamp(now + std::chrono::seconds(*ttl));
  } else if (std::string x = Str(f, "expires"); !x.empty()) {
    auto t = ParseTimestamp(x);
    if (!t || *t <= now) return Err(Status::BadRequest("expires is a future timestamp"));
    e.expires = FormatTimestamp(*t);
  }
  e.SetExpiry();
  e.by = std::string(by);
  e.created = FormatTimestamp(now);
  std::lock_guard change(change_mu_);
  Status s = store_.SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
    return txn.PutObject(kKind, e.key(), json::Serialize(ToJson(e)));
  });
  if (!s.ok()) return Err(s);
  std::optional<BlockedBloom> grown;  // built under the shared lock: lookups go on meanwhile
  {
    std::shared_lock lock(mu_);
    const size_t n = size_.load(std::memory_order_relaxed) + 2;  // a prefix adds two keys
    if (n > filter_.capacity()) grown = RebuiltFilter(2 * n);
  }
  {
    std::unique_lock lock(mu_);
    if (grown) filter_ = std::move(*grown);
    IndexLocked(std::make_shared<const ListEntry>(e));
  }
  if (e.list == "black" && closer_) {
    // Its live sessions end now, on every binding that keeps sessions.
    if (e.kind == "credential") closer_(e.value);
    if (e.kind != "credential" && e.kind != "prefix" && credentials_of_) {
      for (const auto& c : credentials_of_(e.kind, e.value)) closer_(c);
    }
  }
  return e;
}

Result<ListEntry> TrustLists::Remove(std::string_view kind, std::string_view value) {
  auto normal = Normalise(kind, value);
  if (!normal) return Err(normal.error());
  std::string key = std::string(kind) + ":" + *normal;
  std::lock_guard change(change_mu_);
  std::shared_ptr<const ListEntry> cur;
  {
    std::shared_lock lock(mu_);
    cur = FindLocked(kind, *normal);
  }
  if (!cur) return Err(Status::NotFound(key + " is not listed"));
  Status s = store_.SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
    auto r = txn.DeleteObject(kKind, key);
    return r ? Status::Ok() : r.error();
  });
  if (!s.ok()) return Err(s);
  std::unique_lock lock(mu_);
  UnindexLocked(kind, *normal);
  return *cur;
}

std::vector<ListEntry> TrustLists::Entries(std::string_view list, size_t limit) const {
  std::vector<ListEntry> out;
  std::shared_lock lock(mu_);
  for (const auto& map : by_kind_) {
    for (const auto& [value, e] : map) {
      if (out.size() >= limit) break;
      if (list.empty() || e->list == list) out.push_back(*e);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const ListEntry& a, const ListEntry& b) { return a.key() < b.key(); });
  return out;
}

}  // namespace trustcse::security::trust
