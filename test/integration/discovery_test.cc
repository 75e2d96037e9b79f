// Black-box: discovery (fu=1) filters and their combination, and conditional retrieve (fu=2).
#include <thread>

#include "fixture.h"

namespace trustcse::testing {
namespace {

class Discovery : public CseTest {
 protected:
  static void SetUpTestSuite() {
    CseTest::SetUpTestSuite();
    Client ae(server_->port(), "Cdisc");
    ae.Create("/cse-in", 2, R"({"m2m:ae":{"rn":"disc","api":"Nd","rr":true,"srv":["3"]}})");
    ae.Create("/cse-in/disc", 3, R"({"m2m:cnt":{"rn":"a","lbl":["color:red","room:1"]}})");
    ae.Create("/cse-in/disc", 3, R"({"m2m:cnt":{"rn":"b","lbl":["color:blue"]}})");
    ae.Create("/cse-in/disc/a", 3, R"({"m2m:cnt":{"rn":"a1","lbl":["color:red"]}})");
    ae.Create("/cse-in/disc/a", 4, R"({"m2m:cin":{"rn":"i1","con":"12345","cnf":"text/plain:0","lbl":["room:1"]}})");
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    middle_ = FormatSoon(0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    ae.Create("/cse-in/disc/a", 4, R"({"m2m:cin":{"rn":"i2","con":"1","cnf":"application/json:0"}})");
  }
  static std::vector<std::string> Uris(const HttpResponse& r) {
    std::vector<std::string> out;
    if (r.rsc() != 2000) return {"error " + std::to_string(r.rsc()) + " " + r.body};
    auto doc = r.json();
    for (const auto& v : doc.at("m2m:uril").as_array()) out.emplace_back(v.as_string());
    return out;
  }
  std::vector<std::string> Find(const std::string& query) {
    return Uris(Client(port(), "Cdisc").Retrieve("/cse-in/disc?fu=1&" + query));
  }
  static std::string middle_;
};
std::string Discovery::middle_;

using V = std::vector<std::string>;

TEST_F(Discovery, ByTypeLabelNameAndContentType) {
  EXPECT_EQ(Find("ty=3"), (V{"cse-in/disc/a", "cse-in/disc/a/a1", "cse-in/disc/b"}));
  EXPECT_EQ(Find("ty=4"), (V{"cse-in/disc/a/i1", "cse-in/disc/a/i2"}));
  EXPECT_EQ(Find("ty=3+4").size(), 5u);
  EXPECT_EQ(Find("ty=3&ty=4").size(), 5u);
  EXPECT_EQ(Find("lbl=color:red"), (V{"cse-in/disc/a", "cse-in/disc/a/a1"}));
  EXPECT_EQ(Find("lbl=color:red+color:blue").size(), 3u);
  EXPECT_EQ(Find("rn=a1"), (V{"cse-in/disc/a/a1"}));
  EXPECT_EQ(Find("cty=application/json"), (V{"cse-in/disc/a/i2"}));
}

TEST_F(Discovery, CombinesWithAndByDefaultAndOrWithFo2) {
  EXPECT_EQ(Find("ty=3&lbl=room:1"), (V{"cse-in/disc/a"}));
  EXPECT_EQ(Find("ty=4&lbl=room:1"), (V{"cse-in/disc/a/i1"}));
  EXPECT_EQ(Find("ty=3&lbl=room:1&fo=2").size(), 4u);  // 3 containers + i1
}

TEST_F(Discovery, TimeSizeAndStateTagFilters) {
  EXPECT_EQ(Find("cra=" + middle_), (V{"cse-in/disc/a/i2"}));
  EXPECT_EQ(Find("ty=4&crb=" + middle_), (V{"cse-in/disc/a/i1"}));
  EXPECT_EQ(Find("sza=3"), (V{"cse-in/disc/a/i1"}));
  EXPECT_EQ(Find("ty=4&szb=3"), (V{"cse-in/disc/a/i2"}));
  // Lower bounds are inclusive (TS-0004 Table 7.3.3.17.0-1): stateTagBigger ≤ st.
  EXPECT_EQ(Find("stb=2&ty=4"), (V{"cse-in/disc/a/i2"}));
  EXPECT_EQ(Find("stb=1&ty=4"), (V{"cse-in/disc/a/i1", "cse-in/disc/a/i2"}));
  EXPECT_EQ(Find("ms=" + middle_), (V{"cse-in/disc/a", "cse-in/disc/a/i2"}));  // a's st changed
}

TEST_F(Discovery, LevelLimitOffsetAndUnstructuredIds) {
  EXPECT_EQ(Find("lvl=1"), (V{"cse-in/disc/a", "cse-in/disc/b"}));
  EXPECT_EQ(Find("ty=3&lim=2"), (V{"cse-in/disc/a", "cse-in/disc/a/a1"}));
  EXPECT_EQ(Find("ty=3&ofst=2"), (V{"cse-in/disc/a/a1", "cse-in/disc/b"}));
  EXPECT_EQ(Find("ty=3&ofst=2&lim=1"), (V{"cse-in/disc/a/a1"}));
  auto ids = Find("rn=b&drt=2");
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids[0].rfind("cnt", 0), 0u) << ids[0];
  EXPECT_EQ(Find("lbl=nothing"), V{});
}

TEST_F(Discovery, BadFilterValuesAreRefused) {
  Client c(port(), "Cdisc");
  EXPECT_EQ(c.Retrieve("/cse-in/disc?fu=1&lim=x").rsc(), 4000);
  EXPECT_EQ(c.Retrieve("/cse-in/disc?fu=1&cra=yesterday").rsc(), 4000);
  EXPECT_EQ(c.Retrieve("/cse-in/disc?fu=1&ofst=0").rsc(), 4000);
  EXPECT_EQ(c.Retrieve("/cse-in/disc?fu=9").rsc(), 4000);
  EXPECT_EQ(c.Retrieve("/cse-in/disc?fu=1&bogus=1").rsc(), 4000);
  EXPECT_EQ(c.Retrieve("/cse-in/disc?fu=1&rcn=4").rsc(), 4000);
}

TEST_F(Discovery, ConditionalRetrieveFiltersChildren) {
  Client c(port(), "Cdisc");
  auto r = c.Retrieve("/cse-in/disc/a?fu=2&rcn=6&ty=4");
  ASSERT_EQ(r.rsc(), 2000) << r.body;
  EXPECT_EQ(r.json().at("m2m:rrl").at("rrf").as_array().size(), 2u);
  r = c.Retrieve("/cse-in/disc/a?rcn=4&lbl=room:1");
  ASSERT_EQ(r.rsc(), 2000) << r.body;
  auto cnt = r.json().at("m2m:cnt").as_object();
  EXPECT_EQ(cnt.at("m2m:cin").as_array().size(), 1u);
  EXPECT_FALSE(cnt.contains("m2m:cnt"));
}

}  // namespace
}  // namespace trustcse::testing
