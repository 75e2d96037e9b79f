// Tests of the software key store: sealing round trips, purpose binding, tamper and wrong-key
// detection, and where the master key may come from (environment, file, created file).
#include "security/keystore/key_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace trustcse::security {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<KeyStore> StoreWith(char fill) {
  auto ks = SoftwareKeyStoreWithKey(crypto::Secret(std::string(32, fill)));
  EXPECT_TRUE(ks.has_value());
  return ks ? std::move(*ks) : nullptr;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "trustcse-ks-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path path_;
};

TEST(SoftwareKeyStore, SealedSecretsOpenForTheirPurposeOnly) {
  auto ks = StoreWith('a');
  auto sealed = ks->Seal("the psk", "psk:one");
  ASSERT_TRUE(sealed.has_value());
  EXPECT_EQ(sealed->find("the psk"), std::string::npos);
  auto opened = ks->Unseal(*sealed, "psk:one");
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(opened->view(), "the psk");
  EXPECT_FALSE(ks->Unseal(*sealed, "psk:two").has_value());
}

TEST(SoftwareKeyStore, SealingTheSameSecretTwiceGivesDifferentValues) {
  auto ks = StoreWith('a');
  EXPECT_NE(*ks->Seal("x", "p"), *ks->Seal("x", "p"));
}

TEST(SoftwareKeyStore, TamperedOrForeignValuesDoNotOpen) {
  auto ks = StoreWith('a');
  std::string sealed = *ks->Seal("secret", "p");
  std::string flipped = sealed;
  flipped[flipped.size() - 3] = flipped[flipped.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(ks->Unseal(flipped, "p").has_value());
  EXPECT_FALSE(ks->Unseal("plain text", "p").has_value());
  EXPECT_FALSE(ks->Unseal(sealed.substr(0, 20), "p").has_value());
  auto other = StoreWith('b')->Unseal(sealed, "p");
  ASSERT_FALSE(other.has_value());
  EXPECT_NE(other.error().message().find("another master key"), std::string::npos);
}

TEST(SoftwareKeyStore, MasterKeyFromTheEnvironmentWinsOverTheFile) {
  TempDir dir;
  std::string hex(64, 'c');
  setenv("TRUSTCSE_TEST_MASTER", hex.c_str(), 1);
  MasterKeyOptions o;
  o.env_var = "TRUSTCSE_TEST_MASTER";
  o.file = (dir.path_ / "absent.key").string();
  auto ks = OpenSoftwareKeyStore(o);
  ASSERT_TRUE(ks.has_value()) << ks.error().message();
  auto same = SoftwareKeyStoreWithKey(crypto::Secret(*crypto::FromHex(hex)));
  EXPECT_EQ((*same)->Unseal(*(*ks)->Seal("s", "p"), "p")->view(), "s");
  setenv("TRUSTCSE_TEST_MASTER", "not a key", 1);
  EXPECT_FALSE(OpenSoftwareKeyStore(o).has_value());
  unsetenv("TRUSTCSE_TEST_MASTER");
}

TEST(SoftwareKeyStore, CreatesAPrivateKeyFileOnceAndReadsItBack) {
  TempDir dir;
  MasterKeyOptions o;
  o.env_var = "TRUSTCSE_TEST_UNSET_VARIABLE";
  o.file = (dir.path_ / "master.key").string();
  EXPECT_FALSE(OpenSoftwareKeyStore(o).has_value());  // absent and not to be created
  o.create_file_if_missing = true;
  auto first = OpenSoftwareKeyStore(o);
  ASSERT_TRUE(first.has_value()) << first.error().message();
  struct stat st{};
  ASSERT_EQ(stat(o.file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string sealed = *(*first)->Seal("kept", "p");
  auto second = OpenSoftwareKeyStore(o);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ((*second)->Unseal(sealed, "p")->view(), "kept");
}

TEST(SoftwareKeyStore, RefusesAKeyFileOthersCanRead) {
  TempDir dir;
  std::string path = (dir.path_ / "open.key").string();
  std::ofstream(path) << std::string(64, 'd') << "\n";
  chmod(path.c_str(), 0644);
  MasterKeyOptions o;
  o.env_var = "";
  o.file = path;
  auto ks = OpenSoftwareKeyStore(o);
  ASSERT_FALSE(ks.has_value());
  EXPECT_NE(ks.error().message().find("chmod 600"), std::string::npos);
  chmod(path.c_str(), 0600);
  EXPECT_TRUE(OpenSoftwareKeyStore(o).has_value());
}

}  // namespace
}  // namespace trustcse::security
