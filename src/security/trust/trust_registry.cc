#include "security/trust/trust_registry.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <map>

#include "common/time.h"
#include "primitive/json_util.h"
#include "resources/resource.h"
#include "security/trust/trust_records.h"

namespace trustcse::security::trust {

namespace bj = boost::json;

namespace {

constexpr std::string_view kCounterKind = "tc-counter";

Result<bj::object> ParseObject(std::string_view body, std::string_view what) {
  auto v = json::Parse(body);
  if (!v || !v->is_object())
    return Err(Status::Internal("stored " + std::string(what) + " is not JSON"));
  return std::move(v->get_object());
}

template <class T>
std::vector<T> Sorted(const StringMap<std::shared_ptr<const T>>& m) {
  std::vector<T> out;
  out.reserve(m.size());
  for (const auto& [id, p] : m) out.push_back(*p);
  std::sort(out.begin(), out.end(), [](const T& a, const T& b) { return a.id < b.id; });
  return out;
}

}  // namespace

Status TrustRegistry::Load() {
  std::unique_lock lock(mu_);
  // Every stored object of `kind`, parsed, to `add`.
  auto each = [this](std::string_view kind, std::string_view what,
                     const std::function<Status(const std::string&, const bj::object&)>& add) {
    auto objects = store_.ListObjects(kind);
    if (!objects) return objects.error();
    for (const auto& o : *objects) {
      auto body = ParseObject(o.body, what);
      if (!body) return body.error();
      if (Status s = add(o.id, *body); !s.ok()) return s;
    }
    return Status::Ok();
  };
  Status s = each(kProviderKind, "provider", [&](const std::string& id, const bj::object& o) {
    auto p = records::ProviderFrom(id, o);
    if (!p) return p.error();
    providers_[id] = std::make_shared<const Provider>(std::move(*p));
    return Status::Ok();
  });
  if (s.ok()) {
    s = each(kAppKind, "application", [&](const std::string& id, const bj::object& o) {
      auto a = records::AppFrom(id, o);
      if (!a) return a.error();
      apps_[id] = std::make_shared<const Application>(std::move(*a));
      return Status::Ok();
    });
  }
  if (s.ok()) {
    s = each(kMachineKind, "machine", [&](const std::string& id, const bj::object& o) {
      auto m = records::MachineFrom(id, o);
      if (!m) return m.error();
      IndexLocked(std::make_shared<const Machine>(std::move(*m)));
      return Status::Ok();
    });
  }
  if (!s.ok()) return s;
  has_apps_.store(!apps_.empty(), std::memory_order_release);
  if (!providers_.empty() || !machines_.empty()) {
    spdlog::info("trust centre: {} providers, {} applications, {} machines", providers_.size(),
                 apps_.size(), machines_.size());
  }
  return Status::Ok();
}

template <class Map>
auto TrustRegistry::Lookup(const Map& map, std::string_view key) const ->
    typename Map::mapped_type {
  if (key.empty()) return nullptr;
  std::shared_lock lock(mu_);
  auto it = map.find(key);
  return it == map.end() ? nullptr : it->second;
}

std::shared_ptr<const Provider> TrustRegistry::FindProvider(std::string_view id) const {
  return Lookup(providers_, id);
}
std::shared_ptr<const Application> TrustRegistry::FindApp(std::string_view id) const {
  return Lookup(apps_, id);
}
std::shared_ptr<const Machine> TrustRegistry::FindMachine(std::string_view id) const {
  return Lookup(machines_, id);
}
std::shared_ptr<const Machine> TrustRegistry::MachineOfEntity(std::string_view originator) const {
  return Lookup(by_entity_, originator);
}
std::shared_ptr<const Machine> TrustRegistry::MachineOfCredential(std::string_view id) const {
  return Lookup(by_credential_, id);
}
std::shared_ptr<const Machine> TrustRegistry::MachineOfIdentity(std::string_view kind,
                                                                std::string_view value) const {
  if (kind == "imei") return Lookup(by_imei_, value);
  if (kind == "imsi") return Lookup(by_imsi_, value);
  if (kind == "iccid") return Lookup(by_iccid_, value);
  return nullptr;
}

TrustRegistry::Subject TrustRegistry::Resolve(std::string_view originator,
                                              std::string_view credential_id,
                                              std::string_view app_id) const {
  Subject out;
  std::shared_lock lock(mu_);
  auto machine_of = [&](const MachineIndex& index, std::string_view key) {
    if (key.empty()) return;
    if (auto it = index.find(key); it != index.end()) out.machine = it->second;
  };
  machine_of(by_entity_, originator);
  if (!out.machine) machine_of(by_credential_, credential_id);
  if (out.machine) app_id = out.machine->app;
  if (!app_id.empty()) {
    if (auto it = apps_.find(app_id); it != apps_.end()) out.app = it->second;
  }
  return out;
}

std::vector<Provider> TrustRegistry::Providers() const {
  std::shared_lock lock(mu_);
  return Sorted(providers_);
}

std::vector<Application> TrustRegistry::Applications(std::string_view provider) const {
  std::shared_lock lock(mu_);
  auto all = Sorted(apps_);
  if (!provider.empty()) {
    std::erase_if(all, [&](const Application& a) { return a.provider != provider; });
  }
  return all;
}

std::vector<Machine> TrustRegistry::Machines(std::string_view app, std::string_view after,
                                             size_t limit) const {
  std::vector<Machine> out;
  std::shared_lock lock(mu_);
  for (auto it = machine_order_.upper_bound(after); it != machine_order_.end() && out.size() < limit;
       ++it) {
    const Machine& m = *machines_.find(*it)->second;
    if (app.empty() || m.app == app) out.push_back(m);
  }
  return out;
}

void TrustRegistry::IndexLocked(std::shared_ptr<const Machine> m) {
  if (auto old = machines_.find(m->id); old != machines_.end()) {
    for (const auto& e : old->second->entities) by_entity_.erase(e);
    for (const auto& c : old->second->credentials) by_credential_.erase(c);
    if (!old->second->imei.empty()) by_imei_.erase(old->second->imei);
    if (!old->second->iccid.empty()) by_iccid_.erase(old->second->iccid);
    if (!old->second->imsi.empty()) by_imsi_.erase(old->second->imsi);
  }
  for (const auto& e : m->entities) by_entity_[e] = m;
  for (const auto& c : m->credentials) by_credential_[c] = m;
  if (!m->imei.empty()) by_imei_[m->imei] = m;
  if (!m->iccid.empty()) by_iccid_[m->iccid] = m;
  if (!m->imsi.empty()) by_imsi_[m->imsi] = m;
  std::string id = m->id;
  auto [it, added] = machines_.insert_or_assign(std::move(id), std::move(m));
  if (added) machine_order_.insert(it->first);
}

Status TrustRegistry::CheckUnique(const Machine& m) const {
  auto taken = [&](const MachineIndex& index, const std::string& key) {
    auto it = index.find(key);
    return it != index.end() && it->second->id != m.id;
  };
  for (const auto& e : m.entities) {
    if (taken(by_entity_, e))
      return Status::Conflict("entity " + e + " belongs to another machine");
  }
  for (const auto& c : m.credentials) {
    if (taken(by_credential_, c)) {
      return Status::Conflict("credential " + c + " belongs to another machine");
    }
  }
  if (!m.imei.empty() && taken(by_imei_, m.imei)) {
    return Status::Conflict("IMEI " + m.imei + " is recorded for another machine");
  }
  if (!m.iccid.empty() && taken(by_iccid_, m.iccid)) {
    return Status::Conflict("ICCID " + m.iccid + " is recorded for another machine");
  }
  if (!m.imsi.empty() && taken(by_imsi_, m.imsi)) {
    return Status::Conflict("IMSI " + m.imsi + " is recorded for another machine");
  }
  return Status::Ok();
}

Result<uint64_t> TrustRegistry::NextNumber(storage::WriteTxn& txn, std::string_view counter) {
  auto cur = txn.GetObject(kCounterKind, counter);
  if (!cur) return Err(cur.error());
  uint64_t next = 1;
  if (*cur) next = std::strtoull((*cur)->c_str(), nullptr, 10) + 1;
  if (Status s = txn.PutObject(kCounterKind, counter, std::to_string(next)); !s.ok()) return Err(s);
  return next;
}

Result<Provider> TrustRegistry::AddProvider(Provider p) {
  if (p.kind.empty()) p.kind = "m2m";
  if (p.kind != "m2m" && p.kind != "asp") {
    return Err(
        Status::BadRequest("kind is m2m (M2M service provider) or asp (application "
                           "service provider)"));
  }
  if (p.company.empty() || p.contact.empty()) {
    return Err(Status::BadRequest("a provider needs its company and a contact"));
  }
  if (p.start.empty()) p.start = FormatTimestamp(Now());
  std::lock_guard change(change_mu_);
  Status s = store_.SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
    auto n = NextNumber(txn, "provider");
    if (!n) return n.error();
    char id[16];
    std::snprintf(id, sizeof id, "SP%06llu", static_cast<unsigned long long>(*n));
    p.id = id;
    return txn.PutObject(kProviderKind, p.id, json::Serialize(ToJson(p)));
  });
  if (!s.ok()) return Err(s);
  std::unique_lock lock(mu_);
  providers_[p.id] = std::make_shared<const Provider>(p);
  return p;
}

