// Tests of the trust gate (TC-3, TC-4): which application a request belongs to, and the
// refusals in the gate's order — unknown or suspended application, another application than the
// machine's, a flagged machine, transport encryption and the authentication level (4107), machine
// and user KYC (4126 for a registration, 4128 otherwise) — and the class obligation of an allowed
// request.
#include "security/trust/trust_gate.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <memory>

namespace trustcse::security::trust {
namespace {

namespace bj = boost::json;
using Method = ChannelIdentity::Method;

// Registered AEs and their App-IDs.
class FakeDirectory final : public OriginatorDirectory {
 public:
  std::map<std::string, std::string, std::less<>> apps;
  bool IsRegistered(std::string_view originator) const override {
    return apps.find(originator) != apps.end();
  }
  std::string AppIdOf(std::string_view originator) const override {
    auto it = apps.find(originator);
    return it == apps.end() ? std::string() : it->second;
  }
};

constexpr const char* kNbsApp = "RSP000001-1";
constexpr const char* kNbnApp = "RSP000001-2";

class TrustGateTest : public testing::Test {
 protected:
  TrustGateTest() : store_(storage::OpenMemoryStore()) {
    auto keys = SoftwareKeyStoreWithKey(crypto::Secret(std::string(32, 'k')));
    credentials_ = std::make_shared<CredentialRegistry>(*store_, std::move(*keys));
    registry_ = std::make_shared<TrustRegistry>(*store_);
  }

  // Provider SP000001 with an NBS and an NBN application; credentials; machine M1 (Cmeter1,
  // certificate x509:01) complete and verified.
  void SetUpTrustCentre() {
    Provider p;
    p.company = "Acme";
    p.contact = "ops@acme.example";
    ASSERT_TRUE(registry_->AddProvider(p).has_value());
    for (UseCaseClass c : {UseCaseClass::kNBS, UseCaseClass::kNBN}) {
      Application a;
      a.provider = "SP000001";
      a.name = "meter";
      a.use_case = c;
      a.practice_statement = "cps";
      ASSERT_TRUE(registry_->AddApp(a).has_value());
    }
    crypto::Secret key(std::string(16, 'p'));
    AddCredential("psk1", CredentialKind::kPsk, {"Cmeter1"}, &key);
    for (const char* cert : {"x509:01", "x509:02", "x509:03", "x509:04"}) {
      AddCredential(cert, CredentialKind::kCertificate, {}, nullptr);
    }
    AddMachine("M1", {"Cmeter1"}, {"x509:01"}, /*complete=*/true, /*user_kyc=*/true);
  }
  void AddCredential(std::string id, CredentialKind kind, std::vector<std::string> ids,
                     crypto::Secret* key) {
    Credential c;
    c.id = std::move(id);
    c.kind = kind;
    c.ids = std::move(ids);
    ASSERT_TRUE(credentials_->Add(c, key).ok());
  }
  void AddMachine(std::string id, std::vector<std::string> entities, std::vector<std::string> creds,
                  bool complete, bool user_kyc, std::string certification = "TEC-CERT-1",
                  std::string app = kNbsApp, bj::object more = {}) {
    bj::object f{
        {"id", id}, {"app", app}, {"certification", certification}, {"user_kyc", user_kyc}};
    for (const auto& kv : more) f[kv.key()] = kv.value();
    bj::array e, c;
    for (auto& s : entities) e.emplace_back(s);
    for (auto& s : creds) c.emplace_back(s);
    f["entities"] = std::move(e);
    f["credentials"] = std::move(c);
    if (complete) {
      for (const char* k : {"serial", "model", "purpose", "owner", "location"}) f[k] = "x";
    }
    auto m = registry_->AddMachine(f, "CAdmin");
    ASSERT_TRUE(m.has_value()) << m.error().message();
  }

