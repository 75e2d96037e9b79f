// Black-box: subscriptions with verification, event types, content types, exc, deletion notice.
#include <chrono>
#include <thread>

#include "fixture.h"

namespace trustcse::testing {
namespace {

class Notifications : public CseTest {};

boost::json::value Parse(const std::string& s) {
  boost::system::error_code ec;
  auto v = boost::json::parse(s, ec);
  return ec ? boost::json::value() : v;
}

TEST_F(Notifications, VerifiesThenNotifiesCreateUpdateDelete) {
  NotificationSink sink;
  auto aei = RegisterAe("nae", "Cnae");
  Client ae(port(), aei);
  ASSERT_EQ(ae.Create("/cse-in/nae", 3, R"({"m2m:cnt":{"rn":"c"}})").rsc(), 2001);
  auto sub = ae.Create("/cse-in/nae/c", 23, R"({"m2m:sub":{"rn":"s","nu":[")" + sink.url() +
                                                R"("],"enc":{"net":[1,2,3,4]},"su":")" +
                                                sink.url() + R"("}})");
  ASSERT_EQ(sub.rsc(), 2001) << sub.body;
  std::string sub_ri = Str(sub.json().at("m2m:sub").at("ri"));
  auto got = sink.WaitFor(1);
  ASSERT_GE(got.size(), 1u);
  auto vrq = Parse(got[0].body).at("m2m:sgn");
  EXPECT_TRUE(vrq.at("vrq").as_bool());
  EXPECT_EQ(Str(vrq.at("sur")), "/id-in/" + sub_ri);
  EXPECT_EQ(Str(vrq.at("cr")), aei);
  EXPECT_EQ(got[0].headers["x-m2m-origin"], "/id-in");
  EXPECT_EQ(got[0].headers["via"], "1.1 id-in");  // names the CSE, against forwarding loops

  ASSERT_EQ(ae.Create("/cse-in/nae/c", 4, R"({"m2m:cin":{"rn":"i","con":"42"}})").rsc(), 2001);
  got = sink.WaitFor(2);
  ASSERT_GE(got.size(), 2u);
  auto nev = Parse(got[1].body).at("m2m:sgn").at("nev");
  EXPECT_EQ(nev.at("net").as_int64(), 3);
  EXPECT_EQ(Str(nev.at("rep").at("m2m:cin").at("con")), "42");

  ASSERT_EQ(ae.Update("/cse-in/nae/c", R"({"m2m:cnt":{"lbl":["x"]}})").rsc(), 2004);
  got = sink.WaitFor(3);
  ASSERT_GE(got.size(), 3u);
  EXPECT_EQ(Parse(got[2].body).at("m2m:sgn").at("nev").at("net").as_int64(), 1);

  ASSERT_EQ(ae.Delete("/cse-in/nae/c/i").rsc(), 2002);
  got = sink.WaitFor(4);
  ASSERT_GE(got.size(), 4u);
  EXPECT_EQ(Parse(got[3].body).at("m2m:sgn").at("nev").at("net").as_int64(), 4);

  // Deleting the container: net=2 for the resource, then the subscription's deletion notice.
  ASSERT_EQ(ae.Delete("/cse-in/nae/c").rsc(), 2002);
  got = sink.WaitFor(6);
  ASSERT_GE(got.size(), 6u);
  bool deleted = false, sud = false;
  for (size_t i = 4; i < got.size(); ++i) {
    auto sgn = Parse(got[i].body).at("m2m:sgn").as_object();
    if (sgn.contains("sud")) sud = true;
    if (sgn.contains("nev") && sgn.at("nev").at("net").as_int64() == 2) deleted = true;
  }
  EXPECT_TRUE(deleted);
  EXPECT_TRUE(sud);
}

