#include "security/authn/originator_check.h"

namespace trustcse::security {

Decision OriginatorCheck::Check(const SecurityContext& ctx) const {
  std::string_view fr = ctx.originator;
  // ChannelBinding has vetted originators of authenticated channels.
  if (ctx.authenticated || fr == admin_) return Decision::Allow();
  if (registry_ && !fr.empty() && (fr.starts_with('C') || fr.starts_with('S'))) {
    if (std::string holder = registry_->BoundTo(fr); !holder.empty()) {
      return Decision::Deny(Status(Rsc::kOriginatorNotAuthenticated,
                                   "this originator authenticates with its credential"),
                            std::string(fr) + " is held by " + holder +
                                ": not usable without that credential's channel");
    }
  }
  if (ctx.registration) return Decision::Allow();
  if (fr.starts_with('/')) {
    return Decision::Deny(Status(Rsc::kSecurityAssociationRequired,
                                 "a CSE originator needs a security association"),
                          "CSE-ID originator without a security association");
  }
  if ((fr.starts_with('C') || fr.starts_with('S')) && !ctx.IsOriginatorRegistered()) {
    return Decision::Deny(Status(Rsc::kOriginatorNotAuthenticated, "originator is not registered"),
                          "AE-ID originator of an unregistered AE");
  }
  return Decision::Allow();
}

}  // namespace trustcse::security
