// Subscription creation (TS-0004 §7.4.8.2.1): a subscription is created only after every
// notification target other than the subscriber accepted the verification request; a target that
// is a resource of this CSE (an AE) must grant the subscriber NOTIFY (else 4101). An UPDATE that
// adds targets has them verified the same way (TS-0001 §10.2.10.6).
#include <algorithm>
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

void VerifyAddedSubscriptionTargets(Dispatcher::Impl& d, const RequestRef& req,
                                    const std::shared_ptr<const Resource>& current,
                                    const std::shared_ptr<bj::object>& changes,
                                    std::function<void()> submit, Completion done) {
  const auto* nu = changes->if_contains("nu");
  if (nu == nullptr || !nu->is_array()) return submit();
  // An UPDATE the write would refuse anyway sends no verification request.
  Resource merged = MergeChanges(*current, *changes);
  const resources::ResourceType* type = resources::FindType(current->ty());
  HookContext ctx{req->fr, req->rvi, Now(), &d.opt.self};
  if (type != nullptr) {
    if (auto s = type->ValidateUpdate(ctx, *changes, merged); !s.ok()) {
      return done(ErrorResponse(*req, s));
    }
  }
  std::vector<std::string> before;
  if (const auto* old = current->attrs.if_contains("nu"); old && old->is_array()) {
    for (const auto& t : old->get_array()) {
      if (t.is_string()) before.emplace_back(t.get_string());
    }
  }
  bj::array added;
  for (const auto& t : nu->get_array()) {
    if (!t.is_string()) continue;
    if (std::find(before.begin(), before.end(), std::string_view(t.get_string())) == before.end()) {
      added.push_back(t);
    }
  }
  if (added.empty()) return submit();
  auto probe = std::make_shared<Resource>(*current);
  probe->attrs["nu"] = std::move(added);
  VerifySubscriptionTargets(d, req, probe, std::move(submit), std::move(done));
}

}  // namespace trustcse::dispatcher
