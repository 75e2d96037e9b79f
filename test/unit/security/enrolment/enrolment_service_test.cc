// Tests of the enrolment function (SEC-3) against the in-memory store: who may enrol (token,
// bootstrap credential, current credential), single use, rotation, uniqueness of keys, and the
// refusals with their status codes.
#include "security/enrolment/enrolment_service.h"

#include <gtest/gtest.h>

#include <set>

#include <boost/json.hpp>

#include "primitive/json_util.h"

namespace trustcse::security {
namespace {

namespace bj = boost::json;

class EnrolmentServiceTest : public testing::Test {
 protected:
  EnrolmentServiceTest() : store_(storage::OpenMemoryStore()) {
    keys_ = std::shared_ptr<const KeyStore>(
        std::move(*SoftwareKeyStoreWithKey(crypto::Secret(std::string(32, 'k')))));
    registry_ = std::make_shared<CredentialRegistry>(*store_, keys_);
    ca_ = std::make_shared<CertificateAuthority>(*store_, registry_,
                                                 CseIdentity{"/id-in", "cse-in", "//t.test"});
    EnrolmentOptions o;
    o.psk_issuer = "t.test";
    o.rotation_grace = std::chrono::seconds(60);
    service_ = std::make_unique<EnrolmentService>(*store_, registry_, ca_, o);
  }

  // Runs one enrolment request; `channel` null means a TLS channel that authenticated nothing.
  ServiceResponse Enrol(std::string body, std::shared_ptr<ChannelIdentity> channel = nullptr,
                        bool tls = true, std::string method = "POST") {
    ServiceRequest r;
    r.method = std::move(method);
    r.path = "enrol";
    r.body = std::move(body);
    r.channel = std::move(channel);
    if (tls) r.channel_binding = *crypto::RandomBytes(48);
    ServiceResponse out;
    bool called = false;
    service_->Handle(std::move(r), [&](ServiceResponse s) {
      out = std::move(s);
      called = true;
    });
    EXPECT_TRUE(called) << "the memory store completes at once";
    return out;
  }
  static std::shared_ptr<ChannelIdentity> Psk(std::string id) {
    auto c = std::make_shared<ChannelIdentity>();
    c->method = ChannelIdentity::Method::kPsk;
    c->credential_id = std::move(id);
    return c;
  }
  static bj::object Json(const ServiceResponse& r) {
    auto v = json::Parse(r.body);
    return v && v->is_object() ? v->get_object() : bj::object{};
  }
  std::string Token(std::vector<std::string> ids) {
    auto t = service_->CreateToken(std::move(ids), std::chrono::hours(1), "");
    EXPECT_TRUE(t.has_value());
    return t ? t->token : "";
  }

