// The oneM2M MQTT binding (TS-0010) as pure functions: topics, and request/response primitives
// serialized whole into the MQTT payload (JSON or CBOR). Free of libmosquitto so that the fuzz
// target and unit tests drive it directly.
//
// Topics: requests "/oneM2M/req/<originator>/<receiver>/<json|cbor>", responses
// "/oneM2M/resp/<originator>/<receiver>/<json|cbor>" (originator = who sent the request), each
// optionally behind a prefix. IDs in topics are SP-relative with the leading '/' dropped and the
// other '/' as ':' ("/id-in" → "id-in", "/id-in/Cae1" → "id-in:Cae1"); an AE-ID-Stem stands as is.
// Request payload: {"op":1,"to":…,"fr":…,"rqi":…,"rvi":…,"ty":…,"pc":{…}, "rcn":…, "rt":{"rtv":…},
// "drt":…, "rqet":…, "rset":…, "fc":{…}, "tkns":[…], "rids":[…]}; response payload
// {"rsc":…,"rqi":…,"rvi":…,"pc":{…}} in the request's serialization.
// Never throws; malformed input gives a Status with the oneM2M code. Pure, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "primitive/request.h"
#include "primitive/serialization.h"

namespace trustcse::mqtt {

struct Topic {
  bool request = true;        // req (true) or resp
  std::string originator;     // as in the topic
  std::string receiver;
  Serialization serialization = Serialization::kJson;
};

// Parses "<prefix>/oneM2M/(req|resp)/<orig>/<recv>/<json|cbor>"; nullopt otherwise.
std::optional<Topic> ParseTopic(std::string_view topic, std::string_view prefix);
std::string TopicFor(const Topic& t, std::string_view prefix);

// ID ⇄ topic segment.
std::string TopicId(std::string_view id);
std::string IdFromTopic(std::string_view segment);

Result<RequestPrimitive> ToPrimitive(std::string_view payload, Serialization s);
// A request primitive as a payload (for NOTIFY requests the CSE sends over MQTT).
std::string EncodeRequest(const RequestPrimitive& req, Serialization s);
std::string EncodeResponse(const ResponsePrimitive& rsp, Serialization s);
// The rsc and content of a response payload (answers to the CSE's own requests).
Result<ResponsePrimitive> DecodeResponse(std::string_view payload, Serialization s);

}  // namespace trustcse::mqtt
