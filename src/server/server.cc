#include "server/server.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>

#include "admin/admin_server.h"
#include "bindings/coap/coap_server.h"
#include "bindings/http/http_server.h"
#include "bindings/mqtt/mqtt_binding.h"
#include "bindings/websocket/ws_server.h"
#include "dispatcher/dispatcher.h"
#include "bindings/mqtt/mqtt_client_adapter.h"
#include "egress/coap/coap_client.h"
#include "egress/http/http_client.h"
#include "egress/routing_client.h"
#include "security/crypto/crypto.h"
#include "notification/entity_connections.h"
#include "notification/notifier.h"
#include "notification/polling_channels.h"
#include "events/event_stream.h"
#include "security/well_known_endpoints.h"
#include "server/security_chains.h"
#include "server/security_services.h"
#include "server/server_impl.h"
#include "server/startup_checks.h"
#include "server/upper_tester.h"
#include "storage/store.h"
#include "tls/server_context.h"

namespace trustcse::server {

namespace {

// "2a,3,4": the releases this CSE serves, as the upper tester reports them.
std::string SupportedReleasesText() {
  std::string out;
  for (std::string_view r : kSupportedReleases) {
    if (!out.empty()) out += ',';
    out += r;
  }
  return out;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(Status::BadRequest("cannot read " + path));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The server certificate and key: the configured files, or the built-in CA's certificate.
// A private key file that group or others may read is refused (`name` says which setting).
Status CheckKeyFileMode(const std::string& path, const std::string& name) {
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Status::BadRequest(name + " " + path +
                              " must not be accessible by group or others (chmod 600)");
  }
  return Status::Ok();
}

}  // namespace

Result<security::ServerCertificate> ServerCredentials(const Config& c,
                                                      security::CertificateAuthority& ca) {
  if (!c.tls_cert_file.empty()) {
    if (auto s = CheckKeyFileMode(c.tls_key_file, "tls.key_file"); !s.ok()) return Err(s);
    auto chain = ReadFile(c.tls_cert_file);
    if (!chain) return Err(chain.error());
    auto key = ReadFile(c.tls_key_file);
    if (!key) return Err(key.error());
    return security::ServerCertificate{std::move(*chain), security::crypto::Secret(std::move(*key))};
  }
  if (!ca.initialized()) {
    return Err(Status::BadRequest(
        "TLS needs a server certificate: run `trustcse ca init` (the built-in CA issues it) or "
        "set tls.cert_file and tls.key_file"));
  }
  return ca.ServerCertificateFor(c.tls_server_names);
}

namespace {

// The outbound clients the egress router picks from (MQTT joins when the binding is up). Trust
// anchors: [egress] ca_files, else the system's store (HTTPS only) and the built-in CA's
// certificate (if initialized). Client certificate for mutual TLS and DTLS: [egress]
// cert_file/key_file, else [tls] cert_file/key_file, else none. coaps:// with a pre-shared key:
// [egress] coap_psk_identity and coap_psk_key_file (hex).
Result<egress::RoutedClients> MakeEgressClients(const Config& c,
                                                const security::CertificateAuthority& ca,
                                                egress::DestinationPolicy destinations) {
  egress::HttpClientOptions o;
  o.self_id = c.cse_id;
  o.default_timeout = std::chrono::milliseconds(c.notification_timeout_ms);
  o.destinations = std::move(destinations);
  if (c.egress_ca_files) {
    o.tls.ca_files = *c.egress_ca_files;
    o.tls.system_store = false;
  } else if (ca.initialized()) {
    o.tls.ca_pems.push_back(ca.certificate_pem());
  }
  const bool own = !c.egress_cert_file.empty();
  o.tls.cert_file = own ? c.egress_cert_file : c.tls_cert_file;
  o.tls.key_file = own ? c.egress_key_file : c.tls_key_file;
  if (!o.tls.key_file.empty()) {
    if (auto s = CheckKeyFileMode(o.tls.key_file, own ? "egress.key_file" : "tls.key_file");
        !s.ok()) {
      return Err(s);
    }
  }
  egress::CoapClientOptions co;
  co.self_id = o.self_id;
  co.default_timeout = o.default_timeout;
  co.destinations = o.destinations;
  co.tls = o.tls;
  if (!c.egress_coap_psk_key_file.empty()) {
    if (auto s = CheckKeyFileMode(c.egress_coap_psk_key_file, "egress.coap_psk_key_file");
        !s.ok()) {
      return Err(s);
    }
    auto hex = ReadFile(c.egress_coap_psk_key_file);
    if (!hex) return Err(hex.error());
    while (!hex->empty() && std::isspace(static_cast<unsigned char>(hex->back()))) hex->pop_back();
    auto key = security::crypto::FromHex(*hex);
    if (!key || key->empty()) {
      return Err(Status::BadRequest("config: egress.coap_psk_key_file must hold the key in hex"));
    }
    co.psk_identity = c.egress_coap_psk_identity;
    co.psk_key = std::move(*key);
  }
  auto client = egress::MakeHttpClient(std::move(o));
  if (!client) return Err(Status::BadRequest("config: [egress] " + client.error().message()));
  auto coap = egress::MakeCoapClient(std::move(co));
  if (!coap) return Err(Status::BadRequest("config: [egress] " + coap.error().message()));
  egress::RoutedClients out;
  out.http = std::move(*client);
  out.coap = std::move(*coap);
  return out;
}

// Raises the soft descriptor limit to the hard one (each connection is a descriptor; systemd's
// soft default is 1024) and returns the soft limit in force.
// `select_bound`: libmosquitto's loop waits with select(), which cannot watch a descriptor at
// or above FD_SETSIZE — a broker reconnect that got one would end the MQTT loop. While MQTT is
// on, the limit stays at FD_SETSIZE (and HTTP connections are capped below it).
rlim_t RaiseDescriptorLimit(bool select_bound) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  const rlim_t target = select_bound ? std::min<rlim_t>(rl.rlim_max, FD_SETSIZE) : rl.rlim_max;
  if (rl.rlim_cur != target) {
    rlimit want = rl;
    want.rlim_cur = target;
    if (::setrlimit(RLIMIT_NOFILE, &want) == 0) {
      spdlog::info("trustcse: descriptor limit set from {} to {}{}", rl.rlim_cur, want.rlim_cur,
                   select_bound ? " (FD_SETSIZE: the MQTT client's loop uses select)" : "");
      rl = want;
    }
  }
  return rl.rlim_cur;
}

std::shared_ptr<http::ConnectionLimiter> MakeConnectionLimiter(const Config& c) {
  return std::make_shared<http::ConnectionLimiter>(
      ConnectionCap(c, RaiseDescriptorLimit(c.mqtt_enabled)),
      static_cast<size_t>(c.http_max_connections_per_source));
}

}  // namespace

