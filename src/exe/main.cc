// trustcse — the oneM2M CSE with the operator's security services.
//   trustcse serve [--config FILE] [--http-port N] [--http-address A] [--db PATH] …
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <iostream>

#include "server/server.h"

namespace {

int Serve(trustcse::server::Config config) {
  // Block the termination signals in every thread; the main thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  trustcse::server::Server server(std::move(config));
  if (auto s = server.Start(); !s.ok()) {
    spdlog::critical("trustcse: start failed: {}", s.message());
    return 1;
  }
  // A line for scripts that start the server on port 0.
  std::printf("listening http %u\n", static_cast<unsigned>(server.http_port()));
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("trustcse: signal {}, shutting down", sig);
  server.Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"trustcse: a oneM2M CSE with built-in IoT security services"};
  app.set_version_flag("--version", "trustcse 0.1.0");
  app.require_subcommand(1);
  auto* serve = app.add_subcommand("serve", "run the CSE");
  std::string config_file, db, address, cse_id, cse_name, admin, log_level;
  int port = -1;
  bool no_fsync = false;
  serve->add_option("--config", config_file, "TOML configuration file")->check(CLI::ExistingFile);
  serve->add_option("--http-port", port, "HTTP port (0 = any free port)");
  serve->add_option("--http-address", address, "HTTP listen address");
  serve->add_option("--db", db, "SQLite database file");
  serve->add_option("--cse-id", cse_id, "CSE-ID, e.g. /id-in");
  serve->add_option("--cse-name", cse_name, "resourceName of the CSEBase, e.g. cse-in");
  serve->add_option("--admin", admin, "admin originator");
  serve->add_option("--log-level", log_level, "trace|debug|info|warn|error");
  serve->add_flag("--no-fsync", no_fsync,
                  "do not fsync commits (loses acknowledged writes on power loss; benchmarks only)");
  CLI11_PARSE(app, argc, argv);

  trustcse::server::Config config;
  if (!config_file.empty()) {
    if (auto s = trustcse::server::LoadConfigFile(config_file, config); !s.ok()) {
      std::cerr << s.message() << "\n";
      return 2;
    }
  }
  if (port >= 0) config.http_port = port;
  if (!address.empty()) config.http_address = address;
  if (!db.empty()) config.db_path = db;
  if (!cse_id.empty()) config.cse_id = cse_id;
  if (!cse_name.empty()) config.cse_name = cse_name;
  if (!admin.empty()) config.admin_originator = admin;
  if (!log_level.empty()) config.log_level = log_level;
  if (no_fsync) config.storage_fsync = false;
  if (auto s = trustcse::server::ValidateConfig(config); !s.ok()) {
    std::cerr << s.message() << "\n";
    return 2;
  }
  // Logs go to stderr; stdout carries only the "listening" line that scripts read.
  spdlog::set_default_logger(spdlog::stderr_color_mt("trustcse"));
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  return Serve(std::move(config));
}
