// Table-driven tests of the compiled access-control-policy evaluator
// (security/authz/compiled_acp.h; digest §5.1): which originators a rule names (exact IDs, "all",
// '*' patterns, CSE-IDs, groups), the acop bitmask, the contexts (actw schedules in UTC, acip
// prefixes, aclr circles; OR across acco entries, AND inside one), acaf, acod, permit-overrides
// and the reported DenyReason, pv versus pvs, and what Compile refuses (4000, or 5001 for accc).
//
// Every time is a fixed timestamp (never the wall clock); every source address goes through
// IpAddress::Parse.
#include "security/authz/compiled_acp.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "common/time.h"
#include "security/chain.h"

namespace trustcse::security {
namespace {

namespace bj = boost::json;

constexpr uint32_t kAllOps[] = {kCreate, kRetrieve, kUpdate, kDelete, kNotify, kDiscover};

// 2024-06-11 is a Tuesday; 2024-06-09 a Sunday.
constexpr const char* kTuesdayNoon = "20240611T120000";

const char* ReasonName(DenyReason r) {
  switch (r) {
    case DenyReason::kNoRules:
      return "kNoRules";
    case DenyReason::kOriginator:
      return "kOriginator";
    case DenyReason::kOperation:
      return "kOperation";
    case DenyReason::kContext:
      return "kContext";
    case DenyReason::kAuthentication:
      return "kAuthentication";
    case DenyReason::kChildType:
      return "kChildType";
    case DenyReason::kAttributes:
      return "kAttributes";
  }
  return "?";
}

TimePoint At(std::string_view timestamp) {
  auto t = ParseTimestamp(timestamp);
  EXPECT_TRUE(t.has_value()) << "bad test timestamp " << timestamp;
  return t.value_or(TimePoint{});
}

// <group> membership as the dispatcher would answer it from its cache.
class TestGroups : public GroupMembership {
 public:
  bool IsMember(std::string_view group_id, std::string_view originator) const override {
    auto it = members.find(std::string(group_id));
    return it != members.end() && it->second.count(std::string(originator)) > 0;
  }
  std::map<std::string, std::set<std::string>> members{
      {"grp1", {"Cmember", "/id-mn"}},
      {"grp2", {"Cother"}},
  };
};

const TestGroups kGroups;

// The facts of a request, owning their strings (AccessRequest only views them).
struct Req {
  std::string originator = "Cae1";
  uint32_t op = kRetrieve;
  std::string time = kTuesdayNoon;
  std::string source;  // "" = unknown
  std::optional<GeoPoint> location;
  bool authenticated = false;
  int create_ty = 0;
  int target_ty = 0;
  bool with_groups = true;
  std::optional<std::vector<std::string_view>> attributes;  // nullopt: unknown

