// HTTP transport for notifications: a small Boost.Beast client on its own io_context and thread.
//
// Each Send is one exchange (resolve → connect → POST → read). Connections are kept alive and
// reused per host and port when the target allows it (HTTP/1.1 keep-alive; no pipelining: one
// exchange per connection at a time, at most kMaxInFlightPerHost exchanges per target at once),
// so a busy application server does not cost a TCP handshake and a TIME_WAIT socket per
// notification, nor get a burst as hundreds of simultaneous connections. Idle connections are
// dropped after kIdleTimeout, at most kMaxIdlePerHost are kept per target and kMaxIdle in all; a
// request on a reused connection that the target had closed meanwhile is sent again once on a
// fresh one.
// Beast stays inside this file; the rest of the CSE only sees the Sender interface.
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
#include <deque>
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

constexpr auto kIdleTimeout = std::chrono::seconds(15);
constexpr size_t kMaxIdlePerHost = 8;
constexpr size_t kMaxIdle = 1024;

// Idle keep-alive connections by "host:port". I/O thread only.
class IdlePool {
 public:
  // An idle connection to `key` that has not been idle too long, if any.
  std::optional<beast::tcp_stream> Take(const std::string& key) {
    auto it = idle_.find(key);
    if (it == idle_.end()) return std::nullopt;
    auto& list = it->second;
    std::optional<beast::tcp_stream> out;
    while (!list.empty() && !out) {
      Idle e = std::move(list.back());
      list.pop_back();
      --count_;
      if (SteadyClock::now() - e.since < kIdleTimeout) out.emplace(std::move(e.stream));
    }
    if (list.empty()) idle_.erase(it);
    return out;
  }
  // Keeps `stream` for the next exchange with `key`, or closes it when the pool is full.
  void Put(const std::string& key, beast::tcp_stream stream) {
    auto& list = idle_[key];
    if (list.size() >= kMaxIdlePerHost || count_ >= kMaxIdle) {
      if (list.empty()) idle_.erase(key);
      Close(stream);
      return;
    }
    list.push_back(Idle{std::move(stream), SteadyClock::now()});
    ++count_;
  }
  // Closes the connections idle for kIdleTimeout or more.
  void Expire() {
    const auto now = SteadyClock::now();
    for (auto it = idle_.begin(); it != idle_.end();) {
      auto& list = it->second;
      while (!list.empty() && now - list.front().since >= kIdleTimeout) {
        Close(list.front().stream);
        list.pop_front();
        --count_;
      }
      it = list.empty() ? idle_.erase(it) : std::next(it);
    }
  }
  void Clear() {
    for (auto& [_, list] : idle_) {
      for (auto& e : list) Close(e.stream);
    }
    idle_.clear();
    count_ = 0;
  }
  static void Close(beast::tcp_stream& stream) {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
  }

 private:
  struct Idle {
    beast::tcp_stream stream;
    SteadyClock::time_point since;
  };
  std::unordered_map<std::string, std::deque<Idle>> idle_;
  size_t count_ = 0;
};

constexpr int kMaxInFlightPerHost = 8;

// At most kMaxInFlightPerHost exchanges at a time per "host:port": the others wait, in order, so
// a burst of notifications for one application server reuses a few kept-alive connections
// instead of opening one per notification. I/O thread only.
class HostSlots {
 public:
  // True if an exchange with `key` may start now (its slot is taken); false if it must wait.
  bool Acquire(const std::string& key, std::shared_ptr<Exchange> waiting) {
    Host& h = hosts_[key];
    if (h.in_flight < kMaxInFlightPerHost) {
      ++h.in_flight;
      return true;
    }
    h.waiting.push_back(std::move(waiting));
    return false;
  }
  // Frees a slot of `key`; the next waiting exchange, if any, takes it and is returned.
  std::shared_ptr<Exchange> Release(const std::string& key) {
    auto it = hosts_.find(key);
    if (it == hosts_.end()) return nullptr;
    Host& h = it->second;
    if (!h.waiting.empty()) {
      auto next = std::move(h.waiting.front());
      h.waiting.pop_front();
      return next;  // keeps the slot
    }
    if (--h.in_flight <= 0) hosts_.erase(it);
    return nullptr;
  }
  // Every waiting exchange (for Stop); nothing is tracked or started afterwards.
  std::vector<std::shared_ptr<Exchange>> TakeAllWaiting() {
    closed_ = true;
    std::vector<std::shared_ptr<Exchange>> out;
    for (auto& [_, h] : hosts_) {
      for (auto& e : h.waiting) out.push_back(std::move(e));
    }
    hosts_.clear();
    return out;
  }
  bool closed() const { return closed_; }

