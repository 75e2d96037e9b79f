#include "server/security_chains.h"

#include "security/authn/channel_binding.h"
#include "security/authn/originator_check.h"
#include "security/authz/acp_evaluator.h"
#include "security/authz/dynamic_authorization.h"
#include "security/authz/token_authorization.h"

namespace trustcse::server {

dispatcher::SecurityChains AssembleChains(const ChainOptions& o,
                                          const dispatcher::AuthorizationServices& services) {
  dispatcher::SecurityChains chains;
  chains.gates.Append(std::make_unique<security::ChannelBinding>(
      o.credentials, o.admin_originator, o.free_ae_ids));
  chains.gates.Append(std::make_unique<security::OriginatorCheck>(
      o.admin_originator, o.free_ae_ids ? nullptr : o.credentials));
  // Admission (storm protection) and trust (registry, black- and greylists) gates go here.
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
