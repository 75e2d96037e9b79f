// Subscription creation (TS-0004 §7.3.8.2.1): a subscription is created only after every
// notification target other than the subscriber accepted the verification request; a target that
// is a resource of this CSE (an AE) must grant the subscriber NOTIFY (else 4101).
#include <mutex>

#include "dispatcher/type_services.h"

namespace trustcse::dispatcher {

void VerifySubscriptionTargets(Dispatcher::Impl& d, const RequestRef& req,
                               const std::shared_ptr<resources::Resource>& res,
                               std::function<void()> submit, Completion done) {
  std::vector<std::string> targets;
  for (const auto& nu : res->attrs.at("nu").get_array()) {
    std::string t(nu.get_string());
    if (t == req->fr) continue;
    if (t.find("://") == std::string::npos) {
      auto local = d.LoadId(t);
      if (local && *local &&
          !d.Permits(*req, **local, security::kNotify, /*listing=*/false,
                     Rsc::kSubscriptionCreatorHasNoPrivilege)) {
        return done(ErrorResponse(*req, {Rsc::kSubscriptionCreatorHasNoPrivilege,
                                         "the subscriber may not notify a notification target"}));
      }
    }
    targets.push_back(std::move(t));
  }
  if (targets.empty()) return submit();
  struct Pending {
    std::mutex mu;
    size_t left;
    Status first_error;
  };
  auto pending = std::make_shared<Pending>();
  pending->left = targets.size();
  for (const auto& t : targets) {
    d.notifier.Verify(*res, t, req->fr, [pending, submit, req, done](Status s) {
      bool last;
      Status err;
      {
        std::lock_guard lock(pending->mu);
        if (!s.ok() && pending->first_error.ok()) pending->first_error = s;
        last = --pending->left == 0;
        err = pending->first_error;
      }
      if (!last) return;
      if (!err.ok()) return done(ErrorResponse(*req, err));
      submit();
    });
  }
}

}  // namespace trustcse::dispatcher
