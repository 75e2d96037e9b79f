// CertificateAuthority: the operator's built-in X.509 certificate authority (OP-7). It issues
// device and application certificates (from a CSR, or for a key pair it generates and hands out
// once), renews and revokes them, publishes a CRL, and issues the CSE's own TLS server
// certificate. Profile (TS-0003 §10.1.1): EC P-256 keys (RSA ≥ 2048 accepted in CSRs), ECDSA
// with SHA-256; a device certificate certifies the AE-IDs / CSE-IDs it may act as as URIs in
// subjectAltName, in absolute form ("//<sp>/<cse>/<C-AE-ID>", "//<sp>/<S-AE-ID>",
// "//<sp>/<cse-id>"), and is for client authentication only.
//
// Every issued certificate is a credential "x509:<serial hex>" in the CredentialRegistry (bound
// to its IDs); revoking it revokes that credential. State in the store: the CA (objects "ca"/
// "root": certificate, private key sealed by the KeyStore), issued certificates ("ca-issued"/
// <serial>) and the server certificate ("tls"/"server", key sealed). The CA's private key is
// unsealed only for the operation that signs.
//
// Thread-safety: operations are serialized by an internal mutex; CrlDer() and
// certificate_pem() may be called from any thread (TLS handshakes).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "primitive/address.h"
#include "security/credentials/credential_registry.h"
#include "security/keystore/key_store.h"
#include "storage/store.h"

namespace trustcse::security {

struct IssueRequest {
  std::string csr_pem;            // a CSR (its signature is checked); or
  bool generate_key = false;      // a P-256 key pair generated here, returned once, never stored
  std::vector<std::string> ids;   // originators to certify: "Cmeter1", "Sapp", "/id-mn"
  std::chrono::hours validity{24 * 365};
  // Start of validity; default now (less 5 minutes, for clock skew). Like `openssl ca
  // -startdate`, it may lie in the past, also far enough for the certificate to have expired.
  std::optional<TimePoint> not_before;
  std::string note;
  // The device's IMEI (15 digits, validated by the caller): certified in subjectAltName as
  // urn:gsma:imei:TAC-SNR-CD (RFC 7254) and recorded on the credential (its imei attribute).
  std::string imei;
};

struct IssuedCertificate {
  std::string serial;           // hex
  std::string credential_id;    // "x509:<serial>"
  std::string certificate_pem;
  std::string key_pem;          // only when the key was generated here
  std::string not_after;        // oneM2M timestamp
  std::vector<std::string> ids;
};

// A certificate signed but not yet recorded: it becomes valid only when RecordInWrite() puts it
// into the store (inside a WriteFn, with whatever else that write must do atomically — an
// enrolment consumes its token in the same write) and the credential is applied to the registry
// after the commit. Dropped unrecorded, it is worthless: no credential backs its serial.
struct PendingCertificate {
  IssuedCertificate issued;
  Credential credential;
  std::string record;  // the "ca-issued" object
};

// A TLS server certificate chain and its private key, both PEM.
struct ServerCertificate {
  std::string chain_pem;
  crypto::Secret key_pem;
};

class CertificateAuthority {
 public:
  CertificateAuthority(storage::Store& store, std::shared_ptr<CredentialRegistry> registry,
                       CseIdentity self);
  ~CertificateAuthority();

  // Where the CA's and the server's private keys are sealed in the store.
  static std::vector<SealedField> SealedKeys();

  // Reads the CA from the store, if one was initialized. Start-up.
  Status Load();
  bool initialized() const;
  // Creates the CA: a P-256 key and a self-signed certificate. 4105 if it exists.
  Status Init(const std::string& common_name, std::chrono::hours validity);

  // The CA certificate (the trust anchor clients and the CSE verify against), PEM; "" if none.
  std::string certificate_pem() const;

  // 4000 for a bad CSR or ID list, 4004 if the CA is not initialized.
  Result<IssuedCertificate> Issue(const IssueRequest& request);
  // A new certificate (new serial) for the same key and IDs as `serial`; the old one stays valid
  // until it expires or is revoked. 4004 if unknown.
  Result<IssuedCertificate> Renew(const std::string& serial, std::chrono::hours validity);
  // Signs a certificate for the key of a CSR (checked as for Issue) without recording it.
  Result<PendingCertificate> SignRequest(const std::string& csr_pem,
                                         const std::vector<std::string>& ids,
                                         std::chrono::hours validity, const std::string& note,
                                         const std::string& replaces);
  static Status RecordInWrite(storage::WriteTxn& txn, const PendingCertificate& p);
  // Revokes certificate `serial` (its credential) and regenerates the CRL. 4004 if unknown.
  Status Revoke(const std::string& serial, std::string reason);
  // The current CRL (DER), regenerated on each revocation and once a day; null if no CA.
  std::shared_ptr<const std::string> CrlDer();
  std::string CrlPem();

  // The CSE's TLS server certificate for `names` (DNS names or IP addresses), issued by this CA
  // and kept (key sealed) in the store; reissued when names change or it expires within 30 days.
  Result<ServerCertificate> ServerCertificateFor(const std::vector<std::string>& names);

  // Maps a certificate's subjectAltName URI to an originator ("" if not one of this SP).
  std::string OriginatorFromUri(std::string_view uri) const;
  std::string UriForOriginator(std::string_view originator) const;

 private:
  struct State;
  Status RegenerateCrlLocked();
  // Signs a client certificate for the PEM public key (not recorded yet).
  Result<PendingCertificate> SignPublicKey(const std::string& public_pem,
                                           const std::vector<std::string>& ids,
                                           std::chrono::hours validity,
                                           std::optional<TimePoint> not_before,
                                           const std::string& note, const std::string& replaces,
                                           const std::string& imei = {});
  // Records a signed certificate (waits for the commit) and applies its credential.
  Result<IssuedCertificate> Commit(PendingCertificate p);

  storage::Store& store_;
  std::shared_ptr<CredentialRegistry> registry_;
  CseIdentity self_;
  mutable std::mutex mu_;
  std::unique_ptr<State> state_;  // guarded by mu_
};

}  // namespace trustcse::security
