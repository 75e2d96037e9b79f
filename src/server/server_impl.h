// Server::Impl: what one trustcse process owns, for the files of server/ that wire parts of it
// (server.cc: start-up and shutdown; reload.cc: SIGHUP). Internal to server/; not included
// elsewhere.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "admin/admin_server.h"
#include "bindings/coap/coap_server.h"
#include "bindings/http/http_server.h"
#include "bindings/mqtt/mqtt_binding.h"
#include "bindings/websocket/ws_server.h"
#include "dispatcher/dispatcher.h"
#include "events/event_stream.h"
#include "notification/entity_connections.h"
#include "notification/notifier.h"
#include "notification/polling_channels.h"
#include "security/audit/audit_sink.h"
#include "security/audit/checkpointer.h"
#include "security/well_known_endpoints.h"
#include "server/config.h"
#include "server/monitoring.h"
#include "server/security_services.h"
#include "server/server.h"
#include "server/upper_tester.h"
#include "storage/store.h"

namespace trustcse::server {

struct Server::Impl {
  Config config;
  // Security, audit and analytics events; today's log lines are its first sink.
  std::shared_ptr<events::EventStream> events;
  std::unique_ptr<InstanceLock> lock;
  std::unique_ptr<storage::Store> store;
  // The audit log's writer (used on the store's writer only) and its sink of the event stream
  // (audit_wiring.cc); the dispatcher appends registrations and ACP changes with their writes.
  std::shared_ptr<security::audit::AuditLogWriter> audit_log;
  std::shared_ptr<security::audit::AuditSink> audit;
  SecurityServices security;
  // Signs the audit log's checkpoints every second (needs `security.keys`).
  std::unique_ptr<security::audit::AuditCheckpointer> audit_checkpoints;
  std::unique_ptr<security::WellKnownEndpoints> endpoints;
  std::unique_ptr<notification::Notifier> notifier;
  std::shared_ptr<notification::PollingChannels> polling;
  std::unique_ptr<UpperTester> upper_tester;
  std::unique_ptr<dispatcher::Dispatcher> dispatcher;
  std::unique_ptr<http::HttpServer> http;
  std::unique_ptr<admin::AdminServer> admin;
  // HTTPS listeners; the revocation listener reaches them under the mutex.
  std::mutex tls_mu;
  std::vector<std::unique_ptr<http::HttpServer>> https;  // guarded by tls_mu after Start
  // WebSocket listeners: the plain one (if any) first, then the wss ones in configured order;
  // the revocation listener and reloads reach them under tls_mu.
  std::vector<std::unique_ptr<websocket::WebSocketServer>> websockets;  // guarded by tls_mu
  // Entities connected over WebSocket, for the notifier (null when WebSocket is off).
  std::shared_ptr<notification::EntityConnections> connections;
  std::unique_ptr<coap::CoapServer> coap;
  std::unique_ptr<mqtt::MqttBinding> mqtt;
  // /healthz /readyz /metrics and `trustcse status` (server/monitoring.h); reads the members above.
  std::unique_ptr<Monitoring> monitoring;
  // websocket_wiring.cc: binds the [websocket] listeners (plain first, then wss with the HTTPS
  // listeners' TLS contexts) and adds their ws:// and wss:// points of access to `poa`.
  // `creds`: the server certificate (null only when no wss listener is configured).
  Status ListenWebSocket(const security::ServerCertificate* creds, std::vector<std::string>& poa);
  // The server certificate loaded at start-up: the DTLS listeners present it until a restart.
  std::string server_chain_pem;
  // audit_wiring.cc: subscribes the audit log's sink to the security events (needs `store`);
  // then, once the key store is open, loads or creates the log key and starts the checkpoints.
  void StartAuditLog();
  Status StartAuditCheckpoints();
  // The admin API's read-only view of the log and its on-demand checkpoints.
  void ServeAuditLog(admin::Operations& operations);
  // After the event stream stopped, before the store closes: waits for the last entries, signs
  // a last checkpoint over them (a clean stop leaves every entry provable), ends the checkpoints.
  void StopAuditLog();
  // reload.cc: applies what a running server can take over from `next` (Server::Reload).
  Status Reload(const Config& next);
};

// Shared by start-up (server.cc) and reload (reload.cc): the server certificate and key (the
// configured files, or the built-in CA's); the [http] bounds every listener gets.
Result<security::ServerCertificate> ServerCredentials(const Config& c,
                                                      security::CertificateAuthority& ca);
// The total connection cap for the descriptor limit `nofile` (logs when it lowers the setting).
size_t ConnectionCap(const Config& c, uint64_t nofile);
void ApplyHttpBounds(const Config& c, std::shared_ptr<http::ConnectionLimiter> limiter,
                     http::HttpServerOptions& ho);
// The bounds of [websocket], the same for every WebSocket listener.
void ApplyWebSocketBounds(const Config& c, websocket::WebSocketServerOptions& wo);
// The TLS context of an HTTPS listener: the server's certificate and key, the listener's client
// authentication (names as in [[tls.listener]] client_auth; 4000 for an unknown one).
Result<std::shared_ptr<tls::ServerContext>> MakeHttpsContext(
    const std::vector<std::string>& client_auth, const security::ServerCertificate& creds,
    const SecurityServices& security);

}  // namespace trustcse::server
