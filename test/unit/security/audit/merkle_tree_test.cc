// Tests of the audit log's Merkle tree: the RFC 9162 §2.1.5 worked example, the Certificate
// Transparency reference vectors (transparency-dev/merkle testonly/constants.go), agreement with a
// literal transcription of the RFC's recursive definitions for every size up to 64, and rejection
// of every mutated proof (flipped bit, dropped or extra hash, wrong index or size).
#include "security/audit/merkle_tree.h"

#include <gtest/gtest.h>

#include <bit>
#include <string>
#include <vector>

#include "security/crypto/crypto.h"

namespace trustcse::security::audit {
namespace {

using Proof = std::vector<std::string>;

std::string H(std::string_view hex) { return *crypto::FromHex(hex); }

std::vector<std::string> Hexes(const Proof& proof) {
  std::vector<std::string> out;
  for (const std::string& h : proof) out.push_back(crypto::Hex(h));
  return out;
}

std::string FlipBit(std::string s, size_t bit) {
  s[bit / 8] = static_cast<char>(s[bit / 8] ^ (1 << (bit % 8)));
  return s;
}

// RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 written out literally (quadratic, for reference only).
uint64_t RefSplit(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

std::string RefMth(const std::vector<std::string>& d, size_t start, size_t end) {
  if (end == start) return crypto::Sha256("");
  if (end - start == 1) return LeafHash(d[start]);
  size_t k = RefSplit(end - start);
  return NodeHash(RefMth(d, start, start + k), RefMth(d, start + k, end));
}

Proof RefPath(const std::vector<std::string>& d, size_t m, size_t start, size_t end) {
  if (end - start == 1) return {};
  size_t k = RefSplit(end - start);
  Proof p;
  if (m < k) {
    p = RefPath(d, m, start, start + k);
    p.push_back(RefMth(d, start + k, end));
  } else {
    p = RefPath(d, m - k, start + k, end);
    p.push_back(RefMth(d, start, start + k));
  }
  return p;
}

Proof RefSubproof(const std::vector<std::string>& d, size_t m, size_t start, size_t end, bool b) {
  size_t n = end - start;
  if (m == n) return b ? Proof{} : Proof{RefMth(d, start, end)};
  size_t k = RefSplit(n);
  Proof p;
  if (m <= k) {
    p = RefSubproof(d, m, start, start + k, b);
    p.push_back(RefMth(d, start + k, end));
  } else {
    p = RefSubproof(d, m - k, start + k, end, false);
    p.push_back(RefMth(d, start, start + k));
  }
  return p;
}

std::vector<std::string> Entries(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back("entry-" + std::to_string(i));
  return out;
}

MerkleTree TreeOf(const std::vector<std::string>& entries) {
  MerkleTree tree;
  for (const std::string& e : entries) tree.Append(e);
  return tree;
}

TEST(MerkleTree, HashesLeavesAndNodesWithTheRfcPrefixes) {
  EXPECT_EQ(LeafHash("abc"), crypto::Sha256(std::string(1, '\0') + "abc"));
  std::string l(32, 'L'), r(32, 'R');
  EXPECT_EQ(NodeHash(l, r), crypto::Sha256("\x01" + l + r));
  EXPECT_EQ(crypto::Hex(EmptyTreeHash()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  MerkleTree empty;
  EXPECT_EQ(*empty.RootHash(), EmptyTreeHash());
}

// RFC 9162 §2.1.5: seven leaves d0..d6 under the nodes a..l named in the RFC's figure.
class MerkleRfc9162Example : public ::testing::Test {
 protected:
  std::vector<std::string> d = {"d0", "d1", "d2", "d3", "d4", "d5", "d6"};
  MerkleTree tree = TreeOf(d);
  std::string a = LeafHash("d0"), b = LeafHash("d1"), c = LeafHash("d2"), dd = LeafHash("d3");
  std::string e = LeafHash("d4"), f = LeafHash("d5"), j = LeafHash("d6");
  std::string g = NodeHash(a, b), h = NodeHash(c, dd), i = NodeHash(e, f);
  std::string k = NodeHash(g, h), l = NodeHash(i, j);
  std::string root = NodeHash(k, l);
};

TEST_F(MerkleRfc9162Example, RootsOfTheTreeAndItsEarlierSizesAreTheRfcsHashes) {
  EXPECT_EQ(*tree.RootHash(), root);
  EXPECT_EQ(*tree.RootHash(3), NodeHash(g, c));  // hash0
  EXPECT_EQ(*tree.RootHash(4), k);               // hash1
  EXPECT_EQ(*tree.RootHash(6), NodeHash(k, i));  // hash2
}

TEST_F(MerkleRfc9162Example, InclusionPathsAreTheOnesTheRfcLists) {
  EXPECT_EQ(Hexes(*tree.InclusionProof(0, 7)), Hexes({b, h, l}));
  EXPECT_EQ(Hexes(*tree.InclusionProof(3, 7)), Hexes({c, g, l}));
  EXPECT_EQ(Hexes(*tree.InclusionProof(4, 7)), Hexes({f, j, k}));
  EXPECT_EQ(Hexes(*tree.InclusionProof(6, 7)), Hexes({i, k}));
  for (uint64_t leaf : {0, 3, 4, 6}) {
    EXPECT_TRUE(
        VerifyInclusion(leaf, 7, LeafHash(d[leaf]), *tree.InclusionProof(leaf, 7), root).ok());
  }
}

TEST_F(MerkleRfc9162Example, ConsistencyProofsAreTheOnesTheRfcLists) {
  EXPECT_EQ(Hexes(*tree.ConsistencyProof(3, 7)), Hexes({c, dd, g, l}));
  EXPECT_EQ(Hexes(*tree.ConsistencyProof(4, 7)), Hexes({l}));
  EXPECT_EQ(Hexes(*tree.ConsistencyProof(6, 7)), Hexes({i, j, k}));
  EXPECT_TRUE(VerifyConsistency(3, 7, NodeHash(g, c), root, {c, dd, g, l}).ok());
  EXPECT_TRUE(VerifyConsistency(4, 7, k, root, {l}).ok());
  EXPECT_TRUE(VerifyConsistency(6, 7, NodeHash(k, i), root, {i, j, k}).ok());
}

// Certificate Transparency reference vectors, as in transparency-dev/merkle testonly/constants.go.
class MerkleCtVectors : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* hex : {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                            "606162636465666768696a6b6c6d6e6f"}) {
      tree.Append(H(hex));
    }
  }
  MerkleTree tree;
  std::vector<std::vector<std::string>> nodes = {
      {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
       "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
       "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
       "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
       "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
       "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
       "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
       "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"},
      {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
       "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
       "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
       "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"},
      {"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
       "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"},
      {"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"}};
};

TEST_F(MerkleCtVectors, RootsOfSizesOneToEightMatch) {
  const char* roots[] = {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                         "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                         "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
                         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                         "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
                         "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
                         "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
                         "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  for (uint64_t size = 1; size <= 8; ++size) {
    EXPECT_EQ(crypto::Hex(*tree.RootHash(size)), roots[size - 1]) << "size " << size;
  }
}

TEST_F(MerkleCtVectors, EveryCompleteSubtreeHashIsStored) {
  for (uint32_t level = 0; level < nodes.size(); ++level) {
    for (uint64_t index = 0; index < nodes[level].size(); ++index) {
      EXPECT_EQ(crypto::Hex(*tree.SubtreeHash(level, index)), nodes[level][index]);
    }
    EXPECT_FALSE(tree.SubtreeHash(level, nodes[level].size()).has_value());
  }
}

TEST_F(MerkleCtVectors, ProofsAreMadeOfTheReferenceNodes) {
  auto n = [&](size_t level, size_t index) { return nodes[level][index]; };
  EXPECT_EQ(Hexes(*tree.InclusionProof(0, 8)),
            (std::vector<std::string>{n(0, 1), n(1, 1), n(2, 1)}));
  EXPECT_EQ(Hexes(*tree.InclusionProof(5, 8)),
            (std::vector<std::string>{n(0, 4), n(1, 3), n(2, 0)}));
  EXPECT_EQ(Hexes(*tree.ConsistencyProof(1, 8)),
            (std::vector<std::string>{n(0, 1), n(1, 1), n(2, 1)}));
  EXPECT_EQ(Hexes(*tree.ConsistencyProof(6, 8)),
            (std::vector<std::string>{n(1, 2), n(1, 3), n(2, 0)}));
  EXPECT_EQ(Hexes(*tree.ConsistencyProof(2, 5)), (std::vector<std::string>{n(1, 1), n(0, 4)}));
  EXPECT_TRUE(tree.ConsistencyProof(1, 1)->empty());
}

TEST(MerkleTree, RootsAndProofsOfEverySizeUpTo64MatchTheRfcDefinitions) {
  std::vector<std::string> d = Entries(64);
  MerkleTree tree = TreeOf(d);
  for (size_t m2 = 0; m2 <= 64; ++m2) {
    ASSERT_EQ(*tree.RootHash(m2), RefMth(d, 0, m2)) << "size " << m2;
    for (size_t i = 0; i < m2; ++i) {
      ASSERT_EQ(*tree.InclusionProof(i, m2), RefPath(d, i, 0, m2)) << i << " in " << m2;
    }
    for (size_t m1 = 1; m1 < m2; ++m1) {
      ASSERT_EQ(*tree.ConsistencyProof(m1, m2), RefSubproof(d, m1, 0, m2, true))
          << m1 << " -> " << m2;
    }
  }
}

// Every way of spoiling a valid proof that the task names must be rejected; `escapes` collects
// the mutations that verified anyway.
class MerkleProofMutations : public ::testing::Test {
 protected:
  void SetUp() override {
    tree = TreeOf(d);
    for (uint64_t m = 0; m <= 64; ++m) roots.push_back(*tree.RootHash(m));
  }
  void Report() {
    std::string list;
    for (size_t k = 0; k < escapes.size() && k < 10; ++k) list += escapes[k] + "\n";
    EXPECT_TRUE(escapes.empty()) << escapes.size() << " mutations verified, e.g.\n" << list;
  }
  std::vector<std::string> d = Entries(64);
  MerkleTree tree;
  std::vector<std::string> roots;
  std::vector<std::string> escapes;
};

TEST_F(MerkleProofMutations, EveryInclusionProofVerifiesAndNoMutationDoes) {
  for (uint64_t m = 1; m <= 64; ++m) {
    for (uint64_t i = 0; i < m; ++i) {
      const Proof proof = *tree.InclusionProof(i, m);
      const std::string leaf = LeafHash(d[i]);
      ASSERT_TRUE(VerifyInclusion(i, m, leaf, proof, roots[m]).ok()) << i << " in " << m;
      ASSERT_LE(proof.size(), static_cast<size_t>(std::bit_width(m - 1)));
      std::string where = std::to_string(i) + " in " + std::to_string(m) + ": ";
      auto reject = [&](const std::string& what, uint64_t index, uint64_t size,
                        const std::string& lh, const Proof& p, const std::string& root) {
        if (VerifyInclusion(index, size, lh, p, root).ok()) escapes.push_back(where + what);
      };
      for (size_t k = 0; k < proof.size(); ++k) {
        Proof p = proof;
        p[k] = FlipBit(p[k], (i * 31 + k * 7 + m) % 256);
        reject("flipped bit in hash " + std::to_string(k), i, m, leaf, p, roots[m]);
        p = proof;
        p.erase(p.begin() + static_cast<long>(k));
        reject("dropped hash " + std::to_string(k), i, m, leaf, p, roots[m]);
      }
      Proof longer = proof;
      longer.push_back(leaf);
      reject("extra hash at the end", i, m, leaf, longer, roots[m]);
      longer = proof;
      longer.insert(longer.begin(), leaf);
      reject("extra hash at the front", i, m, leaf, longer, roots[m]);
      reject("flipped leaf hash", i, m, FlipBit(leaf, i % 256), proof, roots[m]);
      reject("flipped root", i, m, leaf, proof, FlipBit(roots[m], m % 256));
      for (uint64_t other : {i - 1, i + 1}) {
        if (other < m) {  // i - 1 wraps for i == 0; other == m is the malformed case
          reject("wrong index", other, m, leaf, proof, roots[m]);
          reject("wrong index and leaf", other, m, LeafHash(d[other]), proof, roots[m]);
        } else if (other == m) {
          reject("index equal to size", other, m, leaf, proof, roots[m]);
        }
      }
      // A proof for one tree size against the (genuine) root of another size.
      for (uint64_t other : {m - 1, m + 1, uint64_t{64}}) {
        if (other > i && other <= 64 && other != m) {
          reject("wrong size " + std::to_string(other), i, other, leaf, proof, roots[other]);
        }
      }
    }
  }
  Report();
}

TEST_F(MerkleProofMutations, EveryConsistencyProofVerifiesAndNoMutationDoes) {
  for (uint64_t m2 = 0; m2 <= 64; ++m2) {
    for (uint64_t m1 = 0; m1 <= m2; ++m1) {
      const Proof proof = *tree.ConsistencyProof(m1, m2);
      ASSERT_TRUE(VerifyConsistency(m1, m2, roots[m1], roots[m2], proof).ok())
          << m1 << " -> " << m2;
      std::string where = std::to_string(m1) + " -> " + std::to_string(m2) + ": ";
      auto reject = [&](const std::string& what, uint64_t s1, uint64_t s2, const std::string& r1,
                        const std::string& r2, const Proof& p) {
        if (VerifyConsistency(s1, s2, r1, r2, p).ok()) escapes.push_back(where + what);
      };
      for (size_t k = 0; k < proof.size(); ++k) {
        Proof p = proof;
        p[k] = FlipBit(p[k], (m1 * 31 + k * 7 + m2) % 256);
        reject("flipped bit in hash " + std::to_string(k), m1, m2, roots[m1], roots[m2], p);
        p = proof;
        p.erase(p.begin() + static_cast<long>(k));
        reject("dropped hash " + std::to_string(k), m1, m2, roots[m1], roots[m2], p);
      }
      Proof longer = proof;
      longer.push_back(roots[m2]);
      reject("extra hash at the end", m1, m2, roots[m1], roots[m2], longer);
      longer = proof;
      longer.insert(longer.begin(), roots[m1]);
      reject("extra hash at the front", m1, m2, roots[m1], roots[m2], longer);
      reject("flipped first root", m1, m2, FlipBit(roots[m1], m1), roots[m2], proof);
      // The empty tree is a prefix of every tree: its proof says nothing about root2.
      if (m1 != 0) reject("flipped second root", m1, m2, roots[m1], FlipBit(roots[m2], m2), proof);
      // Other sizes with their genuine roots, skipping claims that are true with any (empty)
      // proof: from the empty tree, or between equal sizes.
      auto trivially_true = [&](uint64_t s1, uint64_t s2) {
        return proof.empty() && (s1 == 0 || s1 == s2);
      };
      for (uint64_t s1 : {m1 - 1, m1 + 1}) {
        if (s1 <= m2 && !trivially_true(s1, m2)) {
          reject("wrong first size", s1, m2, roots[s1], roots[m2], proof);
        }
      }
      for (uint64_t s2 : {m2 - 1, m2 + 1}) {
        if (s2 >= m1 && s2 <= 64 && !trivially_true(m1, s2)) {
          reject("wrong second size", m1, s2, roots[m1], roots[s2], proof);
        }
      }
      if (m1 > 0 && m1 < m2) reject("sizes swapped", m2, m1, roots[m2], roots[m1], proof);
    }
  }
  Report();
}

TEST_F(MerkleProofMutations, EverySingleBitFlipIsRejectedInSmallTrees) {
  for (uint64_t m2 = 1; m2 <= 16; ++m2) {
    for (uint64_t i = 0; i < m2; ++i) {
      const Proof proof = *tree.InclusionProof(i, m2);
      for (size_t k = 0; k < proof.size(); ++k) {
        for (size_t bit = 0; bit < 256; ++bit) {
          Proof p = proof;
          p[k] = FlipBit(p[k], bit);
          if (VerifyInclusion(i, m2, LeafHash(d[i]), p, roots[m2]).ok()) {
            escapes.push_back("inclusion " + std::to_string(i) + " bit " + std::to_string(bit));
          }
        }
      }
    }
    for (uint64_t m1 = 1; m1 < m2; ++m1) {
      const Proof proof = *tree.ConsistencyProof(m1, m2);
      for (size_t k = 0; k < proof.size(); ++k) {
        for (size_t bit = 0; bit < 256; ++bit) {
          Proof p = proof;
          p[k] = FlipBit(p[k], bit);
          if (VerifyConsistency(m1, m2, roots[m1], roots[m2], p).ok()) {
            escapes.push_back("consistency " + std::to_string(m1) + " bit " + std::to_string(bit));
          }
        }
      }
    }
  }
  Report();
}

TEST(MerkleTree, VerifiersRejectMalformedInputWithoutCrashing) {
  std::string h(32, 'h');
  EXPECT_FALSE(VerifyInclusion(0, 0, h, {}, h).ok());         // index == size == 0
  EXPECT_FALSE(VerifyInclusion(5, 5, h, {h, h, h}, h).ok());  // index == size
  EXPECT_FALSE(VerifyInclusion(0, 1, "short", {}, h).ok());   // leaf hash length
  EXPECT_FALSE(VerifyInclusion(0, 2, h, {"short"}, h).ok());  // proof hash length
  EXPECT_FALSE(VerifyInclusion(0, 2, h, {h}, h + "x").ok());  // root length
  EXPECT_FALSE(VerifyInclusion(UINT64_MAX - 1, UINT64_MAX, h, Proof(64, h), h).ok());
  EXPECT_FALSE(VerifyInclusion(0, UINT64_MAX, h, Proof(65, h), h).ok());
  EXPECT_FALSE(VerifyInclusion(0, 1, h, {h}, h).ok());    // path longer than size allows
  EXPECT_TRUE(VerifyInclusion(0, 1, h, {}, h).ok());      // a single leaf is its own root
  EXPECT_FALSE(VerifyConsistency(2, 1, h, h, {h}).ok());  // size1 > size2
  EXPECT_FALSE(VerifyConsistency(3, 3, h, h, {h}).ok());  // equal sizes need no proof
  EXPECT_TRUE(VerifyConsistency(3, 3, h, h, {}).ok());
  EXPECT_FALSE(VerifyConsistency(1, 2, h, h, {}).ok());  // empty proof
  EXPECT_FALSE(VerifyConsistency(1, 2, "short", h, {h}).ok());
  EXPECT_FALSE(VerifyConsistency(1, 2, h, h, {"short"}).ok());
  EXPECT_FALSE(VerifyConsistency(1, UINT64_MAX, h, h, Proof(129, h)).ok());
  EXPECT_FALSE(VerifyConsistency(UINT64_MAX - 1, UINT64_MAX, h, h, Proof(128, h)).ok());
}

TEST(MerkleTree, ConsistencyFromTheEmptyTreeNeedsAnEmptyProofAndTheEmptyRoot) {
  std::string any(32, 'x');
  EXPECT_TRUE(VerifyConsistency(0, 5, EmptyTreeHash(), any, {}).ok());
  EXPECT_TRUE(VerifyConsistency(0, 0, EmptyTreeHash(), EmptyTreeHash(), {}).ok());
  EXPECT_FALSE(VerifyConsistency(0, 5, any, any, {}).ok());
  EXPECT_FALSE(VerifyConsistency(0, 5, EmptyTreeHash(), any, {any}).ok());
}

TEST(MerkleTree, RequestsBeyondTheTreeAreRejected) {
  MerkleTree tree = TreeOf(Entries(5));
  EXPECT_FALSE(tree.RootHash(6).has_value());
  EXPECT_FALSE(tree.InclusionProof(5, 5).has_value());
  EXPECT_FALSE(tree.InclusionProof(0, 6).has_value());
  EXPECT_FALSE(tree.InclusionProof(0, 0).has_value());
  EXPECT_FALSE(tree.ConsistencyProof(3, 6).has_value());
  EXPECT_FALSE(tree.ConsistencyProof(4, 3).has_value());
  EXPECT_TRUE(tree.ConsistencyProof(0, 5)->empty());
  EXPECT_TRUE(tree.ConsistencyProof(5, 5)->empty());
}

TEST(MerkleTree, AppendingLeafHashesBuildsTheSameTree) {
  std::vector<std::string> d = Entries(11);
  MerkleTree by_entry = TreeOf(d);
  MerkleTree by_hash;
  for (uint64_t i = 0; i < d.size(); ++i) EXPECT_EQ(*by_hash.AppendLeafHash(LeafHash(d[i])), i);
  EXPECT_EQ(*by_hash.RootHash(), *by_entry.RootHash());
  EXPECT_FALSE(by_hash.AppendLeafHash("not 32 bytes").has_value());
  EXPECT_EQ(by_hash.size(), 11u);
}

// A SubtreeHashes that reads through to a tree, counting look-ups and optionally failing, as a
// database-backed store might.
class CountingHashes : public SubtreeHashes {
 public:
  explicit CountingHashes(const MerkleTree& tree) : tree_(tree) {}
  uint64_t size() const override { return tree_.size(); }
  Result<std::string> SubtreeHash(uint32_t level, uint64_t index) const override {
    ++lookups;
    if (fail) return Err(Status::Internal("storage unavailable"));
    return tree_.SubtreeHash(level, index);
  }
  mutable int lookups = 0;
  bool fail = false;

