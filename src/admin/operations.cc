#include "admin/operations.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "primitive/json_util.h"
#include "security/crypto/crypto.h"
#include "security/trust/identifiers.h"
#include "tls/server_context.h"

namespace trustcse::admin {

namespace bj = boost::json;
namespace crypto = security::crypto;

namespace {

Status Bad(std::string m) { return Status::BadRequest(std::move(m)); }

std::string Str(const bj::object& a, std::string_view k) {
  return std::string(json::GetString(a, k).value_or(""));
}

Result<std::vector<std::string>> Strings(const bj::object& a, std::string_view k) {
  std::vector<std::string> out;
  const bj::value* v = a.if_contains(k);
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) return Err(Bad(std::string(k) + " must be a list of strings"));
  for (const auto& e : v->get_array()) {
    if (!e.is_string()) return Err(Bad(std::string(k) + " must be a list of strings"));
    out.emplace_back(e.get_string());
  }
  return out;
}

Result<std::chrono::hours> Days(const bj::object& a, int64_t fallback) {
  int64_t d = json::GetInt(a, "days").value_or(fallback);
  if (a.contains("days") && !json::GetInt(a, "days")) return Err(Bad("days must be a number"));
  if (d < 1 || d > 3650) return Err(Bad("days must be between 1 and 3650"));
  return std::chrono::hours(24 * d);
}

Status NeedCa(const std::shared_ptr<security::CertificateAuthority>& ca) {
  if (!ca) return Status::NotFound("no certificate authority is configured");
  return Status::Ok();
}

bj::object Issued(const security::IssuedCertificate& c) {
  bj::object o{{"serial", c.serial},
               {"credential", c.credential_id},
               {"certificate", c.certificate_pem},
               {"not_after", c.not_after}};
  if (!c.key_pem.empty()) o["key"] = c.key_pem;
  return o;
}

}  // namespace

bj::object CredentialView(const security::Credential& c) {
  bj::array ids;
  for (const auto& i : c.ids) ids.emplace_back(i);
  bj::object o{{"id", c.id},
               {"kind", security::CredentialKindName(c.kind)},
               {"use", c.use == security::CredentialUse::kBootstrap ? "bootstrap" : "operational"},
               {"ids", std::move(ids)},
               {"created", c.created},
               {"active", c.Active(Now())}};
  if (!c.expires.empty()) o["expires"] = c.expires;
  if (!c.revoked.empty()) o["revoked"] = c.revoked;
  if (!c.reason.empty()) o["reason"] = c.reason;
  if (!c.replaces.empty()) o["replaces"] = c.replaces;
  if (!c.note.empty()) o["note"] = c.note;
  if (!c.attested.empty()) {
    o["attested"] = c.attested;
    o["evidence"] = c.evidence;
  }
  for (auto [k, v] : {std::pair{"imei", &c.imei}, {"imsi", &c.imsi}, {"iccid", &c.iccid}}) {
    if (!v->empty()) o[k] = *v;
  }
  return o;
}

namespace {

// The device / SIM a key is held in (credential.attest, ca.issue): imei, imsi, iccid,
// validated and normalised.
Result<security::Credential> HardwareOf(const bj::object& a) {
  security::Credential c;
  if (std::string v = Str(a, "imei"); !v.empty()) {
    auto imei = security::trust::ValidateImei(v);
    if (!imei) return Err(imei.error());
    c.imei = *imei;
  }
  if (std::string v = Str(a, "imsi"); !v.empty()) {
    auto imsi = security::trust::ValidateImsi(v);
    if (!imsi) return Err(imsi.error());
    c.imsi = imsi->imsi;
  }
  if (std::string v = Str(a, "iccid"); !v.empty()) {
    auto iccid = security::trust::ValidateIccid(v);
    if (!iccid) return Err(iccid.error());
    c.iccid = *iccid;
  }
  return c;
}

// A bulk batch as the audit log names it: the job, what it does (a bulk transition's state,
// override and reason), the items' positions, and the SHA-256 of the items as sent (the batch
// can be matched to its file's lines afterwards). Empty for a malformed batch (refused
// before anything is applied; its outcome's entry says why).
std::string BatchTarget(const bj::object& a) {
  for (std::string_view key : {"devices", "subscriptions", "ids"}) {
    const bj::value* v = a.if_contains(key);
    if (v == nullptr || !v->is_array()) continue;
    auto b = security::trust::ParseBulkBatch(a, "", "", v->get_array().size(), "");
    if (!b) return "";
    std::string what = "job " + b->job;
    if (key == "ids") {
      what += " to " + Str(a, "to");
      if (json::GetBool(a, "override").value_or(false)) what += " with override";
      if (std::string reason = Str(a, "reason"); !reason.empty()) {
        what += " (" + reason.substr(0, 256) + ")";
      }
    }
    return what + " items " + std::to_string(b->offset + 1) + "-" +
           std::to_string(b->offset + v->get_array().size()) + " sha256:" +
           security::crypto::Hex(security::crypto::Sha256(json::Serialize(*v)));
  }
  return "";
}

}  // namespace

