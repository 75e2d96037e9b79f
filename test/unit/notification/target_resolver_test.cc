// Tests of notification target resolution (notification/target_resolver.h) against the
// in-memory store: URLs, AEs' points of access, polling channels, fallbacks and node schedules;
// and the URL helpers.
#include "notification/target_resolver.h"

#include "notification/entity_connections.h"
#include "notification/notifier.h"

#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <vector>

namespace trustcse::notification {
namespace {

namespace bj = boost::json;
using resources::Resource;
using storage::ResourceRecord;

TEST(TargetUrl, StripsOnlyContentTypeParameters) {
  EXPECT_EQ(StripContentTypeParam("http://h/p"), "http://h/p");
  EXPECT_EQ(StripContentTypeParam("http://h/p?ct=json"), "http://h/p");
  EXPECT_EQ(StripContentTypeParam("http://h/p?a=1&ct=json&b=2"), "http://h/p?a=1&b=2");
  EXPECT_EQ(StripContentTypeParam("http://h/p?ct=json#f"), "http://h/p#f");
  EXPECT_EQ(StripContentTypeParam("http://h/p?act=1"), "http://h/p?act=1");
}

TEST(TargetUrl, SafeUrlLeavesOutUserinfoAndQuery) {
  EXPECT_EQ(SafeUrl("http://user:secret@h:80/p?token=x#f"), "http://h:80/p");
  EXPECT_EQ(SafeUrl("mqtt://broker"), "mqtt://broker");
  EXPECT_EQ(SafeUrl("pch:ae1"), "<resource>");
}

TEST(TargetUrl, SchemesCompareWithoutCase) {
  EXPECT_TRUE(StartsWithNoCase("HTTP://h", "http://"));
  EXPECT_TRUE(StartsWithNoCase("mqtts://h", "mqtts://"));
  EXPECT_FALSE(StartsWithNoCase("http:/", "http://"));
}

class TargetResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = storage::OpenMemoryStore();
    Insert("cse-in", {{"ty", 5}, {"ri", "id-in"}, {"pi", ""}, {"rn", "cse-in"}});
  }

  void Insert(const std::string& path, bj::object attrs) {
    ResourceRecord rec = Resource{path, std::move(attrs), ""}.ToRecord();
    ASSERT_TRUE(store_->SubmitAndWait([&](storage::WriteTxn& t) { return t.Insert(rec); }).ok());
  }

  // An AE "ae1" with the given extra attributes.
  void AddAe(bj::object extra) {
    bj::object attrs{{"ty", 2}, {"ri", "ae1"}, {"pi", "id-in"}, {"rn", "app1"}, {"aei", "ae1"}};
    for (const auto& [k, v] : extra) attrs[k] = v;
    Insert("cse-in/app1", std::move(attrs));
  }
  void AddPollingChannel() {
    Insert("cse-in/app1/pch", {{"ty", 15}, {"ri", "pch1"}, {"pi", "ae1"}, {"rn", "pch"}});
  }
  // A node "node1" with one <schedule> holding `entry`.
  void AddNode(const std::string& entry) {
    Insert("cse-in/node1", {{"ty", 14}, {"ri", "node1"}, {"pi", "id-in"}, {"rn", "node1"}});
    Insert("cse-in/node1/sch", {{"ty", 18},
                                {"ri", "nsch1"},
                                {"pi", "node1"},
                                {"rn", "sch"},
                                {"se", {{"sce", bj::array{bj::string(entry)}}}}});
  }

  TargetResolver Resolver(bool polling = true) {
    return TargetResolver(CseIdentity{"/id-in", "cse-in", ""}, *store_, polling);
  }

  std::unique_ptr<storage::Store> store_;
};

TEST_F(TargetResolverTest, UrlsPassThroughAndOtherSchemesDoNot) {
  EXPECT_EQ(Resolver().Resolve("http://h/n?ct=json"), "http://h/n");
  EXPECT_EQ(Resolver().Resolve("https://h/n"), "https://h/n");
  EXPECT_EQ(Resolver().Resolve("coap://h/n?ct=json"), "coap://h/n");
  EXPECT_EQ(Resolver().Resolve("coaps://h:5684/n"), "coaps://h:5684/n");
  EXPECT_EQ(Resolver().Resolve("mqtt://h"), "");
  EXPECT_EQ(Resolver().Resolve("ws://h/n"), "");
}

TEST_F(TargetResolverTest, UnknownAndNonAeResourcesNameNothing) {
  EXPECT_EQ(Resolver().Resolve("no-such-ae"), "");
  EXPECT_EQ(Resolver().Resolve("id-in"), "");  // the CSEBase has no point of access
  EXPECT_EQ(Resolver().Resolve("//other.example/id-x/ae9"), "");
}

TEST_F(TargetResolverTest, AeResolvesToItsFirstHttpPoaByIdOrPath) {
  AddAe({{"poa", bj::array{"mqtt://broker:1883", "http://h:1/a?ct=json", "http://h:2/b"}}});
  EXPECT_EQ(Resolver().Resolve("ae1"), "http://h:1/a");
  EXPECT_EQ(Resolver().Resolve("cse-in/app1"), "http://h:1/a");
}

