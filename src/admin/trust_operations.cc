// The trust centre's operations (admin/operations.h): providers, applications, machines.
#include <boost/json.hpp>

#include "admin/operations.h"
#include "primitive/json_util.h"
#include "security/trust/identity_query.h"

namespace trustcse::admin {

namespace bj = boost::json;
namespace trust = security::trust;

namespace {

std::string Str(const bj::object& a, std::string_view k) {
  return std::string(json::GetString(a, k).value_or(""));
}

template <class T>
Result<bj::object> One(std::string_view key, Result<T> r) {
  if (!r) return Err(r.error());
  return bj::object{{key, trust::ToJson(*r)}};
}

}  // namespace

Result<bj::object> Operations::Trust(std::string_view op, const bj::object& a,
                                     std::string_view actor) {
  if (!trust_ || !lists_) return Err(Status::NotFound("the trust centre is not available here"));
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
    int64_t limit = json::GetInt(a, "limit").value_or(1000);
    if (limit < 1 || limit > 10000) return Err(Status::BadRequest("limit is 1 to 10,000"));
    auto list = t.Machines(Str(a, "app"), Str(a, "after"), static_cast<size_t>(limit));
    bj::array out;
    for (const auto& m : list) out.emplace_back(trust::ToJson(m));
    bj::object r{{"devices", std::move(out)}};
    if (list.size() == static_cast<size_t>(limit)) r["next"] = list.back().id;
    return r;
  }
  return Err(Status::NotFound("unknown operation " + std::string(op)));
}

}  // namespace trustcse::admin
