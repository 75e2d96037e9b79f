// MakeRoutingSender (notifier.h): one Sender in front of the transports, chosen by the target's
// scheme.
#include <memory>
#include <utility>

#include "notification/notifier.h"
#include "notification/target_resolver.h"

namespace trustcse::notification {
namespace {

class RoutingSender final : public Sender {
 public:
  RoutingSender(std::unique_ptr<Sender> http, std::unique_ptr<Sender> mqtt,
                std::unique_ptr<Sender> polling)
      : http_(std::move(http)), mqtt_(std::move(mqtt)), polling_(std::move(polling)) {}
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
    for (Sender* s : {http_.get(), mqtt_.get(), polling_.get()}) {
      if (s) s->Stop();
    }
  }

 private:
  Sender* Pick(const Notification& n) {
    if (StartsWithNoCase(n.target, "mqtt://") || StartsWithNoCase(n.target, "mqtts://")) {
      return mqtt_.get();
    }
    if (StartsWithNoCase(n.target, "pch:")) return polling_.get();
    return http_.get();
  }
  std::unique_ptr<Sender> http_;
  std::unique_ptr<Sender> mqtt_;
  std::unique_ptr<Sender> polling_;
};

}  // namespace

std::unique_ptr<Sender> MakeRoutingSender(std::unique_ptr<Sender> http,
                                          std::unique_ptr<Sender> mqtt,
                                          std::unique_ptr<Sender> polling) {
  return std::make_unique<RoutingSender>(std::move(http), std::move(mqtt), std::move(polling));
}

}  // namespace trustcse::notification
