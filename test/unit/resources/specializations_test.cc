// Tests of the specialization registries and of the lists the CSE keeps about other resources:
// flexContainer schemas (TS-0004 §7.4.37.2.1: 4125 / 4000), the CMDH mgmtObj tables of Annex
// D.12, the TS-0022 device configuration tables (resources/mgmt_obj_device_config.h) and the 5001
// of standard specializations this CSE does not implement, the <node> attribute table, and
// hostedAELinks / listOfDevices upkeep (resources/link_lists.h).
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
// attribute table, the type's own rules. `out` receives the resource as it would be stored.
Status CheckCreate(int t, std::string_view key, std::string_view json, Resource* out = nullptr) {
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
  Status s = type.ValidateCreate(HookContext{"Cae1", "3", Now(), &kSelf}, parent, res);
  if (out) *out = std::move(res);
  return s;
}

Status CheckUpdate(int t, std::string_view key, std::string_view json) {
  const ResourceType& type = *FindType(t);
  return ValidateContent(Obj(json), type.PoliciesFor(key), ContentOp::kUpdate,
                         type.validate_options());
}

// An UPDATE of the stored attributes `stored` with `json`, as the dispatcher runs it: the table,
// then the changes applied (null removes), then the type's rules on the result.
Status CheckUpdateOf(int t, std::string_view key, std::string_view stored, std::string_view json) {
  if (Status s = CheckUpdate(t, key, json); !s.ok()) return s;
  Resource merged;
  merged.attrs = Obj(stored);
  merged.attrs["ty"] = t;
  merged.attrs["__tag"] = key;
  bj::object changes = Obj(json);
  for (const auto& [k, v] : changes) {
    if (v.is_null()) {
      merged.attrs.erase(k);
    } else {
      merged.attrs[k] = v;
    }
  }
  return FindType(t)->ValidateUpdate(HookContext{"Cae1", "3", Now(), &kSelf}, changes, merged);
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
  for (int mgd : {0, 1020, 1022, 1024, 1025, 1026, 1027, 1032}) {
    bj::object content{{"mgd", mgd}};
    EXPECT_EQ(mgo.CheckSpecialization("m2m:unknownKey", content).code(), Rsc::kNotImplemented)
        << mgd;
  }
  // An implemented mgmtDefinition under a key that is no specialization is a malformed request.
  for (int mgd : {1021, 1023, 1028, 1029, 1030, 1031}) {
    bj::object content{{"mgd", mgd}};
    EXPECT_EQ(mgo.CheckSpecialization("m2m:unknownKey", content).code(), Rsc::kBadRequest)
        << mgd;
  }
  EXPECT_EQ(mgo.CheckSpecialization("m2m:datc", Obj(R"({"mgd":1021})")).code(),
            Rsc::kBadRequest);  // the TS-0022 objects are in the dcfg namespace
  EXPECT_EQ(mgo.CheckSpecialization("m2m:unknownKey", Obj(R"({"mgd":4711})")).code(),
            Rsc::kBadRequest);
  EXPECT_EQ(mgo.CheckSpecialization("m2m:unknownKey", Obj("{}")).code(), Rsc::kBadRequest);
  EXPECT_TRUE(mgo.CheckSpecialization("m2m:bat", Obj("{}")).ok());
  EXPECT_EQ(FindTypeByTag("m2m:cmbf"), &mgo);
  EXPECT_EQ(FindTypeByTag("dcfg:wific"), &mgo);
  EXPECT_EQ(FindTypeByTag("m2m:nycfc"), &mgo);
}

// ---- TS-0022 device configuration objects ------------------------------------------------------

constexpr int kMgo = ty::kMgmtObj;

TEST(DeviceConfigDataCollection, CreatesWithContainerPathAndChecksSchedules) {
  EXPECT_TRUE(CheckCreate(kMgo, "dcfg:datc", R"({"mgd":1021,"cntp":"cse-in/ae/cnt"})").ok());
  EXPECT_TRUE(CheckCreate(kMgo, "dcfg:datc", R"({"mgd":1021,"cntp":"c","rpil":60000,
                              "mesc":[{"sce":["0 */5 * * * * *"]}]})")
                  .ok());
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:datc", R"({"mgd":1021,"rpil":60000})").code(),
            Rsc::kBadRequest);  // containerPath is mandatory
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:datc", R"({"mgd":1021,"cntp":"c","rpil":"60s"})").code(),
            Rsc::kBadRequest);  // reportingInterval is a positive integer
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:datc", R"({"mgd":1021,"cntp":"c","meil":0})").code(),
            Rsc::kBadRequest);
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:datc", R"({"mgd":1021,"cntp":"c","rpsc":10000})").code(),
            Rsc::kBadRequest);  // a list of scheduleEntries
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:datc", R"({"mgd":1021,"cntp":"c","rpsc":[10]})").code(),
            Rsc::kBadRequest);
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:datc",
                        R"({"mgd":1021,"cntp":"c","rpsc":[{"sce":["10 * * * *"]}]})")
                .code(),
            Rsc::kBadRequest);  // five fields, not seven
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:datc", R"({"mgd":1021,"cntp":"c","mesc":[]})").code(),
            Rsc::kBadRequest);
}

