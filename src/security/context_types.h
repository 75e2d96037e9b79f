// The types the security chain's steps share (addresses, locations, group membership): owned by
// no single step, so that a new step (admission, trust, analytics) uses them without including
// another step's header. Plain values and one interface; nothing here allocates.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace trustcse::security {

// An IPv4 or IPv6 address in network byte order (IPv4 as ::ffff:a.b.c.d).
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  bool v4 = false;
  static std::optional<IpAddress> Parse(std::string_view text);
};

struct GeoPoint {
  double lat = 0;  // degrees
  double lon = 0;
};

// Group membership for group IDs in acor, answered by the dispatcher from its resource cache.
// Thread-safe (called by steps on request threads).
class GroupMembership {
 public:
  virtual ~GroupMembership() = default;
  virtual bool IsMember(std::string_view group_id, std::string_view originator) const = 0;
  // True if `originator` currently holds the role `role_id` (a valid <role> names it holder).
  virtual bool HoldsRole(std::string_view role_id, std::string_view originator) const {
    return false;
  }
};

// Facts about an originator that cost a lookup, asked only by the steps that need them (so the
// authentication gates that need none run before any storage or cache lookup). Thread-safe.
class OriginatorDirectory {
 public:
  virtual ~OriginatorDirectory() = default;
  // True if `originator` is the AE-ID of an AE registered with this CSE.
  virtual bool IsRegistered(std::string_view originator) const = 0;
  // The App-ID (api) the registered AE `originator` registered with; "" if none.
  virtual std::string AppIdOf(std::string_view originator) const = 0;
};

}  // namespace trustcse::security
