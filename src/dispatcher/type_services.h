// What some resource types need from the dispatcher's services beyond the type's own lifecycle
// hooks (resources/, which cannot reach the credential registry, the notifier or the security
// layer's compilers): AE registration (the AE-ID and its credential binding), accessControlPolicy
// (its rules must compile), subscription (its notification targets must accept verification
// first, on creation and when an UPDATE adds some), containers, timeSeries and flexContainers (the
// instances behind la/ol), AEs (a NOTIFY to one is forwarded to it). The operations look the
// entry up by ty and never switch on types.
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
  // The type of the instances la/ol address (0: none).
  int instance_ty = 0;
  // A NOTIFY to a resource of this type is sent on to the entity it stands for.
  bool forwards_notify = false;
  // Only the AE it belongs to (its parent, which created it) may retrieve, update or delete it,
  // whatever the policies grant (pollingChannel: TS-0004 §7.4.21.2.2–4).
  bool owner_only = false;
  // Runs before an UPDATE's write (after authorization): calls `submit` to go on, or answers
  // `done` itself. `changes` is the request's content.
  void (*admit_update)(Dispatcher::Impl& d, const RequestRef& req,
                       const std::shared_ptr<const resources::Resource>& current,
                       const std::shared_ptr<bj::object>& changes, std::function<void()> submit,
                       Completion done) = nullptr;
};

// `current` with an UPDATE's `changes` applied (a null removes the attribute), as the write will
// store it before the type's ValidateUpdate.
resources::Resource MergeChanges(const resources::Resource& current, const bj::object& changes);


// The services of type `ty`, or nullptr when it needs none.
const TypeServices* FindTypeServices(int ty);

// The instance type behind la/ol of a resource of type `ty` (0: none).
inline int InstanceTypeOf(int ty) {
  const TypeServices* s = FindTypeServices(ty);
  return s ? s->instance_ty : 0;
}

// registration.cc
Status AssignAeRegistration(Dispatcher::Impl& d, InFlight& req, resources::Resource& res,
                            CreatePlan& plan);
// subscription_verification.cc
void VerifySubscriptionTargets(Dispatcher::Impl& d, const RequestRef& req,
                               const std::shared_ptr<resources::Resource>& res,
                               std::function<void()> submit, Completion done);
// An UPDATE of a subscription's nu: the targets it adds are verified like those of a new
// subscription (TS-0001 §10.2.10.6: every Notification Target that is not the Originator),
// once the update itself passed the type's checks.
void VerifyAddedSubscriptionTargets(Dispatcher::Impl& d, const RequestRef& req,
                                    const std::shared_ptr<const resources::Resource>& current,
                                    const std::shared_ptr<bj::object>& changes,
                                    std::function<void()> submit, Completion done);

}  // namespace trustcse::dispatcher
