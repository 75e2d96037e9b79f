#include "events/request_metrics.h"

#include <algorithm>
#include <string>

namespace trustcse::events {

namespace {

constexpr std::array<std::string_view, RequestMetrics::kBindings> kBindingNames = {
    "http", "https", "coap", "coaps", "mqtt", "ws", "wss", "other"};
constexpr std::array<std::string_view, RequestMetrics::kOperations> kOperationNames = {
    "create", "retrieve", "update", "delete", "notify", "other"};
// The status codes of common/status.h, ascending; the last bucket is "other".
constexpr std::array<int, 40> kRscCodes = {
    1000, 1001, 1002, 2000, 2001, 2002, 2004, 4000, 4001, 4004, 4005, 4008, 4015,
    4101, 4102, 4103, 4105, 4106, 4107, 4108, 4110, 4117, 4126, 4128, 5000, 5001, 5103,
    5105, 5106, 5203, 5204, 5205, 5206, 5207, 5209, 5220, 6003, 6005, 6010, 6024};
static_assert(kRscCodes.size() + 1 == RequestMetrics::kRscs);

}  // namespace

RequestMetrics::RequestMetrics()
    : counts_(new std::atomic<uint64_t>[kCells]()),
      latency_(new LatencyHistogram[kBindings * kOperations]) {
  for (size_t i = 0; i < kCells; ++i) counts_[i].store(0, std::memory_order_relaxed);
}

size_t RequestMetrics::BindingIndex(std::string_view b) {
  for (size_t i = 0; i + 1 < kBindings; ++i) {
    if (kBindingNames[i] == b) return i;
  }
  return kBindings - 1;
}

size_t RequestMetrics::OperationIndex(int op) {
  return op >= 1 && op <= 5 ? static_cast<size_t>(op - 1) : kOperations - 1;
}

size_t RequestMetrics::TyIndex(int ty) {
  return ty >= 0 && static_cast<size_t>(ty) < kMaxTy ? static_cast<size_t>(ty) : kMaxTy;
}

size_t RequestMetrics::RscIndex(int rsc) {
  auto it = std::lower_bound(kRscCodes.begin(), kRscCodes.end(), rsc);
  if (it != kRscCodes.end() && *it == rsc) return static_cast<size_t>(it - kRscCodes.begin());
  return kRscs - 1;
}

void RequestMetrics::Record(std::string_view binding, int op, int ty, int rsc,
                            std::chrono::microseconds latency) {
  const size_t b = BindingIndex(binding);
  const size_t o = OperationIndex(op);
  const size_t cell = ((b * kOperations + o) * kTys + TyIndex(ty)) * kRscs + RscIndex(rsc);
  counts_[cell].fetch_add(1, std::memory_order_relaxed);
  latency_[b * kOperations + o].Record(
      static_cast<uint64_t>(std::max<int64_t>(latency.count(), 0)));
  total_.fetch_add(1, std::memory_order_relaxed);
}

std::string_view RequestMetrics::BindingName(size_t i) {
  return i < kBindings ? kBindingNames[i] : "other";
}

std::string_view RequestMetrics::OperationName(size_t i) {
  return i < kOperations ? kOperationNames[i] : "other";
}

std::string RequestMetrics::TyName(size_t i) {
  return i < kMaxTy ? std::to_string(i) : std::string("other");
}

std::string RequestMetrics::RscName(size_t i) {
  return i < kRscCodes.size() ? std::to_string(kRscCodes[i]) : std::string("other");
}

void RequestMetrics::ForEachCount(
    const std::function<void(size_t, size_t, size_t, size_t, uint64_t)>& f) const {
  for (size_t cell = 0; cell < kCells; ++cell) {
    uint64_t n = counts_[cell].load(std::memory_order_relaxed);
    if (n == 0) continue;
    size_t r = cell % kRscs;
    size_t rest = cell / kRscs;
    size_t t = rest % kTys;
    rest /= kTys;
    f(rest / kOperations, rest % kOperations, t, r, n);
  }
}

}  // namespace trustcse::events