Result<std::shared_ptr<tls::ServerContext>> MakeHttpsContext(
    const std::vector<std::string>& client_auth, const security::ServerCertificate& creds,
    const SecurityServices& security) {
  auto auth = tls::ParseClientAuth(client_auth);
  if (!auth) return tl::unexpected(auth.error());
  tls::ServerContextOptions to;
  to.cert_chain_pem = creds.chain_pem;
  to.key_pem = security::crypto::Secret(std::string(creds.key_pem.view()));
  to.client_auth = *auth;
  return tls::ServerContext::Create(std::move(to), security.credentials, security.ca);
}

// The connections of every HTTP listener together: the configured cap, kept kDescriptorReserve
// below the descriptor limit `nofile` (the store, CoAP, notifications and the admin socket need
// descriptors too), so that accepting never runs out of them.
size_t ConnectionCap(const Config& c, uint64_t nofile) {
  constexpr uint64_t kDescriptorReserve = 64;
  const size_t cap = static_cast<size_t>(c.http_max_connections);
  const size_t room = nofile > 2 * kDescriptorReserve ? nofile - kDescriptorReserve : nofile / 2;
  if (cap <= room) return cap;
  spdlog::warn("trustcse: http.max_connections {} lowered to {}: the descriptor limit is {} "
               "(raise it, e.g. LimitNOFILE= in the systemd unit)", cap, room, nofile);
  return room;
}

