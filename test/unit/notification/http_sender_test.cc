// Tests of the HTTP notification sender (MakeHttpSender) against a tiny HTTP server on
// 127.0.0.1 that records what it receives and answers as each test tells it to.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "notification/notifier.h"
#include "primitive/cbor.h"
#include "primitive/json_util.h"

namespace trustcse::notification {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Recorded {
  std::string method;
  std::string target;
  std::string host;
  std::string origin;
  std::string ri;
  std::string rvi;
  std::string content_type;
  std::string connection;
  std::string body;
  std::string ec;
};

class TestServer {
 public:
  // kKeepAlive serves any number of requests per connection; kCloseAfterAnswer says keep-alive
  // but closes each connection right after its first answer (a server that drops idle ones).
  enum class Mode { kOk, kHttp500, kRsc4004, kSilent, kKeepAlive, kCloseAfterAnswer };

  explicit TestServer(Mode mode)
      : mode_(mode), acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(ioc_, Accept(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }

  ~TestServer() {
    ioc_.stop();
    thread_.join();
  }

  unsigned short port() const { return port_; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  std::vector<Recorded> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  int connections() {
    std::lock_guard lock(mu_);
    return connections_;
  }

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      tcp::socket socket = co_await acceptor_.async_accept(asio::use_awaitable);
      {
        std::lock_guard lock(mu_);
        ++connections_;
      }
      asio::co_spawn(ioc_, Serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> Serve(tcp::socket socket) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      beast::error_code ec;
      co_await http::async_read(socket, buffer, req,
                                asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;  // the client closed the connection
      {
        std::lock_guard lock(mu_);
        requests_.push_back(Recorded{std::string(req.method_string()), std::string(req.target()),
                                     std::string(req[http::field::host]),
                                     std::string(req["X-M2M-Origin"]), std::string(req["X-M2M-RI"]),
                                     std::string(req["X-M2M-RVI"]),
                                     std::string(req[http::field::content_type]),
                                     std::string(req[http::field::connection]), req.body(),
                                     std::string(req["X-M2M-EC"])});
      }
      if (mode_ == Mode::kSilent) {
        held_.push_back(std::move(socket));  // never answer; closed when the server goes away
        co_return;
      }
      http::response<http::string_body> res;
      res.version(11);
      res.result(mode_ == Mode::kHttp500 ? http::status::internal_server_error : http::status::ok);
      res.set("X-M2M-RSC", mode_ == Mode::kRsc4004 ? "4004" : mode_ == Mode::kHttp500 ? "5000" : "2000");
      res.set("X-M2M-RI", req["X-M2M-RI"]);
      const bool keep = mode_ == Mode::kKeepAlive || mode_ == Mode::kCloseAfterAnswer;
      res.keep_alive(keep);
      res.prepare_payload();
      co_await http::async_write(socket, res, asio::use_awaitable);
      if (mode_ != Mode::kKeepAlive) co_return;  // closes the socket
    }
  }

  Mode mode_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Recorded> requests_;
  int connections_ = 0;
  std::vector<tcp::socket> held_;  // I/O thread only
};

// Sends one notification and waits (bounded) for its completion.
Status SendAndWait(Sender& sender, const Notification& n,
                   std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  auto promise = std::make_shared<std::promise<Status>>();
  auto future = promise->get_future();
  sender.Send(n, [promise](Status s) { promise->set_value(std::move(s)); });
  if (future.wait_for(limit) != std::future_status::ready) {
    ADD_FAILURE() << "Send did not complete";
    return Status::Internal("no completion");
  }
  return future.get();
}

std::unique_ptr<Sender> NewSender(int timeout_ms = 3000) {
  return MakeHttpSender(HttpSenderOptions{"/id-in", timeout_ms});
}

// Sends `count` notifications to `url` at once, the i-th shaped by `shape` (may be empty);
// returns their completions.
std::vector<std::future<Status>> SendMany(Sender& sender, const std::string& url, int count,
                                          const std::function<void(int, Notification&)>& shape = {}) {
  std::vector<std::future<Status>> results;
  for (int i = 0; i < count; ++i) {
    auto promise = std::make_shared<std::promise<Status>>();
    results.push_back(promise->get_future());
    Notification n{url, "{}", "m" + std::to_string(i)};
    if (shape) shape(i, n);
    sender.Send(n, [promise](Status s) { promise->set_value(std::move(s)); });
  }
  return results;
}

TEST(HttpSender, PostsBodyAndHeaders) {
  TestServer server(TestServer::Mode::kOk);
  auto sender = NewSender();
  const std::string body = R"({"m2m:sgn":{"vrq":true,"sur":"/id-in/sub1"}})";
  Status s = SendAndWait(*sender, {server.Url("/notify?x=1"), body, "rqi-42"});
  EXPECT_TRUE(s.ok()) << s.message();
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/notify?x=1");
  EXPECT_EQ(reqs[0].host, "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(reqs[0].origin, "/id-in");
  EXPECT_EQ(reqs[0].ri, "rqi-42");
  EXPECT_EQ(reqs[0].rvi, "3");  // the egress default when the notification names none
  EXPECT_EQ(reqs[0].content_type, "application/json");  // exactly: RFC 8259 has no parameters
  EXPECT_EQ(reqs[0].ec, "");
  EXPECT_NE(reqs[0].connection, "close");  // HTTP/1.1 keep-alive
  EXPECT_EQ(reqs[0].body, body);
  sender->Stop();
}

TEST(HttpSender, SendsTheTargetsReleaseEventCategoryAndSerialization) {
  TestServer server(TestServer::Mode::kOk);
  auto sender = NewSender();
  Notification n;
  n.target = server.Url("/n");
  n.body = R"({"m2m:sgn":{"sur":"/id-in/s","nev":{"net":1}}})";
  n.rqi = "r1";
  n.rvi = "2a";
  n.ec = 4;
  n.cbor = true;
  EXPECT_TRUE(SendAndWait(*sender, n).ok());
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].rvi, "2a");
  EXPECT_EQ(reqs[0].ec, "4");
  EXPECT_EQ(reqs[0].content_type, "application/cbor");
  auto decoded = cbor::Decode(reqs[0].body);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(json::Serialize(*decoded), n.body);
  sender->Stop();
}

// A connection is used again only when the target's answer keeps it alive.
TEST(HttpSender, ReusesAConnectionOnlyWhenTheTargetKeepsItAlive) {
  for (auto [mode, connections] : {std::pair{TestServer::Mode::kOk, 5},
                                   std::pair{TestServer::Mode::kKeepAlive, 1}}) {
    TestServer server(mode);
    auto sender = NewSender();
    for (int i = 0; i < 5; ++i) {
      EXPECT_TRUE(SendAndWait(*sender, {server.Url("/n"), "{}", "r" + std::to_string(i)}).ok());
    }
    EXPECT_EQ(server.requests().size(), 5u);
    EXPECT_EQ(server.connections(), connections);
    sender->Stop();
  }
}

// A burst for one target: at most 8 exchanges at a time, on kept-alive connections.
TEST(HttpSender, ABurstForOneTargetUsesAFewConnections) {
  TestServer server(TestServer::Mode::kKeepAlive);
  auto sender = NewSender();
  constexpr int kBurst = 64;
  for (auto& f : SendMany(*sender, server.Url("/n"), kBurst)) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    EXPECT_TRUE(f.get().ok());
  }
  EXPECT_EQ(server.requests().size(), static_cast<size_t>(kBurst));
  EXPECT_LE(server.connections(), 8);
  sender->Stop();
}

// A request that waited its whole deadline for a slot fails without being sent.
TEST(HttpSender, ARequestThatWaitedTooLongForASlotIsNotSent) {
  TestServer server(TestServer::Mode::kSilent);
  auto sender = NewSender(/*timeout_ms=*/200);
  // The ninth must be answered within 100 ms; the eight before it hold the slots for 200.
  auto results = SendMany(*sender, server.Url("/n"), 9, [](int i, Notification& n) {
    if (i == 8) n.deadline = Now() + std::chrono::milliseconds(100);
  });
  for (auto& f : results) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    EXPECT_FALSE(f.get().ok());
  }
  EXPECT_EQ(server.requests().size(), 8u);
  sender->Stop();
}

