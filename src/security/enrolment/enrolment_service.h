// EnrolmentService: the enrolment function (SEC-3; after TS-0003 §8.3 RSPF). A device that holds
// only a bootstrap credential obtains its own operational credential, bound to its identity:
//
//   POST /.well-known/trustcse/enrol     (over TLS only; 4107 otherwise)
//   {"credential": "psk" | "certificate", "csr": "<PEM>" (certificate), "token": "<token>"?}
//   → 2001 {"credential": <Credential-ID>, "kind": …, "ids": [...], "expires": …,
//           "psk": "<hex>"  |  "certificate": "<PEM>", "ca": "<PEM>"}
//
// Who may enrol, decided by the channel and the body:
//  - a channel authenticated with a bootstrap credential (a factory PSK registered with
//    `credential add --bootstrap`): the credential is consumed (revoked) by its first enrolment;
//  - a one-time enrolment token (`enrol-token create`), over any TLS channel (a listener that
//    admits "none" lets devices without any credential in): stored only as its SHA-256, expires,
//    and is marked used by its first enrolment; a reused token is refused;
//  - a channel authenticated with a current operational credential: re-enrolment rotates it —
//    the new credential takes over its identities and the old one expires after a grace period.
// Anything else is 4106. The identities are the bootstrap credential's or token's (none: the new
// credential binds the AE-ID of its first registration), or the rotated credential's. A token's
// or bootstrap credential's IDs are reserved until its enrolment (CredentialRegistry::BoundTo);
// an enrolment whose IDs meanwhile belong to another active credential (4106) or to a
// registered AE (4117) is refused — the device would otherwise act in someone else's AE.
//
// The new PSK is derived with HKDF-SHA256 from keying material exported from the enrolment's own
// TLS session (label "EXPORTER-oneM2M-Bootstrap", TS-0003 §10.3.1) and a fresh random salt, with
// info "oneM2M Enrolment Key to Provisioned Secure Connection Key derivation" || KpsaID; its
// identity (KpsaID) is "<random hex>@<issuer>". No two enrolments share a key or an identity.
// A certificate is signed by the built-in CA for a key generated on the device (CSR).
// Consuming the bootstrap credential or token, retiring the old credential and recording the new
// one happen in one durable write; the answer is sent only after it.
//
// Thread-safety: Handle and CreateToken may be called concurrently.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "security/ca/certificate_authority.h"
#include "security/credentials/credential_registry.h"
#include "security/service_endpoints.h"
#include "storage/store.h"

namespace trustcse::security {

struct EnrolmentOptions {
  std::string psk_issuer = "trustcse.local";  // FQDN part of issued PSK identities
  std::chrono::seconds rotation_grace{300};   // how long a rotated credential stays valid
  std::chrono::hours lifetime{24 * 365};      // validity of issued credentials
};

struct EnrolmentToken {
  std::string token;  // shown once; stored only as its hash
  std::string id;     // hex SHA-256 of the token (how it is stored and listed)
  std::vector<std::string> ids;
  std::string created;
  std::string expires;
  std::string used;        // "" until used
  std::string credential;  // what it enrolled
  std::string note;
};

class EnrolmentService final : public ServiceEndpoints {
 public:
  static constexpr std::string_view kTokenKind = "enrol-token";

  EnrolmentService(storage::Store& store, std::shared_ptr<CredentialRegistry> registry,
                   std::shared_ptr<CertificateAuthority> ca, EnrolmentOptions options);

  void Handle(ServiceRequest request, std::function<void(ServiceResponse)> done) override;

  // Reserves the IDs of every outstanding (unused, unexpired) token in the registry, so that no
  // credential bound to nothing registers under them before their device enrols. Start-up.
  Status LoadReservations();
  // A one-time token for a device to be bound to `ids`, valid for `ttl`; its IDs are reserved
  // until it is used or expires. 4106 if an ID is bound to an active credential, 4117 if an AE
  // is registered under it (the device would act in someone else's AE). Waits for the commit.
  Result<EnrolmentToken> CreateToken(std::vector<std::string> ids, std::chrono::seconds ttl,
                                     std::string note);
  // Every token (without the token itself).
  Result<std::vector<EnrolmentToken>> ListTokens();

 private:
  // Why `ids` cannot be given to a new device (bound to an active credential other than
  // `except`, or registered as an AE); OK if they can.
  Status CheckIdsFree(const std::vector<std::string>& ids, std::string_view except);

  storage::Store& store_;
  std::shared_ptr<CredentialRegistry> registry_;
  std::shared_ptr<CertificateAuthority> ca_;
  EnrolmentOptions options_;
};

}  // namespace trustcse::security