// The bounds of [http], the same for every listener.
void ApplyHttpBounds(const Config& c, std::shared_ptr<http::ConnectionLimiter> limiter,
                     http::HttpServerOptions& ho) {
  using ms = std::chrono::milliseconds;
  ho.threads = c.http_threads;
  ho.body_limit = c.http_body_limit;
  ho.handshake_timeout = ms(c.http_handshake_timeout_ms);
  ho.header_timeout = ms(c.http_header_timeout_ms);
  ho.body_timeout = ms(c.http_body_timeout_ms);
  ho.idle_timeout = ms(c.http_idle_timeout_ms);
  ho.max_requests_per_connection = static_cast<size_t>(c.http_max_requests_per_connection);
  ho.limiter = std::move(limiter);
}

void ApplyWebSocketBounds(const Config& c, websocket::WebSocketServerOptions& wo) {
  using ms = std::chrono::milliseconds;
  wo.threads = c.ws_threads;
  wo.cse_id = c.cse_id;
  wo.max_message_bytes = static_cast<size_t>(c.ws_max_message_bytes);
  wo.handshake_timeout = ms(c.ws_handshake_timeout_ms);
  wo.idle_timeout = ms(c.ws_idle_timeout_ms);
  wo.request_timeout = ms(c.notification_timeout_ms);
  wo.messages_per_second = c.ws_messages_per_second;
  wo.message_burst = static_cast<size_t>(c.ws_message_burst);
  wo.max_in_flight = static_cast<size_t>(c.ws_max_in_flight);
  wo.max_outgoing = static_cast<size_t>(c.ws_max_outgoing);
}

Server::Server(Config config) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
}

Server::~Server() { Stop(); }

