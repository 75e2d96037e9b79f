// The CoAP and CoAP-over-DTLS implementation of egress::Client (oneM2M TS-0008 as a client), on
// libcoap 3 (OpenSSL build), on one thread of its own (`tc-egress-coap`) that runs one libcoap
// context; libcoap is touched only there (Send queues the request and wakes the thread).
//
// Requests are confirmable; the wire mapping (method, Uri-Path/Uri-Query, the oneM2M options,
// the response's code and oneM2M-RSC) is coap_wire.h. Large answers arrive block-wise (Block2,
// reassembled by libcoap) up to `max_response_body`; large request bodies go out block-wise
// (Block1). Sessions are reused per scheme, host and port (`coaps://10.0.0.7:5684`), at most
// `max_sessions` at a time (the least recently used idle one makes room; with none idle a
// new target is refused), each released after `idle_timeout` without an exchange; at most
// `max_in_flight` requests wait for answers at a time, beyond that Send refuses (5103).
// A target's name is resolved on the client's thread when its session is opened (getaddrinfo:
// a CoAP target is normally an address); every address is checked against the destination
// policy, the first permitted one is used.
//
// coaps://: DTLS 1.2. With `psk_identity` and `psk_key` set, every coaps:// session uses that
// pre-shared key (libcoap 4.3 cannot offer PSK and certificates in one handshake). Otherwise
// the server's certificate must chain to the trust anchors of `TlsClientOptions` and carry the
// target's host (a DNS subjectAltName, no partial wildcards, or the IP address), and the client
// presents `cert_file`/`key_file` when configured (the same [egress] settings as HTTPS).
//
// Loops: CoAP has no Via (TS-0008 defines no option for the hops), so a request's hop list
// ends here. A request whose `via` already names this CSE is refused (5103) like over HTTP; a
// CoAP target that forwards it on cannot detect a loop through this hop.
//
// Errors (client.h): 5103 for a target that is no coap(s) URL, a name that does not resolve, a
// network the policy refuses, a DTLS handshake that fails (wrong key, untrusted certificate,
// wrong host name), a reset or an ICMP error, retransmissions exhausted, too many requests or
// sessions, a loop, Stop, a DTLS handshake still unfinished at the deadline (DTLS drops what it
// cannot authenticate, so a wrong PSK shows only as a handshake that never completes); 4008
// when the deadline passes first otherwise (the request is then forgotten, and its session
// released if it has nothing else to do). MakeCoapClient: 4000 when the client
// certificate, key or a trust anchor cannot be loaded, 5000 when libcoap cannot start.
// Thread-safety: as egress::Client.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "egress/client.h"
#include "egress/destination_policy.h"
#include "egress/http/http_client.h"  // TlsClientOptions: the same trust anchors as HTTPS

namespace trustcse::egress {

struct CoapClientOptions {
  std::string self_id;  // this CSE's CSE-ID: its Via pseudonym, for loops
  std::chrono::milliseconds default_timeout{3000};
  DestinationPolicy destinations;
  TlsClientOptions tls;  // coaps:// with certificates (system_store is not used by libcoap)
  std::string psk_identity;  // coaps:// with a pre-shared key: both or neither
  std::string psk_key;       // raw key bytes
  size_t max_response_body = 1 << 20;
  size_t max_in_flight = 256;
  size_t max_sessions = 256;
  std::chrono::milliseconds idle_timeout{30000};
};

Result<std::unique_ptr<Client>> MakeCoapClient(CoapClientOptions options);

}  // namespace trustcse::egress
