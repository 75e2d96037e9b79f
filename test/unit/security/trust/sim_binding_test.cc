// Tests of the SIM↔device binding (TC-2): the identities a request shows (credential
// attributes, deviceInfo and SIM reports), the check in learn and strict mode, the registry's
// learning and locking (the other machine too, the history, the stored record) and the
// provider's answer, and the gate refusing the very request that reveals a swap.
#include "security/trust/sim_binding.h"

#include "events/event_log.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "security/trust/trust_fixture.h"
#include "security/trust/trust_gate.h"
#include "storage/store.h"

namespace trustcse::security::trust {
namespace {

namespace bj = boost::json;
using Kind = BindingVerdict::Kind;

constexpr const char* kImeiA = "490154203237518";
constexpr const char* kImeiB = "352099001761481";
constexpr const char* kImeiC = "353456789012348";
constexpr const char* kImsi1 = "234150999999999";
constexpr const char* kImsi2 = "234150888888888";
constexpr const char* kIccid1 = "8944500102198304826";

RequestPrimitive Report(Operation op, std::string_view key, bj::object body) {
  RequestPrimitive r;
  r.op = op;
  r.ty = op == Operation::kCreate ? 13 : 0;
  r.pc = bj::object{{key, std::move(body)}};
  return r;
}

TEST(ImeiOfLabel, AcceptsTheUsualFormsOfAnImeiOnly) {
  EXPECT_EQ(ImeiOfLabel(kImeiA), kImeiA);
  EXPECT_EQ(ImeiOfLabel("IMEI:490154203237518"), kImeiA);
  EXPECT_EQ(ImeiOfLabel("urn:gsma:imei:49015420-323751-8"), kImeiA);
  EXPECT_EQ(ImeiOfLabel("49-015420-323751-8"), kImeiA);
  EXPECT_EQ(ImeiOfLabel("490154203237519"), "");  // wrong check digit
  EXPECT_EQ(ImeiOfLabel("49015420323751"), "");   // 14 digits: maybe a serial
  EXPECT_EQ(ImeiOfLabel("SN-4711"), "");
  EXPECT_EQ(ImeiOfLabel("4901542032375180000"), "");
}

TEST(ObservedIdentities, ReadsTheCredentialAndTheDevicesReports) {
  Credential cred;
  cred.imsi = kImsi1;
  auto dvi = Report(Operation::kCreate, "m2m:dvi", {{"dlb", "IMEI:490154203237518"}});
  Observed o = ObservedIdentities(&dvi, &cred);
  EXPECT_EQ(o.imei, kImeiA);
  EXPECT_EQ(o.imei_source, "deviceInfo");
  EXPECT_EQ(o.imsi, kImsi1);
  EXPECT_EQ(o.imsi_source, "credential");
  EXPECT_TRUE(o.conflict.empty());

  auto sim = Report(Operation::kUpdate, "dcfg:sim", {{"imsi", kImsi2}, {"icid", kIccid1}});
  o = ObservedIdentities(&sim, &cred);
  EXPECT_EQ(o.iccid, kIccid1);
  EXPECT_EQ(o.imsi, kImsi1);  // the credential's, read first
  EXPECT_EQ(o.conflict, "the credential shows IMSI 234150999999999, the SIM 234150888888888");

  // A retrieve carries no report; invalid values are no observation.
  RequestPrimitive get;
  get.op = Operation::kRetrieve;
  get.pc = sim.pc;
  EXPECT_TRUE(ObservedIdentities(&get, nullptr).empty());
  auto bad = Report(Operation::kCreate, "dcfg:sim", {{"imsi", "12"}, {"icid", "89441"}});
  EXPECT_TRUE(ObservedIdentities(&bad, nullptr).empty());
}

Machine Bound(std::string binding) {
  Machine m;
  m.id = "M1";
  m.binding = std::move(binding);
  m.imsi = kImsi1;
  return m;
}

TEST(CheckBinding, LearnBindsFirstAndRefusesAnyOtherAfter) {
  Observed o;
  o.imei = kImeiA;
  o.imei_source = "deviceInfo";
  EXPECT_EQ(CheckBinding(Bound(""), o).kind, Kind::kMatch);  // off
  Machine m = Bound("learn");
  BindingVerdict v = CheckBinding(m, o);
  EXPECT_EQ(v.kind, Kind::kLearn);
  EXPECT_EQ(v.learn_imei, kImeiA);
  m.imei = kImeiA;
  EXPECT_EQ(CheckBinding(m, o).kind, Kind::kMatch);
  o.imei = kImeiB;
  v = CheckBinding(m, o);
  EXPECT_EQ(v.kind, Kind::kMismatch);
  EXPECT_EQ(v.what,
            "the SIM of machine M1 is in device IMEI 352099001761481 (by deviceInfo), bound to "
            "IMEI 490154203237518");
  // The device presenting another SIM.
  Observed sim;
  sim.imsi = kImsi2;
  sim.imsi_source = "SIM";
  v = CheckBinding(m, sim);
  EXPECT_EQ(v.kind, Kind::kMismatch);
  EXPECT_EQ(v.what,
            "device of machine M1 presents SIM IMSI 234150888888888 (by SIM), bound to IMSI "
            "234150999999999");
  // A SIM identity the record lacks is learned too.
  sim.imsi = kImsi1;
  sim.iccid = kIccid1;
  v = CheckBinding(m, sim);
  EXPECT_EQ(v.kind, Kind::kLearn);
  EXPECT_EQ(v.learn_iccid, kIccid1);
  EXPECT_TRUE(v.learn_imsi.empty());
}

TEST(CheckBinding, StrictAllowsOnlyItsListAndLearnsNothing) {
  Machine m = Bound("strict");
  m.allowed_imeis = {kImeiA, kImeiB};
  Observed o;
  o.imei = kImeiB;
  EXPECT_EQ(CheckBinding(m, o).kind, Kind::kMatch);
  o.imei = kImeiC;
  EXPECT_EQ(CheckBinding(m, o).kind, Kind::kMismatch);
  m.allowed_imeis.clear();
  m.imei = kImeiC;  // the list empty: the record's own IMEI
  EXPECT_EQ(CheckBinding(m, o).kind, Kind::kMatch);
  o.iccid = kIccid1;  // strict: the record names the SIM by IMSI; an ICCID is not learned
  EXPECT_EQ(CheckBinding(m, o).kind, Kind::kMatch);
  o.conflict = "two sources disagree";
  EXPECT_EQ(CheckBinding(m, o).kind, Kind::kMismatch);
}

class BindingRegistryTest : public testing::Test {
 protected:
  BindingRegistryTest() : store_(storage::OpenMemoryStore()) {
    registry_ = std::make_shared<TrustRegistry>(*store_);
    AddProviderAndApp(*registry_, UseCaseClass::kNBN);
  }
  std::shared_ptr<const Machine> Add(bj::object f) {
    f["app"] = "RSP000001-1";
    auto m = registry_->AddMachine(f, "CAdmin");
    EXPECT_TRUE(m.has_value()) << m.error().message();
    return registry_->FindMachine(m ? m->id : "");
  }
  // Waits until the queued binding writes are durable, then reads the stored record afresh.
  std::shared_ptr<const Machine> Stored(const std::string& id) {
    EXPECT_TRUE(store_->SubmitAndWait([](storage::WriteTxn&) { return Status::Ok(); }).ok());
    TrustRegistry fresh(*store_);
    EXPECT_TRUE(fresh.Load().ok());
    return fresh.FindMachine(id);
  }

