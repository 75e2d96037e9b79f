// Black-box: groups and fan-out through <group>/fopt, each member checked on its own.
#include "fixture.h"

namespace trustcse::testing {
namespace {

class Groups : public CseTest {};

TEST_F(Groups, FanOutReachesEveryMemberWithItsOwnAccessCheck) {
  auto owner = RegisterAe("gown", "Cgown");
  auto other = RegisterAe("goth", "Cgoth");
  Client o(port(), owner), x(port(), other);
  ASSERT_EQ(o.Create("/cse-in/gown", 3, R"({"m2m:cnt":{"rn":"c1"}})").rsc(), 2001);
  ASSERT_EQ(o.Create("/cse-in/gown", 3, R"({"m2m:cnt":{"rn":"c2"}})").rsc(), 2001);
  ASSERT_EQ(x.Create("/cse-in/goth", 3, R"({"m2m:cnt":{"rn":"theirs"}})").rsc(), 2001);
  auto g = o.Create("/cse-in/gown", 9, R"({"m2m:grp":{"rn":"g","mt":3,"mnm":5,
      "mid":["cse-in/gown/c1","cse-in/gown/c2","cse-in/goth/theirs","cse-in/gown/missing","cse-in/gown/c1"]}})");
  ASSERT_EQ(g.rsc(), 2001) << g.body;
  auto grp = g.json().at("m2m:grp");
  EXPECT_EQ(grp.at("cnm").as_int64(), 3);  // duplicate and missing members dropped
  EXPECT_TRUE(grp.at("mtv").as_bool());

  auto fan = o.Create("/cse-in/gown/g/fopt", 4, R"({"m2m:cin":{"con":"all"}})");
  ASSERT_EQ(fan.rsc(), 2000) << fan.body;
  auto rsps = fan.json().at("m2m:agr").at("m2m:rsp").as_array();
  ASSERT_EQ(rsps.size(), 3u);
  int created = 0, denied = 0;
  for (const auto& r : rsps) {
    auto rsc = r.at("rsc").as_int64();
    created += rsc == 2001;
    denied += rsc == 4103;
  }
  EXPECT_EQ(created, 2);
  EXPECT_EQ(denied, 1);  // the other AE's container refuses the owner
  EXPECT_EQ(Str(o.Retrieve("/cse-in/gown/c2/la").json().at("m2m:cin").at("con")), "all");
  EXPECT_EQ(x.Retrieve("/cse-in/goth/theirs/la").rsc(), 4004);

  // Retrieve through fopt with a tail addresses a child of each member.
  auto la = o.Retrieve("/cse-in/gown/g/fopt/la");
  ASSERT_EQ(la.rsc(), 2000);
  EXPECT_EQ(la.json().at("m2m:agr").at("m2m:rsp").as_array().size(), 3u);
  // The other AE may not use the group at all.
  EXPECT_EQ(x.Retrieve("/cse-in/gown/g/fopt").rsc(), 4103);
}

TEST_F(Groups, MemberCountAndTypeRules) {
  auto owner = RegisterAe("grules", "Cgrules");
  Client o(port(), owner);
  ASSERT_EQ(o.Create("/cse-in/grules", 3, R"({"m2m:cnt":{"rn":"c"}})").rsc(), 2001);
  EXPECT_EQ(o.Create("/cse-in/grules", 9, R"({"m2m:grp":{"mnm":1,"mid":["cse-in/grules/c","cse-in/grules"]}})").rsc(), 6010);
  EXPECT_EQ(o.Create("/cse-in/grules", 9, R"({"m2m:grp":{"mt":2,"csy":2,"mnm":3,"mid":["cse-in/grules/c"]}})").rsc(), 4110);
  auto abandon = o.Create("/cse-in/grules", 9, R"({"m2m:grp":{"mt":2,"mnm":3,"mid":["cse-in/grules/c","cse-in/grules"]}})");
  ASSERT_EQ(abandon.rsc(), 2001);
  EXPECT_EQ(abandon.json().at("m2m:grp").at("cnm").as_int64(), 1);
  auto mixed = o.Create("/cse-in/grules", 9, R"({"m2m:grp":{"mt":2,"csy":3,"mnm":3,"mid":["cse-in/grules/c","cse-in/grules"]}})");
  ASSERT_EQ(mixed.rsc(), 2001);
  EXPECT_EQ(mixed.json().at("m2m:grp").at("mt").as_int64(), 0);
  EXPECT_EQ(mixed.json().at("m2m:grp").at("cnm").as_int64(), 2);
  EXPECT_EQ(o.Create("/cse-in/grules", 9, R"({"m2m:grp":{"mnm":3}})").rsc(), 4000);
}

}  // namespace
}  // namespace trustcse::testing
