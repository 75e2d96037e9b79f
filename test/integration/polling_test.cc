// Black-box: <pollingChannel> and long polling of its pcu by an AE that is not request-reachable
// (rr=false): subscription verification and notifications reach it through the channel, and so
// does the result of its own non-blocking asynchronous request.
#include <chrono>
#include <future>
#include <thread>

#include "fixture.h"

namespace trustcse::testing {
namespace {

namespace bj = boost::json;

class Polling : public CseTest {
 protected:
  void SetUp() override {
    static int n = 0;
    name_ = "poll" + std::to_string(++n);
    Client c(port(), "C");
    auto r = c.Create("/cse-in", 2,
                      R"({"m2m:ae":{"rn":")" + name_ + R"(","api":"Nsleepy","rr":false,"srv":["3"]}})");
    ASSERT_EQ(r.rsc(), 2001) << r.body;
    aei_ = Str(r.json().at("m2m:ae").at("aei"));
    base_ = "/cse-in/" + name_;
  }
  Client Device() const { return Client(port(), aei_); }
  // Opens the device's channel.
  void OpenChannel() {
    auto r = Device().Create(base_, 15, R"({"m2m:pch":{"rn":"pch"}})");
    ASSERT_EQ(r.rsc(), 2001) << r.body;
  }
  // Lets `subscriber` send notifications to the device (an ACP on its AE).
  void AllowNotificationsFrom(const std::string& subscriber) {
    auto acp = Device().Create(base_, 1,
                               R"({"m2m:acp":{"rn":"notifiers","pv":{"acr":[{"acor":[")" + subscriber +
                                   R"("],"acop":16}]},"pvs":{"acr":[{"acor":[")" + aei_ +
                                   R"("],"acop":63}]}}})");
    ASSERT_EQ(acp.rsc(), 2001) << acp.body;
    std::string ri = Str(acp.json().at("m2m:acp").at("ri"));
    auto u = Device().Update(base_, R"({"m2m:ae":{"acpi":[")" + ri + R"("]}})");
    ASSERT_EQ(u.rsc(), 2004) << u.body;
  }
  // One poll of the device's pcu, waiting at most `ms`.
  HttpResponse Poll(int ms = 5000) {
    return Device().Retrieve(base_ + "/pch/pcu", {{"X-M2M-RET", std::to_string(ms)}});
  }
  // Answers the polled request `rqp` with `rsc`.
  HttpResponse Answer(const bj::value& rqp, int rsc) {
    bj::object rsp{{"rsc", rsc}, {"rqi", rqp.at("rqi")}, {"rvi", "3"}};
    return Device().Notify(base_ + "/pch/pcu", bj::serialize(bj::object{{"m2m:rsp", rsp}}));
  }
  std::string name_, aei_, base_;
};

TEST_F(Polling, ChannelRules) {
  OpenChannel();
  auto pch = Device().Retrieve(base_ + "/pch");
  ASSERT_EQ(pch.rsc(), 2000) << pch.body;
  EXPECT_EQ(pch.json().at("m2m:pch").at("ty").as_int64(), 15);
  EXPECT_FALSE(pch.json().at("m2m:pch").as_object().contains("acpi"));
  // One per AE; only under an AE; only by the AE itself; no acpi attribute.
  EXPECT_EQ(Device().Create(base_, 15, R"({"m2m:pch":{"rn":"pch2"}})").rsc(), 4000);
  EXPECT_EQ(Admin().Create("/cse-in", 15, R"({"m2m:pch":{}})").rsc(), 4108);
  std::string other = RegisterAe(name_ + "o");
  EXPECT_EQ(Admin().Create("/cse-in/" + name_ + "o", 15, R"({"m2m:pch":{}})").rsc(), 4103);
  EXPECT_EQ(Device().Create(base_, 15, R"({"m2m:pch":{"acpi":[]}})").rsc(), 4000);
  // The pcu is virtual: it is polled and notified, nothing else.
  EXPECT_EQ(Device().Create(base_ + "/pch/pcu", 3, R"({"m2m:cnt":{}})").rsc(), 4005);
  EXPECT_EQ(Device().Update(base_ + "/pch/pcu", R"({"m2m:pch":{}})").rsc(), 4005);
  EXPECT_EQ(Device().Delete(base_ + "/pch/pcu").rsc(), 4005);
  // Only the device polls it or answers through it.
  EXPECT_EQ(Client(port(), other).Retrieve(base_ + "/pch/pcu").rsc(), 4103);
  EXPECT_EQ(Admin().Retrieve(base_ + "/pch/pcu").rsc(), 4103);
  // The pcu paths pass the same authentication gates as any request: an originator that is
  // not registered (and not vouched for by a secure channel) is refused before the channel is
  // even looked at.
  EXPECT_EQ(Client(port(), "Cghost").Retrieve(base_ + "/pch/pcu").rsc(), 4106);
  EXPECT_EQ(Client(port(), "Cghost").Notify(base_ + "/pch/pcu", R"({"m2m:rsp":{"rsc":2000,"rqi":"x"}})").rsc(),
            4106);
  EXPECT_EQ(Device().Notify(base_ + "/pch/pcu", R"({"m2m:sgn":{"vrq":true}})").rsc(), 4000);
  EXPECT_EQ(Device().Notify(base_ + "/pch/pcu", R"({"m2m:rsp":{"rsc":2000,"rqi":"none"}})").rsc(),
            4004);
}

