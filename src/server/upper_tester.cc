#include "server/upper_tester.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <future>

#include "bindings/mqtt/mqtt_mapping.h"
#include "primitive/json_util.h"

namespace trustcse::server {
namespace {

using std::chrono::milliseconds;

security::ServiceResponse Ack(std::string result = {}) {
  security::ServiceResponse r;
  r.rsc = Rsc::kOk;
  if (!result.empty()) r.headers.emplace_back("X-M2M-UTRSP", std::move(result));
  return r;
}

security::ServiceResponse Refuse(std::string why) {
  security::ServiceResponse r;
  r.rsc = Rsc::kBadRequest;
  r.headers.emplace_back("X-M2M-UTRSP", why);
  // The reason may quote the command: serialized, not pasted, so it stays valid JSON.
  r.body = json::Serialize(boost::json::object{{"m2m:dbg", "upper tester: " + why}});
  return r;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// "2", "0.5": seconds, positive, at most a day.
std::optional<milliseconds> Seconds(const std::string& s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !(v > 0) || v > 86400) return std::nullopt;
  return milliseconds(static_cast<int64_t>(std::llround(v * 1000)));
}

// Whole seconds, rounded up so that a sub-second interval does not read as 0: test systems
// parse the answers as integers.
std::string FormatSeconds(milliseconds ms) { return std::to_string((ms.count() + 999) / 1000); }

}  // namespace

UpperTester::UpperTester(Hooks hooks)
    : h_(std::move(hooks)),
      reaper_interval_(h_.reaper_interval),
      original_reaper_(h_.reaper_interval) {}

void UpperTester::Attach(dispatcher::Dispatcher* d) {
  std::lock_guard lock(mu_);
  h_.dispatcher = d;
  original_lifetime_ = d->request_lifetime();
  original_long_poll_ = d->long_poll_timeout();
  original_request_timeout_ = h_.polling ? h_.polling->request_timeout() : milliseconds(0);
  dispatcher_ = d;
}

void UpperTester::Handle(security::ServiceRequest request,
                         std::function<void(security::ServiceResponse)> done) {
  if (request.method != "POST") return done(Refuse("only POST"));
  if (dispatcher_.load() == nullptr) return done(Refuse("not ready"));
  std::string cmd;
  for (const auto& [k, v] : request.headers) {
    if (Lower(k) == "x-m2m-utcmd") cmd = v;
  }
  if (!cmd.empty()) {
    std::string args;
    if (auto sp = cmd.find(' '); sp != std::string::npos) {
      args = cmd.substr(sp + 1);
      cmd.resize(sp);
    }
    std::lock_guard lock(mu_);
    return done(Command(Lower(cmd), args));
  }
  if (request.body.empty()) return done(Refuse("a command (X-M2M-UTCMD) or a request primitive is needed"));
  // Primitive mode: the body is a request primitive to handle as if received.
  std::string_view body = request.body;
  std::string unwrapped;
  if (auto v = json::Parse(body); v && v->is_object()) {
    if (const auto* inner = v->get_object().if_contains("m2m:rqp"); inner && inner->is_object()) {
      unwrapped = json::Serialize(inner->get_object());
      body = unwrapped;
    }
  }
  auto prim = mqtt::ToPrimitive(body, Serialization::kJson);
  if (!prim) return done(Refuse(prim.error().message()));
  h_.dispatcher->Handle(std::move(*prim), [done = std::move(done)](ResponsePrimitive rsp) {
    security::ServiceResponse r = Ack();
    r.body = mqtt::EncodeResponse(rsp, Serialization::kJson);
    done(std::move(r));
  });
}

security::ServiceResponse UpperTester::Command(const std::string& cmd, const std::string& args) {
  if (cmd == "status") return Ack("RUNNING");
  if (cmd == "reset") {
    spdlog::warn("upper tester: reset — every resource is deleted");
    if (h_.polling) h_.polling->CloseAll();
    if (auto s = h_.dispatcher->Reset(); !s.ok()) return Refuse("reset failed: " + s.message());
    return Ack();
  }
  if (cmd == "getconfig") {
    auto it = h_.config.find(args);
    if (it == h_.config.end()) return Refuse("unknown configuration key '" + args + "'");
    return Ack(it->second);
  }
  if (cmd == "enableshortresourceexpiration") {
    auto s = Seconds(args);
    if (!s) return Refuse("seconds expected");
    std::string previous = FormatSeconds(reaper_interval_) + "," +
                           std::to_string(h_.dispatcher->max_expiration().count());
    reaper_interval_ = *s;
    h_.dispatcher->StartReaper(*s);
    h_.dispatcher->SetTimings(*s, h_.dispatcher->long_poll_timeout());
    return Ack(previous);
  }
  if (cmd == "disableshortresourceexpiration") {
    reaper_interval_ = original_reaper_;
    h_.dispatcher->StartReaper(original_reaper_);
    h_.dispatcher->SetTimings(original_lifetime_, h_.dispatcher->long_poll_timeout());
    return Ack();
  }
  if (cmd == "enableshortrequestexpiration") {
    auto s = Seconds(args);
    if (!s) return Refuse("seconds expected");
    std::string previous = FormatSeconds(h_.dispatcher->long_poll_timeout());
    h_.dispatcher->SetTimings(h_.dispatcher->request_lifetime(), *s);
    if (h_.polling) h_.polling->set_request_timeout(*s);
    return Ack(previous);
  }
  if (cmd == "disableshortrequestexpiration") {
    h_.dispatcher->SetTimings(h_.dispatcher->request_lifetime(), original_long_poll_);
    if (h_.polling) h_.polling->set_request_timeout(original_request_timeout_);
    return Ack();
  }
  if (cmd == "testcasestart" || cmd == "testcaseend") {
    spdlog::info("upper tester: {} {}", cmd == "testcasestart" ? "start of" : "end of", args);
    return Ack();
  }
  return Refuse("unknown command '" + cmd + "'");
}

}  // namespace trustcse::server
