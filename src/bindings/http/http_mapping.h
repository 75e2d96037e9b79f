// The oneM2M HTTP binding (TS-0009) as pure functions: an HTTP request's parts become a
// RequestPrimitive, and a ResponsePrimitive becomes an HTTP status, headers and body. Kept free
// of Beast so that the fuzz target and unit tests drive it directly and cheaply.
//
// Content may be JSON (application/json, application/vnd.onem2m-res+json) or CBOR
// (application/cbor, application/vnd.onem2m-res+cbor); both decode into the same value.
// Mapping highlights: POST with `ty` in Content-Type is CREATE, POST without it NOTIFY; GET
// RETRIEVE; PUT UPDATE; DELETE DELETE. The path is the To parameter: "/~/…" SP-relative,
// "/_/…" absolute, otherwise CSE-relative. Query parameters carry rcn, rt, drt, atrl and the
// filterCriteria; an unknown parameter is a 4000. Header X-M2M-RSC is always set on responses.
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "primitive/request.h"
#include "primitive/serialization.h"

namespace trustcse::http {

struct HttpRequestParts {
  std::string_view method;
  std::string_view target;        // origin-form: path and query
  std::string_view origin;        // X-M2M-Origin
  std::string_view request_id;    // X-M2M-RI
  std::string_view rvi;           // X-M2M-RVI
  std::string_view content_type;  // Content-Type
  std::string_view accept;        // Accept
  std::string_view rtu;           // X-M2M-RTU
  bool has_rtu = false;           // the X-M2M-RTU header was present (it may be empty)
  std::string_view rqet;          // X-M2M-RET
  std::string_view rset;          // X-M2M-RST
  std::string_view oet;           // X-M2M-OET
  std::string_view ot;            // X-M2M-OT
  std::string_view vsi;           // X-M2M-VSI
  std::string_view authorization; // Authorization ("Bearer <token>[+<token>…]")
  std::string_view body;
  std::string_view peer_address;
  std::string_view via;           // Via
  bool has_origin = false;        // X-M2M-Origin present (it may be present and empty)
};

// The serialization of the response to a request: what Accept asks for (JSON or CBOR), or, with
// no Accept, the serialization of the request's content. nullopt: Accept names neither (5207).
std::optional<Serialization> ResponseSerialization(std::string_view accept,
                                                   std::string_view content_type);

struct HttpResponseParts {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Never throws; every malformed input gives a Status with the right oneM2M code
// (4000, 4015, 5207, …) and a message safe to return.
Result<RequestPrimitive> ToPrimitive(const HttpRequestParts& in);

HttpResponseParts FromPrimitive(const ResponsePrimitive& rsp,
                                Serialization serialization = Serialization::kJson);

// Percent-decodes `s`; nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view s);

}  // namespace trustcse::http
