// Datagrams that libcoap 4.3 refuses to parse because they exceed its PDU size (the session's
// MTU, 1152 bytes by default; larger datagrams are also cut at its 1472-byte receive buffer).
// libcoap answers those with a bare RST; a CoAP server should answer a request it cannot take
// whole with 4.13 Request Entity Too Large and a Block1 hint (RFC 7959 §2.9.3). So
// option_filter.cc's coap_pdu_parse retries a failed parse with WithoutPayload(): the same
// request, its payload dropped and kOversizeMarker added, which the request handler answers
// with 4.13. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trustcse::coap {

// A private elective option (RFC 7252 §12.2: 65000–65535 are experimental); its value is the
// refused datagram's length. Elective, so a peer sending it gains nothing but a 4.13.
inline constexpr uint16_t kOversizeMarker = 65004;

// `datagram` (a CoAP request over UDP, RFC 7252 §3) without its payload and with
// kOversizeMarker appended to its options; nullopt if it is not a well-formed request.
std::optional<std::string> WithoutPayload(std::string_view datagram);

}  // namespace trustcse::coap
