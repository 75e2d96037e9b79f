#include "server/security_services.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace trustcse::server {

namespace {

Status MakeParent(const std::string& path, const char* what) {
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Internal(std::string("cannot create the directory of the ") + what);
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<storage::Store>> OpenStore(const Config& c) {
  if (Status s = MakeParent(c.db_path, "database"); !s.ok()) return Err(s);
  storage::SqliteOptions so;
  so.path = c.db_path;
  so.synchronous_full = c.storage_fsync;
  return storage::OpenSqliteStore(so);
}

Result<SecurityServices> OpenSecurityServices(const Config& c, storage::Store& store) {
  security::MasterKeyOptions mo;
  mo.file = c.master_key_file;
  if (mo.file.empty()) mo.file = BesideDatabase(c, "master.key");
  mo.create_file_if_missing = c.create_master_key;
  if (!mo.file.empty() && c.create_master_key) {
    if (Status s = MakeParent(mo.file, "master key"); !s.ok()) return Err(s);
  }
  auto keys = security::OpenSoftwareKeyStore(mo);
  if (!keys) return Err(keys.error());
  SecurityServices out;
  out.keys = std::shared_ptr<const security::KeyStore>(std::move(*keys));
  out.credentials = std::make_shared<security::CredentialRegistry>(store, out.keys);
  if (Status s = out.credentials->Load(); !s.ok()) return Err(s);
  out.ca = std::make_shared<security::CertificateAuthority>(
      store, out.credentials, CseIdentity{c.cse_id, c.cse_name, c.sp_id});
  if (Status s = out.ca->Load(); !s.ok()) return Err(s);
  security::EnrolmentOptions eo;
  eo.psk_issuer = c.sp_id.size() > 2 ? c.sp_id.substr(2) : "trustcse.local";
  eo.rotation_grace = std::chrono::seconds(c.enrolment_rotation_grace_s);
  eo.lifetime = std::chrono::hours(24 * c.enrolment_lifetime_days);
  out.enrolment =
      std::make_shared<security::EnrolmentService>(store, out.credentials, out.ca, std::move(eo));
  if (Status s = out.enrolment->LoadReservations(); !s.ok()) return Err(s);
  out.trust = std::make_shared<security::trust::TrustRegistry>(store);
  if (Status s = out.trust->Load(); !s.ok()) return Err(s);
  out.lists = std::make_shared<security::trust::TrustLists>(store);
  if (Status s = out.lists->Load(); !s.ok()) return Err(s);
  out.subscriptions = std::make_shared<security::trust::SubscriptionRegistry>(store, out.trust);
  if (Status s = out.subscriptions->Load(); !s.ok()) return Err(s);
  return out;
}

Result<std::unique_ptr<InstanceLock>> InstanceLock::Acquire(const std::string& db_path) {
  if (Status s = MakeParent(db_path, "database"); !s.ok()) return Err(s);
  std::string path = db_path + ".lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Err(Status::Internal("cannot open " + path + ": " + std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Err(Status::Conflict("a trustcse server is running on " + db_path));
  }
  return std::unique_ptr<InstanceLock>(new InstanceLock(fd));
}

InstanceLock::~InstanceLock() { ::close(fd_); }

}  // namespace trustcse::server
