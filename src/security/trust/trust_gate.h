// TrustGate: the trust centre's gate in the security chain (TC-3, TC-4), after authentication.
// It refuses, on the request itself, what falls short of the class of the application the
// originator belongs to — checked in this order, the first failure answering:
//
//   1. the machine and the SIM↔device binding (sim_binding.h): what the request shows of its
//      device and SIM (the credential's attributes, a deviceInfo or SIM report) is checked
//      against the machine record — learned, or the machine locked on this very request (and
//      any other machine whose SIM or device its credential certifies; one a report names is
//      alerted); a locked machine → refused until the provider authorizes or unlocks it.
//   2. the black- and greylists (trust_lists.h) by the AE-ID, the channel's credential, the
//      machine's IMEI, IMSI and ICCID (and those the request shows), and the source address:
//      blacklisted → refused; greylisted → refused ("suspend") or writes refused
//      ("read-only", an obligation), except for a machine of a critical class without the
//      entry's override (served, audited).
//   3. the application: the App-ID an AE registers with (its api) or, for later requests, the
//      one of its machine record or of its registered AE. An App-ID the registry does not know:
//      allowed unclassified when `[trust] unregistered_apps = "allow"` (the default), else
//      refused. A suspended application, a registration naming another application than the
//      machine record's, or an originator no machine record of the application names (by
//      AE-ID or credential: an application admits only its members): refused. The machine
//      flagged as compromised → refused until the provider clears the flag.
//   4. transport encryption, when the class requires it → 4107.
//   5. the authentication level (use_case_class.h) against the class's floor → 4107.
//   6. machine KYC (a complete record, a certified model) and user KYC, when required.
//   7. the machine's device subscription (subscriptions.h), if it has one: not active → 4128
//      (quarantined: reads only, audited); outside its profile — binding, source address,
//      operation, the type a CREATE makes — 4103; above its rate ceiling 5207 with when to
//      retry. An AE registration is held to the state, binding, source and rate only. The
//      profile's paths are checked per access, on the resolved target (SubscriptionScope).
// Refusals: 4107 SECURITY_ASSOCIATION_REQUIRED for 4 and 5 (a stronger channel or credential
// fixes them); otherwise 4126 APP_RULE_VALIDATION_FAILED for an AE registration and 4128
// SERVICE_SUBSCRIPTION_NOT_ESTABLISHED for any other request. The message names what is
// missing; the event (audit log) names the application, class and machine too.
// An allowed request carries its class as an obligation (Obligations::use_case_class) for the
// steps after it. The admin originator and CSE-IDs are not machines of an application and pass;
// AEs of other CSEs ("/id-mn/Cae") are checked when a machine record names them.
//
// Cost: nothing while no application is registered and unregistered ones are allowed; else a
// few hash lookups under shared locks (and the AE's cached record for its api).
// Thread-safe (the registries are).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "security/chain.h"
#include "security/credentials/credential_registry.h"
#include "security/trust/subscriptions.h"
#include "security/trust/trust_lists.h"
#include "security/trust/trust_registry.h"

namespace trustcse::security::trust {

struct TrustGateOptions {
  std::string admin_originator = "CAdmin";
  bool allow_unregistered_apps = true;
};

// Step 7 alone: Deny (with the status) or Defer; adds quarantine's obligations to `extra`.
// `consume` false: the rate is looked at, no token spent (`trustcse explain`).
Decision CheckSubscription(const LiveSubscription& live, const SecurityContext& ctx,
                           Obligations& extra, bool consume = true);

class TrustGate final : public SecurityStep {
 public:
  // `lists` and `subscriptions` may be null (no black- and greylists, no subscriptions).
  TrustGate(std::shared_ptr<TrustRegistry> registry,
            std::shared_ptr<const CredentialRegistry> credentials, TrustGateOptions options,
            std::shared_ptr<const TrustLists> lists = nullptr,
            std::shared_ptr<const SubscriptionRegistry> subscriptions = nullptr)
      : registry_(std::move(registry)),
        credentials_(std::move(credentials)),
        options_(std::move(options)),
        lists_(std::move(lists)),
        subscriptions_(std::move(subscriptions)) {}
  std::string_view name() const override { return "trust"; }
  bool deciding() const override { return false; }
  Decision Check(const SecurityContext& ctx) const override;

  // `trustcse explain`: the decision Check would give, and each check on the way to it —
  // "pass", "refused" (the one that answers), "obligation" (read-only, audit) or "note" —
  // without Check's side effects: no binding learned, no machine locked, no identity query
  // answered, no rate token spent.
  struct ExplainStep {
    std::string check, result, detail;
  };
  struct Explanation {
    Decision decision;
    std::vector<ExplainStep> steps;
  };
  Explanation Explain(const SecurityContext& ctx) const;

 private:
  Decision Evaluate(const SecurityContext& ctx, std::vector<ExplainStep>* trace) const;

  std::shared_ptr<TrustRegistry> registry_;  // non-const: the SIM binding learns and locks
  std::shared_ptr<const CredentialRegistry> credentials_;
  TrustGateOptions options_;
  std::shared_ptr<const TrustLists> lists_;
  std::shared_ptr<const SubscriptionRegistry> subscriptions_;
};

}  // namespace trustcse::security::trust
