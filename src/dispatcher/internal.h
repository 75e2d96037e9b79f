// Internal to dispatcher/: the implementation object shared by the files of the dispatcher —
// dispatcher.cc (entry: receiver checks, gates, observers), authorize.cc (the authorization
// chain's context), one file per operation (create.cc, retrieve.cc, update.cc, delete.cc,
// notify.cc, fan_out.cc), commit.cc (writes), address.cc (resolution and lookups), discovery.cc
// (filtered listings), dynamic_authorization.cc (consultations and the own DAS role).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "dispatcher/ae_quotas.h"
#include "dispatcher/dispatcher.h"
#include "dispatcher/group_members.h"
#include "dispatcher/update_gate.h"
#include "dispatcher/missing_data_monitor.h"
#include "dispatcher/path_map.h"
#include "resources/resource.h"
#include "security/authz/acp_evaluator.h"
#include "security/authz/dynamic_grants.h"
#include "security/timer_queue.h"

namespace trustcse::dispatcher {

namespace bj = boost::json;
// The names every file of the dispatcher uses.
using resources::Event;
using resources::HookContext;
using resources::Resource;
using resources::ResourceType;
using resources::WriteEffects;
using storage::ResourceRecord;
namespace rty = resources::ty;

// A request while the dispatcher runs it: the primitive, and what the dispatcher learnt about it
// once — the request's security facts (built at entry, before any lookup) and the context of the
// access being authorized, which lives here so that it stays valid while a step is pending.
// Owned through RequestRef by whatever continues the request.
struct InFlight : RequestPrimitive {
  explicit InFlight(RequestPrimitive&& r) : RequestPrimitive(std::move(r)) {}
  // When it arrived: set only when an observer will want its latency.
  std::chrono::steady_clock::time_point received{};
  std::optional<security::IpAddress> source;  // the peer address, parsed once
  security::SecurityContext facts;  // request-level: originator, channel, time, gates' obligations
  // The originator's AE (registered? reported location?), looked up on the first access check.
  bool originator_known = false;
  bool originator_registered = false;
  std::optional<security::GeoPoint> location;
  // The access being authorized: its context and what it points to.
  security::SecurityContext access;
  std::shared_ptr<const resources::Resource> subject;
  std::string owner_ae;
  // The resource the operation addresses, set by its first authorization: the subscribed-to
  // resource of operation monitors (enc.om).
  std::string operation_target;
};
using RequestRef = std::shared_ptr<InFlight>;

// What an access check asks for.
struct AccessSpec {
  uint32_t access = 0;  // one security::AccessOp bit
  bool acpi_change = false;
  int create_ty = 0;
};

struct Target {
  // kPollingChannelUri: <pollingChannel>/pcu (the pollingChannel is the resource).
  enum class Virtual { kNone, kLatest, kOldest, kFanOut, kPollingChannelUri };
  // The addressed resource (the container for la/ol, the group for fopt). Shared with the
  // resource cache: never modified through this pointer.
  std::shared_ptr<const resources::Resource> ptr;
  Virtual virt = Virtual::kNone;
  std::string fanout_rest;  // what follows "fopt/" in the address
  const resources::Resource& resource() const { return *ptr; }
};


// Hot resources (CSEBase, AEs, containers, ACPs, groups, …) by path and by resource ID, so the
// request path does not re-read and re-parse them from storage on every request.
//
// Consistency: the storage writer's completion invalidates every path a committed write touched
// (and whole subtrees for deletions) before the response is sent. A reader that loaded a record
// from storage may add it only if no invalidation happened since its read began (a generation
// counter), so a value read before a commit can never be cached after it. Bounded: when full,
// a random entry makes room for the new one. Thread-safe.
class ResourceCache {
 public:
  explicit ResourceCache(size_t capacity) : capacity_(capacity) {}
  static bool Cacheable(int ty);
  std::shared_ptr<const resources::Resource> FindPath(std::string_view path);
  std::shared_ptr<const resources::Resource> FindRi(std::string_view ri);
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // Adds `res` if it is cacheable and nothing was invalidated since `generation_at_read`.
  void Put(uint64_t generation_at_read, std::shared_ptr<const resources::Resource> res);
  // The latest instance of the container at `path` (the `la` virtual resource), if cached.
  std::shared_ptr<const storage::ResourceRecord> FindLatest(std::string_view path);
  void PutLatest(uint64_t generation_at_read, const std::string& path,
                 std::shared_ptr<const storage::ResourceRecord> latest);
  // The compiled form of the ACP at `path`, if cached.
  std::shared_ptr<const security::CompiledAcp> FindCompiled(std::string_view path);
  void PutCompiled(uint64_t generation_at_read, const std::string& path,
                   std::shared_ptr<const security::CompiledAcp> acp);
  // Drops the given paths and everything below `subtree_roots`. A container's latest instance
  // goes with it: every change of instances also writes the container (counters, stateTag).
  void Invalidate(const std::vector<std::string>& paths,
                  const std::vector<std::string>& subtree_roots);

