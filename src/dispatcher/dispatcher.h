// Dispatcher: the binding-independent request handler. Every binding hands it a
// RequestPrimitive and gets exactly one ResponsePrimitive back through a completion callback.
//
// Path of a request (docs/ARCHITECTURE.md):
//   receiver checks (rvi, rqet, fr, rt) → gates (authentication, admission, trust: before any
//   lookup) → address resolution (CSE-relative / SP-relative / absolute, structured /
//   unstructured, virtual la/ol/fopt) → authorization chain (tokens, dynamic grants, ACPs,
//   dynamic authorization; default deny; may wait) → operation (one file each: create.cc,
//   retrieve.cc, update.cc, delete.cc, notify.cc, fan_out.cc) → storage write via the writer's
//   group commit → response → notifications. Observers see each request at entry and completion
//   through the event stream.
//
// The security chains are not the dispatcher's: server/ assembles them from the configuration
// (with the services below, which read the dispatcher's caches) and installs them before the
// first request. A dispatcher without installed chains passes every gate and denies every
// access (default deny).
//
// Threading: Handle() is called on I/O threads, concurrently. Reads complete on the calling
// thread; writes complete on a storage thread (the writer, or its completion thread) after the
// write is durable, so `done` may run on any of these — it must be cheap and thread-safe
// (bindings post back to their own executor). `done` is called exactly once per request.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "events/event_stream.h"
#include "events/request_metrics.h"
#include "notification/notifier.h"
#include "primitive/request.h"
#include "security/authz/acp_evaluator.h"
#include "security/authz/dynamic_authorization.h"
#include "security/authz/dynamic_grants.h"
#include "security/chain.h"
#include "security/credentials/credential_registry.h"
#include "storage/store.h"

namespace trustcse::security::audit {
class AuditLogWriter;
}  // namespace trustcse::security::audit

namespace trustcse::dispatcher {

struct DispatcherOptions {
  CseIdentity self;                  // CSE-ID, CSEBase name, SP-ID
  std::string admin_originator = "CAdmin";
  std::vector<std::string> poa;      // points of access advertised by the CSEBase
  int cse_type = 1;                  // 1 IN-CSE, 2 MN-CSE, 3 ASN-CSE
  // Expiration given to resources created without et, and the latest et a request may set: a
  // later one is cut back to now + this (TS-0004 §7.3.3.3; the upper tester reports it as the
  // maximum expiration delta). Never beyond the parent's et either.
  std::chrono::seconds default_expiration{std::chrono::hours(24 * 365 * 5)};
  // How far ahead an operationExecutionTime (oet) may lie: the request waits until then (a
  // blocking one with its connection), so a later one is refused (4000) rather than held.
  std::chrono::seconds max_oet_delay{std::chrono::hours(1)};
  // How long the <request> of a non-blocking request (and with it the result) is kept after the
  // request's own deadlines (rqet, rset) when it names no resultPersistence (rp).
  std::chrono::milliseconds request_lifetime{std::chrono::minutes(10)};
  // Answer dynamic authorization consultations (m2m:seci NOTIFYs to the CSEBase) from the ACPs
  // labelled "das" under the CSEBase: the built-in dynamic authorization server role.
  bool das_role = false;
  // Originators (after the gates authenticated them) whose m2m:seci NOTIFYs to the CSEBase are
  // consultations of that role; anyone else's is an ordinary NOTIFY. This CSE's own
  // consultations of its role never pass a binding (they are answered in process).
  std::vector<std::string> das_consultants;
  // Credentials that secure channels authenticate; AE registrations over a channel bind the
  // AE-ID here (the gates, assembled in server/, decide who may claim what).
  std::shared_ptr<security::CredentialRegistry> credentials;
  // Where request observers and the chains' decisions go (null: nowhere).
  std::shared_ptr<events::EventStream> events;
  // The audit log (AUD-1): registrations, deregistrations and ACP changes are appended to it in
  // the transaction of the write itself (null: not audited). Used only on the storage writer.
  std::shared_ptr<security::audit::AuditLogWriter> audit_log;
  // Counts every request a binding handed in, once, when its response is finished (binding,
  // operation, ty, rsc, latency; relaxed atomics, no lock). Null: not counted.
  std::shared_ptr<events::RequestMetrics> metrics;
  // Requests waiting for request-unreachable AEs, fetched through <pollingChannel>/pcu; null:
  // polling channels cannot be polled.
  std::shared_ptr<notification::PollingChannels> polling;
  // How long a poll of a pollingChannelURI waits for a request when it names no rqet.
  std::chrono::milliseconds long_poll_timeout{std::chrono::seconds(30)};
  // Most parsed resources the request path keeps in memory (the resource cache).
  size_t cache_entries = 100000;
  // Upper bound of records a discovery examines before privilege filtering.
  size_t max_discovery_scan = 100000;
  // Most results one discovery or child listing returns, whatever its lim: a larger result is
  // answered partially (cnst 1, cnot = the ofst to continue from), so no answer grows without
  // bound.
  size_t max_results = 1000;
  // The same in bytes of the listed records (their representations): an answer ends, partial,
  // before it would exceed this (but holds at least one record).
  size_t max_answer_bytes = size_t{2} << 20;
  // Most <request> resources (non-blocking requests, kept until they expire) one originator may
  // have at a time; beyond, a non-blocking request is refused with 5207 (the admin is exempt).
  size_t max_requests_per_originator = 100;
  // What the subtree of one AE may hold (dispatcher/ae_quotas.h); 0 = no limit. Beyond: 5207.
  uint64_t max_resources_per_ae = 1000000;
  uint64_t max_bytes_per_ae = uint64_t{1} << 30;
  uint64_t max_subscriptions_per_ae = 10000;
};

using Completion = std::function<void(ResponsePrimitive)>;

// The security chains the dispatcher runs: the gates once per request before anything is looked
// up (authentication, admission, trust; no default denial), the authorization chain for every
// access (deciding steps; default deny).
struct SecurityChains {
  security::SecurityChain gates;
  security::SecurityChain authorization;
  SecurityChains() { gates.SetDefaultDeny(false); }
};

// What the dispatcher offers the steps of its chains, for server/ to assemble them with. The
// references stay valid for the dispatcher's lifetime; all are thread-safe.
struct AuthorizationServices {
  security::AcpSource& acps;                      // compiled ACPs from the resource cache
  const security::GroupMembership& groups;        // <group> and <role> membership
  const security::OriginatorDirectory& directory; // registered AEs
  std::shared_ptr<security::DynamicGrants> grants;      // what DAS servers granted
  std::shared_ptr<security::Consultant> consultant;     // asks the DAS servers daci names
};

class Dispatcher {
 public:
  Dispatcher(DispatcherOptions options, storage::Store& store,
             notification::Notifier& notifier);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Creates the CSEBase if the store has none. Start-up only.
  Status Bootstrap();

