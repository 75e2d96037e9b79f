#include "security/authz/compiled_acp.h"

#include <arpa/inet.h>

#include <algorithm>
#include <bitset>
#include <charconv>
#include <cmath>
#include <cstring>
#include <functional>

#include <boost/json.hpp>

#include "common/string_hash.h"
#include "primitive/json_util.h"
#include "primitive/schedule_entry.h"

namespace trustcse::security {

namespace bj = boost::json;

namespace {

struct Prefix {
  IpAddress addr;
  int bits = 0;  // prefix length over the 128-bit form

  bool Contains(const IpAddress& a) const {
    // Families never mix: ::/0 is every IPv6 address, not the IPv4 ones (whose mapped form
    // starts with zeros too).
    if (a.v4 != addr.v4) return false;
    int full = bits / 8, rest = bits % 8;
    for (int i = 0; i < full; ++i) {
      if (a.bytes[i] != addr.bytes[i]) return false;
    }
    if (rest == 0) return true;
    uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
    return (a.bytes[full] & mask) == (addr.bytes[full] & mask);
  }

  static std::optional<Prefix> Parse(std::string_view text, bool v4) {
    auto slash = text.find('/');
    auto ip = IpAddress::Parse(text.substr(0, slash));
    if (!ip || ip->v4 != v4) return std::nullopt;
    int max = v4 ? 32 : 128;
    int len = max;
    if (slash != std::string_view::npos) {
      auto s = text.substr(slash + 1);
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), len);
      if (s.empty() || ec != std::errc() || p != s.data() + s.size() || len < 0 || len > max) {
        return std::nullopt;
      }
    }
    return Prefix{*ip, v4 ? 96 + len : len};
  }
};

struct Circle {
  GeoPoint center;
  double radius_m = 0;
  bool Contains(const GeoPoint& p) const {
    constexpr double kEarthRadiusM = 6371008.8;
    constexpr double kRad = M_PI / 180.0;
    double dlat = (p.lat - center.lat) * kRad, dlon = (p.lon - center.lon) * kRad;
    double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
               std::cos(center.lat * kRad) * std::cos(p.lat * kRad) * std::sin(dlon / 2) *
                   std::sin(dlon / 2);
    double d = 2 * kEarthRadiusM * std::asin(std::min(1.0, std::sqrt(a)));
    return d <= radius_m;
  }
};

// One acco entry: its parts are AND'ed; an absent part holds.
struct Context {
  std::vector<ScheduleEntry> windows;
  std::vector<Prefix> prefixes;
  std::vector<Circle> regions;

  bool Holds(const AccessRequest& r) const {
    if (!windows.empty()) {
      bool any = false;
      for (const auto& w : windows) any = any || w.Matches(r.time);
      if (!any) return false;
    }
    if (!prefixes.empty()) {
      if (!r.source) return false;
      bool any = false;
      for (const auto& p : prefixes) any = any || p.Contains(*r.source);
      if (!any) return false;
    }
    if (!regions.empty()) {
      if (!r.location) return false;
      bool any = false;
      for (const auto& c : regions) any = any || c.Contains(*r.location);
      if (!any) return false;
    }
    return true;
  }
};

struct ChildLimit {
  int ty = 0;  // the target (parent) type it applies to; 0 = any
  std::vector<int> chty;
};

Status Bad(const std::string& what) { return Status::BadRequest("invalid " + what + " in ACP rule"); }

bool IsWildcard(std::string_view s) { return s.find('*') != std::string_view::npos; }

// acor entries that name a group (or role) rather than an AE, a CSE or everyone.
bool MayNameGroup(std::string_view s) {
  return !s.empty() && s != "all" && s[0] != 'C' && s[0] != 'S' && s[0] != '/' && !IsWildcard(s);
}

}  // namespace

