// MonitoringListener: the optional plain-HTTP TCP listener of `[monitoring]` for scrapers and
// probes that cannot reach the admin socket. It answers GET (and HEAD) /healthz, /readyz and
// /metrics through the handler it is given, and nothing else: 404 for any other path, 405 for
// any other method, 400 for anything malformed (431 for a header over the limit). No oneM2M,
// no admin operations, no secrets.
//
// Bounds: connections are served concurrently, at most kMaxConnections at a time; one beyond
// that is accepted and closed at once (a scraper retries), so a client that connects and sends
// nothing, or trickles bytes, holds one place and delays nobody. Per connection: the request's
// header within kHeaderLimit bytes and kTimeoutMs (else it is closed, or answered 431), no
// body, one request (Connection: close), and the handler's answer written within kTimeoutMs of
// the header's end (else it is closed unanswered; a handler still running then keeps the
// connection's place until it returns). Bind it to a loopback or management
// address: the metrics name listeners and counts, which an operator may not want public.
//
// Threads: one io thread ("tc-monitor") runs an asio io_context with every connection on it;
// kWorkers worker threads ("tc-monitor-job") run the handler for /readyz and /metrics, which
// may take a while (the readiness probe waits up to 2 s for the store), so a slow answer
// delays neither accepting nor other connections. /healthz is answered by the handler on the
// io thread itself: liveness must not wait behind a stuck store, and its handler must be quick.
//
// Thread-safety: Start/Stop (and destruction) from the owner thread; port() from any thread
// after Start. The handler is called concurrently from the io thread and the workers (and,
// for Monitoring, from the admin thread too), so it must be thread-safe; it is never called
// after Stop returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "admin/admin_server.h"
#include "common/status.h"

namespace trustcse::server {

class MonitoringListener {
 public:
  // `port` 0: a free port (see port()). `max_connections` 0: kMaxConnections.
  MonitoringListener(std::string address, uint16_t port, admin::GetHandler handler,
                     size_t max_connections = kMaxConnections);
  ~MonitoringListener();
  MonitoringListener(const MonitoringListener&) = delete;
  MonitoringListener& operator=(const MonitoringListener&) = delete;

  // Binds and starts serving; an error names the address and port (or a non-IP address).
  Status Start();
  // Stops accepting, abandons open connections and joins the threads. Idempotent.
  void Stop();
  // The bound port (0 before a successful Start).
  uint16_t port() const;

  static constexpr size_t kHeaderLimit = 4096;
  static constexpr int kTimeoutMs = 5000;
  static constexpr size_t kMaxConnections = 64;
  static constexpr int kWorkers = 2;

  struct Impl;  // monitoring_listener.cc

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace trustcse::server
