// RoutingClient: the one egress::Client the rest of the CSE holds. It picks the implementation
// by the target URL's scheme (case-insensitive): http:// and https:// → the HTTP client,
// coap:// and coaps:// → the CoAP client, mqtt:// and mqtts:// → the MQTT client (an adapter
// over the MQTT binding's broker connection, bindings/mqtt/mqtt_client_adapter.h). A scheme
// without a client — none given for it, or one this CSE does not speak — is refused with 5103
// "unsupported scheme" on the caller's thread, like every refusal before an exchange starts.
//
// Ownership: shares the clients it routes to; Stop stops each once (a client given for two
// roles is stopped once). Thread-safety: as egress::Client (the table is immutable after
// construction). Errors: those of the chosen client, and the 5103 above.
#pragma once

#include <memory>

#include "egress/client.h"

namespace trustcse::egress {

struct RoutedClients {
  std::shared_ptr<Client> http;  // http:// and https://
  std::shared_ptr<Client> coap;  // coap:// and coaps://
  std::shared_ptr<Client> mqtt;  // mqtt:// and mqtts://
};

std::unique_ptr<Client> MakeRoutingClient(RoutedClients clients);

}  // namespace trustcse::egress
