#include "notification/entity_connections.h"

#include <functional>

namespace trustcse::notification {

void EntityConnections::Bind(const std::string& entity_id,
                             const std::shared_ptr<EntityConnection>& connection) {
  Shard& shard = ShardOf(entity_id);
  std::lock_guard lock(shard.mu);
  // A later connection of the same entity wins (TS-0020 §5.2 expects one).
  shard.by_id[entity_id] = Entry{connection, connection.get()};
}

void EntityConnections::Unbind(const std::string& entity_id, const EntityConnection* connection) {
  Shard& shard = ShardOf(entity_id);
  std::lock_guard lock(shard.mu);
  auto e = shard.by_id.find(entity_id);
  if (e != shard.by_id.end() && e->second.key == connection) shard.by_id.erase(e);
}

void EntityConnections::Forget(const std::string& entity_id) {
  Shard& shard = ShardOf(entity_id);
  std::lock_guard lock(shard.mu);
  shard.by_id.erase(entity_id);
}

std::shared_ptr<EntityConnection> EntityConnections::Find(const std::string& entity_id) const {
  Shard& shard = ShardOf(entity_id);
  std::lock_guard lock(shard.mu);
  auto e = shard.by_id.find(entity_id);
  return e == shard.by_id.end() ? nullptr : e->second.connection.lock();
}

size_t EntityConnections::size() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.by_id.size();
  }
  return n;
}

namespace {

class ConnectionSender final : public Sender {
 public:
  explicit ConnectionSender(std::shared_ptr<EntityConnections> connections)
      : connections_(std::move(connections)) {}

  void Send(const Notification& n, std::function<void(Status)> done) override {
    Request(n, [done = std::move(done)](Status s, std::string) { done(std::move(s)); });
  }
  void Request(const Notification& n, std::function<void(Status, std::string)> done) override {
    if (!n.target.starts_with(kConnectionTargetPrefix)) {
      return done(Status::BadRequest("not a connection target"), {});
    }
    const std::string id = n.target.substr(kConnectionTargetPrefix.size());
    auto connection = connections_->Find(id);
    if (!connection) {
      return done(Status(Rsc::kTargetNotReachable, "the entity has no open connection"), {});
    }
    connection->Request(id, n, std::move(done));
  }
  void Stop() override {}

 private:
  std::shared_ptr<EntityConnections> connections_;
};

}  // namespace

std::unique_ptr<Sender> MakeConnectionSender(std::shared_ptr<EntityConnections> connections) {
  return std::make_unique<ConnectionSender>(std::move(connections));
}

}  // namespace trustcse::notification
