// The Notifier's public methods (notifier.h), its index of subscribed-to resources, and the
// matching of committed events to subscriptions; the worker and delivery are in delivery.cc.
#include "notification/notifier.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <utility>

#include "notification/attribute_lists.h"
#include "notification/event_matching.h"
#include "notification/notification_body.h"
#include "notification/notifier_impl.h"
#include "notification/polling_channels.h"
#include "storage/query.h"

namespace trustcse::notification {

using resources::Event;
using resources::Resource;
using resources::WriteEffects;
using storage::ResourceRecord;

void Notifier::Impl::Process(const WriteEffects& fx) {
  // New subscriptions first, so that a later event in the same write already sees them.
  for (const Event& ev : fx.events) {
    if (ev.kind == Event::Kind::kCreateChild && ev.resource.ty == resources::ty::kSubscription) {
      AddSubscription(ev.resource.pi, ev.resource.ri);
    }
  }
  for (const Event& ev : fx.events) NotifyEvent(ev, fx);
  for (const ResourceRecord& rec : fx.deleted) {
    if (rec.ty != resources::ty::kSubscription) continue;
    RemoveSubscription(rec.pi, rec.ri);
    SendDeletionNotice(rec);
  }
}

void Notifier::Impl::NotifyEvent(const Event& ev, const WriteEffects& fx) {
  struct Candidate {
    const ResourceRecord* rec;
    bool stored;  // still in the store (exc can be decremented)
  };
  std::vector<ResourceRecord> stored;
  if (HasSubscriptions(ev.subject_ri)) {
    auto children = store.Children(ev.subject_ri, resources::ty::kSubscription,
                                   storage::ChildOrder::kOldestFirst, SIZE_MAX);
    if (children) {
      stored = std::move(*children);
    } else {
      spdlog::warn("notifier: cannot read the subscriptions of {}: {}", ev.subject_ri,
                   children.error().message());
    }
  }
  std::vector<Candidate> candidates;
  for (const ResourceRecord& r : stored) candidates.push_back({&r, true});
  // Subscriptions removed by this same write (their subject was deleted with them) are gone from
  // the store but must still hear about the event, typically net=2.
  for (const ResourceRecord& r : fx.deleted) {
    if (r.ty != resources::ty::kSubscription || r.pi != ev.subject_ri) continue;
    bool seen = std::any_of(stored.begin(), stored.end(),
                            [&](const ResourceRecord& s) { return s.ri == r.ri; });
    if (!seen) candidates.push_back({&r, false});
  }

  for (const Candidate& c : candidates) {
    // A subscription is not told about its own creation or deletion as a child event.
    if (c.rec->ri == ev.resource.ri) continue;
    auto sub = Resource::FromRecord(*c.rec);
    if (!sub) {
      spdlog::warn("notifier: skipping unreadable subscription {}", c.rec->ri);
      continue;
    }
    if (!EventMatches(*sub, ev)) continue;
    if (!WithinNotificationSchedule(store, *sub)) {
      spdlog::debug("notifier: subscription {}: outside its notificationSchedule", c.rec->ri);
      continue;
    }
    auto body = EventNotificationBody(options.self, *sub, ev);
    if (!body) continue;
    const bool counts_exc = c.stored && sub->attrs.contains("exc");
    for (const std::string& nu : StringList(sub->attrs, "nu")) {
      Delivery d;
      NodeWake wake;
      std::string target = targets.Resolve(nu, &d.fallback, &wake);
      if (target.empty()) {
        spdlog::warn("notifier: subscription {}: notification target cannot be resolved",
                     c.rec->ri);
        continue;
      }
      d.n = Notification{std::move(target), *body, resources::NewResourceId("ntf"), {}, {}};
      d.sub_ri = c.rec->ri;
      d.counts_exc = counts_exc;
      AttemptWhenAwake(std::move(d), wake);
    }
  }
}

void Notifier::Deliver(const std::string& nu, std::string body, const std::string& context) {
  // Resolving the target reads the store: done on the worker, not on the caller's thread
  // (often the storage writer's completion).
  impl_->inbox->Push(DeliverJob{nu, std::move(body), context});
}

void Notifier::Forward(const Resource& ae, const std::string& originator, std::string body,
                       std::optional<TimePoint> deadline,
                       std::function<void(Status, std::string)> done) {
  {
    std::lock_guard lock(impl_->lifecycle_mu);
    if (impl_->stopped) return done(Status(Rsc::kTargetNotReachable, "stopping"), {});
  }
  std::string fallback;
  std::string target;
  try {
    target = impl_->targets.PoaOf(ae, &fallback);
  } catch (const std::exception&) {
    target.clear();
  }
  if (target.empty()) {
    return done(
        Status(Rsc::kTargetNotReachable, "the AE has no point of access and no polling channel"),
        {});
  }
  Notification n{std::move(target), std::move(body), resources::NewResourceId("fwd"), originator,
                 deadline};
  impl_->RequestOrFallBack(std::move(n), std::move(fallback), std::move(done));
}

void Notifier::Consult(const std::string& url, std::string body,
                       std::function<void(Status, std::string)> done) {
  static std::atomic<uint64_t> counter{0};
  Notification n{url, std::move(body), "dac" + std::to_string(++counter), {}, {}};
  impl_->sender->Request(n, std::move(done));
}

Notifier::Notifier(NotifierOptions options, storage::Store& store, std::unique_ptr<Sender> sender)
    : impl_(std::make_unique<Impl>(std::move(options), store, std::move(sender))) {}

Notifier::~Notifier() { Stop(); }

const DeliveryCounters& Notifier::delivery_counters() const { return *impl_->counters; }

Status Notifier::Start() {
  std::lock_guard lock(impl_->lifecycle_mu);
  if (impl_->stopped) return Status::Internal("notifier is stopped");
  if (impl_->started) return Status::Ok();
  storage::DiscoveryQuery q;
  q.root_path = impl_->options.self.cse_name;
  q.types = {resources::ty::kSubscription};
  auto subs = impl_->store.Discover(q);
  if (!subs) return subs.error();
  for (const ResourceRecord& rec : *subs) impl_->AddSubscription(rec.pi, rec.ri);
  try {
    impl_->worker = std::thread([impl = impl_.get()] {
      pthread_setname_np(pthread_self(), "tc-notifier");
      impl->Run();
    });
  } catch (const std::exception& ex) {
    spdlog::error("notifier: cannot start the worker thread: {}", ex.what());
    return Status::Internal("cannot start the notifier");
  }
  impl_->started = true;
  spdlog::info("notifier: started; {} subscription(s) known", subs->size());
  return Status::Ok();
}

void Notifier::Stop() {
  {
    std::lock_guard lock(impl_->lifecycle_mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  {
    std::lock_guard lock(impl_->inbox->mu);
    impl_->inbox->closed = true;
    impl_->inbox->jobs.clear();
    while (!impl_->inbox->retries.empty()) impl_->inbox->retries.pop();
  }
  impl_->inbox->cv.notify_all();
  if (impl_->worker.joinable()) {
    if (impl_->worker.get_id() == std::this_thread::get_id()) {
      impl_->worker.detach();  // Stop from inside the worker: it exits on its next loop
    } else {
      impl_->worker.join();
    }
  }
  if (impl_->sender) impl_->sender->Stop();
}

void Notifier::OnCommitted(const WriteEffects& fx) {
  // Most writes touch nothing anyone subscribed to: skip them here, without copying them to the
  // worker. New subscriptions are recorded here, on the committing thread, so that the set
  // follows commit order; removals stay with the worker (a stale entry only costs a lookup).
  bool relevant = false;
  for (const Event& ev : fx.events) {
    if (ev.kind == Event::Kind::kCreateChild && ev.resource.ty == resources::ty::kSubscription) {
      impl_->AddSubscription(ev.resource.pi, ev.resource.ri);
      relevant = true;
    }
  }
  for (const ResourceRecord& rec : fx.deleted) {
    relevant = relevant || rec.ty == resources::ty::kSubscription;
    // A deregistered entity's open connection no longer receives what is meant for that ID.
    if (impl_->options.connections &&
        (rec.ty == resources::ty::kAe || rec.ty == 16 /* remoteCSE */)) {
      if (auto res = Resource::FromRecord(rec)) {
        if (auto id = ConnectionIdOf(*res); !id.empty()) impl_->options.connections->Forget(id);
      }
    }
    // Requests waiting for a deleted polling channel fail now rather than at their deadline.
    if (rec.ty == resources::ty::kPollingChannel && impl_->options.polling) {
      impl_->options.polling->Close(rec.pi);
    }
  }
  for (const Event& ev : fx.events) {
    relevant = relevant || impl_->HasSubscriptions(ev.subject_ri);
  }
  if (!relevant) return;
  try {
    impl_->inbox->Push(CommittedJob{fx});
  } catch (const std::exception& ex) {
    spdlog::error("notifier: dropped committed changes: {}", ex.what());
  }
}

void Notifier::Verify(const resources::Resource& sub, const std::string& target,
                      const std::string& creator, std::function<void(Status)> done) {
  std::string url, fallback;
  try {
    url = impl_->targets.Resolve(target, &fallback);
  } catch (const std::exception&) {
    url.clear();
  }
  if (url.empty()) {
    done(Status(Rsc::kSubscriptionVerificationInitiationFailed,
                "notification target cannot be resolved"));
    return;
  }
  {
    std::lock_guard lock(impl_->lifecycle_mu);
    if (impl_->stopped) {
      done(Status(Rsc::kSubscriptionVerificationInitiationFailed,
                  "notification service is stopped"));
      return;
    }
  }
  Notification n{std::move(url), VerificationRequestBody(impl_->options.self, sub.ri(), creator),
                 resources::NewResourceId("vrq"), {}, {}};
  const std::string safe = SafeUrl(n.target);
  // No retries: the CREATE that waits for this must answer promptly.
  impl_->RequestOrFallBack(
      std::move(n), std::move(fallback), [done = std::move(done), safe](Status s, std::string) {
        if (s.ok()) {
          done(Status::Ok());
          return;
        }
        spdlog::info("notifier: verification request to {} failed: {}", safe, s.message());
        done(Status(Rsc::kSubscriptionVerificationInitiationFailed,
                    "verification request to the notification target failed"));
      });
}

std::string Notifier::ResolveTarget(const std::string& nu) {
  try {
    return impl_->targets.Resolve(nu);
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace trustcse::notification
