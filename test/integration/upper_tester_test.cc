// Black-box: the upper tester (POST /__ut__) — off by default; with --upper-tester: Status,
// Reset, GetConfig, shorter expiration and request timers, request primitives in the body.
#include <chrono>
#include <future>
#include <thread>

#include "fixture.h"

namespace trustcse::testing {
namespace {

namespace bj = boost::json;

HttpResponse Ut(uint16_t port, const std::string& command, const std::string& body = "") {
  std::vector<std::pair<std::string, std::string>> h;
  if (!command.empty()) h.emplace_back("X-M2M-UTCMD", command);
  if (!body.empty()) h.emplace_back("Content-Type", "application/json");
  return HttpRequest(port, "POST", "/__ut__", h, body);
}

TEST(UpperTesterOff, IsNotServedByDefault) {
  TrustcseProcess cse;
  auto r = Ut(cse.port(), "Status");
  EXPECT_NE(r.status, 200);
  EXPECT_TRUE(r.header("x-m2m-utrsp").empty());
}

class UpperTester : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new TrustcseProcess({"--upper-tester"}); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  uint16_t port() const { return server_->port(); }
  static TrustcseProcess* server_;
};
TrustcseProcess* UpperTester::server_ = nullptr;

TEST_F(UpperTester, StatusAndUnknownCommands) {
  auto r = Ut(port(), "Status");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.rsc(), 2000);
  EXPECT_EQ(r.header("x-m2m-utrsp"), "RUNNING");
  EXPECT_EQ(Ut(port(), "status").header("x-m2m-utrsp"), "RUNNING");  // case-insensitive
  auto bad = Ut(port(), "selfDestruct");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.rsc(), 4000);
  EXPECT_NE(bad.header("x-m2m-utrsp").find("unknown command"), std::string::npos);
  // A command that quotes itself still gets a valid JSON body.
  auto quoted = Ut(port(), R"(say "hi" \ now)");
  EXPECT_EQ(quoted.rsc(), 4000);
  EXPECT_TRUE(quoted.json().is_object()) << quoted.body;
  EXPECT_EQ(Ut(port(), "").rsc(), 4000);  // neither a command nor a primitive
  EXPECT_EQ(HttpRequest(port(), "GET", "/__ut__", {{"X-M2M-UTCMD", "Status"}}).rsc(), 4000);
}

TEST_F(UpperTester, GetConfig) {
  EXPECT_EQ(Ut(port(), "GetConfig cse.cse_id").header("x-m2m-utrsp"), "/id-in");
  EXPECT_EQ(Ut(port(), "GetConfig cse.name").header("x-m2m-utrsp"), "cse-in");
  EXPECT_EQ(Ut(port(), "GetConfig no.such.key").rsc(), 4000);
}

TEST_F(UpperTester, ResetDeletesEverythingAndRenewsTheCseBase) {
  Client admin(port(), "CAdmin");
  auto ct_before = Str(admin.Retrieve("/cse-in").json().at("m2m:cb").at("ct"));
  Client c(port(), "C");
  auto ae = c.Create("/cse-in", 2, R"({"m2m:ae":{"rn":"doomed","api":"Nx","rr":true,"srv":["3"]}})");
  ASSERT_EQ(ae.rsc(), 2001) << ae.body;
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto r = Ut(port(), "Reset");
  ASSERT_EQ(r.rsc(), 2000) << r.body << r.header("x-m2m-utrsp");
  EXPECT_EQ(admin.Retrieve("/cse-in/doomed").rsc(), 4004);
  auto cb = admin.Retrieve("/cse-in");
  ASSERT_EQ(cb.rsc(), 2000);
  EXPECT_GT(Str(cb.json().at("m2m:cb").at("ct")), ct_before);
  // The same name can be registered again.
  EXPECT_EQ(c.Create("/cse-in", 2, R"({"m2m:ae":{"rn":"doomed","api":"Nx","rr":true,"srv":["3"]}})").rsc(),
            2001);
}

