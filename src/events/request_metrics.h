// RequestMetrics: what the requests a CSE answered add up to, counted on the request path
// without a lock or an allocation — a fixed table of relaxed atomic counters indexed by
// (binding × operation × resource type × response status code), and a latency histogram per
// (binding × operation). The dispatcher records each request once, when its response is
// finished (dispatcher/dispatcher.h, DispatcherOptions::metrics); server/monitoring.h reads the
// table at scrape time and turns it into Prometheus metrics.
//
// Dimensions and their buckets (fixed, so the table never grows):
//   binding    "http", "https", "coap", "coaps", "mqtt", "ws", "wss", anything else → "other"
//   operation  the oneM2M operation code 1…5 (create … notify); anything else → "other"
//   ty         the resource type the request names (a CREATE's ty; 0 when it names none),
//              0 … kMaxTy-1, larger → "other"
//   rsc        the response status code, one bucket per code of common/status.h, others → "other"
// The table holds 87,840 counters (about 700 KB), allocated once.
//
// Thread-safety: Record and the readers may be called concurrently from any thread; a reader
// sees each counter at some moment during its read (counters only grow).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "common/histogram.h"

namespace trustcse::events {

class RequestMetrics {
 public:
  static constexpr size_t kBindings = 8;
  static constexpr size_t kOperations = 6;    // 5 oneM2M operations + other
  static constexpr size_t kMaxTy = 60;        // ty 0 … 59 have a bucket each
  static constexpr size_t kTys = kMaxTy + 1;  // + other
  static constexpr size_t kRscs = 41;         // known codes + other (see RscIndex)

  RequestMetrics();
  RequestMetrics(const RequestMetrics&) = delete;
  RequestMetrics& operator=(const RequestMetrics&) = delete;

  // Counts one answered request. `op` is the oneM2M operation code, `rsc` the numeric status.
  void Record(std::string_view binding, int op, int ty, int rsc, std::chrono::microseconds latency);

  // Label values of the buckets (for the scrape).
  static std::string_view BindingName(size_t i);
  static std::string_view OperationName(size_t i);
  // "0" … "59", or "other".
  static std::string TyName(size_t i);
  // "2000", …, or "other".
  static std::string RscName(size_t i);

  // Calls f(binding, operation, ty, rsc, count) for every non-zero counter.
  void ForEachCount(const std::function<void(size_t, size_t, size_t, size_t, uint64_t)>& f) const;
  // The latency histogram of (binding, operation).
  const LatencyHistogram& latency(size_t binding, size_t op) const {
    return latency_[binding * kOperations + op];
  }
  // All requests counted, whatever their labels.
  uint64_t total() const { return total_.load(std::memory_order_relaxed); }

  // Bucket indexes (public for the tests).
  static size_t BindingIndex(std::string_view binding);
  static size_t OperationIndex(int op);
  static size_t TyIndex(int ty);
  static size_t RscIndex(int rsc);

 private:
  static constexpr size_t kCells = kBindings * kOperations * kTys * kRscs;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::unique_ptr<LatencyHistogram[]> latency_;
  std::atomic<uint64_t> total_{0};
};

}  // namespace trustcse::events
