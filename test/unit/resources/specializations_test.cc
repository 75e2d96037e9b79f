// Tests of the specialization registries and of the lists the CSE keeps about other resources:
// flexContainer schemas (TS-0004 §7.4.37.2.1: 4125 / 4000), the CMDH mgmtObj tables of Annex
// D.12 and the 5001 of standard specializations this CSE does not implement, the <node>
// attribute table, and hostedAELinks / listOfDevices upkeep (resources/link_lists.h).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <memory>
#include <string>

#include "primitive/json_util.h"
#include "resources/link_lists.h"
#include "resources/resource.h"
#include "storage/store.h"

namespace trustcse::resources {
namespace {

namespace bj = boost::json;

const CseIdentity kSelf{"/id-in", "cse-in", "//trustcse.local"};

bj::object Obj(std::string_view json) { return bj::parse(json).as_object(); }

// The checks a CREATE of `key` with `json` meets before the write: the specialization, the
// attribute table, the type's own rules.
Status CheckCreate(int t, std::string_view key, std::string_view json) {
  const ResourceType& type = *FindType(t);
  bj::object content = Obj(json);
  if (Status s = type.CheckSpecialization(key, content); !s.ok()) return s;
  if (Status s = ValidateContent(content, type.PoliciesFor(key), ContentOp::kCreate,
                                 type.validate_options());
      !s.ok()) {
    return s;
  }
  Resource res;
  res.attrs = content;
  res.attrs["ty"] = t;
  res.attrs["__tag"] = key;
  Resource parent;
  parent.attrs["ty"] = ty::kNode;
  return type.ValidateCreate(HookContext{"Cae1", "3", Now(), &kSelf}, parent, res);
}

Status CheckUpdate(int t, std::string_view key, std::string_view json) {
  const ResourceType& type = *FindType(t);
  return ValidateContent(Obj(json), type.PoliciesFor(key), ContentOp::kUpdate,
                         type.validate_options());
}

constexpr std::string_view kTemperature = "org.onem2m.common.moduleclass.temperature";

TEST(FlexContainerSchema, AcceptsAKnownSpecializationWithItsDataPoints) {
  EXPECT_TRUE(CheckCreate(ty::kFlexContainer, "cod:tempe",
                          R"({"cnd":"org.onem2m.common.moduleclass.temperature","curT0":23.5,
                              "unit":1,"minVe":-10,"maxVe":40.0})")
                  .ok());
}

TEST(FlexContainerSchema, RefusesADefinitionItHasNoSchemaForWith4125) {
  EXPECT_EQ(CheckCreate(ty::kFlexContainer, "xyz:unknown",
                        R"({"cnd":"org.example.unknown","someAttr":"v"})")
                .code(),
            static_cast<Rsc>(4125));
  EXPECT_EQ(CheckCreate(ty::kFlexContainer, "cod:tempe", R"({"cnd":"org.example.wrong",
                                                              "curT0":1.0})")
                .code(),
            static_cast<Rsc>(4125));
}

TEST(FlexContainerSchema, RefusesAKeyThatIsNotTheDefinitionsWith4000) {
  EXPECT_EQ(CheckCreate(ty::kFlexContainer, "cod:color",
                        R"({"cnd":"org.onem2m.common.moduleclass.temperature","curT0":1.0})")
                .code(),
            Rsc::kBadRequest);
}

TEST(FlexContainerSchema, RefusesUndefinedWronglyTypedOrMissingDataPoints) {
  std::string base = R"({"cnd":")" + std::string(kTemperature) + R"(",)";
  EXPECT_EQ(CheckCreate(ty::kFlexContainer, "cod:tempe", base + R"("curT0":1.0,"x":1})").code(),
            Rsc::kBadRequest);
  EXPECT_EQ(CheckCreate(ty::kFlexContainer, "cod:tempe", base + R"("curT0":"warm"})").code(),
            Rsc::kBadRequest);
  EXPECT_EQ(CheckCreate(ty::kFlexContainer, "cod:tempe", base + R"("tarTe":20.0})").code(),
            Rsc::kBadRequest);  // currentTemperature is mandatory
  EXPECT_EQ(CheckUpdate(ty::kFlexContainer, "cod:tempe", R"({"notATemperature":1})").code(),
            Rsc::kBadRequest);
  EXPECT_EQ(CheckUpdate(ty::kFlexContainer, "cod:tempe", R"({"tarTe":"warm"})").code(),
            Rsc::kBadRequest);
  EXPECT_TRUE(CheckUpdate(ty::kFlexContainer, "cod:tempe", R"({"tarTe":21})").ok());
  EXPECT_EQ(CheckUpdate(ty::kFlexContainer, "cod:tempe", R"({"cnd":"x"})").code(),
            Rsc::kBadRequest);  // containerDefinition is NP on UPDATE
}

