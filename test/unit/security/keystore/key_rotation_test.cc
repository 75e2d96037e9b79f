// Tests of the master-key rotation: every sealed value (PSKs, the CA key, the server's TLS key)
// opens under the new key afterwards and not under the old one; an interrupted rotation run
// again finishes without re-sealing twice; a value under an unknown key stops it unchanged.
#include "security/keystore/key_rotation.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "security/ca/certificate_authority.h"
#include "security/credentials/credential_registry.h"

namespace trustcse::security {
namespace {

std::shared_ptr<const KeyStore> Keys(char fill) {
  return std::shared_ptr<const KeyStore>(
      std::move(*SoftwareKeyStoreWithKey(crypto::Secret(std::string(32, fill)))));
}

std::string Pskey(int i) { return "psk-number-" + std::to_string(i) + "-0123456789"; }

class KeyRotationTest : public testing::Test {
 protected:
  KeyRotationTest() : store_(storage::OpenMemoryStore()), old_(Keys('o')), new_(Keys('n')) {
    auto registry = std::make_shared<CredentialRegistry>(*store_, old_);
    for (int i = 0; i < kPsks; ++i) {
      Credential c;
      c.id = "dev" + std::to_string(i);
      c.kind = CredentialKind::kPsk;
      c.ids = {"Cdev" + std::to_string(i)};
      crypto::Secret key(Pskey(i));
      EXPECT_TRUE(registry->Add(c, &key).ok());
    }
    CertificateAuthority ca(*store_, registry, self_);
    EXPECT_TRUE(ca.Load().ok());
    EXPECT_TRUE(ca.Init("rotation test CA", std::chrono::hours(24 * 365)).ok());
    IssueRequest device;  // a certificate credential: no sealed value, left alone
    device.generate_key = true;
    device.ids = {"Ccert"};
    EXPECT_TRUE(ca.Issue(device).has_value());
    auto server = ca.ServerCertificateFor({"localhost"});
    EXPECT_TRUE(server.has_value());
    if (server) server_chain_ = server->chain_pem;
    fields_ = {CredentialRegistry::SealedSecrets()};
    for (const auto& f : CertificateAuthority::SealedKeys()) fields_.push_back(f);
  }

  // The services reopened on the store under `keys`: every PSK and key usable.
  void ExpectAllOpenUnder(std::shared_ptr<const KeyStore> keys) {
    auto registry = std::make_shared<CredentialRegistry>(*store_, keys);
    ASSERT_TRUE(registry->Load().ok());
    for (int i = 0; i < kPsks; ++i) {
      auto psk = registry->Psk("dev" + std::to_string(i), Now());
      ASSERT_TRUE(psk.has_value()) << i;
      EXPECT_EQ(psk->view(), Pskey(i));
    }
    CertificateAuthority ca(*store_, registry, self_);
    ASSERT_TRUE(ca.Load().ok());
    IssueRequest r;
    r.generate_key = true;
    r.ids = {"Cnew"};
    EXPECT_TRUE(ca.Issue(r).has_value()) << "the CA key signs under the new master key";
    auto server = ca.ServerCertificateFor({"localhost"});
    ASSERT_TRUE(server.has_value());
    EXPECT_EQ(server->chain_pem, server_chain_) << "the server key opened, so it was kept";
  }

  static constexpr int kPsks = 7;
  std::unique_ptr<storage::Store> store_;
  std::shared_ptr<const KeyStore> old_, new_;
  CseIdentity self_{"/id-in", "cse-in", "//trustcse.test"};
  std::string server_chain_;
  std::vector<SealedField> fields_;
};

TEST_F(KeyRotationTest, EverySealedValueMovesToTheNewKey) {
  std::vector<std::string> seen;
  auto counts = ResealAll(*store_, fields_, *old_, *new_, 3, [&](const ResealProgress& p) {
    seen.push_back(std::string(p.kind) + " " + std::to_string(p.done) + "/" +
                   std::to_string(p.total));
    return true;
  });
  ASSERT_TRUE(counts.has_value()) << counts.error().message();
  EXPECT_EQ(counts->resealed, kPsks + 2u);
  EXPECT_EQ(counts->already, 0u);
  EXPECT_FALSE(counts->interrupted);
  EXPECT_EQ(seen, (std::vector<std::string>{"credential 3/7", "credential 6/7", "credential 7/7",
                                            "ca 1/1", "tls 1/1"}));
  ExpectAllOpenUnder(new_);
  auto stale = std::make_shared<CredentialRegistry>(*store_, old_);
  ASSERT_TRUE(stale->Load().ok());
  EXPECT_FALSE(stale->Psk("dev0", Now()).has_value()) << "the old key opens nothing any more";
}

TEST_F(KeyRotationTest, AnInterruptedRotationRunAgainFinishesWithoutResealingTwice) {
  int calls = 0;
  auto first = ResealAll(*store_, fields_, *old_, *new_, 2, [&](const ResealProgress&) {
    return ++calls < 2;  // stop after the second batch
  });
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->interrupted);
  EXPECT_EQ(first->resealed, 4u);
  auto second = ResealAll(*store_, fields_, *old_, *new_, 2, nullptr);
  ASSERT_TRUE(second.has_value()) << second.error().message();
  EXPECT_FALSE(second->interrupted);
  EXPECT_EQ(second->already, 4u);
  EXPECT_EQ(second->resealed, kPsks - 4u + 2u);
  ExpectAllOpenUnder(new_);
  auto third = ResealAll(*store_, fields_, *old_, *new_, 2, nullptr);
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->resealed, 0u) << "a finished rotation has nothing left to do";
}

TEST_F(KeyRotationTest, AValueUnderNeitherKeyStopsTheRotationNamingIt) {
  auto stranger = Keys('s');
  auto counts = ResealAll(*store_, fields_, *stranger, *new_, 100, nullptr);
  ASSERT_FALSE(counts.has_value());
  EXPECT_EQ(counts.error().code(), Rsc::kInternalServerError);
  EXPECT_NE(counts.error().message().find("credential dev0"), std::string::npos)
      << counts.error().message();
  ExpectAllOpenUnder(old_);  // nothing was written
}

}  // namespace
}  // namespace trustcse::security
