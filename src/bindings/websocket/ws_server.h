// WebSocketServer: the oneM2M WebSocket binding's server side (TS-0020) on Boost.Beast, over
// plain TCP (ws://, development) or TLS (wss://). The registree is always the WebSocket client
// and this CSE the server (TS-0020 §5.2).
//
// A connection: TLS handshake (wss) → the HTTP upgrade request (GET, Upgrade: websocket, a
// Sec-WebSocket-Protocol naming oneM2M.json or oneM2M.cbor — without one the upgrade is refused
// with HTTP 400, X-M2M-RSC 4000 and an m2m:dbg; a request that is no upgrade gets 400 too) →
// 101 with the chosen subprotocol (no permessage-deflate: the optional compression of TS-0020
// §6.2.2.8 is not offered) → messages. Each message is one primitive (ws_mapping.h): a request
// goes through the same path as every binding's (Dispatcher::Handle: receiver checks, security
// gates, operation, authorization) and its response primitive comes back on the connection; a
// response answers a request this CSE sent. Requests of one connection run concurrently, and
// their responses are sent in the order they complete (the rqi tells them apart).
//
// Identity (wss): what the TLS handshake authenticated (tls::ServerContext::PeerIdentity) is the
// ChannelIdentity of every request of the connection, exactly as over HTTPS
// (http::AdmitTlsPeer): the security gates bind each request's originator to it — 4106 for an
// originator the credential does not cover, 4107 without a credential — and a listener that needs
// a credential closes a connection that presented none. CloseSessionsOf() closes the
// connections of a revoked credential.
//
// Reaching the client: once a request from an entity succeeded on a connection (its
// registration, or any request it made as that originator, ws_mapping.h ReachableAs), the
// connection is bound to it in `connections`; the notifier then sends that entity's
// notifications and forwarded requests there as NOTIFY request primitives (to: its ID, fr: the
// notification's originator or this CSE) and takes its response primitive as the answer
// (notification/entity_connections.h). A closing connection is unbound.
//
// Bounds (per listener settings, [websocket] in the configuration):
// - connections: `limiter` (shared by the ws and wss listeners), as for HTTP (tcp_listener.h);
// - time: TLS handshake and upgrade request within `handshake_timeout`; a connection on which
//   nothing arrives for `idle_timeout` is closed — the server pings it at half that time, and a
//   pong counts, so a live client stays connected (TS-0020 §6.3: keep them open);
// - size: a message over `max_message_bytes` is answered with a 4000 response primitive and the
//   connection is closed (close code 1009); a frame that declares more than twice the limit is
//   refused by the framing layer itself (1009 without a primitive); the upgrade request's header
//   block is at most 16 KiB;
// - rate: at most `messages_per_second` messages on average, `message_burst` at once; beyond
//   that the connection's reading pauses until the budget refills (TCP pushes back on the
//   sender, nothing is dropped);
// - concurrency: at most `max_in_flight` requests of the client at once (reading pauses), at
//   most `max_outgoing` requests of this CSE awaiting an answer (more fail with 5103 at once, and
//   the notifier falls back or retries); answers are awaited `request_timeout` (or the request's
//   own deadline if sooner) before 5103. A client that reads nothing while its answers pile up
//   past a bound is disconnected.
// Errors: none on the request path escape as exceptions; a message that cannot be read gets a
// response primitive with its oneM2M status (ws_mapping.h), never a crash; I/O errors end the
// connection. Thread-safety: the public methods may be called from any thread (Listen, Serve and
// Stop from the owner). Beast stays out of this header.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "bindings/http/connection_limiter.h"
#include "common/status.h"
#include "dispatcher/dispatcher.h"
#include "events/event_stream.h"
#include "notification/entity_connections.h"
#include "tls/server_context.h"

namespace trustcse::websocket {

struct WebSocketServerOptions {
  // Where TLS handshake failures are published (null: only the debug log).
  std::shared_ptr<events::EventStream> events;
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0 = any free port (see port())
  int threads = 1;
  std::shared_ptr<tls::ServerContext> tls;  // null: plain ws://
  // Shared with the other WebSocket listener; null: one of this listener's own with 1000
  // connections and 64 per source.
  std::shared_ptr<http::ConnectionLimiter> limiter;
  // Where entities that succeeded on a connection become reachable; null: none do.
  std::shared_ptr<notification::EntityConnections> connections;
  // This CSE's ID: the originator of its requests when a notification names none, and the
  // prefix of SP-relative originators (ReachableAs).
  std::string cse_id = "/id-in";
  size_t max_message_bytes = 1 << 20;
  std::chrono::milliseconds handshake_timeout{5000};
  std::chrono::milliseconds idle_timeout{120000};
  std::chrono::milliseconds request_timeout{3000};
  double messages_per_second = 100;
  size_t message_burst = 200;
  size_t max_in_flight = 16;
  size_t max_outgoing = 64;
};

class WebSocketServer {
 public:
  explicit WebSocketServer(WebSocketServerOptions options);
  ~WebSocketServer();
  WebSocketServer(const WebSocketServer&) = delete;
  WebSocketServer& operator=(const WebSocketServer&) = delete;

  // Binds the listening socket; 5000 naming the port if it is in use.
  Status Listen();
  // Starts accepting and serving on background threads; `dispatcher` must outlive Stop().
  void Serve(dispatcher::Dispatcher& dispatcher);
  uint16_t port() const;
  bool tls() const;
  // Closes every live connection whose channel authenticated `credential_id`.
  void CloseSessionsOf(const std::string& credential_id);
  // A reload: connections accepted from now on get `next`'s bounds and TLS context (a wss
  // listener only; null keeps the current one); open connections keep theirs. The address,
  // port, threads, limiter and connections cannot change on a live listener.
  void Reconfigure(const WebSocketServerOptions& next);
  std::shared_ptr<tls::ServerContext> tls_context() const;
  std::shared_ptr<http::ConnectionLimiter> limiter() const;
  // Stops accepting, closes connections and joins the threads. Idempotent.
  void Stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace trustcse::websocket
