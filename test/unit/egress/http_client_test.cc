// Tests of the HTTP/HTTPS outbound client (egress::MakeHttpClient) against a small HTTPS (or
// HTTP) server on 127.0.0.1 whose certificate comes from a CA made at test time (test_pki.h).
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "egress/http/http_client.h"
#include "test_pki.h"

namespace trustcse::egress {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using testing::IssuedCertificate;
using testing::TestPki;

struct Recorded {
  std::string method;
  std::string origin;
  std::string via;
  std::string ret;
  std::string body;
  std::string client_cn;  // the CN of the client certificate, if one was presented
};

// Answers every request with 200 / X-M2M-RSC 2000 (kSilent: never answers), keeping the
// connection alive. With a certificate it speaks TLS; with `client_ca` it requires a client
// certificate issued by that CA.
class TestServer {
 public:
  enum class Mode { kAnswer, kSilent };
  struct Options {
    const IssuedCertificate* cert = nullptr;  // null: plain HTTP
    std::string client_ca;                    // PEM; "": no client certificate asked for
    Mode mode = Mode::kAnswer;
  };

  explicit TestServer(const IssuedCertificate* cert, std::string client_ca = "",
                      Mode mode = Mode::kAnswer)
      : options_{cert, std::move(client_ca), mode},
        tls_(ssl::context::tls_server),
        acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    if (options_.cert != nullptr) {
      tls_.use_certificate_chain(asio::buffer(options_.cert->cert_pem));
      tls_.use_private_key(asio::buffer(options_.cert->key_pem), ssl::context::pem);
      if (!options_.client_ca.empty()) {
        tls_.add_certificate_authority(asio::buffer(options_.client_ca));
        tls_.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
      }
    }
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(ioc_, Accept(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~TestServer() {
    ioc_.stop();
    thread_.join();
  }

  std::string Url(const std::string& host = "127.0.0.1") const {
    return std::string(options_.cert ? "https://" : "http://") + host + ":" +
           std::to_string(port_) + "/n";
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
      if (options_.cert == nullptr) {
        asio::co_spawn(ioc_, Serve(std::make_shared<tcp::socket>(std::move(socket)), ""),
                       asio::detached);
      } else {
        asio::co_spawn(ioc_, Handshake(std::move(socket)), asio::detached);
      }
    }
  }

  asio::awaitable<void> Handshake(tcp::socket socket) {
    auto stream = std::make_shared<ssl::stream<tcp::socket>>(std::move(socket), tls_);
    beast::error_code ec;
    co_await stream->async_handshake(ssl::stream_base::server,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    std::string cn;
    if (X509* peer = SSL_get1_peer_certificate(stream->native_handle())) {
      char buf[256] = {};
      X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, buf, sizeof buf);
      cn = buf;
      X509_free(peer);
    }
    co_await Serve(stream, cn);
  }

  template <class Stream>
  asio::awaitable<void> Serve(std::shared_ptr<Stream> stream, std::string cn) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      beast::error_code ec;
      co_await http::async_read(*stream, buffer, req,
                                asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(Recorded{std::string(req.method_string()),
                                     std::string(req["X-M2M-Origin"]),
                                     std::string(req[http::field::via]),
                                     std::string(req["X-M2M-RET"]), req.body(), cn});
      }
      if (options_.mode == Mode::kSilent) {
        held_.push_back(stream);  // never answered; closed when the server goes away
        co_return;
      }
      http::response<http::string_body> res;
      res.version(11);
      res.result(http::status::ok);
      res.set("X-M2M-RSC", "2000");
      res.set("X-M2M-RI", req["X-M2M-RI"]);
      res.keep_alive(true);
      res.body() = R"({"ok":true})";
      res.prepare_payload();
      co_await http::async_write(*stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
    }
  }

  Options options_;
  asio::io_context ioc_;
  ssl::context tls_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Recorded> requests_;
  int connections_ = 0;
  std::vector<std::shared_ptr<void>> held_;  // I/O thread only
};

struct Outcome {
  Status status;
  OutboundResponse response;
};

HttpClientOptions Options(TlsClientOptions tls, int timeout_ms = 3000) {
  HttpClientOptions o;
  o.self_id = "/id-in";
  o.default_timeout = std::chrono::milliseconds(timeout_ms);
  o.tls = std::move(tls);
  return o;
}

std::unique_ptr<Client> NewClient(TlsClientOptions tls, int timeout_ms = 3000) {
  auto client = MakeHttpClient(Options(std::move(tls), timeout_ms));
  EXPECT_TRUE(client.has_value()) << (client ? "" : client.error().message());
  return client ? std::move(*client) : nullptr;
}

TlsClientOptions Trusting(const TestPki& pki) {
  TlsClientOptions t;
  t.ca_files = {pki.ca_file()};
  t.system_store = false;
  return t;
}

OutboundRequest Notify(const std::string& url) {
  OutboundRequest r;
  r.target = url;
  r.originator = "/id-in";
  r.rqi = "r1";
  r.body = R"({"m2m:sgn":{"vrq":true}})";
  return r;
}

Outcome SendAndWait(Client& client, OutboundRequest r,
                    std::optional<TimePoint> deadline = std::nullopt) {
  auto promise = std::make_shared<std::promise<Outcome>>();
  auto future = promise->get_future();
  client.Send(std::move(r), deadline, [promise](Status s, OutboundResponse res) {
    promise->set_value(Outcome{std::move(s), std::move(res)});
  });
  if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "Send did not complete";
    return Outcome{Status::Internal("no completion"), {}};
  }
  return future.get();
}

