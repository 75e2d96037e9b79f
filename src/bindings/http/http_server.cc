// HttpServer: the listener's lifecycle and reloads; accepting (caps per source and in total,
// back-off) is tcp_listener.h's, the connections themselves are in http_session.h.
#include "bindings/http/http_server.h"

#include "bindings/http/http_session.h"

namespace trustcse::http {

void HttpServer::Impl::StartSession(tcp::socket socket, ConnectionSlot slot) {
  auto current = Settings();
  if (!current->tls) {
    std::make_shared<Session<beast::tcp_stream>>(*this, std::move(current), std::move(slot),
                                                 std::move(socket))->Run();
    return;
  }
  SSL* ssl = SSL_new(current->tls->native());
  if (ssl == nullptr) {
    spdlog::error("tls: cannot create a TLS session (out of memory?)");
    return;
  }
  std::make_shared<Session<TlsStream>>(*this, std::move(current), std::move(slot),
                                       std::move(socket), ssl)->Run();
}

HttpServer::HttpServer(HttpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Listen() { return impl_->listener.Listen(); }

void HttpServer::Serve(dispatcher::Dispatcher& dispatcher) {
  impl_->dispatcher = &dispatcher;
  impl_->listener.Start([this](tcp::socket socket, ConnectionSlot slot) {
    impl_->StartSession(std::move(socket), std::move(slot));
  });
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->threads.emplace_back([this] {
      pthread_setname_np(pthread_self(), impl_->options.tls ? "tc-https" : "tc-http");
      impl_->ioc.run();
    });
  }
}

uint16_t HttpServer::port() const { return impl_->listener.port(); }
bool HttpServer::tls() const { return impl_->options.tls != nullptr; }

void HttpServer::CloseSessionsOf(const std::string& credential_id) {
  impl_->live.CloseAll(credential_id, "tls");
}

std::shared_ptr<tls::ServerContext> HttpServer::tls_context() const {
  return impl_->Settings()->tls;
}
std::shared_ptr<ConnectionLimiter> HttpServer::limiter() const { return impl_->options.limiter; }

void HttpServer::Reconfigure(const HttpServerOptions& next) {
  auto updated = std::make_shared<HttpServerOptions>(*impl_->Settings());
  updated->body_limit = next.body_limit;
  updated->handshake_timeout = next.handshake_timeout;
  updated->header_timeout = next.header_timeout;
  updated->body_timeout = next.body_timeout;
  updated->idle_timeout = next.idle_timeout;
  updated->max_requests_per_connection = next.max_requests_per_connection;
  if (updated->tls && next.tls) updated->tls = next.tls;
  std::lock_guard lock(impl_->settings_mu);
  impl_->settings = std::move(updated);
}

void HttpServer::Stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->listener.Close();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

}  // namespace trustcse::http
