// Missing-data detection of a <timeSeries> (TS-0004 §7.4.38.2.1, TS-0001 §10.2.4.29): what the
// resource says about it, for the type's hooks (time_series.cc, time_series_instance.cc) and for
// the dispatcher's monitor, which keeps the timers (dispatcher/missing_data_monitor.h).
//
// While missingDataDetect is true and periodicInterval is set, the first <timeSeriesInstance>
// received starts the monitoring: its dataGenerationTime is the anchor, kept in the internal
// attribute "__mda". The N-th expected point is anchor + N * periodicInterval; it is missing if
// no instance with a dataGenerationTime within periodicIntervalDelta of it is present at
// anchor + N * periodicInterval + missingDataDetectTimer. Setting missingDataDetect to true again
// clears "__mda", so monitoring restarts at the next instance.
//
// Pure functions on a parsed resource; thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/time.h"
#include "resources/resource.h"

namespace trustcse::resources {

// The internal attribute holding the anchor (a timestamp).
inline constexpr std::string_view kMonitoringAnchor = "__mda";
// missingDataList's bound when missingDataMaxNr is absent (the attribute has no default, but a
// list the CSE grows must end somewhere).
inline constexpr size_t kMaxMissingDataList = 1000;

struct MissingDataMonitoring {
  std::chrono::microseconds pei{0};       // periodicInterval
  std::chrono::microseconds peid{0};      // periodicIntervalDelta
  std::chrono::microseconds mdt{0};       // missingDataDetectTimer
  TimePoint anchor;                       // dgt of the first instance since monitoring (re)started
  std::string anchor_text;                // "__mda" as stored: names one monitoring session
  size_t max_list = kMaxMissingDataList;  // missingDataMaxNr, or the bound above
};

// True if `ts` asks for monitoring (mdd true and pei set), started or not.
bool WantsMonitoring(const Resource& ts);
// The monitoring of `ts` when it runs: wanted and started by a first instance.
std::optional<MissingDataMonitoring> MonitoringOf(const Resource& ts);

// Appends the expected dataGenerationTimes `points` (oldest first) to missingDataList, drops the
// oldest entries beyond missingDataMaxNr (or kMaxMissingDataList), and sets missingDataCurrentNr
// to the list's length (§7.4.38.2.1: it grows by one per point and stays at missingDataMaxNr).
void RecordMissingData(Resource& ts, std::span<const TimePoint> points);

// The missingData condition of a subscription's eventNotificationCriteria (enc.md; members
// number and duration, Table 8.2.5-1): once `num` points went missing within a window of `dur`
// that starts at the first missing point, each further missing point is notified until the
// window ends (TS-0001 §10.2.4.29).
struct MissingDataCriteria {
  uint64_t num = 1;
  std::optional<std::chrono::milliseconds> dur;  // none: the window never ends
};
// enc.md of a subscription's enc; nullopt when there is none, 4000 when it is malformed.
Result<std::optional<MissingDataCriteria>> MissingDataCriteriaOf(const bj::object& enc);

// The subscription rules of missing-data reports (TS-0004 §7.4.8.2.1 Recv-6.4, §7.4.8.2.3):
// notificationEventType 8 needs enc.md, enc.md needs a <timeSeries> as the subscribed-to
// resource (`subject_ty`), and notificationContentType 5 (timeSeries notification) goes with
// notificationEventType 8 and nothing else. All 4000.
Status CheckMissingDataSubscription(const Resource& sub, int subject_ty);
// True if the subscription's enc.net lists 8 (Report_on_missing_data_points).
bool ReportsMissingData(const Resource& sub);

}  // namespace trustcse::resources
