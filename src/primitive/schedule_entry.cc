#include "primitive/schedule_entry.h"

#include <charconv>
#include <chrono>

namespace trustcse {
namespace {

// One field of a schedule entry as a set of allowed values.
template <size_t N>
bool ParseField(std::string_view text, int lo, int hi, std::bitset<N>* out) {
  if (text.empty()) return false;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string_view item = text.substr(start, comma - start);
    start = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    int step = 1;
    if (auto slash = item.find('/'); slash != std::string_view::npos) {
      auto s = item.substr(slash + 1);
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), step);
      if (ec != std::errc() || p != s.data() + s.size() || step <= 0) return false;
      item = item.substr(0, slash);
    }
    int a = lo, b = hi;
    if (item != "*") {
      auto dash = item.find('-');
      auto num = [](std::string_view s, int* v) {
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
        return !s.empty() && ec == std::errc() && p == s.data() + s.size();
      };
      if (dash == std::string_view::npos) {
        if (!num(item, &a)) return false;
        b = step > 1 ? hi : a;
      } else if (!num(item.substr(0, dash), &a) || !num(item.substr(dash + 1), &b)) {
        return false;
      }
      if (a < lo || a > hi || b < lo || b > hi) return false;
    }
    // A range whose start is after its end wraps around (22-5 in hours: 22..23, 0..5).
    int span = a <= b ? b - a : (hi - a) + (b - lo) + 1;
    for (int k = 0; k <= span; k += step) {
      int v = a + k;
      if (v > hi) v = lo + (v - hi - 1);
      out->set(static_cast<size_t>(v - lo));
    }
  }
  return true;
}

}  // namespace

std::optional<ScheduleEntry> ScheduleEntry::Parse(std::string_view text) {
  std::string_view f[7];
  int n = 0;
  size_t i = 0;
  while (i < text.size() && n <= 7) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size()) break;
    size_t j = text.find(' ', i);
    if (j == std::string_view::npos) j = text.size();
    if (n == 7) return std::nullopt;
    f[n++] = text.substr(i, j - i);
    i = j;
  }
  if (n != 7) return std::nullopt;
  ScheduleEntry e;
  std::bitset<8> dow8;
  if (!ParseField(f[0], 0, 59, &e.sec) || !ParseField(f[1], 0, 59, &e.min) ||
      !ParseField(f[2], 0, 23, &e.hour) || !ParseField(f[3], 1, 31, &e.dom) ||
      !ParseField(f[4], 1, 12, &e.mon) || !ParseField(f[5], 0, 7, &dow8) ||
      !ParseField(f[6], 1970, 2225, &e.year)) {
    return std::nullopt;
  }
  for (int d = 0; d < 7; ++d) e.dow[d] = dow8[d];
  if (dow8[7]) e.dow[0] = true;  // 7 is Sunday too
  return e;
}

bool ScheduleEntry::Matches(TimePoint t) const {
  using namespace std::chrono;
  auto days = floor<std::chrono::days>(t);
  year_month_day ymd{days};
  weekday wd{days};
  auto tod = t - days;
  int h = static_cast<int>(duration_cast<hours>(tod).count());
  int m = static_cast<int>(duration_cast<minutes>(tod).count() % 60);
  int s = static_cast<int>(duration_cast<seconds>(tod).count() % 60);
  int y = static_cast<int>(ymd.year()) - 1970;
  return y >= 0 && y < 256 && year[static_cast<size_t>(y)] && sec[s] && min[m] && hour[h] &&
         dom[static_cast<unsigned>(ymd.day()) - 1] &&
         mon[static_cast<unsigned>(ymd.month()) - 1] && dow[wd.c_encoding()];
}

std::optional<TimePoint> ScheduleEntry::NextMatch(TimePoint from,
                                                  std::chrono::seconds horizon) const {
  using namespace std::chrono;
  const TimePoint start = ceil<seconds>(from);
  const TimePoint end = from + horizon;
  const sys_days first_day = floor<days>(start);
  for (sys_days day = first_day; day <= floor<days>(end); day += days{1}) {
    year_month_day ymd{day};
    int y = static_cast<int>(ymd.year()) - 1970;
    if (y < 0 || y >= 256 || !year[static_cast<size_t>(y)] ||
        !mon[static_cast<unsigned>(ymd.month()) - 1] ||
        !dom[static_cast<unsigned>(ymd.day()) - 1] || !dow[weekday{day}.c_encoding()]) {
      continue;
    }
    // Within the first day, only the seconds from `start` on.
    const int64_t first = day == first_day ? duration_cast<seconds>(start - day).count() : 0;
    for (int h = static_cast<int>(first / 3600); h < 24; ++h) {
      if (!hour[h]) continue;
      for (int m = 0; m < 60; ++m) {
        if (!min[m]) continue;
        for (int s = 0; s < 60; ++s) {
          if (!sec[s]) continue;
          const int64_t at = h * 3600 + m * 60 + s;
          if (at < first) continue;
          TimePoint t = time_point_cast<microseconds>(day + seconds{at});
          if (t >= end) return std::nullopt;
          return t;
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace trustcse
