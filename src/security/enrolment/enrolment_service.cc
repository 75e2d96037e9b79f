#include "security/enrolment/enrolment_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include <boost/json.hpp>

#include "primitive/json_util.h"
#include "resources/types.h"
#include "security/crypto/crypto.h"

namespace trustcse::security {

namespace bj = boost::json;

namespace {

constexpr std::string_view kPskLabel =
    "oneM2M Enrolment Key to Provisioned Secure Connection Key derivation";
constexpr size_t kPskBytes = 32;
// The keying material exported from the enrolment's TLS session (TS-0003 §10.3.1): 48 bytes,
// of which the 32 least significant are Ke.
constexpr size_t kExportedBytes = 48;

enum class Mode { kBootstrap, kToken, kRotate };

const char* ModeName(Mode m) {
  switch (m) {
    case Mode::kBootstrap: return "bootstrap credential";
    case Mode::kToken: return "enrolment token";
    case Mode::kRotate: return "re-enrolment";
  }
  return "?";
}

Status NotAuthenticated(std::string message) {
  return Status(Rsc::kOriginatorNotAuthenticated, std::move(message));
}

std::string TokenToJson(const EnrolmentToken& t) {
  bj::array ids;
  for (const auto& i : t.ids) ids.emplace_back(i);
  bj::object o{{"ids", std::move(ids)}, {"created", t.created}, {"expires", t.expires}};
  if (!t.used.empty()) o["used"] = t.used;
  if (!t.credential.empty()) o["credential"] = t.credential;
  if (!t.note.empty()) o["note"] = t.note;
  return json::Serialize(o);
}

std::optional<EnrolmentToken> TokenFromJson(std::string_view id, std::string_view body) {
  auto v = json::Parse(body);
  if (!v || !v->is_object()) return std::nullopt;
  const auto& o = v->get_object();
  EnrolmentToken t;
  t.id = std::string(id);
  if (const auto* ids = o.if_contains("ids"); ids && ids->is_array()) {
    for (const auto& i : ids->get_array()) {
      if (i.is_string()) t.ids.emplace_back(i.get_string());
    }
  }
  auto str = [&](std::string_view k) { return std::string(json::GetString(o, k).value_or("")); };
  t.created = str("created");
  t.expires = str("expires");
  t.used = str("used");
  t.credential = str("credential");
  t.note = str("note");
  return t;
}

// What reserves a token's IDs in the registry (CredentialRegistry::Reserve).
std::string TokenHolder(std::string_view token_id) {
  return "enrolment token " + std::string(token_id.substr(0, 12));
}

// Why a token cannot be used (for the log; the client hears only that it is not valid).
std::string TokenProblem(const std::optional<EnrolmentToken>& t, TimePoint now) {
  if (!t) return "unknown token";
  if (!t->used.empty()) return "token already used (for " + t->credential + ")";
  if (t->expires <= FormatTimestamp(now)) return "token expired";
  return {};
}

Status ValidateIdList(const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    if (id.empty() || id.size() > 200 || !(id[0] == 'C' || id[0] == 'S' || id[0] == '/')) {
      return Status::BadRequest("IDs are AE-IDs (C…, S…) or CSE-IDs (/…)");
    }
    for (char c : id) {
      if (c <= ' ' || c > '~') return Status::BadRequest("IDs are printable ASCII");
    }
  }
  return Status::Ok();
}

// Everything the write and the answer need.
struct Enrolment {
  Mode mode = Mode::kToken;
  std::string token_id;        // kToken
  std::string old_credential;  // kBootstrap, kRotate
  std::vector<std::string> ids;
  Credential issued;                            // the new credential (PSK) …
  std::optional<PendingCertificate> certificate;  // … or certificate
  std::string psk_hex;
  std::optional<Credential> retired;  // the consumed or rotated credential, after the write
  events::Event event;                // the enrolment's event, built (and recorded) in the write
};

}  // namespace

EnrolmentService::EnrolmentService(storage::Store& store,
                                   std::shared_ptr<CredentialRegistry> registry,
                                   std::shared_ptr<CertificateAuthority> ca,
                                   EnrolmentOptions options)
    : store_(store), registry_(std::move(registry)), ca_(std::move(ca)),
      options_(std::move(options)) {}

