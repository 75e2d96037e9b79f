// DELETE: a resource and its subtree, or the latest/oldest instance of a container; answered once
// the deletion notices of the subscriptions it removes had their answer (commit.cc).
#include "dispatcher/internal.h"
#include "dispatcher/type_services.h"

namespace trustcse::dispatcher {


void Dispatcher::Impl::Delete(RequestRef req, Completion done) {
  auto fail = [&](Status s) { done(ErrorResponse(*req, s)); };
  auto rcn = req->rcn.value_or(ResultContent::kNothing);
  if (rcn != ResultContent::kNothing && rcn != ResultContent::kAttributes) {
    return fail(Status::BadRequest("resultContent not valid for DELETE"));
  }
  auto target = Resolve(req->to);
  if (!target) return fail(target.error());
  if (target->virt == Target::Virtual::kFanOut) return FanOut(req, std::move(*target), done);
  if (target->virt == Target::Virtual::kPollingChannelUri) {
    return fail(Status::NotAllowed("the pollingChannelURI cannot be deleted"));
  }
  std::shared_ptr<const Resource> victim;
  if (target->virt == Target::Virtual::kLatest || target->virt == Target::Virtual::kOldest) {
    const int instance_ty = InstanceTypeOf(target->resource().ty());
    auto kids = store.Children(target->resource().ri(), instance_ty,
                               target->virt == Target::Virtual::kLatest
                                   ? storage::ChildOrder::kNewestFirst
                                   : storage::ChildOrder::kOldestFirst,
                               1);
    if (!kids) return fail(kids.error());
    if (kids->empty()) return fail(Status::NotFound("the container has no instances"));
    auto res = Resource::FromRecord(kids->front());
    if (!res) return fail(res.error());
    victim = std::make_shared<const Resource>(std::move(*res));
  } else {
    victim = target->ptr;
  }
  const ResourceType* type = resources::FindType(victim->ty());
  if (!type) return fail(Status::Internal("unknown stored resource type"));
  if (auto s = type->CheckDeletable(); !s.ok()) return fail(s);
  Authorize(req, victim, AccessSpec{security::kDelete},
            [this, req, victim, done = std::move(done)](Status s) mutable {
              if (!s.ok()) return done(ErrorResponse(*req, s));
              DeleteAuthorized(std::move(req), victim, std::move(done));
            });
}

void Dispatcher::Impl::DeleteAuthorized(RequestRef req,
                                        const std::shared_ptr<const Resource>& victim,
                                        Completion done) {
  auto rcn = req->rcn.value_or(ResultContent::kNothing);
  const std::string ri(victim->ri());
  // A resource with a Blocking_Update subscription is not deleted while an UPDATE of it is
  // blocked (TS-0001 §10.2.10.7). The answer waits for the deletion notices (DeleteResource).
  WithBlockingGate(req, ri, done, [this, req, rcn, ri, done](UpdateGate::Release release) {
    DeleteResource(ri, req->fr, req->rvi,
                   [req, rcn, release, done](Result<ResourceRecord> r) {
                     release();
                     if (!r) return done(ErrorResponse(*req, r.error()));
                     done(Reply(*req, Rsc::kDeleted,
                                rcn == ResultContent::kAttributes ? RecordRepresentation(*r) : ""));
                   });
  });
}

}  // namespace trustcse::dispatcher