TEST_F(Notifications, FailedVerificationRefusesSubscription) {
  NotificationSink sink;
  sink.set_reply(403, 4101);
  auto aei = RegisterAe("nver", "Cnver");
  Client ae(port(), aei);
  auto r = ae.Create("/cse-in/nver", 23, R"({"m2m:sub":{"nu":[")" + sink.url() + R"("]}})");
  EXPECT_EQ(r.rsc(), 5204) << r.body;
  // Unreachable target.
  r = ae.Create("/cse-in/nver", 23, R"({"m2m:sub":{"nu":["http://127.0.0.1:1/x"]}})");
  EXPECT_EQ(r.rsc(), 5204) << r.body;
  EXPECT_EQ(ae.Retrieve("/cse-in/nver?fu=1&ty=23").json().at("m2m:uril").as_array().size(), 0u);
  // No verification when the originator subscribes itself (its AE-ID as nu); then no poa: skipped.
  EXPECT_EQ(ae.Create("/cse-in/nver", 23, R"({"m2m:sub":{"nu":["Cnver"]}})").rsc(), 2001);
}

TEST_F(Notifications, ExpirationCounterAndResourceIdContent) {
  NotificationSink sink;
  auto aei = RegisterAe("nexc", "Cnexc");
  Client ae(port(), aei);
  ASSERT_EQ(ae.Create("/cse-in/nexc", 3, R"({"m2m:cnt":{"rn":"c"}})").rsc(), 2001);
  ASSERT_EQ(ae.Create("/cse-in/nexc/c", 23, R"({"m2m:sub":{"rn":"s","nu":[")" + sink.url() +
                                                R"("],"enc":{"net":[3]},"nct":3,"exc":2,"su":")" +
                                                sink.url() + R"("}})").rsc(),
            2001);
  sink.WaitFor(1);  // verification
  auto cin1 = ae.Create("/cse-in/nexc/c", 4, R"({"m2m:cin":{"con":"1"}})");
  std::string ri1 = Str(cin1.json().at("m2m:cin").at("ri"));
  auto got = sink.WaitFor(2);
  ASSERT_GE(got.size(), 2u);
  // nct 3: the m2m:URI element (TS-0004 Table 6.3.5.62-1), SP-relative.
  EXPECT_EQ(Str(Parse(got[1].body).at("m2m:sgn").at("nev").at("rep").at("m2m:uri")),
            "/id-in/" + ri1);
  ASSERT_EQ(ae.Create("/cse-in/nexc/c", 4, R"({"m2m:cin":{"con":"2"}})").rsc(), 2001);
  got = sink.WaitFor(4);  // second event + deletion notice at exc=0
  ASSERT_GE(got.size(), 4u);
  EXPECT_TRUE(Parse(got[3].body).at("m2m:sgn").as_object().contains("sud"));
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    gone = ae.Retrieve("/cse-in/nexc/c/s").rsc() == 4004;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(gone);
  ASSERT_EQ(ae.Create("/cse-in/nexc/c", 4, R"({"m2m:cin":{"con":"3"}})").rsc(), 2001);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(sink.WaitFor(5, 200).size(), 4u);  // nothing more after the subscription ended
}

TEST_F(Notifications, SubscriberNeedsNotifyPrivilegeOnALocalTarget) {
  NotificationSink sink;
  auto sub = RegisterAe("nsub", "Cnsub");
  Client s(port(), sub);
  // The target AE is reachable at the sink; it grants NOTIFY to nobody but itself at first.
  Client target(port(), "Cntarget");
  ASSERT_EQ(target.Create("/cse-in", 2, R"({"m2m:ae":{"rn":"ntarget","api":"Nt","rr":true,"srv":["3"],"poa":[")" +
                                            sink.url() + R"("]}})").rsc(), 2001);
  ASSERT_EQ(s.Create("/cse-in/nsub", 3, R"({"m2m:cnt":{"rn":"c"}})").rsc(), 2001);
  auto denied = s.Create("/cse-in/nsub/c", 23, R"({"m2m:sub":{"nu":["Cntarget"]}})");
  EXPECT_EQ(denied.rsc(), 4101) << denied.body;
  EXPECT_EQ(denied.status, 403);
  // With an ACP on the target that lets the subscriber notify, verification goes to its poa.
  ASSERT_EQ(target.Create("/cse-in/ntarget", 1, R"({"m2m:acp":{"rn":"n",
      "pv":{"acr":[{"acor":["Cnsub"],"acop":16}]},"pvs":{"acr":[{"acor":["Cntarget"],"acop":63}]}}})").rsc(), 2001);
  ASSERT_EQ(target.Update("/cse-in/ntarget", R"({"m2m:ae":{"acpi":["cse-in/ntarget/n"]}})").rsc(), 2004);
  auto ok = s.Create("/cse-in/nsub/c", 23, R"({"m2m:sub":{"nu":["Cntarget"]}})");
  EXPECT_EQ(ok.rsc(), 2001) << ok.body;
  auto got = sink.WaitFor(1);
  ASSERT_GE(got.size(), 1u);
  EXPECT_TRUE(Parse(got[0].body).at("m2m:sgn").at("vrq").as_bool());

  // A NOTIFY the subscriber addresses to the target AE goes on to its poa, from the subscriber,
  // and the AE's answer comes back.
  auto sent = s.Notify("/cse-in/ntarget", R"({"m2m:sgn":{"nev":{"rep":{"hello":1},"net":1}}})");
  EXPECT_EQ(sent.rsc(), 2000) << sent.body;
  got = sink.WaitFor(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].headers["x-m2m-origin"], "Cnsub");
  EXPECT_EQ(Parse(got[1].body).at("m2m:sgn").at("nev").at("rep").at("hello").as_int64(), 1);
  sink.set_reply(404, 4004);
  EXPECT_EQ(s.Notify("/cse-in/ntarget", R"({"m2m:sgn":{}})").rsc(), 4004);
  // Its ACP lets nobody else notify it.
  RegisterAe("nother", "Cnother");
  EXPECT_EQ(As("Cnother").Notify("/cse-in/ntarget", R"({"m2m:sgn":{}})").rsc(), 4103);
  EXPECT_EQ(sink.WaitFor(4, 300).size(), 3u);
}

