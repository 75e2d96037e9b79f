// Tests of ACP evaluation (security/authz/acp_evaluator.h): originator patterns, the grants of a
// privileges object, and which rules AcpAuthorization applies to which subject.
#include "security/authz/acp_evaluator.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <map>
#include <memory>
#include <string>

namespace trustcse::security {
namespace {

namespace bj = boost::json;
using resources::Resource;
namespace rty = resources::ty;

constexpr uint32_t kAllOps[] = {kCreate, kRetrieve, kUpdate, kDelete, kNotify, kDiscover};

// ---- OriginatorMatches -------------------------------------------------------------------------

struct MatchCase {
  std::string pattern;
  std::string originator;
  bool match;
};

void PrintTo(const MatchCase& c, std::ostream* os) {
  *os << '"' << c.pattern << "\" vs \"" << c.originator << '"';
}

class OriginatorMatchesTable : public testing::TestWithParam<MatchCase> {};

TEST_P(OriginatorMatchesTable, MatchesAsDocumented) {
  EXPECT_EQ(OriginatorMatches(GetParam().pattern, GetParam().originator), GetParam().match);
}

INSTANTIATE_TEST_SUITE_P(
    Table, OriginatorMatchesTable,
    testing::Values(
        // "all" matches every originator.
        MatchCase{"all", "Cae1", true}, MatchCase{"all", "/id-mn/Cx", true},
        MatchCase{"all", "", true},
        // Exact IDs, case-sensitive.
        MatchCase{"Cae1", "Cae1", true}, MatchCase{"Cae1", "Cae12", false},
        MatchCase{"Cae1", "Cae", false}, MatchCase{"Cae1", "cae1", false},
        MatchCase{"/id-in", "/id-in", true}, MatchCase{"/id-in", "/id-in/x", false},
        // Prefix wildcards.
        MatchCase{"C*", "Cabc", true}, MatchCase{"C*", "C", true}, MatchCase{"C*", "Sabc", false},
        MatchCase{"C*", "xC", false}, MatchCase{"*", "Cae1", true}, MatchCase{"*", "", true},
        MatchCase{"*1", "Cae1", true}, MatchCase{"*1", "Cae2", false},
        MatchCase{"C*e*1", "Cabcdef1", true}, MatchCase{"C*e*1", "Cabcdf1", false},
        MatchCase{"C**", "Cx", true},
        // '*' never crosses '/'.
        MatchCase{"C*", "C/x", false}, MatchCase{"*", "/id-in", false},
        MatchCase{"/id-*/C98*", "/id-in/C98abc", true},
        MatchCase{"/id-*/C98*", "/id-mn/C98", true},
        MatchCase{"/id-*/C98*", "/id-in/C97abc", false},
        MatchCase{"/id-*/C98*", "/id-a/b/C98x", false},
        MatchCase{"/id-*/C98*", "/id-in/C98x/y", false},
        MatchCase{"//*/cse1", "//sp.com/cse1", true},
        MatchCase{"//*/cse1", "//a/b/cse1", false}, MatchCase{"*/*", "a/b", true},
        MatchCase{"*/*", "a/b/c", false},
        // An empty pattern matches nothing real.
        MatchCase{"", "Cae1", false}, MatchCase{"", "/id-in", false}));

// ---- GrantedOperations -------------------------------------------------------------------------

uint32_t Granted(std::string_view privileges, std::string_view originator) {
  return GrantedOperations(bj::parse(privileges), originator);
}

TEST(GrantedOperations, IsTheUnionOfTheMatchingRules) {
  constexpr std::string_view kPv = R"({"acr":[
      {"acor":["Cae1"],"acop":2},
      {"acor":["all"],"acop":16},
      {"acor":["C*","Sx"],"acop":5},
      {"acor":["Cother"],"acop":8}]})";
  EXPECT_EQ(Granted(kPv, "Cae1"), 2u | 16u | 5u);
  EXPECT_EQ(Granted(kPv, "Sx"), 16u | 5u);
  EXPECT_EQ(Granted(kPv, "Cother"), 16u | 5u | 8u);
  EXPECT_EQ(Granted(kPv, "/id-mn"), 16u);
}

