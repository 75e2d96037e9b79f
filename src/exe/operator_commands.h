// The operator's commands of `trustcse`: `ca init|cert|issue|renew|revoke|crl` (the built-in
// certificate authority), `credential add|list|revoke`, `enrol-token create|list` — each one
// admin operation (admin/operations.h) run on the instance (exe/instance.h) — and `token issue`,
// which signs an access token with a key file and needs no instance.
// Start-up only; not thread-safe.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>

#include "exe/instance.h"
#include "server/config.h"

namespace trustcse::exe {

class OperatorCommands {
 public:
  // Registers the commands on `app`; the instance options are bound to `flags`.
  static std::unique_ptr<OperatorCommands> Add(CLI::App& app, InstanceFlags& flags);
  virtual ~OperatorCommands() = default;

  // After parsing: `token issue`'s exit code if it was the command given, else nothing.
  virtual std::optional<int> RunWithoutInstance() = 0;
  // Whether one of the instance commands was given; then Run prints its result and returns
  // the exit code.
  virtual bool parsed() const = 0;
  virtual int Run(const server::Config& config, const std::string& config_file) = 0;
};

}  // namespace trustcse::exe
