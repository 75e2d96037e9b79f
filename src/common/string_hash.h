// Heterogeneous lookup for hash maps keyed by std::string: find(std::string_view) without
// building a std::string per lookup.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace trustcse {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// A std::unordered_map<std::string, V> that is looked up by std::string_view.
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;
// A std::unordered_set<std::string> that is looked up by std::string_view.
using StringSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

}  // namespace trustcse
