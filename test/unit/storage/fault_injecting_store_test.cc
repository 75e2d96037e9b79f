// Tests of the fault-injecting Store decorator (test/mocks/fault_injecting_store.h) over both
// backends: an injected failure reaches `done` as the given Status and leaves nothing in the
// wrapped store, only the commits it names fail, delays delay the acknowledgement only.
#include "mocks/fault_injecting_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "storage/store.h"

namespace trustcse::mocks {
namespace {

namespace fs = std::filesystem;
using storage::ResourceRecord;
using storage::WriteTxn;

enum class Backend { kMemory, kSqlite };

ResourceRecord Rec(const std::string& rn, std::vector<std::string> lbl = {}) {
  ResourceRecord r;
  r.path = "cse-in/" + rn;
  r.rn = rn;
  r.ri = "id:" + rn;
  r.pi = "id:cse-in";
  r.ty = 3;
  r.ct = r.lt = "20240101T000000";
  r.lbl = std::move(lbl);
  r.body = R"({"rn":")" + rn + R"("})";
  return r;
}

class FaultInjectingStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::unique_ptr<storage::Store> inner;
    if (GetParam() == Backend::kMemory) {
      inner = storage::OpenMemoryStore();
    } else {
      std::string pattern = (fs::temp_directory_path() / "trustcse-fault-XXXXXX").string();
      ASSERT_NE(mkdtemp(pattern.data()), nullptr);
      dir_ = pattern;
      storage::SqliteOptions options;
      options.path = (dir_ / "db").string();
      options.synchronous_full = false;
      auto opened = storage::OpenSqliteStore(options);
      ASSERT_TRUE(opened) << opened.error().message();
      inner = std::move(*opened);
    }
    store_ = std::make_unique<FaultInjectingStore>(std::move(inner));
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  static storage::WriteFn InsertFn(ResourceRecord rec) {
    return [rec = std::move(rec)](WriteTxn& txn) { return txn.Insert(rec); };
  }
  bool Holds(const std::string& rn) {
    auto got = store_->inner().Get("id:" + rn);
    return got && got->has_value();
  }

  fs::path dir_;
  std::unique_ptr<FaultInjectingStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Backends, FaultInjectingStoreTest,
                         ::testing::Values(Backend::kMemory, Backend::kSqlite),
                         [](const auto& info) {
                           return info.param == Backend::kMemory ? "Memory" : "Sqlite";
                         });

TEST_P(FaultInjectingStoreTest, InjectedFailureReachesDoneAsTheGivenStatus) {
  store_->FailNextCommit(Status(Rsc::kRequestTimeout, "injected: fsync timed out"));
  Status s = store_->SubmitAndWait(InsertFn(Rec("a")));
  EXPECT_EQ(s.code(), Rsc::kRequestTimeout);
  EXPECT_EQ(s.message(), "injected: fsync timed out");
  EXPECT_EQ(store_->injected_failures(), 1u);
}

TEST_P(FaultInjectingStoreTest, FailedCommitLeavesNothingInTheWrappedStore) {
  bool ran = false;
  store_->FailNextCommit(Status::Internal("injected: disk full"));
  Status s = store_->SubmitAndWait([&](WriteTxn& txn) {
    ran = true;
    if (Status st = txn.Insert(Rec("a", {"tag:x"})); !st.ok()) return st;
    if (Status st = txn.Insert(Rec("b")); !st.ok()) return st;
    return txn.PutObject("credential", "c1", "{}");
  });
  EXPECT_EQ(s.code(), Rsc::kInternalServerError);
  EXPECT_TRUE(ran) << "the WriteFn runs; its effects are undone";
  EXPECT_FALSE(Holds("a"));
  EXPECT_FALSE(Holds("b"));
  auto by_path = store_->inner().GetByPath("cse-in/a");
  ASSERT_TRUE(by_path);
  EXPECT_FALSE(by_path->has_value());
  auto objects = store_->inner().ListObjects("credential");
  ASSERT_TRUE(objects);
  EXPECT_TRUE(objects->empty());
  storage::DiscoveryQuery q;
  q.root_path = "cse-in";
  q.labels = {"tag:x"};
  auto found = store_->inner().Discover(q);
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->empty());
}

TEST_P(FaultInjectingStoreTest, OnlyTheNamedCommitFails) {
  store_->FailCommit(2, Status::Internal("injected"));
  // Submitted together, so that SQLite may group them into one commit.
  std::vector<std::future<Status>> results;
  for (const char* rn : {"a", "b", "c"}) {
    auto promise = std::make_shared<std::promise<Status>>();
    results.push_back(promise->get_future());
    store_->Submit(InsertFn(Rec(rn)), [promise](Status s) { promise->set_value(std::move(s)); });
  }
  EXPECT_TRUE(results[0].get().ok());
  EXPECT_EQ(results[1].get().code(), Rsc::kInternalServerError);
  EXPECT_TRUE(results[2].get().ok());
  EXPECT_TRUE(Holds("a"));
  EXPECT_FALSE(Holds("b"));
  EXPECT_TRUE(Holds("c"));
  EXPECT_EQ(store_->submitted(), 3u);
  EXPECT_EQ(store_->injected_failures(), 1u);
}

TEST_P(FaultInjectingStoreTest, FailAllCommitsFailsEveryCommitUntilStopped) {
  store_->FailAllCommits(Status::Internal("injected"));
  EXPECT_FALSE(store_->SubmitAndWait(InsertFn(Rec("a"))).ok());
  EXPECT_FALSE(store_->SubmitAndWait(InsertFn(Rec("b"))).ok());
  store_->StopFailing();
  EXPECT_TRUE(store_->SubmitAndWait(InsertFn(Rec("c"))).ok());
  EXPECT_FALSE(Holds("a"));
  EXPECT_FALSE(Holds("b"));
  EXPECT_TRUE(Holds("c"));
  EXPECT_EQ(store_->injected_failures(), 2u);
}

TEST_P(FaultInjectingStoreTest, AWriteFnsOwnFailureWinsOverTheInjectedOne) {
  ASSERT_TRUE(store_->SubmitAndWait(InsertFn(Rec("a"))).ok());
  store_->FailNextCommit(Status::Internal("injected"));
  Status s = store_->SubmitAndWait(InsertFn(Rec("a")));  // a duplicate
  EXPECT_EQ(s.code(), Rsc::kConflict);
  EXPECT_EQ(store_->injected_failures(), 0u);
}

TEST_P(FaultInjectingStoreTest, DelayedCommitIsAcknowledgedLateButKept) {
  store_->DelayCommits(std::chrono::milliseconds(100));
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(store_->SubmitAndWait(InsertFn(Rec("a"))).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
  EXPECT_TRUE(Holds("a"));
  store_->DelayCommits(std::chrono::milliseconds(0));
  EXPECT_TRUE(store_->SubmitAndWait(InsertFn(Rec("b"))).ok());
}

TEST_P(FaultInjectingStoreTest, ReadsFailWhenToldAndRecoverAfterStopFailing) {
  ASSERT_TRUE(store_->SubmitAndWait(InsertFn(Rec("a"))).ok());
  store_->FailReads(Status::Internal("injected: I/O error"));
  auto got = store_->Get("id:a");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message(), "injected: I/O error");
  EXPECT_FALSE(store_->GetByPath("cse-in/a"));
  EXPECT_FALSE(store_->Children("id:cse-in", 0, storage::ChildOrder::kOldestFirst, 10));
  store_->StopFailing();
  got = store_->Get("id:a");
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->has_value());
}

}  // namespace
}  // namespace trustcse::mocks
