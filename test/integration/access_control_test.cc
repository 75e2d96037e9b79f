// Black-box: two AEs, and each reaches only what its ACPs allow, for every operation.
#include "fixture.h"

namespace trustcse::testing {
namespace {

class AccessControl : public CseTest {};

// Instances follow their container's policies; a discovery over several containers lists the
// instances of each container the originator may discover, and only those.
TEST_F(AccessControl, DiscoveredInstancesFollowEachContainersPolicy) {
  auto owner = RegisterAe("downer", "Cdowner");
  auto reader = RegisterAe("dreader", "Cdreader");
  Client o(port(), owner), r(port(), reader);
  auto acp = o.Create("/cse-in/downer", 1, R"({"m2m:acp":{"rn":"open",
      "pv":{"acr":[{"acor":["Cdreader"],"acop":34},{"acor":["Cdowner"],"acop":63}]},
      "pvs":{"acr":[{"acor":["Cdowner"],"acop":63}]}}})");
  ASSERT_EQ(acp.rsc(), 2001) << acp.body;
  const std::string acp_ri = Str(acp.json().at("m2m:acp").at("ri"));
  ASSERT_EQ(o.Create("/cse-in/downer", 3, R"({"m2m:cnt":{"rn":"shown","acpi":[")" + acp_ri + R"("]}})").rsc(),
            2001);
  ASSERT_EQ(o.Create("/cse-in/downer", 3, R"({"m2m:cnt":{"rn":"hidden"}})").rsc(), 2001);
  ASSERT_EQ(o.Create("/cse-in/downer", 3, R"({"m2m:cnt":{"rn":"shown2","acpi":[")" + acp_ri + R"("]}})").rsc(),
            2001);
  // Interleaved, so that the listing alternates between the containers.
  for (int i = 0; i < 3; ++i) {
    for (const char* c : {"shown", "hidden", "shown2"}) {
      ASSERT_EQ(o.Create(std::string("/cse-in/downer/") + c, 4, R"({"m2m:cin":{"con":"v"}})").rsc(), 2001);
    }
  }
  auto seen = r.Retrieve("/cse-in/downer?fu=1&ty=4");
  ASSERT_EQ(seen.rsc(), 2000) << seen.body;
  const auto body = seen.json();
  const auto& uris = body.at("m2m:uril").as_array();
  EXPECT_EQ(uris.size(), 6u) << seen.body;
  for (const auto& u : uris) EXPECT_EQ(Str(u).find("hidden"), std::string::npos) << Str(u);
  EXPECT_EQ(o.Retrieve("/cse-in/downer?fu=1&ty=4").json().at("m2m:uril").as_array().size(), 9u);
  // Paging counts only what may be seen.
  auto page = r.Retrieve("/cse-in/downer?fu=1&ty=4&lim=4&ofst=3");
  EXPECT_EQ(page.json().at("m2m:uril").as_array().size(), 4u) << page.body;
  // A small page found behind many hidden matches (the store is read in growing windows; the
  // hidden container's instances come first in path order).
  for (int i = 0; i < 150; ++i) {
    ASSERT_EQ(o.Create("/cse-in/downer/hidden", 4, R"({"m2m:cin":{"con":"w"}})").rsc(), 2001);
  }
  auto small = r.Retrieve("/cse-in/downer?fu=1&ty=4&lim=2");
  ASSERT_EQ(small.rsc(), 2000) << small.body;
  const auto small_body = small.json();
  ASSERT_EQ(small_body.at("m2m:uril").as_array().size(), 2u) << small.body;
  for (const auto& u : small_body.at("m2m:uril").as_array()) {
    EXPECT_NE(Str(u).find("/shown/"), std::string::npos) << Str(u);
  }
  EXPECT_EQ(r.Retrieve("/cse-in/downer?fu=1&ty=4&lim=5&ofst=5").json().at("m2m:uril").as_array().size(),
            2u);
}

