// TrustRegistry: what the trust centre knows (TC-1, TC-2) — the service providers, their
// applications with a use-case class, and one Machine-KYC record per machine.
//
//   Provider     an M2M service provider or application service provider: company, contact,
//                start date; its registration ID ("SP000001") is issued here.
//   Application  a provider's application: App-ID issued here ("R" + provider ID + "-" + n,
//                the "R" of a registered App-ID in TS-0001), name, use-case class, practice
//                statement reference, status (active | suspended). An AE registers into it
//                by naming the App-ID as its api.
//   Machine      a device record: the CSE entities (AE-IDs) and credentials that are this
//                machine; embedded identity (IMEI, serial, EID), SIM identity (ICCID, IMSI
//                with MCC/MNC), model and its certification, capability, configuration,
//                purpose, parent application, responsible provider and owner (changed only by
//                a transfer, which keeps the history), location, the owner's KYC, a flag
//                (compromised: services blocked).
//
// State lives in the store as objects (kinds "tc-provider", "tc-app", "tc-machine"; JSON) and in
// memory for the lookups of the request path. Changes are written through the store's writer
// and applied to memory once durable (they wait: admin API and CLI, not the request path).
// Identities are validated (identifiers.h) and unique: an AE-ID, credential, IMEI or ICCID
// belongs to one machine at most (4105 otherwise).
//
// Thread-safety: lookups take a shared lock, any thread; changes are serialized by a mutex and
// the store's writer.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "common/string_hash.h"
#include "security/trust/bulk_job.h"
#include "security/trust/use_case_class.h"
#include "storage/store.h"

namespace trustcse::events {
class EventStream;
}

namespace trustcse::security::trust {

struct Observed;  // sim_binding.h

struct Provider {
  std::string id;
  std::string kind = "m2m";  // "m2m" (M2M service provider) | "asp" (application service provider)
  std::string company;
  std::string contact;
  std::string start;  // start date (oneM2M timestamp), default when registered
};

struct Application {
  std::string id;  // App-ID
  std::string provider;
  std::string name;
  UseCaseClass use_case = UseCaseClass::kNone;
  std::string practice_statement;
  std::string status = "active";  // active | suspended
  std::string created;
  bool active() const { return status == "active"; }
};

// One change of a transferable attribute (owner, provider), or of the machine's standing.
struct HistoryEntry {
  std::string at, field, from, to, by, reason;
};

struct Machine {
  std::string id;
  std::string app;
  std::vector<std::string> entities;     // AE-IDs
  std::vector<std::string> credentials;  // Credential-IDs
  std::string imei, serial, eid;
  std::string iccid, imsi, mcc, mnc;
  std::string model, certification;  // certification: the model's certificate reference
  std::string capability, configuration, purpose, location;
  std::string provider, owner;
  std::string user_kyc;  // when the owner's KYC was verified ("" = not)
  std::string flagged;   // why it is flagged as compromised ("" = not)
  // The SIM↔device binding (sim_binding.h): "" off, "learn" (the first IMEI, IMSI and ICCID
  // seen are bound), "strict" (the SIM only in the devices of `allowed_imeis`, the record's
  // imei when that is empty; the device only with the record's SIM).
  std::string binding;
  std::vector<std::string> allowed_imeis;
  // Locked by a binding violation: why ("" = not locked); services are blocked until the
  // provider authorizes the pairing seen (device authorize) or clears the lock (device unlock).
  std::string locked;
  std::string seen_imei, seen_imsi, seen_iccid;  // what the locking request showed
  // Identity on demand (TC-7, identity_query.h): the query sent and not answered yet ("" =
  // none), and the device's last answer with what it was found to be.
  std::string query_id, query_at;
  struct Answer {
    std::string at, imei, imsi, iccid, model, firmware, software;
    std::string result;  // "matches the record" or what disagrees
  };
  Answer answer;
  std::string created;
  std::vector<HistoryEntry> history;