Result<bj::object> Operations::Run(std::string_view op, const bj::object& a,
                                   std::string_view actor) {
  if (op == "status") {
    // Read-only and polled: not an operator action worth an event.
    if (!status_) return Err(Status::NotFound("status needs a running server"));
    return status_();
  }
  if (op.starts_with("audit.")) return Audit(op, a);  // read-only, as status
  if (op == "explain") return Trust(op, a, actor);    // a read: nothing changes
  const bool trust = op.starts_with("provider.") || op.starts_with("app.") ||
                     op.starts_with("device.") || op.starts_with("list.") ||
                     op.starts_with("subscription.") || op.starts_with("bulk.");
  // Reads: not operator actions (no event), as status.
  if (trust && (op.ends_with(".list") || op.ends_with(".show"))) return Trust(op, a, actor);
  // A bulk batch is on record before it is applied (1000, accepted): a crash between its
  // commit and its outcome's entry must not leave thousands of changes unaudited. Not on
  // record, not applied.
  const std::string batch = trust && a.contains("job") ? BatchTarget(a) : std::string();
  if (credentials_ && !batch.empty() &&
      !events::EmitDurably(credentials_->events(), events::Kind::kAdminOperation, "admin", actor,
                           batch, op, "", static_cast<int>(Rsc::kAccepted))) {
    return Err(Status::Internal("the audit log did not confirm the batch within 5 s; nothing "
                                "was changed: retry once the store is healthy (trustcse status)"));
  }
  auto out = trust ? Trust(op, a, actor) : Dispatch(op, a);
  if (credentials_) {
    std::string target = Str(a, "id");
    if (target.empty()) target = Str(a, "serial");
    if (target.empty() && a.contains("job")) target = batch.empty() ? "job (malformed)" : batch;
    if (target.empty() && out) {
      if (const auto* e = out->if_contains("entry"); e && e->is_object()) {
        target = Str(e->get_object(), "kind") + ":" + Str(e->get_object(), "value");
      }
    }
    for (std::string_view k : {"provider", "application", "device"}) {
      // What an add created: the ID issued.
      if (!target.empty() || !out) break;
      if (const auto* v = out->if_contains(k); v && v->is_object()) target = Str(v->get_object(), "id");
    }
    // On record before it is answered: the audit log acknowledges the entry once durable.
    if (!events::EmitDurably(credentials_->events(), events::Kind::kAdminOperation, "admin",
                             actor, target, op, out ? "" : out.error().message(),
                             static_cast<int>(out ? Rsc::kOk : out.error().code()))) {
      spdlog::error("admin: {} by {}: its audit entry was not confirmed durable within 5 s "
                    "(the audit log's queue was full or the store is failing)", op, actor);
    }
  }
  return out;
}

