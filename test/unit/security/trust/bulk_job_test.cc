// Tests of the trust centre's bulk jobs (bulk_job.h): a batch and its job's progress commit
// together; a batch that does not start where the job stands changes nothing (4105); a job's
// parameters are fixed; items fail alone, counted with their position; machines, subscriptions
// and transitions in bulk do what one by one would do; and a job resumes after a restart
// (the store reopened, as after kill -9).
#include "security/trust/bulk_job.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "security/trust/subscriptions.h"
#include "security/trust/trust_fixture.h"

namespace trustcse::security::trust {
namespace {

namespace bj = boost::json;

BulkBatch Batch(std::string job, uint64_t total, uint64_t offset) {
  BulkBatch b;
  b.job = std::move(job);
  b.total = total;
  b.offset = offset;
  b.by = "cli:ops";
  return b;
}

bj::array Devices(int from, int to) {
  bj::array out;
  for (int i = from; i < to; ++i) {
    out.emplace_back(bj::object{{"id", "M" + std::to_string(i)},
                                {"app", kFirstApp},
                                {"entities", bj::array{"CM" + std::to_string(i)}}});
  }
  return out;
}

bj::array Subscriptions(int from, int to) {
  bj::array out;
  for (int i = from; i < to; ++i) {
    out.emplace_back(bj::object{{"id", "S" + std::to_string(i)},
                                {"machine", "M" + std::to_string(i)},
                                {"state", "active"}});
  }
  return out;
}

std::vector<std::string> Ids(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back("S" + std::to_string(i));
  return out;
}

TEST(BulkBatch, ParsesWhatABatchMustName) {
  bj::object a{{"job", "j-1"}, {"total", 10}, {"offset", 4}};
  auto b = ParseBulkBatch(a, "op", "p", 6, "cli:ops");
  ASSERT_TRUE(b.has_value()) << b.error().message();
  EXPECT_EQ(b->offset, 4u);
  EXPECT_EQ(b->total, 10u);
  EXPECT_FALSE(ParseBulkBatch(a, "op", "p", 7, "x").has_value());  // past the total
  EXPECT_FALSE(ParseBulkBatch(a, "op", "p", 0, "x").has_value());  // empty
  EXPECT_FALSE(ParseBulkBatch({{"job", "a/b"}, {"total", 1}, {"offset", 0}}, "", "", 1, "x"));
  EXPECT_FALSE(ParseBulkBatch({{"job", "j"}, {"offset", 0}}, "", "", 1, "x"));
  EXPECT_FALSE(ParseBulkBatch({{"job", "j"}, {"total", 1}, {"offset", -1}}, "", "", 1, "x"));
  EXPECT_FALSE(ParseBulkBatch({{"job", "j"}, {"total", 20000}, {"offset", 0}}, "", "",
                              kMaxBulkBatch + 1, "x"));
}

class BulkJobTest : public testing::Test {
 protected:
  BulkJobTest() {
    dir_ = std::filesystem::temp_directory_path() /
           ("trustcse-bulk-" + std::to_string(::getpid()) + "-" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Open();
    AddProviderAndApp(*trust_, UseCaseClass::kNBN);  // RSP000001-1
  }
  ~BulkJobTest() override {
    Close();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    storage::SqliteOptions o;
    o.path = (dir_ / "db").string();
    auto s = storage::OpenSqliteStore(o);
    ASSERT_TRUE(s.has_value());
    store_ = std::move(*s);
    trust_ = std::make_shared<TrustRegistry>(*store_);
    ASSERT_TRUE(trust_->Load().ok());
    subs_ = std::make_shared<SubscriptionRegistry>(*store_, trust_);
    ASSERT_TRUE(subs_->Load().ok());
  }
  void Close() {
    subs_.reset();
    trust_.reset();
    if (store_) store_->Close();
    store_.reset();
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Store> store_;
  std::shared_ptr<TrustRegistry> trust_;
  std::shared_ptr<SubscriptionRegistry> subs_;
};

TEST_F(BulkJobTest, ImportsMachinesBatchByBatchAndResumesAfterARestart) {
  auto first = trust_->AddMachineBatch(Batch("imp", 10, 0), Devices(0, 4));
  ASSERT_TRUE(first.has_value()) << first.error().message();
  EXPECT_EQ(first->done, 4u);
  EXPECT_EQ(first->changed, 4u);
  EXPECT_FALSE(first->finished());
  // The same batch again (a retry after a lost answer) is refused and changes nothing.
  auto again = trust_->AddMachineBatch(Batch("imp", 10, 0), Devices(0, 4));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), Rsc::kConflict);
  EXPECT_NE(again.error().message().find("stands at item 4"), std::string::npos);
  // A batch past where the job stands: refused too (a gap would lose items).
  EXPECT_FALSE(trust_->AddMachineBatch(Batch("imp", 10, 6), Devices(6, 10)).has_value());
  EXPECT_EQ(trust_->FindMachine("M6"), nullptr);

