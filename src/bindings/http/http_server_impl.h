// The HTTP server's shared internals (http_server.cc, http_session.h): the listener's state
// (HttpServer::Impl), connection slots, log throttles. Included only by the server's own files.
#pragma once

#include "bindings/http/http_server.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <openssl/ssl.h>

#include "bindings/http/http_framing.h"
#include "bindings/http/http_mapping.h"

namespace trustcse::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

// Not part of the API (http_server.h): the server's own files use these.
namespace server_detail {

// TLS without an asio ssl::context: each connection's SSL comes from the ServerContext's SSL_CTX
// (SSL_new). An ssl::context wrapping that SSL_CTX would, in its destructor, take the SSL_CTX's
// app data — where ServerContext keeps itself — for its own verify callback and delete it: the
// segfault on shutdown and on every failed start with a TLS listener. flat_stream coalesces
// the header and body buffers of a write into one TLS record, as beast::ssl_stream does.
using TlsStream = beast::flat_stream<ssl::stream<beast::tcp_stream>>;

using Millis = std::chrono::milliseconds;
constexpr auto kLogInterval = std::chrono::seconds(5);
constexpr Millis kFirstBackoff{50};
constexpr Millis kMaxBackoff{1000};
constexpr Millis kCapacityPoll{50};
constexpr auto kLinger = std::chrono::seconds(2);
constexpr size_t kReadChunk = 4096;

std::string_view Field(const bhttp::request<bhttp::string_body>& r, std::string_view name) {
  auto it = r.find(name);
  return it == r.end() ? std::string_view() : std::string_view(it->value());
}

// The header's fields as http_framing screens them.
std::vector<HeaderField> FieldsOf(const bhttp::fields& h) {
  std::vector<HeaderField> out;
  for (const auto& f : h) out.push_back({f.name_string(), f.value()});
  return out;
}

// At most one log line per kLogInterval for a condition that may recur thousands of times a
// second (a flood, descriptor exhaustion). Used on the acceptor's strand only.
class LogThrottle {
 public:
  // True when a line may be written now; `suffix` is then what to append to it: how many
  // occurrences were not logged since the last line ("" if none).
  bool Allow(std::string& suffix) {
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

// What a connection offers to the server's list of live authenticated connections.
class Closable {
 public:
  virtual ~Closable() = default;
  virtual void CloseFromAnyThread() = 0;
};

}  // namespace server_detail
using namespace server_detail;

struct HttpServer::Impl {
  explicit Impl(HttpServerOptions o)
      : options(std::move(o)), ioc(options.threads), acceptor(net::make_strand(ioc)),
        accept_timer(acceptor.get_executor()) {
    if (!options.limiter) options.limiter = std::make_shared<ConnectionLimiter>(10000, 256);
    settings = std::make_shared<const HttpServerOptions>(options);
  }
  // What a new connection is served with (Reconfigure replaces it).
  std::shared_ptr<const HttpServerOptions> Settings() {
    std::lock_guard lock(settings_mu);
    return settings;
  }

  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void AcceptAfter(Millis delay);
  void StartSession(tcp::socket socket, ConnectionSlot slot);
  void Track(const std::string& credential, std::weak_ptr<Closable> session) {
    std::lock_guard lock(live_mu);
    live.emplace(credential, std::move(session));
  }
  void Untrack(const std::string& credential, const Closable* session) {
    std::lock_guard lock(live_mu);
    auto [b, e] = live.equal_range(credential);
    for (auto it = b; it != e; ++it) {
      auto s = it->second.lock();
      if (!s || s.get() == session) {
        live.erase(it);
        return;
      }
    }
  }

  HttpServerOptions options;  // as started: address, port, threads, limiter, endpoints
  std::mutex settings_mu;
  std::shared_ptr<const HttpServerOptions> settings;  // guarded by settings_mu
  dispatcher::Dispatcher* dispatcher = nullptr;
  // Live authenticated connections by credential (declared before ioc: sessions destroyed with
  // the io_context still find it).
  std::mutex live_mu;
  std::unordered_multimap<std::string, std::weak_ptr<Closable>> live;  // guarded by live_mu
  // Declared after what sessions use (options, live): the io_context destroys the sessions
  // still queued in it.
  net::io_context ioc;
  tcp::acceptor acceptor;
  net::steady_timer accept_timer;  // back-off and capacity waits; on the acceptor's strand
  std::vector<std::thread> threads;
  uint16_t bound_port = 0;
  bool stopped = false;
  // On the acceptor's strand:
  Millis backoff{0};            // 0: the last accept succeeded
  uint64_t refused_source = 0;  // connections closed at once: beyond their source's cap
  LogThrottle accept_log, refused_log, capacity_log;
};

}  // namespace trustcse::http