Result<Application> TrustRegistry::AddApp(Application a) {
  if (!FindProvider(a.provider)) {
    return Err(Status::NotFound("no provider " + a.provider + " (trustcse provider list)"));
  }
  if (a.name.empty() || a.practice_statement.empty() || a.use_case == UseCaseClass::kNone) {
    return Err(
        Status::BadRequest("an application needs a name, a use-case class (CQS … NBN) "
                           "and a practice statement reference"));
  }
  a.status = "active";
  a.created = FormatTimestamp(Now());
  std::lock_guard change(change_mu_);
  Status s = store_.SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
    auto n = NextNumber(txn, "app:" + a.provider);
    if (!n) return n.error();
    a.id = "R" + a.provider + "-" + std::to_string(*n);
    return txn.PutObject(kAppKind, a.id, json::Serialize(ToJson(a)));
  });
  if (!s.ok()) return Err(s);
  std::unique_lock lock(mu_);
  apps_[a.id] = std::make_shared<const Application>(a);
  has_apps_.store(true, std::memory_order_release);
  return a;
}

Result<Application> TrustRegistry::UpdateApp(std::string_view id, const bj::object& f) {
  std::lock_guard change(change_mu_);
  auto cur = FindApp(id);
  if (!cur) return Err(Status::NotFound("no application " + std::string(id)));
  Application a = *cur;
  for (const auto& kv : f) {
    std::string_view k = kv.key();
    if (k == "id") continue;
    if (!kv.value().is_string())
      return Err(Status::BadRequest(std::string(k) + " must be a string"));
    std::string v(kv.value().get_string());
    if (k == "status") {
      if (v != "active" && v != "suspended") {
        return Err(Status::BadRequest("status is active or suspended"));
      }
      a.status = v;
    } else if (k == "class") {
      auto c = ParseUseCaseClass(v);
      if (!c) return Err(Status::BadRequest("class is one of CQS CQN CBS CBN NQS NQN NBS NBN"));
      a.use_case = *c;
    } else if (k == "practice_statement") {
      if (v.empty())
        return Err(Status::BadRequest("the practice statement reference cannot be empty"));
      a.practice_statement = v;
    } else {
      return Err(Status::BadRequest("an application's " + std::string(k) + " cannot be changed"));
    }
  }
  Status s = store_.SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
    return txn.PutObject(kAppKind, a.id, json::Serialize(ToJson(a)));
  });
  if (!s.ok()) return Err(s);
  std::unique_lock lock(mu_);
  apps_[a.id] = std::make_shared<const Application>(a);
  return a;
}

