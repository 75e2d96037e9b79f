// Text helpers shared by the parsers of request parameters (query strings, CoAP URI queries,
// MQTT primitive members) and of content types. Pure, header-only.
#pragma once

#include <charconv>
#include <string_view>
#include <vector>

namespace trustcse {

// The whole of `s` as a non-negative decimal number (no sign, no spaces); false otherwise.
template <typename T>
bool ParseNumber(std::string_view s, T* out) {
  // from_chars accepts a leading '-' even for unsigned types: refuse it.
  if (s.empty() || s.front() == '-') return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// "a+b c" → {"a","b","c"}: in oneM2M query strings multi-valued parameters are joined by '+',
// which URL decoding may already have turned into spaces. Empty items are dropped.
inline std::vector<std::string_view> SplitListValues(std::string_view v) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= v.size(); ++i) {
    if (i == v.size() || v[i] == '+' || v[i] == ' ') {
      if (i > start) out.push_back(v.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

}  // namespace trustcse
