#include "common/status.h"

namespace trustcse {

int HttpStatusFor(Rsc rsc) {
  switch (rsc) {
    case Rsc::kAccepted:
    case Rsc::kAcceptedNonBlockingSynch:
    case Rsc::kAcceptedNonBlockingAsynch:
      return 202;
    case Rsc::kOk:
    case Rsc::kDeleted:
    case Rsc::kUpdated:
      return 200;
    case Rsc::kCreated:
      return 201;
    case Rsc::kBadRequest:
    case Rsc::kContentsUnacceptable:
    case Rsc::kGroupMemberTypeInconsistent:
    case Rsc::kMaxNumberOfMemberExceeded:
      return 400;
    case Rsc::kSubscriptionCreatorHasNoPrivilege:
    case Rsc::kOriginatorHasNoPrivilege:
    case Rsc::kReceiverHasNoPrivilege:
    case Rsc::kSubscriptionHostHasNoPrivilege:
    case Rsc::kOriginatorNotAuthenticated:
    case Rsc::kSecurityAssociationRequired:
    case Rsc::kInvalidChildResourceType:
    case Rsc::kOriginatorHasAlreadyRegistered:
    case Rsc::kTargetNotSubscribable:
    case Rsc::kAppRuleValidationFailed:
      return 403;
    case Rsc::kNotFound:
    case Rsc::kTargetNotReachable:
      return 404;
    case Rsc::kOperationNotAllowed:
      return 405;
    case Rsc::kNotAcceptable:
      return 406;
    case Rsc::kUnsupportedMediaType:
      return 415;
    case Rsc::kConflict:
    case Rsc::kAlreadyExists:
      return 409;
    case Rsc::kReleaseVersionNotSupported:
    case Rsc::kNotImplemented:
    case Rsc::kNonBlockingSynchRequestNotSupported:
      return 501;
    case Rsc::kRequestTimeout:
      return 504;
    case Rsc::kInternalServerError:
    case Rsc::kSubscriptionVerificationInitiationFailed:
    case Rsc::kGroupMembersNotResponded:
      return 500;
  }
  return 500;
}

Rsc RscFromInt(int value) {
  switch (value) {
#define TRUSTCSE_RSC(v) \
  case v:               \
    return static_cast<Rsc>(v);
    TRUSTCSE_RSC(1000) TRUSTCSE_RSC(1001) TRUSTCSE_RSC(1002) TRUSTCSE_RSC(2000)
    TRUSTCSE_RSC(2001) TRUSTCSE_RSC(2002) TRUSTCSE_RSC(2004) TRUSTCSE_RSC(4000)
    TRUSTCSE_RSC(4001) TRUSTCSE_RSC(4004) TRUSTCSE_RSC(4005) TRUSTCSE_RSC(4008)
    TRUSTCSE_RSC(4015) TRUSTCSE_RSC(4101) TRUSTCSE_RSC(4102) TRUSTCSE_RSC(4103)
    TRUSTCSE_RSC(4105) TRUSTCSE_RSC(4106) TRUSTCSE_RSC(4107) TRUSTCSE_RSC(4108)
    TRUSTCSE_RSC(4110) TRUSTCSE_RSC(4117) TRUSTCSE_RSC(4126) TRUSTCSE_RSC(5000)
    TRUSTCSE_RSC(5001) TRUSTCSE_RSC(5103) TRUSTCSE_RSC(5105) TRUSTCSE_RSC(5106)
    TRUSTCSE_RSC(5203) TRUSTCSE_RSC(5204) TRUSTCSE_RSC(5205) TRUSTCSE_RSC(5206)
    TRUSTCSE_RSC(5207) TRUSTCSE_RSC(5209) TRUSTCSE_RSC(6010)
#undef TRUSTCSE_RSC
    default:
      return Rsc::kInternalServerError;
  }
}

}  // namespace trustcse
