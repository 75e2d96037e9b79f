// mgmtObj (ty 13): a management object under a <node>, in one of the specializations of TS-0004
// Annex D — firmware, software, memory, areaNwkInfo, areaNwkDeviceInfo, battery, deviceInfo,
// deviceCapability, reboot, eventLog (D.2–D.11) and the CMDH policies (D.12) — or of TS-0022
// (dataCollection, myCertFileCred, wifiClient, credentials, SIM, mobileNetwork). One resource
// type whose representation key and attribute table depend on the specialization ("m2m:fwr", mgd
// 1001; the tables are data in mgmt_obj_specializations.cc and mgmt_obj_device_config.cc); the
// key is kept in the internal attribute "__tag" like a flexContainer's. A standard specialization
// this CSE does not implement (the other TS-0022 objects, self-defined ones) is 5001
// NOT_IMPLEMENTED.
//
// The CSE keeps the management state; it does not itself speak a device management protocol
// (TS-0005/TS-0006). Trigger attributes follow Annex D: a pair of opposite triggers in one
// request (install and uninstall, enable and disable, …) is 4000; enable/disable, logStart/
// logStop, reboot/factoryReset read back as true ("the value of this attribute is always true");
// the status attributes (updateStatus, installStatus, activeStatus) start uninitialized.
// areaNwkDeviceInfo keeps the listOfDevices of the areaNwkInfo it names (awi) up to date.
#include "primitive/json_util.h"
#include "resources/link_lists.h"
#include "resources/mgmt_obj_specializations.h"
#include "resources/types.h"

namespace trustcse::resources {
namespace {

using Specialization = MgmtSpecialization;

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

// Attributes that say one thing two ways ([dataCollection]: a reporting schedule or a reporting
// interval) are not held together; `attrs` is the resource as the request leaves it.
Status CheckExclusive(const Specialization& sp, const bj::object& attrs) {
  for (const auto& [a, b] : sp.exclusive) {
    if (!a.empty() && attrs.contains(a) && attrs.contains(b)) {
      return Status::BadRequest("'" + std::string(a) + "' and '" + std::string(b) +
                                "' cannot both be set");
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

// Adds (or removes) `ri` to the listOfDevices of the areaNwkInfo `awi`; a missing areaNwkInfo
// is left alone (awi may name one on another CSE).
Status LinkDevice(storage::WriteTxn& txn, const HookContext& ctx, std::string_view awi,
                  std::string_view ri, bool add, WriteEffects& fx) {
  return UpdateLinkList(txn, ctx, awi, ty::kMgmtObj, "m2m:ani", "ldv", ri, add, fx);
}

class MgmtObj final : public ResourceType {
 public:
  int ty() const override { return ty::kMgmtObj; }
  std::string_view tag() const override { return ""; }
  std::string_view short_name() const override { return "mgo"; }
  std::span<const AttributePolicy> policies() const override { return MgmtCommonPolicies(); }
  bool HasTag(std::string_view key) const override {
    return FindMgmtSpecialization(key) != nullptr;
  }
  std::span<const AttributePolicy> PoliciesFor(std::string_view key) const override {
    const Specialization* sp = FindMgmtSpecialization(key);
    return sp ? MgmtPolicies(*sp) : MgmtCommonPolicies();
  }
  void AddSpecializationAttributes(std::vector<std::string_view>& names) const override {
    for (const auto& sp : MgmtSpecializations()) {
      for (const auto& p : sp.own) names.push_back(p.sn);
    }
  }
  Status CheckSpecialization(std::string_view key, const bj::object& content) const override {
    if (FindMgmtSpecialization(key)) return Status::Ok();
    // §7.3.3.3: a mandatory attribute (mgd) whose value names a feature the CSE does not support
    // is NOT_IMPLEMENTED; anything else that names no specialization is a malformed request.
    const bj::value* mgd = content.if_contains("mgd");
    if (auto v = mgd ? json::AsInt(*mgd) : std::nullopt; v && IsUnimplementedMgmtDefinition(*v)) {
      return Status::NotImplemented("mgmtObj specialization " + std::to_string(*v) +
                                    " is not implemented");
    }
    return Status::BadRequest("unknown mgmtObj specialization");
  }
  bool AllowsChild(int c) const override { return c == ty::kSubscription; }

  Status ValidateCreate(const HookContext&, const Resource& parent, Resource& res) const override {
    const Specialization* sp = Of(res);
    if (!sp) return Status::BadRequest("unknown mgmtObj specialization");
    if (json::AsInt(res.attrs.at("mgd")).value_or(-1) != sp->mgd) {
      return Status::BadRequest("mgd does not match the specialization " + std::string(sp->key));
    }
    if (auto s = CheckTriggers(*sp, res.attrs, res); !s.ok()) return s;
    if (sp->check) {
      if (auto s = sp->check(res.attrs); !s.ok()) return s;
    }
    if (auto s = CheckExclusive(*sp, res.attrs); !s.ok()) return s;
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
    if (sp->check) {
      if (auto s = sp->check(changes); !s.ok()) return s;
    }
    if (auto s = CheckExclusive(*sp, merged.attrs); !s.ok()) return s;
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
    return FindMgmtSpecialization(json::GetString(res.attrs, "__tag").value_or(""));
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
