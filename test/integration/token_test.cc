// Black-box: dynamic authorization with access tokens issued by `trustcse token issue` (the
// built-in authorization server role) and presented over HTTP.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "fixture.h"

namespace trustcse::testing {
namespace {

class Tokens : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/trustcse-token-XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::ofstream(dir_ + "/token.key") << std::string(48, 'z');
    std::filesystem::permissions(dir_ + "/token.key", std::filesystem::perms::owner_read |
                                                          std::filesystem::perms::owner_write);
    std::ofstream(dir_ + "/t.toml") << "[authz]\ntoken_key_file = \"" << dir_ << "/token.key\"\n";
    server_ = new TrustcseProcess({"--config", dir_ + "/t.toml"}, dir_);
    Client owner(server_->port(), "Ctowner");
    owner.Create("/cse-in", 2, R"({"m2m:ae":{"rn":"towner","api":"Nt","rr":true,"srv":["3"]}})");
    owner.Create("/cse-in/towner", 3, R"({"m2m:cnt":{"rn":"data"}})");
    owner.Create("/cse-in/towner", 3, R"({"m2m:cnt":{"rn":"other"}})");
    Client(server_->port(), "Ctreader")
        .Create("/cse-in", 2, R"({"m2m:ae":{"rn":"treader","api":"Nt","rr":true,"srv":["3"]}})");
  }
  static void TearDownTestSuite() {
    delete server_;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // Runs `trustcse token issue` and returns the token (or "" on failure).
  static std::string Issue(const std::string& args, const std::string& key = "") {
    std::string cmd = std::string(std::getenv("TRUSTCSE_BIN")) + " token issue --key-file " +
                      (key.empty() ? dir_ + "/token.key" : key) + " " + args + " 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    while (p && fgets(buf, sizeof buf, p)) out += buf;
    if (p) pclose(p);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  HttpResponse Get(const std::string& path, const std::string& originator,
                   const std::string& token) {
    std::vector<std::pair<std::string, std::string>> h = {
        {"X-M2M-Origin", originator}, {"X-M2M-RI", "t"}, {"X-M2M-RVI", "3"}};
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    return HttpRequest(server_->port(), "GET", path, h);
  }
  static inline std::string dir_;
  static inline TrustcseProcess* server_ = nullptr;
};

TEST_F(Tokens, AValidTokenGrantsWhatItSaysWhereItSays) {
  std::string tok = Issue("--holder Ctreader --resource cse-in/towner/data --acop 2 --ttl 60");
  ASSERT_FALSE(tok.empty());
  EXPECT_EQ(Get("/cse-in/towner/data", "Ctreader", "").rsc(), 4103);  // no ACP grants it
  EXPECT_EQ(Get("/cse-in/towner/data", "Ctreader", tok).rsc(), 2000);
  // Only the subtree it names, only the operations it grants.
  EXPECT_EQ(Get("/cse-in/towner/other", "Ctreader", tok).rsc(), 4103);
  auto del = HttpRequest(server_->port(), "DELETE", "/cse-in/towner/data",
                         {{"X-M2M-Origin", "Ctreader"}, {"X-M2M-RI", "t"}, {"X-M2M-RVI", "3"},
                          {"Authorization", "Bearer " + tok}});
  EXPECT_EQ(del.rsc(), 4103);
  // The tkns query parameter works as well.
  EXPECT_EQ(Get("/cse-in/towner/data?tkns=" + tok, "Ctreader", "").rsc(), 2000);
}

TEST_F(Tokens, TokensThatMustNotWorkDoNot) {
  // Held by someone else.
  std::string theirs = Issue("--holder Ctowner --resource cse-in/towner --acop 63");
  EXPECT_EQ(Get("/cse-in/towner/data", "Ctreader", theirs).rsc(), 4103);
  // For another CSE.
  std::string elsewhere =
      Issue("--holder Ctreader --resource cse-in/towner --acop 2 --audience /id-other");
  EXPECT_EQ(Get("/cse-in/towner/data", "Ctreader", elsewhere).rsc(), 4103);
  // Signed with another key.
  std::ofstream(dir_ + "/other.key") << std::string(48, 'q');
  std::filesystem::permissions(dir_ + "/other.key", std::filesystem::perms::owner_read |
                                                        std::filesystem::perms::owner_write);
  std::string forged = Issue("--holder Ctreader --resource cse-in/towner --acop 2", dir_ + "/other.key");
  ASSERT_FALSE(forged.empty());
  EXPECT_EQ(Get("/cse-in/towner/data", "Ctreader", forged).rsc(), 4103);
  // Expired.
  std::string brief = Issue("--holder Ctreader --resource cse-in/towner --acop 2 --ttl 1");
  EXPECT_EQ(Get("/cse-in/towner/data", "Ctreader", brief).rsc(), 2000);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  EXPECT_EQ(Get("/cse-in/towner/data", "Ctreader", brief).rsc(), 4103);
  // Garbage.
  EXPECT_EQ(Get("/cse-in/towner/data", "Ctreader", "not.a.token").rsc(), 4103);
}

}  // namespace
}  // namespace trustcse::testing
