#include "bindings/coap/datagram.h"

namespace trustcse::coap {

namespace {

// An option header's delta or length field (RFC 7252 §3.1): a nibble, then 0–2 extra bytes.
bool ReadExtended(std::string_view d, size_t& pos, unsigned nibble, uint32_t& value) {
  if (nibble < 13) {
    value = nibble;
  } else if (nibble == 13) {
    if (pos + 1 > d.size()) return false;
    value = 13 + static_cast<uint8_t>(d[pos]);
    pos += 1;
  } else if (nibble == 14) {
    if (pos + 2 > d.size()) return false;
    value = 269 + (static_cast<uint32_t>(static_cast<uint8_t>(d[pos])) << 8 |
                   static_cast<uint8_t>(d[pos + 1]));
    pos += 2;
  } else {
    return false;
  }
  return true;
}

void AppendExtended(std::string& out, uint32_t value, unsigned& nibble) {
  if (value < 13) {
    nibble = value;
  } else if (value < 269) {
    nibble = 13;
    out.push_back(static_cast<char>(value - 13));
  } else {
    nibble = 14;
    out.push_back(static_cast<char>((value - 269) >> 8));
    out.push_back(static_cast<char>((value - 269) & 0xff));
  }
}

}  // namespace

std::optional<std::string> WithoutPayload(std::string_view d) {
  if (d.size() < 4) return std::nullopt;
  const auto b0 = static_cast<uint8_t>(d[0]);
  const auto code = static_cast<uint8_t>(d[1]);
  const unsigned tkl = b0 & 0x0f;
  if ((b0 >> 6) != 1 || tkl > 8) return std::nullopt;
  if (code == 0 || (code >> 5) != 0) return std::nullopt;  // requests only
  size_t pos = 4 + tkl;
  if (pos > d.size()) return std::nullopt;
  uint32_t number = 0;
  while (pos < d.size()) {
    const auto h = static_cast<uint8_t>(d[pos]);
    if (h == 0xff) {
      if (pos + 1 == d.size()) return std::nullopt;  // a marker without a payload
      break;
    }
    ++pos;
    uint32_t delta = 0, length = 0;
    if (!ReadExtended(d, pos, h >> 4, delta) || !ReadExtended(d, pos, h & 0x0f, length)) {
      return std::nullopt;
    }
    number += delta;
    if (number > 0xffff || pos + length > d.size()) return std::nullopt;
    pos += length;
  }
  if (number > kOversizeMarker) return std::nullopt;
  std::string out(d.substr(0, pos));
  std::string value;
  for (uint64_t v = d.size(); v > 0; v >>= 8)
    value.insert(value.begin(), static_cast<char>(v & 0xff));
  std::string ext;
  unsigned delta_nibble = 0, length_nibble = 0;
  AppendExtended(ext, kOversizeMarker - number, delta_nibble);
  AppendExtended(ext, static_cast<uint32_t>(value.size()), length_nibble);
  out.push_back(static_cast<char>(delta_nibble << 4 | length_nibble));
  out += ext;
  out += value;
  return out;
}

}  // namespace trustcse::coap
