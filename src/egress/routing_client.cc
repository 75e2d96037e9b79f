#include "egress/routing_client.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <utility>

namespace trustcse::egress {
namespace {

bool HasScheme(std::string_view url, std::string_view scheme) {
  if (url.size() < scheme.size() + 3) return false;
  for (size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(url[i])) != scheme[i]) return false;
  }
  return url.substr(scheme.size(), 3) == "://";
}

class RoutingClient final : public Client {
 public:
  explicit RoutingClient(RoutedClients c) : c_(std::move(c)) {}
  ~RoutingClient() override { Stop(); }

  void Send(OutboundRequest request, std::optional<TimePoint> deadline,
            ResponseHandler done) override {
    Client* to = Pick(request.target);
    if (to == nullptr) {
      return done(Status(Rsc::kTargetNotReachable,
                         "unsupported scheme: the CSE cannot send to this target"),
                  {});
    }
    to->Send(std::move(request), deadline, std::move(done));
  }

  void Stop() override {
    Client* stopped[3] = {nullptr, nullptr, nullptr};
    int n = 0;
    for (Client* c : {c_.http.get(), c_.coap.get(), c_.mqtt.get()}) {
      if (c == nullptr || std::find(stopped, stopped + n, c) != stopped + n) continue;
      c->Stop();
      stopped[n++] = c;
    }
  }

 private:
  Client* Pick(std::string_view url) const {
    if (HasScheme(url, "http") || HasScheme(url, "https")) return c_.http.get();
    if (HasScheme(url, "coap") || HasScheme(url, "coaps")) return c_.coap.get();
    if (HasScheme(url, "mqtt") || HasScheme(url, "mqtts")) return c_.mqtt.get();
    return nullptr;
  }

  const RoutedClients c_;
};

}  // namespace

std::unique_ptr<Client> MakeRoutingClient(RoutedClients clients) {
  return std::make_unique<RoutingClient>(std::move(clients));
}

}  // namespace trustcse::egress