Status EnrolmentService::LoadReservations() {
  auto tokens = ListTokens();
  if (!tokens) return tokens.error();
  const TimePoint now = Now();
  size_t n = 0;
  for (const auto& t : *tokens) {
    if (!TokenProblem(t, now).empty() || t.ids.empty()) continue;
    auto until = ParseTimestamp(t.expires);
    if (!until) continue;
    registry_->Reserve(TokenHolder(t.id), t.ids, *until);
    ++n;
  }
  if (n > 0) spdlog::info("enrolment: {} outstanding token(s) reserve their IDs", n);
  return Status::Ok();
}

Status EnrolmentService::CheckIdsFree(const std::vector<std::string>& ids,
                                      std::string_view except) {
  for (const auto& id : ids) {
    for (const auto& c : registry_->CredentialsOf(id)) {
      if (c != except) {
        return Status(Rsc::kOriginatorNotAuthenticated,
                      id + " is bound to another active credential: revoke it first");
      }
    }
    auto ae = store_.Get(id);
    if (!ae) return ae.error();
    if (*ae && (*ae)->ty == resources::ty::kAe) {
      return Status(Rsc::kOriginatorHasAlreadyRegistered,
                    id + " is registered: deregister that AE before enrolling a device for it");
    }
  }
  return Status::Ok();
}

Result<EnrolmentToken> EnrolmentService::CreateToken(std::vector<std::string> ids,
                                                     std::chrono::seconds ttl, std::string note) {
  if (Status s = ValidateIdList(ids); !s.ok()) return Err(s);
  if (Status s = CheckIdsFree(ids, ""); !s.ok()) return Err(s);
  if (ttl.count() < 60 || ttl > std::chrono::hours(24 * 90)) {
    return Err(Status::BadRequest("a token lives between 60 seconds and 90 days"));
  }
  auto raw = crypto::RandomBytes(32);
  if (!raw) return Err(raw.error());
  EnrolmentToken t;
  t.token = crypto::Base64Url(*raw);
  t.id = crypto::Hex(crypto::Sha256(t.token));
  t.ids = std::move(ids);
  TimePoint now = Now();
  t.created = FormatTimestamp(now);
  t.expires = FormatTimestamp(now + ttl);
  t.note = std::move(note);
  std::string body = TokenToJson(t);
  Status s = store_.SubmitAndWait(
      [&](storage::WriteTxn& txn) { return txn.PutObject(kTokenKind, t.id, body); });
  if (!s.ok()) return Err(s);
  if (!t.ids.empty()) registry_->Reserve(TokenHolder(t.id), t.ids, now + ttl);
  spdlog::info("enrolment: token {}… created for [{}], expires {}", t.id.substr(0, 12),
               fmt::join(t.ids, ","), t.expires);
  // The token itself is a secret: the event names its first characters only, like the log.
  events::Emit(registry_->events(), events::Kind::kEnrolment, "enrolment",
               fmt::format("{}", fmt::join(t.ids, ",")), t.id.substr(0, 12) + "…",
               "token");
  return t;
}

Result<std::vector<EnrolmentToken>> EnrolmentService::ListTokens() {
  auto all = store_.ListObjects(kTokenKind);
  if (!all) return Err(all.error());
  std::vector<EnrolmentToken> out;
  for (const auto& o : *all) {
    if (auto t = TokenFromJson(o.id, o.body)) out.push_back(std::move(*t));
  }
  return out;
}

