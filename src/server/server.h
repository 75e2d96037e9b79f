// Server: wires the layers of one trustcse process together — storage, notifier, dispatcher
// (with its security chain and expiration reaper), bindings — and owns their lifecycle.
// Start-up and shutdown only; not on the request path. Not thread-safe: one owner thread.
#pragma once

#include <memory>

#include "common/status.h"
#include "server/config.h"

namespace trustcse::server {

class Server {
 public:
  explicit Server(Config config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the store (creating its directory), bootstraps the CSEBase, starts the bindings.
  Status Start();
  // The HTTP port actually bound (after Start).
  uint16_t http_port() const;
  // Stops bindings first, then the reaper and notifier, then drains and closes the store.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trustcse::server
