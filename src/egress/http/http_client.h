// The HTTP and HTTPS implementation of egress::Client (oneM2M TS-0009 as a client), on
// Boost.Beast with OpenSSL, on one io_context thread of its own (`tc-egress-http`).
//
// Connections: HTTP/1.1 keep-alive, reused per scheme, host and port when the target allows it;
// one exchange per connection at a time (no pipelining) and at most `max_in_flight_per_host`
// exchanges per target, the others waiting in order; at most `max_idle_per_host` idle
// connections per target and `max_idle` in all, each closed after `idle_timeout`. A request on a
// reused connection that the target had closed meanwhile is sent again once on a new one.
//
// HTTPS: TLS 1.2 or 1.3 only. The server's certificate must chain to one of the trust anchors
// (`TlsClientOptions`) and name the target's host (a DNS name in its subjectAltName, or the
// IP address for an IP target); SNI is sent for names. With a client certificate and key
// configured, the client presents them when the server asks (mutual TLS).
//
// Every request carries `Via: 1.1 <this CSE>` after the hops it arrived with (see client.h for
// loops, destinations, deadlines and errors).
//
// Errors: MakeHttpClient fails (4000, naming the file) when a trust anchor file or the client
// certificate or key cannot be loaded, or the certificate and key do not match. Thread-safety:
// as egress::Client.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "egress/client.h"
#include "egress/destination_policy.h"

namespace trustcse::egress {

struct TlsClientOptions {
  // Trust anchors for server certificates: PEM files of CA certificates (each may hold several)
  // and PEM text (the CSE's own CA certificate). The system store too when `system_store`.
  std::vector<std::string> ca_files;
  std::vector<std::string> ca_pems;
  bool system_store = true;
  // The client certificate chain and its key (PEM files) for mutual TLS; both or neither.
  std::string cert_file;
  std::string key_file;
};

struct HttpClientOptions {
  std::string self_id;  // this CSE's CSE-ID ("/id-in"): its Via pseudonym, for loops
  std::chrono::milliseconds default_timeout{3000};
  DestinationPolicy destinations;  // default: permits every address
  TlsClientOptions tls;
  size_t max_response_body = 1 << 20;
  int max_in_flight_per_host = 8;
  size_t max_idle_per_host = 8;
  size_t max_idle = 1024;
  std::chrono::milliseconds idle_timeout{15000};
};

Result<std::unique_ptr<Client>> MakeHttpClient(HttpClientOptions options);

}  // namespace trustcse::egress
