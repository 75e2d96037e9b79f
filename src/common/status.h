// Status and Result: the one error type of trustcse.
//
// A Status carries a oneM2M Response Status Code (TS-0004 §6.6) and a message that is safe to
// show to the client (never a secret, never an internal path). Success codes (1xxx, 2xxx) are
// Statuses too, so an operation can say "created" or "deleted" the same way it says "not found".
// Result<T> is tl::expected<T, Status>: functions on the request path return it instead of
// throwing. Status is a value type; it is cheap to move and copyable. Thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace trustcse {

// oneM2M response status codes (TS-0004 Table 6.6.3.x): the ones this CSE produces by name;
// any other standard code can be carried as static_cast<Rsc>(code).
enum class Rsc : uint16_t {
  kAccepted = 1000,
  kAcceptedNonBlockingSynch = 1001,
  kAcceptedNonBlockingAsynch = 1002,
  kOk = 2000,
  kCreated = 2001,
  kDeleted = 2002,
  kUpdated = 2004,
  kBadRequest = 4000,
  kReleaseVersionNotSupported = 4001,
  kNotFound = 4004,
  kOperationNotAllowed = 4005,
  kRequestTimeout = 4008,
  kUnsupportedMediaType = 4015,
  kSubscriptionCreatorHasNoPrivilege = 4101,
  kContentsUnacceptable = 4102,
  kOriginatorHasNoPrivilege = 4103,
  kConflict = 4105,
  kOriginatorNotAuthenticated = 4106,
  kSecurityAssociationRequired = 4107,
  kInvalidChildResourceType = 4108,
  kNoMembers = 4109,
  kGroupMemberTypeInconsistent = 4110,
  kOriginatorHasAlreadyRegistered = 4117,
  kBlockingSubscriptionAlreadyExists = 4124,
  kAppRuleValidationFailed = 4126,
  kOperationDeniedByRemoteEntity = 4127,
  kServiceSubscriptionNotEstablished = 4128,
  kInternalServerError = 5000,
  kNotImplemented = 5001,
  kTargetNotReachable = 5103,
  kReceiverHasNoPrivilege = 5105,
  kAlreadyExists = 5106,
  kRemoteEntityNotReachable = 5107,
  kTargetNotSubscribable = 5203,
  kSubscriptionVerificationInitiationFailed = 5204,
  kSubscriptionHostHasNoPrivilege = 5205,
  kNonBlockingSynchRequestNotSupported = 5206,
  kNotAcceptable = 5207,
  kGroupMembersNotResponded = 5209,
  kUnableToRecallRequest = 5220,
  kMaxNumberOfMemberExceeded = 6010,
};

// The HTTP status code TS-0009 §6.6 assigns to a response status code (500 for unknown codes).
// The mapping table covers every code of TS-0004 §6.6, not only the enumerators below.
int HttpStatusFor(Rsc rsc);
// The standard's name of the code ("ORIGINATOR_HAS_NO_PRIVILEGE"), "UNKNOWN" otherwise.
const char* RscName(Rsc rsc);
// True if `value` is a response status code of the standard.
bool IsKnownRsc(int value);
// True for 1xxx and 2xxx codes.
constexpr bool IsSuccess(Rsc rsc) { return static_cast<uint16_t>(rsc) < 4000; }
// Parses a numeric code; unknown or malformed values give kInternalServerError.
Rsc RscFromInt(int value);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK (2000)
  Status(Rsc code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status BadRequest(std::string m) { return {Rsc::kBadRequest, std::move(m)}; }
  static Status NotFound(std::string m) { return {Rsc::kNotFound, std::move(m)}; }
  static Status NotAllowed(std::string m) { return {Rsc::kOperationNotAllowed, std::move(m)}; }
  static Status Conflict(std::string m) { return {Rsc::kConflict, std::move(m)}; }
  static Status NoPrivilege(std::string m) { return {Rsc::kOriginatorHasNoPrivilege, std::move(m)}; }
  static Status NotImplemented(std::string m) { return {Rsc::kNotImplemented, std::move(m)}; }
  static Status Internal(std::string m) { return {Rsc::kInternalServerError, std::move(m)}; }

  bool ok() const { return IsSuccess(code_); }
  Rsc code() const { return code_; }
  int code_value() const { return static_cast<int>(code_); }
  const std::string& message() const { return message_; }

 private:
  Rsc code_ = Rsc::kOk;
  std::string message_;
};

template <typename T>
using Result = tl::expected<T, Status>;

// Shorthand for returning an error from a function that returns Result<T>.
inline tl::unexpected<Status> Err(Status s) { return tl::unexpected<Status>(std::move(s)); }
inline tl::unexpected<Status> Err(Rsc code, std::string message) {
  return tl::unexpected<Status>(Status(code, std::move(message)));
}

}  // namespace trustcse
