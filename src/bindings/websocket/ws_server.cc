// WebSocketServer: the listener's lifecycle and reloads; the connections are in ws_session.h,
// accepting is bindings/http/tcp_listener.h's.
#include "bindings/websocket/ws_server.h"

#include "bindings/websocket/ws_session.h"

namespace trustcse::websocket {

void WebSocketServer::Impl::StartSession(tcp::socket socket, http::ConnectionSlot slot) {
  auto current = Settings();
  if (!current->tls) {
    std::make_shared<Session<beast::tcp_stream>>(*this, std::move(current), std::move(slot),
                                                 std::move(socket))->Run();
    return;
  }
  SSL* ssl = SSL_new(current->tls->native());
  if (ssl == nullptr) {
    spdlog::error("wss: cannot create a TLS session (out of memory?)");
    return;
  }
  std::make_shared<Session<ssl::stream<beast::tcp_stream>>>(*this, std::move(current),
                                                            std::move(slot), std::move(socket),
                                                            ssl)->Run();
}

WebSocketServer::WebSocketServer(WebSocketServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

WebSocketServer::~WebSocketServer() { Stop(); }

Status WebSocketServer::Listen() { return impl_->listener.Listen(); }

void WebSocketServer::Serve(dispatcher::Dispatcher& dispatcher) {
  impl_->dispatcher = &dispatcher;
  impl_->listener.Start([this](tcp::socket socket, http::ConnectionSlot slot) {
    impl_->StartSession(std::move(socket), std::move(slot));
  });
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->threads.emplace_back([this] {
      pthread_setname_np(pthread_self(), impl_->options.tls ? "tc-wss" : "tc-ws");
      impl_->ioc.run();
    });
  }
}

uint16_t WebSocketServer::port() const { return impl_->listener.port(); }
bool WebSocketServer::tls() const { return impl_->options.tls != nullptr; }

void WebSocketServer::CloseSessionsOf(const std::string& credential_id) {
  impl_->live.CloseAll(credential_id, "wss");
}

std::shared_ptr<tls::ServerContext> WebSocketServer::tls_context() const {
  return impl_->Settings()->tls;
}
std::shared_ptr<http::ConnectionLimiter> WebSocketServer::limiter() const {
  return impl_->options.limiter;
}

void WebSocketServer::Reconfigure(const WebSocketServerOptions& next) {
  auto updated = std::make_shared<WebSocketServerOptions>(*impl_->Settings());
  updated->max_message_bytes = next.max_message_bytes;
  updated->handshake_timeout = next.handshake_timeout;
  updated->idle_timeout = next.idle_timeout;
  updated->request_timeout = next.request_timeout;
  updated->messages_per_second = next.messages_per_second;
  updated->message_burst = next.message_burst;
  updated->max_in_flight = next.max_in_flight;
  updated->max_outgoing = next.max_outgoing;
  if (updated->tls && next.tls) updated->tls = next.tls;
  std::lock_guard lock(impl_->settings_mu);
  impl_->settings = std::move(updated);
}

void WebSocketServer::Stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->listener.Close();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

}  // namespace trustcse::websocket
