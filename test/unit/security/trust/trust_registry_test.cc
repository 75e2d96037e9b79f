// Tests of the trust centre's registry (TC-1, TC-2): issued provider and App-IDs, machine records
// with validated and unique identities, their lookups and KYC completeness, the changes that
// keep a history (update, transfer, flag), paging, and that all of it survives a reload.
#include "security/trust/trust_registry.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>

namespace trustcse::security::trust {
namespace {

namespace bj = boost::json;

Provider MakeProvider(std::string company, std::string contact, std::string kind = "m2m",
                      std::string start = "") {
  Provider p;
  p.kind = std::move(kind);
  p.company = std::move(company);
  p.contact = std::move(contact);
  p.start = std::move(start);
  return p;
}

// The status of a change (kOk when it succeeded) and the ID of a machine looked up ("" if none).
template <class T>
Rsc CodeOf(const Result<T>& r) {
  return r.has_value() ? Rsc::kOk : r.error().code();
}
std::string IdOf(const std::shared_ptr<const Machine>& m) { return m ? m->id : ""; }

// "field: 'from' -> 'to' by who (reason)", to compare a history entry whole.
std::string Describe(const HistoryEntry& h) {
  return h.field + ": '" + h.from + "' -> '" + h.to + "' by " + h.by +
         (h.reason.empty() ? "" : " (" + h.reason + ")");
}

Application MakeApp(std::string provider, std::string name, UseCaseClass c, std::string statement) {
  Application a;
  a.provider = std::move(provider);
  a.name = std::move(name);
  a.use_case = c;
  a.practice_statement = std::move(statement);
  return a;
}

class TrustRegistryTest : public testing::Test {
 protected:
  TrustRegistryTest() : store_(storage::OpenMemoryStore()), registry_(*store_) {}

  Provider AddProvider(std::string company = "Acme Metering") {
    auto r = registry_.AddProvider(MakeProvider(std::move(company), "ops@acme.example"));
    EXPECT_TRUE(r.has_value()) << r.error().message();
    return r.value_or(Provider{});
  }
  Application AddApp(const std::string& provider, UseCaseClass c = UseCaseClass::kNBS) {
    auto r = registry_.AddApp(MakeApp(provider, "smart meter", c, "https://acme.example/cps"));
    EXPECT_TRUE(r.has_value()) << r.error().message();
    return r.value_or(Application{});
  }
  // A provider and an application "RSP000001-1".
  void SetUpApp() {
    AddProvider();
    app_ = AddApp("SP000001").id;
    ASSERT_EQ(app_, "RSP000001-1");
  }
  bj::object Fields(std::string_view json) { return bj::parse(json).as_object(); }
  // Machine `id` of app_ with the given extra fields.
  Result<Machine> AddMachine(std::string id, bj::object extra = {}) {
    extra["id"] = id;
    extra["app"] = app_;
    return registry_.AddMachine(extra, "CAdmin");
  }

  std::unique_ptr<storage::Store> store_;
  TrustRegistry registry_;
  std::string app_;
};

TEST_F(TrustRegistryTest, ProvidersGetSequentialIds) {
  Provider first = AddProvider("Acme");
  EXPECT_EQ(first.id, "SP000001");
  EXPECT_EQ(first.kind, "m2m");
  EXPECT_FALSE(first.start.empty()) << "start defaults to now";
  auto second =
      registry_.AddProvider(MakeProvider("Beta", "b@example.com", "asp", "20240101T000000"));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->id, "SP000002");
  EXPECT_EQ(second->start, "20240101T000000");
  ASSERT_NE(registry_.FindProvider("SP000002"), nullptr);
  EXPECT_EQ(registry_.FindProvider("SP000002")->company, "Beta");
  EXPECT_EQ(registry_.FindProvider("SP000003"), nullptr);
  auto all = registry_.Providers();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "SP000001");
  EXPECT_EQ(all[1].kind, "asp");
}

