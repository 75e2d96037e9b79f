// The notifier's worker (notifier_impl.h): its loop over jobs and due timers (retries and the
// policies' timers), attempts with exponential back-off, the polling-channel fallback,
// node-schedule holds, expirationCounter and deletion notices.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <utility>

#include "notification/notification_body.h"
#include "notification/notifier_impl.h"
#include "primitive/json_util.h"

namespace trustcse::notification {
namespace {

using resources::Event;
using resources::Resource;
using resources::WriteEffects;
using storage::ResourceRecord;

std::string ParentPath(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

}  // namespace

void Notifier::Impl::Run() {
  std::unique_lock lock(inbox->mu);
  for (;;) {
    if (inbox->closed) return;
    // Due timers go first: they are older than anything in the job queue.
    if (!inbox->timers.empty() && inbox->timers.top().due <= SteadyClock::now()) {
      auto what = inbox->timers.top().what;
      inbox->timers.pop();
      lock.unlock();
      try {
        if (auto* d = std::get_if<Delivery>(&what)) {
          Attempt(std::move(*d));
        } else {
          OnTimer(std::get<Timer>(what));
        }
      } catch (const std::exception& ex) {
        spdlog::error("notifier: dropped a timer after an internal error: {}", ex.what());
      }
      lock.lock();
      continue;
    }
    if (!inbox->jobs.empty()) {
      Job job = std::move(inbox->jobs.front());
      inbox->jobs.pop_front();
      lock.unlock();
      Handle(job);
      lock.lock();
      continue;
    }
    if (inbox->timers.empty()) {
      inbox->cv.wait(lock);
    } else {
      inbox->cv.wait_until(lock, inbox->timers.top().due);
    }
  }
}

void Notifier::Impl::Handle(Job& job) {
  // One bad record or a throwing allocation must not take the worker (and with it every later
  // notification) down.
  try {
    if (auto* c = std::get_if<CommittedJob>(&job)) {
      Process(c->fx, c->wait);
    } else if (auto* e = std::get_if<ExcJob>(&job)) {
      DecrementExc(e->sub_ri);
    } else if (auto* d = std::get_if<DeliverJob>(&job)) {
      Deliver(*d);
    } else if (auto* o = std::get_if<OperationJob>(&job)) {
      NotifyOperation(*o);
    } else if (auto* r = std::get_if<ResponseJob>(&job)) {
      CountResponse(r->sub_ri, r->nu);
    }
  } catch (const std::exception& ex) {
    spdlog::error("notifier: dropped a job after an internal error: {}", ex.what());
  } catch (...) {
    spdlog::error("notifier: dropped a job after an unknown internal error");
  }
}

void Notifier::Impl::SendDeletionNotice(const ResourceRecord& rec,
                                        const std::shared_ptr<NoticeWait>& wait) {
  auto sub = Resource::FromRecord(rec);
  if (!sub) return;
  auto su = json::GetString(sub->attrs, "su");
  if (!su || su->empty()) return;
  Delivery d;
  d.n = Addressed(std::string(*su), DeletionNoticeBody(options.self, rec.ri), "ntf", nullptr,
                  nullptr);
  if (d.n.target.empty()) {
    spdlog::warn("notifier: subscription {}: subscriber URI cannot be resolved", rec.ri);
    if (wait) wait->Done();
    return;
  }
  d.sub_ri = rec.ri;
  d.wait = wait;
  Attempt(std::move(d));
}

void Notifier::Impl::DecrementExc(const std::string& sub_ri) {
  // Read-modify-write inside the WriteFn: it runs serialized with every other write, so two
  // deliveries finishing together cannot both read the same exc.
  auto deleted = std::make_shared<std::vector<ResourceRecord>>();
  storage::WriteFn fn = [sub_ri, deleted](storage::WriteTxn& txn) -> Status {
    auto got = txn.Get(sub_ri);
    if (!got) return got.error();
    if (!*got) return Status::Ok();  // deleted meanwhile: nothing to count
    auto sub = Resource::FromRecord(**got);
    if (!sub) return sub.error();
    auto exc = json::GetInt(sub->attrs, "exc");
    if (!exc) return Status::Ok();  // exc removed by an update meanwhile
    if (*exc <= 1) {
      auto removed = txn.DeleteSubtree(sub_ri);
      if (!removed) return removed.error();
      *deleted = std::move(*removed);
      return Status::Ok();
    }
    sub->attrs["exc"] = *exc - 1;
    return txn.Update(sub->ToRecord());
  };
  // Runs on a storage thread: only enqueue. The deletion goes through the same path as
  // any committed write, which sends the deletion notice and forgets the subscription.
  storage::WriteDone done = [inbox = inbox, deleted, sub_ri](Status s) {
    if (!s.ok()) {
      spdlog::warn("notifier: cannot update expirationCounter of {}: {}", sub_ri, s.message());
      return;
    }
    if (deleted->empty()) return;
    WriteEffects fx;
    fx.deleted = std::move(*deleted);
    const ResourceRecord& sub = fx.deleted.front();
    fx.events.push_back(Event{Event::Kind::kDeleteChild, sub.pi, ParentPath(sub.path), sub, {}});
    spdlog::info("notifier: subscription {} deleted: expirationCounter reached 0", sub_ri);
    inbox->Push(CommittedJob{std::move(fx), nullptr});
  };
  store.Submit(std::move(fn), std::move(done));
}

void Notifier::Impl::Deliver(DeliverJob& job) {
  Delivery d;
  NodeWake wake;
  d.n = Addressed(job.nu, std::move(job.body), "ntf", &d.fallback, &wake);
  if (d.n.target.empty()) {
    spdlog::info("notifier: {}: target cannot be resolved", job.context);
    return;
  }
  d.sub_ri = std::move(job.context);
  AttemptWhenAwake(std::move(d), wake);
}

void Notifier::Impl::Attempt(Delivery d) {
  ++d.attempts;
  if (d.stats) CountRequest(d);
  Notification n = d.n;
  // The callback may run on the sender's thread, or right here inside Send; it only touches the
  // inbox, under its own lock, never the worker's state.
  sender->Send(n, [inbox = inbox, counters = counters, d = std::move(d),
                   max = options.max_attempts, first = options.first_retry_ms](Status s) mutable {
    // The first answer (or failure) is what a DELETE waits for; retries go on without it.
    if (d.wait) std::exchange(d.wait, nullptr)->Done();
    if (d.stats && s.code() != Rsc::kTargetNotReachable) {
      inbox->Push(ResponseJob{d.sub_ri, d.nu});
    }
    if (s.ok()) {
      counters->sent.fetch_add(1, std::memory_order_relaxed);
      if (d.counts_exc) inbox->Push(ExcJob{d.sub_ri});
      return;
    }
    if (s.code() == Rsc::kTargetNotReachable && !d.fallback.empty()) {
      // The point of access is down, but the AE polls: queue it in its channel, now.
      spdlog::debug("notifier: notification of {} to {} failed ({}), through the polling channel",
                    d.sub_ri, SafeUrl(d.n.target), s.message());
      d.n.target = std::exchange(d.fallback, {});
      d.attempts = 0;
      inbox->Schedule(std::move(d), SteadyClock::now());
      return;
    }
    if (d.attempts >= max) {
      counters->failed.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("notifier: giving up on a notification of {} to {} after {} attempts: {}",
                   d.sub_ri, SafeUrl(d.n.target), d.attempts, s.message());
      return;
    }
    // first, 2*first, 4*first, …; the shift is capped so it cannot overflow.
    counters->retried.fetch_add(1, std::memory_order_relaxed);
    const int64_t delay = static_cast<int64_t>(first) << std::min(d.attempts - 1, 20);
    spdlog::debug("notifier: notification of {} to {} failed ({}), retry in {} ms", d.sub_ri,
                  SafeUrl(d.n.target), s.message(), delay);
    inbox->Schedule(std::move(d), SteadyClock::now() + std::chrono::milliseconds(delay));
  });
}

void Notifier::Impl::AttemptWhenAwake(Delivery d, const NodeWake& wake) {
  if (!wake) return Attempt(std::move(d));
  if (!*wake) {
    spdlog::warn(
        "notifier: notification of {}: the target's node is not reachable within a "
        "week by its schedule; dropped",
        d.sub_ri);
    counters->failed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const auto delay = std::max<TimePoint::duration>(**wake - Now(), {});
  spdlog::debug("notifier: notification of {} held until its node wakes at {}", d.sub_ri,
                FormatTimestamp(**wake));
  inbox->Schedule(std::move(d), SteadyClock::now() + delay);
}

void Notifier::Impl::RequestOrFallBack(Notification n, std::string fallback,
                                       std::function<void(Status, std::string)> done) {
  Sender* s = sender.get();
  Notification first = n;
  s->Request(first, [s, n = std::move(n), fallback = std::move(fallback), done = std::move(done)](
                        Status st, std::string pc) mutable {
    if (st.code() == Rsc::kTargetNotReachable && !fallback.empty()) {
      spdlog::debug("notifier: {} cannot be reached ({}): through the polling channel",
                    SafeUrl(n.target), st.message());
      n.target = std::move(fallback);
      return s->Request(n, std::move(done));
    }
    done(std::move(st), std::move(pc));
  });
}

}  // namespace trustcse::notification
