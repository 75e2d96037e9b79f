// flexContainer (ty 28): a container whose custom attributes are defined by its specialization
// (TS-0001 §9.6.35, TS-0004 §7.4.37). The representation key is the specialization's own
// ("cod:tempe"); it is stored in the internal attribute "__tag", which never goes on the wire.
// Only specializations whose schema the CSE has (flex_container_specializations.h) are accepted:
// their custom attributes are checked like any attribute table. With maxNrOfInstances,
// maxByteSize or maxInstanceAge (Release 4), or flexContainerInstanceEnabled, it keeps
// <flexContainerInstance>s of itself (flex_container_instance.h).
#include "primitive/json_util.h"
#include "resources/flex_container_instance.h"
#include "resources/flex_container_specializations.h"
#include "resources/types.h"

namespace trustcse::resources {
namespace {

// SPECIALIZATION_SCHEMA_NOT_FOUND (TS-0004 Table 6.6.3.5-1).
constexpr Rsc kSpecializationSchemaNotFound = static_cast<Rsc>(4125);

// The size of a flexContainer is that of its custom attributes.
void SetCustomSize(Resource& res) {
  bj::object custom = FlexCustomAttributes(res.attrs);
  res.attrs["cs"] = custom.empty() ? 0 : json::Serialize(custom).size();
}

class FlexContainer final : public ResourceType {
 public:
  int ty() const override { return ty::kFlexContainer; }
  std::string_view tag() const override { return ""; }
  std::string_view short_name() const override { return "fcnt"; }
  std::span<const AttributePolicy> policies() const override { return FlexCommonPolicies(); }
  std::span<const AttributePolicy> PoliciesFor(std::string_view key) const override {
    const FlexSpecialization* sp = FindFlexByKey(key);
    return sp ? FlexPolicies(*sp) : FlexCommonPolicies();
  }
  void AddSpecializationAttributes(std::vector<std::string_view>& names) const override {
    for (const auto& sp : FlexSpecializations()) {
      for (const auto& p : sp.custom) names.push_back(p.sn);
    }
  }
  // §7.4.37.2.1: the schema is the one containerDefinition names. Without a cnd the table check
  // that follows answers 4000 (cnd is mandatory).
  Status CheckSpecialization(std::string_view key, const bj::object& content) const override {
    auto cnd = json::GetString(content, "cnd");
    if (!cnd) return Status::Ok();
    const FlexSpecialization* sp = FindFlexByDefinition(*cnd);
    if (!sp) {
      return Status(kSpecializationSchemaNotFound,
                    "no schema for containerDefinition '" + std::string(*cnd) + "'");
    }
    if (sp->key != key) {
      return Status::BadRequest("the representation key does not match containerDefinition");
    }
    return Status::Ok();
  }
  bool has_state_tag() const override { return true; }
  bool has_creator() const override { return true; }
  bool AllowsChild(int c) const override {
    return c == ty::kFlexContainer || c == ty::kSubscription || c == ty::kContainer ||
           c == ty::kTimeSeries || c == ty::kFlexContainerInstance;
  }
  Status ValidateCreate(const HookContext&, const Resource&, Resource& res) const override {
    SetCustomSize(res);
    if (KeepsFlexInstances(res.attrs)) {
      res.attrs["cni"] = 0;
      res.attrs["cbs"] = 0;
    }
    return Status::Ok();
  }
  Status ValidateUpdate(const HookContext&, const bj::object&, Resource& merged) const override {
    SetCustomSize(merged);
    return Status::Ok();
  }
  // TS-0004 §7.4.37.2.1 step 3: created keeping instances, its present state is the first.
  Status OnCreate(storage::WriteTxn& txn, const HookContext& ctx, Resource&, bool*,
                  Resource& res, WriteEffects& fx) const override {
    return KeepsFlexInstances(res.attrs) ? RecordFlexInstance(txn, ctx, res, fx) : Status::Ok();
  }
  // §7.4.37.2.3 step 3: an UPDATE that carries a custom attribute adds an instance. cni is there
  // exactly while instances are kept, so it tells what the UPDATE switched on or off.
  Status OnUpdate(storage::WriteTxn& txn, const HookContext& ctx, Resource& res,
                  WriteEffects& fx) const override {
    const bool kept = res.attrs.contains("cni");
    if (!KeepsFlexInstances(res.attrs)) {
      return kept ? DropFlexInstances(txn, res, fx) : Status::Ok();
    }
    if (!kept) {
      res.attrs["cni"] = 0;
      res.attrs["cbs"] = 0;
      return RecordFlexInstance(txn, ctx, res, fx);
    }
    if (ctx.changes != nullptr && ChangesFlexCustomAttribute(res.attrs, *ctx.changes)) {
      return RecordFlexInstance(txn, ctx, res, fx);
    }
    return EnforceFlexLimits(txn, ctx, res, fx);
  }
};

}  // namespace

const ResourceType& FlexContainerType() {
  static const FlexContainer kType;
  return kType;
}

}  // namespace trustcse::resources
