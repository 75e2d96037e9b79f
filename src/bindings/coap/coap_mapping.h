// The oneM2M CoAP binding (TS-0008) as pure functions: a CoAP request's method, options and
// payload become a RequestPrimitive, and a ResponsePrimitive becomes a CoAP response code,
// options and payload. Free of libcoap, so that the fuzz target and unit tests drive it directly.
//
// Requests: GET RETRIEVE, POST CREATE (with oneM2M-TY) or NOTIFY (without), PUT UPDATE, DELETE
// DELETE. Uri-Path is the To parameter ("~" first: SP-relative, "_" first: absolute);
// Uri-Query options carry rcn, rt, drt, filter criteria…; oneM2M options carry FR, RQI, RVI, TY,
// RQET, RSET, RTURI, OT (TS-0008 Table 6.2.2.4.0-1). Content-Format 50/10001 is JSON, 60/10010
// CBOR; Accept picks the response's (4.06 otherwise). Responses: the code of TS-0008
// Table 6.2.4-1 plus the oneM2M-RSC and -RQI options; a CREATE's resource ID in Location-Path;
// NOTIFY successes are 2.04 with an empty payload.
// Never throws; malformed input gives a Status with the oneM2M code. Pure, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "egress/coap/coap_options.h"
#include "egress/coap/coap_wire.h"
#include "primitive/request.h"
#include "primitive/serialization.h"

namespace trustcse::coap {

// Option numbers (RFC 7252 §5.10, TS-0008 Table 6.2.2.4.0-1).
// The option numbers, the oneM2M options a server must know (all critical: unknown ones get
// 4.02), the known-options marker and the content formats (RFC 7252 §5.10, §12.3; TS-0008
// Table 6.2.2.4.0-1, §6.2.2.2): one definition, shared with the outbound CoAP client.
using enum egress::coap::Option;
using enum egress::coap::ContentFormat;
using egress::coap::kKnownOptionsMarker;
using egress::coap::kOneM2MOptions;

struct CoapOption {
  uint16_t number;
  std::string value;  // raw bytes
};

struct CoapRequestParts {
  uint8_t method = 0;  // the code's detail: 1 GET, 2 POST, 3 PUT, 4 DELETE
  std::vector<CoapOption> options;
  std::string_view payload;
  std::string_view peer_address;
};

struct CoapResponseParts {
  uint8_t code_class = 2;
  uint8_t code_detail = 5;
  std::vector<CoapOption> options;  // ascending option numbers
  std::optional<uint16_t> content_format;
  std::string payload;
};

// RFC 7252 §5.4.5/§5.4.6: options with odd numbers are critical (the oneM2M options included),
// and a non-repeatable option that occurs more than once is treated like an unrecognized one:
// 4.02 Bad Option for a critical option, ignored (the first occurrence counts) for an elective
// one. Repeatable: If-Match, ETag, Location-Path, Uri-Path, Uri-Query, Location-Query (RFC 7252
// §5.10), Request-Tag (RFC 9175) and oneM2M-RTURI (one notification URI each).
inline constexpr bool IsCritical(uint16_t number) { return (number & 1) != 0; }
bool IsRepeatable(uint16_t number);
// The lowest-numbered critical, non-repeatable option that occurs more than once.
std::optional<uint16_t> RepeatedCriticalOption(const std::vector<CoapOption>& options);

// `response` receives the serialization the response must use (also for errors). A request
// with a repeated critical option (RepeatedCriticalOption) is refused with 4000; the transport
// answers it 4.02.
Result<RequestPrimitive> ToPrimitive(const CoapRequestParts& in, Serialization* response);
CoapResponseParts FromPrimitive(const ResponsePrimitive& rsp, Operation op,
                                Serialization serialization);

// TS-0008 Table 6.2.4-1; `op` matters for 2000 (2.05, or 2.04 for NOTIFY).
std::pair<uint8_t, uint8_t> CoapCodeFor(Rsc rsc, Operation op);
// CoAP uint option values: big-endian, shortest form (RFC 7252 §3.2).
using egress::coap::DecodeUint;
using egress::coap::EncodeUint;

}  // namespace trustcse::coap
