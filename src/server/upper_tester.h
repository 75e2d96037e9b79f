// UpperTester: the test harness interface of TS-0019 (the "upper tester" of a conformance test
// system), served at POST /__ut__ on the plain HTTP listener when `[http] upper_tester = true` —
// never by default: it can wipe every resource. A conformance suite uses it to bring the CSE to
// a known state and to shorten its timers, without a special build.
//
// Commands, in the header X-M2M-UTCMD (case-insensitive; arguments after a space); the answer
// is 2000 (HTTP 200) with any result in X-M2M-UTRSP, or 4000 (HTTP 400) with the reason there:
//   Status                                  → RUNNING
//   Reset                                   deletes every resource, creates a fresh CSEBase,
//                                           ends polling channels (credentials stay)
//   GetConfig <key>                         → the value (keys: see the .cc)
//   enableShortResourceExpiration <s>       expiration checks every s seconds and non-blocking
//                                           request records kept s seconds → "<the previous
//                                           check interval>,<the maximum expiration delta>",
//                                           whole seconds (test systems parse integers)
//   disableShortResourceExpiration          restores them
//   enableShortRequestExpiration <s>        long polls and requests queued for polling AEs
//                                           wait s seconds → the previous value (s)
//   disableShortRequestExpiration           restores it
//   testCaseStart <name> / testCaseEnd <name>   a line in the log
// Without X-M2M-UTCMD the body is a request primitive in JSON short names ({"op":…,"to":…,
// "fr":…,"rqi":…,…}, optionally inside "m2m:rqp"); it is handled as if received and the answer
// carries the response primitive. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "dispatcher/dispatcher.h"
#include "notification/polling_channels.h"
#include "security/service_endpoints.h"

namespace trustcse::server {

class UpperTester final : public security::ServiceEndpoints {
 public:
  struct Hooks {
    dispatcher::Dispatcher* dispatcher = nullptr;
    std::shared_ptr<notification::PollingChannels> polling;
    // The expiration reaper's period and how to change it.
    std::chrono::milliseconds reaper_interval{1000};
    std::map<std::string, std::string> config;  // GetConfig keys → values
  };
  explicit UpperTester(Hooks hooks);
  // The dispatcher exists after the listeners; requests before this are refused.
  void Attach(dispatcher::Dispatcher* dispatcher);
  void Handle(security::ServiceRequest request,
              std::function<void(security::ServiceResponse)> done) override;

 private:
  security::ServiceResponse Command(const std::string& cmd, const std::string& args);
  Hooks h_;
  std::mutex mu_;  // one command at a time
  std::atomic<dispatcher::Dispatcher*> dispatcher_{nullptr};
  std::chrono::milliseconds reaper_interval_;
  std::chrono::milliseconds original_reaper_;
  std::chrono::milliseconds original_lifetime_{0};
  std::chrono::milliseconds original_long_poll_{0};
  std::chrono::milliseconds original_request_timeout_{0};
};

}  // namespace trustcse::server
