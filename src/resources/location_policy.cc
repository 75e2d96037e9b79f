// locationPolicy (ty 10): how the location of a device is obtained and where it goes
// (TS-0001 §9.6.10, TS-0004 §7.4.10). Creating one makes the CSE create a <container> beside it
// (named lon, or generated) that receives the locations: the two are linked (the policy's loi is
// the container's ID, the container's li the policy's); deleting the policy deletes the
// container. Supported: device-based positioning (los 2), where the device itself writes its
// positions as contentInstances into that container, reporting them every lou. Network- and
// sharing-based positioning (los 1, 3: a location server of the network) and geofence events
// (lit 2) are not (5001).
#include <chrono>
#include <initializer_list>
#include <string>

#include "primitive/json_util.h"
#include "primitive/request_parameters.h"
#include "resources/types.h"

namespace trustcse::resources {
namespace {

constexpr auto M = Presence::kMandatory;
constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;

constexpr AttributePolicy kPolicies[] = {
    {"los", AttrType::kEnum, M, NP, 1, 3},   // locationSource
    {"lit", AttrType::kEnum, O, O, 1, 2},    // locationInformationType
    {"lou", AttrType::kStringList, O, O},    // locationUpdatePeriod (xs:duration)
    {"lot", AttrType::kString, O, NP},       // locationTargetID (network-based)
    {"lor", AttrType::kString, O, NP},       // locationServer (network-based)
    {"aid", AttrType::kString, O, NP},       // authID (network-based)
    {"rlkl", AttrType::kBool, O, O},         // retrieveLastKnownLocation (network-based)
    {"luec", AttrType::kEnum, O, O},         // locationUpdateEventCriteria (network-based)
    {"loi", AttrType::kString, NP, NP},      // locationContainerID (set by the CSE)
    {"lon", AttrType::kString, O, NP},       // locationContainerName
    {"lost", AttrType::kString, NP, NP},     // locationStatus
    {"gta", AttrType::kAny, O, O},           // geographicalTargetArea
    {"gec", AttrType::kEnum, O, O, 1, 4},    // geofenceEventCriteria
    {"cr", AttrType::kString, O, NP},
};

constexpr int kDeviceBased = 2;
constexpr int kGeofenceEvent = 2;

Status CheckCommon(const bj::object& attrs) {
  if (const auto* lou = attrs.if_contains("lou"); lou && lou->is_array()) {
    for (const auto& d : lou->get_array()) {
      std::string_view text = d.get_string();
      if (text.empty() || text[0] != 'P' || !ParseExpiration(text)) {
        return Status::BadRequest("lou entries are durations such as PT30S");
      }
    }
  }
  if (json::GetInt(attrs, "lit").value_or(1) == kGeofenceEvent) {
    return Status::NotImplemented("geofence events are not supported");
  }
  return Status::Ok();
}

// Attributes that only network-based positioning uses: 4000 here.
Status RefuseNetworkOnly(const bj::object& attrs, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (attrs.contains(name)) {
      return Status::BadRequest(std::string(name) + " applies to network-based positioning only");
    }
  }
  return Status::Ok();
}

class LocationPolicy final : public ResourceType {
 public:
  int ty() const override { return ty::kLocationPolicy; }
  std::string_view tag() const override { return "m2m:lcp"; }
  std::string_view short_name() const override { return "lcp"; }
  std::span<const AttributePolicy> policies() const override { return kPolicies; }
  bool has_creator() const override { return true; }
  bool AllowsChild(int c) const override { return c == ty::kSubscription; }

  Status ValidateCreate(const HookContext&, const Resource&, Resource& res) const override {
    if (json::GetInt(res.attrs, "los").value_or(0) != kDeviceBased) {
      return Status::NotImplemented("only device-based positioning (los 2) is supported");
    }
    if (auto s = RefuseNetworkOnly(res.attrs, {"lot", "lor", "aid", "rlkl", "luec"}); !s.ok()) {
      return s;
    }
    if (auto lon = json::GetString(res.attrs, "lon"); lon && lon->empty()) {
      return Status::BadRequest("empty lon");
    }
    res.attrs["lost"] = "";
    return CheckCommon(res.attrs);
  }

  Status ValidateUpdate(const HookContext&, const bj::object& changes, Resource&) const override {
    if (auto s = RefuseNetworkOnly(changes, {"rlkl", "luec"}); !s.ok()) return s;
    return CheckCommon(changes);
  }

  // The container that receives the locations, beside the policy, linked both ways.
  Status OnCreate(storage::WriteTxn& txn, const HookContext& ctx, Resource& parent, bool*,
                  Resource& res, WriteEffects& fx) const override {
    Resource cnt;
    const std::string ri = NewResourceId("cnt");
    const std::string rn(json::GetString(res.attrs, "lon").value_or(ri));
    if (!ValidResourceName(rn)) return Status::BadRequest("invalid lon");
    const std::string ts = FormatTimestamp(ctx.now);
    cnt.path = parent.path + "/" + rn;
    cnt.originator = res.originator;
    auto& a = cnt.attrs;
    a["ty"] = ty::kContainer;
    a["ri"] = ri;
    a["pi"] = parent.ri();
    a["rn"] = rn;
    a["ct"] = ts;
    a["lt"] = ts;
    if (const auto* et = res.attrs.if_contains("et")) a["et"] = *et;
    a["st"] = 0;
    a["cni"] = 0;
    a["cbs"] = 0;
    a["li"] = res.ri();
    if (const auto* acpi = res.attrs.if_contains("acpi")) a["acpi"] = *acpi;
    auto rec = cnt.ToRecord();
    if (auto s = txn.Insert(rec); !s.ok()) {
      return s.code() == Rsc::kConflict
                 ? Status(Rsc::kConflict, "a resource named like the location container exists")
                 : s;
    }
    fx.events.push_back({Event::Kind::kCreateChild, std::string(parent.ri()), parent.path, rec, {}});
    res.attrs["loi"] = ri;
    return Status::Ok();
  }

  Status OnDelete(storage::WriteTxn& txn, const HookContext&, Resource& parent, bool*,
                  const Resource& res, WriteEffects& fx) const override {
    auto loi = json::GetString(res.attrs, "loi");
    if (!loi) return Status::Ok();
    auto cnt = txn.Get(*loi);
    if (!cnt) return cnt.error();
    if (!*cnt) return Status::Ok();  // deleted already
    auto container = Resource::FromRecord(**cnt);
    if (!container || json::GetString(container->attrs, "li").value_or("") != res.ri()) {
      return Status::Ok();  // no longer the policy's
    }
    auto removed = txn.DeleteSubtree(*loi);
    if (!removed) return removed.error();
    // As for any deletion: the container's own subscribers (net 2) and its parent's (net 4).
    fx.events.push_back({Event::Kind::kDelete, std::string(*loi), container->path, **cnt, {}});
    fx.events.push_back(
        {Event::Kind::kDeleteChild, std::string(parent.ri()), parent.path, **cnt, {}});
    for (auto& r : *removed) fx.deleted.push_back(std::move(r));
    return Status::Ok();
  }
};

}  // namespace

const ResourceType& LocationPolicyType() {
  static const LocationPolicy kType;
  return kType;
}

}  // namespace trustcse::resources
