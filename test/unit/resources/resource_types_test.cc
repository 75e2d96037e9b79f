// Tests of the resource-type registry and of each type's lifecycle hooks (resources/resource.h),
// driven through FindType(ty) as the dispatcher drives them. The instance-quota tests run the
// writer hooks against the in-memory store.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/time.h"
#include "primitive/json_util.h"
#include "resources/resource.h"
#include "storage/store.h"

namespace trustcse::resources {
namespace {

namespace bj = boost::json;

const CseIdentity kSelf{"/id-in", "cse-in", "//trustcse.local"};

bj::object Obj(std::string_view json) { return bj::parse(json).as_object(); }

HookContext Ctx(std::string_view rvi = "3") { return HookContext{"Cae1", rvi, Now(), &kSelf}; }

// A resource of type `t` with the given attributes (ty is added).
Resource Make(int t, std::string_view json = "{}") {
  Resource r;
  r.attrs = Obj(json);
  r.attrs["ty"] = t;
  return r;
}

const ResourceType& Type(int t) {
  const ResourceType* type = FindType(t);
  if (!type) throw std::runtime_error("type not registered: " + std::to_string(t));
  return *type;
}

Status ValidateCreate(int t, Resource& res, std::string_view rvi = "3") {
  Resource parent = Make(ty::kCseBase);
  return Type(t).ValidateCreate(Ctx(rvi), parent, res);
}

// ---- registry --------------------------------------------------------------------------------

struct TypeInfo {
  int ty;
  std::string tag;
  std::string short_name;
};

void PrintTo(const TypeInfo& t, std::ostream* os) { *os << t.ty; }

const TypeInfo kTypes[] = {
    {1, "m2m:acp", "acp"}, {2, "m2m:ae", "ae"},     {3, "m2m:cnt", "cnt"},
    {4, "m2m:cin", "cin"}, {5, "m2m:cb", "cb"},     {9, "m2m:grp", "grp"},
    {14, "m2m:nod", "nod"}, {23, "m2m:sub", "sub"}, {28, "", "fcnt"},
    {29, "m2m:ts", "ts"},  {30, "m2m:tsi", "tsi"},  {10, "m2m:lcp", "lcp"},
    {18, "m2m:sch", "sch"},
};

class Registry : public testing::TestWithParam<TypeInfo> {};

TEST_P(Registry, FindsTheTypeByNumberAndTag) {
  const auto& info = GetParam();
  const ResourceType* t = FindType(info.ty);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->ty(), info.ty);
  EXPECT_EQ(t->tag(), info.tag);
  EXPECT_EQ(t->short_name(), info.short_name);
  if (!info.tag.empty()) {
    EXPECT_EQ(FindTypeByTag(info.tag), t);
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, Registry, testing::ValuesIn(kTypes));

TEST(RegistryLookup, ReturnsNullForUnknownTypeNumbers) {
  for (int t : {-1, 0, 6, 7, 8, 11, 12, 16, 48, 63, 64, 65, 10003, 1 << 30}) {
    EXPECT_EQ(FindType(t), nullptr) << t;
  }
}

TEST(RegistryLookup, MapsSpecializationTagsToFlexContainer) {
  for (std::string_view tag : {"cod:color", "hd:binarySwitch", "x:y"}) {
    const ResourceType* t = FindTypeByTag(tag);
    ASSERT_NE(t, nullptr) << tag;
    EXPECT_EQ(t->ty(), ty::kFlexContainer) << tag;
  }
}

TEST(RegistryLookup, ReturnsNullForUnknownTags) {
  for (std::string_view tag : {"m2m:nope", "m2m:", "m2m:fcnt", "", ":", ":color", "cod:",
                               "color", "cnt"}) {
    EXPECT_EQ(FindTypeByTag(tag), nullptr) << tag;
  }
}

TEST(RegistryLookup, MapsManagementObjectKeysToMgmtObj) {
  for (std::string_view key : {"m2m:fwr", "m2m:swr", "m2m:mem", "m2m:ani", "m2m:andi", "m2m:bat",
                               "m2m:dvi", "m2m:dvc", "m2m:rbo", "m2m:evl"}) {
    const ResourceType* t = FindTypeByTag(key);
    ASSERT_NE(t, nullptr) << key;
    EXPECT_EQ(t->ty(), ty::kMgmtObj) << key;
    // Each specialization has its own table: the common attributes and its own.
    auto table = t->PoliciesFor(key);
    EXPECT_GT(table.size(), t->policies().size()) << key;
  }
  EXPECT_EQ(FindTypeByTag("m2m:mgc"), nullptr);  // mgmtCmd: not supported
}

TEST(RegistryLookup, ListsSupportedTypesInAscendingOrder) {
  std::vector<int> types = SupportedTypes();
  EXPECT_TRUE(std::is_sorted(types.begin(), types.end()));
  EXPECT_EQ(std::adjacent_find(types.begin(), types.end()), types.end());
  EXPECT_EQ(types, (std::vector<int>{1, 2, 3, 4, 5, 9, 10, 13, 14, 15, 17, 18, 23, 28, 29, 30, 31, 34, 58}));
  for (int t : types) EXPECT_NE(FindType(t), nullptr);
}

TEST(RegistryLookup, DeclaresValidateOptionsPerType) {
  for (int t : {ty::kAcp, ty::kContentInstance, ty::kTimeSeriesInstance, ty::kCseBase}) {
    EXPECT_FALSE(Type(t).validate_options().has_acpi) << t;
  }
  for (int t : {ty::kAe, ty::kContainer, ty::kGroup, ty::kSubscription, ty::kFlexContainer}) {
    EXPECT_TRUE(Type(t).validate_options().has_acpi) << t;
  }
  EXPECT_FALSE(Type(ty::kCseBase).validate_options().has_expiration);
  // A flexContainer's custom attributes come from its specialization's table, not as given.
  EXPECT_FALSE(Type(ty::kFlexContainer).validate_options().allow_custom);
  EXPECT_FALSE(Type(ty::kContainer).validate_options().allow_custom);
}

TEST(RegistryLookup, AllowsOnlyTheDocumentedChildTypes) {
  EXPECT_TRUE(Type(ty::kCseBase).AllowsChild(ty::kAe));
  EXPECT_FALSE(Type(ty::kCseBase).AllowsChild(ty::kContentInstance));
  EXPECT_TRUE(Type(ty::kContainer).AllowsChild(ty::kContentInstance));
  EXPECT_FALSE(Type(ty::kContainer).AllowsChild(ty::kTimeSeriesInstance));
  EXPECT_TRUE(Type(ty::kTimeSeries).AllowsChild(ty::kTimeSeriesInstance));
  EXPECT_FALSE(Type(ty::kTimeSeries).AllowsChild(ty::kContentInstance));
  EXPECT_FALSE(Type(ty::kContentInstance).AllowsChild(ty::kSubscription));
  EXPECT_TRUE(Type(ty::kAcp).AllowsChild(ty::kSubscription));
  EXPECT_FALSE(Type(ty::kAcp).AllowsChild(ty::kContainer));
}

// ---- updatable / deletable -------------------------------------------------------------------

TEST(LifecycleRules, RefusesUpdateOfImmutableTypes) {
  for (int t : {ty::kContentInstance, ty::kCseBase, ty::kTimeSeriesInstance}) {
    EXPECT_EQ(Type(t).CheckUpdatable().code(), Rsc::kOperationNotAllowed) << t;
  }
  for (int t : {ty::kAcp, ty::kAe, ty::kContainer, ty::kGroup, ty::kNode, ty::kSubscription,
                ty::kFlexContainer, ty::kTimeSeries}) {
    EXPECT_TRUE(Type(t).CheckUpdatable().ok()) << t;
  }
}

TEST(LifecycleRules, RefusesDeletionOfTheCseBaseOnly) {
  EXPECT_EQ(Type(ty::kCseBase).CheckDeletable().code(), Rsc::kOperationNotAllowed);
  for (int t : {ty::kAcp, ty::kAe, ty::kContainer, ty::kContentInstance, ty::kGroup, ty::kNode,
                ty::kSubscription, ty::kFlexContainer, ty::kTimeSeries, ty::kTimeSeriesInstance}) {
    EXPECT_TRUE(Type(t).CheckDeletable().ok()) << t;
  }
}

TEST(CseBase, RefusesEveryAttributeInCreateAndUpdateContent) {
  const ResourceType& cb = Type(ty::kCseBase);
  for (std::string_view json : {R"({"cst":1})", R"({"poa":["http://x"]})",
                                R"({"acpi":["acp1"]})", R"({"et":"20991231T000000"})"}) {
    EXPECT_EQ(ValidateContent(Obj(json), cb.policies(), ContentOp::kUpdate, cb.validate_options())
                  .code(),
              Rsc::kBadRequest)
        << json;
  }
}

// ---- AE ----------------------------------------------------------------------------------------

struct AppIdCase {
  std::string api;
  std::string rvi;
  bool ok;
};

void PrintTo(const AppIdCase& c, std::ostream* os) { *os << c.api << " rvi=" << c.rvi; }

class AeAppId : public testing::TestWithParam<AppIdCase> {};

TEST_P(AeAppId, FollowsTheReleaseRules) {
  const auto& c = GetParam();
  Resource ae = Make(ty::kAe);
  ae.attrs["api"] = c.api;
  ae.attrs["rr"] = false;
  ae.attrs["srv"] = bj::array{"3"};
  Status s = ValidateCreate(ty::kAe, ae, c.rvi);
  if (c.ok) {
    EXPECT_TRUE(s.ok()) << s.message();
  } else {
    EXPECT_EQ(s.code(), Rsc::kBadRequest);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, AeAppId,
    testing::Values(AppIdCase{"Rapp", "3", true}, AppIdCase{"Napp", "3", true},
                    AppIdCase{"Rapp", "4", true}, AppIdCase{"Napp", "4", true},
                    AppIdCase{"Rapp", "2a", true}, AppIdCase{"rapp", "2a", true},
                    AppIdCase{"rapp", "3", true}, AppIdCase{"rapp", "4", false},
                    AppIdCase{"rapp", "", false}, AppIdCase{"napp", "3", false},
                    AppIdCase{"Xapp", "3", false}, AppIdCase{"app", "3", false},
                    AppIdCase{"R", "3", false}, AppIdCase{"N", "3", false},
                    AppIdCase{"", "3", false}, AppIdCase{" Rapp", "3", false}));

TEST(Ae, RequiresAtLeastOneSupportedRelease) {
  Resource ae = Make(ty::kAe, R"({"api":"Rapp","rr":true,"srv":[]})");
  EXPECT_EQ(ValidateCreate(ty::kAe, ae).code(), Rsc::kBadRequest);
  Resource merged = Make(ty::kAe, R"({"api":"Rapp","rr":true,"srv":[]})");
  EXPECT_EQ(Type(ty::kAe).ValidateUpdate(Ctx(), Obj(R"({"srv":[]})"), merged).code(),
            Rsc::kBadRequest);
}

// srv and csz take the standard's values only (TS-0004 Table 6.3.3-1).
TEST(Ae, RefusesUnknownReleasesAndSerializations) {
  Resource ok = Make(ty::kAe, R"({"api":"Rapp","rr":true,"srv":["2a","3","4"],
                                  "csz":["application/json","application/cbor"]})");
  EXPECT_TRUE(ValidateCreate(ty::kAe, ok).ok());
  for (const char* bad : {R"({"api":"Rapp","rr":true,"srv":["99"]})",
                          R"({"api":"Rapp","rr":true,"srv":["3"],"csz":["wrong"]})",
                          R"({"api":"Rapp","rr":true,"srv":["3"],"csz":[]})"}) {
    Resource ae = Make(ty::kAe, bad);
    EXPECT_EQ(ValidateCreate(ty::kAe, ae).code(), Rsc::kBadRequest) << bad;
  }
}

TEST(Ae, PolicyRequiresAppIdRequestReachabilityAndReleases) {
  const ResourceType& ae = Type(ty::kAe);
  auto check = [&](std::string_view json, ContentOp op) {
    return ValidateContent(Obj(json), ae.policies(), op, ae.validate_options()).code();
  };
  EXPECT_EQ(check(R"({"api":"Rapp","rr":true,"srv":["3"]})", ContentOp::kCreate), Rsc::kOk);
  EXPECT_EQ(check(R"({"rr":true,"srv":["3"]})", ContentOp::kCreate), Rsc::kBadRequest);
  EXPECT_EQ(check(R"({"api":"Rapp","srv":["3"]})", ContentOp::kCreate), Rsc::kBadRequest);
  EXPECT_EQ(check(R"({"api":"Rapp","rr":true})", ContentOp::kCreate), Rsc::kBadRequest);
  EXPECT_EQ(check(R"({"api":"Rapp","rr":true,"srv":["3"],"aei":"C1"})", ContentOp::kCreate),
            Rsc::kBadRequest);
  EXPECT_EQ(check(R"({"api":"Rother"})", ContentOp::kUpdate), Rsc::kBadRequest);
  EXPECT_EQ(check(R"({"rr":false,"poa":["http://h:1"]})", ContentOp::kUpdate), Rsc::kOk);
}

// ---- accessControlPolicy -----------------------------------------------------------------------

constexpr std::string_view kGoodRule = R"({"acor":["Cae1"],"acop":63})";

Resource Acp(std::string_view pv, std::string_view pvs) {
  return Make(ty::kAcp, "{\"pv\":" + std::string(pv) + ",\"pvs\":" + std::string(pvs) + "}");
}

std::string Rules(std::string_view rule) { return "{\"acr\":[" + std::string(rule) + "]}"; }

TEST(AccessControlPolicy, AcceptsWellFormedPrivileges) {
  for (auto [pv, pvs] : {std::pair<std::string, std::string>{"{}", Rules(kGoodRule)},
                         {R"({"acr":[]})", Rules(kGoodRule)},
                         {Rules(kGoodRule), Rules(kGoodRule)},
                         {Rules(R"({"acor":["all"],"acop":1,"acaf":true})"), Rules(kGoodRule)},
                         {Rules(R"({"acor":["C*"],"acop":2,"acco":[{"actw":["* * * * * * *"]},
                                   {"acip":{"ipv4":["10.0.0.0/8"]}},{"aclr":{"accc":["DE"]}}]})"),
                          Rules(kGoodRule)},
                         {Rules(R"({"acor":[],"acop":63,"acod":[{"chty":[3]}]})"),
                          Rules(kGoodRule)}}) {
    Resource acp = Acp(pv, pvs);
    Status s = ValidateCreate(ty::kAcp, acp);
    EXPECT_TRUE(s.ok()) << pv << " / " << pvs << ": " << s.message();
  }
}

TEST(AccessControlPolicy, RequiresAtLeastOneSelfPrivilegeRule) {
  for (std::string_view pvs : {"{}", R"({"acr":[]})", R"({"acr":null})", R"({"acr":{}})"}) {
    Resource acp = Acp("{}", pvs);
    EXPECT_EQ(ValidateCreate(ty::kAcp, acp).code(), Rsc::kBadRequest) << pvs;
  }
}

TEST(AccessControlPolicy, RejectsMalformedRules) {
  const std::string kBadRules[] = {
      R"({"acr":"x"})",                                  // acr not a list
      R"({"acr":[],"extra":1})",                         // unknown member of pv
      Rules(R"("rule")"),                                // rule not an object
      Rules(R"({"acor":["Cae1"],"acop":64})"),           // acop beyond the 6 bits
      Rules(R"({"acor":["Cae1"],"acop":1000})"),         //
      Rules(R"({"acor":["Cae1"],"acop":0})"),            // acop must be positive
      Rules(R"({"acor":["Cae1"],"acop":"63"})"),         // acop wrong type
      Rules(R"({"acor":"Cae1","acop":1})"),              // acor not a list
      Rules(R"({"acor":[1],"acop":1})"),                 // acor entry not a string
      Rules(R"({"acop":1})"),                            // acor missing
      Rules(R"({"acor":["Cae1"]})"),                     // acop missing
      Rules(R"({"acor":["Cae1"],"acop":1,"acxx":1})"),   // unknown rule member
      Rules(R"({"acor":["Cae1"],"acop":1,"acaf":1})"),   // acaf not a bool
      Rules(R"({"acor":["Cae1"],"acop":1,"acco":{}})"),  // acco not a list
      Rules(R"({"acor":["Cae1"],"acop":1,"acco":[1]})"),                // acco entry
      Rules(R"({"acor":["Cae1"],"acop":1,"acco":[{"actw":["x"],"bogus":1}]})"),
      Rules(R"({"acor":["Cae1"],"acop":1,"acco":[{"actw":"* * * * * * *"}]})"),
      Rules(R"({"acor":["Cae1"],"acop":1,"acco":[{"acip":["10.0.0.0/8"]}]})"),
      Rules(R"({"acor":["Cae1"],"acop":1,"acco":[{"aclr":"DE"}]})"),
  };
  for (const auto& bad : kBadRules) {
    Resource in_pv = Acp(bad, Rules(kGoodRule));
    EXPECT_EQ(ValidateCreate(ty::kAcp, in_pv).code(), Rsc::kBadRequest) << "pv " << bad;
    Resource in_pvs = Acp("{}", bad);
    EXPECT_EQ(ValidateCreate(ty::kAcp, in_pvs).code(), Rsc::kBadRequest) << "pvs " << bad;
  }
}

TEST(AccessControlPolicy, UpdateMayNotRemovePrivileges) {
  const ResourceType& acp = Type(ty::kAcp);
  Resource no_pv = Make(ty::kAcp, "{\"pvs\":" + Rules(kGoodRule) + "}");
  EXPECT_EQ(acp.ValidateUpdate(Ctx(), Obj(R"({"pv":null})"), no_pv).code(), Rsc::kBadRequest);
  Resource no_pvs = Make(ty::kAcp, R"({"pv":{}})");
  EXPECT_EQ(acp.ValidateUpdate(Ctx(), Obj(R"({"pvs":null})"), no_pvs).code(), Rsc::kBadRequest);
  Resource empty_pvs = Acp("{}", R"({"acr":[]})");
  EXPECT_EQ(acp.ValidateUpdate(Ctx(), Obj(R"({"pvs":{"acr":[]}})"), empty_pvs).code(),
            Rsc::kBadRequest);
  Resource fine = Acp("{}", Rules(kGoodRule));
  EXPECT_TRUE(acp.ValidateUpdate(Ctx(), Obj(R"({"pv":{}})"), fine).ok());
}

TEST(AccessControlPolicy, PolicyHasNoAcpiAndRequiresBothPrivilegeSets) {
  const ResourceType& acp = Type(ty::kAcp);
  auto check = [&](std::string_view json) {
    return ValidateContent(Obj(json), acp.policies(), ContentOp::kCreate, acp.validate_options())
        .code();
  };
  EXPECT_EQ(check(R"({"pv":{},"pvs":{}})"), Rsc::kOk);
  EXPECT_EQ(check(R"({"pv":{}})"), Rsc::kBadRequest);
  EXPECT_EQ(check(R"({"pvs":{}})"), Rsc::kBadRequest);
  EXPECT_EQ(check(R"({"pv":[],"pvs":{}})"), Rsc::kBadRequest);
  EXPECT_EQ(check(R"({"pv":{},"pvs":{},"acpi":["acp2"]})"), Rsc::kBadRequest);
}

// ---- contentInstance, flexContainer, timeSeriesInstance -----------------------------------------

TEST(ContentInstance, ComputesContentSize) {
  Resource text = Make(ty::kContentInstance, R"({"con":"hello"})");
  ASSERT_TRUE(ValidateCreate(ty::kContentInstance, text).ok());
  EXPECT_EQ(json::GetInt(text.attrs, "cs"), 5);
  Resource obj = Make(ty::kContentInstance, R"({"con":{"a":1}})");
  ASSERT_TRUE(ValidateCreate(ty::kContentInstance, obj).ok());
  EXPECT_EQ(json::GetInt(obj.attrs, "cs"), static_cast<int64_t>(std::string(R"({"a":1})").size()));
  Resource empty = Make(ty::kContentInstance, R"({"con":""})");
  ASSERT_TRUE(ValidateCreate(ty::kContentInstance, empty).ok());
  EXPECT_EQ(json::GetInt(empty.attrs, "cs"), 0);
}

TEST(ContentInstance, ChecksContentInfoFormat) {
  Resource good = Make(ty::kContentInstance, R"({"con":"x","cnf":"text/plain:0"})");
  EXPECT_TRUE(ValidateCreate(ty::kContentInstance, good).ok());
  Resource secured = Make(ty::kContentInstance, R"({"con":"x","cnf":"application/json:1:2"})");
  EXPECT_TRUE(ValidateCreate(ty::kContentInstance, secured).ok());
  // "<type>/<subtype>:<encoding>[:<security>]", the encoding required (TS-0004 Table 6.3.3-1).
  for (const char* cnf : {"plain", "text/plain", "text/plain:9", "text/plain:0:0:0", "/plain:0",
                          "text/:0", "text/plain:", "text/plain:0:x", "a/b/c:0"}) {
    Resource bad = Make(ty::kContentInstance,
                        std::string(R"({"con":"x","cnf":")") + cnf + R"("})");
    EXPECT_EQ(ValidateCreate(ty::kContentInstance, bad).code(), Rsc::kBadRequest) << cnf;
  }
}

TEST(ContentInstance, PolicyMakesEveryAttributeNotPresentOnUpdate) {
  const ResourceType& cin = Type(ty::kContentInstance);
  EXPECT_EQ(ValidateContent(Obj(R"({"con":"x"})"), cin.policies(), ContentOp::kUpdate,
                            cin.validate_options())
                .code(),
            Rsc::kBadRequest);
  EXPECT_EQ(ValidateContent(Obj(R"({"cnf":"text/plain:0"})"), cin.policies(), ContentOp::kCreate,
                            cin.validate_options())
                .code(),
            Rsc::kBadRequest);  // con is mandatory
}

TEST(FlexContainer, ComputesSizeFromCustomAttributesOnly) {
  Resource fc = Make(ty::kFlexContainer, R"({"cnd":"org.example.color","rn":"lamp",
                                            "lbl":["a"],"color":"red"})");
  ASSERT_TRUE(ValidateCreate(ty::kFlexContainer, fc).ok());
  EXPECT_EQ(json::GetInt(fc.attrs, "cs"),
            static_cast<int64_t>(std::string(R"({"color":"red"})").size()));
  Resource none = Make(ty::kFlexContainer, R"({"cnd":"org.example.color"})");
  ASSERT_TRUE(ValidateCreate(ty::kFlexContainer, none).ok());
  EXPECT_EQ(json::GetInt(none.attrs, "cs"), 0);
}

TEST(TimeSeriesInstance, NormalizesDataGenerationTime) {
  Resource tsi = Make(ty::kTimeSeriesInstance, R"({"dgt":"20240102T030405Z","con":"1"})");
  ASSERT_TRUE(ValidateCreate(ty::kTimeSeriesInstance, tsi).ok());
  EXPECT_EQ(json::GetString(tsi.attrs, "dgt"), "20240102T030405,000000");
  EXPECT_EQ(json::GetInt(tsi.attrs, "cs"), 1);
}

TEST(TimeSeries, StartsWithEmptyCounters) {
  Resource ok = Make(ty::kTimeSeries, R"({"mdd":false})");
  EXPECT_TRUE(ValidateCreate(ty::kTimeSeries, ok).ok());
  EXPECT_EQ(json::GetInt(ok.attrs, "cni"), 0);
  EXPECT_EQ(json::GetInt(ok.attrs, "cbs"), 0);
}

// ---- group -------------------------------------------------------------------------------------

TEST(Group, RefusesMoreMembersThanMaxNumberOfMembers) {
  Resource grp = Make(ty::kGroup, R"({"mnm":2,"mid":["a","b","c"]})");
  EXPECT_EQ(ValidateCreate(ty::kGroup, grp).code(), Rsc::kMaxNumberOfMemberExceeded);
  Resource merged = Make(ty::kGroup, R"({"mnm":1,"mid":["a","b"]})");
  EXPECT_EQ(Type(ty::kGroup).ValidateUpdate(Ctx(), Obj(R"({"mnm":1})"), merged).code(),
            Rsc::kMaxNumberOfMemberExceeded);
}

TEST(Group, AcceptsMembersUpToTheLimitAndSetsDefaults) {
  Resource grp = Make(ty::kGroup, R"({"mnm":3,"mid":["a","b","c"]})");
  ASSERT_TRUE(ValidateCreate(ty::kGroup, grp).ok());
  EXPECT_EQ(json::GetInt(grp.attrs, "mt"), 0);
  EXPECT_EQ(json::GetInt(grp.attrs, "csy"), 1);
  Resource empty = Make(ty::kGroup, R"({"mnm":1,"mid":[]})");
  EXPECT_TRUE(ValidateCreate(ty::kGroup, empty).ok());
}

TEST(Group, RefusesUnknownConsistencyStrategy) {
  for (int csy : {0, 4}) {
    Resource grp = Make(ty::kGroup, R"({"mnm":1,"mid":[]})");
    grp.attrs["csy"] = csy;
    EXPECT_EQ(ValidateCreate(ty::kGroup, grp).code(), Rsc::kBadRequest) << csy;
  }
}

TEST(Group, UpdateThatRemovesTheMemberListIsRejected) {
  Resource merged = Make(ty::kGroup, R"({"mnm":3})");
  Status s;
  EXPECT_NO_THROW(s = Type(ty::kGroup).ValidateUpdate(Ctx(), Obj(R"({"mid":null})"), merged));
  EXPECT_EQ(s.code(), Rsc::kBadRequest);
}

// ---- Resource ----------------------------------------------------------------------------------

TEST(Resource, ReadsUniversalAttributes) {
  Resource r = Make(ty::kContainer, R"({"ri":"cnt1","pi":"cb","rn":"temp","cr":"Cae1","st":7,
                                      "acpi":["acp1",3,"acp2"]})");
  EXPECT_EQ(r.ty(), ty::kContainer);
  EXPECT_EQ(r.ri(), "cnt1");
  EXPECT_EQ(r.pi(), "cb");
  EXPECT_EQ(r.rn(), "temp");
  EXPECT_EQ(r.cr(), "Cae1");
  EXPECT_EQ(r.st(), 7u);
  EXPECT_EQ(r.acpi(), (std::vector<std::string>{"acp1", "acp2"}));
  Resource bare;
  EXPECT_EQ(bare.ty(), 0);
  EXPECT_EQ(bare.ri(), "");
  EXPECT_TRUE(bare.acpi().empty());
}

TEST(Resource, RecordRoundTripKeepsAttributesAndColumnsInStep) {
  Resource r = Make(ty::kContentInstance,
                    R"({"ri":"cin1","pi":"cnt1","rn":"v1","ct":"20240102T030405,000000",
                        "lt":"20240102T030406,000000","et":"20990101T000000,000000","st":4,
                        "cs":5,"cnf":"text/plain:0","con":"hello","lbl":["a","k:v"],
                        "cr":"Cae1"})");
  r.path = "cse-in/cnt1/v1";
  r.originator = "Cae9";
  storage::ResourceRecord rec = r.ToRecord();
  EXPECT_EQ(rec.ri, "cin1");
  EXPECT_EQ(rec.pi, "cnt1");
  EXPECT_EQ(rec.rn, "v1");
  EXPECT_EQ(rec.path, "cse-in/cnt1/v1");
  EXPECT_EQ(rec.ty, ty::kContentInstance);
  EXPECT_EQ(rec.ct, "20240102T030405,000000");
  EXPECT_EQ(rec.lt, "20240102T030406,000000");
  EXPECT_EQ(rec.et, "20990101T000000,000000");
  EXPECT_EQ(rec.st, 4u);
  EXPECT_EQ(rec.cs, 5u);
  EXPECT_EQ(rec.cty, "text/plain");
  EXPECT_EQ(rec.cr, "Cae9");  // the originator, not the cr attribute
  EXPECT_EQ(rec.lbl, (std::vector<std::string>{"a", "k:v"}));