TEST_F(Polling, AnEmptyPollEndsWithRequestTimeout) {
  OpenChannel();
  auto start = std::chrono::steady_clock::now();
  auto r = Poll(300);
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.rsc(), 4008) << r.body;
  EXPECT_EQ(r.status, 504);
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  EXPECT_LT(waited, std::chrono::seconds(5));
}

TEST_F(Polling, SubscriptionVerificationAndNotificationsArriveThroughTheChannel) {
  OpenChannel();
  // Another application subscribes the sleepy device to its container.
  std::string owner = RegisterAe(name_ + "src");
  AllowNotificationsFrom(owner);
  Client app(port(), owner);
  const std::string cnt = "/cse-in/" + name_ + "src/data";
  ASSERT_EQ(app.Create("/cse-in/" + name_ + "src", 3, R"({"m2m:cnt":{"rn":"data"}})").rsc(), 2001);
  auto created = std::async(std::launch::async, [&] {
    return app.Create(cnt, 23, R"({"m2m:sub":{"rn":"s","nu":[")" + aei_ + R"("],"enc":{"net":[3]}}})");
  });
  // The verification request waits in the channel until the device polls.
  auto polled = Poll();
  ASSERT_EQ(polled.rsc(), 2000) << polled.body;
  auto rqp = polled.json().at("m2m:rqp");
  EXPECT_EQ(rqp.at("op").as_int64(), 5);
  EXPECT_EQ(Str(rqp.at("to")), aei_);
  EXPECT_EQ(Str(rqp.at("fr")), "/id-in");
  EXPECT_TRUE(rqp.at("pc").at("m2m:sgn").at("vrq").as_bool());
  EXPECT_EQ(Answer(rqp, 2000).rsc(), 2000);
  auto sub = created.get();
  ASSERT_EQ(sub.rsc(), 2001) << sub.body;

  // A new instance: the notification is queued; the next poll gets it at once.
  ASSERT_EQ(app.Create(cnt, 4, R"({"m2m:cin":{"con":"21.5"}})").rsc(), 2001);
  polled = Poll();
  ASSERT_EQ(polled.rsc(), 2000) << polled.body;
  rqp = polled.json().at("m2m:rqp");
  EXPECT_EQ(Str(rqp.at("pc").at("m2m:sgn").at("nev").at("rep").at("m2m:cin").at("con")), "21.5");
  EXPECT_EQ(Answer(rqp, 2000).rsc(), 2000);
  // Answered once only.
  EXPECT_EQ(Answer(rqp, 2000).rsc(), 4004);
}

TEST_F(Polling, ARefusedVerificationFailsTheSubscription) {
  OpenChannel();
  std::string owner = RegisterAe(name_ + "src");
  AllowNotificationsFrom(owner);
  Client app(port(), owner);
  ASSERT_EQ(app.Create("/cse-in/" + name_ + "src", 3, R"({"m2m:cnt":{"rn":"d"}})").rsc(), 2001);
  auto created = std::async(std::launch::async, [&] {
    return app.Create("/cse-in/" + name_ + "src/d", 23, R"({"m2m:sub":{"nu":[")" + aei_ + R"("]}})");
  });
  auto polled = Poll();
  ASSERT_EQ(polled.rsc(), 2000) << polled.body;
  // The device refuses the subscription.
  EXPECT_EQ(Answer(polled.json().at("m2m:rqp"), 4103).rsc(), 2000);
  EXPECT_EQ(created.get().rsc(), 5204);
}

