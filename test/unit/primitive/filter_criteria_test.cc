// Tests of the filterCriteria parser (primitive/filter_criteria.h): every member is parsed and
// stored, malformed values are a 4000 naming the parameter, and keys that are not filter
// criteria are left to the caller.
#include "primitive/filter_criteria.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace trustcse {
namespace {

using testing::TestWithParam;

struct KeyValue {
  std::string key;
  std::string value;
};

void PrintTo(const KeyValue& kv, std::ostream* os) { *os << kv.key << "=" << kv.value; }

// ---- fu --------------------------------------------------------------------------------------

TEST(FilterCriteria, DefaultsToConditionalRetrieveAndAnd) {
  FilterCriteria fc;
  EXPECT_EQ(fc.fu, 2);
  EXPECT_EQ(fc.fo, 1);
  EXPECT_TRUE(ValidateFilterCriteria(fc).ok());
}

TEST(FilterCriteria, AcceptsFilterUsageDiscoveryAndConditionalRetrieve) {
  for (int fu : {1, 2}) {
    FilterCriteria fc;
    fc.fu = fu == 1 ? 2 : 1;
    auto r = ApplyFilterParameter(fc, "fu", std::to_string(fu));
    ASSERT_TRUE(r.has_value()) << fu;
    EXPECT_TRUE(*r);
    EXPECT_EQ(fc.fu, fu);
  }
}

TEST(FilterCriteria, ReportsIpeOnDemandFilterUsageAsNotImplemented) {
  FilterCriteria fc;
  auto r = ApplyFilterParameter(fc, "fu", "3");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Rsc::kNotImplemented);
  EXPECT_EQ(fc.fu, 2);
}

TEST(FilterCriteria, ValidateRejectsOutOfRangeFilterUsage) {
  FilterCriteria fc;
  fc.fu = 3;
  EXPECT_EQ(ValidateFilterCriteria(fc).code(), Rsc::kBadRequest);
  fc.fu = 0;
  EXPECT_EQ(ValidateFilterCriteria(fc).code(), Rsc::kBadRequest);
}

// ---- ty --------------------------------------------------------------------------------------

struct TyCase {
  std::string value;
  std::vector<int> expected;
};

class FilterCriteriaTy : public TestWithParam<TyCase> {};

