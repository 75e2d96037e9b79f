#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace trustcse::testing {
namespace {

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool ReadAll(int fd, std::string& out, int timeout_ms) {
  char buf[16384];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) return false;
    if (n == 0) return true;
    out.append(buf, static_cast<size_t>(n));
  }
}

// Parses "HTTP/1.1 200 OK\r\nK: V\r\n\r\nbody" (or a request line) into parts.
bool ParseMessage(const std::string& raw, std::string& first_line,
                  std::map<std::string, std::string>& headers, std::string& body) {
  auto end = raw.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  std::istringstream in(raw.substr(0, end));
  std::getline(in, first_line);
  if (!first_line.empty() && first_line.back() == '\r') first_line.pop_back();
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string v = line.substr(colon + 1);
    while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    headers[Lower(line.substr(0, colon))] = v;
  }
  body = raw.substr(end + 4);
  return true;
}

}  // namespace

int HttpResponse::rsc() const {
  auto h = header("x-m2m-rsc");
  return h.empty() ? 0 : std::atoi(h.c_str());
}

boost::json::value HttpResponse::json() const {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  return ec ? boost::json::value() : v;
}

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

HttpResponse HttpRequest(uint16_t port, const std::string& method, const std::string& target,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::string& body) {
  HttpResponse rsp;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return rsp;
  }
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  size_t off = 0;
  while (off < req.size()) {
    ssize_t n = send(fd, req.data() + off, req.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer early (e.g. body too large) and close
    off += static_cast<size_t>(n);
  }
  std::string raw;
  ReadAll(fd, raw, 15000);
  close(fd);
  std::string status_line;
  if (!ParseMessage(raw, status_line, rsp.headers, rsp.body)) return rsp;
  auto sp = status_line.find(' ');
  if (sp != std::string::npos) rsp.status = std::atoi(status_line.c_str() + sp + 1);
  return rsp;
}

TrustcseProcess::TrustcseProcess(std::vector<std::string> extra_args, std::string dir)
    : extra_(std::move(extra_args)), dir_(std::move(dir)) {
  if (dir_.empty()) {
    char tmpl[] = "/tmp/trustcse-test-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    own_dir_ = true;
  }
  Start();
}

TrustcseProcess::~TrustcseProcess() {
  if (pid_ > 0) Kill(SIGTERM);
  if (own_dir_ && !std::getenv("TRUSTCSE_KEEP_TEST_DIRS")) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

void TrustcseProcess::Start() {
  const char* bin = std::getenv("TRUSTCSE_BIN");
  if (!bin) throw std::runtime_error("TRUSTCSE_BIN is not set");
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> args = {bin, "serve", "--dev", "--http-port", "0", "--db", dir_ + "/trustcse.db"};
  args.insert(args.end(), extra_.begin(), extra_.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  std::string log = dir_ + "/trustcse.log";
  posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (posix_spawn(&pid_, bin, &fa, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error("cannot start trustcse");
  }
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  // Wait for "listening http <port>".
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buf[256];
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  if (line.rfind("listening http ", 0) != 0) {
    Kill(SIGKILL);
    throw std::runtime_error("trustcse did not start: " + ReadLog());
  }
  port_ = static_cast<uint16_t>(std::atoi(line.c_str() + 15));
}

void TrustcseProcess::Kill(int sig) {
  if (pid_ <= 0) return;
  kill(pid_, sig);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void TrustcseProcess::Restart() {
  if (pid_ > 0) Kill(SIGTERM);
  Start();
}

std::string TrustcseProcess::ReadLog() const {
  std::ifstream in(dir_ + "/trustcse.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::pair<std::string, std::string>> Client::Headers(
    std::vector<std::pair<std::string, std::string>> extra) {
  std::vector<std::pair<std::string, std::string>> h = {
      {"X-M2M-Origin", origin_},
      {"X-M2M-RI", "rq" + std::to_string(++rqi_)},
      {"X-M2M-RVI", "3"}};
  for (auto& e : extra) {
    bool replaced = false;
    for (auto& x : h) {
      if (Lower(x.first) == Lower(e.first)) {
        x.second = e.second;
        replaced = true;
      }
    }
    if (!replaced) h.push_back(std::move(e));
  }
  return h;
}

HttpResponse Client::Create(const std::string& path, int ty, const std::string& body,
                            std::vector<std::pair<std::string, std::string>> extra) {
  extra.emplace_back("Content-Type", "application/json;ty=" + std::to_string(ty));
  return HttpRequest(port_, "POST", path, Headers(std::move(extra)), body);
}
HttpResponse Client::Retrieve(const std::string& path,
                              std::vector<std::pair<std::string, std::string>> extra) {
  return HttpRequest(port_, "GET", path, Headers(std::move(extra)));
}
HttpResponse Client::Update(const std::string& path, const std::string& body) {
  return HttpRequest(port_, "PUT", path, Headers({{"Content-Type", "application/json"}}), body);
}
HttpResponse Client::Delete(const std::string& path) {
  return HttpRequest(port_, "DELETE", path, Headers({}));
}
HttpResponse Client::Notify(const std::string& path, const std::string& body,
                            std::vector<std::pair<std::string, std::string>> extra) {
  extra.emplace_back("Content-Type", "application/json");
  return HttpRequest(port_, "POST", path, Headers(std::move(extra)), body);
}

NotificationSink::NotificationSink() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  listen(listen_fd_, 64);
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

NotificationSink::~NotificationSink() {
  stop_ = true;
  shutdown(listen_fd_, SHUT_RDWR);
  close(listen_fd_);
  thread_.join();
}

void NotificationSink::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    // Read headers, then Content-Length bytes.
    std::string raw;
    char buf[8192];
    size_t need = std::string::npos;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd q{fd, POLLIN, 0};
      if (poll(&q, 1, 100) <= 0) continue;
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) break;
      raw.append(buf, static_cast<size_t>(n));
      auto end = raw.find("\r\n\r\n");
      if (end != std::string::npos && need == std::string::npos) {
        std::string first;
        std::map<std::string, std::string> h;
        std::string b;
        ParseMessage(raw, first, h, b);
        need = end + 4 + static_cast<size_t>(std::atoi(h["content-length"].c_str()));
      }
      if (need != std::string::npos && raw.size() >= need) break;
    }
    Received r;
    std::string first;
    ParseMessage(raw, first, r.headers, r.body);
    auto sp1 = first.find(' ');
    auto sp2 = first.find(' ', sp1 + 1);
    if (sp1 != std::string::npos) r.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string reply = "HTTP/1.1 " + std::to_string(status_.load()) +
                        " X\r\nX-M2M-RSC: " + std::to_string(rsc_.load()) +
                        "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
    close(fd);
    {
      std::lock_guard lock(mu_);
      received_.push_back(std::move(r));
    }
    cv_.notify_all();
  }
}

std::vector<NotificationSink::Received> NotificationSink::WaitFor(size_t n, int timeout_ms) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return received_.size() >= n; });
  return received_;
}

}  // namespace trustcse::testing
