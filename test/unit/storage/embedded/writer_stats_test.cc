// The SQLite writer's monitoring accessors: group commits, batch sizes, commit latencies, the
// queue, and the readiness probe.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "storage/store.h"

namespace trustcse::storage {
namespace {

namespace fs = std::filesystem;

class WriterStatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "trustcse-writer-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    SqliteOptions o;
    o.path = (dir_ / "store.db").string();
    o.synchronous_full = false;
    auto s = OpenSqliteStore(o);
    ASSERT_TRUE(s) << s.error().message();
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(WriterStatsTest, CountsCommitsBatchesAndLatencies) {
  auto before = store_->writer_stats();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store_->SubmitAndWait([](WriteTxn&) { return Status::Ok(); }).ok());
  }
  auto after = store_->writer_stats();
  EXPECT_EQ(after.commits - before.commits, 3u);
  EXPECT_EQ(after.batch_size.count() - before.batch_size.count(), 3u);
  EXPECT_EQ(after.commit_latency.count() - before.commit_latency.count(), 3u);
  EXPECT_EQ(after.failed_commits, 0u);
  EXPECT_TRUE(after.last_commit_ok);
  EXPECT_EQ(after.queue_depth, 0u);
}

TEST_F(WriterStatsTest, ProbeAnswersWhileTheWriterRunsAndFailsOnceClosed) {
  EXPECT_TRUE(store_->Probe(std::chrono::seconds(2)).ok());
  store_->Close();
  Status s = store_->Probe(std::chrono::seconds(2));
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Rsc::kInternalServerError);
}

TEST(MemoryStoreStats, AnswersZerosAndProbes) {
  auto store = OpenMemoryStore();
  EXPECT_EQ(store->writer_stats().commits, 0u);
  EXPECT_TRUE(store->Probe(std::chrono::seconds(1)).ok());
}

}  // namespace
}  // namespace trustcse::storage
