// Tests of egress::MakeRoutingClient: the scheme picks the client, a scheme without one is 5103,
// Stop reaches every client once.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "egress/routing_client.h"

namespace trustcse::egress {
namespace {

// Answers every request at once with its own name in the body.
class NamedClient final : public Client {
 public:
  explicit NamedClient(std::string name) : name_(std::move(name)) {}
  void Send(OutboundRequest r, std::optional<TimePoint>, ResponseHandler done) override {
    targets.push_back(r.target);
    OutboundResponse rsp;
    rsp.status = 200;
    rsp.body = name_;
    done(Status::Ok(), std::move(rsp));
  }
  void Stop() override { ++stops; }
  std::vector<std::string> targets;
  int stops = 0;

 private:
  std::string name_;
};

std::pair<Status, std::string> SendTo(Client& c, const std::string& url) {
  OutboundRequest r;
  r.target = url;
  std::pair<Status, std::string> out{Status::Internal("no callback"), ""};
  c.Send(r, std::nullopt, [&out](Status s, OutboundResponse rsp) { out = {s, rsp.body}; });
  return out;
}

TEST(RoutingClient, PicksTheClientByScheme) {
  auto http = std::make_shared<NamedClient>("http");
  auto coap = std::make_shared<NamedClient>("coap");
  auto router = MakeRoutingClient({http, coap, nullptr});
  EXPECT_EQ(SendTo(*router, "http://a/x").second, "http");
  EXPECT_EQ(SendTo(*router, "HTTPS://a/x").second, "http");
  EXPECT_EQ(SendTo(*router, "coap://a/x").second, "coap");
  EXPECT_EQ(SendTo(*router, "coaps://a/x").second, "coap");
  EXPECT_EQ(http->targets.size(), 2u);
  EXPECT_EQ(coap->targets.size(), 2u);
}

TEST(RoutingClient, SchemeWithoutAClientIsUnsupported) {
  auto http = std::make_shared<NamedClient>("http");
  auto router = MakeRoutingClient({http, nullptr, nullptr});
  for (const char* url : {"mqtt://broker#Cae", "coap://a/x", "ftp://a/x", "httpx://a", "/id-in"}) {
    auto [s, body] = SendTo(*router, url);
    EXPECT_EQ(s.code(), Rsc::kTargetNotReachable) << url;
    EXPECT_NE(s.message().find("unsupported scheme"), std::string::npos) << url;
  }
  EXPECT_TRUE(http->targets.empty());
}

TEST(RoutingClient, MqttGoesToTheMqttClient) {
  auto mqtt = std::make_shared<NamedClient>("mqtt");
  auto router = MakeRoutingClient({nullptr, nullptr, mqtt});
  EXPECT_EQ(SendTo(*router, "mqtts://broker:8883#Cae1").second, "mqtt");
}

TEST(RoutingClient, StopStopsEachClientOnce) {
  auto http = std::make_shared<NamedClient>("http");
  auto coap = std::make_shared<NamedClient>("coap");
  auto router = MakeRoutingClient({http, coap, http});
  router->Stop();
  EXPECT_EQ(http->stops, 1);
  EXPECT_EQ(coap->stops, 1);
}

}  // namespace
}  // namespace trustcse::egress
