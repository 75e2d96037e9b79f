// Notifier: turns committed changes into oneM2M notifications (TS-0001 §10.2.10, TS-0004 §7.5.1)
// and delivers them without ever blocking the request path.
//
// The dispatcher calls OnCommitted() from the storage thread that completes writes (one thread,
// in commit order) after a transaction is durable; the notifier only enqueues there. Its own worker thread matches each Event against the
// subscriptions of the event's subject (eventNotificationCriteria: net, chty, and the
// time/state/size conditions it supports), builds m2m:sgn, and hands it to the Sender. Failed
// deliveries are retried with exponential back-off (1 s, 2 s, 4 s … up to max_attempts) on a timer,
// never by sleeping on the worker. expirationCounter (exc) is decremented per successful delivery
// through a storage write; at 0 the subscription is deleted and a deletion notice goes to `su`.
// Subscriptions that are deleted (directly or with their parent) send {"sud":true} to `su`.
//
// Verify() sends the verification request of a new subscription to one target and reports the
// outcome asynchronously: OK, or 5204 if the target is unreachable or answered with an error.
//
// The notification policies (TS-0001 §10.2.10.7, TS-0004 §7.5.1.2.2) run on the worker, in this
// order for each matching event: statistics (nse: nsi counts events, requests and responses per
// target), the notificationSchedule (outside it an event is dropped, or cached by pn: all
// events, or only the latest, sent once the schedule opens again), batching (bn: num events or
// dur, whichever first, sent FIFO as one m2m:agn; with ln only the latest, as one m2m:sgn), then
// delivery with Event Category nec, or 4 (latest) with ln and for a pn=sendLatest release. What
// is held is bounded: kMaxBatch per batch (reached: sent early), kMaxPending per pending cache
// (beyond: the oldest is dropped), kMaxHeld over all subscriptions (beyond: new events are sent
// at once, or dropped when the schedule forbids sending). Held events live in memory and are
// lost on restart.
//
// Operation monitors (enc.om) hear about operations through OnOperation(); a Blocking_Update
// subscription (net 7) is asked through NotifyBlockingUpdate() by the dispatcher, which holds
// the UPDATE until the answer.
//
// Thread-safety: all public methods may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "common/status.h"
#include "common/time.h"
#include "egress/client.h"
#include "egress/destination_policy.h"
#include "primitive/address.h"
#include "primitive/request.h"
#include "resources/resource.h"
#include "storage/store.h"

namespace trustcse::notification {

class PollingChannels;
class EntityConnections;

// One outgoing NOTIFY (or verification) request.
struct Notification {
  std::string target;  // a URL, or "pch:<AE-ID>" (a polling channel)
  std::string body;    // serialized JSON ({"m2m:sgn":…}), whatever goes on the wire
  std::string rqi;
  std::string originator;  // X-M2M-Origin (fr); empty: this CSE
  // When the answer is no longer of use (a forwarded request's expiration): senders give up
  // then, if that is before their own timeout, with 5103 like any target that did not answer
  // (the notifier's polling-channel fallback relies on it; the dispatcher answers 4008 when the
  // request's own rqet has passed). Unset: their own timeout.
  std::optional<TimePoint> deadline;
  // Senders that write the body themselves (the outbound client) send it as application/cbor
  // when set (TargetFacts::cbor); a polling channel queues it as a JSON primitive either way.
  bool cbor = false;
  std::string rvi;         // X-M2M-RVI; empty: the sender's default
  std::optional<int> ec;   // Event Category (X-M2M-EC, TS-0004 §7.5.1.2.2 Steps 2.2/2.3)
};

// Transport for notifications. The HTTP implementation lives in http_sender.cc; tests may
// substitute a recording implementation. `done` is called exactly once, from any thread, with OK
// when the target answered with a success status.
class Sender {
 public:
  virtual ~Sender() = default;
  virtual void Send(const Notification& n, std::function<void(Status)> done) = 0;
  // The same POST, for request/response exchanges (dynamic authorization consultations): `done`
  // also gets the response body. The default sends and hands over no body.
  virtual void Request(const Notification& n, std::function<void(Status, std::string)> done) {
    Send(n, [done = std::move(done)](Status s) { done(std::move(s), {}); });
  }
  virtual void Stop() = 0;
};

// The Sender for http:// and https:// targets: an adapter over an outbound client
// (egress/client.h, egress/http/http_client.h), which owns connections, TLS, deadlines and Via.
struct HttpSenderOptions {
  std::string originator;  // X-M2M-Origin of notifications: the CSE-ID
  int timeout_ms = 3000;   // per request; a notification's own deadline may shorten it
  // Which networks requests may go to (egress/destination_policy.h); a target whose
  // addresses are all refused fails with 5103 without a connection attempt.
  egress::DestinationPolicy destinations;
  // The client to send through (its own destination policy and TLS settings apply). Null: an
  // HTTP/HTTPS client is made from the fields above, with the system's trust anchors and no
  // client certificate. The sender's Stop stops the client.
  std::shared_ptr<egress::Client> client;
};
std::unique_ptr<Sender> MakeHttpSender(const HttpSenderOptions& options);
// Sends to "pch:" targets (polling channels) through `polling`, to "conn:" targets (entities'
// open connections, entity_connections.h) through `connections`, to everything else through
// `egress` (the sender over the outbound client, which picks HTTP(S), CoAP(S) or MQTT by the
// target's scheme). A null sender fails its targets.
std::unique_ptr<Sender> MakeRoutingSender(std::unique_ptr<Sender> egress,
                                          std::unique_ptr<Sender> polling = nullptr,
                                          std::unique_ptr<Sender> connections = nullptr);

struct NotifierOptions {
  CseIdentity self;
  int max_attempts = 5;
  int first_retry_ms = 1000;
  // Request-unreachable AEs (rr=false) with a <pollingChannel> are notified through it
  // ("pch:<AE-ID>" targets); a deleted channel is closed here. Null: no polling channels.
  std::shared_ptr<PollingChannels> polling;
  // How long OnCommitted's `notices_sent` waits at most for the deletion notices' answers.
  int notice_wait_ms = 3000;
  // How long the statistics (nsi) gather before they are written, so that a burst of
  // notifications costs one storage write.
  int stats_flush_ms = 100;
  // Entities with an open connection (WebSocket) get their requests there first ("conn:<ID>"
  // targets); a deregistered entity is forgotten here. Null: no such connections.
  std::shared_ptr<EntityConnections> connections;
};

// What the notifier's deliveries came to, for monitoring (relaxed counters; any thread).
struct DeliveryCounters {
  std::atomic<uint64_t> sent{0};     // notifications the target accepted
  std::atomic<uint64_t> failed{0};   // given up after the last attempt, or dropped unsendable
  std::atomic<uint64_t> retried{0};  // attempts scheduled again after a failure
};

class Notifier {
 public:
  Notifier(NotifierOptions options, storage::Store& store, std::unique_ptr<Sender> sender);
  const DeliveryCounters& delivery_counters() const;
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Loads which resources have subscriptions and starts the worker.
  Status Start();
  void Stop();