  // A request from `originator` over `method` with credential `cred` (kNone: no channel).
  Decision Check(std::string originator, Method method, std::string cred, bool registration,
                 std::string api = "", TrustGateOptions options = {}) {
    req_ = RequestPrimitive{};
    if (method != Method::kNone) {
      auto ch = std::make_shared<ChannelIdentity>();
      ch->method = method;
      ch->credential_id = std::move(cred);
      ch->secure = true;
      req_.channel = ch;
    }
    if (registration) {
      req_.op = Operation::kCreate;
      req_.ty = 2;
      req_.pc = bj::object{{"m2m:ae", bj::object{{"api", api}, {"rr", false}}}};
    }
    SecurityContext ctx;
    ctx.request = &req_;
    ctx.originator = originator_ = std::move(originator);
    ctx.registration = registration;
    ctx.directory = &directory_;
    ctx.time = Now();
    return TrustGate(registry_, credentials_, std::move(options)).Check(ctx);
  }
  static void ExpectDeny(const Decision& d, Rsc code, std::string_view text) {
    EXPECT_EQ(d.verdict, Verdict::kDeny);
    EXPECT_EQ(d.status.code(), code) << d.status.message();
    EXPECT_NE(d.status.message().find(text), std::string::npos) << d.status.message();
  }