Result<bj::object> Operations::Dispatch(std::string_view op, const bj::object& a) {
  if (op == "ca.init") return CaInit(a);
  if (op == "ca.cert") {
    if (Status s = NeedCa(ca_); !s.ok() || !ca_->initialized()) {
      return Err(Status::NotFound("the CA is not initialized (trustcse ca init)"));
    }
    return bj::object{{"certificate", ca_->certificate_pem()}};
  }
  if (op == "ca.issue") return CaIssue(a);
  if (op == "ca.renew") return CaRenew(a);
  if (op == "ca.revoke") return CaRevoke(a);
  if (op == "ca.crl") {
    if (Status s = NeedCa(ca_); !s.ok() || !ca_->initialized()) {
      return Err(Status::NotFound("the CA is not initialized (trustcse ca init)"));
    }
    return bj::object{{"crl", ca_->CrlPem()}};
  }
  if (op == "credential.add") return CredentialAdd(a);
  if (op == "credential.list") return CredentialList();
  if (op == "credential.revoke") return CredentialRevoke(a);
  if (op == "credential.attest") {
    auto held_in = HardwareOf(a);
    if (!held_in) return Err(held_in.error());
    auto c = credentials_->Attest(Str(a, "id"), Str(a, "evidence"), *held_in);
    if (!c) return Err(c.error());
    return bj::object{{"credential", CredentialView(*c)}};
  }
  if (op == "enrol-token.create" || op == "enrol-token.list") {
    if (!enrolment_) return Err(Status::NotFound("enrolment is not configured"));
    if (op == "enrol-token.list") {
      auto tokens = enrolment_->ListTokens();
      if (!tokens) return Err(tokens.error());
      bj::array all;
      for (const auto& t : *tokens) {
        bj::array ids;
        for (const auto& i : t.ids) ids.emplace_back(i);
        all.emplace_back(bj::object{{"hash", t.id.substr(0, 16)},
                                    {"ids", std::move(ids)},
                                    {"expires", t.expires},
                                    {"used", t.used},
                                    {"credential", t.credential}});
      }
      return bj::object{{"tokens", std::move(all)}};
    }
    auto ids = Strings(a, "ids");
    if (!ids) return Err(ids.error());
    int64_t ttl = json::GetInt(a, "ttl_seconds").value_or(24 * 3600);
    auto t = enrolment_->CreateToken(std::move(*ids), std::chrono::seconds(ttl), Str(a, "note"));
    if (!t) return Err(t.error());
    return bj::object{{"token", t->token}, {"expires", t->expires}};
  }
  return Err(Status::NotFound("unknown operation"));
}

Result<bj::object> Operations::CaInit(const bj::object& a) {
  if (Status s = NeedCa(ca_); !s.ok()) return Err(s);
  auto days = Days(a, 3650);
  if (!days) return Err(days.error());
  std::string cn = Str(a, "cn");
  if (cn.empty()) cn = "trustcse operator CA";
  if (Status s = ca_->Init(cn, *days); !s.ok()) return Err(s);
  return bj::object{{"certificate", ca_->certificate_pem()}};
}

Result<bj::object> Operations::CaIssue(const bj::object& a) {
  if (Status s = NeedCa(ca_); !s.ok()) return Err(s);
  security::IssueRequest r;
  auto ids = Strings(a, "ids");
  if (!ids) return Err(ids.error());
  r.ids = std::move(*ids);
  r.csr_pem = Str(a, "csr");
  r.generate_key = json::GetBool(a, "generate").value_or(false);
  if (r.generate_key == !r.csr_pem.empty()) return Err(Bad("give either csr or generate"));
  auto days = Days(a, 365);
  if (!days) return Err(days.error());
  r.validity = *days;
  if (std::string nb = Str(a, "not_before"); !nb.empty()) {
    r.not_before = ParseTimestamp(nb);
    if (!r.not_before) return Err(Bad("not_before must be a timestamp YYYYMMDDThhmmss"));
  }
  r.note = Str(a, "note");
  auto hardware = HardwareOf(a);
  if (!hardware) return Err(hardware.error());
  if (!hardware->imsi.empty() || !hardware->iccid.empty()) {
    return Err(Bad("a certificate certifies the device's imei; a SIM is attested "
                   "(credential attest --imsi/--iccid)"));
  }
  r.imei = hardware->imei;
  auto issued = ca_->Issue(r);
  if (!issued) return Err(issued.error());
  return Issued(*issued);
}

