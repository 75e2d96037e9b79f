// Internal to notification/: where a notification goes — a notification URI (nu), a subscriber
// URI (su) or an AE turned into the target string a Sender understands.
//
// An http(s):// URL is used as is, without its ct= query parameters. A resource ID or structured
// address of an AE or remoteCSE resolves to "conn:<ID>" while the entity holds a connection open
// to this CSE (entity_connections.h; its poa or polling channel is then the fallback), else to
// "pch:<ri>" (its polling channel) when it is not request-reachable (rr false) and has a
// <pollingChannel>, else to its first http:// poa, else to its first mqtt(s):// one as
// "<poa>#<ri>" (the receiver of the NOTIFY), else to its polling channel if it has one, else —
// when this CSE keeps entity connections — to "conn:<ID>" all the same: an entity with no point
// of access is reachable only while connected, and a retry finds the connection it reopens. Two answers on the side, for event delivery: `fallback`, the polling
// channel to use when the poa cannot be reached; `wake`, when the AE's node (nl) is asleep by its
// <schedule>s, the time it wakes (ScheduleEntry::NextMatch, a week ahead at most).
//
// Ownership: TargetResolver keeps a reference to the store, which must outlive it. Thread-safety:
// const and free of state of its own, so any thread may call it concurrently; every call reads
// the store (no caching). Errors: an empty target when nothing can be resolved (unparseable
// address, no such resource, not an AE, remote-CSE resource, unsupported scheme); store read
// errors count as "not found".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/time.h"
#include "notification/entity_connections.h"
#include "primitive/address.h"
#include "resources/resource.h"
#include "storage/store.h"

namespace trustcse::notification {

// When an asleep AE wakes: unset if it is reachable now (or its node has no schedule); a time;
// or a null time when no schedule entry allows it within the next week.
using NodeWake = std::optional<std::optional<TimePoint>>;

// What a target speaks besides where it is.
//   rvi:  X-M2M-RVI — for an AE or CSE, the highest release in its supportedReleaseVersions
//         (srv) that this CSE supports too (TS-0001 §9.6.5); otherwise empty, which the
//         notifier reads as this CSE's own highest release (OwnRelease()).
//   cbor: the body goes as application/cbor — a URL (or the chosen poa) carrying "ct=cbor"
//         (TS-0004 §7.5.1.2.2 Step 2.5), or an AE whose contentSerialization (csz) prefers a
//         CBOR type over any JSON one. Never for MQTT targets (the broker connection speaks
//         JSON) or polling channels (queued as request primitives).
struct TargetFacts {
  std::string rvi;
  bool cbor = false;
};

// The highest release of kSupportedReleases (primitive/request.h): "4".
std::string OwnRelease();
// The highest release in `theirs` that this CSE supports; empty if there is none. Releases
// order as numbers, a letter after the number ranking just above it ("2" < "2a" < "3").
std::string HighestCommonRelease(const std::vector<std::string>& theirs);
// The value of the first ct= query parameter of `url` ("json", "cbor"), or "".
std::string ContentTypeParam(std::string_view url);

// ASCII case-insensitive "starts with" (URL schemes); `lower_prefix` must be lower case.
bool StartsWithNoCase(std::string_view s, std::string_view lower_prefix);

// A URL as it may appear in a log line: scheme, host and path only. Userinfo and the query can
// carry credentials or tokens, so they are left out; a non-URL is "<resource>".
std::string SafeUrl(std::string_view url);

// `url` without its ct= query parameters: TS-0009 lets a notification URI select the
// serialization with "?ct=json"; it is an instruction to this CSE, not part of the target.
std::string StripContentTypeParam(std::string_view url);

class TargetResolver {
 public:
  // `polling`: whether this CSE serves polling channels; without them no target is "pch:".
  // `connections` (may be null: none) must outlive the resolver.
  TargetResolver(CseIdentity self, storage::Store& store, bool polling,
                 const EntityConnections* connections = nullptr)
      : self_(std::move(self)), store_(store), polling_(polling), connections_(connections) {}

  // The target of a notification URI or subscriber URI; empty if it cannot be resolved.
  // `fallback` and `wake` (either may be null) as described above.
  std::string Resolve(const std::string& nu, std::string* fallback = nullptr,
                      NodeWake* wake = nullptr, TargetFacts* facts = nullptr) const;
  // The target of an AE or remoteCSE (stored or parsed); empty for other resources.
  std::string PoaOf(const storage::ResourceRecord& rec, std::string* fallback = nullptr,
                    NodeWake* wake = nullptr, TargetFacts* facts = nullptr) const;
  std::string PoaOf(const resources::Resource& res, std::string* fallback = nullptr,
                    NodeWake* wake = nullptr, TargetFacts* facts = nullptr) const;

 private:
  // The route without the entity's connection: polling channel, poa, node schedule.
  std::string Route(const resources::Resource& res, std::string* fallback, NodeWake* wake,
                    TargetFacts* facts) const;
  // When the node an AE runs on (its nl) is reachable next by the node's <schedule>s.
  NodeWake WakeOf(const resources::Resource& ae) const;
  bool HasPollingChannel(const std::string& ae_ri) const;

  const CseIdentity self_;
  storage::Store& store_;
  const bool polling_;
  const EntityConnections* connections_;
};

// The ID an entity's connection is bound under: an AE's AE-ID-Stem (its ri), a remoteCSE's
// CSE-ID (csi); empty for other resources.
std::string ConnectionIdOf(const resources::Resource& res);

}  // namespace trustcse::notification
