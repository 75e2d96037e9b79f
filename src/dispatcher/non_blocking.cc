// Non-blocking requests (TS-0001 §8.2.2 and §10.2.5.3, TS-0004 §7.3.2.2–7.3.2.5, §7.5.1.2.5).
//
// A request with responseType nonBlockingRequestSynch (1) or nonBlockingRequestAsynch (2) is
// accepted before its operation runs:
//   1. the channel binding gate, then a <request> resource under the CSEBase (durably) that
//      records the operation, target, originator, request ID, meta information and content,
//      with requestStatus PENDING;
//   2. the acknowledgement 1001 (synch) / 1002 (asynch) with {"m2m:uri": "<request ID>"};
//   3. the operation itself, as a blocking request, on the background task queue;
//   4. its response recorded in the <request> (operationResult; requestStatus COMPLETED or
//      FAILED) — the originator retrieves it there;
//   5. for asynch, the response as a NOTIFY {"m2m:rsp": …} to each response target (rt.nu), or
//      to the originator when no targets were given; an empty list means none.
// The <request> belongs to the originator (its creator: default access) and expires after rp,
// or request_lifetime after the request's deadlines. A pending request cannot be deleted (5220).
// If the CSE stops while an operation is pending, the next start marks it FAILED with 5000:
// its outcome is unknown.
#include <spdlog/spdlog.h>

#include <pthread.h>

#include "dispatcher/internal.h"
#include "primitive/json_util.h"
#include "storage/query.h"

namespace trustcse::dispatcher {

using resources::Event;
using resources::Resource;
using resources::WriteEffects;
namespace rty = resources::ty;

namespace {

using resources::request_status::kCompleted;
using resources::request_status::kFailed;
using resources::request_status::kPending;

bj::object MetaInformation(const RequestPrimitive& req) {
  bj::object mi;
  if (req.ty != 0) mi["ty"] = req.ty;
  bj::object rt;
  rt["rtv"] = static_cast<int>(req.rt);
  if (req.rtu_given) {
    bj::array nu;
    for (const auto& u : req.rtu) nu.emplace_back(u);
    rt["nu"] = std::move(nu);
  }
  mi["rt"] = std::move(rt);
  if (req.rqet) mi["rqet"] = FormatTimestamp(*req.rqet);
  if (req.rset) mi["rset"] = FormatTimestamp(*req.rset);
  if (req.oet) mi["oet"] = FormatTimestamp(*req.oet);
  if (!req.ot.empty()) mi["ot"] = req.ot;
  if (!req.vsi.empty()) mi["vsi"] = req.vsi;
  if (req.rp) mi["rp"] = FormatTimestamp(*req.rp);
  if (req.rcn) mi["rcn"] = static_cast<int>(*req.rcn);
  if (req.drt != 1) mi["drt"] = req.drt;
  mi["rvi"] = req.rvi;
  return mi;
}

// operationResult and the asynch notification's response primitive share these members.
bj::object ResponseObject(const ResponsePrimitive& rsp, const RequestPrimitive& req,
                          const CseIdentity& self) {
  bj::object o;
  o["rsc"] = static_cast<int>(rsp.rsc);
  o["rqi"] = req.rqi;
  if (!rsp.pc.empty()) {
    if (auto v = json::Parse(rsp.pc)) o["pc"] = std::move(*v);
  }
  o["to"] = req.fr;
  o["fr"] = self.cse_id;
  o["ot"] = FormatTimestamp(Now());
  return o;
}

// How long the <request> lives: rp if given, else request_lifetime after the request's latest
// deadline.
TimePoint RequestExpiration(const RequestPrimitive& req, TimePoint now,
                            std::chrono::milliseconds lifetime) {
  if (req.rp) return std::max(*req.rp, now);
  TimePoint base = now;
  if (req.rqet) base = std::max(base, *req.rqet);
  if (req.rset) base = std::max(base, *req.rset);
  return base + lifetime;
}

}  // namespace

void TaskQueue::Post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    tasks_.push_back(std::move(task));
    if (!thread_.joinable()) {
      thread_ = std::thread([this] {
        pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
        Run();
      });
    }
  }
  cv_.notify_one();
}

