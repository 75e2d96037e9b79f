// Tests of the instances a <flexContainer> keeps of itself (Release 4 <flexContainerInstance>,
// resources/flex_container_instance.h): when keeping is on, what an instance holds, eviction under
// mni/mbs/mia, keeping switched on and off by an UPDATE, and the instance type's own rules. The
// hooks run on the in-memory store the way the dispatcher runs them.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/time.h"
#include "primitive/json_util.h"
#include "resources/flex_container_instance.h"
#include "resources/resource.h"
#include "storage/store.h"

namespace trustcse::resources {
namespace {

namespace bj = boost::json;

const CseIdentity kSelf{"/id-in", "cse-in", "//trustcse.local"};

bj::object Obj(std::string_view json) { return bj::parse(json).as_object(); }

TEST(FlexInstanceKeeping, IsSwitchedOnByANonZeroLimitOrByFcied) {
  EXPECT_FALSE(KeepsFlexInstances(Obj(R"({"cnd":"x"})")));
  EXPECT_TRUE(KeepsFlexInstances(Obj(R"({"mni":3})")));
  EXPECT_TRUE(KeepsFlexInstances(Obj(R"({"mbs":100})")));
  EXPECT_TRUE(KeepsFlexInstances(Obj(R"({"mia":60})")));
  EXPECT_FALSE(KeepsFlexInstances(Obj(R"({"mni":0,"mbs":0,"mia":0})")));
  EXPECT_TRUE(KeepsFlexInstances(Obj(R"({"fcied":true})")));
  EXPECT_FALSE(KeepsFlexInstances(Obj(R"({"fcied":false,"mni":3})")));
}

TEST(FlexInstanceKeeping, CustomAttributesAreThoseOfTheSpecialization) {
  bj::object fc = Obj(R"({"__tag":"cod:tempe","cnd":"c","mni":2,"cni":1,"lbl":["a"],)"
                      R"("curT0":20.5,"unit":1})");
  EXPECT_EQ(FlexCustomAttributes(fc), Obj(R"({"curT0":20.5,"unit":1})"));
  EXPECT_TRUE(ChangesFlexCustomAttribute(fc, Obj(R"({"tarTe":null})")));
  EXPECT_FALSE(ChangesFlexCustomAttribute(fc, Obj(R"({"lbl":["b"],"mni":5})")));
}

class FlexInstances : public testing::Test {
 protected:
  void SetUp() override { store_ = storage::OpenMemoryStore(); }
  void TearDown() override { store_->Close(); }

  // A [temperature] flexContainer created with `extra`, through the type's hooks.
  Status Create(std::string_view extra) {
    fc_.attrs = Obj(R"({"ty":28,"ri":"fc1","pi":"ae1","rn":"fc1","st":0,"cnd":)"
                    R"("org.onem2m.common.moduleclass.temperature","__tag":"cod:tempe",)"
                    R"("ct":"20260101T000000,000000","et":"20990101T000000,000000",)"
                    R"("curT0":20.0,"unit":1})");
    for (const auto& [k, v] : Obj(extra)) fc_.attrs[k] = v;
    fc_.path = "cse-in/ae1/fc1";
    Resource parent;
    HookContext ctx = Ctx();
    if (Status s = type_.ValidateCreate(ctx, parent, fc_); !s.ok()) return s;
    return store_->SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
      if (Status s = type_.OnCreate(txn, ctx, parent, nullptr, fc_, fx_); !s.ok()) return s;
      return txn.Insert(fc_.ToRecord());
    });
  }

