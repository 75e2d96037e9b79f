// DynamicAuthorization: the deciding step for direct dynamic authorization (TS-0001 §7.3.4.3,
// TS-0003 §7.3; docs/design/authorization.md). Placed after the ACPs: when nothing granted an
// access and the subject names <dynamicAuthorizationConsultation> resources (daci), the step goes
// pending and asks their servers through a Consultant; the first server that grants decides —
// the grant is recorded in DynamicGrants (which answers later requests without asking) and the
// access is allowed if the granted privileges cover it. No grant, or no answer within `timeout`:
// 4103, as if the step had not been there (with the servers' silence as the event's reason).
// Not for listings (they never wait) nor for changes of acpi (decided by pvs alone).
// Thread-safe: immutable; the consultant and the grants are thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "security/authz/compiled_acp.h"
#include "security/authz/dynamic_grants.h"
#include "security/chain.h"

namespace trustcse::security {

// What one server granted.
struct DynamicGrant {
  std::shared_ptr<const CompiledPrivileges> privileges;
  TimePoint until;
};

// One consultation as the step hands it over (owned: it outlives the Check call).
struct Consultation {
  std::string originator;
  std::string subject_ri;
  std::string subject_path;
  int subject_ty = 0;
  uint32_t access = 0;             // one AccessOp bit
  std::vector<std::string> daci;   // the subject's dynamicAuthorizationConsultationIDs
  std::optional<TimePoint> deadline;  // the request's rqet, if any
};

// Asks the servers that a consultation's daci name (implemented by the dispatcher, which reads
// the <dynamicAuthorizationConsultation> resources, answers its own DAS role in process and
// sends the rest through the outbound client). `done` exactly once, from any thread.
class Consultant {
 public:
  virtual ~Consultant() = default;
  virtual void Consult(Consultation c, std::function<void(std::optional<DynamicGrant>)> done) = 0;
};

class DynamicAuthorization final : public SecurityStep {
 public:
  DynamicAuthorization(std::shared_ptr<DynamicGrants> grants,
                       std::shared_ptr<Consultant> consultant,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::string_view name() const override { return "authz.das"; }
  bool deciding() const override { return true; }
  Decision Check(const SecurityContext& ctx) const override;

 private:
  std::shared_ptr<DynamicGrants> grants_;
  std::shared_ptr<Consultant> consultant_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<const Decision> on_timeout_;
};

}  // namespace trustcse::security
