// AE registration (TS-0001 §10.2.2.2): the AE-ID an originator may register under, the 4117
// check, and the credential the new AE-ID is bound to when a secure channel registers it.
#include "dispatcher/type_services.h"

namespace trustcse::dispatcher {

namespace {

// Validates the originator of an AE registration and picks the AE-ID.
Result<std::string> AssignAeId(std::string_view fr) {
  if (fr.empty() || fr == "C") return "C" + resources::NewResourceId("").substr(0, 16);
  if (fr == "S") return "S" + resources::NewResourceId("").substr(0, 16);
  if ((fr[0] == 'C' || fr[0] == 'S') && resources::ValidResourceName(fr)) return std::string(fr);
  return Err(Rsc::kAppRuleValidationFailed, "originator is not allowed to register an AE");
}

}  // namespace

Status AssignAeRegistration(Dispatcher::Impl& d, InFlight& req, resources::Resource& res,
                            CreatePlan& plan) {
  auto aei = AssignAeId(req.fr);
  if (!aei) return aei.error();
  if (d.IsRegisteredAe(*aei)) {
    return {Rsc::kOriginatorHasAlreadyRegistered, "originator has already registered"};
  }
  plan.ri = *aei;
  plan.unique_id = true;
  res.attrs["aei"] = plan.ri;
  req.fr = plan.ri;  // from here on the registree acts as its AE-ID
  if (const ChannelIdentity* ch = req.channel.get(); ch && ch->authenticated()) {
    auto cred = d.opt.credentials ? d.opt.credentials->Find(ch->credential_id) : nullptr;
    if (cred && !cred->MayActAs(plan.ri)) plan.bind_credential = cred->id;
  }
  return Status::Ok();
}

}  // namespace trustcse::dispatcher