TEST(DeviceConfigDataCollection, NeverHoldsAScheduleAndAnIntervalOfOneKind) {
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:datc", R"({"mgd":1021,"cntp":"c","rpil":5,
                            "rpsc":[{"sce":["0 0 * * * * *"]}]})")
                .code(),
            Rsc::kBadRequest);
  constexpr std::string_view kStored =
      R"({"mgd":1021,"cntp":"c","rpsc":[{"sce":["0 0 * * * * *"]}],"meil":1000})";
  EXPECT_EQ(CheckUpdateOf(kMgo, "dcfg:datc", kStored, R"({"rpil":10000})").code(),
            Rsc::kBadRequest);  // rpsc is already there
  EXPECT_EQ(CheckUpdateOf(kMgo, "dcfg:datc", kStored, R"({"mesc":[{"sce":["0 0 * * * * *"]}]})")
                .code(),
            Rsc::kBadRequest);  // meil is already there
  EXPECT_TRUE(CheckUpdateOf(kMgo, "dcfg:datc", kStored, R"({"rpsc":null,"rpil":10000})").ok());
  EXPECT_TRUE(CheckUpdateOf(kMgo, "dcfg:datc", kStored, R"({"cntp":"other"})").ok());
  EXPECT_EQ(CheckUpdateOf(kMgo, "dcfg:datc", kStored, R"({"cntp":null})").code(),
            Rsc::kBadRequest);  // mandatory: cannot be removed
  EXPECT_EQ(CheckUpdateOf(kMgo, "dcfg:datc", kStored, R"({"mgd":1021})").code(),
            Rsc::kBadRequest);  // mgmtDefinition is NP on UPDATE
}

TEST(DeviceConfigMyCertFileCred, KeepsTheCertificateFixedAndChecksSuids) {
  constexpr std::string_view kValid =
      R"({"mgd":1023,"suids":[42],"mcff":"application/pkcs7-mime","mcfc":"MIIB"})";
  EXPECT_TRUE(CheckCreate(kMgo, "dcfg:nycfc", kValid).ok());
  EXPECT_TRUE(CheckCreate(kMgo, "m2m:nycfc", kValid).ok());  // the alias
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:nycfc", R"({"mgd":1023,"suids":[42],"mcff":"x"})").code(),
            Rsc::kBadRequest);  // myCertFileContent is mandatory
  EXPECT_EQ(
      CheckCreate(kMgo, "dcfg:nycfc", R"({"mgd":1023,"suids":"42","mcff":"x","mcfc":"y"})").code(),
      Rsc::kBadRequest);  // a list
  EXPECT_EQ(
      CheckCreate(kMgo, "dcfg:nycfc", R"({"mgd":1023,"suids":[99],"mcff":"x","mcfc":"y"})").code(),
      Rsc::kBadRequest);  // 99 is no m2m:suid
  EXPECT_EQ(
      CheckCreate(kMgo, "dcfg:nycfc", R"({"mgd":1023,"suids":[],"mcff":"x","mcfc":"y"})").code(),
      Rsc::kBadRequest);
  EXPECT_EQ(CheckUpdate(kMgo, "dcfg:nycfc", R"({"mcfc":"new"})").code(), Rsc::kBadRequest);
  EXPECT_EQ(CheckUpdate(kMgo, "dcfg:nycfc", R"({"mcff":"new"})").code(), Rsc::kBadRequest);
  EXPECT_TRUE(CheckUpdateOf(kMgo, "dcfg:nycfc", kValid, R"({"suids":[10,45]})").ok());
  EXPECT_EQ(CheckUpdateOf(kMgo, "dcfg:nycfc", kValid, R"({"suids":[16]})").code(),
            Rsc::kBadRequest);
}

