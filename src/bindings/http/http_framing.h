// The rules a request's header block must pass before its body is read (RFC 9112 §6.1, §6.3):
// the body's end must be certain, or what follows it would be read as the next request — the
// request smuggling shape behind any proxy that frames the message differently — and a field
// that carries one value must come once, or which one counts would depend on the parser.
// - Transfer-Encoding with Content-Length: 4000.
// - Transfer-Encoding whose last coding is not chunked, or with chunked twice (`xchunked`,
//   `chunked, identity`, `chunked, chunked`): 4000.
// - any coding but chunked alone (`gzip, chunked`): 5001 — well framed, but not decoded here.
// - a single-value field twice (kSingleValueFields): 4000.
// The server answers a refusal and closes the connection. Pure functions, thread-safe, free of
// Beast (unit-tested and fuzzed directly).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace trustcse::http {

struct HeaderField {
  std::string_view name;
  std::string_view value;
};

// The fields a request may carry once at most.
inline constexpr std::string_view kSingleValueFields[] = {
    "X-M2M-Origin", "X-M2M-RI",     "X-M2M-RVI",      "X-M2M-RET", "X-M2M-RST",
    "X-M2M-OET",    "X-M2M-RTU",    "X-M2M-GID",      "X-M2M-OT",  "X-M2M-EC",
    "X-M2M-VSI",    "Content-Type", "Content-Length", "Host",      "Authorization"};

struct HeaderRefusal {
  Rsc rsc;
  // The response content: {"m2m:dbg": …} naming the problem, nothing of the request.
  std::string pc;
};

// `fields`: every field of the header block, in order. nullopt: the header may be served.
std::optional<HeaderRefusal> ScreenRequestHeader(std::span<const HeaderField> fields);

}  // namespace trustcse::http