  std::unique_ptr<storage::Store> store_;
  std::shared_ptr<TrustRegistry> registry_;
};

TEST_F(BindingRegistryTest, LearnsTheFirstDeviceDurably) {
  auto m = Add({{"id", "M1"}, {"imsi", kImsi1}, {"binding", "learn"}});
  Observed o;
  o.imei = kImeiA;
  o.imei_source = "deviceInfo";
  auto now = registry_->Observe(m, o, "Ctracker");
  EXPECT_EQ(now->imei, kImeiA);
  EXPECT_TRUE(now->locked.empty());
  EXPECT_EQ(registry_->MachineOfIdentity("imei", kImeiA)->id, "M1");
  auto stored = Stored("M1");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->imei, kImeiA);
  EXPECT_EQ(stored->history.back().field, "binding.imei");
  EXPECT_EQ(stored->history.back().reason, "learned");
}

TEST_F(BindingRegistryTest, ASwapLocksTheMachinesUntilTheProviderAnswers) {
  auto m1 = Add({{"id", "M1"}, {"imsi", kImsi1}, {"imei", kImeiA}, {"binding", "learn"}});
  auto m2 = Add({{"id", "M2"}, {"imsi", kImsi2}, {"imei", kImeiB}, {"binding", "strict"}});
  // M2's device reports M1's SIM: M2 is locked; M1, only named by a report, is not.
  Observed o;
  o.imsi = kImsi1;
  o.imsi_source = "SIM";
  auto now = registry_->Observe(m2, o, "Ctracker2");
  EXPECT_NE(now->locked.find("device of machine M2 presents SIM IMSI 234150999999999"),
            std::string::npos)
      << now->locked;
  EXPECT_EQ(now->seen_imsi, kImsi1);
  EXPECT_TRUE(registry_->FindMachine("M1")->locked.empty());
  // The same SIM certified by M2's channel credential: M1's SIM is in M2's device, both locked.
  ASSERT_TRUE(registry_->Unlock("M2", /*adopt=*/false, "", "Cops").has_value());
  o.imsi_source = "credential";
  now = registry_->Observe(registry_->FindMachine("M2"), o, "Ctracker2");
  EXPECT_FALSE(now->locked.empty());
  auto other = registry_->FindMachine("M1");
  EXPECT_NE(other->locked.find("seen with machine M2"), std::string::npos) << other->locked;
  // Locked: a second observation changes nothing, the first reason stays.
  o.imsi = kImsi2;
  EXPECT_EQ(registry_->Observe(registry_->FindMachine("M2"), o, "x")->seen_imsi, kImsi1);
  auto stored = Stored("M2");
  ASSERT_TRUE(stored);
  EXPECT_FALSE(stored->locked.empty());
  EXPECT_EQ(stored->history.back().field, "locked");

  // Adopting M1's SIM for M2 while M1 holds it: 4105, the lock stays.
  auto adopt = registry_->Unlock("M2", /*adopt=*/true, "", "Cops");
  ASSERT_FALSE(adopt.has_value());
  EXPECT_EQ(adopt.error().code(), Rsc::kConflict);
  EXPECT_FALSE(registry_->FindMachine("M2")->locked.empty());
  // The provider restores the pairing (unlock), and moves the SIM (authorize on M1 keeps its own).
  auto unlocked = registry_->Unlock("M2", /*adopt=*/false, "SIM put back", "Cops");
  ASSERT_TRUE(unlocked.has_value());
  EXPECT_TRUE(unlocked->locked.empty());
  EXPECT_EQ(unlocked->imsi, kImsi2);
  EXPECT_EQ(unlocked->history.back().field, "unlocked");
  EXPECT_EQ(unlocked->history.back().reason, "SIM put back");
  auto again = registry_->Unlock("M2", false, "", "Cops");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), Rsc::kBadRequest);
}