TEST_P(FilterCriteriaTy, SplitsOnPlusAndSpace) {
  FilterCriteria fc;
  auto r = ApplyFilterParameter(fc, "ty", GetParam().value);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_TRUE(*r);
  EXPECT_EQ(fc.ty, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(Lists, FilterCriteriaTy,
                         testing::Values(TyCase{"4", {4}}, TyCase{"2+3", {2, 3}},
                                         TyCase{"2 3", {2, 3}}, TyCase{"2+3 28", {2, 3, 28}},
                                         TyCase{"+2++3+", {2, 3}}));

TEST(FilterCriteria, AccumulatesRepeatedTy) {
  FilterCriteria fc;
  ASSERT_TRUE(ApplyFilterParameter(fc, "ty", "2").has_value());
  ASSERT_TRUE(ApplyFilterParameter(fc, "ty", "3").has_value());
  EXPECT_EQ(fc.ty, (std::vector<int>{2, 3}));
}

// ---- lbl, rn, cty ----------------------------------------------------------------------------

TEST(FilterCriteria, StoresStringListMembers) {
  FilterCriteria fc;
  ASSERT_TRUE(ApplyFilterParameter(fc, "lbl", "key:value+other").value_or(false));
  ASSERT_TRUE(ApplyFilterParameter(fc, "lbl", "third").value_or(false));
  ASSERT_TRUE(ApplyFilterParameter(fc, "rn", "cnt1 cnt2").value_or(false));
  ASSERT_TRUE(ApplyFilterParameter(fc, "cty", "text/plain").value_or(false));
  EXPECT_EQ(fc.lbl, (std::vector<std::string>{"key:value", "other", "third"}));
  ASSERT_EQ(fc.atr.size(), 2u);  // rn is an attribute condition, one per name
  EXPECT_EQ(fc.atr[0].name, "rn");
  EXPECT_EQ(fc.atr[0].value, "cnt1");
  EXPECT_EQ(fc.atr[1].value, "cnt2");
  EXPECT_EQ(fc.cty, (std::vector<std::string>{"text/plain"}));
}

// ---- attribute conditions (TS-0004 §7.3.3.17.9) ------------------------------------------------

TEST(FilterCriteria, TakesAnAttributeShapedKeyAsACondition) {
  FilterCriteria fc;
  ASSERT_TRUE(ApplyAttributeCondition(fc, "mni", "7").value_or(false));
  ASSERT_TRUE(ApplyAttributeCondition(fc, "cr", "C*").value_or(false));
  ASSERT_EQ(fc.atr.size(), 2u);
  EXPECT_EQ(fc.atr[1].name, "cr");
  EXPECT_EQ(fc.atr[1].value, "C*");
  // Not the shape of a short name: left to the caller (an unknown parameter).
  for (std::string_view key : {"", "1x", "a-b", "a.b", "x y"}) {
    auto r = ApplyAttributeCondition(fc, key, "v");
    ASSERT_TRUE(r.has_value()) << key;
    EXPECT_FALSE(*r) << key;
  }
}

TEST(FilterCriteria, RefusesAttributesThatHaveConditionsOfTheirOwn) {
  for (std::string_view key : {"ct", "lt", "st", "et", "cs", "cnf"}) {
    FilterCriteria fc;
    auto r = ApplyAttributeCondition(fc, key, "1");
    ASSERT_FALSE(r.has_value()) << key;
    EXPECT_EQ(r.error().code(), Rsc::kBadRequest) << key;
  }
}

TEST(FilterCriteria, BoundsTheNumberOfAttributeConditions) {
  FilterCriteria fc;
  for (size_t i = 0; i < kMaxAttributeConditions; ++i) {
    ASSERT_TRUE(ApplyAttributeCondition(fc, "mni", std::to_string(i)).value_or(false));
  }
  auto r = ApplyAttributeCondition(fc, "mni", "x");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Rsc::kBadRequest);
}

TEST(FilterCriteria, CriteriaItDoesNotImplementAreNotImplementedNotBadRequests) {
  for (std::string_view key : {"lbq", "arp", "smf", "cfs", "cfq", "gmty", "geom", "gsf", "clbl",
                               "palb", "chty", "pty", "c.mni", "p.lbl"}) {
    FilterCriteria fc;
    auto r = ApplyFilterParameter(fc, key, "x");
    ASSERT_FALSE(r.has_value()) << key;
    EXPECT_EQ(r.error().code(), Rsc::kNotImplemented) << key;
  }
}

// ---- timestamps ------------------------------------------------------------------------------

using TimestampField = std::optional<std::string> FilterCriteria::*;

struct TimestampCase {
  std::string key;
  TimestampField field;
};

void PrintTo(const TimestampCase& c, std::ostream* os) { *os << c.key; }

class FilterCriteriaTimestamp : public TestWithParam<TimestampCase> {};

TEST_P(FilterCriteriaTimestamp, IsNormalizedToTheStorageForm) {
  const auto& c = GetParam();
  struct {
    std::string in, out;
  } const kForms[] = {
      {"20240102T030405", "20240102T030405,000000"},
      {"20240102T030405Z", "20240102T030405,000000"},
      {"20240102T030405,5", "20240102T030405,500000"},
      {"20240102T030405.123456Z", "20240102T030405,123456"},
  };
  for (const auto& f : kForms) {
    FilterCriteria fc;
    auto r = ApplyFilterParameter(fc, c.key, f.in);
    ASSERT_TRUE(r.has_value()) << f.in;
    EXPECT_TRUE(*r);
    ASSERT_TRUE((fc.*c.field).has_value()) << f.in;
    EXPECT_EQ(*(fc.*c.field), f.out);
  }
}

TEST_P(FilterCriteriaTimestamp, RejectsMalformedTimestamps) {
  const auto& c = GetParam();
  for (std::string bad : {"", "yesterday", "2024-01-02T03:04:05", "20241302T030405",
                          "20240102T250405", "20240102T030405+01", "20240102"}) {
    FilterCriteria fc;
    auto r = ApplyFilterParameter(fc, c.key, bad);
    ASSERT_FALSE(r.has_value()) << c.key << "=" << bad;
    EXPECT_EQ(r.error().code(), Rsc::kBadRequest);
    EXPECT_NE(r.error().message().find("'" + c.key + "'"), std::string::npos)
        << r.error().message();
    EXPECT_FALSE((fc.*c.field).has_value());
  }
}

INSTANTIATE_TEST_SUITE_P(AllTimestampMembers, FilterCriteriaTimestamp,
                         testing::Values(TimestampCase{"crb", &FilterCriteria::crb},
                                         TimestampCase{"cra", &FilterCriteria::cra},
                                         TimestampCase{"ms", &FilterCriteria::ms},
                                         TimestampCase{"us", &FilterCriteria::us},
                                         TimestampCase{"exb", &FilterCriteria::exb},
                                         TimestampCase{"exa", &FilterCriteria::exa}));

// ---- unsigned numbers ------------------------------------------------------------------------

using U64Field = std::optional<uint64_t> FilterCriteria::*;

struct U64Case {
  std::string key;
  U64Field field;
};

void PrintTo(const U64Case& c, std::ostream* os) { *os << c.key; }

class FilterCriteriaUnsigned : public TestWithParam<U64Case> {};

TEST_P(FilterCriteriaUnsigned, StoresTheValue) {
  const auto& c = GetParam();
  for (auto [in, out] : {std::pair<std::string, uint64_t>{"0", 0}, {"17", 17},
                         {"18446744073709551615", UINT64_MAX}}) {
    FilterCriteria fc;
    auto r = ApplyFilterParameter(fc, c.key, in);
    ASSERT_TRUE(r.has_value()) << c.key << "=" << in;
    EXPECT_TRUE(*r);
    EXPECT_EQ(fc.*c.field, out);
  }
}

TEST_P(FilterCriteriaUnsigned, RejectsNonNumbers) {
  const auto& c = GetParam();
  for (std::string bad : {"", "-1", "1.5", "abc", "12x", " 1", "+1", "18446744073709551616"}) {
    FilterCriteria fc;
    auto r = ApplyFilterParameter(fc, c.key, bad);
    ASSERT_FALSE(r.has_value()) << c.key << "=" << bad;
    EXPECT_EQ(r.error().code(), Rsc::kBadRequest);
    EXPECT_FALSE((fc.*c.field).has_value());
  }
}

INSTANTIATE_TEST_SUITE_P(StateTagAndSize, FilterCriteriaUnsigned,
                         testing::Values(U64Case{"sts", &FilterCriteria::sts},
                                         U64Case{"stb", &FilterCriteria::stb},
                                         U64Case{"sza", &FilterCriteria::sza},
                                         U64Case{"szb", &FilterCriteria::szb}));

// ---- lim, ofst, lvl --------------------------------------------------------------------------

TEST(FilterCriteria, StoresLimitIncludingZero) {
  FilterCriteria fc;
  ASSERT_TRUE(ApplyFilterParameter(fc, "lim", "0").value_or(false));
  EXPECT_EQ(fc.lim, 0u);
  ASSERT_TRUE(ApplyFilterParameter(fc, "lim", "25").value_or(false));
  EXPECT_EQ(fc.lim, 25u);
}

TEST(FilterCriteria, StoresOffsetAndRejectsZero) {
  FilterCriteria fc;
  ASSERT_TRUE(ApplyFilterParameter(fc, "ofst", "1").value_or(false));
  EXPECT_EQ(fc.ofst, 1u);
  auto r = ApplyFilterParameter(fc, "ofst", "0");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Rsc::kBadRequest);
}