bool MatchesOriginatorPattern(std::string_view pattern, std::string_view s) {
  size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = i;
    } else if (p < pattern.size() && pattern[p] == s[i]) {
      ++p;
      ++i;
    } else if (star != std::string_view::npos && s[mark] != '/') {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

struct CompiledPrivileges::Rule {
  bool all = false;
  std::unordered_set<std::string, StringHash, std::equal_to<>> exact;
  std::vector<std::string> wildcards;
  std::vector<std::string> groups;
  std::vector<std::string> sp_relative;  // "/<cse-id>/<AE-ID or pattern>"
  std::vector<std::string> attributes;   // aca: the rule applies to these attributes only
  uint32_t ops = 0;
  std::vector<Context> contexts;
  bool needs_authentication = false;
  std::vector<ChildLimit> child_limits;

  // A rule limited to some attributes (aca) grants an UPDATE of those only, and a RETRIEVE only
  // as a partial retrieve of those; other operations as usual.
  bool CoversAttributes(const AccessRequest& r) const {
    // The acop bits of RETRIEVE and UPDATE (security::AccessOp in chain.h).
    constexpr uint32_t kRetrieveBit = 2, kUpdateBit = 4;
    if (attributes.empty() || (r.access != kUpdateBit && r.access != kRetrieveBit)) return true;
    if (r.attributes == nullptr || r.attributes->empty()) return false;
    for (std::string_view a : *r.attributes) {
      if (std::find(attributes.begin(), attributes.end(), a) == attributes.end()) return false;
    }
    return true;
  }

  bool NamesOriginator(const AccessRequest& r) const {
    if (all) return true;
    if (exact.find(r.originator) != exact.end()) return true;
    for (const auto& w : wildcards) {
      if (MatchesOriginatorPattern(w, r.originator)) return true;
    }
    // An SP-relative entry of this CSE names an originator registered here by its stem.
    for (std::string_view e : sp_relative) {
      if (r.self_cse_id.empty() || !e.starts_with(r.self_cse_id) ||
          e.size() <= r.self_cse_id.size() + 1 || e[r.self_cse_id.size()] != '/') {
        continue;
      }
      std::string_view rest = e.substr(r.self_cse_id.size() + 1);
      if (IsWildcard(rest) ? MatchesOriginatorPattern(rest, r.originator) : rest == r.originator) {
        return true;
      }
    }
    if (r.groups) {
      for (const auto& g : groups) {
        if (r.groups->IsMember(g, r.originator)) return true;
      }
      // Role IDs: presented in the request, and held according to a valid <role>.
      if (r.roles) {
        for (const auto& role : *r.roles) {
          if (exact.find(role) != exact.end() && r.groups->HoldsRole(role, r.originator)) {
            return true;
          }
        }
      }
    }
    return false;
  }
};

const char* DenyReasonText(DenyReason r) {
  switch (r) {
    case DenyReason::kNoRules: return "no access control rules";
    case DenyReason::kOriginator: return "no rule names the originator";
    case DenyReason::kOperation: return "no rule for the originator grants the operation";
    case DenyReason::kContext: return "no context (time window, address, location) holds";
    case DenyReason::kAuthentication: return "the rule needs an authenticated originator";
    case DenyReason::kChildType: return "the rule does not allow this child resource type";
    case DenyReason::kAttributes: return "the rule is limited to other attributes (aca)";
  }
  return "?";
}

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buf[64];
  std::copy(text.begin(), text.end(), buf);
  buf[text.size()] = '\0';
  IpAddress a;
  in_addr v4;
  if (inet_pton(AF_INET, buf, &v4) == 1) {
    a.v4 = true;
    a.bytes[10] = a.bytes[11] = 0xff;
    std::memcpy(&a.bytes[12], &v4, 4);
    return a;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, buf, &v6) == 1) {
    std::memcpy(a.bytes.data(), &v6, 16);
    // An IPv4-mapped IPv6 address is the IPv4 address.
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    a.v4 = std::memcmp(a.bytes.data(), kMapped, 12) == 0;
    return a;
  }
  return std::nullopt;
}

size_t CompiledPrivileges::rule_count() const { return rules_.size(); }

CompiledPrivileges::CompiledPrivileges() = default;
CompiledPrivileges::~CompiledPrivileges() = default;
CompiledPrivileges::CompiledPrivileges(CompiledPrivileges&&) noexcept = default;
CompiledPrivileges& CompiledPrivileges::operator=(CompiledPrivileges&&) noexcept = default;

