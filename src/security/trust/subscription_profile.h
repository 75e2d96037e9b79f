// A device subscription's profile (OP-1, least privilege): what the subscription allows, as the
// operator writes it (JSON) and compiled into an allow-set the trust gate and the scope step
// check on every request without allocating.
//
//   operations  ["create", "retrieve", "update", "delete", "notify", "discover"]; absent: all
//   paths       structured CSE-relative paths ("cse-in/trk1"): the targets the device may
//               reach — the resource itself or anything below it; absent: anywhere
//   types       resource types a CREATE may make (ty numbers, 1–127); absent: any
//   sources     address prefixes the requests may come from ("10.1.0.0/16"); absent: any
//   bindings    ["http", "https", "coap", "coaps", "mqtt", "mqtts", "ws", "wss"]; absent: any
//   rate        requests per second (a token bucket of `burst`, default twice the rate, at most
//               1,000,000); absent or 0: no ceiling
// Parse validates and normalises (4000 naming the field otherwise); ToJson gives it back.
// A compiled profile is immutable except for its token bucket (a small mutex of its own).
#pragma once

#include <array>
#include <bitset>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "security/context_types.h"

namespace trustcse::security::trust {

struct SubscriptionProfile {
  uint32_t operations = 0;         // AccessOp bits (security/chain.h); 0 = all
  std::vector<std::string> paths;  // sorted, without leading or trailing slashes
  std::bitset<128> types;          // none set = any
  std::vector<std::pair<int, std::array<uint8_t, 16>>> sources;  // (bits, masked address)
  std::vector<std::string> source_text;                          // as normalised, for ToJson
  uint16_t bindings = 0;  // bit per binding name (BindingBit); 0 = any
  double rate = 0;        // requests per second; 0 = no ceiling
  double burst = 0;

  static Result<SubscriptionProfile> Parse(const boost::json::object& o);
  boost::json::object ToJson() const;

  // Each check: true if allowed.
  bool AllowsOperation(uint32_t access_op) const {
    return operations == 0 || (operations & access_op) != 0;
  }
  bool AllowsType(int ty) const {
    return types.none() || (ty > 0 && ty < 128 && types.test(static_cast<size_t>(ty)));
  }
  bool AllowsSource(const IpAddress* source) const;
  bool AllowsBinding(std::string_view binding) const;
  // `path`: structured CSE-relative ("cse-in/trk1/data").
  bool AllowsPath(std::string_view path) const;
};

// The bit of a binding name in SubscriptionProfile::bindings; 0 if unknown ("" in process).
uint16_t BindingBit(std::string_view binding);

// The token bucket of a rate ceiling. Thread-safe (its own mutex, held for a few instructions).
class RateBucket {
 public:
  RateBucket(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}
  // Takes one token at `now`; false when none is left (`retry` then says when one will be).
  // With `consume` false, only says whether one could be taken (trustcse explain).
  bool Take(TimePoint now, std::chrono::milliseconds* retry = nullptr, bool consume = true);

 private:
  std::mutex mu_;
  const double rate_, burst_;
  double tokens_;
  TimePoint last_{};
};

}  // namespace trustcse::security::trust
