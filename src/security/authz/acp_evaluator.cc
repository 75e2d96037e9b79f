#include "security/authz/acp_evaluator.h"

#include "primitive/json_util.h"

namespace trustcse::security {

namespace bj = boost::json;

bool OriginatorMatches(std::string_view pattern, std::string_view s) {
  if (pattern == "all") return true;
  // Iterative glob match where '*' does not cross '/'.
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

uint32_t GrantedOperations(const bj::value& privileges, std::string_view originator) {
  uint32_t granted = 0;
  if (!privileges.is_object()) return 0;
  const auto* acr = privileges.get_object().if_contains("acr");
  if (!acr || !acr->is_array()) return 0;
  for (const auto& rule : acr->get_array()) {
    if (!rule.is_object()) continue;
    const auto& r = rule.get_object();
    // Contexts and child-type limits narrow a rule; until they are evaluated such rules grant
    // nothing (default deny).
    if (const auto* acco = r.if_contains("acco"); acco && acco->is_array() && !acco->get_array().empty()) {
      continue;
    }
    if (const auto* acod = r.if_contains("acod"); acod && acod->is_array() && !acod->get_array().empty()) {
      continue;
    }
    const auto* acor = r.if_contains("acor");
    if (!acor || !acor->is_array()) continue;
    bool match = false;
    for (const auto& o : acor->get_array()) {
      if (o.is_string() && OriginatorMatches(o.get_string(), originator)) {
        match = true;
        break;
      }
    }
    if (match) granted |= static_cast<uint32_t>(json::GetInt(r, "acop").value_or(0));
  }
  return granted;
}

Decision AcpAuthorization::Check(const SecurityContext& ctx) const {
  if (!admin_.empty() && ctx.originator == admin_) return Decision::Allow();
  if (!ctx.subject) return Decision::Deny(Status::NoPrivilege("access denied"), "no subject");
  const resources::Resource& subject = *ctx.subject;
  const int ty = subject.ty();

  auto deny = [&](std::string why) {
    return Decision::Deny(Status::NoPrivilege("access denied"), std::move(why));
  };

  if (ty == resources::ty::kAcp) {
    const bj::value* pvs = subject.attrs.if_contains("pvs");
    uint32_t g = pvs ? GrantedOperations(*pvs, ctx.originator) : 0;
    return (g & ctx.access) ? Decision::Allow() : deny("pvs of the target ACP grants no access");
  }

  auto acpi = subject.acpi();
  if (acpi.empty()) {
    if (ty == resources::ty::kCseBase) {
      // Registered entities may read the CSEBase; everything else is for the admin only.
      if (ctx.access == kRetrieve && ctx.originator_registered) {
        return Decision::Allow();
      }
      return deny("CSEBase without acpi: admin only");
    }
    if ((!subject.originator.empty() && subject.originator == ctx.originator) ||
        (!ctx.owner_ae.empty() && ctx.owner_ae == ctx.originator)) {
      return Decision::Allow();
    }
    return deny("no acpi: only the creator or the owning AE");
  }

  for (const auto& id : acpi) {
    auto acp = acps_.FindAcp(id);
    if (!acp) continue;
    const bj::value* priv = acp->attrs.if_contains(ctx.acpi_change ? "pvs" : "pv");
    if (priv && (GrantedOperations(*priv, ctx.originator) & ctx.access)) return Decision::Allow();
  }
  return deny(ctx.acpi_change ? "no linked ACP's pvs grants the acpi change"
                              : "no rule of the linked ACPs grants the operation");
}

}  // namespace trustcse::security