TEST_F(TrustRegistryTest, ProvidersNeedCompanyContactAndAKnownKind) {
  for (const Provider& p : {MakeProvider("", "x@example.com"), MakeProvider("Acme", ""),
                            MakeProvider("Acme", "x@example.com", "bank")}) {
    auto r = registry_.AddProvider(p);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), Rsc::kBadRequest) << r.error().message();
  }
  EXPECT_TRUE(registry_.Providers().empty());
  EXPECT_EQ(AddProvider().id, "SP000001") << "refusals issue no number";
}

TEST_F(TrustRegistryTest, AppsGetIdsPerProvider) {
  AddProvider();
  AddProvider("Beta");
  EXPECT_FALSE(registry_.has_applications());
  Application a = AddApp("SP000001", UseCaseClass::kCQS);
  EXPECT_EQ(a.id, "RSP000001-1");
  EXPECT_EQ(a.status, "active");
  EXPECT_TRUE(registry_.has_applications());
  EXPECT_EQ(AddApp("SP000001").id, "RSP000001-2");
  EXPECT_EQ(AddApp("SP000002").id, "RSP000002-1");
  ASSERT_NE(registry_.FindApp("RSP000001-1"), nullptr);
  EXPECT_EQ(registry_.FindApp("RSP000001-1")->use_case, UseCaseClass::kCQS);
  EXPECT_EQ(registry_.FindApp(""), nullptr);
  EXPECT_EQ(registry_.Applications().size(), 3u);
  auto of_first = registry_.Applications("SP000001");
  ASSERT_EQ(of_first.size(), 2u);
  EXPECT_EQ(of_first[1].id, "RSP000001-2");
}

TEST_F(TrustRegistryTest, AppsNeedAKnownProviderClassAndStatement) {
  Application a = MakeApp("SP000009", "x", UseCaseClass::kNBN, "cps");
  auto unknown = registry_.AddApp(a);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code(), Rsc::kNotFound);
  AddProvider();
  a.provider = "SP000001";
  Application no_class = a;
  no_class.use_case = UseCaseClass::kNone;
  Application no_statement = a;
  no_statement.practice_statement.clear();
  Application no_name = a;
  no_name.name.clear();
  for (const Application& bad : {no_class, no_statement, no_name}) {
    auto r = registry_.AddApp(bad);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), Rsc::kBadRequest);
  }
  EXPECT_FALSE(registry_.has_applications());
}

TEST_F(TrustRegistryTest, MachinesAreRecordedWithNormalisedIdentities) {
  SetUpApp();
  auto m = AddMachine("M1", Fields(R"({"entities":["Cmeter1"],"credentials":["psk1"],
      "imei":"35209900176148","iccid":"8991101200003204514","imsi":"310150123456789",
      "model":"AM-1","purpose":"metering"})"));
  ASSERT_TRUE(m.has_value()) << m.error().message();
  EXPECT_EQ(m->imei, "352099001761481");
  EXPECT_EQ(m->mcc, "310");
  EXPECT_EQ(m->mnc, "150");
  EXPECT_EQ(m->provider, "SP000001") << "the app's provider by default";
  EXPECT_EQ(m->app, "RSP000001-1");
  ASSERT_EQ(m->history.size(), 1u);
  EXPECT_EQ(Describe(m->history[0]), "registered: '' -> 'M1' by CAdmin");
  EXPECT_EQ(IdOf(registry_.MachineOfEntity("Cmeter1")), "M1");
  EXPECT_EQ(IdOf(registry_.MachineOfCredential("psk1")), "M1");
  EXPECT_EQ(registry_.MachineOfEntity("Cmeter2"), nullptr);
  EXPECT_EQ(registry_.MachineOfEntity(""), nullptr);
  EXPECT_EQ(registry_.MachineOfCredential("psk2"), nullptr);
  // Without an ID, one is made.
  auto unnamed = registry_.AddMachine(Fields(R"({"app":"RSP000001-1"})"), "CAdmin");
  ASSERT_TRUE(unnamed.has_value());
  EXPECT_EQ(unnamed->id.front(), 'M');
  EXPECT_NE(registry_.FindMachine(unnamed->id), nullptr);
}

