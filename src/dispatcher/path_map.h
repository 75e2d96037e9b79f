// Bounded in-memory maps of the dispatcher's caches: the replacement policy (EvictionVictim)
// and PathMap, a map keyed by resource path that can drop a whole subtree without visiting
// every entry. Not thread-safe: the owner locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/string_hash.h"

namespace trustcse::dispatcher {

// An entry of `m` to give up when a bounded map is full: the first in a pseudo-random bucket
// (random replacement). Not begin(): libstdc++ keeps the newest entry first, so taking it would
// pin whatever filled the map first and let nothing else stay. `state` is the caller's
// generator state, advanced under the caller's lock.
template <typename Map>
typename Map::iterator EvictionVictim(Map& m, uint64_t& state) {
  state = state * 6364136223846793005ULL + 1442695040888963407ULL;
  const size_t n = m.bucket_count();
  for (size_t i = 0, b = (state >> 33) % n; i < n; ++i, b = (b + 1) % n) {
    if (m.bucket_size(b) > 0) return m.find(m.begin(b)->first);
  }
  return m.begin();
}

// Values by resource path: lookups by hash, and the paths also kept in order, so that
// EraseBelow(root) takes the entries below `root` in O(log n + k) for k of them — deleting one
// resource (an evicted or expired instance) must not cost a walk over a cache of millions.
// "Below" is storage::IsBelow's: the byte range [root + "/", root + "0").
template <typename V>
class PathMap {
 public:
  size_t size() const { return map_.size(); }
  bool contains(std::string_view path) const { return map_.find(path) != map_.end(); }

  // The value at `path`, or nullptr.
  const V* Find(std::string_view path) const {
    auto it = map_.find(path);
    return it == map_.end() ? nullptr : &it->second;
  }

  // Inserts or replaces.
  void Set(std::string_view path, V value) {
    auto it = map_.find(path);
    if (it != map_.end()) {
      it->second = std::move(value);
      return;
    }
    it = map_.emplace(std::string(path), std::move(value)).first;
    ordered_.insert(it->first);  // a view of the node's key: stable until the node goes
  }

  // Erases `path` if present, calling on_erase(path, value) first; returns whether it was.
  template <typename F>
  bool Erase(std::string_view path, F&& on_erase) {
    auto it = map_.find(path);
    if (it == map_.end()) return false;
    EraseAt(it, on_erase);
    return true;
  }
  bool Erase(std::string_view path) {
    return Erase(path, [](const std::string&, const V&) {});
  }

  // Erases every entry strictly below `root`, calling on_erase(path, value) for each; returns
  // how many went.
  template <typename F>
  size_t EraseBelow(std::string_view root, F&& on_erase) {
    std::string lo(root);
    lo.push_back('/');
    std::string hi(root);
    hi.push_back('0');  // '/' + 1
    if (root.empty()) lo.clear(), hi.clear();  // the empty root is the parent of every path
    size_t n = 0;
    auto first = ordered_.lower_bound(lo);
    while (first != ordered_.end() && (hi.empty() || *first < hi)) {
      if (first->empty()) {  // not below the empty root
        ++first;
        continue;
      }
      auto it = map_.find(*first);
      ++first;  // EraseAt removes the current element of ordered_
      EraseAt(it, on_erase);
      ++n;
    }
    return n;
  }

  // Erases one pseudo-random entry (the bound's replacement: see EvictionVictim).
  template <typename F>
  void EraseRandom(uint64_t& state, F&& on_erase) {
    if (map_.empty()) return;
    EraseAt(EvictionVictim(map_, state), on_erase);
  }

 private:
  using Map = StringMap<V>;

  template <typename F>
  void EraseAt(typename Map::iterator it, F& on_erase) {
    on_erase(it->first, it->second);
    ordered_.erase(std::string_view(it->first));
    map_.erase(it);
  }

  Map map_;
  std::set<std::string_view> ordered_;  // the keys of map_, in byte order
};

}  // namespace trustcse::dispatcher
