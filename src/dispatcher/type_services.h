// What a CREATE of some resource types needs from the dispatcher's services beyond the type's
// own lifecycle hooks (resources/, which cannot reach the credential registry, the notifier or
// the security layer's compilers): AE registration (the AE-ID and its credential binding),
// accessControlPolicy (its rules must compile), subscription (its notification targets must
// accept verification first). The operations look the entry up by ty and never switch on types.
// The table is constant; the functions are called on request threads.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "dispatcher/internal.h"

namespace trustcse::dispatcher {

// What a CREATE will write besides the resource, decided before the write.
struct CreatePlan {
  std::string ri;               // the new resource's ID
  std::string bind_credential;  // bind the new AE-ID to this credential in the same write
  bool unique_id = false;       // the write refuses with 4117 if `ri` exists by then
};

struct TypeServices {
  // Chooses the resource ID (and whatever else the plan holds) or refuses; default: a new ID.
  Status (*assign)(Dispatcher::Impl& d, InFlight& req, resources::Resource& res,
                   CreatePlan& plan) = nullptr;
  // Checks the complete new resource after the type's ValidateCreate.
  Status (*validate)(const resources::Resource& res) = nullptr;
  // Runs before the write is submitted: calls `submit` to go on, or answers `done` itself.
  void (*admit)(Dispatcher::Impl& d, const RequestRef& req,
                const std::shared_ptr<resources::Resource>& res, std::function<void()> submit,
                Completion done) = nullptr;
};

// The services of type `ty`, or nullptr when it needs none.
const TypeServices* FindTypeServices(int ty);

// registration.cc
Status AssignAeRegistration(Dispatcher::Impl& d, InFlight& req, resources::Resource& res,
                            CreatePlan& plan);
// subscription_verification.cc
void VerifySubscriptionTargets(Dispatcher::Impl& d, const RequestRef& req,
                               const std::shared_ptr<resources::Resource>& res,
                               std::function<void()> submit, Completion done);

}  // namespace trustcse::dispatcher
