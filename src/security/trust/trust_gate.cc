#include "security/trust/trust_gate.h"

#include <cstdio>

#include "primitive/json_util.h"
#include "security/trust/sim_binding.h"

namespace trustcse::security::trust {

namespace {

// The api of an AE registration's content ({"m2m:ae": {"api": …}}), "" if none.
std::string RegisteringAppId(const RequestPrimitive* req) {
  if (req == nullptr || !req->pc.is_object()) return {};
  const auto* ae = req->pc.get_object().if_contains("m2m:ae");
  if (ae == nullptr || !ae->is_object()) return {};
  return std::string(json::GetString(ae->get_object(), "api").value_or(""));
}

// A CSE-ID ("/id-mn", "//sp.example/id-mn"), not an AE of another CSE ("/id-mn/Cae").
bool IsCseId(std::string_view o) {
  if (!o.starts_with('/')) return false;
  if (o.starts_with("//")) {
    size_t sp_end = o.find('/', 2);
    if (sp_end == std::string_view::npos) return true;
    o.remove_prefix(sp_end);
  }
  return o.find('/', 1) == std::string_view::npos;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out.append(out.empty() ? "" : ", ").append(s);
  return out;
}

// The AccessOp of a request as a whole: a retrieve with fu=1 is a discovery.
uint32_t AccessOf(const RequestPrimitive& req) {
  switch (req.op) {
    case Operation::kCreate:
      return kCreate;
    case Operation::kRetrieve:
      return req.fc && req.fc->fu == 1 ? kDiscover : kRetrieve;
    case Operation::kUpdate:
      return kUpdate;
    case Operation::kDelete:
      return kDelete;
    case Operation::kNotify:
      return kNotify;
  }
  return 0;
}

}  // namespace

Decision CheckSubscription(const LiveSubscription& live, const SecurityContext& ctx,
                           Obligations& extra, bool consume) {
  const Subscription& s = live.sub;
  const SubscriptionProfile& p = s.profile;
  const RequestPrimitive* req = ctx.request;
  const Rsc service =
      ctx.registration ? Rsc::kAppRuleValidationFailed : Rsc::kServiceSubscriptionNotEstablished;
  if (s.state == "quarantined") {
    extra.read_only = true;  // the greylist's read-only: reads served, every access on record
    extra.audit = true;
  } else if (s.state != "active") {
    return Decision::Deny(Status(service, "subscription " + s.id + " is " + s.state), {});
  }
  auto outside = [&](std::string what) {
    return Decision::Deny(
        Status(Rsc::kOriginatorHasNoPrivilege, "subscription " + s.id + " does not allow " + what),
        {});
  };
  std::string_view binding = req ? std::string_view(req->binding) : std::string_view();
  if (!p.AllowsBinding(binding)) {
    return outside("the " + std::string(binding.empty() ? "in-process" : binding) + " binding");
  }
  if (!p.AllowsSource(ctx.source)) {
    return outside("requests from " +
                   (req && !req->peer_address.empty() ? req->peer_address : std::string("here")));
  }
  if (req && !ctx.registration) {
    uint32_t op = AccessOf(*req);
    if (!p.AllowsOperation(op)) return outside(std::string(AccessOpName(op)));
    if (req->op == Operation::kCreate && !p.AllowsType(req->ty)) {
      return outside("creating resources of type " + std::to_string(req->ty));
    }
  }
  std::chrono::milliseconds retry{0};
  if (live.bucket && !live.bucket->Take(ctx.time, &retry, consume)) {
    char rate[32];
    std::snprintf(rate, sizeof rate, "%g", p.rate);
    return Decision::Deny(Status(Rsc::kNotAcceptable, "subscription " + s.id + " allows " + rate +
                                                          " requests per second: retry in " +
                                                          std::to_string(retry.count()) + " ms"),
                          {});
  }
  return Decision::Defer();
}

Decision TrustGate::Check(const SecurityContext& ctx) const { return Evaluate(ctx, nullptr); }

TrustGate::Explanation TrustGate::Explain(const SecurityContext& ctx) const {
  Explanation e;
  e.decision = Evaluate(ctx, &e.steps);
  return e;
}

Decision TrustGate::Evaluate(const SecurityContext& ctx, std::vector<ExplainStep>* trace) const {
  // With a trace: `trustcse explain` — every check recorded, and nothing changed (no binding
  // learned, no lock, no query answered, no rate token spent).
  // The detail is made only for a trace: nothing is built on the request path.
  auto note = [trace](const char* check, const char* result, auto&& detail) {
    if (trace) trace->push_back({check, result, std::string(detail())});
  };
  const bool lists = lists_ && lists_->size() > 0;
  if (!registry_->has_applications() && options_.allow_unregistered_apps && !lists) {
    note("trust centre", "pass",
         [&] { return "no application is registered and unregistered ones are allowed"; });
    return Decision::Defer();
  }
  std::string_view orig = ctx.originator;
  if (orig == options_.admin_originator || IsCseId(orig)) {
    note("originator", "pass",
         [&] { return "the admin originator or a CSE: not a machine of an application"; });
    return Decision::Defer();
  }
  const RequestPrimitive* req = ctx.request;
  const ChannelIdentity* ch = req ? req->channel.get() : nullptr;
  std::shared_ptr<const Credential> cred;
  if (ch && ch->authenticated() && credentials_) cred = credentials_->Find(ch->credential_id);

  const std::string api = ctx.registration ? RegisteringAppId(req) : std::string();
  // Named members, not a structured binding: the lambdas below capture them (clang 14).
  TrustRegistry::Subject subject =
      registry_->Resolve(orig, cred ? std::string_view(cred->id) : "", api);
  std::shared_ptr<const Machine>& machine = subject.machine;
  std::shared_ptr<const Application>& app = subject.app;
  std::string app_id = machine ? machine->app : api;
  if (!machine && !ctx.registration && ctx.directory) {
    // An AE without a machine record: the application it registered into.
    app_id = ctx.directory->AppIdOf(orig);
    app = registry_->FindApp(app_id);
  }
  if (trace) {
    std::string who = machine ? "machine " + machine->id
                              : "no machine record names " + std::string(orig) +
                                    (cred ? " or credential " + cred->id : std::string());
    if (app) {
      who += "; application " + app->id + ", class " + std::string(ClassCode(app->use_case));
    } else if (!app_id.empty()) {
      who += "; application " + app_id + " (not registered)";
    }
    note("identity", "note", [&] { return who; });
  }

  // Refusals that are not about the channel: 4126 for a registration, 4128 otherwise. The
  // event's reason adds the application, class and machine.
  const Rsc service =
      ctx.registration ? Rsc::kAppRuleValidationFailed : Rsc::kServiceSubscriptionNotEstablished;
  const char* step = "identity";  // the check a refusal belongs to, for the trace
  auto refuse = [&](Rsc code, std::string message, std::string_view detail = {}) {
    std::string reason = message;
    reason.append(detail);
    if (app) {
      reason.append(" (application ")
          .append(app->id)
          .append(", class ")
          .append(ClassCode(app->use_case));
      if (machine) reason.append(", machine ").append(machine->id);
      reason.append(")");
    } else {
      reason.append(" (").append(orig).append(")");
    }
    if (trace) trace->push_back({step, "refused", std::string(message).append(detail)});
    return Decision::Deny(Status(code, std::move(message)), std::move(reason));
  };

  // The SIM↔device binding: learned, or the machine locked on this request.
  const Observed seen = ObservedIdentities(req, cred.get());
  step = "SIM binding";
  if (machine && !machine->binding.empty() && !seen.empty()) {
    if (!trace) {
      machine = registry_->Observe(machine, seen, orig);
    } else if (machine->locked.empty()) {
      BindingVerdict v = CheckBinding(*machine, seen);
      if (v.kind == BindingVerdict::Kind::kMismatch) {
        return refuse(service,
                      "machine " + machine->id + " would be locked on this request: " + v.what);
      }
      note(step, "pass", [&] {
        return v.kind == BindingVerdict::Kind::kLearn
                   ? "what it shows would be learned (binding " + machine->binding + ")"
                   : "what it shows matches the binding";
      });
    }
  }
  // The answer to an identity query (identity_query.h).
  if (machine && seen.report && !machine->query_id.empty()) {
    if (!trace) {
      machine = registry_->AnswerQuery(machine, seen, orig);
    } else {
      note("identity query", "note",
           [&] { return "this report would answer query " + machine->query_id; });
    }
  }
  if (machine && !machine->locked.empty()) {
    // What disagrees (the recorded IMEI or SIM) goes to the audit log only: told to the device,
    // it would say which IMEI a swapped device has to report to pass.
    return refuse(service,
                  "machine " + machine->id +
                      " is locked: the SIM or device it shows is not the one bound to it; its "
                      "provider authorizes the new pairing (trustcse device authorize) or restores "
                      "the bound one (trustcse device unlock)",
                  " [" + machine->locked + "]");
  }

  // The black- and greylists: the machine's identities, then those the request shows.
  Obligations extra;
  step = "lists";
  if (lists) {
    TrustLists::Identities ids{
        orig, cred ? std::string_view(cred->id) : std::string_view(), {}, {}, {}, ctx.source};
    if (ch && ch->authenticated() && !cred) ids.credential = ch->credential_id;
    if (machine) {
      ids.imei = machine->imei;
      ids.imsi = machine->imsi;
      ids.iccid = machine->iccid;
    }
    auto entry = lists_->Match(ids, ctx.time);
    if (!entry && !seen.empty()) {
      TrustLists::Identities shown{{}, {}, seen.imei, seen.imsi, seen.iccid, {}};
      entry = lists_->Match(shown, ctx.time);
    }
    if (entry) {
      const std::string what = entry->kind + " " + entry->value;
      const std::string why =
          ": " + entry->reason + (entry->owner.empty() ? "" : ", owner " + entry->owner);
      if (entry->list == "black") {
        return refuse(service, "barred by the operator (blacklisted " + entry->kind + ")",
                      " [" + what + why + "]");
      }
      if (app && IsCritical(app->use_case) && !entry->override_critical) {
        extra.audit = true;  // critical-service exception: served, every access on record
        note(step, "obligation",
             [&] { return "greylisted " + what + why + ": served (critical class), audited"; });
      } else if (entry->mode == "read-only") {
        extra.read_only = true;
        extra.audit = true;
        note(step, "obligation",
             [&] { return "greylisted " + what + why + ": reads only, audited"; });
      } else {
        return refuse(
            service,
            "suspended by the operator while under investigation (greylisted " + entry->kind + ")",
            " [" + what + why + "]");
      }
    }
  }
  if (lists && !extra.any()) note(step, "pass", [&] { return "on no black- or greylist"; });
  auto pass = [&](Decision d) {
    d.obligations.Merge(extra);
    return d;
  };
  step = "application";

  if (!app) {
    if (options_.allow_unregistered_apps && !machine) {
      note(step, "pass",
           [&] { return "not of a registered application, and unregistered ones are allowed"; });
      return pass(Decision::Defer());
    }
    return refuse(service,
                  app_id.empty()
                      ? std::string("this CSE serves only applications registered with "
                                    "its trust centre: name one as the AE's App-ID (api)")
                      : "application " + app_id + " is not registered with the trust centre");
  }
  if (!machine) {
    return refuse(service,
                  "application " + app->id + " admits only its machines: no machine record names " +
                      std::string(orig.empty() ? "this originator" : orig) +
                      (cred ? " or credential " + cred->id : std::string()) +
                      " (trustcse device add --app " + app->id + " --entity … or --credential …)");
  }
  if (ctx.registration && machine->app != api) {
    return refuse(service, "this machine is registered to application " + machine->app + ", not " +
                               (api.empty() ? std::string("none") : api));
  }
  if (!app->active()) return refuse(service, "application " + app->id + " is suspended");
  if (machine && !machine->flagged.empty()) {
    return refuse(service, "machine " + machine->id +
                               " is flagged as compromised: services are blocked until its "
                               "provider clears the flag");
  }
  note(step, "pass",
       [&] { return "application " + app->id + " is active and the machine is one of it"; });
  const ClassFloor& floor = FloorOf(app->use_case);
  const std::string cls(floor.code);
  step = "class floor";
  if (floor.encryption && !(ch && ch->secure)) {
    return refuse(Rsc::kSecurityAssociationRequired,
                  "class " + cls + " requires transport encryption: connect over TLS or DTLS");
  }
  AuthLevel level = AuthenticationLevel(ch, cred.get());
  if (level.level < floor.level) {
    return refuse(Rsc::kSecurityAssociationRequired,
                  "class " + cls + " requires authentication level " + std::to_string(floor.level) +
                      "; this request has level " + std::to_string(level.level) + " (" +
                      std::string(level.how) + ")");
  }
  note(step, "pass", [&] {
    return "class " + cls + ": level " + std::to_string(level.level) + " (" +
           std::string(level.how) + ") meets " + std::to_string(floor.level) +
           (floor.encryption ? ", transport encrypted" : "");
  });
  step = "KYC";
  if (floor.machine_kyc) {
    if (auto missing = machine->MissingKyc(); !missing.empty()) {
      return refuse(service,
                    "machine KYC of " + machine->id + " is incomplete: missing " + Join(missing));
    }
    if (machine->certification.empty()) {
      return refuse(service, "class " + cls + " requires a certified model: model " +
                                 machine->model + " of " + machine->id + " has no certification");
    }
  }
  if (floor.user_kyc && machine->user_kyc.empty()) {
    return refuse(service, "class " + cls + " requires user KYC: the owner of " + machine->id +
                               " is not verified");
  }
  if (floor.machine_kyc || floor.user_kyc)
    note(step, "pass", [&] { return "the KYC the class requires is complete"; });
  step = "subscription";
  if (subscriptions_) {
    if (auto live = subscriptions_->Of(machine->id)) {
      Decision d = CheckSubscription(*live, ctx, extra, /*consume=*/trace == nullptr);
      if (d.verdict == Verdict::kDeny)
        return refuse(d.status.code(), std::string(d.status.message()));
      note(step, live->sub.state == "quarantined" ? "obligation" : "pass", [&] {
        return "subscription " + live->sub.id + " (" + live->sub.state +
               (live->sub.state == "quarantined" ? ": reads only, audited" : "") + ") allows it" +
               (live->bucket ? ", within its rate" : "");
      });
    } else {
      note(step, "pass",
           [&] { return "the machine has no device subscription: its class governs"; });
    }
  }
  Decision allow = Decision::Allow();
  allow.obligations.use_case_class = static_cast<uint8_t>(app->use_case);
  return pass(std::move(allow));
}

}  // namespace trustcse::security::trust
