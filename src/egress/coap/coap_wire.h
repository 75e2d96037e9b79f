// The outbound CoAP client's wire mapping (TS-0008 as a client), as pure functions free of
// libcoap so that unit tests drive them directly: a coap:// or coaps:// URL becomes a target
// (host, port, Uri-Path and Uri-Query options); an OutboundRequest becomes a method code and
// its options; a response's code and options become an OutboundResponse.
//
// Requests: RETRIEVE GET, CREATE and NOTIFY POST (CREATE with oneM2M-TY), UPDATE PUT, DELETE
// DELETE; oneM2M-FR, -RQI, -RVI, -TY (uint), -RQET (timestamp text); Content-Format from the
// request's content type (JSON 50 by default, CBOR 60, the oneM2M vnd types 10001…10011) when
// there is a body. CoAP has no Via (TS-0008 defines no option for the hops): the hop list is
// not carried; loops are refused by the client from OutboundRequest::via (client.h).
// Responses: status = class*100 + detail (2.05 → 205), rsc from oneM2M-RSC (0 when absent);
// oneM2M-RQI, -RVI, -RSC, Location-Path and Content-Format also as headers ("X-M2M-RI",
// "X-M2M-RVI", "X-M2M-RSC", "Content-Location", "Content-Type"), so callers read the same
// names whichever binding answered.
// Never throws; a URL that is not usable gives nullopt and a reason. Pure, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "egress/client.h"

namespace trustcse::egress::coap {

struct WireOption {
  uint16_t number;
  std::string value;  // raw bytes
};

struct CoapTarget {
  bool dtls = false;  // coaps://
  std::string host;   // no brackets
  std::string port;   // "5683" / "5684" when absent
  std::vector<WireOption> uri;  // Uri-Path and Uri-Query options, in order
  std::string safe;   // scheme://host:port/path, for logs (no userinfo, no query)
  std::string key;    // scheme://host:port: sessions are reused per key
};

std::optional<CoapTarget> ParseCoapTarget(const std::string& url, std::string* why);

// The CoAP method code's detail (1 GET, 2 POST, 3 PUT, 4 DELETE) for an operation.
uint8_t MethodOf(Operation op);
// The request's options other than Uri-*, in no particular order (libcoap sorts them).
std::vector<WireOption> RequestOptions(const OutboundRequest& r);
// The Content-Format for a media type ("application/json;charset=utf-8" → 50); JSON when the
// type is not one CoAP has a number for.
uint16_t ContentFormatOf(std::string_view content_type);
std::string MediaTypeOf(uint16_t format);

// code: the CoAP code byte (class << 5 | detail).
OutboundResponse ResponseFrom(uint8_t code, const std::vector<WireOption>& options,
                              std::string body);

std::string EncodeUint(uint64_t v);
std::optional<uint64_t> DecodeUint(std::string_view bytes);

}  // namespace trustcse::egress::coap
