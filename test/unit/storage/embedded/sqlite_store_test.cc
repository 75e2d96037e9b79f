// Tests of the SQLite store beyond the Store contract (store_test.cc): durability across
// reopening, concurrent submits, group commit and its batch bound, read isolation, schema
// upgrades and refusals, and that SQLite and the in-memory backend answer random queries alike.
#include "storage/embedded/sqlite_store.h"

#include "storage/store_test_support.h"

namespace trustcse::storage {
namespace {

using namespace test_support;

// --- SQLite only -------------------------------------------------------------------------------

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }

  std::unique_ptr<SqliteStore> Open(size_t max_batch = 512) {
    auto store = SqliteStore::Open(Options(db_path(), max_batch));
    EXPECT_TRUE(store.has_value());
    return store ? std::move(*store) : nullptr;
  }
  std::string db_path() const { return (dir_.path() / "store.db").string(); }

  TempDir dir_;
};

TEST_F(SqliteStoreTest, DataSurvivesReopen) {
  ResourceRecord r = Rec("cse-in/ae1", 2, "20240101T000000", {"b", "a"});
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->SubmitAndWait([&](WriteTxn& t) { return t.Insert(r); }).ok());
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto got = store->Get(r.ri);
  ASSERT_TRUE(got.has_value() && got->has_value());
  EXPECT_EQ(Fields(**got), Fields(r));
}

TEST_F(SqliteStoreTest, ManyConcurrentSubmitsAllCompleteDurably) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    DoneCollector done;
    std::atomic<bool> writing{true};
    // Readers run alongside and must never fail or see a partial record.
    std::thread reader([&] {
      while (writing) {
        auto found = store->Discover(Query("cse-in", [](DiscoveryQuery& q) { q.limit = 50; }));
        ASSERT_TRUE(found.has_value());
        for (const ResourceRecord& r : *found) ASSERT_EQ(r.lbl.size(), 2u) << r.path;
      }
    });
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          ResourceRecord r = Rec("cse-in/t" + std::to_string(t) + "-" + std::to_string(i), 4,
                                 "20240101T000000", {"l1", "l2"});
          store->Submit([r](WriteTxn& txn) { return txn.Insert(r); }, done.Slot());
        }
      });
    }
    for (std::thread& w : writers) w.join();
    std::vector<Status> results = done.Wait();
    writing = false;
    reader.join();
    ASSERT_EQ(results.size(), size_t{kThreads * kPerThread});
    for (const Status& s : results) ASSERT_TRUE(s.ok()) << s.message();
    // Group commit: far fewer transactions than writes (not asserted exactly: timing-dependent).
    EXPECT_LE(store->commit_count(), results.size());
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto all = store->Discover(Query("cse-in"));
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), size_t{kThreads * kPerThread});
}

TEST_F(SqliteStoreTest, QueuedWritesShareOneGroupCommit) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  DoneCollector done;
  uint64_t before = store->commit_count();
  {
    WriterGate gate(*store);
    for (int i = 0; i < 100; ++i) {
      store->Submit([i](WriteTxn& t) { return t.Insert(Rec("cse-in/r" + std::to_string(i))); },
                    done.Slot());
    }
  }
  for (const Status& s : done.Wait()) ASSERT_TRUE(s.ok());
  // One commit for the gate's batch, one for the 100 writes queued behind it.
  EXPECT_EQ(store->commit_count() - before, 2u);
}

TEST_F(SqliteStoreTest, GroupCommitRespectsMaxBatch) {
  auto store = Open(/*max_batch=*/10);
  ASSERT_NE(store, nullptr);
  DoneCollector done;
  uint64_t before = store->commit_count();
  {
    WriterGate gate(*store);
    for (int i = 0; i < 100; ++i) {
      store->Submit([i](WriteTxn& t) { return t.Insert(Rec("cse-in/r" + std::to_string(i))); },
                    done.Slot());
    }
  }
  for (const Status& s : done.Wait()) ASSERT_TRUE(s.ok());
  EXPECT_EQ(store->commit_count() - before, 11u);
}

TEST_F(SqliteStoreTest, CommittedWritesAreAnsweredInCommitOrderOffTheWriter) {
  auto store = Open(/*max_batch=*/7);  // several batches
  ASSERT_NE(store, nullptr);
  std::mutex mu;
  std::vector<int> answered;
  std::thread::id writer, answering;
  std::promise<void> all;
  constexpr int kWrites = 50;
  {
    WriterGate gate(*store);
    for (int i = 0; i < kWrites; ++i) {
      store->Submit(
          [&, i](WriteTxn& t) {
            std::lock_guard lock(mu);
            writer = std::this_thread::get_id();
            return t.Insert(Rec("cse-in/r" + std::to_string(i)));
          },
          [&, i](Status s) {
            EXPECT_TRUE(s.ok()) << s.message();
            std::lock_guard lock(mu);
            answering = std::this_thread::get_id();
            answered.push_back(i);
            if (answered.size() == kWrites) all.set_value();
          });
    }
  }
  all.get_future().wait();
  std::lock_guard lock(mu);
  std::vector<int> expected(kWrites);
  for (int i = 0; i < kWrites; ++i) expected[i] = i;
  EXPECT_EQ(answered, expected);
  EXPECT_NE(answering, writer);  // the completion thread, not the writer
}