 private:
  // Removes the ri -> path entry of a resource leaving by_path_ (its on_erase).
  void ForgetRi(const std::shared_ptr<const resources::Resource>& r);

  const size_t capacity_;
  std::shared_mutex mu_;
  // Path-keyed, so that a deletion drops what is below it without a walk over every entry.
  PathMap<std::shared_ptr<const resources::Resource>> by_path_;
  StringMap<std::string> ri_to_path_;
  PathMap<std::shared_ptr<const storage::ResourceRecord>> latest_;
  PathMap<std::shared_ptr<const security::CompiledAcp>> compiled_;
  std::atomic<uint64_t> generation_{0};
  uint64_t eviction_state_ = 0;  // EvictionVictim's, under mu_
};

// Parsed parents for the WriteFns, which all run one at a time on the storage writer: creating
// an instance in a container then neither re-reads nor re-parses the container. Used only from
// inside WriteFns (never concurrently). Coherent because every write of a cached resource runs
// through the dispatcher's tracking transaction, which forgets what it writes; a write that fails
// marks the whole cache stale (its in-memory changes may not have been committed).
// Bounded: at kCapacity parents, keeping one more lets a random other one go (not all of
// them: a fleet writes thousands of containers in turn, and each must still be here next time).
class WriterParents {
 public:
  // About 1.5 KiB per parsed container: at most ~100 MiB, which lets 65,536 devices writing
  // their own containers in turn be served without a read and a parse per instance.
  static constexpr size_t kCapacity = 65536;

  // The parent, taken out of the cache (the caller owns it until Keep), or read from `txn`.
  Result<resources::Resource> Take(storage::WriteTxn& txn, const std::string& ri);
  // Keeps a parent after a successful write, if its type is worth keeping (containers).
  void Keep(resources::Resource res);
  void Forget(std::string_view ri) { map_.erase(std::string(ri)); }
  void MarkStale() { stale_.store(true, std::memory_order_release); }

 private:
  std::unordered_map<std::string, resources::Resource> map_;
  std::atomic<bool> stale_{false};
  uint64_t eviction_state_ = 0;
};

// Compiled ACPs for the authorization step, served from the resource cache.
class CachedAcpSource final : public security::AcpSource {
 public:
  explicit CachedAcpSource(Dispatcher::Impl& d) : d_(d) {}
  std::shared_ptr<const security::CompiledAcp> FindAcp(std::string_view id) override;
  std::shared_ptr<const security::CompiledAcp> Compiled(const resources::Resource& acp) override;

 private:
  Dispatcher::Impl& d_;
};

// Group membership for group IDs in acor: the group's mid lists the originator (by AE-ID, or by
// the ID of the originator's AE resource).
class CachedGroupMembership final : public security::GroupMembership {
 public:
  explicit CachedGroupMembership(Dispatcher::Impl& d) : d_(d) {}
  bool IsMember(std::string_view group_id, std::string_view originator) const override;
  bool HoldsRole(std::string_view role_id, std::string_view originator) const override;

 private:
  Dispatcher::Impl& d_;
};

// Registered AEs for the gates, asked only when a gate needs to know.
class CachedDirectory final : public security::OriginatorDirectory {
 public:
  explicit CachedDirectory(Dispatcher::Impl& d) : d_(d) {}
  bool IsRegistered(std::string_view originator) const override;
  std::string AppIdOf(std::string_view originator) const override;

 private:
  Dispatcher::Impl& d_;
};

// One background thread running tasks in order: the operations of non-blocking requests run
// here, off the I/O threads and off the storage writer. Stop() drops what has not started.
class TaskQueue {
 public:
  explicit TaskQueue(std::string thread_name) : name_(std::move(thread_name)) {}
  ~TaskQueue() { Stop(); }
  void Post(std::function<void()> task);
  void Stop();

 private:
  void Run();
  std::string name_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::thread thread_;
  bool stopped_ = false;
};

struct Dispatcher::Impl {
  Impl(const DispatcherOptions& o, storage::Store& s, notification::Notifier& n);

