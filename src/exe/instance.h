// The instance a `trustcse` command acts on: which configuration file it reads, the configuration
// that results (file, then --db and --master-key-file), and how an operator operation reaches
// the instance — the running server's admin socket, or the store itself while no server runs.
//
// Exit codes of every command (src/exe/README.md): 0 success; 2 a usage or configuration error
// (unknown command or flag, bad value, missing/unreadable/malformed configuration, unknown log
// level, missing or malformed master key); 1 a run-time failure (a port or socket in use, the
// database directory not writable, the store not opening, another process holding the
// instance lock, no instance at the configured path, a server that does not answer). A
// failure is one line on stderr, "trustcse: <what, where>: <why>[: <what to do>]".
// Start-up only; not thread-safe.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "common/status.h"
#include "server/config.h"

namespace trustcse::exe {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;

// Prints "trustcse: <message>" on stderr.
void PrintError(std::string_view message);
// A value the configuration check refused: "trustcse: configuration <file>: <what>".
void PrintConfigError(const Status& s, const std::string& config_file);

// --config, --db, --master-key-file, shared by the commands that touch an instance.
struct InstanceFlags {
  std::string config_file;
  std::string db;
  std::string master_key_file;
};
void AddInstanceOptions(CLI::App* cmd, InstanceFlags& flags);

// The configuration file the flags select: --config; else $TRUSTCSE_CONFIG; else the system
// configuration /etc/trustcse/trustcse.toml — unless --db names the instance on the command
// line, which then runs on the built-in defaults and flags alone (development, tests). "" = no
// file. `is_default` tells whether the system file was chosen implicitly.
std::string ConfigFileFor(const InstanceFlags& flags, bool* is_default = nullptr);

// The configuration file (relative paths in it relative to its directory), then --db and
// --master-key-file (relative to the current directory). 4000 with a message naming the file
// (and, for a missing default file, how to give another).
Status LoadInstanceConfig(const InstanceFlags& flags, server::Config& config);

// Whether this process may create files beside the database at `db_path` (its lock, WAL and
// shared-memory files) without making them unreadable for the server: the effective user must
// own the database file, or — before it exists — root may act only in a directory root owns.
// Otherwise 4103 naming the owner and the command to run instead (`sudo -u <owner> …`).
// Checked by every command that opens the store in its own process (serve, the offline
// operator commands, key rotate, backup).
Status CheckRunsAsOwner(const std::string& db_path);
// Who runs this command, as the audit log names an operator acting through the CLI in process:
// "cli:<user name>" ("cli:uid:N" when the user has no name).
std::string CliActor();

// Runs the operator operation `op` on the instance of `config` and returns the exit code; on
// failure the one line is printed. Through the admin socket when a server holds the instance
// lock (refused, touching nothing, if that server does not answer there); otherwise on the
// store in this process, by its owner only (CheckRunsAsOwner) — which must exist, except for
// `ca.init`, the documented first step that creates an instance (`config_file` is named in the
// hint).
int RunOperation(const server::Config& config, const std::string& config_file, std::string_view op,
                 const boost::json::object& args, boost::json::object& result);

// A sequence of operator operations on one instance (a bulk job's thousands of batches), reached
// as RunOperation reaches it — the running server's admin socket, or the store in this process
// — but opened once. In process, the store stays open and locked until the session is
// destroyed, which finishes the audit log (a signed checkpoint) and closes the store.
class OperatorSession {
 public:
  // The session, or null with the failure printed and `exit_code` set (`op` names the first
  // operation in the message).
  static std::unique_ptr<OperatorSession> Open(const server::Config& config,
                                               const std::string& config_file,
                                               std::string_view op, int& exit_code);
  ~OperatorSession();
  OperatorSession(const OperatorSession&) = delete;
  OperatorSession& operator=(const OperatorSession&) = delete;

  // Runs `op` for this user; the failure is returned, not printed (5103: the server holding
  // the instance does not answer, with what to do).
  Result<boost::json::object> Call(std::string_view op, const boost::json::object& args);

 private:
  struct InProcess;
  explicit OperatorSession(const server::Config& config);
  server::Config config_;
  std::string socket_, config_flag_;
  std::unique_ptr<InProcess> local_;
};

}  // namespace trustcse::exe