TEST_F(SqliteStoreTest, AFailedWriteIsAnsweredOnTheWriterBeforeTheNextWriteRuns) {
  auto store = Open(/*max_batch=*/1);  // one write per batch
  ASSERT_NE(store, nullptr);
  std::atomic<bool> failure_answered{false};
  std::thread::id writer, answering;
  bool answered_before_next = false;
  DoneCollector done;
  {
    WriterGate gate(*store);
    store->Submit(
        [&](WriteTxn&) {
          writer = std::this_thread::get_id();
          return Status::Conflict("no");
        },
        [&](Status s) {
          EXPECT_EQ(s.code(), Rsc::kConflict);
          answering = std::this_thread::get_id();
          failure_answered = true;
        });
    store->Submit(
        [&](WriteTxn&) {
          answered_before_next = failure_answered.load();
          return Status::Ok();
        },
        done.Slot());
  }
  for (const Status& s : done.Wait()) EXPECT_TRUE(s.ok());
  EXPECT_TRUE(answered_before_next);
  EXPECT_EQ(answering, writer);
}

TEST_F(SqliteStoreTest, CloseAnswersEveryQueuedWrite) {
  auto store = Open(/*max_batch=*/4);
  ASSERT_NE(store, nullptr);
  std::atomic<int> ok{0};
  std::optional<WriterGate> gate(std::in_place, *store);
  for (int i = 0; i < 40; ++i) {
    store->Submit([i](WriteTxn& t) { return t.Insert(Rec("cse-in/r" + std::to_string(i))); },
                  [&](Status s) { ok += s.ok() ? 1 : 0; });
  }
  std::thread closer([&] { store->Close(); });
  gate->Release();
  closer.join();
  EXPECT_EQ(ok.load(), 40);
}

TEST_F(SqliteStoreTest, TheWalStartsAgainFromItsBeginningUnderSustainedWrites) {
  // ~48 MiB of records written without a pause: the checkpointer copies the WAL back while the
  // writer goes on, and past kRestartPages (16 MiB) holds the writer once for the rest, so the
  // WAL file stays far below what was written (it kept growing until 64 MiB before).
  auto store = Open();
  ASSERT_NE(store, nullptr);
  const std::string body(4000, 'x');
  // In waves of 2 MiB, with a breath between them, so that a busy machine's scheduler lets the
  // checkpointer run at all: what is tested is that it can then restart the WAL.
  for (int wave = 0; wave < 24; ++wave) {
    DoneCollector done;
    for (int i = 0; i < 500; ++i) {
      ResourceRecord r = Rec("cse-in/r" + std::to_string(wave) + "-" + std::to_string(i));
      r.body = "{\"con\":\"" + body + "\"}";
      store->Submit([r](WriteTxn& t) { return t.Insert(r); }, done.Slot());
    }
    for (const Status& s : done.Wait()) ASSERT_TRUE(s.ok()) << s.message();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto wal = std::filesystem::file_size(db_path() + "-wal");
  EXPECT_LT(wal, uintmax_t{32} << 20) << wal << " bytes of WAL";
}

TEST_F(SqliteStoreTest, ReadsSeeOnlyCommittedData) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::promise<void> inserted;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  DoneCollector done;
  store->Submit(
      [&inserted, released](WriteTxn& t) {
        Status s = t.Insert(Rec("cse-in/pending"));
        inserted.set_value();
        released.wait();
        return s;
      },
      done.Slot());
  inserted.get_future().wait();
  EXPECT_FALSE(store->GetByPath("cse-in/pending")->has_value());
  EXPECT_TRUE(store->Discover(Query("cse-in"))->empty());
  release.set_value();
  ASSERT_TRUE(done.Wait()[0].ok());
  EXPECT_TRUE(store->GetByPath("cse-in/pending")->has_value());
}

