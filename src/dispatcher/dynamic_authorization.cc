// Dynamic authorization (TS-0001 §7.3.4.3, docs/design/authorization.md): consulting the
// dynamic authorization servers a denied request's resource names (the own DAS role in process,
// others through the notifier's sender) and recording what they grant; and the built-in DAS
// role answering consultations from the configured consultants.
#include <algorithm>

#include "dispatcher/internal.h"
#include "primitive/json_util.h"

namespace trustcse::dispatcher {


const bj::object* Dispatcher::Impl::ConsultationOf(const RequestPrimitive& req) const {
  if (!opt.das_role || req.op != Operation::kNotify || !req.pc.is_object()) return nullptr;
  // Only the consulting entities the operator named: anyone else's m2m:seci is an ordinary
  // NOTIFY (and the gates have already tied req.fr to the channel).
  if (std::find(opt.das_consultants.begin(), opt.das_consultants.end(), req.fr) ==
      opt.das_consultants.end()) {
    return nullptr;
  }
  const auto* seci = req.pc.get_object().if_contains("m2m:seci");
  if (seci == nullptr || !seci->is_object()) return nullptr;
  return json::GetInt(seci->get_object(), "sit").value_or(0) == 1 ? &seci->get_object() : nullptr;
}

bool Dispatcher::Impl::IsOwnDas(std::string_view url) const {
  if (!opt.das_role) return false;
  // One of this CSE's points of access followed by the CSEBase (structured or by CSE-ID).
  for (const auto& poa : opt.poa) {
    if (!url.starts_with(poa)) continue;
    std::string_view path = url.substr(poa.size());
    if (path.ends_with('/')) path.remove_suffix(1);
    if (path == "/" + opt.self.cse_name || path == "/~" + opt.self.cse_id ||
        path == "/~" + opt.self.cse_id + "/" + opt.self.cse_name) {
      return true;
    }
  }
  return false;
}

namespace {

// The oneM2M operation of an access bit (dreq "op"; DISCOVER is a RETRIEVE with fu=1: 6 here).
int OperationOf(uint32_t access) {
  switch (access) {
    case security::kCreate: return 1;
    case security::kRetrieve: return 2;
    case security::kUpdate: return 3;
    case security::kDelete: return 4;
    case security::kNotify: return 5;
    default: return 6;
  }
}

}  // namespace

namespace {

// What a DAS answer (m2m:seci sit 2) grants, for at most `lifetime` seconds; nothing if it grants
// nothing usable.
std::optional<security::DynamicGrant> GrantFromAnswer(const bj::value& answer,
                                                      std::optional<int64_t> lifetime) {
  const TimePoint now = Now();
  const bj::value* gp = nullptr;
  std::optional<TimePoint> xts;
  if (answer.is_object()) {
    const auto* seci = answer.get_object().if_contains("m2m:seci");
    const auto* dres =
        seci && seci->is_object() ? seci->get_object().if_contains("dres") : nullptr;
    const auto* dai = dres && dres->is_object() ? dres->get_object().if_contains("dai") : nullptr;
    if (dai && dai->is_object()) {
      gp = dai->get_object().if_contains("gp");
      if (auto x = json::GetString(dai->get_object(), "xts")) xts = ParseTimestamp(*x);
    }
  }
  if (gp == nullptr) return std::nullopt;
  auto privileges = security::CompiledPrivileges::Compile(gp);
  if (!privileges || privileges->rule_count() == 0) return std::nullopt;
  TimePoint until = xts.value_or(now + std::chrono::seconds(60));
  if (lifetime) until = std::min(until, now + std::chrono::seconds(*lifetime));
  if (until <= now) return std::nullopt;
  return security::DynamicGrant{
      std::make_shared<const security::CompiledPrivileges>(std::move(*privileges)), until};
}

// The dynamic authorization step's consultant: reads the <dynamicAuthorizationConsultation>
// resources a subject names and asks their servers one after another until one grants. This
// CSE's own DAS role is asked in process: a consultation that travelled through a binding would
// need a channel that authenticates this CSE to itself.
class DasConsultant final : public security::Consultant {
 public:
  explicit DasConsultant(Dispatcher::Impl& d) : d_(d) {}

