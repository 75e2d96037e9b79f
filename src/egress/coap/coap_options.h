// The CoAP option numbers and content formats the outbound CoAP client speaks (RFC 7252 §5.10,
// §12.3; oneM2M TS-0008 Table 6.2.2.4.0-1 and §6.2.2.2). Constants only; thread-safe.
//
// The same numbers are defined by the CoAP server binding (bindings/coap/coap_mapping.h), which
// sits above this layer: egress may not include it, so they are written down here once for the
// client. They are fixed by the specifications and cannot drift apart in practice; should the
// binding ever want a single definition it can include this header (bindings/coap may include
// egress/), not the other way round.
#pragma once

#include <cstdint>

namespace trustcse::egress::coap {

enum Option : uint16_t {
  kLocationPath = 8,
  kUriPath = 11,
  kContentFormat = 12,
  kUriQuery = 15,
  kAccept = 17,
  kTy = 267,
  kRvi = 271,
  kFr = 279,
  kRqi = 283,
  kRqet = 291,
  kRsc = 307,
};

// Every oneM2M option of TS-0008: all of them are critical (odd), so a client must know them to
// accept a response that carries them (RFC 7252 §5.4.1). See option_filter.cc.
inline constexpr uint16_t kOneM2MOptions[] = {259, 263, 267, 271, 275, 279, 283, 291, 295, 299,
                                              303, 307, 311, 319, 323, 327, 331, 335, 339};
// A private option number (never on the wire) registered on a context to say "this context
// knows the oneM2M options"; the same number as bindings/coap's kKnownOptionsMarker, so one
// coap_option_filter_get override serves the server's contexts and the client's.
inline constexpr uint16_t kKnownOptionsMarker = 65000;

enum ContentFormat : uint16_t {
  kFormatText = 0,
  kFormatJson = 50,
  kFormatCbor = 60,
  kFormatResJson = 10001,
  kFormatNtfyJson = 10003,
  kFormatResCbor = 10010,
  kFormatNtfyCbor = 10011,
};

}  // namespace trustcse::egress::coap