void EnrolmentService::Handle(ServiceRequest req, std::function<void(ServiceResponse)> done) {
  auto fail = [&](const Status& s, const std::string& why) {
    spdlog::warn("enrolment: refused from {}: {}", req.peer_address, why);
    events::Emit(registry_->events(), events::Kind::kEnrolment, "enrolment", "", "", "refuse",
                 why, static_cast<int>(s.code()), req.peer_address);
    done(ServiceResponse::Error(s));
  };
  if (req.method != "POST") return fail(Status::NotAllowed("enrolment is a POST"), "not a POST");
  if (req.channel_binding.size() != kExportedBytes) {
    return fail(Status(Rsc::kSecurityAssociationRequired, "enrolment requires TLS"), "not TLS");
  }
  auto body = json::ParseUntrusted(req.body);
  if (!body || !body->is_object()) {
    return fail(Status::BadRequest("the body must be a JSON object"), "malformed body");
  }
  const bj::object& b = body->get_object();
  for (const auto& [k, v] : b) {
    if (k != "credential" && k != "csr" && k != "token") {
      return fail(Status::BadRequest("unknown member " + std::string(k)), "unknown member");
    }
  }
  std::string kind(json::GetString(b, "credential").value_or("psk"));
  if (kind != "psk" && kind != "certificate") {
    return fail(Status::BadRequest("credential must be psk or certificate"), "bad kind");
  }
  std::string token(json::GetString(b, "token").value_or(""));
  std::string csr(json::GetString(b, "csr").value_or(""));
  if (kind == "certificate" && (csr.empty() || !ca_ || !ca_->initialized())) {
    return fail(csr.empty() ? Status::BadRequest("a certificate enrolment needs a csr")
                            : Status::NotFound("no certificate authority"),
                "certificate enrolment without csr or CA");
  }
  const TimePoint now = Now();
  auto e = std::make_shared<Enrolment>();

  // Who is enrolling.
  const ChannelIdentity* ch = req.channel.get();
  if (ch != nullptr && ch->authenticated()) {
    if (!token.empty()) {
      return fail(Status::BadRequest("give a token or authenticate with a credential, not both"),
                  "token on an authenticated channel");
    }
    auto cred = registry_->Find(ch->credential_id);
    if (!cred || !cred->Active(now)) {
      return fail(NotAuthenticated("credential is not valid"), "inactive channel credential");
    }
    e->mode = cred->use == CredentialUse::kBootstrap ? Mode::kBootstrap : Mode::kRotate;
    e->old_credential = cred->id;
    e->ids = cred->ids;
    for (const auto& c : ch->certified_ids) {
      if (std::find(e->ids.begin(), e->ids.end(), c) == e->ids.end()) e->ids.push_back(c);
    }
  } else if (!token.empty()) {
    e->mode = Mode::kToken;
    e->token_id = crypto::Hex(crypto::Sha256(token));
    auto stored = store_.GetObject(kTokenKind, e->token_id);
    if (!stored) return fail(stored.error(), "storage");
    auto t = *stored ? TokenFromJson(e->token_id, **stored) : std::nullopt;
    if (std::string why = TokenProblem(t, now); !why.empty()) {
      return fail(NotAuthenticated("enrolment token is not valid"), why);
    }
    e->ids = t->ids;
  } else {
    return fail(NotAuthenticated("enrolment needs a bootstrap credential, a one-time token or "
                                 "the current credential"),
                "no bootstrap credential");
  }

  // The IDs must still be free for this device: a rotation keeps its own; a bootstrap
  // credential reserved them itself.
  if (e->mode != Mode::kRotate) {
    if (Status s = CheckIdsFree(e->ids, e->old_credential); !s.ok()) {
      return fail(s, s.message());
    }
  }

  // The new credential.
  const std::string replaces = e->mode == Mode::kRotate ? e->old_credential : "";
  const std::string note = std::string("enrolled by ") + ModeName(e->mode);
  if (kind == "psk") {
    auto rid = crypto::RandomBytes(16);
    auto salt = crypto::RandomBytes(32);
    if (!rid || !salt) return fail(Status::Internal("no randomness"), "no randomness");
    Credential& c = e->issued;
    c.id = crypto::Hex(*rid) + "@" + options_.psk_issuer;
    const std::string_view ke =
        std::string_view(req.channel_binding).substr(kExportedBytes - kPskBytes);
    auto key = crypto::HkdfSha256(ke, *salt,
                                  std::string(kPskLabel) + c.id, kPskBytes);
    if (!key) return fail(key.error(), "key derivation");
    crypto::Secret secret(std::move(*key));
    auto sealed = registry_->keys().Seal(secret.view(), PskPurpose(c.id));
    if (!sealed) return fail(sealed.error(), "sealing");
    c.kind = CredentialKind::kPsk;
    c.sealed_secret = std::move(*sealed);
    c.ids = e->ids;
    c.created = FormatTimestamp(now);
    c.expires = FormatTimestamp(now + options_.lifetime);
    c.replaces = replaces;
    c.note = note;
    e->psk_hex = crypto::Hex(secret.view());
  } else {
    if (e->ids.empty()) {
      return fail(Status::BadRequest("a certificate certifies identities, and this enrolment "
                                     "names none (give the token IDs)"),
                  "certificate without IDs");
    }
    auto pending = ca_->SignRequest(csr, e->ids, options_.lifetime, note, replaces);
    if (!pending) return fail(pending.error(), "CSR: " + pending.error().message());
    e->issued = pending->credential;
    e->certificate = std::move(*pending);
  }

  // One write: consume or retire what authorized this, record the new credential.
  store_.Submit(
      [this, e, now](storage::WriteTxn& txn) -> Status {
        if (e->mode == Mode::kToken) {
          auto stored = txn.GetObject(kTokenKind, e->token_id);
          if (!stored) return stored.error();
          auto t = *stored ? TokenFromJson(e->token_id, **stored) : std::nullopt;
          if (!TokenProblem(t, now).empty()) {
            return NotAuthenticated("enrolment token is not valid");  // used meanwhile
          }
          // An AE registered under one of the IDs meanwhile (before the reservation held).
          for (const auto& id : e->ids) {
            auto ae = txn.Get(id);
            if (!ae) return ae.error();
            if (*ae && (*ae)->ty == resources::ty::kAe) {
              return Status(Rsc::kOriginatorHasAlreadyRegistered, id + " is registered");
            }
          }
          t->used = FormatTimestamp(now);
          t->credential = e->issued.id;
          if (Status s = txn.PutObject(kTokenKind, e->token_id, TokenToJson(*t)); !s.ok()) return s;
        } else {
          auto old = CredentialRegistry::ReadInWrite(txn, e->old_credential);
          if (!old) return old.error();
          if (!*old || !(*old)->Active(now)) return NotAuthenticated("credential is not valid");
          Credential& c = **old;
          if (e->mode == Mode::kBootstrap) {
            c.revoked = FormatTimestamp(now);
            c.reason = "used to enrol " + e->issued.id;
          } else {
            std::string grace = FormatTimestamp(now + options_.rotation_grace);
            if (c.expires.empty() || grace < c.expires) c.expires = grace;
            c.note = "rotated to " + e->issued.id;
          }
          if (Status s = CredentialRegistry::WriteInWrite(txn, c); !s.ok()) return s;
          e->retired = std::move(c);
        }
        if (e->certificate) {
          if (Status s = CertificateAuthority::RecordInWrite(txn, *e->certificate); !s.ok()) {
            return s;
          }
        } else if (Status s = CredentialRegistry::WriteInWrite(txn, e->issued); !s.ok()) {
          return s;
        }
        // The enrolment on record in the same write: answered only once it is (AUD-1).
        e->event = events::Event{};
        e->event.kind = events::Kind::kEnrolment;
        e->event.time = now;
        e->event.source = "enrolment";
        e->event.originator = fmt::format("{}", fmt::join(e->ids, ","));
        e->event.target = e->issued.id;
        e->event.operation = "enrol";
        e->event.reason = ModeName(e->mode);
        if (const auto& audit = registry_->in_write_audit()) {
          if (Status s = audit(txn, e->event); !s.ok()) return s;
          e->event.recorded = true;
        }
        return Status::Ok();
      },
      [this, e, done](Status s) {
        if (!s.ok()) {
          spdlog::warn("enrolment: not recorded: {}", s.message());
          return done(ServiceResponse::Error(s));
        }
        if (e->retired) registry_->Apply(std::move(*e->retired), /*notify=*/false);
        registry_->Apply(e->issued);
        if (e->mode == Mode::kToken) registry_->Release(TokenHolder(e->token_id));
        spdlog::info("enrolment: credential {} issued by {} for [{}]", e->issued.id,
                     ModeName(e->mode), fmt::join(e->ids, ","));
        if (auto* stream = registry_->events(); stream && stream->Wants(e->event.kind)) {
          stream->Publish(std::move(e->event));
        }
        bj::array ids;
        for (const auto& i : e->ids) ids.emplace_back(i);
        bj::object out{{"credential", e->issued.id},
                       {"kind", CredentialKindName(e->issued.kind)},
                       {"ids", std::move(ids)},
                       {"expires", e->issued.expires}};
        if (e->certificate) {
          out["certificate"] = e->certificate->issued.certificate_pem;
          out["ca"] = ca_->certificate_pem();
        } else {
          out["psk"] = e->psk_hex;
        }
        ServiceResponse r;
        r.rsc = Rsc::kCreated;
        r.body = json::Serialize(out);
        crypto::Cleanse(e->psk_hex);
        done(std::move(r));
      });
}

}  // namespace trustcse::security
