#include "security/trust/sim_binding.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/time.h"
#include "events/event_stream.h"
#include "primitive/json_util.h"
#include "security/trust/identifiers.h"
#include "security/trust/trust_records.h"

namespace trustcse::security::trust {

namespace {

namespace bj = boost::json;

// Records `value` of one kind from `source`; a second source that disagrees is a conflict.
void Put(Observed& o, std::string& field, std::string& field_source, std::string value,
         std::string_view source, std::string_view kind) {
  if (value.empty()) return;
  if (field.empty()) {
    field = std::move(value);
    field_source = std::string(source);
  } else if (field != value && o.conflict.empty()) {
    o.conflict = "the " + field_source + " shows " + std::string(kind) + " " + field + ", the " +
                 std::string(source) + " " + value;
  }
}

// The report a CREATE or UPDATE carries: {"m2m:dvi": {...}} or {"dcfg:sim": {...}}.
const bj::object* Report(const RequestPrimitive* req, std::string_view key) {
  if (req == nullptr || !req->pc.is_object()) return nullptr;
  if (req->op != Operation::kCreate && req->op != Operation::kUpdate) return nullptr;
  const bj::value* v = req->pc.get_object().if_contains(key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

}  // namespace

std::string ImeiOfLabel(std::string_view label) {
  for (std::string_view prefix : {"urn:gsma:imei:", "IMEI:", "imei:", "IMEI "}) {
    if (label.starts_with(prefix)) {
      label.remove_prefix(prefix.size());
      break;
    }
  }
  std::string digits;
  for (char c : label) {
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c != '-' && c != ' ') {
      return {};
    }
    if (digits.size() > 15) return {};
  }
  if (digits.size() != 15) return {};  // a 14-digit label is not surely an IMEI
  auto v = ValidateImei(digits);
  return v ? *v : std::string();
}

Observed ObservedIdentities(const RequestPrimitive* req, const Credential* cred) {
  Observed o;
  if (cred != nullptr) {
    Put(o, o.imei, o.imei_source, cred->imei, "credential", "IMEI");
    Put(o, o.imsi, o.imsi_source, cred->imsi, "credential", "IMSI");
    Put(o, o.iccid, o.iccid_source, cred->iccid, "credential", "ICCID");
  }
  if (const bj::object* dvi = Report(req, "m2m:dvi")) {
    o.report = true;
    if (auto label = json::GetString(*dvi, "dlb")) {
      Put(o, o.imei, o.imei_source, ImeiOfLabel(*label), "deviceInfo", "IMEI");
    }
    for (auto [field, key] : {std::pair{&o.model, "mod"}, {&o.firmware, "fwv"},
                              {&o.software, "swv"}}) {
      if (auto v = json::GetString(*dvi, key); v && v->size() <= 256) *field = std::string(*v);
    }
  }
  if (const bj::object* sim = Report(req, "dcfg:sim")) {
    o.report = true;
    if (auto imsi = json::GetString(*sim, "imsi")) {
      if (auto v = ValidateImsi(*imsi)) Put(o, o.imsi, o.imsi_source, v->imsi, "SIM", "IMSI");
    }
    if (auto iccid = json::GetString(*sim, "icid")) {
      if (auto v = ValidateIccid(*iccid)) Put(o, o.iccid, o.iccid_source, *v, "SIM", "ICCID");
    }
  }
  return o;
}

BindingVerdict CheckBinding(const Machine& m, const Observed& o) {
  BindingVerdict v;
  if (m.binding.empty() || o.empty()) return v;
  const bool strict = m.binding == "strict";
  auto mismatch = [&](std::string what) {
    v.kind = BindingVerdict::Kind::kMismatch;
    v.what = std::move(what);
    v.learn_imei.clear();
    v.learn_imsi.clear();
    v.learn_iccid.clear();
    return v;
  };
  if (!o.conflict.empty()) return mismatch(o.conflict);
  if (!o.imei.empty()) {
    if (strict) {
      const auto& allowed = m.allowed_imeis;
      bool ok = allowed.empty()
                    ? o.imei == m.imei
                    : std::find(allowed.begin(), allowed.end(), o.imei) != allowed.end();
      if (!ok) {
        return mismatch("the SIM of machine " + m.id + " is in device IMEI " + o.imei + " (by " +
                        o.imei_source + "), not in a device bound to it");
      }
    } else if (m.imei.empty()) {
      v.learn_imei = o.imei;
    } else if (o.imei != m.imei) {
      return mismatch("the SIM of machine " + m.id + " is in device IMEI " + o.imei + " (by " +
                      o.imei_source + "), bound to IMEI " + m.imei);
    }
  }
  struct Sim {
    const std::string& seen;
    const std::string& source;
    const std::string& bound;
    std::string& learn;
    const char* kind;
  };
  for (const Sim& s : {Sim{o.imsi, o.imsi_source, m.imsi, v.learn_imsi, "IMSI"},
                       Sim{o.iccid, o.iccid_source, m.iccid, v.learn_iccid, "ICCID"}}) {
    if (s.seen.empty()) continue;
    if (s.bound.empty()) {
      if (!strict) s.learn = s.seen;
    } else if (s.seen != s.bound) {
      return mismatch("device of machine " + m.id + " presents SIM " + s.kind + " " + s.seen +
                      " (by " + s.source + "), bound to " + s.kind + " " + s.bound);
    }
  }
  if (!v.learn_imei.empty() || !v.learn_imsi.empty() || !v.learn_iccid.empty()) {
    v.kind = BindingVerdict::Kind::kLearn;
  }
  return v;
}

// --- TrustRegistry: the binding's changes ---

void TrustRegistry::StoreQueued(std::shared_ptr<const Machine> m) {
  std::string id = m->id;
  std::string body = json::Serialize(records::MachineBody(*m));
  {
    std::unique_lock lock(mu_);
    IndexLocked(std::move(m));
  }
  // The writer runs writes in submission order: a later change of this machine (also under
  // change_mu_) lands after this one.
  store_.Submit(
      [id, body = std::move(body)](storage::WriteTxn& txn) {
        return txn.PutObject(kMachineKind, id, body);
      },
      [id](Status s) {
        if (!s.ok())
          spdlog::error("trust: storing the binding of machine {} failed: {}", id, s.message());
      });
}

std::shared_ptr<const Machine> TrustRegistry::LockMachine(const Machine& cur, const Observed& o,
                                                          const std::string& what,
                                                          std::string_view by) {
  if (!cur.locked.empty()) return FindMachine(cur.id);  // the first lock's reason stays
  Machine m = cur;
  m.locked = what;
  m.seen_imei = o.imei;
  m.seen_imsi = o.imsi;
  m.seen_iccid = o.iccid;
  m.history.push_back({FormatTimestamp(Now()), "locked", "", what, std::string(by), ""});
  auto locked = std::make_shared<const Machine>(std::move(m));
  StoreQueued(locked);
  spdlog::warn("trust: machine {} locked: {}", locked->id, what);
  events::Emit(events_.get(), events::Kind::kTrust, "trust.binding", by, locked->id, "lock", what,
               static_cast<int>(Rsc::kServiceSubscriptionNotEstablished));
  return locked;
}

std::shared_ptr<const Machine> TrustRegistry::Observe(const std::shared_ptr<const Machine>& seen,
                                                      const Observed& o, std::string_view by) {
  // A locked machine stays as it is until its provider answers: nothing learned, no further
  // lock or alert (else each request of a locked device would log, alert and take the lock).
  if (!seen->locked.empty()) return seen;
  if (CheckBinding(*seen, o).kind == BindingVerdict::Kind::kMatch) return seen;
  std::lock_guard change(change_mu_);
  auto cur = FindMachine(seen->id);
  if (!cur || !cur->locked.empty()) return cur ? cur : seen;
  BindingVerdict v = CheckBinding(*cur, o);
  if (v.kind == BindingVerdict::Kind::kMatch) return cur;
  // The other machines whose SIM or device this request showed, and whether the channel's
  // credential certified it (else only the device's own report claims it).
  std::vector<std::pair<std::shared_ptr<const Machine>, bool>> others;
  for (auto [kind, value, source] :
       {std::tuple{"imei", &o.imei, &o.imei_source}, {"imsi", &o.imsi, &o.imsi_source},
        {"iccid", &o.iccid, &o.iccid_source}}) {
    if (value->empty()) continue;
    auto other = MachineOfIdentity(kind, *value);
    if (other && other->id != cur->id &&
        std::none_of(others.begin(), others.end(),
                     [&](const auto& x) { return x.first->id == other->id; })) {
      others.emplace_back(std::move(other), *source == "credential");
      if (v.kind == BindingVerdict::Kind::kLearn) {
        v.kind = BindingVerdict::Kind::kMismatch;
        v.what = "machine " + cur->id + " shows " + kind + " " + *value + " of machine " +
                 others.back().first->id;
      }
    }
  }
  if (v.kind == BindingVerdict::Kind::kLearn) {
    Machine m = *cur;
    const std::string at = FormatTimestamp(Now());
    for (auto [field, value, name] : {std::tuple{&m.imei, &v.learn_imei, "imei"},
                                      {&m.imsi, &v.learn_imsi, "imsi"},
                                      {&m.iccid, &v.learn_iccid, "iccid"}}) {
      if (value->empty()) continue;
      *field = *value;
      m.history.push_back(
          {at, std::string("binding.") + name, "", *value, std::string(by), "learned"});
    }
    if (!v.learn_imsi.empty()) {
      auto imsi = ValidateImsi(m.imsi);
      if (imsi) {
        m.mcc = imsi->mcc;
        m.mnc = imsi->mnc;
      }
    }
    auto learned = std::make_shared<const Machine>(std::move(m));
    StoreQueued(learned);
    events::Emit(events_.get(), events::Kind::kTrust, "trust.binding", by, learned->id, "learn",
                 "bound " + std::string(v.learn_imei.empty() ? "" : "IMEI " + v.learn_imei + " ") +
                     (v.learn_imsi.empty() ? "" : "IMSI " + v.learn_imsi + " ") +
                     (v.learn_iccid.empty() ? "" : "ICCID " + v.learn_iccid));
    return learned;
  }
  auto locked = LockMachine(*cur, o, v.what, by);
  for (const auto& [other, certified] : others) {
    std::string why = "its SIM or device was seen with machine " + cur->id + ": " + v.what;
    if (certified) {
      LockMachine(*other, o, why, by);
    } else {
      // A device's own report is a claim: it locks the reporter, and only warns about the
      // machine it names (else any device could lock any machine whose IMEI it knows).
      spdlog::warn("trust: machine {}: {}", other->id, why);
      events::Emit(events_.get(), events::Kind::kTrust, "trust.binding", by, other->id, "alert",
                   why);
    }
  }
  return locked;
}

Result<Machine> TrustRegistry::Unlock(std::string_view id, bool adopt, std::string reason,
                                      std::string_view by) {
  return ChangeMachine(id, [&](Machine& m) {
    if (m.locked.empty()) return Status::BadRequest("machine " + m.id + " is not locked");
    const std::string at = FormatTimestamp(Now());
    if (adopt) {
      bj::object fields;
      if (!m.seen_imei.empty()) {
        if (m.binding == "strict") {
          bj::array allowed;
          if (m.allowed_imeis.empty() && !m.imei.empty()) allowed.emplace_back(m.imei);
          for (const auto& i : m.allowed_imeis) allowed.emplace_back(i);
          allowed.emplace_back(m.seen_imei);
          fields["allowed_imeis"] = std::move(allowed);
        } else {
          fields["imei"] = m.seen_imei;
        }
      }
      if (!m.seen_imsi.empty()) fields["imsi"] = m.seen_imsi;
      if (!m.seen_iccid.empty()) fields["iccid"] = m.seen_iccid;
      if (Status s = records::ApplyMachineFields(m, fields, /*creating=*/false); !s.ok()) return s;
    }
    m.history.push_back(
        {at, adopt ? "authorized" : "unlocked", m.locked, "", std::string(by), reason});
    m.locked.clear();
    m.seen_imei.clear();
    m.seen_imsi.clear();
    m.seen_iccid.clear();
    return Status::Ok();
  });
}

}  // namespace trustcse::security::trust
