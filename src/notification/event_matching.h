// Internal to notification/: which events a subscription is told about.
//
// EventMatches() evaluates a subscription's eventNotificationCriteria (TS-0004 §6.3.5.7, enc)
// against one event (§7.5.1.2.2 Step 1.0): net (default 1, update, unless the subscription
// monitors operations instead), chty for child events, atr for updates (one of the listed
// attributes modified), and the time, state and size conditions (crb, cra, ms, us, exb, exa,
// sts, stb, sza, szb, combined by fo), which are the filterCriteria ones and so are evaluated by
// storage::Matches, exactly as discovery does. OperationMatches() evaluates enc.om (§6.3.5.57)
// against an operation. Nothing here holds or merges events: the policies (batches, pending
// caches) are the notifier's. The notificationSchedule (TS-0001 §9.6.9) is the second gate:
// ScheduleAllows is its pure part, WithinNotificationSchedule reads the subscription's schedule
// child, NextNotificationWindow finds when it opens again.
//
// Ownership: nothing is kept; the arguments are only read. Thread-safety: EventMatches and
// ScheduleAllows are pure; WithinNotificationSchedule may run on any thread the store allows
// reads from. Errors: none reported — an unreadable or malformed schedule does not restrict.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/time.h"
#include "resources/resource.h"
#include "storage/store.h"

namespace trustcse::notification {

// True if `ev` passes the eventNotificationCriteria of the subscription `sub` (no enc: every
// update of the subscribed-to resource).
bool EventMatches(const resources::Resource& sub, const resources::Event& ev);

// True if one of the subscription's enc.om entries covers operation `op_bit` (an
// accessControlOperations bit: 1 C, 2 R, 4 U, 8 D, 16 N) by `originator`: an entry without ops
// covers every operation, one without org every originator. False without enc.om.
bool OperationMatches(const resources::Resource& sub, uint32_t op_bit,
                      std::string_view originator);

// True if one of the entries (se.sce) of the <schedule> resource `schedule` matches `now`. A
// schedule without an se object restricts nothing; one whose sce is empty allows nothing.
bool ScheduleAllows(const resources::Resource& schedule, TimePoint now);

// True if `sub` may notify now: its nec is 2 (immediate), it has no <schedule> child named
// notificationSchedule (or one that cannot be read), or that schedule allows the current UTC
// second. One storage read unless nec is 2.
bool WithinNotificationSchedule(storage::Store& store, const resources::Resource& sub);

// The first second from `now` on at which the subscription's notificationSchedule allows
// sending (now itself when it has none, or one that cannot be read); nothing when no entry
// allows one within the next week.
std::optional<TimePoint> NextNotificationWindow(storage::Store& store,
                                                const resources::Resource& sub, TimePoint now);

}  // namespace trustcse::notification