TEST_F(AccessControl, TwoAesSeeOnlyWhatTheirPoliciesAllow) {
  auto alice = RegisterAe("alice", "Calice");
  auto bob = RegisterAe("bob", "Cbob");
  Client a(port(), alice), b(port(), bob);

  // Default policy: without acpi, only the owning AE (and the creator) has access.
  ASSERT_EQ(a.Create("/cse-in/alice", 3, R"({"m2m:cnt":{"rn":"private"}})").rsc(), 2001);
  ASSERT_EQ(a.Create("/cse-in/alice/private", 4, R"({"m2m:cin":{"con":"secret"}})").rsc(), 2001);
  EXPECT_EQ(a.Retrieve("/cse-in/alice/private/la").rsc(), 2000);
  auto denied = b.Retrieve("/cse-in/alice/private/la");
  EXPECT_EQ(denied.rsc(), 4103);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.body.find("secret"), std::string::npos);
  EXPECT_EQ(b.Retrieve("/cse-in/alice/private").rsc(), 4103);
  EXPECT_EQ(b.Create("/cse-in/alice/private", 4, R"({"m2m:cin":{"con":"x"}})").rsc(), 4103);
  EXPECT_EQ(b.Update("/cse-in/alice/private", R"({"m2m:cnt":{"lbl":["x"]}})").rsc(), 4103);
  EXPECT_EQ(b.Delete("/cse-in/alice/private").rsc(), 4103);
  EXPECT_EQ(b.Delete("/cse-in/alice").rsc(), 4103);
  // Registered AEs may read the CSEBase, but not create under it.
  EXPECT_EQ(b.Retrieve("/cse-in").rsc(), 2000);
  EXPECT_EQ(b.Create("/cse-in", 3, R"({"m2m:cnt":{"rn":"bobs"}})").rsc(), 4103);

  // Alice's ACP: Bob may retrieve (2) and create (1) but not update or delete.
  auto acp = a.Create("/cse-in/alice", 1, R"({"m2m:acp":{"rn":"share",
      "pv":{"acr":[{"acor":["Cbob"],"acop":3},{"acor":["Calice"],"acop":63}]},
      "pvs":{"acr":[{"acor":["Calice"],"acop":63}]}}})");
  ASSERT_EQ(acp.rsc(), 2001) << acp.body;
  std::string acp_ri = Str(acp.json().at("m2m:acp").at("ri"));
  ASSERT_EQ(a.Create("/cse-in/alice", 3,
                     R"({"m2m:cnt":{"rn":"shared","acpi":[")" + acp_ri + R"("]}})").rsc(), 2001);
  ASSERT_EQ(a.Create("/cse-in/alice/shared", 4, R"({"m2m:cin":{"con":"hello"}})").rsc(), 2001);
  EXPECT_EQ(b.Retrieve("/cse-in/alice/shared").rsc(), 2000);
  EXPECT_EQ(b.Retrieve("/cse-in/alice/shared/la").rsc(), 2000);  // cin follows its container
  EXPECT_EQ(b.Create("/cse-in/alice/shared", 4, R"({"m2m:cin":{"con":"from bob"}})").rsc(), 2001);
  EXPECT_EQ(b.Update("/cse-in/alice/shared", R"({"m2m:cnt":{"lbl":["x"]}})").rsc(), 4103);
  EXPECT_EQ(b.Delete("/cse-in/alice/shared/la").rsc(), 4103);
  EXPECT_EQ(b.Delete("/cse-in/alice/shared").rsc(), 4103);
  EXPECT_EQ(a.Update("/cse-in/alice/shared", R"({"m2m:cnt":{"lbl":["x"]}})").rsc(), 2004);

  // Discovery lists only what the originator may discover (Bob's rule has no DISCOVER bit).
  auto disc = b.Retrieve("/cse-in/alice?fu=1");
  ASSERT_EQ(disc.rsc(), 2000);
  EXPECT_TRUE(disc.json().at("m2m:uril").as_array().empty()) << disc.body;
  auto mine = a.Retrieve("/cse-in/alice?fu=1&ty=3");
  EXPECT_EQ(mine.json().at("m2m:uril").as_array().size(), 2u) << mine.body;

  // The ACP itself is governed by pvs: Bob cannot read or change it, Alice can.
  EXPECT_EQ(b.Retrieve("/cse-in/alice/share").rsc(), 4103);
  EXPECT_EQ(b.Update("/cse-in/alice/share", R"({"m2m:acp":{"pv":{"acr":[{"acor":["all"],"acop":63}]}}})").rsc(), 4103);
  auto grant = a.Update("/cse-in/alice/share",
                        R"({"m2m:acp":{"pv":{"acr":[{"acor":["Cbob"],"acop":63},{"acor":["Calice"],"acop":63}]}}})");
  ASSERT_EQ(grant.rsc(), 2004) << grant.body;
  // The change applies at once (no stale cached ACP).
  EXPECT_EQ(b.Update("/cse-in/alice/shared", R"({"m2m:cnt":{"lbl":["y"]}})").rsc(), 2004);
  EXPECT_EQ(b.Retrieve("/cse-in/alice?fu=1&ty=3").json().at("m2m:uril").as_array().size(), 1u);

  // Changing acpi is checked against pvs: Bob has full pv now but no pvs entry.
  EXPECT_EQ(b.Update("/cse-in/alice/shared", R"({"m2m:cnt":{"acpi":[]}})").rsc(), 4103);
  // acpi must be changed alone, and must name existing ACPs.
  EXPECT_EQ(a.Update("/cse-in/alice/shared", R"({"m2m:cnt":{"acpi":[],"lbl":[]}})").rsc(), 4000);
  EXPECT_EQ(a.Update("/cse-in/alice/shared", R"({"m2m:cnt":{"acpi":["acpnothere"]}})").rsc(), 4000);
  EXPECT_EQ(b.Delete("/cse-in/alice/shared").rsc(), 2002);

  // A bad ACP is refused: pvs without rules, acop out of range.
  EXPECT_EQ(a.Create("/cse-in/alice", 1, R"({"m2m:acp":{"pv":{"acr":[]},"pvs":{"acr":[]}}})").rsc(), 4000);
  EXPECT_EQ(a.Create("/cse-in/alice", 1,
                     R"({"m2m:acp":{"pv":{"acr":[{"acor":["all"],"acop":64}]},"pvs":{"acr":[{"acor":["all"],"acop":1}]}}})").rsc(),
            4000);
}

