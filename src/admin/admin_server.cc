#include "admin/admin_server.h"

#include <poll.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "primitive/json_util.h"

namespace trustcse::admin {

namespace bj = boost::json;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using local = net::local::stream_protocol;

namespace {

constexpr size_t kBodyLimit = 1 << 20;
constexpr std::string_view kPrefix = "/v1/";

Result<sockaddr_un> Address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    return Err(Status::BadRequest("admin socket path is empty or too long: " + path));
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

std::string ErrorBody(const Status& s) {
  return json::Serialize(bj::object{{"rsc", static_cast<int>(s.code())}, {"m2m:dbg", s.message()}});
}

}  // namespace

AdminServer::AdminServer(std::string socket_path, std::shared_ptr<Operations> operations)
    : path_(std::move(socket_path)), ops_(std::move(operations)) {}

AdminServer::~AdminServer() { Stop(); }

Status AdminServer::Start() {
  auto addr = Address(path_);
  if (!addr) return addr.error();
  // A socket file left by a process that is gone answers no connect: replace it.
  int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (::connect(probe, reinterpret_cast<sockaddr*>(&*addr), sizeof *addr) == 0) {
    ::close(probe);
    return Status::Conflict("another server answers on the admin socket " + path_);
  }
  ::close(probe);
  ::unlink(path_.c_str());
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  mode_t old = ::umask(0177);  // the socket is created 0600
  int rc = ::bind(fd_, reinterpret_cast<sockaddr*>(&*addr), sizeof *addr);
  ::umask(old);
  if (rc != 0 || ::listen(fd_, 8) != 0) {
    Status s = Status::Internal("cannot listen on the admin socket " + path_ + ": " +
                                std::strerror(errno));
    ::close(fd_);
    fd_ = -1;
    return s;
  }
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tc-admin");
    Loop();
  });
  return Status::Ok();
}

void AdminServer::Stop() {
  if (fd_ < 0) return;
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  ::close(fd_);
  fd_ = -1;
  ::unlink(path_.c_str());
}

void AdminServer::Loop() {
  net::io_context ioc;
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    ucred peer{};
    socklen_t len = sizeof peer;
    if (::getsockopt(c, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 ||
        (peer.uid != ::geteuid() && peer.uid != 0)) {
      spdlog::warn("admin: refused a connection from uid {}", peer.uid);
      ::close(c);
      continue;
    }
    timeval tv{10, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    local::socket sock(ioc, local(), c);
    beast::flat_buffer buf;
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(kBodyLimit);
    beast::error_code ec;
    bhttp::read(sock, buf, parser, ec);
    bhttp::response<bhttp::string_body> res;
    res.version(11);
    res.set(bhttp::field::content_type, "application/json");
    res.keep_alive(false);
    if (ec) {
      Status s = Status::BadRequest("malformed admin request");
      res.result(HttpStatusFor(s.code()));
      res.body() = ErrorBody(s);
    } else if (const auto& req = parser.get();
               req.method() == bhttp::verb::get || req.method() == bhttp::verb::head) {
      std::string_view target = req.target();
      PlainAnswer a = get_ ? get_(target.substr(0, target.find('?'))) : PlainAnswer{};
      res.result(static_cast<bhttp::status>(a.status));
      res.set(bhttp::field::content_type, a.content_type);
      if (req.method() == bhttp::verb::get) res.body() = std::move(a.body);
    } else {
      std::string_view target = req.target();
      Result<bj::object> out = Err(Status::NotFound("no such admin endpoint"));
      if (req.method() == bhttp::verb::post && target.starts_with(kPrefix)) {
        auto args = json::Parse(req.body().empty() ? std::string_view("{}") : req.body());
        if (!args || !args->is_object()) {
          out = Err(Status::BadRequest("the body must be a JSON object"));
        } else {
          out = ops_->Run(target.substr(kPrefix.size()), args->get_object(),
                          "uid:" + std::to_string(peer.uid));
        }
      }
      if (out) {
        res.result(bhttp::status::ok);
        res.body() = json::Serialize(bj::object{{"result", std::move(*out)}});
      } else {
        res.result(HttpStatusFor(out.error().code()));
        res.body() = ErrorBody(out.error());
      }
    }
    res.prepare_payload();
    bhttp::write(sock, res, ec);
    sock.shutdown(local::socket::shutdown_both, ec);
  }
}

Result<bj::object> CallAdmin(const std::string& socket_path, std::string_view op,
                             const bj::object& args) {
  net::io_context ioc;
  local::socket sock(ioc);
  beast::error_code ec;
  sock.connect(local::endpoint(socket_path), ec);
  if (ec) {
    return Err(Status(Rsc::kTargetNotReachable,
                      "no server answers on the admin socket " + socket_path));
  }
  bhttp::request<bhttp::string_body> req(bhttp::verb::post, std::string(kPrefix) + std::string(op),
                                         11);
  req.set(bhttp::field::host, "trustcse");
  req.set(bhttp::field::content_type, "application/json");
  req.body() = json::Serialize(args);
  req.prepare_payload();
  bhttp::write(sock, req, ec);
  beast::flat_buffer buf;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(16 << 20);
  if (!ec) bhttp::read(sock, buf, parser, ec);
  if (ec) return Err(Status(Rsc::kTargetNotReachable, "the admin socket did not answer"));
  auto body = json::Parse(parser.get().body());
  if (!body || !body->is_object()) return Err(Status::Internal("malformed admin response"));
  const auto& o = body->get_object();
  if (const auto* r = o.if_contains("result"); r && r->is_object()) return r->get_object();
  return Err(Status(RscFromInt(static_cast<int>(json::GetInt(o, "rsc").value_or(5000))),
                    std::string(json::GetString(o, "m2m:dbg").value_or("admin request failed"))));
}

}  // namespace trustcse::admin