  auto back = Resource::FromRecord(rec);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->path, r.path);
  EXPECT_EQ(back->originator, "Cae9");
  EXPECT_EQ(back->attrs, r.attrs);
}

TEST(Resource, ReportsCorruptRecordsAsInternalError) {
  for (std::string body : {"", "not json", "[1,2]", "\"x\"", "{\"a\":"}) {
    storage::ResourceRecord rec;
    rec.body = body;
    auto r = Resource::FromRecord(rec);
    ASSERT_FALSE(r.has_value()) << body;
    EXPECT_EQ(r.error().code(), Rsc::kInternalServerError);
  }
}

TEST(Resource, RepresentationStripsInternalAttributes) {
  Resource r = Make(ty::kContainer, R"({"ri":"cnt1","__secret":"x","__tag":"y","rn":"c"})");
  bj::object rep = r.Representation();
  ASSERT_EQ(rep.size(), 1u);
  ASSERT_TRUE(rep.contains("m2m:cnt"));
  const bj::object& body = rep.at("m2m:cnt").as_object();
  EXPECT_FALSE(body.contains("__secret"));
  EXPECT_FALSE(body.contains("__tag"));
  EXPECT_EQ(body.at("ri"), "cnt1");
  EXPECT_EQ(body.at("ty"), ty::kContainer);
}

