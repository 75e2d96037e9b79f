// The checkpointer's history (checkpointer.h): it refuses to sign a stored tree that does not
// extend the previous checkpoint — a rewritten history, a changed node, entries removed, a new
// entry that is not its leaf — in the process that signed it and after a restart; and it thins
// the stored checkpoints to those of the last hour plus one per clock hour, across restarts and
// in bounded batches, never deleting the newest.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "security/audit/audit_log.h"
#include "security/audit/checkpointer.h"
#include "security/audit/merkle_tree.h"
#include "security/crypto/crypto.h"

namespace trustcse::security::audit {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

class CheckpointerHistoryTest : public ::testing::Test {
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
  static std::string Entry(int i, char variant = 'a') {
    return R"({"v":1,"kind":"test","n":)" + std::to_string(i) + ",\"x\":\"" + variant + "\"}";
  }
  std::unique_ptr<AuditCheckpointer> Open() {
    auto log =
        AuditCheckpointer::Open(*store_, keys_, "trustcse/id-in/audit", [this] { return now_; });
    EXPECT_TRUE(log.has_value()) << log.error().message();
    return log ? std::move(*log) : nullptr;
  }
  void Put(std::string_view kind, const std::string& id, const std::string& body) {
    ASSERT_TRUE(
        store_->SubmitAndWait([&](storage::WriteTxn& txn) { return txn.PutObject(kind, id, body); })
            .ok());
  }
  std::string Head() { return store_->GetObject(kHeadKind, kHeadId)->value_or(""); }
  static void ExpectRefusal(const Result<std::optional<std::string>>& r, const std::string& what) {
    ASSERT_FALSE(r.has_value()) << "signed although " << what;
    EXPECT_EQ(r.error().code(), Rsc::kInternalServerError);
    EXPECT_NE(r.error().message().find("audit log: "), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find("restore the audit data from a backup"), std::string::npos)
        << r.error().message();
  }
  std::set<uint64_t> StoredCheckpointSizes() {
    std::set<uint64_t> sizes;
    auto stored = store_->ListObjects(kCheckpointKind);
    for (const auto& r : *stored) sizes.insert(std::stoull(r.id));
    return sizes;
  }

  std::unique_ptr<storage::Store> store_ = storage::OpenMemoryStore();
  std::shared_ptr<const KeyStore> keys_ = std::shared_ptr<const KeyStore>(
      std::move(*SoftwareKeyStoreWithKey(crypto::Secret(std::string(32, 'k')))));
  AuditLogWriter writer_;
  int next_ = 0;
  // 2026-01-01 10:10:00 UTC: ten minutes into a clock hour.
  TimePoint now_ =
      TimePoint(std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}.time_since_epoch()) +
      hours(10) + minutes(10);
};

TEST_F(CheckpointerHistoryTest, RefusesToSignARewrittenHistory) {
  auto log = Open();
  Append(13);
  ASSERT_TRUE(log->CheckpointNow().has_value());
  const std::string note13 = Head();
  // Entry 5 rewritten, with every node above it recomputed so the stored tree agrees with itself.
  MerkleTree forged;
  for (int i = 0; i < 13; ++i) forged.Append(Entry(i, i == 5 ? 'z' : 'a'));
  Put(kEntryKind, EntryId(5), Entry(5, 'z'));
  for (uint32_t level = 0; level < 4; ++level) {
    Put(kNodeKind, NodeId(level, 5 >> level), crypto::Hex(*forged.SubtreeHash(level, 5 >> level)));
  }
  Append(4);
  auto r = log->CheckpointNow();
  ExpectRefusal(r, "the history was rewritten");
  EXPECT_NE(r.error().message().find("the stored tree is not consistent with checkpoint 13; it was "
                                     "changed outside the server"),
            std::string::npos)
      << r.error().message();
  EXPECT_EQ(Head(), note13);  // nothing signed
  ExpectRefusal(log->CheckpointNow(), "asked again");
  // A new process finds the same in the stored head.
  ExpectRefusal((*Open()).CheckpointNow(), "after a restart");
}

TEST_F(CheckpointerHistoryTest, RefusesAChangedNodeAfterARestartEvenWithoutGrowth) {
  {
    auto log = Open();
    Append(8);
    ASSERT_TRUE(log->CheckpointNow().has_value());
  }
  const std::string note8 = Head();
  // A restart with the store intact: the stored head is the answer, nothing new is signed.
  {
    auto log = Open();
    auto again = log->CheckpointNow();
    ASSERT_TRUE(again.has_value() && again->has_value());
    EXPECT_EQ(**again, note8);
  }
  const std::string top = **store_->GetObject(kNodeKind, NodeId(3, 0));
  Put(kNodeKind, NodeId(3, 0), std::string(64, 'a'));
  auto log = Open();
  ExpectRefusal(log->CheckpointNow(), "the root node was replaced");
  // Restored (as from a backup), the log signs again.
  Put(kNodeKind, NodeId(3, 0), top);
  Append(1);
  auto r = log->CheckpointNow();
  ASSERT_TRUE(r.has_value() && r->has_value()) << r.error().message();
}

