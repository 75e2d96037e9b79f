// Black-box: non-blocking requests (rt=1 synch, rt=2 asynch), the <request> resource that records
// them, flexBlocking and noResponse.
#include <chrono>
#include <thread>

#include "fixture.h"

namespace trustcse::testing {
namespace {

namespace bj = boost::json;

class NonBlocking : public CseTest {
 protected:
  void SetUp() override {
    static int n = 0;
    name_ = "nb" + std::to_string(++n);
    aei_ = RegisterAe(name_);
    base_ = "/cse-in/" + name_;
  }
  Client Ae() const { return Client(port(), aei_); }
  // Retrieves the <request> `ri` until its requestStatus is no longer PENDING (3).
  bj::object WaitForResult(const Client& c, const std::string& ri) {
    for (int i = 0; i < 100; ++i) {
      auto r = const_cast<Client&>(c).Retrieve("/cse-in/" + ri);
      EXPECT_EQ(r.rsc(), 2000) << r.body;
      if (r.rsc() != 2000) return {};
      auto req = r.json().at("m2m:req").as_object();
      if (req.at("rs").as_int64() != 3) return req;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "request " << ri << " stayed pending";
    return {};
  }
  static std::string RequestId(const HttpResponse& r) { return Str(r.json().at("m2m:uri")); }
  std::string name_, aei_, base_;
};

TEST_F(NonBlocking, SynchronousRetrieveIsAcceptedAndItsResultKept) {
  auto ae = Ae();
  auto ack = ae.Retrieve(base_ + "?rt=1");
  ASSERT_EQ(ack.rsc(), 1001) << ack.body;
  EXPECT_EQ(ack.status, 202);
  std::string ri = RequestId(ack);
  ASSERT_FALSE(ri.empty());
  auto req = WaitForResult(ae, ri);
  ASSERT_FALSE(req.empty());
  EXPECT_EQ(req.at("ty").as_int64(), 17);
  EXPECT_EQ(req.at("op").as_int64(), 2);
  EXPECT_EQ(Str(req.at("tg")), base_.substr(1));
  EXPECT_EQ(Str(req.at("org")), aei_);
  EXPECT_EQ(req.at("mi").at("rt").at("rtv").as_int64(), 1);
  EXPECT_EQ(req.at("rs").as_int64(), 1);  // COMPLETED
  EXPECT_EQ(req.at("ors").at("rsc").as_int64(), 2000);
  EXPECT_EQ(Str(req.at("ors").at("pc").at("m2m:ae").at("aei")), aei_);
  EXPECT_EQ(Str(req.at("lbl").as_array()[0]), aei_);
  // The record belongs to the originator.
  std::string other = RegisterAe(name_ + "x");
  EXPECT_EQ(Client(port(), other).Retrieve("/cse-in/" + ri).rsc(), 4103);
  // Once finished it can be deleted; only acpi may change.
  EXPECT_EQ(ae.Update("/cse-in/" + ri, R"({"m2m:req":{"rs":1}})").rsc(), 4000);
  EXPECT_EQ(ae.Delete("/cse-in/" + ri).rsc(), 2002);
  EXPECT_EQ(ae.Retrieve("/cse-in/" + ri).rsc(), 4004);
}

TEST_F(NonBlocking, SynchronousCreateRunsTheOperation) {
  auto ae = Ae();
  auto ack = ae.Create(base_ + "?rt=1", 3, R"({"m2m:cnt":{"rn":"c"}})");
  ASSERT_EQ(ack.rsc(), 1001) << ack.body;
  auto req = WaitForResult(ae, RequestId(ack));
  ASSERT_FALSE(req.empty());
  EXPECT_EQ(req.at("op").as_int64(), 1);
  EXPECT_EQ(req.at("mi").at("ty").as_int64(), 3);
  EXPECT_EQ(Str(req.at("pc").at("m2m:cnt").at("rn")), "c");
  EXPECT_EQ(req.at("ors").at("rsc").as_int64(), 2001);
  EXPECT_EQ(ae.Retrieve(base_ + "/c").rsc(), 2000);
}

TEST_F(NonBlocking, FailuresAreRecordedNotAnswered) {
  auto ae = Ae();
  auto ack = ae.Retrieve(base_ + "/nothing-here?rt=1");
  ASSERT_EQ(ack.rsc(), 1001) << ack.body;
  auto req = WaitForResult(ae, RequestId(ack));
  ASSERT_FALSE(req.empty());
  EXPECT_EQ(req.at("rs").as_int64(), 2);  // FAILED
  EXPECT_EQ(req.at("ors").at("rsc").as_int64(), 4004);
  // No privilege on someone else's resource: recorded as 4103.
  std::string other = RegisterAe(name_ + "y");
  auto denied = Client(port(), other).Retrieve(base_ + "?rt=1");
  ASSERT_EQ(denied.rsc(), 1001);
  req = WaitForResult(Client(port(), other), RequestId(denied));
  EXPECT_EQ(req.at("ors").at("rsc").as_int64(), 4103);
}

TEST_F(NonBlocking, AsynchronousResultGoesToTheResponseTargets) {
  NotificationSink a, b;
  auto ae = Ae();
  auto ack = ae.Retrieve(base_ + "?rt=2", {{"X-M2M-RTU", a.url() + "&" + b.url()}});
  ASSERT_EQ(ack.rsc(), 1002) << ack.body;
  for (auto* sink : {&a, &b}) {
    auto got = sink->WaitFor(1);
    ASSERT_EQ(got.size(), 1u);
    auto rsp = bj::parse(got[0].body).at("m2m:rsp");
    EXPECT_EQ(rsp.at("rsc").as_int64(), 2000);
    EXPECT_EQ(Str(rsp.at("pc").at("m2m:ae").at("aei")), aei_);
    EXPECT_FALSE(Str(rsp.at("rqi")).empty());
    EXPECT_EQ(got[0].headers.at("x-m2m-origin"), "/id-in");
  }
  // The result is also kept in the <request>.
  auto req = WaitForResult(ae, RequestId(ack));
  EXPECT_EQ(req.at("ors").at("rsc").as_int64(), 2000);
  EXPECT_EQ(req.at("mi").at("rt").at("nu").as_array().size(), 2u);
}

TEST_F(NonBlocking, AsynchronousWithoutTargetsNotifiesTheOriginator) {
  NotificationSink sink, silent;
  // An AE reachable at the sink.
  Client c(port(), "C");
  auto reg = c.Create("/cse-in", 2,
                      R"({"m2m:ae":{"rn":")" + name_ + R"(p","api":"Napp","rr":true,"srv":["3"],"poa":[")" +
                          sink.url() + R"("]}})");
  ASSERT_EQ(reg.rsc(), 2001) << reg.body;
  Client ae(port(), Str(reg.json().at("m2m:ae").at("aei")));
  ASSERT_EQ(ae.Create("/cse-in/" + name_ + "p?rt=2", 3, R"({"m2m:cnt":{"rn":"c"}})").rsc(), 1002);
  auto got = sink.WaitFor(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(bj::parse(got[0].body).at("m2m:rsp").at("rsc").as_int64(), 2001);
  // An empty target list: the result goes nowhere (but is recorded).
  auto ack = ae.Retrieve("/cse-in/" + name_ + "p?rt=2", {{"X-M2M-RTU", ""}});
  ASSERT_EQ(ack.rsc(), 1002);
  auto req = WaitForResult(ae, RequestId(ack));
  EXPECT_EQ(req.at("ors").at("rsc").as_int64(), 2000);
  EXPECT_EQ(sink.WaitFor(2, 500).size(), 1u);
}

