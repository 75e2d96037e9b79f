// FixedHistogram: a histogram with bucket bounds fixed at compile time, recorded with relaxed
// atomic increments only (no lock, no allocation), for counters that hot paths record and a
// scrape reads now and then (server/monitoring.h turns them into Prometheus metrics).
//
// Record(v) adds one observation of `v` (in the histogram's unit: microseconds, items, …) to the
// first bucket whose upper bound is >= v, or to the overflow bucket, and adds v to the sum.
// Snapshot() copies the counts; as the fields are read one by one while others record, a
// snapshot may be off by the observations recorded during it, never by more.
//
// Thread-safety: Record and Snapshot may be called concurrently from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace trustcse {

template <size_t N>
class FixedHistogram {
 public:
  // `bounds` ascending: the upper bound (inclusive) of each bucket but the last (+Inf).
  explicit constexpr FixedHistogram(const std::array<uint64_t, N>& bounds) : bounds_(bounds) {}

  void Record(uint64_t v) {
    size_t i = 0;
    while (i < N && v > bounds_[i]) ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(v, std::memory_order_relaxed);
  }

  struct Snapshot {
    std::array<uint64_t, N> bounds{};
    std::array<uint64_t, N + 1> counts{};  // per bucket, not cumulative; [N] is the overflow
    uint64_t sum = 0;
    uint64_t count() const {
      uint64_t n = 0;
      for (uint64_t c : counts) n += c;
      return n;
    }
  };
  Snapshot Read() const {
    Snapshot s;
    s.bounds = bounds_;
    for (size_t i = 0; i <= N; ++i) s.counts[i] = counts_[i].load(std::memory_order_relaxed);
    s.sum = sum_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  const std::array<uint64_t, N> bounds_;
  std::array<std::atomic<uint64_t>, N + 1> counts_{};
  std::atomic<uint64_t> sum_{0};
};

// Latency buckets in microseconds: 100 µs … 10 s.
inline constexpr std::array<uint64_t, 14> kLatencyBucketsUs = {
    100,   250,   500,    1000,   2500,    5000,    10000,
    25000, 50000, 100000, 250000, 1000000, 2500000, 10000000};
struct LatencyHistogram : FixedHistogram<kLatencyBucketsUs.size()> {
  LatencyHistogram() : FixedHistogram(kLatencyBucketsUs) {}
};

}  // namespace trustcse
