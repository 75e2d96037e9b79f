// `trustcse explain` (OP-2): why a given originator may or may not make a given request, as the
// trust centre sees it — each check of the trust gate in its order (trust_gate.h), then the
// device subscription's paths for the target (subscription_scope.h) — with the status code
// and message the request would get. Nothing changes: no binding learned, no machine locked, no
// identity query answered, no rate token spent.
//
// The request is described, not sent: the originator, the operation, the target path, the
// type a CREATE makes, the binding (secure or not), the credential its channel authenticated,
// the source address, and for an AE registration the App-ID it names. Where the trust centre
// lets a request pass, the target's access-control policies decide next; explain says so and
// does not evaluate them (they depend on the resource tree: `trustcse` does not read it here).
//
// Thread-safe as the registries are.
#pragma once

#include <boost/json/object.hpp>

#include "common/status.h"
#include "security/credentials/credential_registry.h"
#include "security/trust/trust_gate.h"

namespace trustcse::security::trust {

struct ExplainQuery {
  std::string originator;
  std::string operation = "retrieve";  // create retrieve update delete notify discover
  std::string to;                      // the target's structured path ("cse-in/trk1/data")
  int ty = 0;                          // the type a CREATE makes (2: an AE registration)
  std::string binding = "https";       // http https coap coaps mqtt mqtts ws wss
  std::string credential;              // the Credential-ID the channel authenticated
  std::string source;                  // the client's address
  // The App-ID a registration names, or the one an AE without a machine record registered
  // with (the gate reads it from the resource tree, which explain does not read).
  std::string api;
};

// The query from explain's admin arguments (admin/operations.h); 4000 naming a bad field.
Result<ExplainQuery> ParseExplainQuery(const boost::json::object& args);

// {decision: "allowed" | "refused", rsc, message?, obligations[], steps: [{check, result,
// detail}], then?, note?}. 4004 for a credential the registry does not know.
Result<boost::json::object> Explain(const TrustGate& gate, const TrustRegistry& registry,
                                    const SubscriptionRegistry* subscriptions,
                                    const CredentialRegistry& credentials, const ExplainQuery& q);

}  // namespace trustcse::security::trust
