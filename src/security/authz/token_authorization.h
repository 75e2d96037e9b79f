// TokenAuthorization: the deciding step for indirect dynamic authorization. When the request
// carries access tokens (token.h), a token that verifies, is held by the originator and covers
// the target's subtree grants what its privileges allow; otherwise the step defers to the ACPs.
// Placed before AcpAuthorization in the chain, which with permit-overrides is the same as asking
// tokens only when no ACP grants; requests without tokens pass through at no cost.
// Thread-safe: immutable after construction.
#pragma once

#include <memory>

#include "security/authz/token.h"
#include "security/chain.h"

namespace trustcse::security {

class TokenAuthorization final : public SecurityStep {
 public:
  explicit TokenAuthorization(std::shared_ptr<const TokenVerifier> verifier)
      : verifier_(std::move(verifier)) {}
  std::string_view name() const override { return "authz.token"; }
  bool deciding() const override { return true; }
  Decision Check(const SecurityContext& ctx) const override;

 private:
  std::shared_ptr<const TokenVerifier> verifier_;
};

}  // namespace trustcse::security