TEST(Resource, RepresentationUsesTheFlexContainerSpecializationTag) {
  Resource r = Make(ty::kFlexContainer, R"({"ri":"f1","cnd":"x","color":"red",
                                           "__tag":"cod:color"})");
  bj::object rep = r.Representation();
  ASSERT_TRUE(rep.contains("cod:color")) << bj::serialize(rep);
  EXPECT_EQ(rep.size(), 1u);
  EXPECT_FALSE(rep.at("cod:color").as_object().contains("__tag"));
  EXPECT_EQ(rep.at("cod:color").as_object().at("color"), "red");

  Resource untagged = Make(ty::kFlexContainer, R"({"ri":"f2"})");
  EXPECT_TRUE(untagged.Representation().contains("m2m:fcnt"));
  Resource unknown = Make(99, R"({"ri":"u"})");
  EXPECT_TRUE(unknown.Representation().contains("m2m:unknown"));
}

TEST(Resource, NewResourceIdsArePrefixedAndUnique) {
  std::string a = NewResourceId("cnt");
  std::string b = NewResourceId("cnt");
  EXPECT_EQ(a.size(), 3u + 16u);
  EXPECT_TRUE(a.starts_with("cnt"));
  EXPECT_NE(a, b);
  for (char c : a.substr(3)) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) << a;
}

