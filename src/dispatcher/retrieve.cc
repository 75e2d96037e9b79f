// RETRIEVE: a resource, a partial retrieve, child listings, la/ol, discovery (fu=1).
#include "dispatcher/internal.h"
#include "dispatcher/type_services.h"
#include "primitive/json_util.h"

namespace trustcse::dispatcher {


void Dispatcher::Impl::Retrieve(RequestRef req, Completion done) {
  auto fail = [&](Status s) { done(ErrorResponse(*req, s)); };
  auto target = Resolve(req->to);
  if (!target) return fail(target.error());
  if (target->virt == Target::Virtual::kFanOut) return FanOut(req, std::move(*target), done);
  if (target->virt == Target::Virtual::kPollingChannelUri) {
    return PollChannel(std::move(req), *target, std::move(done));
  }

  if (req->fc && req->fc->fu == 1) {
    if (target->virt != Target::Virtual::kNone) {
      return fail(Status::BadRequest("discovery on a virtual resource"));
    }
    auto rcn = req->rcn.value_or(ResultContent::kAttributes);
    if (rcn != ResultContent::kAttributes && rcn != ResultContent::kChildReferences) {
      return fail(Status::BadRequest("resultContent not valid for discovery"));
    }
    auto result = Discover(*req, *target);
    if (!result) return fail(result.error());
    bj::array uris;
    uris.reserve(result->records.size());
    for (const auto& r : result->records) uris.emplace_back(req->drt == 2 ? r.ri : r.path);
    return done(ListingReply(*req, *result, json::Serialize(bj::object{{"m2m:uril", std::move(uris)}})));
  }

  const bool instance = target->virt == Target::Virtual::kLatest ||
                        target->virt == Target::Virtual::kOldest;
  auto ptr = target->ptr;
  Authorize(req, std::move(ptr), AccessSpec{security::kRetrieve},
            [this, req, target = std::move(*target), instance,
             done = std::move(done)](Status s) mutable {
              if (!s.ok()) return done(ErrorResponse(*req, s));
              if (instance) return RetrieveInstance(std::move(req), target, std::move(done));
              RetrieveResource(std::move(req), target, std::move(done));
            });
}

// la / ol of a container or timeSeries.
void Dispatcher::Impl::RetrieveInstance(RequestRef req, const Target& target, Completion done) {
  auto fail = [&](Status s) { done(ErrorResponse(*req, s)); };
  auto rcn = req->rcn.value_or(ResultContent::kAttributes);
  if (rcn != ResultContent::kAttributes) {
    return fail(Status::BadRequest("resultContent not valid for latest/oldest"));
  }
  const bool latest = target.virt == Target::Virtual::kLatest;
  const std::string& path = target.resource().path;
  // The latest instance is the hottest read of all: it is cached with its container.
  if (latest) {
    if (auto hit = cache.FindLatest(path)) {
      return done(Reply(*req, Rsc::kOk, RecordRepresentation(*hit)));
    }
  }
  uint64_t gen = cache.generation();
  const int instance_ty = InstanceTypeOf(target.resource().ty());
  auto kids = store.Children(target.resource().ri(), instance_ty,
                             latest ? storage::ChildOrder::kNewestFirst
                                    : storage::ChildOrder::kOldestFirst,
                             1);
  if (!kids) return fail(kids.error());
  if (kids->empty()) return fail(Status::NotFound("the container has no instances"));
  auto rsp = Reply(*req, Rsc::kOk, RecordRepresentation(kids->front()));
  if (latest) {
    cache.PutLatest(gen, path, std::make_shared<const ResourceRecord>(std::move(kids->front())));
  }
  return done(std::move(rsp));
}

void Dispatcher::Impl::RetrieveResource(RequestRef req, const Target& target, Completion done) {
  auto fail = [&](Status s) { done(ErrorResponse(*req, s)); };
  const Resource& res = target.resource();
  auto rcn = req->rcn.value_or(ResultContent::kAttributes);
  switch (rcn) {
    case ResultContent::kAttributes: {
      if (req->atrl.empty()) {
        return done(Reply(*req, Rsc::kOk, SerializeRepresentation(res)));
      }
      // Partial retrieve: only the listed attributes.
      auto rep = res.Representation();
      auto& body = rep.begin()->value().get_object();
      bj::object partial;
      for (const auto& a : req->atrl) {
        const auto* v = body.if_contains(a);
        if (!v) return fail(Status::BadRequest("unknown attribute in attribute list"));
        partial[a] = *v;
      }
      body = std::move(partial);
      return done(Reply(*req, Rsc::kOk, json::Serialize(rep)));
    }
    case ResultContent::kAttributesAndChildResources:
    case ResultContent::kAttributesAndChildReferences:
    case ResultContent::kChildReferences:
    case ResultContent::kChildResources: {
      auto kids = ListChildren(*req, res);
      if (!kids) return fail(kids.error());
      auto rep = res.Representation();
      auto& body = rep.begin()->value().get_object();
      if (rcn == ResultContent::kChildResources) body.clear();
      bj::array refs;
      for (const auto& k : kids->records) {
        if (rcn == ResultContent::kAttributesAndChildResources ||
            rcn == ResultContent::kChildResources) {
          auto child = Resource::FromRecord(k);
          if (!child) continue;
          auto crep = child->Representation();
          auto& [ctag, cval] = *crep.begin();
          auto& list = body[ctag];
          if (!list.is_array()) list = bj::array{};
          list.get_array().push_back(std::move(cval));
        } else {
          refs.push_back(bj::object{{"nm", k.rn}, {"typ", k.ty}, {"val", k.path}});
        }
      }
      if (rcn == ResultContent::kAttributesAndChildReferences) body["ch"] = std::move(refs);
      if (rcn == ResultContent::kChildReferences) {
        bj::object o;
        o["m2m:rrl"] = bj::object{{"rrf", std::move(refs)}};
        return done(ListingReply(*req, *kids, json::Serialize(o)));
      }
      return done(ListingReply(*req, *kids, json::Serialize(rep)));
    }
    default:
      return fail(Status::BadRequest("resultContent not valid for RETRIEVE"));
  }
}

}  // namespace trustcse::dispatcher
