// Server::Impl::ListenWebSocket (server_impl.h): the [websocket] listeners.
#include <spdlog/spdlog.h>

#include "server/server_impl.h"
#include "server/startup_checks.h"

namespace trustcse::server {

Status Server::Impl::ListenWebSocket(const security::ServerCertificate* creds,
                                     std::vector<std::string>& poa) {
  const Config& c = config;
  // One cap for the ws and wss listeners together, apart from HTTP's.
  auto limiter = std::make_shared<http::ConnectionLimiter>(
      static_cast<size_t>(c.ws_max_connections),
      static_cast<size_t>(c.ws_max_connections_per_source));
  auto make = [&](std::string address, int port) {
    websocket::WebSocketServerOptions wo;
    ApplyWebSocketBounds(c, wo);
    wo.events = events;
    wo.address = std::move(address);
    wo.port = static_cast<uint16_t>(port);
    wo.limiter = limiter;
    wo.connections = connections;
    return wo;
  };
  std::vector<std::unique_ptr<websocket::WebSocketServer>> made;
  if (c.ws_plain) {
    auto server = std::make_unique<websocket::WebSocketServer>(make(c.ws_address, c.ws_port));
    if (auto s = server->Listen(); !s.ok()) {
      return ListenFailed(s, "WebSocket", "[websocket] port (--ws-port)");
    }
    spdlog::warn("trustcse: plain WebSocket (ws://) is enabled on {}:{} — no channel security; "
                 "for development only", c.ws_address, server->port());
    poa.push_back("ws://" + c.ws_address + ":" + std::to_string(server->port()));
    made.push_back(std::move(server));
  }
  for (const auto& l : c.ws_listeners) {
    if (creds == nullptr) return Status::Internal("wss listener without a server certificate");
    // The same TLS context as an HTTPS listener with this client authentication: the same
    // credentials, CRL and identity binding.
    auto ctx = MakeHttpsContext(l.client_auth, *creds, security);
    if (!ctx) return ctx.error();
    auto wo = make(l.address, l.port);
    wo.tls = std::move(*ctx);
    auto server = std::make_unique<websocket::WebSocketServer>(std::move(wo));
    if (auto s = server->Listen(); !s.ok()) {
      return ListenFailed(s, "WebSocket over TLS", "[[websocket.listener]] port (--wss-port)");
    }
    poa.push_back("wss://" + l.address + ":" + std::to_string(server->port()));
    made.push_back(std::move(server));
  }
  std::lock_guard g(tls_mu);
  for (auto& s : made) websockets.push_back(std::move(s));
  return Status::Ok();
}

}  // namespace trustcse::server
