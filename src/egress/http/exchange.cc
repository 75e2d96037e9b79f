#include "egress/http/exchange.h"

#include <spdlog/spdlog.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <exception>
#include <utility>
#include <vector>

#include "egress/http/tls_client_context.h"

namespace trustcse::egress {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

Status Unreachable(std::string message) {
  return Status(Rsc::kTargetNotReachable, std::move(message));
}
Status TimedOut(std::string message) { return Status(Rsc::kRequestTimeout, std::move(message)); }

}  // namespace

Exchange::Exchange(ExchangeContext& context, HttpTarget target,
                   http::request<http::string_body> request, SteadyClock::time_point deadline,
                   ResponseHandler done)
    : cx_(context),
      target_(std::move(target)),
      resolver_(context.ioc),
      timer_(context.ioc),
      deadline_(deadline),
      req_(std::move(request)),
      done_(std::move(done)) {}

void Exchange::Launch() {
  if (cx_.slots.closed()) return Abort();
  if (cx_.slots.Acquire(target_.key, shared_from_this())) Start();
}

void Exchange::Start() {
  if (cx_.slots.closed()) return Abort();
  started_ = true;
  cx_.live[this] = weak_from_this();
  // The deadline counts from the Send: one that waited all of it for a slot fails now, without
  // sending (a notifier retries later, when the target may have caught up).
  if (SteadyClock::now() >= deadline_) {
    return Finish(TimedOut("the target was busy: no connection to it was free in time"));
  }
  if (auto idle = cx_.pool.Take(target_.key)) {
    connection_ = std::move(idle);
    reused_ = true;
    connection_->tcp().expires_at(deadline_);
    return Write();
  }
  Connect();
}

void Exchange::Abort() {
  stopping_ = true;
  Finish(Unreachable("the outbound client stopped"));
}

void Exchange::Connect() {
  reused_ = false;
  connection_ = target_.tls ? std::make_unique<Connection>(cx_.ioc, cx_.tls)
                            : std::make_unique<Connection>(cx_.ioc);
  // tcp_stream's own timeout does not cover name resolution, so a timer guards that step.
  timer_.expires_at(deadline_);
  timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec) return;  // cancelled: resolution finished first
    self->resolver_.cancel();
    self->Finish(TimedOut("the target's name was not resolved in time"));
  });
  resolver_.async_resolve(
      target_.host, target_.port,
      [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
        self->OnResolve(ec, std::move(results));
      });
}

void Exchange::OnResolve(beast::error_code ec, tcp::resolver::results_type results) {
  timer_.cancel();
  if (finished_) return;
  if (ec) return Fail("cannot resolve the target", ec);
  // Only to the networks the operator lets this CSE reach, checked on what the name resolved
  // to now (a name that resolves elsewhere later is checked again then).
  std::vector<tcp::endpoint> permitted;
  for (const auto& r : results) {
    const auto a = r.endpoint().address();
    const bool ok = a.is_v4() ? cx_.destinations.Permits(a.to_v4().to_bytes().data(), 4)
                              : cx_.destinations.Permits(a.to_v6().to_bytes().data(), 16);
    if (ok) permitted.push_back(r.endpoint());
  }
  if (permitted.empty()) {
    spdlog::warn("egress: {} is in a network this CSE does not send to "
                 "([notification] allow_networks / deny_networks)", target_.safe);
    return Finish(Unreachable("the target is in a network this CSE does not send to"));
  }
  // One deadline for the whole exchange: connect, handshake, write and read share what is left.
  connection_->tcp().expires_at(deadline_);
  connection_->tcp().async_connect(
      permitted, [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
        self->OnConnect(ec);
      });
}

void Exchange::OnConnect(beast::error_code ec) {
  if (finished_) return;
  if (ec) return Fail("cannot connect to the target", ec);
  if (!connection_->tls()) return Write();
  if (!BindTlsToHost(connection_->tls_stream().native_handle(), target_.host)) {
    return Finish(Unreachable("the target's host cannot be checked against its certificate"));
  }
  connection_->tls_stream().async_handshake(
      asio::ssl::stream_base::client,
      [self = shared_from_this()](beast::error_code ec) { self->OnHandshake(ec); });
}