  void Consult(security::Consultation c,
               std::function<void(std::optional<security::DynamicGrant>)> done) override {
    struct Server {
      std::string url;
      std::optional<int64_t> lifetime;
    };
    auto servers = std::make_shared<std::vector<Server>>();
    for (const auto& id : c.daci) {
      auto dac = d_.LoadId(id);
      if (!dac || !*dac || (*dac)->ty() != rty::kDynamicAuthorizationConsultation) continue;
      if (!json::GetBool((*dac)->attrs, "dae").value_or(false)) continue;
      auto dal = json::GetInt((*dac)->attrs, "dal");
      if (const auto* dap = (*dac)->attrs.if_contains("dap"); dap && dap->is_array()) {
        for (const auto& u : dap->get_array()) {
          if (u.is_string()) servers->push_back({std::string(u.get_string()), dal});
        }
      }
    }
    if (servers->empty()) return done(std::nullopt);
    bj::object dreq;
    dreq["or"] = c.originator;
    dreq["trt"] = c.subject_ty;
    dreq["op"] = OperationOf(c.access);
    dreq["rid"] = c.subject_ri;
    std::string body = json::Serialize(
        bj::object{{"m2m:seci", bj::object{{"sit", 1}, {"dreq", dreq}}}});
    // The function refers to itself weakly; whoever runs it or waits for an answer to continue
    // it holds it.
    using Ask = std::function<void(size_t)>;
    auto ask = std::make_shared<Ask>();
    *ask = [d = &d_, servers, body, dreq, done, weak = std::weak_ptr<Ask>(ask)](size_t i) {
      if (i >= servers->size()) return done(std::nullopt);
      auto self = weak.lock();
      const Server& server = (*servers)[i];
      if (d->IsOwnDas(server.url)) {
        auto dres = d->DasDecision(dreq);
        bj::value answer = bj::object{
            {"m2m:seci",
             bj::object{{"sit", 2}, {"dres", dres ? std::move(*dres) : bj::object()}}}};
        if (auto g = GrantFromAnswer(answer, server.lifetime)) return done(std::move(g));
        return (*self)(i + 1);
      }
      d->notifier.Consult(server.url, body, [servers, done, self, i](Status s,
                                                                     std::string answer) {
        if (s.ok()) {
          auto v = json::Parse(answer);
          if (v) {
            if (auto g = GrantFromAnswer(*v, (*servers)[i].lifetime)) return done(std::move(g));
          }
        }
        (*self)(i + 1);
      });
    };
    (*ask)(0);
  }

 private:
  Dispatcher::Impl& d_;
};

}  // namespace

std::shared_ptr<security::Consultant> Dispatcher::Impl::MakeConsultant(Impl& d) {
  return std::make_shared<DasConsultant>(d);
}

Result<bj::object> Dispatcher::Impl::DasDecision(const bj::object& dreq) {
  auto originator = json::GetString(dreq, "or").value_or("");
  auto op = json::GetInt(dreq, "op").value_or(0);
  if (originator.empty() || op < 1 || op > 6) {
    return Err(Status::BadRequest("consultation needs or and op"));
  }
  static constexpr uint32_t kBits[] = {0, security::kCreate, security::kRetrieve,
                                       security::kUpdate, security::kDelete, security::kNotify,
                                       security::kDiscover};
  // The DAS policy: ACPs labelled "das" under the CSEBase; the rules of those that grant the
  // originator the operation are returned as the granted privileges.
  storage::DiscoveryQuery q;
  q.root_path = opt.self.cse_name;
  q.types = {rty::kAcp};
  q.labels = {"das"};
  auto policies = store.Discover(q);
  bj::array granted;
  if (policies) {
    security::AccessRequest ask;
    ask.originator = originator;
    ask.access = kBits[op];
    ask.time = Now();
    for (const auto& rec : *policies) {
      auto acp = Resource::FromRecord(rec);
      if (!acp) continue;
      const auto* pv = acp->attrs.if_contains("pv");
      auto compiled = security::CompiledPrivileges::Compile(pv);
      if (!compiled || !compiled->Grants(ask)) continue;
      for (const auto& rule : pv->get_object().at("acr").get_array()) granted.push_back(rule);
    }
  }
  bj::object dres;
  if (!granted.empty()) {
    dres["dai"] = bj::object{{"gp", bj::object{{"acr", std::move(granted)}}},
                             {"xts", FormatTimestamp(Now() + std::chrono::seconds(60))}};
  }
  return dres;
}

ResponsePrimitive Dispatcher::Impl::AnswerConsultation(const RequestPrimitive& req,
                                                       const bj::object& seci) {
  const auto* dreq = seci.if_contains("dreq");
  if (!dreq || !dreq->is_object()) {
    return ErrorResponse(req, Status::BadRequest("consultation without dreq"));
  }
  auto dres = DasDecision(dreq->get_object());
  if (!dres) return ErrorResponse(req, dres.error());
  ResponsePrimitive rsp = Reply(req, Rsc::kOk);
  rsp.pc = json::Serialize(
      bj::object{{"m2m:seci", bj::object{{"sit", 2}, {"dres", std::move(*dres)}}}});
  return rsp;
}

}  // namespace trustcse::dispatcher