Status Server::Start() {
  Impl& m = *impl_;
  const Config& c = m.config;
  if (auto s = ValidateConfig(c); !s.ok()) return s;
  if (!c.http_enabled && !c.tls_enabled && !c.coap_enabled && !c.mqtt_enabled && !c.ws_enabled) {
    return Status::BadRequest(
        "no listener: enable [tls], [coap] or [websocket] (plain [http] only for development: "
        "serve --dev)");
  }
  m.events = std::make_shared<events::EventStream>();
  if (c.log_format == "json") UseJsonLogFormat();
  m.events->Subscribe(std::make_shared<events::LogSink>(),
                      events::Subscription{events::kSecurityKinds, 4096, false, "log"});
  // The instance's directory, then the master key (beside the database by default), before
  // anything is opened. Each failure names the file or port and the setting that moves it:
  // 4000 for the configuration's fault (exit 2), other codes for the machine's (exit 1).
  if (auto s = PrepareDatabaseDirectory(c.db_path); !s.ok()) return s;
  if (auto s = CheckMasterKey(c); !s.ok()) return s;
  auto lock = InstanceLock::Acquire(c.db_path);
  if (!lock && lock.error().code() == Rsc::kConflict) {
    return Status(Rsc::kConflict, "another trustcse process holds the instance lock " +
                                      c.db_path + ".lock: stop it, or give this server another "
                                      "storage.db (--db)");
  }
  if (!lock) return lock.error();
  m.lock = std::move(*lock);
  auto store = OpenStore(c);
  if (!store) {
    return Status(store.error().code(),
                  "cannot open the store " + c.db_path + ": " + store.error().message());
  }
  m.store = std::move(*store);
  m.StartAuditLog();
  auto sec = OpenSecurityServices(c, *m.store);
  if (!sec) return sec.error();
  m.security = std::move(*sec);
  if (auto s = m.StartAuditCheckpoints(); !s.ok()) return s;
  // Credentials, the CA, enrolment and the admin operations publish through the registry.
  m.security.credentials->SetEventStream(m.events);
  m.security.trust->SetEventStream(m.events);  // SIM-binding locks: the alert
  m.endpoints = std::make_unique<security::WellKnownEndpoints>(m.security.ca, m.security.enrolment);

  CseIdentity self{c.cse_id, c.cse_name, c.sp_id};
  notification::NotifierOptions no;
  no.self = self;
  no.max_attempts = c.notification_attempts;
  notification::HttpSenderOptions hso;
  hso.originator = c.cse_id;
  hso.timeout_ms = c.notification_timeout_ms;
  auto destinations = egress::DestinationPolicy::Parse(c.notification_allow_networks,
                                                       c.notification_deny_networks);
  if (!destinations) {
    return Status::BadRequest("config: [notification] " + destinations.error().message());
  }
  auto egress_clients = MakeEgressClients(c, *m.security.ca, std::move(*destinations));
  if (!egress_clients) return egress_clients.error();
  m.polling = std::make_shared<notification::PollingChannels>(notification::PollingChannels::Options{
      static_cast<size_t>(c.polling_max_queued),
      std::chrono::milliseconds(c.polling_request_timeout_ms)});
  no.polling = m.polling;
  if (c.mqtt_enabled) {
    mqtt::MqttOptions mo;
    mo.host = c.mqtt_host;
    mo.port = c.mqtt_port;
    mo.username = c.mqtt_username;
    if (const char* env = std::getenv("TRUSTCSE_MQTT_PASSWORD"); env != nullptr && *env) {
      mo.password = env;
    } else if (!c.mqtt_password_file.empty()) {
      if (auto s = CheckKeyFileMode(c.mqtt_password_file, "mqtt.password_file"); !s.ok()) return s;
      auto pw = ReadFile(c.mqtt_password_file);
      if (!pw) return pw.error();
      while (!pw->empty() && (pw->back() == '\n' || pw->back() == '\r')) pw->pop_back();
      mo.password = std::move(*pw);
    }
    mo.ca_file = c.mqtt_ca_file;
    mo.cert_file = c.mqtt_cert_file;
    mo.key_file = c.mqtt_key_file;
    mo.prefix = c.mqtt_prefix;
    mo.cse_id = c.cse_id;
    mo.broker_authenticates = c.mqtt_broker_authenticates;
    m.mqtt = std::make_unique<mqtt::MqttBinding>(std::move(mo));
    if (auto s = m.mqtt->Connect(); !s.ok()) return s;
    egress_clients->mqtt =
        mqtt::MakeMqttClient(*m.mqtt, std::chrono::milliseconds(c.notification_timeout_ms));
  }
  // One outbound path: the router picks HTTP(S), CoAP(S) or MQTT by the target's scheme.
  hso.client = egress::MakeRoutingClient(std::move(*egress_clients));
  // Entities connected over WebSocket get their requests on that connection.
  std::unique_ptr<notification::Sender> connection_sender;
  if (c.ws_enabled) {
    m.connections = std::make_shared<notification::EntityConnections>();
    no.connections = m.connections;
    connection_sender = notification::MakeConnectionSender(m.connections);
  }
  auto sender = notification::MakeRoutingSender(
      notification::MakeHttpSender(hso), notification::MakePollingSender(m.polling, c.cse_id),
      std::move(connection_sender));
  m.notifier = std::make_unique<notification::Notifier>(no, *m.store, std::move(sender));

  std::vector<std::string> poa;
  std::shared_ptr<http::ConnectionLimiter> limiter;
  if (c.http_enabled || c.tls_enabled) limiter = MakeConnectionLimiter(c);
  if (c.http_enabled) {
    http::HttpServerOptions ho;
    ho.address = c.http_address;
    ho.port = static_cast<uint16_t>(c.http_port);
    ApplyHttpBounds(c, limiter, ho);
    ho.services = m.endpoints.get();
    if (c.upper_tester) {
      UpperTester::Hooks hooks;
      hooks.polling = m.polling;
      hooks.reaper_interval = std::chrono::milliseconds(c.reaper_interval_ms);
      hooks.config = {
          {"cse.cse_id", c.cse_id},
          {"cse.name", c.cse_name},
          {"cse.sp_id", c.sp_id},
          {"cse.type", std::to_string(c.cse_type)},
          {"cse.admin_originator", c.admin_originator},
          {"cse.supported_releases", SupportedReleasesText()},
          {"http.port", std::to_string(c.http_port)},
          {"expiration.reaper_interval_ms", std::to_string(c.reaper_interval_ms)},
          {"notification.timeout_ms", std::to_string(c.notification_timeout_ms)},
          {"notification.attempts", std::to_string(c.notification_attempts)},
          {"polling.long_poll_ms", std::to_string(c.polling_long_poll_ms)},
          {"polling.request_timeout_ms", std::to_string(c.polling_request_timeout_ms)},
          {"polling.max_queued", std::to_string(c.polling_max_queued)},
          {"storage.fsync", c.storage_fsync ? "true" : "false"},
      };
      m.upper_tester = std::make_unique<UpperTester>(std::move(hooks));
      ho.upper_tester = m.upper_tester.get();
    }
    m.http = std::make_unique<http::HttpServer>(ho);
    if (auto s = m.http->Listen(); !s.ok()) {
      return ListenFailed(s, "HTTP", "[http] port (--http-port)");
    }
    spdlog::warn("trustcse: plain HTTP is enabled on {}:{} — no channel security; for "
                 "development only", c.http_address, m.http->port());
    if (m.upper_tester) {
      spdlog::warn("trustcse: the upper tester (POST /__ut__) is enabled: anyone who reaches "
                   "port {} can delete every resource; for conformance testing only",
                   m.http->port());
    }
  }
  std::optional<security::ServerCertificate> creds;
  const std::vector<Config::CoapListener>& coap_listeners = c.coap_listeners;
  bool coap_certificates = false;
  for (const auto& l : coap_listeners) {
    for (const auto& a : l.client_auth) coap_certificates |= a != "psk";
  }
  const bool coap_dtls = c.coap_enabled && coap_certificates;
  const bool wss = c.ws_enabled && !c.ws_listeners.empty();
  if (c.tls_enabled || coap_dtls || wss) {
    auto got = ServerCredentials(c, *m.security.ca);
    if (!got) return got.error();
    creds = std::move(*got);
    m.server_chain_pem = creds->chain_pem;
  }
  if (c.tls_enabled) {
    std::vector<Config::TlsListener> listeners = c.tls_listeners;
    if (listeners.empty()) listeners.emplace_back();
    for (const auto& l : listeners) {
      auto ctx = MakeHttpsContext(l.client_auth, *creds, m.security);
      if (!ctx) return ctx.error();
      http::HttpServerOptions ho;
      ho.address = l.address;
      ho.port = static_cast<uint16_t>(l.port);
      ApplyHttpBounds(c, limiter, ho);
      ho.events = m.events;
      ho.tls = std::move(*ctx);
      ho.services = m.endpoints.get();
      auto server = std::make_unique<http::HttpServer>(std::move(ho));
      if (auto s = server->Listen(); !s.ok()) {
        return ListenFailed(s, "HTTPS", "[[tls.listener]] port (--tls-port)");
      }
      poa.push_back("https://" + l.address + ":" + std::to_string(server->port()));
      std::lock_guard g(m.tls_mu);
      m.https.push_back(std::move(server));
    }
  }
  if (c.coap_enabled) {
    coap::CoapServerOptions co;
    co.events = m.events;
    co.address = c.coap_address;
    co.plain = c.coap_plain;
    co.port = static_cast<uint16_t>(c.coap_port);
    for (const auto& l : coap_listeners) {
      auto auth = tls::ParseClientAuth(l.client_auth);
      if (!auth) return auth.error();
      co.dtls.push_back({static_cast<uint16_t>(l.port), *auth});
    }
    if (creds) {
      co.cert_chain_pem = creds->chain_pem;
      co.key_pem = security::crypto::Secret(std::string(creds->key_pem.view()));
    }
    co.body_limit = c.http_body_limit;
    co.block1_total_bytes = c.coap_block1_total_bytes;
    co.block1_peer_bytes = c.coap_block1_peer_bytes;
    co.block1_expiry_ms = c.coap_block1_expiry_ms;
    co.log_lines_per_second = c.coap_log_lines_per_second;
    co.registry = m.security.credentials;
    co.ca = m.security.ca;
    m.coap = std::make_unique<coap::CoapServer>(std::move(co));
    if (c.coap_plain) {
      if (auto s = ProbeUdpPort(c.coap_address, c.coap_port, "[coap] port (--coap-port)");
          !s.ok()) {
        return s;
      }
    }
    for (const auto& l : coap_listeners) {
      const bool psk = l.client_auth == std::vector<std::string>{"psk"};
      if (auto s = ProbeUdpPort(c.coap_address, l.port,
                                psk ? "[[coap.listener]] port (--coaps-port)"
                                    : "[[coap.listener]] port (--coaps-cert-port)");
          !s.ok()) {
        return s;
      }
    }
    if (auto s = m.coap->Listen(); !s.ok()) return s;
    if (m.coap->port() != 0) {
      spdlog::warn("trustcse: plain CoAP is enabled on {}:{} — no channel security; for "
                   "development only", c.coap_address, m.coap->port());
      poa.push_back("coap://" + c.coap_address + ":" + std::to_string(m.coap->port()));
    }
    for (uint16_t p : m.coap->dtls_ports()) {
      poa.push_back("coaps://" + c.coap_address + ":" + std::to_string(p));
    }
  }
  if (c.ws_enabled) {
    if (auto s = m.ListenWebSocket(creds ? &*creds : nullptr, poa); !s.ok()) return s;
  }
  // A revoked credential loses its live HTTPS connections at once (its DTLS sessions are refused
  // by the gates at their next request).
  auto close_sessions = [&m](const std::string& id) {
    std::lock_guard g(m.tls_mu);
    for (auto& s : m.https) s->CloseSessionsOf(id);
    for (auto& s : m.websockets) s->CloseSessionsOf(id);
  };
  m.security.credentials->AddRevocationListener(close_sessions);
  // A blacklisted credential or AE loses its live sessions the same way.
  m.security.lists->SetSessionCloser(
      close_sessions, [&m](std::string_view kind, std::string_view value) {
        if (kind == "ae") return m.security.credentials->CredentialsOf(value);
        std::vector<std::string> out;
        if (auto machine = m.security.trust->MachineOfIdentity(kind, value)) {
          out = machine->credentials;
          for (const auto& e : machine->entities) {
            for (auto& c : m.security.credentials->CredentialsOf(e)) out.push_back(std::move(c));
          }
        }
        return out;
      });
  if (m.http) poa.push_back("http://" + c.http_address + ":" + std::to_string(m.http->port()));
  if (m.mqtt) {
    poa.push_back((c.mqtt_ca_file.empty() ? "mqtt://" : "mqtts://") + c.mqtt_host + ":" +
                  std::to_string(c.mqtt_port) + c.mqtt_prefix);
  }

  dispatcher::DispatcherOptions dopt;
  dopt.self = self;
  dopt.das_role = c.das_role;
  dopt.das_consultants = c.das_consultants;
  dopt.max_results = static_cast<size_t>(c.max_results);
  dopt.cache_entries = static_cast<size_t>(c.cache_entries);
  dopt.max_answer_bytes = static_cast<size_t>(c.max_answer_bytes);
  dopt.max_requests_per_originator = static_cast<size_t>(c.max_requests_per_originator);
  dopt.max_resources_per_ae = static_cast<uint64_t>(c.max_resources_per_ae);
  dopt.max_bytes_per_ae = static_cast<uint64_t>(c.max_bytes_per_ae);
  dopt.max_subscriptions_per_ae = static_cast<uint64_t>(c.max_subscriptions_per_ae);
  ChainOptions chain_options;
  if (!c.token_key_file.empty()) {
    auto key = security::ReadTokenKey(c.token_key_file);
    if (!key) return key.error();
    chain_options.tokens =
        std::make_shared<const security::TokenVerifier>(std::move(*key), c.cse_id);
  }
  dopt.admin_originator = c.admin_originator;
  dopt.cse_type = c.cse_type;
  dopt.credentials = m.security.credentials;
  dopt.events = m.events;
  dopt.audit_log = m.audit_log;
  m.monitoring = std::make_unique<Monitoring>(Monitoring::Sources{
      &c, m.store.get(), m.notifier.get(), &m.http, &m.https, &m.tls_mu, &m.coap, &m.mqtt,
      m.events, &m.websockets, m.connections});
  dopt.metrics = m.monitoring->requests();
  chain_options.admin_originator = c.admin_originator;
  chain_options.cse_id = c.cse_id;
  chain_options.credentials = m.security.credentials;
  chain_options.free_ae_ids = c.ae_id_registration == "any-free";
  chain_options.trust = m.security.trust;
  chain_options.lists = m.security.lists;
  chain_options.subscriptions = m.security.subscriptions;
  chain_options.allow_unregistered_apps = c.trust_unregistered_apps != "refuse";
  dopt.polling = m.polling;
  dopt.long_poll_timeout = std::chrono::milliseconds(c.polling_long_poll_ms);
  // The CSEBase advertises where it is reachable (the bound ports, also when port 0 was asked).
  dopt.poa = poa;
  m.dispatcher = std::make_unique<dispatcher::Dispatcher>(dopt, *m.store, *m.notifier);
  m.dispatcher->InstallSecurityChains(
      AssembleChains(chain_options, m.dispatcher->authorization_services()));
  if (auto s = m.dispatcher->Bootstrap(); !s.ok()) return s;
  if (m.upper_tester) m.upper_tester->Attach(m.dispatcher.get());
  if (auto s = m.notifier->Start(); !s.ok()) return s;
  m.dispatcher->StartReaper(std::chrono::milliseconds(c.reaper_interval_ms));
  m.admin = std::make_unique<admin::AdminServer>(
      AdminSocketPath(c), std::make_shared<admin::Operations>(
                              m.security.credentials, m.security.ca, m.security.enrolment));
  m.admin->operations().SetTrust(m.security.trust, m.security.lists, m.security.subscriptions);
  m.admin->operations().SetTrustGateOptions(
      {c.admin_originator, c.trust_unregistered_apps != "refuse"});
  m.admin->operations().SetDeviceNotifier(
      [notifier = m.notifier.get()](const std::string& ae, std::string body) {
        notifier->Deliver(ae, std::move(body), "identity query");
      });
  m.monitoring->AttachTo(*m.admin);
  m.ServeAuditLog(m.admin->operations());
  MakeSocketDirectory(AdminSocketPath(c));
  if (auto s = m.admin->Start(); !s.ok()) {
    return Status(s.code(), s.message() + ": stop the other server or set [admin] socket");
  }
  if (m.coap) m.coap->Serve(*m.dispatcher);
  if (m.mqtt) m.mqtt->Serve(*m.dispatcher);
  if (m.http) m.http->Serve(*m.dispatcher);
  for (auto& s : m.https) s->Serve(*m.dispatcher);
  for (auto& s : m.websockets) s->Serve(*m.dispatcher);
  if (auto s = m.monitoring->Start(); !s.ok()) return s;
  spdlog::info("trustcse: CSE {} ({}) serving {} with store {}", c.cse_id, c.cse_name,
               fmt::join(poa, " "), c.db_path);
  return Status::Ok();
}

