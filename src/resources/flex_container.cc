// flexContainer (ty 28): a container of any specialization whose custom attributes are kept as
// given (TS-0001 §9.6.35). The representation key is the specialization's own ("cod:color");
// it is stored in the internal attribute "__tag", which never goes on the wire.
#include "primitive/json_util.h"
#include "resources/types.h"

namespace trustcse::resources {
namespace {

constexpr auto M = Presence::kMandatory;
constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;

constexpr AttributePolicy kPolicies[] = {
    {"cnd", AttrType::kString, M, NP},   {"or", AttrType::kString, O, O},
    {"nl", AttrType::kString, O, O},     {"cs", AttrType::kNonNegInt, NP, NP},
    {"cr", AttrType::kString, O, NP},    {"__tag", AttrType::kString, NP, NP},
};

// The size of a flexContainer is that of its custom attributes.
void SetCustomSize(Resource& res) {
  bj::object custom;
  for (const auto& [k, v] : res.attrs) {
    bool universal = false;
    for (auto sn : {"ty", "ri", "pi", "ct", "lt", "st", "rn", "et", "lbl", "at", "aa", "daci",
                    "cstn", "acpi", "cnd", "or", "nl", "cs", "cr", "__tag"}) {
      if (k == sn) universal = true;
    }
    if (!universal) custom[k] = v;
  }
  res.attrs["cs"] = custom.empty() ? 0 : json::Serialize(custom).size();
}

class FlexContainer final : public ResourceType {
 public:
  int ty() const override { return ty::kFlexContainer; }
  std::string_view tag() const override { return ""; }
  std::string_view short_name() const override { return "fcnt"; }
  std::span<const AttributePolicy> policies() const override { return kPolicies; }
  ValidateOptions validate_options() const override { return {.allow_custom = true}; }
  bool has_state_tag() const override { return true; }
  bool has_creator() const override { return true; }
  bool AllowsChild(int c) const override {
    return c == ty::kFlexContainer || c == ty::kSubscription || c == ty::kContainer ||
           c == ty::kTimeSeries;
  }
  Status ValidateCreate(const HookContext&, const Resource&, Resource& res) const override {
    SetCustomSize(res);
    return Status::Ok();
  }
  Status ValidateUpdate(const HookContext&, const bj::object&, Resource& merged) const override {
    SetCustomSize(merged);
    return Status::Ok();
  }
};

}  // namespace

const ResourceType& FlexContainerType() {
  static const FlexContainer kType;
  return kType;
}

}  // namespace trustcse::resources