TEST_F(UpperTester, ShortResourceExpirationRemovesRecordsQuickly) {
  auto r = Ut(port(), "enableShortResourceExpiration 1");
  ASSERT_EQ(r.rsc(), 2000);
  // The previous check interval and the maximum expiration delta (5 years), whole seconds.
  EXPECT_EQ(r.header("x-m2m-utrsp"), "1,157680000");
  EXPECT_EQ(Ut(port(), "enableShortResourceExpiration soon").rsc(), 4000);
  // A non-blocking request's record now lives about a second.
  Client admin(port(), "CAdmin");
  auto ack = admin.Retrieve("/cse-in?rt=1");
  ASSERT_EQ(ack.rsc(), 1001);
  std::string ri = Str(ack.json().at("m2m:uri"));
  int rsc = 0;
  for (int i = 0; i < 60 && rsc != 4004; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    rsc = admin.Retrieve("/cse-in/" + ri).rsc();
  }
  EXPECT_EQ(rsc, 4004);
  EXPECT_EQ(Ut(port(), "disableShortResourceExpiration").rsc(), 2000);
  EXPECT_EQ(Ut(port(), "enableShortResourceExpiration 2").header("x-m2m-utrsp"), "1,157680000");
  EXPECT_EQ(Ut(port(), "disableShortResourceExpiration").rsc(), 2000);
}

TEST_F(UpperTester, ShortRequestExpirationShortensLongPolls) {
  auto r = Ut(port(), "enableShortRequestExpiration 0.3");
  ASSERT_EQ(r.rsc(), 2000);
  EXPECT_EQ(r.header("x-m2m-utrsp"), "30");
  Client c(port(), "C");
  auto ae = c.Create("/cse-in", 2, R"({"m2m:ae":{"rn":"sleepy","api":"Nx","rr":false,"srv":["3"]}})");
  ASSERT_EQ(ae.rsc(), 2001) << ae.body;
  Client dev(port(), Str(ae.json().at("m2m:ae").at("aei")));
  ASSERT_EQ(dev.Create("/cse-in/sleepy", 15, R"({"m2m:pch":{"rn":"pch"}})").rsc(), 2001);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(dev.Retrieve("/cse-in/sleepy/pch/pcu").rsc(), 4008);  // no rqet: the short default
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // A request for the device that it never fetches fails as timed out, as does one it fetches
  // but never answers.
  start = std::chrono::steady_clock::now();
  Client admin(port(), "CAdmin");
  EXPECT_EQ(admin.Notify("/cse-in/sleepy", R"({"m2m:sgn":{}})").rsc(), 4008);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  auto sent = std::async(std::launch::async,
                         [&] { return admin.Notify("/cse-in/sleepy", R"({"m2m:sgn":{}})"); });
  EXPECT_EQ(dev.Retrieve("/cse-in/sleepy/pch/pcu", {{"X-M2M-RET", "5000"}}).rsc(), 2000);
  EXPECT_EQ(sent.get().rsc(), 4008);
  EXPECT_EQ(Ut(port(), "disableShortRequestExpiration").rsc(), 2000);
}

TEST_F(UpperTester, RequestPrimitivesInTheBodyAreHandled) {
  auto r = Ut(port(), "", R"({"op":2,"to":"cse-in","fr":"CAdmin","rqi":"ut1","rvi":"3"})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto rsp = bj::parse(r.body);
  EXPECT_EQ(rsp.at("rsc").as_int64(), 2000);
  EXPECT_EQ(Str(rsp.at("rqi")), "ut1");
  EXPECT_EQ(Str(rsp.at("pc").at("m2m:cb").at("csi")), "/id-in");
  // Wrapped in m2m:rqp too; the inner request's own errors are in the response primitive.
  r = Ut(port(), "", R"({"m2m:rqp":{"op":2,"to":"cse-in/nothing","fr":"CAdmin","rqi":"ut2","rvi":"3"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(bj::parse(r.body).at("rsc").as_int64(), 4004);
  EXPECT_EQ(Ut(port(), "", R"({"op":"x"})").rsc(), 4000);
}

}  // namespace
}  // namespace trustcse::testing
