// Internal to notification/: the bodies of the NOTIFY requests the notifier sends, each a
// serialized {"m2m:sgn": …} (TS-0004 §7.5.1.2.x): an event notification (nev with rep and net),
// a subscription deletion notice (sud) and a verification request (vrq). sur is always the
// subscription's SP-relative ID (<CSE-ID>/<ri>); cr is the subscription's creator when it has
// one.
//
// Pure functions: nothing is kept, any thread. Errors: EventNotificationBody returns nothing when
// the event's resource cannot be represented (an unreadable record), which it logs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "primitive/address.h"
#include "resources/resource.h"

namespace trustcse::notification {

// "<CSE-ID>/<sub_ri>": the subscriptionReference (sur) of a notification.
std::string SubscriptionRef(const CseIdentity& self, std::string_view sub_ri);

// The notification of `ev` for `sub`, by its notificationContentType (nct): 1 (default) the
// resource's full representation without internal attributes, 2 the attributes an update
// modified (removed ones as null; other events as 1), 3 the resource ID.
std::optional<std::string> EventNotificationBody(const CseIdentity& self,
                                                 const resources::Resource& sub,
                                                 const resources::Event& ev);

// The notification of missing data points for `sub` (notificationEventType 8): its
// representation is a timeSeriesNotification (TS-0004 §6.3.5.69, short names Table 8.2.7-1),
// {"m2m:tsn":{"mdlt":[the expected dgts since the last report],"mdc":count}}.
std::string TimeSeriesNotificationBody(const CseIdentity& self, const resources::Resource& sub,
                                       const std::vector<std::string>& points, uint64_t count);

// {"m2m:sgn":{"sud":true,"sur":…}}: the subscription `sub_ri` was deleted.
std::string DeletionNoticeBody(const CseIdentity& self, std::string_view sub_ri);

// {"m2m:sgn":{"vrq":true,"sur":…,"cr":…}}: the verification request of a new subscription;
// cr is left out when `creator` is empty.
std::string VerificationRequestBody(const CseIdentity& self, std::string_view sub_ri,
                                    std::string_view creator);

}  // namespace trustcse::notification
