// Tests of `trustcse explain` (explain.h): the answer is the one the trust gate gives the same
// request — its status, message and the check that refuses, each check before it passing — and
// explaining changes nothing (no binding learned, no rate token spent); the subscription's paths
// and a read-only obligation are applied as the chain applies them; bad queries are refused.
#include "security/trust/explain.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "security/keystore/key_store.h"
#include "security/trust/trust_fixture.h"

namespace trustcse::security::trust {
namespace {

namespace bj = boost::json;

class ExplainTest : public testing::Test {
 protected:
  ExplainTest() : store_(storage::OpenMemoryStore()) {
    auto keys = SoftwareKeyStoreWithKey(crypto::Secret(std::string(32, 'k')));
    credentials_ = std::make_shared<CredentialRegistry>(*store_, std::move(*keys));
    trust_ = std::make_shared<TrustRegistry>(*store_);
    lists_ = std::make_shared<TrustLists>(*store_);
    subs_ = std::make_shared<SubscriptionRegistry>(*store_, trust_);
    AddProviderAndApp(*trust_, UseCaseClass::kNBS);  // transport encryption required
    Credential c;
    c.id = "x509:01";
    c.kind = CredentialKind::kCertificate;
    c.ids = {"Ctrk1"};
    c.imei = "490154203237518";
    EXPECT_TRUE(credentials_->Add(c, nullptr).ok());
    EXPECT_TRUE(trust_
                    ->AddMachine({{"id", "trk-1"},
                                  {"app", kFirstApp},
                                  {"entities", bj::array{"Ctrk1"}},
                                  {"credentials", bj::array{"x509:01"}},
                                  {"binding", "learn"},
                                  {"serial", "T-1"},
                                  {"model", "T"},
                                  {"certification", "TEC-1"},
                                  {"purpose", "tracking"},
                                  {"owner", "alice"},
                                  {"location", "Pune"},
                                  {"user_kyc", true}},
                                 "cli")
                    .has_value());
    EXPECT_TRUE(
        subs_
            ->Add({{"machine", "trk-1"},
                   {"id", "sub-1"},
                   {"state", "active"},
                   {"profile", bj::parse(R"({"paths":["cse-in/trk1"],"rate":1,"burst":1})")}},
                  "cli")
            .has_value());
  }
  bj::object Ask(std::string json) {
    auto q = ParseExplainQuery(bj::parse(json).as_object());
    EXPECT_TRUE(q.has_value()) << q.error().message();
    TrustGate gate(trust_, credentials_, {}, lists_, subs_);
    auto r = Explain(gate, *trust_, subs_.get(), *credentials_, *q);
    EXPECT_TRUE(r.has_value()) << r.error().message();
    return r ? *r : bj::object{};
  }
  static std::string Last(const bj::object& r, std::string_view field) {
    const auto& steps = r.at("steps").as_array();
    return std::string(steps.back().as_object().at(field).as_string());
  }