Result<CompiledPrivileges> CompiledPrivileges::Compile(const bj::value* privileges) {
  CompiledPrivileges out;
  if (!privileges || privileges->is_null()) return out;
  if (!privileges->is_object()) return Err(Bad("privileges"));
  const bj::value* acr = privileges->get_object().if_contains("acr");
  if (!acr || acr->is_null()) return out;
  if (!acr->is_array()) return Err(Bad("acr"));
  for (const auto& rv : acr->get_array()) {
    if (!rv.is_object()) return Err(Bad("rule"));
    const auto& r = rv.get_object();
    Rule rule;
    const bj::value* acor = r.if_contains("acor");
    if (!acor || !acor->is_array()) return Err(Bad("acor"));
    for (const auto& o : acor->get_array()) {
      if (!o.is_string() || o.get_string().empty()) return Err(Bad("acor"));
      std::string_view s = o.get_string();
      if (s == "all") {
        rule.all = true;
      } else if (s.size() > 1 && s[0] == '/' && s[1] != '/') {
        rule.sp_relative.emplace_back(s);
        // Also as given, for originators that present themselves in SP-relative form.
        if (IsWildcard(s)) {
          rule.wildcards.emplace_back(s);
        } else {
          rule.exact.emplace(s);
        }
      } else if (IsWildcard(s)) {
        rule.wildcards.emplace_back(s);
      } else {
        rule.exact.emplace(s);
        if (MayNameGroup(s)) rule.groups.emplace_back(s);
      }
    }
    auto acop = r.if_contains("acop") ? json::AsInt(r.at("acop")) : std::nullopt;
    if (!acop || *acop < 1 || *acop > 63) return Err(Bad("acop"));
    rule.ops = static_cast<uint32_t>(*acop);
    if (const bj::value* acaf = r.if_contains("acaf")) {
      if (!acaf->is_bool()) return Err(Bad("acaf"));
      rule.needs_authentication = acaf->get_bool();
    }
    if (const bj::value* acco = r.if_contains("acco")) {
      if (!acco->is_array()) return Err(Bad("acco"));
      for (const auto& cv : acco->get_array()) {
        if (!cv.is_object()) return Err(Bad("acco"));
        Context ctx;
        for (const auto& [k, v] : cv.get_object()) {
          if (k == "actw") {
            if (!v.is_array()) return Err(Bad("actw"));
            for (const auto& e : v.get_array()) {
              if (!e.is_string()) return Err(Bad("actw"));
              auto entry = ScheduleEntry::Parse(e.get_string());
              if (!entry) return Err(Bad("actw schedule entry"));
              ctx.windows.push_back(*entry);
            }
          } else if (k == "acip") {
            if (!v.is_object()) return Err(Bad("acip"));
            for (const auto& [family, list] : v.get_object()) {
              bool v4 = family == "ipv4";
              if (!v4 && family != "ipv6") return Err(Bad("acip"));
              if (!list.is_array()) return Err(Bad("acip"));
              for (const auto& p : list.get_array()) {
                if (!p.is_string()) return Err(Bad("acip"));
                auto prefix = Prefix::Parse(p.get_string(), v4);
                if (!prefix) return Err(Bad("acip address range"));
                ctx.prefixes.push_back(*prefix);
              }
            }
          } else if (k == "aclr") {
            if (!v.is_object()) return Err(Bad("aclr"));
            for (const auto& [lk, lv] : v.get_object()) {
              if (lk == "accc") {
                return Err(Status::NotImplemented(
                    "country-code location regions (accc) are not supported; use accr circles"));
              }
              if (lk != "accr" || !lv.is_array() || lv.get_array().size() != 3) {
                return Err(Bad("aclr"));
              }
              const auto& c = lv.get_array();
              auto num = [](const bj::value& x) -> std::optional<double> {
                if (x.is_double()) return x.get_double();
                if (auto i = json::AsInt(x)) return static_cast<double>(*i);
                return std::nullopt;
              };
              auto lat = num(c[0]), lon = num(c[1]), rad = num(c[2]);
              if (!lat || !lon || !rad || *lat < -90 || *lat > 90 || *lon < -180 || *lon > 180 ||
                  *rad < 0) {
                return Err(Bad("accr circle"));
              }
              ctx.regions.push_back(Circle{{*lat, *lon}, *rad});
            }
          } else {
            return Err(Bad("acco member"));
          }
        }
        rule.contexts.push_back(std::move(ctx));
      }
    }
    if (const bj::value* acod = r.if_contains("acod")) {
      if (!acod->is_array()) return Err(Bad("acod"));
      for (const auto& dv : acod->get_array()) {
        if (!dv.is_object()) return Err(Bad("acod"));
        const auto& d = dv.get_object();
        ChildLimit limit;
        if (const bj::value* t = d.if_contains("ty")) {
          auto v = json::AsInt(*t);
          if (!v || *v < 0) return Err(Bad("acod ty"));
          limit.ty = static_cast<int>(*v);
        }
        const bj::value* chty = d.if_contains("chty");
        if (!chty || !chty->is_array()) return Err(Bad("acod chty"));
        for (const auto& c : chty->get_array()) {
          auto v = json::AsInt(c);
          if (!v || *v <= 0) return Err(Bad("acod chty"));
          limit.chty.push_back(static_cast<int>(*v));
        }
        rule.child_limits.push_back(std::move(limit));
      }
    }
    if (const bj::value* aca = r.if_contains("aca")) {
      if (!aca->is_array() || aca->get_array().empty()) return Err(Bad("aca"));
      for (const auto& a : aca->get_array()) {
        if (!a.is_string() || a.get_string().empty()) return Err(Bad("aca"));
        rule.attributes.emplace_back(a.get_string());
      }
    }
    for (const auto& [k, _] : r) {
      if (k != "acor" && k != "acop" && k != "acco" && k != "acaf" && k != "acod" &&
          k != "aca") {
        return Err(Bad("rule member"));
      }
    }
    out.rules_.push_back(std::move(rule));
  }
  return out;
}

