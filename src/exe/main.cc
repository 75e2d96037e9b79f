// trustcse — the oneM2M CSE with the operator's security services.
//   trustcse serve [--config FILE] [--dev] [--http-port N] [--tls-port N] [--db PATH] …
//   trustcse ca init|cert|issue|renew|revoke|crl …        the built-in certificate authority
//   trustcse credential add|list|revoke …                  device and application credentials
//   trustcse enrol-token create|list …                     one-time enrolment tokens
//   trustcse token issue …                                 access tokens (dynamic authorization)
// The ca and credential commands go to the running server's admin socket, or work on the
// instance's store directly while no server runs on it.
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>

#include <boost/json.hpp>

#include "admin/admin_server.h"
#include "admin/operations.h"
#include "primitive/json_util.h"
#include "security/authz/token.h"
#include "server/security_services.h"
#include "server/server.h"
#include "trustcse_version.h"

// jemalloc (linked when present): memory freed after a burst — large answers, many connections —
// goes back to the system within about a second, by a background thread even while the process
// is idle, instead of staying resident (issue 11, item 4). Ignored under another allocator.
extern "C" const char* malloc_conf;
const char* malloc_conf = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:1000";

namespace {

namespace bj = boost::json;
using trustcse::server::Config;

int Serve(Config config) {
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
  // Lines for scripts that start the server on port 0.
  if (server.http_port() != 0) std::printf("listening http %u\n", unsigned{server.http_port()});
  for (uint16_t p : server.tls_ports()) std::printf("listening https %u\n", unsigned{p});
  if (server.coap_port() != 0) std::printf("listening coap %u\n", unsigned{server.coap_port()});
  for (uint16_t p : server.coaps_ports()) std::printf("listening coaps %u\n", unsigned{p});
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("trustcse: signal {}, shutting down", sig);
  server.Stop();
  return 0;
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Writes `text` to `path` (mode 0600 when `secret`), or to stdout when path is empty.
bool Output(const std::string& path, const std::string& text, bool secret = false) {
  if (path.empty()) {
    std::cout << text;
    return true;
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, secret ? 0600 : 0644);
  if (fd < 0) {
    std::cerr << "cannot write " << path << "\n";
    return false;
  }
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

// Runs an operator operation: through the running server's admin API, or, when no server runs
// on the instance's store, in this process against the store.
trustcse::Result<bj::object> RunOperation(const Config& c, std::string_view op,
                                          const bj::object& args) {
  auto lock = trustcse::server::InstanceLock::Acquire(c.db_path);
  if (!lock) {
    if (lock.error().code() != trustcse::Rsc::kConflict) return tl::unexpected(lock.error());
    return trustcse::admin::CallAdmin(trustcse::server::AdminSocketPath(c), op, args);
  }
  auto store = trustcse::server::OpenStore(c);
  if (!store) return tl::unexpected(store.error());
  auto sec = trustcse::server::OpenSecurityServices(c, **store);
  if (!sec) return tl::unexpected(sec.error());
  trustcse::admin::Operations ops(sec->credentials, sec->ca, sec->enrolment);
  auto out = ops.Run(op, args);
  (*store)->Close();
  return out;
}

std::string Field(const bj::object& o, std::string_view k) {
  return std::string(trustcse::json::GetString(o, k).value_or(""));
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
  std::string config_file, db, master_key_file;
  auto instance_options = [&](CLI::App* cmd) {
    cmd->add_option("--config", config_file, "TOML configuration file")->check(CLI::ExistingFile);
    cmd->add_option("--db", db, "SQLite database file");
    cmd->add_option("--master-key-file", master_key_file,
                    "master key file of the key store (TRUSTCSE_MASTER_KEY wins)");
  };

  auto* serve = app.add_subcommand("serve", "run the CSE");
  instance_options(serve);
  std::string address, tls_address, cse_id, cse_name, admin, log_level;
  int port = -1, tls_port = -1;
  bool no_fsync = false, dev = false;
  serve->add_flag("--dev", dev, "development: also serve plain HTTP (and plain CoAP when CoAP is on; no channel security)");
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
  std::string mqtt_host;
  int mqtt_port = -1;
  serve->add_option("--mqtt-host", mqtt_host, "MQTT broker host (enables MQTT)");
  serve->add_option("--mqtt-port", mqtt_port, "MQTT broker port (enables MQTT)");
  serve->add_option("--cse-id", cse_id, "CSE-ID, e.g. /id-in");
  serve->add_option("--cse-name", cse_name, "resourceName of the CSEBase, e.g. cse-in");
  serve->add_option("--admin", admin, "admin originator");
  serve->add_option("--log-level", log_level, "trace|debug|info|warn|error");
  serve->add_flag("--no-fsync", no_fsync,
                  "do not fsync commits (loses acknowledged writes on power loss; benchmarks only)");

  // The certificate authority.
  auto* ca = app.add_subcommand("ca", "the built-in certificate authority");
  ca->require_subcommand(1);
  std::string cn, csr_file, out_file, key_out, serial, reason, not_before;
  std::vector<std::string> ids;
  int days = 0;
  bool generate = false;
  auto* ca_init = ca->add_subcommand("init", "create the CA (EC P-256) and print its certificate");
  instance_options(ca_init);
  ca_init->add_option("--cn", cn, "common name of the CA");
  ca_init->add_option("--days", days, "validity in days (default 3650)");
  ca_init->add_option("--out", out_file, "write the CA certificate here");
  auto* ca_cert = ca->add_subcommand("cert", "print the CA certificate");
  instance_options(ca_cert);
  ca_cert->add_option("--out", out_file, "write it here");
  auto* ca_issue = ca->add_subcommand("issue", "issue a device or application certificate");
  instance_options(ca_issue);
  ca_issue->add_option("--id", ids, "AE-ID or CSE-ID to certify (repeatable)")->required();
  ca_issue->add_option("--csr", csr_file, "certificate signing request (PEM)")
      ->check(CLI::ExistingFile);
  ca_issue->add_flag("--generate", generate, "generate the key pair here (written once to --key-out)");
  ca_issue->add_option("--key-out", key_out, "where a generated private key goes (mode 0600)");
  ca_issue->add_option("--days", days, "validity in days (default 365)");
  ca_issue->add_option("--not-before", not_before,
                       "start of validity, YYYYMMDDThhmmss (default now; may be in the past)");
  ca_issue->add_option("--out", out_file, "write the certificate here");
  auto* ca_renew = ca->add_subcommand("renew", "a new certificate for the same key and IDs");
  instance_options(ca_renew);
  ca_renew->add_option("--serial", serial, "serial of the certificate to renew (hex)")->required();
  ca_renew->add_option("--days", days, "validity in days (default 365)");
  ca_renew->add_option("--out", out_file, "write the certificate here");
  auto* ca_revoke = ca->add_subcommand("revoke", "revoke a certificate");
  instance_options(ca_revoke);
  ca_revoke->add_option("--serial", serial, "serial of the certificate (hex)")->required();
  ca_revoke->add_option("--reason", reason, "why");
  auto* ca_crl = ca->add_subcommand("crl", "print the current CRL (PEM)");
  instance_options(ca_crl);
  ca_crl->add_option("--out", out_file, "write it here");

  // Credentials.
  auto* cred = app.add_subcommand("credential", "device and application credentials");
  cred->require_subcommand(1);
  std::string cred_id, psk_hex, pinned_file, note;
  bool bootstrap = false;
  int expires_days = 0;
  auto* cred_add = cred->add_subcommand("add", "register a PSK or a pinned public key");
  instance_options(cred_add);
  cred_add->add_option("--psk-identity", cred_id, "PSK identity (the Credential-ID)");
  cred_add->add_option("--psk", psk_hex, "the pre-shared key, hex (at least 16 bytes)");
  cred_add->add_flag("--generate", generate, "generate a 256-bit PSK and print it once");
  cred_add->add_option("--pinned-key", pinned_file,
                       "a self-signed certificate or public key (PEM) to pin")
      ->check(CLI::ExistingFile);
  cred_add->add_option("--id", ids, "AE-ID or CSE-ID the credential may act as (repeatable)");
  cred_add->add_flag("--bootstrap", bootstrap, "a bootstrap credential: enrolment only, once");
  cred_add->add_option("--expires-days", expires_days, "expire after this many days");
  cred_add->add_option("--note", note, "operator's note (device serial, …)");
  auto* cred_list = cred->add_subcommand("list", "list credentials (no secrets)");
  instance_options(cred_list);
  auto* cred_revoke = cred->add_subcommand("revoke", "revoke a credential");
  instance_options(cred_revoke);
  cred_revoke->add_option("id", cred_id, "Credential-ID")->required();
  cred_revoke->add_option("--reason", reason, "why");

  // Enrolment tokens.
  auto* etok = app.add_subcommand("enrol-token", "one-time enrolment tokens");
  etok->require_subcommand(1);
  int ttl_seconds = 24 * 3600;
  auto* etok_create = etok->add_subcommand("create", "create a token and print it (once)");
  instance_options(etok_create);
  etok_create->add_option("--id", ids, "AE-ID or CSE-ID the enrolled credential is bound to");
  etok_create->add_option("--ttl", ttl_seconds, "lifetime in seconds (default one day)");
  etok_create->add_option("--note", note, "operator's note (device serial, …)");
  auto* etok_list = etok->add_subcommand("list", "list tokens (their hashes, not the tokens)");
  instance_options(etok_list);

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
    return app.exit(e) == 0 ? 0 : 2;
  }

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

  Config config;
  if (!config_file.empty()) {
    if (auto s = trustcse::server::LoadConfigFile(config_file, config); !s.ok()) {
      std::cerr << s.message() << "\n";
      return 2;
    }
  }
  if (!db.empty()) config.db_path = db;
  if (!master_key_file.empty()) config.master_key_file = master_key_file;
  // Logs go to stderr; stdout carries only the results and the "listening" lines.
  spdlog::set_default_logger(spdlog::stderr_color_mt("trustcse"));

  if (serve->parsed()) {
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
      std::cerr << "plain CoAP (--coap-port) is for development: add --dev\n";
      return 2;
    }
    if (!mqtt_host.empty() || mqtt_port >= 0) config.mqtt_enabled = true;
    if (!mqtt_host.empty()) config.mqtt_host = mqtt_host;
    if (mqtt_port >= 0) config.mqtt_port = mqtt_port;
    if (!cse_id.empty()) config.cse_id = cse_id;
    if (!cse_name.empty()) config.cse_name = cse_name;
    if (!admin.empty()) config.admin_originator = admin;
    if (!log_level.empty()) config.log_level = log_level;
    if (no_fsync) config.storage_fsync = false;
    if (auto s = trustcse::server::ValidateConfig(config); !s.ok()) {
      std::cerr << s.message() << "\n";
      return 2;
    }
    spdlog::set_level(spdlog::level::from_str(config.log_level));
    return Serve(std::move(config));
  }

  if (auto s = trustcse::server::ValidateConfig(config); !s.ok()) {
    std::cerr << s.message() << "\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  std::string op;
  bj::object args;
  auto id_array = [&] {
    bj::array a;
    for (const auto& i : ids) a.emplace_back(i);
    return a;
  };
  if (ca_init->parsed()) {
    op = "ca.init";
    if (!cn.empty()) args["cn"] = cn;
    if (days > 0) args["days"] = days;
  } else if (ca_cert->parsed()) {
    op = "ca.cert";
  } else if (ca_issue->parsed()) {
    op = "ca.issue";
    args["ids"] = id_array();
    if (generate) {
      if (key_out.empty()) {
        std::cerr << "--generate needs --key-out for the private key\n";
        return 2;
      }
      args["generate"] = true;
    } else {
      auto csr = ReadFile(csr_file);
      if (csr_file.empty() || !csr) {
        std::cerr << "give --csr FILE or --generate --key-out FILE\n";
        return 2;
      }
      args["csr"] = *csr;
    }
    if (days > 0) args["days"] = days;
    if (!not_before.empty()) args["not_before"] = not_before;
  } else if (ca_renew->parsed()) {
    op = "ca.renew";
    args["serial"] = serial;
    if (days > 0) args["days"] = days;
  } else if (ca_revoke->parsed()) {
    op = "ca.revoke";
    args["serial"] = serial;
    args["reason"] = reason;
  } else if (ca_crl->parsed()) {
    op = "ca.crl";
  } else if (cred_add->parsed()) {
    op = "credential.add";
    args["ids"] = id_array();
    args["bootstrap"] = bootstrap;
    if (!note.empty()) args["note"] = note;
    if (expires_days > 0) args["expires_days"] = expires_days;
    if (!pinned_file.empty()) {
      args["kind"] = "pinned-key";
      args["public_key"] = *ReadFile(pinned_file);
    } else {
      if (cred_id.empty() || (psk_hex.empty() == !generate)) {
        std::cerr << "give --psk-identity with --psk HEX or --generate, or --pinned-key FILE\n";
        return 2;
      }
      args["kind"] = "psk";
      args["id"] = cred_id;
      if (generate) args["generate"] = true;
      else args["psk"] = psk_hex;
    }
  } else if (etok_create->parsed()) {
    op = "enrol-token.create";
    args["ids"] = id_array();
    args["ttl_seconds"] = ttl_seconds;
    if (!note.empty()) args["note"] = note;
  } else if (etok_list->parsed()) {
    op = "enrol-token.list";
  } else if (cred_list->parsed()) {
    op = "credential.list";
  } else if (cred_revoke->parsed()) {
    op = "credential.revoke";
    args["id"] = cred_id;
    args["reason"] = reason;
  }
  auto result = RunOperation(config, op, args);
  if (!result) {
    std::cerr << "trustcse " << op << ": " << result.error().message() << " ("
              << static_cast<int>(result.error().code()) << ")\n";
    return 1;
  }
  const bj::object& r = *result;
  if (op == "ca.init" || op == "ca.cert") return Output(out_file, Field(r, "certificate")) ? 0 : 1;
  if (op == "ca.crl") return Output(out_file, Field(r, "crl")) ? 0 : 1;
  if (op == "ca.issue" || op == "ca.renew") {
    if (r.contains("key") && !Output(key_out, Field(r, "key"), /*secret=*/true)) return 1;
    std::cerr << "serial " << Field(r, "serial") << " (credential " << Field(r, "credential")
              << "), valid until " << Field(r, "not_after") << "\n";
    return Output(out_file, Field(r, "certificate")) ? 0 : 1;
  }
  if (op == "credential.add") {
    const auto& c = r.at("credential").as_object();
    std::cout << "credential " << Field(c, "id") << "\n";
    if (r.contains("psk")) std::cout << "psk " << Field(r, "psk") << "\n";
    return 0;
  }
  if (op == "enrol-token.create") {
    std::cout << Field(r, "token") << "\n";
    std::cerr << "expires " << Field(r, "expires") << "\n";
    return 0;
  }
  if (op == "credential.list") {
    for (const auto& v : r.at("credentials").as_array()) {
      const auto& c = v.as_object();
      std::string idlist;
      for (const auto& i : c.at("ids").as_array()) {
        idlist += (idlist.empty() ? "" : ",") + std::string(i.as_string());
      }
      std::cout << Field(c, "id") << "\t" << Field(c, "kind") << "\t" << Field(c, "use") << "\t"
                << (c.at("active").as_bool() ? "active" : "inactive") << "\t"
                << (idlist.empty() ? "-" : idlist) << "\n";
    }
    return 0;
  }
  std::cout << trustcse::json::Serialize(r) << "\n";
  return 0;
}
