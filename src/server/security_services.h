// The security services of one trustcse instance — key store, credential registry, certificate
// authority — opened from the configuration over the instance's store, and the instance lock
// that keeps two processes from writing one store. Used by `trustcse serve` and by the CLI's
// offline operations. Start-up only; not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "security/ca/certificate_authority.h"
#include "security/credentials/credential_registry.h"
#include "security/enrolment/enrolment_service.h"
#include "security/keystore/key_store.h"
#include "security/trust/subscriptions.h"
#include "security/trust/trust_lists.h"
#include "security/trust/trust_registry.h"
#include "server/config.h"
#include "storage/store.h"

namespace trustcse::server {

struct SecurityServices {
  std::shared_ptr<const security::KeyStore> keys;
  std::shared_ptr<security::CredentialRegistry> credentials;
  std::shared_ptr<security::CertificateAuthority> ca;
  std::shared_ptr<security::EnrolmentService> enrolment;
  std::shared_ptr<security::trust::TrustRegistry> trust;  // the trust centre's registry
  std::shared_ptr<security::trust::TrustLists> lists;     // its black- and greylists
  std::shared_ptr<security::trust::SubscriptionRegistry> subscriptions;  // device subscriptions
};

// Creates the database's directory if needed and opens the SQLite store.
Result<std::unique_ptr<storage::Store>> OpenStore(const Config& config);
// Opens the key store (master key from TRUSTCSE_MASTER_KEY or the key file, created on first
// use when allowed), then loads the credentials, the CA and the trust centre's registry, and
// sets up enrolment.
Result<SecurityServices> OpenSecurityServices(const Config& config, storage::Store& store);

// An exclusive advisory lock (flock) on "<db>.lock", held while a server runs.
class InstanceLock {
 public:
  // 4105 if another process holds it (a server is running on this store).
  static Result<std::unique_ptr<InstanceLock>> Acquire(const std::string& db_path);
  ~InstanceLock();
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace trustcse::server
