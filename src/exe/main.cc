// trustcse — the oneM2M CSE with the operator's security services.
//   trustcse serve [--config FILE] [--dev] [--http-port N] [--tls-port N] [--db PATH] …
//   trustcse ca init|cert|issue|renew|revoke|crl …        the built-in certificate authority
//   trustcse credential add|list|revoke|attest …           device and application credentials
//   trustcse provider|app|device …                         the trust centre (docs/trust-centre.md)
//   trustcse enrol-token create|list …                     one-time enrolment tokens
//   trustcse token issue …                                 access tokens (dynamic authorization)
//   trustcse status | key rotate | backup --out FILE       a running server; the master key; a copy
//   trustcse audit key|prove|export|verify …               the audit log (docs/audit.md)
// The ca and credential commands go to the running server's admin socket, or work on the
// instance's store directly while no server runs on it (exe/instance.h; their definitions:
// exe/operator_commands.h). Without --config: $TRUSTCSE_CONFIG, else /etc/trustcse/trustcse.toml.
// Exit codes: 0 success, 2 usage or configuration error, 1 run-time failure (src/exe/README.md).
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <functional>
#include <iostream>
#include <optional>

#include "exe/audit_command.h"
#include "exe/backup_command.h"
#include "exe/instance.h"
#include "exe/operator_commands.h"
#include "exe/trust_commands.h"
#include "exe/key_command.h"
#include "exe/status_command.h"
#include "server/server.h"
#include "trustcse_version.h"

// jemalloc (linked when present): memory freed after a burst — large answers, many connections —
// goes back to the system within about a second, by a background thread even while the process
// is idle, instead of staying resident (issue 11, item 4). Ignored under another allocator.
extern "C" const char* malloc_conf;
const char* malloc_conf = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:1000";