bool CompiledPrivileges::Grants(const AccessRequest& req, DenyReason* why) const {
  // The furthest any rule got, for the explanation of a denial.
  DenyReason closest = rules_.empty() ? DenyReason::kNoRules : DenyReason::kOriginator;
  auto progress = [&](DenyReason r) {
    if (static_cast<int>(r) > static_cast<int>(closest)) closest = r;
  };
  for (const Rule& rule : rules_) {
    if (!rule.NamesOriginator(req)) continue;
    if (!(rule.ops & req.access)) {
      progress(DenyReason::kOperation);
      continue;
    }
    if (!rule.contexts.empty()) {
      bool any = false;
      for (const auto& c : rule.contexts) any = any || c.Holds(req);
      if (!any) {
        progress(DenyReason::kContext);
        continue;
      }
    }
    if (rule.needs_authentication && !req.authenticated) {
      progress(DenyReason::kAuthentication);
      continue;
    }
    if (!rule.child_limits.empty() && req.create_ty != 0) {
      // A limit names the target's type (ty, if given) and the child types allowed under it.
      bool allowed = false;
      for (const auto& l : rule.child_limits) {
        if (l.ty != 0 && l.ty != req.target_ty) continue;
        for (int c : l.chty) allowed = allowed || c == req.create_ty;
      }
      if (!allowed) {
        progress(DenyReason::kChildType);
        continue;
      }
    }
    if (!rule.CoversAttributes(req)) {
      progress(DenyReason::kAttributes);
      continue;
    }
    return true;
  }
  if (why) *why = closest;
  return false;
}

Result<std::shared_ptr<const CompiledAcp>> CompiledAcp::Compile(const bj::object& attrs) {
  auto acp = std::make_shared<CompiledAcp>();
  auto pv = CompiledPrivileges::Compile(attrs.if_contains("pv"));
  if (!pv) return Err(pv.error());
  auto pvs = CompiledPrivileges::Compile(attrs.if_contains("pvs"));
  if (!pvs) return Err(pvs.error());
  acp->pv_ = std::move(*pv);
  acp->pvs_ = std::move(*pvs);
  return std::shared_ptr<const CompiledAcp>(std::move(acp));
}

}  // namespace trustcse::security