TEST(DeviceConfigWifiClient, CreatesWithSsidAndStartsTheTriggersFalse) {
  Resource res;
  ASSERT_TRUE(CheckCreate(kMgo, "dcfg:wific", R"({"mgd":1028,"ssid":"home",
                              "wcrds":{"enct":8,"unm":"user","pwd":"pwd"}})",
                          &res)
                  .ok());
  for (std::string_view sn : {"scan", "ud", "trdst", "rdst"}) {
    EXPECT_EQ(res.attrs.at(sn), bj::value(false)) << sn;
  }
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:wific", R"({"mgd":1028,"cons":1})").code(),
            Rsc::kBadRequest);  // ssid is mandatory
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:wific", R"({"mgd":1028,"ssid":"h","scan":"yes"})").code(),
            Rsc::kBadRequest);
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:wific", R"({"mgd":1028,"ssid":"h","cons":7})").code(),
            Rsc::kBadRequest);  // dcfg:wifiConnectionStatus is 0..6
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:wific",
                        R"({"mgd":1028,"ssid":"0123456789abcdef0123456789abcdef0"})")
                .code(),
            Rsc::kBadRequest);  // 33 octets
  EXPECT_EQ(CheckUpdate(kMgo, "dcfg:wific", R"({"mgd":1028})").code(), Rsc::kBadRequest);
  EXPECT_TRUE(CheckUpdateOf(kMgo, "dcfg:wific", R"({"mgd":1028,"ssid":"h"})",
                            R"({"scan":true,"scanr":["a","b"],"cons":4})")
                  .ok());
}

TEST(DeviceConfigWifiClient, MatchesEachSecretToItsEncryptionType) {
  auto create = [](std::string_view wcrds) {
    return CheckCreate(kMgo, "dcfg:wific",
                       R"({"mgd":1028,"ssid":"h","wcrds":)" + std::string(wcrds) + "}")
        .code();
  };
  EXPECT_EQ(create(R"({"enct":1})"), Rsc::kOk);
  EXPECT_EQ(create(R"({"enct":2,"wepk":"k"})"), Rsc::kOk);
  EXPECT_EQ(create(R"({"enct":4,"wpap":"psk"})"), Rsc::kOk);
  EXPECT_EQ(create(R"({"enct":7,"unm":"u"})"), Rsc::kOk);
  EXPECT_EQ(create(R"({"enct":2,"unm":"u","pwd":"p"})"), Rsc::kBadRequest);
  EXPECT_EQ(create(R"({"enct":4,"wepk":"k"})"), Rsc::kBadRequest);
  EXPECT_EQ(create(R"({"enct":8,"wpap":"psk"})"), Rsc::kBadRequest);
  EXPECT_EQ(create(R"({"enct":8})"), Rsc::kBadRequest);  // Enterprise needs a user or password
  EXPECT_EQ(create(R"({"enct":9})"), Rsc::kBadRequest);
  EXPECT_EQ(create(R"({"unm":"u"})"), Rsc::kBadRequest);  // encryptionType is mandatory
  EXPECT_EQ(create(R"({"enct":1,"other":"x"})"), Rsc::kBadRequest);
  EXPECT_EQ(create(R"("wpa2")"), Rsc::kBadRequest);
}

TEST(DeviceConfigCredentials, HasOnlyOptionalStrings) {
  EXPECT_TRUE(CheckCreate(kMgo, "dcfg:crds", R"({"mgd":1029})").ok());
  EXPECT_TRUE(CheckCreate(kMgo, "dcfg:crds",
                          R"({"mgd":1029,"pur":"mqtt","crid":"id","crse":"secret","crtk":"t"})")
                  .ok());
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:crds", R"({"mgd":1029,"crid":5})").code(), Rsc::kBadRequest);
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:crds", R"({"mgd":1030})").code(),
            Rsc::kBadRequest);  // the mgd of [SIM]
  EXPECT_EQ(CheckUpdate(kMgo, "dcfg:crds", R"({"mgd":1029})").code(), Rsc::kBadRequest);
  EXPECT_TRUE(CheckUpdate(kMgo, "dcfg:crds", R"({"crse":null})").ok());
}