  // What a complete machine KYC record still lacks: "imei or serial", "model", "purpose",
  // "owner", "provider", "location". Empty when complete.
  std::vector<std::string> MissingKyc() const;
};

boost::json::object ToJson(const Provider& p);
boost::json::object ToJson(const Application& a);
boost::json::object ToJson(const Machine& m);  // with "kyc_missing"

class TrustRegistry {
 public:
  static constexpr std::string_view kProviderKind = "tc-provider";
  static constexpr std::string_view kAppKind = "tc-app";
  static constexpr std::string_view kMachineKind = "tc-machine";

  explicit TrustRegistry(storage::Store& store) : store_(store) {}

  // Reads everything from the store. Start-up.
  Status Load();

  // --- lookups (any thread) ---
  std::shared_ptr<const Provider> FindProvider(std::string_view id) const;
  std::shared_ptr<const Application> FindApp(std::string_view app_id) const;
  std::shared_ptr<const Machine> FindMachine(std::string_view id) const;
  // The machine an AE-ID (or CSE-ID) / a Credential-ID belongs to; null if none.
  std::shared_ptr<const Machine> MachineOfEntity(std::string_view originator) const;
  std::shared_ptr<const Machine> MachineOfCredential(std::string_view credential_id) const;
  // The machine whose record holds IMEI / IMSI / ICCID `value` (`kind` "imei", "imsi", "iccid").
  std::shared_ptr<const Machine> MachineOfIdentity(std::string_view kind,
                                                   std::string_view value) const;
  // For the request path, under one lock: the machine of `originator` (else of `credential_id`)
  // and the application — the machine's, else the one named `app_id`.
  struct Subject {
    std::shared_ptr<const Machine> machine;
    std::shared_ptr<const Application> app;
  };
  Subject Resolve(std::string_view originator, std::string_view credential_id,
                  std::string_view app_id) const;
  std::vector<Provider> Providers() const;
  std::vector<Application> Applications(std::string_view provider = {}) const;
  // At most `limit` machines from `after` (exclusive) on, in ID order; of one app if given.
  std::vector<Machine> Machines(std::string_view app, std::string_view after, size_t limit) const;
  // True once any application is registered (the trust gate has work).
  bool has_applications() const { return has_apps_.load(std::memory_order_acquire); }

  // --- durable changes (wait for the commit) ---
  // Issues the registration ID. 4000 for a missing company or contact, or a bad kind.
  Result<Provider> AddProvider(Provider p);
  // Issues the App-ID. 4004 unknown provider; 4000 missing name, class or practice statement.
  Result<Application> AddApp(Application a);
  // Changes an application's status, class or practice statement (`fields` of app.update).
  Result<Application> UpdateApp(std::string_view id, const boost::json::object& fields);
  // Adds a machine from the fields of device.add (see admin/operations.h); `by` is recorded.
  Result<Machine> AddMachine(const boost::json::object& fields, std::string_view by);
  // In bulk (bulk_job.h): device.import — `items` are device.add's fields, each recorded as
  // AddMachine records it or failing alone (also when the batch names an ID or identity
  // twice); one store transaction per batch with the job's progress. The batch's op is set
  // here; its params name the source file (its digest).
  Result<BulkJob> AddMachineBatch(BulkBatch batch, const boost::json::array& items);
  // A bulk job of the trust centre (any kind), as committed; nullopt if unknown.
  Result<std::optional<BulkJob>> FindJob(std::string_view id) const;
  // Changes a machine's descriptive fields (device.update); not owner or provider.
  Result<Machine> UpdateMachine(std::string_view id, const boost::json::object& fields,
                                std::string_view by);
  // Ownership transfer (owner and/or responsible provider), with a history entry per change.
  Result<Machine> TransferMachine(std::string_view id, const boost::json::object& fields,
                                  std::string_view by);
  // Flags the machine as compromised (reason non-empty) or clears the flag (reason empty).
  Result<Machine> FlagMachine(std::string_view id, std::string reason, std::string_view by);

