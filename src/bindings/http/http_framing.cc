#include "bindings/http/http_framing.h"

#include "primitive/text.h"

namespace trustcse::http {
namespace {

HeaderRefusal Refusal(Rsc rsc, std::string_view dbg) {
  return {rsc, R"({"m2m:dbg":")" + std::string(dbg) + "\"}"};
}

}  // namespace

std::optional<HeaderRefusal> ScreenRequestHeader(std::span<const HeaderField> fields) {
  bool has_te = false, has_cl = false;
  size_t codings = 0, chunked = 0;
  bool last_chunked = false;
  size_t seen[std::size(kSingleValueFields)] = {};
  std::optional<size_t> duplicate;
  for (const auto& f : fields) {
    if (IEquals(f.name, "Transfer-Encoding")) {
      has_te = true;
      std::string_view v = f.value;
      while (!v.empty()) {
        size_t comma = v.find(',');
        std::string_view coding = TrimSpace(v.substr(0, comma));
        v = comma == std::string_view::npos ? std::string_view() : v.substr(comma + 1);
        if (coding.empty()) continue;  // empty list elements are allowed (RFC 9110 §5.6.1)
        ++codings;
        last_chunked = IEquals(coding, "chunked");
        chunked += last_chunked;
      }
      continue;
    }
    has_cl |= IEquals(f.name, "Content-Length");
    for (size_t i = 0; i < std::size(kSingleValueFields) && !duplicate; ++i) {
      if (IEquals(f.name, kSingleValueFields[i]) && ++seen[i] > 1) duplicate = i;
    }
  }
  if (has_te && has_cl) {
    return Refusal(Rsc::kBadRequest, "Transfer-Encoding and Content-Length together");
  }
  // chunked more than once ("chunked, chunked") is not chunked framing either (RFC 9112 §7).
  if (has_te && (!last_chunked || chunked > 1)) {
    return Refusal(Rsc::kBadRequest, "chunked must be the last transfer coding, and appear once");
  }
  if (has_te && codings != 1) {
    return Refusal(Rsc::kNotImplemented, "no transfer coding but chunked alone is supported");
  }
  if (duplicate) {
    return Refusal(Rsc::kBadRequest,
                   "duplicate header " + std::string(kSingleValueFields[*duplicate]));
  }
  return std::nullopt;
}

}  // namespace trustcse::http
