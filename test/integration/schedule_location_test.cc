// Black-box: <schedule> (ty 18) — validation, the fixed notificationSchedule name, one per
// CSEBase, and a subscription's schedule gating its notifications; <locationPolicy> (ty 10) —
// device-based positioning with the linked location container, and the refused variants.
#include <chrono>
#include <ctime>

#include "fixture.h"

namespace trustcse::testing {
namespace {

namespace bj = boost::json;

constexpr const char* kAlways = "* * * * * * *";
constexpr const char* kNever = "* * * * * * 2099";  // a year still to come

std::string Schedule(const std::string& rn, const std::string& entry) {
  std::string name = rn.empty() ? "" : R"("rn":")" + rn + R"(",)";
  return R"({"m2m:sch":{)" + name + R"("se":{"sce":[")" + entry + R"("]}}})";
}

class Schedules : public CseTest {};

TEST_F(Schedules, ValidatesEntriesAndPlacement) {
  auto aei = RegisterAe("schv", "Cschv");
  Client ae(port(), aei);
  ASSERT_EQ(ae.Create("/cse-in/schv", 3, R"({"m2m:cnt":{"rn":"c"}})").rsc(), 2001);
  // Not under an AE or a container.
  EXPECT_EQ(ae.Create("/cse-in/schv", 18, Schedule("s", kAlways)).rsc(), 4108);
  EXPECT_EQ(ae.Create("/cse-in/schv/c", 18, Schedule("s", kAlways)).rsc(), 4108);
  NotificationSink sink;
  ASSERT_EQ(ae.Create("/cse-in/schv/c", 23,
                      R"({"m2m:sub":{"rn":"sub","nu":[")" + sink.url() + R"("]}})")
                .rsc(),
            2001);
  const std::string sub = "/cse-in/schv/c/sub";
  for (const char* bad : {R"({"m2m:sch":{}})",                                   // se missing
                          R"({"m2m:sch":{"se":{"sce":[]}}})",                    // no entries
                          R"({"m2m:sch":{"se":{"sce":["* * * * *"]}}})",         // five fields
                          R"({"m2m:sch":{"se":{"sce":["* * 25 * * * *"]}}})",    // hour 25
                          R"({"m2m:sch":{"se":{"sce":[7]}}})",                   // not text
                          R"({"m2m:sch":{"se":{"sce":["* * * * * * *"],"x":1}}})"}) {
    auto r = ae.Create(sub, 18, bad);
    EXPECT_EQ(r.rsc(), 4000) << bad << ": " << r.body;
  }
  // networkCoordinated belongs to a node's schedule.
  EXPECT_EQ(ae.Create(sub, 18, R"({"m2m:sch":{"se":{"sce":["* * * * * * *"]},"nco":false}})").rsc(),
            4102);
  // Under a subscription the name is fixed: given it, or given nothing.
  EXPECT_EQ(ae.Create(sub, 18, Schedule("other", kAlways)).rsc(), 4000);
  auto r = ae.Create(sub, 18, Schedule("", kAlways));
  ASSERT_EQ(r.rsc(), 2001) << r.body;
  EXPECT_EQ(Str(r.json().at("m2m:sch").at("rn")), "notificationSchedule");
  auto got = ae.Retrieve(sub + "/notificationSchedule");
  ASSERT_EQ(got.rsc(), 2000) << got.body;
  EXPECT_EQ(got.json().at("m2m:sch").at("ty").as_int64(), 18);
  EXPECT_EQ(Str(got.json().at("m2m:sch").at("se").at("sce").at(0)), kAlways);
  // Updates are validated too.
  EXPECT_EQ(ae.Update(sub + "/notificationSchedule", R"({"m2m:sch":{"se":{"sce":["bad"]}}})").rsc(),
            4000);
  EXPECT_EQ(ae.Update(sub + "/notificationSchedule", Schedule("", kNever)).rsc(), 2004);
}

TEST_F(Schedules, NodeAndCseBaseSchedules) {
  ASSERT_EQ(Admin().Create("/cse-in", 14, R"({"m2m:nod":{"rn":"schnode","ni":"urn:dev:sch"}})").rsc(),
            2001);
  EXPECT_EQ(Admin().Create("/cse-in/schnode", 18, Schedule("up", "0 0-30 8 * * 1-5 *")).rsc(), 2001);
  // networkCoordinated: only under a node, and not supported.
  EXPECT_EQ(Admin()
                .Create("/cse-in/schnode", 18,
                        R"({"m2m:sch":{"se":{"sce":["* * * * * * *"]},"nco":true}})")
                .rsc(),
            5001);
  EXPECT_EQ(Admin().Create("/cse-in", 18, Schedule("avail", kAlways)).rsc(), 2001);
  EXPECT_EQ(Admin().Create("/cse-in", 18, Schedule("avail2", kAlways)).rsc(), 4000);
  EXPECT_EQ(Admin().Retrieve("/cse-in/avail").json().at("m2m:sch").at("ty").as_int64(), 18);
}

// Notifications of a subscription with a notificationSchedule go only within its entries; the
// notifier keeps order, so a later notification arriving first proves an earlier one was dropped.
TEST_F(Schedules, NotificationScheduleGatesNotifications) {
  NotificationSink sink;
  auto aei = RegisterAe("schg", "Cschg");
  Client ae(port(), aei);
  ASSERT_EQ(ae.Create("/cse-in/schg", 3, R"({"m2m:cnt":{"rn":"c"}})").rsc(), 2001);
  ASSERT_EQ(ae.Create("/cse-in/schg/c", 23,
                      R"({"m2m:sub":{"rn":"s","nu":[")" + sink.url() + R"("],"enc":{"net":[3]}}})")
                .rsc(),
            2001);
  ASSERT_EQ(sink.WaitFor(1).size(), 1u);  // verification
  ASSERT_EQ(ae.Create("/cse-in/schg/c/s", 18, Schedule("", kNever)).rsc(), 2001);
  // A second subscription without a schedule shows when the notifier has handled an event (the
  // schedule counts when the event is handled, not when it was written).
  NotificationSink witness;
  ASSERT_EQ(ae.Create("/cse-in/schg/c", 23,
                      R"({"m2m:sub":{"rn":"w","nu":[")" + witness.url() + R"("],"enc":{"net":[3]}}})")
                .rsc(),
            2001);
  ASSERT_EQ(witness.WaitFor(1).size(), 1u);  // verification
  ASSERT_EQ(ae.Create("/cse-in/schg/c", 4, R"({"m2m:cin":{"con":"outside"}})").rsc(), 2001);
  ASSERT_EQ(witness.WaitFor(2).size(), 2u);
  ASSERT_EQ(ae.Update("/cse-in/schg/c/s/notificationSchedule", Schedule("", kAlways)).rsc(), 2004);
  ASSERT_EQ(ae.Create("/cse-in/schg/c", 4, R"({"m2m:cin":{"con":"inside"}})").rsc(), 2001);
  auto got = sink.WaitFor(2);
  ASSERT_EQ(got.size(), 2u);
  auto rep = bj::parse(got[1].body).at("m2m:sgn").at("nev").at("rep");
  EXPECT_EQ(Str(rep.at("m2m:cin").at("con")), "inside");

  // Immediate events (nec 2) ignore the schedule.
  ASSERT_EQ(ae.Update("/cse-in/schg/c/s/notificationSchedule", Schedule("", kNever)).rsc(), 2004);
  ASSERT_EQ(ae.Update("/cse-in/schg/c/s", R"({"m2m:sub":{"nec":2}})").rsc(), 2004);
  ASSERT_EQ(ae.Create("/cse-in/schg/c", 4, R"({"m2m:cin":{"con":"urgent"}})").rsc(), 2001);
  got = sink.WaitFor(3);
  ASSERT_EQ(got.size(), 3u);
  rep = bj::parse(got[2].body).at("m2m:sgn").at("nev").at("rep");
  EXPECT_EQ(Str(rep.at("m2m:cin").at("con")), "urgent");

  // Without a schedule, every event goes.
  ASSERT_EQ(ae.Update("/cse-in/schg/c/s", R"({"m2m:sub":{"nec":null}})").rsc(), 2004);
  ASSERT_EQ(ae.Delete("/cse-in/schg/c/s/notificationSchedule").rsc(), 2002);
  ASSERT_EQ(ae.Create("/cse-in/schg/c", 4, R"({"m2m:cin":{"con":"free"}})").rsc(), 2001);
  got = sink.WaitFor(4);
  ASSERT_EQ(got.size(), 4u);
  rep = bj::parse(got[3].body).at("m2m:sgn").at("nev").at("rep");
  EXPECT_EQ(Str(rep.at("m2m:cin").at("con")), "free");
}

// An AE on a node that sleeps by its schedule gets its notifications when the node wakes.
TEST_F(Schedules, NotificationsWaitForTheNodeToWake) {
  NotificationSink sink;
  auto node = Admin().Create("/cse-in", 14, R"({"m2m:nod":{"rn":"sleeper","ni":"urn:dev:sleeper"}})");
  ASSERT_EQ(node.rsc(), 2001) << node.body;
  const std::string node_ri = Str(node.json().at("m2m:nod").at("ri"));
  // Awake one second a minute: four seconds from now.
  const time_t wake = time(nullptr) + 4;
  const std::string entry = std::to_string(wake % 60) + " * * * * * *";
  ASSERT_EQ(Admin().Create("/cse-in/sleeper", 18, Schedule("awake", entry)).rsc(), 2001);
  Client c(port(), "Csleepae");
  auto ae = c.Create("/cse-in", 2,
                     R"({"m2m:ae":{"rn":"sleepae","api":"Ns","rr":true,"srv":["3"],"nl":")" +
                         node_ri + R"(","poa":[")" + sink.url() + R"("]}})");
  ASSERT_EQ(ae.rsc(), 2001) << ae.body;
  Client dev(port(), "Csleepae");
  ASSERT_EQ(dev.Create("/cse-in/sleepae", 3, R"({"m2m:cnt":{"rn":"c"}})").rsc(), 2001);
  ASSERT_EQ(dev.Create("/cse-in/sleepae/c", 23,
                       R"({"m2m:sub":{"nu":["Csleepae"],"enc":{"net":[3]}}})")
                .rsc(),
            2001);
  ASSERT_EQ(dev.Create("/cse-in/sleepae/c", 4, R"({"m2m:cin":{"con":"held"}})").rsc(), 2001);
  EXPECT_EQ(sink.WaitFor(1, 1500).size(), 0u);  // asleep
  auto got = sink.WaitFor(1, 10000);
  ASSERT_EQ(got.size(), 1u);
  // (time() may read a coarse clock a tick behind; the precise one, with that much slack.)
  EXPECT_GE(std::chrono::system_clock::now(),
            std::chrono::system_clock::from_time_t(wake) - std::chrono::milliseconds(50));
  EXPECT_EQ(Str(bj::parse(got[0].body).at("m2m:sgn").at("nev").at("rep").at("m2m:cin").at("con")),
            "held");
}

