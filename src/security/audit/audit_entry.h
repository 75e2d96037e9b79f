// The entries of the audit log (AUD-1): one canonical, typed record per security event, the
// bytes the Merkle tree hashes (audit_log.h). Canonical means one spelling per record, so that
// anyone can re-encode what an export shows and get the bytes that were hashed:
//   a JSON object, no whitespace, members in this fixed order, members whose value is empty or
//   zero left out, strings escaped by Boost.JSON's serializer (UTF-8, \" \\ and control
//   characters escaped), integers in decimal:
//     "v"         format version, 1
//     "seq"       the event stream's sequence number (gaps: other kinds, or drops)
//     "time"      oneM2M timestamp with microseconds (YYYYMMDDTHHMMSS,ffffff), UTC
//     "kind"      events::KindName, or "audit.gap" for events the log did not receive
//     "source"    the producer: a chain step, "ca", "admin", "credentials", …
//     "actor"     who acted: the originator, credential or operator
//     "subject"   what was acted on: a resource path, credential ID, certificate serial, …
//     "operation" "create", "revoke", …
//     "decision"  "deny" for refusals and failures, "allow" for audited grants
//     "reason"    why (a rule, a check; never a secret)
//     "status"    the oneM2M response status code, where there is one
//     "binding", "peer", "rqi"   how the request came: binding, peer address, request ID
//     "dropped"   for "audit.gap": how many events were not logged one by one before this
//                 entry ("reason" says why: the queue was full, or denials over their budget)
// Never the request's content, never secrets: events carry none (events/event_stream.h).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "events/event_stream.h"

namespace trustcse::security::audit {

inline constexpr int kEntryVersion = 1;

// The canonical entry of `event`.
std::string EncodeEntry(const events::Event& event);
// The entry that records `dropped` events not logged one by one before `time`, and why.
std::string EncodeGap(TimePoint time, uint64_t dropped, std::string_view reason);

}  // namespace trustcse::security::audit
