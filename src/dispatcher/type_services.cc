#include "dispatcher/type_services.h"

#include "security/authz/compiled_acp.h"

namespace trustcse::dispatcher {

namespace {

// Everything the evaluator will need must compile now (CIDRs, schedules, regions).
Status CompileAcp(const resources::Resource& res) {
  auto c = security::CompiledAcp::Compile(res.attrs);
  return c ? Status::Ok() : c.error();
}

constexpr TypeServices kAe{&AssignAeRegistration, nullptr, nullptr};
constexpr TypeServices kAcp{nullptr, &CompileAcp, nullptr};
constexpr TypeServices kSubscription{nullptr, nullptr, &VerifySubscriptionTargets};

}  // namespace

const TypeServices* FindTypeServices(int ty) {
  switch (ty) {
    case resources::ty::kAe: return &kAe;
    case resources::ty::kAcp: return &kAcp;
    case resources::ty::kSubscription: return &kSubscription;
  }
  return nullptr;
}


}  // namespace trustcse::dispatcher
