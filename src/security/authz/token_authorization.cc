#include "security/authz/token_authorization.h"

#include "security/authz/access_request.h"

#include "storage/query.h"

namespace trustcse::security {

Decision TokenAuthorization::Check(const SecurityContext& ctx) const {
  if (!ctx.request || ctx.request->tokens.empty() || !ctx.subject) return Decision::Defer();
  const AccessRequest req = ToAccessRequest(ctx);
  const std::string& path = ctx.subject->path;
  for (const std::string& jws : ctx.request->tokens) {
    auto token = verifier_->Verify(jws, ctx.time);
    if (!token) continue;  // an invalid token grants nothing; the ACPs still decide
    if (token->holder != ctx.originator) continue;
    bool covered = false;
    for (const auto& root : token->resources) {
      covered = covered || path == root || storage::IsBelow(path, root);
    }
    if (covered && token->privileges->Grants(req)) return Decision::Allow();
  }
  return Decision::Defer();
}

}  // namespace trustcse::security