// ---- instance quotas through the writer hooks ----------------------------------------------------

class InstanceQuota : public testing::Test {
 protected:
  void SetUp() override { store_ = storage::OpenMemoryStore(); }
  void TearDown() override { store_->Close(); }

  // Inserts the parent container or timeSeries "cse-in/p" (ri "p").
  void InsertParent(int t, std::string_view json) {
    Resource p = Make(t, json);
    p.path = "cse-in/p";
    p.attrs["ri"] = "p";
    p.attrs["pi"] = "cb";
    p.attrs["rn"] = "p";
    p.attrs["ct"] = "20240101T000000,000000";
    p.attrs["st"] = 0;
    p.attrs["cni"] = 0;
    p.attrs["cbs"] = 0;
    ASSERT_TRUE(
        store_->SubmitAndWait([&](storage::WriteTxn& txn) { return txn.Insert(p.ToRecord()); })
            .ok());
  }

  // Creates an instance the way the dispatcher does: ValidateCreate, then OnCreate and the
  // insert in one write. `age` is how long before now_ it was created.
  Status AddInstance(int t, const std::string& ri, std::string_view json,
                     std::chrono::seconds age = std::chrono::seconds(0)) {
    Resource res = Make(t, json);
    res.path = "cse-in/p/" + ri;
    res.attrs["ri"] = ri;
    res.attrs["pi"] = "p";
    res.attrs["rn"] = ri;
    res.attrs["ct"] = FormatTimestamp(now_ - age + std::chrono::microseconds(++seq_));
    res.originator = "Cae1";
    HookContext ctx{"Cae1", "3", now_, &kSelf};
    const ResourceType& type = Type(t);
    Resource parent = GetParent();
    if (Status s = type.ValidateCreate(ctx, parent, res); !s.ok()) return s;
    return store_->SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
      auto prec = txn.Get("p");
      if (!prec || !*prec) return Status::Internal("parent missing");
      auto p = Resource::FromRecord(**prec);
      if (!p) return p.error();
      bool changed = false;
      if (Status s = type.OnCreate(txn, ctx, *p, &changed, res, fx_); !s.ok()) return s;
      if (Status s = txn.Insert(res.ToRecord()); !s.ok()) return s;
      last_ = res;
      return changed ? txn.Update(p->ToRecord()) : Status::Ok();
    });
  }

  Resource GetParent() {
    auto rec = store_->Get("p");
    if (!rec || !*rec) return {};
    return Resource::FromRecord(**rec).value_or(Resource{});
  }

  std::vector<std::string> ChildIds(int t) {
    std::vector<std::string> out;
    auto kids = store_->Children("p", t, storage::ChildOrder::kOldestFirst, 100);
    if (kids) {
      for (const auto& k : *kids) out.push_back(k.ri);
    }
    return out;
  }

  std::unique_ptr<storage::Store> store_;
  TimePoint now_ = *ParseTimestamp("20240601T120000");
  int seq_ = 0;
  WriteEffects fx_;
  Resource last_;
};

