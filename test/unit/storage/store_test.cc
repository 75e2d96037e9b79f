// Tests of the Store contract (storage/store.h), run against every backend. SQLite-only
// behaviour (durability, group commit, isolation, schema upgrades) and the agreement of the
// backends on random queries: embedded/sqlite_store_test.cc.
#include "storage/store.h"

#include <algorithm>
#include <atomic>
#include <cstdio>

#include "storage/store_test_support.h"

namespace trustcse::storage {
namespace {

using namespace test_support;

enum class Backend { kMemory, kSqlite };

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<Store> Open() {
    if (GetParam() == Backend::kMemory) return OpenMemoryStore();
    auto store = OpenSqliteStore(Options((dir_.path() / "store.db").string()));
    if (!store) return nullptr;
    return std::move(*store);
  }

  bool IsSqlite() const { return GetParam() == Backend::kSqlite; }

  Status Insert(const ResourceRecord& r) {
    return store_->SubmitAndWait([r](WriteTxn& txn) { return txn.Insert(r); });
  }
  void InsertAll(const std::vector<ResourceRecord>& records) {
    for (const ResourceRecord& r : records) ASSERT_TRUE(Insert(r).ok()) << r.path;
  }
  std::vector<std::string> DiscoverPaths(const DiscoveryQuery& q) {
    auto found = store_->Discover(q);
    EXPECT_TRUE(found.has_value());
    return found ? Paths(*found) : std::vector<std::string>{};
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values(Backend::kMemory, Backend::kSqlite),
                         [](const auto& info) {
                           return info.param == Backend::kMemory ? "Memory" : "Sqlite";
                         });

TEST_P(StoreTest, InsertThenGetReturnsSameRecord) {
  ResourceRecord r = Rec("cse-in/ae1/cnt1/cin1", 4, "20240102T030405,123456", {"zeta", "alpha"});
  r.et = "20991231T235959";
  r.st = 7;
  r.cs = 42;
  r.cr = "Cae1";
  r.cty = "text/plain";
  r.body = R"({"con":"h\u00e9llo \"x\"","lbl":["zeta","alpha"]})";
  ASSERT_TRUE(Insert(r).ok());

  auto by_ri = store_->Get(r.ri);
  ASSERT_TRUE(by_ri.has_value());
  ASSERT_TRUE(by_ri->has_value());
  EXPECT_EQ(Fields(**by_ri), Fields(r));
  auto by_path = store_->GetByPath(r.path);
  ASSERT_TRUE(by_path.has_value() && by_path->has_value());
  EXPECT_EQ(Fields(**by_path), Fields(r));

  auto missing = store_->Get("id:nope");
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->has_value());
}

TEST_P(StoreTest, RejectsDuplicatePath) {
  ASSERT_TRUE(Insert(Rec("cse-in/ae1")).ok());
  ResourceRecord dup = Rec("cse-in/ae1");
  dup.ri = "id:other";
  Status s = Insert(dup);
  EXPECT_EQ(s.code(), Rsc::kConflict);
  EXPECT_FALSE(store_->Get("id:other")->has_value());
}

TEST_P(StoreTest, RejectsDuplicateRi) {
  ASSERT_TRUE(Insert(Rec("cse-in/ae1")).ok());
  ResourceRecord dup = Rec("cse-in/ae2");
  dup.ri = "id:cse-in/ae1";
  EXPECT_EQ(Insert(dup).code(), Rsc::kConflict);
  EXPECT_FALSE(store_->GetByPath("cse-in/ae2")->has_value());
}