// An AE whose point of access is this CSE itself: a NOTIFY forwarded to it comes back, is
// recognised by its Via header and not forwarded again.
TEST_F(Notifications, AForwardingLoopIsCut) {
  Client target(port(), "Cnloop");
  ASSERT_EQ(target.Create("/cse-in", 2, R"({"m2m:ae":{"rn":"nloop","api":"Nt","rr":true,"srv":["3"],"poa":["http://127.0.0.1:)" +
                                            std::to_string(port()) + R"(/cse-in/nloop"]}})").rsc(), 2001);
  ASSERT_EQ(target.Create("/cse-in/nloop", 1, R"({"m2m:acp":{"rn":"n",
      "pv":{"acr":[{"acor":["Cnloopapp"],"acop":16},{"acor":["Cnloop"],"acop":63}]},
      "pvs":{"acr":[{"acor":["Cnloop"],"acop":63}]}}})").rsc(), 2001);
  ASSERT_EQ(target.Update("/cse-in/nloop", R"({"m2m:ae":{"acpi":["cse-in/nloop/n"]}})").rsc(), 2004);
  RegisterAe("nloopapp", "Cnloopapp");
  auto start = std::chrono::steady_clock::now();
  auto r = As("Cnloopapp").Notify("/cse-in/nloop", R"({"m2m:sgn":{}})");
  EXPECT_EQ(r.rsc(), 5103) << r.body;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(Notifications, SubscriptionRulesAreChecked) {
  auto aei = RegisterAe("nrule", "Cnrule");
  Client ae(port(), aei);
  ASSERT_EQ(ae.Create("/cse-in/nrule", 3, R"({"m2m:cnt":{"rn":"c"}})").rsc(), 2001);
  ASSERT_EQ(ae.Create("/cse-in/nrule/c", 4, R"({"m2m:cin":{"rn":"i","con":"1"}})").rsc(), 2001);
  EXPECT_EQ(ae.Create("/cse-in/nrule/c/i", 23, R"({"m2m:sub":{"nu":["Cnrule"]}})").rsc(), 5203);
  EXPECT_EQ(ae.Create("/cse-in/nrule/c", 23, R"({"m2m:sub":{}})").rsc(), 4000);
  EXPECT_EQ(ae.Create("/cse-in/nrule/c", 23, R"({"m2m:sub":{"nu":[]}})").rsc(), 4000);
  EXPECT_EQ(ae.Create("/cse-in/nrule/c", 23, R"({"m2m:sub":{"nu":["Cnrule"],"nct":2,"enc":{"net":[3]}}})").rsc(), 4000);
  // A stranger may not subscribe to what it cannot retrieve.
  RegisterAe("nstr", "Cnstr");
  EXPECT_EQ(As("Cnstr").Create("/cse-in/nrule/c", 23, R"({"m2m:sub":{"nu":["Cnstr"]}})").rsc(), 4103);
}

}  // namespace
}  // namespace trustcse::testing
