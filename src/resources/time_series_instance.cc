// timeSeriesInstance (ty 30): one data point of a timeSeries; immutable; its dataGenerationTime
// (dgt) is unique under the parent (4105 otherwise). The first instance a timeSeries receives
// while missing-data detection is on starts the detection (missing_data.h).
#include "primitive/json_util.h"
#include "resources/missing_data.h"
#include "resources/types.h"

namespace trustcse::resources {
namespace {

constexpr auto M = Presence::kMandatory;
constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;

constexpr AttributePolicy kPolicies[] = {
    {"dgt", AttrType::kTimestamp, M, NP}, {"con", AttrType::kAny, M, NP},
    {"snr", AttrType::kNonNegInt, O, NP}, {"cs", AttrType::kNonNegInt, NP, NP},
    {"cr", AttrType::kString, O, NP},
};

class TimeSeriesInstance final : public InstanceType {
 public:
  int ty() const override { return ty::kTimeSeriesInstance; }
  std::string_view tag() const override { return "m2m:tsi"; }
  std::string_view short_name() const override { return "tsi"; }
  std::span<const AttributePolicy> policies() const override { return kPolicies; }
  ValidateOptions validate_options() const override { return {.has_acpi = false}; }
  Status CheckUpdatable() const override {
    return Status::NotAllowed("a timeSeriesInstance cannot be updated");
  }
  Status ValidateCreate(const HookContext&, const Resource&, Resource& res) const override {
    // Normalize dgt so equal instants compare equal as strings.
    res.attrs["dgt"] = FormatTimestamp(*ParseTimestamp(res.attrs.at("dgt").get_string()));
    SetContentSize(res);
    return Status::Ok();
  }
  Status OnCreate(storage::WriteTxn& txn, const HookContext& ctx, Resource& parent,
                  bool* parent_changed, Resource& res, WriteEffects& fx) const override {
    auto dgt = json::GetString(res.attrs, "dgt").value_or("");
    // TODO(perf): an index on dgt; the scan is bounded by the parent's mni in practice.
    auto siblings = txn.Children(parent.ri(), ty::kTimeSeriesInstance,
                                 storage::ChildOrder::kNewestFirst, SIZE_MAX);
    if (!siblings) return siblings.error();
    for (const auto& s : *siblings) {
      auto sib = Resource::FromRecord(s);
      if (sib && json::GetString(sib->attrs, "dgt").value_or("") == dgt) {
        return Status::Conflict("a timeSeriesInstance with this dgt already exists");
      }
    }
    auto cs = static_cast<uint64_t>(json::GetInt(res.attrs, "cs").value_or(0));
    if (auto s = AddInstance(txn, ctx, parent, ty::kTimeSeriesInstance, cs, fx); !s.ok()) return s;
    ClampToMaxAge(parent, res, ctx.now);
    if (WantsMonitoring(parent) && !parent.attrs.contains(kMonitoringAnchor)) {
      parent.attrs[kMonitoringAnchor] = dgt;  // §7.4.38.2.1: monitoring starts here
      fx.series.push_back(parent.ToRecord());
    }
    *parent_changed = true;
    return Status::Ok();
  }
};

}  // namespace

const ResourceType& TimeSeriesInstanceType() {
  static const TimeSeriesInstance kType;
  return kType;
}

}  // namespace trustcse::resources