  // An UPDATE as the dispatcher writes it: the changes applied, st and lt, then the hooks.
  Status Update(std::string_view changes_json, std::string originator = "Cae1") {
    bj::object changes = Obj(changes_json);
    Resource merged = fc_;
    for (const auto& [k, v] : changes) {
      if (v.is_null()) {
        merged.attrs.erase(k);
      } else {
        merged.attrs[k] = v;
      }
    }
    merged.attrs["st"] = merged.st() + 1;
    HookContext ctx = Ctx(std::move(originator));
    ctx.changes = &changes;
    if (Status s = type_.ValidateUpdate(ctx, changes, merged); !s.ok()) return s;
    Status s = store_->SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
      if (Status s = type_.OnUpdate(txn, ctx, merged, fx_); !s.ok()) return s;
      return txn.Update(merged.ToRecord());
    });
    if (s.ok()) fc_ = std::move(merged);
    return s;
  }

  HookContext Ctx(std::string originator = "Cae1") {
    originator_ = std::move(originator);
    // Each write a moment later, so instances are ordered by creation time.
    now_ += std::chrono::milliseconds(5);
    return HookContext{originator_, "4", now_, &kSelf};
  }

  std::vector<Resource> Instances() {
    auto kids = store_->Children("fc1", ty::kFlexContainerInstance,
                                 storage::ChildOrder::kOldestFirst, 100);
    std::vector<Resource> out;
    for (const auto& k : *kids) out.push_back(*Resource::FromRecord(k));
    return out;
  }

  int64_t Attr(std::string_view sn) { return json::GetInt(fc_.attrs, sn).value_or(-1); }

  std::unique_ptr<storage::Store> store_;
  const ResourceType& type_ = *FindType(ty::kFlexContainer);
  Resource fc_;
  WriteEffects fx_;
  std::string originator_;
  TimePoint now_ = Now();
};

TEST_F(FlexInstances, NoneWithoutLimitsAndNoCounters) {
  ASSERT_TRUE(Create("{}").ok());
  EXPECT_TRUE(Instances().empty());
  EXPECT_FALSE(fc_.attrs.contains("cni"));
  EXPECT_FALSE(fc_.attrs.contains("cbs"));
  ASSERT_TRUE(Update(R"({"curT0":21.0})").ok());
  EXPECT_TRUE(Instances().empty());
}

TEST_F(FlexInstances, CreationWithALimitRecordsThePresentStateAsTheFirstInstance) {
  ASSERT_TRUE(Create(R"({"mni":5,"lbl":["kitchen"]})").ok());
  const int64_t cs = Attr("cs");
  EXPECT_GT(cs, 0);
  EXPECT_EQ(Attr("cni"), 1);
  EXPECT_EQ(Attr("cbs"), cs);
  auto got = Instances();
  ASSERT_EQ(got.size(), 1u);
  const bj::object& fci = got[0].attrs;
  EXPECT_EQ(got[0].ty(), ty::kFlexContainerInstance);
  EXPECT_EQ(got[0].pi(), "fc1");
  EXPECT_EQ(got[0].path, "cse-in/ae1/fc1/" + std::string(got[0].ri()));
  EXPECT_TRUE(got[0].ri().starts_with("fcin"));
  EXPECT_EQ(fci.at("curT0"), 20.0);
  EXPECT_EQ(fci.at("unit"), 1);
  EXPECT_EQ(fci.at("lbl"), (bj::array{"kitchen"}));
  EXPECT_EQ(json::GetInt(fci, "cs"), cs);
  EXPECT_EQ(json::GetInt(fci, "st"), 0);
  EXPECT_EQ(json::GetString(fci, "org"), "Cae1");
  EXPECT_EQ(fci.at("ct"), fci.at("lt"));
  EXPECT_EQ(fci.at("et"), fc_.attrs.at("et"));
  // Not the flexContainer's own attributes, and keyed like it.
  for (auto sn : {"cnd", "mni", "cni", "cbs"}) EXPECT_FALSE(fci.contains(sn)) << sn;
  EXPECT_TRUE(got[0].Representation().contains("cod:tempe"));
  ASSERT_EQ(fx_.events.size(), 1u);
  EXPECT_EQ(fx_.events[0].kind, Event::Kind::kCreateChild);
  EXPECT_EQ(fx_.events[0].subject_ri, "fc1");
}

