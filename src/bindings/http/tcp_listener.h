// The parts of a TCP listener that every stream binding on Asio shares (HTTP, HTTPS, WebSocket):
// accepting under a ConnectionLimiter with back-off, the connection's place in the limiter, the
// live authenticated connections a revocation closes, and the admission of a TLS peer after its
// handshake. Included by the bindings' server files only (Asio and Beast in the header).
//
// TcpListener — accepting (bindings/http/http_server.h states the contract, the same for every
// listener): at the limiter's total cap it stops accepting until a connection closes (new ones
// wait in the kernel's backlog); beyond the cap per source address a connection is accepted and
// closed at once; a failing accept (EMFILE, …) is retried after a back-off of 50 ms doubling to
// 1 s; refusals and errors are logged at most once per 5 s with a count of those not logged.
// Each accepted socket gets a strand of its own. Thread-safety: Listen/Start/Close from the
// owner thread; the accept loop runs on the acceptor's strand.
//
// LiveSessions — connections by the credential their channel authenticated; CloseAll(credential)
// closes them (revocation). Thread-safe.
//
// AdmitTlsPeer — what a finished TLS handshake lets in: the ChannelIdentity to attach to every
// request of the connection (secure, perhaps without a credential when the listener admits
// "none"), or null when the connection must close — the handshake failed, or the listener needs a
// credential and got none. Failures are published as handshake-failure events; an authenticated
// credential as credential-used. Never throws.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/error.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "bindings/http/connection_limiter.h"
#include "common/status.h"
#include "events/event_stream.h"
#include "primitive/request.h"
#include "tls/server_context.h"

namespace trustcse::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// At most one log line per interval for a condition that may recur thousands of times a second
// (a flood, descriptor exhaustion). Not thread-safe: one strand uses it.
class LogThrottle {
 public:
  // True when a line may be written now; `suffix` is then what to append to it: how many
  // occurrences were not logged since the last line ("" if none).
  bool Allow(std::string& suffix);

 private:
  bool logged_ = false;
  std::chrono::steady_clock::time_point last_;
  uint64_t suppressed_ = 0;
};

// One admitted connection's place in the ConnectionLimiter, given back when it closes.
class ConnectionSlot {
 public:
  ConnectionSlot(std::shared_ptr<ConnectionLimiter> limiter, std::string source)
      : limiter_(std::move(limiter)), source_(std::move(source)) {}
  ~ConnectionSlot() {
    if (limiter_) limiter_->Release(source_);
  }
  ConnectionSlot(ConnectionSlot&&) noexcept = default;  // the moved-from one releases nothing
  const std::string& source() const { return source_; }

 private:
  std::shared_ptr<ConnectionLimiter> limiter_;
  std::string source_;
};

struct TcpListenerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port
  std::shared_ptr<ConnectionLimiter> limiter;
  // Log lines name the listener ("http", "websocket") and the settings that move its caps
  // ("http" → http.max_connections).
  std::string name = "http";
  std::string settings = "http";
};

class TcpListener {
 public:
  using Handler = std::function<void(tcp::socket, ConnectionSlot)>;
  TcpListener(net::io_context& ioc, TcpListenerOptions options);
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  // Binds and listens. 5000 naming the port if it is in use or cannot be bound.
  Status Listen();
  // Starts accepting; `handler` gets each admitted socket (on its own strand) and its slot.
  void Start(Handler handler);
  // Stops accepting (posted to the acceptor's strand). Idempotent.
  void Close();
  uint16_t port() const { return bound_port_; }
  const std::shared_ptr<ConnectionLimiter>& limiter() const { return options_.limiter; }

 private:
  void Accept();
  void OnAccept(boost::beast::error_code ec, tcp::socket socket);
  void AcceptAfter(std::chrono::milliseconds delay);

  net::io_context& ioc_;
  TcpListenerOptions options_;
  tcp::acceptor acceptor_;
  net::steady_timer timer_;  // back-off and capacity waits; on the acceptor's strand
  Handler handler_;
  uint16_t bound_port_ = 0;
  // On the acceptor's strand:
  std::chrono::milliseconds backoff_{0};  // 0: the last accept succeeded
  uint64_t refused_source_ = 0;           // connections closed at once: beyond their source's cap
  LogThrottle accept_log_, refused_log_, capacity_log_;
};

// What a connection offers to the list of live authenticated connections.
class Closable {
 public:
  virtual ~Closable() = default;
  virtual void CloseFromAnyThread() = 0;
};

class LiveSessions {
 public:
  void Track(const std::string& credential, std::weak_ptr<Closable> session);
  void Untrack(const std::string& credential, const Closable* session);
  // Closes every live connection of `credential`; `what` names them in the log ("tls", "wss").
  void CloseAll(const std::string& credential, std::string_view what);

 private:
  std::mutex mu_;
  std::unordered_multimap<std::string, std::weak_ptr<Closable>> live_;  // guarded by mu_
};

std::shared_ptr<const ChannelIdentity> AdmitTlsPeer(boost::beast::error_code ec, ssl_st* ssl,
                                                    const tls::ServerContext& context,
                                                    events::EventStream* events,
                                                    const std::string& peer);

}  // namespace trustcse::http
