#include "server/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "security/keystore/key_store.h"
#include "server/config_toml.h"

namespace trustcse::server {
namespace {

using config_toml::CheckKeys;
using config_toml::Read;
using config_toml::ReadTables;

Status LoadConfigTable(const std::string& path, Config& c);

// The configuration file's text; 4000 naming the file and the reason (missing, a directory,
// unreadable).
Result<std::string> ReadConfigText(const std::string& path) {
  auto cannot = [&](const std::string& why) {
    return Err(Status::BadRequest("cannot read the configuration file " + path + ": " + why));
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return cannot(std::strerror(errno));
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const bool dir = S_ISDIR(st.st_mode);
    ::close(fd);
    return cannot(dir ? "it is a directory, not a file" : "not a regular file");
  }
  std::string text;
  std::array<char, 8192> buf;
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(fd);
      return cannot(std::strerror(e));
    }
    text.append(buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

// A relative path of the file, made relative to the file's directory `base` ("" = the current
// directory: unchanged).
void ResolveRelative(const std::filesystem::path& base, std::string& p) {
  if (p.empty() || base.empty() || p == ":memory:") return;
  std::filesystem::path fp(p);
  if (fp.is_absolute()) return;
  p = (base / fp).lexically_normal().string();
}

// Every path key of the configuration (add new ones here).
void ResolvePaths(const std::filesystem::path& base, Config& c) {
  for (std::string* p :
       {&c.db_path, &c.admin_socket, &c.master_key_file, &c.tls_cert_file, &c.tls_key_file,
        &c.mqtt_password_file, &c.mqtt_ca_file, &c.mqtt_cert_file, &c.mqtt_key_file,
        &c.egress_cert_file, &c.egress_key_file, &c.egress_coap_psk_key_file,
        &c.token_key_file}) {
    ResolveRelative(base, *p);
  }
  if (c.egress_ca_files) {
    for (auto& f : *c.egress_ca_files) ResolveRelative(base, f);
  }
}

}  // namespace

Status LoadConfigFile(const std::string& path, Config& c) {
  Status loaded = LoadConfigTable(path, c);
  if (loaded.ok()) {
    ResolvePaths(std::filesystem::path(path).parent_path(), c);
    return loaded;
  }
  std::string_view m = loaded.message();
  if (!m.starts_with("config: ")) return loaded;  // names the file already
  m.remove_prefix(8);
  return Status(loaded.code(), "configuration file " + path + ": " + std::string(m));
}

namespace {

Status LoadConfigTable(const std::string& path, Config& c) {
  auto text = ReadConfigText(path);
  if (!text) return text.error();
  toml::table root;
  try {
    root = toml::parse(*text, path);
  } catch (const toml::parse_error& e) {
    return Status::BadRequest("configuration file " + path + " line " +
                              std::to_string(e.source().begin.line) + ": " +
                              std::string(e.description()));
  }
  if (auto s = CheckKeys(root, {"cse", "http", "tls", "coap", "mqtt", "admin", "enrolment",
                                 "security", "trust", "storage", "notification", "egress", "polling",
                                 "expiration", "authz", "limits", "log", "monitoring",
                                 "websocket"},
                         "");
      !s.ok()) {
    return s;
  }
#define TRUSTCSE_READ(table, key, field, name)                      \
  if (auto s = Read(table, key, field, name); !s.ok()) return s;
  if (auto* t = root["cse"].as_table()) {
    if (auto s = CheckKeys(*t, {"cse_id", "name", "sp_id", "type", "admin_originator"}, "cse");
        !s.ok()) {
      return s;
    }
    TRUSTCSE_READ(*t, "cse_id", c.cse_id, "cse")
    TRUSTCSE_READ(*t, "name", c.cse_name, "cse")
    TRUSTCSE_READ(*t, "sp_id", c.sp_id, "cse")
    TRUSTCSE_READ(*t, "type", c.cse_type, "cse")
    TRUSTCSE_READ(*t, "admin_originator", c.admin_originator, "cse")
  }
  if (auto* t = root["http"].as_table()) {
    if (auto s = CheckKeys(*t, {"enabled", "address", "port", "threads", "body_limit",
                                "upper_tester", "max_connections", "max_connections_per_source",
                                "handshake_timeout_ms", "header_timeout_ms", "body_timeout_ms",
                                "idle_timeout_ms", "max_requests_per_connection"},
                           "http");
        !s.ok()) {
      return s;
    }
    TRUSTCSE_READ(*t, "enabled", c.http_enabled, "http")
    TRUSTCSE_READ(*t, "address", c.http_address, "http")
    TRUSTCSE_READ(*t, "port", c.http_port, "http")
    TRUSTCSE_READ(*t, "threads", c.http_threads, "http")
    TRUSTCSE_READ(*t, "body_limit", c.http_body_limit, "http")
    TRUSTCSE_READ(*t, "upper_tester", c.upper_tester, "http")
    TRUSTCSE_READ(*t, "max_connections", c.http_max_connections, "http")
    TRUSTCSE_READ(*t, "max_connections_per_source", c.http_max_connections_per_source, "http")
    TRUSTCSE_READ(*t, "handshake_timeout_ms", c.http_handshake_timeout_ms, "http")
    TRUSTCSE_READ(*t, "header_timeout_ms", c.http_header_timeout_ms, "http")
    TRUSTCSE_READ(*t, "body_timeout_ms", c.http_body_timeout_ms, "http")
    TRUSTCSE_READ(*t, "idle_timeout_ms", c.http_idle_timeout_ms, "http")
    TRUSTCSE_READ(*t, "max_requests_per_connection", c.http_max_requests_per_connection, "http")
  }
  if (auto* t = root["tls"].as_table()) {
    if (auto s = CheckKeys(*t, {"enabled", "cert_file", "key_file", "server_names", "listener"},
                           "tls");
        !s.ok()) {
      return s;
    }
    TRUSTCSE_READ(*t, "enabled", c.tls_enabled, "tls")
    TRUSTCSE_READ(*t, "cert_file", c.tls_cert_file, "tls")
    TRUSTCSE_READ(*t, "key_file", c.tls_key_file, "tls")
    TRUSTCSE_READ(*t, "server_names", c.tls_server_names, "tls")
    if (auto s = ReadTables(*t, "tls.listener", {"address", "port", "client_auth"},
                            c.tls_listeners,
                            [](const toml::table& lt, Config::TlsListener& listener) -> Status {
                              TRUSTCSE_READ(lt, "address", listener.address, "tls.listener")
                              TRUSTCSE_READ(lt, "port", listener.port, "tls.listener")
                              TRUSTCSE_READ(lt, "client_auth", listener.client_auth, "tls.listener")
                              return Status::Ok();
                            });
        !s.ok()) {
      return s;
    }
  }
  if (auto* t = root["coap"].as_table()) {
    if (auto s = CheckKeys(*t, {"enabled", "address", "plain", "port", "listener",
                                "block1_total_bytes", "block1_peer_bytes", "block1_expiry_ms",
                                "log_lines_per_second"},
                           "coap");
        !s.ok()) {
      return s;
    }
    TRUSTCSE_READ(*t, "enabled", c.coap_enabled, "coap")
    TRUSTCSE_READ(*t, "address", c.coap_address, "coap")
    TRUSTCSE_READ(*t, "plain", c.coap_plain, "coap")
    TRUSTCSE_READ(*t, "port", c.coap_port, "coap")
    TRUSTCSE_READ(*t, "block1_total_bytes", c.coap_block1_total_bytes, "coap")
    TRUSTCSE_READ(*t, "block1_peer_bytes", c.coap_block1_peer_bytes, "coap")
    TRUSTCSE_READ(*t, "block1_expiry_ms", c.coap_block1_expiry_ms, "coap")
    TRUSTCSE_READ(*t, "log_lines_per_second", c.coap_log_lines_per_second, "coap")
    if (auto s = ReadTables(*t, "coap.listener", {"port", "client_auth"}, c.coap_listeners,
                            [](const toml::table& lt, Config::CoapListener& listener) -> Status {
                              TRUSTCSE_READ(lt, "port", listener.port, "coap.listener")
                              TRUSTCSE_READ(lt, "client_auth", listener.client_auth, "coap.listener")
                              return Status::Ok();
                            });
        !s.ok()) {
      return s;
    }
  }
  if (auto* t = root["mqtt"].as_table()) {
    if (auto s = CheckKeys(*t, {"enabled", "host", "port", "username", "password_file", "ca_file",
                                "cert_file", "key_file", "prefix", "broker_authenticates"},
                           "mqtt");
        !s.ok()) {
      return s;
    }
    TRUSTCSE_READ(*t, "enabled", c.mqtt_enabled, "mqtt")
    TRUSTCSE_READ(*t, "host", c.mqtt_host, "mqtt")
    TRUSTCSE_READ(*t, "port", c.mqtt_port, "mqtt")
    TRUSTCSE_READ(*t, "username", c.mqtt_username, "mqtt")
    TRUSTCSE_READ(*t, "password_file", c.mqtt_password_file, "mqtt")
    TRUSTCSE_READ(*t, "ca_file", c.mqtt_ca_file, "mqtt")
    TRUSTCSE_READ(*t, "cert_file", c.mqtt_cert_file, "mqtt")
    TRUSTCSE_READ(*t, "key_file", c.mqtt_key_file, "mqtt")
    TRUSTCSE_READ(*t, "prefix", c.mqtt_prefix, "mqtt")
    TRUSTCSE_READ(*t, "broker_authenticates", c.mqtt_broker_authenticates, "mqtt")
  }
  if (auto* t = root["websocket"].as_table()) {
    if (auto s = CheckKeys(*t, {"enabled", "address", "plain", "port", "listener", "threads",
                                "max_message_bytes", "max_connections",
                                "max_connections_per_source", "handshake_timeout_ms",
                                "idle_timeout_ms", "messages_per_second", "message_burst",
                                "max_in_flight", "max_outgoing"},
                           "websocket");
        !s.ok()) {
      return s;
    }
    TRUSTCSE_READ(*t, "enabled", c.ws_enabled, "websocket")
    TRUSTCSE_READ(*t, "address", c.ws_address, "websocket")
    TRUSTCSE_READ(*t, "plain", c.ws_plain, "websocket")
    TRUSTCSE_READ(*t, "port", c.ws_port, "websocket")
    TRUSTCSE_READ(*t, "threads", c.ws_threads, "websocket")
    TRUSTCSE_READ(*t, "max_message_bytes", c.ws_max_message_bytes, "websocket")
    TRUSTCSE_READ(*t, "max_connections", c.ws_max_connections, "websocket")
    TRUSTCSE_READ(*t, "max_connections_per_source", c.ws_max_connections_per_source, "websocket")
    TRUSTCSE_READ(*t, "handshake_timeout_ms", c.ws_handshake_timeout_ms, "websocket")
    TRUSTCSE_READ(*t, "idle_timeout_ms", c.ws_idle_timeout_ms, "websocket")
    TRUSTCSE_READ(*t, "messages_per_second", c.ws_messages_per_second, "websocket")
    TRUSTCSE_READ(*t, "message_burst", c.ws_message_burst, "websocket")
    TRUSTCSE_READ(*t, "max_in_flight", c.ws_max_in_flight, "websocket")
    TRUSTCSE_READ(*t, "max_outgoing", c.ws_max_outgoing, "websocket")
    if (auto s = ReadTables(*t, "websocket.listener", {"address", "port", "client_auth"},
                            c.ws_listeners,
                            [](const toml::table& lt, Config::WebSocketListener& l) -> Status {
                              TRUSTCSE_READ(lt, "address", l.address, "websocket.listener")
                              TRUSTCSE_READ(lt, "port", l.port, "websocket.listener")
                              TRUSTCSE_READ(lt, "client_auth", l.client_auth, "websocket.listener")
                              return Status::Ok();
                            });
        !s.ok()) {
      return s;
    }
  }
  if (auto* t = root["enrolment"].as_table()) {
    if (auto s = CheckKeys(*t, {"rotation_grace_s", "lifetime_days"}, "enrolment"); !s.ok()) {
      return s;
    }
    TRUSTCSE_READ(*t, "rotation_grace_s", c.enrolment_rotation_grace_s, "enrolment")
    TRUSTCSE_READ(*t, "lifetime_days", c.enrolment_lifetime_days, "enrolment")
  }
  if (auto* t = root["admin"].as_table()) {
    if (auto s = CheckKeys(*t, {"socket"}, "admin"); !s.ok()) return s;
    TRUSTCSE_READ(*t, "socket", c.admin_socket, "admin")
  }
  if (auto* t = root["security"].as_table()) {
    if (auto s = CheckKeys(*t, {"master_key_file", "create_master_key", "ae_id_registration"},
                           "security");
        !s.ok()) {
      return s;
    }
    TRUSTCSE_READ(*t, "master_key_file", c.master_key_file, "security")
    TRUSTCSE_READ(*t, "create_master_key", c.create_master_key, "security")
    TRUSTCSE_READ(*t, "ae_id_registration", c.ae_id_registration, "security")
  }
  if (auto* t = root["trust"].as_table()) {
    if (auto s = CheckKeys(*t, {"unregistered_apps"}, "trust"); !s.ok()) return s;
    TRUSTCSE_READ(*t, "unregistered_apps", c.trust_unregistered_apps, "trust")
  }
  if (auto* t = root["storage"].as_table()) {
    if (auto s = CheckKeys(*t, {"db", "fsync", "cache_entries"}, "storage"); !s.ok()) return s;
    TRUSTCSE_READ(*t, "db", c.db_path, "storage")
    TRUSTCSE_READ(*t, "fsync", c.storage_fsync, "storage")
    TRUSTCSE_READ(*t, "cache_entries", c.cache_entries, "storage")
  }
  if (auto* t = root["polling"].as_table()) {
    if (auto s = CheckKeys(*t, {"long_poll_ms", "request_timeout_ms", "max_queued"}, "polling");
        !s.ok()) {
      return s;
    }
    TRUSTCSE_READ(*t, "long_poll_ms", c.polling_long_poll_ms, "polling")
    TRUSTCSE_READ(*t, "request_timeout_ms", c.polling_request_timeout_ms, "polling")
    TRUSTCSE_READ(*t, "max_queued", c.polling_max_queued, "polling")
  }
  if (auto* t = root["notification"].as_table()) {
    if (auto s = CheckKeys(*t, {"timeout_ms", "attempts", "allow_networks", "deny_networks"},
                           "notification");
        !s.ok()) {
      return s;
    }
    TRUSTCSE_READ(*t, "timeout_ms", c.notification_timeout_ms, "notification")
    TRUSTCSE_READ(*t, "attempts", c.notification_attempts, "notification")
    TRUSTCSE_READ(*t, "allow_networks", c.notification_allow_networks, "notification")
    TRUSTCSE_READ(*t, "deny_networks", c.notification_deny_networks, "notification")
  }
  if (auto* t = root["egress"].as_table()) {
    if (auto s = CheckKeys(*t,
                           {"ca_files", "cert_file", "key_file", "coap_psk_identity",
                            "coap_psk_key_file"},
                           "egress");
        !s.ok()) {
      return s;
    }
    if (t->contains("ca_files")) {
      std::vector<std::string> files;
      TRUSTCSE_READ(*t, "ca_files", files, "egress")
      c.egress_ca_files = std::move(files);
    }
    TRUSTCSE_READ(*t, "cert_file", c.egress_cert_file, "egress")
    TRUSTCSE_READ(*t, "key_file", c.egress_key_file, "egress")
    TRUSTCSE_READ(*t, "coap_psk_identity", c.egress_coap_psk_identity, "egress")
    TRUSTCSE_READ(*t, "coap_psk_key_file", c.egress_coap_psk_key_file, "egress")
  }
  if (auto* t = root["limits"].as_table()) {
    if (auto s = CheckKeys(*t,
                           {"max_results", "max_answer_bytes", "max_requests_per_originator",
                            "max_resources_per_ae",
                            "max_bytes_per_ae", "max_subscriptions_per_ae"},
                           "limits");
        !s.ok()) {
      return s;
    }
    TRUSTCSE_READ(*t, "max_resources_per_ae", c.max_resources_per_ae, "limits")
    TRUSTCSE_READ(*t, "max_bytes_per_ae", c.max_bytes_per_ae, "limits")
    TRUSTCSE_READ(*t, "max_subscriptions_per_ae", c.max_subscriptions_per_ae, "limits")
    TRUSTCSE_READ(*t, "max_results", c.max_results, "limits")
    TRUSTCSE_READ(*t, "max_answer_bytes", c.max_answer_bytes, "limits")
    TRUSTCSE_READ(*t, "max_requests_per_originator", c.max_requests_per_originator, "limits")
  }
  if (auto* t = root["expiration"].as_table()) {
    if (auto s = CheckKeys(*t, {"reaper_interval_ms"}, "expiration"); !s.ok()) return s;
    TRUSTCSE_READ(*t, "reaper_interval_ms", c.reaper_interval_ms, "expiration")
  }
  if (auto* t = root["authz"].as_table()) {
    if (auto s = CheckKeys(*t, {"token_key_file", "das_role", "das_consultants"}, "authz");
        !s.ok()) {
      return s;
    }
    TRUSTCSE_READ(*t, "token_key_file", c.token_key_file, "authz")
    TRUSTCSE_READ(*t, "das_role", c.das_role, "authz")
    TRUSTCSE_READ(*t, "das_consultants", c.das_consultants, "authz")
  }
  if (auto* t = root["log"].as_table()) {
    if (auto s = CheckKeys(*t, {"level", "access", "format"}, "log"); !s.ok()) return s;
    TRUSTCSE_READ(*t, "level", c.log_level, "log")
    TRUSTCSE_READ(*t, "access", c.log_access, "log")
    TRUSTCSE_READ(*t, "format", c.log_format, "log")
  }
  if (auto* t = root["monitoring"].as_table()) {
    if (auto s = CheckKeys(*t, {"address", "port"}, "monitoring"); !s.ok()) return s;
    TRUSTCSE_READ(*t, "address", c.monitoring_address, "monitoring")
    TRUSTCSE_READ(*t, "port", c.monitoring_port, "monitoring")
  }
#undef TRUSTCSE_READ
  return Status::Ok();
}

}  // namespace

Status OffsetPorts(Config& c, int offset) {
  auto shift = [offset](int& port, const char* what) -> Status {
    if (port == 0) return Status::Ok();
    if (port + offset > 65535) {
      return Status::BadRequest(std::string("--port-offset: ") + what + " " +
                                std::to_string(port) + " + " + std::to_string(offset) +
                                " is beyond 65535");
    }
    port += offset;
    return Status::Ok();
  };
  if (auto s = shift(c.http_port, "[http] port"); !s.ok()) return s;
  if (c.tls_enabled && c.tls_listeners.empty()) c.tls_listeners.emplace_back();  // the default one
  for (auto& l : c.tls_listeners) {
    if (auto s = shift(l.port, "[[tls.listener]] port"); !s.ok()) return s;
  }
  if (auto s = shift(c.coap_port, "[coap] port"); !s.ok()) return s;
  for (auto& l : c.coap_listeners) {
    if (auto s = shift(l.port, "[[coap.listener]] port"); !s.ok()) return s;
  }
  if (auto s = shift(c.ws_port, "[websocket] port"); !s.ok()) return s;
  for (auto& l : c.ws_listeners) {
    if (auto s = shift(l.port, "[[websocket.listener]] port"); !s.ok()) return s;
  }
  return shift(c.monitoring_port, "[monitoring] port");
}

bool IsLogLevel(std::string_view l) {
  for (std::string_view k : {"trace", "debug", "info", "warn", "warning", "error", "critical", "off"}) {
    if (l == k) return true;
  }
  return false;
}

Status ValidateConfig(const Config& c) {
  auto bad = [](std::string m) { return Status::BadRequest("config: " + m); };
  if (c.cse_id.size() < 2 || c.cse_id[0] != '/' || c.cse_id.find('/', 1) != std::string::npos) {
    return bad("cse.cse_id must look like /id-in");
  }
  if (c.cse_name.empty() || c.cse_name.find('/') != std::string::npos) {
    return bad("cse.name must be a resource name");
  }
  if (!c.sp_id.empty() && !c.sp_id.starts_with("//")) return bad("cse.sp_id must start with //");
  if (c.cse_type < 1 || c.cse_type > 3) return bad("cse.type must be 1, 2 or 3");
  if (c.max_results < 1) return bad("limits.max_results must be at least 1");
  if (c.cache_entries < 1000 || c.cache_entries > 100'000'000) {
    return bad("storage.cache_entries must be between 1000 and 100000000");
  }
  if (c.max_answer_bytes < 1024) return bad("limits.max_answer_bytes must be at least 1024");
  if (auto p = egress::DestinationPolicy::Parse(c.notification_allow_networks,
                                                      c.notification_deny_networks);
      !p) {
    return bad("notification: " + p.error().message());
  }
  if (c.max_resources_per_ae < 0 || c.max_bytes_per_ae < 0 || c.max_subscriptions_per_ae < 0) {
    return bad("limits.max_*_per_ae must be 0 (no limit) or more");
  }
  if (c.max_requests_per_originator < 1) {
    return bad("limits.max_requests_per_originator must be at least 1");
  }
  if (c.trust_unregistered_apps != "allow" && c.trust_unregistered_apps != "refuse") {
    return bad("trust.unregistered_apps must be \"allow\" or \"refuse\"");
  }
  if (!c.ae_id_registration.empty() && c.ae_id_registration != "bound" &&
      c.ae_id_registration != "any-free") {
    return bad("security.ae_id_registration must be \"bound\" or \"any-free\"");
  }
  if (c.http_port < 0 || c.http_port > 65535) return bad("http.port out of range");
  if (c.http_threads < 1 || c.http_threads > 256) return bad("http.threads out of range");
  if (c.http_max_connections < 1 || c.http_max_connections_per_source < 1 ||
      c.http_max_requests_per_connection < 1) {
    return bad("http.max_connections, max_connections_per_source and max_requests_per_connection "
               "must be at least 1");
  }
  if (c.http_handshake_timeout_ms < 1 || c.http_header_timeout_ms < 1 ||
      c.http_body_timeout_ms < 1 || c.http_idle_timeout_ms < 1) {
    return bad("http timeouts (handshake, header, body, idle) must be positive");
  }
  if (c.db_path.empty()) return bad("storage.db must be set");
  if (!IsLogLevel(c.log_level)) {
    return bad("log.level \"" + c.log_level +
               "\" is not a log level: use trace, debug, info, warn, error, critical or off");
  }
  if (c.coap_port < 0 || c.coap_port > 65535) return bad("coap.port out of range");
  if (c.coap_block1_total_bytes < 1 || c.coap_block1_peer_bytes < 1 ||
      c.coap_block1_expiry_ms < 1 || c.coap_log_lines_per_second < 1) {
    return bad("coap.block1_total_bytes, block1_peer_bytes, block1_expiry_ms and "
               "log_lines_per_second must be positive");
  }
  if (c.upper_tester && !c.http_enabled) {
    return bad("http.upper_tester needs the plain HTTP listener (http.enabled or serve --dev)");
  }
  if (c.polling_long_poll_ms < 1 || c.polling_request_timeout_ms < 1 || c.polling_max_queued < 1) {
    return bad("polling values must be positive");
  }
  if (c.mqtt_port < 1 || c.mqtt_port > 65535) return bad("mqtt.port out of range");
  if (c.monitoring_port < 0 || c.monitoring_port > 65535) {
    return bad("monitoring.port out of range (0 = off)");
  }
  if (c.log_format != "text" && c.log_format != "json") {
    return bad("log.format must be \"text\" or \"json\"");
  }
  if (!c.mqtt_prefix.empty() && (c.mqtt_prefix[0] != '/' || c.mqtt_prefix.back() == '/')) {
    return bad("mqtt.prefix must start with / and not end with one");
  }
  for (const auto& l : c.coap_listeners) {
    if (l.port < 0 || l.port > 65535) return bad("coap.listener.port out of range");
  }
  if (c.enrolment_lifetime_days < 1 || c.enrolment_lifetime_days > 3650) {
    return bad("enrolment.lifetime_days must be between 1 and 3650");
  }
  if (c.enrolment_rotation_grace_s > 7 * 24 * 3600) return bad("enrolment.rotation_grace_s too long");
  for (const auto& l : c.tls_listeners) {
    if (l.port < 0 || l.port > 65535) return bad("tls.listener.port out of range");
    if (l.client_auth.empty()) return bad("tls.listener.client_auth must name a mode");
  }
  if (c.ws_port < 0 || c.ws_port > 65535) return bad("websocket.port out of range");
  for (const auto& l : c.ws_listeners) {
    if (l.port < 0 || l.port > 65535) return bad("websocket.listener.port out of range");
    if (l.client_auth.empty()) return bad("websocket.listener.client_auth must name a mode");
  }
  if (c.ws_enabled && !c.ws_plain && c.ws_listeners.empty()) {
    return bad("websocket is enabled without a listener: add a [[websocket.listener]] (wss) or "
               "plain = true (ws, development)");
  }
  if (c.ws_threads < 1 || c.ws_threads > 256) return bad("websocket.threads out of range");
  if (c.ws_max_message_bytes < 64 || c.ws_max_connections < 1 ||
      c.ws_max_connections_per_source < 1 || c.ws_handshake_timeout_ms < 1 ||
      c.ws_idle_timeout_ms < 1 || c.ws_messages_per_second < 1 || c.ws_message_burst < 1 ||
      c.ws_max_in_flight < 1 || c.ws_max_outgoing < 1) {
    return bad("websocket bounds (max_message_bytes at least 64, the others at least 1) must be "
               "positive");
  }
  if (c.tls_cert_file.empty() != c.tls_key_file.empty()) {
    return bad("tls.cert_file and tls.key_file go together");
  }
  if (c.egress_cert_file.empty() != c.egress_key_file.empty()) {
    return bad("egress.cert_file and egress.key_file go together");
  }
  if (c.egress_coap_psk_identity.empty() != c.egress_coap_psk_key_file.empty()) {
    return bad("egress.coap_psk_identity and egress.coap_psk_key_file go together");
  }

  return Status::Ok();
}

std::string BesideDatabase(const Config& c, const std::string& name) {
  auto dir = std::filesystem::path(c.db_path).parent_path();
  return (dir.empty() ? std::filesystem::path(name) : dir / name).string();
}

std::string AdminSocketPath(const Config& c) {
  return c.admin_socket.empty() ? BesideDatabase(c, "admin.sock") : c.admin_socket;
}

std::string MasterKeyPath(const Config& c) {
  return c.master_key_file.empty() ? BesideDatabase(c, "master.key") : c.master_key_file;
}

Status CheckMasterKey(const Config& c) {
  security::MasterKeyOptions mo;  // reads only: create_file_if_missing stays false
  if (const std::string next = MasterKeyPath(c) + ".new"; ::access(next.c_str(), F_OK) == 0) {
    return Status::BadRequest("a master key rotation is unfinished (" + next +
                              " exists): run `trustcse key rotate` with this configuration "
                              "again to finish it");
  }
  if (const char* env = std::getenv(mo.env_var.c_str()); env != nullptr && *env != '\0') {
    auto keys = security::OpenSoftwareKeyStore(mo);
    return keys ? Status::Ok() : Status::BadRequest(keys.error().message());
  }
  mo.env_var.clear();
  mo.file = MasterKeyPath(c);
  struct stat st{};
  if (::stat(mo.file.c_str(), &st) != 0) {
    if (errno == ENOENT && c.create_master_key) return Status::Ok();  // created at start
    if (errno == ENOENT) {
      return Status::BadRequest(
          "no master key: " + mo.file + " does not exist and [security] create_master_key is "
          "false: restore the key file, set TRUSTCSE_MASTER_KEY, or set create_master_key = true "
          "for a new instance");
    }
    return Status::BadRequest("cannot read the master key file " + mo.file + ": " +
                              std::strerror(errno));
  }
  auto keys = security::OpenSoftwareKeyStore(mo);
  return keys ? Status::Ok() : Status::BadRequest(keys.error().message());
}

}  // namespace trustcse::server