TEST_F(InstanceQuota, EvictsTheOldestContentInstanceBeyondMaxNrOfInstances) {
  InsertParent(ty::kContainer, R"({"mni":2})");
  for (std::string ri : {"cin1", "cin2", "cin3"}) {
    ASSERT_TRUE(AddInstance(ty::kContentInstance, ri, R"({"con":"abc"})").ok()) << ri;
  }
  EXPECT_EQ(ChildIds(ty::kContentInstance), (std::vector<std::string>{"cin2", "cin3"}));
  Resource p = GetParent();
  EXPECT_EQ(json::GetInt(p.attrs, "cni"), 2);
  EXPECT_EQ(json::GetInt(p.attrs, "cbs"), 6);
  EXPECT_EQ(p.st(), 3u);
  EXPECT_EQ(last_.st(), 3u);  // the instance carries the parent's new stateTag
  ASSERT_EQ(fx_.deleted.size(), 1u);
  EXPECT_EQ(fx_.deleted[0].ri, "cin1");
}

TEST_F(InstanceQuota, EvictsOldestContentInstancesBeyondMaxByteSize) {
  InsertParent(ty::kContainer, R"({"mbs":10})");
  for (std::string ri : {"cin1", "cin2", "cin3"}) {
    ASSERT_TRUE(AddInstance(ty::kContentInstance, ri, R"({"con":"abcd"})").ok()) << ri;
  }
  EXPECT_EQ(ChildIds(ty::kContentInstance), (std::vector<std::string>{"cin2", "cin3"}));
  Resource p = GetParent();
  EXPECT_EQ(json::GetInt(p.attrs, "cni"), 2);
  EXPECT_EQ(json::GetInt(p.attrs, "cbs"), 8);
}