TEST_F(SqliteStoreTest, UpgradesAVersion1DatabaseAndKeepsItsResources) {
  ResourceRecord r = Rec("cse-in/ae1", 2);
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->SubmitAndWait([&](WriteTxn& t) { return t.Insert(r); }).ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TABLE objects; PRAGMA user_version = 1", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Fields(**store->Get(r.ri)), Fields(r));
  ASSERT_TRUE(store->SubmitAndWait([](WriteTxn& t) { return t.PutObject("k", "i", "b"); }).ok());
  store.reset();
  store = Open();
  EXPECT_EQ(**store->GetObject("k", "i"), "b");
}

TEST_F(SqliteStoreTest, UpgradesAVersion2DatabaseToATypeIndexWithoutInstances) {
  std::vector<ResourceRecord> recs = {Rec("cse-in"), Rec("cse-in/ae1", 2), Rec("cse-in/ae1/cnt", 3),
                                      Rec("cse-in/ae1/cnt/i1", 4), Rec("cse-in/ae1/cnt/i2", 4)};
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    for (const auto& r : recs) {
      ASSERT_TRUE(store->SubmitAndWait([&](WriteTxn& t) { return t.Insert(r); }).ok());
    }
  }
  auto index_sql = [&] {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db,
                                 "SELECT sql FROM sqlite_master WHERE name = 'resources_type'",
                                 -1, &st, nullptr),
              SQLITE_OK);
    std::string sql;
    if (sqlite3_step(st) == SQLITE_ROW) {
      sql = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return sql;
  };
  EXPECT_NE(index_sql().find("WHERE ty NOT IN (4, 30, 58)"), std::string::npos);
  // Back to version 2's index, as an older build left it.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP INDEX resources_type; CREATE INDEX resources_type ON "
                         "resources(ty, path); PRAGMA user_version = 2",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(index_sql().find("WHERE"), std::string::npos);
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_NE(index_sql().find("WHERE ty NOT IN (4, 30, 58)"), std::string::npos);
  // Typed discovery answers alike for instance and other types.
  auto paths = [&](std::vector<int> types) {
    auto found = store->Discover(Query("cse-in", [&](DiscoveryQuery& q) { q.types = types; }));
    EXPECT_TRUE(found.has_value());
    return found ? Paths(*found) : std::vector<std::string>{};
  };
  EXPECT_EQ(paths({4}), (std::vector<std::string>{"cse-in/ae1/cnt/i1", "cse-in/ae1/cnt/i2"}));
  EXPECT_EQ(paths({2, 3}), (std::vector<std::string>{"cse-in/ae1", "cse-in/ae1/cnt"}));
  EXPECT_EQ(paths({3, 4}), (std::vector<std::string>{"cse-in/ae1/cnt", "cse-in/ae1/cnt/i1",
                                                     "cse-in/ae1/cnt/i2"}));
}

TEST_F(SqliteStoreTest, RefusesNewerSchemaVersion) {
  Open().reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto store = SqliteStore::Open(Options(db_path()));
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code(), Rsc::kInternalServerError);
}

TEST_F(SqliteStoreTest, OpenFailsCleanlyForMissingDirectory) {
  auto store = SqliteStore::Open(Options((dir_.path() / "no" / "such" / "x.db").string()));
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code(), Rsc::kInternalServerError);
}

// --- Backends agree ------------------------------------------------------------------------------

class BackendAgreementTest : public SqliteStoreTest {};