TEST(DeviceConfigSim, NeedsAnIccidAndChecksNumberForms) {
  EXPECT_TRUE(CheckCreate(kMgo, "dcfg:sim", R"({"mgd":1030,"icid":"8949010000000000001"})").ok());
  EXPECT_TRUE(CheckCreate(kMgo, "dcfg:sim", R"({"mgd":1030,"icid":"894901000000000000F",
                              "imsi":"262011234567890","sist":1,"sity":3,"spn":"op"})")
                  .ok());
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:sim", R"({"mgd":1030,"imsi":"262011234567890"})").code(),
            Rsc::kBadRequest);  // iccid is mandatory
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:sim", R"({"mgd":1030,"icid":8949})").code(),
            Rsc::kBadRequest);
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:sim", R"({"mgd":1030,"icid":"89-49"})").code(),
            Rsc::kBadRequest);
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:sim", R"({"mgd":1030,"icid":"1","imsi":"26201abc"})").code(),
            Rsc::kBadRequest);
  EXPECT_EQ(
      CheckCreate(kMgo, "dcfg:sim", R"({"mgd":1030,"icid":"1","imsi":"2620112345678901"})").code(),
      Rsc::kBadRequest);  // 16 digits
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:sim", R"({"mgd":1030,"icid":"1","sist":2})").code(),
            Rsc::kBadRequest);
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:sim", R"({"mgd":1030,"icid":"1","sity":4})").code(),
            Rsc::kBadRequest);
  EXPECT_EQ(CheckUpdate(kMgo, "dcfg:sim", R"({"icid":null})").code(), Rsc::kBadRequest);
  EXPECT_EQ(CheckUpdateOf(kMgo, "dcfg:sim", R"({"mgd":1030,"icid":"1"})", R"({"imsi":"1"})")
                .code(),
            Rsc::kBadRequest);
}

TEST(DeviceConfigMobileNetwork, NeedsABearerAndChecksAddressesAndCodes) {
  EXPECT_TRUE(CheckCreate(kMgo, "dcfg:mnwk", R"({"mgd":1031,"cnb":7})").ok());
  EXPECT_TRUE(CheckCreate(kMgo, "dcfg:mnwk", R"({"mgd":1031,"cnb":6,"rss":-85,"liqu":20,
                              "ipad":[{"ip4":"10.0.0.2"},{"ip6":"2001:db8::2"}],
                              "ripa":[{"ip4":"10.0.0.1","ip6":"fe80::1"}],"apna":"iot.example",
                              "ceid":268435455,"smcc":262,"smnc":1,"lac":65535,"coel":2})")
                  .ok());
  EXPECT_TRUE(CheckCreate(kMgo, "dcfg:mnwk", R"({"mgd":1031,"cnb":0,"apna":["a","b"]})").ok());
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:mnwk", R"({"mgd":1031,"rss":-85})").code(),
            Rsc::kBadRequest);  // cellularNetworkBearer is mandatory
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:mnwk", R"({"mgd":1031,"cnb":8})").code(), Rsc::kBadRequest);
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:mnwk", R"({"mgd":1031,"cnb":1,"rss":"strong"})").code(),
            Rsc::kBadRequest);
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:mnwk", R"({"mgd":1031,"cnb":1,"coel":5})").code(),
            Rsc::kBadRequest);
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:mnwk", R"({"mgd":1031,"cnb":1,"smcc":1000})").code(),
            Rsc::kBadRequest);
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:mnwk", R"({"mgd":1031,"cnb":1,"lac":65536})").code(),
            Rsc::kBadRequest);
  for (std::string_view bad : {R"([{"ip4":"300.1.1.1"}])", R"([{"ip6":"10.0.0.1"}])",
                               R"([{}])", R"([{"ip":"10.0.0.1"}])", R"([])", R"(["10.0.0.1"])"}) {
    EXPECT_EQ(CheckCreate(kMgo, "dcfg:mnwk",
                          R"({"mgd":1031,"cnb":1,"ipad":)" + std::string(bad) + "}")
                  .code(),
              Rsc::kBadRequest)
        << bad;
  }
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:mnwk", R"({"mgd":1031,"cnb":1,"apna":[]})").code(),
            Rsc::kBadRequest);
  EXPECT_EQ(CheckCreate(kMgo, "dcfg:mnwk", R"({"mgd":1031,"cnb":1,"apna":5})").code(),
            Rsc::kBadRequest);
  EXPECT_EQ(CheckUpdate(kMgo, "dcfg:mnwk", R"({"cnb":null})").code(), Rsc::kBadRequest);
  EXPECT_EQ(CheckUpdateOf(kMgo, "dcfg:mnwk", R"({"mgd":1031,"cnb":1})",
                          R"({"ripa":[{"ip4":"1.2.3"}]})")
                .code(),
            Rsc::kBadRequest);
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
