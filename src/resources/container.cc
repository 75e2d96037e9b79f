// container (ty 3): holds contentInstances under quotas; `la`/`ol` are resolved by the dispatcher.
#include <chrono>

#include "primitive/json_util.h"
#include "resources/types.h"

namespace trustcse::resources {
namespace {

constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;

constexpr AttributePolicy kPolicies[] = {
    {"cr", AttrType::kString, O, NP},     {"mni", AttrType::kNonNegInt, O, O},
    {"mbs", AttrType::kNonNegInt, O, O},  {"mia", AttrType::kNonNegInt, O, O},
    {"cni", AttrType::kNonNegInt, NP, NP}, {"cbs", AttrType::kNonNegInt, NP, NP},
    {"li", AttrType::kString, NP, NP},    {"or", AttrType::kString, O, O},
    {"disr", AttrType::kBool, O, O},      {"loc", AttrType::kAny, O, O},
};

class Container final : public InstanceHolderType {
 public:
  constexpr Container() : InstanceHolderType(ty::kContentInstance) {}
  int ty() const override { return ty::kContainer; }
  std::string_view tag() const override { return "m2m:cnt"; }
  std::string_view short_name() const override { return "cnt"; }
  std::span<const AttributePolicy> policies() const override { return kPolicies; }
  bool AllowsChild(int c) const override {
    return c == ty::kContentInstance || c == ty::kContainer || c == ty::kSubscription ||
           c == ty::kFlexContainer || c == ty::kTimeSeries;
  }
};

}  // namespace

const ResourceType& ContainerType() {
  static const Container kType;
  return kType;
}

Status InstanceHolderType::ValidateCreate(const HookContext&, const Resource&,
                                          Resource& res) const {
  res.attrs["cni"] = 0;
  res.attrs["cbs"] = 0;
  return Status::Ok();
}

Status InstanceHolderType::OnUpdate(storage::WriteTxn& txn, const HookContext& ctx, Resource& res,
                                    WriteEffects& fx) const {
  // disableRetrieval set back from true to false: the instances kept meanwhile go (TS-0001
  // §9.6.6, disableRetrieval).
  const bool was_disabled = ctx.before != nullptr &&
                            json::GetBool(*ctx.before, "disr").value_or(false);
  if (was_disabled && !json::GetBool(res.attrs, "disr").value_or(false)) {
    if (auto s = DeleteAllInstances(txn, res.ri(), instance_ty_, fx); !s.ok()) return s;
    res.attrs["cni"] = 0;
    res.attrs["cbs"] = 0;
  }
  return EnforceQuotas(txn, ctx, res, instance_ty_, fx);
}

void Touch(Resource& res, TimePoint now) {
  // Only the types with a stateTag count modifications (a <timeSeries> has none).
  if (const ResourceType* t = FindType(res.ty()); t && t->has_state_tag()) {
    res.attrs["st"] = res.st() + 1;
  }
  res.attrs["lt"] = FormatTimestamp(now);
}

void SetContentSize(Resource& res) {
  const auto* con = res.attrs.if_contains("con");
  uint64_t cs = 0;
  if (con) cs = con->is_string() ? con->get_string().size() : json::Serialize(*con).size();
  res.attrs["cs"] = cs;
}

void ClampToMaxAge(const Resource& parent, Resource& instance, TimePoint now) {
  auto mia = json::GetInt(parent.attrs, "mia");
  if (!mia) return;
  std::string limit = FormatTimestamp(now + std::chrono::seconds(*mia));
  auto et = json::GetString(instance.attrs, "et");
  if (!et || *et > limit) instance.attrs["et"] = limit;
}

Status InstanceType::OnDelete(storage::WriteTxn&, const HookContext&, Resource& parent,
                              bool* parent_changed, const Resource& res, WriteEffects&) const {
  RemoveInstance(parent, static_cast<uint64_t>(json::GetInt(res.attrs, "cs").value_or(0)));
  *parent_changed = true;
  return Status::Ok();
}

Status DeleteAllInstances(storage::WriteTxn& txn, std::string_view parent_ri, int instance_ty,
                          WriteEffects& fx) {
  for (;;) {
    auto batch = txn.Children(parent_ri, instance_ty, storage::ChildOrder::kOldestFirst, 256);
    if (!batch) return batch.error();
    if (batch->empty()) return Status::Ok();
    for (const auto& victim : *batch) {
      auto removed = txn.DeleteSubtree(victim.ri);
      if (!removed) return removed.error();
      for (auto& r : *removed) fx.deleted.push_back(std::move(r));
    }
  }
}

void RemoveInstance(Resource& parent, uint64_t cs) {
  auto cni = json::GetInt(parent.attrs, "cni").value_or(0);
  auto cbs = json::GetInt(parent.attrs, "cbs").value_or(0);
  parent.attrs["cni"] = cni > 0 ? cni - 1 : 0;
  parent.attrs["cbs"] = cbs > static_cast<int64_t>(cs) ? cbs - static_cast<int64_t>(cs) : 0;
}

Status EnforceQuotas(storage::WriteTxn& txn, const HookContext& ctx, Resource& parent,
                     int instance_ty, WriteEffects& fx) {
  auto mni = json::GetInt(parent.attrs, "mni");
  auto mbs = json::GetInt(parent.attrs, "mbs");
  auto mia = json::GetInt(parent.attrs, "mia");
  std::string oldest_allowed;
  if (mia) {
    oldest_allowed = FormatTimestamp(ctx.now - std::chrono::seconds(*mia));
  }
  for (;;) {
    auto cni = json::GetInt(parent.attrs, "cni").value_or(0);
    auto cbs = json::GetInt(parent.attrs, "cbs").value_or(0);
    bool over = (mni && cni > *mni) || (mbs && cbs > *mbs);
    if (!over && !mia) break;
    if (cni == 0) break;
    auto oldest = txn.Children(parent.ri(), instance_ty, storage::ChildOrder::kOldestFirst, 1);
    if (!oldest) return oldest.error();
    if (oldest->empty()) break;
    const auto& victim = oldest->front();
    if (!over && victim.ct >= oldest_allowed) break;  // only the age quota remained: satisfied
    auto removed = txn.DeleteSubtree(victim.ri);
    if (!removed) return removed.error();
    RemoveInstance(parent, victim.cs);
    for (auto& r : *removed) fx.deleted.push_back(std::move(r));
  }
  return Status::Ok();
}

Status AddInstance(storage::WriteTxn& txn, const HookContext& ctx, Resource& parent,
                   int instance_ty, uint64_t cs, WriteEffects& fx) {
  if (auto mbs = json::GetInt(parent.attrs, "mbs"); mbs && static_cast<int64_t>(cs) > *mbs) {
    return Status(Rsc::kNotAcceptable, "content size exceeds the parent's maxByteSize");
  }
  parent.attrs["cni"] = json::GetInt(parent.attrs, "cni").value_or(0) + 1;
  parent.attrs["cbs"] = json::GetInt(parent.attrs, "cbs").value_or(0) + static_cast<int64_t>(cs);
  Touch(parent, ctx.now);
  return EnforceQuotas(txn, ctx, parent, instance_ty, fx);
}

}  // namespace trustcse::resources
