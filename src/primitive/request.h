// The oneM2M request and response primitives (TS-0004 §7.2), independent of any binding.
//
// Every binding (HTTP now; CoAP and MQTT later) turns what it receives into a RequestPrimitive and
// turns the ResponsePrimitive it gets back into its own wire form, so that everything below the
// bindings sees one type. The content (pc) is already decoded into a boost::json::value — JSON or
// CBOR on the wire make no difference past the binding. Value types, thread-compatible.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "common/status.h"
#include "common/time.h"
#include "primitive/filter_criteria.h"

namespace trustcse {

enum class Operation : uint8_t { kCreate = 1, kRetrieve = 2, kUpdate = 3, kDelete = 4, kNotify = 5 };
const char* OperationName(Operation op);

// resultContent (TS-0001 Table 8.1.2-1).
enum class ResultContent : uint8_t {
  kNothing = 0,
  kAttributes = 1,
  kHierarchicalAddress = 2,
  kHierarchicalAddressAndAttributes = 3,
  kAttributesAndChildResources = 4,
  kAttributesAndChildReferences = 5,
  kChildReferences = 6,
  kOriginalResource = 7,
  kChildResources = 8,
  kModifiedAttributes = 9,
  kSemanticContent = 10,
  kDiscoveryResultReferences = 11,  // Release 4: the default of a discovery (m2m:uril)
};

enum class ResponseType : uint8_t {
  kNonBlockingSynch = 1,
  kNonBlockingAsynch = 2,
  kBlocking = 3,
  kFlexBlocking = 4,
  kNoResponse = 5,
};

// The release versions this CSE accepts in rvi; also advertised in the CSEBase srv attribute.
inline constexpr std::string_view kSupportedReleases[] = {"2a", "3", "4"};
bool IsSupportedRelease(std::string_view rvi);

// What the secure channel (TLS/DTLS) a request arrived on authenticated, filled by the binding
// once per connection and shared by its requests. The security chain binds the originator to it
// (SEC-2); no channel, or kNone, means the request came over plain HTTP.
struct ChannelIdentity {
  // kBroker: an MQTT broker authenticated the client and its topic ACL vouches for the
  // originator named in the request topic (certified_ids).
  enum class Method : uint8_t { kNone, kPsk, kCertificate, kPinnedKey, kBroker };
  Method method = Method::kNone;
  // The Credential-ID the channel authenticated: the PSK identity, "x509:<serial>" for a
  // certificate of the built-in CA, "ni:///sha-256;…" for a pinned public key.
  std::string credential_id;
  // For certificates: the AE-IDs / CSE-IDs that subjectAltName certifies (originator form);
  // for kBroker: the originator of the request topic.
  std::vector<std::string> certified_ids;
  // True for a TLS/DTLS channel, authenticated or not (a secure channel without a credential
  // gets 4107 from the gates: a security association is required).
  bool secure = false;
  bool authenticated() const { return method != Method::kNone; }
};
const char* ChannelMethodName(ChannelIdentity::Method m);

// The name this CSE gives itself in HTTP Via headers (RFC 9110 §7.6.3) of the requests it sends:
// its CSE-ID without the leading slashes, other slashes as dots ("/id-in" → "id-in").
std::string ViaPseudonym(std::string_view cse_id);
// True if a Via header value lists `pseudonym` as one of the intermediaries.
bool ViaNames(std::string_view via, std::string_view pseudonym);

struct RequestPrimitive {
  Operation op = Operation::kRetrieve;
  std::string to;   // as received: CSE-relative, SP-relative or absolute ID
  std::string fr;   // originator; may be empty only for an AE create
  std::string rqi;  // request identifier
  std::string rvi;  // release version indicator
  int ty = 0;       // resource type of a create
  boost::json::value pc;  // decoded content (null when absent)
  std::optional<ResultContent> rcn;
  ResponseType rt = ResponseType::kBlocking;
  // Response target URIs of a non-blocking asynchronous request (rt.nu). Given but empty means
  // "send the result nowhere"; not given means "to the originator".
  std::vector<std::string> rtu;
  bool rtu_given = false;
  std::optional<TimePoint> rqet;     // request expiration timestamp
  std::optional<TimePoint> rset;     // result expiration timestamp
  std::optional<TimePoint> oet;      // operation execution time: the operation runs then
  std::string ot;                    // originating timestamp, as received (kept in <request> mi)
  std::string vsi;                   // vendor information, echoed in the response
  std::optional<TimePoint> rp;       // result persistence: keep a non-blocking result until
  int drt = 1;                       // 1 structured, 2 unstructured identifiers in results
  std::optional<FilterCriteria> fc;  // present when the request carried filter criteria
  std::vector<std::string> atrl;     // attribute list of a partial retrieve
  std::vector<std::string> tokens;   // access tokens (tkns) for dynamic authorization
  std::vector<std::string> role_ids; // roles the originator acts in (rids)
  // Facts about the channel the request arrived on, filled by the binding.
  std::string peer_address;          // remote IP address, textual
  std::string via;                   // HTTP Via: the intermediaries it came through (loops)
  std::shared_ptr<const ChannelIdentity> channel;  // null: not a secure channel
  std::string binding;               // "http", "https", "coap", "coaps", "mqtt" ("" in process)
  size_t content_size = 0;           // bytes of content as received (for observers)
};

struct ResponsePrimitive {
  Rsc rsc = Rsc::kOk;
  std::string rqi;
  std::string rvi;
  std::string pc;                // serialized JSON content ("" = none)
  std::string content_location;  // resource ID of a created resource, for the binding's header
  std::string ot;                // originating timestamp: when the response was built
  std::string rset;              // the request's result expiration timestamp, echoed
  std::string vsi;               // the request's vendor information, echoed
  // Content status (cnst): 1 = partial — the receiver returned fewer results than matched
  // (its own limit), and cnot is the offset (ofst, 1-based) the rest starts at; 0 = not sent
  // (full content is the default).
  int cnst = 0;
  uint64_t cnot = 0;
};

// The response header every answer to `req` carries: rqi, rvi, and — TS-0001 §8.1.3, TS-0004
// Table 7.2.1.2-1 — the originating timestamp (now), the echoed result expiration timestamp and
// vendor information. Reply() and ErrorResponse() start from it.
ResponsePrimitive ResponseTo(const RequestPrimitive& req, Rsc rsc);

// Builds an error response carrying {"m2m:dbg": message}.
ResponsePrimitive ErrorResponse(const RequestPrimitive& req, const Status& status);

}  // namespace trustcse
