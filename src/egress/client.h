// egress::Client: the one way this CSE sends a request to another entity — notifications,
// subscription verifications, requests forwarded to an AE, dynamic authorization consultations,
// and later CSE-to-CSE retargeting. The interface names no protocol: a request is a oneM2M
// primitive's parameters and a target URL; each implementation maps them onto its binding
// (http/https `egress/http/`, coap/coaps `egress/coap/`, mqtt/mqtts an adapter in
// bindings/mqtt; `egress/routing_client.h` picks one by scheme, see egress/README.md). Tests
// substitute their own implementation.
//
// Every implementation, whatever its protocol:
//   - refuses a request whose `via` already names this CSE (a loop: the target leads back here)
//     and adds this CSE to the hops it sends, so the next CSE can refuse it in turn;
//   - sends only to the networks its DestinationPolicy permits, checked on every address the
//     target's name resolves to, immediately before connecting;
//   - gives up at one deadline for the whole exchange: the one passed to Send, or the request's
//     expiration (rqet) if sooner, or, when neither is set, its configured default timeout.
//
// Errors (the Status handed to the callback; OK means an answer arrived, whatever it said —
// the target's own status is in the OutboundResponse):
//   5103 target not reachable: malformed or unsupported target, name not resolved, network not
//        permitted, connection refused, TLS handshake failed (untrusted certificate, wrong host
//        name, client certificate refused), no valid answer, the client stopped, a loop;
//   4008 request timeout: the deadline passed before the answer arrived.
//
// Ownership: the callback is moved into the client and called exactly once, on the client's I/O
// thread (or on the caller's thread when the request is refused before it starts); it must not
// block. Thread-safety: Send and Stop may be called from any thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "primitive/request.h"

namespace trustcse::egress {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct OutboundRequest {
  std::string target;                // the URL: http(s)://, coap(s)://, mqtt(s)://…#receiver
  Operation op = Operation::kNotify;  // primitive/request.h
  std::string originator;            // fr: X-M2M-Origin
  std::string rqi;                   // X-M2M-RI
  std::string rvi = "3";             // X-M2M-RVI
  std::optional<int> ty;             // the resource type of a create
  std::optional<int> ec;             // Event Category: X-M2M-EC / oneM2M-EC (TS-0009 §6.4.16)
  // The body's media type, exactly as sent: TS-0009 §6.4.3 names the type, and RFC 8259 §11
  // defines no parameters for application/json.
  std::string content_type = "application/json";
  std::string body;
  // The request's expiration timestamp: the exchange ends (4008) then if that is the earliest
  // deadline.
  std::optional<TimePoint> rqet;
  // The hops the request already went through, as the Via header it arrived with ("1.1 id-in,
  // 1.1 id-mn"); empty for a request this CSE originates.
  std::string via;
  HeaderList headers;                // binding-specific extras, sent as they are
};

struct OutboundResponse {
  int status = 0;  // the binding's own status (the HTTP status code)
  int rsc = 0;     // the oneM2M response status code the target sent (X-M2M-RSC); 0 = none
  HeaderList headers;
  std::string body;

  // The first header of that name (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

using ResponseHandler = std::function<void(Status, OutboundResponse)>;

class Client {
 public:
  virtual ~Client() = default;
  // Sends `request` and calls `done` once with the outcome (see the errors above). `deadline`
  // unset: the request's rqet, or the client's default timeout.
  virtual void Send(OutboundRequest request, std::optional<TimePoint> deadline,
                    ResponseHandler done) = 0;
  // Ends the exchanges in progress and those waiting (their callbacks get 5103) and refuses new
  // ones. Idempotent; joins the client's threads, so it must not be called from a callback.
  virtual void Stop() = 0;
};

}  // namespace trustcse::egress
