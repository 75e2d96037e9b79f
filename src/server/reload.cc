// Server::Reload (SIGHUP): what a running server takes over from a re-read configuration, and
// the warnings for what needs a restart (the contract is in server.h).
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "server/server_impl.h"
#include "tls/server_context.h"

namespace trustcse::server {

namespace {

// A setting's value as text, to tell whether it changed.
std::string Text(const std::string& v) { return v; }
template <typename T>
  requires std::is_arithmetic_v<T>
std::string Text(T v) {
  return std::to_string(v);
}
std::string Text(const Config::TlsListener& l) {
  return l.address + ":" + std::to_string(l.port);  // client_auth reloads
}
std::string Text(const Config::CoapListener& l) {
  std::string out = std::to_string(l.port);
  for (const auto& a : l.client_auth) out += "," + a;
  return out;
}
template <typename T>
std::string Text(const std::vector<T>& v) {
  std::string out = "[";
  for (const auto& e : v) out += Text(e) + ";";
  return out + "]";
}
template <typename T>
std::string Text(const std::optional<T>& v) {
  return v ? "=" + Text(*v) : "unset";
}

// The HTTPS listeners as configured (an enabled [tls] without [[tls.listener]] has one default).
std::vector<Config::TlsListener> TlsListeners(const Config& c) {
  std::vector<Config::TlsListener> out = c.tls_listeners;
  if (c.tls_enabled && out.empty()) out.emplace_back();
  return out;
}

// Whether a DTLS listener presents the server certificate (one that admits more than PSKs).
bool DtlsUsesCertificate(const Config& c) {
  if (!c.coap_enabled) return false;
  for (const auto& l : c.coap_listeners) {
    for (const auto& a : l.client_auth) {
      if (a != "psk") return true;
    }
  }
  return false;
}

// Logs, at warn, each setting that differs in `next` but is only read at start-up; the running
// value stays. A setting not named here is neither reloaded nor reported.
// `certificate_changed`: the server certificate differs from the one loaded at start-up.
void WarnRestartNeeded(const Config& r, const Config& n, bool certificate_changed) {
  auto check = [](std::string_view key, const auto& running, const auto& next) {
    if (Text(running) != Text(next)) {
      spdlog::warn("trustcse: reload: {} changed; this needs a restart (the running value is "
                   "kept)", key);
    }
  };
  check("cse.cse_id", r.cse_id, n.cse_id);
  check("cse.name", r.cse_name, n.cse_name);
  check("cse.sp_id", r.sp_id, n.sp_id);
  check("cse.type", r.cse_type, n.cse_type);
  check("cse.admin_originator", r.admin_originator, n.admin_originator);
  check("http.enabled", r.http_enabled, n.http_enabled);
  check("http.address", r.http_address, n.http_address);
  check("http.port", r.http_port, n.http_port);
  check("http.threads", r.http_threads, n.http_threads);
  check("http.upper_tester", r.upper_tester, n.upper_tester);
  check("tls.enabled", r.tls_enabled, n.tls_enabled);
  check("tls.listener address or port", TlsListeners(r), TlsListeners(n));
  check("coap.enabled", r.coap_enabled, n.coap_enabled);
  check("coap.address", r.coap_address, n.coap_address);
  check("coap.plain", r.coap_plain, n.coap_plain);
  check("coap.port", r.coap_port, n.coap_port);
  check("coap.listener", r.coap_listeners, n.coap_listeners);
  check("coap.block1_total_bytes", r.coap_block1_total_bytes, n.coap_block1_total_bytes);
  check("coap.block1_peer_bytes", r.coap_block1_peer_bytes, n.coap_block1_peer_bytes);
  check("coap.block1_expiry_ms", r.coap_block1_expiry_ms, n.coap_block1_expiry_ms);
  check("coap.log_lines_per_second", r.coap_log_lines_per_second, n.coap_log_lines_per_second);
  if (certificate_changed && DtlsUsesCertificate(r)) {
    spdlog::warn("trustcse: reload: the server certificate changed; the DTLS listeners keep the "
                 "one they started with until a restart (HTTPS uses the new one)");
  }
  check("mqtt.enabled", r.mqtt_enabled, n.mqtt_enabled);
  check("mqtt.host", r.mqtt_host, n.mqtt_host);
  check("mqtt.port", r.mqtt_port, n.mqtt_port);
  check("mqtt.username", r.mqtt_username, n.mqtt_username);
  check("mqtt.password_file", r.mqtt_password_file, n.mqtt_password_file);
  check("mqtt.ca_file", r.mqtt_ca_file, n.mqtt_ca_file);
  check("mqtt.cert_file", r.mqtt_cert_file, n.mqtt_cert_file);
  check("mqtt.key_file", r.mqtt_key_file, n.mqtt_key_file);
  check("mqtt.prefix", r.mqtt_prefix, n.mqtt_prefix);
  check("mqtt.broker_authenticates", r.mqtt_broker_authenticates, n.mqtt_broker_authenticates);
  check("admin.socket", AdminSocketPath(r), AdminSocketPath(n));
  check("enrolment.rotation_grace_s", r.enrolment_rotation_grace_s, n.enrolment_rotation_grace_s);
  check("enrolment.lifetime_days", r.enrolment_lifetime_days, n.enrolment_lifetime_days);
  check("security.master_key_file", r.master_key_file, n.master_key_file);
  check("security.create_master_key", r.create_master_key, n.create_master_key);
  check("security.ae_id_registration", r.ae_id_registration, n.ae_id_registration);
  check("trust.unregistered_apps", r.trust_unregistered_apps, n.trust_unregistered_apps);
  check("storage.db", r.db_path, n.db_path);
  check("storage.fsync", r.storage_fsync, n.storage_fsync);
  check("storage.cache_entries", r.cache_entries, n.cache_entries);
  check("notification.timeout_ms", r.notification_timeout_ms, n.notification_timeout_ms);
  check("notification.attempts", r.notification_attempts, n.notification_attempts);
  check("notification.allow_networks", r.notification_allow_networks,
        n.notification_allow_networks);
  check("notification.deny_networks", r.notification_deny_networks, n.notification_deny_networks);
  check("egress.ca_files", r.egress_ca_files, n.egress_ca_files);
  if (n.egress_cert_file.empty() && !r.tls_cert_file.empty() &&
      (certificate_changed || r.tls_cert_file != n.tls_cert_file)) {
    spdlog::warn("trustcse: reload: outbound requests keep presenting the client certificate "
                 "tls.cert_file held at start-up until a restart (HTTPS listeners use the new "
                 "one)");
  }
  check("egress.cert_file", r.egress_cert_file, n.egress_cert_file);
  check("egress.key_file", r.egress_key_file, n.egress_key_file);
  check("egress.coap_psk_identity", r.egress_coap_psk_identity, n.egress_coap_psk_identity);
  check("egress.coap_psk_key_file", r.egress_coap_psk_key_file, n.egress_coap_psk_key_file);
  check("polling.long_poll_ms", r.polling_long_poll_ms, n.polling_long_poll_ms);
  check("polling.request_timeout_ms", r.polling_request_timeout_ms, n.polling_request_timeout_ms);
  check("polling.max_queued", r.polling_max_queued, n.polling_max_queued);
  check("limits.max_results", r.max_results, n.max_results);
  check("limits.max_answer_bytes", r.max_answer_bytes, n.max_answer_bytes);
  check("limits.max_requests_per_originator", r.max_requests_per_originator,
        n.max_requests_per_originator);
  check("limits.max_resources_per_ae", r.max_resources_per_ae, n.max_resources_per_ae);
  check("limits.max_bytes_per_ae", r.max_bytes_per_ae, n.max_bytes_per_ae);
  check("limits.max_subscriptions_per_ae", r.max_subscriptions_per_ae,
        n.max_subscriptions_per_ae);
  check("expiration.reaper_interval_ms", r.reaper_interval_ms, n.reaper_interval_ms);
  check("authz.token_key_file", r.token_key_file, n.token_key_file);
  check("authz.das_role", r.das_role, n.das_role);
  check("authz.das_consultants", r.das_consultants, n.das_consultants);
  check("log.format", r.log_format, n.log_format);
  check("log.access", r.log_access, n.log_access);
  check("monitoring.address", r.monitoring_address, n.monitoring_address);
  check("monitoring.port", r.monitoring_port, n.monitoring_port);
  check("websocket.enabled", r.ws_enabled, n.ws_enabled);
  check("websocket.address", r.ws_address, n.ws_address);
  check("websocket.plain", r.ws_plain, n.ws_plain);
  check("websocket.port", r.ws_port, n.ws_port);
  check("websocket.threads", r.ws_threads, n.ws_threads);
  std::vector<std::string> was, now;
  for (const auto& l : r.ws_listeners) was.push_back(l.address + ":" + std::to_string(l.port));
  for (const auto& l : n.ws_listeners) now.push_back(l.address + ":" + std::to_string(l.port));
  check("websocket.listener", was, now);
}

}  // namespace

Status Server::Reload(const Result<Config>& next, std::string_view actor) {
  Status s = next ? impl_->Reload(*next) : next.error();
  // A reload changes what the server trusts (certificates, limits): an operator action for the
  // audit log, with its outcome.
  events::Emit(impl_->events.get(), events::Kind::kAdminOperation, "config", actor,
               "configuration", "config.reload", s.ok() ? "" : s.message(),
               static_cast<int>(s.code()));
  return s;
}

Status Server::Impl::Reload(const Config& next) {
  Impl& m = *this;
  if (!m.dispatcher) return Status::Internal("reload: the server is not running");
  if (auto s = ValidateConfig(next); !s.ok()) return s;  // log.level among them
  const auto level = spdlog::level::from_str(next.log_level);
  const Config& running = m.config;
  // The HTTPS listeners that keep their address and port get new TLS contexts: everything is
  // prepared before anything is applied, so that an error leaves the running configuration.
  const auto was = TlsListeners(running);
  const auto now = TlsListeners(next);
  const bool same_listeners = Text(was) == Text(now);
  std::optional<security::ServerCertificate> creds;
  const bool dtls_certificate = m.coap && DtlsUsesCertificate(running);
  bool wss = false;
  for (const auto& w : m.websockets) wss |= w->tls();
  if (!m.https.empty() || dtls_certificate || wss) {
    auto got = ServerCredentials(next, *m.security.ca);
    if (!got) return got.error();
    creds = std::move(*got);
  }
  std::vector<std::shared_ptr<tls::ServerContext>> contexts;
  for (size_t i = 0; i < m.https.size(); ++i) {
    // Listeners whose addresses changed keep their client authentication too (a restart
    // applies the whole new list).
    const auto& names = (same_listeners ? now : was).at(i).client_auth;
    auto ctx = MakeHttpsContext(names, *creds, m.security);
    if (!ctx) return ctx.error();
    // Session tickets survive a reload, but not a change of the server's key or certificate
    // (a rotation after a compromise must not keep the old sessions resumable).
    if (auto previous = m.https[i]->tls_context();
        previous && creds->chain_pem == m.server_chain_pem) {
      (*ctx)->AdoptTicketKeys(*previous);
    }
    contexts.push_back(std::move(*ctx));
  }

  // wss listeners: a new context with the client authentication they run with (the listener
  // list itself needs a restart).
  std::vector<std::shared_ptr<tls::ServerContext>> ws_contexts;
  for (const auto& w : m.websockets) {
    auto previous = w->tls_context();
    if (!previous) {
      ws_contexts.emplace_back();
      continue;
    }
    std::vector<std::string> names;
    const unsigned auth = previous->client_auth();
    if (auth & tls::kAuthCertificate) names.emplace_back("certificate");
    if (auth & tls::kAuthPsk) names.emplace_back("psk");
    if (auth & tls::kAuthPinnedKey) names.emplace_back("pinned-key");
    if (auth & tls::kAuthNone) names.emplace_back("none");
    auto ctx = MakeHttpsContext(names, *creds, m.security);
    if (!ctx) return ctx.error();
    if (creds->chain_pem == m.server_chain_pem) (*ctx)->AdoptTicketKeys(*previous);
    ws_contexts.push_back(std::move(*ctx));
  }

  // Apply.
  spdlog::set_level(level);
  spdlog::debug("trustcse: reload: log level {}", spdlog::level::to_string_view(level));
  WarnRestartNeeded(running, next, creds && creds->chain_pem != m.server_chain_pem);
  std::shared_ptr<http::ConnectionLimiter> limiter;
  if (m.http) limiter = m.http->limiter();
  if (!m.https.empty()) limiter = m.https.front()->limiter();
  if (limiter) {
    rlimit rl{};
    const uint64_t nofile = ::getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : 1024;
    limiter->SetCaps(ConnectionCap(next, nofile),
                     static_cast<size_t>(next.http_max_connections_per_source));
  }
  http::HttpServerOptions bounds;
  ApplyHttpBounds(next, limiter, bounds);
  if (m.http) m.http->Reconfigure(bounds);
  {
    std::lock_guard g(m.tls_mu);
    for (size_t i = 0; i < m.https.size(); ++i) {
      bounds.tls = contexts[i];
      m.https[i]->Reconfigure(bounds);
    }
    if (!m.websockets.empty()) {
      m.websockets.front()->limiter()->SetCaps(
          static_cast<size_t>(next.ws_max_connections),
          static_cast<size_t>(next.ws_max_connections_per_source));
    }
    websocket::WebSocketServerOptions ws_bounds;
    ApplyWebSocketBounds(next, ws_bounds);
    for (size_t i = 0; i < m.websockets.size(); ++i) {
      ws_bounds.tls = ws_contexts[i];
      m.websockets[i]->Reconfigure(ws_bounds);
    }
    // What was applied becomes the running configuration (under tls_mu: monitoring reads
    // the listeners); the rest keeps its start-up value.
    Config& c = m.config;
    c.log_level = next.log_level;
    c.tls_cert_file = next.tls_cert_file;
    c.tls_key_file = next.tls_key_file;
    c.tls_server_names = next.tls_server_names;
    if (creds && (!m.https.empty() || wss)) m.server_chain_pem = creds->chain_pem;
    if (same_listeners) c.tls_listeners = next.tls_listeners;
    c.http_body_limit = next.http_body_limit;
    c.http_max_connections = next.http_max_connections;
    c.http_max_connections_per_source = next.http_max_connections_per_source;
    c.http_handshake_timeout_ms = next.http_handshake_timeout_ms;
    c.http_header_timeout_ms = next.http_header_timeout_ms;
    c.http_body_timeout_ms = next.http_body_timeout_ms;
    c.http_idle_timeout_ms = next.http_idle_timeout_ms;
    c.http_max_requests_per_connection = next.http_max_requests_per_connection;
    c.ws_max_message_bytes = next.ws_max_message_bytes;
    c.ws_max_connections = next.ws_max_connections;
    c.ws_max_connections_per_source = next.ws_max_connections_per_source;
    c.ws_handshake_timeout_ms = next.ws_handshake_timeout_ms;
    c.ws_idle_timeout_ms = next.ws_idle_timeout_ms;
    c.ws_messages_per_second = next.ws_messages_per_second;
    c.ws_message_burst = next.ws_message_burst;
    c.ws_max_in_flight = next.ws_max_in_flight;
    c.ws_max_outgoing = next.ws_max_outgoing;
  }
  if (!m.https.empty()) {
    spdlog::info("trustcse: reload: {} HTTPS listener(s): new handshakes use the server "
                 "certificate {}", m.https.size(),
                 next.tls_cert_file.empty() ? "of the built-in CA" : next.tls_cert_file);
  }
  return Status::Ok();
}

}  // namespace trustcse::server