TEST_F(TrustRegistryTest, BadMachineFieldsAreRefused) {
  SetUpApp();
  for (const char* bad :
       {R"({"imei":"352099001761482"})", R"({"colour":"red"})", R"({"iccid":"1234"})",
        R"({"imsi":"100450123456789"})", R"({"eid":"89049032000000000000000000012386"})",
        R"({"entities":"Cmeter1"})", R"({"entities":[1]})", R"({"model":3})",
        R"({"user_kyc":"yes"})", R"({"imsi":"310150123456789","mnc_digits":"3"})",
        R"({"mnc_digits":3})"}) {
    auto r = AddMachine("M1", Fields(bad));
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code(), Rsc::kBadRequest) << bad;
  }
  auto colour = AddMachine("M1", Fields(R"({"colour":"red"})"));
  ASSERT_FALSE(colour.has_value());
  EXPECT_EQ(colour.error().message(), "unknown device field colour");
  auto slash = AddMachine("M/1");
  ASSERT_FALSE(slash.has_value());
  EXPECT_EQ(slash.error().code(), Rsc::kBadRequest);
  auto no_app = registry_.AddMachine(Fields(R"({"id":"M1","app":"RSP000001-9"})"), "CAdmin");
  ASSERT_FALSE(no_app.has_value());
  EXPECT_EQ(no_app.error().code(), Rsc::kNotFound);
  EXPECT_EQ(registry_.FindMachine("M1"), nullptr);
  EXPECT_TRUE(registry_.Machines("", "", 10).empty());
}

TEST_F(TrustRegistryTest, IdentitiesBelongToOneMachine) {
  SetUpApp();
  ASSERT_TRUE(AddMachine("M1", Fields(R"({"entities":["Cmeter1"],"credentials":["psk1"],
      "imei":"352099001761481","iccid":"8991101200003204514"})"))
                  .has_value());
  for (const char* dup : {R"({"entities":["Cother","Cmeter1"]})", R"({"credentials":["psk1"]})",
                          R"({"imei":"35209900176148"})", R"({"iccid":"8991101200003204514"})"}) {
    auto r = AddMachine("M2", Fields(dup));
    ASSERT_FALSE(r.has_value()) << dup;
    EXPECT_EQ(r.error().code(), Rsc::kConflict) << dup;
  }
  EXPECT_EQ(registry_.FindMachine("M2"), nullptr);
  EXPECT_EQ(registry_.MachineOfEntity("Cother"), nullptr);
  auto again = AddMachine("M1");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), Rsc::kConflict);
  EXPECT_EQ(again.error().message(), "machine M1 exists");
  // An update may not take another machine's identity either.
  ASSERT_TRUE(AddMachine("M2", Fields(R"({"entities":["Cmeter2"]})")).has_value());
  auto taken = registry_.UpdateMachine("M2", Fields(R"({"entities":["Cmeter1"]})"), "CAdmin");
  ASSERT_FALSE(taken.has_value());
  EXPECT_EQ(taken.error().code(), Rsc::kConflict);
  EXPECT_EQ(IdOf(registry_.MachineOfEntity("Cmeter1")), "M1");
  EXPECT_EQ(IdOf(registry_.MachineOfEntity("Cmeter2")), "M2");
}

TEST_F(TrustRegistryTest, ResolveFindsTheMachineThenItsApplication) {
  SetUpApp();
  std::string other = AddApp("SP000001", UseCaseClass::kNBN).id;
  ASSERT_TRUE(AddMachine("M1", Fields(R"({"entities":["Ca"],"credentials":["c1"]})")).has_value());
  auto by_entity = registry_.Resolve("Ca", "", other);
  ASSERT_NE(by_entity.machine, nullptr);
  EXPECT_EQ(by_entity.machine->id, "M1");
  ASSERT_NE(by_entity.app, nullptr);
  EXPECT_EQ(by_entity.app->id, app_) << "the machine's application, not the one named";
  auto by_credential = registry_.Resolve("Cnew", "c1", "");
  ASSERT_NE(by_credential.machine, nullptr);
  EXPECT_EQ(by_credential.app->id, app_);
  auto no_machine = registry_.Resolve("Cnew", "c2", other);
  EXPECT_EQ(no_machine.machine, nullptr);
  ASSERT_NE(no_machine.app, nullptr);
  EXPECT_EQ(no_machine.app->id, other);
  EXPECT_EQ(registry_.Resolve("Cnew", "", "Rnone").app, nullptr);
}

