#include "exe/key_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "exe/instance.h"
#include "security/audit/checkpointer.h"
#include "security/ca/certificate_authority.h"
#include "security/credentials/credential_registry.h"
#include "security/keystore/key_rotation.h"
#include "server/config.h"
#include "server/offline_audit.h"
#include "server/security_services.h"

namespace trustcse::exe {
namespace {

namespace fs = std::filesystem;

struct KeyOptions {
  InstanceFlags instance;
  size_t batch = 1000;
};

std::atomic<bool> g_interrupted{false};
extern "C" void OnInterrupt(int) { g_interrupted.store(true); }

bool Exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(path, ec));
}

// Makes renames and creations in the key file's directory durable.
bool SyncDirectoryOf(const std::string& path) {
  std::string dir = fs::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

Result<std::unique_ptr<security::KeyStore>> OpenKeyFile(const std::string& path, bool create) {
  security::MasterKeyOptions mo;
  mo.env_var.clear();  // this command works on files only
  mo.file = path;
  mo.create_file_if_missing = create;
  return security::OpenSoftwareKeyStore(mo);
}

// The rotation as an operator action in the audit log, with a checkpoint signed by the log key
// as unsealed under the new master key `keys`.
Status RecordRotation(const server::Config& c, std::unique_ptr<security::KeyStore> keys) {
  auto store = server::OpenStore(c);
  if (!store) return store.error();
  server::OfflineAudit audit(**store);
  events::Emit(audit.stream().get(), events::Kind::kAdminOperation, "keystore", CliActor(),
               "master key", "key.rotate", "", static_cast<int>(Rsc::kOk));
  Status s = audit.Finish(c, std::shared_ptr<const security::KeyStore>(std::move(keys)));
  (*store)->Close();
  return s;
}

int Rotate(const KeyOptions& o) {
  server::Config c;
  if (auto s = LoadInstanceConfig(o.instance, c); !s.ok()) {
    PrintError(s.message());
    return kExitUsage;
  }
  const std::string config_file = ConfigFileFor(o.instance);
  if (auto s = server::ValidateConfig(c); !s.ok()) {
    PrintConfigError(s, config_file);
    return kExitUsage;
  }
  security::MasterKeyOptions defaults;
  if (const char* env = std::getenv(defaults.env_var.c_str()); env != nullptr && *env != '\0') {
    PrintError("key rotate: the master key comes from $" + defaults.env_var +
               ", which this command cannot change: put the key in a file "
               "([security] master_key_file, mode 0600), unset the variable and run again");
    return kExitUsage;
  }
  std::error_code ec;
  if (!fs::exists(c.db_path, ec)) {
    PrintError("key rotate: no trustcse instance at " + c.db_path + ": check --config");
    return kExitRuntime;
  }
  if (auto s = CheckRunsAsOwner(c.db_path); !s.ok()) {
    PrintError("key rotate: " + s.message());
    return kExitRuntime;
  }
  auto lock = server::InstanceLock::Acquire(c.db_path);
  if (!lock) {
    if (lock.error().code() == Rsc::kConflict) {
      PrintError("key rotate: a trustcse server is running on " + c.db_path +
                 "; nothing was changed: stop it first (systemctl stop trustcse), rotate, then "
                 "start it again");
    } else {
      PrintError("key rotate: " + lock.error().message());
    }
    return kExitRuntime;
  }

  const std::string current = server::MasterKeyPath(c);
  const std::string next = current + ".new";
  const std::string retired = current + ".old";
  const bool resuming = Exists(next);
  // Where the old key is: in place, or already retired by a run that stopped between the two
  // renames at the end.
  const std::string old_path = resuming && !Exists(current) ? retired : current;
  if (!resuming && Exists(retired)) {
    PrintError("key rotate: " + retired + " (the key an earlier rotation retired) is still "
               "here: move it to where the backups made before that rotation are kept, then "
               "run again");
    return kExitRuntime;
  }
  auto from = OpenKeyFile(old_path, false);
  if (!from) {
    PrintError("key rotate: " + from.error().message());
    return kExitUsage;
  }
  auto to = OpenKeyFile(next, true);
  if (!to || !SyncDirectoryOf(next)) {
    PrintError("key rotate: " + (to ? "cannot sync the directory of " + next
                                     : to.error().message()));
    return kExitRuntime;
  }
  std::cerr << (resuming ? "resuming the master key rotation begun earlier (" + next + ")\n"
                         : "new master key written to " + next + "\n");

  auto store = server::OpenStore(c);
  if (!store) {
    PrintError("key rotate: cannot open the store " + c.db_path + ": " + store.error().message());
    return kExitRuntime;
  }
  std::vector<security::SealedField> fields = {security::CredentialRegistry::SealedSecrets()};
  for (const auto& f : security::CertificateAuthority::SealedKeys()) fields.push_back(f);
  for (const auto& f : security::audit::AuditCheckpointer::SealedKeys()) fields.push_back(f);

  struct sigaction sa{}, old_int{}, old_term{};
  sa.sa_handler = OnInterrupt;
  ::sigaction(SIGINT, &sa, &old_int);
  ::sigaction(SIGTERM, &sa, &old_term);
  auto progress = [&](const security::ResealProgress& p) {
    std::cerr << "re-sealed " << p.kind << ": " << p.done << "/" << p.total << "\n";
    return !g_interrupted.load();
  };
  auto counts = security::ResealAll(**store, fields, **from, **to, o.batch, progress);
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  (*store)->Close();
  if (!counts) {
    PrintError("key rotate: " + counts.error().message() + "; the store is unchanged past the "
               "last batch reported: fix the cause and run `trustcse key rotate` again");
    return kExitRuntime;
  }
  if (counts->interrupted) {
    PrintError("key rotate: interrupted after " + std::to_string(counts->resealed) +
               " values; the server will not start until the rotation is finished: run "
               "`trustcse key rotate` again");
    return kExitRuntime;
  }
  // Every value opens under the new key: retire the old one, then put the new one in place.
  if ((old_path == current && ::rename(current.c_str(), retired.c_str()) != 0) ||
      !SyncDirectoryOf(current) || ::rename(next.c_str(), current.c_str()) != 0 ||
      !SyncDirectoryOf(current)) {
    PrintError("key rotate: cannot move the key files into place (" + std::string(std::strerror(errno)) +
               "): run `trustcse key rotate` again");
    return kExitRuntime;
  }
  if (auto s = RecordRotation(c, std::move(*to)); !s.ok()) {
    PrintError("key rotate: the master key was rotated, but the audit log could not record it: " +
               s.message());
  }
  std::cout << "master key rotated: " << counts->resealed + counts->already
            << " sealed values now under the new key in " << current << "\n"
            << "the old key is in " << retired
            << ": backups made before now need it; move it to where they are kept and delete "
               "it here\n";
  return kExitOk;
}

}  // namespace

void AddKeyCommand(CLI::App& app) {
  auto opts = std::make_shared<KeyOptions>();
  auto* key = app.add_subcommand("key", "the master key that seals secrets at rest");
  key->require_subcommand(1);
  auto* rotate = key->add_subcommand(
      "rotate", "replace the master key and re-seal every secret under the new one (offline: "
                "stop the server first; run again to resume)");
  AddInstanceOptions(rotate, opts->instance);
  rotate->add_option("--batch", opts->batch, "values re-sealed per transaction (default 1000)")
      ->check(CLI::Range(1, 1000000));
  rotate->callback([opts] {
    int rc = Rotate(*opts);
    std::cout.flush();
    std::exit(rc);
  });
}

}  // namespace trustcse::exe
