// mgmtObj (ty 13): a management object under a <node>, in one of the classic specializations
// of TS-0001 Annex D / TS-0004 Annex D — firmware, software, memory, areaNwkInfo,
// areaNwkDeviceInfo, battery, deviceInfo, deviceCapability, reboot, eventLog. One resource type
// whose representation key and attribute table depend on the specialization ("m2m:fwr", mgd
// 1001); the key is kept in the internal attribute "__tag" like a flexContainer's.
//
// The CSE keeps the management state; it does not itself speak a device management protocol
// (TS-0005/TS-0006). Trigger attributes follow Annex D: a pair of opposite triggers in one
// request (install and uninstall, enable and disable, …) is 4000; enable/disable, logStart/
// logStop, reboot/factoryReset read back as true ("the value of this attribute is always true");
// the status attributes (updateStatus, installStatus, activeStatus) start uninitialized.
// areaNwkDeviceInfo keeps the listOfDevices of the areaNwkInfo it names (awi) up to date.
#include <array>
#include <vector>

#include "primitive/json_util.h"
#include "resources/types.h"

namespace trustcse::resources {
namespace {

constexpr auto M = Presence::kMandatory;
constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;
constexpr auto S = AttrType::kString;
constexpr auto B = AttrType::kBool;
constexpr auto SL = AttrType::kStringList;
constexpr auto U = AttrType::kNonNegInt;
constexpr auto OBJ = AttrType::kObject;

// Attributes of every mgmtObj (TS-0004 Table 7.4.15.1-2).
constexpr AttributePolicy kCommon[] = {
    {"mgd", AttrType::kEnum, M, NP}, {"obis", SL, O, NP}, {"obps", SL, O, NP},
    {"dc", S, O, O},                 {"cmlk", AttrType::kList, O, O},
    {"mgs", S, NP, NP},  // mgmtSchema: for self-defined objects, which are not supported
    {"__tag", S, NP, NP},
};

constexpr AttributePolicy kFirmware[] = {
    {"vr", S, M, O}, {"fwn", S, M, O}, {"url", S, M, O}, {"ud", B, M, O}, {"uds", OBJ, NP, O},
};
constexpr AttributePolicy kSoftware[] = {
    {"vr", S, M, O},    {"swn", S, M, O},   {"url", S, M, O}, {"in", B, NP, O},
    {"un", B, NP, O},   {"ins", OBJ, NP, O}, {"act", B, NP, O}, {"dea", B, NP, O},
    {"acts", OBJ, NP, O},
};
constexpr AttributePolicy kMemory[] = {{"mma", U, M, O}, {"mmt", U, M, O}};
constexpr AttributePolicy kAreaNwkInfo[] = {{"ant", S, M, O}, {"ldv", SL, O, O}};
constexpr AttributePolicy kAreaNwkDeviceInfo[] = {
    {"dvd", S, M, O}, {"dvt", S, M, O}, {"awi", S, M, O}, {"sli", U, O, O},
    {"sld", U, O, O}, {"ss", S, O, O},  {"lnh", SL, O, O},
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

struct Specialization {
  int mgd;
  std::string_view key;
  std::span<const AttributePolicy> own;
  // Opposite triggers: both true in one request is 4000.
  std::array<std::pair<std::string_view, std::string_view>, 2> opposite{};
  // Triggers that always read back as true.
  std::array<std::string_view, 2> always_true{};
  // m2m:actionStatus attributes the CSE initializes on create, and checks on update.
  std::array<std::string_view, 2> status{};
  // A default for boolean triggers absent on create.
  std::array<std::string_view, 4> default_false{};
};

const Specialization kSpecializations[] = {
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
};

const Specialization* FindSpecialization(std::string_view key) {
  for (const auto& s : kSpecializations) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

// The common attributes followed by the specialization's own, built once.
struct Tables {
  std::vector<AttributePolicy> by_index[std::size(kSpecializations)];
  Tables() {
    for (size_t i = 0; i < std::size(kSpecializations); ++i) {
      by_index[i].assign(std::begin(kCommon), std::end(kCommon));
      by_index[i].insert(by_index[i].end(), kSpecializations[i].own.begin(),
                         kSpecializations[i].own.end());
    }
  }
};

const Tables& AllTables() {
  static const Tables kTables;
  return kTables;
}

bool IsTrue(const bj::object& o, std::string_view k) {
  const bj::value* v = o.if_contains(k);
  return v && v->is_bool() && v->get_bool();
}

// m2m:actionStatus {acn: the action (URI), sus: 0 uninitialized, 1 successful, 2 failure,
// 3 in process}.
Status CheckActionStatus(const bj::object& attrs, std::string_view sn) {
  const bj::value* v = attrs.if_contains(sn);
  if (!v) return Status::Ok();
  for (const auto& [k, m] : v->get_object()) {
    if (k == "acn") {
      if (!m.is_string()) return Status::BadRequest("invalid acn in '" + std::string(sn) + "'");
    } else if (k == "sus") {
      auto i = json::AsInt(m);
      if (!i || *i < 0 || *i > 3) {
        return Status::BadRequest("invalid sus in '" + std::string(sn) + "'");
      }
    } else {
      return Status::BadRequest("unknown member of '" + std::string(sn) + "'");
    }
  }
  return Status::Ok();
}

// What create and update share: opposite triggers, action status values; then the values the
// CSE keeps regardless of what was sent.
Status CheckTriggers(const Specialization& sp, const bj::object& changes, Resource& res) {
  for (const auto& [a, b] : sp.opposite) {
    if (!a.empty() && IsTrue(changes, a) && IsTrue(changes, b)) {
      return Status::BadRequest("'" + std::string(a) + "' and '" + std::string(b) +
                                "' cannot both be true");
    }
  }
  for (std::string_view sn : sp.status) {
    if (sn.empty()) continue;
    if (auto s = CheckActionStatus(changes, sn); !s.ok()) return s;
  }
  for (std::string_view sn : sp.always_true) {
    if (!sn.empty()) res.attrs[sn] = true;
  }
  return Status::Ok();
}

// The areaNwkInfo an areaNwkDeviceInfo's awi names (any form of local address); none if awi
// names nothing here (it may name one on another CSE).
Result<std::optional<Resource>> FindAreaNetwork(storage::WriteTxn& txn, const HookContext& ctx,
                                                std::string_view awi) {
  auto addr = ParseAddress(awi, *ctx.self);
  if (!addr || addr->kind == LocalAddress::Kind::kRemote) return std::optional<Resource>();
  if (addr->kind == LocalAddress::Kind::kUnstructured && !addr->path.empty()) {
    return std::optional<Resource>();  // "ri/tail": not a management object's own address
  }
  auto rec = addr->kind == LocalAddress::Kind::kStructured ? txn.GetByPath(addr->path)
                                                           : txn.Get(addr->ri);
  if (!rec) return Err(rec.error());
  if (!*rec || (*rec)->ty != ty::kMgmtObj) return std::optional<Resource>();
  auto res = Resource::FromRecord(**rec);
  if (!res) return Err(res.error());
  if (json::GetString(res->attrs, "__tag").value_or("") != "m2m:ani") {
    return std::optional<Resource>();
  }
  return std::optional<Resource>(std::move(*res));
}

// Adds (or removes) `ri` to the listOfDevices of the areaNwkInfo `awi`; a missing areaNwkInfo
// is left alone (awi may name one on another CSE).
Status LinkDevice(storage::WriteTxn& txn, const HookContext& ctx, std::string_view awi,
                  std::string_view ri, bool add, WriteEffects& fx) {
  auto found = FindAreaNetwork(txn, ctx, awi);
  if (!found) return found.error();
  if (!*found) return Status::Ok();
  Resource* ani = &**found;
  bj::array ldv;
  bool present = false;
  if (const bj::value* v = ani->attrs.if_contains("ldv"); v && v->is_array()) {
    for (const auto& e : v->get_array()) {
      if (e.is_string() && e.get_string() == ri) {
        present = true;
        if (!add) continue;
      }
      ldv.push_back(e);
    }
  }
  if (add == present) return Status::Ok();
  if (add) ldv.emplace_back(ri);
  ani->attrs["ldv"] = std::move(ldv);
  ani->attrs["lt"] = FormatTimestamp(ctx.now);
  auto out = ani->ToRecord();
  if (auto s = txn.Update(out); !s.ok()) return s;
  fx.events.push_back({Event::Kind::kUpdate, std::string(ani->ri()), ani->path, out, {"ldv"}});
  return Status::Ok();
}

class MgmtObj final : public ResourceType {
 public:
  int ty() const override { return ty::kMgmtObj; }
  std::string_view tag() const override { return ""; }
  std::string_view short_name() const override { return "mgo"; }
  std::span<const AttributePolicy> policies() const override { return kCommon; }
  bool HasTag(std::string_view key) const override { return FindSpecialization(key) != nullptr; }
  std::span<const AttributePolicy> PoliciesFor(std::string_view key) const override {
    const Specialization* sp = FindSpecialization(key);
    if (!sp) return kCommon;
    return AllTables().by_index[sp - kSpecializations];
  }
  bool AllowsChild(int c) const override { return c == ty::kSubscription; }

  Status ValidateCreate(const HookContext&, const Resource& parent, Resource& res) const override {
    const Specialization* sp = Of(res);
    if (!sp) return Status::BadRequest("unknown mgmtObj specialization");
    if (json::AsInt(res.attrs.at("mgd")).value_or(-1) != sp->mgd) {
      return Status::BadRequest("mgd does not match the specialization " + std::string(sp->key));
    }
    if (auto s = CheckTriggers(*sp, res.attrs, res); !s.ok()) return s;
    for (std::string_view sn : sp->status) {
      if (sn.empty() || res.attrs.contains(sn)) continue;  // cas is given by the creator
      res.attrs[sn] = bj::object{{"acn", ""}, {"sus", 0}};
    }
    for (std::string_view sn : sp->default_false) {
      if (!sn.empty() && !res.attrs.contains(sn)) res.attrs[sn] = false;
    }
    return Status::Ok();
  }

  Status ValidateUpdate(const HookContext&, const bj::object& changes,
                        Resource& merged) const override {
    const Specialization* sp = Of(merged);
    if (!sp) return Status::Internal("stored mgmtObj without a specialization");
    return CheckTriggers(*sp, changes, merged);
  }

  Status OnCreate(storage::WriteTxn& txn, const HookContext& ctx, Resource&, bool*, Resource& res,
                  WriteEffects& fx) const override {
    if (auto awi = AreaNetworkOf(res)) return LinkDevice(txn, ctx, *awi, res.ri(), true, fx);
    return Status::Ok();
  }

  Status OnUpdate(storage::WriteTxn& txn, const HookContext& ctx, Resource& res,
                  WriteEffects& fx) const override {
    auto awi = AreaNetworkOf(res);
    if (!awi) return Status::Ok();
    auto before = txn.Get(res.ri());  // the stored version, before this update
    if (!before) return before.error();
    if (!*before) return Status::Ok();
    auto old = Resource::FromRecord(**before);
    if (!old) return old.error();
    auto old_awi = AreaNetworkOf(*old);
    if (old_awi && *old_awi == *awi) return Status::Ok();
    if (old_awi) {
      if (auto s = LinkDevice(txn, ctx, *old_awi, res.ri(), false, fx); !s.ok()) return s;
    }
    return LinkDevice(txn, ctx, *awi, res.ri(), true, fx);
  }

  Status OnDelete(storage::WriteTxn& txn, const HookContext& ctx, Resource&, bool*,
                  const Resource& res, WriteEffects& fx) const override {
    if (auto awi = AreaNetworkOf(res)) return LinkDevice(txn, ctx, *awi, res.ri(), false, fx);
    return Status::Ok();
  }

 private:
  static const Specialization* Of(const Resource& res) {
    return FindSpecialization(json::GetString(res.attrs, "__tag").value_or(""));
  }
  static std::optional<std::string_view> AreaNetworkOf(const Resource& res) {
    if (json::GetString(res.attrs, "__tag").value_or("") != "m2m:andi") return std::nullopt;
    return json::GetString(res.attrs, "awi");
  }
};

}  // namespace

const ResourceType& MgmtObjType() {
  static const MgmtObj kType;
  return kType;
}

}  // namespace trustcse::resources
