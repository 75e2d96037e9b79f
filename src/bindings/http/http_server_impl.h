// The HTTP server's shared internals (http_server.cc, http_session.h): the listener's state
// (HttpServer::Impl) and the helpers of its sessions. Included only by the server's own files.
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
#include "bindings/http/tcp_listener.h"

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

}  // namespace server_detail
using namespace server_detail;

struct HttpServer::Impl {
  explicit Impl(HttpServerOptions o)
      : options(std::move(o)), ioc(options.threads),
        listener(ioc, TcpListenerOptions{options.address, options.port, options.limiter, "http",
                                         "http"}) {
    options.limiter = listener.limiter();
    settings = std::make_shared<const HttpServerOptions>(options);
  }
  // What a new connection is served with (Reconfigure replaces it).
  std::shared_ptr<const HttpServerOptions> Settings() {
    std::lock_guard lock(settings_mu);
    return settings;
  }

  void StartSession(tcp::socket socket, ConnectionSlot slot);

  HttpServerOptions options;  // as started: address, port, threads, limiter, endpoints
  std::mutex settings_mu;
  std::shared_ptr<const HttpServerOptions> settings;  // guarded by settings_mu
  dispatcher::Dispatcher* dispatcher = nullptr;
  // Live authenticated connections by credential (declared before ioc: sessions destroyed with
  // the io_context still find it).
  LiveSessions live;
  // Declared after what sessions use (options, live): the io_context destroys the sessions
  // still queued in it.
  net::io_context ioc;
  TcpListener listener;
  std::vector<std::thread> threads;
  bool stopped = false;
};

}  // namespace trustcse::http