TEST(GrantedOperations, GrantsNothingWithoutAMatchingRule) {
  EXPECT_EQ(Granted(R"({"acr":[{"acor":["Cae1"],"acop":63}]})", "Cae2"), 0u);
  EXPECT_EQ(Granted(R"({"acr":[]})", "Cae1"), 0u);
  EXPECT_EQ(Granted("{}", "Cae1"), 0u);
  EXPECT_EQ(Granted("null", "Cae1"), 0u);
  EXPECT_EQ(Granted(R"({"acr":"all"})", "Cae1"), 0u);
  EXPECT_EQ(Granted(R"({"acr":[{"acor":["Cae1"]}]})", "Cae1"), 0u);    // no acop
  EXPECT_EQ(Granted(R"({"acr":[{"acor":"Cae1","acop":2}]})", "Cae1"), 0u);  // acor not a list
  EXPECT_EQ(Granted(R"({"acr":[{"acor":[1],"acop":2}]})", "Cae1"), 0u);
  // A malformed rule makes the whole privileges object invalid (refused at create/update).
  EXPECT_EQ(Granted(R"({"acr":["x",{"acor":["Cae1"],"acop":2}]})", "Cae1"), 0u);
}

TEST(GrantedOperations, ContextsAndChildTypeLimitsAreEvaluated) {
  // An always-open time window holds; acod limits only CREATEs of other child types.
  EXPECT_EQ(Granted(R"({"acr":[{"acor":["Cae1"],"acop":63,"acco":[{"actw":["* * * * * * *"]}]}]})",
                    "Cae1"),
            63u);
  EXPECT_EQ(Granted(R"({"acr":[{"acor":["Cae1"],"acop":63,"acod":[{"chty":[4]}]}]})", "Cae1"),
            63u);
  // A source-address range cannot hold without a source address.
  EXPECT_EQ(Granted(R"({"acr":[{"acor":["Cae1"],"acop":63,"acco":[{"acip":{"ipv4":["10.0.0.0/8"]}}]}]})",
                    "Cae1"),
            0u);
  // Empty lists do not narrow the rule.
  EXPECT_EQ(Granted(R"({"acr":[{"acor":["Cae1"],"acop":3,"acco":[],"acod":[]}]})", "Cae1"), 3u);
  // A context entry without parts does not narrow the rule.
  EXPECT_EQ(Granted(R"({"acr":[{"acor":["Cae1"],"acop":63,"acco":[{"actw":[]}]},
                               {"acor":["Cae1"],"acop":2}]})",
                    "Cae1"),
            63u);
}

// ---- AcpAuthorization --------------------------------------------------------------------------

class MapAcpSource : public AcpSource {
 public:
  std::shared_ptr<const CompiledAcp> FindAcp(std::string_view id) override {
    ++lookups;
    auto it = acps.find(std::string(id));
    if (it == acps.end()) return nullptr;
    return Compiled(it->second);
  }
  std::shared_ptr<const CompiledAcp> Compiled(const Resource& acp) override {
    auto c = CompiledAcp::Compile(acp.attrs);
    return c ? *c : nullptr;
  }
  void Add(const std::string& ri, std::string_view pv, std::string_view pvs) {
    Resource r;
    r.attrs = bj::parse(R"({"ty":1,"ri":")" + ri + R"(","pv":)" + std::string(pv) +
                        R"(,"pvs":)" + std::string(pvs) + "}")
                  .as_object();
    r.path = "cse-in/" + ri;
    acps[ri] = std::move(r);
  }
  std::map<std::string, Resource> acps;
  int lookups = 0;
};

Resource Subject(int ty, std::string_view acpi_json = "", std::string originator = "") {
  Resource r;
  r.attrs["ty"] = ty;
  r.attrs["ri"] = "subject";
  if (!acpi_json.empty()) r.attrs["acpi"] = bj::parse(acpi_json);
  r.path = "cse-in/subject";
  r.originator = std::move(originator);
  return r;
}

class AcpAuthorizationTest : public testing::Test {
 protected:
  void SetUp() override {
    // acp1: Cae1 may retrieve and discover; Cadm2 may change the ACP and links to it.
    acps_.Add("acp1", R"({"acr":[{"acor":["Cae1"],"acop":34}]})",
              R"({"acr":[{"acor":["Cadm2"],"acop":63}]})");
    // acp2: Cae3 may create and update.
    acps_.Add("acp2", R"({"acr":[{"acor":["Cae3"],"acop":5}]})",
              R"({"acr":[{"acor":["Cadm2"],"acop":4}]})");
  }

  Decision Check(const Resource& subject, std::string_view originator, uint32_t access,
                 bool acpi_change = false) {
    SecurityContext ctx;
    ctx.originator = originator;
    ctx.access = access;
    ctx.subject = &subject;
    ctx.acpi_change = acpi_change;
    ctx.owner_ae = owner_ae_;
    ctx.originator_registered = registered_;
    return authz_.Check(ctx);
  }

