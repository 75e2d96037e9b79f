#include "exe/instance.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "admin/admin_server.h"
#include "admin/operations.h"
#include "server/offline_audit.h"
#include "server/security_services.h"

namespace trustcse::exe {

void PrintError(std::string_view message) { std::cerr << "trustcse: " << message << "\n"; }

void PrintConfigError(const Status& s, const std::string& config_file) {
  std::string_view m = s.message();
  if (!m.starts_with("config: ")) return PrintError(m);  // names its flag
  m.remove_prefix(8);
  PrintError("configuration " +
             (config_file.empty() ? std::string("(defaults and flags)") : config_file) + ": " +
             std::string(m));
}

void AddInstanceOptions(CLI::App* cmd, InstanceFlags& f) {
  cmd->add_option("--config", f.config_file,
                  "TOML configuration file (default: $TRUSTCSE_CONFIG, else "
                  "/etc/trustcse/trustcse.toml)");
  cmd->add_option("--db", f.db, "SQLite database file");
  cmd->add_option("--master-key-file", f.master_key_file,
                  "master key file of the key store (TRUSTCSE_MASTER_KEY wins)");
}

std::string ConfigFileFor(const InstanceFlags& f, bool* is_default) {
  if (is_default) *is_default = false;
  if (!f.config_file.empty()) return f.config_file;
  if (const char* env = std::getenv(server::kConfigEnvVar); env != nullptr && *env != '\0') {
    return env;
  }
  if (!f.db.empty()) return "";
  if (is_default) *is_default = true;
  return server::kSystemConfigFile;
}

Status LoadInstanceConfig(const InstanceFlags& f, server::Config& c) {
  bool is_default = false;
  const std::string file = ConfigFileFor(f, &is_default);
  if (!file.empty()) {
    std::error_code ec;
    if (is_default && !std::filesystem::exists(file, ec)) {
      return Status::BadRequest("no configuration: " + file +
                                " does not exist; give --config FILE (or set " +
                                server::kConfigEnvVar + "), or --db PATH for an instance "
                                "described by flags alone");
    }
    if (auto s = server::LoadConfigFile(file, c); !s.ok()) return s;
  }
  if (!f.db.empty()) c.db_path = f.db;
  if (!f.master_key_file.empty()) c.master_key_file = f.master_key_file;
  return Status::Ok();
}

namespace {

std::string UserName(uid_t uid) {
  if (const passwd* pw = ::getpwuid(uid); pw != nullptr && pw->pw_name != nullptr) {
    return pw->pw_name;
  }
  return "uid " + std::to_string(uid);
}

}  // namespace

Status CheckRunsAsOwner(const std::string& db_path) {
  const uid_t me = ::geteuid();
  struct stat st{};
  std::string owned;  // the path whose owner decides
  if (::stat(db_path.c_str(), &st) == 0) {
    if (st.st_uid == me) return Status::Ok();
    owned = db_path;
  } else {
    std::string dir = std::filesystem::path(db_path).parent_path().string();
    if (dir.empty()) dir = ".";
    // A new instance: only root could create files another user's server cannot open.
    if (me != 0 || ::stat(dir.c_str(), &st) != 0 || st.st_uid == 0) return Status::Ok();
    owned = dir;
  }
  const std::string owner = UserName(st.st_uid);
  return Status::NoPrivilege(
      owned + " belongs to " + owner + ", and this command runs as " + UserName(me) +
      ": the files it would create there (lock, WAL) would be unreadable for a server running "
      "as " + owner + "; nothing was changed: run it as " + owner + " (sudo -u " + owner +
      " trustcse …)");
}

std::string CliActor() {
  const uid_t me = ::geteuid();
  const passwd* pw = ::getpwuid(me);
  return pw != nullptr && pw->pw_name != nullptr ? "cli:" + std::string(pw->pw_name)
                                                 : "cli:uid:" + std::to_string(me);
}

struct OperatorSession::InProcess {
  std::unique_ptr<server::InstanceLock> lock;
  std::unique_ptr<storage::Store> store;
  server::SecurityServices sec;
  std::unique_ptr<server::OfflineAudit> audit;
  std::unique_ptr<admin::Operations> ops;
};

OperatorSession::OperatorSession(const server::Config& c) : config_(c) {}

OperatorSession::~OperatorSession() {
  if (!local_) return;
  Status audited = local_->audit->Finish(config_, local_->sec.keys);
  local_->sec.credentials->SetEventStream(nullptr);
  local_->ops.reset();
  local_->store->Close();
  // The operations themselves are done (or failed on their own); say so rather than hide it.
  if (!audited.ok()) PrintError("the audit log: " + audited.message());
}

std::unique_ptr<OperatorSession> OperatorSession::Open(const server::Config& c,
                                                       const std::string& config_file,
                                                       std::string_view op, int& exit_code) {
  const std::string config_flag = config_file.empty() ? "--config FILE" : "--config " + config_file;
  exit_code = kExitRuntime;
  auto failed = [&](const Status& s) {
    PrintError(std::string(op) + ": " + s.message() + " (" +
               std::to_string(static_cast<int>(s.code())) + ")");
    return nullptr;
  };
  std::error_code ec;
  if (op != "ca.init" && !std::filesystem::exists(c.db_path, ec)) {
    // Never a fresh, empty second instance that no server reads.
    PrintError("no trustcse instance at " + c.db_path + ": start it once with `trustcse serve " +
               config_flag + "` (or `trustcse ca init " + config_flag + "`), or check --config");
    return nullptr;
  }
  std::error_code lock_ec;
  const bool lock_existed = std::filesystem::exists(c.db_path + ".lock", lock_ec);
  auto lock = server::InstanceLock::Acquire(c.db_path);
  auto session = std::unique_ptr<OperatorSession>(new OperatorSession(c));
  if (!lock) {
    if (lock.error().code() != Rsc::kConflict) {
      // Most often another user's instance: say whose, rather than "permission denied".
      if (auto s = CheckRunsAsOwner(c.db_path); !s.ok()) {
        PrintError(s.message());
        return nullptr;
      }
      return failed(lock.error());
    }
    session->socket_ = server::AdminSocketPath(c);
    session->config_flag_ = config_flag;
    return session;
  }
  // No server: this process would open the store itself, which only its owner may do.
  if (auto s = CheckRunsAsOwner(c.db_path); !s.ok()) {
    lock->reset();
    if (!lock_existed) std::filesystem::remove(c.db_path + ".lock", lock_ec);
    PrintError(s.message());
    return nullptr;
  }
  if (auto s = server::CheckMasterKey(c); !s.ok()) {
    PrintError(s.message());
    exit_code = kExitUsage;
    return nullptr;
  }
  auto store = server::OpenStore(c);
  if (!store) {
    PrintError("cannot open the store " + c.db_path + ": " + store.error().message());
    return nullptr;
  }
  auto sec = server::OpenSecurityServices(c, **store);
  if (!sec) {
    (*store)->Close();
    return failed(sec.error());
  }
  auto local = std::make_unique<InProcess>();
  local->lock = std::move(*lock);
  local->store = std::move(*store);
  local->sec = std::move(*sec);
  // The operations' events (their own, and the credential, CA and enrolment events they cause)
  // go to the audit log as a running server's would, under this user's name.
  local->audit = std::make_unique<server::OfflineAudit>(*local->store);
  local->sec.credentials->SetEventStream(local->audit->stream());
  local->ops = std::make_unique<admin::Operations>(local->sec.credentials, local->sec.ca,
                                                   local->sec.enrolment);
  local->ops->SetTrust(local->sec.trust, local->sec.lists, local->sec.subscriptions);
  local->ops->SetTrustGateOptions({c.admin_originator, c.trust_unregistered_apps != "refuse"});
  session->local_ = std::move(local);
  exit_code = kExitOk;
  return session;
}

Result<boost::json::object> OperatorSession::Call(std::string_view op,
                                                  const boost::json::object& args) {
  if (local_) return local_->ops->Run(op, args, CliActor());
  auto out = admin::CallAdmin(socket_, op, args);
  if (!out && out.error().code() == Rsc::kTargetNotReachable) {
    return Err(Status(Rsc::kTargetNotReachable,
                      "a trustcse server holds the instance lock " + config_.db_path +
                          ".lock but does not answer on the admin socket " + socket_ +
                          "; nothing was changed: give the server's own configuration (" +
                          config_flag_ + ") so that [admin] socket matches, or retry once it "
                          "has started"));
  }
  return out;
}

int RunOperation(const server::Config& c, const std::string& config_file, std::string_view op,
                 const boost::json::object& args, boost::json::object& result) {
  int rc = kExitOk;
  auto session = OperatorSession::Open(c, config_file, op, rc);
  if (!session) return rc;
  auto out = session->Call(op, args);
  if (!out) {
    const Status& s = out.error();
    if (s.code() == Rsc::kTargetNotReachable) {
      PrintError(s.message());
    } else {
      PrintError(std::string(op) + ": " + s.message() + " (" +
                 std::to_string(static_cast<int>(s.code())) + ")");
    }
    return kExitRuntime;
  }
  result = std::move(*out);
  return kExitOk;
}

}  // namespace trustcse::exe