class LocationPolicies : public CseTest {};

TEST_F(LocationPolicies, DeviceBasedPolicyOwnsItsLocationContainer) {
  auto aei = RegisterAe("tracker", "Ctracker");
  Client dev(port(), aei);
  auto r = dev.Create("/cse-in/tracker", 10,
                      R"({"m2m:lcp":{"rn":"gps","los":2,"lou":["PT30S"],"lon":"positions","cr":null}})");
  ASSERT_EQ(r.rsc(), 2001) << r.body;
  auto lcp = r.json().at("m2m:lcp");
  const std::string lcp_ri = Str(lcp.at("ri"));
  const std::string loi = Str(lcp.at("loi"));
  EXPECT_EQ(lcp.at("ty").as_int64(), 10);
  EXPECT_EQ(Str(lcp.at("cr")), aei);
  // The container beside it, linked both ways.
  auto cnt = dev.Retrieve("/cse-in/tracker/positions");
  ASSERT_EQ(cnt.rsc(), 2000) << cnt.body;
  EXPECT_EQ(Str(cnt.json().at("m2m:cnt").at("ri")), loi);
  EXPECT_EQ(Str(cnt.json().at("m2m:cnt").at("li")), lcp_ri);
  // li is the CSE's to set.
  EXPECT_EQ(dev.Update("/cse-in/tracker/positions", R"({"m2m:cnt":{"li":"x"}})").rsc(), 4000);
  EXPECT_EQ(dev.Create("/cse-in/tracker", 3, R"({"m2m:cnt":{"rn":"c2","li":"x"}})").rsc(), 4000);
  // The device reports its positions into it.
  ASSERT_EQ(dev.Create("/cse-in/tracker/positions", 4,
                       R"({"m2m:cin":{"cnf":"application/json:0","con":"{\"lat\":48.1,\"lon\":11.6}"}})")
                .rsc(),
            2001);
  auto la = dev.Retrieve("/cse-in/tracker/positions/la");
  ASSERT_EQ(la.rsc(), 2000) << la.body;
  EXPECT_NE(Str(la.json().at("m2m:cin").at("con")).find("48.1"), std::string::npos);
  // The policy can be updated; deleting it deletes the container and its locations, and the
  // container's subscribers hear of it as of any deletion.
  NotificationSink sink;
  ASSERT_EQ(dev.Create("/cse-in/tracker/positions", 23,
                       R"({"m2m:sub":{"nu":[")" + sink.url() + R"("],"enc":{"net":[2]}}})")
                .rsc(),
            2001);
  ASSERT_EQ(sink.WaitFor(1).size(), 1u);  // verification
  EXPECT_EQ(dev.Update("/cse-in/tracker/gps", R"({"m2m:lcp":{"lou":["PT5M"]}})").rsc(), 2004);
  ASSERT_EQ(dev.Delete("/cse-in/tracker/gps").rsc(), 2002);
  EXPECT_EQ(dev.Retrieve("/cse-in/tracker/positions").rsc(), 4004);
  EXPECT_EQ(dev.Retrieve("/cse-in/tracker/positions/la").rsc(), 4004);
  auto got = sink.WaitFor(2);
  ASSERT_GE(got.size(), 2u);
  EXPECT_EQ(bj::parse(got[1].body).at("m2m:sgn").at("nev").at("net").as_int64(), 2) << got[1].body;
}

