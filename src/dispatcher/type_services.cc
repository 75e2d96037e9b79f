#include "dispatcher/type_services.h"

#include "security/authz/compiled_acp.h"

namespace trustcse::dispatcher {

namespace {

// Everything the evaluator will need must compile now (CIDRs, schedules, regions).
Status CompileAcp(const resources::Resource& res) {
  auto c = security::CompiledAcp::Compile(res.attrs);
  return c ? Status::Ok() : c.error();
}

constexpr TypeServices kAe{.assign = &AssignAeRegistration, .forwards_notify = true};
constexpr TypeServices kAcp{.validate = &CompileAcp};
constexpr TypeServices kSubscription{.admit = &VerifySubscriptionTargets,
                                     .admit_update = &VerifyAddedSubscriptionTargets};
constexpr TypeServices kContainer{.instance_ty = resources::ty::kContentInstance};
constexpr TypeServices kTimeSeries{.instance_ty = resources::ty::kTimeSeriesInstance};
constexpr TypeServices kFlexContainer{.instance_ty = resources::ty::kFlexContainerInstance};
constexpr TypeServices kPollingChannel{.owner_only = true};

}  // namespace

Resource MergeChanges(const Resource& current, const bj::object& changes) {
  Resource merged = current;
  for (const auto& [k, v] : changes) {
    if (v.is_null()) {
      merged.attrs.erase(k);
    } else {
      merged.attrs[k] = v;
    }
  }
  return merged;
}

const TypeServices* FindTypeServices(int ty) {
  switch (ty) {
    case resources::ty::kAe: return &kAe;
    case resources::ty::kAcp: return &kAcp;
    case resources::ty::kSubscription: return &kSubscription;
    case resources::ty::kContainer: return &kContainer;
    case resources::ty::kTimeSeries: return &kTimeSeries;
    case resources::ty::kFlexContainer: return &kFlexContainer;
    case resources::ty::kPollingChannel: return &kPollingChannel;
  }
  return nullptr;
}


}  // namespace trustcse::dispatcher