  // No ACP grants: the step defers with its reason (a later step — dynamic authorization — may
  // still grant; otherwise the chain's default denial, 4103, reports this reason), and a chain
  // of this step alone denies with 4103.
  void ExpectDenied(const Decision& d) {
    EXPECT_NE(d.verdict, Verdict::kAllow);
    if (d.verdict == Verdict::kDeny) EXPECT_EQ(d.status.code(), Rsc::kOriginatorHasNoPrivilege);
    EXPECT_FALSE(d.reason.empty());
  }

  MapAcpSource acps_;
  AcpAuthorization authz_{"CAdmin", acps_};
  std::string owner_ae_;
  bool registered_ = true;
};

TEST_F(AcpAuthorizationTest, IsADecidingStep) {
  EXPECT_TRUE(authz_.deciding());
  EXPECT_EQ(authz_.name(), "authz.acp");
}

TEST_F(AcpAuthorizationTest, AllowsTheAdminEverything) {
  Resource subject = Subject(rty::kContainer, R"(["acp1"])", "Cae1");
  for (uint32_t op : kAllOps) {
    EXPECT_EQ(Check(subject, "CAdmin", op).verdict, Verdict::kAllow) << op;
  }
  SecurityContext no_subject;
  no_subject.originator = "CAdmin";
  no_subject.access = kDelete;
  EXPECT_EQ(authz_.Check(no_subject).verdict, Verdict::kAllow);
  EXPECT_EQ(acps_.lookups, 0);
}

TEST_F(AcpAuthorizationTest, DeniesWithoutASubject) {
  SecurityContext ctx;
  ctx.originator = "Cae1";
  ctx.access = kRetrieve;
  ExpectDenied(authz_.Check(ctx));
}

TEST_F(AcpAuthorizationTest, EmptyAdminNameMatchesNobody) {
  MapAcpSource none;
  AcpAuthorization no_admin("", none);
  Resource subject = Subject(rty::kContainer, R"(["acp1"])");
  SecurityContext ctx;
  ctx.originator = "";
  ctx.access = kRetrieve;
  ctx.subject = &subject;
  ExpectDenied(no_admin.Check(ctx));
}

TEST_F(AcpAuthorizationTest, PvGrantsExactlyTheOperationBitsOfMatchingRules) {
  Resource subject = Subject(rty::kContainer, R"(["acp1"])");
  for (uint32_t op : kAllOps) {
    Decision d = Check(subject, "Cae1", op);
    if (op & 34u) {
      EXPECT_EQ(d.verdict, Verdict::kAllow) << AccessOpName(op);
    } else {
      SCOPED_TRACE(AccessOpName(op));
      ExpectDenied(d);
    }
  }
}

TEST_F(AcpAuthorizationTest, DeniesOriginatorsNoRuleNames) {
  Resource subject = Subject(rty::kContainer, R"(["acp1"])");
  ExpectDenied(Check(subject, "Cae9", kRetrieve));
  // pvs does not govern access to the resources that link the ACP.
  ExpectDenied(Check(subject, "Cadm2", kRetrieve));
}

TEST_F(AcpAuthorizationTest, AnyLinkedAcpMayPermit) {
  Resource subject = Subject(rty::kContainer, R"(["acp1","acp2"])");
  EXPECT_EQ(Check(subject, "Cae1", kRetrieve).verdict, Verdict::kAllow);
  EXPECT_EQ(Check(subject, "Cae3", kUpdate).verdict, Verdict::kAllow);
  ExpectDenied(Check(subject, "Cae3", kDelete));
}

TEST_F(AcpAuthorizationTest, IgnoresMissingAcps) {
  Resource partly = Subject(rty::kContainer, R"(["gone","acp1"])");
  EXPECT_EQ(Check(partly, "Cae1", kRetrieve).verdict, Verdict::kAllow);
  Resource only_missing = Subject(rty::kContainer, R"(["gone"])", "Cae1");
  // The creator has no special rights once acpi is set.
  ExpectDenied(Check(only_missing, "Cae1", kRetrieve));
}

TEST_F(AcpAuthorizationTest, AcpResourceItselfIsGovernedByItsPvs) {
  Resource acp = acps_.acps.at("acp1");
  EXPECT_EQ(Check(acp, "Cadm2", kUpdate).verdict, Verdict::kAllow);
  EXPECT_EQ(Check(acp, "Cadm2", kDelete).verdict, Verdict::kAllow);
  // pv grants Cae1 retrieve on linking resources, not on the ACP itself.
  ExpectDenied(Check(acp, "Cae1", kRetrieve));
  Resource acp2 = acps_.acps.at("acp2");
  EXPECT_EQ(Check(acp2, "Cadm2", kUpdate).verdict, Verdict::kAllow);
  ExpectDenied(Check(acp2, "Cadm2", kDelete));
}

