// KeyStore: the one interface to secrets at rest (SEC-7). Everything secret that trustcse keeps —
// PSKs, the CA's private key, the server's TLS key, the enrolment master secret — is stored only
// in sealed form; the KeyStore seals and unseals it. Backends: the software store below (default);
// an HSM, TPM or UICC backend implements the same interface later.
//
// Sealing is authenticated encryption bound to a `purpose` string (for example
// "psk:12-a1b2@trustcse.local"): a sealed value unseals only for the purpose it was sealed for, so
// a value copied into another record does not open there. Unsealed secrets come back as
// crypto::Secret, which wipes itself. Nothing here logs a secret or the master key.
//
// Thread-safety: a KeyStore is immutable after opening; Seal/Unseal may run concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "security/crypto/crypto.h"

namespace trustcse::security {

class KeyStore {
 public:
  virtual ~KeyStore() = default;
  virtual std::string_view kind() const = 0;
  virtual Result<std::string> Seal(std::string_view secret, std::string_view purpose) const = 0;
  // 5000 "sealed secret does not open" for a wrong master key, a wrong purpose or a damaged value
  // (which of the three is not told apart beyond the master-key check value).
  virtual Result<crypto::Secret> Unseal(std::string_view sealed, std::string_view purpose) const = 0;
  // Whether `sealed` names this store's master key (by its key check value, which reveals
  // nothing about the key). Says nothing about whether the value is intact: Unseal tells that.
  virtual bool SealedUnderThisKey(std::string_view sealed) const = 0;
};

// Where a sealed value lives in the store: member `member` of the JSON objects of kind `kind`,
// sealed for purpose(id). Each owner of sealed values names its fields (CredentialRegistry,
// CertificateAuthority), so that a master-key rotation (key_rotation.h) finds them all.
struct SealedField {
  std::string_view kind;
  std::string_view member;
  std::string (*purpose)(std::string_view id);
};

// Where the software store's 256-bit master key comes from. The environment variable wins over
// the file; either holds 64 hex digits or base64 of 32 bytes (a file may also hold the 32 raw
// bytes). A key file must not be readable by group or others.
struct MasterKeyOptions {
  std::string env_var = "TRUSTCSE_MASTER_KEY";
  std::string file;                      // "" = environment only
  bool create_file_if_missing = false;   // first start: write a fresh random key, mode 0600
};

// The software store: AES-256-GCM under the master key, a fresh 96-bit nonce per seal. Sealed
// form: "sk1.<key check value, 8 hex>.<base64url(nonce | ciphertext | tag)>".
Result<std::unique_ptr<KeyStore>> OpenSoftwareKeyStore(const MasterKeyOptions& options);
// The same store over a given 32-byte key (tests, tools).
Result<std::unique_ptr<KeyStore>> SoftwareKeyStoreWithKey(crypto::Secret master_key);

}  // namespace trustcse::security
