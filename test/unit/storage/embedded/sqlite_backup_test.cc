// The online backup (sqlite_backup.h): a copy taken while a writer commits is one consistent
// snapshot that opens as a store with every record of that moment; the file is owner-only and
// appears only complete; an existing target is refused untouched; an interrupted copy leaves
// nothing behind.
#include "storage/embedded/sqlite_backup.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "storage/embedded/sqlite_store.h"

namespace trustcse::storage {
namespace {

namespace fs = std::filesystem;

class SqliteBackup : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "trustcse-backup-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    db_ = dir_ + "/t.db";
    out_ = dir_ + "/copy.db";
    SqliteOptions options;
    options.path = db_;
    auto store = SqliteStore::Open(options);
    ASSERT_TRUE(store) << store.error().message();
    store_ = std::move(*store);
  }
  void TearDown() override {
    if (store_) store_->Close();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // Objects 0..n-1 of kind "k", one transaction each `per_txn`.
  void Put(int from, int to, int per_txn = 100) {
    for (int i = from; i < to; i += per_txn) {
      ASSERT_TRUE(store_
                      ->SubmitAndWait([&](WriteTxn& txn) -> Status {
                        for (int j = i; j < std::min(to, i + per_txn); ++j) {
                          // Large enough that the database spans many pages.
                          Status s = txn.PutObject("k", std::to_string(j), std::string(900, 'x'));
                          if (!s.ok()) return s;
                        }
                        return Status::Ok();
                      })
                      .ok());
    }
  }
  static size_t CountIn(const std::string& path) {
    SqliteOptions options;
    options.path = path;
    auto copy = SqliteStore::Open(options);
    EXPECT_TRUE(copy) << copy.error().message();
    if (!copy) return 0;
    auto list = (*copy)->ListObjects("k");
    (*copy)->Close();
    return list ? list->size() : 0;
  }
  std::string dir_, db_, out_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteBackup, CopiesEverythingCommittedWithProgressOwnerOnly) {
  Put(0, 2000);
  int calls = 0;
  int64_t last_done = -1, total = 0;
  auto r = BackupSqliteDatabase(db_, out_, 16, [&](const BackupProgress& p) {
    ++calls;
    EXPECT_GE(p.pages_done, last_done);
    last_done = p.pages_done;
    total = p.pages_total;
    return true;
  });
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(r->interrupted);
  EXPECT_GT(calls, 10);  // 2000 × 900 bytes in steps of 16 pages
  EXPECT_EQ(last_done, total);
  EXPECT_EQ(r->pages, total);
  EXPECT_GT(r->bytes, 2000 * 900);
  struct stat st{};
  ASSERT_EQ(::stat(out_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(fs::exists(out_ + ".partial"));
  EXPECT_FALSE(fs::exists(out_ + "-wal"));  // a plain file, nothing beside it
  EXPECT_EQ(CountIn(out_), 2000u);
}

TEST_F(SqliteBackup, ACopyTakenDuringWritesIsOneSnapshot) {
  Put(0, 2000);
  // A writer commits batches of 100 objects throughout the copy; the copy must hold a whole
  // number of batches (no torn transaction) and at least what was committed before it began.
  std::atomic<bool> stop{false};
  std::atomic<int> written{2000};
  std::thread writer([&] {
    for (int i = 2000; !stop.load() && i < 200000; i += 100) {
      Put(i, i + 100);
      written.store(i + 100);
    }
  });
  while (written.load() < 2500) std::this_thread::yield();
  const int before = written.load();
  int steps = 0;
  auto r = BackupSqliteDatabase(db_, out_, 1, [&](const BackupProgress&) {
    ++steps;
    return true;
  });
  stop = true;
  writer.join();
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_GT(steps, 100);
  const size_t n = CountIn(out_);
  EXPECT_GE(n, static_cast<size_t>(before));
  EXPECT_LE(n, static_cast<size_t>(written.load()));
  EXPECT_EQ(n % 100, 0u) << "a transaction was copied in part";
}

TEST_F(SqliteBackup, AnExistingTargetIsRefusedUntouched) {
  Put(0, 10);
  { std::ofstream(out_) << "precious"; }
  auto r = BackupSqliteDatabase(db_, out_, 100, nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Rsc::kConflict);
  std::ifstream in(out_);
  std::string text;
  in >> text;
  EXPECT_EQ(text, "precious");
  EXPECT_FALSE(fs::exists(out_ + ".partial"));
}

TEST_F(SqliteBackup, AnInterruptedCopyLeavesNothing) {
  Put(0, 1000);
  int calls = 0;
  auto r = BackupSqliteDatabase(db_, out_, 1, [&](const BackupProgress&) { return ++calls < 5; });
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->interrupted);
  EXPECT_EQ(calls, 5);
  EXPECT_FALSE(fs::exists(out_));
  EXPECT_FALSE(fs::exists(out_ + ".partial"));
}

TEST_F(SqliteBackup, NoDatabaseIsNotFound) {
  auto r = BackupSqliteDatabase(dir_ + "/none.db", out_, 100, nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Rsc::kNotFound);
  EXPECT_FALSE(fs::exists(out_));
}

TEST_F(SqliteBackup, AFileThatIsNotADatabaseFailsWithoutACopy) {
  const std::string junk = dir_ + "/junk.db";
  { std::ofstream(junk) << std::string(8192, 'j'); }
  auto r = BackupSqliteDatabase(junk, out_, 100, nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Rsc::kInternalServerError);
  EXPECT_FALSE(fs::exists(out_));
  EXPECT_FALSE(fs::exists(out_ + ".partial"));
}

}  // namespace
}  // namespace trustcse::storage
