// The HTTP notification sender (MakeHttpSender) over a scripted outbound client
// (mocks/mock_client.h): what the sender hands the client, how it reads the client's answers,
// and what it reports when the client answers late, with an error or never.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <utility>

#include "mocks/mock_client.h"
#include "notification/notifier.h"

namespace trustcse::notification {
namespace {

using namespace std::chrono_literals;
using mocks::MockClient;
using mocks::ScriptedAnswer;

class HttpSenderWithMockClient : public ::testing::Test {
 protected:
  std::unique_ptr<Sender> NewSender(int timeout_ms = 3000) {
    HttpSenderOptions o;
    o.originator = "/id-in";
    o.timeout_ms = timeout_ms;
    o.client = client_;
    return MakeHttpSender(o);
  }

  static Notification Sample() {
    Notification n;
    n.target = "http://127.0.0.1:9999/notify?x=1";
    n.body = R"({"m2m:sgn":{"sur":"/id-in/sub1"}})";
    n.rqi = "n-1";
    return n;
  }

  // Sends and waits (bounded) for the completion; nullopt if none came.
  static std::optional<std::pair<Status, std::string>> RequestAndWait(
      Sender& sender, const Notification& n, std::chrono::milliseconds limit = 5s) {
    auto p = std::make_shared<std::promise<std::pair<Status, std::string>>>();
    auto f = p->get_future();
    sender.Request(n, [p](Status s, std::string body) { p->set_value({std::move(s), std::move(body)}); });
    if (f.wait_for(limit) != std::future_status::ready) return std::nullopt;
    return f.get();
  }

  std::shared_ptr<MockClient> client_ = std::make_shared<MockClient>();
};

TEST_F(HttpSenderWithMockClient, HandsTheNotificationToTheClientAsANotify) {
  auto sender = NewSender();
  Notification n = Sample();
  const TimePoint before = Now();
  auto out = RequestAndWait(*sender, n);
  ASSERT_TRUE(out.has_value());
  EXPECT_TRUE(out->first.ok()) << out->first.message();
  auto sent = client_->requests();
  ASSERT_EQ(sent.size(), 1u);
  const auto& r = sent[0].request;
  EXPECT_EQ(r.target, n.target);
  EXPECT_EQ(r.op, Operation::kNotify);
  EXPECT_EQ(r.body, n.body);
  EXPECT_EQ(r.rqi, "n-1");
  EXPECT_EQ(r.originator, "/id-in");  // the CSE's own ID when the notification names none
  // The configured timeout is the deadline when the notification has none.
  ASSERT_TRUE(sent[0].deadline.has_value());
  EXPECT_GE(*sent[0].deadline, before + 3s - 1ms);
  EXPECT_LE(*sent[0].deadline, Now() + 3s);
}

TEST_F(HttpSenderWithMockClient, UsesTheNotificationsOriginatorAndEarlierDeadline) {
  auto sender = NewSender(/*timeout_ms=*/60000);
  Notification n = Sample();
  n.originator = "/id-mn/Cforwarder";
  const TimePoint deadline = Now() + 1500ms;
  n.deadline = deadline;
  ASSERT_TRUE(RequestAndWait(*sender, n).has_value());
  auto sent = client_->requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].request.originator, "/id-mn/Cforwarder");
  ASSERT_TRUE(sent[0].deadline.has_value());
  EXPECT_EQ(*sent[0].deadline, deadline);  // sooner than the configured 60 s
}

TEST_F(HttpSenderWithMockClient, KeepsALaterConfiguredTimeoutFromBeingExceeded) {
  auto sender = NewSender(/*timeout_ms=*/500);
  Notification n = Sample();
  n.deadline = Now() + 1h;  // later than the configured timeout: the timeout wins
  ASSERT_TRUE(RequestAndWait(*sender, n).has_value());
  auto sent = client_->requests();
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_TRUE(sent[0].deadline.has_value());
  EXPECT_LE(*sent[0].deadline, Now() + 500ms);
}