void TaskQueue::Stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    tasks_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void TaskQueue::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopped_ || !tasks_.empty(); });
    if (stopped_) return;
    auto task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

void Dispatcher::Impl::HandleNonBlocking(RequestRef req, Completion done) {
  auto fail = [&](Status s) { done(ErrorResponse(*req, s)); };
  const bool synch = req->rt == ResponseType::kNonBlockingSynch;
  if (synch && !req->rtu.empty()) {
    return fail(Status::BadRequest("response targets are only for nonBlockingRequestAsynch"));
  }
  // A <request> is read blocking: its originator polls it for the result.
  if (auto t = Resolve(req->to); t && t->virt == Target::Virtual::kNone &&
                                 t->resource().ty() == rty::kRequest) {
    return fail(Status::BadRequest("a request resource is accessed with blocking requests"));
  }
  if (req->fr != opt.admin_originator) {
    // Each one is a durable record kept for its lifetime: a quota per originator. Its own
    // requests carry its ID as their label, so counting them is one indexed query.
    storage::DiscoveryQuery q;
    q.root_path = opt.self.cse_name;
    q.max_level = 1;
    q.types = {rty::kRequest};
    q.labels = {req->fr};
    q.limit = opt.max_requests_per_originator;
    auto kept = store.Discover(q);
    if (!kept) return fail(kept.error());
    // Requests accepted but not yet committed are not in the store: they count too, so that
    // concurrent requests cannot all pass the same count.
    std::lock_guard lock(requests_in_flight.mu);
    size_t& in_flight = requests_in_flight.by_originator[req->fr];
    if (kept->size() + in_flight >= opt.max_requests_per_originator) {
      if (in_flight == 0) requests_in_flight.by_originator.erase(req->fr);
      return fail({Rsc::kNotAcceptable,
                   "too many non-blocking requests of this originator are kept (at most " +
                       std::to_string(opt.max_requests_per_originator) +
                       "): delete results already read, or wait for them to expire"});
    }
    ++in_flight;
  }
  // Runs once the <request> is written (or failed to be): it is in the store from then on.
  auto written = [this, fr = req->fr, counted = req->fr != opt.admin_originator] {
    if (!counted) return;
    std::lock_guard lock(requests_in_flight.mu);
    auto it = requests_in_flight.by_originator.find(fr);
    if (it != requests_in_flight.by_originator.end() && --it->second == 0) {
      requests_in_flight.by_originator.erase(it);
    }
  };
  const TimePoint now = Now();
  auto res = std::make_shared<Resource>();
  const std::string ri = resources::NewResourceId("req");
  const std::string cb_ri = opt.self.cse_id.substr(1);
  const std::string ts = FormatTimestamp(now);
  res->path = opt.self.cse_name + "/" + ri;
  res->originator = req->fr;
  auto& a = res->attrs;
  a["ty"] = rty::kRequest;
  a["ri"] = ri;
  a["pi"] = cb_ri;
  a["rn"] = ri;
  a["ct"] = ts;
  a["lt"] = ts;
  a["et"] = FormatTimestamp(RequestExpiration(*req, now, std::chrono::milliseconds(request_lifetime_ms.load())));
  a["lbl"] = bj::array{bj::value(req->fr)};
  a["op"] = static_cast<int>(req->op);
  a["tg"] = req->to;
  a["org"] = req->fr;
  a["rid"] = req->rqi;
  a["mi"] = MetaInformation(*req);
  if (!req->pc.is_null()) a["pc"] = req->pc;
  a["rs"] = kPending;

  const std::string cse_name = opt.self.cse_name;
  Commit(
      [res, cb_ri, cse_name](storage::WriteTxn& txn, WriteEffects& fx) -> Status {
        auto rec = res->ToRecord();
        if (auto s = txn.Insert(rec); !s.ok()) return s;
        fx.events.push_back(Event{Event::Kind::kCreateChild, cb_ri, cse_name, rec, {}});
        return Status::Ok();
      },
      [this, req, ri, synch, written, done = std::move(done)](Status s) {
        written();
        if (!s.ok()) return done(ErrorResponse(*req, s));
        bj::object uri;
        uri["m2m:uri"] = ri;
        done(Reply(*req,
                   synch ? Rsc::kAcceptedNonBlockingSynch : Rsc::kAcceptedNonBlockingAsynch,
                   json::Serialize(uri)));
        background.Post([this, req, ri] {
          RequestPrimitive blocking = *req;
          blocking.rt = ResponseType::kBlocking;
          Handle(std::move(blocking), [this, req, ri](ResponsePrimitive rsp) {
            bj::object result = ResponseObject(rsp, *req, opt.self);
            const int rs = IsSuccess(rsp.rsc) ? kCompleted : kFailed;
            Commit(
                [ri, result, rs](storage::WriteTxn& txn, WriteEffects& fx) -> Status {
                  auto rec = txn.Get(ri);
                  if (!rec) return rec.error();
                  if (!*rec) return Status::Ok();  // expired meanwhile
                  auto r = Resource::FromRecord(**rec);
                  if (!r) return r.error();
                  r->attrs["rs"] = rs;
                  r->attrs["ors"] = result;
                  r->attrs["lt"] = FormatTimestamp(Now());
                  auto out = r->ToRecord();
                  if (auto s = txn.Update(out); !s.ok()) return s;
                  fx.events.push_back(Event{Event::Kind::kUpdate, ri, r->path, out, {"rs", "ors"}});
                  return Status::Ok();
                },
                [this, req, ri, result](Status s) {
                  if (!s.ok()) {
                    spdlog::warn("dispatcher: cannot record the result of request {}: {}", ri,
                                 s.message());
                  }
                  if (req->rt != ResponseType::kNonBlockingAsynch) return;
                  bj::object rsp = result;
                  rsp["rvi"] = req->rvi;
                  bj::object body;
                  body["m2m:rsp"] = std::move(rsp);
                  const std::string text = json::Serialize(body);
                  std::vector<std::string> targets =
                      req->rtu_given ? req->rtu : std::vector<std::string>{req->fr};
                  for (const auto& t : targets) notifier.Deliver(t, text, "request " + ri);
                });
          });
        });
      });
}

