// PollingChannels (notification/polling_channels.h): queueing, long polls, answers, deadlines.
#include "notification/polling_channels.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

namespace trustcse::notification {
namespace {

namespace bj = boost::json;
using std::chrono::milliseconds;

bj::object Request(const std::string& rqi) {
  return bj::object{{"op", 5}, {"to", "Cdev"}, {"fr", "/id-in"}, {"rqi", rqi}, {"rvi", "3"}};
}

struct Answered {
  std::promise<std::pair<Status, bj::object>> p;
  PollingChannels::AnswerFn fn() {
    return [this](Status s, bj::object o) { p.set_value({std::move(s), std::move(o)}); };
  }
};

TEST(PollingChannels, QueuedRequestIsTakenByThePollAndAnswered) {
  PollingChannels ch({});
  Answered a;
  ch.Enqueue("Cdev", Request("r1"), Now() + milliseconds(5000), a.fn());
  EXPECT_EQ(ch.pending("Cdev"), 1u);
  std::optional<bj::object> got;
  ch.Poll("Cdev", Now() + milliseconds(5000), [&](std::optional<bj::object> r) { got = r; });
  ASSERT_TRUE(got.has_value());  // at once: something was queued
  EXPECT_EQ(got->at("rqi").as_string(), "r1");
  EXPECT_EQ(ch.Answer("Cother", {{"rqi", "r1"}, {"rsc", 2000}}).code(), Rsc::kNotFound);
  EXPECT_EQ(ch.Answer("Cdev", {{"rqi", "r1"}}).code(), Rsc::kBadRequest);
  EXPECT_TRUE(ch.Answer("Cdev", {{"rqi", "r1"}, {"rsc", 2000}}).ok());
  auto [status, rsp] = a.p.get_future().get();
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(rsp.at("rsc").as_int64(), 2000);
  EXPECT_EQ(ch.pending("Cdev"), 0u);
  EXPECT_EQ(ch.Answer("Cdev", {{"rqi", "r1"}, {"rsc", 2000}}).code(), Rsc::kNotFound);
}

// Answers are matched by rqi: a second request with an rqi still queued is refused at once
// (its completion runs, exactly once), and the first is unaffected.
TEST(PollingChannels, ARequestIdInUseIsRefused) {
  PollingChannels ch({});
  Answered first, second;
  ch.Enqueue("Cdev", Request("dup"), Now() + milliseconds(5000), first.fn());
  ch.Enqueue("Cdev", Request("dup"), Now() + milliseconds(5000), second.fn());
  auto f2 = second.p.get_future();
  ASSERT_EQ(f2.wait_for(milliseconds(1000)), std::future_status::ready);
  EXPECT_EQ(f2.get().first.code(), Rsc::kInternalServerError);
  EXPECT_EQ(ch.pending("Cdev"), 1u);
  std::optional<bj::object> got;
  ch.Poll("Cdev", Now() + milliseconds(5000), [&](std::optional<bj::object> r) { got = r; });
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(ch.Answer("Cdev", {{"rqi", "dup"}, {"rsc", 2000}}).ok());
  EXPECT_TRUE(first.p.get_future().get().first.ok());
}

TEST(PollingChannels, AWaitingPollGetsTheNextRequest) {
  PollingChannels ch({});
  std::promise<std::optional<bj::object>> polled;
  ch.Poll("Cdev", Now() + milliseconds(5000),
          [&](std::optional<bj::object> r) { polled.set_value(std::move(r)); });
  Answered a;
  ch.Enqueue("Cdev", Request("r2"), Now() + milliseconds(5000), a.fn());
  auto got = polled.get_future().get();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->at("rqi").as_string(), "r2");
  // An error answer reaches the sender as that error.
  EXPECT_TRUE(ch.Answer("Cdev", {{"rqi", "r2"}, {"rsc", 4103}}).ok());
  EXPECT_EQ(a.p.get_future().get().first.code(), Rsc::kOriginatorHasNoPrivilege);
}

TEST(PollingChannels, DeadlinesEndPollsAndRequests) {
  PollingChannels ch({});
  std::promise<std::optional<bj::object>> polled;
  ch.Poll("Cdev", Now() + milliseconds(50),
          [&](std::optional<bj::object> r) { polled.set_value(std::move(r)); });
  EXPECT_FALSE(polled.get_future().get().has_value());
  Answered never_polled;
  ch.Enqueue("Cdev", Request("r3"), Now() + milliseconds(50), never_polled.fn());
  EXPECT_EQ(never_polled.p.get_future().get().first.code(), Rsc::kRequestTimeout);
  // Delivered but not answered in time.
  Answered unanswered;
  ch.Enqueue("Cdev", Request("r4"), Now() + milliseconds(100), unanswered.fn());
  ch.Poll("Cdev", Now() + milliseconds(5000), [](std::optional<bj::object>) {});
  EXPECT_EQ(unanswered.p.get_future().get().first.code(), Rsc::kRequestTimeout);
  EXPECT_EQ(ch.pending("Cdev"), 0u);
}

TEST(PollingChannels, CloseFailsEverythingAndQueuesAreBounded) {
  PollingChannels ch({.max_queued = 2});
  Answered a, b, c;
  ch.Enqueue("Cdev", Request("a"), Now() + milliseconds(5000), a.fn());
  ch.Enqueue("Cdev", Request("b"), Now() + milliseconds(5000), b.fn());
  ch.Enqueue("Cdev", Request("c"), Now() + milliseconds(5000), c.fn());
  EXPECT_EQ(c.p.get_future().get().first.code(), Rsc::kInternalServerError);  // queue full
  ch.Close("Cdev");
  EXPECT_EQ(a.p.get_future().get().first.code(), Rsc::kTargetNotReachable);
  EXPECT_EQ(b.p.get_future().get().first.code(), Rsc::kTargetNotReachable);
  // Owners do not see each other's requests.
  Answered d;
  ch.Enqueue("Cone", Request("d"), Now() + milliseconds(5000), d.fn());
  // The poll of another owner ends empty at its deadline (on the timer thread).
  std::promise<bool> other_got;
  ch.Poll("Ctwo", Now() + milliseconds(30),
          [&](std::optional<bj::object> r) { other_got.set_value(r.has_value()); });
  auto other = other_got.get_future();
  ASSERT_EQ(other.wait_for(milliseconds(2000)), std::future_status::ready);
  EXPECT_FALSE(other.get());
  ch.Stop();
  EXPECT_EQ(d.p.get_future().get().first.code(), Rsc::kTargetNotReachable);
}

TEST(PollingSender, WrapsTheNotificationInARequestPrimitive) {
  auto ch = std::make_shared<PollingChannels>(PollingChannels::Options{});
  auto sender = MakePollingSender(ch, "/id-in");
  std::promise<Status> sent;
  sender->Send({"pch:Cdev", R"({"m2m:sgn":{"vrq":true}})", "n1"},
               [&](Status s) { sent.set_value(std::move(s)); });
  std::optional<bj::object> got;
  ch->Poll("Cdev", Now() + milliseconds(1000), [&](std::optional<bj::object> r) { got = r; });
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->at("op").as_int64(), 5);
  EXPECT_EQ(got->at("to").as_string(), "Cdev");
  EXPECT_EQ(got->at("fr").as_string(), "/id-in");
  EXPECT_TRUE(got->at("pc").at("m2m:sgn").at("vrq").as_bool());
  EXPECT_TRUE(ch->Answer("Cdev", {{"rqi", "n1"}, {"rsc", 2000}}).ok());
  EXPECT_TRUE(sent.get_future().get().ok());
}

}  // namespace
}  // namespace trustcse::notification
