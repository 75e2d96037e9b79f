#include "security/trust/subscription_scope.h"

namespace trustcse::security::trust {

Decision SubscriptionScope::Check(const SecurityContext& ctx) const {
  if (ctx.subject == nullptr || ctx.registration || subscriptions_->empty()) {
    return Decision::Defer();
  }
  const ChannelIdentity* ch = ctx.request ? ctx.request->channel.get() : nullptr;
  std::string_view credential = ch && ch->authenticated() ? ch->credential_id : std::string_view();
  auto machine = registry_->Resolve(ctx.originator, credential, {}).machine;
  if (!machine) return Decision::Defer();
  auto live = subscriptions_->Of(machine->id);
  if (!live || live->sub.profile.AllowsPath(ctx.subject->path)) return Decision::Defer();
  return Decision::Deny(
      Status(Rsc::kOriginatorHasNoPrivilege,
             "subscription " + live->sub.id + " does not reach " + ctx.subject->path),
      ctx.subject->path + " is outside the paths of subscription " + live->sub.id + " of machine " +
          machine->id);
}

}  // namespace trustcse::security::trust
