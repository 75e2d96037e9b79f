// Tests of the credential registry: durable adds and revocations (surviving a reload), sealed
// PSKs, originator bindings and their uniqueness, bindings made inside a request's write, and
// revocation listeners.
#include "security/credentials/credential_registry.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace trustcse::security {
namespace {

std::shared_ptr<const KeyStore> Keys(char fill = 'k') {
  return std::shared_ptr<const KeyStore>(
      std::move(*SoftwareKeyStoreWithKey(crypto::Secret(std::string(32, fill)))));
}

Credential Psk(std::string id, std::vector<std::string> ids = {}) {
  Credential c;
  c.id = std::move(id);
  c.kind = CredentialKind::kPsk;
  c.ids = std::move(ids);
  return c;
}

class CredentialRegistryTest : public testing::Test {
 protected:
  CredentialRegistryTest() : store_(storage::OpenMemoryStore()), keys_(Keys()) {
    registry_ = std::make_unique<CredentialRegistry>(*store_, keys_);
  }
  std::unique_ptr<CredentialRegistry> Reloaded() {
    auto r = std::make_unique<CredentialRegistry>(*store_, keys_);
    EXPECT_TRUE(r->Load().ok());
    return r;
  }

  std::unique_ptr<storage::Store> store_;
  std::shared_ptr<const KeyStore> keys_;
  std::unique_ptr<CredentialRegistry> registry_;
};

TEST_F(CredentialRegistryTest, AddedPskIsStoredSealedAndUnsealsForHandshakes) {
  crypto::Secret key(std::string("0123456789abcdef0123"));
  ASSERT_TRUE(registry_->Add(Psk("dev1@trustcse.local", {"Cmeter1"}), &key).ok());
  auto body = store_->GetObject(CredentialRegistry::kObjectKind, "dev1@trustcse.local");
  ASSERT_TRUE(body && *body);
  EXPECT_EQ((*body)->find("0123456789abcdef"), std::string::npos) << "PSK stored in clear";
  auto r = Reloaded();
  auto psk = r->Psk("dev1@trustcse.local", Now());
  ASSERT_TRUE(psk.has_value());
  EXPECT_EQ(psk->view(), "0123456789abcdef0123");
  EXPECT_EQ(r->BoundTo("Cmeter1"), "dev1@trustcse.local");
  EXPECT_FALSE(r->Psk("nobody", Now()).has_value());
}

TEST_F(CredentialRegistryTest, RefusesDuplicateIdsShortKeysAndBadIds) {
  crypto::Secret key(std::string(16, 'x'));
  ASSERT_TRUE(registry_->Add(Psk("a", {"Ca"}), &key).ok());
  EXPECT_EQ(registry_->Add(Psk("a"), &key).code(), Rsc::kConflict);
  EXPECT_TRUE(registry_->Add(Psk("b", {"Ca"}), &key).ok()) << "the operator may bind twice";
  crypto::Secret shorty(std::string(15, 'x'));
  EXPECT_EQ(registry_->Add(Psk("c"), &shorty).code(), Rsc::kBadRequest);
  EXPECT_EQ(registry_->Add(Psk("has space"), &key).code(), Rsc::kBadRequest);
  EXPECT_EQ(registry_->Add(Psk(""), &key).code(), Rsc::kBadRequest);
}

// A bootstrap credential reserves the IDs its device will enrol as, so that no other
// credential can register under them first.
TEST_F(CredentialRegistryTest, BootstrapCredentialsReserveTheirIds) {
  crypto::Secret key(std::string(16, 'x'));
  Credential boot = Psk("boot", {"Cdev"});
  boot.use = CredentialUse::kBootstrap;
  ASSERT_TRUE(registry_->Add(boot, &key).ok());
  EXPECT_EQ(registry_->BoundTo("Cdev"), "boot");
  ASSERT_TRUE(registry_->Revoke("boot", "used").has_value());
  EXPECT_EQ(registry_->BoundTo("Cdev"), "");
}

TEST_F(CredentialRegistryTest, RevocationIsDurableFreesBindingsAndTellsListeners) {
  crypto::Secret key(std::string(16, 'x'));
  ASSERT_TRUE(registry_->Add(Psk("a", {"Ca"}), &key).ok());
  std::vector<std::string> told;
  registry_->AddRevocationListener([&](const std::string& id) { told.push_back(id); });
  auto revoked = registry_->Revoke("a", "lost device");
  ASSERT_TRUE(revoked.has_value());
  EXPECT_FALSE(revoked->revoked.empty());
  EXPECT_EQ(told, std::vector<std::string>{"a"});
  EXPECT_FALSE(registry_->Psk("a", Now()).has_value());
  EXPECT_EQ(registry_->BoundTo("Ca"), "");
  ASSERT_TRUE(registry_->Revoke("a", "again").has_value());
  EXPECT_EQ(told.size(), 1u) << "a second revocation is not news";
  EXPECT_EQ(registry_->Revoke("zz", "").error().code(), Rsc::kNotFound);
  auto r = Reloaded();
  EXPECT_FALSE(r->Find("a")->Active(Now()));
  EXPECT_EQ(r->Find("a")->reason, "lost device");
}

TEST_F(CredentialRegistryTest, ExpiredCredentialsAreInactive) {
  Credential c = Psk("old");
  c.expires = FormatTimestamp(Now() - std::chrono::seconds(1));
  crypto::Secret key(std::string(16, 'x'));
  ASSERT_TRUE(registry_->Add(c, &key).ok());
  EXPECT_FALSE(registry_->Find("old")->Active(Now()));
  EXPECT_FALSE(registry_->Psk("old", Now()).has_value());
}

TEST_F(CredentialRegistryTest, BindingInAWriteShowsAfterApply) {
  crypto::Secret key(std::string(16, 'x'));
  ASSERT_TRUE(registry_->Add(Psk("a"), &key).ok());
  std::optional<Credential> bound;
  ASSERT_TRUE(store_->SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
    auto c = registry_->BindInWrite(txn, "a", "Cnew", Now());
    if (!c) return c.error();
    bound = std::move(*c);
    return Status::Ok();
  }).ok());
  EXPECT_EQ(registry_->BoundTo("Cnew"), "") << "not visible before Apply";
  registry_->Apply(std::move(*bound));
  EXPECT_EQ(registry_->BoundTo("Cnew"), "a");
  EXPECT_TRUE(Reloaded()->Find("a")->MayActAs("Cnew"));
  ASSERT_TRUE(registry_->Revoke("a", "").has_value());
  Status s = store_->SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
    auto c = registry_->BindInWrite(txn, "a", "Cother", Now());
    return c ? Status::Ok() : c.error();
  });
  EXPECT_EQ(s.code(), Rsc::kOriginatorNotAuthenticated);
}

TEST_F(CredentialRegistryTest, AnotherMasterKeyCannotOpenStoredPsks) {
  crypto::Secret key(std::string(16, 'x'));
  ASSERT_TRUE(registry_->Add(Psk("a"), &key).ok());
  CredentialRegistry other(*store_, Keys('z'));
  ASSERT_TRUE(other.Load().ok());
  EXPECT_FALSE(other.Psk("a", Now()).has_value());
}

}  // namespace
}  // namespace trustcse::security
