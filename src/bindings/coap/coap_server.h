// CoapServer: the oneM2M CoAP binding's server side (TS-0008) on libcoap 3 (OpenSSL build):
// plain CoAP over UDP (development, like plain HTTP) and CoAP over DTLS 1.2 with the same
// credential models and identity binding as the HTTPS listeners — a PSK (the PSK identity names
// the credential), a certificate of the built-in CA, or a pinned self-signed key. What the DTLS
// handshake authenticated becomes the requests' ChannelIdentity, which the security chain binds
// the originator to; requests over an unauthenticated DTLS session get 4.03 (4107).
//
// Requests map through coap_mapping to RequestPrimitives and go to the Dispatcher. libcoap is
// single-threaded: one thread runs its loop; a response that completes later (a write, on the
// storage writer) comes back through a queue and an eventfd and is sent as a separate response
// (CoAP async). Block-wise responses (Block2) are left to libcoap; request bodies (Block1) are
// reassembled by block1_reassembly.h, bounded per body, per peer and in total, and expire.
// Requests too large for a datagram get 4.13 (datagram.h), repeated critical options 4.02.
// A revoked credential's DTLS session is refused at its next request by the gates (the
// registry says revoked: 4106), and no new handshake with it succeeds.
// libcoap stays out of this header.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "dispatcher/dispatcher.h"
#include "security/ca/certificate_authority.h"
#include "security/credentials/credential_registry.h"
#include "tls/server_context.h"

namespace trustcse::coap {

// A CoAP-over-DTLS endpoint. libcoap 4.3 serves either PSK or certificate suites on one
// endpoint, so `client_auth` is kAuthPsk, or kAuthCertificate and/or kAuthPinnedKey.
struct DtlsEndpoint {
  uint16_t port = 5684;  // 0 = a free port (see dtls_ports())
  unsigned client_auth = tls::kAuthPsk;
};

struct CoapServerOptions {
  std::string address = "127.0.0.1";
  bool plain = false;          // plain CoAP on `port`
  uint16_t port = 5683;        // 0 = a free port (see port())
  std::vector<DtlsEndpoint> dtls;
  std::string cert_chain_pem;  // the DTLS server certificate (certificate endpoints)
  security::crypto::Secret key_pem;
  size_t body_limit = 1 << 20;              // a whole request body (Block1 included): 4.13
  size_t block1_total_bytes = 8 << 20;      // incomplete Block1 bodies, all peers: 5.03
  size_t block1_peer_bytes = 2 << 20;       // incomplete Block1 bodies of one address: 5.03
  int block1_expiry_ms = 30000;             // an incomplete Block1 body since its last block
  int log_lines_per_second = 5;             // libcoap's own log lines (the rest are counted)
  std::shared_ptr<const security::CredentialRegistry> registry;
  std::shared_ptr<security::CertificateAuthority> ca;  // may be null
  // Where DTLS handshake failures and credential uses are published (null: nowhere).
  std::shared_ptr<events::EventStream> events;
};

class CoapServer {
 public:
  explicit CoapServer(CoapServerOptions options);
  ~CoapServer();
  CoapServer(const CoapServer&) = delete;
  CoapServer& operator=(const CoapServer&) = delete;

  // Opens the endpoints (5000 if a port is taken); the bound ports are known afterwards.
  Status Listen();
  // Starts serving on the loop thread; `dispatcher` must outlive Stop().
  void Serve(dispatcher::Dispatcher& dispatcher);
  uint16_t port() const;
  std::vector<uint16_t> dtls_ports() const;  // in the order of options.dtls
  void Stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace trustcse::coap
