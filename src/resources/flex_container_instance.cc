// flexContainerInstance (ty 58, Release 4): a copy of a <flexContainer>'s custom attributes made by
// the CSE (flex_container_instance.h says when, and what it holds). Never created by a client
// (4005) nor updated (4005); deleting one gives its share back to the flexContainer's counters.
#include "resources/flex_container_instance.h"

#include <optional>

#include "primitive/json_util.h"
#include "resources/flex_container_specializations.h"
#include "resources/types.h"

namespace trustcse::resources {
namespace {

constexpr auto NP = Presence::kNotPresent;

// All set by the CSE; a client never writes an instance, so the table serves the names only
// (filterCriteria attribute conditions).
constexpr AttributePolicy kPolicies[] = {
    {"cs", AttrType::kNonNegInt, NP, NP},
    {"org", AttrType::kString, NP, NP},
    {"__tag", AttrType::kString, NP, NP},
};

constexpr std::string_view kLimits[] = {"mni", "mbs", "mia"};

std::optional<int64_t> PositiveLimit(const bj::object& fcnt, std::string_view sn) {
  auto v = json::GetInt(fcnt, sn);
  if (v && *v > 0) return v;
  return std::nullopt;
}

const FlexSpecialization* SpecializationOf(const bj::object& fcnt) {
  auto key = json::GetString(fcnt, "__tag");
  return key ? FindFlexByKey(*key) : nullptr;
}

class FlexContainerInstance final : public InstanceType {
 public:
  int ty() const override { return ty::kFlexContainerInstance; }
  // The representation key is the flexContainer's specialization key, kept in "__tag"; no key
  // names this type on its own (a "cod:…" body is a flexContainer's).
  std::string_view tag() const override { return ""; }
  bool HasTag(std::string_view) const override { return false; }
  std::string_view short_name() const override { return "fcin"; }
  std::span<const AttributePolicy> policies() const override { return kPolicies; }
  ValidateOptions validate_options() const override { return {.has_acpi = false}; }
  bool client_creatable() const override { return false; }
  Status CheckUpdatable() const override {
    return Status::NotAllowed("a flexContainerInstance cannot be updated");
  }
  Status OnDelete(storage::WriteTxn& txn, const HookContext& ctx, Resource& parent,
                  bool* parent_changed, const Resource& res, WriteEffects& fx) const override {
    // Without cni the parent has stopped keeping instances: nothing to give back.
    if (!parent.attrs.contains("cni")) return Status::Ok();
    return InstanceType::OnDelete(txn, ctx, parent, parent_changed, res, fx);
  }
};

}  // namespace

const ResourceType& FlexContainerInstanceType() {
  static const FlexContainerInstance kType;
  return kType;
}

bool KeepsFlexInstances(const bj::object& fcnt) {
  if (auto enabled = json::GetBool(fcnt, "fcied")) return *enabled;
  for (std::string_view sn : kLimits) {
    if (PositiveLimit(fcnt, sn)) return true;
  }
  return false;
}

bj::object FlexCustomAttributes(const bj::object& fcnt) {
  bj::object custom;
  if (const FlexSpecialization* sp = SpecializationOf(fcnt)) {
    for (const auto& p : sp->custom) {
      if (const bj::value* v = fcnt.if_contains(p.sn)) custom[p.sn] = *v;
    }
    return custom;
  }
  // No table to ask (a representation whose key names no specialization here): whatever is not
  // a universal, common or flexContainer attribute is custom.
  static constexpr std::string_view kNotCustom[] = {
      "ty", "ri", "pi", "ct", "lt", "st", "rn", "et", "lbl", "at", "aa", "daci", "cstn", "acpi",
      "loc"};
  for (const auto& [k, v] : fcnt) {
    std::string_view sn(k.data(), k.size());
    bool own = sn.starts_with("__");
    for (std::string_view n : kNotCustom) own = own || n == sn;
    for (const auto& p : FlexCommonPolicies()) own = own || p.sn == sn;
    if (!own) custom[k] = v;
  }
  return custom;
}

bool ChangesFlexCustomAttribute(const bj::object& fcnt, const bj::object& changes) {
  const FlexSpecialization* sp = SpecializationOf(fcnt);
  if (sp == nullptr) return false;
  for (const auto& p : sp->custom) {
    if (changes.contains(p.sn)) return true;
  }
  return false;
}

Status EnforceFlexLimits(storage::WriteTxn& txn, const HookContext& ctx, Resource& fcnt,
                         WriteEffects& fx) {
  // A zero limit limits nothing here (it does not switch keeping on either), whereas the shared
  // eviction reads any value as a limit: it sees the positive ones only.
  bj::object zeros;
  for (std::string_view sn : kLimits) {
    if (fcnt.attrs.contains(sn) && !PositiveLimit(fcnt.attrs, sn)) {
      zeros[sn] = fcnt.attrs[sn];
      fcnt.attrs.erase(sn);
    }
  }
  Status s = EnforceQuotas(txn, ctx, fcnt, ty::kFlexContainerInstance, fx);
  for (const auto& [k, v] : zeros) fcnt.attrs[k] = v;
  return s;
}

Status RecordFlexInstance(storage::WriteTxn& txn, const HookContext& ctx, Resource& fcnt,
                          WriteEffects& fx) {
  const int64_t cs = json::GetInt(fcnt.attrs, "cs").value_or(0);
  if (auto mbs = PositiveLimit(fcnt.attrs, "mbs"); mbs && cs > *mbs) {
    return Status(Rsc::kNotAcceptable,
                  "the custom attributes exceed the flexContainer's maxByteSize");
  }
  fcnt.attrs["cni"] = json::GetInt(fcnt.attrs, "cni").value_or(0) + 1;
  fcnt.attrs["cbs"] = json::GetInt(fcnt.attrs, "cbs").value_or(0) + cs;
  if (auto s = EnforceFlexLimits(txn, ctx, fcnt, fx); !s.ok()) return s;

  Resource inst;
  inst.attrs = FlexCustomAttributes(fcnt.attrs);
  const std::string ri = NewResourceId(FlexContainerInstanceType().short_name());
  const std::string now = FormatTimestamp(ctx.now);
  inst.attrs["ty"] = ty::kFlexContainerInstance;
  inst.attrs["ri"] = ri;
  inst.attrs["rn"] = ri;
  inst.attrs["pi"] = fcnt.ri();
  inst.attrs["ct"] = now;
  inst.attrs["lt"] = now;
  if (const bj::value* et = fcnt.attrs.if_contains("et")) inst.attrs["et"] = *et;
  if (const bj::value* lbl = fcnt.attrs.if_contains("lbl")) inst.attrs["lbl"] = *lbl;
  inst.attrs["st"] = fcnt.st();
  inst.attrs["cs"] = cs;
  inst.attrs["org"] = ctx.originator;
  if (const bj::value* key = fcnt.attrs.if_contains("__tag")) inst.attrs["__tag"] = *key;
  if (PositiveLimit(fcnt.attrs, "mia")) ClampToMaxAge(fcnt, inst, ctx.now);
  inst.path = fcnt.path + "/" + ri;
  inst.originator = std::string(ctx.originator);
  auto rec = inst.ToRecord();
  if (auto s = txn.Insert(rec); !s.ok()) return s;
  fx.events.push_back(Event{Event::Kind::kCreateChild, std::string(fcnt.ri()), fcnt.path,
                            std::move(rec), {}});
  return Status::Ok();
}

Status DropFlexInstances(storage::WriteTxn& txn, Resource& fcnt, WriteEffects& fx) {
  if (auto s = DeleteAllInstances(txn, fcnt.ri(), ty::kFlexContainerInstance, fx); !s.ok()) {
    return s;
  }
  fcnt.attrs.erase("cni");
  fcnt.attrs.erase("cbs");
  return Status::Ok();
}

}  // namespace trustcse::resources