TEST_F(LocationPolicies, GeneratedContainerNameAndConflicts) {
  auto aei = RegisterAe("tracker2", "Ctracker2");
  Client dev(port(), aei);
  auto r = dev.Create("/cse-in/tracker2", 10, R"({"m2m:lcp":{"los":2}})");
  ASSERT_EQ(r.rsc(), 2001) << r.body;
  const std::string loi = Str(r.json().at("m2m:lcp").at("loi"));
  auto cnt = dev.Retrieve("/cse-in/tracker2/" + loi);
  ASSERT_EQ(cnt.rsc(), 2000) << cnt.body;
  // A container name already taken is a conflict, and nothing is created.
  ASSERT_EQ(dev.Create("/cse-in/tracker2", 3, R"({"m2m:cnt":{"rn":"taken"}})").rsc(), 2001);
  EXPECT_EQ(dev.Create("/cse-in/tracker2", 10, R"({"m2m:lcp":{"rn":"p2","los":2,"lon":"taken"}})").rsc(),
            4105);
  EXPECT_EQ(dev.Retrieve("/cse-in/tracker2/p2").rsc(), 4004);
}

TEST_F(LocationPolicies, RefusesWhatIsNotSupportedOrInvalid) {
  auto aei = RegisterAe("tracker3", "Ctracker3");
  Client dev(port(), aei);
  // Network-based and sharing-based positioning, and geofence events: not implemented.
  EXPECT_EQ(dev.Create("/cse-in/tracker3", 10, R"({"m2m:lcp":{"los":1}})").rsc(), 5001);
  EXPECT_EQ(dev.Create("/cse-in/tracker3", 10, R"({"m2m:lcp":{"los":3}})").rsc(), 5001);
  EXPECT_EQ(dev.Create("/cse-in/tracker3", 10, R"({"m2m:lcp":{"los":2,"lit":2}})").rsc(), 5001);
  // Invalid: no los, los out of range, network-only attributes, bad durations, CSE-set ones.
  for (const char* bad : {R"({"m2m:lcp":{}})", R"({"m2m:lcp":{"los":4}})",
                          R"({"m2m:lcp":{"los":2,"lot":"imsi:1"}})",
                          R"({"m2m:lcp":{"los":2,"lou":["30 seconds"]}})",
                          R"({"m2m:lcp":{"los":2,"loi":"x"}})",
                          R"({"m2m:lcp":{"los":2,"lon":""}})",
                          R"({"m2m:lcp":{"los":2,"lon":"la"}})",
                          R"({"m2m:lcp":{"los":2,"lon":"a b"}})",
                          R"({"m2m:lcp":{"los":2,"lon":"-x"}})"}) {
    auto r = dev.Create("/cse-in/tracker3", 10, bad);
    EXPECT_EQ(r.rsc(), 4000) << bad << ": " << r.body;
  }
  // Only under the CSEBase or an AE.
  ASSERT_EQ(dev.Create("/cse-in/tracker3", 3, R"({"m2m:cnt":{"rn":"c"}})").rsc(), 2001);
  EXPECT_EQ(dev.Create("/cse-in/tracker3/c", 10, R"({"m2m:lcp":{"los":2}})").rsc(), 4108);
  // los cannot change.
  ASSERT_EQ(dev.Create("/cse-in/tracker3", 10, R"({"m2m:lcp":{"rn":"p","los":2}})").rsc(), 2001);
  EXPECT_EQ(dev.Update("/cse-in/tracker3/p", R"({"m2m:lcp":{"los":1}})").rsc(), 4000);
}

}  // namespace
}  // namespace trustcse::testing