TEST_F(InstanceQuota, RefusesContentLargerThanMaxByteSize) {
  InsertParent(ty::kContainer, R"({"mbs":5})");
  ASSERT_TRUE(AddInstance(ty::kContentInstance, "cin1", R"({"con":"12345"})").ok());
  Status s = AddInstance(ty::kContentInstance, "cin2", R"({"con":"123456"})");
  EXPECT_EQ(s.code(), Rsc::kNotAcceptable);
  EXPECT_EQ(ChildIds(ty::kContentInstance), (std::vector<std::string>{"cin1"}));
  Resource p = GetParent();
  EXPECT_EQ(json::GetInt(p.attrs, "cni"), 1);
  EXPECT_EQ(json::GetInt(p.attrs, "cbs"), 5);
  EXPECT_EQ(p.st(), 1u);
}

TEST_F(InstanceQuota, EvictsContentInstancesOlderThanMaxInstanceAge) {
  InsertParent(ty::kContainer, R"({"mia":60})");
  ASSERT_TRUE(
      AddInstance(ty::kContentInstance, "old", R"({"con":"a"})", std::chrono::seconds(120)).ok());
  ASSERT_TRUE(
      AddInstance(ty::kContentInstance, "new", R"({"con":"bb"})", std::chrono::seconds(30)).ok());
  EXPECT_EQ(ChildIds(ty::kContentInstance), (std::vector<std::string>{"new"}));
  Resource p = GetParent();
  EXPECT_EQ(json::GetInt(p.attrs, "cni"), 1);
  EXPECT_EQ(json::GetInt(p.attrs, "cbs"), 2);
}

