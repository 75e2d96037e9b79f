// OriginatorCheck: the authentication gate of the security chain for requests that arrive
// outside a security association (plain HTTP), following the receiver checks of TS-0004
// §7.3.2.1 (digest §2.5 item 3):
//  - an AE-ID originator ("C…"/"S…") of an AE that is not registered here → 4106, except for the
//    registration request itself;
//  - a CSE-ID originator ("/…") needs a security association with that CSE → 4107.
// Channel-identity binding (TLS/DTLS, issue 4) replaces this gate with a stronger one.
// Immutable, thread-safe.
#pragma once

#include <string>

#include "security/chain.h"

namespace trustcse::security {

class OriginatorCheck final : public SecurityStep {
 public:
  explicit OriginatorCheck(std::string admin_originator) : admin_(std::move(admin_originator)) {}
  std::string_view name() const override { return "authn.originator"; }
  bool deciding() const override { return false; }
  Decision Check(const SecurityContext& ctx) const override;

 private:
  std::string admin_;
};

}  // namespace trustcse::security
