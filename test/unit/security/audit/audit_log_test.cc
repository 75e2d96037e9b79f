// The audit log in the store (security/audit/audit_log.h), on the memory and the SQLite store:
// appends inside write transactions build exactly the tree an in-memory MerkleTree builds;
// rolled-back appends leave no gap; a new writer (a restart) continues where the store ends;
// committed entries survive reopening the database; a changed stored entry breaks the proofs a
// signed checkpoint vouches for.
#include "security/audit/audit_log.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "security/audit/checkpoint.h"
#include "security/audit/merkle_tree.h"
#include "security/crypto/crypto.h"
#include "storage/store_test_support.h"

namespace trustcse::security::audit {
namespace {

using storage::Store;
using storage::WriteTxn;

enum class Backend { kMemory, kSqlite };

std::string EntryText(int i) { return R"({"kind":"registration","n":)" + std::to_string(i) + "}"; }

class AuditLogTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    if (GetParam() == Backend::kMemory) {
      store_ = storage::OpenMemoryStore();
      return;
    }
    ASSERT_FALSE(dir_.path().empty());
    auto s = storage::OpenSqliteStore({(dir_.path() / "audit.db").string()});
    ASSERT_TRUE(s.has_value());
    store_ = std::move(*s);
  }

  // Appends entries first..last-1 in one WriteFn; returns the indexes given.
  std::vector<uint64_t> AppendRange(AuditLogWriter& log, int first, int last) {
    std::vector<uint64_t> indexes;
    Status s = store_->SubmitAndWait([&](WriteTxn& txn) -> Status {
      for (int i = first; i < last; ++i) {
        auto index = log.Append(txn, EntryText(i));
        if (!index) return index.error();
        indexes.push_back(*index);
      }
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.message();
    return indexes;
  }

  uint64_t Size() {
    auto n = CommittedSize(*store_);
    EXPECT_TRUE(n.has_value());
    return n.value_or(0);
  }

  std::string StoredRoot(uint64_t size) {
    StoredSubtreeHashes stored(*store_, Size());
    auto root = RootHashAt(stored, size);
    EXPECT_TRUE(root.has_value()) << root.error().message();
    return root.value_or("");
  }

  storage::test_support::TempDir dir_;
  std::unique_ptr<Store> store_;
};

INSTANTIATE_TEST_SUITE_P(Backends, AuditLogTest, ::testing::Values(Backend::kMemory, Backend::kSqlite),
                         [](const auto& info) {
                           return info.param == Backend::kMemory ? "Memory" : "Sqlite";
                         });

TEST_P(AuditLogTest, StoredTreeIsTheTreeOfTheEntriesAtEverySize) {
  AuditLogWriter log;
  MerkleTree reference;
  int next = 0;
  // Batches of 1, 2, 3, … entries: appends cross subtree boundaries inside and between WriteFns.
  for (int batch = 1; next < 300; ++batch) {
    std::vector<uint64_t> got = AppendRange(log, next, next + batch);
    for (int i = next; i < next + batch; ++i) {
      ASSERT_EQ(got[i - next], static_cast<uint64_t>(i));
      reference.Append(EntryText(i));
    }
    next += batch;
  }
  ASSERT_EQ(Size(), static_cast<uint64_t>(next));
  StoredSubtreeHashes stored(*store_, Size());
  for (uint64_t m = 1; m <= stored.size(); ++m) {
    ASSERT_EQ(*RootHashAt(stored, m), *reference.RootHash(m)) << "size " << m;
  }
  for (uint64_t i = 0; i < stored.size(); i += 7) {
    auto proof = InclusionProofAt(stored, i, stored.size());
    ASSERT_TRUE(proof.has_value());
    EXPECT_EQ(*proof, *reference.InclusionProof(i, reference.size()));
    EXPECT_TRUE(VerifyInclusion(i, stored.size(), LeafHash(*stored.Entry(i)), *proof,
                                *reference.RootHash())
                    .ok());
  }
  auto consistency = ConsistencyProofAt(stored, 100, stored.size());
  ASSERT_TRUE(consistency.has_value());
  EXPECT_TRUE(VerifyConsistency(100, stored.size(), *reference.RootHash(100),
                                *reference.RootHash(), *consistency)
                  .ok());
}

TEST_P(AuditLogTest, RolledBackAppendsLeaveNoGap) {
  AuditLogWriter log;
  AppendRange(log, 0, 5);
  // A WriteFn that appends three entries and then fails: its writes are rolled back.
  Status failed = store_->SubmitAndWait([&](WriteTxn& txn) -> Status {
    for (int i = 100; i < 103; ++i) {
      if (!log.Append(txn, EntryText(i))) return Status::Internal("append failed");
    }
    return Status::BadRequest("the request failed after auditing");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(Size(), 5u);
  EXPECT_EQ(AppendRange(log, 5, 7), (std::vector<uint64_t>{5, 6}));
  MerkleTree reference;
  for (int i = 0; i < 7; ++i) reference.Append(EntryText(i));
  EXPECT_EQ(StoredRoot(7), *reference.RootHash());
}

TEST_P(AuditLogTest, ANewWriterContinuesWhereTheStoreEnds) {
  {
    AuditLogWriter first;
    AppendRange(first, 0, 11);
  }
  AuditLogWriter second;  // as after a restart: nothing in memory
  EXPECT_EQ(AppendRange(second, 11, 14), (std::vector<uint64_t>{11, 12, 13}));
  MerkleTree reference;
  for (int i = 0; i < 14; ++i) reference.Append(EntryText(i));
  EXPECT_EQ(StoredRoot(14), *reference.RootHash());
}

TEST_P(AuditLogTest, CommittedEntriesSurviveReopeningTheStore) {
  if (GetParam() == Backend::kMemory) GTEST_SKIP() << "the memory store keeps nothing";
  AuditLogWriter log;
  AppendRange(log, 0, 37);
  const std::string root = StoredRoot(37);
  store_->Close();
  store_.reset();
  Open();
  EXPECT_EQ(Size(), 37u);
  EXPECT_EQ(StoredRoot(37), root);
  AuditLogWriter after;
  EXPECT_EQ(AppendRange(after, 37, 38), (std::vector<uint64_t>{37}));
}

TEST_P(AuditLogTest, AChangedStoredEntryNoLongerMatchesTheSignedCheckpoint) {
  AuditLogWriter log;
  AppendRange(log, 0, 20);
  auto key = GenerateNoteKeyPair("audit.test.example");
  ASSERT_TRUE(key.has_value());
  auto note = SignCheckpoint({"audit.test.example", 20, StoredRoot(20), {}}, *key);
  ASSERT_TRUE(note.has_value());
  // Someone with access to the database rewrites entry 6.
  ASSERT_TRUE(store_
                  ->SubmitAndWait([](WriteTxn& txn) {
                    return txn.PutObject(kEntryKind, EntryId(6), R"({"kind":"nothing"})");
                  })
                  .ok());
  auto checkpoint = OpenCheckpoint(*note, key->verifier_key());
  ASSERT_TRUE(checkpoint.has_value());
  StoredSubtreeHashes stored(*store_, 20);
  // A verifier that rebuilds the tree from the entries (an exported range) gets another root.
  MerkleTree rebuilt;
  for (uint64_t i = 0; i < 20; ++i) rebuilt.Append(*stored.Entry(i));
  EXPECT_NE(*rebuilt.RootHash(), checkpoint->root_hash);
  // The proof of the changed entry fails; an untouched entry in the other half still verifies
  // (its path uses the stored node over entries 0..15, written before the change).
  auto proof6 = InclusionProofAt(stored, 6, 20);
  EXPECT_FALSE(
      VerifyInclusion(6, 20, LeafHash(*stored.Entry(6)), *proof6, checkpoint->root_hash).ok());
  auto proof17 = InclusionProofAt(stored, 17, 20);
  EXPECT_TRUE(
      VerifyInclusion(17, 20, LeafHash(*stored.Entry(17)), *proof17, checkpoint->root_hash).ok());
  // Rewriting the nodes above the entry as well, to make the stored tree agree with itself,
  // moves the root away from the one the checkpoint signed.
  MerkleTree forged;
  for (uint64_t i = 0; i < 20; ++i) forged.Append(*stored.Entry(i));
  ASSERT_TRUE(store_
                  ->SubmitAndWait([&](WriteTxn& txn) -> Status {
                    for (uint32_t level = 1; level <= 4; ++level) {
                      uint64_t index = 6 >> level;
                      auto h = forged.SubtreeHash(level, index);
                      if (!h) return h.error();
                      Status s = txn.PutObject(kNodeKind, NodeId(level, index), crypto::Hex(*h));
                      if (!s.ok()) return s;
                    }
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(StoredRoot(20), *forged.RootHash());
  EXPECT_NE(StoredRoot(20), checkpoint->root_hash);
  auto forged6 = InclusionProofAt(stored, 6, 20);
  EXPECT_FALSE(
      VerifyInclusion(6, 20, LeafHash(*stored.Entry(6)), *forged6, checkpoint->root_hash).ok());
}

TEST_P(AuditLogTest, DamagedNodesAndSizesBeyondTheLogAreErrors) {
  AuditLogWriter log;
  AppendRange(log, 0, 8);
  StoredSubtreeHashes stored(*store_, 8);
  EXPECT_EQ(stored.SubtreeHash(1, 4).error().code(), Rsc::kBadRequest);  // leaves 8..9
  EXPECT_EQ(stored.Entry(8).error().code(), Rsc::kBadRequest);
  ASSERT_TRUE(store_
                  ->SubmitAndWait([](WriteTxn& txn) {
                    return txn.PutObject(kNodeKind, NodeId(3, 0), "not a hash");
                  })
                  .ok());
  auto root = RootHashAt(stored, 8);
  ASSERT_FALSE(root.has_value());
  EXPECT_EQ(root.error().code(), Rsc::kInternalServerError);
}

TEST(AuditLogIds, SortInIndexOrder) {
  EXPECT_EQ(EntryId(42), "00000000000000000042");
  EXPECT_LT(EntryId(9), EntryId(10));
  EXPECT_EQ(NodeId(3, 7), "03.00000000000000000007");
  EXPECT_LT(NodeId(2, 99), NodeId(2, 100));
}

}  // namespace
}  // namespace trustcse::security::audit