class HttpClientTest : public ::testing::Test {
 protected:
  TestPki pki_{"trustcse egress test CA"};
  IssuedCertificate server_cert_ = pki_.Issue("receiver", {"localhost"}, {"127.0.0.1"}, true);
};

TEST_F(HttpClientTest, PostsOverHttpsToAServerTheAnchorsTrust) {
  TestServer server(&server_cert_);
  auto client = NewClient(Trusting(pki_));
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    Outcome o = SendAndWait(*client, Notify(server.Url(host)));
    ASSERT_TRUE(o.status.ok()) << host << ": " << o.status.message();
    EXPECT_EQ(o.response.status, 200);
    EXPECT_EQ(o.response.rsc, 2000);
    EXPECT_EQ(o.response.Header("x-m2m-ri"), "r1");
    EXPECT_EQ(o.response.body, R"({"ok":true})");
  }
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].origin, "/id-in");
  EXPECT_EQ(reqs[0].via, "1.1 id-in");
  EXPECT_EQ(reqs[0].body, R"({"m2m:sgn":{"vrq":true}})");
  EXPECT_EQ(reqs[0].client_cn, "");  // no client certificate configured
  client->Stop();
}

TEST_F(HttpClientTest, RefusesACertificateNoAnchorTrusts) {
  TestServer server(&server_cert_);
  TestPki other("another CA");
  auto client = NewClient(Trusting(other));
  Outcome o = SendAndWait(*client, Notify(server.Url()));
  EXPECT_EQ(o.status.code(), Rsc::kTargetNotReachable);
  EXPECT_NE(o.status.message().find("certificate was not accepted"), std::string::npos)
      << o.status.message();
  // Without any anchor at all, the same.
  TlsClientOptions none;
  none.system_store = false;
  auto bare = NewClient(none);
  EXPECT_EQ(SendAndWait(*bare, Notify(server.Url())).status.code(), Rsc::kTargetNotReachable);
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(HttpClientTest, RefusesACertificateForAnotherHost) {
  IssuedCertificate elsewhere = pki_.Issue("elsewhere", {"other.example"}, {"127.0.0.2"}, true);
  TestServer server(&elsewhere);
  auto client = NewClient(Trusting(pki_));
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    Outcome o = SendAndWait(*client, Notify(server.Url(host)));
    EXPECT_EQ(o.status.code(), Rsc::kTargetNotReachable) << host;
    EXPECT_NE(o.status.message().find("mismatch"), std::string::npos) << o.status.message();
  }
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(HttpClientTest, PresentsItsCertificateToAServerThatRequiresOne) {
  TestServer server(&server_cert_, pki_.ca_pem());
  // Without a client credential the server ends the handshake: no request is served.
  auto anonymous = NewClient(Trusting(pki_));
  EXPECT_EQ(SendAndWait(*anonymous, Notify(server.Url())).status.code(),
            Rsc::kTargetNotReachable);
  EXPECT_TRUE(server.requests().empty());
  // With the CSE's certificate and key it is served, and the server saw who it was.
  IssuedCertificate cse = pki_.Issue("id-in", {}, {}, false);
  TlsClientOptions tls = Trusting(pki_);
  tls.cert_file = cse.cert_file;
  tls.key_file = cse.key_file;
  auto client = NewClient(tls);
  Outcome o = SendAndWait(*client, Notify(server.Url()));
  ASSERT_TRUE(o.status.ok()) << o.status.message();
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].client_cn, "id-in");
}

TEST_F(HttpClientTest, RefusesCredentialsItCannotLoad) {
  TlsClientOptions missing;
  missing.ca_files = {"/nonexistent/ca.pem"};
  auto a = MakeHttpClient(Options(missing));
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().code(), Rsc::kBadRequest);
  EXPECT_NE(a.error().message().find("/nonexistent/ca.pem"), std::string::npos);
  IssuedCertificate one = pki_.Issue("one", {}, {}, false);
  IssuedCertificate two = pki_.Issue("two", {}, {}, false);
  TlsClientOptions mismatched;
  mismatched.cert_file = one.cert_file;
  mismatched.key_file = two.key_file;
  EXPECT_FALSE(MakeHttpClient(Options(mismatched)));
  TlsClientOptions half;
  half.cert_file = one.cert_file;
  EXPECT_FALSE(MakeHttpClient(Options(half)));
}

