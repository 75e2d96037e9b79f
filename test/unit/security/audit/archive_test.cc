// Retention (archive.h) on the memory store and a scratch directory: the log is archived into
// verified bundles named by range, a second run rewrites nothing, a half-written or foreign
// bundle is set aside and written again, a growing last range replaces its shorter bundle;
// pruning refuses without a covering, verifying archive (naming the missing range and the
// command), deletes entry bodies in batches and resumes an interrupted run; after a prune the
// size, appends, checkpoints, proofs of later entries and consistency proofs all still work,
// and a pruned entry is answered with a clear error.
#include "security/audit/archive.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "security/audit/audit_log.h"
#include "security/audit/checkpointer.h"
#include "security/audit/consistency.h"
#include "security/audit/tlog_proof.h"
#include "security/crypto/crypto.h"
#include "storage/store_test_support.h"

namespace trustcse::security::audit {
namespace {

namespace fs = std::filesystem;

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = AuditCheckpointer::Open(*store_, keys_, "trustcse/id-in/audit");
    ASSERT_TRUE(log.has_value());
    log_ = std::move(*log);
    Grow(33);
  }
  // Appends `count` entries and signs a checkpoint.
  void Grow(int count) {
    ASSERT_TRUE(store_
                    ->SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
                      for (int i = 0; i < count; ++i) {
                        auto index = writer_->Append(txn, Entry(next_++));
                        if (!index) return index.error();
                      }
                      return Status::Ok();
                    })
                    .ok());
    auto note = log_->CheckpointNow();
    ASSERT_TRUE(note.has_value()) << note.error().message();
  }
  static std::string Entry(int i) {
    return R"({"v":1,"kind":"test","n":)" + std::to_string(i) + "}";
  }

  Result<ArchiveSummary> Archive(uint64_t upto = 0) {
    lines_.clear();
    return ArchiveLog(*store_, {dir_, upto, 10},
                      [&](std::string_view l) { lines_.emplace_back(l); });
  }
  Result<PruneSummary> Prune(uint64_t before, uint64_t batch = 7) {
    lines_.clear();
    return PruneLog(*store_, {dir_, before, batch},
                    [&](std::string_view l) { lines_.emplace_back(l); });
  }
  std::set<std::string> Files() {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.insert(e.path().filename().string());
    return names;
  }
  bool EntryStored(uint64_t i) { return store_->GetObject(kEntryKind, EntryId(i))->has_value(); }
  std::string Lines() {
    std::string all;
    for (const auto& l : lines_) all += l + "\n";
    return all;
  }

  storage::test_support::TempDir tmp_;
  std::string dir_ = (tmp_.path() / "archive").string();
  std::unique_ptr<storage::Store> store_ = storage::OpenMemoryStore();
  std::shared_ptr<const KeyStore> keys_ = std::shared_ptr<const KeyStore>(
      std::move(*SoftwareKeyStoreWithKey(crypto::Secret(std::string(32, 'k')))));
  std::unique_ptr<AuditCheckpointer> log_;
  std::shared_ptr<AuditLogWriter> writer_ = std::make_shared<AuditLogWriter>();
  int next_ = 0;
  std::vector<std::string> lines_;
};

std::string B(uint64_t from, uint64_t to) { return ArchiveFileName(from, to); }

TEST(ArchiveFileNames, SayTheRangeAndParseBack) {
  EXPECT_EQ(ArchiveFileName(0, 100000), "audit-00000000000000000000-00000000000000099999.bundle");
  EXPECT_EQ(*ParseArchiveFileName(ArchiveFileName(100000, 100007)),
            std::make_pair(uint64_t{100000}, uint64_t{100007}));
  for (std::string bad : {"audit-00000000000000000009-00000000000000000000.bundle",
                          "audit-0000000000000000000-00000000000000000009.bundle",
                          "audit-0000000000000000000x-00000000000000000009.bundle",
                          "audit-00000000000000000000-00000000000000000009.bundle.rejected",
                          ".audit-00000000000000000000-00000000000000000009.bundle.partial",
                          "audit-00000000000000000000-18446744073709551615.bundle"}) {
    EXPECT_FALSE(ParseArchiveFileName(bad).has_value()) << bad;
  }
}