TEST_F(Polling, ADeviceWithoutChannelOrPointOfAccessCannotBeSubscribed) {
  std::string owner = RegisterAe(name_ + "src");
  AllowNotificationsFrom(owner);
  Client app(port(), owner);
  ASSERT_EQ(app.Create("/cse-in/" + name_ + "src", 3, R"({"m2m:cnt":{"rn":"d"}})").rsc(), 2001);
  EXPECT_EQ(app.Create("/cse-in/" + name_ + "src/d", 23, R"({"m2m:sub":{"nu":[")" + aei_ + R"("]}})").rsc(),
            5204);
}

TEST_F(Polling, TheResultOfAnAsynchronousRequestComesThroughTheChannel) {
  OpenChannel();
  auto ack = Device().Retrieve(base_ + "?rt=2");
  ASSERT_EQ(ack.rsc(), 1002) << ack.body;
  auto polled = Poll();
  ASSERT_EQ(polled.rsc(), 2000) << polled.body;
  auto rqp = polled.json().at("m2m:rqp");
  auto rsp = rqp.at("pc").at("m2m:rsp");
  EXPECT_EQ(rsp.at("rsc").as_int64(), 2000);
  EXPECT_EQ(Str(rsp.at("pc").at("m2m:ae").at("aei")), aei_);
  EXPECT_EQ(Answer(rqp, 2000).rsc(), 2000);
}

// A request another application addresses to the device (a NOTIFY to its AE) reaches it through
// its channel, with the application as originator; the device's answer is the application's.
TEST_F(Polling, ARequestToTheDeviceComesThroughTheChannelAndItsAnswerGoesBack) {
  OpenChannel();
  std::string app_id = RegisterAe(name_ + "app");
  AllowNotificationsFrom(app_id);
  Client app(port(), app_id);
  auto sent = std::async(std::launch::async, [&] {
    return app.Notify(base_, R"({"m2m:sgn":{"nev":{"rep":{"cmd":"open-valve"},"net":1}}})");
  });
  auto polled = Poll();
  ASSERT_EQ(polled.rsc(), 2000) << polled.body;
  auto rqp = polled.json().at("m2m:rqp");
  EXPECT_EQ(rqp.at("op").as_int64(), 5);
  EXPECT_EQ(Str(rqp.at("fr")), app_id);
  EXPECT_EQ(Str(rqp.at("to")), aei_);
  EXPECT_EQ(Str(rqp.at("pc").at("m2m:sgn").at("nev").at("rep").at("cmd")), "open-valve");
  bj::object rsp{{"rsc", 2000}, {"rqi", rqp.at("rqi")}, {"rvi", "3"},
                 {"pc", bj::object{{"m2m:dbg", "valve open"}}}};
  ASSERT_EQ(Device().Notify(base_ + "/pch/pcu", bj::serialize(bj::object{{"m2m:rsp", rsp}})).rsc(),
            2000);
  auto answer = sent.get();
  EXPECT_EQ(answer.rsc(), 2000) << answer.body;
  EXPECT_EQ(Str(answer.json().at("m2m:dbg")), "valve open");

  // A refusal by the device is the application's answer too.
  sent = std::async(std::launch::async, [&] { return app.Notify(base_, R"({"m2m:sgn":{}})"); });
  polled = Poll();
  ASSERT_EQ(polled.rsc(), 2000) << polled.body;
  EXPECT_EQ(Answer(polled.json().at("m2m:rqp"), 4103).rsc(), 2000);
  EXPECT_EQ(sent.get().rsc(), 4103);
  // A request that expires before the device fetches it: 4008 at its expiration, and gone.
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(app.Notify(base_, R"({"m2m:sgn":{}})", {{"X-M2M-RET", "300"}}).rsc(), 4008);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(Poll(200).rsc(), 4008);
  // Without the NOTIFY privilege on the device's AE, nothing is sent.
  std::string stranger = RegisterAe(name_ + "x");
  EXPECT_EQ(Client(port(), stranger).Notify(base_, R"({"m2m:sgn":{}})").rsc(), 4103);
  EXPECT_EQ(Poll(200).rsc(), 4008);
}

