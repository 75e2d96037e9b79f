#include "primitive/json_util.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace trustcse::json {

Result<bj::value> Parse(std::string_view text) {
  boost::system::error_code ec;
  bj::parse_options opt;
  opt.max_depth = 64;
  bj::value v = bj::parse(text, ec, {}, opt);
  if (ec) return Err(Status::BadRequest("content is not valid JSON"));
  return v;
}

std::string Serialize(const bj::value& v) { return bj::serialize(v); }
std::string Serialize(const bj::object& o) { return bj::serialize(o); }

const bj::value* Find(const bj::object& o, std::string_view key) { return o.if_contains(key); }

std::optional<std::string_view> GetString(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string_view(v->get_string());
}

std::optional<int64_t> AsInt(const bj::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    double d = v.get_double();
    // Range first: casting an out-of-range double to an integer is undefined behaviour.
    if (!(d >= -9.2e18 && d <= 9.2e18)) return std::nullopt;
    if (d != static_cast<double>(static_cast<int64_t>(d))) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

std::optional<int64_t> GetInt(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  return AsInt(*v);
}

std::optional<bool> GetBool(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_bool()) return std::nullopt;
  return v->get_bool();
}

}  // namespace trustcse::json