TEST_F(FlexInstances, AnUpdateOfACustomAttributeAddsAnInstanceOthersDoNot) {
  ASSERT_TRUE(Create(R"({"mni":5})").ok());
  ASSERT_TRUE(Update(R"({"curT0":17.5,"tarTe":19.0})", "Cother").ok());
  auto got = Instances();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].attrs.at("curT0"), 17.5);
  EXPECT_EQ(got[1].attrs.at("tarTe"), 19.0);
  EXPECT_EQ(json::GetString(got[1].attrs, "org"), "Cother");
  EXPECT_EQ(json::GetInt(got[1].attrs, "st"), 1);
  EXPECT_EQ(got[0].attrs.at("curT0"), 20.0);  // the older one is untouched
  EXPECT_EQ(Attr("cni"), 2);
  EXPECT_EQ(Attr("cbs"), json::GetInt(got[0].attrs, "cs").value() + Attr("cs"));
  ASSERT_TRUE(Update(R"({"lbl":["x"],"mni":6})").ok());
  EXPECT_EQ(Instances().size(), 2u);
  EXPECT_EQ(Attr("cni"), 2);
}

TEST_F(FlexInstances, MaxNrOfInstancesEvictsTheOldestFirst) {
  ASSERT_TRUE(Create(R"({"mni":2})").ok());
  ASSERT_TRUE(Update(R"({"curT0":1.0})").ok());
  ASSERT_TRUE(Update(R"({"curT0":2.0})").ok());
  auto got = Instances();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].attrs.at("curT0"), 1.0);
  EXPECT_EQ(got[1].attrs.at("curT0"), 2.0);
  EXPECT_EQ(Attr("cni"), 2);
  EXPECT_EQ(fx_.deleted.size(), 1u);
  // A lowered limit evicts at once, without a new instance.
  ASSERT_TRUE(Update(R"({"mni":1})").ok());
  got = Instances();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attrs.at("curT0"), 2.0);
  EXPECT_EQ(Attr("cni"), 1);
  EXPECT_EQ(Attr("cbs"), Attr("cs"));
}

TEST_F(FlexInstances, MaxByteSizeEvictsAndRefusesAnInstanceLargerThanItself) {
  ASSERT_TRUE(Create(R"({"mni":10})").ok());
  const int64_t cs = Attr("cs");
  ASSERT_TRUE(Update(R"({"mbs":)" + std::to_string(cs + 1) + "}").ok());  // only one fits
  EXPECT_EQ(Instances().size(), 1u);
  ASSERT_TRUE(Update(R"({"curT0":30.0})").ok());  // the same size
  auto got = Instances();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attrs.at("curT0"), 30.0);
  EXPECT_EQ(Attr("cbs"), cs);
  EXPECT_EQ(Update(R"({"tarTe":21.0})").code(), Rsc::kNotAcceptable);  // alone above mbs
  EXPECT_EQ(Instances().size(), 1u);
}

TEST_F(FlexInstances, AZeroLimitLimitsNothing) {
  ASSERT_TRUE(Create(R"({"mni":0,"mbs":100000,"mia":0})").ok());
  ASSERT_TRUE(Update(R"({"curT0":1.0})").ok());
  ASSERT_TRUE(Update(R"({"curT0":2.0})").ok());
  EXPECT_EQ(Instances().size(), 3u);
  EXPECT_EQ(Instances()[0].attrs.at("et"), fc_.attrs.at("et"));  // mia 0: no clamp
}

TEST_F(FlexInstances, MaxInstanceAgeBoundsTheExpirationOfEachInstance) {
  ASSERT_TRUE(Create(R"({"mia":60})").ok());
  auto got = Instances();
  ASSERT_EQ(got.size(), 1u);
  auto et = ParseTimestamp(json::GetString(got[0].attrs, "et").value());
  auto ct = ParseTimestamp(json::GetString(got[0].attrs, "ct").value());
  EXPECT_LE(*et - *ct, std::chrono::seconds(60));
}

