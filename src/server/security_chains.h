// Assembles the dispatcher's security chains from the configuration (the one place that names
// concrete steps): the gates — channel binding (TLS/DTLS/MQTT credentials; 4107 for a secure
// channel without one, 4106 for a claim the credential does not cover), then the originator
// check for plain channels, then the trust centre's gate (class floors, KYC); admission plugs
// in after them — and the authorization
// chain — access tokens (if a token key is configured), dynamic grants, ACPs, then dynamic
// authorization (consulting the servers a resource's daci names). Start-up only.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "dispatcher/dispatcher.h"
#include "security/authz/token.h"
#include "security/credentials/credential_registry.h"
#include "security/trust/subscriptions.h"
#include "security/trust/trust_lists.h"
#include "security/trust/trust_registry.h"

namespace trustcse::server {

struct ChainOptions {
  std::string admin_originator = "CAdmin";
  std::string cse_id = "/id-in";  // this CSE's CSE-ID (SP-relative acor entries)
  std::shared_ptr<const security::CredentialRegistry> credentials;
  // `[security] ae_id_registration = "any-free"`: a credential bound to nothing may register
  // under any free AE-ID; otherwise only under one the CSE assigns, and an AE-ID a credential
  // holds or reserves is usable only through it.
  bool free_ae_ids = false;
  std::shared_ptr<const security::TokenVerifier> tokens;  // null: tokens are not accepted
  std::chrono::milliseconds consultation_timeout{std::chrono::seconds(10)};
  // The trust centre (security/trust/trust_gate.h); null: no trust gate.
  std::shared_ptr<security::trust::TrustRegistry> trust;
  std::shared_ptr<const security::trust::TrustLists> lists;  // null: no black- and greylists
  // Device subscriptions (profiles and lifecycle); null: none.
  std::shared_ptr<const security::trust::SubscriptionRegistry> subscriptions;
  bool allow_unregistered_apps = true;  // [trust] unregistered_apps = "allow"
};

dispatcher::SecurityChains AssembleChains(const ChainOptions& options,
                                          const dispatcher::AuthorizationServices& services);

}  // namespace trustcse::server