TEST_F(InstanceQuota, ContainerUpdateEnforcesLoweredQuota) {
  InsertParent(ty::kContainer, "{}");
  for (std::string ri : {"cin1", "cin2", "cin3"}) {
    ASSERT_TRUE(AddInstance(ty::kContentInstance, ri, R"({"con":"x"})").ok()) << ri;
  }
  Resource p = GetParent();
  p.attrs["mni"] = 1;
  Status s = store_->SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
    HookContext ctx{"Cae1", "3", now_, &kSelf};
    if (Status s = Type(ty::kContainer).OnUpdate(txn, ctx, p, fx_); !s.ok()) return s;
    return txn.Update(p.ToRecord());
  });
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(ChildIds(ty::kContentInstance), (std::vector<std::string>{"cin3"}));
  EXPECT_EQ(json::GetInt(GetParent().attrs, "cni"), 1);
}

TEST_F(InstanceQuota, EvictsTheOldestTimeSeriesInstanceBeyondMaxNrOfInstances) {
  InsertParent(ty::kTimeSeries, R"({"mni":2})");
  int n = 0;
  for (std::string ri : {"tsi1", "tsi2", "tsi3"}) {
    std::string json = R"({"dgt":"20240101T00000)" + std::to_string(++n) + R"(","con":"v"})";
    ASSERT_TRUE(AddInstance(ty::kTimeSeriesInstance, ri, json).ok()) << ri;
  }
  EXPECT_EQ(ChildIds(ty::kTimeSeriesInstance), (std::vector<std::string>{"tsi2", "tsi3"}));
  Resource p = GetParent();
  EXPECT_EQ(json::GetInt(p.attrs, "cni"), 2);
  EXPECT_EQ(json::GetInt(p.attrs, "cbs"), 2);
}