// A device that has a point of access but cannot be reached there gets its notifications through
// its channel; one that has neither cannot be addressed (5103).
TEST_F(Polling, AnUnreachablePointOfAccessFallsBackToTheChannel) {
  Client c(port(), "C");
  auto r = c.Create("/cse-in", 2,
                    R"({"m2m:ae":{"rn":")" + name_ + R"(d","api":"Nx","rr":true,"srv":["3"],)"
                    R"("poa":["http://127.0.0.1:1/down"]}})");
  ASSERT_EQ(r.rsc(), 2001) << r.body;
  std::string dev_id = Str(r.json().at("m2m:ae").at("aei"));
  Client dev(port(), dev_id);
  const std::string dev_base = "/cse-in/" + name_ + "d";
  std::string app_id = RegisterAe(name_ + "app");
  Client app(port(), app_id);
  auto acp = dev.Create(dev_base, 1,
                        R"({"m2m:acp":{"rn":"n","pv":{"acr":[{"acor":[")" + app_id +
                            R"("],"acop":16},{"acor":[")" + dev_id +
                            R"("],"acop":63}]},"pvs":{"acr":[{"acor":[")" + dev_id +
                            R"("],"acop":63}]}}})");
  ASSERT_EQ(acp.rsc(), 2001) << acp.body;
  ASSERT_EQ(dev.Update(dev_base, R"({"m2m:ae":{"acpi":[")" + Str(acp.json().at("m2m:acp").at("ri")) +
                                     R"("]}})")
                .rsc(),
            2004);
  // No channel yet: the poa is down, so the request fails as unreachable.
  EXPECT_EQ(app.Notify(dev_base, R"({"m2m:sgn":{}})").rsc(), 5103);
  ASSERT_EQ(dev.Create(dev_base, 15, R"({"m2m:pch":{"rn":"pch"}})").rsc(), 2001);
  auto sent = std::async(std::launch::async, [&] { return app.Notify(dev_base, R"({"m2m:sgn":{"x":1}})"); });
  auto polled = dev.Retrieve(dev_base + "/pch/pcu", {{"X-M2M-RET", "5000"}});
  ASSERT_EQ(polled.rsc(), 2000) << polled.body;
  auto rqp = polled.json().at("m2m:rqp");
  EXPECT_EQ(Str(rqp.at("fr")), app_id);
  bj::object rsp{{"rsc", 2000}, {"rqi", rqp.at("rqi")}, {"rvi", "3"}};
  ASSERT_EQ(dev.Notify(dev_base + "/pch/pcu", bj::serialize(bj::object{{"m2m:rsp", rsp}})).rsc(), 2000);
  EXPECT_EQ(sent.get().rsc(), 2000);
  // Subscription notifications take the same way.
  ASSERT_EQ(app.Create("/cse-in/" + name_ + "app", 3, R"({"m2m:cnt":{"rn":"data"}})").rsc(), 2001);
  auto created = std::async(std::launch::async, [&] {
    return app.Create("/cse-in/" + name_ + "app/data", 23,
                      R"({"m2m:sub":{"nu":[")" + dev_id + R"("],"enc":{"net":[3]}}})");
  });
  polled = dev.Retrieve(dev_base + "/pch/pcu", {{"X-M2M-RET", "5000"}});
  ASSERT_EQ(polled.rsc(), 2000) << polled.body;
  rqp = polled.json().at("m2m:rqp");
  EXPECT_TRUE(rqp.at("pc").at("m2m:sgn").at("vrq").as_bool());
  rsp = {{"rsc", 2000}, {"rqi", rqp.at("rqi")}, {"rvi", "3"}};
  ASSERT_EQ(dev.Notify(dev_base + "/pch/pcu", bj::serialize(bj::object{{"m2m:rsp", rsp}})).rsc(), 2000);
  ASSERT_EQ(created.get().rsc(), 2001);
  ASSERT_EQ(app.Create("/cse-in/" + name_ + "app/data", 4, R"({"m2m:cin":{"con":"7"}})").rsc(), 2001);
  polled = dev.Retrieve(dev_base + "/pch/pcu", {{"X-M2M-RET", "5000"}});
  ASSERT_EQ(polled.rsc(), 2000) << polled.body;
  EXPECT_EQ(Str(polled.json().at("m2m:rqp").at("pc").at("m2m:sgn").at("nev").at("rep").at("m2m:cin").at("con")),
            "7");
}

TEST_F(Polling, ARequestToADeviceWithoutChannelOrPointOfAccessIsNotReachable) {
  std::string app_id = RegisterAe(name_ + "app");
  AllowNotificationsFrom(app_id);
  EXPECT_EQ(Client(port(), app_id).Notify(base_, R"({"m2m:sgn":{}})").rsc(), 5103);
}

TEST_F(Polling, DeletingTheChannelEndsItsPolls) {
  OpenChannel();
  auto poll = std::async(std::launch::async, [&] { return Poll(10000); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(Device().Delete(base_ + "/pch").rsc(), 2002);
  auto r = poll.get();
  EXPECT_EQ(r.rsc(), 4008);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(Poll(100).rsc(), 4004);
}

}  // namespace
}  // namespace trustcse::testing