 private:
  struct Host {
    int in_flight = 0;
    std::deque<std::shared_ptr<Exchange>> waiting;
  };
  std::unordered_map<std::string, Host> hosts_;
  bool closed_ = false;
};

// One POST. Owned by the shared_ptrs its pending handlers hold; `done` is called exactly once.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(asio::io_context& ioc, LiveSet& live, IdlePool& pool, HostSlots& slots,
           const DestinationPolicy& destinations, Target target, const Notification& n,
           const std::string& originator, const std::string& self_id,
           std::chrono::milliseconds timeout, std::function<void(Status, std::string)> done)
      : ioc_(ioc),
        destinations_(destinations),
        live_(live),
        pool_(pool),
        slots_(slots),
        target_(std::move(target)),
        key_(target_.host + ":" + target_.port),
        resolver_(ioc),
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
    req_.keep_alive(true);
    req_.body() = n.body;
    req_.prepare_payload();
  }

  // On the I/O thread: starts now, or when a slot for the target frees.
  void Launch() {
    if (slots_.closed()) return Abort();
    if (slots_.Acquire(key_, shared_from_this())) Start();
  }

  // On the I/O thread.
  void Start() {
    if (slots_.closed()) return Abort();
    started_ = true;
    live_[this] = weak_from_this();
    // The deadline counts from the Send: one that waited all of it for a slot fails now, without
    // sending (the notifier retries later, when the target may have caught up).
    if (SteadyClock::now() >= deadline_) {
      return Finish(Unreachable("notification target busy: no connection free in time"));
    }
    if (auto idle = pool_.Take(key_)) {
      stream_.emplace(std::move(*idle));
      reused_ = true;
      stream_->expires_at(deadline_);
      return Write();
    }
    Connect();
  }

  // On the I/O thread: ends the exchange now, reporting failure.
  void Abort() {
    stopping_ = true;
    Finish(Unreachable("notification sender stopped"));
  }

 private:
  void Connect() {
    reused_ = false;
    stream_.emplace(ioc_);
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

  void OnResolve(beast::error_code ec, tcp::resolver::results_type results) {
    timer_.cancel();
    if (finished_) return;
    if (ec) return Fail("cannot resolve notification target", ec);
    // Only to the networks the operator lets this CSE reach, checked on what the name resolved
    // to now (a name that resolves elsewhere later is checked again then).
    std::vector<tcp::endpoint> permitted;
    for (const auto& r : results) {
      const auto a = r.endpoint().address();
      const bool ok = a.is_v4() ? destinations_.Permits(a.to_v4().to_bytes().data(), 4)
                                : destinations_.Permits(a.to_v6().to_bytes().data(), 16);
      if (ok) permitted.push_back(r.endpoint());
    }
    if (permitted.empty()) {
      spdlog::warn("http sender: {} is in a network this CSE does not send to "
                   "([notification] allow_networks / deny_networks)", target_.safe);
      return Finish(Unreachable("the target is in a network this CSE does not send to"));
    }
    // One deadline for the whole exchange: connect, write and read share what is left.
    stream_->expires_at(deadline_);
    stream_->async_connect(permitted,
                          [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
                            self->OnConnect(ec);
                          });
  }

  void OnConnect(beast::error_code ec) {
    if (finished_) return;
    if (ec) return Fail("cannot connect to notification target", ec);
    Write();
  }

  void Write() {
    buffer_.clear();
    parser_.emplace();
    parser_->body_limit(kMaxResponseBody);
    http::async_write(
        *stream_, req_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWrite(ec); });
  }

  // A reused connection that fails before any answer arrived was closed by the target while it
  // was idle: the request goes again, once, on a new connection.
  bool RetryFresh(beast::error_code ec) {
    if (!reused_ || ec == beast::error::timeout || parser_->got_some()) return false;
    IdlePool::Close(*stream_);
    Connect();
    return true;
  }

  void OnWrite(beast::error_code ec) {
    if (finished_) return;
    if (ec) {
      if (RetryFresh(ec)) return;
      return Fail("cannot send notification", ec);
    }
    http::async_read(
        *stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (finished_) return;
    if (ec) {
      if (RetryFresh(ec)) return;
      return Fail("no valid response from notification target", ec);
    }
    const auto& res = parser_->get();
    keep_ = res.keep_alive() && parser_->is_done();
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
    if (stream_) {
      if (keep_ && stopping_ == false) {
        stream_->expires_never();
        pool_.Put(key_, std::move(*stream_));
      } else {
        IdlePool::Close(*stream_);
      }
      stream_.reset();
    }
    if (started_ && !stopping_) {
      // The next exchange waiting for this target starts (after this handler returns).
      if (auto next = slots_.Release(key_)) asio::post(ioc_, [next] { next->Start(); });
    }
    auto done = std::move(done_);
    try {
      done(std::move(s), std::move(body));
    } catch (const std::exception& ex) {
      spdlog::error("http sender: completion handler threw: {}", ex.what());
    } catch (...) {
      spdlog::error("http sender: completion handler threw");
    }
  }

  asio::io_context& ioc_;
  const DestinationPolicy& destinations_;
  LiveSet& live_;
  IdlePool& pool_;
  HostSlots& slots_;
  Target target_;
  std::string key_;  // host:port, for the idle pool
  tcp::resolver resolver_;
  std::optional<beast::tcp_stream> stream_;
  asio::steady_timer timer_;
  SteadyClock::time_point deadline_;
  http::request<http::string_body> req_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::function<void(Status, std::string)> done_;
  bool finished_ = false;
  bool started_ = false;   // it holds a slot of HostSlots
  bool reused_ = false;    // the connection came from the idle pool
  bool keep_ = false;      // the answer allows reusing the connection

 public:
  bool stopping_ = false;  // set by Abort's sweep: nothing goes back to the pool
};

