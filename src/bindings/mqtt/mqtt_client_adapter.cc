#include "bindings/mqtt/mqtt_client_adapter.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>

#include "primitive/json_util.h"

namespace trustcse::mqtt {
namespace {

using SteadyClock = std::chrono::steady_clock;

Status Unreachable(std::string why) { return Status(Rsc::kTargetNotReachable, std::move(why)); }

class MqttClientAdapter final : public egress::Client {
 public:
  MqttClientAdapter(MqttBinding::RequestFn request, std::string cse_id,
                    std::chrono::milliseconds default_timeout)
      : request_(std::move(request)),
        cse_id_(std::move(cse_id)),
        via_self_(ViaPseudonym(cse_id_)),
        default_timeout_(default_timeout) {}

  void Send(egress::OutboundRequest r, std::optional<TimePoint> deadline,
            egress::ResponseHandler done) override {
    if (stopped_) return done(Unreachable("the outbound client stopped"), {});
    if (!via_self_.empty() && ViaNames(r.via, via_self_)) {
      return done(Unreachable("request loop: the request has already passed through this CSE"),
                  {});
    }
    const auto hash = r.target.rfind('#');
    if (hash == std::string::npos || hash + 1 == r.target.size()) {
      return done(Unreachable("MQTT target without a receiver"), {});
    }
    const std::string receiver = r.target.substr(hash + 1);
    RequestPrimitive req;
    req.op = r.op;
    req.to = receiver;
    req.fr = r.originator.empty() ? cse_id_ : r.originator;
    req.rqi = r.rqi;
    req.rvi = r.rvi;
    if (r.ty && r.op == Operation::kCreate) req.ty = *r.ty;
    req.rqet = r.rqet;
    if (!r.body.empty()) {
      auto pc = json::Parse(r.body);
      if (!pc) return done(Unreachable("MQTT requests carry JSON content"), {});
      req.pc = std::move(*pc);
    }
    request_(std::move(req), receiver, DeadlineOf(r, deadline),
             [done = std::move(done)](Status s, ResponsePrimitive rsp) {
               if (!s.ok()) return done(std::move(s), {});
               egress::OutboundResponse out;
               out.rsc = static_cast<int>(rsp.rsc);
               out.headers.emplace_back("X-M2M-RSC", std::to_string(out.rsc));
               if (!rsp.rqi.empty()) out.headers.emplace_back("X-M2M-RI", rsp.rqi);
               out.body = std::move(rsp.pc);
               done(Status::Ok(), std::move(out));
             });
  }

  // Requests already published are answered (or time out) through the binding, which stops
  // on its own; new ones are refused.
  void Stop() override { stopped_ = true; }

 private:
  SteadyClock::time_point DeadlineOf(const egress::OutboundRequest& r,
                                     std::optional<TimePoint> deadline) const {
    const auto now = SteadyClock::now();
    std::optional<TimePoint> at = deadline;
    if (r.rqet && (!at || *r.rqet < *at)) at = r.rqet;
    if (!at) return now + default_timeout_;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*at - Now());
    return now + std::max(left, std::chrono::milliseconds(0));
  }

  const MqttBinding::RequestFn request_;
  const std::string cse_id_;
  const std::string via_self_;
  const std::chrono::milliseconds default_timeout_;
  std::atomic<bool> stopped_{false};
};

}  // namespace

std::unique_ptr<egress::Client> MakeMqttClient(MqttBinding& binding,
                                               std::chrono::milliseconds default_timeout) {
  return MakeMqttClient(binding.MakeRequester(), binding.cse_id(), default_timeout);
}

std::unique_ptr<egress::Client> MakeMqttClient(MqttBinding::RequestFn request, std::string cse_id,
                                               std::chrono::milliseconds default_timeout) {
  return std::make_unique<MqttClientAdapter>(std::move(request), std::move(cse_id),
                                             default_timeout);
}

}  // namespace trustcse::mqtt