TEST_F(ArchiveTest, WritesVerifiedBundlesByRangeAndResumesWithoutRewriting) {
  auto first = Archive();
  ASSERT_TRUE(first.has_value()) << first.error().message();
  EXPECT_EQ(first->written, 4u);
  EXPECT_EQ(Files(), (std::set<std::string>{B(0, 10), B(10, 20), B(20, 30), B(30, 33)}));
  EXPECT_EQ(lines_.front(), "entries 0..9 archived: " + B(0, 10) + " (1/4)");
  auto key = log_->verifier_key();
  for (auto [a, b] : {std::pair<uint64_t, uint64_t>{0, 10}, {30, 33}}) {
    EXPECT_TRUE(VerifyArchivedBundle(*store_, key, dir_ + "/" + B(a, b), a, b).ok());
  }
  EXPECT_FALSE(VerifyArchivedBundle(*store_, key, dir_ + "/" + B(0, 10), 0, 11).ok());
  EXPECT_EQ((fs::status(dir_).permissions() & fs::perms::all), fs::perms::owner_all);
  const auto written_at = fs::last_write_time(dir_ + "/" + B(10, 20));

  auto again = Archive();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->written, 0u);
  EXPECT_EQ(again->kept, 4u);
  EXPECT_EQ(lines_[1], "entries 10..19 already archived: " + B(10, 20) + " verified (2/4)");
  EXPECT_EQ(fs::last_write_time(dir_ + "/" + B(10, 20)), written_at);

  // The log grew: the last range's bundle is replaced by a longer one.
  Grow(5);
  auto grown = Archive();
  ASSERT_TRUE(grown.has_value());
  EXPECT_EQ(grown->written, 1u);
  EXPECT_EQ(Files(), (std::set<std::string>{B(0, 10), B(10, 20), B(20, 30), B(30, 38)}));
  EXPECT_NE(Lines().find("removed " + B(30, 33) + " (superseded by " + B(30, 38) + ")"),
            std::string::npos)
      << Lines();
  auto beyond = Archive(39);
  ASSERT_FALSE(beyond.has_value());
  EXPECT_NE(beyond.error().message().find("beyond the newest checkpoint"), std::string::npos);
}

TEST_F(ArchiveTest, AHalfWrittenBundleIsSetAsideAndWrittenAgain) {
  ASSERT_TRUE(Archive().has_value());
  const std::string path = dir_ + "/" + B(10, 20);
  fs::resize_file(path, fs::file_size(path) / 2);
  std::ofstream(dir_ + "/." + B(20, 30) + ".partial") << "left by a crash";
  auto r = Archive();
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->written, 1u);
  EXPECT_NE(Lines().find(B(10, 20) + " does not verify ("), std::string::npos) << Lines();
  EXPECT_TRUE(fs::exists(path + ".rejected"));
  EXPECT_TRUE(VerifyArchivedBundle(*store_, log_->verifier_key(), path, 10, 20).ok());
}

TEST_F(ArchiveTest, ABundleOfAForkDoesNotCount) {
  ASSERT_TRUE(Archive().has_value());
  // A fork: another store with the same log key (copied, as one who holds the key could) and
  // another history. Its bundle is signed by the log's key, so it verifies on its own — but its
  // checkpoint is not this log's tree at that size.
  auto forked = storage::OpenMemoryStore();
  const std::string key_object = **store_->GetObject("audit.key", "log");
  ASSERT_TRUE(forked
                  ->SubmitAndWait([&](storage::WriteTxn& txn) {
                    return txn.PutObject("audit.key", "log", key_object);
                  })
                  .ok());
  AuditLogWriter fork_writer;
  ASSERT_TRUE(forked
                  ->SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
                    for (int i = 0; i < 33; ++i) {
                      if (!fork_writer.Append(txn, Entry(i == 3 ? 99 : i))) {
                        return Status::Internal("append");
                      }
                    }
                    return Status::Ok();
                  })
                  .ok());
  auto fork_log = AuditCheckpointer::Open(*forked, keys_, "trustcse/id-in/audit");
  ASSERT_TRUE(fork_log.has_value());
  ASSERT_TRUE((*fork_log)->CheckpointNow().has_value());
  auto fork_bundle = FormatBundle(*AuditCheckpointer::Export(*forked, 0, 10));
  ASSERT_TRUE(VerifyBundle(*fork_bundle, log_->verifier_key()).has_value());
  {
    std::ofstream out(dir_ + "/" + B(0, 10), std::ios::trunc);
    out << *fork_bundle;
  }
  auto pruned = Prune(10);
  ASSERT_FALSE(pruned.has_value());
  EXPECT_NE(pruned.error().message().find("does not cover entries 0..9 (" + B(0, 10) +
                                          " does not verify: its checkpoint (tree size 33) is "
                                          "not this log's tree at that size"),
            std::string::npos)
      << pruned.error().message();
  EXPECT_TRUE(EntryStored(0));
  // The archive run sets it aside and writes this log's bundle.
  auto r = Archive();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->written, 1u);
  EXPECT_TRUE(fs::exists(dir_ + "/" + B(0, 10) + ".rejected"));
  EXPECT_TRUE(Prune(10).has_value()) << Lines();
}

