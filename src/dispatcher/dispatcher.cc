// The dispatcher's entry: the receiver checks, the gates, request observers, the choice between
// blocking and non-blocking handling, and routing to the operation (one file each).
#include "dispatcher/dispatcher.h"

#include <spdlog/spdlog.h>

#include "common/recycling_allocator.h"
#include "dispatcher/internal.h"
#include "primitive/json_util.h"

namespace trustcse::dispatcher {


Dispatcher::Impl::Impl(const DispatcherOptions& o, storage::Store& s, notification::Notifier& n)
    : opt(o), store(s), notifier(n), consultant(MakeConsultant(*this)) {}

Dispatcher::Dispatcher(DispatcherOptions options, storage::Store& store,
                       notification::Notifier& notifier)
    : options_(std::move(options)) {
  impl_ = std::make_unique<Impl>(options_, store, notifier);
}

Dispatcher::~Dispatcher() { Stop(); }

void Dispatcher::Stop() {
  StopReaper();
  impl_->missing_data.Stop();
  impl_->background.Stop();
}

Status Dispatcher::Reset() {
  const std::string cb_ri = options_.self.cse_id.substr(1);
  Status s = impl_->store.SubmitAndWait([cb_ri, quotas = &impl_->writer_quotas](
                                            storage::WriteTxn& txn) -> Status {
    quotas->Clear();  // on the writer thread, where the counts live
    auto removed = txn.DeleteSubtree(cb_ri);
    return removed ? Status::Ok() : removed.error();
  });
  if (!s.ok()) return s;
  impl_->cache.Invalidate({}, {options_.self.cse_name});
  impl_->missing_data.Clear();
  impl_->group_members.Clear();
  impl_->writer_parents.MarkStale();
  impl_->dynamic_grants->Clear();
  return Bootstrap();
}

void Dispatcher::SetTimings(std::chrono::milliseconds request_lifetime,
                            std::chrono::milliseconds long_poll_timeout) {
  impl_->request_lifetime_ms = request_lifetime.count();
  impl_->long_poll_ms = long_poll_timeout.count();
}

std::chrono::milliseconds Dispatcher::request_lifetime() const {
  return std::chrono::milliseconds(impl_->request_lifetime_ms.load());
}

std::chrono::milliseconds Dispatcher::long_poll_timeout() const {
  return std::chrono::milliseconds(impl_->long_poll_ms.load());
}

Status Dispatcher::Bootstrap() {
  auto existing = impl_->store.GetByPath(options_.self.cse_name);
  if (!existing) return existing.error();
  Resource cb;
  if (*existing) {
    auto r = Resource::FromRecord(**existing);
    if (!r) return r.error();
    cb = std::move(*r);
  } else {
    cb.path = options_.self.cse_name;
    auto now = FormatTimestamp(Now());
    cb.attrs["ty"] = rty::kCseBase;
    cb.attrs["ri"] = options_.self.cse_id.substr(1);
    cb.attrs["pi"] = "";
    cb.attrs["rn"] = options_.self.cse_name;
    cb.attrs["ct"] = now;
    cb.attrs["lt"] = now;
  }
  // Attributes that follow the configuration are refreshed on every start.
  cb.attrs["csi"] = options_.self.cse_id;
  cb.attrs["cst"] = options_.cse_type;
  bj::array srt;
  for (int t : resources::SupportedTypes()) srt.push_back(t);
  cb.attrs["srt"] = std::move(srt);
  bj::array srv;
  for (auto r : kSupportedReleases) srv.emplace_back(r);
  cb.attrs["srv"] = std::move(srv);
  bj::array poa;
  for (const auto& p : options_.poa) poa.emplace_back(p);
  cb.attrs["poa"] = std::move(poa);
  cb.attrs["csz"] = bj::array{"application/json", "application/cbor"};
  cb.attrs.erase("acpi");  // none: an empty list is no valid value (m2m:acpType)
  bool exists = existing->has_value();
  auto rec = cb.ToRecord();
  if (auto s = impl_->store.SubmitAndWait([rec, exists](storage::WriteTxn& txn) {
        return exists ? txn.Update(rec) : txn.Insert(rec);
      });
      !s.ok()) {
    return s;
  }
  // The timeSeries whose missing-data detection was running resume it (missing_data_monitor.h).
  if (auto s = impl_->missing_data.Load(options_.self.cse_name, Now()); !s.ok()) return s;
  if (auto s = impl_->group_members.Load(impl_->store); !s.ok()) return s;
  return impl_->FailInterruptedRequests();
}

AuthorizationServices Dispatcher::authorization_services() {
  return AuthorizationServices{impl_->acps, impl_->groups, impl_->directory, impl_->dynamic_grants,
                               impl_->consultant};
}

void Dispatcher::InstallSecurityChains(SecurityChains chains) {
  chains.gates.SetEventStream(options_.events);
  chains.authorization.SetEventStream(options_.events);
  impl_->chains = std::move(chains);
}

namespace {

// What the request counter needs when a response is finished: from a per-thread recycling list
// (no malloc for it), owned by the completion, so a completion that is dropped without being
// called (at shutdown) frees it and the binding's completion with it.
struct Metered {
  events::RequestMetrics* metrics;
  std::chrono::steady_clock::time_point t0;
  int op;
  int ty;
  std::string binding;  // "http", "coaps", …: within the small-string buffer
  Completion done;
};

}  // namespace

void Dispatcher::Handle(RequestPrimitive req, Completion done) {
  if (events::RequestMetrics* m = options_.metrics.get()) {
    // Requests from bindings only (fan-out members and non-blocking runs enter Impl::Handle).
    auto st = std::allocate_shared<Metered>(
        RecyclingAllocator<Metered>(), Metered{m, std::chrono::steady_clock::now(),
                                               static_cast<int>(req.op), req.ty,
                                               req.binding.size() <= 5 ? req.binding
                                                                       : std::string(),
                                               std::move(done)});
    done = [st = std::move(st)](ResponsePrimitive rsp) {
      st->metrics->Record(st->binding, st->op, st->ty, static_cast<int>(rsp.rsc),
                          std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - st->t0));
      Completion next = std::move(st->done);
      next(std::move(rsp));
    };
  }
  impl_->Handle(std::move(req), std::move(done));
}

