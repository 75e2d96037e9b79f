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

// ASCII case-insensitive equality (header field names, codings, media types).
inline bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// `s` without leading and trailing spaces and tabs (HTTP's optional whitespace).
inline std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace trustcse
