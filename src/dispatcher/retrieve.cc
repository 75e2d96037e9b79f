// RETRIEVE: a resource, a partial retrieve, child listings, la/ol, discovery (fu=1).
#include "dispatcher/internal.h"
#include "dispatcher/type_services.h"
#include "primitive/json_util.h"

namespace trustcse::dispatcher {

namespace {

// A contentInstance created with a deletionCnt: every retrieve of it counts.
bool HasDeletionCount(const ResourceRecord& r) {
  return r.ty == rty::kContentInstance && r.body.find("\"dcnt\"") != std::string::npos;
}

}  // namespace


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
    // A discovery answers references (TS-0001 §8.1.2): m2m:uril for discoveryResultReferences
    // (11, the default), m2m:rrl for childResourceReferences (6). Before Release 4, rcn=1 was
    // the usual way to ask for the URI list, and still gets it.
    auto rcn = req->rcn.value_or(ResultContent::kDiscoveryResultReferences);
    const bool pre_r4 = req->rvi == "2a" || req->rvi == "3";
    if (rcn == ResultContent::kAttributes && pre_r4) rcn = ResultContent::kDiscoveryResultReferences;
    if (rcn != ResultContent::kDiscoveryResultReferences &&
        rcn != ResultContent::kChildReferences) {
      return fail(Status::BadRequest("resultContent not valid for discovery"));
    }
    auto result = Discover(*req, *target);
    if (!result) return fail(result.error());
    return done(ListingReply(*req, *result, DiscoveryContent(rcn, req->drt, result->records)));
  }

  const bool instance = target->virt == Target::Virtual::kLatest ||
                        target->virt == Target::Virtual::kOldest;
  auto ptr = target->ptr;
  Authorize(req, std::move(ptr), AccessSpec{security::kRetrieve},
            [this, req, target = std::move(*target), instance,
             done = std::move(done)](Status s) mutable {
              if (!s.ok()) return done(ErrorResponse(*req, s));
              if (auto r = CheckRetrievalEnabled(target); !r.ok()) {
                return done(ErrorResponse(*req, r));
              }
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
    if (auto hit = cache.FindLatest(path); hit && !HasDeletionCount(*hit)) {
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
  if (HasDeletionCount(kids->front())) {
    auto cin = Resource::FromRecord(kids->front());
    if (!cin) return fail(cin.error());
    return CountRetrieval(*cin, std::move(req), std::move(rsp), std::move(done));
  }
  if (latest) {
    cache.PutLatest(gen, path, std::make_shared<const ResourceRecord>(std::move(kids->front())));
  }
  return done(std::move(rsp));
}

Status Dispatcher::Impl::CheckRetrievalEnabled(const Target& target) {
  std::shared_ptr<const Resource> container;
  if (target.virt == Target::Virtual::kLatest || target.virt == Target::Virtual::kOldest) {
    container = target.ptr;
  } else if (target.virt == Target::Virtual::kNone &&
             target.resource().ty() == rty::kContentInstance) {
    auto parent = LoadRi(target.resource().pi());
    if (!parent) return parent.error();
    container = *parent;
  }
  if (container && container->ty() == rty::kContainer &&
      json::GetBool(container->attrs, "disr").value_or(false)) {
    return Status::NotAllowed("retrieval of this container's instances is disabled (disr)");
  }
  return Status::Ok();
}

void Dispatcher::Impl::CountRetrieval(const Resource& cin, RequestRef req, ResponsePrimitive rsp,
                                      Completion done) {
  const int64_t left = json::GetInt(cin.attrs, "dcnt").value_or(1);
  auto answer = [req, rsp = std::move(rsp), done = std::move(done)](Status s) mutable {
    if (!s.ok()) return done(ErrorResponse(*req, s));
    done(std::move(rsp));
  };
  if (left <= 1) {
    return DeleteResource(std::string(cin.ri()), opt.self.cse_id, req->rvi,
                          [answer = std::move(answer)](Result<ResourceRecord> r) mutable {
                            // Gone already (a concurrent last retrieve): nothing more to count.
                            answer(r || r.error().code() == Rsc::kNotFound ? Status::Ok()
                                                                           : r.error());
                          });
  }
  std::string ri(cin.ri());
  Commit(
      [ri](storage::WriteTxn& txn, WriteEffects&) -> Status {
        auto rec = txn.Get(ri);
        if (!rec) return rec.error();
        if (!*rec) return Status::Ok();
        auto r = Resource::FromRecord(**rec);
        if (!r) return r.error();
        r->attrs["dcnt"] = std::max<int64_t>(json::GetInt(r->attrs, "dcnt").value_or(1) - 1, 0);
        return txn.Update(r->ToRecord());
      },
      std::move(answer));
}

namespace {

// Attributes every resource type may have (TS-0004 Table 6.4-1 and §9.6.1.3), whether or not
// its attribute table lists them.
constexpr std::string_view kUniversal[] = {"ty", "ri", "pi", "rn", "ct", "lt", "et", "lbl",
                                           "acpi", "at", "aa", "st", "cr", "daci", "cstn"};

bool IsAttributeOf(const Resource& res, std::string_view name) {
  for (std::string_view u : kUniversal) {
    if (u == name) return true;
  }
  const ResourceType* type = resources::FindType(res.ty());
  if (type == nullptr) return false;
  const std::string_view key =
      type->tag().empty() ? json::GetString(res.attrs, "__tag").value_or("") : type->tag();
  for (const auto& p : type->PoliciesFor(key)) {
    if (p.sn == name) return true;
  }
  return false;
}

}  // namespace

void Dispatcher::Impl::RetrieveResource(RequestRef req, const Target& target, Completion done) {
  auto fail = [&](Status s) { done(ErrorResponse(*req, s)); };
  const Resource& res = target.resource();
  auto rcn = req->rcn.value_or(ResultContent::kAttributes);
  switch (rcn) {
    case ResultContent::kAttributes: {
      const bool cse_base = res.ty() == rty::kCseBase;
      if (req->atrl.empty() && !cse_base) {
        auto rsp = Reply(*req, Rsc::kOk, SerializeRepresentation(res));
        if (res.ty() == rty::kContentInstance && res.attrs.contains("dcnt")) {
          return CountRetrieval(res, std::move(req), std::move(rsp), std::move(done));
        }
        return done(std::move(rsp));
      }
      auto rep = res.Representation();
      // The CSE's current time (currentTime, Release 4), as of this answer.
      if (cse_base) rep.begin()->value().get_object()["ctm"] = FormatTimestamp(Now());
      if (req->atrl.empty()) return done(Reply(*req, Rsc::kOk, json::Serialize(rep)));
      // Partial retrieve: only the listed attributes; one the type has but this resource does
      // not is left out, a name the type does not have is an error.
      auto& body = rep.begin()->value().get_object();
      bj::object partial;
      for (const auto& a : req->atrl) {
        if (const auto* v = body.if_contains(a)) {
          partial[a] = *v;
        } else if (!IsAttributeOf(res, a)) {
          return fail(Status::BadRequest("'" + a + "' is no attribute of this resource type"));
        }
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
      return done(ListingReply(*req, *kids, ListingContent(*req, rcn, res, kids->records)));
    }
    default:
      return fail(Status::BadRequest("resultContent not valid for RETRIEVE"));
  }
}

std::string ListingContent(const RequestPrimitive& req, ResultContent rcn, const Resource& res,
                           const std::vector<ResourceRecord>& records) {
  switch (rcn) {
    case ResultContent::kAttributesAndChildResources:
      return NestedRepresentation(res, true, records);
    case ResultContent::kChildResources:
      return NestedRepresentation(res, false, records);
    case ResultContent::kAttributesAndChildReferences: {
      auto rep = res.Representation();
      rep.begin()->value().get_object()["ch"] = ChildReferences(records, req.drt);
      return json::Serialize(rep);
    }
    case ResultContent::kChildReferences:
      return json::Serialize(
          bj::object{{"m2m:rrl", bj::object{{"rrf", ChildReferences(records, req.drt)}}}});
    default:
      return RecordRepresentation(res.ToRecord());
  }
}

}  // namespace trustcse::dispatcher