namespace {

// The request observer's event for `req` (entry, or completion with `rsp`).
events::Event Observed(events::Kind kind, const InFlight& req, const ResponsePrimitive* rsp,
                       bool with_content) {
  events::Event e;
  e.kind = kind;
  e.time = Now();
  e.source = "dispatcher";
  e.originator = req.fr;
  e.target = req.to;
  e.operation = security::AccessOpName(AccessOf(req.op));  // as in the chain's access events
  e.binding = req.binding;
  e.peer = req.peer_address;
  e.request_id = req.rqi;
  e.request_bytes = req.content_size;
  if (rsp) {
    e.status = static_cast<int>(rsp->rsc);
    e.response_bytes = rsp->pc.size();
    e.latency = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - req.received);
    if (with_content && !rsp->pc.empty()) e.content = std::make_shared<const std::string>(rsp->pc);
  } else if (with_content && !req.pc.is_null()) {
    e.content = std::make_shared<const std::string>(json::Serialize(req.pc));
  }
  return e;
}

}  // namespace

void Dispatcher::Impl::Handle(RequestPrimitive in, Completion done) {
  auto req = std::allocate_shared<InFlight>(RecyclingAllocator<InFlight>(), std::move(in));
  if (events::EventStream* ev = opt.events.get()) {
    if (ev->Wants(events::Kind::kRequestStarted)) {
      ev->Publish(Observed(events::Kind::kRequestStarted, *req, nullptr,
                           ev->WantsContent(events::Kind::kRequestStarted)));
    }
    if (ev->Wants(events::Kind::kRequestCompleted)) {
      req->received = std::chrono::steady_clock::now();
      done = [ev, req, done = std::move(done)](ResponsePrimitive rsp) {
        ev->Publish(Observed(events::Kind::kRequestCompleted, *req, &rsp,
                             ev->WantsContent(events::Kind::kRequestCompleted)));
        done(std::move(rsp));
      };
    }
  }
  auto fail = [&](Status s) { done(ErrorResponse(*req, s)); };
  // Receiver checks (TS-0004 §7.3.2.1), in the standard's order.
  if (req->rqet && *req->rqet < Now()) return fail({Rsc::kRequestTimeout, "request expired"});
  const bool registration = req->op == Operation::kCreate && req->ty == rty::kAe;
  if (req->fr.empty() && !registration) return fail(Status::BadRequest("missing originator"));
  if (req->rqi.empty()) return fail(Status::BadRequest("missing request identifier"));
  if (req->rvi.empty() || !IsSupportedRelease(req->rvi)) {
    return fail({Rsc::kReleaseVersionNotSupported, "release version not supported"});
  }
  // Attribute conditions name attributes some resource type has (the bindings cannot know).
  if (req->fc) {
    for (const AttributeCondition& c : req->fc->atr) {
      if (!resources::IsAttributeName(c.name)) {
        return fail(Status::BadRequest("unknown query parameter '" + c.name + "'"));
      }
    }
  }
  // flexBlocking leaves the choice to the receiver: this one answers blocking.
  if (req->rt == ResponseType::kFlexBlocking) req->rt = ResponseType::kBlocking;
  if (req->rset && *req->rset < Now()) return fail({Rsc::kRequestTimeout, "result expired"});
  // The result cannot expire before the request may still be acted on (TS-0004 Table 6.4.1-1),
  // nor can an operation run after either (TS-0001 §8.1.2).
  if (req->rqet && req->rset && *req->rset < *req->rqet) {
    return fail(Status::BadRequest("resultExpirationTimestamp is earlier than the "
                                   "requestExpirationTimestamp"));
  }
  if (req->oet) {
    if ((req->rqet && *req->oet > *req->rqet) || (req->rset && *req->oet > *req->rset)) {
      return fail(Status::BadRequest("operationExecutionTime is later than the request's or "
                                     "result's expiration"));
    }
    if (*req->oet > Now() + opt.max_oet_delay) {
      return fail(Status::BadRequest("operationExecutionTime is more than " +
                                     std::to_string(opt.max_oet_delay.count()) +
                                     " s ahead, the most this CSE holds a request"));
    }
  }
  if (req->rset) {
    // Result expiration: a result that can no longer be delivered in time is replaced by 4008
    // (the operation itself is not undone).
    done = [done = std::move(done), rset = *req->rset](ResponsePrimitive rsp) {
      if (Now() > rset) {
        rsp.rsc = Rsc::kRequestTimeout;
        rsp.pc = R"({"m2m:dbg":"result expired"})";
        rsp.content_location.clear();
      }
      done(std::move(rsp));
    };
  }
  if (!registration) req->fr = NormalizeOriginator(req->fr);
  // The request's security facts, once. Who is asking is settled by the gates before anything
  // is looked up or recorded in their name: every path below (blocking, non-blocking, polling
  // channels, consultations of the built-in DAS role) relies on it. There is no exception: this
  // CSE consults its own DAS role in process, never through a binding.
  security::SecurityContext& f = req->facts;
  f.request = req.get();
  f.originator = req->fr;
  f.registration = registration;
  f.authenticated = req->channel && req->channel->authenticated();
  f.directory = registration ? nullptr : &directory;  // asked only by a gate that needs it
  f.time = Now();
  req->source = security::IpAddress::Parse(req->peer_address);
  f.source = req->source ? &*req->source : nullptr;
  f.groups = &groups;
  chains.gates.Run(f, [this, req, done = std::move(done)](security::ChainOutcome out) mutable {
    if (!out.status.ok()) return done(ErrorResponse(*req, out.status));
    req->facts.obligations = out.obligations;
    Admitted(std::move(req), std::move(done));
  });
}

