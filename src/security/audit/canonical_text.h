// The strict readers the audit formats share (checkpoint.cc, tlog_proof.cc): one spelling per
// value, so that a parsed value always formats back to the bytes it came from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trustcse::security::audit {

// ASCII decimal without sign or leading zeros (except "0"), within 64 bits.
std::optional<uint64_t> ParseCanonicalDecimal(std::string_view s);
// Standard base64 with padding that re-encodes to exactly `in` (no whitespace, no stray bits).
std::optional<std::string> FromCanonicalBase64(std::string_view in);
// The line of `text` that starts at `pos`, without its newline, and `pos` moved past it; nullopt
// (and `pos` unchanged) if no newline follows.
std::optional<std::string_view> NextLine(std::string_view text, size_t& pos);
// Appends one line of standard base64 per hash; false (and `out` partly written) if a hash is not
// 32 bytes.
bool AppendHashLines(const std::vector<std::string>& hashes, std::string& out);

}  // namespace trustcse::security::audit