  Req From(std::string o) const {
    Req r = *this;
    r.originator = std::move(o);
    return r;
  }
  Req Op(uint32_t o) const {
    Req r = *this;
    r.op = o;
    return r;
  }
  Req When(std::string t) const {
    Req r = *this;
    r.time = std::move(t);
    return r;
  }
  Req Src(std::string s) const {
    Req r = *this;
    r.source = std::move(s);
    return r;
  }
  Req Loc(double lat, double lon) const {
    Req r = *this;
    r.location = GeoPoint{lat, lon};
    return r;
  }
  Req Auth(bool a = true) const {
    Req r = *this;
    r.authenticated = a;
    return r;
  }
  Req Creating(int ty) const {
    Req r = *this;
    r.op = kCreate;
    r.create_ty = ty;
    return r;
  }
  Req Under(int ty) const {
    Req r = *this;
    r.target_ty = ty;
    return r;
  }
  Req Touching(std::vector<std::string_view> a) const {
    Req r = *this;
    r.attributes = std::move(a);
    return r;
  }
  Req NoGroups() const {
    Req r = *this;
    r.with_groups = false;
    return r;
  }
};

const Req kReq;

struct Outcome {
  bool granted = false;
  DenyReason why = DenyReason::kNoRules;
};

// Evaluates `r` against `p`; `why_init` is what the reason starts as, so that a reason that is
// never written is noticed.
Outcome Evaluate(const CompiledPrivileges& p, const Req& r,
                 DenyReason why_init = DenyReason::kChildType) {
  std::optional<IpAddress> ip;
  if (!r.source.empty()) {
    ip = IpAddress::Parse(r.source);
    EXPECT_TRUE(ip.has_value()) << "bad test address " << r.source;
  }
  AccessRequest a;
  a.originator = r.originator;
  a.access = r.op;
  a.time = At(r.time);
  a.source = ip ? &*ip : nullptr;
  a.location = r.location ? &*r.location : nullptr;
  a.authenticated = r.authenticated;
  a.create_ty = r.create_ty;
  a.target_ty = r.target_ty;
  a.self_cse_id = "/id-in";
  a.attributes = r.attributes ? &*r.attributes : nullptr;
  a.groups = r.with_groups ? &kGroups : nullptr;
  Outcome o;
  o.why = why_init;
  o.granted = p.Grants(a, &o.why);
  return o;
}

CompiledPrivileges MustCompile(std::string_view privileges) {
  bj::value v = bj::parse(privileges);
  auto c = CompiledPrivileges::Compile(&v);
  EXPECT_TRUE(c.has_value()) << privileges << ": " << (c ? "" : c.error().message());
  return c ? std::move(*c) : CompiledPrivileges();
}

// Privileges with one rule for Cae1 granting everything under the given acco entries.
std::string WithAcco(std::string_view acco_entries) {
  return R"({"acr":[{"acor":["Cae1"],"acop":63,"acco":[)" + std::string(acco_entries) + "]}]}";
}
// … under one acco entry with one actw schedule entry.
std::string Actw(std::string_view entry) {
  return WithAcco(R"({"actw":[")" + std::string(entry) + R"("]})");
}
// … under one acco entry with one acip object.
std::string Acip(std::string_view acip_object) {
  return WithAcco(R"({"acip":)" + std::string(acip_object) + "}");
}
// … under one acco entry with an accr circle.
std::string Accr(std::string_view circle) {
  return WithAcco(R"({"aclr":{"accr":)" + std::string(circle) + "}}");
}

// ---- Grants: one table, instantiated per topic --------------------------------------------------

struct GrantCase {
  std::string name;
  std::string privileges;
  Req req;
  bool granted;
  DenyReason reason = DenyReason::kNoRules;  // when !granted
  const char* bug = nullptr;                 // a known defect in the code under test
};

void PrintTo(const GrantCase& c, std::ostream* os) {
  *os << c.name << ": " << c.privileges << " for " << c.req.originator << " op " << c.req.op
      << " at " << c.req.time;
  if (!c.req.source.empty()) *os << " from " << c.req.source;
  if (c.req.location) *os << " at (" << c.req.location->lat << "," << c.req.location->lon << ")";
}

GrantCase Grant(std::string name, std::string privileges, Req req = kReq) {
  return {std::move(name), std::move(privileges), std::move(req), true};
}
GrantCase Deny(std::string name, std::string privileges, Req req, DenyReason reason) {
  return {std::move(name), std::move(privileges), std::move(req), false, reason};
}
std::string CaseName(const testing::TestParamInfo<GrantCase>& info) { return info.param.name; }

class GrantsTable : public testing::TestWithParam<GrantCase> {};

TEST_P(GrantsTable, DecidesAsDocumented) {
  const GrantCase& c = GetParam();
  if (c.bug) GTEST_SKIP() << "BUG: " << c.bug;
  CompiledPrivileges p = MustCompile(c.privileges);
  // Start the reason at something other than the expected one so an unwritten reason shows.
  Outcome o = Evaluate(
      p, c.req, c.reason == DenyReason::kChildType ? DenyReason::kNoRules : DenyReason::kChildType);
  EXPECT_EQ(o.granted, c.granted);
  if (!c.granted && !o.granted) {
    EXPECT_EQ(ReasonName(o.why), std::string(ReasonName(c.reason)));
  }
}

const std::string kAeRule = R"({"acr":[{"acor":["Cae1"],"acop":63}]})";

INSTANTIATE_TEST_SUITE_P(
    Originators, GrantsTable,
    testing::Values(
        Grant("ExactAeIdIsNamed", kAeRule),
        Deny("LongerAeIdIsNotNamed", kAeRule, kReq.From("Cae12"), DenyReason::kOriginator),
        Deny("ShorterAeIdIsNotNamed", kAeRule, kReq.From("Cae"), DenyReason::kOriginator),
        Deny("AeIdsAreCaseSensitive", kAeRule, kReq.From("cae1"), DenyReason::kOriginator),
        Grant("AllNamesAnyAe", R"({"acr":[{"acor":["all"],"acop":2}]})", kReq.From("Cxyz")),
        Grant("AllNamesAnyCse", R"({"acr":[{"acor":["all"],"acop":2}]})", kReq.From("/id-mn")),
        Grant("PrefixWildcardNamesMatchingAe", R"({"acr":[{"acor":["C*"],"acop":2}]})",
              kReq.From("Cabc")),
        Grant("PrefixWildcardMatchesTheBarePrefix", R"({"acr":[{"acor":["C*"],"acop":2}]})",
              kReq.From("C")),
        Deny("PrefixWildcardDoesNotNameOtherStems", R"({"acr":[{"acor":["C*"],"acop":2}]})",
             kReq.From("Sabc"), DenyReason::kOriginator),
        Deny("WildcardDoesNotCrossSlash", R"({"acr":[{"acor":["C*"],"acop":2}]})", kReq.From("C/x"),
             DenyReason::kOriginator),
        Grant("SpRelativeWildcardNamesMatchingAe", R"({"acr":[{"acor":["/id-*/C98*"],"acop":2}]})",
              kReq.From("/id-in/C98abc")),
        Deny("SpRelativeWildcardNeedsThePrefix", R"({"acr":[{"acor":["/id-*/C98*"],"acop":2}]})",
             kReq.From("/id-in/C97abc"), DenyReason::kOriginator),
        Deny("SpRelativeWildcardStarStopsAtSlash", R"({"acr":[{"acor":["/id-*/C98*"],"acop":2}]})",
             kReq.From("/id-a/b/C98x"), DenyReason::kOriginator),
        Deny("SpRelativeWildcardTrailingStarStopsAtSlash",
             R"({"acr":[{"acor":["/id-*/C98*"],"acop":2}]})", kReq.From("/id-in/C98x/y"),
             DenyReason::kOriginator),
        Grant("AbsoluteWildcardNamesCse", R"({"acr":[{"acor":["//*/cse1"],"acop":2}]})",
              kReq.From("//sp.com/cse1")),
        Grant("ExactCseIdIsNamed", R"({"acr":[{"acor":["/id-mn"],"acop":2}]})",
              kReq.From("/id-mn")),
        Deny("OtherCseIdIsNotNamed", R"({"acr":[{"acor":["/id-mn"],"acop":2}]})",
             kReq.From("/id-mn2"), DenyReason::kOriginator),
        Grant("AnyWildcardOfTheListNames",
              R"({"acr":[{"acor":["S*","/id-*/C98*","C*"],"acop":2}]})", kReq.From("Cabc")),
        Grant("AnyEntryOfTheListNames", R"({"acr":[{"acor":["Cx","/id-mn","Cae1"],"acop":2}]})"),
        Grant("GroupMemberIsNamed", R"({"acr":[{"acor":["grp1"],"acop":2}]})",
              kReq.From("Cmember")),
        Grant("CseMemberOfGroupIsNamed", R"({"acr":[{"acor":["grp1"],"acop":2}]})",
              kReq.From("/id-mn")),
        Deny("GroupNonMemberIsNotNamed", R"({"acr":[{"acor":["grp1"],"acop":2}]})",
             kReq.From("Cother"), DenyReason::kOriginator),
        Deny("GroupIsNotAskedWithoutMembership", R"({"acr":[{"acor":["grp1"],"acop":2}]})",
             kReq.From("Cmember").NoGroups(), DenyReason::kOriginator),
        Deny("OriginatorInNoRule",
             R"({"acr":[{"acor":["Cx"],"acop":63},{"acor":["/id-mn","S*"],"acop":63}]})",
             kReq.From("Cae1"), DenyReason::kOriginator),
        Deny("EmptyAcorNamesNobody", R"({"acr":[{"acor":[],"acop":63}]})", kReq,
             DenyReason::kOriginator)),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    Actw, GrantsTable,
    testing::Values(
        Grant("AlwaysMatchesAnyTime", Actw("* * * * * * *"), kReq.When("20240611T123045")),
        Grant("AlwaysMatchesNewYear", Actw("* * * * * * *"), kReq.When("20250101T000000")),
        Grant("ExactSecondMatches", Actw("45 * * * * * *"), kReq.When("20240611T123045")),
        Grant("ExactSecondIgnoresFraction", Actw("45 * * * * * *"),
              kReq.When("20240611T123045,999999")),
        Deny("OtherSecondDoesNotMatch", Actw("45 * * * * * *"), kReq.When("20240611T123044"),
             DenyReason::kContext),
        Grant("ExactMinuteMatches", Actw("* 30 * * * * *"), kReq.When("20240611T123000")),
        Deny("OtherMinuteDoesNotMatch", Actw("* 30 * * * * *"), kReq.When("20240611T123100"),
             DenyReason::kContext),
        Grant("ExactHourMatches", Actw("* * 12 * * * *"), kReq.When("20240611T125959")),
        Deny("OtherHourDoesNotMatch", Actw("* * 12 * * * *"), kReq.When("20240611T130000"),
             DenyReason::kContext),
        Grant("SecondListMatchesMember", Actw("1,5,9 * * * * * *"), kReq.When("20240611T120005")),
        Deny("SecondListExcludesNonMember", Actw("1,5,9 * * * * * *"), kReq.When("20240611T120006"),
             DenyReason::kContext),
        Grant("HourListMatchesLastMember", Actw("* * 1,5,9 * * * *"), kReq.When("20240611T090000")),
        Deny("HourListExcludesNonMember", Actw("* * 1,5,9 * * * *"), kReq.When("20240611T100000"),
             DenyReason::kContext),
        Grant("HourRangeIncludesStart", Actw("* * 9-17 * * * *"), kReq.When("20240611T090000")),
        Grant("HourRangeIncludesEnd", Actw("* * 9-17 * * * *"), kReq.When("20240611T175959")),
        Deny("HourRangeExcludesAfter", Actw("* * 9-17 * * * *"), kReq.When("20240611T180000"),
             DenyReason::kContext),
        Deny("HourRangeExcludesBefore", Actw("* * 9-17 * * * *"), kReq.When("20240611T085959"),
             DenyReason::kContext),
        Grant("MinuteStepMatchesMultiple", Actw("* */15 * * * * *"), kReq.When("20240611T124500")),
        Grant("MinuteStepMatchesZero", Actw("* */15 * * * * *"), kReq.When("20240611T120000")),
        Deny("MinuteStepExcludesOthers", Actw("* */15 * * * * *"), kReq.When("20240611T124400"),
             DenyReason::kContext),
        Grant("StepFromAValueRunsToTheEnd", Actw("* 5/20 * * * * *"), kReq.When("20240611T124500")),
        Deny("StepFromAValueSkipsBetweenSteps", Actw("* 5/20 * * * * *"),
             kReq.When("20240611T124000"), DenyReason::kContext),
        Grant("SteppedRangeMatchesStep", Actw("* 0-30/10 * * * * *"), kReq.When("20240611T122000")),
        Grant("SteppedRangeMatchesEnd", Actw("* 0-30/10 * * * * *"), kReq.When("20240611T123000")),
        Deny("SteppedRangeExcludesBetweenSteps", Actw("* 0-30/10 * * * * *"),
             kReq.When("20240611T122500"), DenyReason::kContext),
        Deny("SteppedRangeExcludesAfterRange", Actw("* 0-30/10 * * * * *"),
             kReq.When("20240611T124000"), DenyReason::kContext),
        Grant("WrappingHoursMatchBeforeMidnight", Actw("* * 22-2 * * * *"),
              kReq.When("20240611T233000")),
        Grant("WrappingHoursMatchAfterMidnight", Actw("* * 22-2 * * * *"),
              kReq.When("20240611T010000")),
        Grant("WrappingHoursIncludeStart", Actw("* * 22-2 * * * *"), kReq.When("20240611T220000")),
        Grant("WrappingHoursIncludeEnd", Actw("* * 22-2 * * * *"), kReq.When("20240611T025959")),
        Deny("WrappingHoursExcludeNoon", Actw("* * 22-2 * * * *"), kReq.When("20240611T120000"),
             DenyReason::kContext),
        Deny("WrappingHoursExcludeThree", Actw("* * 22-2 * * * *"), kReq.When("20240611T030000"),
             DenyReason::kContext),
        Deny("WrappingHoursExcludeJustBeforeStart", Actw("* * 22-2 * * * *"),
             kReq.When("20240611T215959"), DenyReason::kContext),
        Grant("DayOfWeekMatchesTuesday", Actw("* * * * * 2 *"), kReq.When("20240611T120000")),
        Deny("DayOfWeekExcludesWednesday", Actw("* * * * * 2 *"), kReq.When("20240612T120000"),
             DenyReason::kContext),
        Grant("DayOfWeekSevenIsSunday", Actw("* * * * * 7 *"), kReq.When("20240609T120000")),
        Deny("DayOfWeekSevenIsNotMonday", Actw("* * * * * 7 *"), kReq.When("20240610T120000"),
             DenyReason::kContext),
        Deny("DayOfWeekSevenIsNotSaturday", Actw("* * * * * 7 *"), kReq.When("20240608T120000"),
             DenyReason::kContext),
        Grant("DayOfWeekZeroIsSunday", Actw("* * * * * 0 *"), kReq.When("20240609T120000")),
        Grant("WeekdaysMatchFriday", Actw("* * * * * 1-5 *"), kReq.When("20240614T120000")),
        Deny("WeekdaysExcludeSaturday", Actw("* * * * * 1-5 *"), kReq.When("20240608T120000"),
             DenyReason::kContext),
        Grant("WrappingDaysOfWeekMatchSunday", Actw("* * * * * 5-1 *"),
              kReq.When("20240609T120000")),
        Deny("WrappingDaysOfWeekExcludeWednesday", Actw("* * * * * 5-1 *"),
             kReq.When("20240612T120000"), DenyReason::kContext),
        Grant("MonthMatchesJune", Actw("* * * * 6 * *"), kReq.When("20240611T120000")),
        Deny("MonthExcludesJuly", Actw("* * * * 6 * *"), kReq.When("20240711T120000"),
             DenyReason::kContext),
        Grant("WrappingMonthsMatchJanuary", Actw("* * * * 12-2 * *"), kReq.When("20240115T120000")),
        Deny("WrappingMonthsExcludeJune", Actw("* * * * 12-2 * *"), kReq.When("20240611T120000"),
             DenyReason::kContext),
        Grant("DayOfMonthMatches", Actw("* * * 11 * * *"), kReq.When("20240611T120000")),
        Deny("DayOfMonthExcludesNextDay", Actw("* * * 11 * * *"), kReq.When("20240612T120000"),
             DenyReason::kContext),
        Grant("DayOfMonthThirtyOneMatches", Actw("* * * 31 * * *"), kReq.When("20240131T120000")),
        Grant("DayOfMonthFirstMatches", Actw("* * * 1 * * *"), kReq.When("20240301T000000")),
        Grant("LeapDayMatches", Actw("* * * 29 2 * *"), kReq.When("20240229T120000")),
        Grant("YearMatches", Actw("* * * * * * 2024"), kReq.When("20240611T120000")),
        Deny("YearExcludesNextYear", Actw("* * * * * * 2024"), kReq.When("20250611T120000"),
             DenyReason::kContext),
        Deny("YearRangeExcludesLaterYear", Actw("* * * * * * 2020-2023"),
             kReq.When("20240611T120000"), DenyReason::kContext),
        Grant("YearRangeIncludesEnd", Actw("* * * * * * 2020-2024"), kReq.When("20240611T120000")),
        Grant("FullEntryMatchesWeekdayMorning", Actw("0 0 9 * * 1-5 *"),
              kReq.When("20240611T090000")),
        Deny("FullEntryExcludesWeekendMorning", Actw("0 0 9 * * 1-5 *"),
             kReq.When("20240609T090000"), DenyReason::kContext),
        Deny("FullEntryExcludesOneSecondLater", Actw("0 0 9 * * 1-5 *"),
             kReq.When("20240611T090001"), DenyReason::kContext),
        Grant("ExtraSpacesBetweenFieldsAreAccepted", Actw("0  0 9 * *  1-5 *"),
              kReq.When("20240611T090000")),
        Grant("AnyScheduleEntryMatches", WithAcco(R"({"actw":["* * 1 * * * *","* * 12 * * * *"]})"),
              kReq.When("20240611T120000")),
        Deny("NoScheduleEntryMatches", WithAcco(R"({"actw":["* * 1 * * * *","* * 13 * * * *"]})"),
             kReq.When("20240611T120000"), DenyReason::kContext)),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    Acip, GrantsTable,
    testing::Values(
        Grant("Ipv4SlashEightContainsAddress", Acip(R"({"ipv4":["10.0.0.0/8"]})"),
              kReq.Src("10.1.2.3")),
        Deny("Ipv4SlashEightExcludesNeighbour", Acip(R"({"ipv4":["10.0.0.0/8"]})"),
             kReq.Src("11.0.0.1"), DenyReason::kContext),
        Grant("Ipv4SlashTwelveContainsLastAddress", Acip(R"({"ipv4":["172.16.0.0/12"]})"),
              kReq.Src("172.31.255.255")),
        Deny("Ipv4SlashTwelveExcludesNextBlock", Acip(R"({"ipv4":["172.16.0.0/12"]})"),
             kReq.Src("172.32.0.0"), DenyReason::kContext),
        Grant("Ipv4SlashThirtyTwoContainsItself", Acip(R"({"ipv4":["10.1.2.3/32"]})"),
              kReq.Src("10.1.2.3")),
        Deny("Ipv4SlashThirtyTwoExcludesNeighbour", Acip(R"({"ipv4":["10.1.2.3/32"]})"),
             kReq.Src("10.1.2.4"), DenyReason::kContext),
        Grant("Ipv4SlashZeroContainsAnyIpv4", Acip(R"({"ipv4":["0.0.0.0/0"]})"),
              kReq.Src("203.0.113.9")),
        Grant("PlainIpv4AddressContainsItself", Acip(R"({"ipv4":["192.168.1.7"]})"),
              kReq.Src("192.168.1.7")),
        Deny("PlainIpv4AddressIsASlashThirtyTwo", Acip(R"({"ipv4":["192.168.1.7"]})"),
             kReq.Src("192.168.1.8"), DenyReason::kContext),
        Grant("HostBitsOfPrefixAreIgnored", Acip(R"({"ipv4":["10.9.9.9/8"]})"),
              kReq.Src("10.1.2.3")),
        Grant("AnyListedIpv4PrefixMatches", Acip(R"({"ipv4":["192.168.0.0/16","10.0.0.0/8"]})"),
              kReq.Src("10.1.2.3")),
        Grant("Ipv6SlashThirtyTwoContainsAddress", Acip(R"({"ipv6":["2001:db8::/32"]})"),
              kReq.Src("2001:db8:1::5")),
        Deny("Ipv6SlashThirtyTwoExcludesNeighbour", Acip(R"({"ipv6":["2001:db8::/32"]})"),
             kReq.Src("2001:db9::1"), DenyReason::kContext),
        Grant("Ipv6LoopbackSlash128ContainsItself", Acip(R"({"ipv6":["::1/128"]})"),
              kReq.Src("::1")),
        Deny("Ipv6LoopbackSlash128ExcludesNeighbour", Acip(R"({"ipv6":["::1/128"]})"),
             kReq.Src("::2"), DenyReason::kContext),
        Grant("Ipv6LinkLocalSlashTenContainsLastBlock", Acip(R"({"ipv6":["fe80::/10"]})"),
              kReq.Src("febf::1")),
        Deny("Ipv6LinkLocalSlashTenExcludesSiteLocal", Acip(R"({"ipv6":["fe80::/10"]})"),
             kReq.Src("fec0::1"), DenyReason::kContext),
        Grant("Ipv4MappedSourceMatchesIpv4Prefix", Acip(R"({"ipv4":["10.0.0.0/8"]})"),
              kReq.Src("::ffff:10.1.2.3")),
        Deny("Ipv4MappedSourceOutsideIpv4Prefix", Acip(R"({"ipv4":["10.0.0.0/8"]})"),
             kReq.Src("::ffff:11.1.2.3"), DenyReason::kContext),
        Deny("Ipv4PrefixNeverMatchesIpv6Source", Acip(R"({"ipv4":["0.0.0.0/0"]})"), kReq.Src("::1"),
             DenyReason::kContext),
        Deny("Ipv4PrefixDoesNotMatchIpv4CompatibleIpv6", Acip(R"({"ipv4":["10.0.0.0/8"]})"),
             kReq.Src("::10.1.2.3"), DenyReason::kContext),
        Deny("Ipv6PrefixNeverMatchesIpv4Source", Acip(R"({"ipv6":["2001:db8::/32"]})"),
             kReq.Src("10.1.2.3"), DenyReason::kContext),
        Deny("Ipv6DefaultRouteNeverMatchesIpv4Source", Acip(R"({"ipv6":["::/0"]})"),
                 kReq.Src("10.1.2.3"), DenyReason::kContext),
        Deny("Ipv6ShortZeroPrefixNeverMatchesIpv4Source", Acip(R"({"ipv6":["::/64"]})"),
                 kReq.Src("192.0.2.1"), DenyReason::kContext),
        Grant("Ipv6DefaultRouteMatchesIpv6Source", Acip(R"({"ipv6":["::/0"]})"),
              kReq.Src("2001:db8::1")),
        Grant("EitherFamilyListMatchesIpv4",
              Acip(R"({"ipv4":["10.0.0.0/8"],"ipv6":["2001:db8::/32"]})"), kReq.Src("10.0.0.1")),
        Grant("EitherFamilyListMatchesIpv6",
              Acip(R"({"ipv4":["10.0.0.0/8"],"ipv6":["2001:db8::/32"]})"), kReq.Src("2001:db8::1")),
        Deny("MissingSourceNeverMatchesIpv4", Acip(R"({"ipv4":["0.0.0.0/0"]})"), kReq,
             DenyReason::kContext),
        Deny("MissingSourceNeverMatchesIpv6", Acip(R"({"ipv6":["::/0"]})"), kReq,
             DenyReason::kContext)),
    CaseName);

// Paris, 5 km: points due north or east of the centre at known great-circle distances
// (haversine, mean Earth radius 6371008.8 m).
const std::string kParis5km = Accr("[48.8566, 2.3522, 5000]");

INSTANTIATE_TEST_SUITE_P(
    Aclr, GrantsTable,
    testing::Values(
        Grant("CentreIsInside", kParis5km, kReq.Loc(48.8566, 2.3522)),
        Grant("ThreeKmNorthIsInside", kParis5km, kReq.Loc(48.88358, 2.3522)),
        Deny("SevenKmNorthIsOutside", kParis5km, kReq.Loc(48.919552, 2.3522), DenyReason::kContext),
        Grant("ThreeKmEastIsInside", kParis5km, kReq.Loc(48.8566, 2.393206)),
        // Longitude degrees shrink with cos(latitude): without that factor this point would seem
        // 6.1 km away.
        Grant("FourKmEastIsInside", kParis5km, kReq.Loc(48.8566, 2.406874)),
        Deny("SevenKmEastIsOutside", kParis5km, kReq.Loc(48.8566, 2.44788), DenyReason::kContext),
        Grant("JustInsideTheBorderIsInside", kParis5km, kReq.Loc(48.901476, 2.3522)),  // 4990 m
        Deny("JustOutsideTheBorderIsOutside", kParis5km, kReq.Loc(48.901656, 2.3522),  // 5010 m
             DenyReason::kContext),
        Deny("LondonIsOutside", kParis5km, kReq.Loc(51.5074, -0.1278), DenyReason::kContext),
        Deny("MirroredLongitudeIsOutside", kParis5km, kReq.Loc(48.8566, -2.3522),
             DenyReason::kContext),
        Grant("CircleAcrossTheAntimeridian", Accr("[0, 179.99, 5000]"), kReq.Loc(0, -179.99)),
        Grant("ZeroRadiusContainsItsCentre", Accr("[10, 20, 0]"), kReq.Loc(10, 20)),
        Grant("IntegerCoordinatesAreAccepted", Accr("[48, 2, 1000]"), kReq.Loc(48.005, 2)),
        Deny("NoLocationNeverMatches", kParis5km, kReq, DenyReason::kContext)),
    CaseName);

const std::string kOfficeHoursOrLan =
    WithAcco(R"({"actw":["* * 9-17 * * * *"]},{"acip":{"ipv4":["10.0.0.0/8"]}})");
const std::string kOfficeHoursAndLan =
    WithAcco(R"({"actw":["* * 9-17 * * * *"],"acip":{"ipv4":["10.0.0.0/8"]}})");
const std::string kLanAndParis =
    WithAcco(R"({"acip":{"ipv4":["10.0.0.0/8"]},"aclr":{"accr":[48.8566,2.3522,5000]}})");

INSTANTIATE_TEST_SUITE_P(
    Acco, GrantsTable,
    testing::Values(
        Grant("EntriesAreOredFirstHolds", kOfficeHoursOrLan,
              kReq.When("20240611T120000").Src("192.168.0.1")),
        Grant("EntriesAreOredSecondHolds", kOfficeHoursOrLan,
              kReq.When("20240611T200000").Src("10.0.0.1")),
        Deny("EntriesAreOredNoneHolds", kOfficeHoursOrLan,
             kReq.When("20240611T200000").Src("192.168.0.1"), DenyReason::kContext),
        Grant("PartsAreAndedAllHold", kOfficeHoursAndLan,
              kReq.When("20240611T120000").Src("10.0.0.1")),
        Deny("PartsAreAndedAddressFails", kOfficeHoursAndLan,
             kReq.When("20240611T120000").Src("192.168.0.1"), DenyReason::kContext),
        Deny("PartsAreAndedTimeFails", kOfficeHoursAndLan,
             kReq.When("20240611T200000").Src("10.0.0.1"), DenyReason::kContext),
        Grant("AddressAndRegionHold", kLanAndParis, kReq.Src("10.0.0.1").Loc(48.8566, 2.3522)),
        Deny("AddressHoldsRegionUnknown", kLanAndParis, kReq.Src("10.0.0.1"), DenyReason::kContext),
        Deny("RegionHoldsAddressOutside", kLanAndParis, kReq.Src("11.0.0.1").Loc(48.8566, 2.3522),
             DenyReason::kContext),
        Grant("EmptyAccoDoesNotNarrow", WithAcco("")),
        Grant("EmptyContextEntryHolds", WithAcco("{}"))),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    AcafAcod, GrantsTable,
    testing::Values(
        Deny("AcafTrueRefusesUnauthenticated",
             R"({"acr":[{"acor":["Cae1"],"acop":63,"acaf":true}]})", kReq.Auth(false),
             DenyReason::kAuthentication),
        Grant("AcafTrueAllowsAuthenticated", R"({"acr":[{"acor":["Cae1"],"acop":63,"acaf":true}]})",
              kReq.Auth(true)),
        Grant("AcafFalseAllowsUnauthenticated",
              R"({"acr":[{"acor":["Cae1"],"acop":63,"acaf":false}]})", kReq.Auth(false)),
        Grant("AcodAllowsListedChildType",
              R"({"acr":[{"acor":["Cae1"],"acop":63,"acod":[{"chty":[4,23]}]}]})",
              kReq.Creating(4)),
        Grant("AcodAllowsAnyListedChildType",
              R"({"acr":[{"acor":["Cae1"],"acop":63,"acod":[{"chty":[4]},{"ty":3,"chty":[23]}]}]})",
              kReq.Creating(23).Under(3)),
        // A limit with a resourceType applies under a target of that type only (TS-0003 §7.1.5).
        Deny("AcodTypeOfAnotherTargetDoesNotAllow",
             R"({"acr":[{"acor":["Cae1"],"acop":63,"acod":[{"ty":2,"chty":[3]}]}]})",
             kReq.Creating(3).Under(3), DenyReason::kChildType),
        Grant("AcodTypeOfTheTargetAllows",
              R"({"acr":[{"acor":["Cae1"],"acop":63,"acod":[{"ty":2,"chty":[3]}]}]})",
              kReq.Creating(3).Under(2)),
        // SP-relative acor entries of this CSE name the AE by its stem (TS-0003 §7.1.3).
        Grant("SpRelativeAeIdNamesTheStem", R"({"acr":[{"acor":["/id-in/Cae1"],"acop":63}]})",
              kReq),
        Grant("SpRelativePatternMatchesTheStem", R"({"acr":[{"acor":["/id-in/Cae*"],"acop":63}]})",
              kReq),
        Deny("SpRelativeOfAnotherCseNamesNobodyHere",
             R"({"acr":[{"acor":["/id-other/Cae1"],"acop":63}]})", kReq, DenyReason::kOriginator),
        // A rule limited to some attributes (aca, Release 4).
        Grant("AcaAllowsAnUpdateOfListedAttributes",
              R"({"acr":[{"acor":["Cae1"],"acop":63,"aca":["lbl","mni"]}]})",
              kReq.Op(kUpdate).Touching({"lbl"})),
        Deny("AcaRefusesAnUpdateOfOtherAttributes",
             R"({"acr":[{"acor":["Cae1"],"acop":63,"aca":["lbl"]}]})",
             kReq.Op(kUpdate).Touching({"lbl", "mni"}), DenyReason::kAttributes),
        Deny("AcaRefusesAWholeRetrieve", R"({"acr":[{"acor":["Cae1"],"acop":63,"aca":["lbl"]}]})",
             kReq.Touching({}), DenyReason::kAttributes),
        Grant("AcaAllowsAPartialRetrieveOfListedAttributes",
              R"({"acr":[{"acor":["Cae1"],"acop":63,"aca":["lbl"]}]})", kReq.Touching({"lbl"})),
        Grant("AcaDoesNotLimitDelete", R"({"acr":[{"acor":["Cae1"],"acop":63,"aca":["lbl"]}]})",
              kReq.Op(kDelete)),
        Deny("AcodRefusesOtherChildType",
             R"({"acr":[{"acor":["Cae1"],"acop":63,"acod":[{"chty":[4,23]}]}]})", kReq.Creating(3),
             DenyReason::kChildType),
        Grant("AcodDoesNotLimitRetrieve",
              R"({"acr":[{"acor":["Cae1"],"acop":63,"acod":[{"chty":[4]}]}]})", kReq.Op(kRetrieve)),
        Grant("AcodDoesNotLimitCreateWithoutType",
              R"({"acr":[{"acor":["Cae1"],"acop":63,"acod":[{"chty":[4]}]}]})", kReq.Creating(0)),
        Grant("EmptyAcodDoesNotLimit", R"({"acr":[{"acor":["Cae1"],"acop":63,"acod":[]}]})",
              kReq.Creating(3))),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    PermitOverridesAndReasons, GrantsTable,
    testing::Values(
        Grant("LaterRulePermitsWhatEarlierDoesNot",
              R"({"acr":[{"acor":["Cae1"],"acop":2},{"acor":["all"],"acop":1}]})",
              kReq.Op(kCreate)),
        Grant("EarlierRulePermitsDespiteLaterRefusal",
              R"({"acr":[{"acor":["all"],"acop":1},{"acor":["Cae1"],"acop":2}]})",
              kReq.Op(kCreate)),
        Grant("UnconditionalRulePermitsDespiteFailedContext",
              R"({"acr":[{"acor":["Cae1"],"acop":2,"acco":[{"acip":{"ipv4":["10.0.0.0/8"]}}]},
                         {"acor":["C*"],"acop":2}]})",
              kReq),
        Deny("NullPrivilegesHaveNoRules", "null", kReq, DenyReason::kNoRules),
        Deny("EmptyPrivilegesHaveNoRules", "{}", kReq, DenyReason::kNoRules),
        Deny("EmptyAcrHasNoRules", R"({"acr":[]})", kReq, DenyReason::kNoRules),
        Deny("NullAcrHasNoRules", R"({"acr":null})", kReq, DenyReason::kNoRules),
        Deny("OperationIsClosestWhenOnlyTheOpFails", R"({"acr":[{"acor":["Cae1"],"acop":1}]})",
             kReq.Op(kRetrieve), DenyReason::kOperation),
        Deny("ContextIsCloserThanOperation",
             R"({"acr":[{"acor":["Cae1"],"acop":1},
                        {"acor":["Cae1"],"acop":2,"acco":[{"actw":["* * 1 * * * *"]}]}]})",
             kReq, DenyReason::kContext),
        Deny("ContextIsCloserThanOperationInAnyOrder",
             R"({"acr":[{"acor":["Cae1"],"acop":2,"acco":[{"actw":["* * 1 * * * *"]}]},
                        {"acor":["Cae1"],"acop":1}]})",
             kReq, DenyReason::kContext),
        Deny("AuthenticationIsCloserThanContext",
             R"({"acr":[{"acor":["Cae1"],"acop":2,"acco":[{"actw":["* * 1 * * * *"]}]},
                        {"acor":["Cae1"],"acop":2,"acaf":true}]})",
             kReq, DenyReason::kAuthentication),
        Deny("ChildTypeIsCloserThanAuthentication",
             R"({"acr":[{"acor":["Cae1"],"acop":1,"acod":[{"chty":[4]}]},
                        {"acor":["Cae1"],"acop":1,"acaf":true}]})",
             kReq.Creating(3), DenyReason::kChildType),
        Deny("RulesForOtherOriginatorsDoNotCount",
             R"({"acr":[{"acor":["Cx"],"acop":2,"acaf":true},{"acor":["Cae1"],"acop":1}]})", kReq,
             DenyReason::kOperation),
        Deny("OperationBeforeContext",
             R"({"acr":[{"acor":["Cae1"],"acop":1,"acco":[{"actw":["* * 1 * * * *"]}]}]})",
             kReq.Op(kRetrieve), DenyReason::kOperation),
        Deny("ContextBeforeAuthentication",
             R"({"acr":[{"acor":["Cae1"],"acop":2,"acaf":true,
                         "acco":[{"actw":["* * 1 * * * *"]}]}]})",
             kReq, DenyReason::kContext)),
    CaseName);

