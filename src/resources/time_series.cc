// timeSeries (ty 29): a container of timeSeriesInstances keyed by dataGenerationTime, with the
// same quotas as a container (TS-0001 §9.6.36, TS-0004 §7.4.38). It has no stateTag (Table
// 7.4.38.1-2). The consistency rules of periodicInterval, its delta and the missing-data
// attributes are checked here (§7.4.38.2.1, §7.4.38.2.3); the detection itself is described in
// missing_data.h and timed by the dispatcher's monitor, which each change of those attributes
// reaches through WriteEffects::series.
#include "primitive/json_util.h"
#include "resources/missing_data.h"
#include "resources/types.h"

namespace trustcse::resources {
namespace {

constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;

constexpr AttributePolicy kPolicies[] = {
    {"cr", AttrType::kString, O, NP},      {"mni", AttrType::kNonNegInt, O, O},
    {"mbs", AttrType::kNonNegInt, O, O},   {"mia", AttrType::kNonNegInt, O, O},
    {"cni", AttrType::kNonNegInt, NP, NP}, {"cbs", AttrType::kNonNegInt, NP, NP},
    {"pei", AttrType::kPosInt, O, O},      {"peid", AttrType::kNonNegInt, O, O},
    {"mdd", AttrType::kBool, O, O},        {"mdn", AttrType::kPosInt, O, O},
    {"mdlt", AttrType::kList, NP, NP},     {"mdc", AttrType::kNonNegInt, NP, NP},
    {"mdt", AttrType::kPosInt, O, O},      {"cnf", AttrType::kString, O, NP},
    {"or", AttrType::kString, O, O},       {"__mda", AttrType::kTimestamp, NP, NP},
};

// The attributes of the detection process: frozen while it runs (§7.4.38.2.3).
constexpr std::string_view kDetectionParameters[] = {"mdt", "mdn", "peid", "pei"};

bool Given(const bj::object& o, std::string_view sn) { return o.contains(sn); }

bool MissingDataDetect(const Resource& ts) {
  return json::GetBool(ts.attrs, "mdd").value_or(false);
}

// peid ≤ pei/2 when both are there; a pei without peid gets pei/2 (the "local policy" of
// §7.4.38.2.1/§7.4.38.2.3), as does a pei that a kept peid no longer fits.
Status CheckInterval(Resource& ts, bool peid_given) {
  auto pei = json::GetInt(ts.attrs, "pei");
  if (!pei) return Status::Ok();
  auto peid = json::GetInt(ts.attrs, "peid");
  if (peid && *peid * 2 > *pei) {
    if (peid_given) {
      return Status::BadRequest("periodicIntervalDelta is greater than periodicInterval/2");
    }
    peid.reset();
  }
  if (!peid) ts.attrs["peid"] = *pei / 2;
  return Status::Ok();
}

// missingDataDetect true needs a detect timer above the delta.
Status CheckDetectTimer(const Resource& ts) {
  if (!MissingDataDetect(ts)) return Status::Ok();
  auto mdt = json::GetInt(ts.attrs, "mdt");
  if (!mdt) return Status::BadRequest("missingDataDetect needs missingDataDetectTimer");
  if (*mdt <= json::GetInt(ts.attrs, "peid").value_or(0)) {
    return Status::BadRequest("missingDataDetectTimer is not greater than periodicIntervalDelta");
  }
  return Status::Ok();
}

void ClearMissingData(Resource& ts) {
  ts.attrs.erase("mdlt");
  ts.attrs.erase("mdc");
}

class TimeSeries final : public InstanceHolderType {
 public:
  constexpr TimeSeries() : InstanceHolderType(ty::kTimeSeriesInstance) {}
  int ty() const override { return ty::kTimeSeries; }
  std::string_view tag() const override { return "m2m:ts"; }
  std::string_view short_name() const override { return "ts"; }
  std::span<const AttributePolicy> policies() const override { return kPolicies; }
  bool has_state_tag() const override { return false; }
  bool AllowsChild(int c) const override {
    return c == ty::kTimeSeriesInstance || c == ty::kSubscription;
  }

  Status ValidateCreate(const HookContext& ctx, const Resource& parent,
                        Resource& res) const override {
    if (auto s = CheckInterval(res, Given(res.attrs, "peid")); !s.ok()) return s;
    if (auto s = CheckDetectTimer(res); !s.ok()) return s;
    return InstanceHolderType::ValidateCreate(ctx, parent, res);
  }

  Status ValidateUpdate(const HookContext&, const bj::object& changes,
                        Resource& merged) const override {
    bool parameters = false;
    for (std::string_view sn : kDetectionParameters) parameters = parameters || Given(changes, sn);
    if (Given(changes, "mdd")) {
      if (parameters) {
        return Status::BadRequest(
            "missingDataDetect cannot be updated together with mdt, mdn, peid or pei");
      }
      if (MissingDataDetect(merged)) {
        // (Re)start: the list starts empty and the next instance is the new anchor.
        ClearMissingData(merged);
        merged.attrs.erase(kMonitoringAnchor);
      }
    } else if (parameters) {
      if (MissingDataDetect(merged)) {
        return Status::BadRequest(
            "mdt, mdn, peid and pei cannot be updated while missingDataDetect is true");
      }
      // TS-0001 §10.2.4.29: parameters changed while detection is paused clear its results.
      ClearMissingData(merged);
      merged.attrs.erase(kMonitoringAnchor);
    }
    if (Given(changes, "pei") || Given(changes, "peid")) {
      if (auto s = CheckInterval(merged, Given(changes, "peid")); !s.ok()) return s;
    }
    return CheckDetectTimer(merged);
  }

  Status OnUpdate(storage::WriteTxn& txn, const HookContext& ctx, Resource& res,
                  WriteEffects& fx) const override {
    if (auto s = InstanceHolderType::OnUpdate(txn, ctx, res, fx); !s.ok()) return s;
    fx.series.push_back(res.ToRecord());  // the monitor follows mdd, pei, peid, mdt, mdn
    return Status::Ok();
  }
};

}  // namespace

const ResourceType& TimeSeriesType() {
  static const TimeSeries kType;
  return kType;
}

}  // namespace trustcse::resources
