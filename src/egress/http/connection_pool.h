// Connections of the HTTP client and the two bounds on them: idle keep-alive connections kept
// for reuse (IdlePool) and exchanges in progress per target (HostSlots). Both are keyed by
// HttpTarget::key (scheme://host:port), so an http and an https target on one host never share
// a connection.
//
// Ownership: the pool owns the idle connections; an exchange owns the connection it uses and
// hands it back (Put) or closes it. HostSlots holds the exchanges waiting for a slot until it
// starts them. Thread-safety: none — both live on the client's I/O thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace trustcse::egress {

class Exchange;

// One connection: plain TCP or TLS over TCP.
class Connection {
 public:
  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  explicit Connection(boost::asio::io_context& ioc);                             // plain
  Connection(boost::asio::io_context& ioc, boost::asio::ssl::context& tls);       // TLS

  bool tls() const { return tls_ != nullptr; }
  TlsStream& tls_stream() { return *tls_; }
  boost::beast::tcp_stream& tcp() { return tls_ ? tls_->next_layer() : *plain_; }
  // Calls `f` with the stream HTTP is read from and written to.
  template <class F>
  void Visit(F&& f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(*plain_);
    }
  }
  // Closes the socket at once (no TLS close_notify: the peer sees the TCP close).
  void Close();

 private:
  std::optional<boost::beast::tcp_stream> plain_;
  std::unique_ptr<TlsStream> tls_;
};

class IdlePool {
 public:
  IdlePool(size_t max_per_host, size_t max_total, std::chrono::milliseconds idle_timeout)
      : max_per_host_(max_per_host), max_total_(max_total), idle_timeout_(idle_timeout) {}
  // The most recently used connection to `key` that has not been idle too long, if any.
  std::unique_ptr<Connection> Take(const std::string& key);
  // Keeps `c` for the next exchange with `key`, or closes it when the pool is full.
  void Put(const std::string& key, std::unique_ptr<Connection> c);
  // Closes the connections idle for idle_timeout or more.
  void Expire();
  void Clear();
  size_t size() const { return count_; }

 private:
  using SteadyClock = std::chrono::steady_clock;
  struct Idle {
    std::unique_ptr<Connection> connection;
    SteadyClock::time_point since;
  };
  size_t max_per_host_;
  size_t max_total_;
  std::chrono::milliseconds idle_timeout_;
  std::unordered_map<std::string, std::deque<Idle>> idle_;
  size_t count_ = 0;
};

// At most `max_per_host` exchanges at a time per key: the others wait, in order, so a burst for
// one target reuses a few kept-alive connections instead of opening one per request.
class HostSlots {
 public:
  explicit HostSlots(int max_per_host) : max_per_host_(max_per_host) {}
  // True if an exchange with `key` may start now (its slot is taken); false if it must wait.
  bool Acquire(const std::string& key, std::shared_ptr<Exchange> waiting);
  // Frees a slot of `key`; the next waiting exchange, if any, takes it and is returned.
  std::shared_ptr<Exchange> Release(const std::string& key);
  // Every waiting exchange (for Stop); nothing is tracked or started afterwards.
  std::vector<std::shared_ptr<Exchange>> TakeAllWaiting();
  bool closed() const { return closed_; }

 private:
  struct Host {
    int in_flight = 0;
    std::deque<std::shared_ptr<Exchange>> waiting;
  };
  int max_per_host_;
  std::unordered_map<std::string, Host> hosts_;
  bool closed_ = false;
};

}  // namespace trustcse::egress