  const DispatcherOptions& opt;
  storage::Store& store;
  notification::Notifier& notifier;
  ResourceCache cache{opt.cache_entries};
  // Which groups list which members: deleted members leave them (group_members.h).
  GroupMemberIndex group_members{opt.self};
  WriterParents writer_parents;
  // Non-blocking requests accepted per originator whose <request> is not written yet (the
  // quota counts them with the stored ones). Only non-blocking requests take this lock.
  struct RequestsInFlight {
    std::mutex mu;
    std::unordered_map<std::string, size_t> by_originator;  // guarded by mu
  } requests_in_flight;
  // Per-AE quotas, kept on the storage writer thread (ae_quotas.h).
  AeQuotas writer_quotas{opt.self.cse_name,
                         {opt.max_resources_per_ae, opt.max_bytes_per_ae,
                          opt.max_subscriptions_per_ae}};
  CachedAcpSource acps{*this};
  CachedGroupMembership groups{*this};
  CachedDirectory directory{*this};
  std::shared_ptr<security::DynamicGrants> dynamic_grants =
      std::make_shared<security::DynamicGrants>();
  std::shared_ptr<security::Consultant> consultant;  // dynamic_authorization.cc
  // The chains server/ installed (dispatcher.h): gates once per request in Handle, before its
  // target is even resolved; the authorization chain for every access.
  SecurityChains chains;
  // Requests a throttle obligation delays wait here (made on first use).
  std::once_flag delays_once;
  std::unique_ptr<security::TimerQueue> delays;
  TaskQueue background{"tc-nonblock"};
  // UPDATEs and DELETEs of resources with a Blocking_Update subscription, one at a time.
  UpdateGate update_gate;
  // The timers of missing-data detection of <timeSeries> (missing_data_monitor.h); its writes
  // go through Commit like any other.
  MissingDataMonitor missing_data{
      store, [this](MissingDataMonitor::WriteFn fn,
                    std::function<void(Status)> done) { Commit(std::move(fn), std::move(done)); },
      MissingDataMonitor::Options{}};
  // Timings an upper tester may shorten at run time (Dispatcher::SetTimings).
  std::atomic<int64_t> request_lifetime_ms{opt.request_lifetime.count()};
  std::atomic<int64_t> long_poll_ms{opt.long_poll_timeout.count()};

  // address.cc
  Result<Target> Resolve(std::string_view to);
  // Cached lookups (nullptr when absent; errors are storage failures).
  Result<std::shared_ptr<const resources::Resource>> LoadPath(std::string_view path);
  Result<std::shared_ptr<const resources::Resource>> LoadRi(std::string_view ri);
  Result<std::shared_ptr<const resources::Resource>> LoadId(std::string_view id);
  std::string OwnerAe(const std::string& path);
  bool IsRegisteredAe(std::string_view originator);
  std::string NormalizeOriginator(std::string_view fr) const;

  // dispatcher.cc
  void Handle(RequestPrimitive req, Completion done);
  // After the gates: non-blocking or blocking, delayed by a throttle obligation.
  void Admitted(RequestRef req, Completion done);
  // Runs the operation of a request that passed the receiver checks.
  void Dispatch(RequestRef req, Completion done);
  // The built-in dynamic authorization server role: the dres for one dreq (4000 if malformed),
  // and the answer to one m2m:seci consultation NOTIFY.
  Result<bj::object> DasDecision(const bj::object& dreq);
  ResponsePrimitive AnswerConsultation(const RequestPrimitive& req, const bj::object& seci);
  // True if `url` designates this CSE's own CSEBase through one of its points of access while
  // the DAS role is on: such consultations are answered in process.
  bool IsOwnDas(std::string_view url) const;
  void Create(RequestRef req, Completion done);
  // The rest of a CREATE once the chain allowed it (create.cc).
  void CreateAuthorized(RequestRef req, std::shared_ptr<const resources::Resource> parent,
                        const resources::ResourceType* type, const std::string& key,
                        bj::object* content, Completion done);
  void Retrieve(RequestRef req, Completion done);
  void RetrieveInstance(RequestRef req, const Target& target, Completion done);  // la, ol
  void RetrieveResource(RequestRef req, const Target& target, Completion done);
  void Update(RequestRef req, Completion done);
  void UpdateAuthorized(RequestRef req, const Target& target, bj::object* changes,
                        Completion done);
  // blocking_update.cc: after the type's admission (verification of new notification targets),
  // the Blocking_Update notification and its gate, then the write (CommitUpdate).
  void UpdateAdmitted(RequestRef req, std::shared_ptr<const resources::Resource> current,
                      std::shared_ptr<bj::object> changes, Completion done);
  void CommitUpdate(RequestRef req, std::string ri, std::shared_ptr<bj::object> changes,
                    Completion done);
  // Runs `work` holding the update gate of `ri` when it has a Blocking_Update subscription, else
  // at once; `work` gets the release (a no-op without the gate). Answers `done` itself when too
  // many requests wait already.
  void WithBlockingGate(const RequestRef& req, const std::string& ri, Completion& done,
                        std::function<void(UpdateGate::Release)> work);
  void Delete(RequestRef req, Completion done);
  void DeleteAuthorized(RequestRef req, const std::shared_ptr<const resources::Resource>& victim,
                        Completion done);
  void Notify(RequestRef req, Completion done);
  void NotifyAuthorized(RequestRef req, const Target& target, Completion done);
  void FanOut(RequestRef req, Target target, Completion done);
  void FanOutAuthorized(RequestRef req, const Target& target, Completion done);