  // Restart: what the job says it did is there, and it goes on from there.
  Close();
  Open();
  auto job = trust_->FindJob("imp");
  ASSERT_TRUE(job.has_value() && job->has_value());
  EXPECT_EQ((*job)->done, 4u);
  EXPECT_EQ((*job)->op, "device.import");
  EXPECT_EQ((*job)->by, "cli:ops");
  ASSERT_NE(trust_->FindMachine("M3"), nullptr);
  EXPECT_EQ(trust_->MachineOfEntity("CM3")->id, "M3");
  auto rest = trust_->AddMachineBatch(Batch("imp", 10, 4), Devices(4, 10));
  ASSERT_TRUE(rest.has_value()) << rest.error().message();
  EXPECT_TRUE(rest->finished());
  EXPECT_EQ(rest->changed, 10u);
  EXPECT_EQ(trust_->Machines("", "", 100).size(), 10u);
  EXPECT_EQ(trust_->FindMachine("M9")->history.at(0).by, "cli:ops");
}

TEST_F(BulkJobTest, ItemsFailAloneWithTheirPosition) {
  ASSERT_TRUE(trust_->AddMachine({{"id", "M0"}, {"app", kFirstApp}}, "cli").has_value());
  bj::array items = Devices(0, 3);  // M0 exists already
  items.emplace_back(bj::object{{"id", "M9"}, {"app", "RNOPE-1"}});
  items.emplace_back(bj::object{{"id", "M1"}, {"app", kFirstApp}});  // twice in the batch
  items.emplace_back(bj::object{{"id", "M7"}, {"app", kFirstApp}, {"entities", bj::array{"CM2"}}});
  items.emplace_back(bj::object{{"id", "M8"}, {"app", kFirstApp}, {"imei", "35209900176148"}});
  items.emplace_back(bj::object{{"id", "M5"}, {"app", kFirstApp}, {"colour", "red"}});
  items.emplace_back("not an object");
  auto job = trust_->AddMachineBatch(Batch("imp", items.size(), 0), items);
  ASSERT_TRUE(job.has_value()) << job.error().message();
  EXPECT_EQ(job->done, 9u);
  EXPECT_EQ(job->changed, 3u);  // M1, M2, M8
  EXPECT_EQ(job->failed, 6u);
  ASSERT_EQ(job->errors.size(), 6u);
  EXPECT_EQ(job->errors[0], "item 1: machine M0 exists");
  EXPECT_NE(job->errors[1].find("item 4: no application RNOPE-1"), std::string::npos);
  EXPECT_EQ(job->errors[2], "item 5: machine M1 is in the batch twice");
  EXPECT_EQ(job->errors[3], "item 6: entity CM2 is in the batch twice");
  EXPECT_NE(job->errors[4].find("item 8: unknown"), std::string::npos);
  EXPECT_EQ(job->errors[5], "item 9: not a JSON object");
  EXPECT_NE(trust_->FindMachine("M8"), nullptr);
  EXPECT_EQ(trust_->FindMachine("M7"), nullptr);
}

TEST_F(BulkJobTest, AJobsParametersAreFixedByItsFirstBatch) {
  ASSERT_TRUE(trust_->AddMachineBatch(Batch("imp", 4, 0), Devices(0, 4)).has_value());
  ASSERT_TRUE(subs_->AddBatch(Batch("subs", 4, 0), Subscriptions(0, 2)).has_value());
  // Another operation under the same job name, or another total: refused, nothing applied.
  auto other = subs_->TransitionBatch(Batch("subs", 4, 2), Ids(0, 2), "suspended", "", false);
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code(), Rsc::kBadRequest);
  EXPECT_NE(other.error().message().find("name a new job"), std::string::npos);
  EXPECT_FALSE(subs_->AddBatch(Batch("subs", 5, 2), Subscriptions(2, 4)).has_value());
  EXPECT_EQ(subs_->Find("S0")->sub.state, "active");
  // A transition job keeps its target state and reason.
  ASSERT_TRUE(
      subs_->TransitionBatch(Batch("sus", 2, 0), {"S0"}, "suspended", "audit", false).has_value());
  EXPECT_FALSE(
      subs_->TransitionBatch(Batch("sus", 2, 1), {"S1"}, "terminated", "audit", false).has_value());
  EXPECT_FALSE(
      subs_->TransitionBatch(Batch("sus", 2, 1), {"S1"}, "suspended", "other", false).has_value());
  EXPECT_EQ(subs_->Find("S1")->sub.state, "active");
}

TEST_F(BulkJobTest, TransitionsInBulkAsOneByOne) {
  Application critical;
  critical.provider = "SP000001";
  critical.name = "alarms";
  critical.use_case = UseCaseClass::kCQN;
  critical.practice_statement = "cps";
  ASSERT_TRUE(trust_->AddApp(critical).has_value());  // RSP000001-2
  ASSERT_TRUE(trust_->AddMachineBatch(Batch("imp", 6, 0), Devices(0, 6)).has_value());
  ASSERT_TRUE(trust_->AddMachine({{"id", "MC"}, {"app", "RSP000001-2"}}, "cli").has_value());
  bj::array subs = Subscriptions(0, 6);
  subs.emplace_back(bj::object{{"id", "SC"}, {"machine", "MC"}, {"state", "active"}});
  subs.emplace_back(bj::object{{"id", "S0b"}, {"machine", "M0"}});  // M0 has one
  auto added = subs_->AddBatch(Batch("subs", subs.size(), 0), subs);
  ASSERT_TRUE(added.has_value()) << added.error().message();
  EXPECT_EQ(added->changed, 7u);
  ASSERT_EQ(added->errors.size(), 1u);
  EXPECT_EQ(added->errors[0], "item 8: machine M0 has a subscription");
  ASSERT_TRUE(subs_->Transition("S1", "terminated", "", false, "cli").has_value());
  ASSERT_TRUE(subs_->Transition("S2", "suspended", "", false, "cli").has_value());

  std::vector<std::string> ids = {"S0", "S1", "S2", "SC", "S-none", "S3", "S3"};
  auto job = subs_->TransitionBatch(Batch("sus", ids.size(), 0), ids, "suspended", "storm", false);
  ASSERT_TRUE(job.has_value()) << job.error().message();
  EXPECT_EQ(job->changed, 2u);    // S0, S3
  EXPECT_EQ(job->unchanged, 2u);  // S2 already, S3 twice
  EXPECT_EQ(job->failed, 3u);     // S1 terminated, SC critical, S-none
  EXPECT_NE(job->errors[0].find("item 2: subscription S1 is terminated"), std::string::npos);
  EXPECT_NE(job->errors[1].find("item 4: machine MC serves a critical class (CQN)"),
            std::string::npos);
  EXPECT_EQ(job->errors[2], "item 5: no subscription S-none");
  const auto s0 = subs_->Find("S0")->sub;
  EXPECT_EQ(s0.state, "suspended");
  EXPECT_EQ(s0.history.back().by, "cli:ops");
  EXPECT_EQ(s0.history.back().reason, "storm (bulk job sus)");
  EXPECT_EQ(subs_->Of("M0")->sub.state, "suspended");  // the request path sees it
  EXPECT_EQ(subs_->Find("SC")->sub.state, "active");

  // The override needs a reason; with both, the critical one goes too, and it is recorded.
  EXPECT_FALSE(subs_->TransitionBatch(Batch("q", 1, 0), {"SC"}, "quarantined", "", true));
  auto q = subs_->TransitionBatch(Batch("q", 1, 0), {"SC"}, "quarantined", "leak", true);
  ASSERT_TRUE(q.has_value()) << q.error().message();
  EXPECT_EQ(q->changed, 1u);
  EXPECT_NE(subs_->Find("SC")->sub.history.back().reason.find("[override of critical class CQN]"),
            std::string::npos);

  // Survives a restart as committed.
  Close();
  Open();
  EXPECT_EQ(subs_->Find("S3")->sub.state, "suspended");
  EXPECT_EQ(subs_->Find("SC")->sub.state, "quarantined");
  EXPECT_EQ(subs_->Of("M4")->sub.state, "active");
}

TEST_F(BulkJobTest, KeepsTheFirstErrorsOnly) {
  std::vector<std::string> ids;
  for (size_t i = 0; i < kMaxBulkErrors + 50; ++i) ids.push_back("nope" + std::to_string(i));
  auto job = subs_->TransitionBatch(Batch("j", ids.size(), 0), ids, "active", "", false);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->failed, kMaxBulkErrors + 50);
  EXPECT_EQ(job->errors.size(), kMaxBulkErrors);
}

}  // namespace
}  // namespace trustcse::security::trust