Result<bj::object> Operations::CaRenew(const bj::object& a) {
  if (Status s = NeedCa(ca_); !s.ok()) return Err(s);
  auto days = Days(a, 365);
  if (!days) return Err(days.error());
  auto issued = ca_->Renew(Str(a, "serial"), *days);
  if (!issued) return Err(issued.error());
  return Issued(*issued);
}

Result<bj::object> Operations::CaRevoke(const bj::object& a) {
  if (Status s = NeedCa(ca_); !s.ok()) return Err(s);
  std::string serial = Str(a, "serial");
  if (Status s = ca_->Revoke(serial, Str(a, "reason")); !s.ok()) return Err(s);
  auto c = credentials_->Find("x509:" + serial);
  return bj::object{{"serial", serial}, {"revoked", c ? c->revoked : ""}};
}

Result<bj::object> Operations::CredentialAdd(const bj::object& a) {
  security::Credential c;
  c.id = Str(a, "id");
  std::string kind = Str(a, "kind");
  auto ids = Strings(a, "ids");
  if (!ids) return Err(ids.error());
  c.ids = std::move(*ids);
  c.use = json::GetBool(a, "bootstrap").value_or(false) ? security::CredentialUse::kBootstrap
                                                        : security::CredentialUse::kOperational;
  c.note = Str(a, "note");
  if (auto days = json::GetInt(a, "expires_days")) {
    if (*days < 1 || *days > 36500) return Err(Bad("expires_days out of range"));
    c.expires = FormatTimestamp(Now() + std::chrono::hours(24 * *days));
  }
  bj::object out;
  if (kind == "psk") {
    c.kind = security::CredentialKind::kPsk;
    crypto::Secret key;
    if (json::GetBool(a, "generate").value_or(false)) {
      auto r = crypto::RandomBytes(32);
      if (!r) return Err(r.error());
      out["psk"] = crypto::Hex(*r);
      key = crypto::Secret(std::move(*r));
    } else {
      auto bytes = crypto::FromHex(Str(a, "psk"));
      if (!bytes) return Err(Bad("psk must be hex (or ask to generate one)"));
      key = crypto::Secret(std::move(*bytes));
    }
    if (Status s = credentials_->Add(c, &key); !s.ok()) return Err(s);
  } else if (kind == "pinned-key") {
    c.kind = security::CredentialKind::kPinnedKey;
    auto id = tls::PinnedKeyId(Str(a, "public_key"));
    if (!id) return Err(id.error());
    if (!c.id.empty() && c.id != *id) return Err(Bad("id of a pinned key is its key's hash"));
    c.id = *id;
    if (Status s = credentials_->Add(c, nullptr); !s.ok()) return Err(s);
  } else {
    return Err(Bad("kind must be psk or pinned-key (certificates come from ca.issue)"));
  }
  auto stored = credentials_->Find(c.id);
  out["credential"] = stored ? CredentialView(*stored) : bj::object{};
  spdlog::info("admin: credential {} added ({}, {})", c.id, kind,
               c.use == security::CredentialUse::kBootstrap ? "bootstrap" : "operational");
  return out;
}

Result<bj::object> Operations::CredentialList() {
  bj::array all;
  for (const auto& c : credentials_->List()) all.emplace_back(CredentialView(c));
  return bj::object{{"credentials", std::move(all)}};
}

Result<bj::object> Operations::CredentialRevoke(const bj::object& a) {
  std::string id = Str(a, "id");
  if (id.starts_with("x509:") && ca_) {
    // A certificate: the CA revokes it so that the CRL says so too.
    if (Status s = ca_->Revoke(id.substr(5), Str(a, "reason")); !s.ok()) return Err(s);
    auto c = credentials_->Find(id);
    return bj::object{{"credential", c ? CredentialView(*c) : bj::object{}}};
  }
  auto c = credentials_->Revoke(id, Str(a, "reason"));
  if (!c) return Err(c.error());
  spdlog::info("admin: credential {} revoked", id);
  return bj::object{{"credential", CredentialView(*c)}};
}

}  // namespace trustcse::admin
