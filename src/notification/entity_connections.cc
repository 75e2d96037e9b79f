#include "notification/entity_connections.h"

#include <algorithm>

namespace trustcse::notification {

bool EntityConnections::Bind(const std::string& entity_id,
                             const std::shared_ptr<EntityConnection>& connection) {
  std::lock_guard lock(mu_);
  const EntityConnection* key = connection.get();
  auto& mine = ids_[key];
  if (std::find(mine.begin(), mine.end(), entity_id) != mine.end()) {
    by_id_[entity_id] = Entry{connection, key};  // may have been taken over meanwhile
    return true;
  }
  if (mine.size() >= max_ids_) {
    if (mine.empty()) ids_.erase(key);
    return false;
  }
  auto it = by_id_.find(entity_id);
  if (it != by_id_.end() && it->second.key != key) {
    // Another connection of the same entity: the newest one wins (TS-0020 §5.2 allows one).
    auto old = ids_.find(it->second.key);
    if (old != ids_.end()) {
      std::erase(old->second, entity_id);
      if (old->second.empty()) ids_.erase(old);
    }
  }
  by_id_[entity_id] = Entry{connection, key};
  mine.push_back(entity_id);
  return true;
}

void EntityConnections::UnbindAll(const EntityConnection* connection) {
  std::lock_guard lock(mu_);
  auto it = ids_.find(connection);
  if (it == ids_.end()) return;
  for (const std::string& id : it->second) {
    auto e = by_id_.find(id);
    if (e != by_id_.end() && e->second.key == connection) by_id_.erase(e);
  }
  ids_.erase(it);
}

void EntityConnections::Forget(const std::string& entity_id) {
  std::lock_guard lock(mu_);
  auto e = by_id_.find(entity_id);
  if (e == by_id_.end()) return;
  auto owner = ids_.find(e->second.key);
  if (owner != ids_.end()) {
    std::erase(owner->second, entity_id);
    if (owner->second.empty()) ids_.erase(owner);
  }
  by_id_.erase(e);
}

std::shared_ptr<EntityConnection> EntityConnections::Find(const std::string& entity_id) const {
  std::lock_guard lock(mu_);
  auto e = by_id_.find(entity_id);
  return e == by_id_.end() ? nullptr : e->second.connection.lock();
}

size_t EntityConnections::size() const {
  std::lock_guard lock(mu_);
  return by_id_.size();
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