TEST_F(InstanceQuota, RefusesDuplicateDataGenerationTime) {
  InsertParent(ty::kTimeSeries, "{}");
  ASSERT_TRUE(
      AddInstance(ty::kTimeSeriesInstance, "tsi1", R"({"dgt":"20240101T000001","con":"v"})")
          .ok());
  // The same instant written differently is still a duplicate.
  Status s =
      AddInstance(ty::kTimeSeriesInstance, "tsi2", R"({"dgt":"20240101T000001,0Z","con":"w"})");
  EXPECT_EQ(s.code(), Rsc::kConflict);
  EXPECT_EQ(ChildIds(ty::kTimeSeriesInstance), (std::vector<std::string>{"tsi1"}));
  EXPECT_EQ(json::GetInt(GetParent().attrs, "cni"), 1);
}

TEST_F(InstanceQuota, DeletingAnInstanceReleasesItsShare) {
  InsertParent(ty::kContainer, "{}");
  ASSERT_TRUE(AddInstance(ty::kContentInstance, "cin1", R"({"con":"abc"})").ok());
  ASSERT_TRUE(AddInstance(ty::kContentInstance, "cin2", R"({"con":"de"})").ok());
  Resource cin = last_;
  Resource parent = GetParent();
  bool changed = false;
  HookContext ctx{"Cae1", "3", now_, &kSelf};
  Status s = store_->SubmitAndWait([&](storage::WriteTxn& txn) {
    return Type(ty::kContentInstance).OnDelete(txn, ctx, parent, &changed, cin, fx_);
  });
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(changed);
  EXPECT_EQ(json::GetInt(parent.attrs, "cni"), 1);
  EXPECT_EQ(json::GetInt(parent.attrs, "cbs"), 3);
}

TEST_F(InstanceQuota, GroupKeepsOnlyExistingDistinctMembers) {
  InsertParent(ty::kContainer, "{}");
  Resource grp = Make(ty::kGroup, R"({"mnm":10,"mid":["p","cse-in/p","missing","p",
                                                      "/id-in/p","/id-other/x"]})");
  ASSERT_TRUE(ValidateCreate(ty::kGroup, grp).ok());
  Resource parent = Make(ty::kCseBase);
  bool changed = false;
  HookContext ctx{"Cae1", "3", now_, &kSelf};
  Status s = store_->SubmitAndWait([&](storage::WriteTxn& txn) {
    return Type(ty::kGroup).OnCreate(txn, ctx, parent, &changed, grp, fx_);
  });
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(bj::serialize(grp.attrs.at("mid")), R"(["p","cse-in/p","/id-in/p"])");
  EXPECT_EQ(json::GetInt(grp.attrs, "cnm"), 3);
  EXPECT_EQ(json::GetBool(grp.attrs, "mtv"), true);
}

TEST_F(InstanceQuota, GroupAppliesTheConsistencyStrategy) {
  InsertParent(ty::kContainer, "{}");
  HookContext ctx{"Cae1", "3", now_, &kSelf};
  auto resolve = [&](int csy, Resource& grp) {
    grp = Make(ty::kGroup, R"({"mnm":10,"mt":23,"mid":["p"]})");
    grp.attrs["csy"] = csy;
    Resource parent = Make(ty::kCseBase);
    bool changed = false;
    return store_->SubmitAndWait([&](storage::WriteTxn& txn) {
      return Type(ty::kGroup).OnCreate(txn, ctx, parent, &changed, grp, fx_);
    });
  };
  Resource grp;
  ASSERT_TRUE(resolve(1, grp).ok());  // ABANDON_MEMBER
  EXPECT_EQ(json::GetInt(grp.attrs, "cnm"), 0);
  EXPECT_EQ(resolve(2, grp).code(), Rsc::kGroupMemberTypeInconsistent);  // ABANDON_GROUP
  ASSERT_TRUE(resolve(3, grp).ok());                                     // SET_MIXED
  EXPECT_EQ(json::GetInt(grp.attrs, "cnm"), 1);
  EXPECT_EQ(json::GetInt(grp.attrs, "mt"), 0);
}

}  // namespace
}  // namespace trustcse::resources
