#include "server/security_chains.h"

#include "security/authn/channel_binding.h"
#include "security/authn/originator_check.h"
#include "security/authz/acp_evaluator.h"
#include "security/authz/dynamic_authorization.h"
#include "security/authz/token_authorization.h"
#include "security/trust/subscription_scope.h"
#include "security/trust/trust_gate.h"

namespace trustcse::server {

dispatcher::SecurityChains AssembleChains(const ChainOptions& o,
                                          const dispatcher::AuthorizationServices& services) {
  dispatcher::SecurityChains chains;
  chains.gates.Append(std::make_unique<security::ChannelBinding>(
      o.credentials, o.admin_originator, o.free_ae_ids));
  chains.gates.Append(std::make_unique<security::OriginatorCheck>(
      o.admin_originator, o.free_ae_ids ? nullptr : o.credentials));
  if (o.trust) {
    chains.gates.Append(std::make_unique<security::trust::TrustGate>(
        o.trust, o.credentials,
        security::trust::TrustGateOptions{o.admin_originator, o.allow_unregistered_apps},
        o.lists, o.subscriptions));
  }
  // Admission (storm protection) goes here.
  if (o.trust && o.subscriptions) {
    chains.authorization.Append(
        std::make_unique<security::trust::SubscriptionScope>(o.trust, o.subscriptions));
  }
  if (o.tokens) {
    chains.authorization.Append(std::make_unique<security::TokenAuthorization>(o.tokens));
  }
  chains.authorization.Append(services.grants);
  chains.authorization.Append(
      std::make_unique<security::AcpAuthorization>(o.admin_originator, services.acps, o.cse_id));
  chains.authorization.Append(std::make_unique<security::DynamicAuthorization>(
      services.grants, services.consultant, o.consultation_timeout));
  return chains;
}

}  // namespace trustcse::server
