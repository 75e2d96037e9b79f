// Internal to notification/: which events a subscription is told about.
//
// EventMatches() evaluates a subscription's eventNotificationCriteria (TS-0004 §6.3.5.x, enc)
// against one event: net (default 1, update), chty for child events, and the time, state and
// size conditions (crb, cra, ms, us, exb, exa, sts, stb, sza, szb, combined by fo), which are
// the filterCriteria ones and so are evaluated by storage::Matches, exactly as discovery does.
// Batching (bn), rate limits (rl) and latestNotify (ln) are not supported, so nothing here holds
// or merges events. The notificationSchedule (TS-0001 §9.6.9) is the second gate: ScheduleAllows
// is its pure part, WithinNotificationSchedule reads the subscription's schedule child.
//
// Ownership: nothing is kept; the arguments are only read. Thread-safety: EventMatches and
// ScheduleAllows are pure; WithinNotificationSchedule may run on any thread the store allows
// reads from. Errors: none reported — an unreadable or malformed schedule does not restrict.
#pragma once

#include "common/time.h"
#include "resources/resource.h"
#include "storage/store.h"

namespace trustcse::notification {

// True if `ev` passes the eventNotificationCriteria of the subscription `sub` (no enc: every
// update of the subscribed-to resource).
bool EventMatches(const resources::Resource& sub, const resources::Event& ev);

// True if one of the entries (se.sce) of the <schedule> resource `schedule` matches `now`. A
// schedule without an se object restricts nothing; one whose sce is empty allows nothing.
bool ScheduleAllows(const resources::Resource& schedule, TimePoint now);

// True if `sub` may notify now: its nec is 2 (immediate), it has no <schedule> child named
// notificationSchedule (or one that cannot be read), or that schedule allows the current UTC
// second. One storage read unless nec is 2.
bool WithinNotificationSchedule(storage::Store& store, const resources::Resource& sub);

}  // namespace trustcse::notification
