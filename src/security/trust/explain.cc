#include "security/trust/explain.h"

#include <algorithm>
#include <boost/json.hpp>
#include <utility>

#include "common/time.h"
#include "primitive/json_util.h"

namespace trustcse::security::trust {

namespace bj = boost::json;

namespace {

constexpr std::pair<std::string_view, Operation> kOperations[] = {
    {"create", Operation::kCreate}, {"retrieve", Operation::kRetrieve},
    {"update", Operation::kUpdate}, {"delete", Operation::kDelete},
    {"notify", Operation::kNotify}, {"discover", Operation::kRetrieve}};
constexpr std::string_view kBindings[] = {"http", "https", "coap", "coaps",
                                          "mqtt", "mqtts", "ws",   "wss"};

bool Secure(std::string_view binding) {
  return binding == "https" || binding == "coaps" || binding == "mqtts" || binding == "wss";
}

ChannelIdentity::Method MethodOf(CredentialKind k) {
  switch (k) {
    case CredentialKind::kPsk:
      return ChannelIdentity::Method::kPsk;
    case CredentialKind::kCertificate:
      return ChannelIdentity::Method::kCertificate;
    case CredentialKind::kPinnedKey:
      break;
  }
  return ChannelIdentity::Method::kPinnedKey;
}

// What the resource tree would say of an AE without a machine record: the App-ID it registered
// with, as the query names it (--api), else none.
class NamedApp final : public OriginatorDirectory {
 public:
  NamedApp(std::string_view ae, std::string_view api) : ae_(ae), api_(api) {}
  bool IsRegistered(std::string_view o) const override { return !api_.empty() && o == ae_; }
  std::string AppIdOf(std::string_view o) const override {
    return o == ae_ ? std::string(api_) : std::string();
  }

