#include "primitive/json_util.h"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace trustcse::json {

namespace {

constexpr size_t kMaxDepth = 64;

// Counts the members of every object in the text, allocating nothing. Boost.JSON keeps one of
// two members with the same name silently; comparing this count with the members of the parsed
// tree finds such duplicates, which different parsers would read differently (RFC 8259 §4).
struct MemberCounter {
  static constexpr size_t max_object_size = size_t(-1);
  static constexpr size_t max_array_size = size_t(-1);
  static constexpr size_t max_key_size = size_t(-1);
  static constexpr size_t max_string_size = size_t(-1);
  using ec_t = boost::system::error_code;
  size_t members = 0;
  bool on_document_begin(ec_t&) { return true; }
  bool on_document_end(ec_t&) { return true; }
  bool on_array_begin(ec_t&) { return true; }
  bool on_array_end(size_t, ec_t&) { return true; }
  bool on_object_begin(ec_t&) { return true; }
  bool on_object_end(size_t n, ec_t&) {
    members += n;
    return true;
  }
  bool on_string_part(bj::string_view, size_t, ec_t&) { return true; }
  bool on_string(bj::string_view, size_t, ec_t&) { return true; }
  bool on_key_part(bj::string_view, size_t, ec_t&) { return true; }
  bool on_key(bj::string_view, size_t, ec_t&) { return true; }
  bool on_number_part(bj::string_view, ec_t&) { return true; }
  bool on_int64(int64_t, bj::string_view, ec_t&) { return true; }
  bool on_uint64(uint64_t, bj::string_view, ec_t&) { return true; }
  bool on_double(double, bj::string_view, ec_t&) { return true; }
  bool on_bool(bool, ec_t&) { return true; }
  bool on_null(ec_t&) { return true; }
  bool on_comment_part(bj::string_view, ec_t&) { return true; }
  bool on_comment(bj::string_view, ec_t&) { return true; }
};

size_t MembersOf(const bj::value& v) {
  size_t n = 0;
  if (v.is_object()) {
    n += v.get_object().size();
    for (const auto& m : v.get_object()) n += MembersOf(m.value());
  } else if (v.is_array()) {
    for (const auto& e : v.get_array()) n += MembersOf(e);
  }
  return n;
}

}  // namespace

Result<bj::value> Parse(std::string_view text) {
  boost::system::error_code ec;
  bj::parse_options opt;
  opt.max_depth = kMaxDepth;
  bj::value v = bj::parse(text, ec, {}, opt);
  if (ec) return Err(Status::BadRequest("content is not valid JSON"));
  return v;
}

Result<bj::value> ParseUntrusted(std::string_view text) {
  auto v = Parse(text);
  if (!v || text.find('{') == std::string_view::npos) return v;
  boost::system::error_code ec;
  bj::parse_options opt;
  opt.max_depth = kMaxDepth;
  bj::basic_parser<MemberCounter> counter(opt);
  counter.write_some(false, text.data(), text.size(), ec);
  if (ec || counter.handler().members != MembersOf(*v)) {
    return Err(Status::BadRequest("content has an object with two members of one name"));
  }
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