 private:
  const MerkleTree& tree_;
};

TEST(MerkleTree, ProofsReadLogarithmicallyManySubtreeHashesFromAnyStore) {
  MerkleTree tree = TreeOf(Entries(3001));  // height 12
  CountingHashes store(tree);
  const int bound = 2 * 12 + 2;
  for (uint64_t i = 0; i < 3001; i += 7) {
    store.lookups = 0;
    auto proof = InclusionProofAt(store, i, 3001);
    ASSERT_TRUE(proof.has_value());
    EXPECT_LE(store.lookups, bound) << "inclusion of " << i;
    EXPECT_TRUE(
        VerifyInclusion(i, 3001, LeafHash("entry-" + std::to_string(i)), *proof, *tree.RootHash())
            .ok());
  }
  for (uint64_t m1 = 1; m1 <= 3001; m1 += 5) {
    store.lookups = 0;
    auto proof = ConsistencyProofAt(store, m1, 3001);
    ASSERT_TRUE(proof.has_value());
    EXPECT_LE(store.lookups, bound) << "consistency from " << m1;
    store.lookups = 0;
    auto root = RootHashAt(store, m1);
    EXPECT_LE(store.lookups, 12);
    EXPECT_TRUE(VerifyConsistency(m1, 3001, *root, *tree.RootHash(), *proof).ok());
  }
}

TEST(MerkleTree, StoreErrorsArePassedOn) {
  MerkleTree tree = TreeOf(Entries(9));
  CountingHashes store(tree);
  store.fail = true;
  EXPECT_EQ(RootHashAt(store, 9).error().code(), Rsc::kInternalServerError);
  EXPECT_EQ(InclusionProofAt(store, 3, 9).error().code(), Rsc::kInternalServerError);
  EXPECT_EQ(ConsistencyProofAt(store, 3, 9).error().code(), Rsc::kInternalServerError);
}

}  // namespace
}  // namespace trustcse::security::audit
