// CSEBase (ty 5): the root of the resource tree. Created by the server at start-up, never by a
// client; all its attributes are read-only over the API (TS-0001 §9.6.3).
#include "resources/types.h"

namespace trustcse::resources {
namespace {

constexpr auto NP = Presence::kNotPresent;

constexpr AttributePolicy kPolicies[] = {
    {"cst", AttrType::kEnum, NP, NP},      {"csi", AttrType::kString, NP, NP},
    {"srt", AttrType::kIntList, NP, NP},   {"poa", AttrType::kStringList, NP, NP},
    {"nl", AttrType::kString, NP, NP},     {"csz", AttrType::kStringList, NP, NP},
    {"esi", AttrType::kObject, NP, NP},    {"srv", AttrType::kStringList, NP, NP},
    {"acpi", AttrType::kStringList, NP, NP}, {"ctm", AttrType::kTimestamp, NP, NP},
};

class CseBase final : public ResourceType {
 public:
  int ty() const override { return ty::kCseBase; }
  std::string_view tag() const override { return "m2m:cb"; }
  std::string_view short_name() const override { return "cb"; }
  std::span<const AttributePolicy> policies() const override { return kPolicies; }
  ValidateOptions validate_options() const override {
    return {.has_acpi = false, .has_expiration = false};
  }
  bool client_creatable() const override { return false; }
  bool AllowsChild(int c) const override {
    return c == ty::kAe || c == ty::kContainer || c == ty::kAcp || c == ty::kSubscription ||
           c == ty::kGroup || c == ty::kNode || c == ty::kFlexContainer || c == ty::kTimeSeries ||
           c == ty::kDynamicAuthorizationConsultation || c == ty::kRole || c == ty::kSchedule ||
           c == ty::kLocationPolicy;
  }
  Status CheckUpdatable() const override {
    return Status::NotAllowed("the CSEBase cannot be updated");
  }
  Status CheckDeletable() const override {
    return Status::NotAllowed("the CSEBase cannot be deleted");
  }
};

}  // namespace

const ResourceType& CseBaseType() {
  static const CseBase kType;
  return kType;
}

}  // namespace trustcse::resources