// ---- Operations: every bit against several acop masks -------------------------------------------

class OperationMatrix : public testing::TestWithParam<std::tuple<uint32_t, uint32_t>> {};

TEST_P(OperationMatrix, GrantsExactlyTheBitsOfAcop) {
  auto [mask, op] = GetParam();
  CompiledPrivileges p =
      MustCompile(R"({"acr":[{"acor":["Cae1"],"acop":)" + std::to_string(mask) + "}]}");
  Outcome o = Evaluate(p, kReq.Op(op), DenyReason::kNoRules);
  EXPECT_EQ(o.granted, (mask & op) != 0);
  if (!o.granted) {
    EXPECT_EQ(ReasonName(o.why), std::string("kOperation"));
  }
}

using OpParam = std::tuple<uint32_t, uint32_t>;

std::string OpName(const testing::TestParamInfo<OpParam>& i) {
  auto [mask, op] = i.param;
  return "acop" + std::to_string(mask) + "_" + AccessOpName(op) +
         ((mask & op) ? "_granted" : "_denied");
}

INSTANTIATE_TEST_SUITE_P(Table, OperationMatrix,
                         testing::Combine(testing::Values(1u, 2u, 4u, 8u, 16u, 32u, 3u, 34u, 62u,
                                                          63u),
                                          testing::ValuesIn(kAllOps)),
                         OpName);

