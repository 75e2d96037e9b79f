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

void LogSecurityEventSink::Record(const SecurityEvent& e) {
  spdlog::warn("security: deny step={} originator={} target={} op={} rsc={} reason={}", e.step,
               e.originator, e.target, e.operation, static_cast<int>(e.status), e.reason);
}

SecurityChain::SecurityChain() : sink_(std::make_shared<LogSecurityEventSink>()) {}

void SecurityChain::Append(std::unique_ptr<SecurityStep> step) {
  steps_.push_back(std::move(step));
}

Status SecurityChain::Evaluate(const SecurityContext& ctx, bool log_denial) const {
  std::string_view target = ctx.subject ? std::string_view(ctx.subject->path) : "";
  auto report = [&](std::string_view step, const Status& status, std::string_view reason) {
    if (log_denial && sink_) {
      sink_->Record(SecurityEvent{ctx.time, step, ctx.originator, target,
                                  AccessOpName(ctx.access), status.code(), reason});
    }
    return status;
  };
  for (const auto& step : steps_) {
    Decision d = step->Check(ctx);
    if (d.verdict == Verdict::kDeny) return report(step->name(), d.status, d.reason);
    if (d.verdict == Verdict::kAllow && step->deciding()) return Status::Ok();
  }
  return report("default", Status::NoPrivilege("access denied"), "no step granted access");
}

Status SecurityChain::Pass(const SecurityContext& ctx) const {
  for (const auto& step : steps_) {
    Decision d = step->Check(ctx);
    if (d.verdict == Verdict::kDeny) {
      if (sink_) {
        sink_->Record(SecurityEvent{ctx.time, step->name(), ctx.originator, "",
                                    AccessOpName(ctx.access), d.status.code(), d.reason});
      }
      return d.status;
    }
  }
  return Status::Ok();
}

}  // namespace trustcse::security