TEST(MgmtObjSpecializations, CreatesTheCmdhPolicyResources) {
  EXPECT_TRUE(CheckCreate(ty::kMgmtObj, "m2m:acmp", R"({"mgd":1012,"acmlk":"cmp1"})").ok());
  EXPECT_TRUE(
      CheckCreate(ty::kMgmtObj, "m2m:cmdv", R"({"mgd":1014,"od":1,"dev":3,"ror":["Cae1"]})").ok());
  EXPECT_TRUE(CheckCreate(ty::kMgmtObj, "m2m:cmnr", R"({"mgd":1017,"aecs":[0]})").ok());
  EXPECT_TRUE(
      CheckCreate(ty::kMgmtObj, "m2m:cmbf", R"({"mgd":1019,"aec":[0,2],"mbfs":1000,"sgp":5})")
          .ok());
  EXPECT_TRUE(CheckCreate(ty::kMgmtObj, "m2m:cmp",
                          R"({"mgd":1011,"cpn":"policy","cmlk":[{"val":"cse-in/n/d","nm":"d",
                              "typ":1013}]})")
                  .ok());
  EXPECT_TRUE(CheckCreate(ty::kMgmtObj, "m2m:cml",
                          R"({"mgd":1016,"od":1,"ror":["Cae1"],"lec":[2,3],"lqet":[0,100],
                              "lset":[0,100],"loet":[0,100],"lrp":[0,100],"lda":[false,true]})")
                  .ok());
}

TEST(MgmtObjSpecializations, ChecksCmdhValuesAgainstTheirTypes) {
  EXPECT_EQ(CheckCreate(ty::kMgmtObj, "m2m:cmbf", R"({"mgd":1019,"aec":[0],"mbfs":1,"sgp":11})")
                .code(),
            Rsc::kBadRequest);  // storagePriority is 1..10
  EXPECT_EQ(CheckCreate(ty::kMgmtObj, "m2m:cmbf", R"({"mgd":1019,"aec":[1],"mbfs":1,"sgp":1})")
                .code(),
            Rsc::kBadRequest);  // 1 is no m2m:eventCat
  EXPECT_EQ(CheckCreate(ty::kMgmtObj, "m2m:cmdv", R"({"mgd":1014,"od":1,"dev":3,"ror":[]})")
                .code(),
            Rsc::kBadRequest);  // a listOfM2MID has at least one member
  EXPECT_EQ(CheckCreate(ty::kMgmtObj, "m2m:cmp", R"({"mgd":1011,"cpn":"p","cmlk":"x"})").code(),
            Rsc::kBadRequest);  // an m2m:mgmtLinkRef is {"val", "nm", "typ"}
  EXPECT_EQ(CheckCreate(ty::kMgmtObj, "m2m:cml",
                        R"({"mgd":1016,"od":1,"ror":["C"],"lec":[2],"lqet":[100,0],
                            "lset":[0,1],"loet":[0,1],"lrp":[0,1],"lda":[true]})")
                .code(),
            Rsc::kBadRequest);  // min above max
  EXPECT_EQ(CheckCreate(ty::kMgmtObj, "m2m:acmp", R"({"mgd":1011,"acmlk":"x"})").code(),
            Rsc::kBadRequest);  // mgd of another specialization
}

