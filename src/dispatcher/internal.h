// Internal to dispatcher/: the implementation object shared by dispatcher.cc (operations),
// address.cc (resolution and lookups) and discovery.cc (filtered listings).
#pragma once

#include <atomic>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "dispatcher/dispatcher.h"
#include "resources/resource.h"
#include "security/authz/acp_evaluator.h"

namespace trustcse::dispatcher {

struct Target {
  enum class Virtual { kNone, kLatest, kOldest, kFanOut };
  resources::Resource resource;  // the addressed resource (the container for la/ol, the group
                                 // for fopt)
  Virtual virt = Virtual::kNone;
  std::string fanout_rest;  // what follows "fopt/" in the address
};

// ACPs by the ID used in acpi, cached; the whole cache is dropped whenever an ACP changes. A
// generation counter keeps a reader that loaded an ACP before the change from caching it after.
class AcpCache final : public security::AcpSource {
 public:
  explicit AcpCache(storage::Store& store, const CseIdentity& self) : store_(store), self_(self) {}
  std::optional<resources::Resource> FindAcp(std::string_view id) override;
  void Invalidate();

 private:
  storage::Store& store_;
  const CseIdentity& self_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, resources::Resource> cache_;
  std::atomic<uint64_t> generation_{0};
};

struct Dispatcher::Impl {
  Impl(const DispatcherOptions& o, storage::Store& s, notification::Notifier& n);

  const DispatcherOptions& opt;
  storage::Store& store;
  notification::Notifier& notifier;
  AcpCache acps;
  security::SecurityChain chain;

  // address.cc
  Result<Target> Resolve(std::string_view to);
  Result<std::optional<storage::ResourceRecord>> LoadByAddress(std::string_view id);
  std::string OwnerAe(const std::string& path);
  bool IsRegisteredAe(std::string_view originator);
  std::string NormalizeOriginator(std::string_view fr) const;

  // dispatcher.cc
  void Handle(RequestPrimitive req, Completion done);
  void Create(std::shared_ptr<RequestPrimitive> req, Completion done);
  void Retrieve(std::shared_ptr<RequestPrimitive> req, Completion done);
  void Update(std::shared_ptr<RequestPrimitive> req, Completion done);
  void Delete(std::shared_ptr<RequestPrimitive> req, Completion done);
  void Notify(std::shared_ptr<RequestPrimitive> req, Completion done);
  void FanOut(std::shared_ptr<RequestPrimitive> req, Target target, Completion done);
  // Authorizes `access` on `target` for the request's originator, choosing the subject whose
  // policies apply (the parent for types without acpi).
  Status Authorize(const RequestPrimitive& req, const resources::Resource& target,
                   uint32_t access, bool acpi_change = false);
  // Same, but returns false instead of logging a denial (for filtering listings).
  bool Permits(const RequestPrimitive& req, const resources::Resource& target, uint32_t access,
               std::unordered_map<std::string, resources::Resource>* parents);
  // Submits a write; on durable success feeds the effects to caches and the notifier before
  // calling `done`.
  void Commit(std::function<Status(storage::WriteTxn&, resources::WriteEffects&)> fn,
              std::function<void(Status)> done);
  void DeleteResource(std::string ri, std::string originator, std::string rvi,
                      std::function<void(Result<storage::ResourceRecord>)> done);

  // discovery.cc
  Result<std::string> Discover(const RequestPrimitive& req, const Target& target);
  // Children (or, with fc, the matching descendants up to fc.lvl) the originator may retrieve.
  Result<std::vector<storage::ResourceRecord>> ListChildren(const RequestPrimitive& req,
                                                            const resources::Resource& parent);
};

// {"<tag>": body} built from a stored record without re-parsing where possible.
std::string RecordRepresentation(const storage::ResourceRecord& rec);

}  // namespace trustcse::dispatcher
