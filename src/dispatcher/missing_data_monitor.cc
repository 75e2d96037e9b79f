#include "dispatcher/missing_data_monitor.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <iterator>

#include "primitive/json_util.h"
#include "storage/query.h"

namespace trustcse::dispatcher {

namespace {

using resources::Resource;
namespace rty = resources::ty;

// How many instances, newest first, a write looks at to confirm that points are missing.
constexpr size_t kConfirmWindow = 64;
// How many instances, newest first, Load reads per series to know what already arrived.
constexpr size_t kLoadWindow = 256;
// Checks one round of RunDue runs before it submits what it found.
constexpr size_t kChecksPerRound = 1024;

int64_t Micros(TimePoint t) { return t.time_since_epoch().count(); }

std::optional<TimePoint> DgtOf(const storage::ResourceRecord& rec) {
  auto res = Resource::FromRecord(rec);
  if (!res) return std::nullopt;
  auto dgt = json::GetString(res->attrs, "dgt");
  return dgt ? ParseTimestamp(*dgt) : std::nullopt;
}

}  // namespace

MissingDataMonitor::MissingDataMonitor(storage::Store& store, Committer commit, Options options)
    : store_(store), commit_(std::move(commit)), options_(options) {}

MissingDataMonitor::~MissingDataMonitor() { Stop(); }

TimePoint MissingDataMonitor::Expected(const Series& s, int64_t n) {
  return s.m.anchor + n * s.m.pei;
}

size_t MissingDataMonitor::monitored() const { return count_.load(std::memory_order_relaxed); }

void MissingDataMonitor::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MissingDataMonitor::Clear() {
  std::lock_guard lock(mu_);
  series_.clear();
  queue_ = {};
  count_ = 0;
}

Status MissingDataMonitor::Load(const std::string& root_path, TimePoint now) {
  Clear();
  storage::DiscoveryQuery q;
  q.root_path = root_path;
  q.types = {rty::kTimeSeries};
  auto all = store_.Discover(q);
  if (!all) return all.error();
  std::lock_guard lock(mu_);
  for (const auto& rec : *all) UpsertLocked(rec, now, true);
  if (!series_.empty()) spdlog::info("missing data: monitoring {} timeSeries", series_.size());
  return Status::Ok();
}

void MissingDataMonitor::UpsertLocked(const storage::ResourceRecord& rec, TimePoint now,
                                      bool from_store) {
  auto res = Resource::FromRecord(rec);
  std::optional<resources::MissingDataMonitoring> m;
  if (res) m = resources::MonitoringOf(*res);
  auto it = series_.find(rec.ri);
  if (!m) {
    if (it != series_.end()) series_.erase(it);
    count_ = series_.size();
    return;
  }
  if (it != series_.end()) {
    Series& s = it->second;
    if (s.m.anchor_text == m->anchor_text && s.m.pei == m->pei && s.m.peid == m->peid &&
        s.m.mdt == m->mdt) {
      s.m.max_list = m->max_list;  // the same detection: only the list bound may have changed
      s.path = rec.path;
      return;
    }
  } else if (series_.size() >= options_.max_series) {
    if (!warned_full_) {
      spdlog::warn("missing data: {} timeSeries are monitored already; {} is not", series_.size(),
                   rec.path);
      warned_full_ = true;
    }
    return;
  }
  Series s;
  s.path = rec.path;
  s.m = *m;
  s.gen = ++next_gen_;
  // The first point whose detection time is ahead, less at most max_list overdue ones: after a
  // restart none are examined (from_store), for an old first instance at most the list bound.
  const int64_t overdue = now > DueAt(s, 1) ? (now - s.m.anchor - s.m.mdt) / s.m.pei : int64_t{0};
  const int64_t backlog = from_store ? 0 : static_cast<int64_t>(s.m.max_list);
  s.next = std::max<int64_t>(1, overdue + 1 - backlog);
  if (from_store) {
    auto kids = store_.Children(rec.ri, rty::kTimeSeriesInstance, storage::ChildOrder::kNewestFirst,
                                kLoadWindow);
    if (kids) {
      for (const auto& k : *kids) {
        if (auto dgt = DgtOf(k)) AddInstantLocked(s, *dgt);
      }
    }
  }
  series_[rec.ri] = std::move(s);
  count_ = series_.size();
  ScheduleLocked(rec.ri, series_[rec.ri]);
  if (options_.run_thread) StartThreadLocked();
}

void MissingDataMonitor::AddInstantLocked(Series& s, TimePoint dgt) {
  if (dgt < Expected(s, s.next) - s.m.peid) return;  // its points were checked already
  s.instants.insert(Micros(dgt));
  if (s.instants.size() > options_.max_instants) s.instants.erase(std::prev(s.instants.end()));
}

void MissingDataMonitor::PruneLocked(Series& s) {
  const int64_t lowest = Micros(Expected(s, s.next) - s.m.peid);
  s.instants.erase(s.instants.begin(), s.instants.lower_bound(lowest));
}

void MissingDataMonitor::ScheduleLocked(const std::string& ri, const Series& s) {
  const bool earliest = queue_.empty() || DueAt(s, s.next) < queue_.top().at;
  queue_.push(Due{DueAt(s, s.next), s.gen, ri});
  // Entries of reconfigured or removed series stay until they come up; rebuild when they pile.
  if (queue_.size() > 2 * series_.size() + 1024) {
    decltype(queue_) fresh;
    for (const auto& [id, series] : series_) {
      fresh.push(Due{DueAt(series, series.next), series.gen, id});
    }
    queue_ = std::move(fresh);
  }
  if (earliest) cv_.notify_one();
}

void MissingDataMonitor::OnCommitted(const resources::WriteEffects& fx) {
  if (fx.series.empty() && count_.load(std::memory_order_relaxed) == 0) return;
  const TimePoint now = Now();
  std::lock_guard lock(mu_);
  for (const auto& rec : fx.series) UpsertLocked(rec, now, false);
  if (series_.empty()) return;
  for (const auto& ev : fx.events) {
    if (ev.kind != resources::Event::Kind::kCreateChild ||
        ev.resource.ty != rty::kTimeSeriesInstance) {
      continue;
    }
    auto it = series_.find(ev.subject_ri);
    if (it == series_.end()) continue;
    if (auto dgt = DgtOf(ev.resource)) AddInstantLocked(it->second, *dgt);
  }
  for (const auto& rec : fx.deleted) {
    if (rec.ty == rty::kTimeSeries) {
      series_.erase(rec.ri);  // §7.4.38.2.4: its timers end with it
    } else if (rec.ty == rty::kTimeSeriesInstance) {
      auto it = series_.find(rec.pi);
      if (it == series_.end()) continue;
      if (auto dgt = DgtOf(rec)) it->second.instants.erase(Micros(*dgt));
    }
  }
  count_ = series_.size();
}

size_t MissingDataMonitor::RunDue(TimePoint now) {
  std::vector<Job> jobs;
  {
    std::lock_guard lock(mu_);
    size_t checks = 0;
    while (!queue_.empty() && queue_.top().at <= now && checks < kChecksPerRound) {
      Due d = queue_.top();
      queue_.pop();
      auto it = series_.find(d.ri);
      if (it == series_.end() || it->second.gen != d.gen) continue;
      Series& s = it->second;
      Job job{d.ri, s.m.anchor_text, {}};
      while (DueAt(s, s.next) <= now && checks < kChecksPerRound) {
        const TimePoint expected = Expected(s, s.next);
        auto match = s.instants.lower_bound(Micros(expected - s.m.peid));
        if (match == s.instants.end() || *match > Micros(expected + s.m.peid)) {
          job.points.push_back(expected);
        }
        ++s.next;
        ++checks;
        PruneLocked(s);
      }
      if (job.points.size() > s.m.max_list) {
        job.points.erase(job.points.begin(),
                         job.points.end() - static_cast<std::ptrdiff_t>(s.m.max_list));
      }
      ScheduleLocked(d.ri, s);
      if (!job.points.empty()) jobs.push_back(std::move(job));
    }
  }
  for (Job& job : jobs) {
    std::string ri = job.ri;
    commit_(RecordWrite(std::move(job)), [ri](Status s) {
      if (!s.ok()) spdlog::warn("missing data: recording for {} failed: {}", ri, s.message());
    });
  }
  return jobs.size();
}

MissingDataMonitor::WriteFn MissingDataMonitor::RecordWrite(Job job) {
  return [job = std::move(job)](storage::WriteTxn& txn, resources::WriteEffects& fx) -> Status {
    auto rec = txn.Get(job.ri);
    if (!rec) return rec.error();
    if (!*rec) return Status::Ok();  // deleted meanwhile
    auto ts = Resource::FromRecord(**rec);
    if (!ts) return ts.error();
    auto m = resources::MonitoringOf(*ts);
    if (!m || m->anchor_text != job.anchor) return Status::Ok();  // stopped or restarted
    // An instance committed after the monitor last heard of it still counts.
    auto kids = txn.Children(job.ri, rty::kTimeSeriesInstance, storage::ChildOrder::kNewestFirst,
                             kConfirmWindow);
    if (!kids) return kids.error();
    std::vector<TimePoint> recent;
    for (const auto& k : *kids) {
      if (auto dgt = DgtOf(k)) recent.push_back(*dgt);
    }
    std::vector<TimePoint> missing;
    std::vector<std::string> names;
    for (TimePoint p : job.points) {
      bool arrived = std::any_of(recent.begin(), recent.end(),
                                 [&](TimePoint d) { return d >= p - m->peid && d <= p + m->peid; });
      if (arrived) continue;
      missing.push_back(p);
      names.push_back(FormatTimestamp(p));
    }
    if (missing.empty()) return Status::Ok();
    resources::RecordMissingData(*ts, missing);
    auto out = ts->ToRecord();
    if (auto s = txn.Update(out); !s.ok()) return s;
    fx.events.push_back(resources::Event{resources::Event::Kind::kMissingData, job.ri, ts->path,
                                         out, std::move(names)});
    return Status::Ok();
  };
}

void MissingDataMonitor::StartThreadLocked() {
  if (thread_.joinable() || stop_) return;
  try {
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "tc-missingdata");
      Run();
    });
  } catch (const std::exception& ex) {
    spdlog::error("missing data: cannot start the monitor thread: {}", ex.what());
  }
}

void MissingDataMonitor::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const TimePoint now = Now();
    const TimePoint at = queue_.top().at;
    if (at > now) {
      // Waits in slices of at most a second: the wall clock may be set meanwhile.
      cv_.wait_for(lock, std::min<std::chrono::microseconds>(at - now, std::chrono::seconds(1)));
      continue;
    }
    lock.unlock();
    RunDue(Now());
    lock.lock();
  }
}

}  // namespace trustcse::dispatcher
