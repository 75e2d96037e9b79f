// HttpServer: the oneM2M HTTP binding's server side on Boost.Beast, over plain TCP or TLS.
// Accepts HTTP/1.1 connections (keep-alive), maps each request through http_mapping to a
// RequestPrimitive, hands it to the Dispatcher and writes the response when the dispatcher
// completes — which for writes happens on the storage writer thread, so completions are
// dispatched back onto the connection's strand. One io_context runs on `threads` threads;
// connections are independent (no global lock).
//
// TLS (options.tls set): the handshake comes first; what it authenticated (tls::ServerContext::
// PeerIdentity) is attached to every request of the connection as its ChannelIdentity, which the
// security chain binds the originator to. A connection that authenticated nothing (a listener
// that admits "none") reaches only the service endpoints (enrolment, CRL); its oneM2M requests
// get 4107. CloseSessionsOf() closes the live connections of a credential (revocation).
//
// Requests under /.well-known/trustcse/ go to options.services (404-like 4004 if none).
//
// Limits: header block 16 KiB, body `body_limit` bytes (a larger body gets 4000 and the
// connection is closed), idle connections time out after `idle_timeout`, TLS handshakes after
// `handshake_timeout`.
// Beast stays out of this header (compile time): the implementation is in http_server.cc only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "dispatcher/dispatcher.h"
#include "security/service_endpoints.h"
#include "tls/server_context.h"

namespace trustcse::http {

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0 = pick a free port (see port())
  int threads = 2;
  size_t body_limit = 1 << 20;
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds handshake_timeout{10};  // TLS: a handshake must complete within this
  std::shared_ptr<tls::ServerContext> tls;  // null: plain HTTP
  security::ServiceEndpoints* services = nullptr;  // must outlive Stop()
  // POST /__ut__ goes here (the upper tester; plain HTTP only); null: not served.
  security::ServiceEndpoints* upper_tester = nullptr;
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening socket. Fails with 5000 if the address is in use. After Listen() the
  // bound port is known (useful with port 0) and can be advertised before serving starts.
  Status Listen();
  // Starts accepting and serving on background threads; `dispatcher` must outlive Stop().
  void Serve(dispatcher::Dispatcher& dispatcher);
  // The bound port.
  uint16_t port() const;
  bool tls() const;
  // Closes every live connection whose channel authenticated `credential_id`. Thread-safe.
  void CloseSessionsOf(const std::string& credential_id);
  // Stops accepting, closes connections and joins the threads. Idempotent.
  void Stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace trustcse::http