uint16_t Server::http_port() const { return impl_->http ? impl_->http->port() : 0; }
uint16_t Server::coap_port() const { return impl_->coap ? impl_->coap->port() : 0; }
std::vector<uint16_t> Server::coaps_ports() const {
  return impl_->coap ? impl_->coap->dtls_ports() : std::vector<uint16_t>{};
}

std::vector<std::pair<bool, uint16_t>> Server::websocket_ports() const {
  std::vector<std::pair<bool, uint16_t>> out;
  for (const auto& s : impl_->websockets) out.emplace_back(s->tls(), s->port());
  return out;
}

std::vector<uint16_t> Server::tls_ports() const {
  std::vector<uint16_t> out;
  for (const auto& s : impl_->https) out.push_back(s->port());
  return out;
}

void Server::Stop() {
  if (!impl_) return;
  Impl& m = *impl_;
  if (m.admin) m.admin->Stop();
  m.monitoring.reset();  // before what it reads
  if (m.polling) m.polling->Stop();  // open long polls end (4008) before the bindings go
  if (m.mqtt) m.mqtt->Stop();
  if (m.coap) m.coap->Stop();
  if (m.http) m.http->Stop();
  {
    std::lock_guard g(m.tls_mu);
    for (auto& s : m.https) s->Stop();
    for (auto& s : m.websockets) s->Stop();
  }
  if (m.dispatcher) m.dispatcher->Stop();
  if (m.notifier) m.notifier->Stop();
  if (m.events) m.events->Stop();  // what is queued is still written
  m.StopAuditLog();
  if (m.store) m.store->Close();
  m.admin.reset();
  {
    // First: what their connections still owe (forwarded requests' answers) completes into the
    // other listeners' stopped, not yet destroyed, strands.
    std::lock_guard g(m.tls_mu);
    m.websockets.clear();
  }
  m.http.reset();
  m.upper_tester.reset();
  m.coap.reset();
  m.mqtt.reset();
  {
    std::lock_guard g(m.tls_mu);
    m.https.clear();
  }
  m.dispatcher.reset();
  m.notifier.reset();
  m.polling.reset();
  m.endpoints.reset();
  m.security = SecurityServices{};
  m.store.reset();
  m.lock.reset();
}

}  // namespace trustcse::server
