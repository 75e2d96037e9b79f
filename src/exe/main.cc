// trustcse — the oneM2M CSE with the operator's security services.
//   trustcse serve [--config FILE] [--http-port N] [--http-address A] [--db PATH] …
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <iostream>

#include "security/authz/token.h"
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
  // The minimal authorization server role: issue an access token signed with the token key.
  auto* token = app.add_subcommand("token", "access tokens for dynamic authorization");
  auto* issue = token->add_subcommand("issue", "print a signed access token");
  std::string key_file, holder, privileges, audience = "/id-in";
  std::vector<std::string> resources;
  int acop = 0, ttl = 300;
  issue->add_option("--key-file", key_file, "token key file (the server's authz.token_key_file)")
      ->required()->check(CLI::ExistingFile);
  issue->add_option("--holder", holder, "AE-ID that may present the token")->required();
  issue->add_option("--resource", resources, "structured path the token covers (repeatable)")
      ->required();
  issue->add_option("--acop", acop, "operations granted (bitmask: 1 C, 2 R, 4 U, 8 D, 16 N, 32 D)");
  issue->add_option("--privileges", privileges, "privileges as ACP rules, {\"acr\":[…]}");
  issue->add_option("--ttl", ttl, "lifetime in seconds")->check(CLI::Range(1, 86400));
  issue->add_option("--audience", audience, "CSE-ID of the CSE that accepts it");
  token->require_subcommand(1);
  CLI11_PARSE(app, argc, argv);

  if (issue->parsed()) {
    auto key = trustcse::security::ReadTokenKey(key_file);
    if (!key) {
      std::cerr << key.error().message() << "\n";
      return 2;
    }
    if (privileges.empty()) {
      if (acop < 1 || acop > 63) {
        std::cerr << "give --privileges or --acop (1..63)\n";
        return 2;
      }
      privileges = R"({"acr":[{"acor":[")" + holder + R"("],"acop":)" + std::to_string(acop) + "}]}";
    }
    trustcse::security::TokenIssuer issuer(std::move(*key), audience);
    trustcse::security::TokenRequest req{holder, {audience}, resources, privileges,
                                        std::chrono::seconds(ttl)};
    auto jws = issuer.Issue(req, trustcse::Now());
    if (!jws) {
      std::cerr << jws.error().message() << "\n";
      return 2;
    }
    std::cout << *jws << "\n";
    return 0;
  }

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