// ---- What Compile refuses -----------------------------------------------------------------------

struct RejectCase {
  std::string name;
  std::string privileges;
  Rsc code = Rsc::kBadRequest;
};

void PrintTo(const RejectCase& c, std::ostream* os) { *os << c.name << ": " << c.privileges; }

RejectCase Reject(std::string name, std::string privileges, Rsc code = Rsc::kBadRequest) {
  return {std::move(name), std::move(privileges), code};
}

class CompileRejects : public testing::TestWithParam<RejectCase> {};

TEST_P(CompileRejects, PrivilegesWithTheStatus) {
  const RejectCase& c = GetParam();
  bj::value v = bj::parse(c.privileges);
  auto p = CompiledPrivileges::Compile(&v);
  ASSERT_FALSE(p.has_value()) << "compiled " << p->rule_count() << " rule(s)";
  EXPECT_EQ(static_cast<int>(p.error().code()), static_cast<int>(c.code)) << p.error().message();
}

TEST_P(CompileRejects, AsPvOrPvsOfAnAcp) {
  const RejectCase& c = GetParam();
  for (const char* attr : {"pv", "pvs"}) {
    bj::object attrs{{"ty", 1}, {"ri", "acp1"}};
    attrs[attr] = bj::parse(c.privileges);
    auto acp = CompiledAcp::Compile(attrs);
    ASSERT_FALSE(acp.has_value()) << attr;
    EXPECT_EQ(static_cast<int>(acp.error().code()), static_cast<int>(c.code)) << attr;
  }
}

