#include <pthread.h>
#include "notification/notifier.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>

#include "common/time.h"
#include "notification/polling_channels.h"
#include "primitive/json_util.h"
#include "primitive/schedule_entry.h"
#include "storage/query.h"

namespace trustcse::notification {
namespace {

namespace bj = boost::json;
using resources::Event;
using resources::Resource;
using resources::WriteEffects;
using storage::ResourceRecord;
using SteadyClock = std::chrono::steady_clock;

// One notification on its way, with what a retry and the exc bookkeeping need.
struct Delivery {
  Notification n;
  std::string sub_ri;       // for logs and exc
  bool counts_exc = false;  // a successful delivery decrements the subscription's exc
  int attempts = 0;         // attempts made so far
  std::string fallback;     // where to go when the target cannot be reached (a polling channel)
};

struct Retry {
  SteadyClock::time_point due;
  uint64_t seq;  // keeps retries that fall due together in FIFO order
  Delivery delivery;
};

struct RetryLater {
  bool operator()(const Retry& a, const Retry& b) const {
    return a.due != b.due ? a.due > b.due : a.seq > b.seq;
  }
};

// Work items for the worker thread.
struct CommittedJob {
  WriteEffects fx;
};
struct ExcJob {
  std::string sub_ri;
};
struct DeliverJob {
  std::string nu;
  std::string body;
  std::string context;
};
using Job = std::variant<CommittedJob, ExcJob, DeliverJob>;

// The worker's input: jobs and the retry timer queue. It is shared (shared_ptr) with the done
// callbacks handed to the Sender and the Store, because those may run after the Notifier is gone
// (a storage write still queued at shutdown); once closed, everything pushed is dropped.
struct Inbox {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> jobs;
  std::priority_queue<Retry, std::vector<Retry>, RetryLater> retries;
  uint64_t next_seq = 0;
  bool closed = false;

  void Push(Job job) {
    {
      std::lock_guard lock(mu);
      if (closed) return;
      jobs.push_back(std::move(job));
    }
    cv.notify_one();
  }