TEST(MgmtObjSpecializations, AnswersStandardButUnimplementedSpecializationsWith5001) {
  const ResourceType& mgo = *FindType(ty::kMgmtObj);
  for (int mgd : {0, 1020, 1021, 1023, 1028, 1030}) {
    bj::object content{{"mgd", mgd}};
    EXPECT_EQ(mgo.CheckSpecialization("m2m:unknownKey", content).code(), Rsc::kNotImplemented)
        << mgd;
  }
  EXPECT_EQ(mgo.CheckSpecialization("m2m:unknownKey", Obj(R"({"mgd":4711})")).code(),
            Rsc::kBadRequest);
  EXPECT_EQ(mgo.CheckSpecialization("m2m:unknownKey", Obj("{}")).code(), Rsc::kBadRequest);
  EXPECT_TRUE(mgo.CheckSpecialization("m2m:bat", Obj("{}")).ok());
  EXPECT_EQ(FindTypeByTag("m2m:cmbf"), &mgo);
}

TEST(NodeAttributes, RefusesNetworkFactsAndEmptyLinkLists) {
  const ResourceType& node = *FindType(ty::kNode);
  auto check = [&](std::string_view json, ContentOp op) {
    return ValidateContent(Obj(json), node.policies(), op, node.validate_options()).code();
  };
  EXPECT_EQ(check(R"({"ni":"n","nid":"net"})", ContentOp::kCreate), Rsc::kBadRequest);
  EXPECT_EQ(check(R"({"ni":"n","rms":true})", ContentOp::kCreate), Rsc::kBadRequest);
  EXPECT_EQ(check(R"({"rms":false})", ContentOp::kUpdate), Rsc::kBadRequest);
  EXPECT_EQ(check(R"({"nid":"net"})", ContentOp::kUpdate), Rsc::kBadRequest);
  EXPECT_EQ(check(R"({"ni":"n","hael":[]})", ContentOp::kCreate), Rsc::kBadRequest);
  EXPECT_EQ(check(R"({"ni":"n","hael":["ae1"]})", ContentOp::kCreate), Rsc::kOk);
}

// ---- hostedAELinks and listOfDevices through the writer hooks ------------------------------

class LinkLists : public testing::Test {
 protected:
  void SetUp() override {
    store_ = storage::OpenMemoryStore();
    Insert(ty::kNode, "cse-in/n1", R"({"ri":"n1","pi":"cb","rn":"n1","ni":"x"})");
    Insert(ty::kNode, "cse-in/n2", R"({"ri":"n2","pi":"cb","rn":"n2","ni":"y"})");
  }
  void TearDown() override { store_->Close(); }

  void Insert(int t, std::string path, std::string_view json) {
    Resource r;
    r.attrs = Obj(json);
    r.attrs["ty"] = t;
    r.path = std::move(path);
    ASSERT_TRUE(store_->SubmitAndWait([&](storage::WriteTxn& txn) {
                        return txn.Insert(r.ToRecord());
                      }).ok());
  }

  Resource Ae(std::string ri, std::string_view nl) {
    Resource ae;
    ae.attrs = Obj(R"({"api":"Nx","rr":false,"srv":["3"]})");
    ae.attrs["ty"] = ty::kAe;
    ae.attrs["ri"] = ri;
    ae.attrs["pi"] = "cb";
    if (!nl.empty()) ae.attrs["nl"] = nl;
    ae.path = "cse-in/" + ri;
    return ae;
  }

  // Runs `hook` in one write, the way the dispatcher runs the type's hooks.
  template <class Hook>
  Status Write(Hook hook) {
    return store_->SubmitAndWait([&](storage::WriteTxn& txn) -> Status { return hook(txn); });
  }

  std::optional<bj::array> Hael(std::string_view node) {
    auto res = Resource::FromRecord(**store_->Get(node));
    if (const bj::value* v = res->attrs.if_contains("hael")) return v->as_array();
    return std::nullopt;
  }

  std::unique_ptr<storage::Store> store_;
  HookContext ctx_{"Cae1", "3", Now(), &kSelf};
  WriteEffects fx_;
  const ResourceType& ae_type_ = *FindType(ty::kAe);
};