TEST_F(AccessControl, WildcardOriginatorsAndAll) {
  auto owner = RegisterAe("wild", "Cwildowner");
  RegisterAe("w1", "Cteam-1");
  RegisterAe("w2", "Cother-2");
  Client o(port(), owner);
  auto acp = o.Create("/cse-in/wild", 1, R"({"m2m:acp":{"rn":"a",
      "pv":{"acr":[{"acor":["Cteam-*"],"acop":2}]},
      "pvs":{"acr":[{"acor":["Cwildowner"],"acop":63}]}}})");
  ASSERT_EQ(acp.rsc(), 2001);
  std::string ri = Str(acp.json().at("m2m:acp").at("ri"));
  ASSERT_EQ(o.Create("/cse-in/wild", 3, R"({"m2m:cnt":{"rn":"c","acpi":["cse-in/wild/a"]}})").rsc(), 2001);
  EXPECT_EQ(As("Cteam-1").Retrieve("/cse-in/wild/c").rsc(), 2000);
  EXPECT_EQ(As("Cother-2").Retrieve("/cse-in/wild/c").rsc(), 4103);
  ASSERT_EQ(o.Update("/cse-in/wild/a", R"({"m2m:acp":{"pv":{"acr":[{"acor":["all"],"acop":2}]}}})").rsc(), 2004);
  EXPECT_EQ(As("Cother-2").Retrieve("/cse-in/wild/c").rsc(), 2000);
}

