// Tests of the subscription type (resources/subscription.cc): the checks of eventNotificationCriteria
// and the notification policies on CREATE and UPDATE, the defaults the CSE sets, and the one
// Blocking_Update subscription per resource, checked in the write.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <stdexcept>
#include <string>

#include "common/time.h"
#include "primitive/json_util.h"
#include "resources/resource.h"
#include "storage/store.h"

namespace trustcse::resources {
namespace {

namespace bj = boost::json;

const CseIdentity kSelf{"/id-in", "cse-in", "//trustcse.local"};

bj::object Obj(std::string_view json) { return bj::parse(json).as_object(); }

// The originator of these requests is Cae1.
HookContext Ctx() { return HookContext{"Cae1", "3", Now(), &kSelf}; }

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

// Under the CSEBase (which may have AEs and containers, not contentInstances).
Status ValidateCreate(int t, Resource& res) {
  Resource parent = Make(ty::kCseBase);
  return Type(t).ValidateCreate(Ctx(), parent, res);
}

struct SubCase {
  std::string name;
  std::string json;
  Rsc expected;
};

void PrintTo(const SubCase& c, std::ostream* os) { *os << c.name; }

class SubscriptionCreate : public testing::TestWithParam<SubCase> {};

TEST_P(SubscriptionCreate, ChecksNotificationSettings) {
  Resource sub = Make(ty::kSubscription, GetParam().json);
  Status s = ValidateCreate(ty::kSubscription, sub);
  EXPECT_EQ(s.code(), GetParam().expected) << s.message();
}

INSTANTIATE_TEST_SUITE_P(
    Table, SubscriptionCreate,
    testing::Values(
        SubCase{"Minimal", R"({"nu":["Cae1"]})", Rsc::kOk},
        SubCase{"EmptyNu", R"({"nu":[]})", Rsc::kBadRequest},
        SubCase{"Net1to4", R"({"nu":["Cae1"],"enc":{"net":[1,2,3,4]}})", Rsc::kOk},
        SubCase{"Net5", R"({"nu":["Cae1"],"enc":{"net":[5]}})", Rsc::kNotImplemented},
        SubCase{"Net6", R"({"nu":["Cae1"],"enc":{"net":[1,6]}})", Rsc::kNotImplemented},
        SubCase{"Net7", R"({"nu":["Cae1"],"enc":{"net":[7]}})", Rsc::kOk},
        SubCase{"Net7WithAtr", R"({"nu":["Cae1"],"enc":{"net":[7],"atr":["lbl"]}})", Rsc::kOk},
        SubCase{"Net7TwoTargets", R"({"nu":["Cae1","Cae2"],"enc":{"net":[7]}})",
                Rsc::kBadRequest},
        SubCase{"Net7UrlTarget", R"({"nu":["http://h/n"],"enc":{"net":[7]}})", Rsc::kBadRequest},
        SubCase{"Net7WithExc", R"({"nu":["Cae1"],"enc":{"net":[7]},"exc":2})", Rsc::kBadRequest},
        SubCase{"Net7WithNct", R"({"nu":["Cae1"],"enc":{"net":[7]},"nct":2})", Rsc::kBadRequest},
        SubCase{"Net7WithSize", R"({"nu":["Cae1"],"enc":{"net":[7],"sza":1}})", Rsc::kBadRequest},
        SubCase{"Net7AndNet1", R"({"nu":["Cae1"],"enc":{"net":[1,7]}})", Rsc::kBadRequest},
        // Missing-data reports need enc.md and a <timeSeries> (time_series_test.cc).
        SubCase{"Net8WithoutMissingData", R"({"nu":["Cae1"],"enc":{"net":[8]}})",
                Rsc::kBadRequest},
        SubCase{"Net0", R"({"nu":["Cae1"],"enc":{"net":[0]}})", Rsc::kBadRequest},
        SubCase{"Net9", R"({"nu":["Cae1"],"enc":{"net":[9]}})", Rsc::kBadRequest},
        SubCase{"NetNotList", R"({"nu":["Cae1"],"enc":{"net":1}})", Rsc::kBadRequest},
        SubCase{"NetString", R"({"nu":["Cae1"],"enc":{"net":["1"]}})", Rsc::kBadRequest},
        SubCase{"Nct2Net1", R"({"nu":["Cae1"],"nct":2,"enc":{"net":[1]}})", Rsc::kOk},
        SubCase{"Nct2NoEnc", R"({"nu":["Cae1"],"nct":2})", Rsc::kOk},
        SubCase{"Nct2Net3", R"({"nu":["Cae1"],"nct":2,"enc":{"net":[3]}})", Rsc::kBadRequest},
        SubCase{"Nct2Net1And2", R"({"nu":["Cae1"],"nct":2,"enc":{"net":[1,2]}})",
                Rsc::kBadRequest},
        SubCase{"Nct3", R"({"nu":["Cae1"],"nct":3,"enc":{"net":[3]}})", Rsc::kOk},
        SubCase{"Nct4", R"({"nu":["Cae1"],"nct":4})", Rsc::kNotImplemented},
        SubCase{"Nct0", R"({"nu":["Cae1"],"nct":0})", Rsc::kBadRequest},
        SubCase{"Nct6", R"({"nu":["Cae1"],"nct":6})", Rsc::kBadRequest},
        SubCase{"EncChty", R"({"nu":["Cae1"],"enc":{"chty":[2,3]}})", Rsc::kOk},
        SubCase{"EncChtyNotAChildOfTheParent", R"({"nu":["Cae1"],"enc":{"chty":[4]}})",
                Rsc::kBadRequest},
        SubCase{"EncChtyBad", R"({"nu":["Cae1"],"enc":{"chty":"4"}})", Rsc::kBadRequest},
        SubCase{"EncAtr", R"({"nu":["Cae1"],"enc":{"atr":["lbl","et"]}})", Rsc::kOk},
        SubCase{"EncAtrNotNames", R"({"nu":["Cae1"],"enc":{"atr":[1]}})", Rsc::kBadRequest},
        SubCase{"EncOm", R"({"nu":["Cae1"],"enc":{"om":[{"ops":2},{"org":"Cx"}]}})", Rsc::kOk},
        SubCase{"EncOmEmptyEntry", R"({"nu":["Cae1"],"enc":{"om":[{}]}})", Rsc::kBadRequest},
        SubCase{"EncOmBadOps", R"({"nu":["Cae1"],"enc":{"om":[{"ops":64}]}})", Rsc::kBadRequest},
        SubCase{"EncOmWithNet", R"({"nu":["Cae1"],"enc":{"net":[1],"om":[{"ops":2}]}})",
                Rsc::kBadRequest},
        // A missingData condition needs a <timeSeries> parent (time_series_test.cc).
        SubCase{"EncMdNotUnderATimeSeries", R"({"nu":["Cae1"],"enc":{"md":{"num":1}}})",
                Rsc::kBadRequest},
        SubCase{"EncUnknown", R"({"nu":["Cae1"],"enc":{"bogus":1}})", Rsc::kBadRequest},
        SubCase{"EncFilterMembers", R"({"nu":["Cae1"],"enc":{"sza":1,"crb":"20240101T000000"}})",
                Rsc::kOk},
        SubCase{"BatchNotify", R"({"nu":["Cae1"],"bn":{"num":2}})", Rsc::kOk},
        SubCase{"BatchNotifyDuration", R"({"nu":["Cae1"],"bn":{"dur":"PT2S"}})", Rsc::kOk},
        SubCase{"BatchNotifyBadDuration", R"({"nu":["Cae1"],"bn":{"dur":"2 s"}})",
                Rsc::kBadRequest},
        SubCase{"BatchNotifyUnknown", R"({"nu":["Cae1"],"bn":{"x":1}})", Rsc::kBadRequest},
        SubCase{"PendingNotification", R"({"nu":["Cae1"],"pn":2})", Rsc::kOk},
        SubCase{"EventCategory", R"({"nu":["Cae1"],"nec":3})", Rsc::kOk},
        SubCase{"EventCategoryUserDefined", R"({"nu":["Cae1"],"nec":100})", Rsc::kOk},
        SubCase{"EventCategoryNotOne", R"({"nu":["Cae1"],"nec":1})", Rsc::kBadRequest},
        SubCase{"RateLimit", R"({"nu":["Cae1"],"rl":{}})", Rsc::kNotImplemented}));

TEST(Subscription, DefaultsNotificationContentTypeToAllAttributes) {
  Resource sub = Make(ty::kSubscription, R"({"nu":["Cae1"]})");
  ASSERT_TRUE(ValidateCreate(ty::kSubscription, sub).ok());
  EXPECT_EQ(json::GetInt(sub.attrs, "nct"), 1);
}

TEST(Subscription, BlockingUpdateDefaultsToModifiedAttributes) {
  Resource sub = Make(ty::kSubscription, R"({"nu":["Cae1"],"enc":{"net":[7]}})");
  ASSERT_TRUE(ValidateCreate(ty::kSubscription, sub).ok());
  EXPECT_EQ(json::GetInt(sub.attrs, "nct"), 2);
}

TEST(Subscription, BatchNotifyGetsTheDefaultDuration) {
  Resource sub = Make(ty::kSubscription, R"({"nu":["Cae1"],"bn":{"num":2}})");
  ASSERT_TRUE(ValidateCreate(ty::kSubscription, sub).ok());
  EXPECT_EQ(json::GetString(sub.attrs.at("bn").as_object(), "dur"), "PT60S");
  Resource given = Make(ty::kSubscription, R"({"nu":["Cae1"],"bn":{"dur":"PT2S"}})");
  ASSERT_TRUE(ValidateCreate(ty::kSubscription, given).ok());
  EXPECT_EQ(json::GetString(given.attrs.at("bn").as_object(), "dur"), "PT2S");
}

TEST(Subscription, CreatorIsTheOriginatorWhenSomeoneElseIsNotified) {
  Resource other = Make(ty::kSubscription, R"({"nu":["http://h/n"]})");
  ASSERT_TRUE(ValidateCreate(ty::kSubscription, other).ok());
  EXPECT_EQ(json::GetString(other.attrs, "cr"), "Cae1");  // Ctx()'s originator
  Resource self = Make(ty::kSubscription, R"({"nu":["Cae1"]})");
  ASSERT_TRUE(ValidateCreate(ty::kSubscription, self).ok());
  EXPECT_FALSE(self.attrs.contains("cr"));
}

TEST(Subscription, ChildTypesAreCheckedAgainstTheParent) {
  Resource parent = Make(ty::kContainer);
  Resource cin = Make(ty::kSubscription, R"({"nu":["Cae1"],"enc":{"net":[3],"chty":[4]}})");
  EXPECT_TRUE(Type(ty::kSubscription).ValidateCreate(Ctx(), parent, cin).ok());
  Resource ae = Make(ty::kSubscription, R"({"nu":["Cae1"],"enc":{"net":[3],"chty":[2]}})");
  EXPECT_EQ(Type(ty::kSubscription).ValidateCreate(Ctx(), parent, ae).code(), Rsc::kBadRequest);
}

TEST(Subscription, BlockingUpdateCannotBeSetByAnUpdate) {
  Resource merged = Make(ty::kSubscription, R"({"nu":["Cae1"],"nct":1,"enc":{"net":[7]}})");
  EXPECT_EQ(Type(ty::kSubscription)
                .ValidateUpdate(Ctx(), Obj(R"({"enc":{"net":[7]}})"), merged)
                .code(),
            Rsc::kBadRequest);
}

TEST(Subscription, EnablingStatisticsAgainClearsThem) {
  const ResourceType& t = Type(ty::kSubscription);
  Resource on = Make(ty::kSubscription, R"({"nu":["Cae1"],"nct":1,"nse":true,"nsi":[{"tg":"x"}]})");
  ASSERT_TRUE(t.ValidateUpdate(Ctx(), Obj(R"({"nse":true})"), on).ok());
  EXPECT_FALSE(on.attrs.contains("nsi"));
  Resource off = Make(ty::kSubscription, R"({"nu":["Cae1"],"nct":1,"nse":false,"nsi":[{"tg":"x"}]})");
  ASSERT_TRUE(t.ValidateUpdate(Ctx(), Obj(R"({"nse":false})"), off).ok());
  EXPECT_TRUE(off.attrs.contains("nsi"));  // switched off: what was recorded stays
}

TEST(Subscription, ForwardingUriIsASingleUri) {
  const auto policies = Type(ty::kSubscription).policies();
  auto nfu = std::find_if(policies.begin(), policies.end(),
                          [](const AttributePolicy& p) { return p.sn == "nfu"; });
  ASSERT_NE(nfu, policies.end());
  EXPECT_EQ(nfu->type, AttrType::kString);
  EXPECT_TRUE(ValidateContent(Obj(R"({"nu":["Cae1"],"nfu":"http://h/f"})"), policies,
                              ContentOp::kCreate, {})
                  .ok());
}

TEST(Subscription, OnlyOneBlockingUpdateSubscriptionPerResource) {
  auto store = storage::OpenMemoryStore();
  Resource parent = Make(ty::kContainer, R"({"ri":"cnt1","pi":"id-in","rn":"cnt1"})");
  parent.path = "cse-in/cnt1";
  ASSERT_TRUE(store->SubmitAndWait([&](storage::WriteTxn& txn) {
                     return txn.Insert(parent.ToRecord());
                   }).ok());
  Resource first = Make(ty::kSubscription,
                        R"({"ri":"sub1","pi":"cnt1","rn":"sub1","nu":["Cae1"],"enc":{"net":[7]}})");
  first.path = "cse-in/cnt1/sub1";
  const ResourceType& t = Type(ty::kSubscription);
  WriteEffects fx;
  Status created = store->SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
    if (auto s = t.OnCreate(txn, Ctx(), parent, nullptr, first, fx); !s.ok()) return s;
    return txn.Insert(first.ToRecord());
  });
  ASSERT_TRUE(created.ok()) << created.message();
  Resource second = first;
  second.attrs["ri"] = "sub2";
  second.attrs["rn"] = "sub2";
  second.path = "cse-in/cnt1/sub2";
  Status again = store->SubmitAndWait([&](storage::WriteTxn& txn) {
    return t.OnCreate(txn, Ctx(), parent, nullptr, second, fx);
  });
  EXPECT_EQ(again.code(), Rsc::kBlockingSubscriptionAlreadyExists);
}

TEST(Subscription, UpdateChecksTheMergedResource) {
  const ResourceType& t = Type(ty::kSubscription);
  Resource merged = Make(ty::kSubscription, R"({"nu":["Cae1"],"nct":2,"enc":{"net":[3]}})");
  EXPECT_EQ(t.ValidateUpdate(Ctx(), Obj(R"({"nct":2})"), merged).code(), Rsc::kBadRequest);
  Resource fine = Make(ty::kSubscription, R"({"nu":["Cae1"],"nct":1,"enc":{"net":[3]}})");
  EXPECT_TRUE(t.ValidateUpdate(Ctx(), Obj(R"({"nct":1})"), fine).ok());
}

TEST(Subscription, UpdateThatRemovesTheNotificationTargetsIsRejected) {
  Resource merged = Make(ty::kSubscription, R"({"nct":1})");
  Status s;
  EXPECT_NO_THROW(
      s = Type(ty::kSubscription).ValidateUpdate(Ctx(), Obj(R"({"nu":null})"), merged));
  EXPECT_EQ(s.code(), Rsc::kBadRequest);
}

}  // namespace
}  // namespace trustcse::resources
