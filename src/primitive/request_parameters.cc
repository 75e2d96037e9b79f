#include "primitive/request_parameters.h"

#include <charconv>
#include <string>
#include <vector>

namespace trustcse {

namespace {

bool ParseInt(std::string_view s, int* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// A list parameter: items separated by '+' (or the space a '+' becomes in a decoded URL).
std::vector<std::string> Items(std::string_view v) {
  std::vector<std::string> out;
  for (size_t s = 0; s <= v.size();) {
    auto sep = v.find_first_of("+ ", s);
    std::string_view item = v.substr(s, sep - s);
    if (!item.empty()) out.emplace_back(item);
    if (sep == std::string_view::npos) break;
    s = sep + 1;
  }
  return out;
}

}  // namespace

Status RequestParameters::Apply(RequestPrimitive& req, std::string_view key,
                                std::string_view value) {
  const std::string k(key);
  const std::string v(value);
  int n = 0;
  if (k == "rcn") {
    if (!ParseInt(v, &n) || n < 0 || n > 12) return Status::BadRequest("invalid rcn");
    if (n > 9) return Status::BadRequest("resultContent " + v + " is not supported");
    req.rcn = static_cast<ResultContent>(n);
  } else if (k == "rt") {
    if (!ParseInt(v, &n) || n < 1 || n > 5) return Status::BadRequest("invalid rt");
    req.rt = static_cast<ResponseType>(n);
  } else if (k == "drt") {
    if (!ParseInt(v, &n) || n < 1 || n > 2) return Status::BadRequest("invalid drt");
    req.drt = n;
  } else if (k == "atrl") {
    req.atrl = Items(v);
    if (req.atrl.empty()) return Status::BadRequest("invalid atrl");
  } else if (k == "tkns") {
    for (auto& t : Items(v)) req.tokens.push_back(std::move(t));
  } else if (k == "rids") {
    for (auto& r : Items(v)) req.role_ids.push_back(std::move(r));
  } else if (k == "rp" || k == "rpts" || k == "da" || k == "sqi" || k == "tqi" ||
             k == "tids" || k == "ltids") {
    // Accepted and not acted on yet (result persistence, tokens, roles).
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

std::optional<TimePoint> ParseExpiration(std::string_view v) {
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