  std::unique_ptr<storage::Store> store_;
  std::shared_ptr<CredentialRegistry> credentials_;
  std::shared_ptr<TrustRegistry> trust_;
  std::shared_ptr<TrustLists> lists_;
  std::shared_ptr<SubscriptionRegistry> subs_;
};

TEST_F(ExplainTest, NamesTheCheckThatRefusesWithTheStatusTheRequestWouldGet) {
  auto r = Ask(R"({"originator":"Ctrk1","op":"retrieve","to":"cse-in/trk1","binding":"http"})");
  EXPECT_EQ(r.at("decision"), "refused");
  EXPECT_EQ(r.at("rsc"), 4107);
  EXPECT_EQ(Last(r, "check"), "class floor");
  EXPECT_EQ(Last(r, "result"), "refused");
  EXPECT_NE(Last(r, "detail").find("class NBS requires transport encryption"), std::string::npos);
}

TEST_F(ExplainTest, AllowedShowsEveryCheckAndChangesNothing) {
  const std::string q = R"({"originator":"Ctrk1","to":"cse-in/trk1/data","credential":"x509:01"})";
  for (int i = 0; i < 3; ++i) {  // a rate of 1 with a burst of 1: no token is spent
    auto r = Ask(q);
    ASSERT_EQ(r.at("decision"), "allowed") << bj::serialize(r);
    EXPECT_EQ(Last(r, "check"), "subscription paths");
    std::string steps = bj::serialize(r.at("steps"));
    EXPECT_NE(steps.find("what it shows would be learned"), std::string::npos) << steps;
    EXPECT_NE(r.at("then").as_string().find("access-control policies"), std::string::npos);
  }
  EXPECT_TRUE(trust_->FindMachine("trk-1")->imei.empty());  // nothing learned
  // The real gate spends the token; explain then tells when to retry.
  RequestPrimitive req;
  req.binding = "https";
  auto ch = std::make_shared<ChannelIdentity>();
  ch->secure = true;
  ch->method = ChannelIdentity::Method::kCertificate;
  ch->credential_id = "x509:01";
  req.channel = ch;
  SecurityContext ctx;
  ctx.request = &req;
  ctx.originator = "Ctrk1";
  ctx.time = Now();
  TrustGate gate(trust_, credentials_, {}, lists_, subs_);
  ASSERT_EQ(gate.Check(ctx).verdict, Verdict::kAllow);
  EXPECT_EQ(trust_->FindMachine("trk-1")->imei, "490154203237518");  // the gate learns
  auto r = Ask(q);
  EXPECT_EQ(r.at("rsc"), 5207);
  EXPECT_NE(r.at("message").as_string().find("retry in"), std::string::npos);
}

TEST_F(ExplainTest, AppliesTheSubscriptionsPathsAndAReadOnlyObligation) {
  auto outside = Ask(R"({"originator":"Ctrk1","to":"cse-in/other","credential":"x509:01"})");
  EXPECT_EQ(outside.at("rsc"), 4103);
  EXPECT_EQ(outside.at("message"), "subscription sub-1 does not reach cse-in/other");
  ASSERT_TRUE(lists_
                  ->Add({{"list", "grey"},
                         {"kind", "ae"},
                         {"value", "Ctrk1"},
                         {"reason", "odd traffic"},
                         {"mode", "read-only"}},
                        "cli")
                  .has_value());
  auto read = Ask(R"({"originator":"Ctrk1","to":"cse-in/trk1","credential":"x509:01"})");
  EXPECT_EQ(read.at("decision"), "allowed");
  EXPECT_NE(bj::serialize(read.at("obligations")).find("read-only"), std::string::npos);
  auto write = Ask(
      R"({"originator":"Ctrk1","op":"create","ty":4,"to":"cse-in/trk1","credential":"x509:01"})");
  EXPECT_EQ(write.at("rsc"), 4103);
  EXPECT_EQ(Last(write, "check"), "obligations");
}

TEST_F(ExplainTest, AnAeWithoutAMachineRecordIsHeldToTheApplicationItRegisteredWith) {
  // The gate asks the resource tree; explain asks the operator (api), and says so without it.
  auto unnamed = Ask(R"({"originator":"Cstranger","to":"cse-in"})");
  EXPECT_EQ(unnamed.at("decision"), "allowed");
  EXPECT_NE(unnamed.at("note").as_string().find("say which with api"), std::string::npos);
  auto named = Ask(R"({"originator":"Cstranger","to":"cse-in","api":"RSP000001-1"})");
  EXPECT_EQ(named.at("rsc"), 4128);
  EXPECT_NE(named.at("message").as_string().find("admits only its machines"), std::string::npos);
}

TEST_F(ExplainTest, RefusesBadQueries) {
  auto bad = [](std::string json) {
    auto q = ParseExplainQuery(bj::parse(json).as_object());
    return q ? std::string() : q.error().message();
  };
  EXPECT_NE(bad(R"({"op":"retrieve"})").find("originator"), std::string::npos);
  EXPECT_NE(bad(R"({"originator":"C","op":"read"})").find("op is"), std::string::npos);
  EXPECT_NE(bad(R"({"originator":"C","binding":"ftp"})").find("binding is"), std::string::npos);
  EXPECT_NE(bad(R"({"originator":"C","binding":"http","credential":"x"})").find("secure"),
            std::string::npos);
  EXPECT_NE(bad(R"({"originator":"C","source":"10.1"})").find("source"), std::string::npos);
  EXPECT_NE(bad(R"({"originator":"C","op":"create"})").find("ty"), std::string::npos);
  EXPECT_NE(bad(R"({"originator":"C","colour":"red"})").find("unknown explain field colour"),
            std::string::npos);
  auto q = ParseExplainQuery(bj::parse(R"({"originator":"C","credential":"nope"})").as_object());
  ASSERT_TRUE(q.has_value());
  TrustGate gate(trust_, credentials_, {}, lists_, subs_);
  auto r = Explain(gate, *trust_, subs_.get(), *credentials_, *q);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Rsc::kNotFound);
}

}  // namespace
}  // namespace trustcse::security::trust
