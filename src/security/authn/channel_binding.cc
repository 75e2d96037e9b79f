#include "security/authn/channel_binding.h"

#include <algorithm>

namespace trustcse::security {

namespace {

Decision NotAuthenticated(std::string reason) {
  return Decision::Deny(Status(Rsc::kOriginatorNotAuthenticated,
                               "originator does not match the authenticated credential"),
                        std::move(reason));
}

}  // namespace

Decision ChannelBinding::Check(const SecurityContext& ctx) const {
  const ChannelIdentity* ch = ctx.request ? ctx.request->channel.get() : nullptr;
  if (ch != nullptr && ch->secure && !ch->authenticated()) {
    // TLS or DTLS without a credential (the handshake let it in for enrolment and the CA's
    // certificate): the resource tree needs a security association.
    return Decision::Deny(Status(Rsc::kSecurityAssociationRequired,
                                 "a security association is required: authenticate with a "
                                 "credential"),
                          "secure channel without a credential");
  }
  if (ch == nullptr || !ch->authenticated()) return Decision::Defer();
  if (ch->method == ChannelIdentity::Method::kBroker) {
    // The broker's ACL let the client publish under this originator only; registrations too.
    const auto& c = ch->certified_ids;
    if (std::find(c.begin(), c.end(), ctx.originator) != c.end()) return Decision::Allow();
    return NotAuthenticated("MQTT request topic names " + (c.empty() ? std::string() : c.front()) +
                            ", the request " + std::string(ctx.originator));
  }
  auto cred = registry_ ? registry_->Find(ch->credential_id) : nullptr;
  if (!cred) {
    return Decision::Deny(Status(Rsc::kOriginatorNotAuthenticated, "credential is not known"),
                          "channel credential " + ch->credential_id + " is not registered");
  }
  if (!cred->Active(ctx.time)) {
    return Decision::Deny(Status(Rsc::kOriginatorNotAuthenticated, "credential is not valid"),
                          "channel credential " + cred->id +
                              (cred->revoked.empty() ? " has expired" : " is revoked"));
  }
  if (cred->use == CredentialUse::kBootstrap) {
    return Decision::Deny(Status(Rsc::kSecurityAssociationRequired,
                                 "a bootstrap credential may only be used for enrolment"),
                          "bootstrap credential " + cred->id + " used for a oneM2M request");
  }
  const std::string_view fr = ctx.originator;
  const auto& certified = ch->certified_ids;
  if (cred->MayActAs(fr) || std::find(certified.begin(), certified.end(), fr) != certified.end()) {
    return Decision::Allow();
  }
  if (ctx.registration && cred->ids.empty() && certified.empty()) {
    if (fr.empty() || fr == "C" || fr == "S") return Decision::Allow();
    if (!free_ae_ids_) {
      return Decision::Deny(
          Status(Rsc::kOriginatorNotAuthenticated,
                 "this credential is bound to no AE-ID: register with originator C (the CSE "
                 "assigns the AE-ID) or ask the operator to bind the AE-ID to it"),
          "credential " + cred->id + " is bound to no AE-ID and may not claim " +
              std::string(fr) + " (security.ae_id_registration = \"bound\")");
    }
    if (fr != admin_ && registry_->BoundTo(fr).empty()) return Decision::Allow();
    return NotAuthenticated("credential " + cred->id + " may not claim " + std::string(fr) +
                            " (the admin originator, bound to another credential or reserved)");
  }
  return NotAuthenticated("credential " + cred->id + " is not bound to originator " +
                          std::string(fr));
}

}  // namespace trustcse::security
