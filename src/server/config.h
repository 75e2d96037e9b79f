// Configuration of one trustcse process: read from a TOML file (`trustcse serve --config …`),
// then overridden by command-line flags. Start-up only; may report errors, never throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "egress/destination_policy.h"

namespace trustcse::server {

struct Config {
  // [cse]
  std::string cse_id = "/id-in";
  std::string cse_name = "cse-in";
  std::string sp_id = "//trustcse.local";
  int cse_type = 1;  // 1 IN, 2 MN, 3 ASN
  std::string admin_originator = "CAdmin";
  // [http] — plain HTTP, without channel security: off unless enabled (`serve --dev`)
  bool http_enabled = false;
  std::string http_address = "127.0.0.1";
  int http_port = 8080;
  int http_threads = 2;  // I/O threads of every listener, plain and TLS
  size_t http_body_limit = 1 << 20;
  // Bounds of every HTTP listener, plain and TLS (bindings/http/http_server.h). The total cap is
  // clamped below the descriptor limit at start-up. Per source: the benchmarks and tests open up
  // to 64 connections from 127.0.0.1; behind a carrier NAT many devices share an address.
  int http_max_connections = 10000;
  int http_max_connections_per_source = 256;
  int http_handshake_timeout_ms = 5000;     // TLS handshake
  int http_header_timeout_ms = 10000;       // a request's header block
  int http_body_timeout_ms = 30000;         // a request's body, after its header
  int http_idle_timeout_ms = 60000;         // keep-alive: between a response and the next request
  int http_max_requests_per_connection = 10000;  // then Connection: close
  // [tls] — HTTPS listeners (SEC-1)
  struct TlsListener {
    std::string address = "127.0.0.1";
    int port = 8443;
    std::vector<std::string> client_auth = {"certificate", "psk", "pinned-key"};
  };
  bool tls_enabled = false;
  std::vector<TlsListener> tls_listeners;  // enabled and empty: one default listener
  std::string tls_cert_file;  // server certificate chain (PEM); "" = issued by the built-in CA
  std::string tls_key_file;   // its private key (PEM, mode 0600); "" = sealed in the key store
  std::vector<std::string> tls_server_names = {"localhost", "127.0.0.1"};
  // [coap] — the CoAP binding: DTLS listeners ([[coap.listener]]; each serves psk, or
  // certificate and/or pinned-key — libcoap 4.3 cannot mix them); plain CoAP on coap_port only
  // when `plain` (or --dev). Port 0 = any free port.
  struct CoapListener {
    int port = 5684;
    std::vector<std::string> client_auth = {"psk"};
  };
  bool coap_enabled = false;
  std::string coap_address = "127.0.0.1";
  bool coap_plain = false;
  int coap_port = 5683;
  std::vector<CoapListener> coap_listeners = {{5684, {"psk"}},
                                              {5685, {"certificate", "pinned-key"}}};
  // Block1 bodies still arriving (a whole body is bounded by http.body_limit: 4.13): the bytes
  // held for all peers and for one address (5.03 beyond), and how long one is kept after its
  // last block; libcoap's own log lines per second (the rest are counted).
  size_t coap_block1_total_bytes = 8 << 20;
  size_t coap_block1_peer_bytes = 2 << 20;
  int coap_block1_expiry_ms = 30000;
  int coap_log_lines_per_second = 5;
  // [mqtt] — the MQTT binding: trustcse as a client of a broker (docs/mqtt.md)
  bool mqtt_enabled = false;
  std::string mqtt_host = "127.0.0.1";
  int mqtt_port = 1883;
  std::string mqtt_username;       // this CSE's broker account
  std::string mqtt_password_file;  // its password (the environment's TRUSTCSE_MQTT_PASSWORD wins)
  std::string mqtt_ca_file;        // TLS to the broker ("" = plain MQTT)
  std::string mqtt_cert_file;
  std::string mqtt_key_file;
  std::string mqtt_prefix;
  bool mqtt_broker_authenticates = true;  // the broker's ACL vouches for request originators
  // [websocket] — the WebSocket binding (TS-0020, docs/websocket.md): wss:// listeners
  // ([[websocket.listener]], client authentication as [[tls.listener]]: the same TLS contexts and
  // identity binding as HTTPS); plain ws:// on `port` only when `plain` (or serve --dev).
  struct WebSocketListener {
    std::string address = "127.0.0.1";
    int port = 8543;
    std::vector<std::string> client_auth = {"certificate", "psk", "pinned-key"};
  };
  bool ws_enabled = false;
  std::string ws_address = "127.0.0.1";  // of the plain listener
  bool ws_plain = false;
  int ws_port = 8180;
  std::vector<WebSocketListener> ws_listeners = {WebSocketListener{}};
  int ws_threads = 1;  // I/O threads of each listener
  // Bounds of every WebSocket listener (bindings/websocket/ws_server.h); the connection caps
  // count the ws and wss listeners together, apart from HTTP's.
  int64_t ws_max_message_bytes = 1 << 20;
  int ws_max_connections = 1000;
  int ws_max_connections_per_source = 64;
  int ws_handshake_timeout_ms = 5000;  // TLS handshake and upgrade request
  int ws_idle_timeout_ms = 120000;     // nothing received (a pong counts): closed
  int ws_messages_per_second = 100;    // per connection, on average …
  int ws_message_burst = 200;          // … and at once
  int ws_max_in_flight = 16;           // the client's requests processed at once
  int ws_max_outgoing = 64;            // this CSE's requests awaiting the client's answer
  // [admin] — the operator's API on a Unix socket (mode 0600); "" = admin.sock beside the database
  std::string admin_socket;
  // [enrolment] (SEC-3)
  int enrolment_rotation_grace_s = 300;  // a rotated credential stays valid this long
  int enrolment_lifetime_days = 365;     // validity of enrolled credentials
  // [security]
  // TRUSTCSE_MASTER_KEY wins over the file; "" = master.key beside the database.
  std::string master_key_file;
  bool create_master_key = true;  // the first start writes a fresh random key (mode 0600)
  // Which AE-IDs a credential bound to nothing may register: "bound" (only one the CSE assigns,
  // "C"/"S", which is then bound to it) or "any-free" (also any AE-ID no credential holds or
  // reserves). "" = "bound", or "any-free" under `serve --dev`.
  std::string ae_id_registration;
  // [trust] (TC-3): an AE registering with an App-ID the trust centre does not know is
  // "allow"ed unclassified, or "refuse"d (4126); its later requests likewise (4128).
  std::string trust_unregistered_apps = "allow";
  // [storage]
  std::string db_path = "./var/trustcse.db";
  bool storage_fsync = true;  // false trades durability for speed: benchmarks only
  // Parsed resources kept in memory for the request path (about 1.5 KiB each); past it, a
  // request reads and parses from the database. Size it to the resources in daily use (AEs,
  // containers, ACPs, subscriptions).
  int64_t cache_entries = 100000;
  // [notification]
  int notification_timeout_ms = 3000;
  int notification_attempts = 5;
  // Networks (CIDR) requests to clients' targets may go to (notifications, verifications,
  // forwarding, consultations): allow wins, then deny; a non-empty allow list is exhaustive.
  // The deny default is egress::DestinationPolicy::DefaultDeny() (link-local, metadata,
  // multicast, unspecified); setting it replaces that list.
  std::vector<std::string> notification_allow_networks;
  std::vector<std::string> notification_deny_networks =
      egress::DestinationPolicy::DefaultDeny();
  // [egress] — TLS of the requests this CSE sends to https:// targets (egress/http/http_client.h)
  // Trust anchors for the targets' certificates (PEM files of CA certificates). Unset: the
  // system's trust store plus the built-in CA's certificate, if the CSE runs one.
  std::optional<std::vector<std::string>> egress_ca_files;
  // The client certificate chain and key (PEM) presented when a target asks (mutual TLS).
  // "" = tls.cert_file / tls.key_file if those are set, else none.
  std::string egress_cert_file;
  std::string egress_key_file;
  // coaps:// targets (egress/coap/coap_client.h): with an identity and a key file (the key in
  // hex, chmod 600) every DTLS session uses that pre-shared key; otherwise certificates, with
  // the trust anchors and client certificate above.
  std::string egress_coap_psk_identity;
  std::string egress_coap_psk_key_file;
  // [polling] — requests for request-unreachable AEs, fetched through their <pollingChannel>
  int polling_long_poll_ms = 30000;       // a poll without rqet waits this long for a request
  int polling_request_timeout_ms = 30000; // a queued request waits this long to be answered
  int polling_max_queued = 1000;          // requests queued per AE
  // [http] upper_tester: POST /__ut__ on the plain HTTP listener (server/upper_tester.h) — for
  // conformance test systems only; it can delete every resource.
  bool upper_tester = false;
  // [limits] — what one request or one originator may cost (issue 11)
  int max_results = 1000;                 // results of one discovery / listing (then partial)
  int64_t max_answer_bytes = 2 << 20;     // the same in bytes of the listed representations
  int max_requests_per_originator = 100;  // <request>s (non-blocking) kept per originator
  int64_t max_resources_per_ae = 1000000;        // resources below one AE (0 = no limit)
  int64_t max_bytes_per_ae = int64_t{1} << 30;   // bytes of their representations
  int64_t max_subscriptions_per_ae = 10000;      // subscriptions below one AE
  // [expiration]
  int reaper_interval_ms = 1000;
  // [authz]
  std::string token_key_file;  // key for access tokens; "" = tokens are not accepted
  bool das_role = false;       // answer dynamic authorization consultations (built-in DAS)
  // Who may consult that role (CSE-IDs or AE-IDs, authenticated like any originator); this
  // CSE consults its own role in process and needs no entry.
  std::vector<std::string> das_consultants;
  // [log]
  std::string log_level = "info";
  bool log_access = false;           // one line per answered request (logger "access")
  std::string log_format = "text";   // "text" or "json" (one JSON object per line)
  // [monitoring] — GET /healthz /readyz /metrics on a plain-HTTP TCP listener of its own
  // (server/monitoring.h); 0 = off (they are always on the admin socket).
  std::string monitoring_address = "127.0.0.1";
  int monitoring_port = 0;
};

// Where the configuration is when `--config` is not given: the file named by the environment
// variable TRUSTCSE_CONFIG, else the system configuration (dist/trustcse.toml installs there).
inline constexpr const char* kConfigEnvVar = "TRUSTCSE_CONFIG";
inline constexpr const char* kSystemConfigFile = "/etc/trustcse/trustcse.toml";

// Reads `path` into `config` (keys absent from the file keep their current values). Unknown
// sections or keys are errors, so typos do not silently fall back to defaults. Relative paths
// are relative to the file's directory, not to the current directory: every path key the file
// sets, and the default storage.db (./var/trustcse.db) when the file sets none, so that one file
// always means one instance wherever the command runs. Errors (4000) name the file and, for a
// TOML syntax error, the line: a missing or unreadable file, a directory, malformed TOML, an
// unknown key, a value of the wrong type.
Status LoadConfigFile(const std::string& path, Config& config);
// Checks values (CSE-ID form, ports, names, log level); 4000 naming the key.
Status ValidateConfig(const Config& config);
// Adds `offset` to every port this server listens on (HTTP, TLS, CoAP and WebSocket listeners,
// the monitoring listener) that is not 0 ("any free port"); the broker's port is not ours and stays.
// 4000 naming the setting if a port would pass 65535. For several instances on one host
// (serve --port-offset).
Status OffsetPorts(Config& config, int offset);
// The log levels [log] level and --log-level accept (spdlog's names).
bool IsLogLevel(std::string_view level);
// The master key's file (configured, or master.key beside the database).
std::string MasterKeyPath(const Config& config);
// Whether the configured master key can be used, without creating anything: TRUSTCSE_MASTER_KEY
// if set, else the key file, must hold a 256-bit key (and the file be mode 0600); a missing file
// is fine only with create_master_key (it is created at start); "<key file>.new" must not exist
// (an unfinished `trustcse key rotate`). 4000 naming the variable or
// the file otherwise — a configuration error, reported before anything is opened.
Status CheckMasterKey(const Config& config);
// A path beside the database file ("<db dir>/<name>"), for files an instance keeps with its data.
std::string BesideDatabase(const Config& config, const std::string& name);
// The admin socket's path (configured, or admin.sock beside the database).
std::string AdminSocketPath(const Config& config);

}  // namespace trustcse::server