TEST_F(TargetResolverTest, AnHttpsPoaIsAsGoodAsAnHttpOne) {
  AddAe({{"poa", bj::array{"mqtt://broker:1883", "https://h:1/a", "http://h:2/b"}}});
  EXPECT_EQ(Resolver().Resolve("ae1"), "https://h:1/a");
}

TEST_F(TargetResolverTest, ACoapPoaIsTakenInOrderLikeHttp) {
  AddAe({{"poa", bj::array{"mqtt://broker:1883", "coaps://h:5684/a", "http://h:2/b"}}});
  EXPECT_EQ(Resolver().Resolve("ae1"), "coaps://h:5684/a");
}

TEST_F(TargetResolverTest, MqttPoaIsAddressedToTheAe) {
  AddAe({{"poa", bj::array{"ws://h", "MQTT://broker:1883"}}});
  EXPECT_EQ(Resolver().Resolve("ae1"), "MQTT://broker:1883#ae1");
}

TEST_F(TargetResolverTest, UnreachableAeIsNotifiedThroughItsPollingChannel) {
  AddAe({{"rr", false}, {"poa", bj::array{"http://h/a"}}});
  AddPollingChannel();
  std::string fallback;
  EXPECT_EQ(Resolver().Resolve("ae1", &fallback), "pch:ae1");
  EXPECT_EQ(fallback, "");
  // Without polling channels served here, the poa is all there is.
  EXPECT_EQ(Resolver(false).Resolve("ae1"), "http://h/a");
}

TEST_F(TargetResolverTest, PollingChannelIsTheFallbackOfAReachableAe) {
  AddAe({{"poa", bj::array{"http://h/a"}}});
  AddPollingChannel();
  std::string fallback;
  EXPECT_EQ(Resolver().Resolve("ae1", &fallback), "http://h/a");
  EXPECT_EQ(fallback, "pch:ae1");
}

TEST_F(TargetResolverTest, AeWithoutPoaUsesItsPollingChannelIfItHasOne) {
  AddAe({});
  EXPECT_EQ(Resolver().Resolve("ae1"), "");
  AddPollingChannel();
  EXPECT_EQ(Resolver().Resolve("ae1"), "pch:ae1");
}

TEST_F(TargetResolverTest, AwakeNodeHoldsNothing) {
  AddNode("* * * * * * *");
  AddAe({{"poa", bj::array{"http://h/a"}}, {"nl", "node1"}});
  NodeWake wake;
  EXPECT_EQ(Resolver().Resolve("ae1", nullptr, &wake), "http://h/a");
  EXPECT_FALSE(wake.has_value());
}

TEST_F(TargetResolverTest, AsleepNodeGivesTheTimeItWakes) {
  AddNode("0 0 * * * * *");  // the first second of every hour
  AddAe({{"poa", bj::array{"http://h/a"}}, {"nl", "cse-in/node1"}});
  NodeWake wake;
  const TimePoint before = Now();
  EXPECT_EQ(Resolver().Resolve("ae1", nullptr, &wake), "http://h/a");
  // Unless this runs in that very second, the node is asleep until the next hour.
  if (wake) {
    ASSERT_TRUE(wake->has_value());
    EXPECT_GT(**wake, before);
    EXPECT_LE(**wake, before + std::chrono::hours(1));
  }
}

TEST_F(TargetResolverTest, NodeAsleepBeyondAWeekHasNoWakeTime) {
  AddNode("0 0 0 1 1 * 1980");
  AddAe({{"poa", bj::array{"http://h/a"}}, {"nl", "node1"}});
  NodeWake wake;
  EXPECT_EQ(Resolver().Resolve("ae1", nullptr, &wake), "http://h/a");
  ASSERT_TRUE(wake.has_value());
  EXPECT_FALSE(wake->has_value());
}

TEST_F(TargetResolverTest, AsleepAeThatPollsIsNotifiedThroughItsChannel) {
  AddNode("0 0 0 1 1 * 1980");
  AddAe({{"poa", bj::array{"http://h/a"}}, {"nl", "node1"}});
  AddPollingChannel();
  std::string fallback;
  NodeWake wake;
  EXPECT_EQ(Resolver().Resolve("ae1", &fallback, &wake), "pch:ae1");
  EXPECT_EQ(fallback, "");
  EXPECT_FALSE(wake.has_value());
}

TEST_F(TargetResolverTest, PoaOfAParsedResource) {
  Resource ae{"cse-in/app1",
              {{"ty", 2}, {"ri", "ae1"}, {"pi", "id-in"}, {"poa", bj::array{"http://h/a"}}},
              ""};
  EXPECT_EQ(Resolver().PoaOf(ae), "http://h/a");
  Resource cnt{"cse-in/cnt1", {{"ty", 3}, {"ri", "cnt1"}, {"poa", bj::array{"http://h/a"}}}, ""};
  EXPECT_EQ(Resolver().PoaOf(cnt), "");
}


