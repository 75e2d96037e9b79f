// The security chain: every request passes through an ordered list of steps before any resource
// is touched — authentication (who is this?), admission (may it enter now?), trust (is it allowed
// to exist?), authorization (may it do this?).
//
// Each step answers Allow, Deny or Defer:
//   Deny  — the chain stops and the request is refused with the step's status code;
//   Defer — the step has no opinion; the next step decides;
//   Allow — the step approves. For a *gate* step (authn, admission, trust) that only means "pass
//           on"; for a *deciding* step (authz) it ends the chain with access granted.
// A chain that ends without a deciding Allow denies (default deny): 4103 with a safe message.
// The reason of every denial goes to the security event log (never to the client) so that the
// audit trail (a later layer) can consume it.
//
// Steps are immutable after construction and safe to call from any thread concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "primitive/request.h"
#include "resources/resource.h"
#include "security/authz/compiled_acp.h"
#include "security/events.h"

namespace trustcse::security {

// Access operations as the acop bitmask of an access-control rule (TS-0004 §6.3.4.2.x).
enum AccessOp : uint32_t {
  kCreate = 1,
  kRetrieve = 2,
  kUpdate = 4,
  kDelete = 8,
  kNotify = 16,
  kDiscover = 32,
};
const char* AccessOpName(uint32_t op);

// Everything a step may look at. Pointers are non-owning and valid for the call.
struct SecurityContext {
  const RequestPrimitive* request = nullptr;
  std::string_view originator;
  uint32_t access = 0;  // one AccessOp bit
  // The resource whose access-control policies govern the access: the target itself, or the
  // parent for a CREATE and for types without acpi (contentInstance, timeSeriesInstance).
  const resources::Resource* subject = nullptr;
  // The AE-ID owning the subject's subtree ("" if the subject is not below an AE); under the
  // default policy the owning AE has full access to its own subtree.
  std::string_view owner_ae;
  // True when the request changes the acpi of the subject (checked against pvs, not pv).
  bool acpi_change = false;
  // True when the originator is a registered AE of this CSE.
  bool originator_registered = false;
  // True for an AE registration (CREATE of an AE), whose originator is not registered yet.
  bool registration = false;
  // Context of the request for access-control contexts (acco), acaf and acod.
  TimePoint time;
  const IpAddress* source = nullptr;
  const GeoPoint* location = nullptr;
  bool authenticated = false;  // a secure channel authenticated the originator (ChannelBinding)
  int create_ty = 0;           // the resource type a CREATE makes
  const GroupMembership* groups = nullptr;
};

// The facts of the context that access-control rules evaluate (compiled_acp.h).
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
  return req;
}

enum class Verdict : uint8_t { kAllow, kDeny, kDefer };

struct Decision {
  Verdict verdict = Verdict::kDefer;
  Status status;       // the client-visible status of a denial
  std::string reason;  // for the security log only
  static Decision Allow() { return {Verdict::kAllow, {}, {}}; }
  static Decision Defer() { return {Verdict::kDefer, {}, {}}; }
  static Decision Deny(Status s, std::string reason) {
    return {Verdict::kDeny, std::move(s), std::move(reason)};
  }
};

class SecurityStep {
 public:
  virtual ~SecurityStep() = default;
  virtual std::string_view name() const = 0;
  // Deciding steps end the chain on Allow; gate steps pass on.
  virtual bool deciding() const = 0;
  virtual Decision Check(const SecurityContext& ctx) const = 0;
};

class SecurityChain {
 public:
  SecurityChain();
  void Append(std::unique_ptr<SecurityStep> step);
  // Where denials are reported (a LogSecurityEventSink by default). Set before use.
  void SetEventSink(std::shared_ptr<SecurityEventSink> sink) { sink_ = std::move(sink); }
  // Runs the steps in order; see the file comment. Logs each denial as a security event unless
  // `log_denial` is false (privilege filtering of listings, where a denial is not an event).
  Status Evaluate(const SecurityContext& ctx, bool log_denial = true) const;
  // For a chain of gate steps only (authentication, admission, trust), run once per request
  // before its target is looked at: OK unless a step denies (no default deny: the deciding
  // steps come later, in another chain).
  Status Pass(const SecurityContext& ctx) const;

 private:
  std::vector<std::unique_ptr<SecurityStep>> steps_;
  std::shared_ptr<SecurityEventSink> sink_;
};

}  // namespace trustcse::security
