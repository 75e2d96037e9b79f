// HTTP transport for notifications: a small Boost.Beast client on its own io_context and thread.
//
// Each Send is one exchange on a fresh connection (resolve → connect → POST → read → close).
// Notifications are infrequent compared with requests, and a new connection per NOTIFY keeps the
// client free of pooling, pipelining and half-closed-connection bugs. Beast stays inside this
// file; the rest of the CSE only sees the Sender interface.
//
// Only http:// targets are supported. https:// targets fail immediately with a clear message
// until TLS client support is added.
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/scheme.hpp>
#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>

#include "notification/notifier.h"
#include "primitive/request.h"

namespace trustcse::notification {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

// Responses are only inspected for their status; anything large is a misbehaving target.
constexpr uint64_t kMaxResponseBody = 64 * 1024;

struct Target {
  std::string host;         // for the resolver: a name or an address without brackets
  std::string port;         // "80" when absent
  std::string host_header;  // as written in the URL, with the port if any
  std::string path;         // origin-form request target: path and query
  std::string safe;         // scheme://host:port/path, for logs (no userinfo, no query)
};

Status Unreachable(std::string message) {
  return Status(Rsc::kTargetNotReachable, std::move(message));
}

// Parses an http:// URL. Everything else (https, other schemes, malformed text) is refused.
std::optional<Target> ParseTarget(const std::string& url, std::string* why) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    *why = "notification target is not a valid URI";
    return std::nullopt;
  }
  const boost::urls::url_view& u = *parsed;
  if (u.scheme_id() == boost::urls::scheme::https) {
    *why = "https notification targets are not supported yet";
    return std::nullopt;
  }
  if (u.scheme_id() != boost::urls::scheme::http) {
    *why = "notification target scheme is not http";
    return std::nullopt;
  }
  const auto host_type = u.host_type();
  if (host_type != boost::urls::host_type::name && host_type != boost::urls::host_type::ipv4 &&
      host_type != boost::urls::host_type::ipv6) {
    *why = "notification target has no usable host";
    return std::nullopt;
  }
  Target t;
  t.host = u.host_address();
  if (t.host.empty()) {
    *why = "notification target has no usable host";
    return std::nullopt;
  }
  t.port = u.has_port() && !u.port().empty() ? std::string(u.port()) : std::string("80");
  t.host_header = std::string(u.encoded_host_and_port());
  t.path = std::string(u.encoded_target());
  if (t.path.empty())
    t.path = "/";
  else if (t.path.front() != '/')
    t.path.insert(0, "/");
  t.safe = "http://" + std::string(u.encoded_host_and_port()) + std::string(u.encoded_path());
  return t;
}

class Exchange;

// Exchanges in progress, touched only on the I/O thread, so Stop can abort them.
using LiveSet = std::unordered_map<Exchange*, std::weak_ptr<Exchange>>;

