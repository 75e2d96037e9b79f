// The notification policies between a matched event and its deliveries (notifier.h; TS-0004
// §7.5.1.2.2 Steps 2.0–6.0, TS-0001 §10.2.10.7): statistics (nse/nsi, Release 4), the
// notificationSchedule with pendingNotification caches, batchNotify with latestNotify, and the
// Event Category (nec, ln). Everything here runs on the notifier's worker thread.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <utility>

#include "notification/attribute_lists.h"
#include "notification/event_matching.h"
#include "notification/notification_body.h"
#include "notification/notifier_impl.h"
#include "primitive/json_util.h"
#include "primitive/request_parameters.h"

namespace trustcse::notification {
namespace {

namespace bj = boost::json;
using resources::Resource;
using storage::ResourceRecord;

constexpr int kLatest = 4;     // m2m:stdEventCats latest
constexpr int kImmediate = 2;  // m2m:stdEventCats immediate

// Steps 2.2/2.3: latestNotify makes every notification "latest"; otherwise notificationEventCat.
std::optional<int> EventCategoryOf(const Resource& sub) {
  if (const auto* ln = sub.attrs.if_contains("ln"); ln && ln->is_bool() && ln->get_bool()) {
    return kLatest;
  }
  if (auto nec = json::GetInt(sub.attrs, "nec")) return static_cast<int>(*nec);
  return std::nullopt;
}

bool LatestOnly(const Resource& sub) {
  const auto* ln = sub.attrs.if_contains("ln");
  return ln && ln->is_bool() && ln->get_bool();
}

bool RecordsStatistics(const Resource& sub) {
  const auto* nse = sub.attrs.if_contains("nse");
  return nse && nse->is_bool() && nse->get_bool();
}

const bj::object* BatchPolicy(const Resource& sub) {
  const auto* bn = sub.attrs.if_contains("bn");
  return bn && bn->is_object() ? &bn->get_object() : nullptr;
}

// The subscription as stored now, if it still is.
std::optional<Resource> LoadSubscription(storage::Store& store, const std::string& ri) {
  auto rec = store.Get(ri);
  if (!rec || !*rec) return std::nullopt;
  auto sub = Resource::FromRecord(**rec);
  if (!sub) return std::nullopt;
  return std::move(*sub);
}

SteadyClock::time_point SteadyAt(TimePoint t) {
  return SteadyClock::now() + std::max<TimePoint::duration>(t - Now(), {});
}

}  // namespace

void Notifier::Impl::Emit(const Resource& sub, bool stored, bj::object sgn) {
  if (stored && RecordsStatistics(sub)) CountEvent(sub);
  // Step 3.0: the notificationSchedule, unless the event is immediate.
  const bool immediate = json::GetInt(sub.attrs, "nec").value_or(0) == kImmediate;
  if (!immediate && !WithinNotificationSchedule(store, sub)) {
    if (stored && sub.attrs.contains("pn")) return HoldPending(sub, std::move(sgn));
    spdlog::debug("notifier: subscription {}: outside its notificationSchedule", sub.ri());
    return;  // Step 4.0 without pendingNotification: discarded
  }
  // Sending is possible: what was cached goes first, in order (Step 6.0).
  if (auto it = pending.find(std::string(sub.ri())); it != pending.end() && !it->second.sgns.empty()) {
    if (it->second.sending) {  // still being released one by one: this one queues behind
      if (stored && sub.attrs.contains("pn")) return HoldPending(sub, std::move(sgn));
    } else {
      ReleasePending(std::string(sub.ri()));
    }
  }
  SendOrBatch(sub, stored, std::move(sgn), EventCategoryOf(sub));
}

void Notifier::Impl::SendOrBatch(const Resource& sub, bool stored, bj::object sgn,
                                 std::optional<int> ec) {
  const bj::object* bn = BatchPolicy(sub);
  if (bn == nullptr || held >= kMaxHeld) {
    return DeliverToTargets(sub, stored, NotificationBody(std::move(sgn)), ec);
  }
  const std::string ri(sub.ri());
  Batch& b = batches[ri];
  if (b.sgns.empty()) {
    // The first event of a batch starts its timer (TS-0001 §10.2.10.7).
    b.generation = next_generation++;
    b.events = 0;
    auto dur = ParseIsoDuration(json::GetString(*bn, "dur").value_or(""));
    inbox->Schedule(Timer{Timer::Kind::kBatch, ri, b.generation, {}},
                    SteadyClock::now() + dur.value_or(std::chrono::seconds(60)));
  }
  ++b.events;
  if (LatestOnly(sub) && !b.sgns.empty()) {
    b.sgns.back() = std::move(sgn);  // latestNotify: only the latest is kept
  } else {
    b.sgns.push_back(std::move(sgn));
    ++held;
  }
  const int64_t num = json::GetInt(*bn, "num").value_or(0);
  if ((num > 0 && b.events >= static_cast<uint64_t>(num)) || b.sgns.size() >= kMaxBatch) {
    FlushBatch(sub, stored);
  }
}

void Notifier::Impl::FlushBatch(const Resource& sub, bool stored) {
  auto it = batches.find(std::string(sub.ri()));
  if (it == batches.end()) return;
  std::vector<bj::object> sgns = std::move(it->second.sgns);
  batches.erase(it);  // its timer finds no batch of its generation
  held -= std::min(held, sgns.size());
  if (sgns.empty()) return;
  // One request per target: the batch as m2m:agn, or with latestNotify the one latest m2m:sgn.
  const bool single = LatestOnly(sub) && sgns.size() == 1;
  std::string body = single ? NotificationBody(std::move(sgns.front()))
                            : AggregatedNotificationBody(std::move(sgns));
  DeliverToTargets(sub, stored, body, EventCategoryOf(sub));
}

void Notifier::Impl::DeliverToTargets(const Resource& sub, bool stored, const std::string& body,
                                      std::optional<int> ec, std::function<void()> after) {
  const bool counts_exc = stored && sub.attrs.contains("exc");
  const bool stats = stored && RecordsStatistics(sub);
  std::vector<std::pair<Delivery, NodeWake>> deliveries;
  for (const std::string& nu : StringList(sub.attrs, "nu")) {
    Delivery d;
    NodeWake wake;
    d.n = Addressed(nu, body, "ntf", &d.fallback, &wake);
    if (d.n.target.empty()) {
      spdlog::warn("notifier: subscription {}: notification target cannot be resolved",
                   sub.ri());
      continue;
    }
    d.n.ec = ec;
    d.sub_ri = std::string(sub.ri());
    d.nu = nu;
    d.counts_exc = counts_exc;
    d.stats = stats;
    deliveries.emplace_back(std::move(d), std::move(wake));
  }
  // Released when the last delivery answered or was dropped (its Delivery destroyed).
  auto wait = after && !deliveries.empty()
                  ? std::make_shared<NoticeWait>(deliveries.size(), std::move(after))
                  : nullptr;
  if (after && deliveries.empty()) after();
  for (auto& [d, wake] : deliveries) {
    d.wait = wait;
    AttemptWhenAwake(std::move(d), wake);
  }
}

void Notifier::Impl::HoldPending(const Resource& sub, bj::object sgn) {
  const std::string ri(sub.ri());
  Pending& p = pending[ri];
  if (p.sgns.empty()) p.generation = next_generation++;
  const bool latest = json::GetInt(sub.attrs, "pn").value_or(0) == 1;
  if (latest && !p.sgns.empty()) {
    p.sgns.back() = std::move(sgn);  // sendLatest: only the most recent is cached
  } else if (held >= kMaxHeld && p.sgns.empty()) {
    spdlog::warn("notifier: subscription {}: too many held notifications, one dropped", ri);
    counters->failed.fetch_add(1, std::memory_order_relaxed);
    pending.erase(ri);
    return;
  } else {
    if (p.sgns.size() >= kMaxPending || held >= kMaxHeld) {
      spdlog::warn("notifier: subscription {}: pending cache full, the oldest is dropped", ri);
      counters->failed.fetch_add(1, std::memory_order_relaxed);
      p.sgns.pop_front();
      --held;
    }
    p.sgns.push_back(std::move(sgn));
    ++held;
  }
  if (p.release_scheduled) return;
  auto next = NextNotificationWindow(store, sub, Now());
  if (!next) {
    // Not within a week: checked again then; the cache keeps its bound meanwhile.
    next = Now() + std::chrono::hours(24 * 7);
  }
  p.release_scheduled = true;
  inbox->Schedule(Timer{Timer::Kind::kPending, ri, p.generation, {}}, SteadyAt(*next));
}

void Notifier::Impl::ReleasePending(const std::string& sub_ri) {
  auto it = pending.find(sub_ri);
  if (it == pending.end()) return;
  auto sub = LoadSubscription(store, sub_ri);
  if (!sub || !sub->attrs.contains("pn")) {
    held -= std::min(held, it->second.sgns.size());
    pending.erase(it);  // deleted, or pn removed meanwhile: nothing is sent (§7.4.8.2.3)
    return;
  }
  const bool immediate = json::GetInt(sub->attrs, "nec").value_or(0) == kImmediate;
  if (!immediate && !WithinNotificationSchedule(store, *sub)) {
    it->second.release_scheduled = true;
    auto next = NextNotificationWindow(store, *sub, Now());
    inbox->Schedule(Timer{Timer::Kind::kPending, sub_ri, it->second.generation, {}},
                    SteadyAt(next.value_or(Now() + std::chrono::hours(24 * 7))));
    return;
  }
  const bool latest = json::GetInt(sub->attrs, "pn").value_or(0) == 1;
  if (!latest && BatchPolicy(*sub) == nullptr && it->second.sgns.size() > 1) {
    // sendAllPending, one at a time: two requests in flight to one target on two connections
    // may arrive in either order. The next is released once this one has been answered.
    Pending& p = it->second;
    bj::object first = std::move(p.sgns.front());
    p.sgns.pop_front();
    held -= std::min<size_t>(held, 1);
    p.sending = true;
    p.release_scheduled = true;
    auto next = [inbox = inbox, ri = sub_ri, generation = p.generation] {
      inbox->Schedule(Timer{Timer::Kind::kPending, ri, generation, {}}, SteadyClock::now());
    };
    DeliverToTargets(*sub, true, NotificationBody(std::move(first)), EventCategoryOf(*sub),
                     std::move(next));
    return;
  }
  std::deque<bj::object> sgns = std::move(it->second.sgns);
  pending.erase(it);
  held -= std::min(held, sgns.size());
  if (latest) {
    // sendLatest: the most recent one, with Event Category "latest" (Step 4.0).
    if (!sgns.empty()) SendOrBatch(*sub, true, std::move(sgns.back()), kLatest);
    return;
  }
  for (auto& sgn : sgns) SendOrBatch(*sub, true, std::move(sgn), EventCategoryOf(*sub));
}

void Notifier::Impl::SubscriptionChanged(const Resource& sub) {
  const std::string ri(sub.ri());
  // §7.4.8.2.3 Recv-6.5: pn removed drops the cache; sendLatest keeps only the latest.
  if (auto it = pending.find(ri); it != pending.end()) {
    auto pn = json::GetInt(sub.attrs, "pn");
    auto& sgns = it->second.sgns;
    if (!pn) {
      held -= std::min(held, sgns.size());
      pending.erase(it);
    } else if (*pn == 1 && sgns.size() > 1) {
      held -= std::min(held, sgns.size() - 1);
      sgns.erase(sgns.begin(), sgns.end() - 1);
    }
  }
  // Without bn any more, what was batched goes now.
  if (BatchPolicy(sub) == nullptr && batches.contains(ri)) FlushBatch(sub, true);
  if (!RecordsStatistics(sub)) stats.erase(ri);
}

void Notifier::Impl::SubscriptionDeleted(const Resource& sub) {
  const std::string ri(sub.ri());
  // The batched events happened while it existed: they go, before the deletion notice.
  FlushBatch(sub, false);
  if (auto it = pending.find(ri); it != pending.end()) {
    held -= std::min(held, it->second.sgns.size());
    pending.erase(it);  // §7.4.8.2.4: cached notifications are removed
  }
  stats.erase(ri);
}

void Notifier::Impl::OnTimer(const Timer& t) {
  switch (t.kind) {
    case Timer::Kind::kBatch: {
      auto it = batches.find(t.sub_ri);
      if (it == batches.end() || it->second.generation != t.generation) return;
      auto sub = LoadSubscription(store, t.sub_ri);
      if (!sub) {
        held -= std::min(held, it->second.sgns.size());
        batches.erase(it);
        return;
      }
      return FlushBatch(*sub, true);
    }
    case Timer::Kind::kPending: {
      auto it = pending.find(t.sub_ri);
      if (it == pending.end() || it->second.generation != t.generation) return;
      it->second.release_scheduled = false;
      return ReleasePending(t.sub_ri);
    }
    case Timer::Kind::kStats:
      stats_flush_scheduled = false;
      return FlushStats();
    case Timer::Kind::kNoticeWait:
      if (auto w = t.wait.lock()) w->Release();
      return;
  }
}

// Statistics (nse/nsi, TS-0004 Release 4): per notification target, requests sent (rqs) and
// responses received (rsr), and the events the subscription matched (noec). Counted here and
// written back at most every stats_flush_ms, one storage write per subscription.
void Notifier::Impl::CountEvent(const Resource& sub) {
  ++stats[std::string(sub.ri())].events;
  if (!stats_flush_scheduled) {
    stats_flush_scheduled = true;
    inbox->Schedule(Timer{Timer::Kind::kStats, {}, 0, {}},
                    SteadyClock::now() + std::chrono::milliseconds(options.stats_flush_ms));
  }
}

void Notifier::Impl::CountRequest(const Delivery& d) {
  ++stats[d.sub_ri].requests[d.nu].first;
  if (!stats_flush_scheduled) {
    stats_flush_scheduled = true;
    inbox->Schedule(Timer{Timer::Kind::kStats, {}, 0, {}},
                    SteadyClock::now() + std::chrono::milliseconds(options.stats_flush_ms));
  }
}

void Notifier::Impl::CountResponse(const std::string& sub_ri, const std::string& nu) {
  ++stats[sub_ri].requests[nu].second;
  if (!stats_flush_scheduled) {
    stats_flush_scheduled = true;
    inbox->Schedule(Timer{Timer::Kind::kStats, {}, 0, {}},
                    SteadyClock::now() + std::chrono::milliseconds(options.stats_flush_ms));
  }
}

void Notifier::Impl::FlushStats() {
  auto all = std::exchange(stats, {});
  for (auto& entry : all) {
    // Named copies: lambdas may not capture structured bindings (clang 14).
    const std::string sub_ri = entry.first;
    // Read-modify-write in the writer: serialized with the subscription's own UPDATEs, which
    // may have switched the statistics off or restarted them meanwhile.
    storage::WriteFn fn = [sub_ri, delta = std::move(entry.second)](storage::WriteTxn& txn) -> Status {
      auto got = txn.Get(sub_ri);
      if (!got) return got.error();
      if (!*got) return Status::Ok();
      auto sub = Resource::FromRecord(**got);
      if (!sub) return sub.error();
      if (!RecordsStatistics(*sub)) return Status::Ok();
      // One entry per notification target, in nu's order; targets no longer in nu are dropped.
      bj::array old;
      if (const auto* nsi = sub->attrs.if_contains("nsi"); nsi && nsi->is_array()) {
        old = nsi->get_array();
      }
      bj::array nsi;
      for (const std::string& tg : StringList(sub->attrs, "nu")) {
        bj::object entry{{"tg", tg}, {"rqs", 0}, {"rsr", 0}, {"noec", 0}};
        for (const auto& e : old) {
          if (e.is_object() && json::GetString(e.get_object(), "tg") == tg) {
            entry = e.get_object();
            break;
          }
        }
        int64_t rqs = json::GetInt(entry, "rqs").value_or(0);
        int64_t rsr = json::GetInt(entry, "rsr").value_or(0);
        int64_t noec = json::GetInt(entry, "noec").value_or(0);
        if (auto r = delta.requests.find(tg); r != delta.requests.end()) {
          rqs += static_cast<int64_t>(r->second.first);
          rsr += static_cast<int64_t>(r->second.second);
        }
        noec += static_cast<int64_t>(delta.events);
        entry["rqs"] = rqs;
        entry["rsr"] = rsr;
        entry["noec"] = noec;
        nsi.emplace_back(std::move(entry));
      }
      sub->attrs["nsi"] = std::move(nsi);
      return txn.Update(sub->ToRecord());
    };
    store.Submit(std::move(fn), [sub_ri](Status s) {
      if (!s.ok()) spdlog::warn("notifier: cannot record statistics of {}: {}", sub_ri, s.message());
    });
  }
}

}  // namespace trustcse::notification
