// The security chain: every request passes through ordered lists of steps before any resource
// is touched — authentication (who is this?), admission (may it enter now?), trust (is it allowed
// to exist?), authorization (may it do this?). The chains are assembled in server/ from the
// configuration and handed to the dispatcher, which names no concrete step.
//
// Each step answers Allow, Deny, Defer or Pending:
//   Deny    — the chain stops and the request is refused with the step's status code;
//   Defer   — the step has no opinion; the next step decides (a reason it gives is kept: if no
//             step grants, the default denial reports the last one);
//   Allow   — the step approves. For a *gate* step (authn, admission, trust) that only means
//             "pass on"; for a *deciding* step (authz) it ends the chain with access granted;
//   Pending — the step needs time (a lookup, a consultation). It returns Decision::Later(work):
//             the chain calls `work(resume)` once and stops; the step calls `resume(decision)`
//             exactly once, from any thread, with its final answer (not Pending), and the chain
//             continues from the next step on that thread. If `resume` is not called within
//             the step's timeout, the chain continues as if the step had answered its
//             `on_timeout` decision (default: deny with 4008 "… did not answer in time"); a
//             late `resume` is ignored. Like Envoy's StopIteration / continueDecoding.
// A chain that ends without a deciding Allow denies (default deny): 4103 with a safe message.
// Synchronous steps cost no allocation and no thread hop: a run in which no step is pending
// completes inside Run(), before it returns.
//
// Obligations: any answer may carry obligations (Decision::obligations) that hold for the rest of
// the request — "read-only" (a later Allow of a write becomes a 4103 denial), "audit" (the
// access is published as an event even when allowed), "throttle" (the dispatcher runs the
// operation no sooner than the delay), a use-case class (an annotation later steps read from the
// context and observers receive). Obligations merge stricter-wins across steps.
//
// Events: every denial is published to the event stream (events/event_stream.h) with the step
// and its reason (never to the client); allowed accesses are published when a sink wants them or
// an audit obligation asks.
//
// Thread-safety: a chain is immutable after assembly and may run concurrently. Steps may keep
// their own state (rate counters, caches, consultation results) — it must then be thread-safe,
// since Check runs on many request threads at once. A SecurityContext and everything it points
// to must stay valid until the run completes (for pending runs: until `done` is called).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "events/event_stream.h"
#include "primitive/request.h"
#include "resources/resource.h"
#include "security/context_types.h"

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
inline bool IsWrite(uint32_t access) { return (access & (kCreate | kUpdate | kDelete)) != 0; }

// What holds for the rest of a request once a step said so (see the file comment).
struct Obligations {
  bool read_only = false;               // writes are refused (4103) whatever a later step says
  bool audit = false;                   // the access is published as an event even if allowed
  std::chrono::milliseconds delay{0};   // throttle: the operation runs no sooner than this
  uint8_t use_case_class = 0;           // security/trust/use_case_class.h; 0 = unclassified
  // Stricter wins: flags are or-ed, the longest delay is kept. A class is a fact, not a degree:
  // the first step that names one sets it.
  void Merge(const Obligations& o) {
    read_only = read_only || o.read_only;
    audit = audit || o.audit;
    if (o.delay > delay) delay = o.delay;
    if (use_case_class == 0) use_case_class = o.use_case_class;
  }
  bool any() const { return read_only || audit || delay.count() > 0 || use_case_class != 0; }
};

// Everything a step may look at. Built once per request by the dispatcher (the request's facts)
// and copied per access (the access's facts: access, subject, owner, …). Pointers are
// non-owning; see the file comment for their lifetime.
struct SecurityContext {
  const RequestPrimitive* request = nullptr;
  std::string_view originator;
  uint32_t access = 0;  // one AccessOp bit; 0 for the gates (the request as a whole)
  // The resource whose access-control policies govern the access: the target itself, or the
  // parent for a CREATE and for types without acpi (contentInstance, timeSeriesInstance).
  const resources::Resource* subject = nullptr;
  // The AE-ID owning the subject's subtree ("" if the subject is not below an AE).
  std::string_view owner_ae;
  // The status a caller answers a denial of this access with, when it is not the chain's own
  // (a subscription whose notification target the subscriber may not notify: 4101); the denial
  // event carries it, so that the log says what the client received. kOk: the chain's.
  Rsc refusal = Rsc::kOk;
  // True when the request changes the acpi of the subject (checked against pvs, not pv).
  bool acpi_change = false;
  // True when the originator is a registered AE of this CSE (see IsOriginatorRegistered).
  bool originator_registered = false;
  // When set, asked instead of originator_registered (a lookup, only if a step needs it).
  const OriginatorDirectory* directory = nullptr;
  // True for an AE registration (CREATE of an AE), whose originator is not registered yet.
  bool registration = false;
  // A privilege filter of a listing (the request itself was authorized): no event, no waiting.
  bool listing = false;
  // Context of the request for access-control contexts (acco), acaf and acod.
  TimePoint time;
  const IpAddress* source = nullptr;
  const GeoPoint* location = nullptr;
  bool authenticated = false;  // a secure channel authenticated the originator (ChannelBinding)
  int create_ty = 0;           // the resource type a CREATE makes
  const GroupMembership* groups = nullptr;
  // Obligations the request's gates imposed, for the deciding steps to read.
  Obligations obligations;