TEST_F(TrustRegistryTest, MissingKycListsWhatIsMissing) {
  SetUpApp();
  auto m = AddMachine("M1");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->MissingKyc(),
            (std::vector<std::string>{"imei or serial", "model", "purpose", "owner", "location"}));
  auto updated = registry_.UpdateMachine(
      "M1", Fields(R"({"serial":"SN1","model":"AM-1","purpose":"metering"})"), "CAdmin");
  ASSERT_TRUE(updated.has_value()) << updated.error().message();
  EXPECT_EQ(updated->MissingKyc(), (std::vector<std::string>{"owner", "location"}));
  auto owned = registry_.TransferMachine("M1", Fields(R"({"owner":"alice"})"), "CAdmin");
  ASSERT_TRUE(owned.has_value());
  EXPECT_EQ(owned->MissingKyc(), std::vector<std::string>{"location"});
  auto located = registry_.UpdateMachine("M1", Fields(R"({"location":"Pune"})"), "CAdmin");
  ASSERT_TRUE(located.has_value());
  EXPECT_TRUE(located->MissingKyc().empty());
  EXPECT_TRUE(registry_.FindMachine("M1")->MissingKyc().empty());
  bj::object view = ToJson(*located);
  EXPECT_EQ(view.at("kyc_complete"), bj::value(true));
  EXPECT_TRUE(view.at("kyc_missing").as_array().empty());
}

TEST_F(TrustRegistryTest, UpdatesKeepOwnerProviderAndAppAndRecordUserKyc) {
  SetUpApp();
  ASSERT_TRUE(AddMachine("M1", Fields(R"({"owner":"alice","entities":["Ca"]})")).has_value());
  for (const char* bad :
       {R"({"owner":"bob"})", R"({"provider":"SP000001"})", R"({"app":"RSP000001-1"})"}) {
    auto r = registry_.UpdateMachine("M1", Fields(bad), "CAdmin");
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code(), Rsc::kBadRequest) << bad;
    EXPECT_NE(r.error().message().find("device transfer"), std::string::npos);
  }
  EXPECT_EQ(registry_.FindMachine("M1")->owner, "alice");
  EXPECT_EQ(CodeOf(registry_.UpdateMachine("M9", Fields(R"({"model":"x"})"), "x")), Rsc::kNotFound);

  auto verified = registry_.UpdateMachine("M1", Fields(R"({"id":"M1","user_kyc":true})"), "Cclerk");
  ASSERT_TRUE(verified.has_value()) << verified.error().message();
  EXPECT_FALSE(verified->user_kyc.empty());
  ASSERT_EQ(verified->history.size(), 2u);
  EXPECT_EQ(Describe(verified->history[1]), "user_kyc: '' -> 'verified' by Cclerk");
  auto same = registry_.UpdateMachine("M1", Fields(R"({"user_kyc":true})"), "Cclerk");
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->user_kyc, verified->user_kyc) << "verified once, when first verified";
  EXPECT_EQ(same->history.size(), 2u);
  auto revoked = registry_.UpdateMachine("M1", Fields(R"({"user_kyc":false})"), "Cclerk");
  ASSERT_TRUE(revoked.has_value());
  EXPECT_TRUE(revoked->user_kyc.empty());
  ASSERT_EQ(revoked->history.size(), 3u);
  EXPECT_EQ(Describe(revoked->history[2]), "user_kyc: 'verified' -> '' by Cclerk");
  // Replacing the entities moves the index with them.
  ASSERT_TRUE(registry_.UpdateMachine("M1", Fields(R"({"entities":["Cb"]})"), "x").has_value());
  EXPECT_EQ(registry_.MachineOfEntity("Ca"), nullptr);
  EXPECT_EQ(IdOf(registry_.MachineOfEntity("Cb")), "M1");
}

