// HttpServer: accepting (caps per source and in total, back-off), the listener's lifecycle and
// reloads; the connections themselves are in http_session.h.
#include "bindings/http/http_server.h"

#include "bindings/http/http_session.h"

namespace trustcse::http {

void HttpServer::Impl::Accept() {
  if (!acceptor.is_open()) return;
  if (options.limiter->AtCapacity()) {
    // Full: new connections wait in the listen backlog until one of ours closes.
    std::string more;
    if (capacity_log.Allow(more)) {
      spdlog::warn("http: port {}: at the connection cap ({} connections, http.max_connections): "
                   "new connections wait{}", bound_port, options.limiter->max_total(), more);
    }
    return AcceptAfter(kCapacityPoll);
  }
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void HttpServer::Impl::AcceptAfter(Millis delay) {
  accept_timer.expires_after(delay);
  accept_timer.async_wait([this](beast::error_code ec) {
    if (!ec) Accept();
  });
}

void HttpServer::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (ec) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    // EMFILE, ENFILE, ENOBUFS, …: accepting again at once would fail again at once.
    backoff = backoff.count() == 0 ? kFirstBackoff : std::min(backoff * 2, kMaxBackoff);
    std::string more;
    if (accept_log.Allow(more)) {
      spdlog::warn("http: port {}: accept failed: {}; retrying in {} ms{}", bound_port,
                   ec.message(), backoff.count(), more);
    }
    return AcceptAfter(backoff);
  }
  backoff = Millis(0);
  beast::error_code ep_ec;
  auto ep = socket.remote_endpoint(ep_ec);
  if (!ep_ec) {
    std::string source = ep.address().to_string();
    switch (options.limiter->Admit(source)) {
      case ConnectionLimiter::Admission::kAdmitted:
        StartSession(std::move(socket), ConnectionSlot(options.limiter, std::move(source)));
        break;
      case ConnectionLimiter::Admission::kSourceAtCapacity: {
        ++refused_source;
        std::string more;
        if (refused_log.Allow(more)) {
          spdlog::warn("http: port {}: refused a connection from {}: {} open from there already "
                       "(http.max_connections_per_source); {} refused so far{}",
                       bound_port, source, options.limiter->max_per_source(), refused_source, more);
        }
        break;
      }
      case ConnectionLimiter::Admission::kAtCapacity:
        break;  // another listener took the last place since Accept() looked: close this one
    }
  }
  // A socket not handed to a session closes here.
  Accept();
}

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

Status HttpServer::Listen() {
  beast::error_code ec;
  auto addr = net::ip::make_address(impl_->options.address, ec);
  if (ec) return Status::Internal("invalid listen address");
  tcp::endpoint ep(addr, impl_->options.port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec == net::error::address_in_use) {
    return Status::Internal("port " + std::to_string(impl_->options.port) + " on " +
                            impl_->options.address + " is in use");
  }
  if (ec) return Status::Internal("cannot listen on " + impl_->options.address + ":" +
                                  std::to_string(impl_->options.port) + ": " + ec.message());
  impl_->bound_port = impl_->acceptor.local_endpoint().port();
  return Status::Ok();
}

void HttpServer::Serve(dispatcher::Dispatcher& dispatcher) {
  impl_->dispatcher = &dispatcher;
  net::dispatch(impl_->acceptor.get_executor(), [this] { impl_->Accept(); });
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->threads.emplace_back([this] {
      pthread_setname_np(pthread_self(), impl_->options.tls ? "tc-https" : "tc-http");
      impl_->ioc.run();
    });
  }
}

uint16_t HttpServer::port() const { return impl_->bound_port; }
bool HttpServer::tls() const { return impl_->options.tls != nullptr; }

void HttpServer::CloseSessionsOf(const std::string& credential_id) {
  std::vector<std::shared_ptr<Closable>> sessions;
  {
    std::lock_guard lock(impl_->live_mu);
    auto [b, e] = impl_->live.equal_range(credential_id);
    for (auto it = b; it != e; ++it) {
      if (auto s = it->second.lock()) sessions.push_back(std::move(s));
    }
  }
  if (!sessions.empty()) {
    spdlog::info("tls: closing {} connection(s) of revoked credential {}", sessions.size(),
                 credential_id);
  }
  for (auto& s : sessions) s->CloseFromAnyThread();
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
  net::post(impl_->acceptor.get_executor(), [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    impl_->accept_timer.cancel();
  });
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

}  // namespace trustcse::http
