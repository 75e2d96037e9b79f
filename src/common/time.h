// oneM2M timestamps. The wire and storage form is the ISO 8601 basic format in UTC,
// "YYYYMMDDThhmmss,ffffff" (TS-0004 §6.3.3 m2m:timestamp). That form sorts lexicographically in
// time order, which the storage layer relies on for range queries. All functions are pure and
// thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trustcse {

using Clock = std::chrono::system_clock;
using TimePoint = std::chrono::time_point<Clock, std::chrono::microseconds>;

TimePoint Now();
// "YYYYMMDDThhmmss,ffffff"
std::string FormatTimestamp(TimePoint t);
// Accepts "YYYYMMDDThhmmss" with an optional ",f…" fraction (1-6 digits) and an optional
// trailing "Z". Returns nullopt for anything else, including out-of-range fields.
std::optional<TimePoint> ParseTimestamp(std::string_view s);
// The far-future expiration used when a resource has none: 99991231T235959.
TimePoint MaxTimestamp();

}  // namespace trustcse