Result<Machine> TrustRegistry::ValidateMachine(const bj::object& f, std::string_view by,
                                               const std::string& now) const {
  Machine m;
  if (Status s = records::ApplyMachineFields(m, f, /*creating=*/true); !s.ok()) return Err(s);
  m.id = std::string(json::GetString(f, "id").value_or(""));
  if (m.id.empty()) m.id = "M" + resources::NewResourceId("").substr(0, 16);
  if (m.id.size() > 128 || m.id.find_first_of(" \t\r\n/") != std::string::npos) {
    return Err(Status::BadRequest("a machine ID has 1 to 128 characters, no spaces or slashes"));
  }
  auto app = FindApp(m.app);
  if (!app) return Err(Status::NotFound("no application " + m.app + " (trustcse app list)"));
  if (m.provider.empty()) m.provider = app->provider;
  if (!FindProvider(m.provider)) return Err(Status::NotFound("no provider " + m.provider));
  m.created = now;
  m.history.push_back({m.created, "registered", "", m.id, std::string(by), ""});
  return m;
}

Result<Machine> TrustRegistry::AddMachine(const bj::object& f, std::string_view by) {
  auto m = ValidateMachine(f, by, FormatTimestamp(Now()));
  if (!m) return m;
  std::lock_guard change(change_mu_);
  {
    std::shared_lock lock(mu_);
    if (machines_.contains(m->id)) return Err(Status::Conflict("machine " + m->id + " exists"));
    if (Status s = CheckUnique(*m); !s.ok()) return Err(s);
  }
  Status s = store_.SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
    return txn.PutObject(kMachineKind, m->id, json::Serialize(records::MachineBody(*m)));
  });
  if (!s.ok()) return Err(s);
  std::unique_lock lock(mu_);
  IndexLocked(std::make_shared<const Machine>(*m));
  return m;
}

