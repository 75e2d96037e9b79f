// contentInstance (ty 4): immutable data instance under a container. Creating one updates the
// parent's counters and stateTag and may evict the oldest instances (TS-0001 §10.2.19).
#include "primitive/json_util.h"
#include "resources/types.h"

namespace trustcse::resources {
namespace {

constexpr auto M = Presence::kMandatory;
constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;

constexpr AttributePolicy kPolicies[] = {
    {"cr", AttrType::kString, O, NP},   {"cnf", AttrType::kString, O, NP},
    {"cs", AttrType::kNonNegInt, NP, NP}, {"conr", AttrType::kString, O, NP},
    {"or", AttrType::kString, O, NP},   {"con", AttrType::kAny, M, NP},
    {"dcnt", AttrType::kNonNegInt, O, NP}, {"loc", AttrType::kAny, O, NP},
};

class ContentInstance final : public InstanceType {
 public:
  int ty() const override { return ty::kContentInstance; }
  std::string_view tag() const override { return "m2m:cin"; }
  std::string_view short_name() const override { return "cin"; }
  std::span<const AttributePolicy> policies() const override { return kPolicies; }
  ValidateOptions validate_options() const override { return {.has_acpi = false}; }
  bool has_state_tag() const override { return true; }
  Status CheckUpdatable() const override {
    return Status::NotAllowed("a contentInstance cannot be updated");
  }
  Status ValidateCreate(const HookContext&, const Resource&, Resource& res) const override {
    if (auto cnf = json::GetString(res.attrs, "cnf")) {
      // contentInfo is "type/subtype[:encoding[:security]]".
      if (cnf->find('/') == std::string_view::npos) {
        return Status::BadRequest("invalid attribute 'cnf'");
      }
    }
    SetContentSize(res);
    return Status::Ok();
  }
  Status OnCreate(storage::WriteTxn& txn, const HookContext& ctx, Resource& parent,
                  bool* parent_changed, Resource& res, WriteEffects& fx) const override {
    auto cs = static_cast<uint64_t>(json::GetInt(res.attrs, "cs").value_or(0));
    if (auto s = AddInstance(txn, ctx, parent, ty::kContentInstance, cs, fx); !s.ok()) return s;
    res.attrs["st"] = parent.st();
    ClampToMaxAge(parent, res, ctx.now);
    *parent_changed = true;
    return Status::Ok();
  }
};

}  // namespace

const ResourceType& ContentInstanceType() {
  static const ContentInstance kType;
  return kType;
}

}  // namespace trustcse::resources
