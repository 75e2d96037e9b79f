#include "resources/missing_data.h"

#include <algorithm>

#include "primitive/json_util.h"
#include "primitive/request_parameters.h"

namespace trustcse::resources {

bool WantsMonitoring(const Resource& ts) {
  return json::GetBool(ts.attrs, "mdd").value_or(false) &&
         json::GetInt(ts.attrs, "pei").value_or(0) > 0;
}

std::optional<MissingDataMonitoring> MonitoringOf(const Resource& ts) {
  if (!WantsMonitoring(ts)) return std::nullopt;
  auto anchor = json::GetString(ts.attrs, kMonitoringAnchor);
  auto mdt = json::GetInt(ts.attrs, "mdt");
  if (!anchor || !mdt || *mdt <= 0) return std::nullopt;
  auto at = ParseTimestamp(*anchor);
  if (!at) return std::nullopt;
  MissingDataMonitoring m;
  using std::chrono::milliseconds;
  m.pei = milliseconds(*json::GetInt(ts.attrs, "pei"));
  m.peid = milliseconds(std::max<int64_t>(json::GetInt(ts.attrs, "peid").value_or(0), 0));
  m.mdt = milliseconds(*mdt);
  m.anchor = *at;
  m.anchor_text = std::string(*anchor);
  if (auto mdn = json::GetInt(ts.attrs, "mdn"); mdn && *mdn > 0) {
    m.max_list = std::min<size_t>(static_cast<size_t>(*mdn), kMaxMissingDataList);
  }
  return m;
}

void RecordMissingData(Resource& ts, std::span<const TimePoint> points) {
  size_t max_list = kMaxMissingDataList;
  if (auto mdn = json::GetInt(ts.attrs, "mdn"); mdn && *mdn > 0) {
    max_list = std::min<size_t>(static_cast<size_t>(*mdn), kMaxMissingDataList);
  }
  bj::array list;
  if (const bj::value* v = ts.attrs.if_contains("mdlt"); v && v->is_array()) {
    list = v->get_array();
  }
  for (TimePoint p : points) list.emplace_back(FormatTimestamp(p));
  if (list.size() > max_list) {
    list.erase(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(list.size() - max_list));
  }
  ts.attrs["mdc"] = list.size();
  ts.attrs["mdlt"] = std::move(list);
}

Result<std::optional<MissingDataCriteria>> MissingDataCriteriaOf(const bj::object& enc) {
  const bj::value* md = enc.if_contains("md");
  if (md == nullptr) return std::optional<MissingDataCriteria>();
  if (!md->is_object()) return Err(Status::BadRequest("invalid 'enc.md'"));
  MissingDataCriteria c;
  bool has_num = false;
  for (const auto& [k, v] : md->get_object()) {
    if (k == "num") {
      auto n = json::AsInt(v);
      if (!n || *n < 1) return Err(Status::BadRequest("invalid 'enc.md.num'"));
      c.num = static_cast<uint64_t>(*n);
      has_num = true;
    } else if (k == "dur") {
      auto d = v.is_string() ? ParseIsoDuration(v.get_string()) : std::nullopt;
      if (!d || d->count() <= 0) return Err(Status::BadRequest("invalid 'enc.md.dur'"));
      c.dur = *d;
    } else {
      return Err(Status::BadRequest("unknown member 'enc.md." + std::string(k) + "'"));
    }
  }
  if (!has_num) return Err(Status::BadRequest("'enc.md' needs a number (num)"));
  return std::optional<MissingDataCriteria>(c);
}

bool ReportsMissingData(const Resource& sub) {
  const bj::value* enc = sub.attrs.if_contains("enc");
  if (enc == nullptr || !enc->is_object()) return false;
  const bj::value* net = enc->get_object().if_contains("net");
  if (net == nullptr || !net->is_array()) return false;
  return std::any_of(net->get_array().begin(), net->get_array().end(),
                     [](const bj::value& e) { return json::AsInt(e) == 8; });
}

Status CheckMissingDataSubscription(const Resource& sub, int subject_ty) {
  static const bj::object kNoCriteria;
  const bj::object* enc = &kNoCriteria;
  if (const bj::value* v = sub.attrs.if_contains("enc"); v && v->is_object()) {
    enc = &v->get_object();
  }
  auto md = MissingDataCriteriaOf(*enc);
  if (!md) return md.error();
  const bool reports = ReportsMissingData(sub);
  if (reports && !*md) {
    return Status::BadRequest("notificationEventType 8 needs a missingData condition (enc.md)");
  }
  if (*md && subject_ty != ty::kTimeSeries) {
    return Status::BadRequest("a missingData condition needs a <timeSeries> to subscribe to");
  }
  if (reports) {
    for (const auto& e : enc->at("net").get_array()) {
      if (json::AsInt(e) != 8) {
        return Status::BadRequest("notificationEventType 8 cannot be combined with others");
      }
    }
  }
  const auto nct = json::GetInt(sub.attrs, "nct");
  if (reports && nct && *nct != 5) {
    return Status::BadRequest("notificationEventType 8 needs notificationContentType 5");
  }
  if (!reports && nct == 5) {
    return Status::BadRequest("notificationContentType 5 needs notificationEventType 8");
  }
  return Status::Ok();
}

}  // namespace trustcse::resources
