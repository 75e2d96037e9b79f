// Black-box: device management — <node> with <mgmtObj> children in the classic specializations
// (TS-0004 Annex D), each validated by its own attribute table.
#include <algorithm>
#include <vector>

#include "fixture.h"

namespace trustcse::testing {
namespace {

class Management : public CseTest {
 protected:
  void SetUp() override {
    static int n = 0;
    node_ = "/cse-in/mgmt-node" + std::to_string(++n);
    auto r = Admin().Create("/cse-in", 14,
                            R"({"m2m:nod":{"rn":")" + node_.substr(8) + R"(","ni":"urn:dev:)" +
                                std::to_string(n) + R"("}})");
    ASSERT_EQ(r.rsc(), 2001) << r.body;
  }
  HttpResponse Make(const std::string& body) { return Admin().Create(node_, 13, body); }
  std::string node_;
};

TEST_F(Management, EverySpecializationRoundTrips) {
  const std::pair<const char*, const char*> objects[] = {
      {"m2m:fwr", R"({"m2m:fwr":{"rn":"fw","mgd":1001,"vr":"1.0","fwn":"base","url":"https://fw.example/1.0","ud":false}})"},
      {"m2m:swr", R"({"m2m:swr":{"rn":"sw","mgd":1002,"vr":"2.1","swn":"agent","url":"https://sw.example/2.1"}})"},
      {"m2m:mem", R"({"m2m:mem":{"rn":"mem","mgd":1003,"mma":1024,"mmt":4096}})"},
      {"m2m:ani", R"({"m2m:ani":{"rn":"ani","mgd":1004,"ant":"802.15.4"}})"},
      {"m2m:bat", R"({"m2m:bat":{"rn":"bat","mgd":1006,"btl":80,"bts":1}})"},
      {"m2m:dvi", R"({"m2m:dvi":{"rn":"dvi","mgd":1007,"dlb":"serial:42","man":"ACME","mod":"M1","dty":"meter","fwv":"1.0"}})"},
      {"m2m:dvc", R"({"m2m:dvc":{"rn":"dvc","mgd":1008,"can":"camera","att":true,"cas":{"acn":"enable","sus":1},"cus":true}})"},
      {"m2m:rbo", R"({"m2m:rbo":{"rn":"rbo","mgd":1009}})"},
      {"m2m:evl", R"({"m2m:evl":{"rn":"evl","mgd":1010,"lgt":2,"lgd":"","lgst":1}})"},
  };
  for (const auto& [key, body] : objects) {
    auto r = Make(body);
    ASSERT_EQ(r.rsc(), 2001) << key << ": " << r.body;
    auto j = r.json();
    const auto& o = j.at(key).as_object();
    EXPECT_EQ(o.at("ty").as_int64(), 13) << key;
    EXPECT_FALSE(o.contains("__tag")) << key;
    auto got = Admin().Retrieve(node_ + "/" + Str(o.at("rn")));
    ASSERT_EQ(got.rsc(), 2000) << got.body;
    EXPECT_TRUE(got.json().as_object().contains(key)) << got.body;
  }
  // Discovery by type finds all of them under the node.
  auto found = Admin().Retrieve(node_ + "?fu=1&ty=13");
  ASSERT_EQ(found.rsc(), 2000) << found.body;
  EXPECT_EQ(found.json().at("m2m:uril").as_array().size(), std::size(objects));
}

TEST_F(Management, StatusAttributesStartUninitialized) {
  auto fw = Make(R"({"m2m:fwr":{"rn":"fw","mgd":1001,"vr":"1","fwn":"f","url":"u","ud":false}})");
  ASSERT_EQ(fw.rsc(), 2001) << fw.body;
  auto fwj = fw.json();
  const auto& uds = fwj.at("m2m:fwr").at("uds");
  EXPECT_EQ(Str(uds.at("acn")), "");
  EXPECT_EQ(uds.at("sus").as_int64(), 0);
  auto sw = Make(R"({"m2m:swr":{"rn":"sw","mgd":1002,"vr":"1","swn":"s","url":"u"}})");
  ASSERT_EQ(sw.rsc(), 2001) << sw.body;
  auto swj = sw.json();
  const auto& o = swj.at("m2m:swr");
  EXPECT_EQ(o.at("ins").at("sus").as_int64(), 0);
  EXPECT_EQ(o.at("acts").at("sus").as_int64(), 0);
  EXPECT_FALSE(o.at("in").as_bool());
  // The device reports progress: updateStatus in process, then successful.
  auto u = Admin().Update(node_ + "/fw", R"({"m2m:fwr":{"ud":true,"uds":{"acn":"update","sus":3}}})");
  ASSERT_EQ(u.rsc(), 2004) << u.body;
  EXPECT_EQ(u.json().at("m2m:fwr").at("uds").at("sus").as_int64(), 3);
  EXPECT_EQ(Admin().Update(node_ + "/fw", R"({"m2m:fwr":{"uds":{"sus":9}}})").rsc(), 4000);
  EXPECT_EQ(Admin().Update(node_ + "/fw", R"({"m2m:fwr":{"uds":{"x":1}}})").rsc(), 4000);
}

TEST_F(Management, EachSpecializationIsValidatedByItsOwnTable) {
  // Missing mandatory attribute of the specialization.
  EXPECT_EQ(Make(R"({"m2m:fwr":{"mgd":1001,"vr":"1","fwn":"f","url":"u"}})").rsc(), 4000);
  // An attribute of another specialization.
  EXPECT_EQ(Make(R"({"m2m:mem":{"mgd":1003,"mma":1,"mmt":2,"btl":5}})").rsc(), 4000);
  // mgmtSchema belongs to self-defined objects only.
  EXPECT_EQ(Make(R"({"m2m:rbo":{"mgd":1009,"mgs":"urn:x"}})").rsc(), 4000);
  // mgd must match the representation's key; it is mandatory.
  EXPECT_EQ(Make(R"({"m2m:mem":{"mgd":1006,"mma":1,"mmt":2}})").rsc(), 4000);
  EXPECT_EQ(Make(R"({"m2m:mem":{"mma":1,"mmt":2}})").rsc(), 4000);
  // Ranges and enumerations.
  EXPECT_EQ(Make(R"({"m2m:bat":{"mgd":1006,"btl":101,"bts":1}})").rsc(), 4000);
  EXPECT_EQ(Make(R"({"m2m:bat":{"mgd":1006,"btl":50,"bts":8}})").rsc(), 4000);
  EXPECT_EQ(Make(R"({"m2m:evl":{"mgd":1010,"lgt":6,"lgd":"","lgst":1}})").rsc(), 4000);
  EXPECT_EQ(Make(R"({"m2m:mem":{"mgd":1003,"mma":-1,"mmt":2}})").rsc(), 4000);
  // Status attributes are the device's to report, not the creator's to set.
  EXPECT_EQ(Make(R"({"m2m:fwr":{"mgd":1001,"vr":"1","fwn":"f","url":"u","ud":true,"uds":{"sus":1}}})").rsc(),
            4000);
  // No state tag, no creator on management objects.
  EXPECT_EQ(Make(R"({"m2m:mem":{"mgd":1003,"mma":1,"mmt":2,"cr":null}})").rsc(), 4000);
  // An unknown specialization key.
  EXPECT_EQ(Make(R"({"m2m:xyz":{"mgd":1003}})").rsc(), 4000);
  // deviceInfo: the manufacturer and model are fixed at creation.
  ASSERT_EQ(Make(R"({"m2m:dvi":{"rn":"d","mgd":1007,"dlb":"l","man":"A","mod":"M","dty":"t"}})").rsc(),
            2001);
  EXPECT_EQ(Admin().Update(node_ + "/d", R"({"m2m:dvi":{"man":"B"}})").rsc(), 4000);
  EXPECT_EQ(Admin().Update(node_ + "/d", R"({"m2m:dvi":{"fwv":"1.1"}})").rsc(), 2004);
  // mgd cannot change, and the key of an update must be the resource's own.
  EXPECT_EQ(Admin().Update(node_ + "/d", R"({"m2m:dvi":{"mgd":1003}})").rsc(), 4000);
  EXPECT_EQ(Admin().Update(node_ + "/d", R"({"m2m:mem":{"mma":1}})").rsc(), 4000);
}

TEST_F(Management, OppositeTriggersInOneRequestAreRefused) {
  ASSERT_EQ(Make(R"({"m2m:rbo":{"rn":"r","mgd":1009}})").rsc(), 2001);
  EXPECT_EQ(Admin().Update(node_ + "/r", R"({"m2m:rbo":{"rbo":true,"far":true}})").rsc(), 4000);
  auto u = Admin().Update(node_ + "/r", R"({"m2m:rbo":{"rbo":true}})");
  ASSERT_EQ(u.rsc(), 2004) << u.body;
  EXPECT_TRUE(u.json().at("m2m:rbo").at("far").as_bool());  // "always true"

  ASSERT_EQ(Make(R"({"m2m:swr":{"rn":"s","mgd":1002,"vr":"1","swn":"s","url":"u"}})").rsc(), 2001);
  EXPECT_EQ(Admin().Update(node_ + "/s", R"({"m2m:swr":{"in":true,"un":true}})").rsc(), 4000);
  EXPECT_EQ(Admin().Update(node_ + "/s", R"({"m2m:swr":{"act":true,"dea":true}})").rsc(), 4000);
  EXPECT_EQ(Admin().Update(node_ + "/s", R"({"m2m:swr":{"in":true}})").rsc(), 2004);
  // install is an update trigger, not a create attribute.
  EXPECT_EQ(Make(R"({"m2m:swr":{"mgd":1002,"vr":"1","swn":"s","url":"u","in":true}})").rsc(), 4000);

  EXPECT_EQ(Make(R"({"m2m:dvc":{"mgd":1008,"can":"c","att":true,"cas":{"sus":0},"cus":false,"ena":true,"dis":true}})").rsc(),
            4000);
  ASSERT_EQ(Make(R"({"m2m:evl":{"rn":"e","mgd":1010,"lgt":1,"lgd":"","lgst":2}})").rsc(), 2001);
  EXPECT_EQ(Admin().Update(node_ + "/e", R"({"m2m:evl":{"lga":true,"lgo":true}})").rsc(), 4000);
  auto e = Admin().Update(node_ + "/e", R"({"m2m:evl":{"lga":true,"lgst":1}})");
  ASSERT_EQ(e.rsc(), 2004) << e.body;
  EXPECT_EQ(e.json().at("m2m:evl").at("lgst").as_int64(), 1);
}

TEST_F(Management, AreaNetworkListsItsDevices) {
  auto ani = Make(R"({"m2m:ani":{"rn":"ani","mgd":1004,"ant":"zigbee"}})");
  ASSERT_EQ(ani.rsc(), 2001) << ani.body;
  std::string ani_ri = Str(ani.json().at("m2m:ani").at("ri"));
  auto dev = Make(R"({"m2m:andi":{"rn":"d1","mgd":1005,"dvd":"d1","dvt":"sensor","awi":")" + ani_ri +
                  R"(","sli":60}})");
  ASSERT_EQ(dev.rsc(), 2001) << dev.body;
  std::string dev_ri = Str(dev.json().at("m2m:andi").at("ri"));
  // by structured address too
  auto dev2 = Make(R"({"m2m:andi":{"rn":"d2","mgd":1005,"dvd":"d2","dvt":"sensor","awi":")" +
                   node_.substr(1) + R"(/ani"}})");
  ASSERT_EQ(dev2.rsc(), 2001) << dev2.body;
  auto ldv = Admin().Retrieve(node_ + "/ani").json().at("m2m:ani").at("ldv").as_array();
  ASSERT_EQ(ldv.size(), 2u);
  EXPECT_EQ(Str(ldv[0]), dev_ri);
  ASSERT_EQ(Admin().Delete(node_ + "/d1").rsc(), 2002);
  ldv = Admin().Retrieve(node_ + "/ani").json().at("m2m:ani").at("ldv").as_array();
  ASSERT_EQ(ldv.size(), 1u);
  EXPECT_EQ(Str(ldv[0]), Str(dev2.json().at("m2m:andi").at("ri")));
}

