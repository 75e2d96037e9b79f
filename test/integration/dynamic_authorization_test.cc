// Black-box: direct dynamic authorization. A container links a <dynamicAuthorizationConsultation>
// whose server is this very CSE in its built-in DAS role; the DAS grants from its ACPs labelled
// "das". A request no ACP grants is sent to the DAS, and runs when the DAS grants it.
#include <filesystem>
#include <fstream>

#include "fixture.h"

namespace trustcse::testing {
namespace {

class DynamicAuthorization : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/trustcse-das-XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::ofstream(dir_ + "/t.toml")
        << "[authz]\ndas_role = true\ndas_consultants = [\"Cdconsultant\"]\n";
    server_ = new TrustcseProcess({"--config", dir_ + "/t.toml"}, dir_);
    const uint16_t port = server_->port();
    Client owner(port, "Cdowner");
    ASSERT_EQ(owner.Create("/cse-in", 2, R"({"m2m:ae":{"rn":"downer","api":"Nd","rr":true,"srv":["3"]}})").rsc(), 2001);
    for (const char* ae : {"Cdreader", "Cdstranger", "Cdconsultant"}) {
      Client(port, ae).Create("/cse-in", 2, std::string(R"({"m2m:ae":{"rn":")") + ae +
                                                R"(","api":"Nd","rr":true,"srv":["3"]}})");
    }
    std::string das = "http://127.0.0.1:" + std::to_string(port) + "/cse-in";
    ASSERT_EQ(owner.Create("/cse-in/downer", 34, R"({"m2m:dac":{"rn":"dac","dae":true,"dal":30,"dap":[")" + das + R"("]}})").rsc(), 2001);
    ASSERT_EQ(owner.Create("/cse-in/downer", 34, R"({"m2m:dac":{"rn":"off","dae":false,"dap":[")" + das + R"("]}})").rsc(), 2001);
    ASSERT_EQ(owner.Create("/cse-in/downer", 34, R"({"m2m:dac":{"rn":"gone","dae":true,"dap":["http://127.0.0.1:1/das"]}})").rsc(), 2001);
    ASSERT_EQ(owner.Create("/cse-in/downer", 3, R"({"m2m:cnt":{"rn":"c","daci":["cse-in/downer/dac"]}})").rsc(), 2001);
    ASSERT_EQ(owner.Create("/cse-in/downer", 3, R"({"m2m:cnt":{"rn":"disabled","daci":["cse-in/downer/off"]}})").rsc(), 2001);
    ASSERT_EQ(owner.Create("/cse-in/downer", 3, R"({"m2m:cnt":{"rn":"unreachable","daci":["cse-in/downer/gone"]}})").rsc(), 2001);
    ASSERT_EQ(owner.Create("/cse-in/downer/c", 4, R"({"m2m:cin":{"con":"v"}})").rsc(), 2001);
    // The DAS policy (the admin's): Cdreader may retrieve.
    ASSERT_EQ(Client(port, "CAdmin").Create("/cse-in", 1, R"({"m2m:acp":{"rn":"das-policy","lbl":["das"],
        "pv":{"acr":[{"acor":["Cdreader"],"acop":2}]},"pvs":{"acr":[{"acor":["CAdmin"],"acop":63}]}}})").rsc(), 2001);
  }
  static void TearDownTestSuite() {
    delete server_;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Client As(const char* o) { return Client(server_->port(), o); }
  static inline std::string dir_;
  static inline TrustcseProcess* server_ = nullptr;
};

TEST_F(DynamicAuthorization, TheServerGrantsWhatNoPolicyDoes) {
  EXPECT_EQ(As("Cdreader").Retrieve("/cse-in/downer/c").rsc(), 2000);
  EXPECT_EQ(As("Cdreader").Retrieve("/cse-in/downer/c/la").rsc(), 2000);  // instances follow
  // Only what the DAS granted: not an update, and nothing for others.
  EXPECT_EQ(As("Cdreader").Update("/cse-in/downer/c", R"({"m2m:cnt":{"lbl":["x"]}})").rsc(), 4103);
  EXPECT_EQ(As("Cdstranger").Retrieve("/cse-in/downer/c").rsc(), 4103);
}

TEST_F(DynamicAuthorization, DisabledOrUnreachableServersGrantNothing) {
  EXPECT_EQ(As("Cdreader").Retrieve("/cse-in/downer/disabled").rsc(), 4103);
  EXPECT_EQ(As("Cdreader").Retrieve("/cse-in/downer/unreachable").rsc(), 4103);
}

TEST_F(DynamicAuthorization, TheDasAnswersConsultationsOfItsConsultants) {
  auto r = As("Cdconsultant").Notify("/cse-in", R"({"m2m:seci":{"sit":1,"dreq":{"or":"Cdreader","op":2,"rid":"x"}}})");
  ASSERT_EQ(r.rsc(), 2000) << r.body;
  EXPECT_TRUE(r.json().at("m2m:seci").at("dres").as_object().contains("dai")) << r.body;
  r = As("Cdconsultant").Notify("/cse-in", R"({"m2m:seci":{"sit":1,"dreq":{"or":"Cdstranger","op":2,"rid":"x"}}})");
  ASSERT_EQ(r.rsc(), 2000);
  EXPECT_FALSE(r.json().at("m2m:seci").at("dres").as_object().contains("dai")) << r.body;
  EXPECT_EQ(As("Cdconsultant").Notify("/cse-in", R"({"m2m:seci":{"sit":1}})").rsc(), 4000);
}

// Regression (issue 11, item 1): an m2m:seci body used to skip the authentication gates and
// count as a consultation whoever sent it and wherever it went.
TEST_F(DynamicAuthorization, ASeciBodyIsNoPassForOthers) {
  const std::string seci = R"({"m2m:seci":{"sit":1,"dreq":{"or":"Cdreader","op":2,"rid":"x"}}})";
  // Not registered, not a consultant: the originator gate refuses it as for any request.
  EXPECT_EQ(As("Cdanyone").Notify("/cse-in", seci).rsc(), 4106);
  // Registered but not a consultant: an ordinary NOTIFY to the CSEBase, which it may not send.
  EXPECT_EQ(As("Cdstranger").Notify("/cse-in", seci).rsc(), 4103);
  // A consultant's m2m:seci to an AE is an ordinary NOTIFY too: the AE's policies decide.
  EXPECT_EQ(As("Cdconsultant").Notify("/cse-in/downer", seci).rsc(), 4103);
}

}  // namespace
}  // namespace trustcse::testing