TEST_F(ArchiveTest, PruneRefusesWithoutAnArchiveCoveringTheRange) {
  ASSERT_TRUE(Archive().has_value());
  fs::remove(dir_ + "/" + B(10, 20));
  auto r = Prune(25);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Rsc::kBadRequest);
  EXPECT_NE(r.error().message().find("does not cover entries 10..19: run `trustcse audit archive "
                                     "--dir " +
                                     dir_ + " --upto 25` first"),
            std::string::npos)
      << r.error().message();
  for (uint64_t i = 0; i < 33; ++i) EXPECT_TRUE(EntryStored(i)) << i;
  auto beyond = Prune(34);
  ASSERT_FALSE(beyond.has_value());
  EXPECT_NE(beyond.error().message().find("beyond the newest checkpoint"), std::string::npos);
}

TEST_F(ArchiveTest, PrunedLogKeepsItsSizeProofsAndConsistency) {
  const std::string early = **AuditCheckpointer::LatestCheckpoint(*store_);  // size 33
  ASSERT_TRUE(Archive().has_value());
  auto r = Prune(25);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->below, 25u);
  EXPECT_EQ(lines_.back(), "entries 21..24 pruned (25/25)");
  EXPECT_NE(Lines().find(B(20, 30) + " verified (entries 20..29)"), std::string::npos) << Lines();
  for (uint64_t i = 0; i < 33; ++i) EXPECT_EQ(EntryStored(i), i >= 25) << i;
  EXPECT_EQ(*CommittedSize(*store_), 33u);

  // Pruned entries: a clear answer, for export and proofs.
  auto pruned = AuditCheckpointer::Export(*store_, 0, 10);
  ASSERT_FALSE(pruned.has_value());
  EXPECT_EQ(pruned.error().code(), Rsc::kNotFound);
  EXPECT_NE(pruned.error().message().find("entries before 25 were pruned; they are in the archive"),
            std::string::npos)
      << pruned.error().message();
  EXPECT_FALSE(AuditCheckpointer::Export(*store_, 24, 30).has_value());
  EXPECT_FALSE(AuditCheckpointer::Prove(*store_, 3, nullptr).has_value());

  // The log goes on: a new writer (a restart), appends, a checkpoint that extends the old one.
  writer_ = std::make_shared<AuditLogWriter>();
  Grow(4);
  EXPECT_EQ(*CommittedSize(*store_), 37u);
  auto later = AuditCheckpointer::Export(*store_, 25, 37);
  ASSERT_TRUE(later.has_value()) << later.error().message();
  EXPECT_TRUE(VerifyBundle(*FormatBundle(*later), log_->verifier_key()).has_value());
  std::string entry;
  auto proof = AuditCheckpointer::Prove(*store_, 30, &entry);
  ASSERT_TRUE(proof.has_value());
  EXPECT_TRUE(VerifyTlogProof(*proof, entry, log_->verifier_key()).ok());
  auto consistency = AuditCheckpointer::Consistency(*store_, early);
  ASSERT_TRUE(consistency.has_value());
  EXPECT_TRUE(VerifyConsistencyBundle(*FormatConsistencyBundle(*consistency), log_->verifier_key())
                  .has_value());

  // Again: nothing to do. The archive now starts at the prune point.
  ASSERT_TRUE(Prune(25).has_value());
  EXPECT_EQ(Lines(), "nothing to prune: entries before 25 are pruned already\n");
  auto archived = Archive();
  ASSERT_TRUE(archived.has_value());
  EXPECT_EQ(lines_.front(),
            "entries 0..24 were pruned: their bundles were archived before; not read again");
  EXPECT_TRUE(Files().contains(B(25, 30)));
  EXPECT_TRUE(Files().contains(B(30, 37)));
  // Pruning further needs the bundles of the entries not yet deleted only.
  ASSERT_TRUE(Prune(37).has_value()) << Lines();
  EXPECT_EQ(*CommittedSize(*store_), 37u);
}

TEST_F(ArchiveTest, AnInterruptedPruneResumes) {
  ASSERT_TRUE(Archive().has_value());
  // A run for --before 25 stopped after deleting entries 0..13.
  ASSERT_TRUE(store_
                  ->SubmitAndWait([](storage::WriteTxn& txn) -> Status {
                    for (uint64_t i = 0; i < 14; ++i) {
                      if (!txn.DeleteObject(kEntryKind, EntryId(i))) return Status::Internal("");
                    }
                    return txn.PutObject(kPruneKind, kPruneId, FormatPruneState({25, 14}));
                  })
                  .ok());
  auto r = Prune(20, 100);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->deleted_from, 14u);
  EXPECT_EQ(r->below, 25u);
  EXPECT_EQ(lines_.front(), "resuming the prune of entries before 25 that an earlier run started");
  EXPECT_EQ(lines_.back(), "entries 14..24 pruned (11/11)");
  for (uint64_t i = 0; i < 33; ++i) EXPECT_EQ(EntryStored(i), i >= 25) << i;
  auto state = ReadPruneState(*store_);
  EXPECT_EQ(state->below, 25u);
  EXPECT_EQ(state->next, 25u);
}

}  // namespace
}  // namespace trustcse::security::audit
