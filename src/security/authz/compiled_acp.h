// CompiledAcp: an accessControlPolicy turned into data that answers "may this originator do this
// now, from there?" without parsing, allocating or locking (TS-0001 §9.6.2, TS-0003 §7.1;
// digest §5.1).
//
// Compile() runs when an ACP is created, updated or first loaded; it validates every rule and
// refuses what it cannot evaluate faithfully (4000 for malformed values; 5001 for country-code
// location regions, which this CSE does not support). The result is immutable and shared between
// threads.
//
// A rule (acr) matches when all of these hold (permit-overrides across rules and ACPs):
//  - acor: the originator is "all", listed exactly (hash set), matches a '*' pattern ('*' never
//    crosses '/'), or is a member of a listed <group> (asked through GroupMembership);
//  - acop: the requested operation's bit is set;
//  - acco: no contexts, or any one context entry whose parts all hold — actw (any of its cron-like
//    7-field schedule entries matches the request time in UTC; a range whose start is after its
//    end wraps, so "22-5" in the hour field is a window across midnight), acip (the source
//    address lies in any listed IPv4/IPv6 prefix), aclr (the originator's reported location lies
//    in any listed circle);
//  - acaf: false, or the channel authenticated the originator;
//  - acod: for a CREATE, no limits, or the new child's type is among them.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <boost/json/fwd.hpp>

#include "common/status.h"
#include "common/time.h"
#include "security/context_types.h"

namespace trustcse::security {

// The facts of one access decision. Non-owning views; nothing here allocates.
struct AccessRequest {
  std::string_view originator;
  uint32_t access = 0;                 // one AccessOp bit
  TimePoint time;                      // when the request was received
  const IpAddress* source = nullptr;   // the peer address, if known
  const GeoPoint* location = nullptr;  // the originator's reported location, if known
  bool authenticated = false;          // the channel authenticated the originator
  int create_ty = 0;                   // resource type a CREATE makes (0 otherwise)
  const GroupMembership* groups = nullptr;
  const std::vector<std::string>* roles = nullptr;  // role IDs the request presents (rids)
  // This CSE's CSE-ID ("/id-in"): acor entries in SP-relative form ("/id-in/Cabc", patterns
  // too) name the originator registered here as "Cabc" (TS-0003 §7.1.3).
  std::string_view self_cse_id;
  int target_ty = 0;  // the type of the resource whose policies apply (acod's ty)
  // The attributes the access touches, for rules limited to some (aca, Release 4): an
  // UPDATE's changed attributes; a partial RETRIEVE's atrl (empty: the whole resource).
  // Null when unknown — a rule with aca then grants nothing.
  const std::vector<std::string_view>* attributes = nullptr;
};

// '*' matches any run of characters except '/' (acor wildcards in CSE-IDs and AE-IDs).
bool MatchesOriginatorPattern(std::string_view pattern, std::string_view originator);

// Why a privileges object granted nothing, for the security event log.
enum class DenyReason : uint8_t {
  kNoRules,
  kOriginator,   // no rule names the originator
  kOperation,    // rules name the originator, none grants the operation
  kContext,      // … and grants it, but no context (time, address, location) holds
  kAuthentication,  // … only rules that need an authenticated originator
  kChildType,       // … only rules whose acod excludes the child type
  kAttributes,      // … only rules limited (aca) to other attributes
};
const char* DenyReasonText(DenyReason r);

class CompiledPrivileges {
 public:
  // Compiles {"acr":[…]} (or null/absent: no rules).
  static Result<CompiledPrivileges> Compile(const boost::json::value* privileges);
  // True if any rule grants the request; else false and *why (if given) says which check failed
  // for the rule that came closest.
  bool Grants(const AccessRequest& req, DenyReason* why = nullptr) const;
  size_t rule_count() const;

  struct Rule;  // defined in the .cc file

  CompiledPrivileges();
  ~CompiledPrivileges();
  CompiledPrivileges(CompiledPrivileges&&) noexcept;
  CompiledPrivileges& operator=(CompiledPrivileges&&) noexcept;

 private:
  std::vector<Rule> rules_;
};

class CompiledAcp {
 public:
  // Compiles the pv and pvs attributes of an ACP's attribute object.
  static Result<std::shared_ptr<const CompiledAcp>> Compile(const boost::json::object& attrs);
  const CompiledPrivileges& pv() const { return pv_; }
  const CompiledPrivileges& pvs() const { return pvs_; }

 private:
  CompiledPrivileges pv_;
  CompiledPrivileges pvs_;
};

}  // namespace trustcse::security
