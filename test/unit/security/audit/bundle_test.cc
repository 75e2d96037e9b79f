// Export bundles (bundle.h): a bundle made from a log verifies under the log's key and names
// what it covers; and the mutation test of issue 16 — over 100,000 changed bundles (every bit
// flipped, every truncation, bytes overwritten, entries reordered, dropped or duplicated, the
// checkpoint of a forked log of the same size) — each of which verification refuses.
#include "security/audit/bundle.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "security/audit/checkpoint.h"
#include "security/audit/merkle_tree.h"

namespace trustcse::security::audit {
namespace {

constexpr uint64_t kSize = 23;  // not a power of two: proofs of several shapes

std::string Entry(uint64_t i, char variant = 'a') {
  return R"({"v":1,"seq":)" + std::to_string(i) + R"(,"kind":"access.denied","actor":"C)" +
         std::string(1, variant) + std::to_string(i) + "\"}";
}

struct Log {
  MerkleTree tree;
  NoteKeyPair key;
  std::string note;
};

Log MakeLog(const NoteKeyPair& key, char variant) {
  Log log{MerkleTree(), NoteKeyPair(), ""};
  for (uint64_t i = 0; i < kSize; ++i) log.tree.Append(Entry(i, variant));
  log.note = *SignCheckpoint({key.name, kSize, *log.tree.RootHash(), {}}, key);
  return log;
}

Bundle BundleOf(const Log& log, uint64_t from, uint64_t to, char variant = 'a') {
  Bundle b;
  for (uint64_t i = from; i < to; ++i) {
    b.entries.push_back({i, Entry(i, variant), *log.tree.InclusionProof(i, kSize)});
  }
  b.checkpoint_note = log.note;
  return b;
}

class BundleTest : public ::testing::Test {
 protected:
  NoteKeyPair key_ = std::move(*GenerateNoteKeyPair("trustcse/id-in/audit"));
  Log log_ = MakeLog(key_, 'a');
  std::string text_ = *FormatBundle(BundleOf(log_, 3, 14));
  int refused_ = 0;

  void ExpectRefused(const std::string& mutated, const std::string& what) {
    if (mutated == text_) return;  // not a mutation
    auto r = VerifyBundle(mutated, key_.verifier_key());
    if (r.has_value()) {
      ADD_FAILURE() << what << " verified";
      return;
    }
    ++refused_;
  }
};

TEST_F(BundleTest, VerifiesUnderTheLogKeyAndSaysWhatItCovers) {
  auto r = VerifyBundle(text_, key_.verifier_key());
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->from, 3u);
  EXPECT_EQ(r->to, 14u);
  EXPECT_EQ(r->checkpoint.tree_size, kSize);
  EXPECT_EQ(*FormatBundle(*ParseBundle(text_)), text_);
  auto other = GenerateNoteKeyPair("trustcse/id-in/audit");
  EXPECT_FALSE(VerifyBundle(text_, other->verifier_key()).has_value());
}

TEST_F(BundleTest, NamesTheFirstEntryThatDoesNotVerify) {
  Bundle b = BundleOf(log_, 3, 14);
  b.entries[4].entry = Entry(7, 'z');  // entry 7 changed, its proof as exported
  auto r = VerifyBundle(*FormatBundle(b), key_.verifier_key());
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("entry 7 does not verify"), std::string::npos)
      << r.error().message();
}

TEST_F(BundleTest, EveryMutationOfAnExportedBundleIsRefused) {
  // Every bit of every byte flipped.
  for (size_t i = 0; i < text_.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string m = text_;
      m[i] = static_cast<char>(m[i] ^ (1 << bit));
      ExpectRefused(m, "bit " + std::to_string(bit) + " of byte " + std::to_string(i));
    }
  }
  // Every truncation.
  for (size_t n = 0; n < text_.size(); ++n) ExpectRefused(text_.substr(0, n), "truncation");
  // Bytes overwritten with random ones, and random bytes inserted.
  std::mt19937_64 rng(42);
  for (int k = 0; k < 75000; ++k) {
    std::string m = text_;
    size_t at = rng() % m.size();
    if (k % 2 == 0) {
      m[at] = static_cast<char>(rng());
    } else {
      m.insert(m.begin() + static_cast<ptrdiff_t>(at), static_cast<char>(rng()));
    }
    ExpectRefused(m, "random byte at " + std::to_string(at));
  }
  // Entries reordered, dropped in the middle, duplicated.
  Bundle good = BundleOf(log_, 3, 14);
  for (size_t i = 0; i + 1 < good.entries.size(); ++i) {
    Bundle b = good;
    std::swap(b.entries[i].entry, b.entries[i + 1].entry);
    ExpectRefused(*FormatBundle(b), "entries swapped");
    b = good;
    std::swap(b.entries[i].proof, b.entries[i + 1].proof);
    ExpectRefused(*FormatBundle(b), "proofs swapped");
    b = good;
    b.entries[i + 1].entry = b.entries[i].entry;
    ExpectRefused(*FormatBundle(b), "entry duplicated");
  }
  // A fork: another history of the same size, signed by the same key (a log showing two
  // histories). Its entries under its own checkpoint verify — that is what a fork looks like —
  // but mixed with this log's, or this log's under its checkpoint, they do not.
  Log fork = MakeLog(key_, 'b');
  std::string fork_text = *FormatBundle(BundleOf(fork, 3, 14, 'b'));
  EXPECT_TRUE(VerifyBundle(fork_text, key_.verifier_key()).has_value());
  Bundle mixed = BundleOf(log_, 3, 14);
  mixed.checkpoint_note = fork.note;
  ExpectRefused(*FormatBundle(mixed), "this log's entries under the fork's checkpoint");
  for (size_t i = 0; i < mixed.entries.size(); ++i) {
    Bundle one = BundleOf(log_, 3, 14);
    one.entries[i] = BundleOf(fork, 3, 14, 'b').entries[i];
    ExpectRefused(*FormatBundle(one), "one forked entry");
  }
  EXPECT_GE(refused_, 100000);
  RecordProperty("mutations_refused", refused_);
}

}  // namespace
}  // namespace trustcse::security::audit