TEST_F(BindingRegistryTest, ALockedMachineRaisesOneAlertNotOnePerRequest) {
  auto events = std::make_shared<events::EventStream>();
  auto log = std::make_shared<events::EventLog>();
  events->Subscribe(log, {events::kAllKinds, 100, false, "test"});
  registry_->SetEventStream(events);
  auto m1 = Add({{"id", "M1"}, {"imsi", kImsi1}, {"imei", kImeiA}, {"binding", "learn"}});
  Add({{"id", "M2"}, {"imsi", kImsi2}, {"imei", kImeiB}});
  Observed o;
  o.imsi = kImsi2;  // M2's SIM, named by M1's report
  o.imsi_source = "SIM";
  for (int i = 0; i < 5; ++i) registry_->Observe(registry_->FindMachine("M1"), o, "Ctracker");
  events->Stop();
  std::vector<std::string> ops;
  for (const auto& e : log->Seen()) ops.push_back(e.operation + " " + e.target);
  EXPECT_EQ(ops, (std::vector<std::string>{"lock M1", "alert M2"}));
}

TEST_F(BindingRegistryTest, AuthorizingAdoptsThePairingSeen) {
  auto m = Add({{"id", "M1"}, {"imsi", kImsi1}, {"imei", kImeiA}, {"binding", "strict"}});
  Observed o;
  o.imei = kImeiC;
  o.imei_source = "credential";
  EXPECT_FALSE(registry_->Observe(m, o, "Ctracker")->locked.empty());
  auto ok = registry_->Unlock("M1", /*adopt=*/true, "replacement unit", "Cops");
  ASSERT_TRUE(ok.has_value()) << ok.error().message();
  EXPECT_EQ(ok->allowed_imeis, (std::vector<std::string>{kImeiA, kImeiC}));
  EXPECT_EQ(ok->history.back().field, "authorized");
  EXPECT_EQ(CheckBinding(*ok, o).kind, Kind::kMatch);
}

