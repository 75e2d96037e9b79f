// Tests of ValidateContent and HasType (resources/attribute_policy.h): the attribute tables are
// applied to a request's content with the oneM2M presence rules and value types.
#include "resources/attribute_policy.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

namespace trustcse::resources {
namespace {

namespace bj = boost::json;

constexpr auto M = Presence::kMandatory;
constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;

// A table with one attribute per value type, plus presence variations.
constexpr AttributePolicy kTable[] = {
    {"req", AttrType::kString, M, O},        {"str", AttrType::kString, O, O},
    {"nni", AttrType::kNonNegInt, O, O},     {"pos", AttrType::kPosInt, O, O},
    {"int", AttrType::kInt, O, O},           {"flag", AttrType::kBool, O, O},
    {"when", AttrType::kTimestamp, O, O},    {"names", AttrType::kStringList, O, O},
    {"nums", AttrType::kIntList, O, O},      {"obj", AttrType::kObject, O, O},
    {"list", AttrType::kList, O, O},         {"any", AttrType::kAny, O, O},
    {"en", AttrType::kEnum, O, O},           {"ro", AttrType::kString, NP, NP},
    {"once", AttrType::kString, O, NP},      {"upm", AttrType::kString, O, M},
    {"cr", AttrType::kString, O, NP},
};

// The same without a creator attribute.
constexpr AttributePolicy kNoCreator[] = {{"req", AttrType::kString, M, O}};

bj::object Obj(std::string_view json) { return bj::parse(json).as_object(); }

Status Create(std::string_view json, ValidateOptions opt = {}) {
  return ValidateContent(Obj(json), kTable, ContentOp::kCreate, opt);
}
Status Update(std::string_view json, ValidateOptions opt = {}) {
  return ValidateContent(Obj(json), kTable, ContentOp::kUpdate, opt);
}

// Expects a 4000 whose message names `sn`.
void ExpectBad(const Status& s, std::string_view sn) {
  EXPECT_EQ(s.code(), Rsc::kBadRequest) << s.message();
  EXPECT_NE(s.message().find("'" + std::string(sn) + "'"), std::string::npos) << s.message();
}

TEST(ValidateContent, AcceptsMinimalCreate) {
  EXPECT_TRUE(Create(R"({"req":"x"})").ok());
}

TEST(ValidateContent, AcceptsUniversalAndCommonAttributesForAnyTable) {
  EXPECT_TRUE(Create(R"({"req":"x","rn":"name","et":"20991231T000000","lbl":["a","k:v"],
                        "at":["/id-mn"],"aa":["lbl"],"daci":["dac1"],"cstn":"Cx",
                        "acpi":["acp1"]})")
                  .ok());
  EXPECT_TRUE(Update(R"({"et":"20991231T000000","lbl":[],"acpi":["acp1"]})").ok());
}

// Labels are xs:token (TS-0004 Table 6.3.3-1, m2m:labels).
TEST(ValidateContent, RejectsLabelsThatAreNoTokens) {
  EXPECT_TRUE(Create(R"({"req":"x","lbl":["a b","key:value",""]})").ok());
  for (const char* bad : {R"([" lead"])", R"(["trail "])", R"(["two  spaces"])", R"(["tab\tin"])",
                          R"(["line\nbreak"])"}) {
    EXPECT_EQ(Create(std::string(R"({"req":"x","lbl":)") + bad + "}").code(), Rsc::kBadRequest)
        << bad;
  }
}

// loc: m2m:geoCoordinates whose coordinates fit the geometry (RFC 7946).
TEST(ValidateContent, ChecksGeoCoordinates) {
  constexpr AttributePolicy kLoc[] = {{"loc", AttrType::kAny, O, O}};
  auto check = [&](std::string_view loc) {
    return ValidateContent(Obj(std::string(R"({"loc":)") + std::string(loc) + "}"), kLoc,
                           ContentOp::kCreate, {});
  };
  for (const char* good : {R"({"typ":1,"crd":"[1.0, 2.0]"})", R"({"typ":1,"crd":[1,2,3]})",
                           R"({"typ":2,"crd":"[[0,0],[1,1]]"})",
                           R"({"typ":3,"crd":"[[0,0],[1,0],[1,1],[0,0]]"})",
                           R"({"typ":3,"crd":"[[[0,0],[1,0],[1,1],[0,0]]]"})",
                           R"({"typ":4,"crd":"[[0,0]]"})",
                           R"({"typ":5,"crd":"[[[0,0],[1,1]]]"})",
                           R"({"typ":6,"crd":"[[[[0,0],[1,0],[1,1],[0,0]]]]"})"}) {
    EXPECT_TRUE(check(good).ok()) << good;
  }
  for (const char* bad : {R"("somewhere")", R"({"typ":99,"crd":"[1,2]"})",
                          R"({"typ":1,"crd":"[[1,2],[3,4]]"})", R"({"typ":1,"crd":"not json"})",
                          R"({"typ":3,"crd":"[[0,0],[1,0],[1,1]]"})", R"({"typ":1})",
                          R"({"crd":"[1,2]"})", R"({"typ":2,"crd":"[[0,0]]"})",
                          R"({"typ":1,"crd":"[\"a\",2]"})"}) {
    EXPECT_EQ(check(bad).code(), Rsc::kBadRequest) << bad;
  }
}

TEST(ValidateContent, RejectsUnknownAttribute) {
  ExpectBad(Create(R"({"req":"x","bogus":1})"), "bogus");
  ExpectBad(Update(R"({"bogus":1})"), "bogus");
}

TEST(ValidateContent, RejectsNotPresentAttributesOnCreate) {
  for (std::string sn : {"ty", "ri", "pi", "ct", "lt", "st", "ro"}) {
    std::string json = R"({"req":"x",")" + sn + R"(":)" +
                       (sn == "ct" || sn == "lt" ? R"("20240101T000000")"
                        : sn == "ty" || sn == "st" ? "1"
                                                   : R"("v")") +
                       "}";
    ExpectBad(Create(json), sn);
  }
}

TEST(ValidateContent, RejectsNotPresentAttributesOnUpdate) {
  ExpectBad(Update(R"({"rn":"new"})"), "rn");
  ExpectBad(Update(R"({"once":"v"})"), "once");
  ExpectBad(Update(R"({"ri":"x"})"), "ri");
  ExpectBad(Update(R"({"ro":"v"})"), "ro");
}

TEST(ValidateContent, RejectsMissingMandatoryOnCreateOnly) {
  ExpectBad(Create(R"({"str":"x"})"), "req");
  ExpectBad(Create("{}"), "req");
  EXPECT_TRUE(Update(R"({"str":"x"})").ok());
  EXPECT_TRUE(Update("{}").ok());
}

struct TypeCase {
  std::string sn;
  std::string good;  // JSON values that have the type
  std::string bad;   // JSON values that do not
};

void PrintTo(const TypeCase& c, std::ostream* os) { *os << c.sn; }

class ValidateContentTypes : public testing::TestWithParam<TypeCase> {};

TEST_P(ValidateContentTypes, AcceptsRightAndRejectsWrongValueTypes) {
  const auto& c = GetParam();
  const bj::value good = bj::parse(c.good);
  const bj::value bad = bj::parse(c.bad);
  for (const auto& v : good.as_array()) {
    std::string json = R"({"req":"x",")" + c.sn + R"(":)" + bj::serialize(v) + "}";
    EXPECT_TRUE(Create(json).ok()) << json << ": " << Create(json).message();
    std::string upd = R"({")" + c.sn + R"(":)" + bj::serialize(v) + "}";
    EXPECT_TRUE(Update(upd).ok()) << upd;
  }
  for (const auto& v : bad.as_array()) {
    std::string json = R"({"req":"x",")" + c.sn + R"(":)" + bj::serialize(v) + "}";
    SCOPED_TRACE(json);
    ExpectBad(Create(json), c.sn);
    ExpectBad(Update(R"({")" + c.sn + R"(":)" + bj::serialize(v) + "}"), c.sn);
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllTypes, ValidateContentTypes,
    testing::Values(
        TypeCase{"str", R"(["", "x"])", R"([1, true, ["x"], {}, 1.5])"},
        TypeCase{"nni", R"([0, 5, 5.0, 9007199254740993])", R"([-1, 1.5, "5", true, [1], {}])"},
        TypeCase{"pos", R"([1, 2.0])", R"([0, -1, 0.5, "1", false])"},
        TypeCase{"int", R"([-3, 0, 7, -2.0])", R"([1.5, "1", true, []])"},
        TypeCase{"flag", R"([true, false])", R"([0, 1, "true", [], {}])"},
        TypeCase{"when", R"(["20240101T000000", "20240101T000000,123Z"])",
                 R"(["2024-01-01T00:00:00", "20241301T000000", "", 20240101, true])"},
        TypeCase{"names", R"([[], ["a"], ["a", "b"]])", R"(["a", [1], ["a", null], [["a"]], {}])"},
        TypeCase{"nums", R"([[], [1, 2], [-1, 3.0]])", R"([1, ["1"], [1.5], [true], {}])"},
        TypeCase{"obj", R"([{}, {"a": 1}])", R"([[], "x", 1, true])"},
        TypeCase{"list", R"([[], [1, "a", {}]])", R"([{}, "x", 1])"},
        TypeCase{"any", R"([0, "x", {}, [], false])", R"([])"},
        TypeCase{"en", R"([0, 3])", R"([-1, 1.5, "1", true])"},
        TypeCase{"et", R"(["20991231T235959"])", R"(["tomorrow", 5, ["20991231T235959"]])"},
        TypeCase{"lbl", R"([[], ["k:v"]])", R"(["k:v", [1]])"},
        TypeCase{"acpi", R"([["acp1"]])", R"(["acp1", [1], {}])"}));

TEST(HasType, NullHasNoType) {
  for (auto t : {AttrType::kString, AttrType::kNonNegInt, AttrType::kPosInt, AttrType::kInt,
                 AttrType::kBool, AttrType::kTimestamp, AttrType::kStringList, AttrType::kIntList,
                 AttrType::kObject, AttrType::kList, AttrType::kAny, AttrType::kEnum}) {
    EXPECT_FALSE(HasType(bj::value(nullptr), t)) << static_cast<int>(t);
  }
}

TEST(HasType, RejectsIntegersBeyondInt64) {
  EXPECT_FALSE(HasType(bj::value(uint64_t{1} << 63), AttrType::kInt));
  EXPECT_FALSE(HasType(bj::value(1e19), AttrType::kNonNegInt));
  EXPECT_TRUE(HasType(bj::value(uint64_t{1} << 62), AttrType::kNonNegInt));
}

TEST(ValidateContent, AcceptsNullOnUpdateForOptionalAttributes) {
  EXPECT_TRUE(Update(R"({"str":null})").ok());
  EXPECT_TRUE(Update(R"({"names":null,"et":null,"lbl":null})").ok());
}

TEST(ValidateContent, RejectsNullOnUpdateForMandatoryAttributes) {
  ExpectBad(Update(R"({"upm":null})"), "upm");
  // Mandatory at creation means it must always exist: an update may change it, never delete it.
  ExpectBad(Update(R"({"req":null})"), "req");
}

TEST(ValidateContent, RejectsNullOnCreate) {
  ExpectBad(Create(R"({"req":"x","str":null})"), "str");
  ExpectBad(Create(R"({"req":null})"), "req");
}

TEST(ValidateContent, AcceptsCreatorOnlyAsNullOnCreate) {
  EXPECT_TRUE(Create(R"({"req":"x","cr":null})").ok());
  ExpectBad(Create(R"({"req":"x","cr":"Cae1"})"), "cr");
  ExpectBad(Create(R"({"req":"x","cr":""})"), "cr");
  ExpectBad(Update(R"({"cr":null})"), "cr");
  ExpectBad(Update(R"({"cr":"Cae1"})"), "cr");
}

TEST(ValidateContent, RejectsCreatorOnTypesWithoutIt) {
  Status s = ValidateContent(Obj(R"({"req":"x","cr":null})"), kNoCreator, ContentOp::kCreate, {});
  ExpectBad(s, "cr");
}

TEST(ValidateContent, RejectsAcpiWhenTheTypeHasNone) {
  ValidateOptions no_acpi{.has_acpi = false};
  ExpectBad(Create(R"({"req":"x","acpi":["acp1"]})", no_acpi), "acpi");
  ExpectBad(Update(R"({"acpi":["acp1"]})", no_acpi), "acpi");
  ExpectBad(Update(R"({"acpi":null})", no_acpi), "acpi");
}

TEST(ValidateContent, RejectsExpirationWhenTheTypeHasNone) {
  ValidateOptions no_et{.has_expiration = false};
  ExpectBad(Create(R"({"req":"x","et":"20991231T000000"})", no_et), "et");
  ExpectBad(Update(R"({"et":"20991231T000000"})", no_et), "et");
}

TEST(ValidateContent, AllowsCustomAttributesOnlyWhenAsked) {
  ValidateOptions custom{.allow_custom = true};
  EXPECT_TRUE(Create(R"({"req":"x","color":"red","brightness":42,"nested":{"a":[1]}})", custom)
                  .ok());
  EXPECT_TRUE(Update(R"({"color":null,"brightness":43})", custom).ok());
  ExpectBad(Create(R"({"req":"x","color":"red"})"), "color");
}

TEST(ValidateContent, StillChecksKnownAttributesWhenCustomAttributesAreAllowed) {
  ValidateOptions custom{.allow_custom = true};
  ExpectBad(Create(R"({"req":"x","color":"red","et":5})", custom), "et");
  ExpectBad(Create(R"({"req":"x","ri":"x"})", custom), "ri");
  ExpectBad(Create(R"({"req":"x","nni":-1})", custom), "nni");
  ExpectBad(Create(R"({"color":"red"})", custom), "req");
  ExpectBad(Update(R"({"rn":"x"})", custom), "rn");
}

}  // namespace
}  // namespace trustcse::resources

