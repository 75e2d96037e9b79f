// Black-box: two AEs, and each reaches only what its ACPs allow, for every operation.
#include "fixture.h"

namespace trustcse::testing {
namespace {

class AccessControl : public CseTest {};

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
  // Contexts (acco) are not evaluated yet: such a rule grants nothing (default deny).
  ASSERT_EQ(o.Update("/cse-in/wild/a",
                     R"({"m2m:acp":{"pv":{"acr":[{"acor":["all"],"acop":2,"acco":[{"actw":["* * * * * * *"]}]}]}}})").rsc(),
            2004);
  EXPECT_EQ(As("Cother-2").Retrieve("/cse-in/wild/c").rsc(), 4103);
}

}  // namespace
}  // namespace trustcse::testing
