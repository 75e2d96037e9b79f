// role (ty 31): a role issued to an AE (TS-0001 §9.6.38; TS-0003 role-based access control).
// An originator that presents the role ID (rids) acts in that role while the role is valid
// (vf ≤ now < vu) and names it as holder (rlhd). Roles are issued by the operator: they live under
// the CSEBase, where only the admin may create.
#include "primitive/json_util.h"
#include "resources/types.h"

namespace trustcse::resources {
namespace {

constexpr auto M = Presence::kMandatory;
constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;

constexpr AttributePolicy kPolicies[] = {
    {"rlid", AttrType::kString, M, NP},  {"sp", AttrType::kString, O, O},
    {"rlhd", AttrType::kString, M, O},   {"nm", AttrType::kString, O, O},
    {"vf", AttrType::kTimestamp, O, O},  {"vu", AttrType::kTimestamp, O, O},
    {"cr", AttrType::kString, O, NP},
};

class Role final : public ResourceType {
 public:
  int ty() const override { return ty::kRole; }
  std::string_view tag() const override { return "m2m:rol"; }
  std::string_view short_name() const override { return "rol"; }
  std::span<const AttributePolicy> policies() const override { return kPolicies; }
  bool has_creator() const override { return true; }
  bool AllowsChild(int) const override { return false; }
};

}  // namespace

const ResourceType& RoleType() {
  static const Role kType;
  return kType;
}

}  // namespace trustcse::resources
