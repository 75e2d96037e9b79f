// UPDATE: validation of the changes, authorization (pvs for acpi changes), the type's admission,
// the Blocking_Update step (blocking_update.cc), the write.
#include "dispatcher/internal.h"
#include "dispatcher/type_services.h"
#include "primitive/json_util.h"

namespace trustcse::dispatcher {


void Dispatcher::Impl::Update(RequestRef req, Completion done) {
  auto fail = [&](Status s) { done(ErrorResponse(*req, s)); };
  if (req->ty != 0) return fail(Status::BadRequest("resource type is not permitted on UPDATE"));
  auto rcn = req->rcn.value_or(ResultContent::kAttributes);
  if (rcn != ResultContent::kNothing && rcn != ResultContent::kAttributes &&
      rcn != ResultContent::kModifiedAttributes) {
    return fail(Status::BadRequest("resultContent not valid for UPDATE"));
  }
  auto target = Resolve(req->to);
  if (!target) return fail(target.error());
  if (target->virt == Target::Virtual::kFanOut) return FanOut(req, std::move(*target), done);
  if (target->virt != Target::Virtual::kNone) {
    return fail(Status::NotAllowed("a virtual resource cannot be updated"));
  }
  const Resource& current = target->resource();
  const ResourceType* type = resources::FindType(current.ty());
  if (!type) return fail(Status::Internal("unknown stored resource type"));
  if (auto s = type->CheckUpdatable(); !s.ok()) return fail(s);
  auto member = SingleMember(req->pc);
  if (!member) return fail(member.error());
  std::string key = std::move(member->first);
  bj::object* content = member->second;
  std::string_view expected_tag =
      type->tag().empty() ? json::GetString(current.attrs, "__tag").value_or("") : type->tag();
  if (key != expected_tag) return fail(Status::BadRequest("content does not match the resource"));
  if (auto s = resources::ValidateContent(*content, type->PoliciesFor(key),
                                          resources::ContentOp::kUpdate,
                                          type->validate_options());
      !s.ok()) {
    return fail(s);
  }
  const bool acpi_change = content->contains("acpi");
  if (acpi_change && content->size() > 1) {
    return fail(Status::BadRequest("an update of acpi must not change other attributes"));
  }
  auto ptr = target->ptr;
  Authorize(req, std::move(ptr), AccessSpec{security::kUpdate, acpi_change},
            [this, req, target = std::move(*target), content,
             done = std::move(done)](Status s) mutable {
              if (!s.ok()) return done(ErrorResponse(*req, s));
              UpdateAuthorized(std::move(req), target, content, std::move(done));
            });
}

void Dispatcher::Impl::UpdateAuthorized(RequestRef req, const Target& target, bj::object* content,
                                        Completion done) {
  auto fail = [&](Status s) { done(ErrorResponse(*req, s)); };
  const Resource& current = target.resource();
  const ResourceType* type = resources::FindType(current.ty());
  const bool acpi_change = content->contains("acpi");
  TimePoint now = Now();
  if (const bj::value* given = content->if_contains("et")) {
    // expirationTime has multiplicity 1: it can be changed, not removed (TS-0004 §7.3.3.7).
    if (given->is_null()) return fail(Status::BadRequest("expirationTime cannot be removed"));
    TimePoint et = *ParseTimestamp(given->get_string());
    if (et <= now) return fail(Status::BadRequest("expirationTime is in the past"));
    if (et > now + opt.default_expiration) {
      et = now + opt.default_expiration;
      (*content)["et"] = FormatTimestamp(et);
    }
    // No child may outlive the resource (TS-0004 §7.3.3.4): one that expires later refuses it.
    storage::DiscoveryQuery q;
    q.root_path = current.path;
    q.max_level = 1;
    q.expire_after = FormatTimestamp(et + std::chrono::microseconds(1));  // strictly later
    q.limit = 1;
    auto later = store.Discover(q);
    if (!later) return fail(later.error());
    if (!later->empty()) {
      return fail(Status::BadRequest("child resource " + later->front().rn +
                                     " expires later than the new expirationTime"));
    }
  }
  if (acpi_change && content->at("acpi").is_array()) {
    for (const auto& id : content->at("acpi").get_array()) {
      if (!acps.FindAcp(id.get_string())) {
        return fail(Status::BadRequest("acpi names an ACP that does not exist"));
      }
    }
  }
  auto changes = std::make_shared<bj::object>(std::move(*content));
  std::shared_ptr<const Resource> subject = target.ptr;
  // What the type needs before the write (a subscription verifies its new notification
  // targets), then the Blocking_Update step (blocking_update.cc), then the write.
  auto admitted = [this, req, subject, changes, done]() mutable {
    UpdateAdmitted(std::move(req), std::move(subject), std::move(changes), std::move(done));
  };
  if (const TypeServices* ts = FindTypeServices(type->ty()); ts && ts->admit_update) {
    return ts->admit_update(*this, req, subject, changes, std::move(admitted), std::move(done));
  }
  admitted();
}

void Dispatcher::Impl::CommitUpdate(RequestRef req, std::string ri,
                                    std::shared_ptr<bj::object> changes, Completion done) {
  auto rcn = req->rcn.value_or(ResultContent::kAttributes);
  auto result = std::make_shared<Resource>();
  auto result_rec = std::make_shared<ResourceRecord>();
  // rcn=9 compares the result with the state the update started from.
  auto before = rcn == ResultContent::kModifiedAttributes ? std::make_shared<bj::object>()
                                                           : nullptr;
  TimePoint now = Now();
  Commit(
      [req, changes, now, ri, result, result_rec, before,
       self = &opt.self](storage::WriteTxn& txn, WriteEffects& fx) -> Status {
        auto rec = txn.Get(ri);
        if (!rec) return rec.error();
        if (!*rec) return Status::NotFound("resource does not exist");
        auto res = Resource::FromRecord(**rec);
        if (!res) return res.error();
        if (before) *before = res->attrs;
        const ResourceType* type = resources::FindType(res->ty());
        if (!type) return Status::Internal("unknown stored resource type");
        std::vector<std::string> modified;
        bj::object prior;
        for (const auto& [k, v] : *changes) {
          if (const bj::value* old = res->attrs.if_contains(k)) prior[k] = *old;
        }
        for (const auto& [k, v] : *changes) {
          modified.emplace_back(k);
          if (v.is_null()) {
            res->attrs.erase(k);
          } else {
            res->attrs[k] = v;
          }
        }
        res->attrs["lt"] = FormatTimestamp(now);
        if (type->has_state_tag()) res->attrs["st"] = res->st() + 1;
        HookContext ctx{req->fr, req->rvi, now, self, &prior, changes.get()};
        if (auto s = type->ValidateUpdate(ctx, *changes, *res); !s.ok()) return s;
        if (const TypeServices* ts = FindTypeServices(res->ty()); ts && ts->validate) {
          if (auto s = ts->validate(*res); !s.ok()) return s;
        }
        if (auto s = type->OnUpdate(txn, ctx, *res, fx); !s.ok()) return s;
        auto updated = res->ToRecord();
        if (auto s = txn.Update(updated); !s.ok()) return s;
        fx.events.push_back(Event{Event::Kind::kUpdate, ri, res->path, updated, std::move(modified)});
        *result_rec = std::move(updated);
        *result = std::move(*res);
        return Status::Ok();
      },
      [req, result, result_rec, rcn, changes, before, done](Status s) {
        if (!s.ok()) return done(ErrorResponse(*req, s));
        done(Reply(*req, Rsc::kUpdated,
                   before ? ModifiedAttributes(*changes, *result, before.get())
                          : ResultFor(rcn, *result, *result_rec)));
      },
      /*await_deletion_notices=*/false, req);
}

}  // namespace trustcse::dispatcher
