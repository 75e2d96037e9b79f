#include "bindings/http/tcp_listener.h"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <vector>

namespace trustcse::http {

namespace {

using Millis = std::chrono::milliseconds;
constexpr auto kLogInterval = std::chrono::seconds(5);
constexpr Millis kFirstBackoff{50};
constexpr Millis kMaxBackoff{1000};
constexpr Millis kCapacityPoll{50};

}  // namespace

bool LogThrottle::Allow(std::string& suffix) {
  const auto now = std::chrono::steady_clock::now();
  if (logged_ && now - last_ < kLogInterval) {
    ++suppressed_;
    return false;
  }
  logged_ = true;
  last_ = now;
  const uint64_t n = std::exchange(suppressed_, 0);
  suffix = n == 0 ? "" : " (" + std::to_string(n) + " more not logged since the last report)";
  return true;
}

TcpListener::TcpListener(net::io_context& ioc, TcpListenerOptions options)
    : ioc_(ioc), options_(std::move(options)), acceptor_(net::make_strand(ioc)),
      timer_(acceptor_.get_executor()) {
  if (!options_.limiter) options_.limiter = std::make_shared<ConnectionLimiter>(10000, 256);
}

Status TcpListener::Listen() {
  boost::beast::error_code ec;
  auto addr = net::ip::make_address(options_.address, ec);
  if (ec) return Status::Internal("invalid listen address");
  tcp::endpoint ep(addr, options_.port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec == net::error::address_in_use) {
    return Status::Internal("port " + std::to_string(options_.port) + " on " + options_.address +
                            " is in use");
  }
  if (ec) {
    return Status::Internal("cannot listen on " + options_.address + ":" +
                            std::to_string(options_.port) + ": " + ec.message());
  }
  bound_port_ = acceptor_.local_endpoint().port();
  return Status::Ok();
}

void TcpListener::Start(Handler handler) {
  handler_ = std::move(handler);
  net::dispatch(acceptor_.get_executor(), [this] { Accept(); });
}

void TcpListener::Close() {
  net::post(acceptor_.get_executor(), [this] {
    boost::beast::error_code ec;
    acceptor_.close(ec);
    timer_.cancel();
  });
}

void TcpListener::Accept() {
  if (!acceptor_.is_open()) return;
  if (options_.limiter->AtCapacity()) {
    // Full: new connections wait in the listen backlog until one of ours closes.
    std::string more;
    if (capacity_log_.Allow(more)) {
      spdlog::warn("{}: port {}: at the connection cap ({} connections, {}.max_connections): "
                   "new connections wait{}", options_.name, bound_port_,
                   options_.limiter->max_total(), options_.settings, more);
    }
    return AcceptAfter(kCapacityPoll);
  }
  acceptor_.async_accept(net::make_strand(ioc_),
                         [this](boost::beast::error_code ec, tcp::socket socket) {
                           OnAccept(ec, std::move(socket));
                         });
}

void TcpListener::AcceptAfter(Millis delay) {
  timer_.expires_after(delay);
  timer_.async_wait([this](boost::beast::error_code ec) {
    if (!ec) Accept();
  });
}

void TcpListener::OnAccept(boost::beast::error_code ec, tcp::socket socket) {
  if (ec) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    // EMFILE, ENFILE, ENOBUFS, …: accepting again at once would fail again at once.
    backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(backoff_ * 2, kMaxBackoff);
    std::string more;
    if (accept_log_.Allow(more)) {
      spdlog::warn("{}: port {}: accept failed: {}; retrying in {} ms{}", options_.name,
                   bound_port_, ec.message(), backoff_.count(), more);
    }
    return AcceptAfter(backoff_);
  }
  backoff_ = Millis(0);
  boost::beast::error_code ep_ec;
  auto ep = socket.remote_endpoint(ep_ec);
  if (!ep_ec) {
    std::string source = ep.address().to_string();
    switch (options_.limiter->Admit(source)) {
      case ConnectionLimiter::Admission::kAdmitted:
        handler_(std::move(socket), ConnectionSlot(options_.limiter, std::move(source)));
        break;
      case ConnectionLimiter::Admission::kSourceAtCapacity: {
        ++refused_source_;
        std::string more;
        if (refused_log_.Allow(more)) {
          spdlog::warn("{}: port {}: refused a connection from {}: {} open from there already "
                       "({}.max_connections_per_source); {} refused so far{}",
                       options_.name, bound_port_, source, options_.limiter->max_per_source(),
                       options_.settings, refused_source_, more);
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

void LiveSessions::Track(const std::string& credential, std::weak_ptr<Closable> session) {
  std::lock_guard lock(mu_);
  live_.emplace(credential, std::move(session));
}

void LiveSessions::Untrack(const std::string& credential, const Closable* session) {
  std::lock_guard lock(mu_);
  auto [b, e] = live_.equal_range(credential);
  for (auto it = b; it != e; ++it) {
    auto s = it->second.lock();
    if (!s || s.get() == session) {
      live_.erase(it);
      return;
    }
  }
}

void LiveSessions::CloseAll(const std::string& credential, std::string_view what) {
  std::vector<std::shared_ptr<Closable>> sessions;
  {
    std::lock_guard lock(mu_);
    auto [b, e] = live_.equal_range(credential);
    for (auto it = b; it != e; ++it) {
      if (auto s = it->second.lock()) sessions.push_back(std::move(s));
    }
  }
  if (!sessions.empty()) {
    spdlog::info("{}: closing {} connection(s) of revoked credential {}", what, sessions.size(),
                 credential);
  }
  for (auto& s : sessions) s->CloseFromAnyThread();
}

std::shared_ptr<const ChannelIdentity> AdmitTlsPeer(boost::beast::error_code ec, ssl_st* ssl,
                                                    const tls::ServerContext& context,
                                                    events::EventStream* events,
                                                    const std::string& peer) {
  if (ec) {
    // Logged (at warn, with the peer, rate-limited) and counted by the event stream's sinks.
    std::string reason = ec == boost::beast::error::timeout
                             ? std::string("timeout (no handshake within the limit)")
                             : tls::ServerContext::FailureReason(ssl, ec.message());
    spdlog::debug("tls: handshake with {} failed: {}", peer, reason);
    events::Emit(events, events::Kind::kHandshakeFailure, "tls", "", "", "handshake", reason, 0,
                 peer);
    return nullptr;
  }
  auto id = std::make_shared<ChannelIdentity>(context.PeerIdentity(ssl));
  id->secure = true;
  if (!id->authenticated() && (context.client_auth() & tls::kAuthNone) == 0) {
    // A refused credential (an unknown PSK identity in TLS 1.3) ends as no credential at all.
    std::string why = tls::ServerContext::FailureReason(ssl, "");
    if (why.starts_with("protocol error")) why = "no client credential (the listener needs one)";
    events::Emit(events, events::Kind::kHandshakeFailure, "tls", "", "", "handshake", why, 0,
                 peer);
    return nullptr;
  }
  if (id->authenticated()) {
    events::Emit(events, events::Kind::kCredentialUsed, "tls", id->credential_id, "",
                 "handshake", ChannelMethodName(id->method), 0, peer);
  }
  return id;
}

}  // namespace trustcse::http
