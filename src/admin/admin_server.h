// AdminServer: the operator's API of a running trustcse (the same operations as the CLI,
// admin/operations.h), as JSON over HTTP/1.1 on a Unix domain socket.
//
//   POST /v1/<operation>   body: the operation's JSON arguments
//   → 200 {"result": {...}}   or   <HTTP status of the rsc> {"rsc": <code>, "m2m:dbg": "..."}
//   GET /healthz, /readyz, /metrics   → what the GET handler answers (server/monitoring.h:
//                                       liveness, readiness, Prometheus metrics), if one is set
//
// Access control is the Linux convention for local control sockets (docker, containerd): the
// socket is created mode 0600 in the instance's directory, and each connection's peer
// credentials (SO_PEERCRED) must be the server's own user or root. One connection at a time on
// a thread of its own; requests are small (1 MiB at most) and rare. Secrets appear only in the
// responses that create them and are never logged.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "admin/operations.h"
#include "common/status.h"

namespace trustcse::admin {

// An answer to a GET (monitoring endpoints): HTTP status, content type, body.
struct PlainAnswer {
  int status = 404;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body = "not found\n";
};
// Answers GET `path` (without the query); called on the admin thread.
using GetHandler = std::function<PlainAnswer(std::string_view path)>;

class AdminServer {
 public:
  AdminServer(std::string socket_path, std::shared_ptr<Operations> operations);
  // Before Start: the GET routes (none without a handler) and the operations, for wiring.
  void SetGetHandler(GetHandler handler) { get_ = std::move(handler); }
  Operations& operations() { return *ops_; }
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds the socket (replacing a stale one no process listens on) and starts serving.
  Status Start();
  void Stop();

 private:
  void Loop();

  std::string path_;
  std::shared_ptr<Operations> ops_;
  GetHandler get_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The client side, for the CLI: runs `op` on the server listening on `socket_path`.
// 5103 (target not reachable) if nothing listens there.
Result<boost::json::object> CallAdmin(const std::string& socket_path, std::string_view op,
                                      const boost::json::object& args);

}  // namespace trustcse::admin
