// Request parameters that bindings carry as text — HTTP query parameters, CoAP Uri-Query options
// (TS-0009 §6.2.2.2, TS-0008 §6.2.2.3): resultContent (rcn), responseType (rt), discovery
// result type (drt), attribute list (atrl), tokens (tkns), role IDs (rids) and every
// filterCriteria condition, plus the expiration timestamps both bindings share.
// RequestParameters is used once per request: Apply() each decoded (key, value), then Finish().
// Errors are 4000 with a safe message naming the parameter. Thread-compatible.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "common/status.h"
#include "common/time.h"
#include "primitive/filter_criteria.h"
#include "primitive/request.h"

namespace trustcse {

class RequestParameters {
 public:
  // `bare_attributes`: an unknown key shaped like a short name is an attribute condition
  // (query strings: TS-0009 §6.2.2.2, TS-0008). Serialized primitives (MQTT, WebSocket) carry
  // them as fc.atr [{nm, val}] instead (ApplyAttribute), and an unknown key is a 4000.
  explicit RequestParameters(bool bare_attributes = true) : bare_attributes_(bare_attributes) {}
  Status Apply(RequestPrimitive& req, std::string_view key, std::string_view value);
  // One attribute condition name = value.
  Status ApplyAttribute(std::string_view name, std::string_view value);
  // Validates and attaches the filter criteria collected (if any).
  Status Finish(RequestPrimitive& req);

 private:
  FilterCriteria fc_;
  bool has_fc_ = false;
  bool bare_attributes_;
};

// rqet / rset / oet / rp: an absolute timestamp, or a relative duration — milliseconds
// (negative: in the past; a fraction is rounded), or an ISO 8601 duration of days to seconds
// ("PT2S") — of at most ten years.
std::optional<TimePoint> ParseExpiration(std::string_view v);

// An ISO 8601 duration (xs:duration) of weeks, days, hours, minutes and seconds ("PT2S",
// "P1DT12H", "PT0.5S") of at most ten years; years and months (no fixed length) are refused.
std::optional<std::chrono::milliseconds> ParseIsoDuration(std::string_view v);

}  // namespace trustcse