TEST_F(LinkLists, AnAeNamingANodeIsListedInItsHostedAeLinks) {
  Resource parent;
  Resource a1 = Ae("ae1", "n1");
  Resource a2 = Ae("ae2", "cse-in/n1");  // a structured address names the same node
  ASSERT_TRUE(Write([&](storage::WriteTxn& txn) {
                return ae_type_.OnCreate(txn, ctx_, parent, nullptr, a1, fx_);
              }).ok());
  ASSERT_TRUE(Write([&](storage::WriteTxn& txn) {
                return ae_type_.OnCreate(txn, ctx_, parent, nullptr, a2, fx_);
              }).ok());
  EXPECT_EQ(Hael("n1"), (bj::array{"ae1", "ae2"}));
  ASSERT_FALSE(fx_.events.empty());
  EXPECT_EQ(fx_.events.back().kind, Event::Kind::kUpdate);
  EXPECT_EQ(fx_.events.back().modified, std::vector<std::string>{"hael"});
}

TEST_F(LinkLists, MovingAnAeMovesItsLinkAndTheLastOneRemovesTheList) {
  Resource parent;
  Resource a1 = Ae("ae1", "n1");
  Insert(ty::kAe, a1.path, bj::serialize(a1.attrs));
  ASSERT_TRUE(Write([&](storage::WriteTxn& txn) {
                return ae_type_.OnCreate(txn, ctx_, parent, nullptr, a1, fx_);
              }).ok());
  Resource moved = Ae("ae1", "n2");
  ASSERT_TRUE(Write([&](storage::WriteTxn& txn) {
                return ae_type_.OnUpdate(txn, ctx_, moved, fx_);  // the stored ae1 names n1
              }).ok());
  EXPECT_FALSE(Hael("n1").has_value());  // empty: removed, not []
  EXPECT_EQ(Hael("n2"), (bj::array{"ae1"}));
  ASSERT_TRUE(Write([&](storage::WriteTxn& txn) {
                return ae_type_.OnDelete(txn, ctx_, parent, nullptr, moved, fx_);
              }).ok());
  EXPECT_FALSE(Hael("n2").has_value());
}

TEST_F(LinkLists, AnAddressNamingNothingHereChangesNothing) {
  Resource parent;
  Resource a1 = Ae("ae1", "//other.example/cse/n9");
  EXPECT_TRUE(Write([&](storage::WriteTxn& txn) {
                return ae_type_.OnCreate(txn, ctx_, parent, nullptr, a1, fx_);
              }).ok());
  Resource a2 = Ae("ae2", "cse-in/n9");
  EXPECT_TRUE(Write([&](storage::WriteTxn& txn) {
                return ae_type_.OnCreate(txn, ctx_, parent, nullptr, a2, fx_);
              }).ok());
  EXPECT_TRUE(fx_.events.empty());
}

TEST_F(LinkLists, TheLastDeviceLeavingRemovesListOfDevices) {
  Insert(ty::kMgmtObj, "cse-in/n1/ani",
         R"({"ri":"ani1","pi":"n1","rn":"ani","mgd":1004,"ant":"x","__tag":"m2m:ani"})");
  ASSERT_TRUE(Write([&](storage::WriteTxn& txn) {
                return UpdateLinkList(txn, ctx_, "ani1", ty::kMgmtObj, "m2m:ani", "ldv", "andi1",
                                      true, fx_);
              }).ok());
  auto ani = Resource::FromRecord(**store_->Get("ani1"));
  EXPECT_EQ(ani->attrs.at("ldv"), (bj::array{"andi1"}));
  ASSERT_TRUE(Write([&](storage::WriteTxn& txn) {
                return UpdateLinkList(txn, ctx_, "ani1", ty::kMgmtObj, "m2m:ani", "ldv", "andi1",
                                      false, fx_);
              }).ok());
  ani = Resource::FromRecord(**store_->Get("ani1"));
  EXPECT_FALSE(ani->attrs.contains("ldv"));
  // A resource of another specialization is not touched.
  EXPECT_TRUE(Write([&](storage::WriteTxn& txn) {
                return UpdateLinkList(txn, ctx_, "ani1", ty::kMgmtObj, "m2m:bat", "ldv", "x",
                                      true, fx_);
              }).ok());
  ani = Resource::FromRecord(**store_->Get("ani1"));
  EXPECT_FALSE(ani->attrs.contains("ldv"));
}

}  // namespace
}  // namespace trustcse::resources
