// One HTTP exchange of the egress client: (wait for a slot) → take an idle connection, or
// resolve → check the destination policy → connect → TLS handshake for https → write the
// request → read the answer → hand the connection back to the pool or close it.
//
// Ownership: an Exchange is owned by the shared_ptrs its pending handlers (and HostSlots, while
// it waits) hold; `done` is called exactly once. Thread-safety: none — every member function
// runs on the client's I/O thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <unordered_map>

#include "egress/client.h"
#include "egress/destination_policy.h"
#include "egress/http/connection_pool.h"
#include "egress/http/target.h"

namespace trustcse::egress {

// Exchanges in progress, so Stop can abort them.
using LiveExchanges = std::unordered_map<Exchange*, std::weak_ptr<Exchange>>;

// What every exchange of one client shares; all of it lives as long as the client.
struct ExchangeContext {
  boost::asio::io_context& ioc;
  boost::asio::ssl::context& tls;
  const DestinationPolicy& destinations;
  IdlePool& pool;
  HostSlots& slots;
  LiveExchanges& live;
  size_t max_response_body;
};

class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  using SteadyClock = std::chrono::steady_clock;
  Exchange(ExchangeContext& context, HttpTarget target,
           boost::beast::http::request<boost::beast::http::string_body> request,
           SteadyClock::time_point deadline, ResponseHandler done);

  // Starts now, or when a slot for the target frees.
  void Launch();
  // Starts the exchange in the slot it holds.
  void Start();
  // Ends the exchange now with 5103; nothing goes back to the pool.
  void Abort();

 private:
  void Connect();
  void OnResolve(boost::beast::error_code ec, boost::asio::ip::tcp::resolver::results_type r);
  void OnConnect(boost::beast::error_code ec);
  void OnHandshake(boost::beast::error_code ec);
  void Write();
  bool RetryFresh(boost::beast::error_code ec);
  void OnWrite(boost::beast::error_code ec);
  void OnRead(boost::beast::error_code ec);
  void Fail(const char* what, boost::beast::error_code ec);
  void Finish(Status s, OutboundResponse response = {});

  ExchangeContext& cx_;
  HttpTarget target_;
  boost::asio::ip::tcp::resolver resolver_;
  std::unique_ptr<Connection> connection_;
  boost::asio::steady_timer timer_;
  SteadyClock::time_point deadline_;
  boost::beast::http::request<boost::beast::http::string_body> req_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
  ResponseHandler done_;
  bool finished_ = false;
  bool started_ = false;   // it holds a slot of HostSlots
  bool reused_ = false;    // the connection came from the idle pool
  bool keep_ = false;      // the answer allows reusing the connection
  bool stopping_ = false;  // aborted by Stop: nothing goes back to the pool, no slot released
};

}  // namespace trustcse::egress