TEST_F(CheckpointerHistoryTest, RefusesWhenEntriesWereRemoved) {
  auto log = Open();
  Append(13);
  ASSERT_TRUE(log->CheckpointNow().has_value());
  ASSERT_TRUE(store_
                  ->SubmitAndWait([](storage::WriteTxn& txn) -> Status {
                    for (uint64_t i : {11, 12}) {
                      auto d = txn.DeleteObject(kNodeKind, NodeId(0, i));
                      if (!d) return d.error();
                    }
                    return Status::Ok();
                  })
                  .ok());
  auto r = log->CheckpointNow();
  ExpectRefusal(r, "entries were removed");
  EXPECT_NE(r.error().message().find("it holds 11 entries, fewer than the 13"), std::string::npos)
      << r.error().message();
}

TEST_F(CheckpointerHistoryTest, RefusesANewEntryThatIsNotItsLeaf) {
  auto log = Open();
  Append(10);
  ASSERT_TRUE(log->CheckpointNow().has_value());
  Append(5);
  Put(kEntryKind, EntryId(12), Entry(12, 'z'));  // after it was appended, before it is signed
  auto r = log->CheckpointNow();
  ExpectRefusal(r, "a new entry was changed");
  EXPECT_NE(r.error().message().find("entry 12 does not match its leaf hash"), std::string::npos)
      << r.error().message();
}

TEST_F(CheckpointerHistoryTest, RefusesAStoredHeadThatDoesNotOpenUnderTheKey) {
  {
    auto log = Open();
    Append(3);
    ASSERT_TRUE(log->CheckpointNow().has_value());
  }
  auto other = GenerateNoteKeyPair("trustcse/id-in/audit");
  StoredSubtreeHashes stored(*store_, 3);
  Put(kHeadKind, std::string(kHeadId),
      *SignCheckpoint({"trustcse/id-in/audit", 3, *RootHashAt(stored, 3), {}}, *other));
  auto r = Open()->CheckpointNow();
  ExpectRefusal(r, "the head was signed by another key");
  EXPECT_NE(r.error().message().find("(audit.head) does not open under the log key"),
            std::string::npos)
      << r.error().message();
}

// The thinning rule, computed independently: kept if signed within the last hour, or the first
// signed in its clock hour, or the newest.
std::set<uint64_t> Expected(const std::vector<std::pair<uint64_t, TimePoint>>& signed_at,
                            TimePoint now) {
  std::set<uint64_t> kept;
  std::set<int64_t> hours_seen;
  for (const auto& [size, t] : signed_at) {
    int64_t hour = std::chrono::floor<hours>(t.time_since_epoch()).count();
    bool keeper = hours_seen.insert(hour).second;
    if (keeper || t + hours(1) > now || size == signed_at.back().first) kept.insert(size);
  }
  return kept;
}

TEST_F(CheckpointerHistoryTest, ThinsOlderCheckpointsToOnePerHourAcrossRestarts) {
  auto log = Open();
  std::vector<std::pair<uint64_t, TimePoint>> signed_at;
  // One checkpoint a minute for three hours; a restart half way.
  for (int minute = 0; minute < 180; ++minute) {
    if (minute == 95) log = Open();
    Append(1);
    ASSERT_TRUE(log->CheckpointNow().has_value());
    signed_at.emplace_back(static_cast<uint64_t>(next_), now_);
    EXPECT_EQ(StoredCheckpointSizes(), Expected(signed_at, now_)) << "minute " << minute;
    now_ += minutes(1);
  }
  now_ -= minutes(1);
  // 10:10 (size 1), 11:00, 12:00, 13:00 are the keepers; the last hour is whole.
  std::set<uint64_t> sizes = StoredCheckpointSizes();
  EXPECT_TRUE(sizes.contains(1) && sizes.contains(51) && sizes.contains(111) &&
              sizes.contains(171));
  EXPECT_EQ(sizes.size(), 3u + 60u);  // three keepers before the last hour, then 60 a minute
  // Idle for two hours: thinning goes on without new checkpoints, and keeps the newest.
  now_ += hours(2);
  ASSERT_TRUE(log->CheckpointNow().has_value());
  EXPECT_EQ(StoredCheckpointSizes(), (std::set<uint64_t>{1, 51, 111, 171, 180}));
  EXPECT_EQ(store_->ListObjects(kThinKind)->size(), 1u);  // the newest, still pending
}

TEST_F(CheckpointerHistoryTest, ThinsInBoundedBatches) {
  auto log = Open();
  now_ += minutes(50) - minutes(10);  // 10:50: the hour's first checkpoint is its keeper
  for (int i = 0; i < 400; ++i) {
    Append(1);
    ASSERT_TRUE(log->CheckpointNow().has_value());
    now_ += seconds(1);
  }
  EXPECT_EQ(StoredCheckpointSizes().size(), 400u);
  now_ += hours(3);
  ASSERT_TRUE(log->CheckpointNow().has_value());
  EXPECT_EQ(StoredCheckpointSizes().size(), 400u - AuditCheckpointer::kThinBatch);
  ASSERT_TRUE(log->CheckpointNow().has_value());
  // The keeper and the newest are left.
  EXPECT_EQ(StoredCheckpointSizes(), (std::set<uint64_t>{1, 400}));
}

}  // namespace
}  // namespace trustcse::security::audit
