#include "security/authz/acp_evaluator.h"

#include "security/authz/access_request.h"

#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "primitive/json_util.h"

namespace trustcse::security {

namespace bj = boost::json;

bool OriginatorMatches(std::string_view pattern, std::string_view s) {
  if (pattern == "all") return true;
  return MatchesOriginatorPattern(pattern, s);
}

uint32_t GrantedOperations(const bj::value& privileges, std::string_view originator) {
  auto compiled = CompiledPrivileges::Compile(&privileges);
  if (!compiled) return 0;
  uint32_t granted = 0;
  AccessRequest req;
  req.originator = originator;
  req.time = Now();
  for (uint32_t op = kCreate; op <= kDiscover; op <<= 1) {
    req.access = op;
    if (compiled->Grants(req)) granted |= op;
  }
  return granted;
}

Decision AcpAuthorization::Check(const SecurityContext& ctx) const {
  if (!admin_.empty() && ctx.originator == admin_) return Decision::Allow();
  // Who may register is decided by the gates before this step and by the registration rules
  // (originator and App-ID checks), not by the CSEBase's ACPs.
  if (ctx.registration) return Decision::Allow();
  if (!ctx.subject) return Decision::Deny(Status::NoPrivilege("access denied"), "no subject");
  const resources::Resource& subject = *ctx.subject;
  const int ty = subject.ty();

  // Nothing grants: defer with the reason, so that dynamic authorization may still grant; the
  // chain's default denial (4103) reports the reason when nothing does.
  auto deny = [&](std::string why) { return Decision::Defer(std::move(why)); };

  AccessRequest req = ToAccessRequest(ctx);
  req.self_cse_id = cse_id_;
  // The attributes the access touches, for rules limited to some (aca).
  std::vector<std::string_view> touched;
  if (const RequestPrimitive* p = ctx.request) {
    if (ctx.access == kUpdate && p->pc.is_object() && p->pc.get_object().size() == 1 &&
        p->pc.get_object().begin()->value().is_object()) {
      for (const auto& [k, v] : p->pc.get_object().begin()->value().get_object()) {
        touched.push_back(k);
      }
    } else if (ctx.access == kRetrieve) {
      touched.assign(p->atrl.begin(), p->atrl.end());
    }
  }
  req.attributes = &touched;
  DenyReason why = DenyReason::kNoRules;

  if (ty == resources::ty::kAcp) {
    auto compiled = acps_.Compiled(subject);
    if (compiled && compiled->pvs().Grants(req, &why)) return Decision::Allow();
    return deny(std::string("pvs of the target ACP: ") + DenyReasonText(why));
  }

  const bj::value* acpi = subject.attrs.if_contains("acpi");
  const bool has_acpi = acpi && acpi->is_array() && !acpi->get_array().empty();
  if (!has_acpi) {
    if (ty == resources::ty::kCseBase) {
      // Registered entities may read the CSEBase; everything else is for the admin only.
      if (ctx.access == kRetrieve && ctx.originator_registered) return Decision::Allow();
      return deny("CSEBase without acpi: admin only");
    }
    // The default policy (TS-0001 §9.6.1.3.2): the custodian (cstn, Release 4) if there is one,
    // otherwise the creator, has every privilege; nobody else has any.
    if (auto custodian = json::GetString(subject.attrs, "cstn")) {
      if (*custodian == ctx.originator) return Decision::Allow();
      return deny("no acpi: only the custodian");
    }
    if (!subject.originator.empty() && subject.originator == ctx.originator) {
      return Decision::Allow();
    }
    return deny("no acpi: only the creator");
  }

  DenyReason closest = DenyReason::kNoRules;
  for (const auto& id : acpi->get_array()) {
    if (!id.is_string()) continue;
    auto acp = acps_.FindAcp(id.get_string());
    if (!acp) continue;
    const CompiledPrivileges& p = ctx.acpi_change ? acp->pvs() : acp->pv();
    if (p.Grants(req, &why)) return Decision::Allow();
    if (static_cast<int>(why) > static_cast<int>(closest)) closest = why;
  }
  return deny(std::string(ctx.acpi_change ? "pvs of the linked ACPs: " : "pv of the linked ACPs: ") +
              DenyReasonText(closest));
}

}  // namespace trustcse::security
