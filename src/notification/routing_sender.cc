// MakeRoutingSender (notifier.h): one Sender in front of the transports, chosen by the target's
// scheme.
#include <memory>
#include <utility>

#include "notification/entity_connections.h"
#include "notification/notifier.h"
#include "notification/target_resolver.h"

namespace trustcse::notification {

namespace {

class RoutingSender final : public Sender {
 public:
  RoutingSender(std::unique_ptr<Sender> egress, std::unique_ptr<Sender> polling,
                std::unique_ptr<Sender> connections)
      : egress_(std::move(egress)), polling_(std::move(polling)),
        connections_(std::move(connections)) {}

  void Send(const Notification& n, std::function<void(Status)> done) override {
    Sender* s = Pick(n);
    if (s == nullptr) return done(Status(Rsc::kTargetNotReachable, "no route to the target"));
    s->Send(n, std::move(done));
  }
  void Request(const Notification& n, std::function<void(Status, std::string)> done) override {
    Sender* s = Pick(n);
    if (s == nullptr) return done(Status(Rsc::kTargetNotReachable, "no route to the target"), {});
    s->Request(n, std::move(done));
  }
  void Stop() override {
    for (Sender* s : {egress_.get(), polling_.get(), connections_.get()}) {
      if (s) s->Stop();
    }
  }

 private:
  Sender* Pick(const Notification& n) {
    if (StartsWithNoCase(n.target, "pch:")) return polling_.get();
    if (StartsWithNoCase(n.target, kConnectionTargetPrefix)) return connections_.get();
    return egress_.get();
  }
  std::unique_ptr<Sender> egress_;
  std::unique_ptr<Sender> polling_;
  std::unique_ptr<Sender> connections_;
};

}  // namespace

std::unique_ptr<Sender> MakeRoutingSender(std::unique_ptr<Sender> egress,
                                          std::unique_ptr<Sender> polling,
                                          std::unique_ptr<Sender> connections) {
  return std::make_unique<RoutingSender>(std::move(egress), std::move(polling),
                                         std::move(connections));
}

}  // namespace trustcse::notification
