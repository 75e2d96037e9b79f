// ChannelBinding: the authentication gate for requests that arrive over a secure channel
// (TLS/DTLS), binding the originator a request claims to the credential the channel
// authenticated (SEC-2; TS-0004 §7.3.2.1, TS-0003 §7.2.1). For each request:
//  - a secure channel that authenticated no credential (admitted for enrolment)    → 4107;
//  - the credential must be known and active (not revoked, not expired)        → else 4106;
//  - a bootstrap credential may only enrol, never reach the resource tree       → else 4107;
//  - the originator (fr) must be one the credential is bound to, or one its certificate
//    certifies                                                                   → else 4106;
//  - except for an AE registration by a credential bound to nothing yet: it may register with
//    "", "C" or "S" (the CSE assigns the AE-ID); only where the operator opted in
//    (`free_ae_ids`, `[security] ae_id_registration = "any-free"`) may it also claim an AE-ID
//    that no active credential holds, no bootstrap credential or enrolment token reserves, and
//    that is not the admin originator. The dispatcher then binds the AE-ID to the credential in
//    the registration's own write.
// Over MQTT (method broker) the broker authenticated the client and its topic ACL vouches for
// the topic's originator: the request's fr must be that originator, registrations included.
// Requests without an authenticated channel are deferred to OriginatorCheck. Every denial is a
// security event (the chain reports it). Thread-safe; reads the registry per request, and makes
// no other lookup (it runs first, before anything costs one).
#pragma once

#include <memory>
#include <string>

#include "security/chain.h"
#include "security/credentials/credential_registry.h"

namespace trustcse::security {

class ChannelBinding final : public SecurityStep {
 public:
  ChannelBinding(std::shared_ptr<const CredentialRegistry> registry, std::string admin_originator,
                 bool free_ae_ids = false)
      : registry_(std::move(registry)), admin_(std::move(admin_originator)),
        free_ae_ids_(free_ae_ids) {}
  std::string_view name() const override { return "authn.channel"; }
  bool deciding() const override { return false; }
  Decision Check(const SecurityContext& ctx) const override;

 private:
  std::shared_ptr<const CredentialRegistry> registry_;
  std::string admin_;
  bool free_ae_ids_;
};

}  // namespace trustcse::security
