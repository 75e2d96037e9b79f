// Tests of the crypto building blocks against published test vectors (RFC 4231, RFC 5869,
// FIPS 180-2) and of the encodings' round trips and rejections.
#include "security/crypto/crypto.h"

#include <gtest/gtest.h>

namespace trustcse::security::crypto {
namespace {

std::string H(std::string_view hex) { return *FromHex(hex); }

TEST(Crypto, Sha256MatchesTheStandardVector) {
  EXPECT_EQ(Hex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, HmacSha256MatchesRfc4231Case2) {
  EXPECT_EQ(Hex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, HkdfSha256MatchesRfc5869Case1) {
  auto okm = HkdfSha256(H("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
                        H("000102030405060708090a0b0c"), H("f0f1f2f3f4f5f6f7f8f9"), 42);
  ASSERT_TRUE(okm.has_value());
  EXPECT_EQ(Hex(*okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(Crypto, EncodingsRoundTripEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n : {0u, 1u, 2u, 3u, 4u, 255u, 256u}) {
    std::string s = all.substr(0, n);
    EXPECT_EQ(*FromHex(Hex(s)), s);
    EXPECT_EQ(*FromBase64(Base64(s)), s);
    EXPECT_EQ(*FromBase64Url(Base64Url(s)), s);
    EXPECT_EQ(Base64Url(s).find_first_of("+/="), std::string::npos);
  }
}

TEST(Crypto, MalformedEncodingsAreRejected) {
  EXPECT_FALSE(FromHex("abc").has_value());
  EXPECT_FALSE(FromHex("zz").has_value());
  EXPECT_FALSE(FromBase64("abc").has_value());
  EXPECT_FALSE(FromBase64("ab_-").has_value());
  EXPECT_FALSE(FromBase64Url("ab+/").has_value());
  EXPECT_FALSE(FromBase64Url("a").has_value());
  EXPECT_FALSE(FromBase64("@@@@").has_value());
}

TEST(Crypto, RandomBytesDifferAndHaveTheLengthAsked) {
  auto a = RandomBytes(32), b = RandomBytes(32);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
}

TEST(Crypto, ConstantTimeEqualsComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret2"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

TEST(Crypto, SecretMovesAndEmptiesTheSource) {
  Secret a(std::string("k3y"));
  Secret b = std::move(a);
  EXPECT_EQ(b.view(), "k3y");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from state is specified
}

}  // namespace
}  // namespace trustcse::security::crypto
