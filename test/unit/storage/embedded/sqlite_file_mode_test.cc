// The database files are owner-only (issue 11, item 11): the database, its WAL and its shared
// memory file, whether SQLite creates them or an older version left them readable by others.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "storage/embedded/sqlite_store.h"

namespace trustcse::storage {
namespace {

namespace fs = std::filesystem;

class SqliteFileMode : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "trustcse-mode-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    db_ = dir_ + "/t.db";
    old_umask_ = ::umask(022);  // the usual umask, which would give 0644
  }
  void TearDown() override {
    ::umask(old_umask_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static int Mode(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 0777) : -1;
  }
  void OpenAndWrite() {
    SqliteOptions options;
    options.path = db_;
    auto store = SqliteStore::Open(options);
    ASSERT_TRUE(store) << store.error().message();
    ResourceRecord r;
    r.ri = "x";
    r.pi = "";
    r.rn = "x";
    r.path = "x";
    r.ty = 3;
    r.ct = r.lt = "20260101T000000";
    r.body = "{}";
    ASSERT_TRUE((*store)->SubmitAndWait([&](WriteTxn& txn) { return txn.Insert(r); }).ok());
    // The WAL and shared-memory files exist while the store is open.
    EXPECT_EQ(Mode(db_), 0600);
    EXPECT_EQ(Mode(db_ + "-wal"), 0600);
    EXPECT_EQ(Mode(db_ + "-shm"), 0600);
  }
  std::string dir_, db_;
  mode_t old_umask_ = 022;
};

TEST_F(SqliteFileMode, NewDatabaseFilesAreOwnerOnly) { OpenAndWrite(); }

TEST_F(SqliteFileMode, WiderFilesLeftBehindAreNarrowed) {
  // Named streams: `std::ofstream(db_);` would declare a stream called db_, creating nothing.
  { std::ofstream wal(db_ + "-wal"); }
  ASSERT_EQ(::chmod((db_ + "-wal").c_str(), 0644), 0);
  { std::ofstream db(db_); }
  ASSERT_EQ(::chmod(db_.c_str(), 0644), 0);
  OpenAndWrite();
}

}  // namespace
}  // namespace trustcse::storage
