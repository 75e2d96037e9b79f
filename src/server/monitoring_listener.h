// MonitoringListener: the optional plain-HTTP TCP listener of `[monitoring]` for scrapers and
// probes that cannot reach the admin socket. It answers GET (and HEAD) /healthz, /readyz and
// /metrics through the handler it is given, and nothing else: 404 for any other path, 405 for
// any other method, 400 for anything malformed. No oneM2M, no admin operations, no secrets.
//
// Bounds: one connection at a time on one thread; a request's header within 4 KiB and 5 s
// (then the connection is closed), no body, one request per connection (Connection: close),
// responses written within 5 s. Bind it to a loopback or management address: the metrics name
// listeners and counts, which an operator may not want public.
//
// Thread-safety: Start/Stop from the owner thread; the handler runs on the listener's thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "admin/admin_server.h"
#include "common/status.h"

namespace trustcse::server {

class MonitoringListener {
 public:
  MonitoringListener(std::string address, uint16_t port, admin::GetHandler handler);
  ~MonitoringListener();
  MonitoringListener(const MonitoringListener&) = delete;
  MonitoringListener& operator=(const MonitoringListener&) = delete;

  Status Start();
  void Stop();
  uint16_t port() const { return bound_port_; }

  static constexpr size_t kHeaderLimit = 4096;
  static constexpr int kTimeoutMs = 5000;

 private:
  void Loop();
  void Serve(int fd);

  std::string address_;
  uint16_t port_;
  uint16_t bound_port_ = 0;
  admin::GetHandler handler_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace trustcse::server