TEST_F(NonBlocking, RefusedForms) {
  auto ae = Ae();
  // Response targets belong to asynch requests.
  EXPECT_EQ(ae.Retrieve(base_ + "?rt=1", {{"X-M2M-RTU", "http://127.0.0.1:1/x"}}).rsc(), 4000);
  EXPECT_EQ(ae.Retrieve(base_ + "?rt=9").rsc(), 4000);
  EXPECT_EQ(ae.Retrieve(base_ + "?rt=1&rp=soon").rsc(), 4000);
  // <request> resources are the CSE's to create, and are read blocking.
  EXPECT_EQ(ae.Create("/cse-in", 17, R"({"m2m:req":{}})").rsc(), 4005);
  auto ack = ae.Retrieve(base_ + "?rt=1");
  ASSERT_EQ(ack.rsc(), 1001);
  EXPECT_EQ(ae.Retrieve("/cse-in/" + RequestId(ack) + "?rt=1").rsc(), 4000);
  // The originator is checked before anything is recorded.
  EXPECT_EQ(Client(port(), "Cnobody").Retrieve(base_ + "?rt=1").rsc(), 4106);
}

TEST_F(NonBlocking, ResultPersistenceBoundsTheRecord) {
  auto ae = Ae();
  auto ack = ae.Retrieve(base_ + "?rt=1&rp=PT1S");
  ASSERT_EQ(ack.rsc(), 1001) << ack.body;
  std::string ri = RequestId(ack);
  auto req = WaitForResult(ae, ri);
  ASSERT_FALSE(req.empty());
  // The reaper (1 s period) removes it once rp has passed.
  int rsc = 0;
  for (int i = 0; i < 60 && rsc != 4004; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    rsc = ae.Retrieve("/cse-in/" + ri).rsc();
  }
  EXPECT_EQ(rsc, 4004);
}

TEST_F(NonBlocking, FlexBlockingAnswersBlockingAndNoResponseAnswersNothing) {
  auto ae = Ae();
  auto flex = ae.Retrieve(base_ + "?rt=4");
  EXPECT_EQ(flex.rsc(), 2000) << flex.body;
  auto quiet = ae.Create(base_ + "?rt=5", 3, R"({"m2m:cnt":{"rn":"q"}})");
  EXPECT_EQ(quiet.rsc(), 1000) << quiet.body;
  EXPECT_EQ(quiet.status, 202);
  EXPECT_TRUE(quiet.body.empty()) << quiet.body;
  EXPECT_EQ(ae.Retrieve(base_ + "/q").rsc(), 2000);
}

}  // namespace
}  // namespace trustcse::testing