TEST_F(AcpAuthorizationTest, AcpiChangeIsGovernedByPvsOfLinkedAcps) {
  acps_.Add("acp3", R"({"acr":[{"acor":["Cae1"],"acop":63}]})",
            R"({"acr":[{"acor":["Cadm2"],"acop":4}]})");
  Resource subject = Subject(rty::kContainer, R"(["acp3"])");
  EXPECT_EQ(Check(subject, "Cadm2", kUpdate, /*acpi_change=*/true).verdict, Verdict::kAllow);
  // Cae1 may update the resource through pv, but not its acpi.
  EXPECT_EQ(Check(subject, "Cae1", kUpdate).verdict, Verdict::kAllow);
  ExpectDenied(Check(subject, "Cae1", kUpdate, /*acpi_change=*/true));
  // Cadm2 has no pv grant, so an ordinary update is refused.
  ExpectDenied(Check(subject, "Cadm2", kUpdate));
}

TEST_F(AcpAuthorizationTest, WithoutAcpiAllowsTheCreator) {
  Resource subject = Subject(rty::kContainer, "", "Cae1");
  for (uint32_t op : kAllOps) EXPECT_EQ(Check(subject, "Cae1", op).verdict, Verdict::kAllow);
  ExpectDenied(Check(subject, "Cae2", kRetrieve));
}

// The default policy (TS-0001 §9.6.1.3.2) is the creator's alone: the AE whose subtree holds the
// resource has no rights to what another originator created there.
TEST_F(AcpAuthorizationTest, WithoutAcpiTheOwningAeIsNotTheCreator) {
  owner_ae_ = "Cowner";
  Resource subject = Subject(rty::kContainer, "", "Csomeone");
  ExpectDenied(Check(subject, "Cowner", kDelete));
  EXPECT_EQ(Check(subject, "Csomeone", kDelete).verdict, Verdict::kAllow);
}

// A custodian (cstn, Release 4) takes the creator's place under the default policy.
TEST_F(AcpAuthorizationTest, WithoutAcpiTheCustodianAloneHasAccess) {
  Resource subject = Subject(rty::kContainer, "", "Cae1");
  subject.attrs["cstn"] = "Ccustodian";
  for (uint32_t op : kAllOps) {
    EXPECT_EQ(Check(subject, "Ccustodian", op).verdict, Verdict::kAllow);
  }
  ExpectDenied(Check(subject, "Cae1", kRetrieve));
  ExpectDenied(Check(subject, "Cother", kRetrieve));
}

TEST_F(AcpAuthorizationTest, WithoutAcpiAnEmptyAcpiListCountsAsNone) {
  Resource subject = Subject(rty::kContainer, "[]", "Cae1");
  EXPECT_EQ(Check(subject, "Cae1", kUpdate).verdict, Verdict::kAllow);
  ExpectDenied(Check(subject, "Cae2", kUpdate));
}

TEST_F(AcpAuthorizationTest, WithoutAcpiAnUnknownCreatorMatchesNobody) {
  Resource subject = Subject(rty::kContainer, "", "");
  ExpectDenied(Check(subject, "", kRetrieve));
  ExpectDenied(Check(subject, "Cae1", kRetrieve));
}

TEST_F(AcpAuthorizationTest, CseBaseWithoutAcpiIsReadableByRegisteredOriginatorsOnly) {
  Resource cb = Subject(rty::kCseBase);
  registered_ = true;
  EXPECT_EQ(Check(cb, "Cae1", kRetrieve).verdict, Verdict::kAllow);
  ExpectDenied(Check(cb, "Cae1", kCreate));
  ExpectDenied(Check(cb, "Cae1", kUpdate));
  ExpectDenied(Check(cb, "Cae1", kDiscover));
  registered_ = false;
  ExpectDenied(Check(cb, "Cae1", kRetrieve));
  ExpectDenied(Check(cb, "Cae1", kCreate));
}

TEST_F(AcpAuthorizationTest, CseBaseWithAcpiFollowsItsAcps) {
  Resource cb = Subject(rty::kCseBase, R"(["acp2"])");
  registered_ = false;
  EXPECT_EQ(Check(cb, "Cae3", kCreate).verdict, Verdict::kAllow);
  ExpectDenied(Check(cb, "Cae1", kRetrieve));
}

}  // namespace
}  // namespace trustcse::security
