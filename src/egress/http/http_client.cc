// The HTTP client's lifecycle: its I/O thread, the refusals that need no connection (a loop, a
// target that is no http(s) URL), the request's wire form, and Stop. One exchange's steps are
// in exchange.cc, the pool and the slots in connection_pool.cc, TLS set-up in
// tls_client_context.cc.
#include "egress/http/http_client.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

#include "egress/http/exchange.h"
#include "egress/http/tls_client_context.h"
#include "primitive/request.h"

namespace trustcse::egress {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using SteadyClock = std::chrono::steady_clock;

http::verb VerbOf(Operation op) {
  switch (op) {
    case Operation::kRetrieve:
      return http::verb::get;
    case Operation::kUpdate:
      return http::verb::put;
    case Operation::kDelete:
      return http::verb::delete_;
    case Operation::kCreate:
    case Operation::kNotify:
      break;
  }
  return http::verb::post;
}

// The request as TS-0009 puts it on the wire, with this CSE added to its Via hops.
http::request<http::string_body> WireRequest(OutboundRequest& r, const HttpTarget& t,
                                             const std::string& via_self) {
  http::request<http::string_body> req;
  req.method(VerbOf(r.op));
  req.target(t.path);
  req.version(11);
  req.set(http::field::host, t.host_header);
  req.set("X-M2M-Origin", r.originator);
  req.set("X-M2M-RI", r.rqi);
  req.set("X-M2M-RVI", r.rvi);
  if (r.rqet) req.set("X-M2M-RET", FormatTimestamp(*r.rqet));
  if (r.ec) req.set("X-M2M-EC", std::to_string(*r.ec));
  // Names this CSE, so that a request that comes back to it is not sent on again.
  req.set(http::field::via, r.via.empty() ? "1.1 " + via_self : r.via + ", 1.1 " + via_self);
  for (auto& [name, value] : r.headers) req.insert(name, value);
  if (r.op != Operation::kRetrieve && r.op != Operation::kDelete) {
    req.set(http::field::content_type,
            r.ty ? r.content_type + ";ty=" + std::to_string(*r.ty) : r.content_type);
    req.body() = std::move(r.body);
  }
  req.keep_alive(true);
  req.prepare_payload();
  return req;
}

class HttpClient final : public Client {
 public:
  HttpClient(HttpClientOptions options, std::unique_ptr<asio::ssl::context> tls)
      : options_(std::move(options)),
        via_self_(ViaPseudonym(options_.self_id)),
        tls_(std::move(tls)),
        pool_(options_.max_idle_per_host, options_.max_idle, options_.idle_timeout),
        slots_(options_.max_in_flight_per_host),
        context_{ioc_,   *tls_, options_.destinations, pool_, slots_, live_,
                 options_.max_response_body},
        work_(asio::make_work_guard(ioc_)),
        expiry_(ioc_) {
    asio::post(ioc_, [this] { ScheduleExpiry(); });
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "tc-egress-http");
      RunIo();
    });
  }

  ~HttpClient() override { Stop(); }

  void Send(OutboundRequest request, std::optional<TimePoint> deadline,
            ResponseHandler done) override {
    if (!via_self_.empty() && ViaNames(request.via, via_self_)) {
      spdlog::info("egress: not sending {} to {}: it has already passed through this CSE",
                   request.rqi, SafeTarget(request.target));
      return done(Status(Rsc::kTargetNotReachable,
                         "request loop: the request has already passed through this CSE (Via)"),
                  {});
    }
    std::string why;
    std::optional<HttpTarget> target = ParseHttpTarget(request.target, &why);
    if (!target) {
      spdlog::warn("egress: not sending {}: {}", request.rqi, why);
      return done(Status(Rsc::kTargetNotReachable, why), {});
    }
    const auto until = DeadlineOf(request, deadline);
    {
      // Holding mu_ while posting orders every accepted Send before Stop's abort sweep, so no
      // exchange can slip in after the sweep and be left without a completion.
      std::lock_guard lock(mu_);
      if (!stopped_) {
        try {
          auto wire = WireRequest(request, *target, via_self_);
          auto ex = std::make_shared<Exchange>(context_, std::move(*target), std::move(wire),
                                               until, std::move(done));
          asio::post(ioc_, [ex] { ex->Launch(); });
          return;
        } catch (const std::exception& e) {
          // `done` is moved only once the Exchange is constructed; after that only post()
          // could throw, which io_context's does not in practice.
          spdlog::error("egress: cannot start a request: {}", e.what());
        }
      }
    }
    if (done) done(Status(Rsc::kTargetNotReachable, "the outbound client stopped"), {});
  }

  void Stop() override {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      asio::post(ioc_, [this] {
        // Finish() erases from live_, so sweep a copy.
        LiveExchanges live;
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
  // The earliest of the given deadline and the request's expiration; the default timeout when
  // neither is set. A deadline already past makes the exchange fail with 4008 without
  // connecting.
  SteadyClock::time_point DeadlineOf(const OutboundRequest& r,
                                     std::optional<TimePoint> deadline) const {
    const auto now = SteadyClock::now();
    std::optional<TimePoint> at = deadline;
    if (r.rqet && (!at || *r.rqet < *at)) at = r.rqet;
    if (!at) return now + options_.default_timeout;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*at - Now());
    return now + std::max(left, std::chrono::milliseconds(0));
  }

  static std::string SafeTarget(const std::string& url) {
    std::string why;
    auto t = ParseHttpTarget(url, &why);
    return t ? t->safe : std::string("(an invalid target)");
  }

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
        spdlog::error("egress: I/O thread error: {}", ex.what());
      } catch (...) {
        spdlog::error("egress: unknown I/O thread error");
      }
    }
  }

  const HttpClientOptions options_;
  const std::string via_self_;
  std::unique_ptr<asio::ssl::context> tls_;
  asio::io_context ioc_;
  IdlePool pool_;      // I/O thread only
  HostSlots slots_;    // I/O thread only
  LiveExchanges live_;  // I/O thread only
  ExchangeContext context_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
  std::mutex mu_;
  bool stopped_ = false;  // guarded by mu_
  asio::steady_timer expiry_;
};

}  // namespace

Result<std::unique_ptr<Client>> MakeHttpClient(HttpClientOptions options) {
  auto tls = MakeTlsClientContext(options.tls);
  if (!tls) return Err(tls.error());
  return std::unique_ptr<Client>(std::make_unique<HttpClient>(std::move(options), std::move(*tls)));
}

}  // namespace trustcse::egress