  // authorize.cc
  // Authorizes an access to `target` for the request's originator through the authorization
  // chain, choosing the subject whose policies apply (the parent for types without acpi), and
  // calls `then(Status)` — at once when no step waits (no allocation), else when the waiting
  // step answers. One access at a time per request (the context lives in the request).
  template <class Then>
  void Authorize(const RequestRef& req, std::shared_ptr<const resources::Resource> target,
                 AccessSpec spec, Then&& then) {
    if (Status s = PrepareAccess(*req, std::move(target), spec); !s.ok()) {
      return then(std::move(s));
    }
    chains.authorization.Run(req->access, [req, then = std::forward<Then>(then)](
                                              security::ChainOutcome out) mutable {
      then(std::move(out.status));
    });
  }
  // Fills req.access for one access (Authorize's synchronous part).
  Status PrepareAccess(InFlight& req, std::shared_ptr<const resources::Resource> target,
                       const AccessSpec& spec);
  // Looks the originator's AE up once per request (registered, reported location).
  void LearnOriginator(InFlight& req);
  // The m2m:seci of a dynamic authorization consultation (sit 1) for the built-in DAS role, or
  // null when the request is not one: the role is off, the originator is not one of
  // opt.das_consultants, or the content is no sit 1 m2m:seci.
  const boost::json::object* ConsultationOf(const RequestPrimitive& req) const;
  // True for types whose access is decided by their parent's policies (no acpi of their own:
  // contentInstance, timeSeriesInstance, …).
  static bool GovernedByParent(int ty);
  // Same, without waiting and without events, for filtering listings and checks inside an
  // operation (the originator already passed the chain for the request itself).
  // `listing` false: a check that is not a listing's filter (its denial is an event).
  // `refusal`: the status the caller answers a denial with, for the denial's event (see
  // security::SecurityContext::refusal).
  bool Permits(InFlight& req, const resources::Resource& target, uint32_t access,
               bool listing = true, Rsc refusal = Rsc::kOk);
  // The consultant of the dynamic authorization step (dynamic_authorization.cc).
  static std::shared_ptr<security::Consultant> MakeConsultant(Impl& d);
  // Submits a write; on durable success feeds the effects to caches and the notifier before
  // calling `done` — with `await_deletion_notices`, only once the deletion notices of the
  // subscriptions it removed had their first answer (TS-0004 §7.4.8.2.4; bounded by the
  // notifier's notice_wait_ms).
  // `origin`: the request that asked for the write (null: the CSE's own, such as expiry), for
  // the audit entries of registrations and policy changes (AuditWrites).
  void Commit(std::function<Status(storage::WriteTxn&, resources::WriteEffects&)> fn,
              std::function<void(Status)> done, bool await_deletion_notices = false,
              RequestRef origin = nullptr);
  void DeleteResource(std::string ri, std::string originator, std::string rvi,
                      std::function<void(Result<storage::ResourceRecord>)> done,
                      RequestRef origin = nullptr);
  // audit_writes.cc: appends, in the write's own transaction, an audit entry for every AE or
  // remoteCSE registered, updated or deregistered and every ACP created, changed or deleted
  // in `fx`, and collects their events in `audited` (published once the write is durable).
  // Only with an audit log (opt.audit_log); an error fails the write.
  Status AuditWrites(storage::WriteTxn& txn, const resources::WriteEffects& fx,
                     const InFlight* origin, std::vector<events::Event>& audited);
  // 4005 when `target` is a contentInstance (itself, or la/ol) of a container whose
  // disableRetrieval (disr) is true: its instances can be neither retrieved nor deleted
  // (TS-0004 §7.4.7.2.2/.4, §7.4.27, §7.4.28).
  Status CheckRetrievalEnabled(const Target& target);
  // Answers `rsp` for a retrieve of contentInstance `cin`, counting its deletionCnt (dcnt,
  // Release 4) down first: the last permitted retrieve deletes it.
  void CountRetrieval(const resources::Resource& cin, RequestRef req, ResponsePrimitive rsp,
                      Completion done);

