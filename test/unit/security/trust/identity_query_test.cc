// Tests of identity and configuration on demand (TC-7): the query's content, the comparison of
// a report with the record, and the registry's side — a query needs an AE-ID to ask, the
// answer is kept, clears the query and raises the alert on a mismatch — and the gate taking a
// deviceInfo report as the answer.
#include "security/trust/identity_query.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <mutex>

#include "events/event_stream.h"
#include "security/trust/trust_fixture.h"
#include "security/trust/trust_gate.h"
#include "storage/store.h"
#include "events/event_log.h"

namespace trustcse::security::trust {
namespace {

namespace bj = boost::json;

using events::EventLog;

TEST(CompareWithRecord, NamesWhatDisagreesAndIgnoresWhatEitherLacks) {
  Machine m;
  m.imei = "490154203237518";
  m.imsi = "234150999999999";
  m.model = "T-1";
  Observed o;
  o.imei = m.imei;
  o.iccid = "8944500102198304826";  // the record has none
  o.model = "T-1";
  EXPECT_EQ(CompareWithRecord(m, o), "");
  o.imei = "352099001761481";
  o.model = "T-9";
  EXPECT_EQ(CompareWithRecord(m, o),
            "IMEI 352099001761481, recorded 490154203237518; model T-9, recorded T-1");
}

class IdentityQueryTest : public testing::Test {
 protected:
  IdentityQueryTest() : store_(storage::OpenMemoryStore()) {
    registry_ = std::make_shared<TrustRegistry>(*store_);
    events_->Subscribe(log_, {events::kAllKinds, 1000, false, "test"});
    registry_->SetEventStream(events_);
    AddProviderAndApp(*registry_, UseCaseClass::kNBN);
    EXPECT_TRUE(registry_
                    ->AddMachine({{"app", "RSP000001-1"},
                                  {"id", "M1"},
                                  {"entities", bj::array{"Ctrk"}},
                                  {"imei", "490154203237518"},
                                  {"model", "T-1"}},
                                 "CAdmin")
                    .has_value());
  }
  Decision Report(std::string dlb, std::string model) {
    RequestPrimitive req;
    req.op = Operation::kCreate;
    req.ty = 13;
    req.pc = bj::object{{"m2m:dvi", bj::object{{"dlb", dlb}, {"mod", model}, {"fwv", "1.2"}}}};
    SecurityContext ctx;
    ctx.request = &req;
    ctx.originator = "Ctrk";
    ctx.time = Now();
    return TrustGate(registry_, nullptr, TrustGateOptions{}).Check(ctx);
  }
  std::vector<events::Event> Events() {
    events_->Stop();  // delivers what is queued
    std::lock_guard lock(log_->mu);
    return log_->seen;
  }

  std::unique_ptr<storage::Store> store_;
  std::shared_ptr<TrustRegistry> registry_;
  std::shared_ptr<events::EventStream> events_ = std::make_shared<events::EventStream>();
  std::shared_ptr<EventLog> log_ = std::make_shared<EventLog>();
};

TEST_F(IdentityQueryTest, TheQueryNamesItselfAndNeedsAnAeToAsk) {
  auto q = registry_->StartQuery("M1", "cli:ops");
  ASSERT_TRUE(q.has_value()) << q.error().message();
  EXPECT_EQ(q->query_id.size(), 16u);
  EXPECT_EQ(q->history.back().field, "query");
  auto body = bj::parse(IdentityQueryBody(*q)).as_object();
  const auto& iq = body.at("trustcse:identityQuery").as_object();
  EXPECT_EQ(iq.at("query").as_string(), q->query_id);
  EXPECT_EQ(iq.at("machine").as_string(), "M1");
  EXPECT_EQ(bj::serialize(iq.at("report")), R"(["m2m:dvi","dcfg:sim"])");

  ASSERT_TRUE(registry_->AddMachine({{"app", "RSP000001-1"}, {"id", "M2"}}, "CAdmin").has_value());
  auto none = registry_->StartQuery("M2", "cli:ops");
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().message().find("names no AE-ID"), std::string::npos);
  EXPECT_EQ(registry_->StartQuery("M404", "cli:ops").error().code(), Rsc::kNotFound);
}

TEST_F(IdentityQueryTest, AMismatchingAnswerIsKeptAndRaisesTheAlert) {
  // A report without a pending query is no answer.
  EXPECT_EQ(Report("490154203237518", "T-9").verdict, Verdict::kAllow);
  EXPECT_TRUE(registry_->FindMachine("M1")->answer.at.empty());

  ASSERT_TRUE(registry_->StartQuery("M1", "cli:ops").has_value());
  // The binding is off: the answer is compared and recorded, the request served.
  EXPECT_EQ(Report("352099001761481", "T-9").verdict, Verdict::kAllow);
  auto m = registry_->FindMachine("M1");
  EXPECT_TRUE(m->query_id.empty());
  EXPECT_EQ(m->answer.result,
            "IMEI 352099001761481, recorded 490154203237518; model T-9, recorded T-1");
  EXPECT_EQ(m->answer.firmware, "1.2");
  // Kept durably: a fresh registry reads the answer back.
  ASSERT_TRUE(store_->SubmitAndWait([](storage::WriteTxn&) { return Status::Ok(); }).ok());
  TrustRegistry fresh(*store_);
  ASSERT_TRUE(fresh.Load().ok());
  EXPECT_EQ(fresh.FindMachine("M1")->answer.result, m->answer.result);

  // A second query answered in agreement.
  ASSERT_TRUE(registry_->StartQuery("M1", "cli:ops").has_value());
  EXPECT_EQ(Report("490154203237518", "T-1").verdict, Verdict::kAllow);
  EXPECT_EQ(registry_->FindMachine("M1")->answer.result, "matches the record");

  std::vector<std::string> ops;
  for (const auto& e : Events()) {
    if (e.kind == events::Kind::kTrust) ops.push_back(e.operation + " " + e.target);
  }
  EXPECT_EQ(ops, (std::vector<std::string>{"query.mismatch M1", "query.answered M1"}));
}

}  // namespace
}  // namespace trustcse::security::trust
