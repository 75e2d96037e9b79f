// Monitoring: what an operator watches a running trustcse with (docs/monitoring.md).
//
//   GET /healthz   200 "ok" while the process serves at all (liveness)
//   GET /readyz    200 when every configured listener is up and the store takes a write (a
//                  write transaction that changes nothing, through the storage writer, within
//                  two seconds); 503 with a JSON body naming what is not ready otherwise
//   GET /metrics   Prometheus text exposition format 0.0.4: requests, latencies, handshakes,
//                  connections, storage, notifications, denials, process (docs/monitoring.md)
//
// served on the admin socket (admin/admin_server.h) and, when `[monitoring] port` is set, on a
// plain-HTTP TCP listener of its own (MonitoringListener: these three GETs and nothing else).
// The "status" admin operation (`trustcse status`) answers a short summary from the same data.
//
// Cost: nothing on the request path beyond the dispatcher's relaxed counters
// (events::RequestMetrics) and the counters the layers below keep; everything else is read at
// scrape time. The security sinks (events::SecurityMetrics, the optional access log) run on
// their own event-stream threads.
//
// Thread-safety: after construction, the handlers may be called from any thread, concurrently
// (the admin thread, the monitoring listener's io thread for /healthz and its workers for
// /readyz and /metrics) while the server runs: they read atomics, snapshots taken under the
// sources' own locks, and the store's thread-safe Probe. Only the owner thread calls Start and
// Stop; the others see the listener through its port, an atomic (the admin thread serves
// before Start opens the listener). The sources must outlive Stop(); the server stops
// monitoring before anything it reads.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "admin/admin_server.h"
#include "bindings/coap/coap_server.h"
#include "bindings/http/http_server.h"
#include "bindings/mqtt/mqtt_binding.h"
#include "bindings/websocket/ws_server.h"
#include "events/event_stream.h"
#include "events/request_metrics.h"
#include "events/security_metrics.h"
#include "notification/entity_connections.h"
#include "notification/notifier.h"
#include "server/config.h"
#include "storage/store.h"

namespace trustcse::server {

class MonitoringListener;

class Monitoring {
 public:
  // Where the data lives: the server's own members (server_impl.h), read at scrape time.
  struct Sources {
    const Config* config = nullptr;
    storage::Store* store = nullptr;
    const notification::Notifier* notifier = nullptr;
    const std::unique_ptr<http::HttpServer>* http = nullptr;
    const std::vector<std::unique_ptr<http::HttpServer>>* https = nullptr;
    std::mutex* tls_mu = nullptr;  // guards *https
    const std::unique_ptr<coap::CoapServer>* coap = nullptr;
    const std::unique_ptr<mqtt::MqttBinding>* mqtt = nullptr;
    std::shared_ptr<events::EventStream> events;
    // WebSocket listeners (plain first, then wss; guarded by *tls_mu) and the entities
    // connected through them (may be null).
    const std::vector<std::unique_ptr<websocket::WebSocketServer>>* websockets = nullptr;
    std::shared_ptr<const notification::EntityConnections> connections;
  };
  // Subscribes the security counters (and, with `[log] access`, the access log) to the stream.
  explicit Monitoring(Sources sources);
  ~Monitoring();
  Monitoring(const Monitoring&) = delete;
  Monitoring& operator=(const Monitoring&) = delete;

  // For DispatcherOptions::metrics.
  std::shared_ptr<events::RequestMetrics> requests() const { return requests_; }
  // Before the admin API starts: its GET routes and the "status" operation.
  void AttachTo(admin::AdminServer& admin);
  // After every listener serves: marks the server ready and opens the monitoring listener if
  // configured (a bind failure is an error naming [monitoring]).
  Status Start();
  // Closes the monitoring listener; the handlers answer 503 "stopping" from now on.
  void Stop();
  // The monitoring listener's port (0: none).
  uint16_t port() const;

  // The handlers (public for the listener and the tests).
  admin::PlainAnswer Get(std::string_view path);
  std::string MetricsText();
  // 200/503 and a JSON body: {"ready": bool, "checks": {"store": "ok"|why, …}}.
  admin::PlainAnswer Ready();
  boost::json::object StatusSummary();

 private:
  struct Listener {
    std::string name, address;
    uint16_t port = 0;
    bool up = false;
  };
  std::vector<Listener> Listeners() const;
  size_t ActiveConnections(size_t* max_total) const;

  Sources src_;
  std::shared_ptr<events::RequestMetrics> requests_;
  std::shared_ptr<events::SecurityMetrics> security_;
  std::chrono::system_clock::time_point started_wall_;
  std::chrono::steady_clock::time_point started_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> stopping_{false};
  std::unique_ptr<MonitoringListener> listener_;  // the owner thread's only
  std::atomic<uint16_t> listener_port_{0};        // 0 until the listener serves
};

// Process facts from /proc/self: resident and virtual memory in bytes, open descriptors.
struct ProcessFacts {
  uint64_t resident_bytes = 0;
  uint64_t virtual_bytes = 0;
  uint64_t open_fds = 0;
};
ProcessFacts ReadProcessFacts();

// `[log] format = "json"`: every log line as one JSON object (time, level, logger, msg; an access
// line's fields as "request"). Applies to the default logger's sinks.
void UseJsonLogFormat();

}  // namespace trustcse::server
