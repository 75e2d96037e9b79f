// Internal to notification/: the bodies of the NOTIFY requests the notifier sends (TS-0004
// §7.5.1.2.x, Table 6.3.5.13-1): an event notification (nev with rep and net), an operation
// monitor notification (nev with rep and om), a Blocking_Update notification (nev with the
// UPDATE's attributes and net 7), a subscription deletion notice (sud) and a verification
// request (vrq), each {"m2m:sgn": …}; a batch is {"m2m:agn": {"m2m:sgn": [ … ]}} (Table
// 6.3.5.12-1). sur is always the subscription's SP-relative ID (<CSE-ID>/<ri>); cr is the
// subscription's creator when it has one. rep follows nct (Table 6.3.5.62-1): 1 the resource,
// 2 its modified attributes, 3 {"m2m:uri": <its SP-relative ID>}.
//
// Pure functions: nothing is kept, any thread. Errors: the event and operation builders return
// nothing when the resource cannot be represented (an unreadable record), which they log.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "primitive/address.h"
#include "resources/resource.h"
#include "storage/store.h"

namespace trustcse::notification {

// "<CSE-ID>/<sub_ri>": the subscriptionReference (sur) of a notification.
std::string SubscriptionRef(const CseIdentity& self, std::string_view sub_ri);

// The m2m:sgn object of `ev` for `sub`, by its notificationContentType (nct): 1 (default) the
// resource's full representation without internal attributes, 2 the attributes an update
// modified (removed ones as null; other events as 1), 3 the resource ID as m2m:uri.
std::optional<boost::json::object> EventNotification(const CseIdentity& self,
                                                     const resources::Resource& sub,
                                                     const resources::Event& ev);
// The same, serialized as {"m2m:sgn": …}.
std::optional<std::string> EventNotificationBody(const CseIdentity& self,
                                                 const resources::Resource& sub,
                                                 const resources::Event& ev);

// The m2m:sgn object telling `sub` that `originator` performed `op` (m2m:operation, 1–5) on the
// subscribed-to resource `subject`: nev.om {ops, org} and rep by nct (2 reads as 1: nothing was
// modified). No net: no notificationEventType describes an operation.
std::optional<boost::json::object> OperationNotification(const CseIdentity& self,
                                                         const resources::Resource& sub,
                                                         const storage::ResourceRecord& subject,
                                                         int op, std::string_view originator);

// {"m2m:sgn": …} of a Blocking_Update subscription (§7.5.1.2.19): rep is {<tag>: the attributes
// the UPDATE asks for}, net 7.
std::string BlockingUpdateBody(const CseIdentity& self, const resources::Resource& sub,
                               std::string_view tag, const boost::json::object& changes);

// {"m2m:sgn": sgn}.
std::string NotificationBody(boost::json::object sgn);
// {"m2m:agn": {"m2m:sgn": [sgns…]}}, in the given (FIFO) order.
std::string AggregatedNotificationBody(std::vector<boost::json::object> sgns);

// The notification of missing data points for `sub` (notificationEventType 8): its
// representation is a timeSeriesNotification (TS-0004 §6.3.5.69, short names Table 8.2.7-1),
// {"m2m:tsn":{"mdlt":[the expected dgts since the last report],"mdc":count}}.
boost::json::object TimeSeriesNotification(const CseIdentity& self,
                                           const resources::Resource& sub,
                                           const std::vector<std::string>& points,
                                           uint64_t count);
// The same as {"m2m:sgn": …}.
std::string TimeSeriesNotificationBody(const CseIdentity& self, const resources::Resource& sub,
                                       const std::vector<std::string>& points, uint64_t count);

// {"m2m:sgn":{"sud":true,"sur":…}}: the subscription `sub_ri` was deleted.
std::string DeletionNoticeBody(const CseIdentity& self, std::string_view sub_ri);

// {"m2m:sgn":{"vrq":true,"sur":…,"cr":…}}: the verification request of a new subscription;
// cr is left out when `creator` is empty.
std::string VerificationRequestBody(const CseIdentity& self, std::string_view sub_ri,
                                    std::string_view creator);

}  // namespace trustcse::notification
