// The trust centre's commands of `trustcse` (docs/trust-centre.md): `provider add|list`,
// `app add|update|list`, `device add|update|transfer|flag|unflag|authorize|unlock|query|show|
// list|import`, `subscription …`, `list add|remove|show` (black- and greylists), `bulk show`,
// `explain` — each one admin
// operation (admin/operations.h) run on the instance (exe/instance.h): through the running
// server's admin socket, or in process on the store when none runs. The result is printed as
// JSON. Start-up only; not thread-safe.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "exe/instance.h"
#include "server/config.h"

namespace trustcse::exe {

class TrustCommands {
 public:
  static std::unique_ptr<TrustCommands> Add(CLI::App& app, InstanceFlags& flags);
  virtual ~TrustCommands() = default;
  virtual bool parsed() const = 0;
  virtual int Run(const server::Config& config, const std::string& config_file) = 0;
};

}  // namespace trustcse::exe
