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
    {"dgt", AttrType::kTimestamp, O, NP},
};

bool IsSmallNumber(std::string_view s, int max) {
  return s.size() == 1 && s[0] >= '0' && s[0] - '0' <= max;
}

// m2m:contentInfo (TS-0004 Table 6.3.3-1): "<type>/<subtype>:<encodingType>", optionally
// ":<contentSecurity>" after it; encodingType and contentSecurity are small enumerations.
bool IsContentInfo(std::string_view cnf) {
  const size_t c1 = cnf.find(':');
  if (c1 == std::string_view::npos) return false;
  const std::string_view media = cnf.substr(0, c1);
  const size_t slash = media.find('/');
  if (slash == 0 || slash == std::string_view::npos || slash + 1 == media.size() ||
      media.find('/', slash + 1) != std::string_view::npos) {
    return false;
  }
  std::string_view rest = cnf.substr(c1 + 1);
  const size_t c2 = rest.find(':');
  if (!IsSmallNumber(rest.substr(0, c2), 4)) return false;
  return c2 == std::string_view::npos || IsSmallNumber(rest.substr(c2 + 1), 5);
}

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
    if (auto cnf = json::GetString(res.attrs, "cnf"); cnf && !IsContentInfo(*cnf)) {
      return Status::BadRequest("invalid attribute 'cnf': \"<type>/<subtype>:<encoding>"
                                "[:<security>]\" expected");
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
