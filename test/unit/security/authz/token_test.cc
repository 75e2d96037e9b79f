// Access tokens: what verifies and what does not.
#include "security/authz/token.h"

#include <gtest/gtest.h>

namespace trustcse::security {
namespace {

const std::string kKey(40, 'k');
const TimePoint kNow = *ParseTimestamp("20261123T100000");

TokenRequest Request() {
  return TokenRequest{"Creader", {"/id-in"}, {"cse-in/owner"},
                      R"({"acr":[{"acor":["Creader"],"acop":2}]})", std::chrono::seconds(300)};
}

std::string Issue(const TokenRequest& r = Request(), const std::string& key = kKey,
                  TimePoint at = kNow) {
  auto jws = TokenIssuer(key, "/id-in").Issue(r, at);
  EXPECT_TRUE(jws.has_value());
  return jws.value_or("");
}

TEST(Token, VerifiesAndCarriesItsClaims) {
  TokenVerifier v(kKey, "/id-in");
  auto t = v.Verify(Issue(), kNow + std::chrono::seconds(10));
  ASSERT_TRUE(t.has_value()) << t.error().message();
  EXPECT_EQ(t->holder, "Creader");
  EXPECT_EQ(t->resources, std::vector<std::string>{"cse-in/owner"});
  AccessRequest req;
  req.originator = "Creader";
  req.access = 2;
  req.time = kNow;
  EXPECT_TRUE(t->privileges->Grants(req));
  req.access = 8;
  EXPECT_FALSE(t->privileges->Grants(req));
  EXPECT_FALSE(t->id.empty());
}

TEST(Token, ExpiredOrNotYetValidIsRefused) {
  TokenVerifier v(kKey, "/id-in");
  std::string jws = Issue();
  EXPECT_EQ(v.Verify(jws, kNow + std::chrono::seconds(300)).error().message(), "token expired");
  EXPECT_EQ(v.Verify(jws, kNow - std::chrono::seconds(5)).error().message(),
            "token not yet valid");
}

TEST(Token, AnotherAudienceIsRefused) {
  auto r = Request();
  r.audience = {"/id-other"};
  EXPECT_EQ(TokenVerifier(kKey, "/id-in").Verify(Issue(r), kNow).error().message(),
            "token is for another audience");
}

TEST(Token, BadSignatureOrTamperingIsRefused) {
  TokenVerifier v(kKey, "/id-in");
  std::string other_key(40, 'x');
  EXPECT_EQ(v.Verify(Issue(Request(), other_key), kNow).error().code(),
            Rsc::kOriginatorHasNoPrivilege);
  std::string jws = Issue();
  // Change one character of the payload: the signature no longer matches.
  auto dot = jws.find('.');
  std::string tampered = jws;
  tampered[dot + 5] = tampered[dot + 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(v.Verify(tampered, kNow).has_value());
  // A truncated signature.
  EXPECT_FALSE(v.Verify(jws.substr(0, jws.size() - 2), kNow).has_value());
}

TEST(Token, MalformedTokensAreRefusedNotCrashed) {
  TokenVerifier v(kKey, "/id-in");
  for (std::string bad : {"", ".", "..", "a.b", "a.b.c", "a.b.c.d", "!!!.@@@.###",
                          "eyJhbGciOiJub25lIn0.eyJleHAiOjk5OTk5OTk5OTl9."}) {
    EXPECT_FALSE(v.Verify(bad, kNow).has_value()) << bad;
  }
}

TEST(Token, IssuerRefusesIncompleteRequests) {
  TokenIssuer issuer(kKey, "/id-in");
  auto r = Request();
  r.resources.clear();
  EXPECT_FALSE(issuer.Issue(r, kNow).has_value());
  r = Request();
  r.privileges_json = R"({"acr":[{"acor":["x"],"acop":99}]})";
  EXPECT_FALSE(issuer.Issue(r, kNow).has_value());
}

}  // namespace
}  // namespace trustcse::security
