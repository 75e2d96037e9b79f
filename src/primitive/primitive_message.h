// Whole request and response primitives as one message: the payload of the bindings that carry
// serialized primitives rather than map them onto a protocol's own fields — MQTT (TS-0010) and
// WebSocket (TS-0020) — in JSON or CBOR with short names (TS-0004 §8.3–8.5).
//
// A request: {"op":…,"to":…,"fr":…,"rqi":…,"rvi":…,"ty":…,"pc":{…},"rcn":…,"rt":{"rtv":…,
// "nu":[…]},"drt":…,"rqet":…,"rset":…,"rp":…,"fc":{…},"atrl":[…],"tkns":[…],"rids":[…]}; a
// response: {"rsc":…,"rqi":…,"rvi":…,"pc":{…},"ot":…,"cnst":…,"cnot":…}. TS-0004 §8.4 sends JSON
// primitives bare, told apart by "op" and "rsc" (TS-0020 Annex A, the note under step 6); a
// message wrapped as {"m2m:rqp":{…}} or {"m2m:rsp":{…}} (the XML form's root names) is also read.
// Messages this CSE writes are bare.
//
// Never throws; malformed input gives a Status with the oneM2M code (4000, 4015 for content the
// serialization cannot decode is 4000 too). Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "common/status.h"
#include "primitive/request.h"
#include "primitive/serialization.h"

namespace trustcse {

enum class MessageKind : uint8_t { kRequest, kResponse };

struct PrimitiveMessage {
  MessageKind kind = MessageKind::kRequest;
  boost::json::object primitive;  // unwrapped
};

// Decodes `bytes` and tells a request (it has "op") from a response ("rsc"). 4000 for bytes the
// serialization cannot decode, a non-object, or an object with neither (or both).
Result<PrimitiveMessage> DecodePrimitiveMessage(std::string_view bytes, Serialization s);

// The request primitive an object describes; the binding adds the channel facts.
Result<RequestPrimitive> RequestFromObject(const boost::json::object& o);
// The response an object describes (its content serialized as JSON text, as the dispatcher
// produces it). 4000 for a missing or unknown rsc.
Result<ResponsePrimitive> ResponseFromObject(const boost::json::object& o);
// The "rqi" of an object, if it is a string ("" otherwise): a refusal still names the request.
std::string RequestIdOf(const boost::json::object& o);

// A request primitive this CSE sends (NOTIFY to an entity): op, to, fr, rqi, rvi ("3" unless
// set), ty, rqet, ot and pc.
boost::json::object RequestObject(const RequestPrimitive& req);
std::string EncodeRequestMessage(const RequestPrimitive& req, Serialization s);
// A response primitive: rsc, rqi, rvi, ot, cnst/cnot and pc (parsed back from the dispatcher's
// JSON text, so a CBOR message carries CBOR content).
std::string EncodeResponseMessage(const ResponsePrimitive& rsp, Serialization s);

}  // namespace trustcse