  void Schedule(Delivery d, SteadyClock::time_point due) {
    {
      std::lock_guard lock(mu);
      if (closed) return;
      retries.push(Retry{due, next_seq++, std::move(d)});
    }
    cv.notify_one();
  }
};

bool StartsWith(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

// A URL as it may appear in a log line: scheme, host and path only. Userinfo and the query can
// carry credentials or tokens, so they are left out.
std::string SafeUrl(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "<resource>";
  auto authority_start = scheme_end + 3;
  auto authority_end = url.find_first_of("/?#", authority_start);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  auto authority = url.substr(authority_start, authority_end - authority_start);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  auto path_end = url.find_first_of("?#", authority_end);
  if (path_end == std::string_view::npos) path_end = url.size();
  std::string out(url.substr(0, authority_start));
  out.append(authority).append(url.substr(authority_end, path_end - authority_end));
  return out;
}

// Removes `ct=` query parameters: TS-0009 lets a notification URI select the serialization with
// "?ct=json"; it is an instruction to this CSE, not part of the target.
std::string StripContentTypeParam(std::string_view url) {
  auto q = url.find('?');
  if (q == std::string_view::npos) return std::string(url);
  auto frag = url.find('#', q);
  std::string_view query =
      url.substr(q + 1, frag == std::string_view::npos ? std::string_view::npos : frag - q - 1);
  std::string kept;
  size_t start = 0;
  while (start <= query.size()) {
    auto amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    auto param = query.substr(start, amp - start);
    if (!param.empty() && !param.starts_with("ct=")) {
      if (!kept.empty()) kept.push_back('&');
      kept.append(param);
    }
    start = amp + 1;
  }
  std::string out(url.substr(0, q));
  if (!kept.empty()) out.append("?").append(kept);
  if (frag != std::string_view::npos) out.append(url.substr(frag));
  return out;
}

std::vector<int64_t> IntList(const bj::object& o, std::string_view key) {
  std::vector<int64_t> out;
  const auto* v = o.if_contains(key);
  if (!v || !v->is_array()) return out;
  for (const auto& e : v->get_array()) {
    if (auto i = json::AsInt(e)) out.push_back(*i);
  }
  return out;
}

std::vector<std::string> StringList(const bj::object& o, std::string_view key) {
  std::vector<std::string> out;
  const auto* v = o.if_contains(key);
  if (!v || !v->is_array()) return out;
  for (const auto& e : v->get_array()) {
    if (e.is_string()) out.emplace_back(e.get_string());
  }
  return out;
}

// enc timestamps may come without the fraction ("20240101T000000"); the record columns always
// have it, and byte-wise comparison needs both in the same form.
std::optional<std::string> TimestampCondition(const bj::object& enc, std::string_view key) {
  auto s = json::GetString(enc, key);
  if (!s) return std::nullopt;
  if (auto t = ParseTimestamp(*s)) return FormatTimestamp(*t);
  return std::string(*s);
}

std::optional<uint64_t> UintCondition(const bj::object& enc, std::string_view key) {
  auto i = json::GetInt(enc, key);
  if (!i || *i < 0) return std::nullopt;
  return static_cast<uint64_t>(*i);
}

// True if `ev` passes the subscription's eventNotificationCriteria.
bool EventMatches(const Resource& sub, const Event& ev) {
  static const bj::object kNoCriteria;
  const bj::object* enc = &kNoCriteria;
  if (const auto* v = sub.attrs.if_contains("enc"); v && v->is_object()) enc = &v->get_object();

  const int net = static_cast<int>(ev.kind);
  std::vector<int64_t> nets = IntList(*enc, "net");
  if (nets.empty()) nets.push_back(1);  // Update_of_Resource is the default
  if (std::find(nets.begin(), nets.end(), net) == nets.end()) return false;

  if (ev.kind == Event::Kind::kCreateChild || ev.kind == Event::Kind::kDeleteChild) {
    std::vector<int64_t> chty = IntList(*enc, "chty");
    if (!chty.empty() && std::find(chty.begin(), chty.end(), ev.resource.ty) == chty.end()) {
      return false;
    }
  }

  // The simple conditions are the filterCriteria ones, so the storage layer's evaluator gives
  // exactly the semantics discovery has.
  storage::DiscoveryQuery q;
  q.created_before = TimestampCondition(*enc, "crb");
  q.created_after = TimestampCondition(*enc, "cra");
  q.modified_since = TimestampCondition(*enc, "ms");
  q.unmodified_since = TimestampCondition(*enc, "us");
  q.expire_before = TimestampCondition(*enc, "exb");
  q.expire_after = TimestampCondition(*enc, "exa");
  q.state_tag_smaller = UintCondition(*enc, "sts");
  q.state_tag_bigger = UintCondition(*enc, "stb");
  q.size_above = UintCondition(*enc, "sza");
  q.size_below = UintCondition(*enc, "szb");
  if (json::GetInt(*enc, "fo").value_or(1) == 2) q.combine = storage::Combine::kOr;
  return storage::Matches(q, ev.resource, 1);
}

bool IsInternal(std::string_view name) { return name.starts_with("__"); }

std::string SubscriptionRef(const CseIdentity& self, std::string_view sub_ri) {
  std::string out = self.cse_id;
  out.append("/").append(sub_ri);
  return out;
}

std::string ParentPath(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string Wrap(bj::object sgn) {
  bj::object root;
  root["m2m:sgn"] = std::move(sgn);
  return json::Serialize(root);
}

}  // namespace

struct Notifier::Impl {
  Impl(NotifierOptions o, storage::Store& s, std::unique_ptr<Sender> snd)
      : options(std::move(o)), store(s), sender(std::move(snd)), inbox(std::make_shared<Inbox>()) {
    if (options.max_attempts < 1) options.max_attempts = 1;
    if (options.first_retry_ms < 0) options.first_retry_ms = 0;
  }

  NotifierOptions options;
  storage::Store& store;
  std::unique_ptr<Sender> sender;
  std::shared_ptr<Inbox> inbox;

  std::mutex lifecycle_mu;  // started/stopped and the worker handle
  bool started = false;
  bool stopped = false;
  std::thread worker;

  // Which resources have subscriptions: parent ri → subscription ri's. A set rather than a count
  // so that seeing the same creation or deletion twice (start-up scan racing a queued write)
  // cannot skew it.
  std::mutex subs_mu;
  std::unordered_map<std::string, std::set<std::string>> subs_by_parent;

  bool HasSubscriptions(const std::string& ri) {
    std::lock_guard lock(subs_mu);
    return subs_by_parent.contains(ri);
  }
  void AddSubscription(const std::string& pi, const std::string& ri) {
    std::lock_guard lock(subs_mu);
    subs_by_parent[pi].insert(ri);
  }
  void RemoveSubscription(const std::string& pi, const std::string& ri) {
    std::lock_guard lock(subs_mu);
    auto it = subs_by_parent.find(pi);
    if (it == subs_by_parent.end()) return;
    it->second.erase(ri);
    if (it->second.empty()) subs_by_parent.erase(it);
  }

  void Run();
  void Handle(Job& job);
  void Process(const WriteEffects& fx);
  void NotifyEvent(const Event& ev, const WriteEffects& fx);
  std::optional<std::string> BuildEventNotification(const Resource& sub, const Event& ev);
  bool WithinSchedule(const Resource& sub);
  void SendDeletionNotice(const ResourceRecord& rec);
  void DecrementExc(const std::string& sub_ri);
  void Deliver(DeliverJob& job);
  void Attempt(Delivery d);
  // `fallback`: the AE's polling channel, for when its poa cannot be reached. `wake`: set when
  // the AE's node is asleep by its schedules — when it wakes (nullopt inside: not within a week).
  std::string ResolveTarget(const std::string& nu, std::string* fallback = nullptr,
                            std::optional<std::optional<TimePoint>>* wake = nullptr);
  std::string PoaOf(const ResourceRecord& rec, std::string* fallback = nullptr,
                    std::optional<std::optional<TimePoint>>* wake = nullptr);
  std::string PoaOf(const Resource& res, std::string* fallback = nullptr,
                    std::optional<std::optional<TimePoint>>* wake = nullptr);
  // When the node an AE runs on (its nl) is reachable next by the node's <schedule>s: nothing if
  // it is now (or has no schedule); a time; or a null time when not within the next week.
  std::optional<std::optional<TimePoint>> NodeWake(const Resource& ae);
  // Attempts `d` now, or when its node wakes.
  void AttemptWhenAwake(Delivery d, const std::optional<std::optional<TimePoint>>& wake);
  bool HasPollingChannel(const std::string& ae_ri);
  // One request to n.target; to `fallback` (a polling channel) instead when n.target cannot be
  // reached. The sender outlives every exchange it started (its Stop completes them), so it is
  // still there when the first attempt completes.
  void RequestOrFallBack(Notification n, std::string fallback,
                         std::function<void(Status, std::string)> done) {
    Sender* s = sender.get();
    Notification first = n;
    s->Request(first, [s, n = std::move(n), fallback = std::move(fallback),
                       done = std::move(done)](Status st, std::string pc) mutable {
      if (st.code() == Rsc::kTargetNotReachable && !fallback.empty()) {
        spdlog::debug("notifier: {} cannot be reached ({}): through the polling channel",
                      SafeUrl(n.target), st.message());
        n.target = std::move(fallback);
        return s->Request(n, std::move(done));
      }
      done(std::move(st), std::move(pc));
    });
  }
};

void Notifier::Impl::Run() {
  std::unique_lock lock(inbox->mu);
  for (;;) {
    if (inbox->closed) return;
    // Due retries go first: they are older than anything in the job queue.
    if (!inbox->retries.empty() && inbox->retries.top().due <= SteadyClock::now()) {
      Delivery d = inbox->retries.top().delivery;
      inbox->retries.pop();
      lock.unlock();
      Attempt(std::move(d));
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
    if (inbox->retries.empty()) {
      inbox->cv.wait(lock);
    } else {
      inbox->cv.wait_until(lock, inbox->retries.top().due);
    }
  }
}

void Notifier::Impl::Handle(Job& job) {
  // One bad record or a throwing allocation must not take the worker (and with it every later
  // notification) down.
  try {
    if (auto* c = std::get_if<CommittedJob>(&job)) {
      Process(c->fx);
    } else if (auto* e = std::get_if<ExcJob>(&job)) {
      DecrementExc(e->sub_ri);
    } else if (auto* d = std::get_if<DeliverJob>(&job)) {
      Deliver(*d);
    }
  } catch (const std::exception& ex) {
    spdlog::error("notifier: dropped a job after an internal error: {}", ex.what());
  } catch (...) {
    spdlog::error("notifier: dropped a job after an unknown internal error");
  }
}

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
    if (!WithinSchedule(*sub)) {
      spdlog::debug("notifier: subscription {}: outside its notificationSchedule", c.rec->ri);
      continue;
    }
    auto body = BuildEventNotification(*sub, ev);
    if (!body) continue;
    const bool counts_exc = c.stored && sub->attrs.contains("exc");
    for (const std::string& nu : StringList(sub->attrs, "nu")) {
      Delivery d;
      std::optional<std::optional<TimePoint>> wake;
      std::string target = ResolveTarget(nu, &d.fallback, &wake);
      if (target.empty()) {
        spdlog::warn("notifier: subscription {}: notification target cannot be resolved",
                     c.rec->ri);
        continue;
      }
      d.n = Notification{std::move(target), *body, resources::NewResourceId("ntf")};
      d.sub_ri = c.rec->ri;
      d.counts_exc = counts_exc;
      AttemptWhenAwake(std::move(d), wake);
    }
  }
}

// notificationSchedule (TS-0001 §9.6.9): a subscription with a <schedule> child notifies only
// within its entries; other events are dropped — unless its notificationEventCat is 2
// (immediate), which goes at once.
bool Notifier::Impl::WithinSchedule(const Resource& sub) {
  if (json::GetInt(sub.attrs, "nec").value_or(0) == 2) return true;
  auto rec = store.GetByPath(sub.path + "/notificationSchedule");
  if (!rec || !*rec) return true;
  auto sch = Resource::FromRecord(**rec);
  if (!sch) return true;
  const auto* se = sch->attrs.if_contains("se");
  if (se == nullptr || !se->is_object()) return true;
  const TimePoint now = Now();
  for (const std::string& text : StringList(se->get_object(), "sce")) {
    if (auto e = ScheduleEntry::Parse(text); e && e->Matches(now)) return true;
  }
  return false;
}

std::optional<std::string> Notifier::Impl::BuildEventNotification(const Resource& sub,
                                                                  const Event& ev) {
  const int64_t nct = json::GetInt(sub.attrs, "nct").value_or(1);
  bj::value rep;
  if (nct == 3) {
    rep = bj::string(ev.resource.ri);
  } else {
    auto res = Resource::FromRecord(ev.resource);
    if (!res) {
      spdlog::warn("notifier: cannot represent resource {}", ev.resource.ri);
      return std::nullopt;
    }
    // {"<tag>": attributes without the internal ones}; the resources layer owns the tag rules
    // (a flexContainer's key is its stored specialization).
    bj::object full = res->Representation();
    if (full.size() != 1 || !full.begin()->value().is_object()) return std::nullopt;
    if (nct == 2 && ev.kind == Event::Kind::kUpdate) {
      bj::object& attrs = full.begin()->value().as_object();
      bj::object changed;
      for (const std::string& name : ev.modified) {
        if (IsInternal(name)) continue;
        // An attribute removed by the update (set to null) is reported as null.
        const bj::value* v = attrs.if_contains(name);
        changed[name] = v ? *v : bj::value(nullptr);
      }
      attrs = std::move(changed);
    }
    rep = std::move(full);
  }
  bj::object nev;
  nev["rep"] = std::move(rep);
  nev["net"] = static_cast<int>(ev.kind);
  bj::object sgn;
  sgn["nev"] = std::move(nev);
  sgn["sur"] = SubscriptionRef(options.self, sub.ri());
  if (!sub.cr().empty()) sgn["cr"] = sub.cr();
  return Wrap(std::move(sgn));
}

void Notifier::Impl::SendDeletionNotice(const ResourceRecord& rec) {
  auto sub = Resource::FromRecord(rec);
  if (!sub) return;
  auto su = json::GetString(sub->attrs, "su");
  if (!su || su->empty()) return;
  std::string target = ResolveTarget(std::string(*su));
  if (target.empty()) {
    spdlog::warn("notifier: subscription {}: subscriber URI cannot be resolved", rec.ri);
    return;
  }
  bj::object sgn;
  sgn["sud"] = true;
  sgn["sur"] = SubscriptionRef(options.self, rec.ri);
  Delivery d;
  d.n = Notification{std::move(target), Wrap(std::move(sgn)), resources::NewResourceId("ntf")};
  d.sub_ri = rec.ri;
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
  // Runs on the storage writer thread: only enqueue. The deletion goes through the same path as
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
    inbox->Push(CommittedJob{std::move(fx)});
  };
  store.Submit(std::move(fn), std::move(done));
}

void Notifier::Impl::Attempt(Delivery d) {
  ++d.attempts;
  Notification n = d.n;
  // The callback may run on the sender's thread, or right here inside Send; it only touches the
  // inbox, under its own lock, never the worker's state.
  sender->Send(n, [inbox = inbox, d = std::move(d), max = options.max_attempts,
                   first = options.first_retry_ms](Status s) mutable {
    if (s.ok()) {
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
      spdlog::warn("notifier: giving up on a notification of {} to {} after {} attempts: {}",
                   d.sub_ri, SafeUrl(d.n.target), d.attempts, s.message());
      return;
    }
    // first, 2*first, 4*first, …; the shift is capped so it cannot overflow.
    const int64_t delay = static_cast<int64_t>(first) << std::min(d.attempts - 1, 20);
    spdlog::debug("notifier: notification of {} to {} failed ({}), retry in {} ms", d.sub_ri,
                  SafeUrl(d.n.target), s.message(), delay);
    inbox->Schedule(std::move(d), SteadyClock::now() + std::chrono::milliseconds(delay));
  });
}

bool Notifier::Impl::HasPollingChannel(const std::string& ae_ri) {
  if (!options.polling) return false;
  auto pch = store.Children(ae_ri, resources::ty::kPollingChannel,
                            storage::ChildOrder::kOldestFirst, 1);
  return pch && !pch->empty();
}

std::optional<std::optional<TimePoint>> Notifier::Impl::NodeWake(const Resource& ae) {
  auto nl = json::GetString(ae.attrs, "nl");
  if (!nl || nl->empty()) return std::nullopt;
  auto addr = ParseAddress(*nl, options.self);
  if (!addr) return std::nullopt;
  Result<std::optional<ResourceRecord>> node = std::optional<ResourceRecord>();
  if (addr->kind == LocalAddress::Kind::kUnstructured && addr->path.empty()) {
    node = store.Get(addr->ri);
  } else if (addr->kind == LocalAddress::Kind::kStructured) {
    node = store.GetByPath(addr->path);
  }
  if (!node || !*node || (*node)->ty != resources::ty::kNode) return std::nullopt;
  auto schedules = store.Children((*node)->ri, resources::ty::kSchedule,
                                  storage::ChildOrder::kOldestFirst, 16);
  if (!schedules || schedules->empty()) return std::nullopt;
  const TimePoint now = Now();
  constexpr auto kHorizon = std::chrono::hours{24 * 7};
  std::optional<TimePoint> earliest;
  for (const ResourceRecord& rec : *schedules) {
    auto sch = Resource::FromRecord(rec);
    if (!sch) continue;
    const auto* se = sch->attrs.if_contains("se");
    if (se == nullptr || !se->is_object()) continue;
    for (const std::string& text : StringList(se->get_object(), "sce")) {
      auto e = ScheduleEntry::Parse(text);
      if (!e) continue;
      if (e->Matches(now)) return std::nullopt;
      if (auto next = e->NextMatch(now, kHorizon); next && (!earliest || *next < *earliest)) {
        earliest = next;
      }
    }
  }
  return earliest;
}

void Notifier::Impl::AttemptWhenAwake(Delivery d,
                                      const std::optional<std::optional<TimePoint>>& wake) {
  if (!wake) return Attempt(std::move(d));
  if (!*wake) {
    spdlog::warn("notifier: notification of {}: the target's node is not reachable within a "
                 "week by its schedule; dropped",
                 d.sub_ri);
    return;
  }
  const auto delay = std::max<TimePoint::duration>(**wake - Now(), {});
  spdlog::debug("notifier: notification of {} held until its node wakes at {}", d.sub_ri,
                FormatTimestamp(**wake));
  inbox->Schedule(std::move(d), SteadyClock::now() + delay);
}

std::string Notifier::Impl::PoaOf(const ResourceRecord& rec, std::string* fallback,
                                  std::optional<std::optional<TimePoint>>* wake) {
  // AEs and (remote) CSEs are reachable through their points of access; other resources are not
  // notification targets.
  if (rec.ty != resources::ty::kAe && rec.ty != 16 /* remoteCSE */) return {};
  auto res = Resource::FromRecord(rec);
  return res ? PoaOf(*res, fallback, wake) : std::string();
}

std::string Notifier::Impl::PoaOf(const Resource& res, std::string* fallback,
                                  std::optional<std::optional<TimePoint>>* wake) {
  if (res.ty() != resources::ty::kAe && res.ty() != 16 /* remoteCSE */) return {};
  const std::string ri(res.ri());
  const std::string channel = "pch:" + ri;
  std::optional<bool> polls;  // has a <pollingChannel>: one storage read, when first needed
  auto has_channel = [&] {
    if (!polls) polls = HasPollingChannel(ri);
    return *polls;
  };
  // Not request-reachable: through its polling channel, if it has one.
  if (const auto* rr = res.attrs.if_contains("rr");
      rr && rr->is_bool() && !rr->get_bool() && has_channel()) {
    return channel;
  }
  // HTTP first; an MQTT point of access when there is none (the AE-ID receives the NOTIFY).
  std::string target, mqtt;
  for (const std::string& poa : StringList(res.attrs, "poa")) {
    if (StartsWith(poa, "http://")) {
      target = StripContentTypeParam(poa);
      break;
    }
    if (mqtt.empty() && (StartsWith(poa, "mqtt://") || StartsWith(poa, "mqtts://"))) {
      mqtt = StripContentTypeParam(poa) + "#" + ri;
    }
  }
  if (target.empty()) target = std::move(mqtt);
  // Reachable in principle; its polling channel, if any, is the way when the poa is not.
  if (target.empty()) return has_channel() ? channel : std::string();
  const bool fall_back = fallback != nullptr && has_channel();
  if (fall_back) *fallback = channel;
  // Asleep by its node's schedule: through its channel if it polls, else when it wakes.
  if (wake != nullptr) {
    if (auto w = NodeWake(res)) {
      if (fall_back) {
        fallback->clear();
        return channel;
      }
      *wake = w;
    }
  }
  return target;
}

std::string Notifier::Impl::ResolveTarget(const std::string& nu, std::string* fallback,
                                          std::optional<std::optional<TimePoint>>* wake) {
  // https targets pass through unchanged; the HTTP sender fails them (with a log line) until it
  // has TLS client support.
  if (StartsWith(nu, "http://") || StartsWith(nu, "https://")) return StripContentTypeParam(nu);
  if (nu.find("://") != std::string::npos) return {};  // mqtt://, coap://, …: not supported

  auto addr = ParseAddress(nu, options.self);
  if (!addr) return {};
  Result<std::optional<ResourceRecord>> rec = std::optional<ResourceRecord>();
  switch (addr->kind) {
    case LocalAddress::Kind::kStructured:
      rec = store.GetByPath(addr->path);
      break;
    case LocalAddress::Kind::kUnstructured:
      rec = store.Get(addr->ri);
      if (rec && *rec && !addr->path.empty()) {
        rec = store.GetByPath((*rec)->path + "/" + addr->path);
      }
      break;
    case LocalAddress::Kind::kRemote:
      return {};  // another CSE's resource: would need its remoteCSE registration
  }
  if (rec && *rec) return PoaOf(**rec, fallback, wake);

  // An AE's resource ID is its AE-ID-Stem on this CSE, so a nu that matched nothing by ID
  // names nothing here.
  return {};
}

void Notifier::Deliver(const std::string& nu, std::string body, const std::string& context) {
  // Resolving the target reads the store: done on the worker, not on the caller's thread
  // (often the storage writer's completion).
  impl_->inbox->Push(DeliverJob{nu, std::move(body), context});
}

void Notifier::Impl::Deliver(DeliverJob& job) {
  Delivery d;
  std::optional<std::optional<TimePoint>> wake;
  std::string target = ResolveTarget(job.nu, &d.fallback, &wake);
  if (target.empty()) {
    spdlog::info("notifier: {}: target cannot be resolved", job.context);
    return;
  }
  d.n = Notification{std::move(target), std::move(job.body), resources::NewResourceId("ntf")};
  d.sub_ri = std::move(job.context);
  AttemptWhenAwake(std::move(d), wake);
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
    target = impl_->PoaOf(ae, &fallback);
  } catch (const std::exception&) {
    target.clear();
  }
  if (target.empty()) {
    return done(Status(Rsc::kTargetNotReachable,
                       "the AE has no point of access and no polling channel"),
                {});
  }
  Notification n{std::move(target), std::move(body), resources::NewResourceId("fwd"), originator,
                 deadline};
  impl_->RequestOrFallBack(std::move(n), std::move(fallback), std::move(done));
}

