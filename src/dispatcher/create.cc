// CREATE (TS-0004 §7.4.1.2.1 / §7.3.2): validation, authorization, the new resource's
// attributes, the write; AE registrations and subscription verification in their own files.
#include "dispatcher/internal.h"
#include "dispatcher/type_services.h"
#include "primitive/json_util.h"

namespace trustcse::dispatcher {


void Dispatcher::Impl::Create(RequestRef req, Completion done) {
  auto fail = [&](Status s) { done(ErrorResponse(*req, s)); };
  if (req->fc) return fail(Status::BadRequest("filterCriteria is not permitted on CREATE"));
  ResultContent rcn = req->rcn.value_or(ResultContent::kAttributes);
  if (rcn != ResultContent::kNothing && rcn != ResultContent::kAttributes &&
      rcn != ResultContent::kHierarchicalAddress &&
      rcn != ResultContent::kHierarchicalAddressAndAttributes &&
      rcn != ResultContent::kModifiedAttributes) {
    return fail(Status::BadRequest("resultContent not valid for CREATE"));
  }
  if (req->ty <= 0) return fail(Status::BadRequest("missing or invalid resource type"));
  const ResourceType* type = resources::FindType(req->ty);
  if (!type) {
    return fail(req->ty <= 66 ? Status::NotImplemented("resource type is not supported")
                              : Status::BadRequest("unknown resource type"));
  }
  if (!type->client_creatable()) {
    return fail(Status::NotAllowed(std::string(type->short_name()) +
                                   " resources are created by the CSE only"));
  }
  auto member = SingleMember(req->pc);
  if (!member) return fail(member.error());
  std::string key = std::move(member->first);
  bj::object* content = member->second;
  // A key no type claims may still name a specialization of a type whose key varies: that
  // type decides below (4125 / 5001 / 4000) once the parent is known to accept it. That holds
  // for a namespaced key too, which the lookup would otherwise read as a flexContainer's: a
  // mgmtObj "dcfg:…" of TS-0022 this CSE does not implement is 5001, not a mismatch.
  if (const ResourceType* by_key = resources::FindTypeByTag(key);
      by_key != type && ((by_key != nullptr && by_key->HasTag(key)) || !type->tag().empty())) {
    return fail(Status::BadRequest("content does not match the resource type"));
  }
  auto target = Resolve(req->to);
  if (!target) return fail(target.error());
  if (target->virt == Target::Virtual::kFanOut) return FanOut(req, std::move(*target), done);
  if (target->virt != Target::Virtual::kNone) {
    return fail(Status::NotAllowed("cannot create under a virtual resource"));
  }
  const Resource& parent = target->resource();
  const ResourceType* parent_type = resources::FindType(parent.ty());
  if (!parent_type || !parent_type->AllowsChild(req->ty)) {
    return fail(req->ty == rty::kSubscription
                    ? Status(Rsc::kTargetNotSubscribable, "target cannot be subscribed to")
                    : Status(Rsc::kInvalidChildResourceType,
                             "resource type not allowed under this parent"));
  }
  if (type->tag().empty()) {
    if (auto s = type->CheckSpecialization(key, *content); !s.ok()) return fail(s);
  }
  if (auto s = resources::ValidateContent(*content, type->PoliciesFor(key),
                                          resources::ContentOp::kCreate,
                                          type->validate_options());
      !s.ok()) {
    return fail(s);
  }

  // Authorization before anything is taken from the request. For an AE registration the
  // chain's gates (channel binding, admission, trust) decide; the registration rules (4117,
  // 4126) replace the ACP decision.
  Authorize(req, target->ptr, AccessSpec{security::kCreate, false, req->ty},
            [this, req, parent = target->ptr, type, key = std::move(key), content,
             done = std::move(done)](Status s) mutable {
              if (!s.ok()) return done(ErrorResponse(*req, s));
              CreateAuthorized(std::move(req), std::move(parent), type, key, content,
                               std::move(done));
            });
}

void Dispatcher::Impl::CreateAuthorized(RequestRef req, std::shared_ptr<const Resource> parent_ref,
                                        const ResourceType* type, const std::string& key,
                                        bj::object* content, Completion done) {
  auto fail = [&](Status s) { done(ErrorResponse(*req, s)); };
  const Resource& parent = *parent_ref;
  ResultContent rcn = req->rcn.value_or(ResultContent::kAttributes);
  const TypeServices* services = FindTypeServices(req->ty);
  auto res = std::make_shared<Resource>();
  // rcn=9 answers what differs from the request: keep what it gave.
  auto given = rcn == ResultContent::kModifiedAttributes
                   ? std::make_shared<const bj::object>(*content)
                   : nullptr;
  res->attrs = std::move(*content);
  CreatePlan plan;
  if (services && services->assign) {
    if (auto s = services->assign(*this, *req, *res, plan); !s.ok()) return fail(s);
  } else {
    plan.ri = resources::NewResourceId(type->short_name());
  }
  const std::string& ri = plan.ri;
  res->originator = req->fr;

  TimePoint now = Now();
  std::string rn;
  if (auto given = json::GetString(res->attrs, "rn")) {
    if (!resources::ValidResourceName(*given)) return fail(Status::BadRequest("invalid resourceName"));
    rn = *given;
  } else {
    rn = ri;
  }
  std::string ts = FormatTimestamp(now);
  res->attrs["ty"] = req->ty;
  res->attrs["ri"] = ri;
  res->attrs["pi"] = parent.ri();
  res->attrs["rn"] = rn;
  res->attrs["ct"] = ts;
  res->attrs["lt"] = ts;
  // expirationTime: in the future, and never beyond the parent's.
  // A later one than the CSE's maximum is cut back to it (TS-0004 §7.3.3.3).
  const TimePoint latest = now + opt.default_expiration;
  TimePoint et = latest;
  if (auto given = json::GetString(res->attrs, "et")) {
    et = *ParseTimestamp(*given);
    if (et <= now) return fail(Status::BadRequest("expirationTime is in the past"));
    et = std::min(et, latest);
  }
  if (auto pet = json::GetString(parent.attrs, "et")) {
    if (auto p = ParseTimestamp(*pet); p && *p < et) et = *p;
  }
  res->attrs["et"] = FormatTimestamp(et);
  if (res->attrs.contains("cr")) res->attrs["cr"] = req->fr;
  if (type->has_state_tag()) res->attrs["st"] = 0;
  if (type->tag().empty()) res->attrs["__tag"] = key;  // a specialization's own key
  res->path = parent.path + "/" + rn;
  for (const auto& id : res->acpi()) {
    if (!acps.FindAcp(id)) return fail(Status::BadRequest("acpi names an ACP that does not exist"));
  }

  HookContext hctx{req->fr, req->rvi, now, &opt.self};
  if (auto s = type->ValidateCreate(hctx, parent, *res); !s.ok()) return fail(s);
  if (services && services->validate) {
    if (auto s = services->validate(*res); !s.ok()) return fail(s);
  }

  auto submit = [this, req, res, type, now, rcn, given, done, plan]() {
    std::string parent_ri(res->pi());
    auto created = std::make_shared<ResourceRecord>();
    auto bound = std::make_shared<std::optional<security::Credential>>();
    Commit(
        [req, res, type, now, parent_ri, created, self = &opt.self, parents = &writer_parents,
         credentials = opt.credentials, bind_credential = plan.bind_credential,
         unique_id = plan.unique_id,
         bound](storage::WriteTxn& txn, WriteEffects& fx) -> Status {
          if (unique_id) {
            // Registrations of one AE-ID that raced past the first check meet here, in order:
            // all but the first are 4117, whatever their resourceNames.
            auto existing = txn.Get(res->ri());
            if (!existing) return existing.error();
            if (*existing) {
              return Status(Rsc::kOriginatorHasAlreadyRegistered,
                            "originator has already registered");
            }
          }
          if (!bind_credential.empty()) {
            // Bound or reserved meanwhile (an enrolment, the operator): not free any more.
            if (std::string holder = credentials->BoundTo(res->ri());
                !holder.empty() && holder != bind_credential) {
              return Status(Rsc::kOriginatorNotAuthenticated,
                            "originator does not match the authenticated credential");
            }
            auto c = credentials->BindInWrite(txn, bind_credential, res->ri(), now);
            if (!c) return c.error();
            *bound = std::move(*c);
          }
          auto parent = parents->Take(txn, parent_ri);
          if (!parent) return parent.error();
          HookContext ctx{req->fr, req->rvi, now, self};
          bool parent_changed = false;
          if (auto s = type->OnCreate(txn, ctx, *parent, &parent_changed, *res, fx); !s.ok()) {
            return s;
          }
          *created = res->ToRecord();
          if (auto s = txn.Insert(*created); !s.ok()) {
            return s.code() == Rsc::kConflict
                       ? Status::Conflict("a resource with this name already exists")
                       : s;
          }
          if (parent_changed) {  // counters and stateTag only: see UpdateDeferred
            if (auto s = txn.UpdateDeferred(parent->ToRecord()); !s.ok()) return s;
          }
          fx.events.push_back(
              Event{Event::Kind::kCreateChild, std::string(parent->ri()), parent->path, *created, {}});
          if (parent_changed && ResourceCache::Cacheable(parent->ty())) {
            fx.cached_after.push_back(std::make_shared<const Resource>(*parent));
          }
          parents->Keep(std::move(*parent));
          return Status::Ok();
        },
        [req, res, rcn, given, created, done, bound, credentials = opt.credentials](Status s) {
          if (!s.ok()) return done(ErrorResponse(*req, s));
          if (*bound) credentials->Apply(std::move(**bound));
          auto rsp = Reply(*req, Rsc::kCreated,
                           given ? ModifiedAttributes(*given, *res, nullptr)
                                 : ResultFor(rcn, *res, *created));
          rsp.content_location = created->ri;
          done(std::move(rsp));
        },
        /*await_deletion_notices=*/false, req);
  };

  if (services && services->admit) return services->admit(*this, req, res, submit, std::move(done));
  submit();
}

}  // namespace trustcse::dispatcher
