// scheduleEntry (TS-0004 §6.3.3, m2m:scheduleEntry): seven cron-like fields matched against a
// UTC time — second (0–59), minute (0–59), hour (0–23), day of month (1–31), month (1–12), day
// of week (0–6, Sunday 0; 7 is Sunday too), year. A field is `*`, a number, a range `a-b` (a
// range whose start is after its end wraps around: 22-5 in hours is 22..23 and 0..5), any of
// these with a step `/n`, or a comma-separated list of them. Used by access-control time windows
// (actw) and by <schedule> resources. Pure, thread-safe.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string_view>

#include "common/time.h"

namespace trustcse {

struct ScheduleEntry {
  std::bitset<60> sec, min;
  std::bitset<24> hour;
  std::bitset<31> dom;
  std::bitset<12> mon;
  std::bitset<7> dow;
  std::bitset<256> year;  // 1970 + index

  // Nothing if the text is not seven valid fields.
  static std::optional<ScheduleEntry> Parse(std::string_view text);
  // True if `t` (UTC) falls on a second the entry allows.
  bool Matches(TimePoint t) const;
  // The first whole second at or after `from` that the entry allows, if one comes before
  // `from + horizon` (a search of at most horizon/1 day days).
  std::optional<TimePoint> NextMatch(TimePoint from, std::chrono::seconds horizon) const;
};

}  // namespace trustcse
