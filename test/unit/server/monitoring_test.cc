// Monitoring's handlers over a store and no listeners, and the monitoring listener's bounds.
#include "server/monitoring.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <thread>
#include <vector>

#include "server/monitoring_listener.h"

namespace trustcse::server {
namespace {

struct Fixture {
  Config config;
  std::unique_ptr<storage::Store> store = storage::OpenMemoryStore();
  std::unique_ptr<http::HttpServer> http;
  std::vector<std::unique_ptr<http::HttpServer>> https;
  std::mutex tls_mu;
  std::unique_ptr<coap::CoapServer> coap;
  std::unique_ptr<mqtt::MqttBinding> mqtt;
  Monitoring::Sources Sources() {
    return {&config, store.get(), nullptr, &http, &https, &tls_mu, &coap, &mqtt, nullptr};
  }
};

TEST(Monitoring, HealthzAlwaysReadyzOnceStarted) {
  Fixture f;
  Monitoring m(f.Sources());
  auto h = m.Get("/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, "ok\n");
  EXPECT_EQ(m.Get("/readyz").status, 503);  // not started yet
  ASSERT_TRUE(m.Start().ok());
  auto r = m.Get("/readyz");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"store\":\"ok\""), std::string::npos);
  EXPECT_EQ(m.Get("/nosuch").status, 404);
  m.Stop();
  EXPECT_EQ(m.Get("/healthz").status, 503);
}

TEST(Monitoring, ReadyzNamesAConfiguredListenerThatIsNotUp) {
  Fixture f;
  f.config.http_enabled = true;  // configured, but no server was made
  Monitoring m(f.Sources());
  ASSERT_TRUE(m.Start().ok());
  auto r = m.Ready();
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("\"down\""), std::string::npos) << r.body;
}

TEST(Monitoring, ReadyzIs503WhenTheStoreTakesNoWrite) {
  Fixture f;
  Monitoring m(f.Sources());
  ASSERT_TRUE(m.Start().ok());
  f.store->Close();
  auto r = m.Ready();
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("\"ready\":false"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("the store refused a write"), std::string::npos) << r.body;
}

TEST(Monitoring, MetricsAreTextFormatWithTheRecordedRequests) {
  Fixture f;
  Monitoring m(f.Sources());
  m.requests()->Record("http", 1, 2, 2001, std::chrono::microseconds(700));
  auto a = m.Get("/metrics");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.content_type, "text/plain; version=0.0.4; charset=utf-8");
  for (const char* want :
       {"# TYPE trustcse_requests_total counter",
        "trustcse_requests_total{binding=\"http\",operation=\"create\",rsc=\"2001\",ty=\"2\"} 1",
        "# TYPE trustcse_request_duration_seconds histogram",
        "trustcse_request_duration_seconds_bucket{binding=\"http\",operation=\"create\",le=\"0."
        "001\"} 1",
        "trustcse_storage_queue_depth 0", "process_resident_memory_bytes ", "process_open_fds ",
        "trustcse_build_info{"}) {
    EXPECT_NE(a.body.find(want), std::string::npos) << want;
  }
}

TEST(Monitoring, StatusSummaryNamesVersionStoreAndCounts) {
  Fixture f;
  Monitoring m(f.Sources());
  m.requests()->Record("coap", 2, 0, 2000, std::chrono::microseconds(1));
  auto s = m.StatusSummary();
  EXPECT_TRUE(s.contains("version"));
  EXPECT_TRUE(s.contains("uptime_seconds"));
  EXPECT_EQ(s.at("requests").as_uint64(), 1u);
  EXPECT_EQ(s.at("store").as_object().at("path").as_string(), f.config.db_path);
}

TEST(ProcessFacts, ReadsProc) {
  auto p = ReadProcessFacts();
  EXPECT_GT(p.resident_bytes, 0u);
  EXPECT_GT(p.open_fds, 0u);
}