namespace {

using trustcse::server::Config;

// Runs the server until SIGINT or SIGTERM. SIGHUP reloads: `reread` reads the configuration
// again as start-up did (file, then flags) and the server applies what it can (Server::Reload);
// a failed reload is logged and the running configuration stays. Tells systemd (Type=notify;
// sd_notify does nothing without NOTIFY_SOCKET) when it is ready, reloading and stopping.
int Serve(Config config, const std::function<trustcse::Result<Config>()>& reread) {
  // Block the termination and reload signals in every thread; the main thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  trustcse::server::Server server(std::move(config));
  if (auto s = server.Start(); !s.ok()) {
    // One line naming what and where; the configuration's fault (4000) is exit 2, the
    // machine's (a port in use, the store, the lock) exit 1. Printed even with logging off.
    if (spdlog::default_logger()->should_log(spdlog::level::critical)) {
      spdlog::critical("trustcse: cannot start: {}", s.message());
    } else {
      trustcse::exe::PrintError("cannot start: " + s.message());
    }
    return s.code() == trustcse::Rsc::kBadRequest ? trustcse::exe::kExitUsage
                                                  : trustcse::exe::kExitRuntime;
  }
  // Lines for scripts that start the server on port 0.
  if (server.http_port() != 0) std::printf("listening http %u\n", unsigned{server.http_port()});
  for (uint16_t p : server.tls_ports()) std::printf("listening https %u\n", unsigned{p});
  if (server.coap_port() != 0) std::printf("listening coap %u\n", unsigned{server.coap_port()});
  for (uint16_t p : server.coaps_ports()) std::printf("listening coaps %u\n", unsigned{p});
  for (auto [tls, p] : server.websocket_ports()) {
    std::printf("listening %s %u\n", tls ? "wss" : "ws", unsigned{p});
  }
  std::fflush(stdout);
  sd_notify(0, "READY=1\nSTATUS=serving");
  int sig = 0;
  while (true) {
    siginfo_t info{};
    sig = sigwaitinfo(&signals, &info);
    if (sig < 0) continue;
    if (sig != SIGHUP) break;
    // Who asked, for the audit log: the sender's user (systemd's reload runs as root).
    const std::string actor = info.si_code == SI_USER || info.si_code == SI_QUEUE
                                  ? "uid:" + std::to_string(info.si_uid) + " (SIGHUP)"
                                  : std::string("SIGHUP");
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    sd_notifyf(0, "RELOADING=1\nSTATUS=reloading\nMONOTONIC_USEC=%llu",
               static_cast<unsigned long long>(now.tv_sec) * 1000000ULL +
                   static_cast<unsigned long long>(now.tv_nsec) / 1000ULL);
    spdlog::info("trustcse: SIGHUP, reloading the configuration");
    auto next = reread();
    trustcse::Status s = server.Reload(next, actor);
    if (s.ok()) {
      spdlog::info("trustcse: reloaded");
      sd_notify(0, "READY=1\nSTATUS=serving");
    } else {
      spdlog::error("trustcse: reload failed, the running configuration stays: {}", s.message());
      sd_notifyf(0, "READY=1\nSTATUS=serving; the last reload failed: %s",
                 s.message().c_str());
    }
  }
  sd_notify(0, "STOPPING=1\nSTATUS=stopping");
  spdlog::info("trustcse: signal {}, shutting down", sig);
  server.Stop();
  return 0;
}

// Where a command is required (before the first option) and the word given names none: the
// word and the command it was given to ("trustcse", "trustcse ca"), if so.
struct UnknownWord {
  std::string word;
  std::string parent;
};
std::optional<UnknownWord> UnknownCommand(CLI::App& app, int argc, char** argv) {
  CLI::App* current = &app;
  std::string parent = "trustcse";
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word.empty() || word.front() == '-' || current->get_require_subcommand_min() == 0) break;
    CLI::App* next = nullptr;
    try {
      next = current->get_subcommand(word);
    } catch (const CLI::OptionNotFound&) {  // CLI11 2.3 has no non-throwing lookup
      return UnknownWord{std::move(word), std::move(parent)};
    }
    parent += " " + word;
    current = next;
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"trustcse: a oneM2M CSE with built-in IoT security services"};
  app.set_version_flag("--version", "trustcse " TRUSTCSE_VERSION " (" TRUSTCSE_COMMIT ")");
  app.require_subcommand(1);

  // Options every subcommand that touches an instance shares.
  trustcse::exe::InstanceFlags instance;
  auto instance_options = [&](CLI::App* cmd) { trustcse::exe::AddInstanceOptions(cmd, instance); };

  auto* serve = app.add_subcommand("serve", "run the CSE");
  instance_options(serve);
  std::string address, tls_address, cse_id, cse_name, admin, log_level;
  int port = -1, tls_port = -1;
  bool no_fsync = false, dev = false;
  serve->add_flag("--dev", dev, "development: also serve plain HTTP (and plain CoAP and WebSocket when those are on; no channel security)");
  bool upper_tester = false;
  serve->add_flag("--upper-tester", upper_tester,
                  "conformance testing: POST /__ut__ on plain HTTP (needs --dev; can delete everything)");
  serve->add_option("--http-port", port, "plain HTTP port (0 = any free port)");
  serve->add_option("--http-address", address, "plain HTTP listen address");
  serve->add_option("--tls-port", tls_port, "HTTPS port of the first TLS listener (enables TLS)");
  serve->add_option("--tls-address", tls_address, "address of the first TLS listener");
  int coap_port = -1, coaps_port = -1, coaps_cert_port = -1;
  serve->add_option("--coap-port", coap_port, "plain CoAP port (development; enables CoAP)");
  serve->add_option("--coaps-port", coaps_port, "CoAP over DTLS with PSKs (enables CoAP)");
  serve->add_option("--coaps-cert-port", coaps_cert_port,
                    "CoAP over DTLS with certificates and pinned keys (enables CoAP)");
  int ws_port = -1, wss_port = -1;
  serve->add_option("--ws-port", ws_port, "plain WebSocket port (development; enables WebSocket)");
  serve->add_option("--wss-port", wss_port,
                    "WebSocket over TLS port of the first wss listener (enables WebSocket)");
  std::string mqtt_host;
  int mqtt_port = -1;
  serve->add_option("--mqtt-host", mqtt_host, "MQTT broker host (enables MQTT)");
  serve->add_option("--mqtt-port", mqtt_port, "MQTT broker port (enables MQTT)");
  int port_offset = 0;
  serve->add_option("--port-offset", port_offset,
                    "add N to every port this server listens on (after the other flags): "
                    "several instances on one host")
      ->check(CLI::Range(0, 60000));
  serve->add_option("--cse-id", cse_id, "CSE-ID, e.g. /id-in");
  serve->add_option("--cse-name", cse_name, "resourceName of the CSEBase, e.g. cse-in");
  serve->add_option("--admin", admin, "admin originator");
  serve->add_option("--log-level", log_level, "trace|debug|info|warn|error");
  serve->add_flag("--no-fsync", no_fsync,
                  "do not fsync commits (loses acknowledged writes on power loss; benchmarks only)");

  // ca, credential, enrol-token, token.
  auto operators = trustcse::exe::OperatorCommands::Add(app, instance);
  // provider, app, device (the trust centre).
  auto trust = trustcse::exe::TrustCommands::Add(app, instance);
  trustcse::exe::AddStatusCommand(app);
  trustcse::exe::AddKeyCommand(app);
  trustcse::exe::AddBackupCommand(app);
  trustcse::exe::AddAuditCommand(app);
  // An unknown command is an error even with --help (CLI11 would print the parent's help and
  // succeed). Exit codes: 2 for usage and configuration errors, 1 for run-time failures.
  if (auto unknown = UnknownCommand(app, argc, argv)) {
    std::cerr << "trustcse: unknown command '" << unknown->word << "'; run `" << unknown->parent
              << " --help` for the list of commands\n";
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // One line: what was wrong and the help to read.
    std::string command = "trustcse";
    for (CLI::App* a = &app; !a->get_subcommands().empty();) {
      a = a->get_subcommands().front();
      command += " " + a->get_name();
    }
    trustcse::exe::PrintError(std::string(e.what()) + "; run `" + command + " --help`");
    return trustcse::exe::kExitUsage;
  }

  if (auto rc = operators->RunWithoutInstance()) return *rc;

  // The instance's configuration: the file, then the flags (serve reads it again on SIGHUP).
  auto load_config = [&](Config& config) -> trustcse::Status {
    return trustcse::exe::LoadInstanceConfig(instance, config);
  };
  Config config;
  if (auto s = load_config(config); !s.ok()) {
    trustcse::exe::PrintError(s.message());
    return trustcse::exe::kExitUsage;
  }
  // Logs go to stderr; stdout carries only the results and the "listening" lines.
  spdlog::set_default_logger(spdlog::stderr_color_mt("trustcse"));

  if (serve->parsed()) {
    auto apply_serve_flags = [&](Config& config) -> trustcse::Status {
      if (dev) config.http_enabled = true;
      if (dev && config.ae_id_registration.empty()) config.ae_id_registration = "any-free";
      if (upper_tester) config.upper_tester = true;
      if (port >= 0) config.http_port = port;
      if (!address.empty()) config.http_address = address;
      if (tls_port >= 0 || !tls_address.empty()) {
        config.tls_enabled = true;
        if (config.tls_listeners.empty()) config.tls_listeners.emplace_back();
        if (tls_port >= 0) config.tls_listeners.front().port = tls_port;
        if (!tls_address.empty()) config.tls_listeners.front().address = tls_address;
      }
      if (coap_port >= 0 || coaps_port >= 0 || coaps_cert_port >= 0) {
        // Flags describe the CoAP listeners completely.
        config.coap_enabled = true;
        config.coap_plain = coap_port >= 0;
        if (coap_port >= 0) config.coap_port = coap_port;
        config.coap_listeners.clear();
        if (coaps_port >= 0) config.coap_listeners.push_back({coaps_port, {"psk"}});
        if (coaps_cert_port >= 0) {
          config.coap_listeners.push_back({coaps_cert_port, {"certificate", "pinned-key"}});
        }
      }
      // --dev also opens plain CoAP when CoAP is on (like plain HTTP, for trying things out).
      if (dev && config.coap_enabled && coap_port < 0 && coaps_port < 0 && coaps_cert_port < 0) {
        config.coap_plain = true;
      }
      if (coap_port >= 0 && !dev) {
        return trustcse::Status::BadRequest(
            "plain CoAP (--coap-port) is for development: add --dev");
      }
      if (ws_port >= 0 || wss_port >= 0) {
        // Flags describe the WebSocket listeners completely.
        config.ws_enabled = true;
        config.ws_plain = ws_port >= 0;
        if (ws_port >= 0) config.ws_port = ws_port;
        if (wss_port >= 0) {
          config.ws_listeners.resize(1);
          config.ws_listeners.front().port = wss_port;
        } else {
          config.ws_listeners.clear();
        }
      }
      // --dev also opens plain WebSocket when WebSocket is on (like plain HTTP).
      if (dev && config.ws_enabled && ws_port < 0 && wss_port < 0) config.ws_plain = true;
      if (ws_port >= 0 && !dev) {
        return trustcse::Status::BadRequest(
            "plain WebSocket (--ws-port) is for development: add --dev");
      }
      if (!mqtt_host.empty() || mqtt_port >= 0) config.mqtt_enabled = true;
      if (!mqtt_host.empty()) config.mqtt_host = mqtt_host;
      if (mqtt_port >= 0) config.mqtt_port = mqtt_port;
      if (port_offset > 0) {
        if (auto s = trustcse::server::OffsetPorts(config, port_offset); !s.ok()) return s;
      }
      if (!cse_id.empty()) config.cse_id = cse_id;
      if (!cse_name.empty()) config.cse_name = cse_name;
      if (!admin.empty()) config.admin_originator = admin;
      if (!log_level.empty() && !trustcse::server::IsLogLevel(log_level)) {
        return trustcse::Status::BadRequest(
            "--log-level \"" + log_level +
            "\" is not a log level: use trace, debug, info, warn, error, critical or off");
      }
      if (!log_level.empty()) config.log_level = log_level;
      if (no_fsync) config.storage_fsync = false;
      return trustcse::server::ValidateConfig(config);
    };
    if (auto s = apply_serve_flags(config); !s.ok()) {
      trustcse::exe::PrintConfigError(s, trustcse::exe::ConfigFileFor(instance));
      return trustcse::exe::kExitUsage;
    }
    spdlog::set_level(spdlog::level::from_str(config.log_level));
    if (auto s = trustcse::exe::CheckRunsAsOwner(config.db_path); !s.ok()) {
      trustcse::exe::PrintError("cannot start: " + s.message());
      return trustcse::exe::kExitRuntime;
    }
    auto reread = [&]() -> trustcse::Result<Config> {
      Config next;
      if (auto s = load_config(next); !s.ok()) return tl::unexpected(s);
      if (auto s = apply_serve_flags(next); !s.ok()) return tl::unexpected(s);
      return next;
    };
    return Serve(std::move(config), reread);
  }

  if (auto s = trustcse::server::ValidateConfig(config); !s.ok()) {
    trustcse::exe::PrintConfigError(s, trustcse::exe::ConfigFileFor(instance));
    return trustcse::exe::kExitUsage;
  }
  spdlog::set_level(spdlog::level::warn);
  if (trust->parsed()) return trust->Run(config, trustcse::exe::ConfigFileFor(instance));
  return operators->Run(config, trustcse::exe::ConfigFileFor(instance));
}
