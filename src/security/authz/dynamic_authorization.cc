#include "security/authz/dynamic_authorization.h"

#include <boost/json/value.hpp>

#include "security/authz/access_request.h"

namespace trustcse::security {

DynamicAuthorization::DynamicAuthorization(std::shared_ptr<DynamicGrants> grants,
                                           std::shared_ptr<Consultant> consultant,
                                           std::chrono::milliseconds timeout)
    : grants_(std::move(grants)), consultant_(std::move(consultant)), timeout_(timeout),
      on_timeout_(std::make_shared<const Decision>(
          Decision::Deny(Status::NoPrivilege("access denied"),
                         "no dynamic authorization server answered in time"))) {}

Decision DynamicAuthorization::Check(const SecurityContext& ctx) const {
  if (ctx.listing || ctx.acpi_change || !ctx.subject || !consultant_) return Decision::Defer();
  const auto* daci = ctx.subject->attrs.if_contains("daci");
  if (!daci || !daci->is_array() || daci->get_array().empty()) return Decision::Defer();
  Consultation c;
  c.originator = std::string(ctx.originator);
  c.subject_ri = std::string(ctx.subject->ri());
  c.subject_path = ctx.subject->path;
  c.subject_ty = ctx.subject->ty();
  c.access = ctx.access;
  for (const auto& d : daci->get_array()) {
    if (d.is_string()) c.daci.emplace_back(d.get_string());
  }
  if (ctx.request && ctx.request->rqet) c.deadline = ctx.request->rqet;
  // What the grant must cover, copied: the work runs after Check returned.
  AccessRequest ask = ToAccessRequest(ctx);
  auto work = [grants = grants_, consultant = consultant_, c = std::move(c),
               ask](Resume resume) mutable {
    std::string originator = c.originator, path = c.subject_path;
    consultant->Consult(std::move(c), [grants, originator, path, ask,
                                       resume](std::optional<DynamicGrant> g) {
      if (!g || !g->privileges) {
        return resume(Decision::Deny(Status::NoPrivilege("access denied"),
                                     "no dynamic authorization server granted access"));
      }
      grants->Grant(originator, path, g->privileges, g->until);
      AccessRequest now = ask;
      now.originator = originator;  // `ask` viewed the request's strings; these are ours
      if (g->privileges->Grants(now)) return resume(Decision::Allow());
      resume(Decision::Deny(Status::NoPrivilege("access denied"),
                            "the dynamic authorization grant does not cover this operation"));
    });
  };
  return Decision::Later(std::move(work), timeout_, on_timeout_);
}

}  // namespace trustcse::security