// One POST. Owned by the shared_ptrs its pending handlers hold; `done` is called exactly once.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(asio::io_context& ioc, LiveSet& live, Target target, const Notification& n,
           const std::string& originator, const std::string& self_id,
           std::chrono::milliseconds timeout,
           std::function<void(Status, std::string)> done)
      : live_(live),
        target_(std::move(target)),
        resolver_(ioc),
        stream_(ioc),
        timer_(ioc),
        deadline_(SteadyClock::now() + timeout),
        done_(std::move(done)) {
    req_.method(http::verb::post);
    req_.target(target_.path);
    req_.version(11);
    req_.set(http::field::host, target_.host_header);
    req_.set("X-M2M-Origin", originator);
    req_.set("X-M2M-RI", n.rqi);
    req_.set("X-M2M-RVI", "3");
    // Names this CSE, so that a request that comes back to it is not forwarded again.
    req_.set(http::field::via, "1.1 " + ViaPseudonym(self_id));
    req_.set(http::field::content_type, "application/json;charset=utf-8");
    req_.set(http::field::connection, "close");
    req_.body() = n.body;
    req_.prepare_payload();
    parser_.body_limit(kMaxResponseBody);
  }

  // On the I/O thread.
  void Start() {
    live_[this] = weak_from_this();
    // tcp_stream's own timeout does not cover name resolution, so a timer guards that step.
    timer_.expires_at(deadline_);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: resolution finished first
      self->resolver_.cancel();
      self->Finish(Unreachable("notification target timed out"));
    });
    resolver_.async_resolve(
        target_.host, target_.port,
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
          self->OnResolve(ec, std::move(results));
        });
  }

  // On the I/O thread: ends the exchange now, reporting failure.
  void Abort() { Finish(Unreachable("notification sender stopped")); }

 private:
  void OnResolve(beast::error_code ec, tcp::resolver::results_type results) {
    timer_.cancel();
    if (finished_) return;
    if (ec) return Fail("cannot resolve notification target", ec);
    // One deadline for the whole exchange: connect, write and read share what is left.
    stream_.expires_at(deadline_);
    stream_.async_connect(results,
                          [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
                            self->OnConnect(ec);
                          });
  }

  void OnConnect(beast::error_code ec) {
    if (finished_) return;
    if (ec) return Fail("cannot connect to notification target", ec);
    http::async_write(
        stream_, req_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    if (finished_) return;
    if (ec) return Fail("cannot send notification", ec);
    http::async_read(
        stream_, buffer_, parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (finished_) return;
    if (ec) return Fail("no valid response from notification target", ec);
    const auto& res = parser_.get();
    const unsigned status = res.result_int();
    // The oneM2M status decides when there is one; the HTTP status otherwise.
    if (auto it = res.find("X-M2M-RSC"); it != res.end()) {
      int rsc = 0;
      try {
        rsc = std::stoi(std::string(it->value()));
      } catch (const std::exception&) {
        rsc = 0;
      }
      if (rsc <= 0) {
        spdlog::debug("http sender: {} answered X-M2M-RSC {}", target_.safe,
                      std::string(it->value()));
        return Finish(Unreachable("notification target answered with an invalid status"));
      }
      if (rsc >= 4000) {
        // The target's own answer: kept, so a forwarded request reports it to its originator.
        spdlog::debug("http sender: {} answered X-M2M-RSC {}", target_.safe, rsc);
        return Finish(Status(RscFromInt(rsc), "the notification target answered with an error"));
      }
    } else if (status < 200 || status > 299) {
      spdlog::debug("http sender: {} answered HTTP {}", target_.safe, status);
      return Finish(Unreachable("notification target answered HTTP " + std::to_string(status)));
    }
    Finish(Status::Ok(), res.body());
  }

  void Fail(const char* what, beast::error_code ec) {
    if (ec == beast::error::timeout) {
      return Finish(Unreachable("notification target timed out"));
    }
    spdlog::debug("http sender: {}: {}: {}", target_.safe, what, ec.message());
    Finish(Unreachable(what));
  }

  void Finish(Status s, std::string body = {}) {
    if (finished_) return;
    finished_ = true;
    live_.erase(this);
    timer_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    auto done = std::move(done_);
    try {
      done(std::move(s), std::move(body));
    } catch (const std::exception& ex) {
      spdlog::error("http sender: completion handler threw: {}", ex.what());
    } catch (...) {
      spdlog::error("http sender: completion handler threw");
    }
  }

  LiveSet& live_;
  Target target_;
  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  SteadyClock::time_point deadline_;
  http::request<http::string_body> req_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  std::function<void(Status, std::string)> done_;
  bool finished_ = false;
};

class HttpSender final : public Sender {
 public:
  explicit HttpSender(const HttpSenderOptions& options)
      : options_(options), work_(asio::make_work_guard(ioc_)) {
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "tc-notify-http");
      RunIo();
    });
  }

  ~HttpSender() override { Stop(); }

  void Send(const Notification& n, std::function<void(Status)> done) override {
    Request(n, [done = std::move(done)](Status s, std::string) { done(std::move(s)); });
  }

  // The configured timeout, or less when the notification's deadline comes sooner.
  std::chrono::milliseconds TimeoutFor(const Notification& n) const {
    std::chrono::milliseconds t(options_.timeout_ms);
    if (n.deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*n.deadline - Now());
      t = std::clamp(left, std::chrono::milliseconds(1), t);
    }
    return t;
  }

  void Request(const Notification& n,
               std::function<void(Status, std::string)> done) override {
    std::string why;
    std::optional<Target> target = ParseTarget(n.target, &why);
    if (!target) {
      spdlog::warn("http sender: not sending a notification: {}", why);
      done(Unreachable(why), {});
      return;
    }
    {
      // Holding mu_ while posting orders every accepted Send before Stop's abort sweep, so no
      // exchange can slip in after the sweep and be left without a completion.
      std::lock_guard lock(mu_);
      if (!stopped_) {
        try {
          auto ex = std::make_shared<Exchange>(
              ioc_, live_, std::move(*target), n,
              n.originator.empty() ? options_.originator : n.originator, options_.originator,
              TimeoutFor(n), std::move(done));
          asio::post(ioc_, [ex] { ex->Start(); });
          return;
        } catch (const std::exception& e) {
          spdlog::error("http sender: cannot start a request: {}", e.what());
          // Fall through: fail below, outside the lock. `done` is only moved once the Exchange
          // is constructed, and nothing after that throws but post(), which is noexcept in
          // practice for io_context.
        }
      }
    }
    if (done) done(Unreachable("notification sender stopped"), {});
  }

  void Stop() override {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      asio::post(ioc_, [this] {
        // Finish() erases from live_, so sweep a copy.
        LiveSet live;
        live.swap(live_);
        for (auto& [ptr, weak] : live) {
          if (auto ex = weak.lock()) ex->Abort();
        }
      });
    }
    // With the guard gone, run() returns once the aborted exchanges' handlers have drained.
    work_.reset();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void RunIo() {
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& ex) {
        spdlog::error("http sender: I/O thread error: {}", ex.what());
      } catch (...) {
        spdlog::error("http sender: unknown I/O thread error");
      }
    }
  }

  HttpSenderOptions options_;
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
  std::mutex mu_;
  bool stopped_ = false;
  LiveSet live_;  // I/O thread only
};

}  // namespace

std::unique_ptr<Sender> MakeHttpSender(const HttpSenderOptions& options) {
  return std::make_unique<HttpSender>(options);
}

}  // namespace trustcse::notification
