#include "primitive/request_parameters.h"

#include <cctype>
#include <charconv>
#include <chrono>
#include <string>
#include <vector>

#include "primitive/text.h"

namespace trustcse {

Status RequestParameters::Apply(RequestPrimitive& req, std::string_view key,
                                std::string_view value) {
  const std::string k(key);
  const std::string v(value);
  int n = 0;
  if (k == "rcn") {
    if (!ParseNumber(v, &n) || n < 0 || n > 12) return Status::BadRequest("invalid rcn");
    if (n > 9) return Status::BadRequest("resultContent " + v + " is not supported");
    req.rcn = static_cast<ResultContent>(n);
  } else if (k == "rt") {
    if (!ParseNumber(v, &n) || n < 1 || n > 5) return Status::BadRequest("invalid rt");
    req.rt = static_cast<ResponseType>(n);
  } else if (k == "drt") {
    if (!ParseNumber(v, &n) || n < 1 || n > 2) return Status::BadRequest("invalid drt");
    req.drt = n;
  } else if (k == "atrl") {
    // Repeated parameters (an MQTT array, atrl=a&atrl=b) add to the list.
    auto items = SplitListValues(v);
    if (items.empty()) return Status::BadRequest("invalid atrl");
    req.atrl.insert(req.atrl.end(), items.begin(), items.end());
  } else if (k == "tkns") {
    for (auto t : SplitListValues(v)) req.tokens.emplace_back(t);
  } else if (k == "rids") {
    for (auto r : SplitListValues(v)) req.role_ids.emplace_back(r);
  } else if (k == "rp") {
    req.rp = ParseExpiration(v);
    if (!req.rp) return Status::BadRequest("invalid resultPersistence");
  } else if (k == "rpts" || k == "da" || k == "sqi" || k == "tqi" || k == "tids" ||
             k == "ltids") {
    // Accepted and not acted on yet (response type parameters, delivery aggregation,
    // semantic query and tracing identifiers).
  } else {
    auto r = ApplyFilterParameter(fc_, k, v);
    if (!r) return r.error();
    if (!*r) return Status::BadRequest("unknown query parameter '" + k + "'");
    has_fc_ = true;
  }
  return Status::Ok();
}

Status RequestParameters::Finish(RequestPrimitive& req) {
  if (has_fc_) {
    if (auto s = ValidateFilterCriteria(fc_); !s.ok()) return s;
    req.fc = std::move(fc_);
    has_fc_ = false;
  }
  return Status::Ok();
}

std::optional<std::chrono::milliseconds> ParseIsoDuration(std::string_view v) {
  if (v.size() < 3 || v[0] != 'P') return std::nullopt;
  double total_s = 0;
  bool time = false, any = false, any_time = false;
  size_t i = 1;
  while (i < v.size()) {
    if (v[i] == 'T') {
      if (time) return std::nullopt;
      time = true;
      ++i;
      continue;
    }
    size_t start = i;
    while (i < v.size() && (std::isdigit(static_cast<unsigned char>(v[i])) || v[i] == '.')) ++i;
    if (i == start || i >= v.size()) return std::nullopt;
    double n = 0;
    auto [p, ec] = std::from_chars(v.data() + start, v.data() + i, n);
    if (ec != std::errc() || p != v.data() + i) return std::nullopt;
    const char unit = v[i++];
    if (!time && unit == 'D') total_s += n * 86400;
    else if (!time && unit == 'W') total_s += n * 7 * 86400;
    else if (time && unit == 'H') total_s += n * 3600;
    else if (time && unit == 'M') total_s += n * 60;
    else if (time && unit == 'S') total_s += n;
    else return std::nullopt;  // years and months have no fixed length
    any = true;
    any_time = any_time || time;
  }
  if (!any || (time && !any_time) || total_s > 10.0 * 366 * 86400) return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>(total_s * 1000));
}

std::optional<TimePoint> ParseExpiration(std::string_view v) {
  if (!v.empty() && v[0] == 'P') {
    auto d = ParseIsoDuration(v);
    if (!d) return std::nullopt;
    return Now() + *d;
  }
  long long ms = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
  if (ec == std::errc() && p == v.data() + v.size() && ms >= 0) {
    // Relative form: at most ten years ahead (larger values would overflow the clock).
    constexpr long long kMaxMs = 10LL * 366 * 24 * 3600 * 1000;
    if (ms > kMaxMs) return std::nullopt;
    return Now() + std::chrono::milliseconds(ms);
  }
  return ParseTimestamp(v);
}

}  // namespace trustcse
