// DynamicGrants (security/authz/dynamic_grants.h): the deciding step that allows what dynamic
// authorization servers granted, for that originator and subject only, until the grant expires;
// bounded by its capacity; safe under concurrent Check and Grant.
//
// Times are fixed (ctx.time), never the wall clock.
#include "security/authz/dynamic_grants.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "security/authz/compiled_acp.h"

namespace trustcse::security {
namespace {

using namespace std::chrono_literals;

// 2024-06-11T12:00:00Z.
const TimePoint kT0{std::chrono::seconds(1718107200)};

// The compiled privileges of `acr` ({"acr":[…]}).
std::shared_ptr<const CompiledPrivileges> Privileges(const char* acr) {
  boost::json::value v = boost::json::parse(acr);
  auto compiled = CompiledPrivileges::Compile(&v);
  EXPECT_TRUE(compiled.has_value());
  return std::make_shared<const CompiledPrivileges>(std::move(*compiled));
}

// Retrieve (2) and discover (32) for Cae1.
std::shared_ptr<const CompiledPrivileges> RetrieveFor(const char* originator) {
  return Privileges((std::string(R"({"acr":[{"acor":[")") + originator + R"("],"acop":34}]})")
                        .c_str());
}

resources::Resource Subject(std::string path) {
  resources::Resource r;
  r.path = std::move(path);
  return r;
}

SecurityContext Context(std::string_view originator, const resources::Resource& subject,
                        uint32_t access = kRetrieve, TimePoint time = kT0) {
  SecurityContext ctx;
  ctx.originator = originator;
  ctx.subject = &subject;
  ctx.access = access;
  ctx.time = time;
  return ctx;
}

TEST(DynamicGrants, IsADecidingStep) {
  DynamicGrants grants;
  EXPECT_TRUE(grants.deciding());
  EXPECT_EQ(grants.name(), "authz.dynamic");
}

TEST(DynamicGrants, DefersWithNoGrants) {
  DynamicGrants grants;
  auto subject = Subject("cse-in/ae1/cnt");
  EXPECT_EQ(grants.Check(Context("Cae1", subject)).verdict, Verdict::kDefer);
  EXPECT_EQ(grants.size(), 0u);
}

TEST(DynamicGrants, DefersWithoutASubject) {
  DynamicGrants grants;
  grants.Grant("Cae1", "cse-in/ae1/cnt", RetrieveFor("Cae1"), kT0 + 1h);
  SecurityContext ctx;
  ctx.originator = "Cae1";
  ctx.access = kRetrieve;
  ctx.time = kT0;
  EXPECT_EQ(grants.Check(ctx).verdict, Verdict::kDefer);
}

TEST(DynamicGrants, AllowsWhatAGrantCovers) {
  DynamicGrants grants;
  grants.Grant("Cae1", "cse-in/ae1/cnt", RetrieveFor("Cae1"), kT0 + 1h);
  EXPECT_EQ(grants.size(), 1u);
  auto subject = Subject("cse-in/ae1/cnt");
  EXPECT_EQ(grants.Check(Context("Cae1", subject, kRetrieve)).verdict, Verdict::kAllow);
  EXPECT_EQ(grants.Check(Context("Cae1", subject, kDiscover)).verdict, Verdict::kAllow);
  // Operations the granted privileges do not include: no opinion (a later step decides).
  EXPECT_EQ(grants.Check(Context("Cae1", subject, kUpdate)).verdict, Verdict::kDefer);
  EXPECT_EQ(grants.Check(Context("Cae1", subject, kDelete)).verdict, Verdict::kDefer);
}

TEST(DynamicGrants, CoversOnlyTheGrantedOriginatorAndSubject) {
  DynamicGrants grants;
  // Privileges naming "all": only the grant's key (originator, subject) limits them.
  grants.Grant("Cae1", "cse-in/ae1/cnt",
               Privileges(R"({"acr":[{"acor":["all"],"acop":63}]})"), kT0 + 1h);
  auto subject = Subject("cse-in/ae1/cnt");
  auto sibling = Subject("cse-in/ae1/cnt2");
  auto child = Subject("cse-in/ae1/cnt/cin1");
  EXPECT_EQ(grants.Check(Context("Cae1", subject)).verdict, Verdict::kAllow);
  EXPECT_EQ(grants.Check(Context("Cae2", subject)).verdict, Verdict::kDefer);
  EXPECT_EQ(grants.Check(Context("Cae1", sibling)).verdict, Verdict::kDefer);
  // Keyed by the subject's exact path: a child (whose own subject is itself) is not covered.
  EXPECT_EQ(grants.Check(Context("Cae1", child)).verdict, Verdict::kDefer);
}

TEST(DynamicGrants, ALaterGrantForTheSameKeyReplacesTheEarlierOne) {
  DynamicGrants grants;
  grants.Grant("Cae1", "cse-in/ae1/cnt", RetrieveFor("Cae1"), kT0 + 1h);
  grants.Grant("Cae1", "cse-in/ae1/cnt", Privileges(R"({"acr":[{"acor":["Cae1"],"acop":4}]})"),
               kT0 + 1h);
  EXPECT_EQ(grants.size(), 1u);
  auto subject = Subject("cse-in/ae1/cnt");
  EXPECT_EQ(grants.Check(Context("Cae1", subject, kUpdate)).verdict, Verdict::kAllow);
  EXPECT_EQ(grants.Check(Context("Cae1", subject, kRetrieve)).verdict, Verdict::kDefer);
}

TEST(DynamicGrants, ExpiredGrantsDeferAndAreDropped) {
  DynamicGrants grants;
  grants.Grant("Cae1", "cse-in/ae1/cnt", RetrieveFor("Cae1"), kT0 + 10s);
  grants.Grant("Cae1", "cse-in/ae1/other", RetrieveFor("Cae1"), kT0 + 1h);
  ASSERT_EQ(grants.size(), 2u);
  auto subject = Subject("cse-in/ae1/cnt");
  EXPECT_EQ(grants.Check(Context("Cae1", subject, kRetrieve, kT0 + 9s)).verdict, Verdict::kAllow);
  EXPECT_EQ(grants.size(), 2u);
  // At its end time the grant no longer holds, and it is forgotten.
  EXPECT_EQ(grants.Check(Context("Cae1", subject, kRetrieve, kT0 + 10s)).verdict,
            Verdict::kDefer);
  EXPECT_EQ(grants.size(), 1u);
  // The other grant is untouched.
  auto other = Subject("cse-in/ae1/other");
  EXPECT_EQ(grants.Check(Context("Cae1", other, kRetrieve, kT0 + 10s)).verdict, Verdict::kAllow);
}

TEST(DynamicGrants, ClearForgetsEveryGrant) {
  DynamicGrants grants;
  for (int i = 0; i < 50; ++i) {
    grants.Grant("Cae1", "cse-in/r" + std::to_string(i), RetrieveFor("Cae1"), kT0 + 1h);
  }
  ASSERT_EQ(grants.size(), 50u);
  grants.Clear();
  EXPECT_EQ(grants.size(), 0u);
  auto subject = Subject("cse-in/r7");
  EXPECT_EQ(grants.Check(Context("Cae1", subject)).verdict, Verdict::kDefer);
  // Usable again afterwards.
  grants.Grant("Cae1", "cse-in/r7", RetrieveFor("Cae1"), kT0 + 1h);
  EXPECT_EQ(grants.Check(Context("Cae1", subject)).verdict, Verdict::kAllow);
}

TEST(DynamicGrants, StaysBoundedByItsCapacity) {
  // Capacity 16: each of the 16 shards holds at most 16/16 + 1 = 2 grants; a full shard is
  // cleared to make room rather than growing.
  DynamicGrants grants(16);
  constexpr size_t kBound = 16 * 2;
  const auto privileges = RetrieveFor("Cae1");
  for (int i = 0; i < 500; ++i) {
    const std::string path = "cse-in/r" + std::to_string(i);
    grants.Grant("Cae1", path, privileges, kT0 + 1h);
    ASSERT_LE(grants.size(), kBound) << "after " << i + 1 << " grants";
    // The newest grant is always kept.
    auto subject = Subject(path);
    ASSERT_EQ(grants.Check(Context("Cae1", subject)).verdict, Verdict::kAllow) << path;
  }
  // Most of the 500 are gone (re-obtained on demand).
  int kept = 0;
  for (int i = 0; i < 500; ++i) {
    auto subject = Subject("cse-in/r" + std::to_string(i));
    if (grants.Check(Context("Cae1", subject)).verdict == Verdict::kAllow) ++kept;
  }
  EXPECT_LE(kept, static_cast<int>(kBound));
  EXPECT_EQ(static_cast<size_t>(kept), grants.size());
}

TEST(DynamicGrants, ConcurrentChecksAndGrantsAreSafe) {
  DynamicGrants grants;  // large enough that nothing is evicted
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string originator = "Cae" + std::to_string(t);
      const auto privileges = RetrieveFor(originator.c_str());
      for (int i = 0; i < kPerThread; ++i) {
        const std::string path = "cse-in/shared/r" + std::to_string(i % 200);
        auto subject = Subject(path);
        // Before this thread's grant of `path` (first round), nothing of another thread's may
        // allow it: their grants name other originators.
        Verdict before = grants.Check(Context(originator, subject)).verdict;
        if (i < 200 && before != Verdict::kDefer) ++wrong;
        grants.Grant(originator, path, privileges, kT0 + 1h);
        if (grants.Check(Context(originator, subject)).verdict != Verdict::kAllow) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(grants.size(), static_cast<size_t>(kThreads * 200));  // one per (originator, path)
}

}  // namespace
}  // namespace trustcse::security
