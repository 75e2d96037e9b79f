// Request parameters that bindings carry as text — HTTP query parameters, CoAP Uri-Query options
// (TS-0009 §6.2.2.2, TS-0008 §6.2.2.3): resultContent (rcn), responseType (rt), discovery
// result type (drt), attribute list (atrl), tokens (tkns), role IDs (rids) and every
// filterCriteria condition, plus the expiration timestamps both bindings share.
// RequestParameters is used once per request: Apply() each decoded (key, value), then Finish().
// Errors are 4000 with a safe message naming the parameter. Thread-compatible.
#pragma once

#include <optional>
#include <string_view>

#include "common/status.h"
#include "common/time.h"
#include "primitive/filter_criteria.h"
#include "primitive/request.h"

namespace trustcse {

class RequestParameters {
 public:
  Status Apply(RequestPrimitive& req, std::string_view key, std::string_view value);
  // Validates and attaches the filter criteria collected (if any).
  Status Finish(RequestPrimitive& req);

 private:
  FilterCriteria fc_;
  bool has_fc_ = false;
};

// An ISO 8601 duration of weeks, days, hours, minutes and seconds ("PT2S", "P1DT12H",
// "PT0.5S") of at most ten years; years and months (no fixed length) are refused.
std::optional<std::chrono::milliseconds> ParseIsoDuration(std::string_view v);

// rqet / rset / rp: an absolute timestamp, or a relative duration — milliseconds, or an ISO 8601
// duration of days to seconds ("PT2S") — of at most ten years.
std::optional<TimePoint> ParseExpiration(std::string_view v);

}  // namespace trustcse
