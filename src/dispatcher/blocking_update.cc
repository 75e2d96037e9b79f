// Blocking_Update (TS-0004 §7.5.1.2.19, §7.3.2.9; TS-0001 §10.2.10.7): an UPDATE of a resource
// with a net 7 subscription is held — and every other UPDATE or DELETE of it waits behind it
// (UpdateGate) — until the subscription's target answered the notification that carries the
// UPDATE's attributes. A success lets the write go on; anything else leaves the resource as it
// was and fails the UPDATE: TARGET_NOT_REACHABLE (no answer in time included) becomes
// REMOTE_ENTITY_NOT_REACHABLE (5107), OPERATION_NOT_ALLOWED becomes
// OPERATION_DENIED_BY_REMOTE_ENTITY (4127), and so does any other refusal (§7.3.2.9 names those
// two; the target declined the operation either way).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "dispatcher/internal.h"
#include "dispatcher/type_services.h"
#include "primitive/json_util.h"

namespace trustcse::dispatcher {
namespace {

Status BlockingFailure(const Status& s) {
  if (s.code() == Rsc::kTargetNotReachable || s.code() == Rsc::kRequestTimeout) {
    return Status(Rsc::kRemoteEntityNotReachable,
                  "the Blocking_Update notification target could not be reached");
  }
  return Status(Rsc::kOperationDeniedByRemoteEntity,
                "the Blocking_Update notification target refused the update (" +
                    std::to_string(static_cast<int>(s.code())) + ")");
}

// Step 1: with enc.atr, only an UPDATE of one of those attributes is blocked.
bool AttributesWatched(const Resource& sub, const bj::object& changes) {
  const auto* enc = sub.attrs.if_contains("enc");
  if (enc == nullptr || !enc->is_object()) return true;
  const auto* atr = enc->get_object().if_contains("atr");
  if (atr == nullptr || !atr->is_array()) return true;
  return std::any_of(atr->get_array().begin(), atr->get_array().end(), [&](const bj::value& a) {
    return a.is_string() && changes.contains(a.get_string());
  });
}

// The representation key of `res` ("m2m:cnt"; a specialization's own key).
std::string TagOf(const Resource& res) {
  const ResourceType* type = resources::FindType(res.ty());
  if (type != nullptr && !type->tag().empty()) return std::string(type->tag());
  return std::string(json::GetString(res.attrs, "__tag").value_or(""));
}

}  // namespace

void Dispatcher::Impl::WithBlockingGate(const RequestRef& req, const std::string& ri,
                                        Completion& done,
                                        std::function<void(UpdateGate::Release)> work) {
  if (!notifier.BlockingSubscription(ri)) return work([] {});
  if (!update_gate.Enter(ri, std::move(work))) {
    done(ErrorResponse(*req, Status(Rsc::kNotAcceptable,
                                    "too many requests wait for a blocked update of this "
                                    "resource: retry later")));
  }
}

void Dispatcher::Impl::UpdateAdmitted(RequestRef req, std::shared_ptr<const Resource> current,
                                      std::shared_ptr<bj::object> changes, Completion done) {
  const std::string ri(current->ri());
  WithBlockingGate(req, ri, done, [this, req, current, changes, ri,
                                   done](UpdateGate::Release release) mutable {
    auto released = [release, done](ResponsePrimitive rsp) {
      release();
      done(std::move(rsp));
    };
    // Looked up again: the subscription may have gone while this request waited.
    std::optional<Resource> sub;
    if (auto sub_ri = notifier.BlockingSubscription(ri)) {
      auto rec = store.Get(*sub_ri);
      if (rec && *rec) {
        if (auto parsed = Resource::FromRecord(**rec)) sub = std::move(*parsed);
      }
    }
    if (!sub || !AttributesWatched(*sub, *changes)) {
      return CommitUpdate(std::move(req), ri, std::move(changes), std::move(released));
    }
    // The target hears only of an UPDATE that would succeed: the type's checks come first.
    Resource merged = MergeChanges(*current, *changes);
    const ResourceType* type = resources::FindType(current->ty());
    HookContext ctx{req->fr, req->rvi, Now(), &opt.self};
    if (type != nullptr) {
      if (auto s = type->ValidateUpdate(ctx, *changes, merged); !s.ok()) {
        return released(ErrorResponse(*req, s));
      }
    }
    notifier.NotifyBlockingUpdate(
        *sub, TagOf(*current), *changes,
        [this, req, ri, changes, released = std::move(released)](Status s) mutable {
          if (!s.ok()) {
            spdlog::debug("dispatcher: blocked update of {} refused: {}", ri, s.message());
            return released(ErrorResponse(*req, BlockingFailure(s)));
          }
          CommitUpdate(std::move(req), ri, std::move(changes), std::move(released));
        });
  });
}

}  // namespace trustcse::dispatcher
