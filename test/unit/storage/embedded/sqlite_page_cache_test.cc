// The page cache layer (storage/embedded/sqlite_page_cache.h): it saves the truncations that
// have nothing to drop after B-tree page splits, and never one that has — transactions and
// savepoints rolled back after growing the file leave a database that is intact and holds
// exactly what was committed.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <random>
#include <string>

#include "storage/embedded/sqlite_internal.h"
#include "storage/embedded/sqlite_page_cache.h"

namespace trustcse::storage::sqlite {
namespace {

namespace fs = std::filesystem;

class SqlitePageCache : public ::testing::Test {
 protected:
  void SetUp() override {
    ConfigureSqliteOnce();  // what every store does before SQLite is first used
    std::string pattern = (fs::temp_directory_path() / "trustcse-pcache-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    ASSERT_EQ(sqlite3_open((dir_ + "/t.db").c_str(), &db_), SQLITE_OK);
    Exec("PRAGMA journal_mode=WAL; PRAGMA cache_size=-65536;"
         "CREATE TABLE t(k TEXT PRIMARY KEY, v TEXT NOT NULL); CREATE INDEX t_v ON t(v)");
  }
  void TearDown() override {
    sqlite3_close(db_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void Exec(const std::string& sql) {
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
        << sql << ": " << (err != nullptr ? err : "");
    sqlite3_free(err);
  }
  std::string Text(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return out;
  }
  // n rows with random keys (so inserts land all over the B-trees and split pages), values of
  // `width` characters tagged with `tag`.
  void Insert(int n, const std::string& tag, size_t width) {
    for (int i = 0; i < n; ++i) {
      std::string k = std::to_string(rng_()) + "-" + tag;
      std::string v = tag + std::string(width, static_cast<char>('a' + rng_() % 26));
      Exec("INSERT INTO t VALUES('" + k + "', '" + v + "')");
    }
  }

  std::string dir_;
  sqlite3* db_ = nullptr;
  std::mt19937_64 rng_{42};
};

TEST_F(SqlitePageCache, SkipsTruncationsWithNothingToDropAfterPageSplits) {
  const PageCacheCounters before = PageCacheCountersNow();
  for (int txn = 0; txn < 40; ++txn) {
    Exec("BEGIN");
    Insert(100, "c", 200);
    Exec("COMMIT");
  }
  const PageCacheCounters after = PageCacheCountersNow();
  // Without the layer every one of these commits walks the whole cache.
  EXPECT_GE(after.truncations_skipped - before.truncations_skipped, 30u);
  EXPECT_EQ(Text("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(Text("SELECT count(*) FROM t"), "4000");
}

TEST_F(SqlitePageCache, RolledBackGrowthIsDroppedAndTheDatabaseStaysIntact) {
  Exec("BEGIN");
  Insert(500, "keep", 100);
  Exec("COMMIT");
  const std::string pages_before = Text("PRAGMA page_count");
  const PageCacheCounters before = PageCacheCountersNow();

  // A transaction that grows the file by hundreds of pages, rolled back: those pages are
  // beyond the database now and must leave the cache.
  Exec("BEGIN");
  Insert(2000, "gone", 400);
  Exec("ROLLBACK");
  EXPECT_GT(PageCacheCountersNow().truncations_passed, before.truncations_passed);
  EXPECT_EQ(Text("PRAGMA page_count"), pages_before);

  // The same inside a savepoint (the writer's per-request savepoints), then committed work
  // that reuses the page numbers the rolled-back work had taken.
  Exec("BEGIN");
  Exec("SAVEPOINT item");
  Insert(1500, "gone", 400);
  Exec("ROLLBACK TO item");
  Exec("RELEASE item");
  Insert(1500, "new", 300);
  Exec("COMMIT");

  EXPECT_EQ(Text("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(Text("SELECT count(*) FROM t WHERE k LIKE '%-gone'"), "0");
  EXPECT_EQ(Text("SELECT count(*) FROM t WHERE k LIKE '%-keep'"), "500");
  EXPECT_EQ(Text("SELECT count(*) FROM t WHERE k LIKE '%-new'"), "1500");
  EXPECT_EQ(Text("SELECT count(*) FROM t WHERE v LIKE 'gone%'"), "0");
  // A second connection (its own cache, reading what the first wrote) sees the same.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ + "/t.db").c_str(), &other), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(other, "SELECT count(*), sum(length(v)) FROM t", -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 2000);
  EXPECT_EQ(sqlite3_column_int64(st, 1), 500 * (4 + 100) + 1500 * (3 + 300));
  sqlite3_finalize(st);
  sqlite3_close(other);
}

}  // namespace
}  // namespace trustcse::storage::sqlite