// An entity connection that records what it was asked to carry.
class RecordingConnection final : public EntityConnection {
 public:
  void Request(const std::string& entity_id, const Notification& n,
               std::function<void(Status, std::string)> done) override {
    ids.push_back(entity_id);
    bodies.push_back(n.body);
    done(Status::Ok(), R"({"ok":1})");
  }
  std::vector<std::string> ids;
  std::vector<std::string> bodies;
};

TEST_F(TargetResolverTest, AnOpenConnectionComesFirstWithThePoaAsFallback) {
  AddAe({{"poa", bj::array{"http://h:1/n"}}});
  EntityConnections connections;
  auto conn = std::make_shared<RecordingConnection>();
  connections.Bind("ae1", conn);
  TargetResolver r(CseIdentity{"/id-in", "cse-in", ""}, *store_, true, &connections);
  std::string fallback;
  EXPECT_EQ(r.Resolve("ae1", &fallback), "conn:ae1");
  EXPECT_EQ(fallback, "http://h:1/n");
  connections.Unbind("ae1", conn.get());
  fallback.clear();
  EXPECT_EQ(r.Resolve("ae1", &fallback), "http://h:1/n");
}

TEST_F(TargetResolverTest, AnEntityWithoutPoaIsReachableOnlyOverItsConnection) {
  AddAe({});
  // Without entity connections nothing reaches it.
  EXPECT_EQ(Resolver().Resolve("ae1"), "");
  EntityConnections connections;
  TargetResolver r(CseIdentity{"/id-in", "cse-in", ""}, *store_, true, &connections);
  // Not connected now: still its connection, so that a retry finds it once it reconnects.
  EXPECT_EQ(r.Resolve("ae1"), "conn:ae1");
  // A polling channel is its way when not connected.
  AddPollingChannel();
  EXPECT_EQ(r.Resolve("ae1"), "pch:ae1");
}

TEST(EntityConnections, BindsReplacesUnbindsAndForgets) {
  EntityConnections connections;
  auto a = std::make_shared<RecordingConnection>();
  auto b = std::make_shared<RecordingConnection>();
  connections.Bind("C1", a);
  connections.Bind("C2", a);
  EXPECT_EQ(connections.Find("C1"), a);
  EXPECT_EQ(connections.size(), 2u);
  // A newer connection of the same entity takes over; the old one's unbinding leaves it.
  connections.Bind("C1", b);
  EXPECT_EQ(connections.Find("C1"), b);
  connections.Unbind("C1", a.get());
  connections.Unbind("C2", a.get());
  EXPECT_EQ(connections.Find("C1"), b);
  EXPECT_EQ(connections.Find("C2"), nullptr);
  // A deregistered entity is forgotten, whichever connection held it.
  connections.Forget("C1");
  EXPECT_EQ(connections.Find("C1"), nullptr);
  EXPECT_EQ(connections.size(), 0u);
  // A connection that is gone is not found even if never unbound.
  {
    auto c = std::make_shared<RecordingConnection>();
    connections.Bind("C9", c);
  }
  EXPECT_EQ(connections.Find("C9"), nullptr);
}

TEST(ConnectionSender, SendsOverTheBoundConnectionOr5103) {
  auto connections = std::make_shared<EntityConnections>();
  auto sender = MakeConnectionSender(connections);
  Notification n{"conn:C1", R"({"m2m:sgn":{}})", "rqi1", "", {}};
  Status got = Status::Ok();
  sender->Send(n, [&](Status s) { got = s; });
  EXPECT_EQ(got.code(), Rsc::kTargetNotReachable);
  auto conn = std::make_shared<RecordingConnection>();
  connections->Bind("C1", conn);
  std::string pc;
  sender->Request(n, [&](Status s, std::string body) {
    got = s;
    pc = std::move(body);
  });
  EXPECT_TRUE(got.ok());
  EXPECT_EQ(pc, R"({"ok":1})");
  ASSERT_EQ(conn->ids.size(), 1u);
  EXPECT_EQ(conn->ids[0], "C1");
  EXPECT_EQ(conn->bodies[0], n.body);
}

TEST(ConnectionSender, RoutingSenderPicksItForConnectionTargets) {
  auto connections = std::make_shared<EntityConnections>();
  auto conn = std::make_shared<RecordingConnection>();
  connections->Bind("C1", conn);
  auto routing = MakeRoutingSender(nullptr, nullptr, MakeConnectionSender(connections));
  Status got(Rsc::kInternalServerError, "");
  routing->Send(Notification{"conn:C1", "{}", "r", "", {}}, [&](Status s) { got = s; });
  EXPECT_TRUE(got.ok());
  routing->Send(Notification{"http://h/", "{}", "r", "", {}}, [&](Status s) { got = s; });
  EXPECT_EQ(got.code(), Rsc::kTargetNotReachable) << "no egress sender: no route";
}

}  // namespace
}  // namespace trustcse::notification