  // Enqueues the events and deletions of one committed write. Never blocks on I/O.
  void OnCommitted(const resources::WriteEffects& fx);
  // The same; `notices_sent` is called once (from any thread) when the deletion notice of every
  // subscription the write deleted had its first answer (or could not be sent), at the latest
  // after notice_wait_ms — at once when there is none. TS-0004 §7.4.8.2.4 makes the notice part
  // of the DELETE, so the dispatcher answers a DELETE from here.
  void OnCommitted(const resources::WriteEffects& fx, std::function<void()> notices_sent);

  // An operation (`op`) by `originator` on resource `subject_ri` was performed: subscriptions
  // of it with a matching enc.om are notified. Cheap when none monitors operations (an atomic
  // read); `created_ri`, the resource a CREATE made, is never told about its own creation.
  void OnOperation(const std::string& subject_ri, Operation op, const std::string& originator,
                   const std::string& created_ri = {});
  // True if some subscription of `ri` monitors operations; AnyOperationMonitors() if some
  // subscription anywhere does (one atomic read).
  bool MonitorsOperations(const std::string& ri) const;
  bool AnyOperationMonitors() const;

  // The Blocking_Update subscription (net 7) of resource `ri`, if it has one.
  std::optional<std::string> BlockingSubscription(const std::string& ri) const;
  // Sends the Blocking_Update notification of `sub` — rep {<tag>: changes}, net 7 — to its
  // notification target, once, without retries, and reports the target's answer: OK, the
  // target's error status, or 5103 when it cannot be reached or does not answer in time.
  void NotifyBlockingUpdate(const resources::Resource& sub, std::string_view tag,
                            const boost::json::object& changes, std::function<void(Status)> done);

  // Sends the verification request for subscription `sub` (not yet stored) to `target` on behalf
  // of `creator`; `done` gets OK or 5204 (from any thread).
  void Verify(const resources::Resource& sub, const std::string& target,
              const std::string& creator, std::function<void(Status)> done);

  // Resolves a notification URI: an http(s):// URL is used as is; a resource ID of an AE or CSE
  // resolves to its polling channel ("pch:<AE-ID>") when it is not request-reachable and has
  // one, else to its first http or mqtt point of access (an mqtt one as "<poa>#<AE-ID>", the
  // receiver of the NOTIFY request). Empty if it cannot be resolved.
  std::string ResolveTarget(const std::string& nu);

  // Sends a NOTIFY request carrying `body` to `nu` (a URL, or the ID of an AE or CSE, resolved
  // like a subscription's notification URI), retried like event notifications. For the results
  // of non-blocking asynchronous requests; `context` names the cause in logs. Only enqueues:
  // the target is resolved on the notifier's worker (a `nu` that names nothing is logged and
  // dropped there), so this may be called from a storage completion.
  void Deliver(const std::string& nu, std::string body, const std::string& context);

  // A request for an AE registered here — a NOTIFY that another entity addressed to it — sent on
  // to the AE as `originator`: through its polling channel when it is not request-reachable (rr
  // false) and has one, else to its point of access, and to its polling channel when that point
  // of access cannot be reached. `done` (from any thread) gets the AE's answer — its status and
  // content (a serialized primitive content, possibly empty) — or 5103 when the AE cannot be
  // reached or does not answer in time (its own timeout, or `deadline`, the request's
  // expiration, if sooner; the dispatcher then answers 4008). Not retried: the originator waits.
  void Forward(const resources::Resource& ae, const std::string& originator, std::string body,
               std::optional<TimePoint> deadline, std::function<void(Status, std::string pc)> done);
  // Posts `body` to an http:// URL and hands back the answer (from any thread).
  void Consult(const std::string& url, std::string body,
               std::function<void(Status, std::string)> done);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trustcse::notification
