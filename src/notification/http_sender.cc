// HttpSender: the notifier's Sender over the outbound client (egress/client.h). It turns a
// Notification into a NOTIFY OutboundRequest and the client's answer into the Status the
// notifier expects; connections, TLS, deadlines, destinations and Via live in egress/http/.
//
// The answer: the target's oneM2M status when it sent one (an error code is kept, so a forwarded
// request reports it to its originator), its HTTP status otherwise. Every transport failure,
// a timeout included, is 5103, which the notifier reads as "this point of access cannot be
// reached" (it may then fall back to the AE's polling channel).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "egress/http/http_client.h"
#include "notification/notifier.h"
#include "primitive/cbor.h"
#include "primitive/json_util.h"

namespace trustcse::notification {
namespace {

Status Unreachable(std::string message) {
  return Status(Rsc::kTargetNotReachable, std::move(message));
}

// The notifier's view of one exchange's outcome.
Status Outcome(const Status& transport, const egress::OutboundResponse& r, std::string_view safe) {
  if (!transport.ok()) {
    if (transport.code() == Rsc::kRequestTimeout) {
      return Unreachable("notification target timed out");
    }
    return Unreachable(transport.message());
  }
  if (r.rsc != 0) {
    if (r.rsc >= 4000) {
      spdlog::debug("http sender: {} answered X-M2M-RSC {}", safe, r.rsc);
      return Status(RscFromInt(r.rsc), "the notification target answered with an error");
    }
    return Status::Ok();
  }
  if (r.status < 200 || r.status > 299) {
    spdlog::debug("http sender: {} answered HTTP {}", safe, r.status);
    return Unreachable("notification target answered HTTP " + std::to_string(r.status));
  }
  return Status::Ok();
}

// scheme://host/path of a URL, for logs (no userinfo, no query).
std::string SafeUrl(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return "(an invalid target)";
  auto host = scheme + 3;
  if (auto at = url.find('@', host); at != std::string::npos && at < url.find('/', host)) {
    host = at + 1;
  }
  return url.substr(0, scheme + 3) + url.substr(host, url.find_first_of("?#", host) - host);
}

class HttpSender final : public Sender {
 public:
  HttpSender(const HttpSenderOptions& options, std::shared_ptr<egress::Client> client)
      : options_(options), client_(std::move(client)) {
    options_.client.reset();
  }

  ~HttpSender() override { Stop(); }

  void Send(const Notification& n, std::function<void(Status)> done) override {
    Request(n, [done = std::move(done)](Status s, std::string) { done(std::move(s)); });
  }

  void Request(const Notification& n, std::function<void(Status, std::string)> done) override {
    egress::OutboundRequest r;
    r.target = n.target;
    r.op = Operation::kNotify;
    r.originator = n.originator.empty() ? options_.originator : n.originator;
    r.rqi = n.rqi;
    if (!n.rvi.empty()) r.rvi = n.rvi;
    r.ec = n.ec;
    r.body = n.body;
    if (n.cbor) {
      // The notifier builds JSON; a target that asked for CBOR gets the same content re-encoded.
      if (auto v = json::Parse(n.body)) {
        r.body = cbor::Encode(*v);
        r.content_type = "application/cbor";
      }
    }
    // The configured timeout, or less when the notification's deadline comes sooner.
    TimePoint deadline = Now() + std::chrono::milliseconds(options_.timeout_ms);
    if (n.deadline) deadline = std::min(deadline, *n.deadline);
    client_->Send(std::move(r), deadline,
                  [safe = SafeUrl(n.target), done = std::move(done)](
                      Status s, egress::OutboundResponse response) {
                    Status out = Outcome(s, response, safe);
                    done(std::move(out), out.ok() ? std::move(response.body) : std::string());
                  });
  }

  void Stop() override { client_->Stop(); }

 private:
  HttpSenderOptions options_;
  std::shared_ptr<egress::Client> client_;
};

}  // namespace

std::unique_ptr<Sender> MakeHttpSender(const HttpSenderOptions& options) {
  std::shared_ptr<egress::Client> client = options.client;
  if (!client) {
    egress::HttpClientOptions co;
    co.self_id = options.originator;
    co.default_timeout = std::chrono::milliseconds(options.timeout_ms);
    co.destinations = options.destinations;
    co.max_response_body = 64 * 1024;  // answers to notifications are only read for their status
    auto made = egress::MakeHttpClient(std::move(co));
    // Without certificate files nothing in the client's set-up can fail but memory.
    if (!made) throw std::runtime_error("http sender: " + made.error().message());
    client = std::move(*made);
  }
  return std::make_unique<HttpSender>(options, std::move(client));
}

}  // namespace trustcse::notification