  // polling.cc: RETRIEVE (long poll) and NOTIFY (an answer) of <pollingChannel>/pcu.
  void PollChannel(RequestRef req, const Target& target, Completion done);
  void AnswerThroughChannel(RequestRef req, const Target& target,
                            Completion done);

  // non_blocking.cc
  // Accepts a nonBlockingRequestSynch/Asynch request: records a <request> resource, answers
  // 1001/1002 with its ID, runs the operation in the background, records the result in the
  // <request> and, for Asynch, sends it to the response targets.
  void HandleNonBlocking(RequestRef req, Completion done);
  // Start-up: requests still pending were interrupted by a stop; they are marked failed.
  Status FailInterruptedRequests();

  // discovery.cc
  // One page of a listing: at most opt.max_results records of at most opt.max_answer_bytes;
  // `incomplete` when a cap (not the request's own lim) cut it, then `next_offset` is the
  // 1-based ofst of the rest.
  struct Listing {
    std::vector<storage::ResourceRecord> records;
    bool incomplete = false;
    size_t next_offset = 0;
  };
  Result<Listing> Discover(InFlight& req, const Target& target);
  // The descendants (those matching fc, if given; down to fc.lvl) the originator may retrieve.
  Result<Listing> ListChildren(InFlight& req, const resources::Resource& parent);
};

// The access bit (security::AccessOp) an operation asks for.
inline uint32_t AccessOf(Operation op) {
  switch (op) {
    case Operation::kCreate: return security::kCreate;
    case Operation::kRetrieve: return security::kRetrieve;
    case Operation::kUpdate: return security::kUpdate;
    case Operation::kDelete: return security::kDelete;
    case Operation::kNotify: return security::kNotify;
  }
  return 0;
}

// A response to `req` with `rsc` and serialized content `pc`.
ResponsePrimitive Reply(const RequestPrimitive& req, Rsc rsc, std::string pc = {});
// The same for a listing: partial content (cnst, cnot) when the listing was cut.
ResponsePrimitive ListingReply(const RequestPrimitive& req, const Dispatcher::Impl::Listing& l,
                               std::string pc);

// {"<tag>": body} built from a stored record without re-parsing where possible.
std::string RecordRepresentation(const storage::ResourceRecord& rec);
std::string SerializeRepresentation(const resources::Resource& res);
// The single "m2m:xxx" member of a request's content (4000 otherwise).
Result<std::pair<std::string, bj::object*>> SingleMember(bj::value& pc);
// Answers that list resources (result_content.cc). `records` are in path order, as the store
// lists them.
// rcn 4 / 8: the target's representation (with its attributes for 4, without for 8), every
// record nested under its nearest listed ancestor, or the target.
std::string NestedRepresentation(const resources::Resource& target, bool with_attributes,
                                 const std::vector<storage::ResourceRecord>& records);
// rcn 4, 5, 6, 8 of a RETRIEVE or DELETE of `res` whose listed descendants are `records`.
std::string ListingContent(const RequestPrimitive& req, ResultContent rcn,
                           const resources::Resource& res,
                           const std::vector<storage::ResourceRecord>& records);
// rcn 5 / 6: {nm, typ, val} per record, val structured (drt 1) or the resource ID (drt 2).
bj::array ChildReferences(const std::vector<storage::ResourceRecord>& records, int drt);
// A discovery's answer: m2m:rrl for rcn 6, otherwise (rcn 11, the default) m2m:uril.
std::string DiscoveryContent(ResultContent rcn, int drt,
                             const std::vector<storage::ResourceRecord>& records);
// rcn 9: the attributes of `res` the request did not set as they are — those the CSE assigned
// or changed; with `before` (an UPDATE), not those the update left as they were.
std::string ModifiedAttributes(const bj::object& given, const resources::Resource& res,
                               const bj::object* before);

// The content of a CREATE/UPDATE/DELETE response for rcn (a string concatenation for rcn=1: this
// runs on the storage thread that completes writes).
std::string ResultFor(ResultContent rcn, const resources::Resource& res,
                      const storage::ResourceRecord& rec);

}  // namespace trustcse::dispatcher
