// The Merkle tree of the audit log (AUD-1): RFC 9162 (Certificate Transparency v2) §2.1 hashing,
// tree heads of any earlier size, inclusion proofs and consistency proofs, and their verification.
//
// Hashes are 32-byte binary std::strings. LeafHash(e) = SHA-256(0x00 || e), NodeHash(l, r) =
// SHA-256(0x01 || l || r); the tree hash MTH of n > 1 leaves splits at the largest power of two
// smaller than n (left-balanced), MTH of no leaves is SHA-256("").
//
// Storage: the proof algorithms read only the hashes of *complete* subtrees, through
// `SubtreeHashes`: (level k, index i) names the subtree over leaves [i·2^k, (i+1)·2^k). Any root,
// path or proof is at most 2·64 such look-ups plus as many hash computations, whatever the size.
// `MerkleTree` keeps them in memory; a database-backed log implements `SubtreeHashes` over its own
// table and calls the same free functions. A look-up may fail (I/O); the error is passed on.
//
// Verification (`VerifyInclusion`, `VerifyConsistency`) needs no tree: it follows RFC 9162
// §2.1.3.2 and §2.1.4.2 and rejects malformed input (index ≥ size, wrong proof length, hashes
// that are not 32 bytes, size1 > size2) with a reason instead of crashing.
//
// Errors: 4000 (bad argument: a size beyond the tree, an index beyond the size, a hash that is not
// 32 bytes, a proof that does not verify, with the reason in the message). Thread-safety: the free
// functions are pure; MerkleTree is thread-compatible (const methods may run concurrently with
// each other, not with Append).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace trustcse::security::audit {

inline constexpr size_t kHashSize = 32;

std::string LeafHash(std::string_view entry);
// `left` and `right` are 32-byte hashes (not checked: an internal building block).
std::string NodeHash(std::string_view left, std::string_view right);
// MTH({}) = SHA-256 of the empty string.
std::string EmptyTreeHash();

// Read access to the hashes of the complete subtrees of an append-only tree of `size()` leaves.
class SubtreeHashes {
 public:
  virtual ~SubtreeHashes() = default;
  virtual uint64_t size() const = 0;
  // MTH of leaves [index·2^level, (index+1)·2^level), which must lie within size(). Callers in
  // this file ask only for such subtrees.
  virtual Result<std::string> SubtreeHash(uint32_t level, uint64_t index) const = 0;
};

// MTH(D[0:tree_size]); 4000 if tree_size > hashes.size().
Result<std::string> RootHashAt(const SubtreeHashes& hashes, uint64_t tree_size);
// PATH(leaf_index, D[0:tree_size]) (RFC 9162 §2.1.3.1), leaf's sibling first; 4000 unless
// leaf_index < tree_size <= hashes.size().
Result<std::vector<std::string>> InclusionProofAt(const SubtreeHashes& hashes, uint64_t leaf_index,
                                                  uint64_t tree_size);
// PROOF(size1, D[0:size2]) (RFC 9162 §2.1.4.1); empty when size1 == size2 or size1 == 0 (nothing
// to prove); 4000 unless size1 <= size2 <= hashes.size().
Result<std::vector<std::string>> ConsistencyProofAt(const SubtreeHashes& hashes, uint64_t size1,
                                                    uint64_t size2);

// RFC 9162 §2.1.3.2: OK if `proof` shows that `leaf_hash` is leaf `leaf_index` of the tree of
// `tree_size` leaves whose root is `root`; otherwise 4000 with the reason.
Status VerifyInclusion(uint64_t leaf_index, uint64_t tree_size, std::string_view leaf_hash,
                       const std::vector<std::string>& proof, std::string_view root);

// RFC 9162 §2.1.4.2: OK if `proof` shows that the tree of size1 leaves with root1 is a prefix of
// the tree of size2 leaves with root2; otherwise 4000 with the reason. The RFC's algorithm covers
// 0 < size1 < size2; at the edges (RFC 6962 §2.1.2): size1 == size2 needs an empty proof and
// root1 == root2; size1 == 0 needs an empty proof and root1 == MTH({}) (the empty tree is a prefix
// of every tree, and root2 is then not checked).
Status VerifyConsistency(uint64_t size1, uint64_t size2, std::string_view root1,
                         std::string_view root2, const std::vector<std::string>& proof);

// An append-only Merkle tree in memory. It stores the hash of every complete subtree:
// level k holds floor(n / 2^k) hashes, so n leaves take about 2n hashes = 64 bytes per leaf
// (plus the deques' block maps, about 2%; no reallocation peak: deques grow in blocks).
// 10 million entries therefore need about 640 MB; a larger log keeps its hashes in a database.
// Append costs one leaf hash plus amortised one node hash; roots and proofs of any earlier size
// cost O(log n) look-ups (see the free functions above).
class MerkleTree final : public SubtreeHashes {
 public:
  MerkleTree() = default;
  MerkleTree(const MerkleTree&) = delete;
  MerkleTree& operator=(const MerkleTree&) = delete;
  MerkleTree(MerkleTree&&) = default;
  MerkleTree& operator=(MerkleTree&&) = default;

  // Appends LeafHash(entry); returns the new leaf's index.
  uint64_t Append(std::string_view entry);
  // Appends an already computed leaf hash (rebuilding from stored leaf hashes); 4000 if it is
  // not 32 bytes.
  Result<uint64_t> AppendLeafHash(std::string_view leaf_hash);

  uint64_t size() const override { return levels_.empty() ? 0 : levels_[0].size(); }
  Result<std::string> SubtreeHash(uint32_t level, uint64_t index) const override;

  Result<std::string> RootHash(uint64_t tree_size) const { return RootHashAt(*this, tree_size); }
  Result<std::string> RootHash() const { return RootHashAt(*this, size()); }
  Result<std::vector<std::string>> InclusionProof(uint64_t leaf_index, uint64_t tree_size) const {
    return InclusionProofAt(*this, leaf_index, tree_size);
  }
  Result<std::vector<std::string>> ConsistencyProof(uint64_t size1, uint64_t size2) const {
    return ConsistencyProofAt(*this, size1, size2);
  }

 private:
  using Hash = std::array<char, kHashSize>;
  void AppendHash(const Hash& leaf);

  std::vector<std::deque<Hash>> levels_;  // levels_[k][i]: see SubtreeHashes::SubtreeHash
};

}  // namespace trustcse::security::audit
