// The CoAP option numbers and content formats the outbound CoAP client speaks (RFC 7252 §5.10,
// §12.3; oneM2M TS-0008 Table 6.2.2.4.0-1 and §6.2.2.2). Constants only; thread-safe.
//
// The one definition: the CoAP server binding (bindings/coap/coap_mapping.h, above this layer)
// uses these too.
#pragma once

#include <cstdint>

namespace trustcse::egress::coap {

enum Option : uint16_t {
  kLocationPath = 8,
  kUriPath = 11,
  kContentFormat = 12,
  kUriQuery = 15,
  kAccept = 17,
  kOt = 259,
  kRturi = 263,
  kTy = 267,
  kRvi = 271,
  kAsri = 275,
  kFr = 279,
  kRqi = 283,
  kRqet = 291,
  kRset = 295,
  kOet = 299,
  kEc = 303,
  kRsc = 307,
  kGid = 311,
  kCto = 319,
  kCts = 323,
  kAti = 327,
  kVsi = 331,
  kGtm = 335,
  kAus = 339,
};

// Every oneM2M option of TS-0008: all of them are critical (odd), so a server must refuse
// unknown ones (4.02) and a client must know them to accept a response that carries them
// (RFC 7252 §5.4.1). See option_filter.cc.
inline constexpr uint16_t kOneM2MOptions[] = {kOt,  kRturi, kTy,  kRvi, kAsri, kFr,  kRqi,
                                              kRqet, kRset, kOet, kEc,  kRsc,  kGid, kCto,
                                              kCts, kAti,  kVsi, kGtm, kAus};
// A private option number (never on the wire) registered on a context to say "this context
// knows the oneM2M options", so one coap_option_filter_get override serves the server's
// contexts and the client's.
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
