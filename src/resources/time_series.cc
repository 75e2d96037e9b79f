// timeSeries (ty 29): a container of timeSeriesInstances keyed by dataGenerationTime, with the
// same quotas as a container (TS-0001 §9.6.36). Missing-data detection is not implemented
// (creating one with mdd=true gets 5001).
#include "primitive/json_util.h"
#include "resources/types.h"

namespace trustcse::resources {
namespace {

constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;

constexpr AttributePolicy kPolicies[] = {
    {"cr", AttrType::kString, O, NP},      {"mni", AttrType::kNonNegInt, O, O},
    {"mbs", AttrType::kNonNegInt, O, O},   {"mia", AttrType::kNonNegInt, O, O},
    {"cni", AttrType::kNonNegInt, NP, NP}, {"cbs", AttrType::kNonNegInt, NP, NP},
    {"pei", AttrType::kNonNegInt, O, O},   {"peid", AttrType::kNonNegInt, O, O},
    {"mdd", AttrType::kBool, O, O},        {"mdn", AttrType::kNonNegInt, O, O},
    {"mdlt", AttrType::kList, NP, NP},     {"mdc", AttrType::kNonNegInt, NP, NP},
    {"mdt", AttrType::kNonNegInt, O, O},   {"cnf", AttrType::kString, O, NP},
    {"or", AttrType::kString, O, O},
};

class TimeSeries final : public InstanceHolderType {
 public:
  constexpr TimeSeries() : InstanceHolderType(ty::kTimeSeriesInstance) {}
  int ty() const override { return ty::kTimeSeries; }
  std::string_view tag() const override { return "m2m:ts"; }
  std::string_view short_name() const override { return "ts"; }
  std::span<const AttributePolicy> policies() const override { return kPolicies; }
  bool AllowsChild(int c) const override {
    return c == ty::kTimeSeriesInstance || c == ty::kSubscription;
  }
  Status ValidateCreate(const HookContext& ctx, const Resource& parent,
                        Resource& res) const override {
    if (json::GetBool(res.attrs, "mdd").value_or(false)) {
      return Status::NotImplemented("missing data detection is not supported");
    }
    return InstanceHolderType::ValidateCreate(ctx, parent, res);
  }
  Status ValidateUpdate(const HookContext&, const bj::object&, Resource& merged) const override {
    if (json::GetBool(merged.attrs, "mdd").value_or(false)) {
      return Status::NotImplemented("missing data detection is not supported");
    }
    return Status::Ok();
  }
};

}  // namespace

const ResourceType& TimeSeriesType() {
  static const TimeSeries kType;
  return kType;
}

}  // namespace trustcse::resources
