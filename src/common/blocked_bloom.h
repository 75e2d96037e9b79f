// BlockedBloom: a blocked Bloom filter (Putze, Sanders, Singler 2007) over 64-bit hashes — a
// set that answers "certainly not in it" or "perhaps", touching one 64-byte block (one cache
// line) per question. For the negative lookups of a large table on the request path (the
// black- and greylists: most requests are on no list), which then cost one cache line instead
// of the table's misses.
//
// Sized for `capacity` keys at about 12 bits each (≈ 1 % false positives, each costing only the
// real lookup behind it); past its capacity it answers "perhaps" more often, never wrongly
// "not". Keys are never removed (a removed key's bits stay: a stale "perhaps"); rebuild to
// drop them. Not thread-safe: guard it as the table it fronts.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace trustcse {

class BlockedBloom {
 public:
  explicit BlockedBloom(size_t capacity = 0) { Reset(capacity); }

  // Empties the filter and sizes it for `capacity` keys.
  void Reset(size_t capacity) {
    capacity_ = capacity;
    blocks_.assign(capacity == 0 ? 1 : (capacity * 12 + 511) / 512, Block{});
  }
  size_t capacity() const { return capacity_; }

  void Insert(uint64_t hash) {
    Block& b = blocks_[BlockOf(hash)];
    uint64_t bits = Mix(hash);
    for (int i = 0; i < kBitsPerKey; ++i, bits >>= 9) {
      b[(bits & 511) >> 6] |= uint64_t{1} << (bits & 63);
    }
  }
  bool MayContain(uint64_t hash) const {
    const Block& b = blocks_[BlockOf(hash)];
    uint64_t bits = Mix(hash);
    for (int i = 0; i < kBitsPerKey; ++i, bits >>= 9) {
      if ((b[(bits & 511) >> 6] & (uint64_t{1} << (bits & 63))) == 0) return false;
    }
    return true;
  }

 private:
  static constexpr int kBitsPerKey = 6;  // 6 × 9 bits of the mixed hash: a bit of 512 each
  struct alignas(64) Block : std::array<uint64_t, 8> {
    Block() : std::array<uint64_t, 8>{} {}
  };

  size_t BlockOf(uint64_t hash) const {
    // Lemire's fast range: the high bits of the product, uniform over the blocks.
    return static_cast<size_t>((static_cast<unsigned __int128>(hash) * blocks_.size()) >> 64);
  }
  // Bits for the positions that do not depend on the block's (the hash's high bits).
  static uint64_t Mix(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
  }

  size_t capacity_ = 0;
  std::vector<Block> blocks_;
};

}  // namespace trustcse
