// AcpAuthorization: the deciding step of the security chain — evaluates accessControlPolicy
// resources (TS-0001 §9.6.2, TS-0003 §7.1; digest §5.1). First cut (issue 2): originators and
// operations; rules that carry contexts (acco) or child-type limits (acod) are not matched yet
// (they can only narrow a grant, so skipping them keeps default deny).
//
// Which rules apply:
//  - subject is an <accessControlPolicy>: its own pvs;
//  - the request changes acpi: the pvs of the ACPs currently linked;
//  - subject has acpi: the pv of each linked ACP (permit-overrides across all rules);
//  - subject without acpi: the default policy — its creator and the AE owning its subtree have
//    every privilege; for the CSEBase, any registered AE may retrieve it;
//  - the admin originator is allowed everything.
// ACPs are fetched through an AcpSource (the dispatcher's cached store view).
// Thread-safe: immutable after construction.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "security/chain.h"

namespace trustcse::security {

class AcpSource {
 public:
  virtual ~AcpSource() = default;
  // The ACP an acpi entry names (a resource ID or structured ID), or nullptr if it is missing.
  // The result is shared and immutable (the dispatcher serves it from its resource cache).
  virtual std::shared_ptr<const resources::Resource> FindAcp(std::string_view id) = 0;
};

class AcpAuthorization final : public SecurityStep {
 public:
  AcpAuthorization(std::string admin_originator, AcpSource& acps)
      : admin_(std::move(admin_originator)), acps_(acps) {}
  std::string_view name() const override { return "authz.acp"; }
  bool deciding() const override { return true; }
  Decision Check(const SecurityContext& ctx) const override;

 private:
  std::string admin_;
  AcpSource& acps_;
};

// True if `originator` is matched by the acor entry `pattern`: "all", an exact ID, or a pattern
// with '*' wildcards where '*' matches any run of characters except '/'.
bool OriginatorMatches(std::string_view pattern, std::string_view originator);

// Grants of one privileges object ({"acr":[…]}) for `originator`, as an acop bitmask union.
uint32_t GrantedOperations(const boost::json::value& privileges, std::string_view originator);

}  // namespace trustcse::security