std::string RejectName(const testing::TestParamInfo<RejectCase>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(
    Rules, CompileRejects,
    testing::Values(
        Reject("PrivilegesNotAnObject", R"("all")"),
        Reject("AcrNotAnArray", R"({"acr":{"acor":["Cae1"],"acop":2}})"),
        Reject("RuleNotAnObject", R"({"acr":["x"]})"),
        Reject("MalformedRuleAmongGoodOnes",
               R"({"acr":[{"acor":["Cae1"],"acop":2},{"acor":["Cae1"],"acop":0}]})"),
        Reject("MissingAcor", R"({"acr":[{"acop":2}]})"),
        Reject("AcorNotAnArray", R"({"acr":[{"acor":"Cae1","acop":2}]})"),
        Reject("AcorEntryNotAString", R"({"acr":[{"acor":[1],"acop":2}]})"),
        Reject("AcorEntryEmpty", R"({"acr":[{"acor":[""],"acop":2}]})"),
        Reject("MissingAcop", R"({"acr":[{"acor":["Cae1"]}]})"),
        Reject("AcopZero", R"({"acr":[{"acor":["Cae1"],"acop":0}]})"),
        Reject("AcopSixtyFour", R"({"acr":[{"acor":["Cae1"],"acop":64}]})"),
        Reject("AcopNegative", R"({"acr":[{"acor":["Cae1"],"acop":-1}]})"),
        Reject("AcopFraction", R"({"acr":[{"acor":["Cae1"],"acop":2.5}]})"),
        Reject("AcopString", R"({"acr":[{"acor":["Cae1"],"acop":"2"}]})"),
        Reject("UnknownRuleMember", R"({"acr":[{"acor":["Cae1"],"acop":2,"acxx":1}]})"),
        Reject("AcafNotABoolean", R"({"acr":[{"acor":["Cae1"],"acop":2,"acaf":"true"}]})"),
        Reject("AccoNotAnArray", R"({"acr":[{"acor":["Cae1"],"acop":2,"acco":{}}]})"),
        Reject("AccoEntryNotAnObject", R"({"acr":[{"acor":["Cae1"],"acop":2,"acco":[1]}]})"),
        Reject("UnknownAccoMember", WithAcco(R"({"actx":["* * * * * * *"]})")),
        Reject("UnknownAccoMemberBesideKnownOne",
               WithAcco(R"({"actw":["* * * * * * *"],"acxx":1})")),
        Reject("AcodNotAnArray", R"({"acr":[{"acor":["Cae1"],"acop":2,"acod":{"chty":[4]}}]})"),
        Reject("AcodEntryNotAnObject", R"({"acr":[{"acor":["Cae1"],"acop":2,"acod":[4]}]})"),
        Reject("AcaNotAList", R"({"acr":[{"acor":["Cae1"],"acop":2,"aca":"lbl"}]})"),
        Reject("AcaEmpty", R"({"acr":[{"acor":["Cae1"],"acop":2,"aca":[]}]})"),
        Reject("AcodWithoutChty", R"({"acr":[{"acor":["Cae1"],"acop":2,"acod":[{"ty":3}]}]})"),
        Reject("AcodChtyNotAnArray", R"({"acr":[{"acor":["Cae1"],"acop":2,"acod":[{"chty":4}]}]})"),
        Reject("AcodChtyZero", R"({"acr":[{"acor":["Cae1"],"acop":2,"acod":[{"chty":[0]}]}]})"),
        Reject("AcodChtyString", R"({"acr":[{"acor":["Cae1"],"acop":2,"acod":[{"chty":["4"]}]}]})"),
        Reject("AcodNegativeTy",
               R"({"acr":[{"acor":["Cae1"],"acop":2,"acod":[{"ty":-1,"chty":[4]}]}]})")),
    RejectName);

INSTANTIATE_TEST_SUITE_P(
    Actw, CompileRejects,
    testing::Values(Reject("SixFields", Actw("* * * * * *")),
                    Reject("EightFields", Actw("* * * * * * * *")), Reject("Empty", Actw("")),
                    Reject("OnlySpaces", Actw("   ")),
                    Reject("SecondSixty", Actw("60 * * * * * *")),
                    Reject("MinuteSixty", Actw("* 60 * * * * *")),
                    Reject("HourTwentyFive", Actw("* * 25 * * * *")),
                    Reject("HourTwentyFour", Actw("* * 24 * * * *")),
                    Reject("DayOfMonthZero", Actw("* * * 0 * * *")),
                    Reject("DayOfMonthThirtyTwo", Actw("* * * 32 * * *")),
                    Reject("MonthThirteen", Actw("* * * * 13 * *")),
                    Reject("DayOfWeekEight", Actw("* * * * * 8 *")),
                    Reject("YearBefore1970", Actw("* * * * * * 1969")),
                    Reject("LetterRange", Actw("* * a-b * * * *")),
                    Reject("StepZero", Actw("*/0 * * * * * *")),
                    Reject("NegativeStep", Actw("*/-1 * * * * * *")),
                    Reject("OpenRange", Actw("* * 9- * * * *")),
                    Reject("EmptyListItem", Actw("1,,2 * * * * * *")),
                    Reject("TrailingComma", Actw("1, * * * * * *")),
                    Reject("NegativeValue", Actw("-1 * * * * * *")),
                    Reject("StarRange", Actw("*-5 * * * * * *")),
                    Reject("EntryNotAString", WithAcco(R"({"actw":[5]})")),
                    Reject("ActwNotAnArray", WithAcco(R"({"actw":"* * * * * * *"})")),
                    Reject("BadEntryAmongGoodOnes",
                           WithAcco(R"({"actw":["* * * * * * *","* * 25 * * * *"]})"))),
    RejectName);

INSTANTIATE_TEST_SUITE_P(
    Acip, CompileRejects,
    testing::Values(Reject("Ipv4PrefixLength33", Acip(R"({"ipv4":["10.0.0.0/33"]})")),
                    Reject("Ipv4ThreeOctets", Acip(R"({"ipv4":["1.2.3"]})")),
                    Reject("Ipv4OctetOver255", Acip(R"({"ipv4":["10.0.0.256/8"]})")),
                    Reject("Ipv4EmptyPrefixLength", Acip(R"({"ipv4":["10.0.0.0/"]})")),
                    Reject("Ipv4NegativePrefixLength", Acip(R"({"ipv4":["10.0.0.0/-1"]})")),
                    Reject("Ipv4PrefixLengthWithJunk", Acip(R"({"ipv4":["10.0.0.0/8x"]})")),
                    Reject("Ipv6PrefixLength129", Acip(R"({"ipv6":["2001:db8::/129"]})")),
                    Reject("Ipv6Garbage", Acip(R"({"ipv6":["2001:db8:::/32"]})")),
                    Reject("Ipv6AddressUnderIpv4Key", Acip(R"({"ipv4":["2001:db8::/32"]})")),
                    Reject("Ipv4AddressUnderIpv6Key", Acip(R"({"ipv6":["10.0.0.0/8"]})")),
                    Reject("EmptyAddress", Acip(R"({"ipv4":[""]})")),
                    Reject("UnknownFamily", Acip(R"({"ipv5":["10.0.0.0/8"]})")),
                    Reject("AcipNotAnObject", Acip(R"(["10.0.0.0/8"])")),
                    Reject("FamilyNotAList", Acip(R"({"ipv4":"10.0.0.0/8"})")),
                    Reject("EntryNotAString", Acip(R"({"ipv4":[10]})"))),
    RejectName);

INSTANTIATE_TEST_SUITE_P(
    Aclr, CompileRejects,
    testing::Values(Reject("CountryCodesAreNotImplemented", WithAcco(R"({"aclr":{"accc":["FR"]}})"),
                           Rsc::kNotImplemented),
                    Reject("CountryCodesBesideCircleAreNotImplemented",
                           WithAcco(R"({"aclr":{"accr":[48.8,2.3,100],"accc":["FR"]}})"),
                           Rsc::kNotImplemented),
                    Reject("LatitudeAbove90", Accr("[90.5, 2.3, 100]")),
                    Reject("LatitudeBelowMinus90", Accr("[-91, 2.3, 100]")),
                    Reject("LongitudeAbove180", Accr("[48.8, 180.5, 100]")),
                    Reject("LongitudeBelowMinus180", Accr("[48.8, -181, 100]")),
                    Reject("NegativeRadius", Accr("[48.8, 2.3, -1]")),
                    Reject("StringCoordinate", Accr(R"(["48.8", 2.3, 100])")),
                    Reject("TwoNumbers", Accr("[48.8, 2.3]")),
                    Reject("FourNumbers", Accr("[48.8, 2.3, 100, 1]")),
                    Reject("CircleNotAList", Accr("48.8")),
                    Reject("UnknownRegionMember", WithAcco(R"({"aclr":{"accx":[48.8,2.3,100]}})")),
                    Reject("AclrNotAnObject", WithAcco(R"({"aclr":[48.8,2.3,100]})"))),
    RejectName);

// ---- What Compile accepts -----------------------------------------------------------------------

TEST(CompiledPrivilegesCompile, CountsRules) {
  EXPECT_EQ(MustCompile("null").rule_count(), 0u);
  EXPECT_EQ(MustCompile(R"({"acr":[]})").rule_count(), 0u);
  EXPECT_EQ(MustCompile(R"({"acr":[{"acor":["Cae1"],"acop":2},{"acor":["all"],"acop":63}]})")
                .rule_count(),
            2u);
  auto absent = CompiledPrivileges::Compile(nullptr);
  ASSERT_TRUE(absent.has_value());
  EXPECT_EQ(absent->rule_count(), 0u);
}

TEST(CompiledPrivilegesCompile, AcceptsIntegralDoubleAcopAndBoundaryScheduleValues) {
  // An acop of 63.0 is the integer 63; the extreme values of every schedule field are in range
  // (2225-12-31 is a Saturday, 1970-01-04 a Sunday).
  CompiledPrivileges p = MustCompile(
      R"({"acr":[{"acor":["Cae1"],"acop":63.0,"acco":[{"actw":["59 59 23 31 12 6 2225"]},
                                                      {"actw":["0 0 0 4 1 7 1970"]}]}]})");
  EXPECT_EQ(p.rule_count(), 1u);
  EXPECT_TRUE(Evaluate(p, kReq.When("22251231T235959")).granted);
  EXPECT_TRUE(Evaluate(p, kReq.When("19700104T000000")).granted);
  EXPECT_FALSE(Evaluate(p, kReq.When("22251231T235958")).granted);
  EXPECT_FALSE(Evaluate(p, kReq.When("19700104T000001")).granted);
}

