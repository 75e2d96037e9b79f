// MissingDataMonitor: the timers of missing-data detection (TS-0004 §7.4.38.2.1, TS-0001
// §10.2.4.29) for every <timeSeries> being monitored — one thread ("tc-missingdata", started
// when the first series is monitored) and one time-ordered queue of due checks, not a timer per
// series: each series has exactly one pending check, its next expected data point.
//
// What a check decides is in resources/missing_data.h: the N-th point (anchor + N *
// periodicInterval) is missing if no instance's dataGenerationTime lies within
// periodicIntervalDelta of it when missingDataDetectTimer has passed after it. The monitor keeps,
// per series, the dataGenerationTimes of the instances that can still matter (fed from committed
// writes), so a check costs no storage read; a point found missing is confirmed against the
// store and recorded (missingDataList, missingDataCurrentNr) in one write through the
// dispatcher's Commit, which also carries a kMissingData event to the notifier (net 8).
//
// Restart: the monitored series are loaded from the store (Load); each resumes at its first
// expected point whose detection time is still ahead. Points whose detection time passed while
// the CSE was stopped are not examined (nobody could have stored them then). A series that
// starts with an old first instance, or a monitor that fell behind, examines at most its list
// bound (missingDataMaxNr) of overdue points — older ones could not stay in missingDataList.
//
// Bounded: at most Options::max_series series (beyond, a series is not monitored and a warning
// is logged), at most Options::max_instants kept instants per series (the farthest dropped), the
// queue compacted when stale entries pile up. Thread-safety: all methods may be called from any
// thread; OnCommitted runs on the storage writer's completion and only takes a short lock. The
// monitor never holds its lock while it submits a write.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <queue>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "resources/missing_data.h"
#include "storage/store.h"

namespace trustcse::dispatcher {

class MissingDataMonitor {
 public:
  using WriteFn = std::function<Status(storage::WriteTxn&, resources::WriteEffects&)>;
  // Submits a write the way the dispatcher does (caches, notifier, this monitor).
  using Committer = std::function<void(WriteFn, std::function<void(Status)>)>;

  struct Options {
    size_t max_series = 100000;
    size_t max_instants = 4096;
    bool run_thread = true;  // false: the owner (a test) calls RunDue itself
  };

  MissingDataMonitor(storage::Store& store, Committer commit, Options options);
  ~MissingDataMonitor();
  MissingDataMonitor(const MissingDataMonitor&) = delete;
  MissingDataMonitor& operator=(const MissingDataMonitor&) = delete;

  // Forgets everything, then monitors the series below `root_path` whose detection runs.
  Status Load(const std::string& root_path, TimePoint now);
  // Follows one committed write: series started, changed or stopped (fx.series), instances
  // created or removed, series deleted.
  void OnCommitted(const resources::WriteEffects& fx);
  // Forgets every series (the upper tester's reset).
  void Clear();
  // Ends the thread; checks no longer run. Idempotent.
  void Stop();

  // Runs the checks due at `now` and submits the writes for what is missing; returns how many
  // writes it submitted.
  size_t RunDue(TimePoint now);
  // Number of series being monitored.
  size_t monitored() const;

 private:
  struct Series {
    std::string path;
    resources::MissingDataMonitoring m;
    int64_t next = 1;            // the next expected point to check (N)
    uint64_t gen = 0;            // a reconfiguration makes older queue entries stale
    std::set<int64_t> instants;  // dgts (µs since the epoch) that can still match a point
  };
  struct Due {
    TimePoint at;
    uint64_t gen;
    std::string ri;
    bool operator>(const Due& o) const { return at > o.at; }
  };
  struct Job {
    std::string ri;
    std::string anchor;
    std::vector<TimePoint> points;
  };

  static TimePoint Expected(const Series& s, int64_t n);
  static TimePoint DueAt(const Series& s, int64_t n) { return Expected(s, n) + s.m.mdt; }
  // Inserts or replaces the series a written record describes; drops it when detection stopped.
  void UpsertLocked(const storage::ResourceRecord& rec, TimePoint now, bool from_store);
  void AddInstantLocked(Series& s, TimePoint dgt);
  void PruneLocked(Series& s);
  void ScheduleLocked(const std::string& ri, const Series& s);
  WriteFn RecordWrite(Job job);
  void StartThreadLocked();
  void Run();

  storage::Store& store_;
  const Committer commit_;
  const Options options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, Series> series_;  // guarded by mu_; by the series' ri
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> queue_;  // guarded by mu_
  uint64_t next_gen_ = 0;                                                // guarded by mu_
  bool stop_ = false;                                                    // guarded by mu_
  bool warned_full_ = false;                                             // guarded by mu_
  std::atomic<size_t> count_{0};  // series_.size(), read without the lock
  std::thread thread_;
};

}  // namespace trustcse::dispatcher
