// SecurityMetrics: an event sink (event_stream.h) that counts what the security kinds of the
// stream report — access denials by the step that decided and a reason class, TLS/DTLS handshake
// failures by protocol and reason class, and handshakes that authenticated a credential by
// protocol and method — for the scrape of server/monitoring.h. Off the request path: it runs on
// its sink's thread; a scrape copies the counts under a short lock.
//
// Label values are bounded, so that clients cannot grow the table: a reason is a class named
// after the response status code or the handshake failure (ReasonClass, HandshakeReasonClass),
// never free text; steps and methods are the producers' fixed names, and past kMaxSeries distinct
// series further ones count under "other".
//
// AccessLogSink: one log line per answered request (the request observer's completion event) —
// peer address, binding, originator, operation, target, status, duration; no content, no
// credentials — as text or as a JSON object, on the spdlog logger "access".
//
// Thread-safety: Consume runs on the sink's thread; Snapshot may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "events/event_stream.h"

namespace trustcse::events {

class SecurityMetrics final : public Sink {
 public:
  static constexpr size_t kMaxSeries = 256;
  // The kinds this sink counts (for its Subscription).
  static constexpr KindMask kKinds =
      Bit(Kind::kAccessDenied) | Bit(Kind::kHandshakeFailure) | Bit(Kind::kCredentialUsed);

  void Consume(const Event& event) override;

  struct Counts {
    std::map<std::pair<std::string, std::string>, uint64_t> denials;  // (step, reason)
    std::map<std::pair<std::string, std::string>, uint64_t>
        handshake_failures;                                                 // (protocol, reason)
    std::map<std::pair<std::string, std::string>, uint64_t> handshakes_ok;  // (protocol, method)
    uint64_t denials_total = 0;
  };
  Counts Snapshot() const;

  // "no_privilege" (4103), "not_authenticated" (4106), "security_association_required" (4107),
  // "timeout" (4008), "not_acceptable" (5207), else the code as text.
  static std::string ReasonClass(int rsc);
  // The class of a handshake failure's reason text: "unknown_psk_identity", "bad_psk_key",
  // "revoked_certificate", "foreign_certificate", "key_not_pinned", "no_credential", "timeout",
  // "protocol".
  static std::string_view HandshakeReasonClass(std::string_view reason);

 private:
  void Add(std::map<std::pair<std::string, std::string>, uint64_t>& m, std::string a,
           std::string b);
  mutable std::mutex mu_;
  Counts counts_;  // guarded by mu_
};

class AccessLogSink final : public Sink {
 public:
  explicit AccessLogSink(bool json) : json_(json) {}
  void Consume(const Event& event) override;
  // The line for `e` (public for the tests).
  std::string Line(const Event& e) const;

 private:
  bool json_;
};

// `s` as the contents of a JSON string (quotes, backslashes and control characters escaped).
std::string JsonEscape(std::string_view s);

}  // namespace trustcse::events
