// dynamicAuthorizationConsultation (ty 34): where to ask when no access-control policy grants a
// request to a resource that links it through daci (TS-0001 §9.6.40; digest §5.3): dae turns it
// on, dap lists the dynamic authorization servers (http URLs), dal caps how long a granted
// answer is reused (seconds).
#include "primitive/json_util.h"
#include "resources/types.h"

namespace trustcse::resources {
namespace {

constexpr auto M = Presence::kMandatory;
constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;

constexpr AttributePolicy kPolicies[] = {
    {"dae", AttrType::kBool, M, O},
    {"dap", AttrType::kStringList, O, O},
    {"dal", AttrType::kNonNegInt, O, O},
    {"cr", AttrType::kString, O, NP},
};

Status CheckServers(const Resource& res) {
  if (const auto* dap = res.attrs.if_contains("dap")) {
    for (const auto& u : dap->get_array()) {
      if (!u.get_string().starts_with("http://")) {
        return Status::BadRequest("dap entries must be http:// URLs");
      }
    }
  }
  return Status::Ok();
}

class DynamicAuthorizationConsultation final : public ResourceType {
 public:
  int ty() const override { return ty::kDynamicAuthorizationConsultation; }
  std::string_view tag() const override { return "m2m:dac"; }
  std::string_view short_name() const override { return "dac"; }
  std::span<const AttributePolicy> policies() const override { return kPolicies; }
  bool has_creator() const override { return true; }
  bool AllowsChild(int c) const override { return c == ty::kSubscription; }
  Status ValidateCreate(const HookContext&, const Resource&, Resource& res) const override {
    return CheckServers(res);
  }
  Status ValidateUpdate(const HookContext&, const bj::object&, Resource& merged) const override {
    return CheckServers(merged);
  }
};

}  // namespace

const ResourceType& DynamicAuthorizationConsultationType() {
  static const DynamicAuthorizationConsultation kType;
  return kType;
}

}  // namespace trustcse::resources