  bool IsOriginatorRegistered() const {
    return directory ? directory->IsRegistered(originator) : originator_registered;
  }
};

enum class Verdict : uint8_t { kAllow, kDeny, kDefer, kPending };

struct Decision;
// How a pending step answers (see the file comment). Copyable; calling it more than once, or
// after the timeout, has no effect.
class Resume {
 public:
  void operator()(Decision decision) const;
  struct Run;  // the suspended run (chain.cc)
  static Resume Make(std::shared_ptr<Run> run);

 private:
  explicit Resume(std::shared_ptr<Run> run) : run_(std::move(run)) {}
  std::shared_ptr<Run> run_;
};

// What a pending step hands the chain: the work that answers later, its time limit, and the
// answer then (null: deny 4008).
struct PendingWork {
  std::function<void(Resume)> work;
  std::chrono::milliseconds timeout{0};
  std::shared_ptr<const Decision> on_timeout;
};

struct Decision {
  Verdict verdict = Verdict::kDefer;
  Status status;       // the client-visible status of a denial
  std::string reason;  // for the event stream only
  Obligations obligations;
  std::shared_ptr<PendingWork> pending;  // kPending only (kept out of line: answers stay small)

  static Decision Allow() { return {Verdict::kAllow, {}, {}, {}, {}}; }
  static Decision Defer() { return {Verdict::kDefer, {}, {}, {}, {}}; }
  static Decision Defer(std::string reason) {
    return {Verdict::kDefer, {}, std::move(reason), {}, {}};
  }
  static Decision Deny(Status s, std::string reason) {
    return {Verdict::kDeny, std::move(s), std::move(reason), {}, {}};
  }
  static Decision Later(std::function<void(Resume)> work, std::chrono::milliseconds timeout,
                        std::shared_ptr<const Decision> on_timeout = nullptr) {
    return {Verdict::kPending, {}, {}, {},
            std::make_shared<PendingWork>(PendingWork{std::move(work), timeout,
                                                      std::move(on_timeout)})};
  }
  // A copy of an answer that is not pending (scripted and timeout answers).
  Decision Clone() const { return {verdict, status, reason, obligations, {}}; }
  Decision&& With(Obligations o) && {
    obligations.Merge(o);
    return std::move(*this);
  }
};

class SecurityStep {
 public:
  virtual ~SecurityStep() = default;
  virtual std::string_view name() const = 0;
  // Deciding steps end the chain on Allow; gate steps pass on.
  virtual bool deciding() const = 0;
  // Must be cheap when it answers now; see the file comment for Pending.
  virtual Decision Check(const SecurityContext& ctx) const = 0;
};

// The outcome of a run: OK or the denial's status, the obligations gathered, and the step that
// decided ("default" for the default denial, "" when gates all passed).
struct ChainOutcome {
  Status status;
  Obligations obligations;
  std::string_view step;
};

class SecurityChain {
 public:
  SecurityChain();
  ~SecurityChain();
  SecurityChain(SecurityChain&&) noexcept;
  SecurityChain& operator=(SecurityChain&&) noexcept;

  // A step may stay shared with whoever else holds it (to feed it: dynamic grants); a
  // unique_ptr converts.
  void Append(std::shared_ptr<SecurityStep> step);
  // Where decisions are published (null: nowhere). Set during assembly.
  void SetEventStream(std::shared_ptr<events::EventStream> stream);
  // False for a chain of gates (authentication, admission, trust): it passes (OK) unless a
  // step denies, with no default denial — the deciding steps come later, in another chain.
  void SetDefaultDeny(bool on);
  bool empty() const;

  // Runs the steps; `done` gets the outcome exactly once — before Run returns when no step is
  // pending, else on the thread of the resuming step (or of the timeout). `done` is moved into
  // a std::function only when a step goes pending: a synchronous run allocates nothing.
  template <class Done>
  void Run(const SecurityContext& ctx, Done&& done) const {
    DoneFactory factory{&done, [](void* d) -> std::function<void(ChainOutcome)> {
                          return std::move(*static_cast<std::remove_reference_t<Done>*>(d));
                        }};
    if (auto out = RunOrSuspend(ctx, factory)) done(std::move(*out));
  }
  // Runs without waiting: a pending step counts as Defer (its work is not started). For
  // listings and for callers that cannot wait; also used by tests of synchronous steps.
  // Publishes its denial unless ctx.listing.
  ChainOutcome RunNow(const SecurityContext& ctx) const;
  // RunNow's status (compatibility with synchronous callers).
  Status Evaluate(const SecurityContext& ctx) const { return RunNow(ctx).status; }

  struct State;  // steps, stream, timers: shared with the runs still pending (chain.cc)

 private:
  struct DoneFactory {
    void* done;
    std::function<void(ChainOutcome)> (*make)(void*);
  };
  // The outcome when no step went pending; otherwise takes `done` from the factory, keeps it
  // for the resumed run and returns nullopt.
  std::optional<ChainOutcome> RunOrSuspend(const SecurityContext& ctx, DoneFactory factory) const;
  std::shared_ptr<State> state_;
};

}  // namespace trustcse::security
