// WebSocketServer's shared internals (ws_server.cc, ws_session.h): the listener's state and the
// aliases its sessions use. Included only by the server's own files.
#pragma once

#include "bindings/websocket/ws_server.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <mutex>
#include <thread>
#include <vector>

#include <openssl/ssl.h>

#include "bindings/http/tcp_listener.h"
#include "bindings/websocket/ws_mapping.h"

namespace trustcse::websocket {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace bws = boost::beast::websocket;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

struct WebSocketServer::Impl {
  explicit Impl(WebSocketServerOptions o)
      : options(std::move(o)), ioc(std::max(1, options.threads)),
        listener(ioc, http::TcpListenerOptions{
                          options.address, options.port,
                          options.limiter ? options.limiter
                                          : std::make_shared<http::ConnectionLimiter>(1000, 64),
                          options.tls ? "wss" : "ws", "websocket"}) {
    options.limiter = listener.limiter();
    settings = std::make_shared<const WebSocketServerOptions>(options);
  }
  std::shared_ptr<const WebSocketServerOptions> Settings() {
    std::lock_guard lock(settings_mu);
    return settings;
  }
  void StartSession(tcp::socket socket, http::ConnectionSlot slot);

  WebSocketServerOptions options;  // as started
  std::mutex settings_mu;
  std::shared_ptr<const WebSocketServerOptions> settings;  // guarded by settings_mu
  dispatcher::Dispatcher* dispatcher = nullptr;
  // Declared before ioc: sessions destroyed with the io_context still find it.
  http::LiveSessions live;
  net::io_context ioc;
  http::TcpListener listener;
  std::vector<std::thread> threads;
  bool stopped = false;
};

}  // namespace trustcse::websocket