  std::unique_ptr<storage::Store> store_;
  std::shared_ptr<const KeyStore> keys_;
  std::shared_ptr<CredentialRegistry> registry_;
  std::shared_ptr<CertificateAuthority> ca_;
  std::unique_ptr<EnrolmentService> service_;
};

TEST_F(EnrolmentServiceTest, ATokenEnrolsOnceAndBindsItsIdentities) {
  std::string token = Token({"Cmeter"});
  ServiceResponse r = Enrol(R"({"token":")" + token + R"("})");
  ASSERT_EQ(r.rsc, Rsc::kCreated) << r.body;
  bj::object o = Json(r);
  std::string id(json::GetString(o, "credential").value_or(""));
  std::string psk(json::GetString(o, "psk").value_or(""));
  EXPECT_EQ(psk.size(), 64u);
  EXPECT_TRUE(id.ends_with("@t.test"));
  auto stored = registry_->Psk(id, Now());
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(crypto::Hex(stored->view()), psk);
  EXPECT_EQ(registry_->BoundTo("Cmeter"), id);

  EXPECT_EQ(Enrol(R"({"token":")" + token + R"("})").rsc, Rsc::kOriginatorNotAuthenticated);
  auto tokens = service_->ListTokens();
  ASSERT_TRUE(tokens && tokens->size() == 1);
  EXPECT_EQ(tokens->front().credential, id);
  EXPECT_FALSE(tokens->front().used.empty());
  EXPECT_TRUE(tokens->front().token.empty()) << "the token itself is never stored";
}

// Issue 11, item 2: an outstanding token reserves its IDs, and an enrolment whose IDs were taken
// meanwhile (bound to another active credential, or registered as an AE) is refused.
TEST_F(EnrolmentServiceTest, ATokenReservesItsIdsUntilItIsUsed) {
  std::string token = Token({"Cvictim"});
  EXPECT_TRUE(registry_->BoundTo("Cvictim").starts_with("enrolment token ")) << "reserved";
  ASSERT_EQ(Enrol(R"({"token":")" + token + R"("})").rsc, Rsc::kCreated);
  EXPECT_TRUE(registry_->BoundTo("Cvictim").ends_with("@t.test")) << "now the credential's";
  // A restarted CSE reserves the IDs of the tokens still outstanding.
  Token({"Clater"});
  auto restarted = std::make_shared<CredentialRegistry>(*store_, keys_);
  ASSERT_TRUE(restarted->Load().ok());
  EnrolmentService again(*store_, restarted, ca_, EnrolmentOptions{});
  ASSERT_TRUE(again.LoadReservations().ok());
  EXPECT_FALSE(restarted->BoundTo("Clater").empty());
  EXPECT_TRUE(restarted->BoundTo("Cvictim").ends_with("@t.test"));
}

TEST_F(EnrolmentServiceTest, IdsTakenByOthersAreNotEnrolled) {
  std::string token = Token({"Csquat"});
  // Bound to another credential meanwhile (the operator's doing, or a squatter's).
  Credential squatter;
  squatter.id = "squatter@t.test";
  squatter.ids = {"Csquat"};
  crypto::Secret key(std::string(16, 's'));
  ASSERT_TRUE(registry_->Add(squatter, &key).ok());
  EXPECT_EQ(Enrol(R"({"token":")" + token + R"("})").rsc, Rsc::kOriginatorNotAuthenticated);
  // Registered as an AE: the device would act in someone else's AE.
  std::string second = Token({"Cregistered"});
  storage::ResourceRecord ae;
  ae.ri = ae.rn = "Cregistered";
  ae.pi = "id-in";
  ae.path = "cse-in/Cregistered";
  ae.ty = 2;
  ae.ct = ae.lt = "20260101T000000";
  ae.body = "{}";
  ASSERT_TRUE(store_->SubmitAndWait([&](storage::WriteTxn& t) { return t.Insert(ae); }).ok());
  EXPECT_EQ(Enrol(R"({"token":")" + second + R"("})").rsc, Rsc::kOriginatorHasAlreadyRegistered);
  // And a token for such IDs is not even issued.
  EXPECT_EQ(service_->CreateToken({"Cregistered"}, std::chrono::hours(1), "").error().code(),
            Rsc::kOriginatorHasAlreadyRegistered);
  EXPECT_EQ(service_->CreateToken({"Csquat"}, std::chrono::hours(1), "").error().code(),
            Rsc::kOriginatorNotAuthenticated);
}

TEST_F(EnrolmentServiceTest, ExpiredAndUnknownTokensAreRefused) {
  std::string token = Token({});
  std::string id = crypto::Hex(crypto::Sha256(token));
  ASSERT_TRUE(store_->SubmitAndWait([&](storage::WriteTxn& t) {
    return t.PutObject(EnrolmentService::kTokenKind, id,
                       R"({"ids":[],"created":"20200101T000000","expires":"20200102T000000"})");
  }).ok());
  EXPECT_EQ(Enrol(R"({"token":")" + token + R"("})").rsc, Rsc::kOriginatorNotAuthenticated);
  EXPECT_EQ(Enrol(R"({"token":"nope"})").rsc, Rsc::kOriginatorNotAuthenticated);
}

TEST_F(EnrolmentServiceTest, ABootstrapCredentialIsConsumedByItsFirstEnrolment) {
  Credential boot;
  boot.id = "factory@vendor";
  boot.use = CredentialUse::kBootstrap;
  boot.ids = {"Cdev"};
  crypto::Secret key(std::string(32, 'b'));
  ASSERT_TRUE(registry_->Add(boot, &key).ok());
  ServiceResponse r = Enrol("{}", Psk("factory@vendor"));
  ASSERT_EQ(r.rsc, Rsc::kCreated) << r.body;
  EXPECT_FALSE(registry_->Find("factory@vendor")->Active(Now()));
  auto issued = registry_->Find(std::string(json::GetString(Json(r), "credential").value_or("")));
  ASSERT_NE(issued, nullptr);
  EXPECT_EQ(issued->use, CredentialUse::kOperational);
  EXPECT_TRUE(issued->MayActAs("Cdev"));
  EXPECT_EQ(Enrol("{}", Psk("factory@vendor")).rsc, Rsc::kOriginatorNotAuthenticated);
}

TEST_F(EnrolmentServiceTest, ReEnrolmentRotatesTheCredential) {
  Credential cur;
  cur.id = "current@t.test";
  cur.ids = {"Crot"};
  crypto::Secret key(std::string(32, 'c'));
  ASSERT_TRUE(registry_->Add(cur, &key).ok());
  ServiceResponse r = Enrol("{}", Psk("current@t.test"));
  ASSERT_EQ(r.rsc, Rsc::kCreated) << r.body;
  auto fresh = registry_->Find(std::string(json::GetString(Json(r), "credential").value_or("")));
  ASSERT_NE(fresh, nullptr);
  EXPECT_EQ(fresh->replaces, "current@t.test");
  EXPECT_TRUE(fresh->MayActAs("Crot"));
  auto old = registry_->Find("current@t.test");
  EXPECT_TRUE(old->Active(Now())) << "valid during the grace period";
  EXPECT_FALSE(old->Active(Now() + std::chrono::seconds(61))) << "expired after it";
}

TEST_F(EnrolmentServiceTest, NoTwoEnrolmentsShareAKeyOrAnIdentity) {
  std::set<std::string> keys, ids;
  for (int i = 0; i < 5; ++i) {
    bj::object o = Json(Enrol(R"({"token":")" + Token({}) + R"("})"));
    keys.insert(std::string(json::GetString(o, "psk").value_or("")));
    ids.insert(std::string(json::GetString(o, "credential").value_or("")));
  }
  EXPECT_EQ(keys.size(), 5u);
  EXPECT_EQ(ids.size(), 5u);
}

TEST_F(EnrolmentServiceTest, BadRequestsGetClearCodes) {
  std::string token = Token({"Cx"});
  EXPECT_EQ(Enrol(R"({"token":")" + token + R"("})", nullptr, /*tls=*/false).rsc,
            Rsc::kSecurityAssociationRequired);
  EXPECT_EQ(Enrol("{", nullptr).rsc, Rsc::kBadRequest);
  EXPECT_EQ(Enrol("[]", nullptr).rsc, Rsc::kBadRequest);
  EXPECT_EQ(Enrol(R"({"token":"x","extra":1})").rsc, Rsc::kBadRequest);
  EXPECT_EQ(Enrol(R"({"token":"x","credential":"password"})").rsc, Rsc::kBadRequest);
  EXPECT_EQ(Enrol(R"({"token":")" + token + R"(","credential":"certificate"})").rsc,
            Rsc::kBadRequest) << "no csr";
  EXPECT_EQ(Enrol("{}", nullptr, true, "GET").rsc, Rsc::kOperationNotAllowed);
  EXPECT_EQ(Enrol("{}").rsc, Rsc::kOriginatorNotAuthenticated) << "no credential at all";
  // None of the refusals used the token up.
  EXPECT_EQ(Enrol(R"({"token":")" + token + R"("})").rsc, Rsc::kCreated);
}

TEST_F(EnrolmentServiceTest, TokensNeedSaneLifetimesAndIds) {
  EXPECT_EQ(service_->CreateToken({}, std::chrono::seconds(1), "").error().code(),
            Rsc::kBadRequest);
  EXPECT_EQ(service_->CreateToken({"bad id"}, std::chrono::hours(1), "").error().code(),
            Rsc::kBadRequest);
}

}  // namespace
}  // namespace trustcse::security
