#include "events/request_metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <thread>
#include <tuple>
#include <vector>

#include "common/histogram.h"

namespace trustcse::events {
namespace {

using Key = std::tuple<std::string, std::string, std::string, std::string>;

std::map<Key, uint64_t> Counts(const RequestMetrics& m) {
  std::map<Key, uint64_t> out;
  m.ForEachCount([&](size_t b, size_t o, size_t t, size_t r, uint64_t n) {
    out[{std::string(RequestMetrics::BindingName(b)), std::string(RequestMetrics::OperationName(o)),
         RequestMetrics::TyName(t), RequestMetrics::RscName(r)}] = n;
  });
  return out;
}

TEST(RequestMetrics, CountsEachRequestUnderItsLabels) {
  RequestMetrics m;
  m.Record("http", 2, 0, 2000, std::chrono::microseconds(300));
  m.Record("http", 2, 0, 2000, std::chrono::microseconds(300));
  m.Record("coaps", 1, 4, 2001, std::chrono::microseconds(3000));
  m.Record("https", 2, 0, 4103, std::chrono::microseconds(50));
  auto c = Counts(m);
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ((c[{"http", "retrieve", "0", "2000"}]), 2u);
  EXPECT_EQ((c[{"coaps", "create", "4", "2001"}]), 1u);
  EXPECT_EQ((c[{"https", "retrieve", "0", "4103"}]), 1u);
  EXPECT_EQ(m.total(), 4u);
}

TEST(RequestMetrics, UnknownValuesFallIntoOtherBuckets) {
  RequestMetrics m;
  m.Record("websocket", 9, 10000, 4999, std::chrono::microseconds(1));
  m.Record("", -1, -3, 0, std::chrono::microseconds(-5));  // negative latency counts as 0
  auto c = Counts(m);
  EXPECT_EQ((c[{"other", "other", "other", "other"}]), 2u);
}

TEST(RequestMetrics, EveryStatusCodeOfTheTableHasItsOwnBucket) {
  for (int code : {1000, 2000, 2001, 2002, 2004, 4000, 4004, 4103, 4106, 4107, 5000, 5103, 6010}) {
    size_t i = RequestMetrics::RscIndex(code);
    ASSERT_LT(i, RequestMetrics::kRscs - 1) << code;
    EXPECT_EQ(RequestMetrics::RscName(i), std::to_string(code));
  }
  EXPECT_EQ(RequestMetrics::RscName(RequestMetrics::RscIndex(4999)), "other");
}

TEST(RequestMetrics, LatencyHistogramPerBindingAndOperation) {
  RequestMetrics m;
  m.Record("http", 2, 0, 2000, std::chrono::microseconds(90));        // ≤ 100 µs
  m.Record("http", 2, 0, 2000, std::chrono::microseconds(2000));      // ≤ 2.5 ms
  m.Record("http", 2, 0, 2000, std::chrono::microseconds(20000000));  // beyond 10 s
  auto s =
      m.latency(RequestMetrics::BindingIndex("http"), RequestMetrics::OperationIndex(2)).Read();
  EXPECT_EQ(s.count(), 3u);
  EXPECT_EQ(s.counts[0], 1u);
  EXPECT_EQ(s.counts[4], 1u);  // bound 2500
  EXPECT_EQ(s.counts[s.bounds.size()], 1u);
  EXPECT_EQ(s.sum, 90u + 2000u + 20000000u);
  EXPECT_EQ(m.latency(RequestMetrics::BindingIndex("coap"), 0).Read().count(), 0u);
}

TEST(RequestMetrics, ConcurrentRecordsAreAllCounted) {
  RequestMetrics m;
  constexpr int kThreads = 4, kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < kEach; ++i) {
        m.Record(t % 2 ? "http" : "mqtt", 1 + i % 5, i % 3, 2000, std::chrono::microseconds(i));
      }
    });
  }
  for (auto& t : threads) t.join();
  uint64_t sum = 0;
  for (const auto& [k, n] : Counts(m)) sum += n;
  EXPECT_EQ(sum, uint64_t{kThreads} * kEach);
  EXPECT_EQ(m.total(), uint64_t{kThreads} * kEach);
}

TEST(FixedHistogram, BucketsAreInclusiveUpperBounds) {
  FixedHistogram<3> h({1, 10, 100});
  for (uint64_t v : {0, 1, 2, 10, 11, 100, 101}) h.Record(v);
  auto s = h.Read();
  EXPECT_EQ(s.counts[0], 2u);  // 0, 1
  EXPECT_EQ(s.counts[1], 2u);  // 2, 10
  EXPECT_EQ(s.counts[2], 2u);  // 11, 100
  EXPECT_EQ(s.counts[3], 1u);  // 101
  EXPECT_EQ(s.count(), 7u);
}

}  // namespace
}  // namespace trustcse::events
