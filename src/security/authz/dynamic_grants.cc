#include "security/authz/dynamic_grants.h"

namespace trustcse::security {

Decision DynamicGrants::Check(const SecurityContext& ctx) const {
  if (!ctx.subject) return Decision::Defer();
  std::shared_ptr<const CompiledPrivileges> privileges;
  {
    std::lock_guard lock(mu_);
    if (grants_.empty()) return Decision::Defer();
    std::string key(ctx.originator);
    key.append("\n").append(ctx.subject->path);
    auto it = grants_.find(key);
    if (it == grants_.end()) return Decision::Defer();
    if (it->second.until <= ctx.time) {
      grants_.erase(it);
      return Decision::Defer();
    }
    privileges = it->second.privileges;
  }
  return privileges->Grants(ToAccessRequest(ctx)) ? Decision::Allow() : Decision::Defer();
}

void DynamicGrants::Grant(const std::string& originator, const std::string& subject_path,
                          std::shared_ptr<const CompiledPrivileges> privileges, TimePoint until) {
  std::lock_guard lock(mu_);
  if (grants_.size() > 100000) grants_.clear();  // bounded; grants are re-obtained on demand
  grants_[originator + "\n" + subject_path] = Entry{std::move(privileges), until};
}

}  // namespace trustcse::security