TEST_F(AccessControl, ContextsNarrowRules) {
  auto owner = RegisterAe("ctx", "Cctxowner");
  RegisterAe("ctxreader", "Cctxreader");
  Client o(port(), owner), r(port(), "Cctxreader");
  auto set_pv = [&](const std::string& acco) {
    return o.Update("/cse-in/ctx/a", R"({"m2m:acp":{"pv":{"acr":[{"acor":["Cctxreader"],"acop":2,"acco":[)" +
                                         acco + R"(]}]}}})");
  };
  ASSERT_EQ(o.Create("/cse-in/ctx", 1, R"({"m2m:acp":{"rn":"a","pv":{"acr":[]},
      "pvs":{"acr":[{"acor":["Cctxowner"],"acop":63}]}}})").rsc(), 2001);
  ASSERT_EQ(o.Create("/cse-in/ctx", 3, R"({"m2m:cnt":{"rn":"c","acpi":["cse-in/ctx/a"]}})").rsc(), 2001);
  // Time windows (UTC): always open; never (the year 2199); a window across midnight that
  // covers every hour: 12-11 wraps from noon to 11:59.
  ASSERT_EQ(set_pv(R"({"actw":["* * * * * * *"]})").rsc(), 2004);
  EXPECT_EQ(r.Retrieve("/cse-in/ctx/c").rsc(), 2000);
  ASSERT_EQ(set_pv(R"({"actw":["* * * * * * 2199"]})").rsc(), 2004);
  EXPECT_EQ(r.Retrieve("/cse-in/ctx/c").rsc(), 4103);
  ASSERT_EQ(set_pv(R"({"actw":["* * 12-11 * * * *"]})").rsc(), 2004);
  EXPECT_EQ(r.Retrieve("/cse-in/ctx/c").rsc(), 2000);
  // Source address ranges: the tests connect from 127.0.0.1.
  ASSERT_EQ(set_pv(R"({"acip":{"ipv4":["127.0.0.0/8"]}})").rsc(), 2004);
  EXPECT_EQ(r.Retrieve("/cse-in/ctx/c").rsc(), 2000);
  ASSERT_EQ(set_pv(R"({"acip":{"ipv4":["10.0.0.0/8"],"ipv6":["::1/128"]}})").rsc(), 2004);
  EXPECT_EQ(r.Retrieve("/cse-in/ctx/c").rsc(), 4103);
  // Entries are OR'ed, the parts of one entry AND'ed.
  ASSERT_EQ(set_pv(R"({"acip":{"ipv4":["10.0.0.0/8"]}},{"actw":["* * * * * * *"]})").rsc(), 2004);
  EXPECT_EQ(r.Retrieve("/cse-in/ctx/c").rsc(), 2000);
  ASSERT_EQ(set_pv(R"({"acip":{"ipv4":["127.0.0.1"]},"actw":["* * * * * * 2199"]})").rsc(), 2004);
  EXPECT_EQ(r.Retrieve("/cse-in/ctx/c").rsc(), 4103);
  // Location regions against the originator's reported location (its AE's loc).
  ASSERT_EQ(set_pv(R"({"aclr":{"accr":[48.8566,2.3522,5000]}})").rsc(), 2004);
  EXPECT_EQ(r.Retrieve("/cse-in/ctx/c").rsc(), 4103);  // no location reported
  ASSERT_EQ(Client(port(), "Cctxreader").Update("/cse-in/ctxreader",
      R"({"m2m:ae":{"loc":{"typ":1,"crd":"[2.35,48.85]"}}})").rsc(), 2004);
  EXPECT_EQ(r.Retrieve("/cse-in/ctx/c").rsc(), 2000);   // in Paris
  ASSERT_EQ(Client(port(), "Cctxreader").Update("/cse-in/ctxreader",
      R"({"m2m:ae":{"loc":{"typ":1,"crd":"[13.40,52.52]"}}})").rsc(), 2004);
  EXPECT_EQ(r.Retrieve("/cse-in/ctx/c").rsc(), 4103);  // in Berlin
  // What cannot be evaluated faithfully is refused when the ACP is written.
  EXPECT_EQ(set_pv(R"({"aclr":{"accc":["FR"]}})").rsc(), 5001);
  EXPECT_EQ(set_pv(R"({"acip":{"ipv4":["300.0.0.1/8"]}})").rsc(), 4000);
  EXPECT_EQ(set_pv(R"({"actw":["* * 25 * * * *"]})").rsc(), 4000);
  EXPECT_EQ(set_pv(R"({"actw":["* * *"]})").rsc(), 4000);
  // acaf: a rule for authenticated originators only does not apply over plain HTTP.
  ASSERT_EQ(o.Update("/cse-in/ctx/a",
                     R"({"m2m:acp":{"pv":{"acr":[{"acor":["Cctxreader"],"acop":2,"acaf":true}]}}})").rsc(),
            2004);
  EXPECT_EQ(r.Retrieve("/cse-in/ctx/c").rsc(), 4103);
}

