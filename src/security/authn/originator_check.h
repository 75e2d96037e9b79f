// OriginatorCheck: the authentication gate of the security chain for requests that arrive
// outside a security association (plain HTTP), following the receiver checks of TS-0004
// §7.3.2.1 (digest §2.5 item 3):
//  - an AE-ID originator ("C…"/"S…") of an AE that is not registered here → 4106, except for the
//    registration request itself;
//  - a CSE-ID originator ("/…") needs a security association with that CSE → 4107;
//  - with `registry` given (the operator's `ae_id_registration = "bound"`): an AE-ID that a
//    credential holds, or that a bootstrap credential or enrolment token reserves, is usable
//    only through that credential → 4106 outside one, registrations included — a plain
//    listener must not let anyone act as, or squat, a device that has a credential.
// Channel-identity binding (TLS/DTLS, issue 4) replaces this gate with a stronger one.
// Immutable, thread-safe.
#pragma once

#include <memory>
#include <string>

#include "security/chain.h"
#include "security/credentials/credential_registry.h"

namespace trustcse::security {

class OriginatorCheck final : public SecurityStep {
 public:
  explicit OriginatorCheck(std::string admin_originator,
                           std::shared_ptr<const CredentialRegistry> registry = nullptr)
      : admin_(std::move(admin_originator)), registry_(std::move(registry)) {}
  std::string_view name() const override { return "authn.originator"; }
  bool deciding() const override { return false; }
  Decision Check(const SecurityContext& ctx) const override;

 private:
  std::string admin_;
  std::shared_ptr<const CredentialRegistry> registry_;
};

}  // namespace trustcse::security
