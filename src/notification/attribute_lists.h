// Internal to notification/: the list-valued attributes the notifier reads (nu, poa, enc.net,
// enc.chty, a schedule's sce) as plain vectors. Pure, header-only.
//
// A missing attribute, one that is not an array, and array elements of the wrong type are
// skipped rather than reported: the resources layer validated them when they were stored, so
// what is left is at most an older record's leftovers, which the notifier ignores.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "primitive/json_util.h"

namespace trustcse::notification {

// The integers of the array `o[key]`.
inline std::vector<int64_t> IntList(const boost::json::object& o, std::string_view key) {
  std::vector<int64_t> out;
  const auto* v = o.if_contains(key);
  if (!v || !v->is_array()) return out;
  for (const auto& e : v->get_array()) {
    if (auto i = json::AsInt(e)) out.push_back(*i);
  }
  return out;
}

// The strings of the array `o[key]`.
inline std::vector<std::string> StringList(const boost::json::object& o, std::string_view key) {
  std::vector<std::string> out;
  const auto* v = o.if_contains(key);
  if (!v || !v->is_array()) return out;
  for (const auto& e : v->get_array()) {
    if (e.is_string()) out.emplace_back(e.get_string());
  }
  return out;
}

}  // namespace trustcse::notification
