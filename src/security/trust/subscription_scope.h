// SubscriptionScope: the paths of a device subscription's profile (subscription_profile.h),
// checked per access in the authorization chain — on the resolved subject (the target, or the
// parent a CREATE creates under), so that an unstructured resource ID reaches no further than
// a structured path would. Runs first in the authorization chain; answers Deny (4103, naming
// the subscription and the path) or Defer, never Allow: the ACPs still decide.
// A privilege filter of a listing (discovery) takes the same answer: what lies outside the
// subscription's paths is not listed.
// Cost: nothing for an originator without a machine or a subscription with paths; else two
// hash lookups under shared locks and a binary search per path level.
// Thread-safe.
#pragma once

#include <memory>

#include "security/chain.h"
#include "security/trust/subscriptions.h"
#include "security/trust/trust_registry.h"

namespace trustcse::security::trust {

class SubscriptionScope final : public SecurityStep {
 public:
  SubscriptionScope(std::shared_ptr<const TrustRegistry> registry,
                    std::shared_ptr<const SubscriptionRegistry> subscriptions)
      : registry_(std::move(registry)), subscriptions_(std::move(subscriptions)) {}
  std::string_view name() const override { return "trust.subscription"; }
  bool deciding() const override { return false; }
  Decision Check(const SecurityContext& ctx) const override;

 private:
  std::shared_ptr<const TrustRegistry> registry_;
  std::shared_ptr<const SubscriptionRegistry> subscriptions_;
};

}  // namespace trustcse::security::trust
