// The audit log's key and signed checkpoints (checkpointer.h) and single-entry proofs in the
// C2SP tlog-proof format (tlog_proof.h), on the memory store: the key is created once, sealed,
// kept across reopening and re-sealed by a master-key rotation; checkpoints sign what is
// committed and verify with the exported verifier key; proofs verify offline for the entry they
// were made for and for nothing else.
#include "security/audit/checkpointer.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>

#include "security/audit/audit_log.h"
#include "security/audit/merkle_tree.h"
#include "security/audit/tlog_proof.h"
#include "security/crypto/crypto.h"
#include "security/keystore/key_rotation.h"

namespace trustcse::security::audit {
namespace {

std::shared_ptr<const KeyStore> Keys(char fill) {
  return std::shared_ptr<const KeyStore>(
      std::move(*SoftwareKeyStoreWithKey(crypto::Secret(std::string(32, fill)))));
}

class CheckpointerTest : public ::testing::Test {
 protected:
  void Append(int count) {
    ASSERT_TRUE(store_
                    ->SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
                      for (int i = 0; i < count; ++i) {
                        auto index = writer_.Append(txn, Entry(next_++));
                        if (!index) return index.error();
                      }
                      return Status::Ok();
                    })
                    .ok());
  }
  static std::string Entry(int i) {
    return R"({"v":1,"kind":"test","n":)" + std::to_string(i) + "}";
  }

  std::unique_ptr<storage::Store> store_ = storage::OpenMemoryStore();
  std::shared_ptr<const KeyStore> keys_ = Keys('k');
  AuditLogWriter writer_;
  int next_ = 0;
};

TEST_F(CheckpointerTest, TheKeyIsCreatedOnceSealedAndKeptAcrossReopening) {
  auto first = AuditCheckpointer::Open(*store_, keys_, "trustcse/id-in/audit");
  ASSERT_TRUE(first.has_value()) << first.error().message();
  EXPECT_EQ((*first)->verifier_key().name, "trustcse/id-in/audit");
  auto again = AuditCheckpointer::Open(*store_, keys_, "another/origin");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(FormatVerifierKey((*again)->verifier_key()),
            FormatVerifierKey((*first)->verifier_key()));
  auto body = store_->GetObject("audit.key", "log");
  ASSERT_TRUE(body.has_value() && body->has_value());
  EXPECT_NE((*body)->find("\"seed\":\"sk1."), std::string::npos) << **body;  // sealed
  auto stored = AuditCheckpointer::StoredVerifierKey(*store_);
  ASSERT_TRUE(stored.has_value() && stored->has_value());
  EXPECT_EQ(FormatVerifierKey(**stored), FormatVerifierKey((*first)->verifier_key()));
  // Under another master key the seed does not open.
  EXPECT_FALSE(AuditCheckpointer::Open(*store_, Keys('x'), "trustcse/id-in/audit").has_value());
}

TEST_F(CheckpointerTest, OpenRefusesAStoredVerifierKeyOrOriginThatIsNotTheSealedKeys) {
  ASSERT_TRUE(AuditCheckpointer::Open(*store_, keys_, "trustcse/id-in/audit").has_value());
  const std::string original = **store_->GetObject("audit.key", "log");
  auto rewrite = [&](std::string_view member, std::string value) {
    boost::json::object o = boost::json::parse(original).as_object();
    if (value.empty()) {
      o.erase(member);
    } else {
      o[member] = value;
    }
    ASSERT_TRUE(store_
                    ->SubmitAndWait([&](storage::WriteTxn& txn) {
                      return txn.PutObject("audit.key", "log", boost::json::serialize(o));
                    })
                    .ok());
  };
  auto open_error = [&] {
    auto r = AuditCheckpointer::Open(*store_, keys_, "trustcse/id-in/audit");
    EXPECT_FALSE(r.has_value());
    return r.has_value() ? std::string() : r.error().message();
  };
  // Another key's verifier put in place of the log's: what third parties would be told to trust.
  auto other = GenerateNoteKeyPair("trustcse/id-in/audit");
  rewrite("verifier", FormatVerifierKey(other->verifier_key()));
  std::string error = open_error();
  EXPECT_NE(error.find("audit log key damaged: the stored verifier key"), std::string::npos)
      << error;
  EXPECT_NE(error.find("is not the key of the sealed seed"), std::string::npos) << error;
  EXPECT_NE(error.find("restore it from a backup"), std::string::npos) << error;
  // The origin changed: the key name no longer matches the verifier key's.
  rewrite("origin", "trustcse/id-other/audit");
  error = open_error();
  EXPECT_NE(error.find("trustcse/id-other/audit"), std::string::npos) << error;
  rewrite("verifier", "");
  EXPECT_NE(open_error().find("verifier or sealed seed missing"), std::string::npos);
  // Put back as it was, it opens again.
  ASSERT_TRUE(store_
                  ->SubmitAndWait([&](storage::WriteTxn& txn) {
                    return txn.PutObject("audit.key", "log", original);
                  })
                  .ok());
  EXPECT_TRUE(AuditCheckpointer::Open(*store_, keys_, "trustcse/id-in/audit").has_value());
}

