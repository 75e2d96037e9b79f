// The attribute tables of the implemented <mgmtObj> specializations of TS-0004 Annex D (short
// names from Tables 8.2.3-3 to 8.2.3-5; mgmtDefinition values from Table 6.3.4.2.22-1), and the
// list of all of them, with the TS-0022 ones of mgmt_obj_device_config.cc.
#include "resources/mgmt_obj_specializations.h"

#include <string>
#include <vector>

#include "primitive/json_util.h"
#include "resources/mgmt_obj_device_config.h"

namespace trustcse::resources {
namespace {

namespace bj = boost::json;
constexpr auto M = Presence::kMandatory;
constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;
constexpr auto S = AttrType::kString;
constexpr auto B = AttrType::kBool;
constexpr auto SL = AttrType::kStringList;
constexpr auto IDS = AttrType::kNonEmptyStringList;  // m2m:listOfM2MID, m2m:listOfURIs
constexpr auto U = AttrType::kNonNegInt;
constexpr auto P = AttrType::kPosInt;
constexpr auto I = AttrType::kInt;
constexpr auto IL = AttrType::kIntList;
constexpr auto OBJ = AttrType::kObject;
constexpr auto ANY = AttrType::kAny;

// Attributes of every mgmtObj (TS-0004 Table 7.4.15.1-2).
constexpr AttributePolicy kCommon[] = {
    {"mgd", AttrType::kEnum, M, NP}, {"obis", SL, O, NP}, {"obps", SL, O, NP},
    {"dc", S, O, O},
    {"mgs", S, NP, NP},  // mgmtSchema: for self-defined objects, which are not supported
    {"__tag", S, NP, NP},
};

// D.2–D.11.
constexpr AttributePolicy kFirmware[] = {
    {"vr", S, M, O}, {"fwn", S, M, O}, {"url", S, M, O}, {"ud", B, M, O}, {"uds", OBJ, NP, O},
};
constexpr AttributePolicy kSoftware[] = {
    {"vr", S, M, O},    {"swn", S, M, O},   {"url", S, M, O}, {"in", B, NP, O},
    {"un", B, NP, O},   {"ins", OBJ, NP, O}, {"act", B, NP, O}, {"dea", B, NP, O},
    {"acts", OBJ, NP, O},
};
constexpr AttributePolicy kMemory[] = {{"mma", U, M, O}, {"mmt", U, M, O}};
constexpr AttributePolicy kAreaNwkInfo[] = {{"ant", S, M, O}, {"ldv", IDS, O, O}};
constexpr AttributePolicy kAreaNwkDeviceInfo[] = {
    {"dvd", S, M, O}, {"dvt", S, M, O}, {"awi", S, M, O}, {"sli", U, O, O},
    {"sld", U, O, O}, {"ss", S, O, O},  {"lnh", IDS, O, O},
};
constexpr AttributePolicy kBattery[] = {
    {"btl", U, M, O, 0, 100},
    {"bts", AttrType::kEnum, M, O, 1, 7},  // m2m:batteryStatus
};
constexpr AttributePolicy kDeviceInfo[] = {
    {"dlb", S, M, O},   {"man", S, M, NP},  {"mfdl", S, O, O},
    {"mfd", AttrType::kTimestamp, O, NP},   {"mod", S, M, NP},  {"smod", S, O, NP},
    {"dty", S, M, O},   {"dvnm", S, O, O},  {"fwv", S, O, O},   {"swv", S, O, O},
    {"hwv", S, O, NP},  {"osv", S, O, O},   {"cnty", S, O, NP}, {"loc", S, O, O},
    {"syst", AttrType::kTimestamp, O, O},   {"spur", S, O, O},  {"purl", S, O, O},
    {"ptl", SL, O, O},
};
constexpr AttributePolicy kDeviceCapability[] = {
    {"can", S, M, O}, {"att", B, M, O}, {"cas", OBJ, M, O},
    {"cus", B, M, O}, {"ena", B, O, O}, {"dis", B, O, O},
};
constexpr AttributePolicy kReboot[] = {{"rbo", B, O, O}, {"far", B, O, O}};
constexpr AttributePolicy kEventLog[] = {
    {"lgt", AttrType::kEnum, M, O, 1, 5},   // m2m:logTypeId
    {"lgd", S, M, O},
    {"lgst", AttrType::kEnum, M, O, 1, 5},  // m2m:logStatus
    {"lga", B, O, O},
    {"lgo", B, O, O},
};

// D.12: the CMDH policies. mgmtLink (cmlk, m2m:mgmtLinkRef) and the eventCat lists are checked
// by CheckCmdh below; xs:anyType attributes (requestContext, requestCharacteristics,
// otherConditions) and m2m:backOffParameters are kept as given.
constexpr AttributePolicy kCmdhPolicy[] = {{"cpn", S, M, O}, {"cmlk", ANY, M, O}};
constexpr AttributePolicy kActiveCmdhPolicy[] = {{"acmlk", S, M, O}};
constexpr AttributePolicy kCmdhDefaults[] = {{"cmlk", ANY, M, O}};
constexpr AttributePolicy kCmdhDefEcValue[] = {
    {"od", P, M, O},  {"dev", U, M, O},    {"ror", IDS, M, O},
    {"rct", ANY, O, O}, {"rctn", B, O, O}, {"rch", ANY, O, O},
};
constexpr AttributePolicy kCmdhEcDefParamValues[] = {
    {"aec", IL, M, O},  {"dqet", I, M, O}, {"dset", I, M, O},
    {"doet", I, M, O},  {"drp", I, M, O},  {"dda", B, M, O},
};
constexpr AttributePolicy kCmdhLimits[] = {
    {"od", P, M, O},    {"ror", IDS, M, O}, {"rct", ANY, O, O}, {"rctn", B, O, O},
    {"rch", ANY, O, O}, {"lec", IL, M, O},  {"lqet", IL, M, O}, {"lset", IL, M, O},
    {"loet", IL, M, O}, {"lrp", IL, M, O},  {"lda", AttrType::kList, M, O},
};
constexpr AttributePolicy kCmdhNetworkAccessRules[] = {{"aecs", IL, M, O}, {"cmlk", ANY, O, O}};
constexpr AttributePolicy kCmdhNwAccessRule[] = {
    {"ttn", IDS, M, O}, {"mrv", U, M, O},   {"swt", U, M, O},
    {"bop", ANY, M, O}, {"ohc", ANY, O, O}, {"cmlk", ANY, M, O},
};
constexpr AttributePolicy kCmdhBuffer[] = {
    {"aec", IL, M, O}, {"mbfs", U, M, O}, {"sgp", P, M, O, 1, 10},
};

// m2m:eventCat: 2 immediate, 3 bestEffort, 4 latest, 100–999 for local use; the "WithDef"
// lists also allow 0 (the default).
bool ValidEventCat(int64_t v, bool with_default) {
  return (with_default && v == 0) || (v >= 2 && v <= 4) || (v >= 100 && v <= 999);
}

Status Invalid(std::string_view sn) {
  return Status::BadRequest("invalid value of attribute '" + std::string(sn) + "'");
}

Status CheckEventCats(const bj::object& given, std::string_view sn, bool with_default) {
  const bj::value* v = given.if_contains(sn);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (v->get_array().empty()) return Invalid(sn);
  for (const auto& e : v->get_array()) {
    if (!ValidEventCat(*json::AsInt(e), with_default)) return Invalid(sn);
  }
  return Status::Ok();
}

// m2m:mgmtLinkRef: an anyURI with name and type (XML attributes), in JSON {"val", "nm", "typ"}
// (TS-0004 §8.4.2); several links form a list of such objects.
bool ValidLink(const bj::value& v) {
  if (!v.is_object()) return false;
  const bj::object& o = v.get_object();
  const bj::value* val = o.if_contains("val");
  if (val == nullptr || !val->is_string() || val->get_string().empty()) return false;
  for (const auto& [k, m] : o) {
    if (k == "val") continue;
    if (k == "nm" && m.is_string()) continue;
    if (k == "typ" && json::AsInt(m)) continue;
    return false;
  }
  return true;
}

Status CheckLinks(const bj::object& given) {
  const bj::value* v = given.if_contains("cmlk");
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (v->is_array()) {
    if (v->get_array().empty()) return Invalid("cmlk");
    for (const auto& e : v->get_array()) {
      if (!ValidLink(e)) return Invalid("cmlk");
    }
    return Status::Ok();
  }
  return ValidLink(*v) ? Status::Ok() : Invalid("cmlk");
}

Status CheckCmdh(const bj::object& given) {
  if (auto s = CheckLinks(given); !s.ok()) return s;
  if (auto dev = json::GetInt(given, "dev"); dev && !ValidEventCat(*dev, false)) {
    return Invalid("dev");
  }
  if (auto s = CheckEventCats(given, "aec", true); !s.ok()) return s;
  if (auto s = CheckEventCats(given, "aecs", true); !s.ok()) return s;
  if (auto s = CheckEventCats(given, "lec", false); !s.ok()) return s;
  // m2m:listOfMinMax: [min, max]; "restricted list of xs:boolean": one or two booleans.
  for (std::string_view sn : {"lqet", "lset", "loet", "lrp"}) {
    if (const bj::value* v = given.if_contains(sn); v && !v->is_null()) {
      const bj::array& a = v->get_array();
      if (a.size() != 2 || *json::AsInt(a[0]) > *json::AsInt(a[1])) return Invalid(sn);
    }
  }
  if (const bj::value* v = given.if_contains("lda"); v && !v->is_null()) {
    const bj::array& a = v->get_array();
    if (a.empty() || a.size() > 2) return Invalid("lda");
    for (const auto& e : a) {
      if (!e.is_bool()) return Invalid("lda");
    }
  }
  return Status::Ok();
}

const MgmtSpecialization kAnnexD[] = {
    {1001, "m2m:fwr", kFirmware, {}, {}, {"uds"}},
    {1002, "m2m:swr", kSoftware, {{{"in", "un"}, {"act", "dea"}}}, {}, {"ins", "acts"},
     {"in", "un", "act", "dea"}},
    {1003, "m2m:mem", kMemory},
    {1004, "m2m:ani", kAreaNwkInfo},
    {1005, "m2m:andi", kAreaNwkDeviceInfo},
    {1006, "m2m:bat", kBattery},
    {1007, "m2m:dvi", kDeviceInfo},
    {1008, "m2m:dvc", kDeviceCapability, {{{"ena", "dis"}}}, {"ena", "dis"}, {"cas"}},
    {1009, "m2m:rbo", kReboot, {{{"rbo", "far"}}}, {"rbo", "far"}},
    {1010, "m2m:evl", kEventLog, {{{"lga", "lgo"}}}, {"lga", "lgo"}},
    {1011, "m2m:cmp", kCmdhPolicy, {}, {}, {}, {}, &CheckCmdh},
    {1012, "m2m:acmp", kActiveCmdhPolicy, {}, {}, {}, {}, &CheckCmdh},
    {1013, "m2m:cmdf", kCmdhDefaults, {}, {}, {}, {}, &CheckCmdh},
    {1014, "m2m:cmdv", kCmdhDefEcValue, {}, {}, {}, {}, &CheckCmdh},
    {1015, "m2m:cmpv", kCmdhEcDefParamValues, {}, {}, {}, {}, &CheckCmdh},
    {1016, "m2m:cml", kCmdhLimits, {}, {}, {}, {}, &CheckCmdh},
    {1017, "m2m:cmnr", kCmdhNetworkAccessRules, {}, {}, {}, {}, &CheckCmdh},
    {1018, "m2m:cmwr", kCmdhNwAccessRule, {}, {}, {}, {}, &CheckCmdh},
    {1019, "m2m:cmbf", kCmdhBuffer, {}, {}, {}, {}, &CheckCmdh},
};

// Every implemented specialization: Annex D, then TS-0022. Built once; a function-local static,
// so other static initializers may use it.
const std::vector<MgmtSpecialization>& All() {
  static const std::vector<MgmtSpecialization> kAll = [] {
    std::vector<MgmtSpecialization> all(std::begin(kAnnexD), std::end(kAnnexD));
    auto dcfg = DeviceConfigSpecializations();
    all.insert(all.end(), dcfg.begin(), dcfg.end());
    return all;
  }();
  return kAll;
}

// The common attributes followed by each specialization's own, in the order of All().
const std::vector<std::vector<AttributePolicy>>& AllTables() {
  static const std::vector<std::vector<AttributePolicy>> kTables = [] {
    std::vector<std::vector<AttributePolicy>> tables;
    for (const auto& sp : All()) {
      auto& t = tables.emplace_back(std::begin(kCommon), std::end(kCommon));
      t.insert(t.end(), sp.own.begin(), sp.own.end());
    }
    return tables;
  }();
  return kTables;
}

}  // namespace

std::span<const MgmtSpecialization> MgmtSpecializations() { return All(); }

const MgmtSpecialization* FindMgmtSpecialization(std::string_view key) {
  for (const auto& s : All()) {
    if (s.key == key || (!s.alias.empty() && s.alias == key)) return &s;
  }
  return nullptr;
}

std::span<const AttributePolicy> MgmtCommonPolicies() { return kCommon; }

std::span<const AttributePolicy> MgmtPolicies(const MgmtSpecialization& sp) {
  const auto& all = All();
  if (&sp >= all.data() && &sp < all.data() + all.size()) return AllTables()[&sp - all.data()];
  // Not one of All()'s own entries (a copy): find it by key.
  const MgmtSpecialization* found = FindMgmtSpecialization(sp.key);
  return found ? AllTables()[found - all.data()] : MgmtCommonPolicies();
}

bool IsUnimplementedMgmtDefinition(int64_t mgd) {
  // 0: self-defined (mgmtSchema). The TS-0022 objects of Table 6.3.4.2.22-1 and TS-0022 Table
  // 7.1.1-1 whose short names and attribute tables this CSE does not have: registration 1020,
  // authenticationProfile 1022, trustAnchorCred 1024, MAFClientRegCfg 1025, MEFClientRegCfg 1026,
  // OAuth2Authentication 1027; and storage 1032, which later lists of m2m:mgmtDefinition carry.
  // (1021, 1023, 1028–1031 are implemented: mgmt_obj_device_config.cc.)
  return mgd == 0 || mgd == 1020 || mgd == 1022 || (mgd >= 1024 && mgd <= 1027) || mgd == 1032;
}

}  // namespace trustcse::resources