TEST_F(TrustRegistryTest, TransfersRecordOwnerAndProviderChanges) {
  SetUpApp();
  AddProvider("Beta");
  ASSERT_TRUE(AddMachine("M1", Fields(R"({"owner":"alice","user_kyc":true})")).has_value());
  EXPECT_FALSE(registry_.FindMachine("M1")->user_kyc.empty());
  auto t = registry_.TransferMachine(
      "M1", Fields(R"({"owner":"bob","provider":"SP000002","reason":"sold"})"), "CAdmin");
  ASSERT_TRUE(t.has_value()) << t.error().message();
  EXPECT_EQ(t->owner, "bob");
  EXPECT_EQ(t->provider, "SP000002");
  EXPECT_TRUE(t->user_kyc.empty()) << "the new owner is not verified";
  ASSERT_EQ(t->history.size(), 4u);
  EXPECT_EQ(Describe(t->history[1]), "owner: 'alice' -> 'bob' by CAdmin (sold)");
  EXPECT_EQ(Describe(t->history[2]), "user_kyc: 'verified' -> '' by CAdmin (owner changed)");
  EXPECT_EQ(Describe(t->history[3]), "provider: 'SP000001' -> 'SP000002' by CAdmin (sold)");

  auto nothing = registry_.TransferMachine("M1", Fields(R"({"reason":"x"})"), "CAdmin");
  ASSERT_FALSE(nothing.has_value());
  EXPECT_EQ(nothing.error().code(), Rsc::kBadRequest);
  auto unknown = registry_.TransferMachine("M1", Fields(R"({"provider":"SP000009"})"), "CAdmin");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code(), Rsc::kNotFound);
  EXPECT_EQ(CodeOf(registry_.TransferMachine("M9", Fields(R"({"owner":"x"})"), "x")),
            Rsc::kNotFound);
  // A typo is refused, not half applied.
  auto typo =
      registry_.TransferMachine("M1", Fields(R"({"ownr":"bob","provider":"SP000001"})"), "CAdmin");
  ASSERT_FALSE(typo.has_value());
  EXPECT_EQ(typo.error().code(), Rsc::kBadRequest);
  EXPECT_EQ(CodeOf(registry_.TransferMachine("M1", Fields(R"({"owner":7})"), "x")),
            Rsc::kBadRequest);
  EXPECT_EQ(registry_.FindMachine("M1")->history.size(), 4u);
}

TEST_F(TrustRegistryTest, FlagsAreSetAndClearedWithHistory) {
  SetUpApp();
  ASSERT_TRUE(AddMachine("M1").has_value());
  auto flagged = registry_.FlagMachine("M1", "key leaked", "Csoc");
  ASSERT_TRUE(flagged.has_value());
  EXPECT_EQ(flagged->flagged, "key leaked");
  ASSERT_EQ(flagged->history.size(), 2u);
  EXPECT_EQ(Describe(flagged->history[1]), "flagged: '' -> 'key leaked' by Csoc");
  EXPECT_EQ(registry_.FindMachine("M1")->flagged, "key leaked");
  auto again = registry_.FlagMachine("M1", "key leaked", "Csoc");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->history.size(), 2u) << "no change, no entry";
  auto cleared = registry_.FlagMachine("M1", "", "Cprovider");
  ASSERT_TRUE(cleared.has_value());
  EXPECT_TRUE(cleared->flagged.empty());
  ASSERT_EQ(cleared->history.size(), 3u);
  EXPECT_EQ(Describe(cleared->history[2]), "flagged: 'key leaked' -> '' by Cprovider");
  EXPECT_EQ(CodeOf(registry_.FlagMachine("M9", "x", "y")), Rsc::kNotFound);
}