namespace trustcse::resources {
namespace {

constexpr AttributePolicy kRanged[] = {
    {"pct", AttrType::kNonNegInt, O, O, 0, 100},
    {"state", AttrType::kEnum, O, O, 1, 7},
    {"free", AttrType::kEnum, O, O},
};

Status CreateRanged(std::string_view json) {
  return ValidateContent(boost::json::parse(json).as_object(), kRanged, ContentOp::kCreate, {});
}

TEST(AttributeRanges, IntegersOutsideTheRangeAreRefused) {
  EXPECT_TRUE(CreateRanged(R"({"pct":0,"state":1})").ok());
  EXPECT_TRUE(CreateRanged(R"({"pct":100,"state":7})").ok());
  Status s = CreateRanged(R"({"pct":101})");
  EXPECT_EQ(s.code(), Rsc::kBadRequest);
  EXPECT_NE(s.message().find("pct"), std::string::npos) << s.message();
  EXPECT_EQ(CreateRanged(R"({"state":0})").code(), Rsc::kBadRequest);
  EXPECT_EQ(CreateRanged(R"({"state":8})").code(), Rsc::kBadRequest);
  // No range declared: any non-negative value of the type.
  EXPECT_TRUE(CreateRanged(R"({"free":123456})").ok());
}

}  // namespace
}  // namespace trustcse::resources
