#include "security/chain.h"

#include <spdlog/spdlog.h>

namespace trustcse::security {

const char* AccessOpName(uint32_t op) {
  switch (op) {
    case kCreate: return "create";
    case kRetrieve: return "retrieve";
    case kUpdate: return "update";
    case kDelete: return "delete";
    case kNotify: return "notify";
    case kDiscover: return "discover";
  }
  return "?";
}

void SecurityChain::Append(std::unique_ptr<SecurityStep> step) {
  steps_.push_back(std::move(step));
}

Status SecurityChain::Evaluate(const SecurityContext& ctx, bool log_denial) const {
  std::string_view target = ctx.subject ? std::string_view(ctx.subject->path) : "";
  for (const auto& step : steps_) {
    Decision d = step->Check(ctx);
    if (d.verdict == Verdict::kDeny) {
      if (!log_denial) return d.status;
      spdlog::warn("security: deny step={} originator={} target={} op={} reason={}",
                   step->name(), ctx.originator, target, AccessOpName(ctx.access), d.reason);
      return d.status;
    }
    if (d.verdict == Verdict::kAllow && step->deciding()) return Status::Ok();
  }
  if (!log_denial) return Status::NoPrivilege("access denied");
  spdlog::warn("security: deny step=default originator={} target={} op={} reason={}",
               ctx.originator, target, AccessOpName(ctx.access), "no step granted access");
  return Status::NoPrivilege("access denied");
}

}  // namespace trustcse::security