TEST(FilterCriteria, StoresLevelAndRejectsZero) {
  FilterCriteria fc;
  ASSERT_TRUE(ApplyFilterParameter(fc, "lvl", "3").value_or(false));
  EXPECT_EQ(fc.lvl, 3);
  auto r = ApplyFilterParameter(fc, "lvl", "0");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Rsc::kBadRequest);
}

TEST(FilterCriteria, RejectsNegativeLevel) {
  FilterCriteria fc;
  auto r = ApplyFilterParameter(fc, "lvl", "-1");
  ASSERT_FALSE(r.has_value()) << "lvl stored as " << fc.lvl.value_or(0);
  EXPECT_EQ(r.error().code(), Rsc::kBadRequest);
}

// ---- fo --------------------------------------------------------------------------------------

TEST(FilterCriteria, StoresFilterOperation) {
  FilterCriteria fc;
  ASSERT_TRUE(ApplyFilterParameter(fc, "fo", "2").value_or(false));
  EXPECT_EQ(fc.fo, 2);
  ASSERT_TRUE(ApplyFilterParameter(fc, "fo", "1").value_or(false));
  EXPECT_EQ(fc.fo, 1);
}

// ---- malformed values ------------------------------------------------------------------------

class FilterCriteriaMalformed : public TestWithParam<KeyValue> {};