TEST_F(Management, OnlyUnderANode) {
  auto admin = Admin();
  EXPECT_EQ(admin.Create("/cse-in", 13, R"({"m2m:mem":{"mgd":1003,"mma":1,"mmt":2}})").rsc(), 4108);
  std::string aei = RegisterAe("mgmt-ae");
  EXPECT_EQ(Client(port(), aei).Create("/cse-in/mgmt-ae", 13, R"({"m2m:mem":{"mgd":1003,"mma":1,"mmt":2}})")
                .rsc(),
            4108);
  // A management object can be subscribed to.
  ASSERT_EQ(Make(R"({"m2m:bat":{"rn":"b","mgd":1006,"btl":10,"bts":5}})").rsc(), 2001);
  EXPECT_EQ(admin.Create(node_ + "/b", 23, R"({"m2m:sub":{"rn":"s","nu":["CAdmin"]}})").rsc(), 2001);
}

TEST_F(Management, SupportedTypesListedAndOthersRefused) {
  auto cb = Admin().Retrieve("/cse-in").json().at("m2m:cb");
  std::vector<int64_t> srt;
  for (const auto& t : cb.at("srt").as_array()) srt.push_back(t.as_int64());
  // Exactly the types docs/conformance.md marks supported.
  EXPECT_EQ(srt, (std::vector<int64_t>{1, 2, 3, 4, 5, 9, 10, 13, 14, 15, 17, 18, 23, 28, 29, 30,
                                       31, 34, 58}));
  // A resource type of the standard that trustcse does not implement: 5001.
  auto r = Admin().Create("/cse-in", 12, R"({"m2m:mgc":{"cmt":1}})");
  EXPECT_EQ(r.rsc(), 5001) << r.body;
  for (int t = 1; t <= 66; ++t) {
    if (std::find(srt.begin(), srt.end(), t) != srt.end()) continue;
    EXPECT_EQ(Admin().Create("/cse-in", t, R"({"m2m:x":{}})").rsc(), 5001) << "ty " << t;
  }
  // Not a resource type at all: 4000.
  EXPECT_EQ(Admin().Create("/cse-in", 999, R"({"m2m:x":{}})").rsc(), 4000);
}

}  // namespace
}  // namespace trustcse::testing