TEST_F(TrustRegistryTest, MachinesArePagedInIdOrder) {
  SetUpApp();
  std::string other = AddApp("SP000001", UseCaseClass::kNBN).id;
  for (const char* id : {"M03", "M01", "M05", "M02"}) ASSERT_TRUE(AddMachine(id).has_value());
  ASSERT_TRUE(
      registry_.AddMachine(Fields(R"({"id":"M04","app":")" + other + R"("})"), "x").has_value());
  auto ids = [](const std::vector<Machine>& v) {
    std::vector<std::string> out;
    for (const auto& m : v) out.push_back(m.id);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids(registry_.Machines("", "", 2)), (V{"M01", "M02"}));
  EXPECT_EQ(ids(registry_.Machines("", "M02", 2)), (V{"M03", "M04"}));
  EXPECT_EQ(ids(registry_.Machines("", "M04", 2)), (V{"M05"}));
  EXPECT_EQ(ids(registry_.Machines("", "M05", 2)), V{});
  EXPECT_EQ(ids(registry_.Machines(app_, "", 10)), (V{"M01", "M02", "M03", "M05"}));
  EXPECT_EQ(ids(registry_.Machines(app_, "M02", 2)), (V{"M03", "M05"}));
  EXPECT_EQ(ids(registry_.Machines(other, "", 10)), (V{"M04"}));
  EXPECT_EQ(ids(registry_.Machines("", "", 0)), V{});
}

TEST_F(TrustRegistryTest, ASecondRegistryLoadsTheSameState) {
  SetUpApp();
  AddApp("SP000001", UseCaseClass::kCQN);
  ASSERT_TRUE(AddMachine("M1", Fields(R"({"entities":["Cmeter1"],"credentials":["psk1"],
      "imei":"352099001761481","iccid":"8991101200003204514","imsi":"404450123456789",
      "owner":"alice","user_kyc":true})"))
                  .has_value());
  ASSERT_TRUE(registry_.FlagMachine("M1", "stolen", "Csoc").has_value());
  ASSERT_TRUE(registry_.UpdateApp("RSP000001-2", Fields(R"({"status":"suspended"})")).has_value());

  TrustRegistry reloaded(*store_);
  ASSERT_TRUE(reloaded.Load().ok());
  EXPECT_TRUE(reloaded.has_applications());
  ASSERT_EQ(reloaded.Providers().size(), 1u);
  EXPECT_EQ(reloaded.Providers()[0].company, "Acme Metering");
  EXPECT_EQ(reloaded.Providers()[0].kind, "m2m");
  auto first = reloaded.FindApp("RSP000001-1");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->use_case, UseCaseClass::kNBS);
  EXPECT_EQ(first->provider, "SP000001");
  EXPECT_TRUE(first->active());
  auto second = reloaded.FindApp("RSP000001-2");
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->use_case, UseCaseClass::kCQN);
  EXPECT_EQ(second->status, "suspended");

  auto m = reloaded.FindMachine("M1");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->imei, "352099001761481");
  EXPECT_EQ(m->mcc, "404");
  EXPECT_EQ(m->mnc, "45");
  EXPECT_EQ(m->owner, "alice");
  EXPECT_EQ(m->flagged, "stolen");
  EXPECT_EQ(m->user_kyc, registry_.FindMachine("M1")->user_kyc);
  ASSERT_EQ(m->history.size(), 2u);
  EXPECT_EQ(Describe(m->history[0]), "registered: '' -> 'M1' by CAdmin");
  EXPECT_EQ(Describe(m->history[1]), "flagged: '' -> 'stolen' by Csoc");
  EXPECT_EQ(m->history[1].at, registry_.FindMachine("M1")->history[1].at);
  EXPECT_EQ(reloaded.MachineOfEntity("Cmeter1"), m);
  EXPECT_EQ(reloaded.MachineOfCredential("psk1"), m);
  // The identity indexes and the counters are back too.
  for (const char* dup : {R"({"id":"M2","app":"RSP000001-1","imei":"352099001761481"})",
                          R"({"id":"M2","app":"RSP000001-1","iccid":"8991101200003204514"})",
                          R"({"id":"M1","app":"RSP000001-1"})"}) {
    EXPECT_EQ(CodeOf(reloaded.AddMachine(Fields(dup), "CAdmin")), Rsc::kConflict) << dup;
  }
  EXPECT_EQ(reloaded.AddProvider(MakeProvider("Gamma", "g")).value_or(Provider{}).id, "SP000002");
  EXPECT_EQ(reloaded.AddApp(*first).value_or(Application{}).id, "RSP000001-3");
}

}  // namespace
}  // namespace trustcse::security::trust