  // --- the SIM↔device binding (sim_binding.h; defined in sim_binding.cc) ---
  // Applies what a request showed of machine `m` when CheckBinding did not find it matching:
  // binds what is learned, or locks the machine — and any other machine whose SIM or device
  // the request's credential certifies (one a device's report merely names gets an alert, not
  // a lock) — with a history entry and a trust event (the alert). Memory changes
  // at once; the store write is queued behind earlier ones, not waited for (a lock lost to a
  // crash is found again by the next request that shows the same pairing). For the request
  // path: it takes the change mutex only when something changes, and a locked machine is
  // returned as it is (no further alert). Returns the machine as it now is (locked non-empty:
  // refuse the request).
  std::shared_ptr<const Machine> Observe(const std::shared_ptr<const Machine>& m,
                                         const Observed& o, std::string_view by);
  // The provider's answer to a lock: `adopt` binds the pairing the locking request showed
  // (device authorize: its IMEI allowed or bound, its SIM recorded — 4105 if that SIM or device
  // is another machine's), else the lock is cleared and the binding kept (device unlock).
  // 4000 if the machine is not locked.
  Result<Machine> Unlock(std::string_view id, bool adopt, std::string reason,
                         std::string_view by);
  // --- identity on demand (identity_query.h; defined in identity_query.cc) ---
  // Records that machine `id` is asked to report its identity and configuration: issues the
  // query ID, waits for the commit. 4000 if the machine names no AE-ID to ask.
  Result<Machine> StartQuery(std::string_view id, std::string_view by);
  // A report (`o.report`) from machine `m` while its query is pending: compared with the
  // record, kept as the machine's answer, and raised as a trust event — operation
  // "query.mismatch" (the alert) or "query.answered". Memory at once, the store write queued
  // (like Observe). Returns the machine as it now is.
  std::shared_ptr<const Machine> AnswerQuery(const std::shared_ptr<const Machine>& m,
                                             const Observed& o, std::string_view by);

  // Where locks are announced (kind trust). Start-up only.
  void SetEventStream(std::shared_ptr<events::EventStream> events) { events_ = std::move(events); }

 private:
  // map[key] under a shared lock; null if absent or key is empty.
  template <class Map>
  auto Lookup(const Map& map, std::string_view key) const -> typename Map::mapped_type;
  using Edit = std::function<Status(Machine&)>;
  // Reads machine `id`, applies `edit`, checks uniqueness, writes, applies to memory.
  Result<Machine> ChangeMachine(std::string_view id, const Edit& edit);
  // A new machine from device.add's fields, validated (not yet against the others).
  Result<Machine> ValidateMachine(const boost::json::object& fields, std::string_view by,
                                  const std::string& now) const;
  Status CheckUnique(const Machine& m) const;  // under mu_ (shared)
  void IndexLocked(std::shared_ptr<const Machine> m);
  Result<uint64_t> NextNumber(storage::WriteTxn& txn, std::string_view counter);

  storage::Store& store_;
  std::mutex change_mu_;  // one change at a time (read-check-write under the writer)
  mutable std::shared_mutex mu_;
  StringMap<std::shared_ptr<const Provider>> providers_;
  StringMap<std::shared_ptr<const Application>> apps_;
  StringMap<std::shared_ptr<const Machine>> machines_;
  // machines_'s keys in order (views of the keys, which stay put: machines are never removed),
  // so that a listing's page starts where the last one ended.
  std::set<std::string_view> machine_order_;
  // Identity → machine (the record itself: one lookup on the request path).
  using MachineIndex = StringMap<std::shared_ptr<const Machine>>;
  MachineIndex by_entity_, by_credential_, by_imei_, by_iccid_, by_imsi_;
  std::atomic<bool> has_apps_{false};
  std::shared_ptr<events::EventStream> events_;
  // Writes `m` without waiting and makes it visible now (binding changes). Under change_mu_.
  void StoreQueued(std::shared_ptr<const Machine> m);
  // Locks machine `m` (a copy is changed): `what` says why. Under change_mu_.
  std::shared_ptr<const Machine> LockMachine(const Machine& m, const Observed& o,
                                            const std::string& what, std::string_view by);
};

}  // namespace trustcse::security::trust