TEST_F(CheckpointerTest, MasterKeyRotationReSealsTheLogKey) {
  auto before = AuditCheckpointer::Open(*store_, keys_, "trustcse/id-in/audit");
  ASSERT_TRUE(before.has_value());
  auto next = Keys('n');
  auto fields = AuditCheckpointer::SealedKeys();
  auto counts = ResealAll(*store_, fields, *keys_, *next, 10, nullptr);
  ASSERT_TRUE(counts.has_value()) << counts.error().message();
  auto after = AuditCheckpointer::Open(*store_, next, "trustcse/id-in/audit");
  ASSERT_TRUE(after.has_value()) << after.error().message();
  EXPECT_EQ(FormatVerifierKey((*after)->verifier_key()),
            FormatVerifierKey((*before)->verifier_key()));
}

TEST_F(CheckpointerTest, CheckpointsSignWhatIsCommittedAndVerifyWithTheVerifierKey) {
  auto log = AuditCheckpointer::Open(*store_, keys_, "trustcse/id-in/audit");
  ASSERT_TRUE(log.has_value());
  auto none = (*log)->CheckpointNow();
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());  // nothing logged, nothing signed

  Append(13);
  auto note13 = (*log)->CheckpointNow();
  ASSERT_TRUE(note13.has_value() && note13->has_value());
  // A third party has only the verifier key, as text.
  auto verifier = ParseVerifierKey(FormatVerifierKey((*log)->verifier_key()));
  ASSERT_TRUE(verifier.has_value());
  auto c13 = OpenCheckpoint(**note13, *verifier);
  ASSERT_TRUE(c13.has_value());
  EXPECT_EQ(c13->tree_size, 13u);
  StoredSubtreeHashes stored13(*store_, 13);
  EXPECT_EQ(c13->root_hash, *RootHashAt(stored13, 13));
  EXPECT_EQ(*(*log)->CheckpointNow(), *note13);  // unchanged log: the same checkpoint
  EXPECT_EQ(*AuditCheckpointer::LatestCheckpoint(*store_), *note13);

  Append(9);
  auto note22 = (*log)->CheckpointNow();
  auto c22 = OpenCheckpoint(**note22, *verifier);
  ASSERT_TRUE(c22.has_value());
  EXPECT_EQ(c22->tree_size, 22u);
  EXPECT_EQ(*AuditCheckpointer::LatestCheckpoint(*store_), *note22);
  // Both stay in the history, and the later extends the earlier.
  EXPECT_EQ(*store_->GetObject("audit.checkpoint", EntryId(13)), *note13);
  StoredSubtreeHashes stored22(*store_, 22);
  auto proof = ConsistencyProofAt(stored22, 13, 22);
  EXPECT_TRUE(VerifyConsistency(13, 22, c13->root_hash, c22->root_hash, *proof).ok());
}

TEST_F(CheckpointerTest, AProofVerifiesOfflineForItsEntryAndNothingElse) {
  auto log = AuditCheckpointer::Open(*store_, keys_, "trustcse/id-in/audit");
  ASSERT_TRUE(log.has_value());
  Append(40);
  auto note = (*log)->CheckpointNow();
  ASSERT_TRUE(note.has_value() && note->has_value());
  StoredSubtreeHashes stored(*store_, 40);
  auto path = InclusionProofAt(stored, 17, 40);
  ASSERT_TRUE(path.has_value());
  auto text = FormatTlogProof({"", 17, *path, **note});
  ASSERT_TRUE(text.has_value());
  EXPECT_TRUE(text->starts_with("c2sp.org/tlog-proof@v1\nindex 17\n"));
  auto parsed = ParseTlogProof(*text);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*FormatTlogProof(*parsed), *text);

  const NoteVerifierKey key = (*log)->verifier_key();
  Checkpoint seen;
  EXPECT_TRUE(VerifyTlogProof(*text, Entry(17), key, &seen).ok());
  EXPECT_EQ(seen.tree_size, 40u);
  EXPECT_FALSE(VerifyTlogProof(*text, Entry(18), key).ok());  // another entry
  auto other = GenerateNoteKeyPair("trustcse/id-in/audit");
  EXPECT_FALSE(VerifyTlogProof(*text, Entry(17), other->verifier_key()).ok());  // another log
  std::string moved = *text;
  moved.replace(moved.find("index 17"), 8, "index 16");
  EXPECT_FALSE(VerifyTlogProof(moved, Entry(17), key).ok());
  std::string beyond = *FormatTlogProof({"", 40, *path, **note});
  EXPECT_FALSE(VerifyTlogProof(beyond, Entry(17), key).ok());
  for (std::string bad : {std::string("c2sp.org/tlog-proof@v2\nindex 1\n\n"),
                          std::string("c2sp.org/tlog-proof@v1\nindex 01\n\nx\n"),
                          std::string("c2sp.org/tlog-proof@v1\nindex 1\nnot base64\n\nx\n"),
                          std::string("c2sp.org/tlog-proof@v1\nindex 1\n")}) {
    EXPECT_FALSE(ParseTlogProof(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace trustcse::security::audit