  // For assembling the chains (server/security_chains.h). Start-up only.
  AuthorizationServices authorization_services();
  // Installs the chains; before the first Handle (not safe concurrently with requests).
  void InstallSecurityChains(SecurityChains chains);

  // Handles one request; see the class comment for threading.
  void Handle(RequestPrimitive req, Completion done);

  // Deletes one batch (up to 1,000) of the resources whose expirationTime has passed, soonest
  // expired first, with notifications, and waits until those deletions are durable. Returns
  // how many deletions it issued (a resource below another expired one goes with it). Called
  // by the reaper thread; safe to call from tests, not from a storage thread.
  size_t ReapExpired();
  // Starts/stops a background thread that reaps every `interval`, and batch after batch
  // without waiting while batches come back full (a backlog drains at the writer's pace).
  void StartReaper(std::chrono::milliseconds interval);
  void StopReaper();
  // Stops the dispatcher's own threads (the reaper, the runner of accepted non-blocking
  // requests) before the notifier and the store it uses go away. Requests accepted and not yet
  // run stay PENDING in the store and are marked failed at the next start. Idempotent.
  void Stop();

  const DispatcherOptions& options() const { return options_; }

  // For test harnesses (the upper tester, server/upper_tester.h), never on a production path:
  // Reset() deletes every resource and creates a fresh CSEBase (credentials and other security
  // state stay); SetTimings() changes request_lifetime and long_poll_timeout at run time.
  Status Reset();
  void SetTimings(std::chrono::milliseconds request_lifetime,
                  std::chrono::milliseconds long_poll_timeout);
  std::chrono::milliseconds request_lifetime() const;
  std::chrono::milliseconds long_poll_timeout() const;
  // The latest expirationTime a resource gets, from now (options().default_expiration).
  std::chrono::seconds max_expiration() const { return options_.default_expiration; }

  struct Impl;  // dispatcher/internal.h; opaque outside dispatcher/

 private:
  std::unique_ptr<Impl> impl_;
  DispatcherOptions options_;
  struct ReapCounts;
  ReapCounts ReapBatch();  // reaper.cc
  std::thread reaper_;
  std::atomic<bool> reaper_stop_{false};
};

}  // namespace trustcse::dispatcher