TEST(CompiledPrivilegesGrants, ReasonIsOptional) {
  CompiledPrivileges p = MustCompile(kAeRule);
  AccessRequest r;
  r.originator = "Cae2";
  r.access = kRetrieve;
  r.time = At(kTuesdayNoon);
  EXPECT_FALSE(p.Grants(r));
  r.originator = "Cae1";
  EXPECT_TRUE(p.Grants(r));
}

// ---- CompiledAcp: pv and pvs are separate -------------------------------------------------------

class CompiledAcpTest : public testing::Test {
 protected:
  void SetUp() override {
    // pv grants Cae1 retrieve (and Cadm2 nothing); pvs grants Cadm2 everything (and Cae1
    // nothing).
    bj::object attrs = bj::parse(R"({"ty":1,"ri":"acp1","rn":"acp1",
        "pv":{"acr":[{"acor":["Cae1"],"acop":2}]},
        "pvs":{"acr":[{"acor":["Cadm2"],"acop":63},{"acor":["Cae1"],"acop":32}]}})")
                           .as_object();
    auto c = CompiledAcp::Compile(attrs);
    ASSERT_TRUE(c.has_value()) << c.error().message();
    acp_ = *c;
  }
  std::shared_ptr<const CompiledAcp> acp_;
};

TEST_F(CompiledAcpTest, PvGrantsWhatPvsDoesNot) {
  EXPECT_TRUE(Evaluate(acp_->pv(), kReq.From("Cae1").Op(kRetrieve)).granted);
  Outcome o = Evaluate(acp_->pvs(), kReq.From("Cae1").Op(kRetrieve), DenyReason::kNoRules);
  EXPECT_FALSE(o.granted);
  EXPECT_EQ(ReasonName(o.why), std::string("kOperation"));
}

