// The Notifier's public methods (notifier.h) and the matching of committed events and of
// operations to subscriptions; the policies are in policies.cc, the worker and delivery in
// delivery.cc.
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
#include "primitive/json_util.h"
#include "storage/query.h"

namespace trustcse::notification {

using resources::Event;
using resources::Resource;
using resources::WriteEffects;
using storage::ResourceRecord;

namespace {

// The subscriberURI of a deleted subscription record: where its deletion notice goes.
std::string SubscriberUriOf(const ResourceRecord& rec) {
  auto sub = Resource::FromRecord(rec);
  if (!sub) return {};
  return std::string(json::GetString(sub->attrs, "su").value_or(""));
}

// The accessControlOperations bit of an operation (enc.om.ops is such a bit set).
uint32_t AccessBit(Operation op) {
  switch (op) {
    case Operation::kCreate: return 1;
    case Operation::kRetrieve: return 2;
    case Operation::kUpdate: return 4;
    case Operation::kDelete: return 8;
    case Operation::kNotify: return 16;
  }
  return 0;
}

}  // namespace

void Notifier::Impl::IndexSubscription(const ResourceRecord& rec) {
  index.Add(rec.pi, rec.ri, SubscriptionIndex::KindsOf(rec));
}

void Notifier::Impl::Process(const WriteEffects& fx, const std::shared_ptr<NoticeWait>& wait) {
  // New and changed subscriptions first, so that a later event in the same write sees them.
  for (const Event& ev : fx.events) {
    if (ev.resource.ty != resources::ty::kSubscription) continue;
    if (ev.kind == Event::Kind::kCreateChild) IndexSubscription(ev.resource);
    if (ev.kind == Event::Kind::kUpdate) {
      IndexSubscription(ev.resource);
      if (auto sub = Resource::FromRecord(ev.resource)) SubscriptionChanged(*sub);
    }
  }
  for (const Event& ev : fx.events) NotifyEvent(ev, fx);
  for (const ResourceRecord& rec : fx.deleted) {
    if (rec.ty != resources::ty::kSubscription) continue;
    index.Remove(rec.pi, rec.ri);
    missing_data.Forget(rec.ri);
    if (auto sub = Resource::FromRecord(rec)) SubscriptionDeleted(*sub);
    SendDeletionNotice(rec, wait);
  }
}

void Notifier::Impl::NotifyEvent(const Event& ev, const WriteEffects& fx) {
  struct Candidate {
    const ResourceRecord* rec;
    bool stored;  // still in the store (exc can be decremented)
  };
  std::vector<ResourceRecord> stored;
  if (index.Has(ev.subject_ri)) {
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
    // Missing data points count in the subscription's window whether or not they are sent.
    std::optional<MissingDataReports::Report> report;
    if (ev.kind == Event::Kind::kMissingData) {
      report = ReportMissingData(*sub, ev);
      if (!report) continue;
    }
    auto sgn = report ? std::optional<boost::json::object>(TimeSeriesNotification(
                            options.self, *sub, report->points, report->count))
                      : EventNotification(options.self, *sub, ev);
    if (!sgn) continue;
    Emit(*sub, c.stored, std::move(*sgn));
  }
}

std::optional<MissingDataReports::Report> Notifier::Impl::ReportMissingData(const Resource& sub,
                                                                          const Event& ev) {
  const boost::json::value* enc = sub.attrs.if_contains("enc");
  if (enc == nullptr || !enc->is_object()) return std::nullopt;
  auto criteria = resources::MissingDataCriteriaOf(enc->get_object());
  if (!criteria || !*criteria) return std::nullopt;  // refused when the subscription was made
  return missing_data.Record(std::string(sub.ri()), **criteria, ev.modified, Now());
}

void Notifier::Impl::NotifyOperation(const OperationJob& job) {
  if (!index.HasOperationMonitors(job.subject_ri)) return;
  auto subject = store.Get(job.subject_ri);
  if (!subject || !*subject) return;  // deleted by the operation, or meanwhile
  auto subs = store.Children(job.subject_ri, resources::ty::kSubscription,
                             storage::ChildOrder::kOldestFirst, SIZE_MAX);
  if (!subs) {
    spdlog::warn("notifier: cannot read the subscriptions of {}: {}", job.subject_ri,
                 subs.error().message());
    return;
  }
  for (const ResourceRecord& rec : *subs) {
    if (rec.ri == job.created_ri) continue;
    auto sub = Resource::FromRecord(rec);
    if (!sub || !OperationMatches(*sub, AccessBit(job.op), job.originator)) continue;
    auto sgn = OperationNotification(options.self, *sub, **subject, static_cast<int>(job.op),
                                     job.originator);
    if (sgn) Emit(*sub, true, std::move(*sgn));
  }
}

Notification Notifier::Impl::Addressed(const std::string& nu, std::string body,
                                       std::string_view rqi_prefix, std::string* fallback,
                                       NodeWake* wake) const {
  TargetFacts facts;
  Notification n;
  n.target = targets.Resolve(nu, fallback, wake, &facts);
  n.body = std::move(body);
  n.rqi = resources::NewResourceId(rqi_prefix);
  n.rvi = facts.rvi.empty() ? own_release : facts.rvi;
  n.cbor = facts.cbor;
  return n;
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
  TargetFacts facts;
  try {
    target = impl_->targets.PoaOf(ae, &fallback, nullptr, &facts);
  } catch (const std::exception&) {
    target.clear();
  }
  if (target.empty()) {
    return done(
        Status(Rsc::kTargetNotReachable, "the AE has no point of access and no polling channel"),
        {});
  }
  Notification n;
  n.target = std::move(target);
  n.body = std::move(body);
  n.rqi = resources::NewResourceId("fwd");
  n.originator = originator;
  n.deadline = deadline;
  n.rvi = facts.rvi.empty() ? impl_->own_release : facts.rvi;
  n.cbor = facts.cbor;
  impl_->RequestOrFallBack(std::move(n), std::move(fallback), std::move(done));
}

void Notifier::Consult(const std::string& url, std::string body,
                       std::function<void(Status, std::string)> done) {
  static std::atomic<uint64_t> counter{0};
  Notification n;
  n.target = url;
  n.body = std::move(body);
  n.rqi = "dac" + std::to_string(++counter);
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
  for (const ResourceRecord& rec : *subs) impl_->IndexSubscription(rec);
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
  // What is queued is dropped outside the inbox's lock: dropping a deletion notice's wait
  // answers its DELETE, and that completion may call back into the notifier.
  std::deque<Job> jobs;
  std::priority_queue<Scheduled, std::vector<Scheduled>, DueLater> timers;
  {
    std::lock_guard lock(impl_->inbox->mu);
    impl_->inbox->closed = true;
    jobs.swap(impl_->inbox->jobs);
    timers.swap(impl_->inbox->timers);
  }
  impl_->inbox->cv.notify_all();
  jobs.clear();
  while (!timers.empty()) timers.pop();
  if (impl_->worker.joinable()) {
    if (impl_->worker.get_id() == std::this_thread::get_id()) {
      impl_->worker.detach();  // Stop from inside the worker: it exits on its next loop
    } else {
      impl_->worker.join();
    }
  }
  if (impl_->sender) impl_->sender->Stop();
}

void Notifier::OnCommitted(const WriteEffects& fx) { OnCommitted(fx, nullptr); }

void Notifier::OnCommitted(const WriteEffects& fx, std::function<void()> notices_sent) {
  // Most writes touch nothing anyone subscribed to: skip them here, without copying them to the
  // worker. New and changed subscriptions are indexed here, on the committing thread, before the
  // writer's client hears of the write (a Blocking_Update subscription holds the very next
  // UPDATE); removals stay with the worker, so that events committed before a deletion still
  // find the subscription there. A stale entry costs a lookup: the dispatcher and the worker
  // read the subscription itself before acting on it.
  bool relevant = false;
  for (const Event& ev : fx.events) {
    if (ev.resource.ty != resources::ty::kSubscription) continue;
    if (ev.kind == Event::Kind::kCreateChild || ev.kind == Event::Kind::kUpdate) {
      impl_->IndexSubscription(ev.resource);
      relevant = true;
    }
  }
  size_t notices = 0;
  for (const ResourceRecord& rec : fx.deleted) {
    if (rec.ty == resources::ty::kSubscription) {
      relevant = true;
      if (notices_sent && !SubscriberUriOf(rec).empty()) ++notices;
    }
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
    relevant = relevant || impl_->index.Has(ev.subject_ri);
  }
  std::shared_ptr<NoticeWait> wait;
  if (notices > 0) wait = std::make_shared<NoticeWait>(notices, std::move(notices_sent));
  if (relevant) {
    try {
      if (impl_->inbox->Push(CommittedJob{fx, wait}) && wait) {
        impl_->inbox->Schedule(Timer{Timer::Kind::kNoticeWait, {}, 0, wait},
                               SteadyClock::now() +
                                   std::chrono::milliseconds(impl_->options.notice_wait_ms));
      }
    } catch (const std::exception& ex) {
      spdlog::error("notifier: dropped committed changes: {}", ex.what());
    }
  }
  // Without notices to wait for, the caller goes on at once (with them, `wait` answers when
  // the last owner — the job, a delivery — lets go of it at the latest).
  if (notices == 0 && notices_sent) notices_sent();
}

void Notifier::OnOperation(const std::string& subject_ri, Operation op,
                           const std::string& originator, const std::string& created_ri) {
  if (!impl_->index.HasOperationMonitors(subject_ri)) return;
  impl_->inbox->Push(OperationJob{subject_ri, op, originator, created_ri});
}

bool Notifier::MonitorsOperations(const std::string& ri) const {
  return impl_->index.HasOperationMonitors(ri);
}

bool Notifier::AnyOperationMonitors() const { return impl_->index.AnyOperationMonitors(); }

std::optional<std::string> Notifier::BlockingSubscription(const std::string& ri) const {
  return impl_->index.BlockingUpdate(ri);
}

void Notifier::NotifyBlockingUpdate(const Resource& sub, std::string_view tag,
                                    const boost::json::object& changes,
                                    std::function<void(Status)> done) {
  {
    std::lock_guard lock(impl_->lifecycle_mu);
    if (impl_->stopped) return done(Status(Rsc::kTargetNotReachable, "notifier stopped"));
  }
  const std::vector<std::string> nus = StringList(sub.attrs, "nu");
  std::string fallback;
  Notification n;
  try {
    if (!nus.empty()) {
      n = impl_->Addressed(nus.front(), BlockingUpdateBody(impl_->options.self, sub, tag, changes),
                           "blk", &fallback, nullptr);
    }
  } catch (const std::exception&) {
    n.target.clear();
  }
  if (n.target.empty()) {
    return done(Status(Rsc::kTargetNotReachable,
                       "the Blocking_Update notification target cannot be resolved"));
  }
  impl_->RequestOrFallBack(std::move(n), std::move(fallback),
                           [done = std::move(done)](Status s, std::string) { done(std::move(s)); });
}

void Notifier::Verify(const resources::Resource& sub, const std::string& target,
                      const std::string& creator, std::function<void(Status)> done) {
  std::string fallback;
  Notification n;
  try {
    n = impl_->Addressed(target, VerificationRequestBody(impl_->options.self, sub.ri(), creator),
                         "vrq", &fallback, nullptr);
  } catch (const std::exception&) {
    n.target.clear();
  }
  if (n.target.empty()) {
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
