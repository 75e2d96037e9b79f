// DynamicGrants: privileges granted by dynamic authorization servers (SEC-5, direct dynamic
// authorization; TS-0003 §7.3), kept until they expire. The dispatcher consults the servers of a
// resource's <dynamicAuthorizationConsultation> when no policy grants a request, records what
// they granted here, and dispatches the request again; this deciding step then allows it (and
// later requests of the same originator to the same resource, until the grant expires).
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "security/authz/compiled_acp.h"
#include "security/chain.h"

namespace trustcse::security {

class DynamicGrants final : public SecurityStep {
 public:
  std::string_view name() const override { return "authz.dynamic"; }
  bool deciding() const override { return true; }
  Decision Check(const SecurityContext& ctx) const override;

  // Records that `originator` holds `privileges` on the subtree at `subject_path` until `until`.
  void Grant(const std::string& originator, const std::string& subject_path,
             std::shared_ptr<const CompiledPrivileges> privileges, TimePoint until);
  // Forgets every grant.
  void Clear() {
    std::lock_guard lock(mu_);
    grants_.clear();
  }

 private:
  struct Entry {
    std::shared_ptr<const CompiledPrivileges> privileges;
    TimePoint until;
  };
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, Entry> grants_;  // key: originator '\n' subject path
};

}  // namespace trustcse::security