  std::unique_ptr<storage::Store> store_;
  std::shared_ptr<CredentialRegistry> credentials_;
  std::shared_ptr<TrustRegistry> registry_;
  FakeDirectory directory_;
  RequestPrimitive req_;
  std::string originator_;
};

TEST_F(TrustGateTest, WithoutApplicationsTheGateDefers) {
  Decision d = Check("Cmeter1", Method::kNone, "", /*registration=*/true, "Rwhatever");
  EXPECT_EQ(d.verdict, Verdict::kDefer);
  EXPECT_EQ(d.obligations.use_case_class, 0);
  EXPECT_EQ(Check("Cmeter1", Method::kNone, "", false).verdict, Verdict::kDefer);
}

TEST_F(TrustGateTest, ASensitiveClassNeedsTransportEncryption) {
  SetUpTrustCentre();
  Decision d = Check("Cmeter1", Method::kNone, "", true, kNbsApp);
  ExpectDeny(d, Rsc::kSecurityAssociationRequired, "transport encryption");
  EXPECT_EQ(d.status.message(),
            "class NBS requires transport encryption: connect over TLS or DTLS");
  EXPECT_NE(d.reason.find("application RSP000001-1, class NBS, machine M1"), std::string::npos)
      << d.reason;
  // Not a registration: still 4107, a channel matter.
  ExpectDeny(Check("Cmeter1", Method::kNone, "", false), Rsc::kSecurityAssociationRequired,
             "transport encryption");
}

TEST_F(TrustGateTest, ABoundPskIsBelowTheNbsFloor) {
  SetUpTrustCentre();
  Decision d = Check("Cmeter1", Method::kPsk, "psk1", true, kNbsApp);
  ExpectDeny(d, Rsc::kSecurityAssociationRequired, "requires authentication level 4");
  EXPECT_NE(d.status.message().find("this request has level 3"), std::string::npos)
      << d.status.message();
}

TEST_F(TrustGateTest, ACertificateWithCompleteKycIsAllowedWithItsClass) {
  SetUpTrustCentre();
  Decision d = Check("Cmeter1", Method::kCertificate, "x509:01", true, kNbsApp);
  EXPECT_EQ(d.verdict, Verdict::kAllow) << d.status.message();
  EXPECT_EQ(d.obligations.use_case_class, static_cast<uint8_t>(UseCaseClass::kNBS));
  // Later requests find the application through the machine record.
  Decision later = Check("Cmeter1", Method::kCertificate, "x509:01", false);
  EXPECT_EQ(later.verdict, Verdict::kAllow) << later.status.message();
  EXPECT_EQ(later.obligations.use_case_class, static_cast<uint8_t>(UseCaseClass::kNBS));
  // A registration under "C" (an ID to be assigned) finds the machine by its credential.
  EXPECT_EQ(Check("C", Method::kCertificate, "x509:01", true, kNbsApp).verdict, Verdict::kAllow);
}

TEST_F(TrustGateTest, MissingUserKycIsRefused) {
  SetUpTrustCentre();
  AddMachine("M2", {"Cmeter2"}, {"x509:02"}, true, /*user_kyc=*/false);
  Decision reg = Check("Cmeter2", Method::kCertificate, "x509:02", true, kNbsApp);
  ExpectDeny(reg, Rsc::kAppRuleValidationFailed, "requires user KYC");
  EXPECT_EQ(reg.status.message(), "class NBS requires user KYC: the owner of M2 is not verified");
  Decision req = Check("Cmeter2", Method::kCertificate, "x509:02", false);
  ExpectDeny(req, Rsc::kServiceSubscriptionNotEstablished, "requires user KYC");
}

TEST_F(TrustGateTest, MachineKycIsRequiredForTheSensitiveClasses) {
  SetUpTrustCentre();
  // No machine record names this originator or its credential.
  Decision none = Check("Cstranger", Method::kCertificate, "x509:04", true, kNbsApp);
  ExpectDeny(none, Rsc::kAppRuleValidationFailed,
             "application RSP000001-1 admits only its machines: no machine record names "
             "Cstranger or credential x509:04");
  directory_.apps["Cstranger"] = kNbsApp;
  ExpectDeny(Check("Cstranger", Method::kCertificate, "x509:04", false),
             Rsc::kServiceSubscriptionNotEstablished, "admits only its machines");
  // An incomplete record, then a complete one of an uncertified model.
  AddMachine("M3", {"Cmeter3"}, {"x509:03"}, /*complete=*/false, true);
  ExpectDeny(Check("Cmeter3", Method::kCertificate, "x509:03", true, kNbsApp),
             Rsc::kAppRuleValidationFailed,
             "machine KYC of M3 is incomplete: missing imei or serial, model, purpose, owner, "
             "location");
  AddMachine("M4", {"Cmeter4"}, {}, true, true, /*certification=*/"");
  ExpectDeny(Check("Cmeter4", Method::kCertificate, "x509:04", false),
             Rsc::kServiceSubscriptionNotEstablished, "requires a certified model");
}

TEST_F(TrustGateTest, FlaggedMachinesAndSuspendedAppsAreBlocked) {
  SetUpTrustCentre();
  ASSERT_TRUE(registry_->FlagMachine("M1", "key leaked", "Csoc").has_value());
  // Before any channel check: no channel at all still gets the flag's refusal.
  ExpectDeny(Check("Cmeter1", Method::kNone, "", false), Rsc::kServiceSubscriptionNotEstablished,
             "machine M1 is flagged as compromised");
  ExpectDeny(Check("Cmeter1", Method::kCertificate, "x509:01", true, kNbsApp),
             Rsc::kAppRuleValidationFailed, "flagged as compromised");
  ASSERT_TRUE(registry_->FlagMachine("M1", "", "Csoc").has_value());
  EXPECT_EQ(Check("Cmeter1", Method::kCertificate, "x509:01", false).verdict, Verdict::kAllow);

  ASSERT_TRUE(registry_->UpdateApp(kNbsApp, bj::object{{"status", "suspended"}}).has_value());
  ExpectDeny(Check("Cmeter1", Method::kCertificate, "x509:01", false),
             Rsc::kServiceSubscriptionNotEstablished, "application RSP000001-1 is suspended");
}

TEST_F(TrustGateTest, UnknownAppIdsDependOnTheOption) {
  SetUpTrustCentre();
  Decision allowed = Check("Cnew", Method::kNone, "", true, "Runknown");
  EXPECT_EQ(allowed.verdict, Verdict::kDefer);
  EXPECT_EQ(allowed.obligations.use_case_class, 0);
  TrustGateOptions strict;
  strict.allow_unregistered_apps = false;
  Decision refused = Check("Cnew", Method::kNone, "", true, "Runknown", strict);
  ExpectDeny(refused, Rsc::kAppRuleValidationFailed,
             "application Runknown is not registered with the trust centre");
  // No api at all, and a later request of an AE without an App-ID.
  ExpectDeny(Check("Cnew", Method::kNone, "", true, "", strict), Rsc::kAppRuleValidationFailed,
             "name one as the AE's App-ID (api)");
  ExpectDeny(Check("Cnew", Method::kNone, "", false, "", strict),
             Rsc::kServiceSubscriptionNotEstablished, "registered with its trust centre");
  // A machine on record registers only into its own application, whatever the option.
  ExpectDeny(Check("Cmeter1", Method::kCertificate, "x509:01", true, "Runknown"),
             Rsc::kAppRuleValidationFailed,
             "this machine is registered to application RSP000001-1, not Runknown");
  ExpectDeny(Check("Cmeter1", Method::kCertificate, "x509:01", true, ""),
             Rsc::kAppRuleValidationFailed, "registered to application RSP000001-1, not none");
}

TEST_F(TrustGateTest, AMachineRegistersOnlyIntoItsApplication) {
  SetUpTrustCentre();
  Decision d = Check("Cmeter1", Method::kCertificate, "x509:01", true, kNbnApp);
  ExpectDeny(d, Rsc::kAppRuleValidationFailed,
             "this machine is registered to application RSP000001-1, not RSP000001-2");
}

TEST_F(TrustGateTest, TheAdminAndCsesPass) {
  SetUpTrustCentre();
  TrustGateOptions strict;
  strict.allow_unregistered_apps = false;
  EXPECT_EQ(Check("CAdmin", Method::kNone, "", false, "", strict).verdict, Verdict::kDefer);
  EXPECT_EQ(Check("/id-mn", Method::kNone, "", false, "", strict).verdict, Verdict::kDefer);
  EXPECT_EQ(Check("//sp.example/id-mn", Method::kNone, "", false, "", strict).verdict,
            Verdict::kDefer);
  // An AE of another CSE is not a CSE: refused without an application, checked when a machine
  // record names it.
  EXPECT_EQ(Check("/id-mn/Cremote", Method::kNone, "", false, "", strict).verdict, Verdict::kDeny);
  EXPECT_EQ(Check("//sp.example/id-mn/Cremote", Method::kNone, "", false, "", strict).verdict,
            Verdict::kDeny);
  AddMachine("M9", {"/id-mn/Cflagged"}, {}, true, true);
  ASSERT_TRUE(registry_->FlagMachine("M9", "stolen", "Csoc").has_value());
  ExpectDeny(Check("/id-mn/Cflagged", Method::kNone, "", false),
             Rsc::kServiceSubscriptionNotEstablished, "flagged");
  TrustGateOptions other_admin;
  other_admin.admin_originator = "Croot";
  other_admin.allow_unregistered_apps = false;
  EXPECT_EQ(Check("Croot", Method::kNone, "", false, "", other_admin).verdict, Verdict::kDefer);
  EXPECT_EQ(Check("CAdmin", Method::kNone, "", false, "", other_admin).verdict, Verdict::kDeny);
}

TEST_F(TrustGateTest, ApplicationsAdmitOnlyTheirMachines) {
  SetUpTrustCentre();
  // Even the lowest class: naming a registered App-ID does not make a device a member.
  ExpectDeny(Check("Cintruder", Method::kNone, "", true, kNbnApp), Rsc::kAppRuleValidationFailed,
             "application RSP000001-2 admits only its machines: no machine record names "
             "Cintruder");
  // An AE registered into it earlier (the directory knows its api): refused the same way.
  directory_.apps["Csensor"] = kNbnApp;
  ExpectDeny(Check("Csensor", Method::kNone, "", false), Rsc::kServiceSubscriptionNotEstablished,
             "admits only its machines");
  // Once a machine record names it, it is served with the application's class.
  AddMachine("M9", {"Csensor"}, {}, /*complete=*/false, /*user_kyc=*/false, "", kNbnApp);
  Decision d = Check("Csensor", Method::kNone, "", false);
  EXPECT_EQ(d.verdict, Verdict::kAllow) << d.status.message();
  EXPECT_EQ(d.obligations.use_case_class, static_cast<uint8_t>(UseCaseClass::kNBN));
  // An AE the directory does not know: unclassified.
  EXPECT_EQ(Check("Cunknown", Method::kNone, "", false).verdict, Verdict::kDefer);
}

}  // namespace
}  // namespace trustcse::security::trust