// Requests waiting for a slot are completed by Stop too.
TEST(HttpSender, StopCompletesRequestsWaitingForASlot) {
  TestServer server(TestServer::Mode::kSilent);
  auto sender = NewSender(/*timeout_ms=*/30000);
  auto results = SendMany(*sender, server.Url("/n"), 12);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (server.requests().size() < 8 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(server.requests().size(), 8u);  // the other four wait for a slot
  sender->Stop();
  for (auto& f : results) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(2)), std::future_status::ready);
    EXPECT_FALSE(f.get().ok());
  }
}

// The target closes each connection after answering although it said keep-alive: the next
// request finds the idle connection dead and goes again on a new one, delivered once.
TEST(HttpSender, SendsAgainWhenAnIdleConnectionWasClosed) {
  TestServer server(TestServer::Mode::kCloseAfterAnswer);
  auto sender = NewSender();
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(SendAndWait(*sender, {server.Url("/n"), "{}", "r" + std::to_string(i)}).ok()) << i;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the close arrives
  }
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(server.connections(), 3);
  sender->Stop();
}

TEST(HttpSender, ReportsConnectionRefused) {
  unsigned short port;
  {
    // A port that was free a moment ago and has no listener now.
    asio::io_context ioc;
    tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  auto sender = NewSender();
  Status s = SendAndWait(*sender, {"http://127.0.0.1:" + std::to_string(port) + "/", "{}", "r"});
  EXPECT_FALSE(s.ok());
}

TEST(HttpSender, ReportsHttpErrorStatus) {
  TestServer server(TestServer::Mode::kHttp500);
  auto sender = NewSender();
  EXPECT_FALSE(SendAndWait(*sender, {server.Url("/n"), "{}", "r"}).ok());
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(HttpSender, ReportsOneM2MErrorStatus) {
  TestServer server(TestServer::Mode::kRsc4004);
  auto sender = NewSender();
  EXPECT_FALSE(SendAndWait(*sender, {server.Url("/n"), "{}", "r"}).ok());
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(HttpSender, TimesOutWhenServerNeverAnswers) {
  TestServer server(TestServer::Mode::kSilent);
  auto sender = NewSender(/*timeout_ms=*/200);
  auto start = std::chrono::steady_clock::now();
  Status s = SendAndWait(*sender, {server.Url("/n"), "{}", "r"});
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(s.ok());
  EXPECT_GE(elapsed, std::chrono::milliseconds(150));
  EXPECT_LT(elapsed, std::chrono::milliseconds(2000));
  sender->Stop();
}

TEST(HttpSender, RefusesHttpsAndMalformedTargetsAtOnce) {
  auto sender = NewSender();
  EXPECT_FALSE(SendAndWait(*sender, {"https://127.0.0.1:1/n", "{}", "r"}).ok());
  EXPECT_FALSE(SendAndWait(*sender, {"not a url", "{}", "r"}).ok());
  EXPECT_FALSE(SendAndWait(*sender, {"mqtt://127.0.0.1:1883", "{}", "r"}).ok());
  EXPECT_FALSE(SendAndWait(*sender, {"http:///nohost", "{}", "r"}).ok());
}

TEST(HttpSender, StopCompletesPendingSendsAndRefusesNewOnes) {
  TestServer server(TestServer::Mode::kSilent);
  auto sender = NewSender(/*timeout_ms=*/30000);
  auto promise = std::make_shared<std::promise<Status>>();
  auto future = promise->get_future();
  sender->Send({server.Url("/n"), "{}", "r"}, [promise](Status s) { promise->set_value(s); });
  // Wait until the request has reached the server, so Stop has a live exchange to abort.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (server.requests().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(server.requests().size(), 1u);
  sender->Stop();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(2)), std::future_status::ready);
  EXPECT_FALSE(future.get().ok());
  EXPECT_FALSE(SendAndWait(*sender, {server.Url("/n"), "{}", "r"}).ok());
  sender->Stop();  // idempotent
}

}  // namespace
}  // namespace trustcse::notification
