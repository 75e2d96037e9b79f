// EntityConnections: the entities (AEs, CSEs) that hold a connection open to this CSE on which
// the CSE may send them requests — today the WebSocket binding's connections (TS-0020 §5.2:
// "request and response primitives can be exchanged in both directions"). The notifier sends an
// entity's notifications and forwarded requests there while the connection is open, before its
// pointOfAccess (target_resolver.h: "conn:<entity-ID>" targets), and MakeConnectionSender is the
// Sender for those targets.
//
// Binding is the binding's business and happens only after this CSE accepted a request from the
// entity on that connection (a registration's AE-ID, or the originator of a request the security
// gates and the operation let through), so a connection cannot claim notifications for an
// originator it could not act as. A later connection of the same entity replaces the earlier
// one; a closing connection takes its entries with it; a deregistered entity (Forget) loses its
// entry, so a new registration of the same AE-ID elsewhere never reaches an old connection.
//
// Bounds: one entry per bound entity; the binding keeps the entities of one connection few
// (bindings/websocket: 16) and unbinds them when the connection closes. Ownership: entries hold
// weak references; a connection that is gone is not found. Thread-safety: every method may be
// called from any thread; the table is split in shards with a mutex each (an entity's shard by
// its ID's hash), so lookups of different entities rarely meet; Find's result may be used
// without any lock.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/status.h"
#include "notification/notifier.h"

namespace trustcse::notification {

// A connection an entity opened, able to carry a request to it and its answer back.
class EntityConnection {
 public:
  virtual ~EntityConnection() = default;
  // Sends `n` as a NOTIFY request primitive to the entity `entity_id`; `done` gets (exactly once,
  // from any thread) the entity's status — OK for a 2xxx answer, else its rsc — and the content
  // of its response (serialized JSON, possibly empty), or 5103 when the connection closes or the
  // entity does not answer by the deadline.
  virtual void Request(const std::string& entity_id, const Notification& n,
                       std::function<void(Status, std::string)> done) = 0;
};

class EntityConnections {
 public:
  EntityConnections() = default;
  EntityConnections(const EntityConnections&) = delete;
  EntityConnections& operator=(const EntityConnections&) = delete;

  // `entity_id` (an AE-ID-Stem or a CSE-ID) is reachable through `connection` from now on,
  // replacing any other connection of it.
  void Bind(const std::string& entity_id, const std::shared_ptr<EntityConnection>& connection);
  // `connection` closes: `entity_id` is unreachable unless another connection took it over.
  void Unbind(const std::string& entity_id, const EntityConnection* connection);
  // The entity was deregistered: its binding goes, whichever connection holds it.
  void Forget(const std::string& entity_id);
  // The live connection of `entity_id`, or null.
  std::shared_ptr<EntityConnection> Find(const std::string& entity_id) const;
  // Entities bound, for metrics.
  size_t size() const;

 private:
  struct Entry {
    std::weak_ptr<EntityConnection> connection;
    const EntityConnection* key = nullptr;  // identifies the connection after it is gone
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Entry> by_id;  // guarded by mu
  };
  static constexpr size_t kShards = 16;
  Shard& ShardOf(const std::string& id) const {
    return shards_[std::hash<std::string>{}(id) % kShards];
  }
  mutable std::array<Shard, kShards> shards_;
};

// The target prefix of an entity reached through its open connection.
inline constexpr std::string_view kConnectionTargetPrefix = "conn:";

// The Sender for "conn:<entity-ID>" targets: 5103 when the entity has no open connection now
// (the notifier then falls back or retries, and a retry finds a connection opened meanwhile).
std::unique_ptr<Sender> MakeConnectionSender(std::shared_ptr<EntityConnections> connections);

}  // namespace trustcse::notification
