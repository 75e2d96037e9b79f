#include "security/audit/merkle_tree.h"

#include <algorithm>
#include <bit>
#include <utility>

#include "security/crypto/crypto.h"

namespace trustcse::security::audit {

namespace {

// A path never exceeds the tree's height (64 for 64-bit sizes); a consistency proof adds at most
// one hash per level on each side of the split. Longer input is rejected before any hashing.
constexpr size_t kMaxInclusionProof = 64;
constexpr size_t kMaxConsistencyProof = 128;

Status Bad(std::string message) { return Status::BadRequest(std::move(message)); }

// The split point k of RFC 9162 §2.1.1: the largest power of two smaller than n (n >= 2).
uint64_t Split(uint64_t n) { return std::bit_floor(n - 1); }

Result<std::string> Lookup(const SubtreeHashes& hashes, uint32_t level, uint64_t index) {
  auto hash = hashes.SubtreeHash(level, index);
  if (hash && hash->size() != kHashSize) {
    return Err(Status::Internal("stored subtree hash is not 32 bytes"));
  }
  return hash;
}

// MTH(D[start:end]) for a range the RFC recursion produces (start is a multiple of the largest
// power of two <= end - start): the complete subtrees of the range, largest first, folded from the
// right — exactly the left-balanced split applied until every part is complete.
Result<std::string> RangeHash(const SubtreeHashes& hashes, uint64_t start, uint64_t end) {
  std::array<std::pair<uint32_t, uint64_t>, 64> parts;
  size_t count = 0;
  for (uint64_t pos = start; pos < end && count < parts.size();) {
    uint64_t len = std::bit_floor(end - pos);
    auto level = static_cast<uint32_t>(std::countr_zero(len));
    parts[count++] = {level, pos >> level};
    pos += len;
  }
  if (count == 0) return Err(Status::Internal("empty range has no subtree hash"));
  auto acc = Lookup(hashes, parts[count - 1].first, parts[count - 1].second);
  for (size_t i = count - 1; acc && i > 0; --i) {
    auto left = Lookup(hashes, parts[i - 1].first, parts[i - 1].second);
    if (!left) return left;
    *acc = NodeHash(*left, *acc);
  }
  return acc;
}

// PATH(leaf, D[start:end]) of RFC 9162 §2.1.3.1, `leaf` as an absolute index.
Status AppendPath(const SubtreeHashes& hashes, uint64_t leaf, uint64_t start, uint64_t end,
                  std::vector<std::string>& out) {
  if (end - start <= 1) return Status::Ok();
  uint64_t mid = start + Split(end - start);
  Status inner = leaf < mid ? AppendPath(hashes, leaf, start, mid, out)
                            : AppendPath(hashes, leaf, mid, end, out);
  if (!inner.ok()) return inner;
  auto sibling = leaf < mid ? RangeHash(hashes, mid, end) : RangeHash(hashes, start, mid);
  if (!sibling) return sibling.error();
  out.push_back(std::move(*sibling));
  return Status::Ok();
}

// SUBPROOF(old_end - start, D[start:end], complete) of RFC 9162 §2.1.4.1; start < old_end <= end.
Status AppendSubproof(const SubtreeHashes& hashes, uint64_t old_end, uint64_t start, uint64_t end,
                      bool complete, std::vector<std::string>& out) {
  if (old_end == end) {
    if (complete) return Status::Ok();
    auto whole = RangeHash(hashes, start, end);
    if (!whole) return whole.error();
    out.push_back(std::move(*whole));
    return Status::Ok();
  }
  uint64_t mid = start + Split(end - start);
  Status inner = old_end <= mid ? AppendSubproof(hashes, old_end, start, mid, complete, out)
                                : AppendSubproof(hashes, old_end, mid, end, false, out);
  if (!inner.ok()) return inner;
  auto sibling = old_end <= mid ? RangeHash(hashes, mid, end) : RangeHash(hashes, start, mid);
  if (!sibling) return sibling.error();
  out.push_back(std::move(*sibling));
  return Status::Ok();
}

bool AllHashesWellFormed(const std::vector<std::string>& proof) {
  return std::all_of(proof.begin(), proof.end(),
                     [](const std::string& h) { return h.size() == kHashSize; });
}

// Right-shifts fn and sn together until fn's lowest bit is set or fn is 0 (RFC 9162 §2.1.3.2
// step 4.b.ii and §2.1.4.2 step 6.b.iii).
void ShiftToSetBit(uint64_t& fn, uint64_t& sn) {
  while ((fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

std::string LeafHash(std::string_view entry) {
  return crypto::Sha256({std::string_view("\x00", 1), entry});
}

std::string NodeHash(std::string_view left, std::string_view right) {
  return crypto::Sha256({std::string_view("\x01", 1), left, right});
}

std::string EmptyTreeHash() { return crypto::Sha256(""); }

Result<std::string> RootHashAt(const SubtreeHashes& hashes, uint64_t tree_size) {
  if (tree_size > hashes.size()) return Err(Bad("tree size is beyond the tree"));
  if (tree_size == 0) return EmptyTreeHash();
  return RangeHash(hashes, 0, tree_size);
}

Result<std::vector<std::string>> InclusionProofAt(const SubtreeHashes& hashes, uint64_t leaf_index,
                                                  uint64_t tree_size) {
  if (tree_size > hashes.size()) return Err(Bad("tree size is beyond the tree"));
  if (leaf_index >= tree_size) return Err(Bad("leaf index is not below the tree size"));
  std::vector<std::string> proof;
  Status s = AppendPath(hashes, leaf_index, 0, tree_size, proof);
  if (!s.ok()) return Err(std::move(s));
  return proof;
}

Result<std::vector<std::string>> ConsistencyProofAt(const SubtreeHashes& hashes, uint64_t size1,
                                                    uint64_t size2) {
  if (size2 > hashes.size()) return Err(Bad("tree size is beyond the tree"));
  if (size1 > size2) return Err(Bad("first tree size is larger than the second"));
  std::vector<std::string> proof;
  if (size1 == 0 || size1 == size2) return proof;
  Status s = AppendSubproof(hashes, size1, 0, size2, true, proof);
  if (!s.ok()) return Err(std::move(s));
  return proof;
}

Status VerifyInclusion(uint64_t leaf_index, uint64_t tree_size, std::string_view leaf_hash,
                       const std::vector<std::string>& proof, std::string_view root) {
  if (leaf_hash.size() != kHashSize || root.size() != kHashSize) {
    return Bad("inclusion proof: leaf hash and root must be 32 bytes");
  }
  if (leaf_index >= tree_size) return Bad("inclusion proof: leaf index is not below the tree size");
  if (proof.size() > kMaxInclusionProof || !AllHashesWellFormed(proof)) {
    return Bad("inclusion proof: malformed path");
  }
  uint64_t fn = leaf_index;
  uint64_t sn = tree_size - 1;
  std::string r(leaf_hash);
  for (const std::string& p : proof) {
    if (sn == 0) return Bad("inclusion proof: path is longer than the tree size allows");
    if ((fn & 1) != 0 || fn == sn) {
      r = NodeHash(p, r);
      ShiftToSetBit(fn, sn);
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Bad("inclusion proof: path is shorter than the tree size requires");
  if (r != root) return Bad("inclusion proof: computed root does not match");
  return Status::Ok();
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, std::string_view root1,
                         std::string_view root2, const std::vector<std::string>& proof) {
  if (root1.size() != kHashSize || root2.size() != kHashSize) {
    return Bad("consistency proof: roots must be 32 bytes");
  }
  if (size1 > size2) return Bad("consistency proof: first tree size is larger than the second");
  if (proof.size() > kMaxConsistencyProof || !AllHashesWellFormed(proof)) {
    return Bad("consistency proof: malformed proof");
  }
  if (size1 == size2) {
    if (!proof.empty()) return Bad("consistency proof: must be empty for equal sizes");
    if (root1 != root2) return Bad("consistency proof: equal sizes with different roots");
    return Status::Ok();
  }
  if (size1 == 0) {
    if (!proof.empty()) return Bad("consistency proof: must be empty from the empty tree");
    if (root1 != EmptyTreeHash()) return Bad("consistency proof: wrong root for the empty tree");
    return Status::Ok();
  }
  if (proof.empty()) return Bad("consistency proof: empty proof");  // step 1
  // Step 2 prepends root1 when size1 is a power of two; here the walk starts from it instead.
  bool prepend = std::has_single_bit(size1);
  size_t next = prepend ? 0 : 1;
  std::string fr(prepend ? root1 : std::string_view(proof[0]));
  std::string sr = fr;
  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  for (; next < proof.size(); ++next) {
    const std::string& c = proof[next];
    if (sn == 0) return Bad("consistency proof: proof is longer than the sizes allow");
    if ((fn & 1) != 0 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      ShiftToSetBit(fn, sn);
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Bad("consistency proof: proof is shorter than the sizes require");
  if (fr != root1) return Bad("consistency proof: first root does not match");
  if (sr != root2) return Bad("consistency proof: second root does not match");
  return Status::Ok();
}

uint64_t MerkleTree::Append(std::string_view entry) {
  Hash leaf;
  std::string h = LeafHash(entry);
  std::copy(h.begin(), h.end(), leaf.begin());
  AppendHash(leaf);
  return size() - 1;
}

Result<uint64_t> MerkleTree::AppendLeafHash(std::string_view leaf_hash) {
  if (leaf_hash.size() != kHashSize) return Err(Bad("leaf hash must be 32 bytes"));
  Hash leaf;
  std::copy(leaf_hash.begin(), leaf_hash.end(), leaf.begin());
  AppendHash(leaf);
  return size() - 1;
}

void MerkleTree::AppendHash(const Hash& leaf) {
  // 64 levels cover every 64-bit size; reserving them up front means the deques never move.
  if (levels_.empty()) {
    levels_.reserve(64);
    levels_.emplace_back();
  }
  levels_[0].push_back(leaf);
  // A level with an even count has just completed a pair: its parent is now complete too.
  for (size_t k = 0; levels_[k].size() % 2 == 0; ++k) {
    if (k + 1 == levels_.size()) levels_.emplace_back();
    const std::deque<Hash>& level = levels_[k];
    const Hash& left = level[level.size() - 2];
    const Hash& right = level.back();
    std::string parent = NodeHash(std::string_view(left.data(), left.size()),
                                  std::string_view(right.data(), right.size()));
    Hash stored;
    std::copy(parent.begin(), parent.end(), stored.begin());
    levels_[k + 1].push_back(stored);
  }
}

Result<std::string> MerkleTree::SubtreeHash(uint32_t level, uint64_t index) const {
  if (level >= levels_.size() || index >= levels_[level].size()) {
    return Err(Bad("no such complete subtree"));
  }
  const Hash& h = levels_[level][index];
  return std::string(h.data(), h.size());
}

}  // namespace trustcse::security::audit
