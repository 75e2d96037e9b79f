// node (ty 14): a physical or virtual device, parent of management objects (TS-0001 §10.2.23,
// TS-0004 §7.4.18). roamingStatus and networkID come from the underlying network, never from a
// request (NP/NP); hostedAELinks is also kept by the CSE as <AE>s name the node in their nodeLink
// (ae.cc).
#include "resources/types.h"

namespace trustcse::resources {
namespace {

constexpr auto M = Presence::kMandatory;
constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;

constexpr AttributePolicy kPolicies[] = {
    {"ni", AttrType::kString, M, O},
    {"hcl", AttrType::kString, O, O},
    {"hael", AttrType::kNonEmptyStringList, O, O},  // m2m:listOfM2MID
    {"hsl", AttrType::kNonEmptyStringList, O, O},   // m2m:listOfM2MID
    {"mgca", AttrType::kString, O, O},
    {"rms", AttrType::kBool, NP, NP},
    {"nid", AttrType::kString, NP, NP},
    {"nty", AttrType::kEnum, O, O},
    {"cr", AttrType::kString, O, NP},
};

class Node final : public ResourceType {
 public:
  int ty() const override { return ty::kNode; }
  std::string_view tag() const override { return "m2m:nod"; }
  std::string_view short_name() const override { return "nod"; }
  std::span<const AttributePolicy> policies() const override { return kPolicies; }
  bool has_creator() const override { return true; }
  bool AllowsChild(int c) const override {
    return c == ty::kSubscription || c == ty::kMgmtObj || c == ty::kSchedule;
  }
};

}  // namespace

const ResourceType& NodeType() {
  static const Node kType;
  return kType;
}

}  // namespace trustcse::resources
