// Tests of the MQTT egress adapter: how an outbound request becomes the request primitive the
// binding publishes (receiver, To, From, content, deadline), how the answer comes back, and the
// refusals (no receiver, content that is not JSON, a loop, after Stop). The broker path itself is
// exercised against mosquitto by test/integration/mqtt_test.sh.
#include "bindings/mqtt/mqtt_client_adapter.h"

#include <gtest/gtest.h>

#include <optional>

#include "primitive/json_util.h"

namespace trustcse::mqtt {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

struct Sent {
  RequestPrimitive request;
  std::string receiver;
  SteadyClock::time_point deadline;
  MqttBinding::Answer answer;
};

struct Fixture {
  std::optional<Sent> sent;
  std::unique_ptr<egress::Client> client = MakeMqttClient(
      [this](RequestPrimitive r, const std::string& receiver, SteadyClock::time_point deadline,
             MqttBinding::Answer done) {
        sent = Sent{std::move(r), receiver, deadline, std::move(done)};
      },
      "/id-in", 3000ms);

  // Sends `r` and returns what the handler got (nullopt: not answered yet).
  std::optional<std::pair<Status, egress::OutboundResponse>>* Send(
      egress::OutboundRequest r, std::optional<TimePoint> deadline = std::nullopt) {
    result.reset();
    client->Send(std::move(r), deadline, [this](Status s, egress::OutboundResponse out) {
      result.emplace(std::move(s), std::move(out));
    });
    return &result;
  }
  std::optional<std::pair<Status, egress::OutboundResponse>> result;
};

egress::OutboundRequest Notify(std::string target) {
  egress::OutboundRequest r;
  r.target = std::move(target);
  r.op = Operation::kNotify;
  r.rqi = "n1";
  r.body = R"({"m2m:sgn":{"vrq":true}})";
  return r;
}

TEST(MqttClientAdapter, PublishesToTheReceiverOfTheFragmentAsThisCse) {
  Fixture f;
  const auto before = SteadyClock::now();
  auto* got = f.Send(Notify("mqtt://broker.example:1883#Cae1"));
  ASSERT_TRUE(f.sent.has_value());
  EXPECT_EQ(f.sent->receiver, "Cae1");
  EXPECT_EQ(f.sent->request.to, "Cae1");
  EXPECT_EQ(f.sent->request.fr, "/id-in");  // no originator given: the CSE itself
  EXPECT_EQ(f.sent->request.op, Operation::kNotify);
  EXPECT_EQ(f.sent->request.rqi, "n1");
  EXPECT_EQ(json::Serialize(f.sent->request.pc), R"({"m2m:sgn":{"vrq":true}})");
  // No deadline and no rqet: the default timeout.
  EXPECT_GE(f.sent->deadline, before + 2900ms);
  EXPECT_LE(f.sent->deadline, SteadyClock::now() + 3000ms);
  EXPECT_FALSE(got->has_value());  // answered only when the response topic answers

  ResponsePrimitive rsp;
  rsp.rsc = Rsc::kOk;
  rsp.rqi = "n1";
  rsp.pc = R"({"m2m:dbg":"ok"})";
  f.sent->answer(Status::Ok(), std::move(rsp));
  ASSERT_TRUE(got->has_value());
  EXPECT_TRUE((*got)->first.ok());
  EXPECT_EQ((*got)->second.rsc, 2000);
  EXPECT_EQ((*got)->second.status, 0);  // MQTT has no status of its own
  EXPECT_EQ((*got)->second.Header("X-M2M-RSC"), "2000");
  EXPECT_EQ((*got)->second.Header("x-m2m-ri"), "n1");
  EXPECT_EQ((*got)->second.body, R"({"m2m:dbg":"ok"})");
}

TEST(MqttClientAdapter, KeepsTheOriginatorAndTheTypeOfACreate) {
  Fixture f;
  egress::OutboundRequest r = Notify("mqtts://b#/id-mn");
  r.op = Operation::kCreate;
  r.ty = 4;
  r.originator = "Cforwarder";
  r.body = R"({"m2m:cin":{"con":"1"}})";
  f.Send(std::move(r));
  ASSERT_TRUE(f.sent.has_value());
  EXPECT_EQ(f.sent->receiver, "/id-mn");
  EXPECT_EQ(f.sent->request.fr, "Cforwarder");
  EXPECT_EQ(f.sent->request.ty, 4);
}

TEST(MqttClientAdapter, TheEarliestOfDeadlineAndRqetBounds) {
  Fixture f;
  egress::OutboundRequest r = Notify("mqtt://b#Cae1");
  r.rqet = Now() + 500ms;
  f.Send(std::move(r), Now() + 10s);
  ASSERT_TRUE(f.sent.has_value());
  EXPECT_LE(f.sent->deadline, SteadyClock::now() + 500ms);
  EXPECT_GE(f.sent->deadline, SteadyClock::now() + 300ms);
}

TEST(MqttClientAdapter, AFailedExchangeKeepsItsStatus) {
  Fixture f;
  auto* got = f.Send(Notify("mqtt://b#Cae1"));
  ASSERT_TRUE(f.sent.has_value());
  f.sent->answer(Status(Rsc::kRequestTimeout, "no answer"), {});
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->first.code(), Rsc::kRequestTimeout);
}

TEST(MqttClientAdapter, RefusesWhatCannotBeSentWithoutPublishing) {
  Fixture f;
  auto expect_refused = [&f](egress::OutboundRequest r, const char* what) {
    f.sent.reset();
    auto* got = f.Send(std::move(r));
    ASSERT_TRUE(got->has_value()) << what;
    EXPECT_EQ((*got)->first.code(), Rsc::kTargetNotReachable) << what;
    EXPECT_FALSE(f.sent.has_value()) << what;
  };
  expect_refused(Notify("mqtt://b"), "no receiver");
  expect_refused(Notify("mqtt://b#"), "empty receiver");
  egress::OutboundRequest not_json = Notify("mqtt://b#Cae1");
  not_json.body = "<xml/>";
  expect_refused(std::move(not_json), "content that is not JSON");
  egress::OutboundRequest loop = Notify("mqtt://b#Cae1");
  loop.via = "1.1 id-mn, 1.1 " + ViaPseudonym("/id-in");
  expect_refused(std::move(loop), "a request that already passed through this CSE");
  f.client->Stop();
  expect_refused(Notify("mqtt://b#Cae1"), "after Stop");
}

}  // namespace
}  // namespace trustcse::mqtt
