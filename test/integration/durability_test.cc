// Black-box: kill -9 while writes are in flight loses no acknowledged write and leaves no
// half-applied request (container counters agree with the instances that exist).
#include <signal.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "harness.h"
#include "fixture.h"

namespace trustcse::testing {
namespace {

TEST(Durability, KillNineLosesNoAcknowledgedWrite) {
  TrustcseProcess server;
  Client setup(server.port(), "Cdur");
  ASSERT_EQ(setup.Create("/cse-in", 2, R"({"m2m:ae":{"rn":"dur","api":"Nd","rr":true,"srv":["3"]}})").rsc(), 2001);
  ASSERT_EQ(setup.Create("/cse-in/dur", 3, R"({"m2m:cnt":{"rn":"c"}})").rsc(), 2001);

  std::mutex mu;
  std::set<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  const uint16_t port = server.port();
  for (int w = 0; w < 8; ++w) {
    writers.emplace_back([&, w] {
      Client c(port, "Cdur");
      for (int i = 0; !stop; ++i) {
        std::string rn = "w" + std::to_string(w) + "-" + std::to_string(i);
        auto r = c.Create("/cse-in/dur/c", 4, R"({"m2m:cin":{"rn":")" + rn + R"(","con":"v"}})");
        if (r.rsc() == 2001) {
          std::lock_guard lock(mu);
          acknowledged.insert(rn);
        } else if (r.status == 0) {
          break;  // the server is gone
        }
      }
    });
  }
  // Let writes flow, then kill the server without warning.
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::lock_guard lock(mu);
    if (acknowledged.size() > 200) break;
  }
  server.Kill(SIGKILL);
  stop = true;
  for (auto& t : writers) t.join();
  ASSERT_GT(acknowledged.size(), 0u);

  server.Restart();
  Client c(server.port(), "Cdur");
  for (const auto& rn : acknowledged) {
    ASSERT_EQ(c.Retrieve("/cse-in/dur/c/" + rn).rsc(), 2000) << "lost acknowledged write " << rn;
  }
  // No half-applied request: the counters equal the instances present.
  auto cnt = c.Retrieve("/cse-in/dur/c").json().at("m2m:cnt");
  auto listed = c.Retrieve("/cse-in/dur/c?fu=1&ty=4").json().at("m2m:uril").as_array().size();
  EXPECT_EQ(static_cast<size_t>(cnt.at("cni").as_int64()), listed);
  EXPECT_GE(listed, acknowledged.size());
  EXPECT_EQ(cnt.at("cbs").as_int64(), static_cast<int64_t>(listed));  // each con is 1 byte
}

}  // namespace
}  // namespace trustcse::testing