void Notifier::Consult(const std::string& url, std::string body,
                       std::function<void(Status, std::string)> done) {
  static std::atomic<uint64_t> counter{0};
  Notification n{url, std::move(body), "dac" + std::to_string(++counter)};
  impl_->sender->Request(n, std::move(done));
}

Notifier::Notifier(NotifierOptions options, storage::Store& store, std::unique_ptr<Sender> sender)
    : impl_(std::make_unique<Impl>(std::move(options), store, std::move(sender))) {}

Notifier::~Notifier() { Stop(); }

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

void Notifier::OnCommitted(const resources::WriteEffects& fx) {
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
    url = impl_->ResolveTarget(target, &fallback);
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
  bj::object sgn;
  sgn["vrq"] = true;
  sgn["sur"] = SubscriptionRef(impl_->options.self, sub.ri());
  if (!creator.empty()) sgn["cr"] = creator;
  Notification n{std::move(url), Wrap(std::move(sgn)), resources::NewResourceId("vrq")};
  const std::string safe = SafeUrl(n.target);
  // No retries: the CREATE that waits for this must answer promptly.
  impl_->RequestOrFallBack(std::move(n), std::move(fallback), [done = std::move(done), safe](Status s, std::string) {
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
    return impl_->ResolveTarget(nu);
  } catch (const std::exception&) {
    return {};
  }
}

namespace {

class RoutingSender final : public Sender {
 public:
  RoutingSender(std::unique_ptr<Sender> http, std::unique_ptr<Sender> mqtt,
                std::unique_ptr<Sender> polling)
      : http_(std::move(http)), mqtt_(std::move(mqtt)), polling_(std::move(polling)) {}
  void Send(const Notification& n, std::function<void(Status)> done) override {
    Sender* s = Pick(n);
    if (s == nullptr) return done(Status(Rsc::kTargetNotReachable, "no route to the target"));
    s->Send(n, std::move(done));
  }
  void Request(const Notification& n, std::function<void(Status, std::string)> done) override {
    Sender* s = Pick(n);
    if (s == nullptr) return done(Status(Rsc::kTargetNotReachable, "no route to the target"), {});
    s->Request(n, std::move(done));
  }
  void Stop() override {
    for (Sender* s : {http_.get(), mqtt_.get(), polling_.get()}) {
      if (s) s->Stop();
    }
  }

 private:
  Sender* Pick(const Notification& n) {
    if (StartsWith(n.target, "mqtt://") || StartsWith(n.target, "mqtts://")) return mqtt_.get();
    if (StartsWith(n.target, "pch:")) return polling_.get();
    return http_.get();
  }
  std::unique_ptr<Sender> http_;
  std::unique_ptr<Sender> mqtt_;
  std::unique_ptr<Sender> polling_;
};

}  // namespace

std::unique_ptr<Sender> MakeRoutingSender(std::unique_ptr<Sender> http,
                                          std::unique_ptr<Sender> mqtt,
                                          std::unique_ptr<Sender> polling) {
  return std::make_unique<RoutingSender>(std::move(http), std::move(mqtt), std::move(polling));
}

}  // namespace trustcse::notification
