#include "notification/missing_data_reports.h"

namespace trustcse::notification {

std::optional<MissingDataReports::Report> MissingDataReports::Record(
    const std::string& sub_ri, const resources::MissingDataCriteria& c,
    const std::vector<std::string>& points, TimePoint now) {
  if (points.empty()) return std::nullopt;
  auto it = windows_.find(sub_ri);
  if (it == windows_.end()) {
    if (windows_.size() >= kMaxWindows) windows_.erase(windows_.begin());
    it = windows_.emplace(sub_ri, Window{}).first;
    it->second.count = 0;  // no window open yet: the first point opens one
    it->second.end = now;  // (an ended window)
  }
  Window& w = it->second;
  for (const std::string& p : points) {
    if (w.end && now >= *w.end) {
      // The window has ended (or none was open): this point opens a new one.
      w.count = 0;
      w.pending.clear();
      w.end = c.dur ? std::optional<TimePoint>(now + *c.dur) : std::nullopt;
    }
    ++w.count;
    if (w.pending.size() < resources::kMaxMissingDataList) w.pending.push_back(p);
  }
  if (w.count < c.num || w.pending.empty()) return std::nullopt;
  Report r{std::move(w.pending), w.count};
  w.pending.clear();
  return r;
}

}  // namespace trustcse::notification
