// CoapClient, shared by the CoAP client's files (not a public header): coap_client.cc (Send,
// Stop, the loop, exchanges and their answers) and coap_sessions.cc (sessions per target:
// resolution, destination policy, DTLS set-up and the server certificate check). Everything
// but the members marked "guarded by mu_" belongs to the loop thread (`tc-egress-coap`); every
// libcoap callback runs there (inside coap_io_process or coap_send).
#pragma once

#include <coap3/coap.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "egress/coap/coap_client.h"
#include "egress/coap/coap_wire.h"

namespace trustcse::egress::coap {

using SteadyClock = std::chrono::steady_clock;

// A request Send accepted, waiting for the loop to send it.
struct Job {
  OutboundRequest request;
  CoapTarget target;
  SteadyClock::time_point deadline;
  ResponseHandler done;
};

struct SessionEntry;

// A request sent and not yet answered, by its token.
struct Exchange {
  ResponseHandler done;
  SteadyClock::time_point deadline;
  SessionEntry* session = nullptr;
  std::string safe;
};

// One reusable libcoap session per scheme://host:port.
struct SessionEntry {
  std::string key;
  std::string host;  // for the certificate's host check
  coap_session_t* session = nullptr;
  SteadyClock::time_point last_used;
  size_t in_flight = 0;
};

class CoapClient final : public Client {
 public:
  explicit CoapClient(CoapClientOptions options);
  ~CoapClient() override;

  Status Start();
  void Send(OutboundRequest request, std::optional<TimePoint> deadline,
            ResponseHandler done) override;
  void Stop() override;

  // libcoap callbacks (the client is the loop thread's `t_client`).
  static coap_response_t OnResponse(coap_session_t* s, const coap_pdu_t* sent,
                                    const coap_pdu_t* received, coap_mid_t mid);
  static void OnNack(coap_session_t* s, const coap_pdu_t* sent, coap_nack_reason_t reason,
                     coap_mid_t mid);
  static int OnEvent(coap_session_t* s, coap_event_t event);
  static int OnCertificate(const char* cn, const uint8_t* der, size_t len, coap_session_t* s,
                           unsigned int depth, int validated, void* arg);

 private:
  // coap_client.cc
  void Loop();
  void Launch(Job job);
  void Finish(uint64_t token, Status status, OutboundResponse response = {});
  void Complete(ResponseHandler& done, Status status, OutboundResponse response);
  void ExpireDeadlines(SteadyClock::time_point now);
  void Wake();
  SteadyClock::time_point DeadlineOf(const OutboundRequest& r,
                                     std::optional<TimePoint> deadline) const;
  // coap_sessions.cc
  Status PrepareDtls();
  SessionEntry* SessionFor(const CoapTarget& target, std::string* why);
  coap_session_t* OpenSession(const CoapTarget& target, const coap_address_t& address);
  // Forgets the session: its exchanges fail with `why` (5103), libcoap's session is released
  // once the loop is out of libcoap.
  void DropSession(SessionEntry* entry, const std::string& why);
  void ReleaseIdle(SteadyClock::time_point now);
  void ReleaseDropped();

  const CoapClientOptions options_;
  const std::string via_self_;
  coap_context_t* ctx_ = nullptr;
  int event_fd_ = -1;
  int anchors_fd_ = -1;       // a memfd holding every trust anchor (libcoap reads a file)
  std::string anchors_path_;  // "/proc/self/fd/<anchors_fd_>"
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  bool stopped_ = false;   // guarded by mu_
  std::vector<Job> jobs_;  // guarded by mu_
  size_t accepted_ = 0;    // guarded by mu_: jobs and exchanges not yet finished
  // Loop thread.
  std::unordered_map<uint64_t, Exchange> exchanges_;
  std::unordered_map<std::string, std::unique_ptr<SessionEntry>> sessions_;
  std::vector<coap_session_t*> dropped_;
  uint64_t next_token_ = 1;
  std::string pending_host_;  // the host of the session being opened (certificate check)
  SteadyClock::time_point last_idle_check_;
};

// The client whose loop runs on this thread (libcoap's callbacks carry no argument).
extern thread_local CoapClient* t_client;

}  // namespace trustcse::egress::coap
