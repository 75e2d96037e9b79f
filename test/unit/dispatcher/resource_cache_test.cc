// The dispatcher's resource cache (ResourceCache, dispatcher/internal.h): a value read before an
// invalidation is never cached after it (the generation counter), invalidation drops exactly
// the paths and subtrees a write touched (with a container's latest instance and compiled ACPs),
// at the capacity bound one entry makes room for another, and resource IDs map to paths.
#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <string>

#include "dispatcher/internal.h"

namespace trustcse::dispatcher {
namespace {

std::shared_ptr<const resources::Resource> Res(std::string path, std::string ri, int ty) {
  auto r = std::make_shared<resources::Resource>();
  r->path = std::move(path);
  r->attrs["ri"] = ri;
  r->attrs["ty"] = ty;
  r->attrs["rn"] = r->path.substr(r->path.rfind('/') + 1);
  return r;
}

std::shared_ptr<const storage::ResourceRecord> Instance(std::string ri) {
  auto rec = std::make_shared<storage::ResourceRecord>();
  rec->ri = std::move(ri);
  rec->ty = resources::ty::kContentInstance;
  return rec;
}

constexpr int kContainer = resources::ty::kContainer;
constexpr int kAe = resources::ty::kAe;

TEST(ResourceCache, KeepsWhatWasPutWithTheCurrentGeneration) {
  ResourceCache cache(100);
  auto cnt = Res("cse-in/ae1/cnt", "cnt1", kContainer);
  cache.Put(cache.generation(), cnt);
  EXPECT_EQ(cache.FindPath("cse-in/ae1/cnt"), cnt);
  EXPECT_EQ(cache.FindRi("cnt1"), cnt);
  EXPECT_EQ(cache.FindPath("cse-in/ae1/other"), nullptr);
  EXPECT_EQ(cache.FindRi("other"), nullptr);
}

TEST(ResourceCache, RefusesAPutWhoseReadBeganBeforeAnInvalidation) {
  ResourceCache cache(100);
  const uint64_t read_began = cache.generation();
  // A write commits (and invalidates) while the reader is between its read and its Put.
  cache.Invalidate({"cse-in/ae1/cnt"}, {});
  cache.Put(read_began, Res("cse-in/ae1/cnt", "cnt1", kContainer));
  EXPECT_EQ(cache.FindPath("cse-in/ae1/cnt"), nullptr);
  EXPECT_EQ(cache.FindRi("cnt1"), nullptr);
  // A read that began after the invalidation may cache what it read.
  const uint64_t read_after = cache.generation();
  EXPECT_NE(read_after, read_began);
  auto fresh = Res("cse-in/ae1/cnt", "cnt1", kContainer);
  cache.Put(read_after, fresh);
  EXPECT_EQ(cache.FindPath("cse-in/ae1/cnt"), fresh);
}

TEST(ResourceCache, AnyInvalidationRefusesStalePuts) {
  // The generation is global: a read racing a commit of an unrelated path is refused too
  // (conservative; the next read caches it).
  ResourceCache cache(100);
  const uint64_t read_began = cache.generation();
  cache.Invalidate({"cse-in/elsewhere"}, {});
  cache.Put(read_began, Res("cse-in/ae1", "ae1", kAe));
  EXPECT_EQ(cache.FindPath("cse-in/ae1"), nullptr);
}

TEST(ResourceCache, AnEmptyInvalidationChangesNothing) {
  ResourceCache cache(100);
  const uint64_t gen = cache.generation();
  cache.Put(gen, Res("cse-in/ae1", "ae1", kAe));
  cache.Invalidate({}, {});
  EXPECT_EQ(cache.generation(), gen);
  EXPECT_NE(cache.FindPath("cse-in/ae1"), nullptr);
}

TEST(ResourceCache, LatestAndCompiledFollowTheGenerationToo) {
  ResourceCache cache(100);
  const uint64_t read_began = cache.generation();
  cache.Invalidate({"cse-in/ae1/cnt"}, {});
  cache.PutLatest(read_began, "cse-in/ae1/cnt", Instance("cin1"));
  EXPECT_EQ(cache.FindLatest("cse-in/ae1/cnt"), nullptr);
  cache.PutLatest(cache.generation(), "cse-in/ae1/cnt", Instance("cin2"));
  auto latest = cache.FindLatest("cse-in/ae1/cnt");
  ASSERT_NE(latest, nullptr);
  EXPECT_EQ(latest->ri, "cin2");

  boost::json::object acp_attrs;
  auto compiled = security::CompiledAcp::Compile(acp_attrs);
  ASSERT_TRUE(compiled.has_value());
  const uint64_t acp_read = cache.generation();
  cache.Invalidate({"cse-in/acp"}, {});
  cache.PutCompiled(acp_read, "cse-in/acp", *compiled);
  EXPECT_EQ(cache.FindCompiled("cse-in/acp"), nullptr);
  cache.PutCompiled(cache.generation(), "cse-in/acp", *compiled);
  EXPECT_EQ(cache.FindCompiled("cse-in/acp"), *compiled);
}

TEST(ResourceCache, InvalidatingAPathDropsExactlyThatPath) {
  ResourceCache cache(100);
  const uint64_t gen = cache.generation();
  cache.Put(gen, Res("cse-in/ae1", "ae1", kAe));
  cache.Put(gen, Res("cse-in/ae1/cnt", "cnt1", kContainer));
  cache.Put(gen, Res("cse-in/ae2", "ae2", kAe));
  cache.PutLatest(gen, "cse-in/ae1/cnt", Instance("cin1"));
  cache.Invalidate({"cse-in/ae1/cnt"}, {});
  EXPECT_EQ(cache.FindPath("cse-in/ae1/cnt"), nullptr);
  EXPECT_EQ(cache.FindRi("cnt1"), nullptr);
  // A container's latest instance goes with the container.
  EXPECT_EQ(cache.FindLatest("cse-in/ae1/cnt"), nullptr);
  EXPECT_NE(cache.FindPath("cse-in/ae1"), nullptr);
  EXPECT_NE(cache.FindPath("cse-in/ae2"), nullptr);
}

TEST(ResourceCache, SubtreeInvalidationDropsTheRootAndItsDescendants) {
  ResourceCache cache(100);
  const uint64_t gen = cache.generation();
  cache.Put(gen, Res("cse-in", "id-in", resources::ty::kCseBase));
  cache.Put(gen, Res("cse-in/ae1", "ae1", kAe));
  cache.Put(gen, Res("cse-in/ae1/cnt", "cnt1", kContainer));
  cache.Put(gen, Res("cse-in/ae1/cnt/sub", "cnt2", kContainer));
  cache.Put(gen, Res("cse-in/ae10", "ae10", kAe));  // a sibling sharing the prefix "cse-in/ae1"
  cache.Put(gen, Res("cse-in/ae2/cnt", "cnt3", kContainer));
  cache.PutLatest(gen, "cse-in/ae1/cnt", Instance("cin1"));
  cache.PutLatest(gen, "cse-in/ae2/cnt", Instance("cin2"));

  cache.Invalidate({}, {"cse-in/ae1"});

  EXPECT_EQ(cache.FindPath("cse-in/ae1"), nullptr);
  EXPECT_EQ(cache.FindPath("cse-in/ae1/cnt"), nullptr);
  EXPECT_EQ(cache.FindPath("cse-in/ae1/cnt/sub"), nullptr);
  EXPECT_EQ(cache.FindRi("ae1"), nullptr);
  EXPECT_EQ(cache.FindRi("cnt1"), nullptr);
  EXPECT_EQ(cache.FindRi("cnt2"), nullptr);
  EXPECT_EQ(cache.FindLatest("cse-in/ae1/cnt"), nullptr);
  // Outside the subtree nothing changes.
  EXPECT_NE(cache.FindPath("cse-in"), nullptr);
  EXPECT_NE(cache.FindPath("cse-in/ae10"), nullptr);
  EXPECT_NE(cache.FindPath("cse-in/ae2/cnt"), nullptr);
  EXPECT_NE(cache.FindLatest("cse-in/ae2/cnt"), nullptr);
}

TEST(ResourceCache, KeepsOnlyCacheableTypes) {
  ResourceCache cache(100);
  EXPECT_TRUE(ResourceCache::Cacheable(resources::ty::kCseBase));
  EXPECT_TRUE(ResourceCache::Cacheable(kAe));
  EXPECT_TRUE(ResourceCache::Cacheable(kContainer));
  EXPECT_TRUE(ResourceCache::Cacheable(resources::ty::kAcp));
  EXPECT_FALSE(ResourceCache::Cacheable(resources::ty::kContentInstance));
  cache.Put(cache.generation(), Res("cse-in/ae1/cnt/cin", "cin1", resources::ty::kContentInstance));
  EXPECT_EQ(cache.FindPath("cse-in/ae1/cnt/cin"), nullptr);
  cache.Put(cache.generation(), nullptr);  // ignored
}

TEST(ResourceCache, WhenFullOneEntryMakesRoomInsteadOfGrowing) {
  ResourceCache cache(3);
  const uint64_t gen = cache.generation();
  cache.Put(gen, Res("cse-in/a", "a", kAe));
  cache.Put(gen, Res("cse-in/b", "b", kAe));
  cache.Put(gen, Res("cse-in/c", "c", kAe));
  auto held = [&](std::initializer_list<const char*> names) {
    int n = 0;
    for (const char* name : names) {
      const bool by_path = cache.FindPath(std::string("cse-in/") + name) != nullptr;
      EXPECT_EQ(by_path, cache.FindRi(name) != nullptr) << name;  // both maps agree
      n += by_path ? 1 : 0;
    }
    return n;
  };
  EXPECT_EQ(held({"a", "b", "c"}), 3);
  cache.Put(gen, Res("cse-in/c", "c", kAe));  // already there: nothing goes
  EXPECT_EQ(held({"a", "b", "c"}), 3);
  cache.Put(gen, Res("cse-in/d", "d", kAe));  // full: exactly one of the others goes
  EXPECT_NE(cache.FindPath("cse-in/d"), nullptr);
  EXPECT_EQ(held({"a", "b", "c"}), 2);
  cache.Put(gen, Res("cse-in/e", "e", kAe));
  EXPECT_EQ(held({"a", "b", "c", "d", "e"}), 3);

  // The latest instances have the same bound.
  for (const char* p : {"cse-in/c1", "cse-in/c2", "cse-in/c3", "cse-in/c4"}) {
    cache.PutLatest(gen, p, Instance(p));
  }
  int latest = 0;
  for (const char* p : {"cse-in/c1", "cse-in/c2", "cse-in/c3", "cse-in/c4"}) {
    latest += cache.FindLatest(p) != nullptr ? 1 : 0;
  }
  EXPECT_EQ(latest, 3);
  EXPECT_NE(cache.FindLatest("cse-in/c4"), nullptr);
}

TEST(ResourceCache, ANewHotSetMovesInOnceTheFirstOneIsFull) {
  // Whatever filled the cache first must not stay there for good: after many other resources
  // were put, the first ones are not all still held.
  ResourceCache cache(3);
  const uint64_t gen = cache.generation();
  for (const char* name : {"a", "b", "c"}) cache.Put(gen, Res(std::string("cse-in/") + name, name, kAe));
  for (int i = 0; i < 100; ++i) {
    const std::string name = "x" + std::to_string(i);
    cache.Put(gen, Res("cse-in/" + name, name, kAe));
  }
  int first = 0;
  for (const char* name : {"a", "b", "c"}) {
    first += cache.FindPath(std::string("cse-in/") + name) != nullptr ? 1 : 0;
  }
  EXPECT_LE(first, 1);  // a policy that always gives up the newest entry keeps two for good
  EXPECT_NE(cache.FindPath("cse-in/x99"), nullptr);
}

TEST(ResourceCache, FindRiMapsAResourceIdToItsPath) {
  ResourceCache cache(100);
  const uint64_t gen = cache.generation();
  auto a = Res("cse-in/ae1", "C123", kAe);
  auto b = Res("cse-in/ae1/cnt", "cnt9", kContainer);
  cache.Put(gen, a);
  cache.Put(gen, b);
  EXPECT_EQ(cache.FindRi("C123"), a);
  EXPECT_EQ(cache.FindRi("cnt9"), b);
  EXPECT_EQ(cache.FindRi("cse-in/ae1"), nullptr);  // a path is not a resource ID
  // A newer value at the same path replaces the old one for both lookups.
  auto a2 = Res("cse-in/ae1", "C123", kAe);
  cache.Put(gen, a2);
  EXPECT_EQ(cache.FindRi("C123"), a2);
  EXPECT_EQ(cache.FindPath("cse-in/ae1"), a2);
}

}  // namespace
}  // namespace trustcse::dispatcher