void Exchange::OnHandshake(beast::error_code ec) {
  if (finished_) return;
  if (ec == beast::error::timeout) {
    return Finish(TimedOut("the TLS handshake with the target did not complete in time"));
  }
  if (ec) {
    std::string why = TlsHandshakeFailure(connection_->tls_stream().native_handle(), ec);
    spdlog::info("egress: {}: {}", target_.safe, why);
    return Finish(Unreachable(std::move(why)));
  }
  Write();
}

void Exchange::Write() {
  buffer_.clear();
  parser_.emplace();
  parser_->body_limit(cx_.max_response_body);
  connection_->Visit([this](auto& stream) {
    http::async_write(stream, req_, [self = shared_from_this()](beast::error_code ec,
                                                                std::size_t) { self->OnWrite(ec); });
  });
}

// A reused connection that fails before any answer arrived was closed by the target while it
// was idle: the request goes again, once, on a new connection.
bool Exchange::RetryFresh(beast::error_code ec) {
  if (!reused_ || ec == beast::error::timeout || parser_->got_some()) return false;
  connection_->Close();  // nothing is pending on it: its last operation has just completed
  Connect();
  return true;
}

void Exchange::OnWrite(beast::error_code ec) {
  if (finished_) return;
  if (ec) {
    if (RetryFresh(ec)) return;
    return Fail("cannot send the request", ec);
  }
  connection_->Visit([this](auto& stream) {
    http::async_read(stream, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->OnRead(ec);
                     });
  });
}

void Exchange::OnRead(beast::error_code ec) {
  if (finished_) return;
  if (ec) {
    if (RetryFresh(ec)) return;
    return Fail("no valid response from the target", ec);
  }
  auto& res = parser_->get();
  keep_ = res.keep_alive() && parser_->is_done();
  OutboundResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  if (auto it = res.find("X-M2M-RSC"); it != res.end()) {
    const std::string_view v = it->value();
    int rsc = 0;
    auto [end, err] = std::from_chars(v.data(), v.data() + v.size(), rsc);
    if (err != std::errc() || end != v.data() + v.size() || rsc <= 0) {
      spdlog::debug("egress: {} answered X-M2M-RSC {}", target_.safe, std::string(v));
      return Finish(Unreachable("the target answered with an invalid response status code"));
    }
    out.rsc = rsc;
  }
  out.body = std::move(res.body());
  Finish(Status::Ok(), std::move(out));
}

void Exchange::Fail(const char* what, beast::error_code ec) {
  if (ec == beast::error::timeout) return Finish(TimedOut("the target did not answer in time"));
  spdlog::debug("egress: {}: {}: {}", target_.safe, what, ec.message());
  Finish(Unreachable(what));
}

void Exchange::Finish(Status s, OutboundResponse response) {
  if (finished_) return;
  finished_ = true;
  cx_.live.erase(this);
  timer_.cancel();
  if (connection_) {
    if (keep_ && !stopping_) {
      connection_->tcp().expires_never();
      cx_.pool.Put(target_.key, std::move(connection_));
    } else {
      // Closed, not destroyed: a TLS stream must outlive the operations still pending on it,
      // whose handlers hold this exchange (and so the connection) until they have run.
      connection_->Close();
    }
  }
  if (started_ && !stopping_) {
    // The next exchange waiting for this target starts (after this handler returns).
    if (auto next = cx_.slots.Release(target_.key)) asio::post(cx_.ioc, [next] { next->Start(); });
  }
  auto done = std::move(done_);
  try {
    done(std::move(s), std::move(response));
  } catch (const std::exception& ex) {
    spdlog::error("egress: completion handler threw: {}", ex.what());
  } catch (...) {
    spdlog::error("egress: completion handler threw");
  }
}

}  // namespace trustcse::egress