TEST_F(HttpSenderWithMockClient, ReportsTheTargetsOneM2MErrorStatus) {
  client_->Enqueue(ScriptedAnswer::Respond(403, 4103, R"({"m2m:dbg":"no"})"));
  auto sender = NewSender();
  auto out = RequestAndWait(*sender, Sample());
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->first.code(), Rsc::kOriginatorHasNoPrivilege);
  EXPECT_TRUE(out->second.empty());  // an error's body is not handed on
}

TEST_F(HttpSenderWithMockClient, ReturnsTheBodyOfASuccessfulAnswer) {
  client_->Enqueue(ScriptedAnswer::Respond(200, 2000, R"({"m2m:rsp":{"dgt":true}})"));
  auto sender = NewSender();
  auto out = RequestAndWait(*sender, Sample());
  ASSERT_TRUE(out.has_value());
  EXPECT_TRUE(out->first.ok());
  EXPECT_EQ(out->second, R"({"m2m:rsp":{"dgt":true}})");
}

TEST_F(HttpSenderWithMockClient, TreatsAnHttpErrorWithoutRscAsUnreachable) {
  client_->Enqueue(ScriptedAnswer::Respond(502));
  auto sender = NewSender();
  auto out = RequestAndWait(*sender, Sample());
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->first.code(), Rsc::kTargetNotReachable);
}

TEST_F(HttpSenderWithMockClient, ReportsATransportFailureAsUnreachable) {
  client_->Enqueue(ScriptedAnswer::Fail(Status(Rsc::kTargetNotReachable, "connection refused")));
  auto sender = NewSender();
  auto out = RequestAndWait(*sender, Sample());
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->first.code(), Rsc::kTargetNotReachable);
}

TEST_F(HttpSenderWithMockClient, CompletesOnlyWhenTheClientAnswers) {
  client_->Enqueue(ScriptedAnswer::Respond(200, 2000).Held());
  auto sender = NewSender();
  auto p = std::make_shared<std::promise<Status>>();
  auto f = p->get_future();
  sender->Send(Sample(), [p](Status s) { p->set_value(std::move(s)); });
  ASSERT_TRUE(client_->WaitForRequests(1, 5s));
  EXPECT_EQ(client_->held(), 1u);
  EXPECT_EQ(f.wait_for(0ms), std::future_status::timeout);  // held: nothing can have answered
  ASSERT_TRUE(client_->ReleaseNext());
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(f.get().ok());
}

TEST_F(HttpSenderWithMockClient, AHungTargetEndsAtTheDeadlineAsUnreachable) {
  client_->SetDefault(ScriptedAnswer::AtDeadline());
  auto sender = NewSender(/*timeout_ms=*/60000);
  Notification n = Sample();
  n.deadline = Now() + 200ms;
  const auto start = std::chrono::steady_clock::now();
  auto out = RequestAndWait(*sender, n);
  ASSERT_TRUE(out.has_value()) << "the deadline did not end the exchange";
  const auto took = std::chrono::steady_clock::now() - start;
  // The client's 4008 reaches the notifier as 5103 (it may fall back to a polling channel).
  EXPECT_EQ(out->first.code(), Rsc::kTargetNotReachable);
  EXPECT_GE(took, 150ms);  // not before the deadline (a little slack for clock rounding)
  EXPECT_LT(took, 10s);    // liveness only
}

TEST_F(HttpSenderWithMockClient, StoppingEndsExchangesThatNeverAnswer) {
  client_->SetDefault(ScriptedAnswer::Never());
  auto sender = NewSender();
  auto p = std::make_shared<std::promise<Status>>();
  auto f = p->get_future();
  sender->Send(Sample(), [p](Status s) { p->set_value(std::move(s)); });
  ASSERT_TRUE(client_->WaitForRequests(1, 5s));
  EXPECT_EQ(f.wait_for(0ms), std::future_status::timeout);
  sender->Stop();  // stops the client: what waits gets 5103
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get().code(), Rsc::kTargetNotReachable);
  EXPECT_TRUE(client_->stopped());
  // After Stop a request is refused at once.
  auto after = RequestAndWait(*sender, Sample());
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->first.code(), Rsc::kTargetNotReachable);
}

}  // namespace
}  // namespace trustcse::notification