TEST_P(FilterCriteriaMalformed, IsBadRequestNamingTheParameter) {
  FilterCriteria fc;
  auto r = ApplyFilterParameter(fc, GetParam().key, GetParam().value);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Rsc::kBadRequest);
  EXPECT_NE(r.error().message().find("'" + GetParam().key + "'"), std::string::npos)
      << r.error().message();
}

INSTANTIATE_TEST_SUITE_P(
    Values, FilterCriteriaMalformed,
    testing::Values(KeyValue{"fu", ""}, KeyValue{"fu", "0"}, KeyValue{"fu", "5"},
                    KeyValue{"fu", "x"}, KeyValue{"fu", "-1"}, KeyValue{"fu", "1.0"},
                    KeyValue{"ty", ""}, KeyValue{"ty", "+"}, KeyValue{"ty", "0"},
                    KeyValue{"ty", "-2"}, KeyValue{"ty", "cnt"}, KeyValue{"ty", "2+x"},
                    KeyValue{"ty", "99999999999"}, KeyValue{"lbl", ""}, KeyValue{"lbl", "++"},
                    KeyValue{"rn", " "}, KeyValue{"cty", ""}, KeyValue{"lim", "-1"},
                    KeyValue{"lim", "ten"}, KeyValue{"ofst", ""}, KeyValue{"ofst", "-1"},
                    KeyValue{"lvl", "x"}, KeyValue{"lvl", "99999999999"}, KeyValue{"fo", "0"},
                    KeyValue{"fo", "3"}, KeyValue{"fo", "and"}));

// ---- keys that are not filter criteria -------------------------------------------------------

class FilterCriteriaOtherKey : public TestWithParam<std::string> {};

TEST_P(FilterCriteriaOtherKey, ReturnsFalseAndLeavesTheCriteriaUnchanged) {
  FilterCriteria fc;
  auto r = ApplyFilterParameter(fc, GetParam(), "1");
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(*r);
  FilterCriteria fresh;
  EXPECT_EQ(fc.fu, fresh.fu);
  EXPECT_EQ(fc.fo, fresh.fo);
  EXPECT_TRUE(fc.ty.empty());
  EXPECT_FALSE(fc.lim.has_value());
  EXPECT_FALSE(fc.lvl.has_value());
}

INSTANTIATE_TEST_SUITE_P(Keys, FilterCriteriaOtherKey,
                         testing::Values("rcn", "rt", "drt", "atrl", "foo", "", "FU", "Ty",
                                         "lbl ", "lim2"));

}  // namespace
}  // namespace trustcse