TEST_F(BindingRegistryTest, StrictBindingNeedsBothSides) {
  auto r = registry_->AddMachine({{"app", "RSP000001-1"}, {"imei", kImeiA}, {"binding", "strict"}},
                                 "CAdmin");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("needs the SIM"), std::string::npos);
  r = registry_->AddMachine({{"app", "RSP000001-1"}, {"imsi", kImsi1}, {"binding", "strict"}},
                            "CAdmin");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("needs the devices"), std::string::npos);
  r = registry_->AddMachine({{"app", "RSP000001-1"}, {"binding", "sometimes"}}, "CAdmin");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Rsc::kBadRequest);
}

TEST_F(BindingRegistryTest, TheGateRefusesTheRequestThatRevealsTheSwap) {
  Add({{"id", "M1"},
       {"entities", bj::array{"Ctracker"}},
       {"imsi", kImsi1},
       {"imei", kImeiA},
       {"binding", "learn"}});
  TrustGate gate(registry_, nullptr, TrustGateOptions{});
  auto check = [&](const RequestPrimitive& req) {
    SecurityContext ctx;
    ctx.request = &req;
    ctx.originator = "Ctracker";
    ctx.time = Now();
    return gate.Check(ctx);
  };
  auto same = Report(Operation::kUpdate, "m2m:dvi", {{"dlb", kImeiA}});
  EXPECT_EQ(check(same).verdict, Verdict::kAllow);
  auto swapped = Report(Operation::kUpdate, "m2m:dvi", {{"dlb", kImeiB}});
  Decision d = check(swapped);
  EXPECT_EQ(d.verdict, Verdict::kDeny);
  EXPECT_EQ(d.status.code(), Rsc::kServiceSubscriptionNotEstablished);
  EXPECT_NE(d.status.message().find("machine M1 is locked"), std::string::npos)
      << d.status.message();
  EXPECT_NE(d.reason.find("the SIM of machine M1 is in device IMEI 352099001761481"),
            std::string::npos)
      << d.reason;
  // The device is not told the recorded identities.
  EXPECT_EQ(d.status.message().find("490154203237518"), std::string::npos) << d.status.message();
  EXPECT_EQ(d.status.message().find("352099001761481"), std::string::npos) << d.status.message();
  // Every later request too, report or not, until the provider answers.
  RequestPrimitive get;
  EXPECT_EQ(check(get).verdict, Verdict::kDeny);
  ASSERT_TRUE(registry_->Unlock("M1", /*adopt=*/true, "", "Cops").has_value());
  EXPECT_EQ(check(get).verdict, Verdict::kAllow);
  EXPECT_EQ(check(swapped).verdict, Verdict::kAllow);
  EXPECT_EQ(check(same).verdict, Verdict::kDeny);  // now the old device is the other one
}

}  // namespace
}  // namespace trustcse::security::trust
