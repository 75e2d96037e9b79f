#include "storage/query.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace trustcse::storage {

namespace {

template <typename T>
bool Contains(const std::vector<T>& values, const T& v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

// '*' matches any run of characters; everything else matches itself.
bool Glob(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// The text a scalar compares as; nullopt for objects, arrays and null.
std::optional<std::string> ScalarText(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::string:
      return std::string(v.get_string());
    case boost::json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case boost::json::kind::int64:
      return std::to_string(v.get_int64());
    case boost::json::kind::uint64:
      return std::to_string(v.get_uint64());
    case boost::json::kind::double_: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.15g", v.get_double());
      return std::string(buf);
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

bool MatchesAttribute(const AttributeMatch& m, const ResourceRecord& r) {
  auto equal = [&](std::string_view text) {
    return m.wildcard ? Glob(m.value, text) : text == m.value;
  };
  if (m.name == "rn") return equal(r.rn);
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(r.body, ec);
  if (ec || !body.is_object()) return false;
  const boost::json::value* v = body.get_object().if_contains(m.name);
  if (v == nullptr) return false;
  if (v->is_array()) {
    return std::any_of(v->get_array().begin(), v->get_array().end(), [&](const auto& e) {
      auto t = ScalarText(e);
      return t && equal(*t);
    });
  }
  auto t = ScalarText(*v);
  return t && equal(*t);
}

bool Matches(const DiscoveryQuery& q, const ResourceRecord& r, int level) {
  // The level limit and the subtree are the scope of the query, not conditions: they always
  // apply, whatever `combine` says.
  if (level < 1) return false;
  if (q.max_level > 0 && level > q.max_level) return false;

  bool any_condition = false;
  bool all_match = true;
  bool some_match = false;
  auto condition = [&](bool m) {
    any_condition = true;
    all_match = all_match && m;
    some_match = some_match || m;
  };

  if (!q.types.empty()) condition(Contains(q.types, r.ty));
  if (!q.labels.empty()) {
    condition(std::any_of(r.lbl.begin(), r.lbl.end(),
                          [&](const std::string& l) { return Contains(q.labels, l); }));
  }
  if (!q.attributes.empty()) {
    condition(std::any_of(q.attributes.begin(), q.attributes.end(),
                          [&](const AttributeMatch& m) { return MatchesAttribute(m, r); }));
  }
  if (!q.content_types.empty()) condition(Contains(q.content_types, r.cty));
  // Timestamps compare as byte strings: the storage form sorts in time order.
  if (q.created_before) condition(r.ct < *q.created_before);
  if (q.created_after) condition(r.ct >= *q.created_after);
  if (q.modified_since) condition(r.lt >= *q.modified_since);
  if (q.unmodified_since) condition(r.lt < *q.unmodified_since);
  // An empty et means "never expires", i.e. later than any value: it never matches exb and
  // always matches exa. The SQL backends spell this out the same way.
  if (q.expire_before) condition(!r.et.empty() && r.et < *q.expire_before);
  if (q.expire_after) condition(r.et.empty() || r.et >= *q.expire_after);
  if (q.state_tag_smaller) condition(r.st < *q.state_tag_smaller);
  if (q.state_tag_bigger) condition(r.st >= *q.state_tag_bigger);
  if (q.size_above) condition(r.cs >= *q.size_above);
  if (q.size_below) condition(r.cs < *q.size_below);

  if (!any_condition) return true;
  return q.combine == Combine::kAnd ? all_match : some_match;
}

int PathDepth(const std::string& path) {
  if (path.empty()) return 0;
  return 1 + static_cast<int>(std::count(path.begin(), path.end(), '/'));
}

bool IsBelow(const std::string& path, const std::string& root) {
  // Exactly the byte range [root + "/", root + "0") the SQL backends scan ('0' is '/' + 1), so
  // "cse-in/ae10" is not below "cse-in/ae1". The empty root is the parent of every path.
  if (root.empty()) return !path.empty();
  return path.size() > root.size() && path[root.size()] == '/' &&
         path.compare(0, root.size(), root) == 0;
}

}  // namespace trustcse::storage
