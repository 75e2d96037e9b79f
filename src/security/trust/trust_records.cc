#include "security/trust/trust_records.h"

#include <algorithm>
#include <boost/json.hpp>
#include <tuple>

#include "common/time.h"
#include "primitive/json_util.h"
#include "security/trust/identifiers.h"

namespace trustcse::security::trust {

namespace bj = boost::json;

namespace {

std::string Str(const bj::object& o, std::string_view k) {
  return std::string(json::GetString(o, k).value_or(""));
}

bj::array Array(const std::vector<std::string>& v) {
  bj::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

std::vector<std::string> Strings(const bj::object& o, std::string_view k) {
  std::vector<std::string> out;
  if (const bj::value* v = o.if_contains(k); v && v->is_array()) {
    for (const auto& e : v->get_array()) {
      if (e.is_string()) out.emplace_back(e.get_string());
    }
  }
  return out;
}

void PutIf(bj::object& o, std::string_view k, const std::string& v) {
  if (!v.empty()) o[k] = v;
}

}  // namespace

std::vector<std::string> Machine::MissingKyc() const {
  std::vector<std::string> missing;
  if (imei.empty() && serial.empty()) missing.emplace_back("imei or serial");
  if (model.empty()) missing.emplace_back("model");
  if (purpose.empty()) missing.emplace_back("purpose");
  if (owner.empty()) missing.emplace_back("owner");
  if (provider.empty()) missing.emplace_back("provider");
  if (location.empty()) missing.emplace_back("location");
  return missing;
}

bj::object ToJson(const Provider& p) {
  return {{"id", p.id},
          {"kind", p.kind},
          {"company", p.company},
          {"contact", p.contact},
          {"start", p.start}};
}

bj::object ToJson(const Application& a) {
  return {{"id", a.id},
          {"provider", a.provider},
          {"name", a.name},
          {"class", ClassCode(a.use_case)},
          {"practice_statement", a.practice_statement},
          {"status", a.status},
          {"created", a.created}};
}

bj::object ToJson(const Machine& m) {
  bj::object o = records::MachineBody(m);
  o["id"] = m.id;
  o["kyc_missing"] = Array(m.MissingKyc());
  o["kyc_complete"] = m.MissingKyc().empty();
  return o;
}

namespace records {

bj::object MachineBody(const Machine& m) {
  bj::object o{{"app", m.app},
               {"entities", Array(m.entities)},
               {"credentials", Array(m.credentials)},
               {"created", m.created}};
  PutIf(o, "imei", m.imei);
  PutIf(o, "serial", m.serial);
  PutIf(o, "eid", m.eid);
  PutIf(o, "iccid", m.iccid);
  PutIf(o, "imsi", m.imsi);
  PutIf(o, "mcc", m.mcc);
  PutIf(o, "mnc", m.mnc);
  PutIf(o, "model", m.model);
  PutIf(o, "certification", m.certification);
  PutIf(o, "capability", m.capability);
  PutIf(o, "configuration", m.configuration);
  PutIf(o, "purpose", m.purpose);
  PutIf(o, "location", m.location);
  PutIf(o, "provider", m.provider);
  PutIf(o, "owner", m.owner);
  PutIf(o, "user_kyc", m.user_kyc);
  PutIf(o, "flagged", m.flagged);
  PutIf(o, "binding", m.binding);
  if (!m.allowed_imeis.empty()) o["allowed_imeis"] = Array(m.allowed_imeis);
  if (!m.query_id.empty()) o["query"] = bj::object{{"id", m.query_id}, {"at", m.query_at}};
  if (!m.answer.at.empty()) {
    const auto& a = m.answer;
    bj::object ans{{"at", a.at}, {"result", a.result}};
    PutIf(ans, "imei", a.imei);
    PutIf(ans, "imsi", a.imsi);
    PutIf(ans, "iccid", a.iccid);
    PutIf(ans, "model", a.model);
    PutIf(ans, "firmware", a.firmware);
    PutIf(ans, "software", a.software);
    o["answer"] = std::move(ans);
  }
  PutIf(o, "locked", m.locked);
  if (!m.locked.empty()) {
    bj::object seen;
    PutIf(seen, "imei", m.seen_imei);
    PutIf(seen, "imsi", m.seen_imsi);
    PutIf(seen, "iccid", m.seen_iccid);
    o["seen"] = std::move(seen);
  }
  o["history"] = HistoryToJson(m.history);
  return o;
}

Result<Provider> ProviderFrom(std::string_view id, const bj::object& o) {
  Provider p;
  p.id = std::string(id);
  p.kind = Str(o, "kind");
  p.company = Str(o, "company");
  p.contact = Str(o, "contact");
  p.start = Str(o, "start");
  return p;
}

Result<Application> AppFrom(std::string_view id, const bj::object& o) {
  Application a;
  a.id = std::string(id);
  a.provider = Str(o, "provider");
  a.name = Str(o, "name");
  auto c = ParseUseCaseClass(Str(o, "class"));
  if (!c) return Err(Status::Internal("stored application " + a.id + " has no class"));
  a.use_case = *c;
  a.practice_statement = Str(o, "practice_statement");
  a.status = Str(o, "status");
  a.created = Str(o, "created");
  return a;
}

Result<Machine> MachineFrom(std::string_view id, const bj::object& o) {
  Machine m;
  m.id = std::string(id);
  m.app = Str(o, "app");
  m.entities = Strings(o, "entities");
  m.credentials = Strings(o, "credentials");
  for (auto [field, key] : {std::pair{&m.imei, "imei"},
                            {&m.serial, "serial"},
                            {&m.eid, "eid"},
                            {&m.iccid, "iccid"},
                            {&m.imsi, "imsi"},
                            {&m.mcc, "mcc"},
                            {&m.mnc, "mnc"},
                            {&m.model, "model"},
                            {&m.certification, "certification"},
                            {&m.capability, "capability"},
                            {&m.configuration, "configuration"},
                            {&m.purpose, "purpose"},
                            {&m.location, "location"},
                            {&m.provider, "provider"},
                            {&m.owner, "owner"},
                            {&m.user_kyc, "user_kyc"},
                            {&m.flagged, "flagged"},
                            {&m.binding, "binding"},
                            {&m.locked, "locked"},
                            {&m.created, "created"}}) {
    *field = Str(o, key);
  }
  m.allowed_imeis = Strings(o, "allowed_imeis");
  if (const bj::value* seen = o.if_contains("seen"); seen && seen->is_object()) {
    m.seen_imei = Str(seen->get_object(), "imei");
    m.seen_imsi = Str(seen->get_object(), "imsi");
    m.seen_iccid = Str(seen->get_object(), "iccid");
  }
  if (const bj::value* q = o.if_contains("query"); q && q->is_object()) {
    m.query_id = Str(q->get_object(), "id");
    m.query_at = Str(q->get_object(), "at");
  }
  if (const bj::value* a = o.if_contains("answer"); a && a->is_object()) {
    const auto& x = a->get_object();
    m.answer = {Str(x, "at"),    Str(x, "imei"),     Str(x, "imsi"),     Str(x, "iccid"),
                Str(x, "model"), Str(x, "firmware"), Str(x, "software"), Str(x, "result")};
  }
  m.history = HistoryFrom(o);
  return m;
}

bj::array HistoryToJson(const std::vector<HistoryEntry>& history) {
  bj::array out;
  for (const auto& h : history) {
    bj::object e{{"at", h.at}, {"field", h.field}, {"from", h.from}, {"to", h.to}, {"by", h.by}};
    PutIf(e, "reason", h.reason);
    out.emplace_back(std::move(e));
  }
  return out;
}

std::vector<HistoryEntry> HistoryFrom(const bj::object& o) {
  std::vector<HistoryEntry> out;
  if (const bj::value* h = o.if_contains("history"); h && h->is_array()) {
    for (const auto& e : h->get_array()) {
      if (!e.is_object()) continue;
      const auto& x = e.get_object();
      out.push_back({Str(x, "at"), Str(x, "field"), Str(x, "from"), Str(x, "to"), Str(x, "by"),
                     Str(x, "reason")});
    }
  }
  return out;
}

Status ApplyMachineFields(Machine& m, const bj::object& f, bool creating) {
  static constexpr std::string_view kText[] = {
      "serial", "model", "certification", "capability", "configuration", "purpose", "location"};
  static constexpr std::string_view kCreateOnly[] = {"id", "app", "owner", "provider"};
  for (const auto& kv : f) {
    std::string_view k = kv.key();
    bool known = k == "entities" || k == "credentials" || k == "imei" || k == "eid" ||
                 k == "iccid" || k == "imsi" || k == "mnc_digits" || k == "user_kyc" ||
                 k == "binding" || k == "allowed_imeis" ||
                 std::find(std::begin(kText), std::end(kText), k) != std::end(kText);
    bool create_only =
        std::find(std::begin(kCreateOnly), std::end(kCreateOnly), k) != std::end(kCreateOnly);
    if (create_only && !creating) {
      if (k == "id") continue;  // names the machine being updated
      return Status::BadRequest(std::string(k) + " changes only through device transfer" +
                                (k == "app" ? " (a machine's application is fixed)" : ""));
    }
    if (!known && !create_only) return Status::BadRequest("unknown device field " + std::string(k));
    if (k != "entities" && k != "credentials" && k != "user_kyc" && k != "mnc_digits" &&
        k != "allowed_imeis" && !kv.value().is_string()) {
      return Status::BadRequest(std::string(k) + " must be a string");
    }
  }
  for (std::string_view k : kText) {
    if (f.contains(k)) {
      std::string v = Str(f, k);
      if (v.size() > 1024) return Status::BadRequest(std::string(k) + " is longer than 1024");
      if (k == "serial")
        m.serial = v;
      else if (k == "model")
        m.model = v;
      else if (k == "certification")
        m.certification = v;
      else if (k == "capability")
        m.capability = v;
      else if (k == "configuration")
        m.configuration = v;
      else if (k == "purpose")
        m.purpose = v;
      else
        m.location = v;
    }
  }
  if (creating) {
    m.app = Str(f, "app");
    m.owner = Str(f, "owner");
    m.provider = Str(f, "provider");
  }
  for (auto [key, list] : {std::pair{"entities", &m.entities}, {"credentials", &m.credentials}}) {
    if (const bj::value* v = f.if_contains(key)) {
      if (!v->is_array()) return Status::BadRequest(std::string(key) + " must be a list");
      *list = Strings(f, key);
      if (list->size() != v->get_array().size()) {
        return Status::BadRequest(std::string(key) + " must be a list of strings");
      }
      for (const auto& e : *list) {
        if (e.empty() || e.size() > 256) {
          return Status::BadRequest(std::string(key) + ": an ID has 1 to 256 characters");
        }
      }
    }
  }
  using Validator = Result<std::string> (*)(std::string_view);
  for (auto [key, field, validate] : {std::tuple{"imei", &m.imei, Validator{&ValidateImei}},
                                      {"eid", &m.eid, Validator{&ValidateEid}},
                                      {"iccid", &m.iccid, Validator{&ValidateIccid}}}) {
    if (!f.contains(key)) continue;
    field->clear();  // "" removes it
    if (std::string v = Str(f, key); !v.empty()) {
      auto valid = validate(v);
      if (!valid) return valid.error();
      *field = std::move(*valid);
    }
  }
  if (const bj::value* d = f.if_contains("mnc_digits")) {
    if (!d->is_int64() || !f.contains("imsi")) {
      return Status::BadRequest("mnc_digits (2 or 3) is a number given with imsi");
    }
  }
  if (f.contains("imsi")) {
    m.imsi.clear();
    m.mcc.clear();
    m.mnc.clear();
    if (std::string v = Str(f, "imsi"); !v.empty()) {
      auto imsi = ValidateImsi(v, static_cast<int>(json::GetInt(f, "mnc_digits").value_or(0)));
      if (!imsi) return imsi.error();
      m.imsi = imsi->imsi;
      m.mcc = imsi->mcc;
      m.mnc = imsi->mnc;
    }
  }
  if (const bj::value* v = f.if_contains("allowed_imeis")) {
    if (!v->is_array()) return Status::BadRequest("allowed_imeis must be a list");
    m.allowed_imeis.clear();
    for (const auto& e : v->get_array()) {
      if (!e.is_string()) return Status::BadRequest("allowed_imeis must be a list of IMEIs");
      auto imei = ValidateImei(e.get_string());
      if (!imei) return imei.error();
      if (std::find(m.allowed_imeis.begin(), m.allowed_imeis.end(), *imei) ==
          m.allowed_imeis.end()) {
        m.allowed_imeis.push_back(std::move(*imei));
      }
    }
    if (m.allowed_imeis.size() > 64) return Status::BadRequest("allowed_imeis: at most 64");
  }
  if (f.contains("binding")) {
    std::string b = Str(f, "binding");
    if (b == "off") b.clear();
    if (!b.empty() && b != "learn" && b != "strict") {
      return Status::BadRequest("binding is off, learn or strict");
    }
    m.binding = std::move(b);
  }
  if (m.binding == "strict" && (m.imsi.empty() && m.iccid.empty())) {
    return Status::BadRequest(
        "a strict SIM binding needs the SIM: give imsi or iccid (or use binding learn)");
  }
  if (m.binding == "strict" && m.imei.empty() && m.allowed_imeis.empty()) {
    return Status::BadRequest(
        "a strict SIM binding needs the devices: give imei or allowed_imeis (or use binding "
        "learn)");
  }
  if (const bj::value* v = f.if_contains("user_kyc")) {
    if (!v->is_bool()) return Status::BadRequest("user_kyc must be true (verified) or false");
    m.user_kyc = v->get_bool() ? (m.user_kyc.empty() ? FormatTimestamp(Now()) : m.user_kyc) : "";
  }
  return Status::Ok();
}

}  // namespace records
}  // namespace trustcse::security::trust