 private:
  std::string_view ae_, api_;
};

}  // namespace

Result<ExplainQuery> ParseExplainQuery(const bj::object& a) {
  ExplainQuery q;
  for (const auto& kv : a) {
    static constexpr std::string_view kKnown[] = {"originator", "op",         "to",     "ty",
                                                  "binding",    "credential", "source", "api"};
    if (std::find(std::begin(kKnown), std::end(kKnown), kv.key()) == std::end(kKnown)) {
      return Err(Status::BadRequest("unknown explain field " + std::string(kv.key()) +
                                    " (originator, op, to, ty, binding, credential, source, api)"));
    }
  }
  auto str = [&](std::string_view k, std::string& out) {
    if (auto v = json::GetString(a, k)) out = std::string(*v);
  };
  str("originator", q.originator);
  str("op", q.operation);
  str("to", q.to);
  str("binding", q.binding);
  str("credential", q.credential);
  str("source", q.source);
  str("api", q.api);
  q.ty = static_cast<int>(json::GetInt(a, "ty").value_or(0));
  if (q.originator.empty()) return Err(Status::BadRequest("name the originator (an AE-ID)"));
  if (std::none_of(std::begin(kOperations), std::end(kOperations),
                   [&](const auto& o) { return o.first == q.operation; })) {
    return Err(Status::BadRequest("op is create, retrieve, update, delete, notify or discover"));
  }
  if (std::find(std::begin(kBindings), std::end(kBindings), q.binding) == std::end(kBindings)) {
    return Err(Status::BadRequest("binding is http, https, coap, coaps, mqtt, mqtts, ws or wss"));
  }
  if (!q.credential.empty() && !Secure(q.binding)) {
    return Err(
        Status::BadRequest("a credential is authenticated by a secure binding (https, "
                           "coaps, mqtts, wss), not " +
                           q.binding));
  }
  if (!q.source.empty() && !IpAddress::Parse(q.source)) {
    return Err(Status::BadRequest("source is an IPv4 or IPv6 address"));
  }
  if (q.ty < 0 || q.ty > 127 || (q.operation == "create") != (q.ty != 0)) {
    return Err(Status::BadRequest("ty (1 to 127) is the type a create makes, and only a create's"));
  }
  return q;
}

Result<bj::object> Explain(const TrustGate& gate, const TrustRegistry& registry,
                           const SubscriptionRegistry* subscriptions,
                           const CredentialRegistry& credentials, const ExplainQuery& q) {
  RequestPrimitive req;
  for (const auto& [name, op] : kOperations) {
    if (name == q.operation) req.op = op;
  }
  if (q.operation == "discover") {
    req.fc.emplace();
    req.fc->fu = 1;
  }
  req.to = q.to;
  req.fr = q.originator;
  req.ty = q.ty;
  req.binding = q.binding;
  req.peer_address = q.source;
  std::shared_ptr<const Credential> cred;
  if (!q.credential.empty() || Secure(q.binding)) {
    auto ch = std::make_shared<ChannelIdentity>();
    ch->secure = Secure(q.binding);
    if (!q.credential.empty()) {
      cred = credentials.Find(q.credential);
      if (!cred) return Err(Status::NotFound("no credential " + q.credential));
      ch->method = MethodOf(cred->kind);
      ch->credential_id = cred->id;
      ch->certified_ids = cred->ids;
    }
    req.channel = std::move(ch);
  }
  const bool registration = req.op == Operation::kCreate && q.ty == 2;
  if (registration) req.pc = bj::object{{"m2m:ae", bj::object{{"api", q.api}}}};
  std::optional<IpAddress> source;
  if (!q.source.empty()) source = IpAddress::Parse(q.source);

  SecurityContext ctx;
  ctx.request = &req;
  ctx.originator = q.originator;
  ctx.registration = registration;
  ctx.time = Now();
  ctx.source = source ? &*source : nullptr;
  ctx.authenticated = cred != nullptr;
  ctx.create_ty = q.ty;
  NamedApp directory(q.originator, registration ? std::string_view() : q.api);
  ctx.directory = &directory;
  TrustGate::Explanation e = gate.Explain(ctx);

  bj::array steps;
  for (const auto& s : e.steps) {
    steps.emplace_back(bj::object{{"check", s.check}, {"result", s.result}, {"detail", s.detail}});
  }
  Decision d = std::move(e.decision);
  // The subscription's paths, per access on the target (SubscriptionScope).
  if (d.verdict != Verdict::kDeny && !q.to.empty() && !registration && subscriptions) {
    auto machine =
        registry.Resolve(q.originator, cred ? std::string_view(cred->id) : "", {}).machine;
    auto live = machine ? subscriptions->Of(machine->id) : nullptr;
    if (live && !live->sub.profile.paths.empty()) {
      if (live->sub.profile.AllowsPath(q.to)) {
        steps.emplace_back(
            bj::object{{"check", "subscription paths"},
                       {"result", "pass"},
                       {"detail", q.to + " is within subscription " + live->sub.id + "'s paths"}});
      } else {
        const std::string why = "subscription " + live->sub.id + " does not reach " + q.to;
        steps.emplace_back(
            bj::object{{"check", "subscription paths"}, {"result", "refused"}, {"detail", why}});
        d = Decision::Deny(Status(Rsc::kOriginatorHasNoPrivilege, why), {});
      }
    }
  }
  const bool write =
      req.op == Operation::kCreate || req.op == Operation::kUpdate || req.op == Operation::kDelete;
  if (d.verdict != Verdict::kDeny && d.obligations.read_only && write) {
    steps.emplace_back(
        bj::object{{"check", "obligations"},
                   {"result", "refused"},
                   {"detail", "read-only: a write is refused whatever the ACPs say"}});
    Obligations kept = d.obligations;
    d = Decision::Deny(Status::NoPrivilege("access denied: read-only"), {});
    d.obligations = kept;
  }
  bj::object out;
  if (d.verdict == Verdict::kDeny) {
    out["decision"] = "refused";
    out["rsc"] = static_cast<int>(d.status.code());
    out["message"] = d.status.message();
  } else {
    out["decision"] = "allowed";
    if (!registration && q.api.empty() &&
        !registry.Resolve(q.originator, cred ? std::string_view(cred->id) : "", {}).machine) {
      // The gate would ask the resource tree which application this AE registered into.
      out["note"] = "no machine record names " + q.originator +
                    ": if it registered with the App-ID of a registered application it is "
                    "refused; say which with api";
    }
    out["then"] = (q.to.empty() ? std::string("the target's") : q.to + "'s") +
                  " access-control policies decide (not evaluated by explain)";
  }
  bj::array obligations;
  if (d.obligations.read_only) obligations.emplace_back("read-only");
  if (d.obligations.audit) obligations.emplace_back("audit");
  if (d.obligations.use_case_class != 0) {
    obligations.emplace_back(
        "class " + std::string(ClassCode(static_cast<UseCaseClass>(d.obligations.use_case_class))));
  }
  out["obligations"] = std::move(obligations);
  out["steps"] = std::move(steps);
  return out;
}

}  // namespace trustcse::security::trust
