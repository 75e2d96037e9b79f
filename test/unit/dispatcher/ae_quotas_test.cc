// Per-AE quotas (issue 11, item 7) against the in-memory store: what an AE's subtree holds is
// measured once, follows inserts, deletions and updates, exempts what is not under an AE, and a
// refusal is confirmed on a fresh count.
#include "dispatcher/ae_quotas.h"

#include <gtest/gtest.h>

#include "storage/store.h"

namespace trustcse::dispatcher {
namespace {

using storage::ResourceRecord;

ResourceRecord Rec(std::string path, int ty, size_t body_bytes = 10) {
  ResourceRecord r;
  r.path = path;
  r.ri = "id:" + path;
  r.rn = path.substr(path.rfind('/') + 1);
  r.pi = "id:" + path.substr(0, path.rfind('/'));
  r.ty = ty;
  r.ct = r.lt = "20260101T000000";
  r.body = std::string(body_bytes, 'x');
  return r;
}

class AeQuotasTest : public ::testing::Test {
 protected:
  AeQuotasTest() : store_(storage::OpenMemoryStore()) {
    Put(Rec("cse-in/ae", 2));
    Put(Rec("cse-in/acp", 1));
  }
  void Put(const ResourceRecord& r) {
    ASSERT_TRUE(store_->SubmitAndWait([&](storage::WriteTxn& t) { return t.Insert(r); }).ok());
  }
  // One write: Admit then Insert, Apply on success (what the dispatcher's TrackingTxn does).
  Status Create(AeQuotas& q, const ResourceRecord& r) {
    return store_->SubmitAndWait([&](storage::WriteTxn& t) -> Status {
      AeQuotas::Pending pending;
      if (Status s = q.Admit(t, r, pending); !s.ok()) return s;
      if (Status s = t.Insert(r); !s.ok()) return s;
      q.Apply(pending);
      return Status::Ok();
    });
  }
  Status Delete(AeQuotas& q, const std::string& ri) {
    return store_->SubmitAndWait([&](storage::WriteTxn& t) -> Status {
      AeQuotas::Pending pending;
      auto gone = t.DeleteSubtree(ri);
      if (!gone) return gone.error();
      q.Removed(*gone, pending);
      q.Apply(pending);
      return Status::Ok();
    });
  }
  std::unique_ptr<storage::Store> store_;
};

TEST_F(AeQuotasTest, ResourcesOfAnAeAreBoundedAndDeletionsMakeRoom) {
  AeQuotas q("cse-in", {3, 0, 0});
  EXPECT_TRUE(Create(q, Rec("cse-in/ae/c1", 3)).ok());
  EXPECT_TRUE(Create(q, Rec("cse-in/ae/c2", 3)).ok());
  EXPECT_TRUE(Create(q, Rec("cse-in/ae/c2/i1", 4)).ok());
  Status s = Create(q, Rec("cse-in/ae/c3", 3));
  EXPECT_EQ(s.code(), Rsc::kNotAcceptable);
  EXPECT_NE(s.message().find("resources"), std::string::npos);
  EXPECT_TRUE(Delete(q, "id:cse-in/ae/c2").ok());  // with its instance: two resources
  EXPECT_TRUE(Create(q, Rec("cse-in/ae/c3", 3)).ok());
  EXPECT_TRUE(Create(q, Rec("cse-in/ae/c4", 3)).ok());
  EXPECT_EQ(Create(q, Rec("cse-in/ae/c5", 3)).code(), Rsc::kNotAcceptable);
}

TEST_F(AeQuotasTest, WhatIsNotUnderAnAeIsExempt) {
  AeQuotas q("cse-in", {1, 0, 0});
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(Create(q, Rec("cse-in/acp/x" + std::to_string(i), 3)).ok());
    EXPECT_TRUE(Create(q, Rec("cse-in/top" + std::to_string(i), 3)).ok()) << "top resources";
  }
}

TEST_F(AeQuotasTest, UsageIsMeasuredFromWhatIsStored) {
  Put(Rec("cse-in/ae/old1", 3));
  Put(Rec("cse-in/ae/old2", 23));
  AeQuotas q("cse-in", {0, 0, 2});
  EXPECT_TRUE(Create(q, Rec("cse-in/ae/old1/s", 23)).ok());
  EXPECT_EQ(Create(q, Rec("cse-in/ae/old1/s2", 23)).code(), Rsc::kNotAcceptable)
      << "the stored subscription counts";
  EXPECT_TRUE(Create(q, Rec("cse-in/ae/cnt", 3)).ok()) << "other types are not subscriptions";
}

TEST_F(AeQuotasTest, BytesCountOnCreateAndOnUpdate) {
  AeQuotas q("cse-in", {0, 100, 0});
  EXPECT_TRUE(Create(q, Rec("cse-in/ae/a", 3, 60)).ok());
  EXPECT_EQ(Create(q, Rec("cse-in/ae/b", 3, 50)).code(), Rsc::kNotAcceptable);
  auto grow = [&](size_t from, size_t to) {
    return store_->SubmitAndWait([&](storage::WriteTxn& t) -> Status {
      AeQuotas::Pending pending;
      if (Status s = q.Resized(t, "cse-in/ae/a", from, to, pending); !s.ok()) return s;
      q.Apply(pending);
      return Status::Ok();
    });
  };
  EXPECT_EQ(grow(60, 150).code(), Rsc::kNotAcceptable) << "an update grows the bytes too";
  EXPECT_TRUE(grow(60, 20).ok());
  EXPECT_TRUE(Create(q, Rec("cse-in/ae/b", 3, 50)).ok()) << "the shrink made room";
}

TEST_F(AeQuotasTest, AFailedWriteLeavesNoTraceAndClearMeasuresAgain) {
  AeQuotas q("cse-in", {2, 0, 0});
  // Admitted but never applied (the WriteFn failed afterwards).
  ASSERT_FALSE(store_->SubmitAndWait([&](storage::WriteTxn& t) -> Status {
    AeQuotas::Pending pending;
    EXPECT_TRUE(q.Admit(t, Rec("cse-in/ae/x", 3), pending).ok());
    return Status::BadRequest("fails later");
  }).ok());
  EXPECT_TRUE(Create(q, Rec("cse-in/ae/c1", 3)).ok());
  EXPECT_TRUE(Create(q, Rec("cse-in/ae/c2", 3)).ok());
  EXPECT_EQ(Create(q, Rec("cse-in/ae/c3", 3)).code(), Rsc::kNotAcceptable);
  // A deletion the quotas never saw (the notifier's own write), then a fresh count.
  ASSERT_TRUE(store_->SubmitAndWait([&](storage::WriteTxn& t) -> Status {
    return t.DeleteSubtree("id:cse-in/ae/c1").has_value() ? Status::Ok() : Status::Internal("");
  }).ok());
  q.Clear();
  EXPECT_TRUE(Create(q, Rec("cse-in/ae/c3", 3)).ok());
}

}  // namespace
}  // namespace trustcse::dispatcher
