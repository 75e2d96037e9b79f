// HttpServer: the oneM2M HTTP binding's server side on Boost.Beast, over plain TCP or TLS.
// Accepts HTTP/1.1 connections (keep-alive), maps each request through http_mapping to a
// RequestPrimitive, hands it to the Dispatcher and writes the response when the dispatcher
// completes — which for writes happens on a storage thread, so completions are
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
// Bounds (every listener; the server gives its plain and TLS listeners the same values from
// [http] and one ConnectionLimiter, so the caps count all of them together):
// - connections: at most `limiter`'s total cap live at once — at the cap the listener stops
//   accepting (new connections wait in the kernel's backlog) until one closes; beyond the cap
//   per source address a connection is accepted and closed at once. The server keeps the total
//   cap below the descriptor limit. A failing accept (EMFILE, ENFILE, …) is retried after a
//   back-off (50 ms doubling to 1 s), never at once; refusals and accept errors are logged at most
//   once per 5 s with a count of the ones not logged.
// - time: a TLS handshake within `handshake_timeout`; a request's header block within
//   `header_timeout` of the connection (of the handshake, with TLS) or of the first bytes of a
//   later request; its body within `body_timeout` of the header; between a response and the next
//   request at most `idle_timeout` (also the bound for writing a response). Expiry drops the
//   connection. No time bound while the dispatcher works on a request (long polls).
// - size: header block 16 KiB, body `body_limit` bytes (a larger body gets 4000 and the
//   connection is closed).
// - requests: the `max_requests_per_connection`-th response on a connection carries
//   Connection: close.
// - framing (RFC 9112 §6, http_framing.h), checked before the body is read: Transfer-Encoding
//   whose last coding is not chunked (or with chunked twice), or together with Content-Length,
//   gets 4000 (400), so a body can never be read as the next request; a coding other than
//   chunked alone (gzip, chunked) gets 5001 (501). A single-value header given twice
//   (X-M2M-Origin, X-M2M-RI, X-M2M-RVI, Host, Content-Type, Content-Length, …) gets 4000. These
//   refusals, like a body over the limit or a malformed message, are the usual oneM2M error
//   (X-M2M-RSC, an m2m:dbg naming the problem and nothing of the request) followed by closing
//   the connection (after reading what the client still sends for up to 2 s, so that the
//   answer is not lost to a reset).
// Errors: none on the request path escape as exceptions; I/O errors end the connection.
// Beast stays out of this header (compile time): the implementation is in http_server.cc only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "bindings/http/connection_limiter.h"
#include "common/status.h"
#include "dispatcher/dispatcher.h"
#include "security/service_endpoints.h"
#include "tls/server_context.h"

namespace trustcse::http {

struct HttpServerOptions {
  // Where TLS handshake failures are published (null: only the debug log).
  std::shared_ptr<events::EventStream> events;
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0 = pick a free port (see port())
  int threads = 2;
  size_t body_limit = 1 << 20;
  // The bounds of the contract above ([http] in the configuration; these are its defaults).
  std::chrono::milliseconds handshake_timeout{5000};
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{30000};
  std::chrono::milliseconds idle_timeout{60000};
  size_t max_requests_per_connection = 10000;
  // Shared with the other listeners of the process; null: one of this listener's own with
  // 10000 connections and 256 per source.
  std::shared_ptr<ConnectionLimiter> limiter;
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

  // Binds the listening socket. Fails with 5000 if the address is in use (the message names the
  // port: "port 8443 on 127.0.0.1 is in use"). After Listen() the
  // bound port is known (useful with port 0) and can be advertised before serving starts.
  Status Listen();
  // Starts accepting and serving on background threads; `dispatcher` must outlive Stop().
  void Serve(dispatcher::Dispatcher& dispatcher);
  // The bound port.
  uint16_t port() const;
  bool tls() const;
  // Closes every live connection whose channel authenticated `credential_id`. Thread-safe.
  void CloseSessionsOf(const std::string& credential_id);
  // A reload: connections accepted from now on use `next`'s body limit, time bounds, requests per
  // connection and TLS context (a TLS listener only; null keeps the current one). Established
  // connections keep what they were accepted with — their TLS context stays alive until the
  // last of them closes. The address, port, threads, limiter and endpoints cannot change on a
  // live listener and are taken from the current options. Thread-safe.
  void Reconfigure(const HttpServerOptions& next);
  // The TLS context new connections get (null: plain HTTP) and the connection limiter.
  std::shared_ptr<tls::ServerContext> tls_context() const;
  std::shared_ptr<ConnectionLimiter> limiter() const;
  // Stops accepting, closes connections and joins the threads. Idempotent.
  void Stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace trustcse::http
