// AcpAuthorization: the deciding step of the security chain — evaluates accessControlPolicy
// resources (TS-0001 §9.6.2, TS-0003 §7.1; digest §5.1) through their compiled form
// (compiled_acp.h): originators, operations, contexts (time windows, source address ranges,
// location regions), acaf and acod.
//
// Which rules apply:
//  - subject is an <accessControlPolicy>: its own pvs;
//  - the request changes acpi: the pvs of the ACPs currently linked;
//  - subject has acpi: the pv of each linked ACP (permit-overrides across all rules);
//  - subject without acpi: the default policy — its creator and the AE owning its subtree have
//    every privilege; for the CSEBase, any registered AE may retrieve it;
//  - the admin originator is allowed everything.
// When nothing grants, the step defers with a reason naming the rule set and the check that
// failed (DenyReason), so that dynamic authorization (after it) may still grant; the chain's
// default denial (4103) reports that reason to the event stream, never to the client.
// ACPs come through an AcpSource (the dispatcher's cache of compiled ACPs).
// Thread-safe: immutable after construction.
#pragma once

#include <memory>
#include <string>

#include "security/authz/compiled_acp.h"
#include "security/chain.h"

namespace trustcse::security {

class AcpSource {
 public:
  virtual ~AcpSource() = default;
  // The compiled ACP an acpi entry names (a resource ID or structured ID), or nullptr if there
  // is none. Shared and immutable.
  virtual std::shared_ptr<const CompiledAcp> FindAcp(std::string_view id) = 0;
  // The compiled form of an ACP resource at hand (the subject of a request to an ACP).
  virtual std::shared_ptr<const CompiledAcp> Compiled(const resources::Resource& acp) = 0;
};

class AcpAuthorization final : public SecurityStep {
 public:
  // `cse_id`: this CSE's CSE-ID ("/id-in"), for acor entries in SP-relative form.
  AcpAuthorization(std::string admin_originator, AcpSource& acps, std::string cse_id = "")
      : admin_(std::move(admin_originator)), acps_(acps), cse_id_(std::move(cse_id)) {}
  std::string_view name() const override { return "authz.acp"; }
  bool deciding() const override { return true; }
  Decision Check(const SecurityContext& ctx) const override;

 private:
  std::string admin_;
  AcpSource& acps_;
  std::string cse_id_;
};

// True if `originator` is matched by the acor entry `pattern`: "all", an exact ID, or a pattern
// with '*' wildcards where '*' matches any run of characters except '/'.
bool OriginatorMatches(std::string_view pattern, std::string_view originator);

// The operations one privileges object ({"acr":[…]}) grants `originator` now, with no source
// address, location or authentication (a bitmask of AccessOp). 0 if it does not compile.
uint32_t GrantedOperations(const boost::json::value& privileges, std::string_view originator);

}  // namespace trustcse::security
