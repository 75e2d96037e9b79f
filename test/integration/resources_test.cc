// Black-box: container/contentInstance semantics, update/delete, rcn, expiration, other types.
#include <thread>

#include "fixture.h"

namespace trustcse::testing {
namespace {

class Resources : public CseTest {
 protected:
  void SetUp() override {
    static int n = 0;
    name_ = "res" + std::to_string(++n);
    aei_ = RegisterAe(name_);
    base_ = "/cse-in/" + name_;
  }
  Client Ae() const { return Client(port(), aei_); }
  std::string name_, aei_, base_;
};

TEST_F(Resources, ContainerCountsAndEvictsOldest) {
  auto ae = Ae();
  ASSERT_EQ(ae.Create(base_, 3, R"({"m2m:cnt":{"rn":"c","mni":2,"mbs":10}})").rsc(), 2001);
  for (const char* v : {"aa", "bbb", "cccc"}) {
    auto r = ae.Create(base_ + "/c", 4, std::string(R"({"m2m:cin":{"con":")") + v + R"("}})");
    ASSERT_EQ(r.rsc(), 2001) << r.body;
    EXPECT_EQ(r.json().at("m2m:cin").at("cs").as_int64(), static_cast<int64_t>(strlen(v)));
  }
  auto cnt = ae.Retrieve(base_ + "/c").json().at("m2m:cnt");
  EXPECT_EQ(cnt.at("cni").as_int64(), 2);
  EXPECT_EQ(cnt.at("cbs").as_int64(), 7);
  EXPECT_EQ(cnt.at("st").as_int64(), 3);
  EXPECT_EQ(Str(ae.Retrieve(base_ + "/c/ol").json().at("m2m:cin").at("con")), "bbb");
  auto la = ae.Retrieve(base_ + "/c/la").json().at("m2m:cin");
  EXPECT_EQ(Str(la.at("con")), "cccc");
  EXPECT_EQ(la.at("st").as_int64(), 3);
  // Byte quota: another 4 bytes would exceed mbs=10, so the oldest goes.
  ASSERT_EQ(ae.Create(base_ + "/c", 4, R"({"m2m:cin":{"con":"dddd"}})").rsc(), 2001);
  cnt = ae.Retrieve(base_ + "/c").json().at("m2m:cnt");
  EXPECT_EQ(cnt.at("cni").as_int64(), 2);
  EXPECT_EQ(cnt.at("cbs").as_int64(), 8);
  // A single instance larger than mbs is refused.
  auto big = ae.Create(base_ + "/c", 4, R"({"m2m:cin":{"con":"0123456789ABC"}})");
  EXPECT_EQ(big.rsc(), 5207);
  EXPECT_EQ(big.status, 406);
  // Deleting latest updates the counters.
  EXPECT_EQ(ae.Delete(base_ + "/c/la").rsc(), 2002);
  cnt = ae.Retrieve(base_ + "/c").json().at("m2m:cnt");
  EXPECT_EQ(cnt.at("cni").as_int64(), 1);
  EXPECT_EQ(cnt.at("cbs").as_int64(), 4);
  // Lowering mni on update evicts immediately.
  ASSERT_EQ(ae.Update(base_ + "/c", R"({"m2m:cnt":{"mni":0}})").rsc(), 2004);
  EXPECT_EQ(ae.Retrieve(base_ + "/c/la").rsc(), 4004);
}

TEST_F(Resources, LatestFollowsEveryChangeOfTheContainer) {
  auto ae = Ae();
  ASSERT_EQ(ae.Create(base_, 3, R"({"m2m:cnt":{"rn":"c"}})").rsc(), 2001);
  EXPECT_EQ(ae.Retrieve(base_ + "/c/la").rsc(), 4004);
  for (int i = 0; i < 5; ++i) {
    std::string v = "v" + std::to_string(i);
    ASSERT_EQ(ae.Create(base_ + "/c", 4, R"({"m2m:cin":{"rn":")" + v + R"(","con":")" + v + R"("}})").rsc(),
              2001);
    // Read twice: the second read may be served from the cache and must agree.
    for (int r = 0; r < 2; ++r) {
      EXPECT_EQ(Str(ae.Retrieve(base_ + "/c/la").json().at("m2m:cin").at("con")), v);
    }
  }
  ASSERT_EQ(ae.Delete(base_ + "/c/v4").rsc(), 2002);
  EXPECT_EQ(Str(ae.Retrieve(base_ + "/c/la").json().at("m2m:cin").at("con")), "v3");
  ASSERT_EQ(ae.Update(base_ + "/c", R"({"m2m:cnt":{"mni":0}})").rsc(), 2004);
  EXPECT_EQ(ae.Retrieve(base_ + "/c/la").rsc(), 4004);
  ASSERT_EQ(ae.Delete(base_ + "/c").rsc(), 2002);
  EXPECT_EQ(ae.Retrieve(base_ + "/c/la").rsc(), 4004);
}

TEST_F(Resources, MaxInstanceAgeRemovesAgedInstancesWithoutNewWrites) {
  auto ae = Ae();
  ASSERT_EQ(ae.Create(base_, 3, R"({"m2m:cnt":{"rn":"c","mia":1}})").rsc(), 2001);
  auto cin = ae.Create(base_ + "/c", 4, R"({"m2m:cin":{"rn":"old","con":"x"}})");
  ASSERT_EQ(cin.rsc(), 2001);
  // Its expiration is capped at creation + mia.
  EXPECT_LE(Str(cin.json().at("m2m:cin").at("et")), FormatSoon(2));
  bool gone = false;
  for (int i = 0; i < 60 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    gone = ae.Retrieve(base_ + "/c/old").rsc() == 4004;
  }
  EXPECT_TRUE(gone);
  EXPECT_EQ(ae.Retrieve(base_ + "/c").json().at("m2m:cnt").at("cni").as_int64(), 0);
}

TEST_F(Resources, ContentInstanceCannotBeUpdated) {
  auto ae = Ae();
  ASSERT_EQ(ae.Create(base_, 3, R"({"m2m:cnt":{"rn":"c"}})").rsc(), 2001);
  ASSERT_EQ(ae.Create(base_ + "/c", 4, R"({"m2m:cin":{"rn":"i","con":"x"}})").rsc(), 2001);
  auto r = ae.Update(base_ + "/c/i", R"({"m2m:cin":{"con":"y"}})");
  EXPECT_EQ(r.rsc(), 4005);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(ae.Create(base_ + "/c", 4, R"({"m2m:cin":{"cnf":"text/plain:0"}})").rsc(), 4000);
}

TEST_F(Resources, UpdateChangesAttributesAndStateTag) {
  auto ae = Ae();
  ASSERT_EQ(ae.Create(base_, 3, R"({"m2m:cnt":{"rn":"c","lbl":["a"]}})").rsc(), 2001);
  auto before = ae.Retrieve(base_ + "/c").json().at("m2m:cnt");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto r = ae.Update(base_ + "/c", R"({"m2m:cnt":{"lbl":["b","c"],"mni":5}})");
  ASSERT_EQ(r.rsc(), 2004) << r.body;
  auto after = r.json().at("m2m:cnt");
  EXPECT_EQ(boost::json::serialize(after.at("lbl")), R"(["b","c"])");
  EXPECT_EQ(after.at("st").as_int64(), before.at("st").as_int64() + 1);
  EXPECT_GT(Str(after.at("lt")), Str(before.at("lt")));
  EXPECT_EQ(Str(after.at("ct")), Str(before.at("ct")));
  // null removes an optional attribute.
  r = ae.Update(base_ + "/c", R"({"m2m:cnt":{"mni":null}})");
  EXPECT_FALSE(r.json().at("m2m:cnt").as_object().contains("mni"));
  // Read-only and unknown attributes are refused, and so is a wrong representation key.
  EXPECT_EQ(ae.Update(base_ + "/c", R"({"m2m:cnt":{"ri":"x"}})").rsc(), 4000);
  EXPECT_EQ(ae.Update(base_ + "/c", R"({"m2m:cnt":{"cni":3}})").rsc(), 4000);
  EXPECT_EQ(ae.Update(base_ + "/c", R"({"m2m:cnt":{"nope":3}})").rsc(), 4000);
  EXPECT_EQ(ae.Update(base_ + "/c", R"({"m2m:ae":{"lbl":[]}})").rsc(), 4000);
  EXPECT_EQ(ae.Update(base_ + "/c", R"({"m2m:cnt":{"et":"20000101T000000"}})").rsc(), 4000);
}

TEST_F(Resources, ResultContentVariants) {
  auto ae = Ae();
  auto created = ae.Create(base_ + "?rcn=0", 3, R"({"m2m:cnt":{"rn":"c"}})");
  ASSERT_EQ(created.rsc(), 2001);
  EXPECT_TRUE(created.body.empty());
  auto uri = ae.Create(base_ + "/c?rcn=2", 4, R"({"m2m:cin":{"rn":"i1","con":"1"}})");
  EXPECT_EQ(Str(uri.json().at("m2m:uri")), "cse-in/" + name_ + "/c/i1");
  auto rce = ae.Create(base_ + "/c?rcn=3", 4, R"({"m2m:cin":{"rn":"i2","con":"2"}})");
  EXPECT_EQ(Str(rce.json().at("m2m:rce").at("uri")), "cse-in/" + name_ + "/c/i2");
  EXPECT_EQ(Str(rce.json().at("m2m:rce").at("m2m:cin").at("con")), "2");

  auto with_children = ae.Retrieve(base_ + "/c?rcn=4").json().at("m2m:cnt");
  EXPECT_EQ(with_children.at("m2m:cin").as_array().size(), 2u);
  auto refs = ae.Retrieve(base_ + "/c?rcn=6").json().at("m2m:rrl").at("rrf").as_array();
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].at("typ").as_int64(), 4);
  auto with_refs = ae.Retrieve(base_ + "/c?rcn=5").json().at("m2m:cnt");
  EXPECT_EQ(with_refs.at("ch").as_array().size(), 2u);
  auto only_children = ae.Retrieve(base_ + "/c?rcn=8").json().at("m2m:cnt");
  EXPECT_FALSE(only_children.as_object().contains("ri"));
  EXPECT_EQ(only_children.at("m2m:cin").as_array().size(), 2u);
  // Partial retrieve.
  auto partial = ae.Retrieve(base_ + "/c?atrl=rn+cni").json().at("m2m:cnt").as_object();
  EXPECT_EQ(partial.size(), 2u);
  EXPECT_EQ(partial.at("cni").as_int64(), 2);
  // Invalid for the operation.
  EXPECT_EQ(ae.Retrieve(base_ + "/c?rcn=2").rsc(), 4000);
  EXPECT_EQ(ae.Create(base_ + "/c?rcn=6", 4, R"({"m2m:cin":{"con":"3"}})").rsc(), 4000);
  auto del = HttpRequest(port(), "DELETE", base_ + "/c/i1?rcn=1",
                         {{"X-M2M-Origin", aei_}, {"X-M2M-RI", "d"}, {"X-M2M-RVI", "3"}});
  EXPECT_EQ(del.rsc(), 2002);
  EXPECT_EQ(Str(del.json().at("m2m:cin").at("rn")), "i1");
}

TEST_F(Resources, ExpiredResourcesAreRemoved) {
  auto ae = Ae();
  ASSERT_EQ(ae.Create(base_, 3, R"({"m2m:cnt":{"rn":"c"}})").rsc(), 2001);
  auto soon = FormatSoon(2);
  auto r = ae.Create(base_ + "/c", 4, R"({"m2m:cin":{"rn":"short","con":"x","et":")" + soon + R"("}})");
  ASSERT_EQ(r.rsc(), 2001) << r.body;
  EXPECT_EQ(ae.Retrieve(base_ + "/c/short").rsc(), 2000);
  bool gone = false;
  for (int i = 0; i < 60 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    gone = ae.Retrieve(base_ + "/c/short").rsc() == 4004;
  }
  EXPECT_TRUE(gone);
  EXPECT_EQ(ae.Retrieve(base_ + "/c").json().at("m2m:cnt").at("cni").as_int64(), 0);
  // A child's expiration never exceeds its parent's.
  auto p = ae.Create(base_, 3, R"({"m2m:cnt":{"rn":"p","et":")" + FormatSoon(3600) + R"("}})");
  ASSERT_EQ(p.rsc(), 2001);
  auto child = ae.Create(base_ + "/p", 3, R"({"m2m:cnt":{"rn":"k","et":"21001231T000000"}})");
  EXPECT_EQ(Str(child.json().at("m2m:cnt").at("et")), Str(p.json().at("m2m:cnt").at("et")));
  EXPECT_EQ(ae.Create(base_, 3, R"({"m2m:cnt":{"et":"20000101T000000"}})").rsc(), 4000);
}

TEST_F(Resources, CreatorAndChildTypeRules) {
  auto ae = Ae();
  auto r = ae.Create(base_, 3, R"({"m2m:cnt":{"rn":"c","cr":null}})");
  ASSERT_EQ(r.rsc(), 2001);
  EXPECT_EQ(Str(r.json().at("m2m:cnt").at("cr")), aei_);
  EXPECT_EQ(ae.Create(base_, 3, R"({"m2m:cnt":{"cr":"Cother"}})").rsc(), 4000);
  // AE under a container, cin under an AE: invalid child types.
  EXPECT_EQ(ae.Create(base_ + "/c", 2, R"({"m2m:ae":{"api":"Nx","rr":true,"srv":["3"]}})").rsc(), 4108);
  EXPECT_EQ(ae.Create(base_, 4, R"({"m2m:cin":{"con":"x"}})").rsc(), 4108);
  // Unknown or unsupported types; content that does not match ty.
  EXPECT_EQ(ae.Create(base_, 12, R"({"m2m:mgc":{}})").rsc(), 5001);
  EXPECT_EQ(ae.Create(base_, 999, R"({"m2m:x":{}})").rsc(), 4000);
  EXPECT_EQ(ae.Create(base_, 3, R"({"m2m:cin":{"con":"x"}})").rsc(), 4000);
  EXPECT_EQ(ae.Create(base_, 3, R"({"m2m:cnt":{"rn":"bad name"}})").rsc(), 4000);
  EXPECT_EQ(ae.Create(base_, 3, R"({"m2m:cnt":{"rn":"la"}})").rsc(), 4000);
  EXPECT_EQ(Admin().Update("/cse-in", R"({"m2m:cb":{"lbl":["x"]}})").rsc(), 4005);
  EXPECT_EQ(Admin().Delete("/cse-in").rsc(), 4005);
}

TEST_F(Resources, FlexContainerKeepsCustomAttributesOfItsSpecialization) {
  auto ae = Ae();
  auto r = ae.Create(base_, 28,
                     R"({"cod:tempe":{"rn":"therm","cnd":"org.onem2m.common.moduleclass.temperature",)"
                     R"("curT0":21.5,"unit":1}})");
  ASSERT_EQ(r.rsc(), 2001) << r.body;
  auto got = ae.Retrieve(base_ + "/therm").json();
  ASSERT_TRUE(got.as_object().contains("cod:tempe")) << got;
  EXPECT_EQ(got.at("cod:tempe").at("curT0").as_double(), 21.5);
  EXPECT_FALSE(got.at("cod:tempe").as_object().contains("__tag"));
  auto u = ae.Update(base_ + "/therm", R"({"cod:tempe":{"tarTe":19}})");
  ASSERT_EQ(u.rsc(), 2004) << u.body;
  EXPECT_EQ(u.json().at("cod:tempe").at("tarTe").as_int64(), 19);
  EXPECT_EQ(u.json().at("cod:tempe").at("st").as_int64(), 1);
  EXPECT_EQ(ae.Update(base_ + "/therm", R"({"cod:other":{"tarTe":1}})").rsc(), 4000);
  EXPECT_EQ(ae.Update(base_ + "/therm", R"({"cod:tempe":{"red":1}})").rsc(), 4000);
  EXPECT_EQ(ae.Create(base_, 28, R"({"cod:tempe":{"curT0":1.0}})").rsc(), 4000);  // cnd missing
  // A containerDefinition whose schema this CSE does not have (TS-0004 §7.4.37.2.1).
  EXPECT_EQ(ae.Create(base_, 28, R"({"cod:color":{"cnd":"org.onem2m.home.moduleclass.colour"}})")
                .rsc(),
            4125);
}

TEST_F(Resources, TimeSeriesRejectsDuplicateDataGenerationTime) {
  auto ae = Ae();
  ASSERT_EQ(ae.Create(base_, 29, R"({"m2m:ts":{"rn":"ts","mni":10}})").rsc(), 2001);
  ASSERT_EQ(ae.Create(base_ + "/ts", 30, R"({"m2m:tsi":{"dgt":"20260101T000000","con":"1"}})").rsc(), 2001);
  EXPECT_EQ(ae.Create(base_ + "/ts", 30, R"({"m2m:tsi":{"dgt":"20260101T000000,000","con":"2"}})").rsc(), 4105);
  ASSERT_EQ(ae.Create(base_ + "/ts", 30, R"({"m2m:tsi":{"dgt":"20260101T000001","con":"3"}})").rsc(), 2001);
  EXPECT_EQ(ae.Retrieve(base_ + "/ts").json().at("m2m:ts").at("cni").as_int64(), 2);
  EXPECT_EQ(Str(ae.Retrieve(base_ + "/ts/la").json().at("m2m:tsi").at("con")), "3");
  EXPECT_EQ(ae.Create(base_ + "/ts", 30, R"({"m2m:tsi":{"con":"4"}})").rsc(), 4000);
}

TEST_F(Resources, NodeUnderCseBase) {
  auto admin = Admin();
  auto r = admin.Create("/cse-in", 14, R"({"m2m:nod":{"rn":"node-)" + name_ + R"(","ni":"urn:dev:1"}})");
  ASSERT_EQ(r.rsc(), 2001) << r.body;
  EXPECT_EQ(Str(admin.Retrieve("/cse-in/node-" + name_).json().at("m2m:nod").at("ni")), "urn:dev:1");
  EXPECT_EQ(admin.Create("/cse-in", 14, R"({"m2m:nod":{"rn":"x"}})").rsc(), 4000);
}

}  // namespace
}  // namespace trustcse::testing
