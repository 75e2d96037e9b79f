// Consistency bundles and checkpoint comparison (consistency.h), and building a bundle from the
// store (AuditCheckpointer::Consistency): a bundle between two checkpoints of one log verifies
// under its key and says what it relates; a fork — two signed roots for one size — is named as
// one, whether in a bundle or as a saved pair; a checkpoint of a forked history is refused as
// not extended by the log; and every bit flip, truncation and random change of a good bundle is
// refused (the mutation test, as for export bundles).
#include "security/audit/consistency.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "security/audit/audit_log.h"
#include "security/audit/checkpoint.h"
#include "security/audit/checkpointer.h"
#include "security/audit/merkle_tree.h"
#include "security/crypto/crypto.h"

namespace trustcse::security::audit {
namespace {

constexpr uint64_t kOld = 9;
constexpr uint64_t kNew = 23;

std::string Entry(uint64_t i, char variant) {
  return R"({"v":1,"seq":)" + std::to_string(i) + R"(,"kind":"access.denied","actor":"C)" +
         std::string(1, variant) + "\"}";
}

class ConsistencyTest : public ::testing::Test {
 protected:
  ConsistencyTest() {
    for (uint64_t i = 0; i < kNew; ++i) {
      tree_.Append(Entry(i, 'a'));
      fork_.Append(Entry(i, i == 4 ? 'b' : 'a'));  // another history from entry 4 on
    }
  }
  std::string Note(const MerkleTree& tree, uint64_t size) {
    return *SignCheckpoint({key_.name, size, *tree.RootHash(size), {}}, key_);
  }
  std::string Good() {
    return *FormatConsistencyBundle(
        {*tree_.ConsistencyProof(kOld, kNew), Note(tree_, kOld), Note(tree_, kNew)});
  }

  NoteKeyPair key_ = std::move(*GenerateNoteKeyPair("trustcse/id-in/audit"));
  MerkleTree tree_;
  MerkleTree fork_;
};

TEST_F(ConsistencyTest, AGoodBundleVerifiesAndSaysWhatItRelates) {
  const std::string text = Good();
  EXPECT_TRUE(text.starts_with("trustcse.audit-consistency@v1\n"));
  auto r = VerifyConsistencyBundle(text, key_.verifier_key());
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->old_checkpoint.tree_size, kOld);
  EXPECT_EQ(r->new_checkpoint.tree_size, kNew);
  EXPECT_EQ(*FormatConsistencyBundle(*ParseConsistencyBundle(text)), text);
  // Equal sizes with the same root: an empty proof.
  auto same = FormatConsistencyBundle({{}, Note(tree_, kNew), Note(tree_, kNew)});
  EXPECT_TRUE(VerifyConsistencyBundle(*same, key_.verifier_key()).has_value());
  // Under another key nothing verifies.
  auto other = GenerateNoteKeyPair("trustcse/id-in/audit");
  EXPECT_FALSE(VerifyConsistencyBundle(text, other->verifier_key()).has_value());
}

TEST_F(ConsistencyTest, TwoRootsForOneSizeAreReportedAsAFork) {
  auto bundle = FormatConsistencyBundle({{}, Note(tree_, kNew), Note(fork_, kNew)});
  auto r = VerifyConsistencyBundle(*bundle, key_.verifier_key());
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().message().starts_with("fork: two different roots for tree size 23"))
      << r.error().message();
  auto pair = CompareCheckpoints(Note(tree_, kNew), Note(fork_, kNew), key_.verifier_key());
  ASSERT_FALSE(pair.has_value());
  EXPECT_TRUE(pair.error().message().starts_with("fork: two different roots for tree size 23"));
  auto same = CompareCheckpoints(Note(tree_, kNew), Note(tree_, kNew), key_.verifier_key());
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->tree_size, kNew);
  auto sizes = CompareCheckpoints(Note(tree_, kOld), Note(tree_, kNew), key_.verifier_key());
  ASSERT_FALSE(sizes.has_value());
  EXPECT_NE(sizes.error().message().find("trustcse audit consistency"), std::string::npos);
  // A pair from another log's key is no evidence of anything.
  auto other = GenerateNoteKeyPair("trustcse/id-in/audit");
  EXPECT_FALSE(
      CompareCheckpoints(Note(tree_, kNew), Note(fork_, kNew), other->verifier_key()).has_value());
}

TEST_F(ConsistencyTest, ACheckpointOfAnotherHistoryIsNotExtended) {
  // The log's newest, with the proof from the log, against an old checkpoint of the fork.
  auto bundle = FormatConsistencyBundle(
      {*tree_.ConsistencyProof(kOld, kNew), Note(fork_, kOld), Note(tree_, kNew)});
  auto r = VerifyConsistencyBundle(*bundle, key_.verifier_key());
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("does not show that tree size 23 extends tree size 9"),
            std::string::npos)
      << r.error().message();
  // Old and new swapped.
  auto swapped = FormatConsistencyBundle(
      {*tree_.ConsistencyProof(kOld, kNew), Note(tree_, kNew), Note(tree_, kOld)});
  auto s = VerifyConsistencyBundle(*swapped, key_.verifier_key());
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message().find("give the older checkpoint first"), std::string::npos);
}

