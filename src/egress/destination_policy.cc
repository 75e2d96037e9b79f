#include "egress/destination_policy.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <optional>

namespace trustcse::egress {

namespace {

// IPv4 addresses as IPv4-mapped IPv6 (::ffff:a.b.c.d), so one comparison covers both.
std::array<uint8_t, 16> Mapped(const uint8_t* v4) {
  std::array<uint8_t, 16> a{};
  a[10] = a[11] = 0xff;
  std::memcpy(a.data() + 12, v4, 4);
  return a;
}

std::optional<std::array<uint8_t, 16>> ParseAddress(std::string_view text, bool* v4) {
  std::string s(text);
  uint8_t buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
    *v4 = true;
    return Mapped(buf);
  }
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    *v4 = false;
    std::array<uint8_t, 16> a{};
    std::memcpy(a.data(), buf, 16);
    return a;
  }
  return std::nullopt;
}

}  // namespace

const std::vector<std::string>& DestinationPolicy::DefaultDeny() {
  static const std::vector<std::string> kDefault = {
      "0.0.0.0/8",        // "this network"
      "169.254.0.0/16",   // IPv4 link-local, cloud metadata services
      "224.0.0.0/4",      // IPv4 multicast
      "255.255.255.255",  // limited broadcast
      "::/128",           // unspecified
      "fe80::/10",        // IPv6 link-local
      "ff00::/8",         // IPv6 multicast
      "fd00:ec2::254",    // a cloud metadata service's IPv6 address
  };
  return kDefault;
}

std::optional<DestinationPolicy::Network> DestinationPolicy::ParseNetwork(std::string_view text) {
  std::string_view addr = text;
  std::optional<int> prefix;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    std::string_view bits = text.substr(slash + 1);
    int p = -1;
    auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), p);
    if (ec != std::errc() || end != bits.data() + bits.size() || bits.empty()) return std::nullopt;
    prefix = p;
  }
  bool v4 = false;
  auto bytes = ParseAddress(addr, &v4);
  if (!bytes) return std::nullopt;
  const int max = v4 ? 32 : 128;
  if (prefix && (*prefix < 0 || *prefix > max)) return std::nullopt;
  Network n;
  n.bytes = *bytes;
  n.prefix = (v4 ? 96 : 0) + prefix.value_or(max);
  return n;
}

bool DestinationPolicy::Contains(const Network& n, const std::array<uint8_t, 16>& a) {
  int bits = n.prefix;
  for (size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((a[i] & mask) != (n.bytes[i] & mask)) return false;
  }
  return true;
}

Result<DestinationPolicy> DestinationPolicy::Parse(const std::vector<std::string>& allow,
                                                   const std::vector<std::string>& deny) {
  DestinationPolicy p;
  for (const auto* list : {&allow, &deny}) {
    for (const auto& text : *list) {
      auto n = ParseNetwork(text);
      if (!n) return Err(Status::BadRequest("not a network (CIDR block or address): " + text));
      (list == &allow ? p.allow_ : p.deny_).push_back(*n);
    }
  }
  return p;
}

bool DestinationPolicy::Permits(const uint8_t* address, size_t size) const {
  std::array<uint8_t, 16> a{};
  if (size == 4) {
    a = Mapped(address);
  } else if (size == 16) {
    std::memcpy(a.data(), address, 16);
  } else {
    return false;
  }
  if (!Decide(a)) return false;
  // IPv6 addresses that carry an IPv4 one — NAT64 (64:ff9b::/96, RFC 6052) and 6to4
  // (2002::/16, RFC 3056) — reach that IPv4 address: it must be permitted too.
  static constexpr uint8_t kNat64[12] = {0x00, 0x64, 0xff, 0x9b};
  if (std::memcmp(a.data(), kNat64, 12) == 0) return Decide(Mapped(a.data() + 12));
  if (a[0] == 0x20 && a[1] == 0x02) return Decide(Mapped(a.data() + 2));
  return true;
}

bool DestinationPolicy::Decide(const std::array<uint8_t, 16>& a) const {
  for (const auto& n : allow_) {
    if (Contains(n, a)) return true;
  }
  for (const auto& n : deny_) {
    if (Contains(n, a)) return false;
  }
  return allow_.empty();
}

bool DestinationPolicy::Permits(std::string_view address) const {
  bool v4 = false;
  auto a = ParseAddress(address, &v4);
  return a && Permits(a->data(), 16);
}

}  // namespace trustcse::egress
