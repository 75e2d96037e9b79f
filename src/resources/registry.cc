#include <algorithm>
#include <array>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "resources/types.h"

namespace trustcse::resources {
namespace {

struct Table {
  std::array<const ResourceType*, 64> by_ty{};
  Table() {
    for (const ResourceType* t :
         {&AccessControlPolicyType(), &AeType(), &ContainerType(), &ContentInstanceType(),
          &CseBaseType(), &GroupType(), &LocationPolicyType(), &MgmtObjType(), &NodeType(),
          &PollingChannelType(), &RequestType(), &ScheduleType(), &SubscriptionType(),
          &FlexContainerType(), &FlexContainerInstanceType(), &TimeSeriesType(),
          &TimeSeriesInstanceType(), &DynamicAuthorizationConsultationType(), &RoleType()}) {
      by_ty[t->ty()] = t;
    }
  }
};

const Table& Types() {
  static const Table kTable;
  return kTable;
}

}  // namespace

const ResourceType* FindType(int ty) {
  if (ty <= 0 || ty >= 64) return nullptr;
  return Types().by_ty[ty];
}

const ResourceType* FindTypeByTag(std::string_view key) {
  for (const ResourceType* t : Types().by_ty) {
    if (t && t->HasTag(key)) return t;
  }
  // Any other namespaced key ("cod:color") is a flexContainer specialization.
  auto colon = key.find(':');
  if (colon != std::string_view::npos && colon > 0 && colon + 1 < key.size() &&
      !key.starts_with("m2m:")) {
    return FindType(ty::kFlexContainer);
  }
  return nullptr;
}

bool IsAttributeName(std::string_view name) {
  static const std::unordered_set<std::string_view> kNames = [] {
    std::unordered_set<std::string_view> s = {"ty",  "ri", "pi", "rn",   "ct",   "lt",
                                              "et",  "lbl", "acpi", "at", "aa", "st",
                                              "cr",  "daci", "cstn", "loc"};
    std::vector<std::string_view> more;
    for (const ResourceType* t : Types().by_ty) {
      if (t == nullptr) continue;
      for (const auto& p : t->policies()) s.insert(p.sn);
      t->AddSpecializationAttributes(more);
    }
    s.insert(more.begin(), more.end());
    return s;
  }();
  return kNames.contains(name);
}

std::vector<int> SupportedTypes() {
  std::vector<int> out;
  for (const ResourceType* t : Types().by_ty) {
    if (t) out.push_back(t->ty());
  }
  return out;
}

}  // namespace trustcse::resources