Status Dispatcher::Impl::FailInterruptedRequests() {
  storage::DiscoveryQuery q;
  q.root_path = opt.self.cse_name;
  q.types = {rty::kRequest};
  q.max_level = 1;
  auto found = store.Discover(q);
  if (!found) return found.error();
  std::vector<std::string> pending;
  for (const auto& rec : *found) {
    auto r = Resource::FromRecord(rec);
    if (r && json::GetInt(r->attrs, "rs").value_or(0) == kPending) pending.push_back(rec.ri);
  }
  if (pending.empty()) return Status::Ok();
  spdlog::warn("dispatcher: {} non-blocking request(s) were interrupted by the last stop",
               pending.size());
  const std::string cse_id = opt.self.cse_id;
  return store.SubmitAndWait([pending, cse_id](storage::WriteTxn& txn) -> Status {
    for (const auto& ri : pending) {
      auto rec = txn.Get(ri);
      if (!rec) return rec.error();
      if (!*rec) continue;
      auto r = Resource::FromRecord(**rec);
      if (!r) return r.error();
      bj::object ors;
      ors["rsc"] = static_cast<int>(Rsc::kInternalServerError);
      ors["rqi"] = json::GetString(r->attrs, "rid").value_or("");
      ors["pc"] = bj::object{{"m2m:dbg", "outcome unknown: the CSE stopped while the operation "
                                         "was pending"}};
      ors["fr"] = cse_id;
      r->attrs["ors"] = std::move(ors);
      r->attrs["rs"] = kFailed;
      r->attrs["lt"] = FormatTimestamp(Now());
      if (auto s = txn.Update(r->ToRecord()); !s.ok()) return s;
    }
    return Status::Ok();
  });
}

}  // namespace trustcse::dispatcher
