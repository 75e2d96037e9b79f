// The TS-0022 <mgmtObj> specializations (clause 7.2; mgmtDefinition values of TS-0004 Table
// 6.3.4.2.22-1 and TS-0022 Table 7.1.1-1). Short names, types and create/update optionality as
// the public oneM2M test CSE lists them for these objects; enumeration ranges from their
// dcfg:/m2m: enumerations; the forms of IMSI and ICCID from 3GPP TS 23.003 and ITU-T E.118.
#include "resources/mgmt_obj_device_config.h"

#include <arpa/inet.h>

#include <string>

#include "primitive/json_util.h"
#include "primitive/schedule_entry.h"

namespace trustcse::resources {
namespace {

namespace bj = boost::json;
constexpr auto M = Presence::kMandatory;
constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;
constexpr auto S = AttrType::kString;
constexpr auto B = AttrType::kBool;
constexpr auto P = AttrType::kPosInt;
constexpr auto I = AttrType::kInt;
constexpr auto E = AttrType::kEnum;
constexpr auto SL = AttrType::kStringList;
constexpr auto IL = AttrType::kIntList;
constexpr auto L = AttrType::kList;
constexpr auto OBJ = AttrType::kObject;
constexpr auto ANY = AttrType::kAny;

// [dataCollection] (TS-0022 §7.2, §8.4): where the device puts what it measures (containerPath)
// and when it measures and reports — a schedule (lists of m2m:scheduleEntries) or an interval
// (positive integers), not both of one kind.
constexpr AttributePolicy kDataCollection[] = {
    {"cntp", S, M, O}, {"rpsc", L, O, O}, {"mesc", L, O, O}, {"rpil", P, O, O}, {"meil", P, O, O},
};
// [myCertFileCred]: the device's certificate (format, content), fixed once given, and the
// security usages it serves (m2m:suid list).
constexpr AttributePolicy kMyCertFileCred[] = {
    {"suids", IL, M, O}, {"mcff", S, M, NP}, {"mcfc", S, M, NP},
};
// [wifiClient]: ssid and dcfg:wifiCredentials to join with; connectionStatus
// (dcfg:wifiConnectionStatus 0 disconnected … 6 lost); scan/update/toggleRadioStatus triggers.
constexpr AttributePolicy kWifiClient[] = {
    {"ssid", S, M, O},     {"wcrds", OBJ, O, O}, {"maca", S, O, O},  {"chanl", S, O, O},
    {"cons", E, O, O, 0, 6}, {"scan", B, O, O},  {"scanr", SL, O, O}, {"ud", B, O, O},
    {"trdst", B, O, O},    {"rdst", B, O, O},
};
// [credentials]: a credential for a purpose (ID, secret, token).
constexpr AttributePolicy kCredentials[] = {
    {"pur", S, O, O}, {"crid", S, O, O}, {"crse", S, O, O}, {"crtk", S, O, O},
};
// [SIM]: simStatus 0 inactive, 1 active; simType 0 UICC … 3 iUICC.
constexpr AttributePolicy kSim[] = {
    {"imsi", S, O, O}, {"icid", S, M, O}, {"sist", E, O, O, 0, 1}, {"sity", E, O, O, 0, 3},
    {"spn", S, O, O},
};
// [mobileNetwork]: cellularNetworkBearer 0 GSM … 7 NB-IoT; coverageEnhancementLevel 0–4; MCC and
// MNC are at most three digits (ITU-T E.212), a location area code two octets (TS 23.003 §4.1).
constexpr AttributePolicy kMobileNetwork[] = {
    {"cnb", E, M, O, 0, 7},     {"rss", I, O, O},         {"liqu", I, O, O},
    {"ipad", L, O, O},          {"ripa", L, O, O},        {"apna", ANY, O, O},
    {"ceid", I, O, O},          {"smnc", I, O, O, 0, 999}, {"smcc", I, O, O, 0, 999},
    {"lac", I, O, O, 0, 65535}, {"coel", E, O, O, 0, 4},
};

Status Invalid(std::string_view sn, std::string_view why) {
  return Status::BadRequest("invalid value of attribute '" + std::string(sn) + "': " +
                            std::string(why));
}

// The attribute `sn` if the request gives it a value (null removes it: nothing to check).
const bj::value* Given(const bj::object& given, std::string_view sn) {
  const bj::value* v = given.if_contains(sn);
  return v == nullptr || v->is_null() ? nullptr : v;
}

// A list of m2m:scheduleEntries, each {"sce": [entry, …]} with seven-field entries; a list that
// is given holds at least one.
Status CheckSchedules(const bj::object& given, std::string_view sn) {
  const bj::value* v = Given(given, sn);
  if (v == nullptr) return Status::Ok();
  const bj::array& list = v->get_array();
  if (list.empty()) return Invalid(sn, "an empty list");
  for (const auto& e : list) {
    const bj::object* o = e.if_object();
    const bj::value* sce = o ? o->if_contains("sce") : nullptr;
    if (sce == nullptr || o->size() != 1 || !sce->is_array() || sce->get_array().empty()) {
      return Invalid(sn, "not a list of {\"sce\": [schedule entries]}");
    }
    for (const auto& entry : sce->get_array()) {
      if (!entry.is_string() || !ScheduleEntry::Parse(entry.get_string())) {
        return Invalid(sn, "a schedule entry is not seven fields (s m h day month weekday year)");
      }
    }
  }
  return Status::Ok();
}

Status CheckDataCollection(const bj::object& given) {
  if (auto s = CheckSchedules(given, "rpsc"); !s.ok()) return s;
  return CheckSchedules(given, "mesc");
}

// m2m:suid: pre-provisioned symmetric keys 10–15, RSPF-provisioned 21–25, MAF-distributed 32–35,
// certificates 40–45.
bool IsSuid(int64_t v) {
  return (v >= 10 && v <= 15) || (v >= 21 && v <= 25) || (v >= 32 && v <= 35) ||
         (v >= 40 && v <= 45);
}

Status CheckMyCertFileCred(const bj::object& given) {
  const bj::value* v = Given(given, "suids");
  if (v == nullptr) return Status::Ok();
  if (v->get_array().empty()) return Invalid("suids", "an empty list");
  for (const auto& e : v->get_array()) {
    if (!IsSuid(*json::AsInt(e))) return Invalid("suids", "not an m2m:suid");
  }
  return Status::Ok();
}

// dcfg:wifiCredentials {enct: dcfg:wifiEncryptionType 1 none, 2 WEP, 3–5 WPA/WPA2/WPA3
// Personal, 6–8 WPA/WPA2/WPA3 Enterprise; unm, pwd; wepk; wpap}: each secret belongs to its
// encryption type and that type needs it — a WEP key for WEP, a pre-shared key for Personal, a
// user name or password for Enterprise.
Status CheckWifiCredentials(const bj::value& v) {
  const bj::object& c = v.get_object();
  for (const auto& [k, m] : c) {
    if (k == "enct") continue;
    if ((k != "unm" && k != "pwd" && k != "wepk" && k != "wpap") || !m.is_string()) {
      return Invalid("wcrds", "members are enct and the strings unm, pwd, wepk, wpap");
    }
  }
  auto enct = json::GetInt(c, "enct");
  if (!enct || *enct < 1 || *enct > 8) return Invalid("wcrds", "enct is 1..8");
  const bool wep = *enct == 2;
  const bool personal = *enct >= 3 && *enct <= 5;
  const bool enterprise = *enct >= 6;
  if ((c.contains("unm") || c.contains("pwd")) != enterprise) {
    return Invalid("wcrds", "unm/pwd go with enct 6..8, and those need one of them");
  }
  if (c.contains("wepk") != wep) return Invalid("wcrds", "wepk goes with enct 2, which needs it");
  if (c.contains("wpap") != personal) {
    return Invalid("wcrds", "wpap goes with enct 3..5, which need it");
  }
  return Status::Ok();
}

Status CheckWifiClient(const bj::object& given) {
  // An SSID element carries 0 to 32 octets (IEEE 802.11 §9.4.2.2).
  if (const bj::value* ssid = Given(given, "ssid"); ssid && ssid->get_string().size() > 32) {
    return Invalid("ssid", "more than 32 octets");
  }
  if (const bj::value* w = Given(given, "wcrds")) return CheckWifiCredentials(*w);
  return Status::Ok();
}

bool AllOf(std::string_view s, bool (*pred)(char)) {
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

Status CheckSim(const bj::object& given) {
  // IMSI: MCC (3) + MNC (2–3) + MSIN, decimal digits, at most 15 (3GPP TS 23.003 §2.2).
  if (const bj::value* v = Given(given, "imsi")) {
    std::string_view s = v->get_string();
    if (s.size() < 6 || s.size() > 15 || !AllOf(s, IsDigit)) {
      return Invalid("imsi", "6 to 15 decimal digits");
    }
  }
  // ICCID: at most 19 digits and a check digit (ITU-T E.118), written as an alphanumeric string.
  if (const bj::value* v = Given(given, "icid")) {
    std::string_view s = v->get_string();
    if (s.empty() || s.size() > 20 || !AllOf(s, IsAlnum)) {
      return Invalid("icid", "1 to 20 letters or digits");
    }
  }
  return Status::Ok();
}

// m2m:ipAddress {ip4, ip6}: at least one, each in its textual form (RFC 791 dotted quad, RFC 4291
// §2.2).
bool IsIpAddress(const bj::value& v) {
  const bj::object* o = v.if_object();
  if (o == nullptr || o->empty()) return false;
  for (const auto& [k, m] : *o) {
    int family = k == "ip4" ? AF_INET : k == "ip6" ? AF_INET6 : -1;
    if (family < 0 || !m.is_string()) return false;
    std::string text(m.get_string());
    unsigned char buf[16];
    if (inet_pton(family, text.c_str(), buf) != 1) return false;
  }
  return true;
}

Status CheckAddresses(const bj::object& given, std::string_view sn) {
  const bj::value* v = Given(given, sn);
  if (v == nullptr) return Status::Ok();
  if (v->get_array().empty()) return Invalid(sn, "an empty list");
  for (const auto& e : v->get_array()) {
    if (!IsIpAddress(e)) return Invalid(sn, "not a list of {\"ip4\"|\"ip6\": address}");
  }
  return Status::Ok();
}

Status CheckMobileNetwork(const bj::object& given) {
  if (auto s = CheckAddresses(given, "ipad"); !s.ok()) return s;
  if (auto s = CheckAddresses(given, "ripa"); !s.ok()) return s;
  // The access point name(s) the device uses: one, or a list of them.
  if (const bj::value* v = Given(given, "apna")) {
    if (v->is_string()) return Status::Ok();
    const bj::array* a = v->if_array();
    if (a == nullptr || a->empty()) return Invalid("apna", "a string or a list of strings");
    for (const auto& e : *a) {
      if (!e.is_string()) return Invalid("apna", "a string or a list of strings");
    }
  }
  return Status::Ok();
}

constexpr MgmtSpecialization kDeviceConfig[] = {
    {.mgd = 1021,
     .key = "dcfg:datc",
     .own = kDataCollection,
     .check = &CheckDataCollection,
     .exclusive = {{{"rpsc", "rpil"}, {"mesc", "meil"}}}},
    {.mgd = 1023,
     .key = "dcfg:nycfc",
     .own = kMyCertFileCred,
     .check = &CheckMyCertFileCred,
     .alias = "m2m:nycfc"},  // the key the ACME test CSE and its tests use
    {.mgd = 1028,
     .key = "dcfg:wific",
     .own = kWifiClient,
     .default_false = {"scan", "ud", "trdst", "rdst"},
     .check = &CheckWifiClient},
    {.mgd = 1029, .key = "dcfg:crds", .own = kCredentials},
    {.mgd = 1030, .key = "dcfg:sim", .own = kSim, .check = &CheckSim},
    {.mgd = 1031, .key = "dcfg:mnwk", .own = kMobileNetwork, .check = &CheckMobileNetwork},
};

}  // namespace

std::span<const MgmtSpecialization> DeviceConfigSpecializations() { return kDeviceConfig; }

}  // namespace trustcse::resources
