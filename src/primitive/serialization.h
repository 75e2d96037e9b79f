// The serializations of oneM2M content on the wire (JSON, CBOR) and the conversions every
// binding uses: content in either form becomes the same boost::json value; a response, which the
// dispatcher produces as JSON text, is re-encoded for a client that asked for CBOR.
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "common/status.h"

namespace trustcse {

enum class Serialization : uint8_t { kJson, kCbor };

// 4000 with a safe message for malformed content of the given serialization.
Result<boost::json::value> DecodeContent(std::string_view bytes, Serialization s);
// `json_text` (JSON written by this CSE) in serialization `s`. Empty if the text is not JSON,
// which only a bug of this CSE produces.
std::string EncodeContent(std::string_view json_text, Serialization s);
// A value in serialization `s`, without a detour through text for CBOR.
std::string EncodeContent(const boost::json::value& v, Serialization s);

}  // namespace trustcse
