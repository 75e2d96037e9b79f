#include "security/credentials/credential_registry.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>

#include <boost/json.hpp>

#include "primitive/json_util.h"

namespace trustcse::security {

namespace bj = boost::json;

namespace {

std::string_view UseName(CredentialUse u) {
  return u == CredentialUse::kBootstrap ? "bootstrap" : "operational";
}

std::optional<CredentialKind> KindFromName(std::string_view s) {
  if (s == "psk") return CredentialKind::kPsk;
  if (s == "certificate") return CredentialKind::kCertificate;
  if (s == "pinned-key") return CredentialKind::kPinnedKey;
  return std::nullopt;
}

}  // namespace

const char* CredentialKindName(CredentialKind k) {
  switch (k) {
    case CredentialKind::kPsk: return "psk";
    case CredentialKind::kCertificate: return "certificate";
    case CredentialKind::kPinnedKey: return "pinned-key";
  }
  return "?";
}

bool Credential::Active(TimePoint now) const {
  return revoked.empty() && (expires.empty() || FormatTimestamp(now) < expires);
}

bool Credential::MayActAs(std::string_view originator) const {
  return std::find(ids.begin(), ids.end(), originator) != ids.end();
}

std::string PskPurpose(std::string_view credential_id) {
  return "psk:" + std::string(credential_id);
}

Status ValidateCredentialId(std::string_view id) {
  if (id.empty() || id.size() > 128) return Status::BadRequest("credential ID must be 1-128 characters");
  for (char c : id) {
    if (c <= ' ' || c > '~') {
      return Status::BadRequest("credential ID must be printable ASCII without spaces");
    }
  }
  return Status::Ok();
}

std::string CredentialToJson(const Credential& c) {
  bj::object o;
  o["kind"] = CredentialKindName(c.kind);
  o["use"] = UseName(c.use);
  bj::array ids;
  for (const auto& i : c.ids) ids.emplace_back(i);
  o["ids"] = std::move(ids);
  if (!c.sealed_secret.empty()) o["secret"] = c.sealed_secret;
  o["created"] = c.created;
  if (!c.expires.empty()) o["expires"] = c.expires;
  if (!c.revoked.empty()) o["revoked"] = c.revoked;
  if (!c.reason.empty()) o["reason"] = c.reason;
  if (!c.replaces.empty()) o["replaces"] = c.replaces;
  if (!c.note.empty()) o["note"] = c.note;
  if (!c.attested.empty()) o["attested"] = c.attested;
  if (!c.evidence.empty()) o["evidence"] = c.evidence;
  if (!c.imei.empty()) o["imei"] = c.imei;
  if (!c.imsi.empty()) o["imsi"] = c.imsi;
  if (!c.iccid.empty()) o["iccid"] = c.iccid;
  return json::Serialize(o);
}

Result<Credential> CredentialFromJson(std::string_view id, std::string_view body) {
  auto v = json::Parse(body);
  if (!v || !v->is_object()) return Err(Status::Internal("stored credential is not a JSON object"));
  const auto& o = v->get_object();
  Credential c;
  c.id = std::string(id);
  auto kind = KindFromName(json::GetString(o, "kind").value_or(""));
  if (!kind) return Err(Status::Internal("stored credential has an unknown kind"));
  c.kind = *kind;
  c.use = json::GetString(o, "use").value_or("") == "bootstrap" ? CredentialUse::kBootstrap
                                                                 : CredentialUse::kOperational;
  if (const auto* ids = o.if_contains("ids"); ids && ids->is_array()) {
    for (const auto& i : ids->get_array()) {
      if (i.is_string()) c.ids.emplace_back(i.get_string());
    }
  }
  auto str = [&](std::string_view k) { return std::string(json::GetString(o, k).value_or("")); };
  c.sealed_secret = str("secret");
  c.created = str("created");
  c.expires = str("expires");
  c.revoked = str("revoked");
  c.reason = str("reason");
  c.replaces = str("replaces");
  c.note = str("note");
  c.attested = str("attested");
  c.evidence = str("evidence");
  c.imei = str("imei");
  c.imsi = str("imsi");
  c.iccid = str("iccid");
  return c;
}

CredentialRegistry::CredentialRegistry(storage::Store& store, std::shared_ptr<const KeyStore> keys)
    : store_(store), keys_(std::move(keys)) {}

Status CredentialRegistry::Load() {
  auto all = store_.ListObjects(kObjectKind);
  if (!all) return all.error();
  std::unique_lock lock(mu_);
  by_id_.clear();
  owner_.clear();
  for (const auto& obj : *all) {
    auto c = CredentialFromJson(obj.id, obj.body);
    if (!c) {
      spdlog::error("credentials: stored credential {} is unreadable; ignored", obj.id);
      continue;
    }
    IndexLocked(std::make_shared<const Credential>(std::move(*c)));
  }
  spdlog::info("credentials: {} loaded", by_id_.size());
  return Status::Ok();
}

void CredentialRegistry::IndexLocked(std::shared_ptr<const Credential> c) {
  if (auto old = by_id_.find(c->id); old != by_id_.end()) {
    for (const auto& o : old->second->ids) {
      auto [b, e] = owner_.equal_range(o);
      for (auto it = b; it != e; ++it) {
        if (it->second == c->id) {
          owner_.erase(it);
          break;
        }
      }
    }
  }
  // Bootstrap credentials reserve the IDs their device will enrol as: no other credential may
  // register under them meanwhile (ChannelBinding refuses bootstrap credentials themselves).
  if (c->revoked.empty()) {
    for (const auto& o : c->ids) owner_.emplace(o, c->id);
  }
  by_id_[c->id] = std::move(c);
}

std::shared_ptr<const Credential> CredentialRegistry::Find(std::string_view id) const {
  std::shared_lock lock(mu_);
  auto it = by_id_.find(std::string(id));
  return it == by_id_.end() ? nullptr : it->second;
}

std::string CredentialRegistry::BoundTo(std::string_view originator) const {
  const std::string key(originator);
  std::shared_lock lock(mu_);
  if (auto it = owner_.find(key); it != owner_.end()) return it->second;
  if (reserved_.empty()) return {};
  const TimePoint now = Now();
  auto [b, e] = reserved_.equal_range(key);
  for (auto it = b; it != e; ++it) {
    if (it->second.until > now) return it->second.holder;
  }
  return {};
}

std::vector<std::string> CredentialRegistry::CredentialsOf(std::string_view originator) const {
  std::vector<std::string> out;
  const TimePoint now = Now();
  std::shared_lock lock(mu_);
  auto [b, e] = owner_.equal_range(std::string(originator));
  for (auto it = b; it != e; ++it) {
    auto c = by_id_.find(it->second);
    if (c != by_id_.end() && c->second->Active(now)) out.push_back(it->second);
  }
  return out;
}

void CredentialRegistry::Reserve(const std::string& holder, const std::vector<std::string>& ids,
                                 TimePoint until) {
  std::unique_lock lock(mu_);
  for (const auto& id : ids) reserved_.emplace(id, Reservation{holder, until});
}

void CredentialRegistry::Release(std::string_view holder) {
  std::unique_lock lock(mu_);
  const TimePoint now = Now();
  for (auto it = reserved_.begin(); it != reserved_.end();) {
    // Expired reservations go with any release: the map stays as small as what is outstanding.
    it = it->second.holder == holder || it->second.until <= now ? reserved_.erase(it) : ++it;
  }
}

Result<crypto::Secret> CredentialRegistry::Psk(std::string_view identity, TimePoint now) const {
  auto c = Find(identity);
  if (!c || c->kind != CredentialKind::kPsk || !c->Active(now) || c->sealed_secret.empty()) {
    return Err(Status(Rsc::kOriginatorNotAuthenticated, "unknown or inactive PSK identity"));
  }
  return keys_->Unseal(c->sealed_secret, PskPurpose(c->id));
}

std::vector<Credential> CredentialRegistry::List() const {
  std::vector<Credential> out;
  {
    std::shared_lock lock(mu_);
    out.reserve(by_id_.size());
    for (const auto& [id, c] : by_id_) out.push_back(*c);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

Result<std::optional<Credential>> CredentialRegistry::ReadInWrite(storage::WriteTxn& txn,
                                                                  std::string_view id) {
  auto body = txn.GetObject(kObjectKind, id);
  if (!body) return Err(body.error());
  if (!*body) return std::optional<Credential>();
  auto c = CredentialFromJson(id, **body);
  if (!c) return Err(c.error());
  return std::optional<Credential>(std::move(*c));
}

Status CredentialRegistry::WriteInWrite(storage::WriteTxn& txn, const Credential& c) {
  return txn.PutObject(kObjectKind, c.id, CredentialToJson(c));
}

Result<Credential> CredentialRegistry::BindInWrite(storage::WriteTxn& txn, std::string_view id,
                                                   std::string_view originator,
                                                   TimePoint now) const {
  auto c = ReadInWrite(txn, id);
  if (!c) return Err(c.error());
  if (!*c || !(*c)->Active(now)) {
    return Err(Status(Rsc::kOriginatorNotAuthenticated, "credential is not active"));
  }
  if (!(*c)->MayActAs(originator)) {
    (*c)->ids.emplace_back(originator);
    if (Status s = WriteInWrite(txn, **c); !s.ok()) return Err(s);
  }
  return std::move(**c);
}

void CredentialRegistry::Apply(Credential c, bool notify) {
  const bool revoked = !c.revoked.empty();
  std::string id = c.id;
  std::vector<RevocationListener> listeners;
  bool is_new = false, newly_revoked = false;
  std::string ids, reason = c.reason;
  for (const auto& i : c.ids) ids.append(ids.empty() ? "" : ",").append(i);
  {
    std::unique_lock lock(mu_);
    auto old = by_id_.find(id);
    is_new = old == by_id_.end();
    newly_revoked = revoked && (is_new || old->second->revoked.empty());
    IndexLocked(std::make_shared<const Credential>(std::move(c)));
    if (newly_revoked && notify) listeners = listeners_;
  }
  if (is_new && !revoked) {
    events::Emit(events_.get(), events::Kind::kCredentialIssued, "credentials", ids, id, "issue");
  }
  if (newly_revoked) {
    events::Emit(events_.get(), events::Kind::kCredentialRevoked, "credentials", ids, id,
                 "revoke", reason);
  }
  for (const auto& l : listeners) l(id);
}

void CredentialRegistry::AddRevocationListener(RevocationListener listener) {
  std::unique_lock lock(mu_);
  listeners_.push_back(std::move(listener));
}

Status CredentialRegistry::Add(Credential c, const crypto::Secret* psk) {
  if (Status s = ValidateCredentialId(c.id); !s.ok()) return s;
  if (c.kind == CredentialKind::kPsk) {
    if (psk == nullptr || psk->size() < 16) {
      return Status::BadRequest("a pre-shared key must hold at least 16 bytes");
    }
    auto sealed = keys_->Seal(psk->view(), PskPurpose(c.id));
    if (!sealed) return sealed.error();
    c.sealed_secret = std::move(*sealed);
  }
  if (c.created.empty()) c.created = FormatTimestamp(Now());
  auto stored = std::make_shared<Credential>(std::move(c));
  Status s = store_.SubmitAndWait([stored](storage::WriteTxn& txn) -> Status {
    auto existing = ReadInWrite(txn, stored->id);
    if (!existing) return existing.error();
    if (*existing) return Status::Conflict("a credential with this ID exists");
    return WriteInWrite(txn, *stored);
  });
  if (!s.ok()) return s;
  Apply(std::move(*stored));
  return Status::Ok();
}

Result<Credential> CredentialRegistry::Change(std::string_view id,
                                              const std::function<Status(Credential&)>& edit,
                                              bool notify) {
  auto out = std::make_shared<Credential>();
  std::string key(id);
  Status s = store_.SubmitAndWait([&, out](storage::WriteTxn& txn) -> Status {
    auto c = ReadInWrite(txn, key);
    if (!c) return c.error();
    if (!*c) return Status::NotFound("no such credential");
    *out = std::move(**c);
    if (Status e = edit(*out); !e.ok()) return e;
    return WriteInWrite(txn, *out);
  });
  if (!s.ok()) return Err(s);
  Apply(*out, notify);
  return *out;
}

Result<Credential> CredentialRegistry::Revoke(std::string_view id, std::string reason) {
  return Change(id, [&](Credential& c) {
    if (c.revoked.empty()) {
      c.revoked = FormatTimestamp(Now());
      c.reason = reason.empty() ? "revoked by the operator" : reason;
    }
    return Status::Ok();
  });
}

Result<Credential> CredentialRegistry::Attest(std::string_view id, std::string evidence,
                                              const Credential& held_in) {
  if (evidence.empty()) {
    return Err(Status::BadRequest("say what was checked: the attestation evidence is required"));
  }
  return Change(
      id,
      [&](Credential& c) {
        if (c.kind == CredentialKind::kPsk) {
          return Status::BadRequest("a pre-shared key is held by the CSE too: only a certificate "
                                    "or pinned key can be hardware-protected");
        }
        c.attested = FormatTimestamp(Now());
        c.evidence = evidence;
        if (!held_in.imei.empty()) c.imei = held_in.imei;
        if (!held_in.imsi.empty()) c.imsi = held_in.imsi;
        if (!held_in.iccid.empty()) c.iccid = held_in.iccid;
        return Status::Ok();
      },
      /*notify=*/false);
}

}  // namespace trustcse::security