TEST_F(CompiledAcpTest, PvsGrantsWhatPvDoesNot) {
  for (uint32_t op : kAllOps) {
    SCOPED_TRACE(AccessOpName(op));
    EXPECT_TRUE(Evaluate(acp_->pvs(), kReq.From("Cadm2").Op(op)).granted);
    Outcome o = Evaluate(acp_->pv(), kReq.From("Cadm2").Op(op), DenyReason::kNoRules);
    EXPECT_FALSE(o.granted);
    EXPECT_EQ(ReasonName(o.why), std::string("kOriginator"));
  }
  EXPECT_TRUE(Evaluate(acp_->pvs(), kReq.From("Cae1").Op(kDiscover)).granted);
  EXPECT_FALSE(Evaluate(acp_->pv(), kReq.From("Cae1").Op(kDiscover)).granted);
}

TEST_F(CompiledAcpTest, RuleCountsArePerAttribute) {
  EXPECT_EQ(acp_->pv().rule_count(), 1u);
  EXPECT_EQ(acp_->pvs().rule_count(), 2u);
}

TEST(CompiledAcp, MissingPvsHasNoRules) {
  auto c =
      CompiledAcp::Compile(bj::parse(R"({"pv":{"acr":[{"acor":["all"],"acop":63}]}})").as_object());
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ((*c)->pvs().rule_count(), 0u);
  Outcome o = Evaluate((*c)->pvs(), kReq, DenyReason::kChildType);
  EXPECT_FALSE(o.granted);
  EXPECT_EQ(ReasonName(o.why), std::string("kNoRules"));
  EXPECT_TRUE(Evaluate((*c)->pv(), kReq).granted);
}

TEST(CompiledAcp, AnInvalidPvsRejectsTheWholeAcp) {
  auto c = CompiledAcp::Compile(bj::parse(R"({"pv":{"acr":[{"acor":["all"],"acop":63}]},
                                              "pvs":{"acr":[{"acor":["all"],"acop":64}]}})")
                                    .as_object());
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code(), Rsc::kBadRequest);
}

}  // namespace
}  // namespace trustcse::security
