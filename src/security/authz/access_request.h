// The facts of a security context that access-control rules evaluate (compiled_acp.h), for the
// authorization steps. Views only; nothing allocates.
#pragma once

#include "security/authz/compiled_acp.h"
#include "security/chain.h"

namespace trustcse::security {

inline AccessRequest ToAccessRequest(const SecurityContext& ctx) {
  AccessRequest req;
  req.originator = ctx.originator;
  req.access = ctx.access;
  req.time = ctx.time;
  req.source = ctx.source;
  req.location = ctx.location;
  req.authenticated = ctx.authenticated;
  req.create_ty = ctx.create_ty;
  req.groups = ctx.groups;
  req.roles = ctx.request ? &ctx.request->role_ids : nullptr;
  req.target_ty = ctx.subject ? ctx.subject->ty() : 0;
  return req;
}

}  // namespace trustcse::security