class HttpSender final : public Sender {
 public:
  explicit HttpSender(const HttpSenderOptions& options)
      : options_(options), work_(asio::make_work_guard(ioc_)), expiry_(ioc_) {
    asio::post(ioc_, [this] { ScheduleExpiry(); });
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
              ioc_, live_, pool_, slots_, options_.destinations, std::move(*target), n,
              n.originator.empty() ? options_.originator : n.originator, options_.originator,
              TimeoutFor(n), std::move(done));
          asio::post(ioc_, [ex] { ex->Launch(); });
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
        for (auto& ex : slots_.TakeAllWaiting()) ex->Abort();
        expiry_.cancel();
        pool_.Clear();
      });
    }
    // With the guard gone, run() returns once the aborted exchanges' handlers have drained.
    work_.reset();
    if (thread_.joinable()) thread_.join();
  }

 private:
  // Every few seconds, on the I/O thread: idle connections past their time are closed.
  void ScheduleExpiry() {
    expiry_.expires_after(std::chrono::seconds(5));
    expiry_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      pool_.Expire();
      ScheduleExpiry();
    });
  }

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
  LiveSet live_;     // I/O thread only
  IdlePool pool_;    // I/O thread only
  HostSlots slots_;  // I/O thread only
  asio::steady_timer expiry_;
};

}  // namespace

std::unique_ptr<Sender> MakeHttpSender(const HttpSenderOptions& options) {
  return std::make_unique<HttpSender>(options);
}

}  // namespace trustcse::notification
