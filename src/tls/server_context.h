// ServerContext: the TLS server side of one listener (SEC-1) — an OpenSSL 3 SSL_CTX configured
// for trustcse's credential models, and what a completed handshake authenticated.
//
// Protocol: TLS 1.2 and 1.3 only. Suites: TLS 1.3's defaults; for TLS 1.2 ECDHE with AES-GCM or
// ChaCha20-Poly1305, plus the suites TS-0003 §10.2 makes mandatory for interoperability
// (TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, TLS_PSK_WITH_AES_128_CBC_SHA256). Resumption with
// session tickets (TLS 1.2 and 1.3); a ticket carries the identity it was issued for and is
// refused once that credential is no longer active. SNI is accepted.
//
// Client authentication, per listener (any combination):
//  - certificate: an X.509 certificate of the built-in CA, checked against the CA's current CRL
//    on every handshake; the identities are the subjectAltName URIs (CertificateAuthority);
//  - psk: TLS 1.2 PSK suites and TLS 1.3 external PSKs; the PSK identity is the Credential-ID;
//  - pinned-key: a self-signed certificate accepted only when the SHA-256 of its public key is
//    registered (the raw-public-key model, on an OpenSSL without RFC 7250);
//  - none: clients without a credential may connect (the binding then admits them to the
//    enrolment and CRL endpoints only).
//
// Reload: a listener swaps in a new context for new handshakes (the server certificate, the
// client authentication); connections keep the context they were accepted with.
// Thread-safety: immutable after Create; callbacks run concurrently on the I/O threads.
// OpenSSL types stay out of this header (ssl_ctx_st / ssl_st are OpenSSL's SSL_CTX / SSL).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "primitive/request.h"
#include "security/ca/certificate_authority.h"
#include "security/credentials/credential_registry.h"

struct ssl_ctx_st;
struct ssl_st;

namespace trustcse::tls {

enum ClientAuth : unsigned {
  kAuthCertificate = 1,
  kAuthPsk = 2,
  kAuthPinnedKey = 4,
  kAuthNone = 8,
};
// "certificate", "psk", "pinned-key", "none" → bits; 4000 for anything else or an empty list.
Result<unsigned> ParseClientAuth(const std::vector<std::string>& names);

struct ServerContextOptions {
  std::string cert_chain_pem;  // the server's certificate first, then intermediates
  security::crypto::Secret key_pem;
  unsigned client_auth = kAuthCertificate | kAuthPsk | kAuthPinnedKey;
};

class ServerContext {
 public:
  // `ca` may be null (no certificate client authentication then).
  static Result<std::shared_ptr<ServerContext>> Create(
      ServerContextOptions options, std::shared_ptr<const security::CredentialRegistry> registry,
      std::shared_ptr<security::CertificateAuthority> ca);
  ~ServerContext();
  ServerContext(const ServerContext&) = delete;
  ServerContext& operator=(const ServerContext&) = delete;

  // A reload's replacement context: takes over `previous`'s session ticket keys, so that clients
  // resume across the swap (each ticket is still checked against the registry on use). Only
  // when both authenticate clients the same way; call before the context is in use. False if
  // nothing was taken over.
  bool AdoptTicketKeys(const ServerContext& previous);

  // The SSL_CTX, owned by this object.
  ssl_ctx_st* native() const { return ctx_; }
  unsigned client_auth() const { return client_auth_; }

  // What the peer of a completed handshake on `ssl` authenticated as; Method::kNone if nothing.
  ChannelIdentity PeerIdentity(ssl_st* ssl) const;
  // Why the handshake on `ssl` failed, for logs and metrics: a phrase that starts with
  // "unknown PSK identity", "bad key for PSK identity", "revoked or inactive certificate",
  // "foreign certificate" or "key not pinned" when a credential check refused, else
  // "protocol error: <fallback>" (the transport's error). Never a key.
  static std::string FailureReason(ssl_st* ssl, std::string_view fallback);
  // Keying material exported from the session (RFC 5705 / RFC 8446 §7.5).
  static Result<std::string> ExportKeyingMaterial(ssl_st* ssl, std::string_view label, size_t n);

  // Callbacks' view of the context (public for the C callbacks in the .cc file).
  struct Callbacks;

 private:
  ServerContext() = default;
  // The identity established by this handshake (not a resumed one).
  ChannelIdentity FreshIdentity(ssl_st* ssl) const;

  ssl_ctx_st* ctx_ = nullptr;
  unsigned client_auth_ = 0;
  std::shared_ptr<const security::CredentialRegistry> registry_;
  std::shared_ptr<security::CertificateAuthority> ca_;
  struct CrlCache;
  std::unique_ptr<CrlCache> crl_;
};

// What a client certificate says about its holder, for bindings whose TLS library calls back with
// the certificate itself (DTLS in libcoap): a self-signed certificate names a pinned key
// ("ni:///sha-256;…"), any other the "x509:<serial>" credential of the built-in CA and the
// originators its subjectAltName certifies. Whether it verified is the caller's business.
struct CertificateFacts {
  bool parsed = false;
  bool self_signed = false;
  std::string credential_id;
  std::vector<std::string> certified_ids;
};
CertificateFacts InspectCertificate(std::string_view der,
                                    const security::CertificateAuthority* ca);

// The Credential-ID of a pinned public key: "ni:///sha-256;<base64url(SHA-256(SPKI DER))>"
// (RFC 6920), from a PEM certificate or public key. 4000 if the text holds neither.
Result<std::string> PinnedKeyId(std::string_view pem);

}  // namespace trustcse::tls