TEST_F(HttpClientTest, RefusesARequestThatAlreadyPassedThroughThisCse) {
  TestServer server(&server_cert_);
  auto client = NewClient(Trusting(pki_));
  OutboundRequest looped = Notify(server.Url());
  looped.via = "1.1 id-mn, 1.1 id-in";
  Outcome o = SendAndWait(*client, looped);
  EXPECT_EQ(o.status.code(), Rsc::kTargetNotReachable);
  EXPECT_NE(o.status.message().find("loop"), std::string::npos) << o.status.message();
  EXPECT_TRUE(server.requests().empty());
  // One that came through another CSE goes on, with this CSE added to its hops.
  OutboundRequest relayed = Notify(server.Url());
  relayed.via = "1.1 id-mn";
  ASSERT_TRUE(SendAndWait(*client, relayed).status.ok());
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].via, "1.1 id-mn, 1.1 id-in");
}

TEST_F(HttpClientTest, GivesUpAtTheDeadlineWithRequestTimeout) {
  TestServer server(&server_cert_, "", TestServer::Mode::kSilent);
  auto client = NewClient(Trusting(pki_), /*timeout_ms=*/30000);
  // The deadline passed to Send.
  auto start = std::chrono::steady_clock::now();
  Outcome o = SendAndWait(*client, Notify(server.Url()), Now() + std::chrono::milliseconds(300));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(o.status.code(), Rsc::kRequestTimeout) << o.status.message();
  EXPECT_GE(elapsed, std::chrono::milliseconds(250));
  EXPECT_LT(elapsed, std::chrono::milliseconds(3000));
  // The request's own expiration, which also goes on the wire.
  OutboundRequest r = Notify(server.Url());
  r.rqet = Now() + std::chrono::milliseconds(300);
  EXPECT_EQ(SendAndWait(*client, r).status.code(), Rsc::kRequestTimeout);
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(server.requests()[1].ret.size(), std::string("20240101T000000,000000").size());
  // Neither: the client's default timeout.
  auto quick = NewClient(Trusting(pki_), /*timeout_ms=*/300);
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(SendAndWait(*quick, Notify(server.Url())).status.code(), Rsc::kRequestTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(3000));
  // A deadline already past: 4008 without sending.
  EXPECT_EQ(SendAndWait(*client, Notify(server.Url()), Now() - std::chrono::seconds(1))
                .status.code(),
            Rsc::kRequestTimeout);
  EXPECT_EQ(server.requests().size(), 3u);
  client->Stop();
  quick->Stop();
}

TEST_F(HttpClientTest, ReusesTheConnectionForTheNextRequest) {
  for (const IssuedCertificate* cert : {&server_cert_, static_cast<IssuedCertificate*>(nullptr)}) {
    TestServer server(cert);
    auto client = NewClient(Trusting(pki_));
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(SendAndWait(*client, Notify(server.Url())).status.ok()) << i;
    }
    EXPECT_EQ(server.requests().size(), 3u);
    EXPECT_EQ(server.connections(), 1) << (cert ? "https" : "http");
    client->Stop();
  }
}

TEST_F(HttpClientTest, MapsOperationsToMethods) {
  TestServer server(&server_cert_);
  auto client = NewClient(Trusting(pki_));
  for (auto [op, method] : {std::pair{Operation::kCreate, "POST"},
                            std::pair{Operation::kRetrieve, "GET"},
                            std::pair{Operation::kUpdate, "PUT"},
                            std::pair{Operation::kDelete, "DELETE"}}) {
    OutboundRequest r = Notify(server.Url());
    r.op = op;
    ASSERT_TRUE(SendAndWait(*client, r).status.ok());
    EXPECT_EQ(server.requests().back().method, method);
  }
}

TEST_F(HttpClientTest, RefusesTargetsThatAreNoHttpUrl) {
  auto client = NewClient(Trusting(pki_));
  for (const char* url : {"mqtt://127.0.0.1:1883", "not a url", "https:///nohost"}) {
    Outcome o = SendAndWait(*client, Notify(url));
    EXPECT_EQ(o.status.code(), Rsc::kTargetNotReachable) << url;
  }
}

TEST_F(HttpClientTest, StopCompletesExchangesInProgressAndRefusesNewOnes) {
  TestServer server(&server_cert_, "", TestServer::Mode::kSilent);
  auto client = NewClient(Trusting(pki_), /*timeout_ms=*/30000);
  auto promise = std::make_shared<std::promise<Status>>();
  auto future = promise->get_future();
  client->Send(Notify(server.Url()), std::nullopt,
               [promise](Status s, OutboundResponse) { promise->set_value(std::move(s)); });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (server.requests().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(server.requests().size(), 1u);
  client->Stop();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(2)), std::future_status::ready);
  EXPECT_EQ(future.get().code(), Rsc::kTargetNotReachable);
  EXPECT_EQ(SendAndWait(*client, Notify(server.Url())).status.code(), Rsc::kTargetNotReachable);
  client->Stop();  // idempotent
}

}  // namespace
}  // namespace trustcse::egress