TEST_F(FlexInstances, KeepingSwitchedOnByAnUpdateRecordsThePresentState) {
  ASSERT_TRUE(Create("{}").ok());
  ASSERT_TRUE(Update(R"({"mni":3})").ok());
  EXPECT_EQ(Instances().size(), 1u);
  EXPECT_EQ(Attr("cni"), 1);
  ASSERT_TRUE(Update(R"({"fcied":false})").ok());  // the explicit switch wins over mni
  EXPECT_TRUE(Instances().empty());
  ASSERT_TRUE(Update(R"({"mni":null,"fcied":true})").ok());  // on without a limit
  EXPECT_EQ(Instances().size(), 1u);
}

TEST_F(FlexInstances, KeepingSwitchedOffDeletesTheInstancesAndTheCounters) {
  ASSERT_TRUE(Create(R"({"mni":3})").ok());
  ASSERT_TRUE(Update(R"({"curT0":5.0})").ok());
  ASSERT_EQ(Instances().size(), 2u);
  ASSERT_TRUE(Update(R"({"mni":null})").ok());
  EXPECT_TRUE(Instances().empty());
  EXPECT_FALSE(fc_.attrs.contains("cni"));
  EXPECT_FALSE(fc_.attrs.contains("cbs"));
  EXPECT_EQ(fx_.deleted.size(), 2u);
}

TEST_F(FlexInstances, DeletingAnInstanceGivesItsShareBack) {
  ASSERT_TRUE(Create(R"({"mni":3})").ok());
  ASSERT_TRUE(Update(R"({"curT0":5.0})").ok());
  Resource victim = Instances()[0];
  const ResourceType& fci = *FindType(ty::kFlexContainerInstance);
  bool changed = false;
  HookContext ctx = Ctx();
  ASSERT_TRUE(store_->SubmitAndWait([&](storage::WriteTxn& txn) {
                return fci.OnDelete(txn, ctx, fc_, &changed, victim, fx_);
              }).ok());
  EXPECT_TRUE(changed);
  EXPECT_EQ(Attr("cni"), 1);
  EXPECT_EQ(Attr("cbs"), Attr("cs"));
  // A parent that stopped keeping instances gets no counters back.
  Resource plain;
  plain.attrs = Obj(R"({"ty":28,"ri":"fc2"})");
  changed = false;
  ASSERT_TRUE(store_->SubmitAndWait([&](storage::WriteTxn& txn) {
                return fci.OnDelete(txn, ctx, plain, &changed, victim, fx_);
              }).ok());
  EXPECT_FALSE(changed);
  EXPECT_FALSE(plain.attrs.contains("cni"));
}

TEST(FlexContainerInstanceType, IsMadeByTheCseOnlyAndNeverUpdated) {
  const ResourceType* fci = FindType(ty::kFlexContainerInstance);
  ASSERT_NE(fci, nullptr);
  EXPECT_FALSE(fci->client_creatable());
  EXPECT_EQ(fci->CheckUpdatable().code(), Rsc::kOperationNotAllowed);
  EXPECT_TRUE(fci->CheckDeletable().ok());
  EXPECT_FALSE(fci->validate_options().has_acpi);  // the flexContainer's policies apply
  EXPECT_FALSE(fci->AllowsChild(ty::kSubscription));
  // A specialization key names the flexContainer, never its instances.
  EXPECT_EQ(FindTypeByTag("cod:tempe")->ty(), ty::kFlexContainer);
  EXPECT_TRUE(FindType(ty::kFlexContainer)->AllowsChild(ty::kFlexContainerInstance));
  EXPECT_TRUE(IsAttributeName("fcied"));
  EXPECT_TRUE(IsAttributeName("org"));
}

}  // namespace
}  // namespace trustcse::resources
