// CBOR (RFC 8949) payloads, decoded into and encoded from the same boost::json value the JSON
// serialization uses, so that nothing past the bindings sees which one a client spoke (SL-2).
//
// The data model is JSON's: maps with text-string keys, arrays, text strings, integers (within
// int64/uint64), floats, true/false/null (undefined reads as null). Tags are skipped (their
// content is kept). Byte strings, other simple values, non-string or duplicate map keys,
// nesting deeper than 64, truncated or trailing data are refused with 4000 and a safe message.
// Decoding uses libcbor's streaming decoder with an explicit stack (no recursion on input
// nesting). Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "common/status.h"

namespace trustcse::cbor {

Result<boost::json::value> Decode(std::string_view bytes);
std::string Encode(const boost::json::value& v);

}  // namespace trustcse::cbor
