// accessControlPolicy (ty 1): privileges (pv) for the resources that link it and
// self-privileges (pvs) for the ACP itself (TS-0001 §9.6.2). Creation checks the rule structure;
// evaluation lives in security/authz.
#include "primitive/json_util.h"
#include "resources/types.h"

namespace trustcse::resources {
namespace {

constexpr auto M = Presence::kMandatory;
constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;

constexpr AttributePolicy kPolicies[] = {
    {"pv", AttrType::kObject, M, O},       {"pvs", AttrType::kObject, M, O},
    {"adri", AttrType::kStringList, O, O}, {"apri", AttrType::kStringList, O, O},
    {"airi", AttrType::kStringList, O, O}, {"cr", AttrType::kString, O, NP},
};

constexpr AttributePolicy kRule[] = {
    {"acor", AttrType::kStringList, M, M}, {"acop", AttrType::kPosInt, M, M},
    {"acco", AttrType::kList, O, O},       {"acaf", AttrType::kBool, O, O},
    {"acod", AttrType::kList, O, O},       {"aca", AttrType::kStringList, O, O},
};

Status CheckPrivileges(const bj::value& v, std::string_view name, bool need_rule) {
  const auto& o = v.get_object();
  for (const auto& [k, _] : o) {
    if (k != "acr") return Status::BadRequest("unknown member in '" + std::string(name) + "'");
  }
  const auto* acr = o.if_contains("acr");
  if (!acr || !acr->is_array()) {
    if (need_rule) return Status::BadRequest("'" + std::string(name) + "' needs at least one rule");
    if (acr && !acr->is_null()) return Status::BadRequest("invalid '" + std::string(name) + "'");
    return Status::Ok();
  }
  if (need_rule && acr->get_array().empty()) {
    return Status::BadRequest("'" + std::string(name) + "' needs at least one rule");
  }
  for (const auto& rule : acr->get_array()) {
    if (!rule.is_object()) return Status::BadRequest("invalid access control rule");
    const auto& r = rule.get_object();
    for (const auto& [k, val] : r) {
      const AttributePolicy* p = nullptr;
      for (const auto& pol : kRule) {
        if (pol.sn == std::string_view(k)) p = &pol;
      }
      if (!p) return Status::BadRequest("unknown member '" + std::string(k) + "' in rule");
      if (!HasType(val, p->type)) {
        return Status::BadRequest("invalid member '" + std::string(k) + "' in rule");
      }
    }
    if (!r.contains("acor") || !r.contains("acop")) {
      return Status::BadRequest("access control rule needs acor and acop");
    }
    if (*json::GetInt(r, "acop") > 63) return Status::BadRequest("acop out of range (1..63)");
    if (const auto* acco = r.if_contains("acco")) {
      for (const auto& c : acco->get_array()) {
        if (!c.is_object()) return Status::BadRequest("invalid acco entry");
        for (const auto& [ck, cv] : c.get_object()) {
          if (ck == "actw") {
            if (!HasType(cv, AttrType::kStringList)) return Status::BadRequest("invalid actw");
          } else if (ck == "acip") {
            if (!cv.is_object()) return Status::BadRequest("invalid acip");
          } else if (ck == "aclr") {
            if (!cv.is_object() && !cv.is_array()) return Status::BadRequest("invalid aclr");
          } else {
            return Status::BadRequest("unknown member '" + std::string(ck) + "' in acco");
          }
        }
      }
    }
  }
  return Status::Ok();
}

Status CheckAll(const Resource& res) {
  if (auto s = CheckPrivileges(res.attrs.at("pv"), "pv", false); !s.ok()) return s;
  return CheckPrivileges(res.attrs.at("pvs"), "pvs", true);
}

class AccessControlPolicy final : public ResourceType {
 public:
  int ty() const override { return ty::kAcp; }
  std::string_view tag() const override { return "m2m:acp"; }
  std::string_view short_name() const override { return "acp"; }
  std::span<const AttributePolicy> policies() const override { return kPolicies; }
  ValidateOptions validate_options() const override { return {.has_acpi = false}; }
  bool AllowsChild(int c) const override { return c == ty::kSubscription; }
  Status ValidateCreate(const HookContext&, const Resource&, Resource& res) const override {
    return CheckAll(res);
  }
  Status ValidateUpdate(const HookContext&, const bj::object&, Resource& merged) const override {
    if (!merged.attrs.contains("pv") || !merged.attrs.contains("pvs")) {
      return Status::BadRequest("pv and pvs cannot be removed");
    }
    return CheckAll(merged);
  }
};

}  // namespace

const ResourceType& AccessControlPolicyType() {
  static const AccessControlPolicy kType;
  return kType;
}

}  // namespace trustcse::resources