// A connected TCP socket to 127.0.0.1:port (-1 if the connect failed).
int Connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One raw HTTP exchange with the listener on 127.0.0.1:port.
std::string Exchange(uint16_t port, const std::string& request) {
  int fd = Connect(port);
  if (fd < 0) return "connect failed";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

TEST(MonitoringListener, ServesTheThreeGetsAndNothingElse) {
  MonitoringListener l("127.0.0.1", 0, [](std::string_view path) {
    return admin::PlainAnswer{200, "text/plain", std::string(path)};
  });
  ASSERT_TRUE(l.Start().ok());
  ASSERT_NE(l.port(), 0);
  EXPECT_NE(Exchange(l.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").find("200 OK"),
            std::string::npos);
  EXPECT_NE(
      Exchange(l.port(), "GET /readyz?x=1 HTTP/1.1\r\nHost: x\r\n\r\n").find("\r\n\r\n/readyz"),
      std::string::npos);
  EXPECT_NE(Exchange(l.port(), "GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n").find("404"),
            std::string::npos);
  EXPECT_NE(Exchange(l.port(), "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
                .find("405"),
            std::string::npos);
  EXPECT_NE(Exchange(l.port(), "GET /metrics HTTP/1.1\r\nX: " + std::string(5000, 'a') + "\r\n\r\n")
                .find("431"),
            std::string::npos);
  EXPECT_NE(Exchange(l.port(), "garbage\r\n\r\n").find("400"), std::string::npos);
  l.Stop();
}

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// True if the server closes `fd` (end of stream or a reset, discarding anything it sends)
// within `timeout`; false if the connection is still open then.
bool ClosedWithin(int fd, milliseconds timeout) {
  const auto end = Clock::now() + timeout;
  timeval tv{0, 50 * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[256];
  while (Clock::now() < end) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return true;
  }
  return false;
}

milliseconds Since(Clock::time_point t) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - t);
}

admin::PlainAnswer Echo(std::string_view path) {
  return admin::PlainAnswer{200, "text/plain", std::string(path)};
}

const std::string kHealthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

TEST(MonitoringListener, ASilentAndATricklingClientDelayNobody) {
  MonitoringListener l("127.0.0.1", 0, Echo);
  ASSERT_TRUE(l.Start().ok());
  const auto opened = Clock::now();
  int silent = Connect(l.port());
  int trickle = Connect(l.port());
  ASSERT_GE(silent, 0);
  ASSERT_GE(trickle, 0);
  // A header that never ends, one byte per 100 ms: each read is quick, the header is not.
  std::atomic<bool> stop{false};
  std::thread trickler([&] {
    const std::string start = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    for (size_t i = 0; !stop; ++i) {
      const char c = i < start.size() ? start[i] : 'a';
      if (::send(trickle, &c, 1, MSG_NOSIGNAL) != 1) return;
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  std::this_thread::sleep_for(milliseconds(300));  // both accepted, the trickle under way
  for (int i = 0; i < 3; ++i) {
    const auto t = Clock::now();
    const std::string r = Exchange(l.port(), kHealthz);
    EXPECT_NE(r.find("HTTP/1.1 200 OK"), std::string::npos) << r;
    EXPECT_LT(Since(t), milliseconds(2000));
  }
  const auto t = Clock::now();
  EXPECT_NE(Exchange(l.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").find("200 OK"),
            std::string::npos);
  EXPECT_LT(Since(t), milliseconds(2000));
  // Both are closed at the header's deadline: the trickle does not extend it.
  EXPECT_TRUE(ClosedWithin(silent, milliseconds(7000)));
  EXPECT_TRUE(ClosedWithin(trickle, milliseconds(7000) - Since(opened)));
  EXPECT_GE(Since(opened), milliseconds(MonitoringListener::kTimeoutMs - 500));
  stop = true;
  trickler.join();
  ::close(silent);
  ::close(trickle);
  l.Stop();
}

TEST(MonitoringListener, ASlowReadinessAnswerDelaysNotLiveness) {
  MonitoringListener l("127.0.0.1", 0, [](std::string_view path) {
    if (path == "/readyz") std::this_thread::sleep_for(milliseconds(1500));
    return Echo(path);
  });
  ASSERT_TRUE(l.Start().ok());
  std::string ready;
  std::thread slow([&] { ready = Exchange(l.port(), "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"); });
  std::this_thread::sleep_for(milliseconds(100));
  const auto t = Clock::now();
  EXPECT_NE(Exchange(l.port(), kHealthz).find("200 OK"), std::string::npos);
  EXPECT_LT(Since(t), milliseconds(1000));
  slow.join();
  EXPECT_NE(ready.find("\r\n\r\n/readyz"), std::string::npos) << ready;
  l.Stop();
}

TEST(MonitoringListener, ClosesAnAnswerNotReadyByTheDeadlineUnanswered) {
  MonitoringListener l("127.0.0.1", 0, [](std::string_view path) {
    if (path == "/metrics") {
      std::this_thread::sleep_for(milliseconds(MonitoringListener::kTimeoutMs + 700));
    }
    return Echo(path);
  });
  ASSERT_TRUE(l.Start().ok());
  const auto t = Clock::now();
  EXPECT_EQ(Exchange(l.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), "");
  EXPECT_LT(Since(t), milliseconds(MonitoringListener::kTimeoutMs + 500));
  EXPECT_NE(Exchange(l.port(), kHealthz).find("200 OK"), std::string::npos);
  l.Stop();
}

TEST(MonitoringListener, ClosesConnectionsBeyondTheCapAndServesAgainOnceTheyClose) {
  MonitoringListener l("127.0.0.1", 0, Echo);
  ASSERT_TRUE(l.Start().ok());
  std::vector<int> held;
  for (size_t i = 0; i < MonitoringListener::kMaxConnections; ++i) {
    held.push_back(Connect(l.port()));
    ASSERT_GE(held.back(), 0);
  }
  // Accepted in order: every one beyond the cap is closed at once, well before any deadline.
  int beyond = Connect(l.port());
  ASSERT_GE(beyond, 0);
  EXPECT_TRUE(ClosedWithin(beyond, milliseconds(2000)));
  ::close(beyond);
  EXPECT_EQ(Exchange(l.port(), kHealthz).find("200 OK"), std::string::npos);
  EXPECT_FALSE(ClosedWithin(held.front(), milliseconds(50)));  // the ones within stay open
  EXPECT_FALSE(ClosedWithin(held.back(), milliseconds(50)));
  for (int fd : held) ::close(fd);
  // The server sees the closes in its own time: a new client is served within a moment.
  std::string r;
  const auto t = Clock::now();
  while (Since(t) < milliseconds(2000)) {
    r = Exchange(l.port(), kHealthz);
    if (r.find("200 OK") != std::string::npos) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_NE(r.find("HTTP/1.1 200 OK"), std::string::npos) << r;
  l.Stop();
}

TEST(MonitoringListener, RefusesAnAddressThatIsNotAnIp) {
  MonitoringListener l("localhost", 0, [](std::string_view) { return admin::PlainAnswer{}; });
  EXPECT_FALSE(l.Start().ok());
}

}  // namespace
}  // namespace trustcse::server
