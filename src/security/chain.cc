#include "security/chain.h"

#include <mutex>

#include "security/timer_queue.h"

namespace trustcse::security {

const char* AccessOpName(uint32_t op) {
  switch (op) {
    case kCreate: return "create";
    case kRetrieve: return "retrieve";
    case kUpdate: return "update";
    case kDelete: return "delete";
    case kNotify: return "notify";
    case kDiscover: return "discover";
    case 0: return "request";
  }
  return "?";
}

namespace {

// The operation of a whole request, in AccessOpName's words (the gates see no single access).
const char* RequestOpName(Operation op) {
  switch (op) {
    case Operation::kCreate: return "create";
    case Operation::kRetrieve: return "retrieve";
    case Operation::kUpdate: return "update";
    case Operation::kDelete: return "delete";
    case Operation::kNotify: return "notify";
  }
  return "request";
}

}  // namespace

struct SecurityChain::State {
  std::vector<std::shared_ptr<SecurityStep>> steps;
  std::shared_ptr<events::EventStream> events;
  bool default_deny = true;
  std::once_flag timers_once;
  std::unique_ptr<TimerQueue> timers;  // made on the first pending step

  TimerQueue& Timers() {
    std::call_once(timers_once, [this] { timers = std::make_unique<TimerQueue>(); });
    return *timers;
  }
};

namespace {

// Where a run stands between steps.
struct Progress {
  size_t index = 0;
  Obligations obligations;
  std::string last_reason;     // of the last step that deferred with a reason
  std::string_view last_step;  // that step's name
};

}  // namespace

struct Resume::Run {
  std::shared_ptr<SecurityChain::State> chain;
  SecurityContext ctx;
  Progress progress;  // index = the pending step
  std::function<void(ChainOutcome)> done;
  std::atomic<bool> answered{false};
};

namespace {

using State = SecurityChain::State;

void Publish(const State& st, const SecurityContext& ctx, std::string_view step,
             const Status& status, std::string_view reason, const Obligations& obligations) {
  if (!st.events || ctx.listing) return;
  events::Kind kind = !status.ok()           ? events::Kind::kAccessDenied
                      : obligations.audit    ? events::Kind::kAccessAudited
                                             : events::Kind::kAccessAllowed;
  if (!st.events->Wants(kind)) return;
  events::Event e;
  e.kind = kind;
  e.time = ctx.time;
  e.source = std::string(step);
  e.originator = std::string(ctx.originator);
  if (ctx.subject) {
    e.target = ctx.subject->path;
  } else if (ctx.request) {
    e.target = ctx.request->to;  // a gate's refusal, before anything was looked up
  }
  e.operation = ctx.access != 0 || !ctx.request ? AccessOpName(ctx.access)
                                                : RequestOpName(ctx.request->op);
  if (ctx.request) {
    e.request_id = ctx.request->rqi;
    e.peer = ctx.request->peer_address;
  }
  e.reason = std::string(reason);
  e.status = static_cast<int>(!status.ok() && ctx.refusal != Rsc::kOk ? ctx.refusal
                                                                      : status.code());
  e.audit = obligations.audit;
  st.events->Publish(std::move(e));
}

// Applies the answer `d` of the step at p.index. True when the run ends (outcome in `out`).
bool Apply(const State& st, const SecurityContext& ctx, Decision& d, Progress& p,
           ChainOutcome& out) {
  const SecurityStep& step = *st.steps[p.index];
  p.obligations.Merge(d.obligations);
  switch (d.verdict) {
    case Verdict::kDeny:
      out = {std::move(d.status), p.obligations, step.name()};
      Publish(st, ctx, step.name(), out.status, d.reason, p.obligations);
      return true;
    case Verdict::kAllow:
      if (!step.deciding()) break;
      if (p.obligations.read_only && IsWrite(ctx.access)) {
        out = {Status::NoPrivilege("access denied: read-only"), p.obligations, step.name()};
        Publish(st, ctx, step.name(), out.status, "a read-only obligation refuses writes",
                p.obligations);
        return true;
      }
      out = {Status::Ok(), p.obligations, step.name()};
      if (p.obligations.audit || (st.events && st.events->Wants(events::Kind::kAccessAllowed))) {
        Publish(st, ctx, step.name(), out.status, {}, p.obligations);
      }
      return true;
    case Verdict::kDefer:
    case Verdict::kPending:  // a pending answer to a resume, or RunNow: no opinion
      if (!d.reason.empty()) {
        p.last_reason = std::move(d.reason);
        p.last_step = step.name();
      }
      break;
  }
  ++p.index;
  return false;
}

// The end of the steps without a deciding answer.
ChainOutcome End(const State& st, const SecurityContext& ctx, Progress& p) {
  if (!st.default_deny) return {Status::Ok(), p.obligations, {}};
  ChainOutcome out{Status::NoPrivilege("access denied"), p.obligations, "default"};
  std::string_view reason = p.last_reason.empty() ? "no step granted access" : p.last_reason;
  Publish(st, ctx, p.last_step.empty() ? "default" : p.last_step, out.status, reason,
          p.obligations);
  return out;
}

void Continue(std::shared_ptr<State> st, const SecurityContext& ctx, Progress p,
              std::function<void(ChainOutcome)> done);

// Runs from p.index on. Returns true when finished (out filled); false with the pending step's
// decision in `pending` (and p.index at that step) when a step must be waited for.
bool Loop(const State& st, const SecurityContext& ctx, Progress& p, bool wait, ChainOutcome& out,
          Decision& pending) {
  const size_t n = st.steps.size();
  while (p.index < n) {
    Decision d = st.steps[p.index]->Check(ctx);
    // The common answers first: a plain defer, a gate's plain allow.
    if (d.verdict == Verdict::kDefer && d.reason.empty() && !d.obligations.any()) {
      ++p.index;
      continue;
    }
    if (d.verdict == Verdict::kPending && wait) {
      pending = std::move(d);
      return false;
    }
    if (d.verdict == Verdict::kPending) d = Decision::Defer();
    if (Apply(st, ctx, d, p, out)) return true;
  }
  out = End(st, ctx, p);
  return true;
}

void Suspend(std::shared_ptr<State> st, const SecurityContext& ctx, Progress p, Decision pending,
             std::function<void(ChainOutcome)> done) {
  auto run = std::make_shared<Resume::Run>();
  run->chain = st;
  run->ctx = ctx;
  run->progress = std::move(p);
  run->done = std::move(done);
  Resume resume = Resume::Make(run);
  PendingWork& pw = *pending.pending;
  auto timeout = pw.on_timeout
                     ? pw.on_timeout->Clone()
                     : Decision::Deny(Status(Rsc::kRequestTimeout,
                                             "a security check did not answer in time"),
                                      std::string(st->steps[run->progress.index]->name()) +
                                          " did not answer in time");
  auto deadline = std::chrono::steady_clock::now() + pw.timeout;
  auto late = std::make_shared<Decision>(std::move(timeout));
  bool armed = st->Timers().At(deadline, [resume, late]() { resume(late->Clone()); });
  if (!armed) {
    // Too many checks waiting: answer now as the time limit would.
    return resume(Decision::Deny(Status(Rsc::kRequestTimeout, "too many security checks waiting"),
                                 "timer queue full"));
  }
  pw.work(resume);
}

void Continue(std::shared_ptr<State> st, const SecurityContext& ctx, Progress p,
              std::function<void(ChainOutcome)> done) {
  ChainOutcome out;
  Decision pending;
  if (Loop(*st, ctx, p, /*wait=*/true, out, pending)) return done(std::move(out));
  Suspend(std::move(st), ctx, std::move(p), std::move(pending), std::move(done));
}

}  // namespace

Resume Resume::Make(std::shared_ptr<Run> run) { return Resume(std::move(run)); }

void Resume::operator()(Decision d) const {
  if (!run_ || run_->answered.exchange(true)) return;
  Run& r = *run_;
  ChainOutcome out;
  if (Apply(*r.chain, r.ctx, d, r.progress, out)) return r.done(std::move(out));
  Continue(r.chain, r.ctx, std::move(r.progress), std::move(r.done));
}

SecurityChain::SecurityChain() : state_(std::make_shared<State>()) {}
SecurityChain::~SecurityChain() {
  // Runs still waiting hold the state (and through it the timers): stop the timers so that their
  // entries, and the runs they hold, go now.
  if (state_ && state_->timers) state_->timers->Shutdown();
}
SecurityChain::SecurityChain(SecurityChain&&) noexcept = default;
SecurityChain& SecurityChain::operator=(SecurityChain&& o) noexcept {
  if (this != &o) {
    if (state_ && state_->timers) state_->timers->Shutdown();
    state_ = std::move(o.state_);
  }
  return *this;
}

void SecurityChain::Append(std::shared_ptr<SecurityStep> step) {
  state_->steps.push_back(std::move(step));
}
void SecurityChain::SetEventStream(std::shared_ptr<events::EventStream> stream) {
  state_->events = std::move(stream);
}
void SecurityChain::SetDefaultDeny(bool on) { state_->default_deny = on; }
bool SecurityChain::empty() const { return state_->steps.empty(); }

std::optional<ChainOutcome> SecurityChain::RunOrSuspend(const SecurityContext& ctx,
                                                        DoneFactory factory) const {
  Progress p;
  p.obligations = ctx.obligations;
  ChainOutcome out;
  Decision pending;
  if (Loop(*state_, ctx, p, /*wait=*/true, out, pending)) return out;
  Suspend(state_, ctx, std::move(p), std::move(pending), factory.make(factory.done));
  return std::nullopt;
}

ChainOutcome SecurityChain::RunNow(const SecurityContext& ctx) const {
  Progress p;
  p.obligations = ctx.obligations;
  ChainOutcome out;
  Decision unused;
  Loop(*state_, ctx, p, /*wait=*/false, out, unused);
  return out;
}

}  // namespace trustcse::security
