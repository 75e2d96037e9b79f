// Tests of the channel-binding gate (SEC-2): which originators a credential may act as, the
// registration exceptions, and the refusals with their status codes.
#include "security/authn/channel_binding.h"

#include <gtest/gtest.h>

#include <memory>

namespace trustcse::security {
namespace {

class ChannelBindingTest : public testing::Test {
 protected:
  ChannelBindingTest() : store_(storage::OpenMemoryStore()) {
    auto keys = SoftwareKeyStoreWithKey(crypto::Secret(std::string(32, 'k')));
    registry_ = std::make_shared<CredentialRegistry>(*store_, std::move(*keys));
    crypto::Secret key(std::string(16, 'p'));
    Add("bound", {"Cmeter1"}, CredentialUse::kOperational, &key);
    Add("fresh", {}, CredentialUse::kOperational, &key);
    Add("boot", {}, CredentialUse::kBootstrap, &key);
    Add("gone", {"Cgone"}, CredentialUse::kOperational, &key);
    EXPECT_TRUE(registry_->Revoke("gone", "test").has_value());
  }
  void Add(std::string id, std::vector<std::string> ids, CredentialUse use, crypto::Secret* key) {
    Credential c;
    c.id = std::move(id);
    c.ids = std::move(ids);
    c.use = use;
    ASSERT_TRUE(registry_->Add(c, key).ok());
  }
  Decision Check(std::string credential, std::string fr, bool registration = false,
                 std::vector<std::string> certified = {}, bool free_ids = true) {
    auto ch = std::make_shared<ChannelIdentity>();
    ch->method = certified.empty() ? ChannelIdentity::Method::kPsk
                                   : ChannelIdentity::Method::kCertificate;
    ch->credential_id = std::move(credential);
    ch->certified_ids = std::move(certified);
    req_.channel = ch;
    SecurityContext ctx;
    ctx.request = &req_;
    ctx.originator = fr_ = std::move(fr);
    ctx.registration = registration;
    ctx.access = kCreate;
    ctx.time = Now();
    return ChannelBinding(registry_, "CAdmin", free_ids).Check(ctx);
  }

  std::unique_ptr<storage::Store> store_;
  std::shared_ptr<CredentialRegistry> registry_;
  RequestPrimitive req_;
  std::string fr_;
};

TEST_F(ChannelBindingTest, PlainRequestsAreLeftToTheOriginatorCheck) {
  SecurityContext ctx;
  ctx.request = &req_;
  ctx.originator = "Cmeter1";
  EXPECT_EQ(ChannelBinding(registry_, "CAdmin").Check(ctx).verdict, Verdict::kDefer);
}

TEST_F(ChannelBindingTest, ABoundCredentialActsOnlyAsItsOriginators) {
  EXPECT_EQ(Check("bound", "Cmeter1").verdict, Verdict::kAllow);
  Decision d = Check("bound", "Cmeter2");
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(d.status.code(), Rsc::kOriginatorNotAuthenticated);
  EXPECT_EQ(Check("bound", "CAdmin").status.code(), Rsc::kOriginatorNotAuthenticated);
  // Registering with an ID it does not hold is refused too.
  EXPECT_EQ(Check("bound", "C", /*registration=*/true).verdict, Verdict::kDeny);
  EXPECT_EQ(Check("bound", "Cmeter1", /*registration=*/true).verdict, Verdict::kAllow);
}

TEST_F(ChannelBindingTest, AnUnboundCredentialMayRegisterOnce) {
  EXPECT_EQ(Check("fresh", "", true).verdict, Verdict::kAllow);
  EXPECT_EQ(Check("fresh", "C", true).verdict, Verdict::kAllow);
  EXPECT_EQ(Check("fresh", "Cnew", true).verdict, Verdict::kAllow);
  EXPECT_EQ(Check("fresh", "Cmeter1", true).verdict, Verdict::kDeny) << "bound to another";
  EXPECT_EQ(Check("fresh", "CAdmin", true).verdict, Verdict::kDeny) << "never the admin";
  EXPECT_EQ(Check("fresh", "Cnew", false).verdict, Verdict::kDeny) << "not registered yet";
}

// Issue 11, item 2: without the operator's opt-in, a credential bound to nothing registers only
// under an AE-ID the CSE assigns; with it, never under one an enrolment token reserves.
TEST_F(ChannelBindingTest, AnUnboundCredentialClaimsNoIdUnlessTheOperatorAllowsIt) {
  EXPECT_EQ(Check("fresh", "C", true, {}, /*free_ids=*/false).verdict, Verdict::kAllow);
  EXPECT_EQ(Check("fresh", "", true, {}, false).verdict, Verdict::kAllow);
  Decision d = Check("fresh", "Cnew", true, {}, false);
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(d.status.code(), Rsc::kOriginatorNotAuthenticated);
}

TEST_F(ChannelBindingTest, IdsReservedByAnEnrolmentTokenAreNotFree) {
  registry_->Reserve("enrolment token 0123", {"Cvictim"}, Now() + std::chrono::hours(1));
  EXPECT_EQ(Check("fresh", "Cvictim", true).verdict, Verdict::kDeny);
  registry_->Reserve("enrolment token old", {"Cstale"}, Now() - std::chrono::seconds(1));
  EXPECT_EQ(Check("fresh", "Cstale", true).verdict, Verdict::kAllow) << "expired reservation";
  registry_->Release("enrolment token 0123");
  EXPECT_EQ(Check("fresh", "Cvictim", true).verdict, Verdict::kAllow) << "released";
}

TEST_F(ChannelBindingTest, CertificatesActAsTheIdsTheyCertify) {
  Decision d = Check("x509:0a", "Cmeter1", false, {"Cmeter1"});
  EXPECT_EQ(d.verdict, Verdict::kDeny) << "unregistered certificate";
  Credential c;
  c.id = "x509:0a";
  c.kind = CredentialKind::kCertificate;
  ASSERT_TRUE(registry_->Add(c, nullptr).ok());
  EXPECT_EQ(Check("x509:0a", "Ccert", false, {"Ccert"}).verdict, Verdict::kAllow);
  EXPECT_EQ(Check("x509:0a", "Cother", false, {"Ccert"}).verdict, Verdict::kDeny);
}

TEST_F(ChannelBindingTest, RevokedUnknownAndBootstrapCredentialsAreRefused) {
  EXPECT_EQ(Check("gone", "Cgone").status.code(), Rsc::kOriginatorNotAuthenticated);
  EXPECT_EQ(Check("nobody", "Cx").status.code(), Rsc::kOriginatorNotAuthenticated);
  Decision d = Check("boot", "C", true);
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(d.status.code(), Rsc::kSecurityAssociationRequired);
}

}  // namespace
}  // namespace trustcse::security