TEST_F(BackendAgreementTest, RandomQueriesGiveSameResults) {
  std::mt19937 rng(20240611);
  auto pick = [&](const auto& values) { return values[rng() % values.size()]; };
  auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };
  const std::vector<std::string> names = {"a", "a1", "a-1", "a.b", "b", "a0", "ae", "ae1"};
  const std::vector<std::string> label_pool = {"l1", "l2", "l3", "key/value", ""};
  const std::vector<std::string> times = {"20240101T000000", "20240101T000000,5", "20240102T120000",
                                          "20240201T000000", "20250101T000000"};
  const std::vector<std::string> ctys = {"", "text/plain", "application/json"};
  const std::vector<int> types = {2, 3, 4, 23, 28};

  std::vector<ResourceRecord> records = {Rec("cse-in", 5)};
  std::set<std::string> used_paths = {"cse-in"};
  while (records.size() < 400) {
    const ResourceRecord& parent = records[rng() % records.size()];
    if (PathDepth(parent.path) >= 6) continue;
    std::string path = parent.path + "/" + pick(names);
    if (chance(50)) path += std::to_string(rng() % 20);
    if (!used_paths.insert(path).second) continue;
    ResourceRecord r = Rec(path, pick(types), pick(times));
    r.lt = std::max(r.ct, pick(times));
    r.et = chance(30) ? "" : pick(times);
    r.st = rng() % 20;
    r.cs = rng() % 20;
    r.cty = pick(ctys);
    // Attributes in the body, for attribute conditions: a number, a string, a boolean, a list.
    r.body = "{\"rn\":\"" + r.rn + "\",\"mni\":" + std::to_string(rng() % 5) +
             ",\"cr\":\"C" + pick(names) + "\",\"rr\":" + (chance(50) ? "true" : "false") +
             ",\"srv\":[\"" + std::to_string(rng() % 4) + "\",\"x\"]}";
    for (const std::string& l : label_pool) {
      if (chance(30)) r.lbl.push_back(l);
    }
    records.push_back(r);
  }

  auto memory = OpenMemoryStore();
  auto sqlite = Open();
  ASSERT_NE(sqlite, nullptr);
  for (Store* store : {memory.get(), static_cast<Store*>(sqlite.get())}) {
    Status s = store->SubmitAndWait([&](WriteTxn& t) -> Status {
      for (const ResourceRecord& r : records) {
        Status st = t.Insert(r);
        if (!st.ok()) return st;
      }
      return Status::Ok();
    });
    ASSERT_TRUE(s.ok()) << s.message();
  }

  auto maybe_time = [&]() -> std::optional<std::string> {
    if (!chance(20)) return std::nullopt;
    return pick(times);
  };
  auto maybe_num = [&]() -> std::optional<uint64_t> {
    if (!chance(20)) return std::nullopt;
    return chance(10) ? std::numeric_limits<uint64_t>::max() : rng() % 22;
  };
  int nonempty = 0;
  for (int i = 0; i < 400; ++i) {
    DiscoveryQuery q;
    q.root_path = chance(10) ? "" : chance(5) ? "cse-in/none" : records[rng() % 60].path;
    q.max_level = chance(50) ? 0 : static_cast<int>(rng() % 4);
    if (chance(25)) q.types = {pick(types), pick(types)};
    if (chance(25)) q.labels = {pick(label_pool)};
    if (chance(10)) q.labels.push_back(pick(label_pool));
    if (chance(15)) {
      q.attributes = {{"rn", pick(names), false}, {"rn", pick(names) + std::to_string(rng() % 20), false}};
    }
    if (chance(10)) q.attributes.push_back({"rn", pick(names).substr(0, 2) + "*", true});
    if (chance(10)) q.attributes.push_back({"mni", std::to_string(rng() % 5), false});
    if (chance(10)) q.attributes.push_back({"cr", "*" + pick(names).substr(1), true});
    if (chance(10)) q.attributes.push_back({"rr", chance(50) ? "true" : "false", false});
    if (chance(10)) q.attributes.push_back({"srv", std::to_string(rng() % 4), false});
    if (chance(15)) q.content_types = {pick(ctys)};
    q.created_before = maybe_time();
    q.created_after = maybe_time();
    q.modified_since = maybe_time();
    q.unmodified_since = maybe_time();
    q.expire_before = maybe_time();
    q.expire_after = maybe_time();
    q.state_tag_smaller = maybe_num();
    q.state_tag_bigger = maybe_num();
    q.size_above = maybe_num();
    q.size_below = maybe_num();
    q.combine = chance(50) ? Combine::kAnd : Combine::kOr;
    if (chance(30)) q.offset = rng() % 10;
    if (chance(30)) q.limit = rng() % 15;

    auto from_memory = memory->Discover(q);
    auto from_sqlite = sqlite->Discover(q);
    ASSERT_TRUE(from_memory.has_value());
    ASSERT_TRUE(from_sqlite.has_value());
    ASSERT_EQ(Paths(*from_memory), Paths(*from_sqlite)) << "query " << i;
    for (size_t k = 0; k < from_memory->size(); ++k) {
      ASSERT_EQ(Fields((*from_memory)[k]), Fields((*from_sqlite)[k]));
    }
    if (!from_memory->empty()) ++nonempty;
  }
  EXPECT_GT(nonempty, 100);  // the queries are not all trivially empty

  for (int i = 0; i < 100; ++i) {
    const ResourceRecord& parent = records[rng() % records.size()];
    int ty = chance(50) ? 0 : pick(types);
    ChildOrder order = chance(50) ? ChildOrder::kOldestFirst : ChildOrder::kNewestFirst;
    size_t limit = chance(50) ? SIZE_MAX : rng() % 5;
    auto a = memory->Children(parent.ri, ty, order, limit);
    auto b = sqlite->Children(parent.ri, ty, order, limit);
    ASSERT_TRUE(a && b);
    ASSERT_EQ(Paths(*a), Paths(*b));
  }
  for (const std::string& now : times) {
    // Equal et come in no particular order: compared as sets.
    auto a = Paths(*memory->Expired(now, 1000));
    auto b = Paths(*sqlite->Expired(now, 1000));
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    EXPECT_EQ(a, b);
  }
}
}  // namespace
}  // namespace trustcse::storage