void Dispatcher::Impl::Admitted(RequestRef req, Completion done) {
  if (auto delay = req->facts.obligations.delay; delay.count() > 0) {
    // Throttled: the operation runs once the delay has passed (the request keeps its place).
    std::call_once(delays_once, [this] { delays = std::make_unique<security::TimerQueue>(); });
    auto when = std::chrono::steady_clock::now() + delay;
    req->facts.obligations.delay = std::chrono::milliseconds(0);
    auto resumed = [this, req, done]() mutable { Admitted(std::move(req), std::move(done)); };
    if (delays->At(when, std::move(resumed))) return;
    return done(ErrorResponse(*req, Status(Rsc::kNotAcceptable,
                                           "too many throttled requests waiting: retry later")));
  }
  if (req->rt == ResponseType::kNonBlockingSynch || req->rt == ResponseType::kNonBlockingAsynch) {
    // Acknowledged at once; its blocking run below waits for the oet.
    return HandleNonBlocking(std::move(req), std::move(done));
  }
  if (req->oet && *req->oet > Now()) {
    // operationExecutionTime: the operation runs then, not before (TS-0001 §8.1.2).
    std::call_once(delays_once, [this] { delays = std::make_unique<security::TimerQueue>(); });
    auto when = std::chrono::steady_clock::now() +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(*req->oet - Now());
    req->oet.reset();
    auto resumed = [this, req, done]() mutable { Admitted(std::move(req), std::move(done)); };
    if (delays->At(when, std::move(resumed))) return;
    return done(ErrorResponse(*req, Status(Rsc::kNotAcceptable,
                                           "too many requests waiting for their execution "
                                           "time: retry later")));
  }
  if (req->rt == ResponseType::kNoResponse) {
    // noResponse: the operation runs (durably, as always) but its result is not returned.
    done = [req, done = std::move(done)](ResponsePrimitive) {
      done(Reply(*req, Rsc::kAccepted));
    };
  }
  Dispatch(std::move(req), std::move(done));
}

void Dispatcher::Impl::Dispatch(RequestRef req, Completion done) {
  if (notifier.AnyOperationMonitors()) {
    // Operation monitors (enc.om, TS-0004 §6.3.5.57) hear of operations that succeeded on the
    // resource they watch; the check costs an atomic read while nobody monitors anything.
    done = [this, req, done = std::move(done)](ResponsePrimitive rsp) {
      if (IsSuccess(rsp.rsc) && !req->operation_target.empty()) {
        notifier.OnOperation(req->operation_target, req->op, req->fr, rsp.content_location);
      }
      done(std::move(rsp));
    };
  }
  switch (req->op) {
    case Operation::kCreate:
      return Create(std::move(req), std::move(done));
    case Operation::kRetrieve:
      return Retrieve(std::move(req), std::move(done));
    case Operation::kUpdate:
      return Update(std::move(req), std::move(done));
    case Operation::kDelete:
      return Delete(std::move(req), std::move(done));
    case Operation::kNotify:
      return Notify(std::move(req), std::move(done));
  }
  done(ErrorResponse(*req, Status::BadRequest("unknown operation")));
}

}  // namespace trustcse::dispatcher
