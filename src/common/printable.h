// Printable(): text a client chose (an originator, a target, a PSK identity) as a log line may
// carry it — printable ASCII only (control characters, quotes and bytes above 0x7e become '?'),
// at most `max` characters — so that no client can end a line or forge one. Pure, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace trustcse {

inline std::string Printable(std::string_view text, size_t max = 256) {
  std::string out;
  out.reserve(text.size() < max ? text.size() : max);
  for (char c : text.substr(0, max)) out += (c >= 0x20 && c < 0x7f && c != '"') ? c : '?';
  return out;
}

}  // namespace trustcse
