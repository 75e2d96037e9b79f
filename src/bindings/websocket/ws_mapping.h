// The oneM2M WebSocket binding (TS-0020) as pure functions: the subprotocol of the opening
// handshake, and the messages of an open connection as request and response primitives. Free of
// Beast, so that the fuzz target (ws_message_fuzz) and the unit tests drive it directly.
//
// Subprotocols (TS-0020 §6.2.2.7, §6.2.2.9, §6.2.3.5): the client lists the names it supports in
// one or more Sec-WebSocket-Protocol headers, in its order of preference; the server picks one
// it serves and names it in its answer. This CSE serves "oneM2M.json" (text frames) and
// "oneM2M.cbor" (binary frames); "oneM2M.xml" is not served. A handshake without one of ours is
// refused (HTTP 400 with X-M2M-RSC 4000).
//
// Messages: each WebSocket message carries one whole primitive (primitive/primitive_message.h),
// a request ("op") or a response ("rsc" — the answer to a request this CSE sent on the
// connection). What cannot be read becomes a refusal: the response primitive to send back, with
// the rqi when the message named one and the oneM2M status (4000 for an undecodable message, a
// missing or malformed parameter, or neither "op" nor "rsc"; the codes of request_parameters.h
// for bad parameters). Pure functions, thread-safe, never throw.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "primitive/request.h"
#include "primitive/serialization.h"

namespace trustcse::websocket {

inline constexpr std::string_view kJsonSubprotocol = "oneM2M.json";
inline constexpr std::string_view kCborSubprotocol = "oneM2M.cbor";

struct Subprotocol {
  std::string_view name;  // one of the constants above
  Serialization serialization = Serialization::kJson;
};

// `offers`: the values of every Sec-WebSocket-Protocol header, in order; each may list several
// comma-separated names. The first name (exact, RFC 6455 §4.1) this CSE serves; nullopt if none.
std::optional<Subprotocol> SelectSubprotocol(std::span<const std::string_view> offers);

struct InboundMessage {
  // kDropped: a malformed response primitive — not answered (an answer to an answer could
  // loop between two peers); the request it meant to answer fails at its deadline.
  enum class Kind : uint8_t { kRequest, kResponse, kRefused, kDropped };
  Kind kind = Kind::kRefused;
  RequestPrimitive request;    // kRequest: without the channel facts, which the server adds
  ResponsePrimitive response;  // kResponse: the answer to one of this CSE's requests
                               // kRefused: what to send back; kDropped: why (for the log)
};

// One received message in the connection's serialization.
InboundMessage ParseMessage(std::string_view bytes, Serialization s);

// The refusal of a message (status code, an m2m:dbg naming the problem, the rqi if known).
ResponsePrimitive Refusal(const Status& status, std::string rqi = {});

// A response or request primitive as a message of the connection.
std::string EncodeResponse(const ResponsePrimitive& rsp, Serialization s);
std::string EncodeRequest(const RequestPrimitive& req, Serialization s);

// Which entity a connection reaches once `req` succeeded on it (the notifier then sends that
// entity's requests over the connection): for an AE registration the assigned AE-ID (the created
// resource's ID, or the aei of the answer's m2m:ae); for a remoteCSE registration its CSE-ID; for
// any other request its originator when that names an entity of this CSE — an AE-ID-Stem
// ("Cxyz", "Sxyz"), the same SP-relative under `cse_id` ("/id-in/Cxyz"), or a CSE-ID ("/id-mn").
// Empty when the request failed or names no such entity.
std::string ReachableAs(const RequestPrimitive& req, const ResponsePrimitive& rsp,
                        std::string_view cse_id);

}  // namespace trustcse::websocket