TEST_F(ConsistencyTest, ParsingIsStrict) {
  const std::string n = Note(tree_, kNew);
  const std::string proof_line = crypto::Base64(std::string(32, 'h')) + "\n";
  for (std::string bad : {
           std::string("trustcse.audit-consistency@v2\n\n") + n + "\n" + n,
           std::string("trustcse.audit-consistency@v1\n") + n + "\n" + n,  // no empty line
           std::string("trustcse.audit-consistency@v1\n\n") + n,           // one note
           std::string("trustcse.audit-consistency@v1\n\n") + n + "\n" + n + "\n",
           std::string("trustcse.audit-consistency@v1\n\n") + n + "\n\n" + n,
           std::string("trustcse.audit-consistency@v1\nnot base64\n\n") + n + "\n" + n,
           std::string("trustcse.audit-consistency@v1\n") + crypto::Base64("short") + "\n\n" + n +
               "\n" + n,
       }) {
    EXPECT_FALSE(ParseConsistencyBundle(bad).has_value()) << bad;
  }
  std::string long_proof = "trustcse.audit-consistency@v1\n";
  for (int i = 0; i < 129; ++i) long_proof += proof_line;
  EXPECT_FALSE(ParseConsistencyBundle(long_proof + "\n" + n + "\n" + n).has_value());
  EXPECT_FALSE(FormatConsistencyBundle({{}, "not a note\n", n}).has_value());
}

TEST_F(ConsistencyTest, EveryMutationOfAGoodBundleIsRefused) {
  const std::string text = Good();
  int refused = 0;
  auto expect_refused = [&](const std::string& m, const std::string& what) {
    if (m == text) return;
    if (VerifyConsistencyBundle(m, key_.verifier_key()).has_value()) {
      ADD_FAILURE() << what << " verified";
      return;
    }
    ++refused;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string m = text;
      m[i] = static_cast<char>(m[i] ^ (1 << bit));
      expect_refused(m, "bit " + std::to_string(bit) + " of byte " + std::to_string(i));
    }
  }
  for (size_t n = 0; n < text.size(); ++n) expect_refused(text.substr(0, n), "truncation");
  std::mt19937_64 rng(7);
  for (int k = 0; k < 20000; ++k) {
    std::string m = text;
    size_t at = rng() % m.size();
    if (k % 2 == 0) {
      m[at] = static_cast<char>(rng());
    } else {
      m.insert(m.begin() + static_cast<ptrdiff_t>(at), static_cast<char>(rng()));
    }
    expect_refused(m, "random byte at " + std::to_string(at));
  }
  // Proof hashes dropped, duplicated or swapped.
  auto proof = *tree_.ConsistencyProof(kOld, kNew);
  for (size_t i = 0; i < proof.size(); ++i) {
    auto dropped = proof;
    dropped.erase(dropped.begin() + static_cast<ptrdiff_t>(i));
    expect_refused(*FormatConsistencyBundle({dropped, Note(tree_, kOld), Note(tree_, kNew)}),
                   "hash dropped");
    auto doubled = proof;
    doubled.insert(doubled.begin() + static_cast<ptrdiff_t>(i), proof[i]);
    expect_refused(*FormatConsistencyBundle({doubled, Note(tree_, kOld), Note(tree_, kNew)}),
                   "hash duplicated");
    if (i + 1 < proof.size()) {
      auto swapped = proof;
      std::swap(swapped[i], swapped[i + 1]);
      expect_refused(*FormatConsistencyBundle({swapped, Note(tree_, kOld), Note(tree_, kNew)}),
                     "hashes swapped");
    }
  }
  EXPECT_GE(refused, 20000);
  RecordProperty("mutations_refused", refused);
}

// Built from the store: a saved checkpoint and the newest.
TEST(ConsistencyFromTheStore, ABundleFromASavedCheckpointVerifies) {
  auto store = storage::OpenMemoryStore();
  auto keys = std::shared_ptr<const KeyStore>(
      std::move(*SoftwareKeyStoreWithKey(crypto::Secret(std::string(32, 'k')))));
  auto log = AuditCheckpointer::Open(*store, keys, "trustcse/id-in/audit");
  ASSERT_TRUE(log.has_value());
  AuditLogWriter writer;
  int next = 0;
  auto append = [&](int n) {
    ASSERT_TRUE(store
                    ->SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
                      for (int i = 0; i < n; ++i) {
                        if (!writer.Append(txn, Entry(next++, 'a'))) return Status::Internal("");
                      }
                      return Status::Ok();
                    })
                    .ok());
  };
  append(13);
  const std::string saved = **(*log)->CheckpointNow();
  append(9);
  ASSERT_TRUE((*log)->CheckpointNow().has_value());
  auto bundle = AuditCheckpointer::Consistency(*store, saved);
  ASSERT_TRUE(bundle.has_value()) << bundle.error().message();
  auto r = VerifyConsistencyBundle(*FormatConsistencyBundle(*bundle), (*log)->verifier_key());
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->old_checkpoint.tree_size, 13u);
  EXPECT_EQ(r->new_checkpoint.tree_size, 22u);
  // The stored history has the checkpoint of size 13 too.
  EXPECT_EQ(**AuditCheckpointer::StoredCheckpoint(*store, 13), saved);
  // Another log's checkpoint is refused.
  auto other = GenerateNoteKeyPair("trustcse/id-in/audit");
  MerkleTree t;
  t.Append("x");
  auto foreign = SignCheckpoint({"trustcse/id-in/audit", 1, *t.RootHash(), {}}, *other);
  auto refused = AuditCheckpointer::Consistency(*store, *foreign);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message().find("not one of this log's"), std::string::npos);
}

}  // namespace
}  // namespace trustcse::security::audit
