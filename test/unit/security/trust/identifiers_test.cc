// Tests of the machine identity validators (TC-2): the Luhn digit, IMEI (with the check digit
// appended to a 14-digit one), ICCID, IMSI (MCC/MNC split) and EID (mod 97), and that each
// refusal is a 4000 whose message says what is wrong.
#include "security/trust/identifiers.h"

#include <gtest/gtest.h>

#include <string>

namespace trustcse::security::trust {
namespace {

// The two ISO/IEC 7064 MOD 97-10 check digits that make `body` + digits 1 modulo 97.
std::string WithEidCheckDigits(const std::string& body) {
  int rest = 0;
  for (char c : body + "00") rest = (rest * 10 + (c - '0')) % 97;
  int check = 98 - rest;
  return body + static_cast<char>('0' + check / 10) + static_cast<char>('0' + check % 10);
}

TEST(IdentifiersTest, LuhnDigitAndValidity) {
  EXPECT_EQ(LuhnDigit("7992739871"), '3');  // the textbook example
  EXPECT_EQ(LuhnDigit("35209900176148"), '1');
  EXPECT_EQ(LuhnDigit("49015420323751"), '8');
  EXPECT_EQ(LuhnDigit("0"), '0');
  EXPECT_TRUE(LuhnValid("79927398713"));
  EXPECT_FALSE(LuhnValid("79927398710"));
  EXPECT_FALSE(LuhnValid("79927398714"));
  EXPECT_TRUE(LuhnValid("352099001761481"));
  EXPECT_TRUE(LuhnValid("00"));
  EXPECT_FALSE(LuhnValid("0")) << "at least two digits";
  EXPECT_FALSE(LuhnValid("")) << "empty";
  EXPECT_FALSE(LuhnValid("7992739871a")) << "not digits";
  EXPECT_FALSE(LuhnValid("7992 7398713")) << "a space";
}

TEST(IdentifiersTest, ImeiWithTheRightCheckDigitIsAccepted) {
  auto imei = ValidateImei("352099001761481");
  ASSERT_TRUE(imei.has_value()) << imei.error().message();
  EXPECT_EQ(*imei, "352099001761481");
  auto other = ValidateImei("490154203237518");
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(*other, "490154203237518");
}

TEST(IdentifiersTest, AFourteenDigitImeiGetsItsCheckDigit) {
  auto imei = ValidateImei("35209900176148");
  ASSERT_TRUE(imei.has_value()) << imei.error().message();
  EXPECT_EQ(*imei, "352099001761481");
  auto other = ValidateImei("49015420323751");
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(*other, "490154203237518");
}

TEST(IdentifiersTest, AnImeiWithAWrongCheckDigitIsRefused) {
  auto imei = ValidateImei("352099001761482");
  ASSERT_FALSE(imei.has_value());
  EXPECT_EQ(imei.error().code(), Rsc::kBadRequest);
  EXPECT_NE(imei.error().message().find("check digit"), std::string::npos)
      << imei.error().message();
  // It names the digit that would be right.
  EXPECT_NE(imei.error().message().find("is 1"), std::string::npos) << imei.error().message();
}

TEST(IdentifiersTest, ImeisOfLettersOrOtherLengthsAreRefused) {
  for (const char* bad : {"", "3520990017614", "3520990017614811", "35209900176148A",
                          "3520990017614a1", "35209900-176148", " 352099001761481"}) {
    auto imei = ValidateImei(bad);
    ASSERT_FALSE(imei.has_value()) << bad;
    EXPECT_EQ(imei.error().code(), Rsc::kBadRequest) << bad;
    EXPECT_NE(imei.error().message().find("15 digits"), std::string::npos) << bad;
  }
}

TEST(IdentifiersTest, IccidsOf19And20DigitsAreAccepted) {
  auto iccid = ValidateIccid("8991101200003204514");
  ASSERT_TRUE(iccid.has_value()) << iccid.error().message();
  EXPECT_EQ(*iccid, "8991101200003204514");
  auto twenty = ValidateIccid("89445001021983048261");
  ASSERT_TRUE(twenty.has_value()) << twenty.error().message();
  EXPECT_EQ(*twenty, "89445001021983048261");
}

TEST(IdentifiersTest, IccidsWithoutThePrefixOrOfOtherLengthsAreRefused) {
  // Luhn-valid, but not starting with "89".
  std::string not89 = "799110120000320451";
  not89 += LuhnDigit(not89);
  ASSERT_TRUE(LuhnValid(not89));
  for (const std::string& bad :
       {not89, std::string("899110120000320451"), std::string("899110120000320451400"),
        std::string("89911012000032045x4"), std::string("")}) {
    auto iccid = ValidateIccid(bad);
    ASSERT_FALSE(iccid.has_value()) << bad;
    EXPECT_EQ(iccid.error().code(), Rsc::kBadRequest) << bad;
    EXPECT_NE(iccid.error().message().find("starts with 89"), std::string::npos) << bad;
  }
}

TEST(IdentifiersTest, AnIccidWithAWrongCheckDigitIsRefused) {
  auto iccid = ValidateIccid("8991101200003204515");
  ASSERT_FALSE(iccid.has_value());
  EXPECT_EQ(iccid.error().code(), Rsc::kBadRequest);
  EXPECT_NE(iccid.error().message().find("check digit"), std::string::npos)
      << iccid.error().message();
}

TEST(IdentifiersTest, ImsiSplitsMccAndMnc) {
  auto india = ValidateImsi("404450123456789");
  ASSERT_TRUE(india.has_value()) << india.error().message();
  EXPECT_EQ(india->imsi, "404450123456789");
  EXPECT_EQ(india->mcc, "404");
  EXPECT_EQ(india->mnc, "45");
  // 310 (USA) uses three-digit MNCs by default.
  auto usa = ValidateImsi("310150123456789");
  ASSERT_TRUE(usa.has_value());
  EXPECT_EQ(usa->mcc, "310");
  EXPECT_EQ(usa->mnc, "150");
  // 405 (India) is in the three-digit list, 404 is not.
  auto india405 = ValidateImsi("405854123456789");
  ASSERT_TRUE(india405.has_value());
  EXPECT_EQ(india405->mnc, "854");
  // The test network MCC.
  auto test = ValidateImsi("001010000000001");
  ASSERT_TRUE(test.has_value());
  EXPECT_EQ(test->mcc, "001");
  EXPECT_EQ(test->mnc, "01");
}

TEST(IdentifiersTest, AnExplicitMncLengthOverridesTheMcc) {
  auto three = ValidateImsi("404450123456789", 3);
  ASSERT_TRUE(three.has_value());
  EXPECT_EQ(three->mnc, "450");
  auto two = ValidateImsi("310150123456789", 2);
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(two->mcc, "310");
  EXPECT_EQ(two->mnc, "15");
  for (int bad : {1, 4, -1}) {
    auto imsi = ValidateImsi("404450123456789", bad);
    ASSERT_FALSE(imsi.has_value()) << bad;
    EXPECT_EQ(imsi.error().code(), Rsc::kBadRequest);
    EXPECT_NE(imsi.error().message().find("2 or 3 digits"), std::string::npos);
  }
}

TEST(IdentifiersTest, ImsisWithABadMccAreRefused) {
  for (const char* bad : {"100450123456789", "000450123456789", "199999123456789",
                          "800450123456789", "999450123456789", "002450123456789"}) {
    auto imsi = ValidateImsi(bad);
    ASSERT_FALSE(imsi.has_value()) << bad;
    EXPECT_EQ(imsi.error().code(), Rsc::kBadRequest) << bad;
    EXPECT_NE(imsi.error().message().find("is not a mobile country code"), std::string::npos)
        << imsi.error().message();
  }
  EXPECT_TRUE(ValidateImsi("200450123456789").has_value()) << "lowest MCC";
  EXPECT_TRUE(ValidateImsi("799450123456789").has_value()) << "highest MCC";
}

TEST(IdentifiersTest, ImsisOfOtherLengthsOrLettersAreRefused) {
  EXPECT_TRUE(ValidateImsi("404450").has_value()) << "6 digits is the minimum";
  for (const char* bad : {"", "40445", "4044501234567890", "40445012345678x", "404-50123456789"}) {
    auto imsi = ValidateImsi(bad);
    ASSERT_FALSE(imsi.has_value()) << bad;
    EXPECT_EQ(imsi.error().code(), Rsc::kBadRequest) << bad;
    EXPECT_NE(imsi.error().message().find("6 to 15 digits"), std::string::npos) << bad;
  }
}

TEST(IdentifiersTest, AnEidIsOneModulo97) {
  // Worked by hand: 89049032000000000000000000012300 mod 97 = 13, so the check digits are
  // 98 - 13 = 85.
  const std::string eid = "89049032000000000000000000012385";
  EXPECT_EQ(WithEidCheckDigits("890490320000000000000000000123"), eid);
  auto ok = ValidateEid(eid);
  ASSERT_TRUE(ok.has_value()) << ok.error().message();
  EXPECT_EQ(*ok, eid);
  std::string other = WithEidCheckDigits("890440450000000000000000065432");
  EXPECT_TRUE(ValidateEid(other).has_value()) << other;
}

TEST(IdentifiersTest, AnEidWithOneDigitChangedIsRefused) {
  const std::string eid = "89049032000000000000000000012385";
  for (size_t i : {0u, 10u, 31u}) {
    std::string changed = eid;
    changed[i] = changed[i] == '9' ? '0' : static_cast<char>(changed[i] + 1);
    auto bad = ValidateEid(changed);
    ASSERT_FALSE(bad.has_value()) << changed;
    EXPECT_EQ(bad.error().code(), Rsc::kBadRequest);
    EXPECT_NE(bad.error().message().find("wrong check digits"), std::string::npos);
  }
  for (const std::string& bad : {eid.substr(0, 31), eid + "0",
                                 std::string("8904903200000000000000000001238x"), std::string()}) {
    auto r = ValidateEid(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_NE(r.error().message().find("32 digits"), std::string::npos) << bad;
  }
}

}  // namespace
}  // namespace trustcse::security::trust
