// Black-box: CSEBase, AE registration, addressing forms, release versions, request checks.
#include "fixture.h"

namespace trustcse::testing {
namespace {

class Registration : public CseTest {};

TEST_F(Registration, CseBaseRetrievableByAdmin) {
  auto r = Admin().Retrieve("/cse-in");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.rsc(), 2000);
  auto cb = r.json().at("m2m:cb");
  EXPECT_EQ(Str(cb.at("csi")), "/id-in");
  EXPECT_EQ(cb.at("ty").as_int64(), 5);
  EXPECT_EQ(Str(cb.at("rn")), "cse-in");
  // srt lists what can be created, including every foundation type.
  auto srt = boost::json::serialize(cb.at("srt"));
  for (auto t : {"1", "2", "3", "4", "9", "14", "23", "28", "29", "30"}) {
    EXPECT_NE(srt.find(t), std::string::npos) << t;
  }
  EXPECT_EQ(r.header("x-m2m-ri"), "rq1");
  EXPECT_EQ(r.header("x-m2m-rvi"), "3");
}

TEST_F(Registration, EmptyOrCOriginatorGetsAssignedCId) {
  Client c(port(), "C");
  auto r = c.Create("/cse-in", 2, R"({"m2m:ae":{"api":"Nx","rr":false,"srv":["3"]}})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto aei = Str(r.json().at("m2m:ae").at("aei"));
  EXPECT_EQ(aei[0], 'C');
  EXPECT_GT(aei.size(), 5u);
  // The resource name defaults to the AE-ID and the AE-ID acts as originator from now on.
  EXPECT_EQ(Str(r.json().at("m2m:ae").at("rn")), aei);
  EXPECT_EQ(As(aei).Retrieve("/cse-in/" + aei).rsc(), 2000);

  // No X-M2M-Origin header at all is allowed for an AE create only.
  auto raw = HttpRequest(port(), "POST", "/cse-in",
                         {{"X-M2M-RI", "1"}, {"X-M2M-RVI", "3"},
                          {"Content-Type", "application/json;ty=2"}},
                         R"({"m2m:ae":{"api":"Ny","rr":false,"srv":["3"]}})");
  EXPECT_EQ(raw.rsc(), 2001) << raw.body;
}

TEST_F(Registration, SOriginatorGetsSId) {
  Client c(port(), "S");
  auto r = c.Create("/cse-in", 2, R"({"m2m:ae":{"api":"Nx","rr":false,"srv":["3"]}})");
  ASSERT_EQ(r.rsc(), 2001) << r.body;
  EXPECT_EQ(Str(r.json().at("m2m:ae").at("aei"))[0], 'S');
}

TEST_F(Registration, ReRegistrationOfSameAeIdIsRefused) {
  RegisterAe("rereg1", "Crereg");
  Client c(port(), "Crereg");
  auto r = c.Create("/cse-in", 2, R"({"m2m:ae":{"rn":"rereg2","api":"Nx","rr":false,"srv":["3"]}})");
  EXPECT_EQ(r.rsc(), 4117) << r.body;
  EXPECT_EQ(r.status, 403);
}

TEST_F(Registration, DuplicateResourceNameIsConflict) {
  RegisterAe("dupname", "Cdup1");
  Client c(port(), "Cdup2");
  auto r = c.Create("/cse-in", 2, R"({"m2m:ae":{"rn":"dupname","api":"Nx","rr":false,"srv":["3"]}})");
  EXPECT_EQ(r.rsc(), 4105) << r.body;
  EXPECT_EQ(r.status, 409);
  // The failed registration left nothing behind: Cdup2 is not registered.
  EXPECT_EQ(As("Cdup2").Retrieve("/cse-in/dupname").rsc(), 4106);
}

TEST_F(Registration, OriginatorOutsideAeIdFormIsRefused) {
  Client c(port(), "someone");
  auto r = c.Create("/cse-in", 2, R"({"m2m:ae":{"api":"Nx","rr":false,"srv":["3"]}})");
  EXPECT_EQ(r.rsc(), 4126) << r.body;
}

TEST_F(Registration, AppIdAndMandatoryAttributesAreChecked) {
  Client c(port(), "C");
  EXPECT_EQ(c.Create("/cse-in", 2, R"({"m2m:ae":{"api":"Xbad","rr":false,"srv":["3"]}})").rsc(), 4000);
  EXPECT_EQ(c.Create("/cse-in", 2, R"({"m2m:ae":{"api":"Nok","srv":["3"]}})").rsc(), 4000);
  EXPECT_EQ(c.Create("/cse-in", 2, R"({"m2m:ae":{"api":"Nok","rr":"yes","srv":["3"]}})").rsc(), 4000);
  EXPECT_EQ(c.Create("/cse-in", 2, R"({"m2m:ae":{"api":"Nok","rr":true}})").rsc(), 4000);
  EXPECT_EQ(c.Create("/cse-in", 2, R"({"m2m:ae":{"api":"Nok","rr":true,"srv":["3"],"aei":"Cx"}})").rsc(), 4000);
  EXPECT_EQ(c.Create("/cse-in", 2, R"({"m2m:ae":{"api":"Nok","rr":true,"srv":["3"],"bogus":1}})").rsc(), 4000);
  // Lower-case 'r' App-IDs are a release 2a/3 allowance only.
  EXPECT_EQ(c.Create("/cse-in", 2, R"({"m2m:ae":{"api":"rlow","rr":true,"srv":["3"]}})").rsc(), 2001);
  EXPECT_EQ(c.Create("/cse-in", 2, R"({"m2m:ae":{"api":"rlow","rr":true,"srv":["4"]}})",
                     {{"X-M2M-RVI", "4"}}).rsc(), 4000);
}

TEST_F(Registration, DeregistrationRemovesSubtree) {
  auto aei = RegisterAe("dereg");
  Client ae(port(), aei);
  ASSERT_EQ(ae.Create("/cse-in/dereg", 3, R"({"m2m:cnt":{"rn":"c"}})").rsc(), 2001);
  ASSERT_EQ(ae.Create("/cse-in/dereg/c", 4, R"({"m2m:cin":{"con":"x"}})").rsc(), 2001);
  EXPECT_EQ(ae.Delete("/cse-in/dereg").rsc(), 2002);
  EXPECT_EQ(Admin().Retrieve("/cse-in/dereg/c").rsc(), 4004);
  EXPECT_EQ(Admin().Retrieve("/cse-in/dereg").rsc(), 4004);
  // The AE-ID is no longer registered.
  EXPECT_EQ(ae.Retrieve("/cse-in").rsc(), 4106);
}

TEST_F(Registration, AddressingFormsReachTheSameResource) {
  auto aei = RegisterAe("addr");
  Client ae(port(), aei);
  auto cnt = ae.Create("/cse-in/addr", 3, R"({"m2m:cnt":{"rn":"box"}})");
  ASSERT_EQ(cnt.rsc(), 2001);
  std::string ri = Str(cnt.json().at("m2m:cnt").at("ri"));
  EXPECT_EQ(cnt.header("content-location"), ri);
  for (const std::string& path : std::vector<std::string>{"/cse-in/addr/box", "/-/addr/box", "/" + ri, "/~/id-in/cse-in/addr/box",
                           "/~/id-in/" + ri, "/_/trustcse.local/id-in/cse-in/addr/box",
                           "/_/TRUSTCSE.local/id-in/" + ri}) {
    auto r = ae.Retrieve(path);
    EXPECT_EQ(r.rsc(), 2000) << path << " " << r.body;
    if (r.rsc() == 2000) {
      EXPECT_EQ(Str(r.json().at("m2m:cnt").at("ri")), ri) << path;
    }
  }
  // Another CSE of this SP is unknown to this IN-CSE (TS-0004 §7.3.2.6); another SP is not
  // reachable from here (no forwarding yet).
  EXPECT_EQ(ae.Retrieve("/~/id-other/cse-in").rsc(), 4004);
  EXPECT_EQ(ae.Retrieve("/_/other.sp/id-in/cse-in").rsc(), 5103);
  EXPECT_EQ(ae.Retrieve("/cse-in/addr/nothing").rsc(), 4004);
}

TEST_F(Registration, ReleaseVersionsAndRequestExpiration) {
  auto admin = Admin();
  EXPECT_EQ(admin.Retrieve("/cse-in", {{"X-M2M-RVI", "2a"}}).rsc(), 2000);
  EXPECT_EQ(admin.Retrieve("/cse-in", {{"X-M2M-RVI", "4"}}).rsc(), 2000);
  auto old = admin.Retrieve("/cse-in", {{"X-M2M-RVI", "1"}});
  EXPECT_EQ(old.rsc(), 4001);
  EXPECT_EQ(old.status, 501);
  EXPECT_EQ(admin.Retrieve("/cse-in", {{"X-M2M-RVI", "9"}}).rsc(), 4001);
  auto expired = admin.Retrieve("/cse-in", {{"X-M2M-RET", "20200101T000000"}});
  EXPECT_EQ(expired.rsc(), 4008);
  EXPECT_EQ(expired.status, 504);
  EXPECT_EQ(admin.Retrieve("/cse-in", {{"X-M2M-RET", "20991231T000000"}}).rsc(), 2000);
  EXPECT_EQ(admin.Retrieve("/cse-in", {{"X-M2M-RET", "60000"}}).rsc(), 2000);
  // Result expiration: already past → 4008; in the future → served.
  EXPECT_EQ(admin.Retrieve("/cse-in", {{"X-M2M-RST", "20200101T000000"}}).rsc(), 4008);
  EXPECT_EQ(admin.Retrieve("/cse-in", {{"X-M2M-RST", "60000"}}).rsc(), 2000);
}

TEST_F(Registration, UnregisteredAndCseOriginatorsAreRefused) {
  EXPECT_EQ(As("Cnobody").Retrieve("/cse-in").rsc(), 4106);
  EXPECT_EQ(As("/id-mn").Retrieve("/cse-in").rsc(), 4107);
}

}  // namespace
}  // namespace trustcse::testing