Result<BulkJob> TrustRegistry::AddMachineBatch(BulkBatch batch, const bj::array& items) {
  batch.op = "device.import";
  const std::string now = FormatTimestamp(Now());
  BulkOutcome outcome;
  // Validated before the change lock, which the request path takes to learn or lock a binding.
  std::vector<Result<Machine>> validated;
  validated.reserve(items.size());
  for (const auto& item : items) {
    validated.push_back(item.is_object() ? ValidateMachine(item.get_object(), batch.by, now)
                                         : Err(Status::BadRequest("not a JSON object")));
  }
  std::vector<std::shared_ptr<const Machine>> staged;
  std::vector<std::string> bodies;
  std::lock_guard change(change_mu_);
  // What the batch's earlier items claim: IDs and identities are unique across it too.
  StringSet claimed;
  auto claim_all = [&](const Machine& m, bool take) -> std::string {
    std::vector<std::string> keys{"id:" + m.id};
    for (const auto& e : m.entities) keys.push_back("entity " + e);
    for (const auto& c : m.credentials) keys.push_back("credential " + c);
    if (!m.imei.empty()) keys.push_back("IMEI " + m.imei);
    if (!m.iccid.empty()) keys.push_back("ICCID " + m.iccid);
    if (!m.imsi.empty()) keys.push_back("IMSI " + m.imsi);
    for (auto& k : keys) {
      if (!take && claimed.contains(k)) {
        return (k.starts_with("id:") ? "machine " + m.id : k) + " is in the batch twice";
      }
      if (take) claimed.insert(std::move(k));
    }
    return "";
  };
  for (size_t i = 0; i < items.size(); ++i) {
    auto& m = validated[i];
    if (!m) {
      outcome.errors.emplace_back(i, m.error().message());
      continue;
    }
    Status unique;
    {
      std::shared_lock lock(mu_);
      unique = machines_.contains(m->id) ? Status::Conflict("machine " + m->id + " exists")
                                         : CheckUnique(*m);
    }
    if (!unique.ok()) {
      outcome.errors.emplace_back(i, unique.message());
      continue;
    }
    if (std::string twice = claim_all(*m, false); !twice.empty()) {
      outcome.errors.emplace_back(i, twice);
      continue;
    }
    claim_all(*m, true);
    bodies.push_back(json::Serialize(records::MachineBody(*m)));
    staged.push_back(std::make_shared<const Machine>(std::move(*m)));
    ++outcome.changed;
  }
  auto job = CommitBulkBatch(store_, batch, items.size(), outcome, [&](storage::WriteTxn& txn) {
    for (size_t i = 0; i < staged.size(); ++i) {
      if (Status w = txn.PutObject(kMachineKind, staged[i]->id, bodies[i]); !w.ok()) return w;
    }
    return Status::Ok();
  });
  if (!job) return job;
  // Made visible a slice at a time: lookups of the request path wait for a slice, not a batch.
  constexpr size_t kSlice = 256;
  for (size_t from = 0; from < staged.size(); from += kSlice) {
    std::unique_lock lock(mu_);
    for (size_t i = from; i < std::min(staged.size(), from + kSlice); ++i) {
      IndexLocked(std::move(staged[i]));
    }
  }
  return job;
}

