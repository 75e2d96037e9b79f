// Server: wires the layers of one trustcse process together — storage, security services
// (key store, credentials, CA), notifier, dispatcher (with its security chain and expiration
// reaper), bindings (plain HTTP when enabled, HTTPS listeners, CoAP/DTLS) — and owns their
// lifecycle.
// Start-up and shutdown only; not on the request path. Not thread-safe: one owner thread.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "common/status.h"
#include "server/config.h"

namespace trustcse::server {

class Server {
 public:
  explicit Server(Config config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Takes the instance lock, opens the store and the security services, bootstraps the
  // CSEBase, starts the listeners. Errors name what failed and where; 4000 means the
  // configuration is at fault (`trustcse serve` exits 2), any other code a run-time failure
  // such as a port in use or an unwritable directory (exit 1).
  Status Start();
  // The plain HTTP port actually bound (0 if plain HTTP is off).
  uint16_t http_port() const;
  // The HTTPS ports actually bound, in the order of the configured listeners.
  std::vector<uint16_t> tls_ports() const;
  // The CoAP ports bound: plain UDP (0 if off), and the DTLS listeners in configured order.
  uint16_t coap_port() const;
  std::vector<uint16_t> coaps_ports() const;
  // The WebSocket ports bound: (true for wss, port), the plain listener first.
  std::vector<std::pair<bool, uint16_t>> websocket_ports() const;
  // Applies a re-read configuration to the running server (SIGHUP) without dropping
  // connections: the TLS server certificate and key (re-read from their files, or from the
  // built-in CA) and each HTTPS listener's client authentication, for new handshakes; the log
  // level; the HTTP bounds (timeouts, body limit, requests per connection, connection caps) for
  // new connections. Credentials and the CRL need no reload: changes made through the admin
  // socket are live at once. Every other changed setting is logged at warn as needing a
  // restart and keeps its running value. An error (an invalid configuration, an unreadable
  // certificate, or `next` itself: the file could not be read) changes nothing. Either way the
  // reload is an operator action of `actor` in the audit log. Call after Start(), on the owner
  // thread.
  Status Reload(const Result<Config>& next, std::string_view actor);
  // Stops bindings first, then the reaper and notifier, then drains and closes the store.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trustcse::server