TEST_P(StoreTest, UpdateReplacesRecordAndLabels) {
  ASSERT_TRUE(Insert(Rec("cse-in/ae1", 2, "20240101T000000", {"old"})).ok());
  ResourceRecord updated = Rec("cse-in/ae1", 2, "20240101T000000", {"new1", "new0"});
  updated.lt = "20240105T000000";
  updated.body = R"({"updated":true})";
  ASSERT_TRUE(store_->SubmitAndWait([&](WriteTxn& t) { return t.Update(updated); }).ok());

  EXPECT_EQ(Fields(**store_->Get(updated.ri)), Fields(updated));
  DiscoveryQuery q = Query("cse-in", [](DiscoveryQuery& q) { q.labels = {"old"}; });
  EXPECT_TRUE(DiscoverPaths(q).empty());
  q.labels = {"new0"};
  EXPECT_EQ(DiscoverPaths(q), std::vector<std::string>{"cse-in/ae1"});

  ResourceRecord absent = Rec("cse-in/ae9");
  EXPECT_EQ(store_->SubmitAndWait([&](WriteTxn& t) { return t.Update(absent); }).code(),
            Rsc::kNotFound);
}

TEST_P(StoreTest, WriteTxnSeesItsOwnWrites) {
  ASSERT_TRUE(Insert(Rec("cse-in")).ok());
  Status s = store_->SubmitAndWait([](WriteTxn& t) -> Status {
    ResourceRecord a = Rec("cse-in/cnt/a", 4);
    a.cs = 10;
    ResourceRecord b = Rec("cse-in/cnt/b", 4);
    b.cs = 5;
    for (const auto& r : {Rec("cse-in/cnt", 3), a, b, Rec("cse-in/cnt/sub", 23)}) {
      Status st = t.Insert(r);
      if (!st.ok()) return st;
    }
    auto got = t.GetByPath("cse-in/cnt/a");
    if (!got || !*got) return Status::Internal("own insert not visible");
    auto count = t.CountChildren("id:cse-in/cnt", 4);
    if (!count || *count != std::make_pair<uint64_t, uint64_t>(2, 15)) {
      return Status::Internal("wrong count");
    }
    auto kids = t.Children("id:cse-in/cnt", 0, ChildOrder::kOldestFirst, SIZE_MAX);
    if (!kids || kids->size() != 3) return Status::Internal("wrong children");
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST_P(StoreTest, FailingWriteFnLeavesNothing) {
  ResourceRecord keep = Rec("cse-in/keep", 2, "20240101T000000", {"k"});
  InsertAll({Rec("cse-in"), keep, Rec("cse-in/keep/child")});

  // On SQLite the gate puts both functions into one batch: one savepoint is rolled back, the
  // other committed in the same transaction.
  std::optional<WriterGate> gate;
  if (IsSqlite()) gate.emplace(*store_);
  DoneCollector done;
  store_->Submit(
      [&](WriteTxn& t) -> Status {
        EXPECT_TRUE(t.Insert(Rec("cse-in/bad", 3, "20240101T000000", {"b"})).ok());
        ResourceRecord changed = keep;
        changed.lbl = {"changed"};
        changed.body = "{}";
        EXPECT_TRUE(t.Update(changed).ok());
        EXPECT_TRUE(t.DeleteSubtree("id:cse-in/keep/child").has_value());
        EXPECT_TRUE(t.GetByPath("cse-in/bad")->has_value());
        return Status::BadRequest("changed my mind");
      },
      done.Slot());
  store_->Submit([](WriteTxn& t) { return t.Insert(Rec("cse-in/good")); }, done.Slot());
  if (gate) gate->Release();
  std::vector<Status> results = done.Wait();

  EXPECT_EQ(results[0].code(), Rsc::kBadRequest);
  EXPECT_EQ(results[0].message(), "changed my mind");
  EXPECT_TRUE(results[1].ok());
  EXPECT_FALSE(store_->GetByPath("cse-in/bad")->has_value());
  EXPECT_FALSE(store_->Get("id:cse-in/bad")->has_value());
  EXPECT_TRUE(store_->GetByPath("cse-in/good")->has_value());
  EXPECT_TRUE(store_->GetByPath("cse-in/keep/child")->has_value());
  EXPECT_EQ(Fields(**store_->Get(keep.ri)), Fields(keep));
  EXPECT_TRUE(DiscoverPaths(Query("cse-in", [](DiscoveryQuery& q) {
                q.labels = {"b", "changed"};
              })).empty());
}

TEST_P(StoreTest, AfterCommitRunsForAKeptWriteBeforeTheNextAndNeverForAFailedOne) {
  // On SQLite the gate puts the first two functions into one batch; the third comes later.
  std::optional<WriterGate> gate;
  if (IsSqlite()) gate.emplace(*store_);
  std::atomic<int> kept{0}, undone{0};
  DoneCollector done;
  store_->Submit(
      [&](WriteTxn& t) {
        t.AfterCommit([&] { ++kept; });
        EXPECT_EQ(kept.load(), 0);  // not before the commit
        return t.Insert(Rec("cse-in/a"));
      },
      done.Slot());
  store_->Submit(
      [&](WriteTxn& t) {
        t.AfterCommit([&] { ++undone; });
        return Status::BadRequest("no");
      },
      done.Slot());
  if (gate) gate->Release();
  for (const Status& s : done.Wait()) (void)s;
  int seen_by_next = -1;
  ASSERT_TRUE(store_->SubmitAndWait([&](WriteTxn&) {
                      seen_by_next = kept.load();
                      return Status::Ok();
                    }).ok());
  EXPECT_EQ(seen_by_next, 1);
  EXPECT_EQ(kept.load(), 1);
  EXPECT_EQ(undone.load(), 0);
}

// A counter kept in a record's st and body, bumped by UpdateDeferred the way a container's
// counters are on every new instance.
Status BumpDeferred(WriteTxn& t, const std::string& ri) {
  auto got = t.Get(ri);
  if (!got || !*got) return Status::NotFound("gone");
  ResourceRecord r = **got;
  ++r.st;
  r.body = R"({"cni":)" + std::to_string(r.st) + "}";
  return t.UpdateDeferred(r);
}

TEST_P(StoreTest, DeferredUpdatesAreSeenByLaterWritesAndUndoneWithTheirWrite) {
  ResourceRecord cnt = Rec("cse-in/cnt", 3, "20240101T000000", {"keep"});
  InsertAll({Rec("cse-in"), cnt});
  // On SQLite the gate puts all the functions into one batch, where the updates are deferred.
  std::optional<WriterGate> gate;
  if (IsSqlite()) gate.emplace(*store_);
  DoneCollector done;
  for (int i = 0; i < 5; ++i) {
    store_->Submit(
        [&, i](WriteTxn& t) -> Status {
          Status s = BumpDeferred(t, cnt.ri);
          if (!s.ok()) return s;
          // The third write fails after its update: its bump must disappear with it.
          if (i == 2) return Status::BadRequest("undo me");
          auto kids = t.Children("id:cse-in", 3, ChildOrder::kOldestFirst, SIZE_MAX);
          if (!kids || kids->size() != 1 || kids->front().st != static_cast<uint64_t>(i < 2 ? i + 1 : i)) {
            return Status::Internal("children do not show the deferred version");
          }
          return Status::Ok();
        },
        done.Slot());
  }
  if (gate) gate->Release();
  std::vector<Status> results = done.Wait();
  for (int i = 0; i < 5; ++i) {
    if (i == 2) {
      EXPECT_EQ(results[i].code(), Rsc::kBadRequest);
    } else {
      EXPECT_TRUE(results[i].ok()) << i << ": " << results[i].message();
    }
  }
  auto stored = store_->Get(cnt.ri);
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->st, 4u);
  EXPECT_EQ((*stored)->body, R"({"cni":4})");
  EXPECT_EQ((*stored)->lbl, cnt.lbl);
  EXPECT_EQ(DiscoverPaths(Query("cse-in", [](DiscoveryQuery& q) { q.labels = {"keep"}; })),
            std::vector<std::string>{"cse-in/cnt"});
}

TEST_P(StoreTest, UpdateDeferredOfAbsentRecordIsNotFound) {
  ResourceRecord absent = Rec("cse-in/nope");
  EXPECT_EQ(store_->SubmitAndWait([&](WriteTxn& t) { return t.UpdateDeferred(absent); }).code(),
            Rsc::kNotFound);
}

TEST_P(StoreTest, LaterUpdateOrDeleteSupersedesADeferredUpdate) {
  ResourceRecord a = Rec("cse-in/a");
  ResourceRecord b = Rec("cse-in/b");
  InsertAll({Rec("cse-in"), a, b, Rec("cse-in/b/child")});
  std::optional<WriterGate> gate;
  if (IsSqlite()) gate.emplace(*store_);
  DoneCollector done;
  ResourceRecord a2 = a;
  a2.lbl = {"relabelled"};
  a2.body = R"({"full":true})";
  std::vector<ResourceRecord> deleted;
  store_->Submit([&](WriteTxn& t) { return BumpDeferred(t, a.ri); }, done.Slot());
  store_->Submit([&](WriteTxn& t) { return t.Update(a2); }, done.Slot());
  store_->Submit([&](WriteTxn& t) { return BumpDeferred(t, b.ri); }, done.Slot());
  store_->Submit(
      [&](WriteTxn& t) -> Status {
        auto gone = t.DeleteSubtree(b.ri);
        if (!gone) return gone.error();
        deleted = std::move(*gone);
        return Status::Ok();
      },
      done.Slot());
  if (gate) gate->Release();
  for (const Status& s : done.Wait()) ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(Fields(**store_->Get(a.ri)), Fields(a2));
  ASSERT_EQ(deleted.size(), 2u);
  EXPECT_EQ(deleted.front().st, 1u);  // the deleted version is the deferred one
  EXPECT_FALSE(store_->Get(b.ri)->has_value());
  EXPECT_FALSE(store_->GetByPath("cse-in/b/child")->has_value());
}

TEST_P(StoreTest, ObjectsArePutListedAndDeletedApartFromResources) {
  InsertAll({Rec("cse-in")});
  ASSERT_TRUE(store_->SubmitAndWait([](WriteTxn& t) -> Status {
    for (auto [kind, id, body] : {std::tuple{"credential", "b", "{\"n\":2}"},
                                  std::tuple{"credential", "a", "{\"n\":1}"},
                                  std::tuple{"token", "a", "{}"}}) {
      if (Status s = t.PutObject(kind, id, body); !s.ok()) return s;
    }
    auto own = t.GetObject("credential", "a");
    if (!own || !*own || **own != "{\"n\":1}") return Status::Internal("own put not visible");
    return t.PutObject("credential", "a", "{\"n\":3}");  // replaces
  }).ok());
  auto listed = store_->ListObjects("credential");
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, "a");
  EXPECT_EQ((*listed)[0].body, "{\"n\":3}");
  EXPECT_EQ((*listed)[1].id, "b");
  EXPECT_EQ(**store_->GetObject("token", "a"), "{}");
  EXPECT_FALSE(store_->GetObject("token", "b")->has_value());
  // Objects never appear as resources.
  EXPECT_EQ(DiscoverPaths(Query("")), std::vector<std::string>{"cse-in"});

  bool deleted = false, again = true;
  ASSERT_TRUE(store_->SubmitAndWait([&](WriteTxn& t) -> Status {
    auto d1 = t.DeleteObject("token", "a");
    auto d2 = t.DeleteObject("token", "a");
    if (!d1 || !d2) return Status::Internal("delete failed");
    deleted = *d1;
    again = *d2;
    return Status::Ok();
  }).ok());
  EXPECT_TRUE(deleted);
  EXPECT_FALSE(again);
  EXPECT_FALSE(store_->GetObject("token", "a")->has_value());
}

TEST_P(StoreTest, FailingWriteFnLeavesObjectsAsTheyWere) {
  ASSERT_TRUE(store_->SubmitAndWait([](WriteTxn& t) { return t.PutObject("k", "keep", "1"); }).ok());
  Status s = store_->SubmitAndWait([](WriteTxn& t) -> Status {
    EXPECT_TRUE(t.PutObject("k", "new", "x").ok());
    EXPECT_TRUE(t.PutObject("k", "keep", "2").ok());
    EXPECT_TRUE(*t.DeleteObject("k", "keep"));
    return Status::BadRequest("no");
  });
  EXPECT_EQ(s.code(), Rsc::kBadRequest);
  EXPECT_EQ(**store_->GetObject("k", "keep"), "1");
  EXPECT_FALSE(store_->GetObject("k", "new")->has_value());
}

TEST_P(StoreTest, DeleteSubtreeRemovesDescendantsOnly) {
  InsertAll({Rec("cse-in"), Rec("cse-in/ae1", 2, "20240101T000000", {"x"}),
             Rec("cse-in/ae1/cnt", 3, "20240101T000000", {"x"}), Rec("cse-in/ae1/cnt/cin", 4),
             Rec("cse-in/ae10", 2, "20240101T000000", {"x"}), Rec("cse-in/ae10/cnt"),
             Rec("cse-in/ae1-b"), Rec("cse-in/ae1.c")});

  auto deleted = store_->SubmitAndWait([](WriteTxn& t) -> Status {
    auto d = t.DeleteSubtree("id:cse-in/ae1");
    if (!d) return d.error();
    std::vector<std::string> want = {"cse-in/ae1", "cse-in/ae1/cnt", "cse-in/ae1/cnt/cin"};
    return Paths(*d) == want ? Status::Ok() : Status::Internal("wrong deleted list");
  });
  EXPECT_TRUE(deleted.ok()) << deleted.message();

  for (const char* gone : {"cse-in/ae1", "cse-in/ae1/cnt", "cse-in/ae1/cnt/cin"}) {
    EXPECT_FALSE(store_->GetByPath(gone)->has_value()) << gone;
  }
  EXPECT_EQ(
      DiscoverPaths(Query("cse-in")),
      (std::vector<std::string>{"cse-in/ae1-b", "cse-in/ae1.c", "cse-in/ae10", "cse-in/ae10/cnt"}));
  EXPECT_EQ(DiscoverPaths(Query("cse-in", [](DiscoveryQuery& q) { q.labels = {"x"}; })),
            std::vector<std::string>{"cse-in/ae10"});

  EXPECT_EQ(
      store_->SubmitAndWait([](WriteTxn& t) { return t.DeleteSubtree("id:gone").error(); }).code(),
      Rsc::kNotFound);
}

TEST_P(StoreTest, ChildrenOrderedByCreationTime) {
  InsertAll({Rec("cse-in"), Rec("cse-in/c", 3, "20240103T000000"),
             Rec("cse-in/a", 4, "20240101T000000"), Rec("cse-in/b2", 4, "20240102T000000"),
             Rec("cse-in/b1", 4, "20240102T000000"), Rec("cse-in/a/grandchild", 4, "20230101")});
  auto paths = [&](int ty, ChildOrder order, size_t limit) {
    auto kids = store_->Children("id:cse-in", ty, order, limit);
    EXPECT_TRUE(kids.has_value());
    return kids ? Paths(*kids) : std::vector<std::string>{};
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(paths(0, ChildOrder::kOldestFirst, SIZE_MAX),
            (V{"cse-in/a", "cse-in/b1", "cse-in/b2", "cse-in/c"}));
  EXPECT_EQ(paths(0, ChildOrder::kNewestFirst, SIZE_MAX),
            (V{"cse-in/c", "cse-in/b2", "cse-in/b1", "cse-in/a"}));
  EXPECT_EQ(paths(4, ChildOrder::kOldestFirst, 2), (V{"cse-in/a", "cse-in/b1"}));
  EXPECT_EQ(paths(4, ChildOrder::kNewestFirst, 1), (V{"cse-in/b2"}));
  EXPECT_EQ(paths(9, ChildOrder::kOldestFirst, SIZE_MAX), V{});
  EXPECT_EQ(paths(0, ChildOrder::kOldestFirst, 0), V{});
}

TEST_P(StoreTest, DiscoverByLabelAndType) {
  InsertAll({Rec("cse-in"), Rec("cse-in/ae", 2, "20240101T000000", {"red"}),
             Rec("cse-in/ae/cnt", 3, "20240101T000000", {"red", "big"}),
             Rec("cse-in/ae/cnt/cin", 4, "20240101T000000", {"blue"}),
             Rec("cse-in/ae/cnt/cin2", 4, "20240101T000000", {"red"})});
  using V = std::vector<std::string>;
  EXPECT_EQ(DiscoverPaths(Query("cse-in", [](DiscoveryQuery& q) { q.labels = {"red"}; })),
            (V{"cse-in/ae", "cse-in/ae/cnt", "cse-in/ae/cnt/cin2"}));
  // Several values of one kind are OR'ed, kinds are AND'ed.
  EXPECT_EQ(DiscoverPaths(Query("cse-in",
                                [](DiscoveryQuery& q) {
                                  q.types = {3, 4};
                                  q.labels = {"red", "blue"};
                                })),
            (V{"cse-in/ae/cnt", "cse-in/ae/cnt/cin", "cse-in/ae/cnt/cin2"}));
  EXPECT_EQ(DiscoverPaths(Query("cse-in",
                                [](DiscoveryQuery& q) {
                                  q.types = {4};
                                  q.labels = {"big"};
                                })),
            V{});
  // The root itself is never part of the result.
  EXPECT_EQ(DiscoverPaths(Query("cse-in/ae", [](DiscoveryQuery& q) { q.labels = {"red"}; })),
            (V{"cse-in/ae/cnt", "cse-in/ae/cnt/cin2"}));
  // Values are bound, not spliced into SQL.
  EXPECT_EQ(DiscoverPaths(Query("cse-in", [](DiscoveryQuery& q) {
              q.attributes = {{"rn", "x' OR '1'='1", false}};
            })),
            V{});
}

TEST_P(StoreTest, DiscoverByAttributeValueListElementAndWildcard) {
  ResourceRecord a = Rec("cse-in/a", 3);
  a.body = R"({"rn":"a","mni":7,"cr":"Cabc","rr":true,"srv":["3","4"],"loc":{"typ":1}})";
  ResourceRecord b = Rec("cse-in/b", 3);
  b.body = R"({"rn":"b","mni":70,"cr":"Cxyz","rr":false,"srv":["2a"]})";
  ResourceRecord box = Rec("cse-in/boxA", 3);
  box.body = R"({"rn":"boxA","mni":"7"})";
  InsertAll({Rec("cse-in"), a, b, box});
  using V = std::vector<std::string>;
  auto find = [&](std::vector<AttributeMatch> m) {
    return DiscoverPaths(Query("cse-in", [&](DiscoveryQuery& q) { q.attributes = m; }));
  };
  // Numbers and strings compare by their text; 7 is not 70.
  EXPECT_EQ(find({{"mni", "7", false}}), (V{"cse-in/a", "cse-in/boxA"}));
  EXPECT_EQ(find({{"cr", "Cxyz", false}}), V{"cse-in/b"});
  EXPECT_EQ(find({{"rr", "true", false}}), V{"cse-in/a"});
  EXPECT_EQ(find({{"rr", "false", false}}), V{"cse-in/b"});
  // Any element of a list; objects never match.
  EXPECT_EQ(find({{"srv", "4", false}}), V{"cse-in/a"});
  EXPECT_EQ(find({{"loc", "1", false}}), V{});
  // One condition tag: OR'ed among themselves.
  EXPECT_EQ(find({{"cr", "Cabc", false}, {"cr", "Cxyz", false}}), (V{"cse-in/a", "cse-in/b"}));
  // The wildcard matches any run of characters; without it '*' is itself.
  EXPECT_EQ(find({{"rn", "box*", true}}), V{"cse-in/boxA"});
  EXPECT_EQ(find({{"cr", "*yz", true}}), V{"cse-in/b"});
  EXPECT_EQ(find({{"rn", "box*", false}}), V{});
  // GLOB's other special characters are matched as themselves.
  EXPECT_EQ(find({{"rn", "bo?A", true}}), V{});
  EXPECT_EQ(find({{"rn", "[a]", true}}), V{});
}

TEST_P(StoreTest, DiscoverLowerBoundsAreInclusive) {
  ResourceRecord r = Rec("cse-in/r", 3, "20240101T000000");
  r.st = 3;
  r.et = "20300101T000000";
  InsertAll({Rec("cse-in"), r});
  using V = std::vector<std::string>;
  // TS-0004 Table 7.3.3.17.0-1: createdAfter ≤ ct, stateTagBigger ≤ st, expireAfter ≤ et.
  EXPECT_EQ(DiscoverPaths(Query("cse-in", [](DiscoveryQuery& q) { q.created_after = "20240101T000000"; })),
            V{"cse-in/r"});
  EXPECT_EQ(DiscoverPaths(Query("cse-in", [](DiscoveryQuery& q) { q.state_tag_bigger = 3; })),
            V{"cse-in/r"});
  EXPECT_EQ(DiscoverPaths(Query("cse-in", [](DiscoveryQuery& q) { q.expire_after = "20300101T000000"; })),
            V{"cse-in/r"});
  // … and the upper ones exclusive.
  EXPECT_EQ(DiscoverPaths(Query("cse-in", [](DiscoveryQuery& q) { q.created_before = "20240101T000000"; })),
            V{});
  EXPECT_EQ(DiscoverPaths(Query("cse-in", [](DiscoveryQuery& q) { q.state_tag_smaller = 3; })),
            V{});
}

TEST_P(StoreTest, DiscoverOrCombine) {
  ResourceRecord big = Rec("cse-in/big", 4);
  big.cs = 100;
  ResourceRecord late = Rec("cse-in/late", 4, "20250101T000000");
  InsertAll({Rec("cse-in"), Rec("cse-in/red", 3, "20240101T000000", {"red"}), big, late,
             Rec("cse-in/plain", 3)});
  DiscoveryQuery q = Query("cse-in", [](DiscoveryQuery& q) {
    q.labels = {"red"};
    q.created_after = "20241231T000000";
    q.size_above = 50;
    q.combine = Combine::kOr;
  });
  using V = std::vector<std::string>;
  EXPECT_EQ(DiscoverPaths(q), (V{"cse-in/big", "cse-in/late", "cse-in/red"}));
  q.combine = Combine::kAnd;
  EXPECT_EQ(DiscoverPaths(q), V{});
  // With no condition, OR matches everything as AND does.
  EXPECT_EQ(
      DiscoverPaths(Query("cse-in", [](DiscoveryQuery& q) { q.combine = Combine::kOr; })).size(),
      4u);
}

TEST_P(StoreTest, DiscoverLevelLimit) {
  InsertAll({Rec("cse-in"), Rec("cse-in/a"), Rec("cse-in/a/b"), Rec("cse-in/a/b/c")});
  using V = std::vector<std::string>;
  EXPECT_EQ(DiscoverPaths(Query("cse-in", [](DiscoveryQuery& q) { q.max_level = 1; })),
            V{"cse-in/a"});
  EXPECT_EQ(DiscoverPaths(Query("cse-in", [](DiscoveryQuery& q) { q.max_level = 2; })),
            (V{"cse-in/a", "cse-in/a/b"}));
  EXPECT_EQ(DiscoverPaths(Query("cse-in", [](DiscoveryQuery& q) { q.max_level = 0; })),
            (V{"cse-in/a", "cse-in/a/b", "cse-in/a/b/c"}));
  EXPECT_EQ(DiscoverPaths(Query("cse-in/a", [](DiscoveryQuery& q) { q.max_level = 1; })),
            V{"cse-in/a/b"});
  EXPECT_EQ(DiscoverPaths(Query("", [](DiscoveryQuery& q) { q.max_level = 1; })), V{"cse-in"});
}

TEST_P(StoreTest, DiscoverOffsetLimit) {
  InsertAll(
      {Rec("cse-in"), Rec("cse-in/c1"), Rec("cse-in/c2"), Rec("cse-in/c3"), Rec("cse-in/c4")});
  using V = std::vector<std::string>;
  EXPECT_EQ(DiscoverPaths(Query("cse-in",
                                [](DiscoveryQuery& q) {
                                  q.offset = 1;
                                  q.limit = 2;
                                })),
            (V{"cse-in/c2", "cse-in/c3"}));
  EXPECT_EQ(DiscoverPaths(Query("cse-in", [](DiscoveryQuery& q) { q.offset = 3; })),
            V{"cse-in/c4"});
  EXPECT_EQ(DiscoverPaths(Query("cse-in", [](DiscoveryQuery& q) { q.offset = 10; })), V{});
  EXPECT_EQ(DiscoverPaths(Query("cse-in", [](DiscoveryQuery& q) { q.limit = 0; })), V{});
}

TEST_P(StoreTest, ExpiredListsOnlyPastEt) {
  ResourceRecord past1 = Rec("cse-in/p1");
  past1.et = "20240101T000000";
  ResourceRecord past2 = Rec("cse-in/p0");
  past2.et = "20240301T000000";
  ResourceRecord future = Rec("cse-in/f");
  future.et = "20300101T000000";
  InsertAll({Rec("cse-in"), past1, past2, future, Rec("cse-in/never")});
  auto expired = store_->Expired("20250101T000000", 10);
  ASSERT_TRUE(expired.has_value());
  // The soonest expired first, whatever the path order.
  EXPECT_EQ(Paths(*expired), (std::vector<std::string>{"cse-in/p1", "cse-in/p0"}));
  EXPECT_EQ(Paths(*store_->Expired("20250101T000000", 1)), std::vector<std::string>{"cse-in/p1"});
  EXPECT_TRUE(store_->Expired("20200101T000000", 10)->empty());
}

// A backlog larger than the limit comes out in batches, each the soonest expired of those left;
// an update that moves et moves the resource in that order.
TEST_P(StoreTest, ExpiredBacklogComesOutSoonestFirstInBatches) {
  std::vector<ResourceRecord> records{Rec("cse-in")};
  for (int i = 0; i < 60; ++i) {
    ResourceRecord r = Rec("cse-in/r" + std::to_string(i));
    // days 1..60 of 2024, in an order unrelated to the paths
    const int day = 1 + (i * 37) % 60;
    char et[32];
    std::snprintf(et, sizeof et, "2024%02d%02dT000000", 1 + (day - 1) / 28, 1 + (day - 1) % 28);
    r.et = et;
    records.push_back(r);
  }
  InsertAll(records);
  std::vector<std::string> all_ets;
  for (size_t i = 1; i < records.size(); ++i) all_ets.push_back(records[i].et);
  std::sort(all_ets.begin(), all_ets.end());

  std::vector<std::string> seen;
  for (int batch = 0; batch < 10; ++batch) {
    auto expired = store_->Expired("20250101T000000", 25);
    ASSERT_TRUE(expired.has_value());
    if (expired->empty()) break;
    EXPECT_LE(expired->size(), 25u);
    for (const auto& r : *expired) {
      seen.push_back(r.et);
      ASSERT_TRUE(store_->SubmitAndWait([ri = r.ri](WriteTxn& txn) {
                          return txn.DeleteSubtree(ri).has_value() ? Status::Ok()
                                                                   : Status::NotFound("gone");
                        }).ok());
    }
  }
  EXPECT_EQ(seen, all_ets);

  ResourceRecord moved = Rec("cse-in/m");
  moved.et = "20240601T000000";
  ASSERT_TRUE(Insert(moved).ok());
  ResourceRecord early = Rec("cse-in/e");
  early.et = "20240301T000000";
  ASSERT_TRUE(Insert(early).ok());
  moved.et = "20240101T000000";
  ASSERT_TRUE(store_->SubmitAndWait([&](WriteTxn& txn) { return txn.Update(moved); }).ok());
  EXPECT_EQ(Paths(*store_->Expired("20250101T000000", 1)), std::vector<std::string>{"cse-in/m"});
  moved.et.clear();  // no longer expires
  ASSERT_TRUE(store_->SubmitAndWait([&](WriteTxn& txn) { return txn.Update(moved); }).ok());
  EXPECT_EQ(Paths(*store_->Expired("20250101T000000", 10)), std::vector<std::string>{"cse-in/e"});
}

TEST_P(StoreTest, SubmitAfterCloseFails) {
  store_->Close();
  store_->Close();  // idempotent
  Status s = store_->SubmitAndWait([](WriteTxn& t) { return t.Insert(Rec("cse-in")); });
  EXPECT_EQ(s.code(), Rsc::kInternalServerError);
}

}  // namespace
}  // namespace trustcse::storage