Result<std::optional<BulkJob>> TrustRegistry::FindJob(std::string_view id) const {
  return FindBulkJob(store_, id);
}

Result<Machine> TrustRegistry::ChangeMachine(std::string_view id, const Edit& edit) {
  std::lock_guard change(change_mu_);
  auto cur = FindMachine(id);
  if (!cur) return Err(Status::NotFound("no machine " + std::string(id)));
  Machine m = *cur;
  if (Status s = edit(m); !s.ok()) return Err(s);
  {
    std::shared_lock lock(mu_);
    if (Status s = CheckUnique(m); !s.ok()) return Err(s);
  }
  Status s = store_.SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
    return txn.PutObject(kMachineKind, m.id, json::Serialize(records::MachineBody(m)));
  });
  if (!s.ok()) return Err(s);
  std::unique_lock lock(mu_);
  IndexLocked(std::make_shared<const Machine>(m));
  return m;
}

Result<Machine> TrustRegistry::UpdateMachine(std::string_view id, const bj::object& f,
                                             std::string_view by) {
  return ChangeMachine(id, [&](Machine& m) {
    std::string kyc_before = m.user_kyc;
    if (Status s = records::ApplyMachineFields(m, f, /*creating=*/false); !s.ok()) return s;
    if (m.user_kyc != kyc_before) {
      m.history.push_back({FormatTimestamp(Now()), "user_kyc", kyc_before.empty() ? "" : "verified",
                           m.user_kyc.empty() ? "" : "verified", std::string(by), ""});
    }
    return Status::Ok();
  });
}

Result<Machine> TrustRegistry::TransferMachine(std::string_view id, const bj::object& f,
                                               std::string_view by) {
  for (const auto& kv : f) {
    std::string_view k = kv.key();
    if (k != "id" && k != "owner" && k != "provider" && k != "reason") {
      return Err(Status::BadRequest("unknown transfer field " + std::string(k) +
                                    " (owner, provider, reason)"));
    }
    if (!kv.value().is_string())
      return Err(Status::BadRequest(std::string(k) + " must be a string"));
  }
  std::string owner(json::GetString(f, "owner").value_or(""));
  std::string provider(json::GetString(f, "provider").value_or(""));
  std::string reason(json::GetString(f, "reason").value_or(""));
  if (owner.empty() && provider.empty()) {
    return Err(Status::BadRequest("a transfer names the new owner, the new provider, or both"));
  }
  if (!provider.empty() && !FindProvider(provider)) {
    return Err(Status::NotFound("no provider " + provider + " (trustcse provider list)"));
  }
  return ChangeMachine(id, [&](Machine& m) {
    std::string at = FormatTimestamp(Now());
    if (!owner.empty() && owner != m.owner) {
      m.history.push_back({at, "owner", m.owner, owner, std::string(by), reason});
      m.owner = owner;
      // The new owner's identity is not the old one's: their KYC starts again.
      if (!m.user_kyc.empty()) {
        m.history.push_back({at, "user_kyc", "verified", "", std::string(by), "owner changed"});
        m.user_kyc.clear();
      }
    }
    if (!provider.empty() && provider != m.provider) {
      m.history.push_back({at, "provider", m.provider, provider, std::string(by), reason});
      m.provider = provider;
    }
    return Status::Ok();
  });
}

Result<Machine> TrustRegistry::FlagMachine(std::string_view id, std::string reason,
                                           std::string_view by) {
  return ChangeMachine(id, [&](Machine& m) {
    if (reason.size() > 1024) return Status::BadRequest("the reason is longer than 1024");
    if (reason == m.flagged) return Status::Ok();
    m.history.push_back(
        {FormatTimestamp(Now()), "flagged", m.flagged, reason, std::string(by), ""});
    m.flagged = std::move(reason);
    return Status::Ok();
  });
}

}  // namespace trustcse::security::trust
