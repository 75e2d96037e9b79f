#include "common/time.h"

#include <cstdio>
#include <ctime>

namespace trustcse {
namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

TimePoint Now() { return std::chrono::time_point_cast<std::chrono::microseconds>(Clock::now()); }

std::string FormatTimestamp(TimePoint t) {
  using namespace std::chrono;
  auto days = floor<std::chrono::days>(t);
  year_month_day ymd{days};
  auto tod = t - days;
  auto h = duration_cast<hours>(tod);
  auto m = duration_cast<minutes>(tod - h);
  auto s = duration_cast<seconds>(tod - h - m);
  auto us = duration_cast<microseconds>(tod - h - m - s);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02d,%06lld", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(h.count()), static_cast<int>(m.count()),
                static_cast<int>(s.count()), static_cast<long long>(us.count()));
  return buf;
}

std::optional<TimePoint> ParseTimestamp(std::string_view s) {
  using namespace std::chrono;
  int Y, M, D, h, m, sec;
  if (s.size() < 15 || s[8] != 'T') return std::nullopt;
  if (!Digits(s, 0, 4, &Y) || !Digits(s, 4, 2, &M) || !Digits(s, 6, 2, &D) ||
      !Digits(s, 9, 2, &h) || !Digits(s, 11, 2, &m) || !Digits(s, 13, 2, &sec)) {
    return std::nullopt;
  }
  size_t pos = 15;
  long long frac_us = 0;
  if (pos < s.size() && (s[pos] == ',' || s[pos] == '.')) {
    ++pos;
    size_t n = 0;
    long long scale = 100000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 6) frac_us += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++n;
    }
    if (n == 0) return std::nullopt;
  }
  if (pos < s.size() && s[pos] == 'Z') ++pos;
  if (pos != s.size()) return std::nullopt;
  year_month_day ymd{year{Y}, month{static_cast<unsigned>(M)}, day{static_cast<unsigned>(D)}};
  if (!ymd.ok() || h > 23 || m > 59 || sec > 60) return std::nullopt;
  auto tp = sys_days{ymd} + hours{h} + minutes{m} + seconds{sec} + microseconds{frac_us};
  return time_point_cast<microseconds>(tp);
}

TimePoint MaxTimestamp() { return *ParseTimestamp("99991231T235959"); }

}  // namespace trustcse
