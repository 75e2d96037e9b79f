// The scripted outbound client (mocks/mock_client.h) keeps the egress::Client contract the code
// under test relies on: every callback exactly once, on the client's own thread, with the
// scripted answer at the scripted moment; 5103 after Stop and for a loop.
#include "mocks/mock_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

namespace trustcse::mocks {
namespace {

using namespace std::chrono_literals;

struct Outcome {
  Status status;
  egress::OutboundResponse response;
  std::thread::id thread;
};

// Sends and returns the future of its single outcome (a second call would throw in set_value).
std::future<Outcome> Send(MockClient& client, egress::OutboundRequest r = {},
                          std::optional<TimePoint> deadline = std::nullopt) {
  auto p = std::make_shared<std::promise<Outcome>>();
  auto f = p->get_future();
  client.Send(std::move(r), deadline, [p](Status s, egress::OutboundResponse resp) {
    p->set_value({std::move(s), std::move(resp), std::this_thread::get_id()});
  });
  return f;
}

TEST(MockClient, AnswersTheDefaultOnItsOwnThreadAndRecordsTheRequest) {
  MockClient client;
  egress::OutboundRequest r;
  r.target = "http://h/x";
  r.body = "b";
  const TimePoint deadline = Now() + 1s;
  auto f = Send(client, r, deadline);
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  Outcome o = f.get();
  EXPECT_TRUE(o.status.ok());
  EXPECT_EQ(o.response.status, 200);
  EXPECT_EQ(o.response.rsc, 2000);
  EXPECT_EQ(o.response.Header("x-m2m-rsc"), "2000");
  EXPECT_NE(o.thread, std::this_thread::get_id());
  ASSERT_EQ(client.sent(), 1u);
  EXPECT_EQ(client.requests()[0].request.target, "http://h/x");
  EXPECT_EQ(client.requests()[0].deadline, deadline);
}

TEST(MockClient, UsesQueuedAnswersInOrderThenTheDefault) {
  MockClient client;
  client.Enqueue(ScriptedAnswer::Respond(404, 4004));
  client.Enqueue(ScriptedAnswer::Fail(Status(Rsc::kTargetNotReachable, "refused")));
  EXPECT_EQ(Send(client).get().response.rsc, 4004);
  EXPECT_EQ(Send(client).get().status.code(), Rsc::kTargetNotReachable);
  EXPECT_EQ(Send(client).get().response.rsc, 2000);
}

TEST(MockClient, HoldsAnswersUntilReleased) {
  MockClient client;
  client.SetDefault(ScriptedAnswer::Respond(200, 2001).Held());
  auto a = Send(client);
  auto b = Send(client);
  EXPECT_EQ(client.held(), 2u);
  EXPECT_EQ(a.wait_for(0ms), std::future_status::timeout);
  ASSERT_TRUE(client.ReleaseNext());
  EXPECT_EQ(a.get().response.rsc, 2001);
  EXPECT_EQ(b.wait_for(0ms), std::future_status::timeout);
  EXPECT_EQ(client.ReleaseAll(), 1u);
  EXPECT_EQ(b.get().response.rsc, 2001);
  EXPECT_FALSE(client.ReleaseNext());
}

TEST(MockClient, AnswersAtTheEarliestDeadlineWith4008) {
  MockClient client(/*default_timeout=*/60s);
  client.SetDefault(ScriptedAnswer::AtDeadline());
  egress::OutboundRequest r;
  r.rqet = Now() + 100ms;  // sooner than the deadline given
  const auto start = std::chrono::steady_clock::now();
  auto f = Send(client, r, Now() + 30s);
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(f.get().status.code(), Rsc::kRequestTimeout);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 90ms);
}

TEST(MockClient, StopAnswersWhatWaitsWith5103AndRefusesLaterRequests) {
  MockClient client;
  client.Enqueue(ScriptedAnswer::Never());
  client.Enqueue(ScriptedAnswer::Respond(200, 2000).Held());
  auto never = Send(client);
  auto held = Send(client);
  client.Stop();
  EXPECT_EQ(never.get().status.code(), Rsc::kTargetNotReachable);
  EXPECT_EQ(held.get().status.code(), Rsc::kTargetNotReachable);
  EXPECT_TRUE(client.stopped());
  auto after = Send(client);
  ASSERT_EQ(after.wait_for(0ms), std::future_status::ready);  // at once, on this thread
  Outcome o = after.get();
  EXPECT_EQ(o.status.code(), Rsc::kTargetNotReachable);
  EXPECT_EQ(o.thread, std::this_thread::get_id());
  client.Stop();  // idempotent
}

TEST(MockClient, RefusesALoop) {
  MockClient client(3s, "id-in");
  egress::OutboundRequest r;
  r.via = "1.1 id-mn, 1.1 id-in";
  auto f = Send(client, r);
  ASSERT_EQ(f.wait_for(0ms), std::future_status::ready);
  EXPECT_EQ(f.get().status.code(), Rsc::kTargetNotReachable);
  EXPECT_EQ(client.sent(), 1u);
}

TEST(MockClient, CallsEveryCallbackExactlyOnceUnderConcurrentSends) {
  MockClient client;
  std::atomic<int> calls{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 250; ++i) {
        client.Send({}, std::nullopt, [&](Status, egress::OutboundResponse) { ++calls; });
      }
    });
  }
  for (auto& th : threads) th.join();
  client.Stop();  // runs what is queued, then joins
  EXPECT_EQ(calls.load(), 1000);
  EXPECT_EQ(client.answered(), 1000u);
}

}  // namespace
}  // namespace trustcse::mocks