TEST_F(AccessControl, GroupMembersAndChildTypeLimits) {
  auto owner = RegisterAe("gacp", "Cgacpowner");
  RegisterAe("gm1", "Cgm1");
  RegisterAe("gm2", "Cgm2");
  Client o(port(), owner);
  ASSERT_EQ(o.Create("/cse-in/gacp", 9, R"({"m2m:grp":{"rn":"team","mnm":5,"mid":["Cgm1"]}})").rsc(), 2001);
  ASSERT_EQ(o.Create("/cse-in/gacp", 1, R"({"m2m:acp":{"rn":"a",
      "pv":{"acr":[{"acor":["cse-in/gacp/team"],"acop":3,"acod":[{"chty":[4]}]}]},
      "pvs":{"acr":[{"acor":["Cgacpowner"],"acop":63}]}}})").rsc(), 2001);
  ASSERT_EQ(o.Create("/cse-in/gacp", 3, R"({"m2m:cnt":{"rn":"c","acpi":["cse-in/gacp/a"]}})").rsc(), 2001);
  // A member of the group is granted; someone else is not.
  EXPECT_EQ(As("Cgm1").Retrieve("/cse-in/gacp/c").rsc(), 2000);
  EXPECT_EQ(As("Cgm2").Retrieve("/cse-in/gacp/c").rsc(), 4103);
  // acod: the member may create contentInstances here, not containers.
  EXPECT_EQ(As("Cgm1").Create("/cse-in/gacp/c", 4, R"({"m2m:cin":{"con":"x"}})").rsc(), 2001);
  EXPECT_EQ(As("Cgm1").Create("/cse-in/gacp/c", 3, R"({"m2m:cnt":{}})").rsc(), 4103);
}

TEST_F(AccessControl, RolesCountOnlyWhenPresentedAndHeld) {
  auto owner = RegisterAe("racp", "Cracpowner");
  RegisterAe("rholder", "Crholder");
  RegisterAe("rother", "Crother");
  auto admin = Admin();
  // The operator issues roles under the CSEBase; only the admin may.
  ASSERT_EQ(admin.Create("/cse-in", 31, R"({"m2m:rol":{"rn":"role-op","rlid":"r-operator","rlhd":"Crholder","vu":")" +
                                          FormatSoon(3600) + R"("}})").rsc(), 2001);
  ASSERT_EQ(admin.Create("/cse-in", 31, R"({"m2m:rol":{"rn":"role-old","rlid":"r-retired","rlhd":"Crholder","vu":"20200101T000000"}})").rsc(),
            2001);
  EXPECT_EQ(As("Crholder").Create("/cse-in", 31, R"({"m2m:rol":{"rlid":"r-self","rlhd":"Crholder"}})").rsc(), 4103);
  Client o(port(), owner);
  ASSERT_EQ(o.Create("/cse-in/racp", 1, R"({"m2m:acp":{"rn":"a",
      "pv":{"acr":[{"acor":["r-operator","r-retired"],"acop":2}]},
      "pvs":{"acr":[{"acor":["Cracpowner"],"acop":63}]}}})").rsc(), 2001);
  ASSERT_EQ(o.Create("/cse-in/racp", 3, R"({"m2m:cnt":{"rn":"c","acpi":["cse-in/racp/a"]}})").rsc(), 2001);
  EXPECT_EQ(As("Crholder").Retrieve("/cse-in/racp/c?rids=r-operator").rsc(), 2000);
  EXPECT_EQ(As("Crholder").Retrieve("/cse-in/racp/c").rsc(), 4103);               // not presented
  EXPECT_EQ(As("Crother").Retrieve("/cse-in/racp/c?rids=r-operator").rsc(), 4103);  // not the holder
  EXPECT_EQ(As("Crholder").Retrieve("/cse-in/racp/c?rids=r-retired").rsc(), 4103);  // expired
  EXPECT_EQ(admin.Create("/cse-in", 31, R"({"m2m:rol":{"rlhd":"Crholder"}})").rsc(), 4000);
}

}  // namespace
}  // namespace trustcse::testing
