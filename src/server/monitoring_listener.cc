#include "server/monitoring_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace trustcse::server {

namespace bhttp = boost::beast::http;

namespace {

// Writes all of `data` within the deadline; false if the peer does not take it in time.
bool SendAll(int fd, std::string_view data, std::chrono::steady_clock::time_point deadline) {
  while (!data.empty()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) return false;
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string Response(int status, std::string_view reason, std::string_view content_type,
                     std::string_view body, bool head) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  out += "Server: trustcse\r\nConnection: close\r\nCache-Control: no-store\r\n";
  out += "Content-Type: " + std::string(content_type) + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  if (!head) out += body;
  return out;
}

}  // namespace

MonitoringListener::MonitoringListener(std::string address, uint16_t port,
                                       admin::GetHandler handler)
    : address_(std::move(address)), port_(port), handler_(std::move(handler)) {}

MonitoringListener::~MonitoringListener() { Stop(); }

Status MonitoringListener::Start() {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (::inet_pton(AF_INET, address_.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port_);
    len = sizeof *v4;
  } else if (::inet_pton(AF_INET6, address_.c_str(), &v6->sin6_addr) == 1) {
    family = AF_INET6;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port_);
    len = sizeof *v6;
  } else {
    return Status::BadRequest("[monitoring] address must be an IP address: " + address_);
  }
  fd_ = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd_, 4) != 0) {
    Status s = Status::Internal("cannot listen for monitoring on " + address_ + ":" +
                                std::to_string(port_) + ": " + std::strerror(errno));
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    return s;
  }
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &blen);
  bound_port_ = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                        : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tc-monitor");
    Loop();
  });
  return Status::Ok();
}

void MonitoringListener::Stop() {
  if (fd_ < 0) return;
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  ::close(fd_);
  fd_ = -1;
}

void MonitoringListener::Loop() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (c < 0) continue;
    Serve(c);
    ::shutdown(c, SHUT_RDWR);
    ::close(c);
  }
}

void MonitoringListener::Serve(int fd) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  std::string buf;
  // The header block, within the limit and the deadline.
  while (buf.find("\r\n\r\n") == std::string::npos) {
    if (buf.size() >= kHeaderLimit || stop_) {
      SendAll(fd, Response(431, "Request Header Fields Too Large", "text/plain", "", false),
              deadline);
      return;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) return;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 200))) <= 0) continue;
    char chunk[1024];
    ssize_t n = ::recv(fd, chunk, std::min(sizeof chunk, kHeaderLimit - buf.size()), 0);
    if (n == 0) return;
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return;
    }
    buf.append(chunk, static_cast<size_t>(n));
  }
  bhttp::request_parser<bhttp::empty_body> parser;
  parser.header_limit(kHeaderLimit);
  parser.eager(false);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(buf.data(), buf.size()), ec);
  if (ec || !parser.is_header_done()) {
    SendAll(fd, Response(400, "Bad Request", "text/plain", "bad request\n", false), deadline);
    return;
  }
  const auto& req = parser.get();
  const bool head = req.method() == bhttp::verb::head;
  if (req.method() != bhttp::verb::get && !head) {
    SendAll(fd, Response(405, "Method Not Allowed", "text/plain", "only GET\n", false), deadline);
    return;
  }
  std::string_view target = req.target();
  target = target.substr(0, target.find('?'));
  if (target != "/healthz" && target != "/readyz" && target != "/metrics") {
    SendAll(fd, Response(404, "Not Found", "text/plain", "not found\n", head), deadline);
    return;
  }
  admin::PlainAnswer a = handler_(target);
  std::string_view reason = a.status == 200   ? "OK"
                            : a.status == 503 ? "Service Unavailable"
                                              : "Not Found";
  SendAll(fd, Response(a.status, reason, a.content_type, a.body, head), deadline);
}

}  // namespace trustcse::server
