// Internal to notification/: the reporting window of each subscription to missing data points
// (notificationEventType 8, TS-0004 §7.5.1.2.9, TS-0001 §10.2.4.29). The first missing point
// after the subscription's creation opens a window of the missingData duration and starts a
// count; once the count reaches the missingData number, a notification lists the points found
// since the last one (missingDataList) with the count since the window opened
// (missingDataCurrentNr), and every further point in the window is notified the same way. When
// the window has ended, the next missing point opens a new one with the count at 1.
//
// Ownership: the notifier's Impl owns one; the windows are kept in memory only (a restart
// starts every window afresh). Bounded: at most kMaxWindows subscriptions, each holding at most
// kMaxMissingDataList pending points. Thread-safety: none — used from the notifier worker only.
// Errors: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/time.h"
#include "resources/missing_data.h"

namespace trustcse::notification {

class MissingDataReports {
 public:
  static constexpr size_t kMaxWindows = 100000;

  struct Report {
    std::vector<std::string> points;  // missingDataList: expected dgts since the last report
    uint64_t count = 0;               // missingDataCurrentNr: points since the window opened
  };

  // Counts `points` (found missing at `now`) for subscription `sub_ri` with condition `c`;
  // returns what to notify, or nothing while the count is below c.num.
  std::optional<Report> Record(const std::string& sub_ri, const resources::MissingDataCriteria& c,
                               const std::vector<std::string>& points, TimePoint now);
  // The subscription is gone (or its condition changed): its window ends.
  void Forget(const std::string& sub_ri) { windows_.erase(sub_ri); }
  size_t size() const { return windows_.size(); }

 private:
  struct Window {
    std::optional<TimePoint> end;  // none: no duration, the window never ends
    uint64_t count = 0;
    std::vector<std::string> pending;
  };
  std::unordered_map<std::string, Window> windows_;
};

}  // namespace trustcse::notification
