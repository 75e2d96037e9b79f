// Small helpers over boost::json used by every layer that reads resource content:
// typed lookups that never throw and a compact serializer. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "common/status.h"

namespace trustcse::json {

namespace bj = boost::json;

// Parses text as one JSON value. 4000 with a safe message on any syntax error, on nesting deeper
// than 64 levels, or on trailing garbage. For text this CSE wrote itself (stored records).
Result<bj::value> Parse(std::string_view text);
// The same for what clients send (request content, enrolment bodies): also 4000 for an object
// with two members of one name, which parsers read differently (RFC 8259 §4). A second, non-
// allocating pass over the text: keep it off the paths that re-read stored records.
Result<bj::value> ParseUntrusted(std::string_view text);
std::string Serialize(const bj::value& v);
std::string Serialize(const bj::object& o);

const bj::value* Find(const bj::object& o, std::string_view key);
std::optional<std::string_view> GetString(const bj::object& o, std::string_view key);
std::optional<int64_t> GetInt(const bj::object& o, std::string_view key);
std::optional<bool> GetBool(const bj::object& o, std::string_view key);
// Integer value of a number (accepting 3.0, refusing 3.5) or nullopt.
std::optional<int64_t> AsInt(const bj::value& v);

}  // namespace trustcse::json
