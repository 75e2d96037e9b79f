// The trust centre's operations (admin/operations.h): providers, applications, machines.
#include <boost/json.hpp>

#include "admin/operations.h"
#include "primitive/json_util.h"
#include "security/trust/explain.h"
#include "security/trust/identity_query.h"

namespace trustcse::admin {

namespace bj = boost::json;
namespace trust = security::trust;

namespace {

std::string Str(const bj::object& a, std::string_view k) {
  return std::string(json::GetString(a, k).value_or(""));
}

const bj::array* Items(const bj::object& a, std::string_view key) {
  const bj::value* v = a.if_contains(key);
  return v != nullptr && v->is_array() ? &v->get_array() : nullptr;
}

template <class T>
Result<bj::object> One(std::string_view key, Result<T> r) {
  if (!r) return Err(r.error());
  return bj::object{{key, trust::ToJson(*r)}};
}

// A listing's page: at most `limit` (1 to 10,000; default 1,000) records from `list(after,
// limit)` under `key`, and "next" (the last ID) when the page is full.
template <class List>
Result<bj::object> Page(const bj::object& a, std::string_view key, List list) {
  int64_t limit = json::GetInt(a, "limit").value_or(1000);
  if (limit < 1 || limit > 10000) return Err(Status::BadRequest("limit is 1 to 10,000"));
  auto records = list(Str(a, "after"), static_cast<size_t>(limit));
  bj::array out;
  for (const auto& r : records) out.emplace_back(trust::ToJson(r));
  bj::object page{{key, std::move(out)}};
  if (records.size() == static_cast<size_t>(limit)) page["next"] = records.back().id;
  return page;
}

}  // namespace

Result<bj::object> Operations::Trust(std::string_view op, const bj::object& a,
                                     std::string_view actor) {
  if (!trust_ || !lists_) return Err(Status::NotFound("the trust centre is not available here"));
  if (op.starts_with("subscription.")) return Subscriptions(op, a, actor);
  if (op == "explain") {
    auto q = trust::ParseExplainQuery(a);
    if (!q) return Err(q.error());
    if (!credentials_) return Err(Status::NotFound("explain needs the credential registry"));
    trust::TrustGate gate(trust_, credentials_, gate_options_, lists_, subscriptions_);
    return trust::Explain(gate, *trust_, subscriptions_.get(), *credentials_, *q);
  }
  if (op == "bulk.show") {
    auto job = trust_->FindJob(Str(a, "job"));
    if (!job) return Err(job.error());
    if (!*job) return Err(Status::NotFound("no bulk job " + Str(a, "job")));
    return bj::object{{"job", trust::ToJson(**job)}};
  }
  if (op == "device.import") {
    const bj::array* items = Items(a, "devices");
    if (items == nullptr) return Err(Status::BadRequest("devices: a list of device.add's fields"));
    auto batch = trust::ParseBulkBatch(a, "", Str(a, "file_sha256"), items->size(), actor);
    if (!batch) return Err(batch.error());
    return One("job", trust_->AddMachineBatch(std::move(*batch), *items));
  }
  if (op == "list.add") {
    auto e = lists_->Add(a, actor);
    if (!e) return Err(e.error());
    return bj::object{{"entry", trust::ToJson(*e)}};
  }
  if (op == "list.remove") {
    auto e = lists_->Remove(Str(a, "kind"), Str(a, "value"));
    if (!e) return Err(e.error());
    return bj::object{{"entry", trust::ToJson(*e)}};
  }
  if (op == "list.show") {
    int64_t limit = json::GetInt(a, "limit").value_or(1000);
    if (limit < 1 || limit > 10000) return Err(Status::BadRequest("limit is 1 to 10,000"));
    bj::array out;
    for (const auto& e : lists_->Entries(Str(a, "list"), static_cast<size_t>(limit))) {
      out.emplace_back(trust::ToJson(e));
    }
    return bj::object{{"entries", std::move(out)}};
  }
  trust::TrustRegistry& t = *trust_;
  if (op == "provider.add") {
    trust::Provider p;
    p.kind = Str(a, "kind");
    p.company = Str(a, "company");
    p.contact = Str(a, "contact");
    p.start = Str(a, "start");
    return One("provider", t.AddProvider(std::move(p)));
  }
  if (op == "provider.list") {
    bj::array out;
    for (const auto& p : t.Providers()) out.emplace_back(trust::ToJson(p));
    return bj::object{{"providers", std::move(out)}};
  }
  if (op == "app.add") {
    trust::Application app;
    app.provider = Str(a, "provider");
    app.name = Str(a, "name");
    auto c = trust::ParseUseCaseClass(Str(a, "class"));
    if (!c) return Err(Status::BadRequest("class is one of CQS CQN CBS CBN NQS NQN NBS NBN"));
    app.use_case = *c;
    app.practice_statement = Str(a, "practice_statement");
    return One("application", t.AddApp(std::move(app)));
  }
  if (op == "app.update") return One("application", t.UpdateApp(Str(a, "id"), a));
  if (op == "app.list") {
    bj::array out;
    for (const auto& app : t.Applications(Str(a, "provider"))) out.emplace_back(trust::ToJson(app));
    return bj::object{{"applications", std::move(out)}};
  }
  if (op == "device.add") return One("device", t.AddMachine(a, actor));
  if (op == "device.update") return One("device", t.UpdateMachine(Str(a, "id"), a, actor));
  if (op == "device.transfer") return One("device", t.TransferMachine(Str(a, "id"), a, actor));
  if (op == "device.flag") {
    if (Str(a, "reason").empty()) return Err(Status::BadRequest("say why: a reason is required"));
    return One("device", t.FlagMachine(Str(a, "id"), Str(a, "reason"), actor));
  }
  if (op == "device.unflag") return One("device", t.FlagMachine(Str(a, "id"), "", actor));
  if (op == "device.query") {
    if (!notify_device_) {
      return Err(Status::NotFound("device query needs the running server: it sends the query"));
    }
    auto m = t.StartQuery(Str(a, "id"), actor);
    if (!m) return Err(m.error());
    const std::string body = trust::IdentityQueryBody(*m);
    bj::array sent;
    for (const auto& ae : m->entities) {
      notify_device_(ae, body);
      sent.emplace_back(ae);
    }
    return bj::object{{"device", trust::ToJson(*m)}, {"sent_to", std::move(sent)}};
  }
  if (op == "device.authorize" || op == "device.unlock") {
    return One("device", t.Unlock(Str(a, "id"), op == "device.authorize", Str(a, "reason"), actor));
  }
  if (op == "device.show") {
    auto m = t.FindMachine(Str(a, "id"));
    if (!m) return Err(Status::NotFound("no machine " + Str(a, "id")));
    return bj::object{{"device", trust::ToJson(*m)}};
  }
  if (op == "device.list") {
    return Page(a, "devices", [&](std::string_view after, size_t limit) {
      return t.Machines(Str(a, "app"), after, limit);
    });
  }
  return Err(Status::NotFound("unknown operation " + std::string(op)));
}

Result<bj::object> Operations::Subscriptions(std::string_view op, const bj::object& a,
                                             std::string_view actor) {
  if (!subscriptions_) return Err(Status::NotFound("subscriptions are not available here"));
  trust::SubscriptionRegistry& s = *subscriptions_;
  auto one = [](Result<trust::Subscription> r) -> Result<bj::object> {
    if (!r) return Err(r.error());
    return bj::object{{"subscription", trust::ToJson(*r)}};
  };
  if (op == "subscription.add") return one(s.Add(a, actor));
  if (op == "subscription.import") {
    const bj::array* items = Items(a, "subscriptions");
    if (items == nullptr) {
      return Err(Status::BadRequest("subscriptions: a list of subscription.add's fields"));
    }
    auto batch = trust::ParseBulkBatch(a, "", Str(a, "file_sha256"), items->size(), actor);
    if (!batch) return Err(batch.error());
    return One("job", s.AddBatch(std::move(*batch), *items));
  }
  if (op == "subscription.bulk") {
    const bj::array* items = Items(a, "ids");
    if (items == nullptr) return Err(Status::BadRequest("ids: a list of subscription IDs"));
    std::vector<std::string> ids;
    ids.reserve(items->size());
    for (const auto& v : *items) {
      if (!v.is_string()) return Err(Status::BadRequest("ids: a list of subscription IDs"));
      ids.emplace_back(v.get_string());
    }
    auto batch = trust::ParseBulkBatch(a, "", Str(a, "file_sha256"), ids.size(), actor);
    if (!batch) return Err(batch.error());
    return One("job", s.TransitionBatch(std::move(*batch), ids, Str(a, "to"), Str(a, "reason"),
                                         json::GetBool(a, "override").value_or(false)));
  }
  if (op == "subscription.update") {
    const bj::value* p = a.if_contains("profile");
    if (p == nullptr || !p->is_object()) return Err(Status::BadRequest("give the new profile"));
    return one(s.UpdateProfile(Str(a, "id"), p->get_object(), actor));
  }
  // The lifecycle verbs and the state each leads to.
  static constexpr std::pair<std::string_view, std::string_view> kVerbs[] = {
      {"subscription.activate", "active"},     {"subscription.resume", "active"},
      {"subscription.suspend", "suspended"},   {"subscription.quarantine", "quarantined"},
      {"subscription.terminate", "terminated"}};
  for (const auto& [verb, state] : kVerbs) {
    if (op != verb) continue;
    return one(s.Transition(Str(a, "id"), state, Str(a, "reason"),
                            json::GetBool(a, "override").value_or(false), actor));
  }
  if (op == "subscription.show") {
    auto live = s.Find(Str(a, "id"));
    if (!live) return Err(Status::NotFound("no subscription " + Str(a, "id")));
    return bj::object{{"subscription", trust::ToJson(live->sub)}};
  }
  if (op == "subscription.list") {
    return Page(a, "subscriptions", [&](std::string_view after, size_t limit) {
      return s.List(Str(a, "machine"), after, limit);
    });
  }
  return Err(Status::NotFound("unknown operation " + std::string(op)));
}

}  // namespace trustcse::admin
