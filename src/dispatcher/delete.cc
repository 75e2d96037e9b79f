// DELETE: a resource and its subtree, or the latest/oldest instance of a container; answered once
// the deletion notices of the subscriptions it removes had their answer (commit.cc).
#include "dispatcher/internal.h"
#include "dispatcher/type_services.h"

namespace trustcse::dispatcher {
namespace {

bool IsListing(ResultContent rcn) {
  return rcn == ResultContent::kAttributesAndChildResources ||
         rcn == ResultContent::kAttributesAndChildReferences ||
         rcn == ResultContent::kChildReferences || rcn == ResultContent::kChildResources;
}

}  // namespace


void Dispatcher::Impl::Delete(RequestRef req, Completion done) {
  auto fail = [&](Status s) { done(ErrorResponse(*req, s)); };
  auto rcn = req->rcn.value_or(ResultContent::kNothing);
  if (rcn != ResultContent::kNothing && rcn != ResultContent::kAttributes &&
      !IsListing(rcn)) {
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
  Status disabled = CheckRetrievalEnabled(*target);  // answered once authorization passed
  Authorize(req, victim, AccessSpec{security::kDelete},
            [this, req, victim, disabled = std::move(disabled),
             done = std::move(done)](Status s) mutable {
              if (!s.ok()) return done(ErrorResponse(*req, s));
              if (!disabled.ok()) return done(ErrorResponse(*req, disabled));
              DeleteAuthorized(std::move(req), victim, std::move(done));
            });
}

void Dispatcher::Impl::DeleteAuthorized(RequestRef req,
                                        const std::shared_ptr<const Resource>& victim,
                                        Completion done) {
  auto rcn = req->rcn.value_or(ResultContent::kNothing);
  // rcn 4, 5, 6, 8 answer with what the subtree held (TS-0001 §8.1.2): listed before it goes.
  std::string listing;
  if (IsListing(rcn)) {
    auto kids = ListChildren(*req, *victim);
    if (!kids) return done(ErrorResponse(*req, kids.error()));
    listing = ListingContent(*req, rcn, *victim, kids->records);
  }
  const std::string ri(victim->ri());
  // A resource with a Blocking_Update subscription is not deleted while an UPDATE of it is
  // blocked (TS-0001 §10.2.10.7). The answer waits for the deletion notices (DeleteResource).
  WithBlockingGate(req, ri, done,
                   [this, req, rcn, ri, listing = std::move(listing),
                    done](UpdateGate::Release release) mutable {
                     DeleteResource(ri, req->fr, req->rvi,
                                    [req, rcn, release, listing = std::move(listing),
                                     done](Result<ResourceRecord> r) mutable {
                                      release();
                                      if (!r) return done(ErrorResponse(*req, r.error()));
                                      if (IsListing(rcn)) {
                                        return done(Reply(*req, Rsc::kDeleted, std::move(listing)));
                                      }
                                      done(Reply(*req, Rsc::kDeleted,
                                                 rcn == ResultContent::kAttributes
                                                     ? RecordRepresentation(*r)
                                                     : ""));
                                    },
                                    req);
                   });
}

}  // namespace trustcse::dispatcher
