#include "security/trust/trust_lists.h"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

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

std::string PrefixKey(int bits, const std::array<uint8_t, 16>& masked) {
  std::string k(1, static_cast<char>(bits));
  k.append(reinterpret_cast<const char*>(masked.data()), masked.size());
  return k;
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

bool ListEntry::Expired(TimePoint now) const {
  if (expires.empty()) return false;
  auto t = ParseTimestamp(expires);
  return t && *t <= now;
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
    if (e.Expired(now)) continue;
    IndexLocked(std::make_shared<const ListEntry>(std::move(e)));
  }
  if (!by_key_.empty() || !by_prefix_.empty()) {
    spdlog::info("trust centre: {} black- and greylist entries",
                 by_key_.size() + by_prefix_.size());
  }
  return Status::Ok();
}

void TrustLists::IndexLocked(std::shared_ptr<const ListEntry> e) {
  UnindexLocked(e->key());
  if (e->kind == "prefix") {
    auto p = ParsePrefix(e->value);
    if (!p) return;
    prefix_lengths_.insert(p->first);
    by_prefix_[PrefixKey(p->first, p->second)] = e;
  }
  by_key_[e->key()] = std::move(e);
  size_.store(by_key_.size(), std::memory_order_release);
}

void TrustLists::UnindexLocked(const std::string& key) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return;
  if (it->second->kind == "prefix") {
    if (auto p = ParsePrefix(it->second->value)) {
      by_prefix_.erase(PrefixKey(p->first, p->second));
      if (auto l = prefix_lengths_.find(p->first); l != prefix_lengths_.end()) {
        prefix_lengths_.erase(l);
      }
    }
  }
  by_key_.erase(it);
  size_.store(by_key_.size(), std::memory_order_release);
}

std::shared_ptr<const ListEntry> TrustLists::Match(const Identities& ids, TimePoint now) const {
  std::shared_ptr<const ListEntry> found;
  auto consider = [&](const std::shared_ptr<const ListEntry>& e) {
    if (!e || e->Expired(now)) return;
    if (!found || (e->list == "black" && found->list != "black")) found = e;
  };
  std::shared_lock lock(mu_);
  if (by_key_.empty()) return nullptr;
  std::string key;
  for (auto [kind, value] : {std::pair{std::string_view("ae:"), ids.ae},
                             {"credential:", ids.credential},
                             {"imei:", ids.imei},
                             {"imsi:", ids.imsi},
                             {"iccid:", ids.iccid}}) {
    if (value.empty()) continue;
    key.assign(kind).append(value);
    if (auto it = by_key_.find(key); it != by_key_.end()) consider(it->second);
  }
  if (ids.source && !prefix_lengths_.empty()) {
    int last = -1;
    for (int bits : prefix_lengths_) {
      if (bits == last) continue;
      last = bits;
      if (auto it = by_prefix_.find(PrefixKey(bits, Mask(ids.source->bytes, bits)));
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
  e.by = std::string(by);
  e.created = FormatTimestamp(now);
  std::lock_guard change(change_mu_);
  Status s = store_.SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
    return txn.PutObject(kKind, e.key(), json::Serialize(ToJson(e)));
  });
  if (!s.ok()) return Err(s);
  {
    std::unique_lock lock(mu_);
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
    if (auto it = by_key_.find(key); it != by_key_.end()) cur = it->second;
  }
  if (!cur) return Err(Status::NotFound(key + " is not listed"));
  Status s = store_.SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
    auto r = txn.DeleteObject(kKind, key);
    return r ? Status::Ok() : r.error();
  });
  if (!s.ok()) return Err(s);
  std::unique_lock lock(mu_);
  UnindexLocked(key);
  return *cur;
}

std::vector<ListEntry> TrustLists::Entries(std::string_view list, size_t limit) const {
  std::vector<ListEntry> out;
  std::shared_lock lock(mu_);
  for (const auto& [key, e] : by_key_) {
    if (out.size() >= limit) break;
    if (list.empty() || e->list == list) out.push_back(*e);
  }
  std::sort(out.begin(), out.end(),
            [](const ListEntry& a, const ListEntry& b) { return a.key() < b.key(); });
  return out;
}

}  // namespace trustcse::security::trust
