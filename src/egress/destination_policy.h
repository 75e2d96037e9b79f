// DestinationPolicy: which networks this CSE sends requests to (notifications, subscription
// verifications, forwarded requests, dynamic authorization consultations). Clients name the
// targets (`nu`, `poa`, `dap`), so without a policy a device could make the CSE probe or
// post to any host and port it can reach: the operator's internal services, a cloud metadata
// endpoint (issue 11, item 12; docs/threat_model.md).
//
// Decision for one resolved address, in this order:
//   1. it lies in an `allow` network            → permitted;
//   2. it lies in a `deny` network              → refused;
//   3. otherwise permitted if `allow` is empty, refused if not (an allow list is exhaustive).
// Networks are CIDR blocks ("10.0.0.0/8", "fd00::/8") or single addresses; IPv4-mapped IPv6
// addresses are checked as IPv4, and NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses also
// by the IPv4 address they carry. DefaultDeny() names what no notification has reason to reach:
// the unspecified, link-local (and with it the 169.254.169.254 metadata service), multicast and
// broadcast ranges. Loopback and private ranges are permitted unless denied — an operator's
// application servers live there.
//
// The check runs on every address a name resolves to, immediately before connecting (so a name
// that resolves differently later — DNS rebinding — is checked as it resolves). Immutable after
// Parse: thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace trustcse::egress {

class DestinationPolicy {
 public:
  static const std::vector<std::string>& DefaultDeny();
  // 4000 naming the first entry that is not a network.
  static Result<DestinationPolicy> Parse(const std::vector<std::string>& allow,
                                         const std::vector<std::string>& deny);
  // Permits everything (tests, and a CSE whose configuration says nothing).
  DestinationPolicy() = default;

  // `address` in network byte order: 4 bytes (IPv4) or 16 (IPv6).
  bool Permits(const uint8_t* address, size_t size) const;
  // The same for an address in text form; false if it is not one.
  bool Permits(std::string_view address) const;

 private:
  struct Network {
    std::array<uint8_t, 16> bytes{};  // IPv4 as ::ffff:a.b.c.d
    int prefix = 0;                   // bits of `bytes` that must match
  };
  static std::optional<Network> ParseNetwork(std::string_view text);
  static bool Contains(const Network& n, const std::array<uint8_t, 16>& a);
  bool Decide(const std::array<uint8_t, 16>& a) const;

  std::vector<Network> allow_;
  std::vector<Network> deny_;
};

}  // namespace trustcse::egress
